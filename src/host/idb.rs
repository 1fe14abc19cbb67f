//! IndexedDB: the browser's durable store.
//!
//! For now a small key-value API over one object store; the persistence issue
//! puts the engine's `Store` seam on top of it. Every write resolves only after
//! its transaction has committed, which is the durability rule the engine's
//! answers depend on.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{TransactionDurability, TransactionMode, TransactionOptions};
use indexed_db_futures::KeyRange;
use crate::engine::store::Mutation;
use wasm_bindgen::{JsCast, JsValue};

/// The object store every key-value pair lives in.
const KV: &str = "kv";
/// The schema version of the database (see ARCHITECTURE.md, "Stored state").
pub const SCHEMA_VERSION: u32 = 1;

/// An IndexedDB failure, with the browser's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IndexedDB: {}", self.0)
    }
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// Writes of engine state ask for strict durability: the transaction
/// completes only once the browser has flushed it to disk, so an
/// acknowledged write survives a crash of the browser or the machine.
fn strict() -> TransactionOptions {
    let mut options = TransactionOptions::new();
    options.set_durability(TransactionDurability::Strict);
    options
}

/// One open IndexedDB database.
pub struct IdbStore {
    db: Database,
}

impl IdbStore {
    /// Opens (creating or upgrading as needed) the database called `name`.
    pub async fn open(name: &str) -> Result<IdbStore, StoreError> {
        let db = Database::open(name)
            .with_version(SCHEMA_VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(KV).build()?;
                }
                Ok(())
            })
            .await
            .map_err(err)?;
        Ok(IdbStore { db })
    }

    /// Stores `value` under `key`; resolves once the transaction committed.
    pub async fn put(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let tx = self.db.transaction(KV).with_mode(TransactionMode::Readwrite).build().map_err(err)?;
        let store = tx.object_store(KV).map_err(err)?;
        let bytes: JsValue = js_sys::Uint8Array::from(value).into();
        store.put(bytes).with_key(key).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }

    /// The bytes stored under `key`, if any.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.transaction(KV).build().map_err(err)?;
        let store = tx.object_store(KV).map_err(err)?;
        let value: Option<JsValue> = store.get(key).await.map_err(err)?;
        match value {
            None => Ok(None),
            Some(v) => match v.dyn_into::<js_sys::Uint8Array>() {
                Ok(array) => Ok(Some(array.to_vec())),
                Err(_) => Err(StoreError(format!("value under '{key}' is not bytes"))),
            },
        }
    }

    /// Removes `key`; resolves once the transaction committed.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(KV).with_mode(TransactionMode::Readwrite).build().map_err(err)?;
        let store = tx.object_store(KV).map_err(err)?;
        store.delete(key).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }

    /// Applies engine mutations in one readwrite transaction; resolves once
    /// it committed. All or nothing: an error aborts the whole transaction.
    pub async fn apply(&self, mutations: &[Mutation]) -> Result<(), StoreError> {
        let tx = self.db.transaction(KV).with_mode(TransactionMode::Readwrite).with_options(strict()).build().map_err(err)?;
        let store = tx.object_store(KV).map_err(err)?;
        for m in mutations {
            match m {
                Mutation::Put { key, value } => {
                    let bytes: JsValue = js_sys::Uint8Array::from(value.as_slice()).into();
                    store.put(bytes).with_key(key.as_str()).primitive().map_err(err)?;
                }
                Mutation::Delete { key } => {
                    store.delete(key.as_str()).primitive().map_err(err)?;
                }
                Mutation::DeletePrefix { prefix } => {
                    // Every key that starts with the prefix sorts between it and prefix + U+FFFF.
                    let upper = format!("{prefix}\u{ffff}");
                    store
                        .delete::<&str, KeyRange<&str>>(KeyRange::Bound(prefix.as_str(), false, upper.as_str(), false))
                        .primitive()
                        .map_err(err)?;
                }
            }
        }
        tx.commit().await.map_err(err)
    }

    /// How many entries are stored.
    pub async fn count(&self) -> Result<u32, StoreError> {
        let tx = self.db.transaction(KV).build().map_err(err)?;
        let store = tx.object_store(KV).map_err(err)?;
        store.count().await.map_err(err)
    }

    /// Reads every entry in key order, `chunk` at a time, reporting how many
    /// were read so far after each chunk.
    pub async fn load_all(&self, chunk: u32, mut progress: impl FnMut(usize)) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let tx = self.db.transaction(KV).build().map_err(err)?;
            let store = tx.object_store(KV).map_err(err)?;
            let (keys, values): (Vec<JsValue>, Vec<JsValue>) = match &after {
                None => {
                    let keys = store.get_all_keys::<JsValue>().with_limit(chunk).await.map_err(err)?;
                    let values = store.get_all::<JsValue>().with_limit(chunk).await.map_err(err)?;
                    (keys.collect::<Result<_, _>>().map_err(err)?, values.collect::<Result<_, _>>().map_err(err)?)
                }
                Some(last) => {
                    let range: KeyRange<&str> = KeyRange::LowerBound(last.as_str(), true);
                    let keys =
                        store.get_all_keys::<JsValue>().with_query::<&str, KeyRange<&str>>(range.clone()).with_limit(chunk).await.map_err(err)?;
                    let values = store.get_all::<JsValue>().with_query::<&str, KeyRange<&str>>(range).with_limit(chunk).await.map_err(err)?;
                    (keys.collect::<Result<_, _>>().map_err(err)?, values.collect::<Result<_, _>>().map_err(err)?)
                }
            };
            if keys.len() != values.len() {
                return Err(StoreError("keys and values of one read disagree".into()));
            }
            let n = keys.len();
            for (k, v) in keys.into_iter().zip(values) {
                let key = k.as_string().ok_or_else(|| StoreError("a stored key is not a string".into()))?;
                let bytes = v
                    .dyn_into::<js_sys::Uint8Array>()
                    .map_err(|_| StoreError(format!("the value under '{key}' is not bytes")))?
                    .to_vec();
                out.push((key, bytes));
            }
            progress(out.len());
            if n < chunk as usize {
                return Ok(out);
            }
            after = out.last().map(|(k, _)| k.clone());
        }
    }

    /// Replaces everything stored with `entries`, in one transaction.
    pub async fn replace_all(&self, entries: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        let tx = self.db.transaction(KV).with_mode(TransactionMode::Readwrite).with_options(strict()).build().map_err(err)?;
        let store = tx.object_store(KV).map_err(err)?;
        store.clear().map_err(err)?;
        for (key, value) in entries {
            let bytes: JsValue = js_sys::Uint8Array::from(value.as_slice()).into();
            store.put(bytes).with_key(key.as_str()).primitive().map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    /// Closes the connection.
    pub fn close(self) {
        self.db.close();
    }
}
