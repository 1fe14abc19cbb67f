//! The item editor's two formats: DynamoDB JSON (`{"price": {"N": "9.99"}}`)
//! and plain JSON (`{"price": 9.99}`). Plain JSON is read by a small parser
//! of its own so that a number keeps its exact text (`9.990` stays `9.990`,
//! 38 digits stay 38 digits) when it becomes an `N`.

use serde_json::{json, Map, Value};

/// Parses plain JSON text into an item in DynamoDB JSON: strings → S,
/// numbers → N (same text), booleans → BOOL, null → NULL, arrays → L,
/// objects → M.
pub fn plain_to_item(text: &str) -> Result<Map<String, Value>, String> {
    let mut p = Parser { text, s: text.as_bytes(), i: 0 };
    p.ws();
    if p.peek() != Some(b'{') {
        return Err(p.err("an item must be a JSON object: { \"name\": value, … }"));
    }
    let value = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the item"));
    }
    match value {
        Value::Object(mut m) => match m.remove("M") {
            Some(Value::Object(item)) => Ok(item),
            _ => Err("an item must be a JSON object".into()),
        },
        _ => Err("an item must be a JSON object".into()),
    }
}

/// Parses DynamoDB JSON text into an item (the engine checks the types).
pub fn dynamo_to_item(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("an item must be a JSON object: { \"name\": { \"S\": \"text\" }, … }".into()),
        Err(e) => Err(format!("JSON syntax error at line {}, column {}: {}", e.line(), e.column(), strip_position(&e.to_string()))),
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// An item as pretty DynamoDB JSON.
pub fn item_to_dynamo(item: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(item).unwrap_or_default()
}

/// An item as pretty plain JSON, or why it cannot be shown so (sets and
/// binary have no plain JSON form that converts back to the same type).
pub fn item_to_plain(item: &Map<String, Value>) -> Result<String, String> {
    let mut out = String::new();
    object(item, &mut out, 0, "")?;
    Ok(out)
}

fn object(m: &Map<String, Value>, out: &mut String, indent: usize, path: &str) -> Result<(), String> {
    if m.is_empty() {
        out.push_str("{}");
        return Ok(());
    }
    out.push_str("{\n");
    for (n, (k, v)) in m.iter().enumerate() {
        out.push_str(&"  ".repeat(indent + 1));
        out.push_str(&serde_json::to_string(k).unwrap_or_default());
        out.push_str(": ");
        let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        attr(v, out, indent + 1, &p)?;
        if n + 1 < m.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&"  ".repeat(indent));
    out.push('}');
    Ok(())
}

fn attr(v: &Value, out: &mut String, indent: usize, path: &str) -> Result<(), String> {
    let Some((t, inner)) = v.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next()) else {
        return Err(format!("{path} is not a DynamoDB attribute value"));
    };
    match (t.as_str(), inner) {
        ("S", Value::String(s)) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        ("N", Value::String(s)) => out.push_str(s),
        ("BOOL", Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        ("NULL", _) => out.push_str("null"),
        ("M", Value::Object(m)) => object(m, out, indent, path)?,
        ("L", Value::Array(list)) => {
            if list.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push_str("[\n");
            for (n, e) in list.iter().enumerate() {
                out.push_str(&"  ".repeat(indent + 1));
                attr(e, out, indent + 1, &format!("{path}[{n}]"))?;
                if n + 1 < list.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        (other, _) => {
            return Err(format!(
                "{path} is a {other} value, which plain JSON cannot show without changing its type: edit this item as DynamoDB JSON"
            ))
        }
    }
    Ok(())
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> String {
        let before = &self.s[..self.i.min(self.s.len())];
        let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&c| c != b'\n').count() + 1;
        format!("JSON syntax error at line {line}, column {column}: {message}")
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }
    fn expect(&mut self, c: u8, what: &str) -> Result<(), String> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected {what}")))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > 64 {
            return Err(self.err("nested too deeply"));
        }
        self.ws();
        match self.peek() {
            None => Err(self.err("unexpected end of text")),
            Some(b'{') => {
                self.i += 1;
                let mut m = Map::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(json!({ "M": m }));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a quoted attribute name"));
                    }
                    let key = self.string()?;
                    self.expect(b':', "':' after an attribute name")?;
                    let v = self.value(depth + 1)?;
                    if m.insert(key.clone(), v).is_some() {
                        return Err(self.err(&format!("attribute \"{key}\" appears twice")));
                    }
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(json!({ "M": m }));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut list = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(json!({ "L": list }));
                }
                loop {
                    list.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(json!({ "L": list }));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => Ok(json!({ "S": self.string()? })),
            Some(b't') => self.literal("true", json!({ "BOOL": true })),
            Some(b'f') => self.literal("false", json!({ "BOOL": false })),
            Some(b'n') => self.literal("null", json!({ "NULL": true })),
            Some(b'-' | b'0'..=b'9') => Ok(json!({ "N": self.number()? })),
            Some(_) => Err(self.err("unexpected character")),
        }
    }
    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self.text[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("unexpected word (strings need double quotes)"))
        }
    }
    fn string(&mut self) -> Result<String, String> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.peek() {
                None => return Err(self.err("a string is not closed")),
                Some(b'\\') => self.i += 2,
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(_) => self.i += 1,
            }
        }
        let raw = self.text.get(start..self.i).ok_or_else(|| self.err("a string is not closed"))?;
        serde_json::from_str::<String>(raw).map_err(|e| {
            let i = self.i;
            self.i = start;
            let m = self.err(&format!("bad string: {}", strip_position(&e.to_string())));
            self.i = i;
            m
        })
    }
    fn number(&mut self) -> Result<String, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if !digits(self) {
            return Err(self.err("a number needs digits"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return Err(self.err("a number needs digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.err("a number needs digits in its exponent"));
            }
        }
        Ok(self.text[start..self.i].to_string())
    }
}

/// One attribute value on one line, in plain JSON when it has a plain form
/// and in DynamoDB JSON otherwise.
pub fn value_one_line(v: &Value) -> String {
    let mut out = String::new();
    match attr(v, &mut out, 0, "value") {
        Ok(()) => out.lines().map(str::trim).collect::<Vec<_>>().join(" ").replace("[ ", "[").replace(" ]", "]").replace("{ ", "{").replace(" }", "}"),
        Err(_) => serde_json::to_string(v).unwrap_or_default(),
    }
}
