//! The typed engine API: the data-plane operations without JSON, for the
//! console, the persistence layer and benchmarks.
//!
//! Each method does what the JSON operation does for the plain case (no
//! expressions, no `ReturnValues` other than the old item, no consumed
//! capacity in the answer), with the same storage code and the same checks:
//! the table must exist and be usable, keys are validated by the table's
//! [`KeySchema`](super::table::KeySchema), new items by
//! [`items::check_new_item`], and provisioned tables throttle and are charged
//! as they are through `Cloud::handle`. Errors are the [`DynamoError`]s the
//! JSON operations would answer with.
//!
//! Only the base table is read (no index queries), forward, eventually
//! consistent.

use super::capacity::{read_units, write_units, Consumed};
use super::error::{DynamoError, Result};
use super::items;
use super::reads::PAGE_BYTES;
use super::table::{partition_hash, KeyValue, Part, StoredKey};
use super::value::{item_size, AttributeValue, Item};
use super::{DynamoDb, Table};
use std::ops::Bound;

/// Charges `units` read (or write) units to a provisioned table's bucket.
/// On-demand tables have no buckets: nothing to compute.
fn charge_units(table: &mut Table, write: bool, units: f64, now_ms: u64) {
    let has_bucket = if write { table.write_bucket.is_some() } else { table.read_bucket.is_some() };
    if has_bucket {
        let mut consumed = Consumed::new(&table.name);
        if write {
            consumed.write = units;
        } else {
            consumed.read = units;
        }
        items::charge(table, &consumed, now_ms);
    }
}

impl DynamoDb {
    /// PutItem: stores `item` in `table` (a name or ARN), replacing the item
    /// with the same key, and returns the item it replaced (as
    /// `ReturnValues: ALL_OLD` would).
    pub fn put_item(&mut self, table: &str, item: Item) -> Result<Option<Item>> {
        let now = self.now_ms();
        let table = self.table_mut(table)?;
        let key = table.storage.schema.check_item_key(&item)?;
        items::check_new_item(table, &item)?;
        items::check_throughput(table, true, now)?;
        // Index writes are charged like PutItem charges them: only the
        // table's own units reach the bucket.
        let new_size = if table.write_bucket.is_some() { item_size(&item) } else { 0 };
        let old = table.put(key, item, now);
        let size = old.as_ref().map(item_size).unwrap_or(0).max(new_size);
        charge_units(table, true, write_units(size), now);
        Ok(old)
    }

    /// GetItem (eventually consistent): the item with this key, if any.
    /// `key` must hold exactly the table's key attributes.
    pub fn get_item(&mut self, table: &str, key: &Item) -> Result<Option<Item>> {
        let now = self.now_ms();
        let table = self.table_mut(table)?;
        let stored = table.storage.schema.key_from_request(key)?;
        items::check_throughput(table, false, now)?;
        let item = table.storage.get(&stored).cloned();
        let units = read_units(item.as_ref().map(item_size).unwrap_or(0), false);
        charge_units(table, false, units, now);
        Ok(item)
    }

    /// DeleteItem: removes the item with this key and returns it, if there
    /// was one. `key` must hold exactly the table's key attributes.
    pub fn delete_item(&mut self, table: &str, key: &Item) -> Result<Option<Item>> {
        let now = self.now_ms();
        let table = self.table_mut(table)?;
        let stored = table.storage.schema.key_from_request(key)?;
        items::check_throughput(table, true, now)?;
        let old = table.remove(&stored, now, false);
        let units = write_units(old.as_ref().map(item_size).unwrap_or(0));
        charge_units(table, true, units, now);
        Ok(old)
    }

