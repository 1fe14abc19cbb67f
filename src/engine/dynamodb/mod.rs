//! DynamoDB: tables, items, indexes, expressions, capacity, behind the
//! DynamoDB JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`).
//!
//! * [`number`], [`value`]: the data model (exact decimals, the ten types,
//!   wire form, item size, key order);
//! * [`table`]: a table's schema, items and indexes;
//! * [`expr`]: expressions, parsed to a tree and evaluated;
//! * [`capacity`]: consumed capacity and the throttling buckets;
//! * [`control`]: the control plane (tables, tags, TTL settings, limits);
//! * [`items`]: PutItem, GetItem, UpdateItem, DeleteItem;
//! * [`reads`]: Query and Scan, a page at a time;
//! * [`batch`]: batches and transactions;
//! * [`streams`]: change records and the DynamoDB Streams API; time to live;
//! * [`request`]: reading request bodies with DynamoDB's validation errors;
//! * [`error`]: DynamoDB's errors in its own format.

pub mod answer;
pub mod api;
pub mod batch;
pub mod capacity;
pub mod control;
pub mod error;
pub mod expr;
pub mod items;
pub mod number;
pub mod partiql;
pub mod persist;
pub mod reads;
pub mod request;
pub mod streams;
pub mod table;
pub mod value;

pub use error::{DynamoError, ErrorCode, Result};
pub use number::Number;
pub use value::{AttributeValue, Item};

use crate::engine::clock::Clock;
use crate::engine::http::{HttpRequest, HttpResponse};
use crate::engine::protocol::JsonVersion;
use crate::engine::metrics::Metrics;
use crate::engine::store::{Journal, Mutation};
use crate::engine::{ACCOUNT_ID, REGION};
use capacity::Bucket;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use table::{Storage, StoredKey, Throughput};
use value::ScalarType;

/// The prefix of every DynamoDB target header.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

/// A table: its settings and its storage.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub created_ms: u64,
    /// The table is CREATING (or UPDATING) until this time, then ACTIVE.
    pub busy_until_ms: u64,
    pub busy_status: &'static str,
    pub attribute_definitions: Vec<(String, ScalarType)>,
    pub billing: BillingMode,
    /// Whether the request that made the table named a billing mode (then
    /// DescribeTable shows a BillingModeSummary, as DynamoDB does).
    pub billing_explicit: bool,
    pub throughput: Throughput,
    pub storage: Storage,
    pub tags: BTreeMap<String, String>,
    pub ttl_attribute: Option<String>,
    pub stream_view_type: Option<String>,
    pub stream_label: Option<String>,
    pub deletion_protection: bool,
    pub read_bucket: Option<Bucket>,
    pub write_bucket: Option<Bucket>,
    /// The stream's records (when a stream is enabled).
    pub stream: streams::StreamLog,
    /// The last stream sequence number given out.
    pub sequence: u64,
    /// (expiry in epoch seconds, key) of items with a time to live, when TTL is enabled.
    pub ttl_index: BTreeSet<(u64, StoredKey)>,
    /// Where this table's changes are recorded for the store.
    pub journal: Journal,
    /// Where this table's CloudWatch metrics are recorded.
    pub meter: capacity::Meter,
}

