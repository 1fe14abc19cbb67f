//! Filter patterns, as FilterLogEvents (and metric filters) read them.
//!
//! Two kinds are understood:
//!
//! * **Terms** in unstructured events, matched case-sensitively anywhere in
//!   the message: `ERROR Exception` (every term), `"hello world"` (an exact
//!   phrase; `\"` and `\\` escape inside quotes), `?ERROR ?WARN` (any of the
//!   `?` terms), `ERROR -Exiting` (excluding a term). A pattern may mix them:
//!   every plain term, at least one `?` term if there are any, and no `-`
//!   term. An empty pattern matches every event.
//! * **JSON** patterns on events whose message is JSON: `{ $.level = "ERROR" }`,
//!   with selectors `$.a.b`, `$.list[0]` and `$.list[*]`; `=` and `!=` with
//!   strings (quoted or bare, `*` as a wildcard) or numbers; `<`, `<=`, `>`,
//!   `>=` with numbers; `IS TRUE`, `IS FALSE`, `IS NULL`, `EXISTS`,
//!   `NOT EXISTS`; `&&`, `||` and parentheses (`&&` binds tighter).
//!
//! Space-delimited patterns (`[ip, user, ...]`) and regular expressions
//! (`%...%`) are refused with an error saying so.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Matches every event.
    All,
    Terms(Terms),
    Json(Expr),
}

/// An unstructured-text pattern.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terms {
    /// Every one must occur.
    pub all: Vec<String>,
    /// At least one must occur, if there are any.
    pub any: Vec<String>,
    /// None may occur.
    pub none: Vec<String>,
}

/// A JSON pattern's expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Test(Selector, Test),
}

/// One step of a selector after `$`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// `[*]`: every element.
    Every,
}

pub type Selector = Vec<Step>;

/// What a JSON pattern tests a selected value for.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `=` / `!=` a string, `*` matching any run of characters.
    StrEq { text: String, negate: bool },
    /// A comparison with a number.
    Num { op: Op, value: f64 },
    IsTrue,
    IsFalse,
    IsNull,
    Exists,
    NotExists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Pattern {
    /// Parses a filter pattern; the error says what is wrong.
    pub fn parse(source: &str) -> Result<Pattern, String> {
        let s = source.trim();
        if s.is_empty() {
            return Ok(Pattern::All);
        }
        if s.starts_with('{') {
            return parse_json(s).map(Pattern::Json);
        }
        if s.starts_with('[') {
            return Err("Stratus does not support space-delimited filter patterns ([w1, w2, ...]) yet; use terms or a JSON pattern.".into());
        }
        if s.len() >= 2 && s.starts_with('%') && s.ends_with('%') {
            return Err("Stratus does not support regular expression filter patterns (%...%) yet; use terms or a JSON pattern.".into());
        }
        parse_terms(s).map(Pattern::Terms)
    }

    /// Whether an event's message matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Terms(t) => {
                t.all.iter().all(|w| message.contains(w.as_str()))
                    && (t.any.is_empty() || t.any.iter().any(|w| message.contains(w.as_str())))
                    && !t.none.iter().any(|w| message.contains(w.as_str()))
            }
            Pattern::Json(expr) => match serde_json::from_str::<Value>(message) {
                Ok(doc @ (Value::Object(_) | Value::Array(_))) => eval(expr, &doc),
                _ => false,
            },
        }
    }
}

fn parse_terms(s: &str) -> Result<Terms, String> {
    let mut terms = Terms::default();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        // A '?' or '-' directly before a term says how it counts.
        let mut kind = 0u8;
        if (chars[i] == '?' || chars[i] == '-') && chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
            kind = if chars[i] == '?' { b'?' } else { b'-' };
            i += 1;
        }
        let mut term = String::new();
        if chars[i] == '"' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        term.push(chars[i + 1]);
                        i += 2;
                    }
                    '"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    c => {
                        term.push(c);
                        i += 1;
                    }
                }
            }
            if !closed {
                return Err(format!("the quoted term \"{term} has no closing quote"));
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                term.push(chars[i]);
                i += 1;
            }
        }
        match kind {
            b'?' => terms.any.push(term),
            b'-' => terms.none.push(term),
            _ => terms.all.push(term),
        }
    }
    Ok(terms)
}

/// JSON pattern tokens.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Op(Op),
    Selector(String),
    Str(String),
    Word(String),
}

