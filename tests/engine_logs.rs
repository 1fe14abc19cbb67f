//! CloudWatch Logs through `Cloud::handle`: the limits too large for a
//! transcript (batch and event sizes, 10,000 events) and paging loops as the
//! SDKs' paginators run them.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

const START_MS: u64 = 1_700_000_000_000;

fn call(cloud: &Cloud, op: &str, body: Value) -> (u16, Value) {
    let request = HttpRequest::new("POST", "/_aws/logs/")
        .with_header("x-amz-target", &format!("Logs_20140328.{op}"))
        .with_header("content-type", "application/x-amz-json-1.1")
        .with_body(body.to_string());
    let response = pollster::block_on(cloud.handle(request));
    (response.status, serde_json::from_slice(&response.body).unwrap_or(Value::Null))
}

fn cloud_with_stream() -> std::rc::Rc<Cloud> {
    let cloud = Cloud::new(Rc::new(ManualClock::new(START_MS)));
    assert_eq!(call(&cloud, "CreateLogGroup", json!({"logGroupName": "g"})).0, 200);
    assert_eq!(call(&cloud, "CreateLogStream", json!({"logGroupName": "g", "logStreamName": "s"})).0, 200);
    cloud
}

fn put(cloud: &Cloud, events: Vec<Value>) -> (u16, Value) {
    call(cloud, "PutLogEvents", json!({"logGroupName": "g", "logStreamName": "s", "logEvents": events}))
}

#[test]
fn batches_are_measured_as_message_bytes_plus_26_per_event() {
    let cloud = cloud_with_stream();
    // Exactly 1,048,576 bytes: four events of 262,118 message bytes.
    let message = "x".repeat(262_118);
    let events: Vec<Value> = (0..4).map(|i| json!({"timestamp": START_MS + i, "message": message})).collect();
    assert_eq!(put(&cloud, events.clone()).0, 200);
    let mut over = events;
    over.push(json!({"timestamp": START_MS + 9, "message": "y"}));
    let (status, body) = put(&cloud, over);
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    assert_eq!(body["message"], "Upload too large: 1048603 bytes exceeds limit of 1048576");
    let (status, body) = put(&cloud, vec![json!({"timestamp": START_MS, "message": "z".repeat(1_048_551)})]);
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Log event too large: 1048577 bytes exceeds limit of 1048576");
}

#[test]
fn ten_thousand_events_is_the_most_per_batch() {
    let cloud = cloud_with_stream();
    let events: Vec<Value> = (0..10_001).map(|i| json!({"timestamp": START_MS, "message": i.to_string()})).collect();
    let (status, body) = put(&cloud, events[..10_000].to_vec());
    assert_eq!(status, 200, "{body}");
    let (status, body) = put(&cloud, events);
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000"
    );
}

#[test]
fn the_sdk_forward_paginator_ends_when_the_token_repeats() {
    let cloud = cloud_with_stream();
    let events: Vec<Value> = (0..25).map(|i| json!({"timestamp": START_MS + i, "message": format!("m{i}")})).collect();
    assert_eq!(put(&cloud, events).0, 200);
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut body = json!({"logGroupName": "g", "logStreamName": "s", "limit": 10, "startFromHead": true});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let (status, page) = call(&cloud, "GetLogEvents", body);
        assert_eq!(status, 200, "{page}");
        seen.extend(page["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_string()));
        let next = page["nextForwardToken"].as_str().unwrap().to_string();
        if token.as_deref() == Some(next.as_str()) {
            break;
        }
        token = Some(next);
    }
    let want: Vec<String> = (0..25).map(|i| format!("m{i}")).collect();
    assert_eq!(seen, want);
}

#[test]
fn filter_pages_cover_every_match_once() {
    let cloud = cloud_with_stream();
    assert_eq!(call(&cloud, "CreateLogStream", json!({"logGroupName": "g", "logStreamName": "t"})).0, 200);
    for (stream, offset) in [("s", 0), ("t", 1)] {
        let events: Vec<Value> = (0..50)
            .map(|i| json!({"timestamp": START_MS + 2 * i + offset, "message": format!("{} {stream}{i}", if i % 5 == 0 { "ERROR" } else { "INFO" })}))
            .collect();
        let (status, body) = call(&cloud, "PutLogEvents", json!({"logGroupName": "g", "logStreamName": stream, "logEvents": events}));
        assert_eq!(status, 200, "{body}");
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"logGroupName": "g", "filterPattern": "ERROR", "limit": 3});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let (status, page) = call(&cloud, "FilterLogEvents", body);
        assert_eq!(status, 200, "{page}");
        for e in page["events"].as_array().unwrap() {
            seen.push((e["timestamp"].as_u64().unwrap(), e["message"].as_str().unwrap().to_string()));
            assert_eq!(e["eventId"].as_str().unwrap().len(), 56);
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 20);
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "in time order across streams");
}

#[test]
fn function_logs_written_through_the_engine_show_in_describe_and_filter() {
    let cloud = Cloud::new(Rc::new(ManualClock::new(START_MS)));
    let logs = cloud.logs().clone();
    logs.append("/aws/lambda/f", "2023/11/14/[$LATEST]abc", &[(START_MS, "START"), (START_MS + 5, "hello"), (START_MS + 9, "END")], START_MS + 10);
    let (_, groups) = call(&cloud, "DescribeLogGroups", json!({}));
    assert_eq!(groups["logGroups"][0]["logGroupName"], "/aws/lambda/f");
    assert_eq!(groups["logGroups"][0]["storedBytes"], 13);
    let (_, streams) = call(&cloud, "DescribeLogStreams", json!({"logGroupName": "/aws/lambda/f"}));
    assert_eq!(streams["logStreams"][0]["lastEventTimestamp"], START_MS + 9);
    let (_, found) = call(&cloud, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/f", "filterPattern": "hello"}));
    assert_eq!(found["events"][0]["logStreamName"], "2023/11/14/[$LATEST]abc");
    assert!(logs.version() > 0);
}

#[test]
fn get_on_the_endpoint_is_the_health_check() {
    let cloud = Cloud::new(Rc::new(ManualClock::new(START_MS)));
    let response = pollster::block_on(cloud.handle(HttpRequest::new("GET", "/_aws/logs/")));
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), "healthy: logs.us-east-1.amazonaws.com ");
}
