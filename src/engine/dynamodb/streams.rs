//! DynamoDB Streams: a record of every change to a table with a stream, kept
//! for 24 hours (by the engine's clock), readable with the DynamoDB Streams
//! API (`X-Amz-Target: DynamoDBStreams_20120810.<Operation>`) on the same
//! endpoint, and later by function triggers.
//!
//! Each table's stream has one shard. Sequence numbers grow across the whole
//! service; iterators are opaque strings naming the stream and a position.

use super::error::{DynamoError, ErrorCode, Result};
use super::request::{Req, Violations};
use super::table::KeySchema;
use super::value::{item_size, item_to_json, Item};
use super::{DynamoDb, Table};
use crate::engine::REGION;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;

/// The prefix of the Streams API's target header.
pub const STREAMS_TARGET_PREFIX: &str = "DynamoDBStreams_20120810.";
/// How long records are kept.
pub const RETENTION_MS: u64 = 24 * 60 * 60 * 1000;
/// At most this many records are kept per stream (oldest dropped first).
pub const MAX_RECORDS: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    pub sequence: u64,
    pub event_id: String,
    pub event_name: &'static str,
    pub at_ms: u64,
    pub keys: Item,
    pub old_image: Option<Item>,
    pub new_image: Option<Item>,
    /// Deleted by time to live.
    pub by_ttl: bool,
}

/// The records of one table's stream.
#[derive(Debug, Clone, Default)]
pub struct StreamLog {
    pub records: VecDeque<StreamRecord>,
}

impl StreamLog {
    pub fn push(&mut self, record: StreamRecord) {
        self.records.push_back(record);
        while self.records.len() > MAX_RECORDS {
            self.records.pop_front();
        }
    }

    pub fn trim(&mut self, now_ms: u64) {
        while self.records.front().is_some_and(|r| now_ms.saturating_sub(r.at_ms) > RETENTION_MS) {
            self.records.pop_front();
        }
    }
}

/// The change event a write makes, for a table whose stream is enabled.
pub fn record_change(
    table: &mut Table,
    schema: &KeySchema,
    old: Option<&Item>,
    new: Option<&Item>,
    now_ms: u64,
    sequence: u64,
    by_ttl: bool,
) {
    let Some(view) = table.stream_view_type.clone() else { return };
    let event_name = match (old, new) {
        (None, Some(_)) => "INSERT",
        (Some(_), Some(_)) => "MODIFY",
        (Some(_), None) => "REMOVE",
        (None, None) => return,
    };
    let keys = schema.key_item(new.or(old).expect("one side"));
    let (old_image, new_image) = match view.as_str() {
        "NEW_IMAGE" => (None, new.cloned()),
        "OLD_IMAGE" => (old.cloned(), None),
        "NEW_AND_OLD_IMAGES" => (old.cloned(), new.cloned()),
        _ => (None, None),
    };
    table.stream.trim(now_ms);
    table.stream.push(StreamRecord {
        sequence,
        event_id: format!("{sequence:032x}"),
        event_name,
        at_ms: now_ms,
        keys,
        old_image,
        new_image,
        by_ttl,
    });
}

fn record_json(table: &Table, r: &StreamRecord) -> Value {
    let mut d = Map::new();
    d.insert("ApproximateCreationDateTime".into(), json!((r.at_ms / 1000) as f64));
    d.insert("Keys".into(), item_to_json(&r.keys));
    if let Some(n) = &r.new_image {
        d.insert("NewImage".into(), item_to_json(n));
    }
    if let Some(o) = &r.old_image {
        d.insert("OldImage".into(), item_to_json(o));
    }
    d.insert("SequenceNumber".into(), json!(format!("{:021}", r.sequence)));
    let size = item_size(&r.keys) + r.new_image.as_ref().map(item_size).unwrap_or(0) + r.old_image.as_ref().map(item_size).unwrap_or(0);
    d.insert("SizeBytes".into(), json!(size));
    d.insert("StreamViewType".into(), json!(table.stream_view_type.clone().unwrap_or_default()));
    let mut out = Map::new();
    out.insert("eventID".into(), json!(r.event_id));
    out.insert("eventName".into(), json!(r.event_name));
    out.insert("eventVersion".into(), json!("1.1"));
    out.insert("eventSource".into(), json!("aws:dynamodb"));
    out.insert("awsRegion".into(), json!(REGION));
    out.insert("dynamodb".into(), Value::Object(d));
    if r.by_ttl {
        out.insert("userIdentity".into(), json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}));
    }
    Value::Object(out)
}

const SHARD_ID: &str = "shardId-00000000000000000000-00000001";

