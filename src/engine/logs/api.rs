//! The CloudWatch Logs API (`_aws/logs/`) on top of [`Logs`].
//!
//! Protocol: awsJson 1.1, `X-Amz-Target: Logs_20140328.<Operation>`,
//! timestamps in epoch milliseconds. Errors are CloudWatch Logs' own:
//! HTTP 400 with `{"__type": "<ShortName>", "message": ...}` (the short
//! name, as the service sends it, not a shape id) and no
//! `x-amzn-ErrorType` header. Request validation speaks Coral's
//! `N validation error(s) detected: Value '..' at '..' failed to satisfy
//! constraint: ..` as an `InvalidParameterException`. A target it does not
//! know, or a body that is not a JSON object, gets the front end's
//! `UnknownOperationException` / `SerializationException`.
//!
//! Operations: CreateLogGroup, DeleteLogGroup, DescribeLogGroups,
//! CreateLogStream, DeleteLogStream, DescribeLogStreams, PutLogEvents,
//! GetLogEvents, FilterLogEvents, PutRetentionPolicy, DeleteRetentionPolicy,
//! TagLogGroup, UntagLogGroup, ListTagsLogGroup, TagResource,
//! UntagResource, ListTagsForResource.

use super::{
    group_arn, group_arn_bare, group_from_arn, stream_arn, Cursor, EventsQuery, FilterQuery, Logs, LogsError, Position,
    StreamSelect, DAY_MS, EVENT_OVERHEAD, MAX_BATCH_BYTES, RETENTION_DAYS,
};
use crate::engine::http::{HttpRequest, HttpResponse};
use crate::engine::protocol::{self, JsonVersion, UNKNOWN_OPERATION};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The `X-Amz-Target` prefix of CloudWatch Logs.
pub const TARGET_PREFIX: &str = "Logs_20140328.";

const GROUP_PATTERN: &str = r"[\.\-_/#A-Za-z0-9]+";
const STREAM_PATTERN: &str = "[^:*]*";
const SERIALIZATION: &str = "com.amazon.coral.service#SerializationException";
const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A CloudWatch Logs error: its `__type` and message.
struct Error {
    kind: &'static str,
    message: String,
}

type Result<T> = std::result::Result<T, Error>;

fn invalid(message: impl Into<String>) -> Error {
    Error { kind: "InvalidParameterException", message: message.into() }
}

impl From<LogsError> for Error {
    fn from(e: LogsError) -> Self {
        let kind = match e {
            LogsError::GroupNotFound | LogsError::StreamNotFound => "ResourceNotFoundException",
            LogsError::GroupExists | LogsError::StreamExists => "ResourceAlreadyExistsException",
            LogsError::InvalidToken | LogsError::InvalidPattern(_) => "InvalidParameterException",
        };
        Error { kind, message: e.to_string() }
    }
}

impl Error {
    fn into_response(self) -> HttpResponse {
        HttpResponse::new(400).with_body(
            JsonVersion::V1_1.content_type(),
            json!({ "__type": self.kind, "message": self.message }).to_string(),
        )
    }
}