fn lex_json(body: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = body.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let stop = |c: char| c.is_whitespace() || "()&|=!<>\"".contains(c);
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match c {
            _ if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            _ if two == "&&" => {
                out.push(Tok::And);
                i += 2
            }
            _ if two == "||" => {
                out.push(Tok::Or);
                i += 2
            }
            _ if two == "!=" => {
                out.push(Tok::Op(Op::Ne));
                i += 2
            }
            _ if two == "<=" => {
                out.push(Tok::Op(Op::Le));
                i += 2
            }
            _ if two == ">=" => {
                out.push(Tok::Op(Op::Ge));
                i += 2
            }
            '=' => {
                out.push(Tok::Op(Op::Eq));
                i += if two == "==" { 2 } else { 1 }
            }
            '<' => {
                out.push(Tok::Op(Op::Lt));
                i += 1
            }
            '>' => {
                out.push(Tok::Op(Op::Gt));
                i += 1
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            s.push(chars[i + 1]);
                            i += 2
                        }
                        '"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        ch => {
                            s.push(ch);
                            i += 1
                        }
                    }
                }
                if !closed {
                    return Err(format!("the string \"{s} has no closing quote"));
                }
                out.push(Tok::Str(s));
            }
            '&' | '|' | '!' => return Err(format!("unexpected '{c}'")),
            _ => {
                let start = i;
                while i < chars.len() && !stop(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(if word.starts_with('$') { Tok::Selector(word) } else { Tok::Word(word) });
            }
        }
    }
    Ok(out)
}

fn parse_json(s: &str) -> Result<Expr, String> {
    let body = s
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .ok_or_else(|| "a JSON pattern must end with '}'".to_string())?;
    let tokens = lex_json(body)?;
    if tokens.is_empty() {
        return Err("the JSON pattern is empty".into());
    }
    let mut p = Parser { tokens, at: 0 };
    let expr = p.or()?;
    if p.at < p.tokens.len() {
        return Err(format!("unexpected {} in the JSON pattern", describe(&p.tokens[p.at])));
    }
    Ok(expr)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::And => "'&&'".into(),
        Tok::Or => "'||'".into(),
        Tok::Op(_) => "an operator".into(),
        Tok::Selector(s) | Tok::Word(s) => format!("'{s}'"),
        Tok::Str(s) => format!("\"{s}\""),
    }
}

struct Parser {
    tokens: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.factor()?;
        while self.peek() == Some(&Tok::And) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Open) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::Close) => Ok(e),
                    _ => Err("a '(' has no matching ')'".into()),
                }
            }
            Some(Tok::Selector(s)) => {
                let selector = parse_selector(&s)?;
                let test = self.test(&s)?;
                Ok(Expr::Test(selector, test))
            }
            Some(t) => Err(format!("expected a selector such as $.field, found {}", describe(&t))),
            None => Err("the JSON pattern ends too early".into()),
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn test(&mut self, selector: &str) -> Result<Test, String> {
        if self.keyword("IS") {
            return match self.next() {
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("TRUE") => Ok(Test::IsTrue),
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("FALSE") => Ok(Test::IsFalse),
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("NULL") => Ok(Test::IsNull),
                _ => Err(format!("{selector} IS must be followed by TRUE, FALSE or NULL")),
            };
        }
        if self.keyword("NOT") {
            return if self.keyword("EXISTS") { Ok(Test::NotExists) } else { Err(format!("{selector} NOT must be followed by EXISTS")) };
        }
        if self.keyword("EXISTS") {
            return Ok(Test::Exists);
        }
        let op = match self.next() {
            Some(Tok::Op(op)) => op,
            _ => return Err(format!("{selector} must be followed by a comparison")),
        };
        match self.next() {
            Some(Tok::Str(text)) => match op {
                Op::Eq | Op::Ne => Ok(Test::StrEq { text, negate: op == Op::Ne }),
                _ => Err(format!("{selector} can be compared with a string only by = or !=")),
            },
            Some(Tok::Word(w)) => match w.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(Test::Num { op, value }),
                _ if matches!(op, Op::Eq | Op::Ne) => Ok(Test::StrEq { text: w, negate: op == Op::Ne }),
                _ => Err(format!("{selector} {w}: only numbers can be compared with < <= > >=")),
            },
            _ => Err(format!("{selector}: a comparison needs a value")),
        }
    }
}

fn parse_selector(s: &str) -> Result<Selector, String> {
    let bad = || format!("the selector {s} is not valid (use forms like $.a.b, $.list[0] or $.list[*])");
    let rest = s.strip_prefix('$').ok_or_else(bad)?;
    let chars: Vec<char> = rest.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                i = start;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                if i == start {
                    return Err(bad());
                }
                steps.push(Step::Key(chars[start..i].iter().collect()));
            }
            '[' => {
                let close = chars[i..].iter().position(|&c| c == ']').ok_or_else(bad)? + i;
                let inside: String = chars[i + 1..close].iter().collect();
                steps.push(if inside == "*" { Step::Every } else { Step::Index(inside.parse().map_err(|_| bad())?) });
                i = close + 1;
            }
            _ => return Err(bad()),
        }
    }
    if steps.is_empty() {
        return Err(bad());
    }
    Ok(steps)
}

/// The values a selector reaches in a document.
fn select<'a>(doc: &'a Value, steps: &[Step]) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for step in steps {
        let mut next = Vec::new();
        for v in current {
            match (step, v) {
                (Step::Key(k), Value::Object(m)) => next.extend(m.get(k)),
                (Step::Index(n), Value::Array(a)) => next.extend(a.get(*n)),
                (Step::Every, Value::Array(a)) => next.extend(a.iter()),
                _ => {}
            }
        }
        current = next;
    }
    current
}

