//! Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem.
//!
//! Each follows DynamoDB's order: validate the request, find the table, check
//! throughput, parse expressions (reporting unused placeholders), evaluate the
//! condition against the current item, write, then answer with the requested
//! return values, consumed capacity and item collection metrics.

use super::capacity::{read_units, write_units, Consumed};
use super::error::{DynamoError, Result};
use super::expr::{self, legacy, ExprKind, Placeholders};
use super::request::{table_name_from, Req, Violations};
use super::table::StoredKey;
use super::value::{item_size, item_to_json, Item};
use super::answer::Answer;
use super::{DynamoDb, Table};
use serde_json::{json, Map, Value};

/// DynamoDB's item size limit.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// `ReturnValues` of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnValues {
    None,
    AllOld,
    UpdatedOld,
    AllNew,
    UpdatedNew,
}

pub fn return_values(req: &Req, allowed: &[ReturnValues], v: &mut Violations) -> Result<ReturnValues> {
    let mode = match req.str("ReturnValues")? {
        None | Some("NONE") => ReturnValues::None,
        Some("ALL_OLD") => ReturnValues::AllOld,
        Some("UPDATED_OLD") => ReturnValues::UpdatedOld,
        Some("ALL_NEW") => ReturnValues::AllNew,
        Some("UPDATED_NEW") => ReturnValues::UpdatedNew,
        Some(other) => {
            v.add(
                Some(other),
                "returnValues",
                "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
            );
            ReturnValues::None
        }
    };
    if !allowed.contains(&mode) {
        return Err(DynamoError::validation("ReturnValues can only be ALL_OLD or NONE"));
    }
    Ok(mode)
}

/// `ReturnConsumedCapacity`: `None`, or `TOTAL`/`INDEXES`.
pub fn return_capacity(req: &Req, v: &mut Violations) -> Result<Option<String>> {
    match req.str("ReturnConsumedCapacity")? {
        None | Some("NONE") => Ok(None),
        Some(m @ ("TOTAL" | "INDEXES")) => Ok(Some(m.to_string())),
        Some(other) => {
            v.add(Some(other), "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
            Ok(None)
        }
    }
}

/// Whether `ReturnItemCollectionMetrics` is `SIZE`.
pub fn return_metrics(req: &Req, v: &mut Violations) -> Result<bool> {
    match req.str("ReturnItemCollectionMetrics")? {
        None | Some("NONE") => Ok(false),
        Some("SIZE") => Ok(true),
        Some(other) => {
            v.add(Some(other), "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]");
            Ok(false)
        }
    }
}

/// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
pub fn return_on_failure(req: &Req, v: &mut Violations) -> Result<bool> {
    match req.str("ReturnValuesOnConditionCheckFailure")? {
        None | Some("NONE") => Ok(false),
        Some("ALL_OLD") => Ok(true),
        Some(other) => {
            v.add(
                Some(other),
                "returnValuesOnConditionCheckFailure",
                "Member must satisfy enum value set: [ALL_OLD, NONE]",
            );
            Ok(false)
        }
    }
}

/// The expression parameters of a request: placeholders and which
/// expressions it carries, with DynamoDB's checks on their combination. The
/// legacy (pre-expression) parameters are converted to the same trees.
pub struct Expressions {
    pub ph: Placeholders,
}

impl Expressions {
    /// `expression_fields` are the expression members this operation accepts
    /// (e.g. `ConditionExpression`); `legacy_fields` the non-expression ones.
    pub fn read(req: &Req, expression_fields: &[&str], legacy_fields: &[&str]) -> Result<Expressions> {
        let used_expr: Vec<&str> = expression_fields.iter().copied().filter(|f| req.has(f)).collect();
        let used_legacy: Vec<&str> = legacy_fields.iter().copied().filter(|f| req.has(f)).collect();
        if !used_expr.is_empty() && !used_legacy.is_empty() {
            return Err(DynamoError::validation(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                used_legacy.join(", "),
                used_expr.join(", ")
            )));
        }
        let names = req.names()?;
        let values = req.values()?;
        if used_expr.is_empty() {
            if names.is_some() {
                return Err(DynamoError::validation("ExpressionAttributeNames can only be specified when using expressions"));
            }
            if values.is_some() {
                return Err(DynamoError::validation("ExpressionAttributeValues can only be specified when using expressions"));
            }
        }
        if let Some(values) = &values {
            if values.is_empty() {
                return Err(DynamoError::validation("ExpressionAttributeValues must not be empty"));
            }
        }
        if let Some(names) = &names {
            if names.is_empty() {
                return Err(DynamoError::validation("ExpressionAttributeNames must not be empty"));
            }
        }
        Ok(Expressions { ph: Placeholders::new(names, values) })
    }

    /// The condition from `field` (an expression) or, failing that, from the
    /// legacy parameter `legacy` (`Expected`, `QueryFilter`, `ScanFilter`).
    pub fn condition(&self, req: &Req, field: &str, kind: ExprKind) -> Result<Option<expr::Condition>> {
        if let Some(text) = req.str(field)? {
            return expr::parse_condition(text, kind, &self.ph).map(Some);
        }
        let (legacy, path) = match field {
            "ConditionExpression" => ("Expected", ""),
            "FilterExpression" if req.has("QueryFilter") => ("QueryFilter", "queryFilter"),
            "FilterExpression" => ("ScanFilter", "scanFilter"),
            _ => return Ok(None),
        };
        let operator = req.str("ConditionalOperator")?;
        match req.object(legacy)? {
            Some(map) if legacy == "Expected" => legacy::expected(map, operator).map(Some),
            Some(map) => legacy::filter_for(path, map, operator).map(Some),
            None => Ok(None),
        }
    }

    /// `ProjectionExpression`, or the legacy `AttributesToGet`.
    pub fn projection(&self, req: &Req) -> Result<Option<Vec<expr::Path>>> {
        if let Some(text) = req.str("ProjectionExpression")? {
            return expr::parse_projection(text, &self.ph).map(Some);
        }
        req.array("AttributesToGet")?.map(|list| legacy::attributes_to_get(list)).transpose()
    }

    /// `UpdateExpression`, or the legacy `AttributeUpdates`.
    pub fn update(&self, req: &Req) -> Result<Option<expr::UpdateExpr>> {
        if let Some(text) = req.str("UpdateExpression")? {
            return expr::parse_update(text, &self.ph).map(Some);
        }
        req.object("AttributeUpdates")?.map(legacy::attribute_updates).transpose()
    }
}

