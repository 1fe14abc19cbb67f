//! Durability seam: the engine keeps its state in memory and describes every
//! change as [`Mutation`]s on a key-value space; a [`Store`] makes them
//! durable. `Cloud::handle` answers a request only after the store has
//! committed every mutation made up to and including that request.
//!
//! Keys (see ARCHITECTURE.md, "Stored state"):
//!
//! | key | value |
//! |---|---|
//! | `meta/schema` | `{"version": 1}` |
//! | `dynamodb/table/<name>` | the table's settings (JSON, without items) |
//! | `dynamodb/item/<name>/<key>` | one item (DynamoDB JSON); `<key>` is the item's key attributes as compact DynamoDB JSON |
//!
//! The browser's store (`host::store`) writes the mutations of each group of
//! concurrent requests as one write-ahead log record (`log/<sequence>`), and
//! now and then folds the log into the keys above ([`replay`] reads both);
//! [`MemoryStore`] keeps them in a map, for native tests and benchmarks.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// The version of the stored layout. A store written by a newer version is
/// refused; an older one is migrated on load (`Cloud::restore`).
pub const SCHEMA_VERSION: u64 = 1;
pub const SCHEMA_KEY: &str = "meta/schema";

/// One change to the stored key-value space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Put { key: String, value: Vec<u8> },
    Delete { key: String },
    /// Deletes every key that starts with this prefix.
    DeletePrefix { prefix: String },
}

impl Mutation {
    /// Applies the mutation to an in-memory map of the stored state.
    pub fn apply_to(self, map: &mut BTreeMap<String, Vec<u8>>) {
        match self {
            Mutation::Put { key, value } => {
                map.insert(key, value);
            }
            Mutation::Delete { key } => {
                map.remove(&key);
            }
            Mutation::DeletePrefix { prefix } => {
                let doomed: Vec<String> =
                    map.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(prefix.as_str())).map(|(k, _)| k.clone()).collect();
                for k in doomed {
                    map.remove(&k);
                }
            }
        }
    }
}

/// Keys under this prefix are write-ahead log records: each holds the
/// mutations of one commit group, in order (`log/<20-digit sequence>`).
pub const LOG_PREFIX: &str = "log/";

/// The key of the `seq`-th log record.
pub fn log_key(seq: u64) -> String {
    format!("{LOG_PREFIX}{seq:020}")
}

/// Encodes a commit group's mutations as one log record:
/// `[["p", key, value], ["d", key], ["x", prefix], ...]` (JSON; values are
/// the engine's JSON text).
pub fn encode_batch(mutations: &[Mutation]) -> Vec<u8> {
    use serde_json::{json, Value};
    let list: Vec<Value> = mutations
        .iter()
        .map(|m| match m {
            Mutation::Put { key, value } => match std::str::from_utf8(value) {
                Ok(text) => json!(["p", key, text]),
                Err(_) => json!(["b", key, value]),
            },
            Mutation::Delete { key } => json!(["d", key]),
            Mutation::DeletePrefix { prefix } => json!(["x", prefix]),
        })
        .collect();
    serde_json::to_vec(&list).unwrap_or_default()
}

/// Decodes a log record.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<Mutation>, String> {
    use serde_json::Value;
    let list: Vec<Value> = serde_json::from_slice(bytes).map_err(|e| format!("a log record is damaged: {e}"))?;
    list.into_iter()
        .map(|m| {
            let tag = m.get(0).and_then(Value::as_str).unwrap_or("");
            let key = m.get(1).and_then(Value::as_str).map(str::to_string).ok_or("a log entry has no key")?;
            Ok(match tag {
                "p" => Mutation::Put {
                    key,
                    value: m.get(2).and_then(Value::as_str).ok_or("a log entry has no value")?.as_bytes().to_vec(),
                },
                "b" => Mutation::Put {
                    key,
                    value: serde_json::from_value(m.get(2).cloned().unwrap_or(Value::Null)).map_err(|e| e.to_string())?,
                },
                "d" => Mutation::Delete { key },
                "x" => Mutation::DeletePrefix { prefix: key },
                other => return Err(format!("a log entry has an unknown kind '{other}'")),
            })
        })
        .collect()
}