fn table_for_stream<'a>(db: &'a DynamoDb, arn: &str) -> Result<&'a Table> {
    db.tables
        .values()
        .find(|t| t.stream_arn().as_deref() == Some(arn))
        .ok_or_else(|| DynamoError::not_found(format!("Requested resource not found: Stream: {arn} not found")))
}

/// Answers one operation of the DynamoDB Streams API.
pub fn call(db: &mut DynamoDb, operation: &str, body: &Map<String, Value>) -> Result<Value> {
    let req = Req::new(body);
    match operation {
        "ListStreams" => {
            let only = req.str("TableName")?;
            let streams: Vec<Value> = db
                .tables
                .values()
                .filter(|t| only.is_none_or(|n| n == t.name))
                .filter_map(|t| {
                    t.stream_arn().map(|arn| {
                        json!({"StreamArn": arn, "TableName": t.name, "StreamLabel": t.stream_label})
                    })
                })
                .collect();
            Ok(json!({ "Streams": streams }))
        }
        "DescribeStream" => {
            let arn = stream_arn(&req)?;
            let table = table_for_stream(db, &arn)?;
            let first = table.stream.records.front().map(|r| format!("{:021}", r.sequence)).unwrap_or_else(|| format!("{:021}", 0));
            Ok(json!({ "StreamDescription": {
                "StreamArn": arn,
                "StreamLabel": table.stream_label,
                "StreamStatus": "ENABLED",
                "StreamViewType": table.stream_view_type,
                "CreationRequestDateTime": table.created_ms as f64 / 1000.0,
                "TableName": table.name,
                "KeySchema": table.storage.schema.to_json(),
                "Shards": [{
                    "ShardId": SHARD_ID,
                    "SequenceNumberRange": { "StartingSequenceNumber": first }
                }]
            }}))
        }
        "GetShardIterator" => {
            let arn = stream_arn(&req)?;
            let mut v = Violations::new();
            let shard = req.str("ShardId")?;
            let kind = req.str("ShardIteratorType")?;
            v.required(shard.is_some(), "shardId");
            v.required(kind.is_some(), "shardIteratorType");
            v.finish()?;
            let table = table_for_stream(db, &arn)?;
            if shard != Some(SHARD_ID) {
                return Err(DynamoError::not_found(format!("Requested resource not found: Shard does not exist")));
            }
            let sequence = req.str("SequenceNumber")?.and_then(|s| s.parse::<u64>().ok());
            let position = match (kind.unwrap_or(""), sequence) {
                ("TRIM_HORIZON", _) => table.stream.records.front().map(|r| r.sequence).unwrap_or(table.sequence + 1),
                ("LATEST", _) => table.sequence + 1,
                ("AT_SEQUENCE_NUMBER", Some(s)) => s,
                ("AFTER_SEQUENCE_NUMBER", Some(s)) => s + 1,
                ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => {
                    return Err(DynamoError::validation("Must specify a sequence number for iterator type"))
                }
                (other, _) => {
                    return Err(DynamoError::validation(format!(
                        "1 validation error detected: Value '{other}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
                    )))
                }
            };
            Ok(json!({ "ShardIterator": format!("{arn}|{position}") }))
        }
        "GetRecords" => {
            let mut v = Violations::new();
            let iterator = req.str("ShardIterator")?;
            v.required(iterator.is_some(), "shardIterator");
            let limit = req.i64("Limit")?.unwrap_or(1000).clamp(1, 1000) as usize;
            v.finish()?;
            let (arn, position) = iterator
                .and_then(|i| i.rsplit_once('|'))
                .and_then(|(a, p)| p.parse::<u64>().ok().map(|p| (a.to_string(), p)))
                .ok_or_else(|| DynamoError::validation("Invalid ShardIterator"))?;
            let now = db.now_ms();
            let table = table_for_stream(db, &arn)?;
            if table.stream.records.front().is_some_and(|r| r.sequence > position) && position > 0 {
                return Err(DynamoError::new(ErrorCode::ResourceNotFound, "").with_message(
                    "Requested resource not found: the shard iterator points at records that have been trimmed",
                ));
            }
            let _ = now;
            let records: Vec<&StreamRecord> =
                table.stream.records.iter().filter(|r| r.sequence >= position).take(limit).collect();
            let next = records.last().map(|r| r.sequence + 1).unwrap_or(position);
            Ok(json!({
                "Records": records.iter().map(|r| record_json(table, r)).collect::<Vec<_>>(),
                "NextShardIterator": format!("{arn}|{next}")
            }))
        }
        _ => Err(DynamoError::new(ErrorCode::UnknownOperation, "")),
    }
}

fn stream_arn(req: &Req) -> Result<String> {
    let mut v = Violations::new();
    let arn = req.str("StreamArn")?;
    v.required(arn.is_some(), "streamArn");
    v.finish()?;
    Ok(arn.expect("validated").to_string())
}
