//! How DynamoDB state is stored (see `engine::store`): a table's settings
//! under `dynamodb/table/<name>`, each item under
//! `dynamodb/item/<name>/<key>`, and how it is loaded back.

use super::table::{Index, KeyAttr, KeySchema, Projection, Storage, Throughput};
use super::value::{item_from_json, item_to_bytes, Item, ScalarType};
use super::{BillingMode, DynamoDb, Table};
use crate::engine::store::{Mutation, SCHEMA_KEY, SCHEMA_VERSION};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const TABLE_PREFIX: &str = "dynamodb/table/";
pub const ITEM_PREFIX: &str = "dynamodb/item/";

pub fn table_key(name: &str) -> String {
    format!("{TABLE_PREFIX}{name}")
}

/// The prefix of every item key of a table.
pub fn items_prefix(name: &str) -> String {
    format!("{ITEM_PREFIX}{name}/")
}

/// The stored key of an item: its key attributes as compact DynamoDB JSON
/// (deterministic: attributes in name order).
pub fn item_key(table: &str, schema: &KeySchema, item: &Item) -> String {
    let key = serde_json::to_string(&schema.key_item(item)).unwrap_or_default();
    format!("{ITEM_PREFIX}{table}/{key}")
}

pub fn put_item_mutation(table: &str, schema: &KeySchema, item: &Item) -> Mutation {
    Mutation::Put { key: item_key(table, schema, item), value: item_to_bytes(item) }
}

fn schema_json(s: &KeySchema) -> Value {
    json!({
        "hash": [s.hash.name, s.hash.ty.as_str()],
        "range": s.range.as_ref().map(|r| json!([r.name, r.ty.as_str()])),
    })
}

fn schema_from(v: &Value) -> Option<KeySchema> {
    let attr = |v: &Value| -> Option<KeyAttr> {
        Some(KeyAttr { name: v.get(0)?.as_str()?.to_string(), ty: ScalarType::parse(v.get(1)?.as_str()?)? })
    };
    Some(KeySchema {
        hash: attr(v.get("hash")?)?,
        range: match v.get("range") {
            Some(Value::Null) | None => None,
            Some(r) => Some(attr(r)?),
        },
    })
}

/// A table's settings, without its items.
pub fn meta_json(t: &Table) -> Value {
    let indexes: Vec<Value> = t
        .storage
        .indexes
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "global": i.global,
                "schema": schema_json(&i.schema),
                "projection": match &i.projection {
                    Projection::All => json!("ALL"),
                    Projection::KeysOnly => json!("KEYS_ONLY"),
                    Projection::Include(n) => json!({"INCLUDE": n}),
                },
                "throughput": i.throughput.map(|t| json!([t.read, t.write])),
            })
        })
        .collect();
    json!({
        "name": t.name,
        "id": t.id,
        "created_ms": t.created_ms,
        "attribute_definitions": t.attribute_definitions.iter().map(|(n, ty)| json!([n, ty.as_str()])).collect::<Vec<_>>(),
        "schema": schema_json(&t.storage.schema),
        "billing": t.billing.as_str(),
        "billing_explicit": t.billing_explicit,
        "throughput": [t.throughput.read, t.throughput.write],
        "indexes": indexes,
        "tags": t.tags,
        "ttl_attribute": t.ttl_attribute,
        "stream_view_type": t.stream_view_type,
        "stream_label": t.stream_label,
        "deletion_protection": t.deletion_protection,
    })
}

pub fn put_meta_mutation(t: &Table) -> Mutation {
    Mutation::Put { key: table_key(&t.name), value: meta_json(t).to_string().into_bytes() }
}