fn table_name<'a>(req: &'a Req, v: &mut Violations) -> Result<Option<&'a str>> {
    let name = req.str("TableName")?;
    v.table_name_or_arn(name, "tableName");
    Ok(name.map(table_name_from))
}

/// Throttles a provisioned table's writes (reads) when its bucket is spent.
pub fn check_throughput(table: &mut Table, write: bool, now_ms: u64) -> Result<()> {
    let bucket = if write { &mut table.write_bucket } else { &mut table.read_bucket };
    if let Some(b) = bucket {
        if !b.allows(now_ms) {
            table.meter.throttled(write, now_ms);
            return Err(DynamoError::throughput_exceeded());
        }
    }
    // A global secondary index without write capacity left holds back
    // writes to its table, as DynamoDB's index back-pressure does.
    if write {
        for index in &mut table.storage.indexes {
            if let Some(b) = &mut index.write_bucket {
                if !b.allows(now_ms) {
                    table.meter.throttled(true, now_ms);
                    return Err(DynamoError::index_throughput_exceeded());
                }
            }
        }
    }
    Ok(())
}

/// Throttles reads of a provisioned global secondary index.
pub fn check_index_read_throughput(table: &mut Table, index: &str, now_ms: u64) -> Result<()> {
    if let Some(b) = table.storage.indexes.iter_mut().find(|i| i.name == index).and_then(|i| i.read_bucket.as_mut()) {
        if !b.allows(now_ms) {
            table.meter.throttled(false, now_ms);
            return Err(DynamoError::throughput_exceeded());
        }
    }
    Ok(())
}

