//! IndexedDB: the browser's durable store.
//!
//! For now a small key-value API over one object store; the persistence issue
//! puts the engine's `Store` seam on top of it. Every write resolves only after
//! its transaction has committed, which is the durability rule the engine's
//! answers depend on.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
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

    /// Closes the connection.
    pub fn close(self) {
        self.db.close();
    }
}
