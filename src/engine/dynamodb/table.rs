//! A table's schema and storage: items in key order, and its indexes.
//!
//! Items live in an ordered map keyed by (partition key, sort key), so a Query
//! reads one contiguous range: its cost grows with the page, not the table.
//! Each index is an ordered set of (index key, table key) pairs pointing back
//! at the table's items; items without the index's key attributes are not in
//! it (sparse indexes).

use super::error::{DynamoError, Result};
use super::value::{item_size, AttributeValue, Item, ScalarType};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// A key attribute's value, ordered as DynamoDB orders keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyValue(pub AttributeValue);

impl Ord for KeyValue {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.key_cmp(&other.0).unwrap_or_else(|| self.0.type_name().cmp(other.0.type_name()))
    }
}

impl PartialOrd for KeyValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One part of a stored key, with sentinels below and above every value so
/// that ranges ("everything in partition p") can be written as bounds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Min,
    Val(KeyValue),
    Max,
}

impl Part {
    pub fn value(&self) -> Option<&AttributeValue> {
        match self {
            Part::Val(v) => Some(&v.0),
            _ => None,
        }
    }
}

/// (hash of the partition key, partition key, sort key); the sort part is
/// `Min` for tables without one. Like DynamoDB, items are laid out by the
/// hash of their partition key: a partition is contiguous (Query reads one
/// range), a Scan returns partitions in hash order, and parallel Scan
/// segments are contiguous hash ranges.
pub type StoredKey = (u64, Part, Part);

/// The partition hash of a key value (FNV-1a over its type and bytes): stable
/// across runs, so stored state and scan order do not change between loads.
pub fn partition_hash(value: &AttributeValue) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    match value {
        AttributeValue::S(s) => {
            feed(b"S");
            feed(s.as_bytes())
        }
        AttributeValue::N(n) => {
            feed(b"N");
            feed(n.to_string().as_bytes())
        }
        AttributeValue::B(b) => {
            feed(b"B");
            feed(b)
        }
        _ => {}
    }
    h
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttr {
    pub name: String,
    pub ty: ScalarType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    pub hash: KeyAttr,
    pub range: Option<KeyAttr>,
}

impl KeySchema {
    /// The stored key of an item, if it has every key attribute with the right type.
    pub fn key_of(&self, item: &Item) -> Option<StoredKey> {
        let part = |attr: &KeyAttr| {
            item.get(&attr.name).filter(|v| v.scalar_type() == Some(attr.ty)).map(|v| Part::Val(KeyValue(v.clone())))
        };
        let hash = part(&self.hash)?;
        let range = match &self.range {
            Some(r) => part(r)?,
            None => Part::Min,
        };
        let h = partition_hash(hash.value().expect("a value"));
        Some((h, hash, range))
    }

    /// Checks a request's `Key` against the schema, as GetItem, DeleteItem and
    /// UpdateItem do, and returns the stored key.
    pub fn key_from_request(&self, key: &Item) -> Result<StoredKey> {
        let expected = 1 + self.range.is_some() as usize;
        if key.len() != expected {
            return Err(DynamoError::validation("The provided key element does not match the schema"));
        }
        for attr in self.attrs() {
            match key.get(&attr.name) {
                Some(v) if v.scalar_type() == Some(attr.ty) => check_key_value(&attr.name, v, attr == &self.hash)?,
                _ => return Err(DynamoError::validation("The provided key element does not match the schema")),
            }
        }
        Ok(self.key_of(key).expect("checked above"))
    }

    /// Checks the key attributes of an item being written (PutItem).
    pub fn check_item_key(&self, item: &Item) -> Result<StoredKey> {
        for attr in self.attrs() {
            match item.get(&attr.name) {
                None => {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: Missing the key {} in the item",
                        attr.name
                    )))
                }
                Some(v) if v.scalar_type() != Some(attr.ty) => {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                        attr.name,
                        attr.ty.as_str(),
                        v.type_name()
                    )))
                }
                Some(v) => check_key_value(&attr.name, v, attr == &self.hash)?,
            }
        }
        Ok(self.key_of(item).expect("checked above"))
    }

    pub fn attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        std::iter::once(&self.hash).chain(self.range.iter())
    }

    /// The key attributes of an item, as an item (for LastEvaluatedKey and KEYS_ONLY).
    pub fn key_item(&self, item: &Item) -> Item {
        self.attrs().filter_map(|a| item.get(&a.name).map(|v| (a.name.clone(), v.clone()))).collect()
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut out = vec![serde_json::json!({"AttributeName": self.hash.name, "KeyType": "HASH"})];
        if let Some(r) = &self.range {
            out.push(serde_json::json!({"AttributeName": r.name, "KeyType": "RANGE"}));
        }
        serde_json::Value::Array(out)
    }
}