/// Charges what a request consumed to the table's buckets.
pub fn charge(table: &mut Table, consumed: &Consumed, now_ms: u64) {
    table.meter.consumed(consumed, now_ms);
    for (name, (_, read, write)) in &consumed.indexes {
        if let Some(index) = table.storage.indexes.iter_mut().find(|i| &i.name == name) {
            if let (Some(b), true) = (&mut index.read_bucket, *read > 0.0) {
                b.take(*read, now_ms);
            }
            if let (Some(b), true) = (&mut index.write_bucket, *write > 0.0) {
                b.take(*write, now_ms);
            }
        }
    }
    if let Some(b) = &mut table.read_bucket {
        if consumed.read > 0.0 {
            b.take(consumed.read, now_ms);
        }
    }
    if let Some(b) = &mut table.write_bucket {
        if consumed.write > 0.0 {
            b.take(consumed.write, now_ms);
        }
    }
}

/// What writing `new` over `old` costs on the table and each index.
pub fn write_cost(table: &Table, old: Option<&Item>, new: Option<&Item>, factor: f64) -> Consumed {
    let mut consumed = Consumed::new(&table.name);
    let size = old.map(item_size).unwrap_or(0).max(new.map(item_size).unwrap_or(0));
    consumed.write = write_units(size) * factor;
    let schema = &table.storage.schema;
    for index in &table.storage.indexes {
        let old_key = old.and_then(|i| index.schema.key_of(i));
        let new_key = new.and_then(|i| index.schema.key_of(i));
        let old_p = old.filter(|_| old_key.is_some()).map(|i| index.project(schema, i));
        let new_p = new.filter(|_| new_key.is_some()).map(|i| index.project(schema, i));
        let units = match (&old_key, &new_key) {
            (None, None) => 0.0,
            (Some(_), None) => write_units(item_size(old_p.as_ref().unwrap())),
            (None, Some(_)) => write_units(item_size(new_p.as_ref().unwrap())),
            (Some(a), Some(b)) if a != b => {
                write_units(item_size(old_p.as_ref().unwrap())) + write_units(item_size(new_p.as_ref().unwrap()))
            }
            (Some(_), Some(_)) => {
                if old_p == new_p {
                    0.0
                } else {
                    write_units(item_size(old_p.as_ref().unwrap()).max(item_size(new_p.as_ref().unwrap())))
                }
            }
        };
        if units > 0.0 {
            consumed.add_index(&index.name, index.global, 0.0, units * factor);
        }
    }
    consumed
}

/// Checks a new item against DynamoDB's limits and the indexes' key types.
pub fn check_new_item(table: &Table, item: &Item) -> Result<()> {
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(DynamoError::validation("Item size has exceeded the maximum allowed size"));
    }
    table.storage.check_index_keys(item)
}

/// ItemCollectionMetrics for tables with local secondary indexes.
pub fn collection_metrics(table: &Table, key: &StoredKey) -> Option<Value> {
    if !table.storage.indexes.iter().any(|i| !i.global) {
        return None;
    }
    let hash = &table.storage.schema.hash;
    let value = key.1.value()?;
    let size: u64 = table
        .storage
        .items
        .range((key.0, key.1.clone(), super::table::Part::Min)..=(key.0, key.1.clone(), super::table::Part::Max))
        .map(|(_, i)| item_size(i) as u64)
        .sum();
    let gb = size as f64 / (1024.0 * 1024.0 * 1024.0);
    Some(json!({
        "ItemCollectionKey": { hash.name.clone(): value.to_json() },
        "SizeEstimateRangeGB": [gb.floor(), gb.floor() + 1.0]
    }))
}

fn answer(attributes: Option<Item>, consumed: &Consumed, capacity: &Option<String>, metrics: Option<Value>) -> Value {
    let mut out = Map::new();
    if let Some(a) = attributes {
        if !a.is_empty() {
            out.insert("Attributes".into(), item_to_json(&a));
        }
    }
    if let Some(mode) = capacity {
        out.insert("ConsumedCapacity".into(), consumed.to_json(mode));
    }
    if let Some(m) = metrics {
        out.insert("ItemCollectionMetrics".into(), m);
    }
    Value::Object(out)
}