/// Answers one CloudWatch Logs request; `now_ms` is the engine clock.
pub fn handle_http(logs: &Logs, request: &HttpRequest, now_ms: u64) -> HttpResponse {
    let Some(operation) = request.header("x-amz-target").and_then(|t| t.strip_prefix(TARGET_PREFIX)) else {
        return protocol::aws_json_error(JsonVersion::V1_1, 400, UNKNOWN_OPERATION, None);
    };
    let body: Value = if request.body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(v) => v,
            Err(_) => return protocol::aws_json_error(JsonVersion::V1_1, 400, SERIALIZATION, None),
        }
    };
    let Value::Object(body) = body else {
        return protocol::aws_json_error(JsonVersion::V1_1, 400, SERIALIZATION, None);
    };
    let b = Body(&body);
    let result = match operation {
        "CreateLogGroup" => create_log_group(logs, b, now_ms),
        "DeleteLogGroup" => delete_log_group(logs, b),
        "DescribeLogGroups" => describe_log_groups(logs, b, now_ms),
        "CreateLogStream" => create_log_stream(logs, b, now_ms),
        "DeleteLogStream" => delete_log_stream(logs, b),
        "DescribeLogStreams" => describe_log_streams(logs, b, now_ms),
        "PutLogEvents" => put_log_events(logs, b, now_ms),
        "GetLogEvents" => get_log_events(logs, b, now_ms),
        "FilterLogEvents" => filter_log_events(logs, b, now_ms),
        "PutRetentionPolicy" => put_retention_policy(logs, b, now_ms),
        "DeleteRetentionPolicy" => delete_retention_policy(logs, b, now_ms),
        "TagLogGroup" => tag_log_group(logs, b),
        "UntagLogGroup" => untag_log_group(logs, b),
        "ListTagsLogGroup" => list_tags_log_group(logs, b),
        "TagResource" => tag_resource(logs, b),
        "UntagResource" => untag_resource(logs, b),
        "ListTagsForResource" => list_tags_for_resource(logs, b),
        _ => return protocol::aws_json_error(JsonVersion::V1_1, 400, UNKNOWN_OPERATION, None),
    };
    match result {
        // Operations without output answer with an empty body, as the service does.
        Ok(Value::Null) => HttpResponse::new(200).with_body(JsonVersion::V1_1.content_type(), Vec::new()),
        Ok(v) => HttpResponse::new(200).with_body(JsonVersion::V1_1.content_type(), v.to_string()),
        Err(e) if e.kind == SERIALIZATION => protocol::aws_json_error(JsonVersion::V1_1, 400, SERIALIZATION, None),
        Err(e) => e.into_response(),
    }
}

// ---------------------------------------------------------------------------
// Reading the request, with Coral-style validation.

/// The request body.
#[derive(Clone, Copy)]
struct Body<'a>(&'a Map<String, Value>);

fn serialization() -> Error {
    Error { kind: SERIALIZATION, message: String::new() }
}

impl<'a> Body<'a> {
    fn str(self, name: &str) -> Result<Option<&'a str>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(serialization()),
        }
    }

    fn int(self, name: &str) -> Result<Option<i64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(serialization),
        }
    }

    fn bool(self, name: &str) -> Result<Option<bool>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(serialization()),
        }
    }

    fn list(self, name: &str) -> Result<Option<&'a [Value]>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(serialization()),
        }
    }

    fn strings(self, name: &str) -> Result<Option<Vec<String>>> {
        let Some(list) = self.list(name)? else { return Ok(None) };
        list.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(serialization)).collect::<Result<_>>().map(Some)
    }

    fn string_map(self, name: &str) -> Result<Option<BTreeMap<String, String>>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())).ok_or_else(serialization))
                .collect::<Result<_>>()
                .map(Some),
            Some(_) => Err(serialization()),
        }
    }
}

/// Collects constraint violations and reports them as Coral does.
#[derive(Default)]
struct Checks(Vec<String>);

impl Checks {
    fn fail(&mut self, value: Option<&str>, at: &str, constraint: &str) {
        let value = match value {
            Some(v) => format!("Value '{v}'"),
            None => "Value null".to_string(),
        };
        self.0.push(format!("{value} at '{at}' failed to satisfy constraint: {constraint}"));
    }

    fn required<T>(&mut self, value: Option<T>, at: &str) -> Option<T> {
        if value.is_none() {
            self.fail(None, at, "Member must not be null");
        }
        value
    }

    fn length(&mut self, value: Option<&str>, at: &str, min: usize, max: usize) {
        let Some(v) = value else { return };
        let n = v.chars().count();
        if n < min {
            self.fail(Some(v), at, &format!("Member must have length greater than or equal to {min}"));
        } else if n > max {
            self.fail(Some(v), at, &format!("Member must have length less than or equal to {max}"));
        }
    }

