//! Lambda through its REST API, natively under wasmi: the sample functions
//! of runtimes/ (built by `./x runtimes`), cold and warm starts, versions and
//! aliases, asynchronous invocations, and every limit.
#![cfg(not(target_arch = "wasm32"))]

use base64::Engine;
use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest, HttpResponse};

const START_MS: u64 = 1_700_000_000_000;
const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/runtimes/dist/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|_| panic!("{path} is missing: build the samples with `./x runtimes` (./x test does)"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct T {
    cloud: Rc<Cloud>,
    clock: Rc<ManualClock>,
}

impl T {
    fn new() -> Self {
        let clock = Rc::new(ManualClock::new(START_MS));
        let cloud = Cloud::new(clock.clone());
        cloud.dynamodb().settings.table_status_delay_ms = 0;
        T { cloud, clock }
    }

    fn send(&self, request: HttpRequest) -> HttpResponse {
        pollster::block_on(self.cloud.handle(request))
    }

    fn lambda(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self.send(HttpRequest::from_target(method, &format!("/_aws/lambda/{path}")).with_body(body.to_string()));
        (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
    }

    fn create(&self, name: &str, module: &[u8], extra: Value) -> (u16, Value) {
        let mut body = json!({
            "FunctionName": name, "Runtime": "provided.al2023", "Role": ROLE, "Handler": "main",
            "Code": {"ZipFile": b64(module)},
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.lambda("POST", "2015-03-31/functions", body)
    }

    fn invoke(&self, name: &str, payload: Value) -> (HttpResponse, Value, String) {
        let r = self.send(
            HttpRequest::new("POST", &format!("/_aws/lambda/2015-03-31/functions/{name}/invocations"))
                .with_header("X-Amz-Log-Type", "Tail")
                .with_body(payload.to_string()),
        );
        let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let log = r
            .header("X-Amz-Log-Result")
            .map(|l| String::from_utf8(base64::engine::general_purpose::STANDARD.decode(l).unwrap()).unwrap())
            .unwrap_or_default();
        (r, body, log)
    }

    fn dynamo(&self, op: &str, body: Value) -> Value {
        let r = self.send(
            HttpRequest::new("POST", "/_aws/dynamodb/").with_header("x-amz-target", &format!("DynamoDB_20120810.{op}")).with_body(body.to_string()),
        );
        assert_eq!(r.status, 200, "{op}: {}", r.body_text());
        serde_json::from_slice(&r.body).unwrap()
    }
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
}

/// A reactor whose handler is `body` (WAT instructions); it answers `{}`.
fn reactor(body: &str) -> Vec<u8> {
    wat(&format!(
        r#"(module
          (import "stratus" "response" (func $response (param i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "{{}}")
          (func (export "stratus_alloc") (param i32) (result i32) i32.const 1024)
          (func (export "stratus_handle") (param i32 i32) (result i32)
            {body}
            (call $response (i32.const 16) (i32.const 2))
            i32.const 0))"#
    ))
}

#[test]
fn hello_sample_cold_then_warm() {
    let t = T::new();
    let (s, v) = t.create("hello", &sample("hello"), json!({"Description": "greets"}));
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:hello");
    assert_eq!(v["Version"], "$LATEST");
    assert_eq!(v["MemorySize"], 128);
    assert_eq!(v["Timeout"], 3);
    assert_eq!(v["State"], "Active");
    let (r, body, log) = t.invoke("hello", json!({"name": "Ada"}));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("X-Amz-Executed-Version"), Some("$LATEST"));
    assert_eq!(r.header("X-Amz-Function-Error"), None);
    assert!(body["message"].as_str().unwrap().contains("Ada"), "{body}");
    assert!(log.starts_with("START RequestId: "), "{log}");
    assert!(log.contains("hello: cold start"), "the init hook logs on a cold start: {log}");
    assert!(log.contains("Init Duration: "), "{log}");
    assert!(log.contains("Memory Size: 128 MB"), "{log}");
    let (_, _, log) = t.invoke("hello", json!({}));
    assert!(!log.contains("Init Duration"), "a warm start has no init: {log}");
    // The log lines are in CloudWatch Logs, in the function's log group.
    let r = t.send(
        HttpRequest::new("POST", "/_aws/logs/")
            .with_header("x-amz-target", "Logs_20140328.FilterLogEvents")
            .with_body(json!({"logGroupName": "/aws/lambda/hello", "filterPattern": "REPORT"}).to_string()),
    );
    let events: Value = serde_json::from_slice(&r.body).unwrap();
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[0]["logStreamName"].as_str().unwrap().contains("/[$LATEST]"), "{events:?}");
    // Idle environments are shut down on the engine clock.
    t.clock.advance_ms(10 * 60 * 1000);
    let (_, _, log) = t.invoke("hello", json!({}));
    assert!(log.contains("Init Duration"), "idle for 10 minutes means a cold start: {log}");
}

#[test]
fn dynamodb_crud_sample_reads_and_writes_the_table() {
    let t = T::new();
    t.dynamo("CreateTable", json!({
        "TableName": "lambda-apigateway", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }));
    assert_eq!(t.create("crud", &sample("dynamodb-crud"), json!({})).0, 201);
    let (r, body, _) = t.invoke("crud", json!({"operation": "create", "tableName": "lambda-apigateway", "payload": {"Item": {"id": "1", "n": 5}}}));
    assert_eq!(r.status, 200, "{body}");
    let item = t.dynamo("GetItem", json!({"TableName": "lambda-apigateway", "Key": {"id": {"S": "1"}}}));
    assert_eq!(item["Item"]["n"], json!({"N": "5"}));
    let (_, body, _) = t.invoke("crud", json!({"operation": "read", "tableName": "lambda-apigateway", "payload": {"Key": {"id": "1"}}}));
    assert_eq!(body["Item"]["n"], json!(5), "{body}");
    // DynamoDB's error becomes the function's error.
    let (r, body, _) = t.invoke("crud", json!({"operation": "read", "tableName": "missing", "payload": {"Key": {"id": "1"}}}));
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(body["errorType"], "ResourceNotFoundException", "{body}");
}

#[test]
fn api_proxy_sample_answers_http_events() {
    let t = T::new();
    t.dynamo("CreateTable", json!({
        "TableName": "http-crud-tutorial-items", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }));
    assert_eq!(t.create("api", &sample("api-proxy"), json!({"Environment": {"Variables": {"TABLE_NAME": "http-crud-tutorial-items"}}})).0, 201);
    let event = |method: &str, path: &str, body: Option<&str>| {
        json!({"version": "2.0", "rawPath": path, "routeKey": "$default", "requestContext": {"http": {"method": method, "path": path}}, "body": body, "isBase64Encoded": false})
    };
    let (_, body, _) = t.invoke("api", event("PUT", "/items", Some(r#"{"id":"a1","price":12,"name":"pen"}"#)));
    assert_eq!(body["statusCode"], 200, "{body}");
    let (_, body, _) = t.invoke("api", event("GET", "/items/a1", None));
    assert_eq!(body["statusCode"], 200, "{body}");
    assert!(body["body"].as_str().unwrap().contains("pen"));
    let (_, body, _) = t.invoke("api", event("GET", "/nowhere", None));
    assert_eq!(body["statusCode"], 404);
}

#[test]
fn echo_command_sample() {
    let t = T::new();
    let (s, v) = t.create("echo", &sample("echo"), json!({}));
    assert_eq!(s, 201, "{v}");
    let (r, body, _) = t.invoke("echo", json!({"a": [1, 2]}));
    assert_eq!(r.status, 200);
    assert_eq!(body, json!({"a": [1, 2]}));
}

#[test]
fn primes_sample_computes() {
    let t = T::new();
    assert_eq!(t.create("primes", &sample("primes"), json!({"Timeout": 30})).0, 201);
    let (r, body, _) = t.invoke("primes", json!({"n": 10000}));
    assert_eq!(r.status, 200);
    assert_eq!(body, json!({"n": 10000, "primes": 1229}));
}

#[test]
fn refused_at_create_time() {
    let t = T::new();
    let (s, v) = t.create("bad", b"not a module", json!({}));
    assert_eq!(s, 400);
    assert!(v["Message"].as_str().unwrap().contains("Could not unzip"), "{v}");
    let (s, v) = t.create("imports", &wat(r#"(module (import "env" "f" (func)) (memory (export "memory") 1) (func (export "_start")))"#), json!({}));
    assert_eq!(s, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().contains("env.f"), "{v}");
    let (s, v) = t.create("noexports", &wat("(module (memory (export \"memory\") 1))"), json!({}));
    assert_eq!(s, 400, "{v}");
    let (s, v) = t.create("big", &wat("(module (memory (export \"memory\") 4000) (func (export \"_start\")))"), json!({}));
    assert_eq!(s, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().contains("memory"), "{v}");
    let (s, v) = t.create("mem", &reactor(""), json!({"MemorySize": 64}));
    assert_eq!((s, v["Message"].as_str().unwrap()), (400, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"));
    let (s, v) = t.create("env", &reactor(""), json!({"Environment": {"Variables": {"AWS_REGION": "x"}}}));
    assert_eq!(s, 400);
    assert!(v["Message"].as_str().unwrap().contains("Reserved keys used in this request: AWS_REGION"));
    assert_eq!(t.create("ok", &reactor(""), json!({})).0, 201);
    let (s, v) = t.create("ok", &reactor(""), json!({}));
    assert_eq!((s, v["Message"].as_str().unwrap()), (409, "Function already exist: ok"));
    let (s, v) = t.lambda("GET", "2015-03-31/functions/nope", json!({}));
    assert_eq!((s, v["Message"].as_str().unwrap()), (404, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"));
}

#[test]
fn an_endless_loop_times_out_and_the_environment_is_discarded() {
    let t = T::new();
    let module = reactor("(block $out (loop $l (br $l)))");
    assert_eq!(t.create("spin", &module, json!({"Timeout": 1})).0, 201);
    let started = std::time::Instant::now();
    let (r, body, log) = t.invoke("spin", json!({}));
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert!(body["errorMessage"].as_str().unwrap().ends_with("Task timed out after 1.00 seconds"), "{body}");
    assert!(log.contains("Status: timeout"), "{log}");
    // The next invocation is a cold start (the trapped instance was thrown away).
    let (_, _, log) = t.invoke("spin", json!({}));
    assert!(log.contains("Init Duration"), "{log}");
}

#[test]
fn memory_is_capped_by_the_memory_size() {
    let t = T::new();
    // Grows by 64 KiB pages until growing fails, then traps.
    let module = reactor("(block $done (loop $l (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) unreachable");
    assert_eq!(t.create("hog", &module, json!({"MemorySize": 128})).0, 201);
    let (_, body, log) = t.invoke("hog", json!({}));
    assert_eq!(body["errorType"], "Runtime.OutOfMemory", "{body}");
    assert!(log.contains("Max Memory Used: 128 MB"), "{log}");
}

#[test]
fn reserved_concurrency_throttles() {
    let t = T::new();
    assert_eq!(t.create("f", &reactor(""), json!({})).0, 201);
    let (s, v) = t.lambda("PUT", "2017-10-31/functions/f/concurrency", json!({"ReservedConcurrentExecutions": 0}));
    assert_eq!((s, v["ReservedConcurrentExecutions"].clone()), (200, json!(0)));
    let (r, body, _) = t.invoke("f", json!({}));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("TooManyRequestsException"));
    assert_eq!(body["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded");
    assert_eq!(t.lambda("DELETE", "2017-10-31/functions/f/concurrency", json!({})).0, 204);
    assert_eq!(t.invoke("f", json!({})).0.status, 200);
}

#[test]
fn versions_and_weighted_aliases() {
    let t = T::new();
    assert_eq!(t.create("f", &sample("hello"), json!({})).0, 201);
    let (s, v1) = t.lambda("POST", "2015-03-31/functions/f/versions", json!({}));
    assert_eq!((s, v1["Version"].clone()), (201, json!("1")));
    // Publishing unchanged code again gives the same version.
    assert_eq!(t.lambda("POST", "2015-03-31/functions/f/versions", json!({})).1["Version"], "1");
    let (s, _) = t.lambda("PUT", "2015-03-31/functions/f/configuration", json!({"Timeout": 5}));
    assert_eq!(s, 200);
    let (_, v2) = t.lambda("POST", "2015-03-31/functions/f/versions", json!({}));
    assert_eq!(v2["Version"], "2");
    assert_eq!(v2["Timeout"], 5);
    let (s, a) = t.lambda("POST", "2015-03-31/functions/f/aliases", json!({"Name": "live", "FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.3}}}));
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["AliasArn"], "arn:aws:lambda:us-east-1:000000000000:function:f:live");
    let mut counts = std::collections::HashMap::new();
    for _ in 0..400 {
        let r = t.send(HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions/f/invocations").with_body("{}"));
        let r = if r.status == 200 { r } else { panic!("{}", r.body_text()) };
        let _ = r;
        let r = t.send(HttpRequest::from_target("POST", "/_aws/lambda/2015-03-31/functions/f/invocations?Qualifier=live").with_body("{}"));
        *counts.entry(r.header("X-Amz-Executed-Version").unwrap().to_string()).or_insert(0) += 1;
    }
    let share = f64::from(counts["2"]) / 400.0;
    assert!((0.2..0.4).contains(&share), "about 30% go to version 2: {counts:?}");
    let (s, versions) = t.lambda("GET", "2015-03-31/functions/f/versions", json!({}));
    assert_eq!(s, 200);
    assert_eq!(versions["Versions"].as_array().unwrap().len(), 3);
    let (s, v) = t.lambda("DELETE", "2015-03-31/functions/f?Qualifier=1", json!({}));
    assert_eq!(s, 409, "a version an alias points to stays: {v}");
}

#[test]
fn event_invocations_retry_then_dead_letter() {
    let t = T::new();
    let failing = wat(r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (func (export "_start") (call $exit (i32.const 1))))"#);
    assert_eq!(t.create("fails", &failing, json!({})).0, 201);
    let r = t.send(
        HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions/fails/invocations")
            .with_header("X-Amz-Invocation-Type", "Event")
            .with_body(r#"{"n":1}"#),
    );
    assert_eq!(r.status, 202);
    assert_eq!(pollster::block_on(t.cloud.tick()), 1, "first attempt");
    assert_eq!(pollster::block_on(t.cloud.tick()), 0, "the retry waits a minute");
    t.clock.advance_ms(60_000);
    assert_eq!(pollster::block_on(t.cloud.tick()), 1, "second attempt");
    t.clock.advance_ms(120_000);
    assert_eq!(pollster::block_on(t.cloud.tick()), 1, "third attempt");
    let (_, v) = t.lambda("GET", "2015-03-31/functions/fails/dead-letters", json!({}));
    let dead = &v["DeadLetters"][0];
    assert_eq!(dead["Attempts"], 3);
    assert_eq!(dead["Payload"], r#"{"n":1}"#);
    assert!(dead["Error"].as_str().unwrap().contains("Runtime.ExitError"), "{dead}");
    // DryRun checks and runs nothing.
    let r = t.send(HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions/fails/invocations").with_header("X-Amz-Invocation-Type", "DryRun"));
    assert_eq!(r.status, 204);
}

#[test]
fn functions_survive_a_reload() {
    use stratus::engine::store::MemoryStore;
    let clock = Rc::new(ManualClock::new(START_MS));
    let store = MemoryStore::new();
    let cloud = Cloud::with_store(clock.clone(), Rc::new(store.clone()));
    let t = T { cloud, clock: clock.clone() };
    assert_eq!(t.create("hello", &sample("hello"), json!({"MemorySize": 256})).0, 201);
    assert_eq!(t.lambda("POST", "2015-03-31/functions/hello/versions", json!({})).0, 201);
    let entries: Vec<(String, Vec<u8>)> = store.entries.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let again = Cloud::with_store(clock.clone(), Rc::new(MemoryStore::new()));
    again.restore(&entries).unwrap();
    let t = T { cloud: again, clock };
    let (s, v) = t.lambda("GET", "2015-03-31/functions/hello", json!({}));
    assert_eq!(s, 200);
    assert_eq!(v["Configuration"]["MemorySize"], 256);
    let (r, body, _) = t.invoke("hello", json!({"name": "again"}));
    assert_eq!(r.status, 200);
    assert!(body["message"].as_str().unwrap().contains("again"));
    let (_, list) = t.lambda("GET", "2015-03-31/functions/", json!({}));
    assert_eq!(list["Functions"].as_array().unwrap().len(), 1);
}

#[test]
fn functions_invoke_functions_and_recursion_is_stopped() {
    let t = T::new();
    assert_eq!(t.create("hello", &sample("hello"), json!({})).0, 201);
    // A reactor that invokes `hello` through stratus.call and answers its response.
    let request = "POST /_aws/lambda/2015-03-31/functions/hello/invocations HTTP/1.1\\0d\\0acontent-length: 2\\0d\\0a\\0d\\0a{}";
    let caller = wat(&format!(
        r#"(module
          (import "stratus" "call" (func $call (param i32 i32) (result i32)))
          (import "stratus" "call_result" (func $result (param i32 i32) (result i32)))
          (import "stratus" "response" (func $response (param i32 i32)))
          (memory (export "memory") 2)
          (data (i32.const 0) "{request}")
          (func (export "stratus_alloc") (param i32) (result i32) i32.const 60000)
          (func (export "stratus_handle") (param i32 i32) (result i32) (local $n i32)
            (local.set $n (call $call (i32.const 0) (i32.const {len})))
            (drop (call $result (i32.const 4096) (local.get $n)))
            (call $response (i32.const 4096) (local.get $n))
            i32.const 0))"#,
        len = request.replace("\\0d", "r").replace("\\0a", "n").len()
    ));
    assert_eq!(t.create("caller", &caller, json!({})).0, 201);
    let r = t.send(HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions/caller/invocations").with_body("{}"));
    let text = r.body_text();
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains("Hello"), "{text}");
    // A function that invokes itself is stopped after 16 invocations in a chain.
    let request_self = request.replace("functions/hello/", "functions/loop/");
    let module = wat(&format!(
        r#"(module
          (import "stratus" "call" (func $call (param i32 i32) (result i32)))
          (import "stratus" "call_result" (func $result (param i32 i32) (result i32)))
          (import "stratus" "response" (func $response (param i32 i32)))
          (memory (export "memory") 40)
          (data (i32.const 0) "{request_self}")
          (func (export "stratus_alloc") (param i32) (result i32) i32.const 60000)
          (func (export "stratus_handle") (param i32 i32) (result i32) (local $n i32)
            (local.set $n (call $call (i32.const 0) (i32.const {len})))
            (drop (call $result (i32.const 65536) (local.get $n)))
            (call $response (i32.const 65536) (local.get $n))
            i32.const 0))"#,
        len = request_self.replace("\\0d", "r").replace("\\0a", "n").len()
    ));
    assert_eq!(t.create("loop", &module, json!({"MemorySize": 256})).0, 201);
    let r = t.send(HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions/loop/invocations").with_body("{}"));
    let text = r.body_text();
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 15, "{text}");
    assert!(text.contains("Stratus stopped a recursive loop"), "{text}");
}

/// The files of a zip archive, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().unwrap().to_string(), data);
    }
    out
}

#[test]
fn get_function_code_location_downloads_the_package() {
    let t = T::new();
    let module = reactor("");
    assert_eq!(t.create("located", &module, json!({"Handler": "stratus_handle"})).0, 201);
    let (s, v) = t.lambda("GET", "2015-03-31/functions/located", json!({}));
    assert_eq!(s, 200);
    assert_eq!(v["Code"]["RepositoryType"], "S3");
    let location = v["Code"]["Location"].as_str().unwrap().to_string();
    assert!(location.starts_with("_aws/lambda/stratus/code/"), "{location}");
    // Relative to the app's base, as every Stratus URL is.
    let r = t.send(HttpRequest::new("GET", &format!("/{location}")));
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(r.header("content-type"), Some("application/zip"));
    let files = unzip(&r.body);
    assert_eq!(files.keys().collect::<Vec<_>>(), ["bootstrap.wasm"]);
    assert_eq!(files["bootstrap.wasm"], module);
    // The downloaded package deploys as it is.
    assert_eq!(t.lambda("PUT", "2015-03-31/functions/located/code", json!({"ZipFile": b64(&r.body)})).0, 200);
    // New code: the old location is gone, as an expired presigned URL is.
    assert_eq!(t.lambda("PUT", "2015-03-31/functions/located/code", json!({"ZipFile": b64(&reactor("nop"))})).0, 200);
    let old = t.send(HttpRequest::new("GET", &format!("/{location}")));
    assert_eq!(old.status, 404);
    assert!(old.body_text().contains("<Code>NoSuchKey</Code>"), "{}", old.body_text());
}
