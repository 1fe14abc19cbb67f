//! API Gateway transcripts: each file in tests/gateway/ is a conversation
//! with the engine through `Cloud::handle`, reviewed as text: management
//! calls and their answers, and requests to invoke URLs with the event the
//! function received, what it answered and the HTTP response that came out.
//!
//! Format (cases separated by blank lines):
//!
//! ```text
//! # A comment.
//! ! function spy                       a spy function (logs its event, echoes it)
//! ! answer spy {"statusCode": 201}     the spy answers this text from now on
//! ! fail spy {"errorMessage": "boom"}  the spy fails with this payload
//! ! advance 1000                       moves the engine clock (ms)
//! > POST /v2/apis {"name": "a", "protocolType": "HTTP"}
//! < 201
//! {...}
//!
//! > GET /_api/{apiId}/items/1?a=1
//! > cookie: a=1                        request headers
//! >                                    then the body
//! > hello
//! = event spy
//! {...}                                the event each spy received
//! < 200
//! < content-type: application/json     the response's headers
//! body                                 (pretty-printed when JSON)
//! ```
//!
//! A request whose inline body is `(body)` sends the lines after it as
//! the string member `body` (`{"body": "<the lines>"}`), as ImportApi takes
//! an OpenAPI document; `{export}` is the text of the last ExportApi answer.
//!
//! Paths that do not start with `/_` are management paths under
//! `/_aws/apigateway`. `{name}` in a request is replaced by the last value
//! of that name in an answer: `apiId`, `routeId`, `integrationId`,
//! `deploymentId`, `authorizerId`, and for REST APIs `restApiId`,
//! `rootResourceId`, `resourceId`, `apiKeyId`, `apiKeyValue`, `usagePlanId`.
//! The clock starts at 2023-11-14T22:13:20Z.
//!
//! Run with `UPDATE_GOLDEN=1 cargo test --test engine_gateway_golden` to
//! rewrite the expected outputs, then review the diff before committing.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "gateway/support.rs"]
mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use stratus::engine::HttpRequest;
use support::{Answer, T};

