//! What an operation answers. Most operations build a JSON tree; the hot
//! ones (GetItem, Query, Scan) keep their items as items and are written
//! straight to the response bytes, which halves their cost.

use super::value::Item;
use serde::ser::{Serialize, Serializer};
use serde_json::Value;

pub enum Answer {
    Json(Value),
    /// Already written JSON (Query and Scan write their items straight out).
    Raw(Vec<u8>),
}

impl From<Value> for Answer {
    fn from(v: Value) -> Self {
        Answer::Json(v)
    }
}

impl Answer {
    /// The answer as a JSON tree (for callers inside the engine, such as PartiQL).
    pub fn into_value(self) -> Value {
        match self {
            Answer::Json(v) => v,
            Answer::Raw(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            Answer::Raw(bytes) => bytes,
            Answer::Json(v) => serde_json::to_vec(&v).unwrap_or_default(),
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Json(v) => v.serialize(serializer),
            Answer::Raw(bytes) => serde_json::from_slice::<Value>(bytes).unwrap_or(Value::Null).serialize(serializer),
        }
    }
}

/// Writes a Query or Scan answer as it reads: items are serialized from the
/// table's own storage, never copied.
pub struct PageWriter {
    out: Vec<u8>,
    first: bool,
    pub count: usize,
}

impl PageWriter {
    pub fn new(with_items: bool) -> Self {
        let mut out = Vec::with_capacity(4096);
        out.push(b'{');
        if with_items {
            out.extend_from_slice(b"\"Items\":[");
        }
        PageWriter { out, first: with_items, count: 0 }
    }

    /// Adds an item to `Items` (and counts it).
    pub fn item(&mut self, item: &Item) {
        if self.count > 0 {
            self.out.push(b',');
        }
        let _ = serde_json::to_writer(&mut self.out, item);
        self.count += 1;
    }

    /// Counts a matching item without returning it (`Select: COUNT`).
    pub fn count_only(&mut self) {
        self.count += 1;
    }

    pub fn finish(mut self, scanned: usize, last_key: Option<&Item>, consumed: Option<&Value>) -> Vec<u8> {
        if self.first {
            self.out.extend_from_slice(b"],");
        }
        self.out.extend_from_slice(format!("\"Count\":{},\"ScannedCount\":{scanned}", self.count).as_bytes());
        if let Some(k) = last_key {
            self.out.extend_from_slice(b",\"LastEvaluatedKey\":");
            let _ = serde_json::to_writer(&mut self.out, k);
        }
        if let Some(c) = consumed {
            self.out.extend_from_slice(b",\"ConsumedCapacity\":");
            let _ = serde_json::to_writer(&mut self.out, c);
        }
        self.out.push(b'}');
        self.out
    }
}