    fn group_name(&mut self, value: Option<&str>, at: &str) {
        self.length(value, at, 1, 512);
        if let Some(v) = value {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c)) {
                self.fail(Some(v), at, &format!("Member must satisfy regular expression pattern: {GROUP_PATTERN}"));
            }
        }
    }

    fn stream_name(&mut self, value: Option<&str>, at: &str) {
        self.length(value, at, 1, 512);
        if let Some(v) = value {
            if v.contains([':', '*']) {
                self.fail(Some(v), at, &format!("Member must satisfy regular expression pattern: {STREAM_PATTERN}"));
            }
        }
    }

    fn range(&mut self, value: Option<i64>, at: &str, min: i64, max: i64) {
        let Some(v) = value else { return };
        if v < min {
            self.fail(Some(&v.to_string()), at, &format!("Member must have value greater than or equal to {min}"));
        } else if v > max {
            self.fail(Some(&v.to_string()), at, &format!("Member must have value less than or equal to {max}"));
        }
    }

    fn finish(self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(invalid(format!("1 validation error detected: {}", self.0[0]))),
            n => Err(invalid(format!("{n} validation errors detected: {}", self.0.join("; ")))),
        }
    }
}

/// The log group a request names, by `logGroupName` or
/// `logGroupIdentifier` (a name or this account's ARN), after `checks` pass.
fn group_ref(b: Body, mut checks: Checks) -> Result<String> {
    let name = b.str("logGroupName")?;
    let identifier = b.str("logGroupIdentifier")?;
    checks.group_name(name, "logGroupName");
    checks.length(identifier, "logGroupIdentifier", 1, 2048);
    checks.finish()?;
    match (name, identifier) {
        (Some(_), Some(_)) => Err(Error {
            kind: "ValidationException",
            message: "LogGroup name and LogGroup ARN are mutually exclusive parameters.".into(),
        }),
        (Some(n), None) => Ok(n.to_string()),
        (None, Some(id)) if id.starts_with("arn:") => {
            group_from_arn(id).map(str::to_string).ok_or_else(|| LogsError::GroupNotFound.into())
        }
        (None, Some(id)) => Ok(id.to_string()),
        (None, None) => Err(invalid("Either logGroupName or logGroupIdentifier must be specified.")),
    }
}

fn limit(checks: &mut Checks, b: Body, max: i64) -> Result<usize> {
    let value = b.int("limit")?;
    checks.range(value, "limit", 1, max);
    Ok(value.unwrap_or(max).clamp(1, max) as usize)
}

fn next_token<'a>(checks: &mut Checks, b: Body<'a>) -> Result<Option<&'a str>> {
    let token = b.str("nextToken")?;
    checks.length(token, "nextToken", 1, usize::MAX);
    Ok(token)
}

fn time(checks: &mut Checks, b: Body, name: &str) -> Result<Option<u64>> {
    let value = b.int(name)?;
    checks.range(value, name, 0, i64::MAX);
    Ok(value.map(|v| v.max(0) as u64))
}

/// A listing token: the sort key of the last item returned.
fn list_token(key: &str) -> String {
    BASE64.encode(key)
}

fn read_list_token(token: &str) -> Result<String> {
    BASE64
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| LogsError::InvalidToken.into())
}

// ---------------------------------------------------------------------------
// Log groups.

fn create_log_group(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    if name.is_some_and(|n| n.chars().count() > 512) {
        return Err(invalid("Invalid LogGroup or LogStream, both must have length less than or equal to 512."));
    }
    c.group_name(name, "logGroupName");
    let kms = b.str("kmsKeyId")?;
    c.length(kms, "kmsKeyId", 0, 256);
    let class = b.str("logGroupClass")?;
    if let Some(v) = class {
        if !matches!(v, "STANDARD" | "INFREQUENT_ACCESS" | "DELIVERY") {
            c.fail(Some(v), "logGroupClass", "Member must satisfy enum value set: [DELIVERY, INFREQUENT_ACCESS, STANDARD]");
        }
    }
    let tags = b.string_map("tags")?;
    check_tags(&mut c, tags.as_ref(), "tags");
    c.finish()?;
    logs.create_group(name.unwrap_or_default(), now_ms, tags.unwrap_or_default(), class, kms)?;
    Ok(Value::Null)
}