fn pretty(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(json) if !body.is_empty() => serde_json::to_string_pretty(&json).unwrap(),
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

fn capture(path: &str, method: &str, body: &Value, vars: &mut BTreeMap<String, String>) {
    // A list (HTTP APIs' "items") gives the ids of its last entry.
    if let Some(last) = body.get("items").and_then(Value::as_array).and_then(|l| l.last()) {
        capture(path, method, last, vars);
    }
    let Some(obj) = body.as_object() else { return };
    for key in ["apiId", "routeId", "integrationId", "deploymentId", "authorizerId", "rootResourceId"] {
        if let Some(v) = obj.get(key).and_then(Value::as_str) {
            vars.insert(key.to_string(), v.to_string());
        }
    }
    let Some(id) = obj.get("id").and_then(Value::as_str) else { return };
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or("");
    let name = if path.ends_with("/restapis") {
        "restApiId"
    } else if path.contains("/resources") || last == "resources" {
        "resourceId"
    } else if path.ends_with("/apikeys") {
        if let Some(v) = obj.get("value").and_then(Value::as_str) {
            vars.insert("apiKeyValue".into(), v.to_string());
        }
        "apiKeyId"
    } else if path.ends_with("/usageplans") {
        "usagePlanId"
    } else if path.ends_with("/deployments") {
        "deploymentId"
    } else if path.ends_with("/authorizers") {
        "authorizerId"
    } else if path.ends_with("/requestvalidators") {
        "validatorId"
    } else {
        return;
    };
    if method == "POST" || method == "PUT" {
        vars.insert(name.to_string(), id.to_string());
        if name == "restApiId" {
            if let Some(root) = obj.get("rootResourceId").and_then(Value::as_str) {
                vars.insert("rootResourceId".into(), root.to_string());
            }
        }
    }
}

fn run_file(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let t = T::new();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut spies: Vec<String> = Vec::new();
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let at = format!("{}:{}", path.display(), i + 1);
        if line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
            i += 1;
        } else if let Some(directive) = line.strip_prefix("! ") {
            out.push_str(line);
            out.push('\n');
            i += 1;
            let mut parts = directive.splitn(3, ' ');
            let (verb, name, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            match verb {
                "function" | "answer" | "fail" => {
                    let answer = match verb {
                        "function" => Answer::Echo,
                        "answer" => Answer::Fixed(rest.to_string()),
                        _ => Answer::Fail(rest.to_string()),
                    };
                    t.spy(name, &answer);
                    if !spies.iter().any(|s| s == name) {
                        spies.push(name.to_string());
                    }
                }
                "advance" => t.clock.advance_ms(name.parse().unwrap_or_else(|_| panic!("{at}: advance <ms>"))),
                _ => panic!("{at}: unknown directive {line}"),
            }
        } else if let Some(first) = line.strip_prefix("> ") {
            out.push_str(line);
            out.push('\n');
            i += 1;
            let mut parts = first.splitn(3, ' ');
            let (method, target, inline_body) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let mut headers: Vec<(String, String)> = Vec::new();
            let mut body_lines: Vec<&str> = Vec::new();
            let mut in_body = inline_body == "(body)";
            while i < lines.len() && (lines[i] == ">" || lines[i].starts_with("> ")) {
                out.push_str(lines[i]);
                out.push('\n');
                let content = lines[i].strip_prefix("> ").unwrap_or("");
                if in_body {
                    body_lines.push(content);
                } else if content.is_empty() {
                    in_body = true;
                } else {
                    let (n, v) = content.split_once(':').unwrap_or_else(|| panic!("{}:{}: a header is 'name: value'", path.display(), i + 1));
                    headers.push((n.trim().to_string(), substitute(v.trim(), &vars)));
                }
                i += 1;
            }
            // Skip the expected answer: it is regenerated below.
            while i < lines.len() && !lines[i].trim().is_empty() && !lines[i].starts_with("! ") {
                i += 1;
            }
            let invoke = target.starts_with("/_");
            let target = substitute(target, &vars);
            let full = if invoke { target.clone() } else { format!("/_aws/apigateway{target}") };
            let mut request = HttpRequest::from_target(method, &full);
            let body = if body_lines.is_empty() { substitute(inline_body, &vars) } else { substitute(&body_lines.join("\n"), &vars) };
            let body = if inline_body == "(body)" { serde_json::json!({ "body": substitute(&body_lines.join("\n"), &vars) }).to_string() } else { body };
            if !invoke && !body.is_empty() {
                request = request.with_header("content-type", "application/json");
            }
            for (n, v) in &headers {
                request = request.with_header(n, v);
            }
            let request = request.with_body(body.into_bytes());
            let before: Vec<usize> = spies.iter().map(|s| t.events(s).len()).collect();
            let response = t.send(request);
            // Authorizers run first: their events (with a "type") are shown first.
            let mut seen: Vec<(bool, String, Value)> = Vec::new();
            for (s, n) in spies.iter().zip(before) {
                for event in t.events(s).into_iter().skip(n) {
                    seen.push((event.get("type").is_none(), s.clone(), event));
                }
            }
            seen.sort_by_key(|(later, _, _)| *later);
            for (_, s, event) in seen {
                out.push_str(&format!("= event {s}\n{}\n", serde_json::to_string_pretty(&event).unwrap()));
            }
            out.push_str(&format!("< {}\n", response.status));
            if invoke {
                for (n, v) in &response.headers {
                    out.push_str(&format!("< {n}: {v}\n"));
                }
                if !response.body.is_empty() {
                    out.push_str(&pretty(&response.body));
                    out.push('\n');
                }
            } else {
                if let Some(kind) = response.header("x-amzn-ErrorType") {
                    out.push_str(&format!("x-amzn-ErrorType: {kind}\n"));
                }
                if !response.body.is_empty() {
                    out.push_str(&pretty(&response.body));
                    out.push('\n');
                }
                if let Ok(json) = serde_json::from_slice::<Value>(&response.body) {
                    capture(&target, method, &json, &mut vars);
                }
                if target.contains("/exports/") && response.status == 200 {
                    vars.insert("export".into(), String::from_utf8_lossy(&response.body).into_owned());
                }
            }
            out.push('\n');
        } else if line.trim().is_empty() {
            i += 1;
        } else {
            panic!("{at}: expected '#', '!' or '>' at: {line}");
        }
    }
    (text, out)
}

#[test]
fn transcripts() {
    common::check_transcripts("gateway", run_file);
}
