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
//! * [`request`]: reading request bodies with DynamoDB's validation errors;
//! * [`error`]: DynamoDB's errors in its own format.

pub mod api;
pub mod batch;
pub mod capacity;
pub mod control;
pub mod error;
pub mod expr;
pub mod items;
pub mod number;
pub mod partiql;
pub mod reads;
pub mod request;
pub mod table;
pub mod value;

pub use error::{DynamoError, ErrorCode, Result};
pub use number::Number;
pub use value::{AttributeValue, Item};

use crate::engine::clock::Clock;
use crate::engine::http::{HttpRequest, HttpResponse};
use crate::engine::protocol::JsonVersion;
use crate::engine::{ACCOUNT_ID, REGION};
use capacity::Bucket;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use table::{Storage, Throughput};
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
}

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
    ids: u64,
}

impl DynamoDb {
    pub fn new(clock: Rc<dyn Clock>) -> Self {
        DynamoDb { tables: BTreeMap::new(), settings: Settings::default(), clock, transactions: BTreeMap::new(), ids: 0 }
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
        let Some(operation) = target.strip_prefix(TARGET_PREFIX) else {
            return DynamoError::new(ErrorCode::UnknownOperation, "").to_response_without_message();
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
        match self.call(operation, &body) {
            Ok(answer) => HttpResponse::new(200).with_body(JsonVersion::V1_0.content_type(), answer.to_string()),
            Err(e) => e.to_response(),
        }
    }

    /// Runs one operation on a decoded body.
    pub fn call(&mut self, operation: &str, body: &Map<String, Value>) -> Result<Value> {
        let req = request::Req::new(body);
        match operation {
            "CreateTable" => control::create_table(self, &req),
            "DescribeTable" => control::describe_table(self, &req),
            "ListTables" => control::list_tables(self, &req),
            "DeleteTable" => control::delete_table(self, &req),
            "UpdateTable" => control::update_table(self, &req),
            "TagResource" => control::tag_resource(self, &req),
            "UntagResource" => control::untag_resource(self, &req),
            "ListTagsOfResource" => control::list_tags(self, &req),
            "UpdateTimeToLive" => control::update_ttl(self, &req),
            "DescribeTimeToLive" => control::describe_ttl(self, &req),
            "PutItem" => items::put_item(self, &req),
            "GetItem" => items::get_item(self, &req),
            "UpdateItem" => items::update_item(self, &req),
            "DeleteItem" => items::delete_item(self, &req),
            "Query" => reads::query(self, &req),
            "BatchGetItem" => batch::batch_get(self, &req),
            "BatchWriteItem" => batch::batch_write(self, &req),
            "TransactGetItems" => batch::transact_get(self, &req),
            "TransactWriteItems" => batch::transact_write(self, &req, body),
            "Scan" => reads::scan(self, &req),
            "ExecuteStatement" => partiql::execute_statement(self, body),
            "BatchExecuteStatement" => partiql::batch_execute_statement(self, body),
            "ExecuteTransaction" => partiql::execute_transaction(self, body),
            "DescribeLimits" => Ok(control::describe_limits()),
            "DescribeEndpoints" => Ok(control::describe_endpoints()),
            _ => Err(DynamoError::new(ErrorCode::UnknownOperation, "")),
        }
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