impl Table {
    pub fn status(&self, now_ms: u64) -> &'static str {
        if now_ms < self.busy_until_ms {
            self.busy_status
        } else {
            "ACTIVE"
        }
    }

    pub fn index_arn(&self, index: &str) -> String {
        format!("{}/index/{index}", self.arn)
    }

    pub fn stream_arn(&self) -> Option<String> {
        self.stream_label.as_ref().map(|l| format!("{}/stream/{l}", self.arn))
    }

    /// The expiry time (epoch seconds) of an item, if TTL is enabled and the
    /// item's TTL attribute is a number.
    fn expiry(&self, item: &Item) -> Option<u64> {
        let name = self.ttl_attribute.as_ref()?;
        match item.get(name) {
            Some(AttributeValue::N(n)) => {
                let secs = n.to_f64();
                (secs.is_finite() && secs >= 0.0).then_some(secs as u64)
            }
            _ => None,
        }
    }

    /// Writes an item (its key and contents already checked): storage,
    /// stream record, time-to-live index. Returns the item it replaced.
    pub fn put(&mut self, key: StoredKey, item: Item, now_ms: u64) -> Option<Item> {
        self.journal.push(persist::put_item_mutation(&self.name, &self.storage.schema, &item));
        let expiry = self.expiry(&item);
        let old = if self.stream_view_type.is_some() || self.ttl_attribute.is_some() {
            let old = self.storage.put(key.clone(), item.clone());
            self.after_write(&key, old.as_ref(), Some(&item), expiry, now_ms, false);
            old
        } else {
            self.storage.put(key, item)
        };
        old
    }

    /// Writes `Some(item)` or deletes (`None`) the item under `key`.
    pub fn write(&mut self, key: StoredKey, item: Option<Item>, now_ms: u64) -> Option<Item> {
        match item {
            Some(item) => self.put(key, item, now_ms),
            None => self.remove(&key, now_ms, false),
        }
    }

    /// Deletes an item; `by_ttl` marks deletions made by time to live.
    pub fn remove(&mut self, key: &StoredKey, now_ms: u64, by_ttl: bool) -> Option<Item> {
        let old = self.storage.remove(key)?;
        self.journal.push(Mutation::Delete { key: persist::item_key(&self.name, &self.storage.schema, &old) });
        self.after_write(key, Some(&old), None, None, now_ms, by_ttl);
        Some(old)
    }

    fn after_write(&mut self, key: &StoredKey, old: Option<&Item>, new: Option<&Item>, expiry: Option<u64>, now_ms: u64, by_ttl: bool) {
        if let Some(e) = old.and_then(|o| self.expiry(o)) {
            self.ttl_index.remove(&(e, key.clone()));
        }
        if let Some(e) = expiry {
            self.ttl_index.insert((e, key.clone()));
        }
        if self.stream_view_type.is_some() {
            self.sequence += 1;
            let schema = self.storage.schema.clone();
            let sequence = self.sequence;
            streams::record_change(self, &schema, old, new, now_ms, sequence, by_ttl);
        }
    }

    /// Turns time to live on (indexing every item's expiry) or off.
    pub fn set_ttl(&mut self, attribute: Option<String>) {
        self.ttl_attribute = attribute;
        self.ttl_index.clear();
        if self.ttl_attribute.is_some() {
            let entries: Vec<(u64, StoredKey)> = self
                .storage
                .items
                .iter()
                .filter_map(|(k, item)| self.expiry(item).map(|e| (e, k.clone())))
                .collect();
            self.ttl_index.extend(entries);
        }
    }

    /// Deletes the items whose time to live has passed. As DynamoDB does,
    /// items whose expiry is more than five years in the past are left alone.
    pub fn expire(&mut self, now_ms: u64) -> usize {
        let now = now_ms / 1000;
        let mut deleted = 0;
        while let Some((expiry, key)) = self.ttl_index.first().cloned() {
            if expiry > now {
                break;
            }
            self.ttl_index.pop_first();
            if now - expiry > FIVE_YEARS_SECS {
                continue;
            }
            if self.remove(&key, now_ms, true).is_some() {
                deleted += 1;
            }
        }
        deleted
    }
}

/// Items expired longer ago than this are never deleted by time to live.
pub const FIVE_YEARS_SECS: u64 = 5 * 365 * 24 * 3600;

/// Settings a classroom may change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a new table stays CREATING (and an updated one UPDATING).
    pub table_status_delay_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { table_status_delay_ms: 0 }
    }
}

