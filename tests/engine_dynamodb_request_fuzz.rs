//! The request decoder never panics: every operation, fed thousands of random
//! and mutated bodies, answers 200 or a DynamoDB error in the protocol's own
//! format. Inputs come from a fixed-seed generator (deterministic, no
//! dependencies) and from mutating the requests of the transcripts in
//! tests/dynamodb/, so the mutations reach deep into valid requests.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

mod common;
use common::Rng;

const OPERATIONS: &[&str] = &[
    "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable", "PutItem", "GetItem", "UpdateItem",
    "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    "TagResource", "UntagResource", "ListTagsOfResource", "UpdateTimeToLive", "DescribeTimeToLive",
    "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction", "DescribeLimits",
];

const STRINGS: &[&str] = &[
    "", "Music", "T", "#n", ":v", "a.b[1]", "attribute_exists(x)", "x = :v", "SET a = :v", "pk = :p AND sk > :s",
    "S", "N", "HASH", "RANGE", "ALL", "KEYS_ONLY", "PROVISIONED", "PAY_PER_REQUEST", "ALL_OLD", "TOTAL",
    "1e999", "-0", "\u{0}", "é", "SELECT * FROM \"Music\"", "((((", "[[[", ":", "#",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 4 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!(rng.next() as i64 % 100_000),
        3 | 4 => Value::String(rng.pick(STRINGS).to_string()),
        5 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect()),
        6 => {
            let tags = ["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"];
            let mut m = Map::new();
            m.insert(rng.pick(&tags).to_string(), random_value(rng, depth + 1));
            Value::Object(m)
        }
        _ => {
            let keys = ["TableName", "Key", "Item", "KeySchema", "AttributeDefinitions", "ExpressionAttributeValues", "x"];
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(rng.pick(&keys).to_string(), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// Changes one place inside `v`: drop a member, replace a value, or change its type.
fn mutate(rng: &mut Rng, v: &mut Value, depth: usize) {
    match v {
        Value::Object(m) if !m.is_empty() && depth < 8 => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = rng.pick(&keys).clone();
            match rng.below(4) {
                0 => {
                    m.remove(&k);
                }
                1 => {
                    m.insert(k, random_value(rng, depth));
                }
                _ => mutate(rng, m.get_mut(&k).unwrap(), depth + 1),
            }
        }
        Value::Array(a) if !a.is_empty() && depth < 8 => {
            let i = rng.below(a.len());
            if rng.below(4) == 0 {
                a.remove(i);
            } else {
                mutate(rng, &mut a[i], depth + 1);
            }
        }
        _ => *v = random_value(rng, depth),
    }
}

/// The (operation, body) of every request in the transcripts.
fn transcript_requests() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dynamodb");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if let Some(request) = lines[i].strip_prefix("> ") {
                let (op, first) = request.split_once(' ').unwrap_or((request, ""));
                let mut body = first.to_string();
                i += 1;
                while i < lines.len() && !lines[i].starts_with('<') && !lines[i].trim().is_empty() {
                    body.push_str(lines[i]);
                    i += 1;
                }
                if let (false, Ok(v)) = (op.starts_with("Streams."), serde_json::from_str::<Value>(&body)) {
                    out.push((op.to_string(), v));
                }
            }
            i += 1;
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.to_string().cmp(&b.1.to_string())));
    out
}

fn send(cloud: &Cloud, operation: &str, body: &[u8]) -> (u16, Value) {
    let request = HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{operation}"))
        .with_body(body.to_vec());
    let response = catch_unwind(AssertUnwindSafe(|| pollster::block_on(cloud.handle(request))))
        .unwrap_or_else(|_| panic!("{operation} panicked on {}", String::from_utf8_lossy(body)));
    let json: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| panic!("{operation}: the answer is not JSON: {}", response.body_text()));
    (response.status, json)
}

fn check(status: u16, answer: &Value, operation: &str, body: &str) {
    match status {
        200 => {}
        400 | 500 => assert!(
            answer["__type"].as_str().is_some_and(|t| t.contains('#')),
            "{operation} answered {status} without a __type for {body}: {answer}"
        ),
        other => panic!("{operation} answered status {other} for {body}"),
    }
}

#[test]
fn random_bodies_get_protocol_answers() {
    let cloud = Cloud::new(Rc::new(ManualClock::new(1_700_000_000_000)));
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..4000 {
        let operation = *rng.pick(OPERATIONS);
        let body = match rng.below(6) {
            0 => {
                let mut bytes: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
                if rng.below(2) == 0 {
                    bytes.insert(0, b'{');
                }
                bytes
            }
            _ => random_value(&mut rng, 0).to_string().into_bytes(),
        };
        let (status, answer) = send(&cloud, operation, &body);
        check(status, &answer, operation, &String::from_utf8_lossy(&body));
    }
}

#[test]
fn mutated_transcript_requests_get_protocol_answers() {
    let requests = transcript_requests();
    assert!(requests.len() > 100, "found {} requests", requests.len());
    let mut rng = Rng(0x0dd_ba11_c0ff_ee42);
    let mut answered_ok = 0;
    for round in 0..30 {
        // A fresh cloud per round, replaying the transcripts' requests so that
        // tables and items exist while mutated requests arrive among them.
        let cloud = Cloud::new(Rc::new(ManualClock::new(1_700_000_000_000)));
        for (operation, body) in &requests {
            send(&cloud, operation, body.to_string().as_bytes());
            for _ in 0..3 {
                let mut mutated = body.clone();
                for _ in 0..=rng.below(3) {
                    mutate(&mut rng, &mut mutated, 0);
                }
                let text = mutated.to_string();
                let (status, answer) = send(&cloud, operation, text.as_bytes());
                check(status, &answer, operation, &text);
                answered_ok += (status == 200) as usize;
            }
        }
        let _ = round;
    }
    assert!(answered_ok > 300, "mutations should often still be valid requests ({answered_ok})");
}
