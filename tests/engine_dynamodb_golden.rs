//! DynamoDB transcripts: each file in tests/dynamodb/ is a conversation with
//! the engine through `Cloud::handle`, request JSON in and response out,
//! reviewed as text. A change in behaviour shows as a diff of these files.
//!
//! Format (one case after another, separated by blank lines):
//!
//! ```text
//! # A comment saying what the next request shows.
//! > PutItem {"TableName": "Music", "Item": {...}}
//! < 200
//! {
//!   "ConsumedCapacity": ...
//! }
//! ```
//!
//! `> Operation` may be followed by the JSON body on the same line and on
//! continuation lines; `> Streams.<Operation>` calls the DynamoDB Streams API and `> CloudWatch.<Operation>` the CloudWatch metrics API (`_aws/monitoring/`). `! advance <ms>` moves the engine's clock forward;
//! `! delay <ms>` sets how long tables stay CREATING/UPDATING. The clock
//! starts at 2023-11-14T22:13:20Z (1 700 000 000 000 ms).
//!
//! Run with `UPDATE_GOLDEN=1 cargo test --test engine_dynamodb_golden` to
//! rewrite the expected outputs, then review the diff before committing.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

const START_MS: u64 = 1_700_000_000_000;

fn run_file(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let clock = Rc::new(ManualClock::new(START_MS));
    let cloud = Cloud::new(clock.clone());
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
            i += 1;
        } else if let Some(directive) = line.strip_prefix("! ") {
            out.push_str(line);
            out.push('\n');
            let mut parts = directive.split_whitespace();
            match (parts.next(), parts.next().and_then(|n| n.parse::<u64>().ok())) {
                (Some("advance"), Some(ms)) => clock.advance_ms(ms),
                (Some("delay"), Some(ms)) => cloud.dynamodb().settings.table_status_delay_ms = ms,
                _ => panic!("{}:{}: unknown directive {line}", path.display(), i + 1),
            }
            i += 1;
        } else if let Some(request) = line.strip_prefix("> ") {
            let (operation, first) = request.split_once(' ').unwrap_or((request, ""));
            let mut body = String::from(first);
            out.push_str(line);
            out.push('\n');
            i += 1;
            while i < lines.len() && !lines[i].starts_with('<') && !lines[i].trim().is_empty() {
                body.push('\n');
                body.push_str(lines[i]);
                out.push_str(lines[i]);
                out.push('\n');
                i += 1;
            }
            // Skip the expected answer: it is regenerated below.
            while i < lines.len() && !lines[i].trim().is_empty() {
                i += 1;
            }
            let (path, target) = match (operation.strip_prefix("Streams."), operation.strip_prefix("CloudWatch.")) {
                (Some(op), _) => ("/_aws/dynamodb/", format!("DynamoDBStreams_20120810.{op}")),
                (_, Some(op)) => ("/_aws/monitoring/", format!("GraniteServiceVersion20100801.{op}")),
                _ => ("/_aws/dynamodb/", format!("DynamoDB_20120810.{operation}")),
            };
            let http = HttpRequest::new("POST", path)
                .with_header("X-Amz-Target", &target)
                .with_header("Content-Type", "application/x-amz-json-1.0")
                .with_body(if body.trim().is_empty() { "{}".to_string() } else { body });
            let response = pollster::block_on(cloud.handle(http));
            common::show_response(&mut out, &response);
        } else if line.trim().is_empty() {
            i += 1;
        } else {
            panic!("{}:{}: expected '#', '!' or '>' at: {line}", path.display(), i + 1);
        }
    }
    (text, out)
}

#[test]
fn transcripts() {
    common::check_transcripts("dynamodb", run_file);
}
