//! BatchGetItem, BatchWriteItem, TransactGetItems and TransactWriteItems.
//!
//! Batches validate the whole request first, then act per item; a table whose
//! provisioned capacity is spent gets its requests back as UnprocessedKeys /
//! UnprocessedItems, for the caller to retry. Transactions check every
//! condition before changing anything: all or nothing.

use super::capacity::{read_units, Consumed};
use super::error::{DynamoError, ErrorCode, Result};
use super::expr::{self, ExprKind, Placeholders};
use super::items::{charge, check_new_item, return_capacity, write_cost};
use super::request::{table_name_from, Req, Violations};
use super::table::StoredKey;
use super::value::{item_from_json, item_size, item_to_json, Item};
use super::DynamoDb;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};

pub const MAX_BATCH_WRITE: usize = 25;
pub const MAX_BATCH_GET: usize = 100;
pub const MAX_TRANSACT: usize = 100;
/// How long a ClientRequestToken is remembered.
pub const IDEMPOTENCY_MS: u64 = 10 * 60 * 1000;

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| DynamoError::serialization(format!("Unexpected value type for '{what}': expected structure")))
}

fn consumed_list(list: Vec<Consumed>, mode: &Option<String>) -> Option<Value> {
    mode.as_ref().map(|m| Value::Array(list.iter().map(|c| c.to_json(m)).collect()))
}

