//! Attribute values: the ten DynamoDB types, their JSON wire form, their size
//! as DynamoDB counts it, and the order keys sort in.

use super::error::DynamoError;
use super::number::Number;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// How deeply maps and lists may nest inside an attribute.
pub const MAX_NESTING: usize = 32;

/// An item: attribute name to value. Ordered, so answers are deterministic.
pub type Item = BTreeMap<String, AttributeValue>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(BTreeMap<String, AttributeValue>),
    L(Vec<AttributeValue>),
    /// Sets keep their elements in insertion order, without duplicates.
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
}

/// The scalar types a key attribute may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn parse(s: &str) -> Option<ScalarType> {
        match s {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

impl AttributeValue {
    /// The type descriptor: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS`, `BS`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// The scalar type, for values that may be keys.
    pub fn scalar_type(&self) -> Option<ScalarType> {
        match self {
            AttributeValue::S(_) => Some(ScalarType::S),
            AttributeValue::N(_) => Some(ScalarType::N),
            AttributeValue::B(_) => Some(ScalarType::B),
            _ => None,
        }
    }

    /// Size in bytes as DynamoDB counts it (without the attribute name).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.size(),
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(s) => s.iter().map(|e| e.len()).sum(),
            AttributeValue::Ns(s) => s.iter().map(|e| e.size()).sum(),
            AttributeValue::Bs(s) => s.iter().map(|e| e.len()).sum(),
        }
    }

    /// Decodes the wire form `{"S": "..."}` and friends, with DynamoDB's checks.
    pub fn from_json(json: &Value) -> Result<AttributeValue, DynamoError> {
        AttributeValue::from_json_at(json, 0)
    }

    fn from_json_at(json: &Value, depth: usize) -> Result<AttributeValue, DynamoError> {
        let Some(object) = json.as_object() else {
            return Err(DynamoError::serialization(format!(
                "Unexpected value type in payload: expected an AttributeValue object, found {}",
                json_kind(json)
            )));
        };
        let mut set = object.iter().filter(|(_, v)| !v.is_null());
        let (tag, value) = match (set.next(), set.next()) {
            (None, _) => {
                return Err(DynamoError::validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(DynamoError::validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ))
            }
            (Some(pair), None) => pair,
        };
        let value = match tag.as_str() {
            "S" => AttributeValue::S(wire_string(value)?),
            "N" => AttributeValue::N(wire_number(value)?),
            "B" => AttributeValue::B(wire_binary(value)?),
            "BOOL" => match value {
                Value::Bool(b) => AttributeValue::Bool(*b),
                other => return Err(unexpected("boolean", other)),
            },
            "NULL" => match value {
                Value::Bool(true) => AttributeValue::Null,
                Value::Bool(false) => {
                    return Err(DynamoError::validation(
                        "One or more parameter values were invalid: Null attribute value types must have the value of true",
                    ))
                }
                other => return Err(unexpected("boolean", other)),
            },
            "M" | "L" if depth >= MAX_NESTING => {
                return Err(DynamoError::validation("Nesting Levels have exceeded supported limits"))
            }
            "M" => {
                let Some(map) = value.as_object() else { return Err(unexpected("object", value)) };
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    out.insert(k.clone(), AttributeValue::from_json_at(v, depth + 1)?);
                }
                AttributeValue::M(out)
            }
            "L" => {
                let Some(list) = value.as_array() else { return Err(unexpected("array", value)) };
                AttributeValue::L(list.iter().map(|v| AttributeValue::from_json_at(v, depth + 1)).collect::<Result<_, _>>()?)
            }
            "SS" => {
                let items = wire_array(value)?.iter().map(wire_string).collect::<Result<Vec<_>, _>>()?;
                check_set(&items, "An string set ", |s| format!("{s}"))?;
                AttributeValue::Ss(items)
            }
            "NS" => {
                let items = wire_array(value)?.iter().map(wire_number).collect::<Result<Vec<_>, _>>()?;
                check_set(&items, "An number set ", |n| format!("{n}"))?;
                AttributeValue::Ns(items)
            }
            "BS" => {
                let items = wire_array(value)?.iter().map(wire_binary).collect::<Result<Vec<_>, _>>()?;
                check_set(&items, "Binary sets should not be empty", |b| {
                    base64::engine::general_purpose::STANDARD.encode(b)
                })?;
                AttributeValue::Bs(items)
            }
            other => {
                return Err(DynamoError::serialization(format!(
                    "Unknown AttributeValue type '{other}': expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS"
                )))
            }
        };
        Ok(value)
    }

    /// Encodes the wire form.
    pub fn to_json(&self) -> Value {
        let b64 = |b: &Vec<u8>| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
        let (tag, value) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.to_string())),
            AttributeValue::B(b) => ("B", b64(b)),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::M(m) => ("M", item_to_json(m)),
            AttributeValue::L(l) => ("L", Value::Array(l.iter().map(AttributeValue::to_json).collect())),
            AttributeValue::Ss(s) => ("SS", Value::Array(s.iter().map(|e| Value::String(e.clone())).collect())),
            AttributeValue::Ns(s) => ("NS", Value::Array(s.iter().map(|e| Value::String(e.to_string())).collect())),
            AttributeValue::Bs(s) => ("BS", Value::Array(s.iter().map(b64).collect())),
        };
        let mut object = Map::with_capacity(1);
        object.insert(tag.to_string(), value);
        Value::Object(object)
    }

    /// Order of key values of the same type: strings by UTF-8 bytes, numbers
    /// numerically, binary by unsigned bytes. `None` for other types or mixed types.
    pub fn key_cmp(&self, other: &AttributeValue) -> Option<Ordering> {
        match (self, other) {
            (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
            (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Decodes an item (`{"name": {"S": ...}, ...}`).
pub fn item_from_json(json: &Value) -> Result<Item, DynamoError> {
    let Some(object) = json.as_object() else { return Err(unexpected("object", json)) };
    let mut item = Item::new();
    for (name, value) in object {
        item.insert(name.clone(), AttributeValue::from_json(value)?);
    }
    Ok(item)
}

/// Encodes an item or map.
pub fn item_to_json(item: &BTreeMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// An item's size as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn unexpected(expected: &str, found: &Value) -> DynamoError {
    DynamoError::serialization(format!("Unexpected value type in payload: expected {expected}, found {}", json_kind(found)))
}

fn wire_string(v: &Value) -> Result<String, DynamoError> {
    v.as_str().map(str::to_string).ok_or_else(|| unexpected("string", v))
}

fn wire_array(v: &Value) -> Result<&Vec<Value>, DynamoError> {
    v.as_array().ok_or_else(|| unexpected("array", v))
}

fn wire_number(v: &Value) -> Result<Number, DynamoError> {
    let text = v.as_str().ok_or_else(|| unexpected("string", v))?;
    Number::parse(text).map_err(|e| DynamoError::validation(e.message()))
}

fn wire_binary(v: &Value) -> Result<Vec<u8>, DynamoError> {
    let text = v.as_str().ok_or_else(|| unexpected("string", v))?;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| DynamoError::serialization("Base64 encoded length is expected a multiple of 4 bytes but found: ".to_string() + &text.len().to_string()))
}

/// Sets may not be empty or hold duplicates.
fn check_set<T: PartialEq>(items: &[T], empty: &str, show: impl Fn(&T) -> String) -> Result<(), DynamoError> {
    if items.is_empty() {
        let message = if empty.ends_with(' ') {
            format!("One or more parameter values were invalid: {empty} may not be empty")
        } else {
            format!("One or more parameter values were invalid: {empty}")
        };
        return Err(DynamoError::validation(message));
    }
    for (i, a) in items.iter().enumerate() {
        if items[..i].contains(a) {
            let all: Vec<String> = items.iter().map(&show).collect();
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                all.join(", ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_every_type() {
        let wire = json!({
            "s": {"S": "héllo"}, "n": {"N": "1.50"}, "b": {"B": "AAEC"}, "t": {"BOOL": true},
            "z": {"NULL": true}, "m": {"M": {"x": {"S": "y"}}}, "l": {"L": [{"N": "1"}, {"S": "a"}]},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.0"]}, "bs": {"BS": ["AA=="]}
        });
        let item = item_from_json(&wire).unwrap();
        assert_eq!(item["b"], AttributeValue::B(vec![0, 1, 2]));
        let back = item_to_json(&item);
        assert_eq!(back["n"], json!({"N": "1.5"}));
        assert_eq!(back["ns"], json!({"NS": ["1", "2"]}));
        assert_eq!(item_from_json(&back).unwrap(), item);
    }

    #[test]
    fn wire_errors() {
        let err = |v: Value| AttributeValue::from_json(&v).unwrap_err().message;
        assert_eq!(err(json!({})), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        assert!(err(json!({"S": "a", "N": "1"})).contains("more than one datatypes"));
        assert!(err(json!({"NULL": false})).contains("Null attribute value types must have the value of true"));
        assert_eq!(err(json!({"SS": []})), "One or more parameter values were invalid: An string set  may not be empty");
        assert_eq!(err(json!({"NS": []})), "One or more parameter values were invalid: An number set  may not be empty");
        assert_eq!(
            err(json!({"SS": ["a", "a"]})),
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates."
        );
        assert_eq!(err(json!({"N": "x"})), "The parameter cannot be converted to a numeric value");
    }

    #[test]
    fn sizes() {
        let item = item_from_json(&json!({
            "id": {"S": "abc"},          // 2 + 3
            "n": {"N": "123"},           // 1 + 3
            "m": {"M": {"k": {"BOOL": true}}}, // 1 + 3 + (1 + 1 + 1)
            "l": {"L": [{"NULL": true}, {"S": "xy"}]}  // 1 + 3 + (1+1) + (2+1)
        }))
        .unwrap();
        assert_eq!(item_size(&item), 5 + 4 + 7 + 9);
    }

    #[test]
    fn key_order() {
        let n = |s: &str| AttributeValue::N(Number::parse(s).unwrap());
        assert_eq!(n("9").key_cmp(&n("10")), Some(Ordering::Less));
        assert_eq!(AttributeValue::B(vec![0x7f]).key_cmp(&AttributeValue::B(vec![0x80])), Some(Ordering::Less));
        assert_eq!(AttributeValue::S("Z".into()).key_cmp(&AttributeValue::S("a".into())), Some(Ordering::Less));
        assert_eq!(AttributeValue::S("a".into()).key_cmp(&n("1")), None);
    }
}

/// Writes the wire form straight to the output, without building a JSON
/// tree first (the hot path of GetItem, Query and Scan answers).
impl serde::Serialize for AttributeValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct B64<'a>(&'a [u8]);
        impl serde::Serialize for B64<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(self.0))
            }
        }
        struct Seq<I>(I);
        impl<I: Iterator + Clone> serde::Serialize for Seq<I>
        where
            I::Item: serde::Serialize,
        {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                for e in self.0.clone() {
                    seq.serialize_element(&e)?;
                }
                seq.end()
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            AttributeValue::S(s) => map.serialize_entry("S", s)?,
            AttributeValue::N(n) => map.serialize_entry("N", &n.to_string())?,
            AttributeValue::B(b) => map.serialize_entry("B", &B64(b))?,
            AttributeValue::Bool(b) => map.serialize_entry("BOOL", b)?,
            AttributeValue::Null => map.serialize_entry("NULL", &true)?,
            AttributeValue::M(m) => map.serialize_entry("M", m)?,
            AttributeValue::L(l) => map.serialize_entry("L", l)?,
            AttributeValue::Ss(s) => map.serialize_entry("SS", s)?,
            AttributeValue::Ns(s) => map.serialize_entry("NS", &Seq(s.iter().map(|n| n.to_string())))?,
            AttributeValue::Bs(s) => map.serialize_entry("BS", &Seq(s.iter().map(|b| B64(b))))?,
        }
        map.end()
    }
}

/// An item's wire form as bytes.
pub fn item_to_bytes(item: &Item) -> Vec<u8> {
    serde_json::to_vec(item).unwrap_or_default()
}