    /// One page of a Query on the table's partition `partition`, in sort key
    /// order: at most `limit` items (and at most 1 MB, as Query), starting
    /// after the item whose key is `start_after` (a previous page's last
    /// key). Returns the items and, when more remain, the key to start the
    /// next page after (Query's `LastEvaluatedKey`).
    ///
    /// The cost is one ordered-map seek plus the page: it does not grow
    /// with the size of the table or of the partition.
    pub fn query_page(
        &mut self,
        table: &str,
        partition: &AttributeValue,
        limit: usize,
        start_after: Option<&Item>,
    ) -> Result<(Vec<Item>, Option<Item>)> {
        if limit == 0 {
            return Err(DynamoError::validation(
                "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ));
        }
        let now = self.now_ms();
        let table = self.table_mut(table)?;
        let schema = &table.storage.schema;
        if partition.scalar_type() != Some(schema.hash.ty) {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            ));
        }
        let h = partition_hash(partition);
        let p = Part::Val(KeyValue(partition.clone()));
        let mut lower: Bound<StoredKey> = Bound::Included((h, p.clone(), Part::Min));
        let upper: Bound<StoredKey> = Bound::Included((h, p.clone(), Part::Max));
        if let Some(start) = start_after {
            let start = schema.key_from_request(start).map_err(|_| {
                DynamoError::validation(
                    "The provided starting key is invalid: The provided key element does not match the schema",
                )
            })?;
            if start.0 != h || start.1 != p {
                return Err(DynamoError::validation(
                    "The provided starting key is outside query boundaries based on provided key conditions",
                ));
            }
            lower = Bound::Excluded(start);
        }
        items::check_throughput(table, false, now)?;
        let mut page = Vec::with_capacity(limit.min(1024));
        let mut bytes = 0usize;
        let mut truncated = false;
        for (_, item) in table.storage.items.range((lower, upper)) {
            if page.len() >= limit || bytes >= PAGE_BYTES {
                truncated = true;
                break;
            }
            bytes += item_size(item);
            page.push(item.clone());
        }
        let next = if truncated { page.last().map(|i| table.storage.schema.key_item(i)) } else { None };
        charge_units(table, false, read_units(bytes, false), now);
        Ok((page, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::ManualClock;
    use crate::engine::dynamodb::value::{item_from_json, item_to_json};
    use crate::engine::dynamodb::{ErrorCode, Number};
    use serde_json::json;
    use std::rc::Rc;

    fn db_with_table(range: bool) -> DynamoDb {
        let mut db = DynamoDb::new(Rc::new(ManualClock::new(1_700_000_000_000)), Default::default());
        let mut body = json!({
            "TableName": "Tab",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        });
        if range {
            body["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "sk", "AttributeType": "N"}));
            body["KeySchema"].as_array_mut().unwrap().push(json!({"AttributeName": "sk", "KeyType": "RANGE"}));
        }
        db.call("CreateTable", body.as_object().unwrap()).unwrap();
        db
    }

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn n(v: i64) -> AttributeValue {
        AttributeValue::N(Number::parse(&v.to_string()).unwrap())
    }

    fn item(pk: &str, sk: i64, extra: &str) -> Item {
        Item::from([("pk".into(), s(pk)), ("sk".into(), n(sk)), ("x".into(), s(extra))])
    }

    fn key(pk: &str, sk: i64) -> Item {
        Item::from([("pk".into(), s(pk)), ("sk".into(), n(sk))])
    }

    #[test]
    fn put_get_delete() {
        let mut db = db_with_table(true);
        assert_eq!(db.put_item("Tab", item("a", 1, "one")).unwrap(), None);
        assert_eq!(db.put_item("Tab", item("a", 1, "uno")).unwrap(), Some(item("a", 1, "one")));
        assert_eq!(db.get_item("Tab", &key("a", 1)).unwrap(), Some(item("a", 1, "uno")));
        assert_eq!(db.get_item("Tab", &key("a", 2)).unwrap(), None);
        assert_eq!(db.delete_item("Tab", &key("a", 1)).unwrap(), Some(item("a", 1, "uno")));
        assert_eq!(db.delete_item("Tab", &key("a", 1)).unwrap(), None);
        assert_eq!(db.get_item("Tab", &key("a", 1)).unwrap(), None);
        assert_eq!(db.tables["Tab"].storage.size_bytes, 0);
    }

    #[test]
    fn agrees_with_the_json_operations() {
        let mut db = db_with_table(true);
        db.put_item("Tab", item("a", 1, "typed")).unwrap();
        let got = db.call("GetItem", json!({"TableName": "Tab", "Key": item_to_json(&key("a", 1))}).as_object().unwrap());
        assert_eq!(item_from_json(&got.unwrap()["Item"]).unwrap(), item("a", 1, "typed"));
        db.call("PutItem", json!({"TableName": "Tab", "Item": item_to_json(&item("a", 2, "json"))}).as_object().unwrap())
            .unwrap();
        assert_eq!(db.get_item("Tab", &key("a", 2)).unwrap(), Some(item("a", 2, "json")));
        let described = db.call("DescribeTable", json!({"TableName": "Tab"}).as_object().unwrap()).unwrap();
        assert_eq!(described["Table"]["ItemCount"], json!(2));
    }

    #[test]
    fn errors_are_the_operations_errors() {
        let mut db = db_with_table(true);
        let code = |r: Result<Option<Item>>| r.unwrap_err().code;
        assert_eq!(code(db.get_item("Nope", &key("a", 1))), ErrorCode::ResourceNotFound);
        assert_eq!(code(db.put_item("Tab", Item::from([("pk".into(), s("a"))]))), ErrorCode::Validation);
        let wrong_type = Item::from([("pk".into(), s("a")), ("sk".into(), s("1"))]);
        let err = db.put_item("Tab", wrong_type.clone()).unwrap_err();
        assert!(err.message.contains("Type mismatch for key sk expected: N actual: S"), "{}", err.message);
        assert_eq!(code(db.get_item("Tab", &wrong_type)), ErrorCode::Validation);
        assert_eq!(code(db.get_item("Tab", &item("a", 1, "not a key"))), ErrorCode::Validation);
        assert_eq!(code(db.delete_item("Tab", &Item::new())), ErrorCode::Validation);
        assert_eq!(code(db.put_item("Tab", item("", 1, "empty key"))), ErrorCode::Validation);
    }

    #[test]
    fn query_pages_through_one_partition_in_sort_key_order() {
        let mut db = db_with_table(true);
        for sk in (0..25).rev() {
            db.put_item("Tab", item("p", sk, "in")).unwrap();
            db.put_item("Tab", item("q", sk, "out")).unwrap();
        }
        let mut seen = Vec::new();
        let mut start: Option<Item> = None;
        let mut pages = 0;
        loop {
            let (page, next) = db.query_page("Tab", &s("p"), 10, start.as_ref()).unwrap();
            pages += 1;
            seen.extend(page.iter().map(|i| i["sk"].clone()));
            assert!(page.iter().all(|i| i["pk"] == s("p")));
            match next {
                Some(k) => {
                    let last = page.last().unwrap();
                    assert_eq!(k, Item::from([("pk".into(), last["pk"].clone()), ("sk".into(), last["sk"].clone())]));
                    start = Some(k);
                }
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, (0..25).map(n).collect::<Vec<_>>());
        // Numbers sort numerically, and an exactly full last page has no next key.
        let (page, next) = db.query_page("Tab", &s("p"), 25, None).unwrap();
        assert_eq!((page.len(), next), (25, None));
        assert_eq!(db.query_page("Tab", &s("none"), 10, None).unwrap(), (vec![], None));
    }

    #[test]
    fn query_agrees_with_the_json_query() {
        let mut db = db_with_table(true);
        for sk in 0..30 {
            db.put_item("Tab", item("p", sk, "v")).unwrap();
        }
        let (typed, next) = db.query_page("Tab", &s("p"), 7, Some(&key("p", 4))).unwrap();
        let body = json!({
            "TableName": "Tab", "Limit": 7, "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p"}},
            "ExclusiveStartKey": item_to_json(&key("p", 4))
        });
        let answer = db.call("Query", body.as_object().unwrap()).unwrap();
        let json_items: Vec<Item> = answer["Items"].as_array().unwrap().iter().map(|i| item_from_json(i).unwrap()).collect();
        assert_eq!(typed, json_items);
        assert_eq!(next.map(|k| item_to_json(&k)), Some(answer["LastEvaluatedKey"].clone()));
    }

    #[test]
    fn query_errors() {
        let mut db = db_with_table(true);
        let code = |r: Result<(Vec<Item>, Option<Item>)>| r.unwrap_err().code;
        assert_eq!(code(db.query_page("Tab", &s("p"), 0, None)), ErrorCode::Validation);
        assert_eq!(code(db.query_page("Tab", &n(1), 10, None)), ErrorCode::Validation);
        assert_eq!(code(db.query_page("Nope", &s("p"), 10, None)), ErrorCode::ResourceNotFound);
        let err = db.query_page("Tab", &s("p"), 10, Some(&key("other", 1))).unwrap_err();
        assert!(err.message.contains("outside query boundaries"), "{}", err.message);
        assert_eq!(code(db.query_page("Tab", &s("p"), 10, Some(&Item::from([("pk".into(), s("p"))])))), ErrorCode::Validation);
    }

    #[test]
    fn hash_only_tables() {
        let mut db = db_with_table(false);
        let one = Item::from([("pk".into(), s("a")), ("v".into(), AttributeValue::Bool(true))]);
        db.put_item("Tab", one.clone()).unwrap();
        let k = Item::from([("pk".into(), s("a"))]);
        assert_eq!(db.get_item("Tab", &k).unwrap(), Some(one.clone()));
        assert_eq!(db.query_page("Tab", &s("a"), 5, None).unwrap(), (vec![one], None));
    }

    #[test]
    fn provisioned_tables_throttle_as_through_json() {
        let mut db = DynamoDb::new(Rc::new(ManualClock::new(1_700_000_000_000)), Default::default());
        let body = json!({
            "TableName": "Prov",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
        });
        db.call("CreateTable", body.as_object().unwrap()).unwrap();
        let mut throttled = false;
        for i in 0..10_000 {
            let it = Item::from([("pk".into(), s(&format!("k{i}")))]);
            match db.put_item("Prov", it) {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::ProvisionedThroughputExceeded);
                    throttled = true;
                    break;
                }
            }
        }
        assert!(throttled, "a 1 WCU table must throttle a burst of 10,000 writes");
    }
}