/// DynamoDB's key size limits.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// Key values may not be empty, and have size limits: 2048 bytes for a
/// partition key, 1024 for a sort key.
fn check_key_value(name: &str, v: &AttributeValue, is_hash: bool) -> Result<()> {
    let size = v.size();
    if is_hash && size > MAX_PARTITION_KEY_BYTES {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of{MAX_PARTITION_KEY_BYTES} bytes"
        )));
    }
    if !is_hash && size > MAX_SORT_KEY_BYTES {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of {MAX_SORT_KEY_BYTES} bytes"
        )));
    }
    let empty = match v {
        AttributeValue::S(s) => s.is_empty(),
        AttributeValue::B(b) => b.is_empty(),
        _ => false,
    };
    if empty {
        return Err(DynamoError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if matches!(v, AttributeValue::S(_)) { "string" } else { "binary" }
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

impl Projection {
    pub fn type_name(&self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
            Projection::Include(_) => "INCLUDE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throughput {
    pub read: u64,
    pub write: u64,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub global: bool,
    pub schema: KeySchema,
    pub projection: Projection,
    /// Provisioned throughput of a GSI on a provisioned table.
    pub throughput: Option<Throughput>,
    pub status: &'static str,
    /// (index key, table key), in index key order.
    pub entries: BTreeSet<(StoredKey, StoredKey)>,
    pub size_bytes: u64,
    /// Throttling buckets of a provisioned global secondary index.
    pub read_bucket: Option<super::capacity::Bucket>,
    pub write_bucket: Option<super::capacity::Bucket>,
}

impl Index {
    /// The item as the index stores it: its projection of the item.
    pub fn project(&self, table_schema: &KeySchema, item: &Item) -> Item {
        match &self.projection {
            Projection::All => item.clone(),
            Projection::KeysOnly | Projection::Include(_) => {
                let mut out = table_schema.key_item(item);
                out.extend(self.schema.key_item(item));
                if let Projection::Include(names) = &self.projection {
                    for n in names {
                        if let Some(v) = item.get(n) {
                            out.insert(n.clone(), v.clone());
                        }
                    }
                }
                out
            }
        }
    }
}

/// A table's items and indexes, kept consistent with each other.
#[derive(Debug, Clone)]
pub struct Storage {
    pub schema: KeySchema,
    pub items: BTreeMap<StoredKey, Item>,
    pub size_bytes: u64,
    pub indexes: Vec<Index>,
}

impl Storage {
    pub fn new(schema: KeySchema) -> Self {
        Storage { schema, items: BTreeMap::new(), size_bytes: 0, indexes: Vec::new() }
    }

    pub fn get(&self, key: &StoredKey) -> Option<&Item> {
        self.items.get(key)
    }

    /// Checks that the item's attributes that are index keys have the index's
    /// key types, as DynamoDB does on every write.
    pub fn check_index_keys(&self, item: &Item) -> Result<()> {
        for index in &self.indexes {
            for attr in index.schema.attrs() {
                if let Some(v) = item.get(&attr.name) {
                    if v.scalar_type() != Some(attr.ty) {
                        return Err(DynamoError::validation(format!(
                            "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                            attr.name,
                            attr.ty.as_str(),
                            v.type_name(),
                            index.name
                        )));
                    }
                    check_key_value(&attr.name, v, attr == &index.schema.hash)?;
                }
            }
        }
        Ok(())
    }

    /// Stores the item (its key already checked), returning the one it replaced.
    pub fn put(&mut self, key: StoredKey, item: Item) -> Option<Item> {
        let old = self.remove(&key);
        self.size_bytes += item_size(&item) as u64;
        for index in &mut self.indexes {
            if let Some(index_key) = index.schema.key_of(&item) {
                index.size_bytes += item_size(&index.project(&self.schema, &item)) as u64;
                index.entries.insert((index_key, key.clone()));
            }
        }
        self.items.insert(key, item);
        old
    }

    /// Removes the item with this key, returning it.
    pub fn remove(&mut self, key: &StoredKey) -> Option<Item> {
        let old = self.items.remove(key)?;
        self.size_bytes -= item_size(&old) as u64;
        for index in &mut self.indexes {
            if let Some(index_key) = index.schema.key_of(&old) {
                index.size_bytes -= item_size(&index.project(&self.schema, &old)) as u64;
                index.entries.remove(&(index_key, key.clone()));
            }
        }
        Some(old)
    }

    /// Adds an index and fills it from the items already stored (backfill).
    pub fn add_index(&mut self, mut index: Index) {
        for (key, item) in &self.items {
            if let Some(index_key) = index.schema.key_of(item) {
                index.size_bytes += item_size(&index.project(&self.schema, item)) as u64;
                index.entries.insert((index_key, key.clone()));
            }
        }
        self.indexes.push(index);
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    pub fn item_count(&self) -> usize {
        self.items.len()
    }
}