/// `RequestItems` (required, not empty) and `ReturnConsumedCapacity` of a batch.
fn request_items<'a>(req: &'a Req) -> Result<(&'a Map<String, Value>, Option<String>)> {
    let mut v = Violations::new();
    let requests = req.object("RequestItems")?;
    v.required(requests.is_some(), "requestItems");
    let capacity = return_capacity(req, &mut v)?;
    v.finish()?;
    let requests = requests.expect("validated");
    if requests.is_empty() {
        return Err(DynamoError::validation("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }
    Ok((requests, capacity))
}

pub fn batch_write(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let (requests, capacity) = request_items(req)?;
    // Validate everything before writing anything.
    let mut plan: Vec<(String, Vec<(StoredKey, Option<Item>, Value)>)> = Vec::new();
    let mut count = 0;
    for (name, list) in requests {
        let table_name = table_name_from(name).to_string();
        let list = list.as_array().ok_or_else(|| DynamoError::serialization("Unexpected value type for 'RequestItems': expected list"))?;
        count += list.len();
        if count > MAX_BATCH_WRITE {
            return Err(DynamoError::validation("Too many items requested for the BatchWriteItem call"));
        }
        let table = db.table(&table_name)?;
        let mut seen = HashSet::new();
        let mut actions = Vec::new();
        for request in list {
            let r = Req::new(object(request, "WriteRequest")?);
            let (key, item) = match (r.object("PutRequest")?, r.object("DeleteRequest")?) {
                (Some(put), None) => {
                    let item = Req::new(put).item("Item")?.ok_or_else(|| {
                        DynamoError::validation("1 validation error detected: Value null at 'requestItems.1.member.putRequest.item' failed to satisfy constraint: Member must not be null")
                    })?;
                    let key = table.storage.schema.check_item_key(&item)?;
                    check_new_item(table, &item)?;
                    (key, Some(item))
                }
                (None, Some(delete)) => {
                    let key = Req::new(delete).item("Key")?.ok_or_else(|| {
                        DynamoError::validation("1 validation error detected: Value null at 'requestItems.1.member.deleteRequest.key' failed to satisfy constraint: Member must not be null")
                    })?;
                    (table.storage.schema.key_from_request(&key)?, None)
                }
                _ => {
                    return Err(DynamoError::validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                    )
                    .with_message("Invalid WriteRequest: each WriteRequest must have exactly one of PutRequest or DeleteRequest"))
                }
            };
            if !seen.insert(key.clone()) {
                return Err(DynamoError::validation("Provided list of item keys contains duplicates"));
            }
            actions.push((key, item, request.clone()));
        }
        plan.push((table_name, actions));
    }
    let now = db.now_ms();
    let mut unprocessed = Map::new();
    let mut consumed_all = Vec::new();
    for (name, actions) in plan {
        let table = db.table_mut(&name)?;
        let mut consumed = Consumed::new(&table.name);
        let mut left = Vec::new();
        for (key, item, raw) in actions {
            if let Some(b) = &mut table.write_bucket {
                if !b.allows(now) {
                    left.push(raw);
                    continue;
                }
            }
            let cost = {
                let old = table.storage.get(&key);
                write_cost(table, old, item.as_ref(), 1.0)
            };
            table.write(key, item, now);
            charge(table, &cost, now);
            consumed.write += cost.write;
            for (n, (g, r, w)) in cost.indexes {
                consumed.add_index(&n, g, r, w);
            }
        }
        if !left.is_empty() {
            unprocessed.insert(name.clone(), Value::Array(left));
        }
        consumed_all.push(consumed);
    }
    let mut out = Map::new();
    out.insert("UnprocessedItems".into(), Value::Object(unprocessed));
    if let Some(c) = consumed_list(consumed_all, &capacity) {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok(Value::Object(out))
}

pub fn batch_get(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let (requests, capacity) = request_items(req)?;
    struct Plan {
        name: String,
        raw: Map<String, Value>,
        keys: Vec<(StoredKey, Value)>,
        consistent: bool,
        projection: Option<Vec<expr::Path>>,
    }
    let mut plans = Vec::new();
    let mut count = 0;
    for (name, spec) in requests {
        let table_name = table_name_from(name).to_string();
        let spec_map = object(spec, "KeysAndAttributes")?;
        let r = Req::new(spec_map);
        let keys = r.array("Keys")?.ok_or_else(|| {
            DynamoError::validation("1 validation error detected: Value null at 'requestItems.1.member.keys' failed to satisfy constraint: Member must not be null")
        })?;
        count += keys.len();
        if count > MAX_BATCH_GET {
            return Err(DynamoError::validation("Too many items requested for the BatchGetItem call"));
        }
        if r.has("AttributesToGet") && r.has("ProjectionExpression") {
            return Err(DynamoError::validation(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
            ));
        }
        let ph = Placeholders::new(r.names()?, None);
        let projection = match r.str("ProjectionExpression")? {
            Some(t) => Some(expr::parse_projection(t, &ph)?),
            None => r.array("AttributesToGet")?.map(|l| expr::legacy::attributes_to_get(l)).transpose()?,
        };
        if projection.is_none() && r.has("ExpressionAttributeNames") {
            return Err(DynamoError::validation("ExpressionAttributeNames can only be specified when using expressions"));
        }
        ph.check_unused()?;
        let table = db.table(&table_name)?;
        let mut seen = HashSet::new();
        let mut stored = Vec::new();
        for k in keys {
            let key = item_from_json(k)?;
            let s = table.storage.schema.key_from_request(&key)?;
            if !seen.insert(s.clone()) {
                return Err(DynamoError::validation("Provided list of item keys contains duplicates"));
            }
            stored.push((s, k.clone()));
        }
        plans.push(Plan {
            name: table_name,
            raw: spec_map.clone(),
            keys: stored,
            consistent: r.bool("ConsistentRead")?.unwrap_or(false),
            projection,
        });
    }
    let now = db.now_ms();
    let mut responses = Map::new();
    let mut unprocessed = Map::new();
    let mut consumed_all = Vec::new();
    for plan in plans {
        let table = db.table_mut(&plan.name)?;
        let mut consumed = Consumed::new(&table.name);
        let mut found = Vec::new();
        let mut left = Vec::new();
        for (key, raw) in plan.keys {
            if let Some(b) = &mut table.read_bucket {
                if !b.allows(now) {
                    left.push(raw);
                    continue;
                }
            }
            let item = table.storage.get(&key);
            let units = read_units(item.map(item_size).unwrap_or(0), plan.consistent);
            consumed.read += units;
            if let Some(b) = &mut table.read_bucket {
                b.take(units, now);
            }
            if let Some(item) = table.storage.get(&key) {
                let item = match &plan.projection {
                    Some(p) => expr::project(item, p),
                    None => item.clone(),
                };
                found.push(item_to_json(&item));
            }
        }
        responses.insert(plan.name.clone(), Value::Array(found));
        if !left.is_empty() {
            let mut spec = plan.raw.clone();
            spec.insert("Keys".into(), Value::Array(left));
            unprocessed.insert(plan.name.clone(), Value::Object(spec));
        }
        consumed_all.push(consumed);
    }
    let mut out = Map::new();
    out.insert("Responses".into(), Value::Object(responses));
    out.insert("UnprocessedKeys".into(), Value::Object(unprocessed));
    if let Some(c) = consumed_list(consumed_all, &capacity) {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok(Value::Object(out))
}

/// One action of TransactWriteItems, validated.
struct Action {
    table: String,
    key: StoredKey,
    kind: ActionKind,
    condition: Option<expr::Condition>,
    return_on_failure: bool,
}

enum ActionKind {
    ConditionCheck,
    Put(Item),
    Delete,
    Update(Option<expr::UpdateExpr>, Item),
}

fn parse_action(db: &DynamoDb, index: usize, raw: &Value) -> Result<Action> {
    let r = Req::new(object(raw, "TransactWriteItem")?);
    let kinds = ["ConditionCheck", "Put", "Delete", "Update"];
    let present: Vec<&str> = kinds.iter().copied().filter(|k| r.has(k)).collect();
    if present.len() != 1 {
        return Err(DynamoError::validation(format!(
            "TransactItems can only contain one of Check, Put, Update or Delete (item {})",
            index + 1
        )));
    }
    let kind = present[0];
    let body = r.object(kind)?.expect("present");
    let a = Req::new(body);
    let mut v = Violations::new();
    let name = a.str("TableName")?;
    v.table_name_or_arn(name, &format!("transactItems.{}.member.{}.tableName", index + 1, kind.to_ascii_lowercase()));
    v.finish()?;
    let table = db.table(table_name_from(name.expect("validated")))?;
    let ph = Placeholders::new(a.names()?, a.values()?);
    let condition = a.str("ConditionExpression")?.map(|t| expr::parse_condition(t, ExprKind::Condition, &ph)).transpose()?;
    let return_on_failure = a.str("ReturnValuesOnConditionCheckFailure")? == Some("ALL_OLD");
    let (key, kind) = match kind {
        "Put" => {
            let item = a.item("Item")?.ok_or_else(|| DynamoError::validation("1 validation error detected: Value null at 'transactItems.1.member.put.item' failed to satisfy constraint: Member must not be null"))?;
            let key = table.storage.schema.check_item_key(&item)?;
            check_new_item(table, &item)?;
            (key, ActionKind::Put(item))
        }
        other => {
            let key_item = a.item("Key")?.ok_or_else(|| DynamoError::validation("1 validation error detected: Value null at 'transactItems.1.member.key' failed to satisfy constraint: Member must not be null"))?;
            let key = table.storage.schema.key_from_request(&key_item)?;
            let kind = match other {
                "ConditionCheck" => {
                    if condition.is_none() {
                        return Err(DynamoError::validation("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null"));
                    }
                    ActionKind::ConditionCheck
                }
                "Delete" => ActionKind::Delete,
                _ => {
                    let update = a.str("UpdateExpression")?.map(|t| expr::parse_update(t, &ph)).transpose()?;
                    if let Some(u) = &update {
                        for n in u.top_level_names() {
                            if table.storage.schema.attrs().any(|k| k.name == n) {
                                return Err(DynamoError::validation(format!(
                                    "One or more parameter values were invalid: Cannot update attribute {n}. This attribute is part of the key"
                                )));
                            }
                        }
                    }
                    ActionKind::Update(update, key_item)
                }
            };
            (key, kind)
        }
    };
    ph.check_unused()?;
    Ok(Action { table: table.name.clone(), key, kind, condition, return_on_failure })
}

/// A remembered TransactWriteItems, for ClientRequestToken idempotency.
#[derive(Debug, Clone)]
pub struct RememberedTransaction {
    pub request: Value,
    pub answer: Value,
    pub at_ms: u64,
}

pub fn transact_write(db: &mut DynamoDb, req: &Req, body: &Map<String, Value>) -> Result<Value> {
    let mut v = Violations::new();
    let items = req.array("TransactItems")?;
    v.required(items.is_some(), "transactItems");
    let capacity = return_capacity(req, &mut v)?;
    let token = req.str("ClientRequestToken")?;
    if let Some(t) = token {
        if t.is_empty() || t.len() > 36 {
            v.add(Some(t), "clientRequestToken", "Member must have length less than or equal to 36");
        }
    }
    v.finish()?;
    let items = items.expect("validated");
    if items.is_empty() || items.len() > MAX_TRANSACT {
        return Err(DynamoError::validation(format!(
            "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length {} {}",
            if items.is_empty() { "greater than or equal to" } else { "less than or equal to" },
            if items.is_empty() { 1 } else { MAX_TRANSACT }
        )));
    }
    let now = db.now_ms();
    if let Some(t) = token {
        db.transactions.retain(|_, r| now.saturating_sub(r.at_ms) < IDEMPOTENCY_MS);
        let mut request = Value::Object(body.clone());
        request.as_object_mut().expect("object").remove("ReturnConsumedCapacity");
        if let Some(previous) = db.transactions.get(t) {
            if previous.request == request {
                return Ok(previous.answer.clone());
            }
            return Err(DynamoError::new(
                ErrorCode::IdempotentParameterMismatch,
                "Request parameters did not match the previously-supplied request parameters for the same client request token.",
            ));
        }
    }
    let actions = items.iter().enumerate().map(|(i, raw)| parse_action(db, i, raw)).collect::<Result<Vec<_>>>()?;
    let mut seen = HashSet::new();
    for a in &actions {
        if !seen.insert((a.table.clone(), a.key.clone())) {
            return Err(DynamoError::validation("Transaction request cannot include multiple operations on one item"));
        }
    }
    // Check every condition and compute every new item before changing anything.
    let mut reasons = Vec::new();
    let mut failed = false;
    let mut writes: Vec<(String, StoredKey, Option<Option<Item>>)> = Vec::new();
    for a in &actions {
        let table = db.table(&a.table)?;
        let old = table.storage.get(&a.key);
        let empty = Item::new();
        let passes = match &a.condition {
            Some(c) => c.eval(old.unwrap_or(&empty))?,
            None => true,
        };
        if !passes {
            failed = true;
            let mut reason = Map::new();
            reason.insert("Code".into(), json!("ConditionalCheckFailed"));
            reason.insert("Message".into(), json!("The conditional request failed"));
            if a.return_on_failure {
                if let Some(o) = old {
                    reason.insert("Item".into(), item_to_json(o));
                }
            }
            reasons.push(Value::Object(reason));
            continue;
        }
        let outcome = match &a.kind {
            ActionKind::ConditionCheck => Ok(None),
            ActionKind::Put(item) => Ok(Some(Some(item.clone()))),
            ActionKind::Delete => Ok(Some(None)),
            ActionKind::Update(update, key_item) => {
                let mut new = old.cloned().unwrap_or_else(|| key_item.clone());
                let applied = match update {
                    Some(u) => u.apply(&mut new),
                    None => Ok(()),
                };
                applied.and_then(|_| check_new_item(table, &new)).map(|_| Some(Some(new)))
            }
        };
        match outcome {
            Ok(w) => {
                reasons.push(json!({"Code": "None"}));
                if let Some(w) = w {
                    writes.push((a.table.clone(), a.key.clone(), Some(w)));
                }
            }
            Err(e) => {
                failed = true;
                reasons.push(json!({"Code": "ValidationError", "Message": e.message}));
            }
        }
    }
    if failed {
        let codes: Vec<&str> = reasons.iter().map(|r| r["Code"].as_str().unwrap_or("None")).collect();
        let mut error = DynamoError::new(
            ErrorCode::TransactionCanceled,
            format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", ")),
        );
        error.cancellation_reasons = Some(reasons);
        return Err(error);
    }
    let mut consumed: BTreeMap<String, Consumed> = BTreeMap::new();
    for a in &actions {
        if matches!(a.kind, ActionKind::ConditionCheck) {
            let table = db.table(&a.table)?;
            let size = table.storage.get(&a.key).map(item_size).unwrap_or(0);
            consumed.entry(a.table.clone()).or_insert_with(|| Consumed::transactional(&a.table)).read += read_units(size, true) * 2.0;
        }
    }
    for (name, key, write) in writes {
        let table = db.table_mut(&name)?;
        let new = write.expect("only writes");
        let cost = write_cost(table, table.storage.get(&key), new.as_ref(), 2.0);
        table.write(key, new, now);
        charge(table, &cost, now);
        let entry = consumed.entry(name.clone()).or_insert_with(|| Consumed::transactional(&name));
        entry.write += cost.write;
        for (n, (g, r, w)) in cost.indexes {
            entry.add_index(&n, g, r, w);
        }
    }
    let mut out = Map::new();
    if let Some(c) = consumed_list(consumed.into_values().collect(), &capacity) {
        out.insert("ConsumedCapacity".into(), c);
    }
    let answer = Value::Object(out);
    if let Some(t) = token {
        let mut request = Value::Object(body.clone());
        request.as_object_mut().expect("object").remove("ReturnConsumedCapacity");
        db.transactions.insert(t.to_string(), RememberedTransaction { request, answer: answer.clone(), at_ms: now });
    }
    Ok(answer)
}

pub fn transact_get(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let mut v = Violations::new();
    let items = req.array("TransactItems")?;
    v.required(items.is_some(), "transactItems");
    let capacity = return_capacity(req, &mut v)?;
    v.finish()?;
    let items = items.expect("validated");
    if items.is_empty() || items.len() > MAX_TRANSACT {
        return Err(DynamoError::validation(format!(
            "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length {} {}",
            if items.is_empty() { "greater than or equal to" } else { "less than or equal to" },
            if items.is_empty() { 1 } else { MAX_TRANSACT }
        )));
    }
    let mut gets = Vec::new();
    let mut seen = HashSet::new();
    for raw in items {
        let r = Req::new(object(raw, "TransactGetItem")?);
        let get = r.object("Get")?.ok_or_else(|| DynamoError::validation("1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null"))?;
        let g = Req::new(get);
        let name = table_name_from(g.str("TableName")?.unwrap_or("")).to_string();
        let key = g.item("Key")?.ok_or_else(|| DynamoError::validation("1 validation error detected: Value null at 'transactItems.1.member.get.key' failed to satisfy constraint: Member must not be null"))?;
        let ph = Placeholders::new(g.names()?, None);
        let projection = g.str("ProjectionExpression")?.map(|t| expr::parse_projection(t, &ph)).transpose()?;
        ph.check_unused()?;
        let table = db.table(&name)?;
        let stored = table.storage.schema.key_from_request(&key)?;
        if !seen.insert((name.clone(), stored.clone())) {
            return Err(DynamoError::validation("Transaction request cannot include multiple operations on one item"));
        }
        gets.push((name, stored, projection));
    }
    let now = db.now_ms();
    let mut responses = Vec::new();
    let mut consumed: BTreeMap<String, Consumed> = BTreeMap::new();
    for (name, key, projection) in gets {
        let table = db.table_mut(&name)?;
        let item = table.storage.get(&key).cloned();
        let units = read_units(item.as_ref().map(item_size).unwrap_or(0), true) * 2.0;
        let entry = consumed.entry(name.clone()).or_insert_with(|| Consumed::transactional(&name));
        entry.read += units;
        let mut c = Consumed::new(&name);
        c.read = units;
        charge(table, &c, now);
        responses.push(match item {
            Some(i) => {
                let i = match &projection {
                    Some(p) => expr::project(&i, p),
                    None => i,
                };
                json!({ "Item": item_to_json(&i) })
            }
            None => json!({}),
        });
    }
    let mut out = Map::new();
    if let Some(c) = consumed_list(consumed.into_values().collect(), &capacity) {
        out.insert("ConsumedCapacity".into(), c);
    }
    out.insert("Responses".into(), Value::Array(responses));
    Ok(Value::Object(out))
}