/// Rebuilds a table (without items) from its stored settings.
pub fn table_from_meta(db: &DynamoDb, v: &Value, now_ms: u64) -> Option<Table> {
    let name = v.get("name")?.as_str()?.to_string();
    let schema = schema_from(v.get("schema")?)?;
    let billing = match v.get("billing")?.as_str()? {
        "PAY_PER_REQUEST" => BillingMode::PayPerRequest,
        _ => BillingMode::Provisioned,
    };
    let tp = v.get("throughput")?;
    let throughput = Throughput { read: tp.get(0)?.as_u64()?, write: tp.get(1)?.as_u64()? };
    let mut storage = Storage::new(schema);
    for i in v.get("indexes")?.as_array()? {
        let projection = match i.get("projection")? {
            Value::String(s) if s == "ALL" => Projection::All,
            Value::String(s) if s == "KEYS_ONLY" => Projection::KeysOnly,
            Value::Object(o) => Projection::Include(
                o.get("INCLUDE")?.as_array()?.iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
            ),
            _ => return None,
        };
        let throughput = match i.get("throughput") {
            Some(Value::Array(a)) => Some(Throughput { read: a.first()?.as_u64()?, write: a.get(1)?.as_u64()? }),
            _ => None,
        };
        let global = i.get("global")?.as_bool()?;
        let (read_bucket, write_bucket) = match (global, throughput) {
            (true, Some(t)) => super::control::buckets(BillingMode::Provisioned, t, now_ms),
            _ => (None, None),
        };
        storage.indexes.push(Index {
            read_bucket,
            write_bucket,
            name: i.get("name")?.as_str()?.to_string(),
            global,
            schema: schema_from(i.get("schema")?)?,
            projection,
            throughput,
            status: "ACTIVE",
            entries: BTreeSet::new(),
            size_bytes: 0,
        });
    }
    let (read_bucket, write_bucket) = super::control::buckets(billing, throughput, now_ms);
    let opt_str = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Some(Table {
        id: v.get("id")?.as_str()?.to_string(),
        arn: DynamoDb::table_arn(&name),
        created_ms: v.get("created_ms")?.as_u64()?,
        busy_until_ms: 0,
        busy_status: "ACTIVE",
        attribute_definitions: v
            .get("attribute_definitions")?
            .as_array()?
            .iter()
            .filter_map(|d| Some((d.get(0)?.as_str()?.to_string(), ScalarType::parse(d.get(1)?.as_str()?)?)))
            .collect(),
        billing,
        billing_explicit: v.get("billing_explicit")?.as_bool()?,
        throughput,
        storage,
        tags: serde_json::from_value(v.get("tags")?.clone()).ok()?,
        ttl_attribute: None,
        stream_view_type: opt_str("stream_view_type"),
        stream_label: opt_str("stream_label"),
        deletion_protection: v.get("deletion_protection")?.as_bool()?,
        read_bucket,
        write_bucket,
        stream: Default::default(),
        sequence: 0,
        ttl_index: Default::default(),
        journal: db.journal.clone(),
        meter: super::capacity::Meter::new(&db.metrics, &name),
        name,
    })
    .map(|mut t| {
        t.ttl_attribute = opt_str("ttl_attribute");
        t
    })
}

/// What loading found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Restored {
    pub tables: usize,
    pub items: usize,
}

/// Loads stored DynamoDB state (entries in any order) into an empty service.
/// Fails, changing nothing, on a newer schema or a corrupt entry.
pub fn restore(db: &mut DynamoDb, entries: &[(String, Vec<u8>)]) -> Result<Restored, String> {
    if let Some((_, v)) = entries.iter().find(|(k, _)| k == SCHEMA_KEY) {
        let version = serde_json::from_slice::<Value>(v)
            .ok()
            .and_then(|j| j.get("version").and_then(Value::as_u64))
            .ok_or("the stored schema marker is corrupt")?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "the stored state was written by a newer Stratus (schema {version}; this one reads up to {SCHEMA_VERSION})"
            ));
        }
    }
    let now = db.now_ms();
    let mut tables = std::collections::BTreeMap::new();
    for (key, value) in entries.iter().filter(|(k, _)| k.starts_with(TABLE_PREFIX)) {
        let json: Value = serde_json::from_slice(value).map_err(|e| format!("{key}: {e}"))?;
        let table = table_from_meta(db, &json, now).ok_or_else(|| format!("{key}: not a table's settings"))?;
        tables.insert(table.name.clone(), table);
    }
    let mut items = 0;
    for (key, value) in entries.iter().filter(|(k, _)| k.starts_with(ITEM_PREFIX)) {
        let rest = &key[ITEM_PREFIX.len()..];
        let name = rest.split('/').next().unwrap_or("");
        let table = tables.get_mut(name).ok_or_else(|| format!("{key}: item of an unknown table"))?;
        let json: Value = serde_json::from_slice(value).map_err(|e| format!("{key}: {e}"))?;
        let item = item_from_json(&json).map_err(|e| format!("{key}: {}", e.message))?;
        let stored = table.storage.schema.key_of(&item).ok_or_else(|| format!("{key}: item without its key"))?;
        table.storage.put(stored, item);
        items += 1;
    }
    let restored = Restored { tables: tables.len(), items };
    for (name, mut table) in tables {
        let ttl = table.ttl_attribute.take();
        table.set_ttl(ttl);
        table.meter.provisioned(&table, now);
        db.tables.insert(name, table);
    }
    Ok(restored)
}
