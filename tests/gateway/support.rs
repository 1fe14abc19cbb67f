//! Helpers shared by the API Gateway tests (included with `#[path]`): a
//! cloud on a manual clock, the management APIs, and "spy" functions that
//! log the event they receive and answer as told.
#![allow(dead_code)]

use base64::Engine;
use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest, HttpResponse};

pub const START_MS: u64 = 1_700_000_000_000;
pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

pub fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/runtimes/dist/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|_| panic!("{path} is missing: build the samples with `./x runtimes` (./x test does)"))
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:000000000000:function:{name}")
}

/// How a spy function answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// With the event itself.
    Echo,
    /// With these bytes.
    Fixed(String),
    /// With a function error carrying these bytes.
    Fail(String),
    /// Never: it loops until its timeout.
    Spin,
}

fn wat_bytes(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b' ' { (b as char).to_string() } else { format!("\\{b:02x}") }).collect()
}

/// A reactor that writes its event to stderr (one log line) and answers.
pub fn spy_module(answer: &Answer) -> Vec<u8> {
    let (data, respond, result, spin) = match answer {
        Answer::Echo => (String::new(), "(call $response (local.get $p) (local.get $n))".to_string(), 0, ""),
        Answer::Fixed(text) => (wat_bytes(text), format!("(call $response (i32.const 64) (i32.const {}))", text.len()), 0, ""),
        Answer::Fail(text) => (wat_bytes(text), format!("(call $response (i32.const 64) (i32.const {}))", text.len()), 1, ""),
        Answer::Spin => (String::new(), String::new(), 0, "(block $out (loop $l (br $l)))"),
    };
    let text = format!(
        r#"(module
          (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "stratus" "response" (func $response (param i32 i32)))
          (memory (export "memory") 32)
          (data (i32.const 20) "\0a")
          (data (i32.const 64) "{data}")
          (func (export "stratus_alloc") (param i32) (result i32) i32.const 1048576)
          (func (export "stratus_handle") (param $p i32) (param $n i32) (result i32)
            (i32.store (i32.const 0) (local.get $p))
            (i32.store (i32.const 4) (local.get $n))
            (i32.store (i32.const 8) (i32.const 20))
            (i32.store (i32.const 12) (i32.const 1))
            (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 2) (i32.const 16)))
            {spin}
            {respond}
            i32.const {result}))"#
    );
    wat::parse_str(&text).unwrap()
}

pub struct T {
    pub cloud: Rc<Cloud>,
    pub clock: Rc<ManualClock>,
}

impl T {
    pub fn new() -> Self {
        let clock = Rc::new(ManualClock::new(START_MS));
        let cloud = Cloud::new(clock.clone());
        cloud.dynamodb().settings.table_status_delay_ms = 0;
        T { cloud, clock }
    }

    pub fn send(&self, request: HttpRequest) -> HttpResponse {
        pollster::block_on(self.cloud.handle(request))
    }

    /// A management call: `path` after `/_aws/apigateway` (`/v2/apis`).
    pub fn apigw(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let mut r = HttpRequest::from_target(method, &format!("/_aws/apigateway{path}")).with_header("content-type", "application/json");
        if !body.is_null() {
            r = r.with_body(body.to_string());
        }
        let r = self.send(r);
        (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
    }

    /// A management call that must succeed; its JSON answer.
    pub fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.apigw(method, path, body);
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }

    pub fn lambda(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self.send(HttpRequest::from_target(method, &format!("/_aws/lambda/{path}")).with_body(body.to_string()));
        (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
    }

    pub fn create_function(&self, name: &str, module: &[u8], extra: Value) {
        let mut body = json!({
            "FunctionName": name, "Runtime": "provided.al2023", "Role": ROLE, "Handler": "main",
            "Code": {"ZipFile": b64(module)},
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = self.lambda("POST", "2015-03-31/functions", body);
        assert_eq!(s, 201, "{v}");
    }

    pub fn spy(&self, name: &str, answer: &Answer) {
        let exists = self.lambda("GET", &format!("2015-03-31/functions/{name}"), Value::Null).0 == 200;
        let module = spy_module(answer);
        if exists {
            let (s, v) = self.lambda("PUT", &format!("2015-03-31/functions/{name}/code"), json!({"ZipFile": b64(&module)}));
            assert_eq!(s, 200, "{v}");
        } else {
            self.create_function(name, &module, json!({"Timeout": 1}));
        }
    }

    /// The events a spy function logged so far (oldest first).
    pub fn events(&self, function: &str) -> Vec<Value> {
        let r = self.send(
            HttpRequest::new("POST", "/_aws/logs/")
                .with_header("x-amz-target", "Logs_20140328.FilterLogEvents")
                .with_body(json!({"logGroupName": format!("/aws/lambda/{function}")}).to_string()),
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        v["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .filter_map(|e| e["message"].as_str())
                    .filter(|m| m.starts_with('{'))
                    .filter_map(|m| serde_json::from_str(m).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn dynamo(&self, op: &str, body: Value) -> Value {
        let r = self.send(
            HttpRequest::new("POST", "/_aws/dynamodb/").with_header("x-amz-target", &format!("DynamoDB_20120810.{op}")).with_body(body.to_string()),
        );
        assert_eq!(r.status, 200, "{op}: {}", r.body_text());
        serde_json::from_slice(&r.body).unwrap()
    }

    /// A request to an invoke URL: `target` after `/_api/`.
    pub fn call(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let mut r = HttpRequest::from_target(method, &format!("/_api/{target}"));
        for (n, v) in headers {
            r = r.with_header(n, v);
        }
        self.send(r.with_body(body.as_bytes().to_vec()))
    }
}