/// The DynamoDB service of one account and region.
pub struct DynamoDb {
    pub tables: BTreeMap<String, Table>,
    pub settings: Settings,
    pub clock: Rc<dyn Clock>,
    /// TransactWriteItems answers by ClientRequestToken (idempotency window).
    pub transactions: BTreeMap<String, batch::RememberedTransaction>,
    /// Changes not yet handed to the store.
    pub journal: Journal,
    /// The cloud's metrics (CloudWatch namespace `AWS/DynamoDB`).
    pub metrics: Metrics,
    ids: u64,
}

impl DynamoDb {
    pub fn new(clock: Rc<dyn Clock>, journal: Journal) -> Self {
        DynamoDb::with_metrics(clock, journal, Metrics::new())
    }

    /// A DynamoDB service recording its metrics into `metrics`.
    pub fn with_metrics(clock: Rc<dyn Clock>, journal: Journal, metrics: Metrics) -> Self {
        DynamoDb { tables: BTreeMap::new(), settings: Settings::default(), clock, transactions: BTreeMap::new(), journal, metrics, ids: 0 }
    }

    /// Records a control-plane change for the store: the settings of the
    /// table the request named, or its removal.
    fn journal_control(&mut self, operation: &str, body: &Map<String, Value>) {
        let named = body
            .get("TableName")
            .or_else(|| body.get("ResourceArn"))
            .and_then(Value::as_str)
            .map(|n| request::table_name_from(n).to_string());
        let Some(name) = named else { return };
        match operation {
            "DeleteTable" => {
                self.journal.push(Mutation::DeletePrefix { prefix: persist::items_prefix(&name) });
                self.journal.push(Mutation::Delete { key: persist::table_key(&name) });
            }
            _ => {
                if let Some(t) = self.tables.get(&name) {
                    self.journal.push(persist::put_meta_mutation(t));
                }
            }
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// A fresh id in UUID form, unique within this service.
    pub fn next_uuid(&mut self) -> String {
        self.ids += 1;
        let a = splitmix(self.ids ^ self.now_ms().rotate_left(17));
        let b = splitmix(a ^ self.ids);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    pub fn table_arn(name: &str) -> String {
        format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}")
    }

    /// Answers one HTTP request of the DynamoDB protocol.
    pub fn handle_http(&mut self, request: &HttpRequest) -> HttpResponse {
        let target = request.header("x-amz-target").unwrap_or("");
        let (streams_api, operation) = match (target.strip_prefix(TARGET_PREFIX), target.strip_prefix(streams::STREAMS_TARGET_PREFIX)) {
            (Some(op), _) => (false, op),
            (None, Some(op)) => (true, op),
            (None, None) => return DynamoError::new(ErrorCode::UnknownOperation, "").to_response_without_message(),
        };
        let body: Value = if request.body.iter().all(|b| b.is_ascii_whitespace()) {
            Value::Object(Map::new())
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(v) => v,
                Err(_) => return DynamoError::serialization("").to_response_without_message(),
            }
        };
        let Value::Object(body) = body else {
            return DynamoError::serialization("Start of list found where not expected").to_response();
        };
        let result = if streams_api {
            self.expire_all();
            streams::call(self, operation, &body).map(answer::Answer::Json)
        } else {
            self.call_answer(operation, &body)
        };
        match result {
            Ok(answer) => HttpResponse::new(200).with_body(JsonVersion::V1_0.content_type(), answer.to_bytes()),
            Err(e) => e.to_response(),
        }
    }

    /// Deletes every item whose time to live has passed; returns how many.
    pub fn expire_all(&mut self) -> usize {
        let now = self.now_ms();
        self.tables.values_mut().filter(|t| !t.ttl_index.is_empty()).map(|t| t.expire(now)).sum()
    }

    /// Runs one operation on a decoded body, answering a JSON tree.
    pub fn call(&mut self, operation: &str, body: &Map<String, Value>) -> Result<Value> {
        self.call_answer(operation, body).map(answer::Answer::into_value)
    }

    /// Runs one operation on a decoded body.
    pub fn call_answer(&mut self, operation: &str, body: &Map<String, Value>) -> Result<answer::Answer> {
        self.expire_all();
        let req = request::Req::new(body);
        let result = self.dispatch(operation, &req, body);
        if result.is_ok()
            && matches!(
                operation,
                "CreateTable" | "UpdateTable" | "DeleteTable" | "UpdateTimeToLive" | "TagResource" | "UntagResource"
            )
        {
            self.journal_control(operation, body);
        }
        if matches!(operation, "CreateTable" | "UpdateTable") {
            if let Some(name) = body.get("TableName").and_then(Value::as_str) {
                let now = self.now_ms();
                if let Some(table) = self.tables.get(request::table_name_from(name)) {
                    table.meter.provisioned(table, now);
                }
            }
        }
        if let Err(e) = &result {
            if e.code == ErrorCode::ProvisionedThroughputExceeded {
                let table = body.get("TableName").and_then(Value::as_str).map(request::table_name_from).unwrap_or("");
                let now = self.now_ms();
                self.metrics.record_key(
                    crate::engine::metrics::SeriesKey::new("AWS/DynamoDB", "ThrottledRequests", &[("TableName", table), ("Operation", operation)]),
                    crate::engine::metrics::Kind::Samples,
                    "Count",
                    1.0,
                    now,
                );
            }
        }
        result
    }

    fn dispatch(&mut self, operation: &str, req: &request::Req, body: &Map<String, Value>) -> Result<answer::Answer> {
        match operation {
            "GetItem" => return items::get_item(self, req),
            "Query" => return reads::query(self, req),
            "Scan" => return reads::scan(self, req),
            _ => {}
        }
        let json = match operation {
            "CreateTable" => control::create_table(self, req),
            "DescribeTable" => control::describe_table(self, req),
            "ListTables" => control::list_tables(self, req),
            "DeleteTable" => control::delete_table(self, req),
            "UpdateTable" => control::update_table(self, req),
            "TagResource" => control::tag_resource(self, req),
            "UntagResource" => control::untag_resource(self, req),
            "ListTagsOfResource" => control::list_tags(self, req),
            "UpdateTimeToLive" => control::update_ttl(self, req),
            "DescribeTimeToLive" => control::describe_ttl(self, req),
            "PutItem" => items::put_item(self, req),
            "UpdateItem" => items::update_item(self, req),
            "DeleteItem" => items::delete_item(self, req),
            "BatchGetItem" => batch::batch_get(self, req),
            "BatchWriteItem" => batch::batch_write(self, req),
            "TransactGetItems" => batch::transact_get(self, req),
            "TransactWriteItems" => batch::transact_write(self, req, body),
            "ExecuteStatement" => partiql::execute_statement(self, body),
            "BatchExecuteStatement" => partiql::batch_execute_statement(self, body),
            "ExecuteTransaction" => partiql::execute_transaction(self, body),
            "DescribeLimits" => Ok(control::describe_limits()),
            "DescribeEndpoints" => Ok(control::describe_endpoints()),
            _ => Err(DynamoError::new(ErrorCode::UnknownOperation, "")),
        };
        json.map(answer::Answer::Json)
    }

    /// The table a data-plane request names, if it exists and is usable.
    pub fn table(&self, name_or_arn: &str) -> Result<&Table> {
        let name = request::table_name_from(name_or_arn);
        let now = self.now_ms();
        match self.tables.get(name) {
            Some(t) if t.status(now) != "CREATING" => Ok(t),
            _ => Err(DynamoError::table_not_found()),
        }
    }

    pub fn table_mut(&mut self, name_or_arn: &str) -> Result<&mut Table> {
        let name = request::table_name_from(name_or_arn);
        let now = self.now_ms();
        match self.tables.get_mut(name) {
            Some(t) if t.status(now) != "CREATING" => Ok(t),
            _ => Err(DynamoError::table_not_found()),
        }
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