/// The state a store's raw entries describe: the materialized entries with
/// every log record (in sequence order) applied on top.
pub fn replay(raw: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut state = BTreeMap::new();
    let mut log = Vec::new();
    for (key, value) in raw {
        if key.starts_with(LOG_PREFIX) {
            log.push((key, value));
        } else {
            state.insert(key, value);
        }
    }
    log.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, record) in log {
        for m in decode_batch(&record)? {
            m.apply_to(&mut state);
        }
    }
    Ok(state.into_iter().collect())
}

/// The log records among a store's raw entries, oldest first: each record's
/// sequence number and mutations (not yet folded into the keys), and the
/// next sequence number to use.
pub fn log_tail(raw: &[(String, Vec<u8>)]) -> Result<(u64, Vec<(u64, Vec<Mutation>)>), String> {
    let mut records = Vec::new();
    for (k, v) in raw.iter().filter(|(k, _)| k.starts_with(LOG_PREFIX)) {
        let seq = k[LOG_PREFIX.len()..].parse::<u64>().map_err(|_| format!("a log record has a bad key: {k}"))?;
        records.push((seq, decode_batch(v)?));
    }
    records.sort_by_key(|(seq, _)| *seq);
    let next = records.last().map(|(seq, _)| seq + 1).unwrap_or(0);
    Ok((next, records))
}

/// Mutations made but not yet handed to the store, shared by every service.
#[derive(Debug, Clone, Default)]
pub struct Journal(Rc<RefCell<Vec<Mutation>>>, Rc<std::cell::Cell<u64>>);

impl Journal {
    pub fn push(&self, m: Mutation) {
        self.0.borrow_mut().push(m);
        self.1.set(self.1.get() + 1);
    }

    /// How many mutations were ever journaled: changes when state changes.
    pub fn count(&self) -> u64 {
        self.1.get()
    }

    pub fn take(&self) -> Vec<Mutation> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }
}

/// A failure to make state durable, with the storage's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

pub type CommitFuture = Pin<Box<dyn Future<Output = Result<(), StoreError>>>>;

/// Makes mutations durable.
pub trait Store {
    /// Commits `mutations` atomically, after everything committed before;
    /// resolves once they are durable. An empty list resolves once
    /// everything committed before is durable.
    fn commit(&self, mutations: Vec<Mutation>) -> CommitFuture;
}

/// A store in memory: for native tests, benchmarks, and a cloud that need
/// not survive (it counts commits, so tests can see grouping).
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    pub entries: Rc<RefCell<BTreeMap<String, Vec<u8>>>>,
    pub commits: Rc<RefCell<usize>>,
    /// When set, every commit fails with this message (to test error paths).
    pub fail_with: Rc<RefCell<Option<String>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Everything stored, in key order.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        self.entries.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl Store for MemoryStore {
    fn commit(&self, mutations: Vec<Mutation>) -> CommitFuture {
        if let Some(message) = self.fail_with.borrow().clone() {
            return Box::pin(async move { Err(StoreError(message)) });
        }
        if !mutations.is_empty() {
            let mut map = self.entries.borrow_mut();
            for m in mutations {
                m.apply_to(&mut map);
            }
            *self.commits.borrow_mut() += 1;
        }
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_records_replay_over_materialized_state() {
        let batch1 = vec![
            Mutation::Put { key: "dynamodb/item/T/a".into(), value: b"{\"v\":1}".to_vec() },
            Mutation::Put { key: "dynamodb/item/T/b".into(), value: b"{\"v\":2}".to_vec() },
        ];
        let batch2 = vec![
            Mutation::Delete { key: "dynamodb/item/T/a".into() },
            Mutation::Put { key: "dynamodb/item/U/c".into(), value: vec![0xff, 0x00] },
        ];
        let batch3 = vec![Mutation::DeletePrefix { prefix: "dynamodb/item/U/".into() }];
        assert_eq!(decode_batch(&encode_batch(&batch2)).unwrap(), batch2);
        let raw = vec![
            ("dynamodb/item/T/z".to_string(), b"{}".to_vec()),
            (log_key(10), encode_batch(&batch3)),
            (log_key(2), encode_batch(&batch1)),
            (log_key(9), encode_batch(&batch2)),
        ];
        let state = replay(raw).unwrap();
        let keys: Vec<&str> = state.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["dynamodb/item/T/b", "dynamodb/item/T/z"]);
        assert!(replay(vec![(log_key(1), b"[[\"q\",\"k\"]]".to_vec())]).is_err());
        assert!(replay(vec![(log_key(1), b"not json".to_vec())]).is_err());
    }
}