/// The members every single-item write shares, validated together.
struct WriteRequest<'a> {
    table: &'a str,
    /// `Item` (PutItem) or `Key` (DeleteItem, UpdateItem).
    item: Item,
    returns: ReturnValues,
    capacity: Option<String>,
    metrics: bool,
    on_failure: bool,
}

fn write_request<'a>(req: &'a Req, member: &str, allowed: &[ReturnValues]) -> Result<WriteRequest<'a>> {
    let mut v = Violations::new();
    let table = table_name(req, &mut v)?;
    let item = req.item(member)?;
    v.required(item.is_some(), &member.to_ascii_lowercase());
    let returns = return_values(req, allowed, &mut v)?;
    let capacity = return_capacity(req, &mut v)?;
    let metrics = return_metrics(req, &mut v)?;
    let on_failure = return_on_failure(req, &mut v)?;
    v.finish()?;
    Ok(WriteRequest {
        table: table.expect("validated"),
        item: item.expect("validated"),
        returns,
        capacity,
        metrics,
        on_failure,
    })
}

/// Evaluates a write's condition against the item stored under `key`. When
/// it fails, the write still consumes capacity (as DynamoDB charges it) and
/// the answer is ConditionalCheckFailedException, with the item when asked.
fn check_condition(
    table: &mut Table,
    key: &StoredKey,
    condition: Option<&expr::Condition>,
    on_failure: bool,
    now_ms: u64,
) -> Result<()> {
    let Some(c) = condition else { return Ok(()) };
    let old = table.storage.get(key);
    if c.eval(old.unwrap_or(&Item::new()))? {
        return Ok(());
    }
    let mut consumed = Consumed::new(&table.name);
    consumed.write = write_units(old.map(item_size).unwrap_or(0));
    let error = DynamoError::conditional_check_failed(old.filter(|_| on_failure).cloned());
    charge(table, &consumed, now_ms);
    Err(error)
}

pub fn put_item(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let w = write_request(req, "Item", &[ReturnValues::None, ReturnValues::AllOld])?;
    let exprs = Expressions::read(req, &["ConditionExpression"], &["Expected", "ConditionalOperator"])?;
    let condition = exprs.condition(req, "ConditionExpression", ExprKind::Condition)?;
    exprs.ph.check_unused()?;

    let now = db.now_ms();
    let table = db.table_mut(w.table)?;
    let key = table.storage.schema.check_item_key(&w.item)?;
    check_new_item(table, &w.item)?;
    check_throughput(table, true, now)?;
    check_condition(table, &key, condition.as_ref(), w.on_failure, now)?;
    let consumed = write_cost(table, table.storage.get(&key), Some(&w.item), 1.0);
    let old = table.put(key.clone(), w.item, now);
    charge(table, &consumed, now);
    let metrics = if w.metrics { collection_metrics(table, &key) } else { None };
    let attributes = if w.returns == ReturnValues::AllOld { old } else { None };
    Ok(answer(attributes, &consumed, &w.capacity, metrics))
}

pub fn get_item(db: &mut DynamoDb, req: &Req) -> Result<Answer> {
    let mut v = Violations::new();
    let name = table_name(req, &mut v)?;
    let key = req.item("Key")?;
    v.required(key.is_some(), "key");
    let capacity = return_capacity(req, &mut v)?;
    let consistent = req.bool("ConsistentRead")?.unwrap_or(false);
    v.finish()?;
    let (name, key) = (name.expect("validated"), key.expect("validated"));
    let exprs = Expressions::read(req, &["ProjectionExpression"], &["AttributesToGet"])?;
    let projection = exprs.projection(req)?;
    exprs.ph.check_unused()?;

    let now = db.now_ms();
    let table = db.table_mut(name)?;
    let stored = table.storage.schema.key_from_request(&key)?;
    check_throughput(table, false, now)?;
    #[derive(serde::Serialize)]
    struct Out<'a> {
        #[serde(rename = "Item", skip_serializing_if = "Option::is_none")]
        item: Option<std::borrow::Cow<'a, Item>>,
        #[serde(rename = "ConsumedCapacity", skip_serializing_if = "Option::is_none")]
        consumed: Option<Value>,
    }
    let found = table.storage.get(&stored);
    let mut consumed = Consumed::new(&table.name);
    consumed.read = read_units(found.map(item_size).unwrap_or(0), consistent);
    // Written straight from the stored item: no copy unless projected.
    let out = Out {
        item: found.map(|item| match &projection {
            Some(paths) => std::borrow::Cow::Owned(expr::project(item, paths)),
            None => std::borrow::Cow::Borrowed(item),
        }),
        consumed: capacity.as_ref().map(|mode| consumed.to_json(mode)),
    };
    let bytes = serde_json::to_vec(&out).unwrap_or_default();
    charge(table, &consumed, now);
    Ok(Answer::Raw(bytes))
}

