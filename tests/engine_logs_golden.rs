//! CloudWatch Logs transcripts: each file in tests/logs/ is a conversation
//! with the engine through `Cloud::handle` (`_aws/logs/`, awsJson 1.1),
//! request JSON in and response out, reviewed as text. A change in behaviour
//! shows as a diff of these files.
//!
//! Format (one case after another, separated by blank lines):
//!
//! ```text
//! # A comment saying what the next request shows.
//! > CreateLogGroup {"logGroupName": "app"}
//! < 200
//! ```
//!
//! `> Operation` sends `X-Amz-Target: Logs_20140328.<Operation>` with the
//! JSON body on the same line and on continuation lines; the answer shows
//! the status, then the body pretty-printed (nothing for an empty body).
//! Directives: `! advance <ms>` moves the engine's clock forward;
//! `! append <group> <stream> <message...>` writes one event stamped with the
//! clock through the engine API (`Logs::append`, as Lambda does). The clock
//! starts at 2023-11-14T22:13:20Z (1 700 000 000 000 ms).
//!
//! Run with `UPDATE_GOLDEN=1 cargo test --test engine_logs_golden` to
//! rewrite the expected outputs, then review the diff before committing.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::rc::Rc;
use stratus::engine::clock::{Clock, ManualClock};
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
            let mut parts = directive.splitn(4, ' ');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some("advance"), Some(ms), None, None) if ms.parse::<u64>().is_ok() => clock.advance_ms(ms.parse().unwrap()),
                (Some("append"), Some(group), Some(stream), Some(message)) => {
                    let now = clock.now_ms();
                    cloud.logs().append(group, stream, &[(now, message)], now);
                }
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
            let http = HttpRequest::new("POST", "/_aws/logs/")
                .with_header("X-Amz-Target", &format!("Logs_20140328.{operation}"))
                .with_header("Content-Type", "application/x-amz-json-1.1")
                .with_body(if body.trim().is_empty() { "{}".to_string() } else { body });
            let response = pollster::block_on(cloud.handle(http));
            assert_eq!(
                response.header("content-type"),
                Some("application/x-amz-json-1.1"),
                "{}: {operation} answered with another content type",
                path.display()
            );
            out.push_str(&format!("< {}\n", response.status));
            if !response.body.is_empty() {
                let shown = match serde_json::from_slice::<serde_json::Value>(&response.body) {
                    Ok(json) => serde_json::to_string_pretty(&json).unwrap(),
                    Err(_) => response.body_text(),
                };
                out.push_str(&shown);
                out.push('\n');
            }
            out.push('\n');
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
    common::check_transcripts("logs", run_file);
}
