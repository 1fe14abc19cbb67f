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
//! The browser's store (IndexedDB, `host::idb`) groups the mutations of
//! concurrent requests into one transaction; [`MemoryStore`] keeps them in a
//! map, for native tests and benchmarks.

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