pub fn delete_item(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let w = write_request(req, "Key", &[ReturnValues::None, ReturnValues::AllOld])?;
    let exprs = Expressions::read(req, &["ConditionExpression"], &["Expected", "ConditionalOperator"])?;
    let condition = exprs.condition(req, "ConditionExpression", ExprKind::Condition)?;
    exprs.ph.check_unused()?;

    let now = db.now_ms();
    let table = db.table_mut(w.table)?;
    let stored = table.storage.schema.key_from_request(&w.item)?;
    check_throughput(table, true, now)?;
    check_condition(table, &stored, condition.as_ref(), w.on_failure, now)?;
    let consumed = write_cost(table, table.storage.get(&stored), None, 1.0);
    let old = table.remove(&stored, now, false);
    charge(table, &consumed, now);
    let metrics = if w.metrics { collection_metrics(table, &stored) } else { None };
    let attributes = if w.returns == ReturnValues::AllOld { old } else { None };
    Ok(answer(attributes, &consumed, &w.capacity, metrics))
}

pub fn update_item(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let all = [
        ReturnValues::None,
        ReturnValues::AllOld,
        ReturnValues::UpdatedOld,
        ReturnValues::AllNew,
        ReturnValues::UpdatedNew,
    ];
    let w = write_request(req, "Key", &all)?;
    let (returns, capacity, on_failure, key) = (w.returns, w.capacity, w.on_failure, w.item);
    let exprs = Expressions::read(
        req,
        &["UpdateExpression", "ConditionExpression"],
        &["AttributeUpdates", "Expected", "ConditionalOperator"],
    )?;
    let update = exprs.update(req)?;
    let condition = exprs.condition(req, "ConditionExpression", ExprKind::Condition)?;
    exprs.ph.check_unused()?;

    let now = db.now_ms();
    let table = db.table_mut(w.table)?;
    let stored = table.storage.schema.key_from_request(&key)?;
    if let Some(u) = &update {
        for touched in u.top_level_names() {
            if table.storage.schema.attrs().any(|a| a.name == touched) {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Cannot update attribute {touched}. This attribute is part of the key"
                )));
            }
        }
    }
    check_throughput(table, true, now)?;
    check_condition(table, &stored, condition.as_ref(), on_failure, now)?;
    let old = table.storage.get(&stored).cloned();
    let mut new = old.clone().unwrap_or_else(|| key.clone());
    if let Some(u) = &update {
        u.apply(&mut new)?;
    }
    check_new_item(table, &new)?;
    let consumed = write_cost(table, old.as_ref(), Some(&new), 1.0);
    let touched: Vec<String> = update.as_ref().map(|u| u.top_level_names()).unwrap_or_default();
    let pick = |item: &Item| -> Item {
        item.iter().filter(|(k, _)| touched.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let attributes = match returns {
        ReturnValues::None => None,
        ReturnValues::AllOld => old,
        ReturnValues::UpdatedOld => old.as_ref().map(pick),
        ReturnValues::AllNew => Some(new.clone()),
        ReturnValues::UpdatedNew => Some(pick(&new)),
    };
    table.put(stored.clone(), new, now);
    charge(table, &consumed, now);
    let metrics = if w.metrics { collection_metrics(table, &stored) } else { None };
    Ok(answer(attributes, &consumed, &capacity, metrics))
}