fn eval(expr: &Expr, doc: &Value) -> bool {
    match expr {
        Expr::And(a, b) => eval(a, doc) && eval(b, doc),
        Expr::Or(a, b) => eval(a, doc) || eval(b, doc),
        Expr::Test(selector, test) => {
            let values = select(doc, selector);
            match test {
                Test::Exists => !values.is_empty(),
                Test::NotExists => values.is_empty(),
                Test::IsTrue => values.iter().any(|v| **v == Value::Bool(true)),
                Test::IsFalse => values.iter().any(|v| **v == Value::Bool(false)),
                Test::IsNull => values.iter().any(|v| v.is_null()),
                Test::StrEq { text, negate } => values.iter().any(|v| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return false,
                    };
                    wildcard(text, &s) != *negate
                }),
                Test::Num { op, value } => values.iter().filter_map(|v| v.as_f64()).any(|x| match op {
                    Op::Eq => x == *value,
                    Op::Ne => x != *value,
                    Op::Lt => x < *value,
                    Op::Le => x <= *value,
                    Op::Gt => x > *value,
                    Op::Ge => x >= *value,
                }),
            }
        }
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, message: &str) -> bool {
        Pattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn empty_pattern_matches_everything() {
        assert!(m("", "anything"));
        assert!(m("   ", ""));
    }

    #[test]
    fn terms_must_all_occur_case_sensitively() {
        assert!(m("ERROR", "[ERROR] disk full"));
        assert!(!m("ERROR", "error: disk full"));
        assert!(m("ERROR disk", "ERROR: the disk is full"));
        assert!(!m("ERROR network", "ERROR: the disk is full"));
    }

    #[test]
    fn quoted_phrases_match_exactly() {
        assert!(m("\"hello cruel\"", "goodbye hello cruel world"));
        assert!(!m("\"hello cruel\"", "hello world cruel"));
        assert!(m("\"ERROR:\" \"a \\\"b\\\"\"", "ERROR: a \"b\""));
        assert!(Pattern::parse("\"open").is_err());
    }

    #[test]
    fn question_marks_mean_any_of() {
        assert!(m("?ERROR ?WARN", "WARN low memory"));
        assert!(m("?ERROR ?WARN", "ERROR out of memory"));
        assert!(!m("?ERROR ?WARN", "INFO started"));
        assert!(m("memory ?ERROR ?WARN", "WARN low memory"));
        assert!(!m("disk ?ERROR ?WARN", "WARN low memory"));
    }

    #[test]
    fn minus_excludes() {
        assert!(m("ERROR -Exiting", "ERROR retrying"));
        assert!(!m("ERROR -Exiting", "ERROR Exiting now"));
        assert!(m("-DEBUG", "INFO x"));
        assert!(!m("-\"DEBUG x\"", "DEBUG x"));
        // A lone '-' or '?' is a term of its own.
        assert!(m("a - b", "a - b"));
    }

    #[test]
    fn json_comparisons() {
        let e = r#"{"level":"ERROR","latency":750,"user":{"id":7,"name":"ann"},"tags":["a","b"],"ok":false,"gone":null}"#;
        assert!(m(r#"{ $.level = "ERROR" }"#, e));
        assert!(!m(r#"{ $.level = "INFO" }"#, e));
        assert!(m(r#"{ $.level != "INFO" }"#, e));
        assert!(m("{ $.level = ERR* }", e));
        assert!(m("{ $.latency > 500 }", e));
        assert!(!m("{ $.latency < 500 }", e));
        assert!(m("{ $.latency >= 750 && $.user.id = 7 }", e));
        assert!(m("{ ($.latency < 10) || ($.user.name = \"a*\") }", e));
        assert!(m(r#"{ $.tags[1] = "b" }"#, e));
        assert!(m(r#"{ $.tags[*] = "a" }"#, e));
        assert!(!m(r#"{ $.tags[2] = "a" }"#, e));
        assert!(m("{ $.ok IS FALSE }", e));
        assert!(!m("{ $.ok IS TRUE }", e));
        assert!(m("{ $.gone IS NULL }", e));
        assert!(m("{ $.missing NOT EXISTS }", e));
        assert!(m("{ $.user EXISTS }", e));
        assert!(!m(r#"{ $.level = "ERROR" }"#, "ERROR not json"));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let e = r#"{"a":1,"b":2,"c":3}"#;
        assert!(m("{ $.a = 9 || $.b = 2 && $.c = 3 }", e));
        assert!(!m("{ ($.a = 9 || $.b = 2) && $.c = 4 }", e));
    }

    #[test]
    fn bad_patterns_say_why() {
        for bad in ["{ $.a = }", "{ $.a > \"x\" }", "{ a = 1 }", "{ $.a = 1", "{ ($.a = 1 }", "{ $.a IS MAYBE }", "{ }"] {
            assert!(Pattern::parse(bad).is_err(), "{bad} should not parse");
        }
        assert!(Pattern::parse("[ip, user]").unwrap_err().contains("space-delimited"));
        assert!(Pattern::parse("%ERR.R%").unwrap_err().contains("regular expression"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("a*c", "abbbc"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*b*c", "a-b-c"));
        assert!(!wildcard("a*c", "abd"));
        assert!(wildcard("exact", "exact"));
    }
}