fn check_tags(c: &mut Checks, tags: Option<&BTreeMap<String, String>>, at: &str) {
    let Some(tags) = tags else { return };
    if tags.is_empty() || tags.len() > 50 {
        let shown = format!("{tags:?}");
        let bound = if tags.is_empty() { "greater than or equal to 1" } else { "less than or equal to 50" };
        c.fail(Some(&shown), at, &format!("Member must have length {bound}"));
    }
    for (k, v) in tags {
        c.length(Some(k), &format!("{at}.key"), 1, 128);
        c.length(Some(v), &format!("{at}.{k}.member"), 0, 256);
    }
}

fn delete_log_group(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    c.group_name(name, "logGroupName");
    c.finish()?;
    logs.delete_group(name.unwrap_or_default())?;
    Ok(Value::Null)
}

fn describe_log_groups(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let prefix = b.str("logGroupNamePrefix")?;
    c.group_name(prefix, "logGroupNamePrefix");
    let pattern = b.str("logGroupNamePattern")?;
    c.length(pattern, "logGroupNamePattern", 0, 512);
    if let Some(p) = pattern {
        if !p.chars().all(|ch| ch.is_ascii_alphanumeric() || "._-/#".contains(ch)) {
            c.fail(Some(p), "logGroupNamePattern", r"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]*");
        }
    }
    let class = b.str("logGroupClass")?;
    let identifiers = b.strings("logGroupIdentifiers")?;
    let limit = limit(&mut c, b, 50)?;
    let token = next_token(&mut c, b)?;
    c.finish()?;
    if prefix.is_some() && pattern.is_some() {
        return Err(invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."));
    }
    let after = token.map(read_list_token).transpose()?;
    let pattern = pattern.map(str::to_ascii_lowercase);
    let wanted: Option<Vec<String>> = identifiers.map(|ids| {
        ids.iter().map(|id| group_from_arn(id).map(str::to_string).unwrap_or_else(|| id.clone())).collect()
    });
    let mut groups = logs.groups(now_ms).into_iter().filter(|g| {
        prefix.is_none_or(|p| g.name.starts_with(p))
            && pattern.as_ref().is_none_or(|p| g.name.to_ascii_lowercase().contains(p.as_str()))
            && class.is_none_or(|cl| g.class == cl)
            && wanted.as_ref().is_none_or(|w| w.contains(&g.name))
            && after.as_ref().is_none_or(|a| g.name.as_str() > a.as_str())
    });
    let page: Vec<_> = groups.by_ref().take(limit).collect();
    let more = groups.next().is_some();
    let list: Vec<Value> = page
        .iter()
        .map(|g| {
            let mut o = json!({
                "logGroupName": g.name,
                "creationTime": g.created_ms,
                "metricFilterCount": 0,
                "arn": group_arn(&g.name),
                "storedBytes": g.stored_bytes,
                "logGroupClass": g.class,
                "logGroupArn": group_arn_bare(&g.name),
                "deletionProtectionEnabled": false,
            });
            if let Some(days) = g.retention_days {
                o["retentionInDays"] = json!(days);
            }
            if let Some(k) = &g.kms_key_id {
                o["kmsKeyId"] = json!(k);
            }
            o
        })
        .collect();
    let mut out = json!({ "logGroups": list });
    if more {
        if let Some(last) = page.last() {
            out["nextToken"] = json!(list_token(&last.name));
        }
    }
    Ok(out)
}

fn put_retention_policy(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    c.group_name(name, "logGroupName");
    let days = c.required(b.int("retentionInDays")?, "retentionInDays");
    if let Some(d) = days {
        if !RETENTION_DAYS.iter().any(|&r| r as i64 == d) {
            let set: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
            c.fail(
                Some(&d.to_string()),
                "retentionInDays",
                &format!("Member must satisfy enum value set: [{}]", set.join(", ")),
            );
        }
    }
    c.finish()?;
    logs.set_retention(name.unwrap_or_default(), days.map(|d| d as u32), now_ms)?;
    Ok(Value::Null)
}

fn delete_retention_policy(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    c.group_name(name, "logGroupName");
    c.finish()?;
    logs.set_retention(name.unwrap_or_default(), None, now_ms)?;
    Ok(Value::Null)
}

// ---------------------------------------------------------------------------
// Tags.

fn tag_log_group(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    c.group_name(name, "logGroupName");
    let tags = c.required(b.string_map("tags")?, "tags");
    check_tags(&mut c, tags.as_ref(), "tags");
    c.finish()?;
    logs.tag(name.unwrap_or_default(), &tags.unwrap_or_default())?;
    Ok(Value::Null)
}

fn untag_log_group(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    c.group_name(name, "logGroupName");
    let keys = c.required(b.strings("tags")?, "tags");
    c.finish()?;
    logs.untag(name.unwrap_or_default(), &keys.unwrap_or_default())?;
    Ok(Value::Null)
}

fn list_tags_log_group(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let name = c.required(b.str("logGroupName")?, "logGroupName");
    c.group_name(name, "logGroupName");
    c.finish()?;
    Ok(json!({ "tags": logs.tags(name.unwrap_or_default())? }))
}

/// The log group a `resourceArn` names.
fn resource_group(c: &mut Checks, b: Body) -> Result<String> {
    let arn = c.required(b.str("resourceArn")?, "resourceArn");
    c.length(arn, "resourceArn", 1, 1011);
    let Some(arn) = arn else { return Ok(String::new()) };
    if !arn.starts_with("arn:") {
        return Err(invalid(format!("Invalid resource ARN: {arn}")));
    }
    // Another account's, region's or resource type's ARN names nothing here.
    group_from_arn(arn).map(str::to_string).ok_or_else(|| LogsError::GroupNotFound.into())
}

fn tag_resource(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let tags = c.required(b.string_map("tags")?, "tags");
    check_tags(&mut c, tags.as_ref(), "tags");
    let group = resource_group(&mut c, b)?;
    c.finish()?;
    logs.tag(&group, &tags.unwrap_or_default())?;
    Ok(Value::Null)
}

fn untag_resource(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let keys = c.required(b.strings("tagKeys")?, "tagKeys");
    let group = resource_group(&mut c, b)?;
    c.finish()?;
    logs.untag(&group, &keys.unwrap_or_default())?;
    Ok(Value::Null)
}

fn list_tags_for_resource(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let group = resource_group(&mut c, b)?;
    c.finish()?;
    Ok(json!({ "tags": logs.tags(&group)? }))
}

// ---------------------------------------------------------------------------
// Log streams.

fn create_log_stream(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let group = c.required(b.str("logGroupName")?, "logGroupName");
    let stream = c.required(b.str("logStreamName")?, "logStreamName");
    if group.is_some_and(|n| n.chars().count() > 512) || stream.is_some_and(|n| n.chars().count() > 512) {
        return Err(invalid("Invalid LogGroup or LogStream, both must have length less than or equal to 512."));
    }
    c.group_name(group, "logGroupName");
    c.stream_name(stream, "logStreamName");
    c.finish()?;
    logs.create_stream(group.unwrap_or_default(), stream.unwrap_or_default(), now_ms)?;
    Ok(Value::Null)
}

fn delete_log_stream(logs: &Logs, b: Body) -> Result<Value> {
    let mut c = Checks::default();
    let group = c.required(b.str("logGroupName")?, "logGroupName");
    let stream = c.required(b.str("logStreamName")?, "logStreamName");
    c.group_name(group, "logGroupName");
    c.stream_name(stream, "logStreamName");
    c.finish()?;
    logs.delete_stream(group.unwrap_or_default(), stream.unwrap_or_default())?;
    Ok(Value::Null)
}

fn describe_log_streams(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let prefix = b.str("logStreamNamePrefix")?;
    c.stream_name(prefix, "logStreamNamePrefix");
    let order = b.str("orderBy")?;
    if let Some(o) = order {
        if !matches!(o, "LogStreamName" | "LastEventTime") {
            c.fail(Some(o), "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
        }
    }
    let descending = b.bool("descending")?.unwrap_or(false);
    let limit = limit(&mut c, b, 50)?;
    let token = next_token(&mut c, b)?;
    let group = group_ref(b, c)?;
    let by_time = order == Some("LastEventTime");
    if by_time && prefix.is_some() {
        return Err(invalid("Cannot order by LastEventTime with a logStreamNamePrefix."));
    }
    // A stream's place in the listing: (last event time, name) or (0, name).
    let key = |s: &super::StreamInfo| (if by_time { s.last_event_ms.unwrap_or(0) } else { 0 }, s.name.clone());
    let after = match token {
        Some(t) => {
            let text = read_list_token(t)?;
            let (time, name) = text.split_once('/').ok_or(LogsError::InvalidToken)?;
            Some((time.parse::<u64>().map_err(|_| LogsError::InvalidToken)?, name.to_string()))
        }
        None => None,
    };
    let mut streams = logs.streams(&group, now_ms)?;
    streams.retain(|s| prefix.is_none_or(|p| s.name.starts_with(p)));
    streams.sort_by_key(|s| key(s));
    if descending {
        streams.reverse();
    }
    let mut rest = streams.into_iter().filter(|s| match &after {
        None => true,
        Some(a) if descending => key(s) < *a,
        Some(a) => key(s) > *a,
    });
    let page: Vec<_> = rest.by_ref().take(limit).collect();
    let more = rest.next().is_some();
    let list: Vec<Value> = page
        .iter()
        .map(|s| {
            let mut o = json!({
                "logStreamName": s.name,
                "creationTime": s.created_ms,
                "arn": stream_arn(&group, &s.name),
                // Deprecated: CloudWatch Logs reports zero for streams.
                "storedBytes": 0,
            });
            if let (Some(first), Some(last)) = (s.first_event_ms, s.last_event_ms) {
                o["firstEventTimestamp"] = json!(first);
                o["lastEventTimestamp"] = json!(last);
            }
            if let Some(t) = s.last_ingestion_ms {
                o["lastIngestionTime"] = json!(t);
                o["uploadSequenceToken"] = json!(sequence_token(s.uploads));
            }
            o
        })
        .collect();
    let mut out = json!({ "logStreams": list });
    if more {
        if let Some(last) = page.last() {
            let (time, name) = key(last);
            out["nextToken"] = json!(list_token(&format!("{time}/{name}")));
        }
    }
    Ok(out)
}

fn sequence_token(uploads: u64) -> String {
    format!("{uploads:056}")
}

// ---------------------------------------------------------------------------
// Events.

fn put_log_events(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let group = c.required(b.str("logGroupName")?, "logGroupName");
    let stream = c.required(b.str("logStreamName")?, "logStreamName");
    c.group_name(group, "logGroupName");
    c.stream_name(stream, "logStreamName");
    b.str("sequenceToken")?; // Ignored, as CloudWatch Logs now ignores it.
    let list = c.required(b.list("logEvents")?, "logEvents");
    let mut events: Vec<(u64, String)> = Vec::new();
    if let Some(list) = list {
        if list.is_empty() {
            c.fail(Some("[]"), "logEvents", "Member must have length greater than or equal to 1");
        } else if list.len() > 10_000 {
            c.0.push("Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000".into());
        }
        for (i, e) in list.iter().enumerate() {
            let at = format!("logEvents.{}.member", i + 1);
            let e = Body(e.as_object().ok_or_else(serialization)?);
            let timestamp = c.required(e.int("timestamp")?, &format!("{at}.timestamp"));
            c.range(timestamp, &format!("{at}.timestamp"), 0, i64::MAX);
            let message = c.required(e.str("message")?, &format!("{at}.message"));
            c.length(message, &format!("{at}.message"), 1, usize::MAX);
            if let (Some(t), Some(m)) = (timestamp, message) {
                events.push((t.max(0) as u64, m.to_string()));
            }
        }
    }
    c.finish()?;
    let (group, stream) = (group.unwrap_or_default(), stream.unwrap_or_default());
    // An event and a batch may each be 1 MB; a single event over that is
    // reported as the event, not the batch.
    if let Some(size) = events.iter().map(|(_, m)| m.len() + EVENT_OVERHEAD).find(|s| *s > MAX_BATCH_BYTES) {
        return Err(invalid(format!("Log event too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")));
    }
    let batch: usize = events.iter().map(|(_, m)| m.len() + EVENT_OVERHEAD).sum();
    if batch > MAX_BATCH_BYTES {
        return Err(invalid(format!("Upload too large: {batch} bytes exceeds limit of {MAX_BATCH_BYTES}")));
    }
    let info = logs.group(group, now_ms).ok_or(LogsError::GroupNotFound)?;
    logs.stream(group, stream, now_ms)?;
    if events.windows(2).any(|w| w[1].0 < w[0].0) {
        return Err(invalid("Log events in a single PutLogEvents request must be in chronological order."));
    }
    // Events too old, past the group's retention, or too new are rejected;
    // the rest are stored. Being in order, the first two kinds are a prefix
    // and the last a suffix.
    let too_old = now_ms.saturating_sub(14 * DAY_MS);
    let expired = info.retention_days.map(|d| now_ms.saturating_sub(d as u64 * DAY_MS));
    let too_new = now_ms.saturating_add(2 * 3600 * 1000);
    let old_end = events.partition_point(|(t, _)| *t < too_old);
    let expired_end = expired.map_or(0, |cut| events.partition_point(|(t, _)| *t < cut));
    let new_start = events.partition_point(|(t, _)| *t <= too_new);
    let total = events.len();
    let first = old_end.max(expired_end).min(new_start);
    let accepted: Vec<(u64, String)> = events.drain(first..new_start).collect();
    if let (Some(a), Some(z)) = (accepted.first(), accepted.last()) {
        if z.0 - a.0 > DAY_MS {
            return Err(invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours."));
        }
    }
    let uploads = logs.put(group, stream, accepted, now_ms)?;
    let mut out = json!({ "nextSequenceToken": sequence_token(uploads) });
    let mut rejected = Map::new();
    if old_end > 0 {
        rejected.insert("tooOldLogEventEndIndex".into(), json!(old_end));
    }
    if expired_end > old_end {
        rejected.insert("expiredLogEventEndIndex".into(), json!(expired_end));
    }
    if new_start < total {
        rejected.insert("tooNewLogEventStartIndex".into(), json!(new_start));
    }
    if !rejected.is_empty() {
        out["rejectedLogEventsInfo"] = Value::Object(rejected);
    }
    Ok(out)
}

/// A GetLogEvents token: `f/<56 digits>/s` (forward) or `b/...` (backward).
fn event_token(forward: bool, p: Position) -> String {
    format!("{}/{}/s", if forward { 'f' } else { 'b' }, p.id())
}

fn read_event_token(token: &str) -> Result<Cursor> {
    let (dir, rest) = token.split_at_checked(2).ok_or(LogsError::InvalidToken)?;
    let digits = rest.strip_suffix("/s").unwrap_or(rest);
    let p = Position::parse_id(digits).ok_or(LogsError::InvalidToken)?;
    match dir {
        "f/" => Ok(Cursor::After(p)),
        "b/" => Ok(Cursor::Before(p)),
        _ => Err(LogsError::InvalidToken.into()),
    }
}

fn get_log_events(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let stream = c.required(b.str("logStreamName")?, "logStreamName");
    c.stream_name(stream, "logStreamName");
    let start_ms = time(&mut c, b, "startTime")?;
    let end_ms = time(&mut c, b, "endTime")?;
    let limit = limit(&mut c, b, 10_000)?;
    let token = next_token(&mut c, b)?;
    let from_head = b.bool("startFromHead")?.unwrap_or(false);
    b.bool("unmask")?;
    let group = group_ref(b, c)?;
    let cursor = match token {
        Some(t) => read_event_token(t)?,
        None if from_head => Cursor::Head,
        None => Cursor::Tail,
    };
    let page = logs.get_events(&group, stream.unwrap_or_default(), &EventsQuery { start_ms, end_ms, cursor, limit }, now_ms)?;
    let events: Vec<Value> = page
        .events
        .iter()
        .map(|e| json!({ "timestamp": e.timestamp_ms, "message": e.message, "ingestionTime": e.ingestion_ms }))
        .collect();
    Ok(json!({
        "events": events,
        "nextForwardToken": event_token(true, page.forward),
        "nextBackwardToken": event_token(false, page.backward),
    }))
}

fn filter_log_events(logs: &Logs, b: Body, now_ms: u64) -> Result<Value> {
    let mut c = Checks::default();
    let names = b.strings("logStreamNames")?;
    if let Some(n) = &names {
        if n.is_empty() || n.len() > 100 {
            let bound = if n.is_empty() { "greater than or equal to 1" } else { "less than or equal to 100" };
            c.fail(Some(&format!("[{}]", n.join(", "))), "logStreamNames", &format!("Member must have length {bound}"));
        }
        for (i, s) in n.iter().enumerate() {
            c.stream_name(Some(s), &format!("logStreamNames.{}.member", i + 1));
        }
    }
    let prefix = b.str("logStreamNamePrefix")?;
    c.stream_name(prefix, "logStreamNamePrefix");
    let start_ms = time(&mut c, b, "startTime")?;
    let end_ms = time(&mut c, b, "endTime")?;
    let pattern = b.str("filterPattern")?;
    c.length(pattern, "filterPattern", 0, 1024);
    let limit = limit(&mut c, b, 10_000)?;
    let token = next_token(&mut c, b)?;
    b.bool("interleaved")?;
    b.bool("unmask")?;
    let group = group_ref(b, c)?;
    if names.is_some() && prefix.is_some() {
        return Err(invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters."));
    }
    let after = match token {
        Some(t) => Some(Position::parse_id(&read_list_token(t)?).ok_or(LogsError::InvalidToken)?),
        None => None,
    };
    let streams = match (&names, prefix) {
        (Some(n), _) => StreamSelect::Names(n),
        (None, Some(p)) => StreamSelect::Prefix(p),
        (None, None) => StreamSelect::All,
    };
    let query = FilterQuery { streams, start_ms, end_ms, pattern: pattern.unwrap_or(""), after, limit };
    let page = logs.filter_events(&group, &query, now_ms)?;
    let events: Vec<Value> = page
        .events
        .iter()
        .map(|f| {
            json!({
                "logStreamName": f.stream,
                "timestamp": f.event.timestamp_ms,
                "message": f.event.message,
                "ingestionTime": f.event.ingestion_ms,
                "eventId": f.event.id(),
            })
        })
        .collect();
    let mut out = json!({ "events": events });
    if page.more {
        if let Some(last) = page.events.last() {
            out["nextToken"] = json!(list_token(&last.event.id()));
        }
    }
    Ok(out)
}
