//! The nodejs runtime module (`runtimes/nodejs`, built into
//! `runtimes/dist/nodejs.wasm`) run natively on wasmi with the ABI's host
//! (`GuestHost`), plus `stratus.code`, which this file answers itself until
//! the engine does. Each test deploys JavaScript files, initialises an
//! environment and invokes it as Lambda would.
//!
//! The handlers under "From the AWS developer guides" follow the Node.js (SDK
//! v3) examples of the DynamoDB and Lambda developer guides: the same
//! imports, calls and shapes, so code copied from there runs unchanged.
//!
//! Skipped, with a message, when the module has not been built (`./x runtimes`).
#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde_json::{json, Value};
use stratus::engine::clock::ManualClock;
use stratus::engine::lambda::check_import;
use stratus::engine::lambda::instrument::{self, FuncSig};
use stratus::engine::lambda::wasi::{
    lambda_environment, CloudLink, GuestConfig, GuestForm, GuestHost, GuestServices, Invocation,
};
use stratus::engine::lambda::wasm::{HostStop, ImportId, Imports, Instance, Memory, Module, Trap, Val, WasmEngine};
use stratus::engine::lambda::wasmi_engine::WasmiEngine;
use stratus::engine::{Cloud, HttpRequest, HttpResponse};

const START_MS: u64 = 1_700_000_000_000;
const REQUEST_ID: &str = "8f5e2c1a-0b6d-4e7f-9a3c-2d1e0f4b5a69";

// ---------------------------------------------------------------------------
// The harness.

/// `runtimes/dist/nodejs.wasm`, or the module `STRATUS_NODEJS_WASM` names
/// (to compare two builds of the runtime with the same test binary).
fn runtime_bytes() -> Option<Vec<u8>> {
    let path = std::env::var("STRATUS_NODEJS_WASM")
        .unwrap_or_else(|_| format!("{}/runtimes/dist/nodejs.wasm", env!("CARGO_MANIFEST_DIR")));
    let bytes = std::fs::read(&path).ok();
    if bytes.is_none() {
        eprintln!("skipping: {path} is missing; build it with `./x runtimes`");
    }
    bytes
}

/// The deploy-time check of an import, with `stratus.code` (which the
/// engine's import table does not have yet) as the ABI gives it.
fn allowed(module: &str, name: &str, sig: &FuncSig) -> Result<(), String> {
    if module == "stratus" && name == "code" {
        let i32_ = instrument::ValType::I32;
        return if sig.params == [i32_, i32_] && sig.results == [i32_] {
            Ok(())
        } else {
            Err(format!("stratus.code has the signature {sig}"))
        };
    }
    check_import(module, name, sig)
}

/// A compiled runtime module, and the name its bootstrap snapshot is kept under.
struct RuntimeModule {
    module: Rc<dyn Module>,
    kind: String,
}

/// The runtime module as Stratus deploys it (memory capped at `memory_mb`,
/// fuel metering woven in), compiled; `None` (and a message) when not built.
fn runtime_module_for(memory_mb: u32) -> Option<RuntimeModule> {
    let bytes = runtime_bytes()?;
    let prepared = instrument::prepare(&bytes, memory_mb, &allowed).expect("nodejs.wasm passes the deploy-time checks");
    let module = WasmiEngine::new().compile_now(&prepared.bytes).expect("nodejs.wasm compiles");
    Some(RuntimeModule { module, kind: format!("metered, {memory_mb} MB") })
}

/// The runtime module as built, without the deploy-time fuel metering: only
/// the interrupt handler can stop its JavaScript.
fn runtime_module_unmetered() -> Option<RuntimeModule> {
    let module = WasmiEngine::new().compile_now(&runtime_bytes()?).expect("nodejs.wasm compiles");
    Some(RuntimeModule { module, kind: "unmetered".into() })
}

/// The memory of an instance right after `_initialize` (QuickJS and the
/// bootstrap, the same for every function), by module kind. Each test's
/// environment starts from it, as Stratus starts environments from a
/// snapshot: under a debug build of wasmi the bootstrap takes seconds, and
/// this also checks that the runtime survives being restored elsewhere.
static BOOTSTRAPPED: Mutex<BTreeMap<String, Arc<Vec<u8>>>> = Mutex::new(BTreeMap::new());

/// One monotonic clock for the whole test process, as the browser tab has
/// one: a snapshot's timers and clocks stay meaningful in a new instance.
fn process_monotonic() -> Rc<dyn Fn() -> f64> {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    Rc::new(move || start.elapsed().as_secs_f64() * 1000.0)
}

/// Starts `instance` from the bootstrap snapshot of its kind, or runs
/// `_initialize` and keeps the snapshot. The only mutable global besides the
/// fuel counter, `__stack_pointer`, is back at its initial value whenever no
/// export is running, so the memory is the whole state.
fn bootstrap(instance: &mut Box<dyn Instance>, kind: &str, fresh: bool) -> Result<(), Trap> {
    let image = if fresh { None } else { BOOTSTRAPPED.lock().unwrap().get(kind).cloned() };
    match image {
        Some(image) => {
            // Grow the memory to the snapshot's size by allocating (the
            // snapshot's allocator state then forgets the allocation).
            let grown = instance.call("stratus_alloc", &[Val::I32(image.len() as i32)])?;
            assert_ne!(grown, [Val::I32(0)], "the memory grows to the snapshot's size");
            assert!(instance.memory_size() >= image.len() as u64);
            assert!(instance.write_memory(0, &image), "the snapshot is restored");
        }
        None => {
            instance.call("_initialize", &[])?;
            let size = instance.memory_size() as u32;
            let image = instance.read_memory(0, size).expect("the memory reads");
            BOOTSTRAPPED.lock().unwrap().entry(kind.to_string()).or_insert_with(|| Arc::new(image));
        }
    }
    Ok(())
}

macro_rules! module_or_skip {
    () => {
        match runtime_module_for(128) {
            Some(m) => m,
            None => return,
        }
    };
}

/// The import the engine does not answer yet: `stratus.code`.
const CODE_IMPORT: ImportId = 1_000_000;

/// GuestHost plus `stratus.code`.
struct RuntimeImports {
    host: Rc<GuestHost>,
    code: Vec<u8>,
}

impl Imports for RuntimeImports {
    fn resolve(&self, module: &str, name: &str) -> Option<ImportId> {
        if module == "stratus" && name == "code" {
            Some(CODE_IMPORT)
        } else {
            self.host.resolve(module, name)
        }
    }

    fn call(&self, id: ImportId, args: &[Val], memory: &mut dyn Memory) -> Result<Vec<Val>, HostStop> {
        if id != CODE_IMPORT {
            return self.host.call(id, args, memory);
        }
        let (Val::I32(ptr), Val::I32(len)) = (args[0], args[1]) else {
            return Err(HostStop::Fatal("code takes (i32, i32)".into()));
        };
        if !self.code.is_empty() && len as usize >= self.code.len() && !memory.write(ptr as u32, &self.code) {
            return Err(HostStop::Fatal("code: the destination is outside the memory".into()));
        }
        Ok(vec![Val::I32(self.code.len() as i32)])
    }
}

/// A cloud that records the requests and answers them with a function.
struct TestCloud {
    seen: RefCell<Vec<HttpRequest>>,
    answer: Box<dyn Fn(&HttpRequest) -> HttpResponse>,
}

impl CloudLink for TestCloud {
    fn call(&self, request: HttpRequest) -> HttpResponse {
        let response = (self.answer)(&request);
        self.seen.borrow_mut().push(request);
        response
    }
}

fn fake_cloud(answer: impl Fn(&HttpRequest) -> HttpResponse + 'static) -> Rc<TestCloud> {
    Rc::new(TestCloud { seen: RefCell::new(Vec::new()), answer: Box::new(answer) })
}

/// A real Stratus cloud (its DynamoDB, Lambda...) behind `stratus.call`.
fn real_cloud() -> (Rc<TestCloud>, Rc<Cloud>) {
    let cloud = Cloud::new(Rc::new(ManualClock::new(START_MS)));
    cloud.dynamodb().settings.table_status_delay_ms = 0;
    let link = cloud.clone();
    (fake_cloud(move |r| link.handle_now(r.clone())), cloud)
}

fn no_cloud() -> Rc<TestCloud> {
    fake_cloud(|r| {
        HttpResponse::new(500).with_body("text/plain", format!("this test expects no call ({} {})", r.method, r.path))
    })
}

struct Deploy<'a> {
    files: &'a [(&'a str, &'a str)],
    handler: &'a str,
    runtime: &'a str,
    env: Vec<(String, String)>,
    cloud: Rc<TestCloud>,
    memory_mb: u32,
}

impl<'a> Deploy<'a> {
    fn new(files: &'a [(&'a str, &'a str)], handler: &'a str) -> Self {
        Deploy { files, handler, runtime: "nodejs22.x", env: Vec::new(), cloud: no_cloud(), memory_mb: 128 }
    }

    fn cloud(mut self, cloud: Rc<TestCloud>) -> Self {
        self.cloud = cloud;
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }
}

/// One environment: an initialised instance of the runtime with the code.
struct Env {
    host: Rc<GuestHost>,
    instance: Box<dyn Instance>,
    cloud: Rc<TestCloud>,
    monotonic: Rc<dyn Fn() -> f64>,
    memory_mb: u32,
    /// `_initialize`, or restoring its snapshot.
    bootstrap_ms: f64,
    /// `stratus_init`: loading the function's code.
    init_ms: f64,
}

/// How an invocation ended.
#[derive(Debug)]
struct Answer {
    status: i32,
    payload: Value,
    logs: Vec<String>,
}

fn code_json(deploy: &Deploy) -> Vec<u8> {
    let files: serde_json::Map<String, Value> = deploy.files.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({ "handler": deploy.handler, "runtime": deploy.runtime, "files": files }).to_string().into_bytes()
}

/// Starts an environment from the bootstrap snapshot; `Err` holds the trap
/// and the log lines of a failed init.
fn try_start(runtime: &RuntimeModule, deploy: Deploy) -> Result<Env, (Trap, Vec<String>)> {
    try_start_with(runtime, deploy, false)
}

/// Starts an environment, from the bootstrap snapshot or (`fresh`) with a
/// whole cold start, `_initialize` then `stratus_init`.
fn try_start_with(runtime: &RuntimeModule, deploy: Deploy, fresh: bool) -> Result<Env, (Trap, Vec<String>)> {
    let monotonic = process_monotonic();
    let services = GuestServices {
        cloud: deploy.cloud.clone(),
        clock: Rc::new(ManualClock::new(START_MS)),
        monotonic: monotonic.clone(),
    };
    let env = lambda_environment(
        &deploy.env,
        "notes-api",
        "$LATEST",
        deploy.memory_mb,
        "us-east-1",
        "2023/11/14/[$LATEST]0123456789abcdef",
    );
    let config = GuestConfig {
        function_name: "notes-api".into(),
        env,
        form: GuestForm::Reactor,
        random_seed: 42,
        code: Rc::new(code_json(&deploy)),
    };
    let host = Rc::new(GuestHost::new(config, services));
    let imports = Rc::new(RuntimeImports { host: host.clone(), code: code_json(&deploy) });
    let mut instance = runtime.module.instantiate(imports).expect("the runtime instantiates");
    host.set_deadline(f64::INFINITY);
    let started = Instant::now();
    let result = bootstrap(&mut instance, &runtime.kind, fresh);
    let bootstrap_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let result = result.and_then(|()| instance.call("stratus_init", &[]));
    let init_ms = started.elapsed().as_secs_f64() * 1000.0;
    host.flush_logs();
    match result {
        Ok(_) => Ok(Env {
            host,
            instance,
            cloud: deploy.cloud,
            monotonic,
            memory_mb: deploy.memory_mb,
            bootstrap_ms,
            init_ms,
        }),
        Err(trap) => Err((trap, host.take_logs())),
    }
}

fn start(runtime: &RuntimeModule, deploy: Deploy) -> Env {
    match try_start(runtime, deploy) {
        Ok(env) => env,
        Err((trap, logs)) => panic!("init failed: {trap:?}\n{}", logs.join("\n")),
    }
}

impl Env {
    fn context_json(&self) -> String {
        json!({
            "awsRequestId": REQUEST_ID,
            "invokedFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:notes-api",
            "functionName": "notes-api",
            "functionVersion": "$LATEST",
            "memoryLimitInMB": self.memory_mb,
            "logGroupName": "/aws/lambda/notes-api",
            "logStreamName": "2023/11/14/[$LATEST]0123456789abcdef",
            "deadlineMs": START_MS + 3000,
        })
        .to_string()
    }

    /// Invokes with `event`, with `timeout_ms` before the deadline (None: no deadline).
    fn invoke_with(&mut self, event: &str, timeout_ms: Option<f64>) -> Result<Answer, Trap> {
        let deadline = timeout_ms.map_or(f64::INFINITY, |t| (self.monotonic)() + t);
        self.host.begin(Invocation { payload: Vec::new(), context_json: self.context_json(), deadline_ms: deadline });
        let bytes = event.as_bytes();
        let ptr = match self.instance.call("stratus_alloc", &[Val::I32(bytes.len() as i32)])?[..] {
            [Val::I32(p)] => p,
            ref other => panic!("stratus_alloc returned {other:?}"),
        };
        assert_ne!(ptr, 0, "stratus_alloc could not allocate");
        assert!(self.instance.write_memory(ptr as u32, bytes));
        let status = match self.instance.call("stratus_handle", &[Val::I32(ptr), Val::I32(bytes.len() as i32)])?[..] {
            [Val::I32(s)] => s,
            ref other => panic!("stratus_handle returned {other:?}"),
        };
        self.host.flush_logs();
        let response = self.host.take_response().expect("the runtime sets a response");
        let text = String::from_utf8(response).expect("the response is UTF-8");
        let payload = serde_json::from_str(&text).unwrap_or_else(|e| panic!("the response is JSON ({e}): {text}"));
        Ok(Answer { status, payload, logs: self.host.take_logs() })
    }

    fn invoke(&mut self, event: Value) -> Answer {
        self.invoke_with(&event.to_string(), None).expect("the invocation does not trap")
    }

    fn requests(&self) -> Vec<HttpRequest> {
        self.cloud.seen.borrow().clone()
    }
}

fn ok(answer: &Answer) -> &Value {
    assert_eq!(answer.status, 0, "the handler succeeds: {}\n{}", answer.payload, answer.logs.join("\n"));
    &answer.payload
}

fn body_json(request: &HttpRequest) -> Value {
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

fn dynamodb_answer(status: u16, body: Value) -> HttpResponse {
    HttpResponse::new(status)
        .with_header("x-amzn-RequestId", "REQ123")
        .with_body("application/x-amz-json-1.0", body.to_string())
}

/// A log line's fields: time, request id, level, message.
fn fields(line: &str) -> Vec<&str> {
    line.splitn(4, '\t').collect()
}

// ---------------------------------------------------------------------------
// Handlers and modules.

#[test]
fn an_index_mjs_async_handler_answers_with_its_result() {
    let module = module_or_skip!();
    let files = [(
        "index.mjs",
        r#"export const handler = async (event, context) => {
  return { message: `Hello, ${event.name}!`, requestId: context.awsRequestId, nothing: undefined };
};
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    let answer = env.invoke(json!({ "name": "Ada" }));
    assert_eq!(ok(&answer), &json!({ "message": "Hello, Ada!", "requestId": REQUEST_ID }));
    // Warm: the same instance answers again.
    let answer = env.invoke(json!({ "name": "Grace" }));
    assert_eq!(ok(&answer)["message"], "Hello, Grace!");
}

/// Not a check: measures the runtime on wasmi (an interpreter; the browser's
/// engine compiles to machine code and is much faster). `--nocapture` shows it.
#[test]
fn measure_init_and_a_warm_call_on_wasmi() {
    let started = Instant::now();
    let Some(bytes) = runtime_bytes() else { return };
    let Some(module) = runtime_module_for(128) else { return };
    let compile_ms = started.elapsed().as_secs_f64() * 1000.0;
    let files = [("index.mjs", "export const handler = async (event) => ({ ok: true, n: event.n });\n")];
    let cold = try_start_with(&module, Deploy::new(&files, "index.handler"), true).expect("init succeeds");
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    let first = Instant::now();
    ok(&env.invoke(json!({ "n": 0 })));
    let first_ms = first.elapsed().as_secs_f64() * 1000.0;
    let mut warm = Vec::new();
    for n in 1..=20 {
        let t = Instant::now();
        ok(&env.invoke(json!({ "n": n })));
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    warm.sort_by(f64::total_cmp);
    eprintln!(
        "nodejs.wasm on wasmi ({} build): {} bytes, compile and deploy-time checks {compile_ms:.1} ms, \
         _initialize {:.1} ms, stratus_init {:.1} ms; from the bootstrap snapshot: restore {:.1} ms, stratus_init {:.1} ms; \
         first call {first_ms:.2} ms, warm call p50 {:.2} ms",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        bytes.len(),
        cold.bootstrap_ms,
        cold.init_ms,
        env.bootstrap_ms,
        env.init_ms,
        warm[warm.len() / 2]
    );
}

#[test]
fn the_module_imports_only_the_hosts_functions_and_exports_a_reactor() {
    let Some(bytes) = runtime_bytes() else { return };
    let prepared = instrument::prepare(&bytes, 128, &allowed).expect("nodejs.wasm passes the deploy-time checks");
    assert_eq!(prepared.form, instrument::Form::Reactor { has_initialize: true, has_init: true });
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.expect("the module parses") {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.expect("an import");
                    imports.push(format!("{}.{}", import.module, import.name));
                }
            }
            wasmparser::Payload::ExportSection(reader) => {
                for export in reader {
                    exports.push(export.expect("an export").name.to_string());
                }
            }
            _ => {}
        }
    }
    for import in &imports {
        let (module, name) = import.split_once('.').unwrap();
        let ok = match module {
            "stratus" => ["call_into", "call_result", "response", "context", "remaining_ms", "code"].contains(&name),
            "wasi_snapshot_preview1" => {
                ["fd_write", "clock_time_get", "random_get", "environ_get", "environ_sizes_get", "proc_exit"]
                    .contains(&name)
            }
            _ => false,
        };
        assert!(ok, "unexpected import {import} (all: {imports:?})");
    }
    for export in ["memory", "_initialize", "stratus_alloc", "stratus_handle", "stratus_init"] {
        assert!(exports.iter().any(|e| e == export), "exports {export}: {exports:?}");
    }
    assert!(!exports.iter().any(|e| e == "_start"), "a reactor has no _start: {exports:?}");
}

#[test]
fn commonjs_with_relative_requires_and_an_esm_importing_commonjs() {
    let module = module_or_skip!();
    let files = [
        (
            "index.js",
            r#"const { greet } = require("./lib/greet");
const settings = require("./settings.json");
exports.handler = async (event) => ({ text: greet(event.name), punctuation: settings.punctuation, file: __filename });
"#,
        ),
        (
            "lib/greet.js",
            "const { upper } = require('../util.js');\nmodule.exports = { greet: (n) => 'Hello, ' + upper(n) };\n",
        ),
        ("util.js", "exports.upper = (s) => String(s).toUpperCase();\n"),
        ("settings.json", r#"{ "punctuation": "!" }"#),
        (
            "app.mjs",
            r#"import { greet } from "./lib/greet.js";
import util from "./util.js";
import { twice } from "./twice.mjs";
export const handler = async (event) => twice(greet(event.name)) + util.upper("/" + import.meta.url);
"#,
        ),
        ("twice.mjs", "export const twice = (s) => s + ' ' + s;\n"),
        // A package bundled in node_modules, found through its exports map,
        // that requires node:crypto as the uuid package does.
        (
            "node_modules/tiny-id/package.json",
            r#"{ "name": "tiny-id", "exports": { ".": { "node": { "require": "./dist/index.js" }, "default": "./browser.js" } } }"#,
        ),
        (
            "node_modules/tiny-id/dist/index.js",
            "const crypto = require('crypto');\nexports.id = () => crypto.randomFillSync(new Uint8Array(4)).length;\n",
        ),
        ("ids.js", "const { id } = require('tiny-id');\nexports.handler = async () => id();\n"),
    ];
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    let answer = env.invoke(json!({ "name": "ada" }));
    assert_eq!(ok(&answer), &json!({ "text": "Hello, ADA", "punctuation": "!", "file": "/var/task/index.js" }));

    let mut env = start(&module, Deploy::new(&files, "app.handler"));
    let answer = env.invoke(json!({ "name": "bob" }));
    assert_eq!(ok(&answer), &json!("Hello, BOB Hello, BOB/FILE:///VAR/TASK/APP.MJS"));

    let mut env = start(&module, Deploy::new(&files, "ids.handler"));
    assert_eq!(ok(&env.invoke(json!({}))), &json!(4));
}

#[test]
fn module_exports_object_and_a_handler_in_a_subfolder() {
    let module = module_or_skip!();
    let files = [
        (
            "src/app.js",
            r#"const shared = require("../shared/format");
async function lambdaHandler(event, context) {
  return { statusCode: 200, body: shared.body({ path: event.path, fn: context.functionName }) };
}
module.exports = { lambdaHandler };
"#,
        ),
        ("shared/format.js", "module.exports.body = (o) => JSON.stringify(o);\n"),
    ];
    let mut env = start(&module, Deploy::new(&files, "src/app.lambdaHandler"));
    let answer = env.invoke(json!({ "path": "/hello" }));
    assert_eq!(ok(&answer), &json!({ "statusCode": 200, "body": "{\"path\":\"/hello\",\"fn\":\"notes-api\"}" }));

    // package.json "type": "module" makes .js an ES module; top-level await works.
    let files = [
        ("package.json", r#"{ "name": "app", "type": "module" }"#),
        ("handlers/main.js", "import { greeting } from './text.js';\nconst config = await Promise.resolve({ n: 2 });\nexport async function run() { return greeting.repeat(config.n); }\n"),
        ("handlers/text.js", "export const greeting = 'hi';\n"),
    ];
    let mut env = start(&module, Deploy::new(&files, "handlers/main.run"));
    assert_eq!(ok(&env.invoke(json!({}))), &json!("hihi"));
}

#[test]
fn callback_handlers_context_succeed_and_a_sync_return_value() {
    let module = module_or_skip!();
    let files = [(
        "index.js",
        r#"let after = [];
exports.handler = function (event, context, callback) {
  switch (event.kind) {
    case "callback":
      setTimeout(() => callback(null, { via: "callback", after }), 5);
      return;
    case "waits":
      // callbackWaitsForEmptyEventLoop (true): the timer still runs first.
      callback(null, "answered");
      setTimeout(() => after.push("timer ran"), 50);
      return;
    case "no-wait":
      context.callbackWaitsForEmptyEventLoop = false;
      callback(null, "at once");
      setTimeout(() => after.push("frozen timer"), 50);
      return;
    case "error":
      callback(new RangeError("out of range"));
      return;
    case "succeed":
      context.succeed({ via: "succeed" });
      return;
    case "sync":
      return "ignored, as in Lambda";
  }
};
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    assert_eq!(ok(&env.invoke(json!({ "kind": "callback" }))), &json!({ "via": "callback", "after": [] }));
    assert_eq!(ok(&env.invoke(json!({ "kind": "waits" }))), &json!("answered"));
    assert_eq!(ok(&env.invoke(json!({ "kind": "callback" }))), &json!({ "via": "callback", "after": ["timer ran"] }));
    assert_eq!(ok(&env.invoke(json!({ "kind": "no-wait" }))), &json!("at once"));
    let answer = env.invoke(json!({ "kind": "error" }));
    assert_eq!(answer.status, 1);
    assert_eq!(answer.payload["errorType"], "RangeError");
    assert_eq!(answer.payload["errorMessage"], "out of range");
    assert_eq!(ok(&env.invoke(json!({ "kind": "succeed" }))), &json!({ "via": "succeed" }));
    assert_eq!(ok(&env.invoke(json!({ "kind": "sync" }))), &json!(null));
}

#[test]
fn thrown_errors_and_rejected_promises_answer_lambdas_error_shape() {
    let module = module_or_skip!();
    let files = [(
        "index.mjs",
        r#"class NotFoundError extends Error {
  constructor(message) { super(message); this.name = "NotFoundError"; this.code = 404; }
}
function find(id) {
  throw new NotFoundError(`no item ${id}`);
}
export const handler = async (event) => {
  if (event.kind === "throw") find(event.id);
  if (event.kind === "reject") return Promise.reject(new TypeError("bad input"));
  if (event.kind === "string") throw "just a string";
  if (event.kind === "undefined-result") return undefined;
  if (event.kind === "recursion") { const deeper = (n) => (n >= event.depth ? n : deeper(n + 1) + 0); return deeper(0); }
  if (event.kind === "forgotten-await") { Promise.reject(new Error("lost")); return "fine"; }
  if (event.kind === "caught-later") { const p = Promise.reject(new Error("x")); p.catch(() => {}); return "caught"; }
  return { ok: true };
};
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    let answer = env.invoke(json!({ "kind": "throw", "id": 7 }));
    assert_eq!(answer.status, 1);
    assert_eq!(answer.payload["errorType"], "NotFoundError");
    assert_eq!(answer.payload["errorMessage"], "no item 7");
    let trace: Vec<&str> = answer.payload["trace"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(trace[0], "NotFoundError: no item 7");
    assert!(
        trace.iter().any(|l| l.contains("find") && l.contains("index.mjs:5")),
        "the trace names the frame: {trace:?}"
    );
    let line = answer.logs.iter().find(|l| l.contains("Invoke Error")).expect("the error is logged");
    let f = fields(line);
    assert_eq!((f[1], f[2]), (REQUEST_ID, "ERROR"));
    let logged: Value = serde_json::from_str(f[3].strip_prefix("Invoke Error \t").expect("Lambda's prefix")).unwrap();
    assert_eq!(logged["errorType"], "NotFoundError");
    assert_eq!(logged["code"], 404);
    assert_eq!(logged["stack"][0], "NotFoundError: no item 7");

    let answer = env.invoke(json!({ "kind": "reject" }));
    assert_eq!(answer.status, 1);
    assert_eq!(
        (answer.payload["errorType"].as_str(), answer.payload["errorMessage"].as_str()),
        (Some("TypeError"), Some("bad input"))
    );

    let answer = env.invoke(json!({ "kind": "string" }));
    assert_eq!(answer.payload, json!({ "errorType": "string", "errorMessage": "just a string", "trace": [] }));

    assert_eq!(ok(&env.invoke(json!({ "kind": "undefined-result" }))), &json!(null));

    // Recursion as deep as ordinary code goes. (Deeper, wasmi's limit of
    // 1,000 WebAssembly frames, about 900 JavaScript calls, traps before
    // QuickJS's own stack check throws its RangeError at about 2,000.)
    assert_eq!(ok(&env.invoke(json!({ "kind": "recursion", "depth": 500 }))), &json!(500));

    // Node ends the process on an unhandled rejection; Lambda answers this.
    let answer = env.invoke(json!({ "kind": "forgotten-await" }));
    assert_eq!(answer.status, 1);
    assert_eq!(answer.payload["errorType"], "Runtime.UnhandledPromiseRejection");
    assert_eq!(answer.payload["errorMessage"], "Error: lost");
    assert_eq!(answer.payload["trace"][0], "Runtime.UnhandledPromiseRejection: Error: lost");
    assert_eq!(ok(&env.invoke(json!({ "kind": "caught-later" }))), &json!("caught"));
    assert_eq!(ok(&env.invoke(json!({}))), &json!({ "ok": true }), "the environment survives its errors");
}

fn init_error(module: &RuntimeModule, files: &[(&str, &str)], handler: &str) -> String {
    match try_start(module, Deploy::new(files, handler)) {
        Ok(_) => panic!("init should fail"),
        Err((trap, logs)) => {
            assert!(matches!(trap, Trap::Guest(_)), "the runtime traps: {trap:?}");
            let lines: Vec<&String> = logs.iter().filter(|l| l.starts_with("Runtime.")).collect();
            assert_eq!(lines.len(), 1, "one Runtime. line: {logs:?} ({trap:?})");
            lines[0].clone()
        }
    }
}

#[test]
fn init_errors_are_one_runtime_line_and_a_trap() {
    let module = module_or_skip!();
    let line = init_error(
        &module,
        &[("index.mjs", "export const handler = async (event) => {\n  const x = 1;\n  return x +;\n};\n")],
        "index.handler",
    );
    assert!(line.starts_with("Runtime.UserCodeSyntaxError: SyntaxError: "), "{line}");
    assert!(line.ends_with(" in index.mjs:3"), "the file and line: {line}");

    let line = init_error(
        &module,
        &[
            ("index.js", "const lib = require('./lib');\nexports.handler = lib.handler;\n"),
            ("lib.js", "// one\nexports.handler = async () => {\n  return [1, 2;\n};\n"),
        ],
        "index.handler",
    );
    assert!(line.starts_with("Runtime.UserCodeSyntaxError: SyntaxError: ") && line.ends_with(" in lib.js:3"), "{line}");

    let line = init_error(&module, &[("main.mjs", "export const handler = async () => 1;\n")], "index.handler");
    assert_eq!(line, "Runtime.ImportModuleError: Error: Cannot find module 'index'");

    let line = init_error(&module, &[("index.mjs", "export const handle = async () => 1;\n")], "index.handler");
    assert_eq!(line, "Runtime.HandlerNotFound: index.handler is undefined or not exported");

    let line = init_error(
        &module,
        &[("index.mjs", "import { nope } from './missing.mjs';\nexport const handler = nope;\n")],
        "index.handler",
    );
    assert!(line.starts_with("Runtime.ImportModuleError: Error: Cannot find module './missing.mjs'"), "{line}");
}

#[test]
fn console_process_env_and_context_look_like_lambdas() {
    let module = module_or_skip!();
    let files = [(
        "index.mjs",
        r#"console.log("cold start");
export const handler = async (event, context) => {
  console.log("Hello", event.name, 42);
  console.info("%s has %d items", "cart", 3);
  console.warn({ a: 1, nested: { list: [1, "two"] } });
  console.error(new Error("logged, not thrown").message);
  console.log("two\nlines");
  return {
    table: process.env.TABLE_NAME,
    region: process.env.AWS_REGION,
    name: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: context.memoryLimitInMB,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remainingIsNumber: typeof context.getRemainingTimeInMillis() === "number",
    waits: context.callbackWaitsForEmptyEventLoop,
    version: process.version.slice(0, 4),
  };
};
"#,
    )];
    let module_env = start(&module, Deploy::new(&files, "index.handler").env("TABLE_NAME", "notes"));
    let init_logs = module_env.host.take_logs();
    let mut env = module_env;
    assert_eq!(init_logs.len(), 1, "{init_logs:?}");
    assert_eq!(
        fields(&init_logs[0])[1..],
        ["undefined", "INFO", "cold start"],
        "before any invocation the request id is undefined"
    );

    let answer = env.invoke_with(r#"{"name":"Ada"}"#, Some(60_000.0)).unwrap();
    assert_eq!(
        ok(&answer),
        &json!({
            "table": "notes", "region": "us-east-1", "name": "notes-api", "memoryLimitInMB": "128",
            "functionName": "notes-api", "functionVersion": "$LATEST",
            "invokedFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:notes-api",
            "logGroupName": "/aws/lambda/notes-api", "logStreamName": "2023/11/14/[$LATEST]0123456789abcdef",
            "remainingIsNumber": true, "waits": true, "version": "v22.",
        })
    );
    let lines: Vec<Vec<&str>> = answer.logs.iter().map(|l| fields(l)).collect();
    assert_eq!(lines.len(), 5, "{:?}", answer.logs);
    for l in &lines {
        assert_eq!(l[0], "2023-11-14T22:13:20.000Z", "the engine clock's ISO time");
        assert_eq!(l[1], REQUEST_ID);
    }
    let rest: Vec<(&str, &str)> = lines.iter().map(|l| (l[2], l[3])).collect();
    assert_eq!(
        rest,
        [
            ("INFO", "Hello Ada 42"),
            ("INFO", "cart has 3 items"),
            ("WARN", "{ a: 1, nested: { list: [ 1, 'two' ] } }"),
            ("ERROR", "logged, not thrown"),
            ("INFO", "two\rlines"),
        ]
    );
}

#[test]
fn timers_and_web_globals_work() {
    let module = module_or_skip!();
    let files = [(
        "index.mjs",
        r#"import { Buffer as NodeBuffer } from "node:buffer";
import { setTimeout as sleep } from "node:timers/promises";
import crypto from "node:crypto";
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const handler = async () => {
  const order = [];
  const t0 = performance.now();
  setTimeout(() => order.push("timeout 20"), 20);
  const cancelled = setTimeout(() => order.push("never"), 10);
  clearTimeout(cancelled);
  queueMicrotask(() => order.push("microtask"));
  Promise.resolve().then(() => order.push("promise"));
  let ticks = 0;
  const interval = setInterval(() => { if (++ticks === 3) clearInterval(interval); }, 100);
  await wait(1000);
  await sleep(500);
  const waited = performance.now() - t0;

  const bytes = new TextEncoder().encode("héllo €");
  const uuid = crypto.randomUUID();
  const url = new URL("https://example.com:8443/a/b/../c?x=1&y=two%20words#top");
  url.searchParams.append("z", "a b");
  const original = { when: new Date(0), tags: new Set(["a", "b"]), map: new Map([["k", { deep: [1] }]]) };
  const copy = structuredClone(original);
  copy.map.get("k").deep.push(2);
  const random = crypto.getRandomValues(new Uint8Array(8));
  return {
    order, waited: waited >= 1500, ticks,
    encoded: Array.from(bytes), decoded: new TextDecoder().decode(bytes),
    base64: Buffer.from("hello world").toString("base64"),
    fromBase64: Buffer.from("aGVsbG8gd29ybGQ=", "base64").toString(),
    hex: Buffer.from([222, 173, 190, 239]).toString("hex"),
    fromHex: Buffer.from("68656c6c6f", "hex").toString("utf8"),
    byteLength: Buffer.byteLength("€"),
    concat: Buffer.concat([Buffer.from("ab"), Buffer.from("cd")]).toString(),
    isBuffer: [Buffer.isBuffer(Buffer.alloc(1)), Buffer.isBuffer(new Uint8Array(1)), NodeBuffer === Buffer],
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid) && uuid !== crypto.randomUUID(),
    randomLength: random.length,
    url: { href: url.href, host: url.host, pathname: url.pathname, x: url.searchParams.get("x"), y: url.searchParams.get("y"), hash: url.hash },
    relative: new URL("../d?q=1", "https://example.com/a/b/c").href,
    params: new URLSearchParams({ a: "1", b: "x y" }).toString(),
    clone: { when: copy.when instanceof Date && copy.when.getTime() === 0, tags: [...copy.tags], originalDeep: original.map.get("k").deep, copyDeep: copy.map.get("k").deep },
    btoa: btoa("hi"), atob: atob("aGk="),
    sha256: crypto.createHash("sha256").update("abc").digest("hex"),
    hmac: crypto.createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("hex"),
    md5: crypto.createHash("md5").update("").digest("hex"),
    random: Array.from({ length: 1000 }, Math.random).every((x) => x >= 0 && x < 1) && Math.random() !== Math.random(),
  };
};
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    let answer = env.invoke(json!({}));
    assert_eq!(
        ok(&answer),
        &json!({
            "order": ["microtask", "promise", "timeout 20"], "waited": true, "ticks": 3,
            "encoded": [104, 195, 169, 108, 108, 111, 32, 226, 130, 172], "decoded": "héllo €",
            "base64": "aGVsbG8gd29ybGQ=", "fromBase64": "hello world", "hex": "deadbeef", "fromHex": "hello",
            "byteLength": 3, "concat": "abcd", "isBuffer": [true, false, true],
            "uuid": true, "randomLength": 8,
            "url": {
                "href": "https://example.com:8443/a/c?x=1&y=two+words&z=a+b#top", "host": "example.com:8443",
                "pathname": "/a/c", "x": "1", "y": "two words", "hash": "#top"
            },
            "relative": "https://example.com/a/d?q=1",
            "params": "a=1&b=x+y",
            "clone": { "when": true, "tags": ["a", "b"], "originalDeep": [1], "copyDeep": [1, 2] },
            "btoa": "aGk=", "atob": "hi",
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "hmac": "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
            "md5": "d41d8cd98f00b204e9800998ecf8427e",
            "random": true,
        })
    );
}

#[test]
fn an_endless_loop_is_stopped_at_the_deadline_and_the_environment_survives() {
    let Some(module) = runtime_module_unmetered() else { return };
    let files = [(
        "index.mjs",
        r#"export const handler = async (event) => {
  if (event.loop) { let n = 0; while (true) { n++; } }
  if (event.late) { await new Promise((r) => setTimeout(r, 60000)); }
  return "still alive";
};
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    for event in [r#"{"loop":true}"#, r#"{"late":true}"#] {
        let answer = env.invoke_with(event, Some(300.0)).expect("the interrupt handler stops it before any trap");
        assert_eq!(answer.status, 1);
        assert_eq!(answer.payload["errorType"], "Sandbox.Timedout", "{}", answer.payload);
        let message = answer.payload["errorMessage"].as_str().unwrap();
        assert!(message.starts_with(&format!("RequestId: {REQUEST_ID} Error: Task timed out after ")), "{message}");
        assert!(answer.logs.iter().any(|l| l.contains("Task timed out after")), "{:?}", answer.logs);
    }
    assert_eq!(ok(&env.invoke(json!({}))), &json!("still alive"));

    // Metered as deployed, whichever comes first ends it: the interrupt
    // handler (a timeout answer) or the fuel check (the host's timeout).
    let module = module_or_skip!();
    let mut env = start(&module, Deploy::new(&files, "index.handler"));
    match env.invoke_with(r#"{"loop":true}"#, Some(300.0)) {
        Ok(answer) => assert_eq!(answer.payload["errorType"], "Sandbox.Timedout"),
        Err(trap) => assert_eq!(trap, Trap::Host(HostStop::Timeout)),
    }
}

#[test]
fn the_memory_limit_makes_running_out_of_memory_an_error() {
    let Some(module) = runtime_module_for(32) else { return };
    let files = [(
        "index.mjs",
        r#"export const handler = async (event) => {
  const hoard = [];
  try {
    for (;;) hoard.push(new ArrayBuffer(1 << 20));
  } catch (err) {
    if (event.rethrow) throw err;
    return `${err.name}: ${err.message} after ${hoard.length} MiB`;
  }
};
"#,
    )];
    let mut env = start(&module, Deploy { memory_mb: 32, ..Deploy::new(&files, "index.handler") });
    let answer = env.invoke(json!({}));
    let text = ok(&answer).as_str().unwrap().to_string();
    assert!(text.starts_with("InternalError: out of memory after "), "{text}");
    let answer = env.invoke(json!({ "rethrow": true }));
    assert_eq!(answer.status, 1);
    assert_eq!(answer.payload["errorType"], "Runtime.OutOfMemory", "{}", answer.payload);
}

// ---------------------------------------------------------------------------
// The AWS SDK against a fake cloud: the requests it sends and how it reads
// the answers.

#[test]
fn document_client_marshalls_requests_and_unmarshalls_answers() {
    let module = module_or_skip!();
    let cloud = fake_cloud(|r| {
        let target = r.header("x-amz-target").unwrap_or("").to_string();
        match target.as_str() {
            "DynamoDB_20120810.PutItem" if body_json(r)["ConditionExpression"].is_string() => dynamodb_answer(
                400,
                json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                    "message": "The conditional request failed",
                    "Item": { "id": { "S": "n1" }, "votes": { "N": "3" } }
                }),
            ),
            "DynamoDB_20120810.PutItem" => dynamodb_answer(200, json!({})),
            "DynamoDB_20120810.GetItem" => dynamodb_answer(
                200,
                json!({ "Item": {
                    "id": { "S": "n1" }, "votes": { "N": "3" }, "ratio": { "N": "0.5" }, "done": { "BOOL": false },
                    "tags": { "SS": ["a", "b"] }, "scores": { "NS": ["1", "2"] }, "meta": { "M": { "by": { "S": "ada" }, "none": { "NULL": true } } },
                    "list": { "L": [{ "N": "1" }, { "S": "x" }] }, "blob": { "B": "aGk=" }
                } }),
            ),
            "DynamoDB_20120810.Query" => dynamodb_answer(
                200,
                json!({ "Items": [{ "id": { "S": "n1" } }, { "id": { "S": "n2" } }], "Count": 2, "ScannedCount": 2,
                        "LastEvaluatedKey": { "id": { "S": "n2" } } }),
            ),
            _ => {
                dynamodb_answer(400, json!({ "__type": "com.amazonaws.dynamodb.v20120810#UnknownOperationException" }))
            }
        }
    });
    let files = [(
        "index.mjs",
        r#"import { DynamoDBClient, ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";

const client = new DynamoDBClient({});
const docClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export const handler = async () => {
  const put = await docClient.send(new PutCommand({
    TableName: "notes",
    Item: { id: "n1", votes: 3, ratio: 0.5, done: false, missing: undefined, tags: new Set(["a", "b"]),
            scores: new Set([1, 2]), meta: { by: "ada", none: null }, list: [1, "x"], blob: new Uint8Array([104, 105]) },
  }));
  const got = await docClient.send(new GetCommand({ TableName: "notes", Key: { id: "n1" } }));
  const item = got.Item;
  const queried = await docClient.send(new QueryCommand({
    TableName: "notes",
    KeyConditionExpression: "id = :id",
    ExpressionAttributeValues: { ":id": "n1" },
  }));
  let failure;
  try {
    await docClient.send(new PutCommand({ TableName: "notes", Item: { id: "n1" }, ConditionExpression: "attribute_not_exists(id)" }));
  } catch (err) {
    failure = { name: err.name, message: err.message, status: err.$metadata.httpStatusCode, fault: err.$fault,
                isClass: err instanceof ConditionalCheckFailedException, isError: err instanceof Error, item: err.Item };
  }
  return {
    putStatus: put.$metadata.httpStatusCode, requestId: put.$metadata.requestId,
    item: { ...item, tags: [...item.tags], scores: [...item.scores], blob: Array.from(item.blob), votesType: typeof item.votes },
    ids: queried.Items.map((i) => i.id), count: queried.Count, last: queried.LastEvaluatedKey,
    failure,
  };
};
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud));
    let answer = env.invoke(json!({}));
    assert_eq!(
        ok(&answer),
        &json!({
            "putStatus": 200, "requestId": "REQ123",
            "item": { "id": "n1", "votes": 3, "ratio": 0.5, "done": false, "tags": ["a", "b"], "scores": [1, 2],
                      "meta": { "by": "ada", "none": null }, "list": [1, "x"], "blob": [104, 105], "votesType": "number" },
            "ids": ["n1", "n2"], "count": 2, "last": { "id": "n2" },
            "failure": { "name": "ConditionalCheckFailedException", "message": "The conditional request failed", "status": 400,
                         "fault": "client", "isClass": true, "isError": true,
                         "item": { "id": { "S": "n1" }, "votes": { "N": "3" } } },
        })
    );
    let requests = env.requests();
    let targets: Vec<&str> = requests.iter().map(|r| r.header("x-amz-target").unwrap()).collect();
    assert_eq!(
        targets,
        [
            "DynamoDB_20120810.PutItem",
            "DynamoDB_20120810.GetItem",
            "DynamoDB_20120810.Query",
            "DynamoDB_20120810.PutItem"
        ]
    );
    for r in &requests {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/_aws/dynamodb/"));
        assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
    }
    assert_eq!(
        body_json(&requests[0]),
        json!({ "TableName": "notes", "Item": {
            "id": { "S": "n1" }, "votes": { "N": "3" }, "ratio": { "N": "0.5" }, "done": { "BOOL": false },
            "tags": { "SS": ["a", "b"] }, "scores": { "NS": ["1", "2"] },
            "meta": { "M": { "by": { "S": "ada" }, "none": { "NULL": true } } },
            "list": { "L": [{ "N": "1" }, { "S": "x" }] }, "blob": { "B": "aGk=" }
        } })
    );
    assert_eq!(body_json(&requests[1]), json!({ "TableName": "notes", "Key": { "id": { "S": "n1" } } }));
    assert_eq!(
        body_json(&requests[2]),
        json!({ "TableName": "notes", "KeyConditionExpression": "id = :id", "ExpressionAttributeValues": { ":id": { "S": "n1" } } })
    );
}

/// Answers of Query (by the index in `:i`) for the document client: the
/// first ones read in Rust, the later ones left to the shim's JavaScript
/// (a BigInt, binary, a lone surrogate, odd shapes) or its errors.
const DOC_ANSWERS: [&str; 14] = [
    r#"{"Items":[{"s":{"S":"x\"y\u00e9\ud83d\ude00\\"},"n":{"N":"0.1"},"nz":{"N":"-0"},"i":{"N":"42"},"e":{"N":"1e3"},"neg":{"N":"-7.5"},"b":{"BOOL":true},"nl":{"NULL":true},"l":{"L":[{"N":"1"},{"L":[]},{"M":{}}]},"m":{"M":{"__proto__":{"S":"own"},"2":{"N":"2"},"a":{"S":"a"},"1":{"S":"one"}}},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"inf":{"N":"1e400"}}],"Count":1,"ScannedCount":1,"LastEvaluatedKey":{"id":{"S":"b"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#,
    r#"{"Items":[],"Count":0,"ScannedCount":0}"#,
    r#"{"Items":[{"big":{"N":"12345678901234567890"}}],"Count":1}"#,
    r#"{"Items":[{"bin":{"B":"aGk="},"bs":{"BS":["aGk="]}}],"Count":1}"#,
    r#"{"Items":[{"lone":{"S":"\ud800"}}],"Count":1}"#,
    r#"{"Items":[{"two":{"S":"a","N":"1"}}],"Count":1}"#,
    r#"{"Items":[{"bad":{"X":"1"}}],"Count":1}"#,
    r#"{"Items":[{"empty":{}}],"Count":1}"#,
    r#"{"Items":null,"LastEvaluatedKey":false,"Count":0}"#,
    r#"{}"#,
    r#"{"Items":[{"s":{"S":5},"hex":{"N":"0x10"}}],"Count":1}"#,
    r#"{"Items":[{"id":{"S":"a"}}],"Item":"truthy"}"#,
    r#"{"Items":[null]}"#,
    r#"{"__proto__":{"Count":7},"Items":[]}"#,
];

/// Answers of Scan (by its Limit, from 1) for the low-level client: JSON
/// as JSON.parse reads it.
const FIRST_RAW: &str = r#"{"Items":[{"id":{"S":"a\"b\\c\n\u2028\u00e9"}}],"Count":3,"ScannedCount":18446744073709551615,"x":-0,"f":0.1,"e":1e300,"big":123456789012345678901234567890,"neg":-9007199254740993,"__proto__":{"polluted":true},"dup":1,"dup":2,"nested":[[[]],{}],"t":true,"nl":null,"esc":"\u0000\u001f","k\u00e9y":"v","2":"two","1":"one","exp":1.5e-7}"#;

fn raw_answers() -> Vec<String> {
    vec![
        FIRST_RAW.to_string(),
        r#"{"lone":"\ud800","Count":1}"#.to_string(),
        // Deeper than wire.rs reads.
        format!(r#"{{"deep":{}{}}}"#, "[".repeat(100), "]".repeat(100)),
    ]
}

/// The shim writes DynamoDB requests and reads answers in Rust
/// (`runtimes/nodejs/src/wire.rs`) where it can, and in JavaScript where
/// that declines. Both must give the same: the same request text, the same
/// values back (types, key order, -0, Sets, BigInts), the same errors.
/// Every case here is checked against the shim's own JavaScript
/// (`marshall`, `unmarshall`, JSON.stringify, JSON.parse).
#[test]
fn dynamodb_requests_and_answers_made_in_rust_match_the_shims_javascript() {
    let module = module_or_skip!();
    let stored = Rc::new(RefCell::new(String::new()));
    let keep = stored.clone();
    let cloud = fake_cloud(move |r| {
        let body = String::from_utf8_lossy(&r.body).into_owned();
        let text = match r.header("x-amz-target").unwrap_or("") {
            "DynamoDB_20120810.PutItem" => {
                let item = body.strip_prefix(r#"{"TableName":"t","Item":"#).and_then(|b| b.strip_suffix('}'));
                *keep.borrow_mut() = item.unwrap_or("null").to_string();
                "{}".to_string()
            }
            "DynamoDB_20120810.GetItem" => format!(r#"{{"Item":{}}}"#, keep.borrow()),
            "DynamoDB_20120810.Query" => {
                let i: usize = body_json(r)["ExpressionAttributeValues"][":i"]["N"].as_str().unwrap().parse().unwrap();
                DOC_ANSWERS[i].to_string()
            }
            "DynamoDB_20120810.Scan" => {
                let raw = raw_answers();
                // Not body_json: one request holds a lone surrogate, which serde_json refuses.
                let limit = &body[body.find(r#""Limit":"#).unwrap() + 8..][..1];
                raw[limit.parse::<usize>().unwrap() - 1].clone()
            }
            other => panic!("unexpected {other}"),
        };
        HttpResponse::new(200).with_header("x-amzn-RequestId", "REQ1").with_body("application/x-amz-json-1.0", text)
    });
    let code = r##"import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall, NumberValue } from "@aws-sdk/util-dynamodb";

const DOC_ANSWERS = __DOC__;
const RAW_ANSWERS = __RAW__;
const client = new DynamoDBClient({});
const docWith = (marshallOptions, unmarshallOptions) => DynamoDBDocumentClient.from(client, { marshallOptions, unmarshallOptions });

// A value with its types spelled out, so that two can be compared exactly.
function describe(v) {
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "number:-0" : "number:" + v;
  if (typeof v === "bigint") return "bigint:" + v;
  if (typeof v === "string") return "string:" + JSON.stringify(v);
  if (typeof v === "boolean" || v === null) return String(v);
  if (v instanceof Set) return { set: [...v].map(describe) };
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (v instanceof NumberValue) return { numberValue: v.toString() };
  if (Array.isArray(v)) return v.map(describe);
  const proto = Object.getPrototypeOf(v);
  return { proto: proto === Object.prototype ? "Object" : proto === null ? "null" : "other", entries: Object.keys(v).map((k) => [k, describe(v[k])]) };
}
// As text: a deep item's description nests deeper than serde_json reads.
const attempt = (f) => { try { return JSON.stringify(describe(f())); } catch (e) { return "error: " + e.message; } };
const attemptAsync = async (f) => { try { return JSON.stringify(describe(await f())); } catch (e) { return "error: " + e.message; } };
const withoutMetadata = (out) => { const { $metadata, ...rest } = out; return rest; };

const nested = (n) => { let v = "leaf"; for (let i = 0; i < n; i++) v = { x: v }; return v; };
class Point { constructor() { this.x = 1; this.y = 2; } }
const nullProto = Object.assign(Object.create(null), { a: 1, b: "two" });
const PUTS = [
  [{ id: "k", s: "a\"b\\c\n\t\u0001\u007fé😀\u2028", e: "" }],
  [{ i: 1, neg: -5, z: 0, nz: -0, f: 0.1, f2: 1e-7, f3: 123.456, max: 2 ** 53 - 1, min: -(2 ** 53 - 1), small: 5e-324 }],
  [{ m: { a: { b: { c: [1, [2, [3]], { d: null }] } } }, l: [], em: {} }],
  [{ t: true, f: false, n: null, fn: () => 1, l: [1, () => 2, 3] }],
  [{ b: 1, 2: "x", a: 2, 1: "y" }],
  [JSON.parse('{"__proto__": {"x": 1}, "y": 2}')],
  [{ m: JSON.parse('{"__proto__": "p", "y": 2}') }],
  [{ np: nullProto }],
  [{ a: undefined, l: [1, undefined, 2], m: { x: undefined, y: 1 } }, { removeUndefinedValues: true }],
  [{ e: "", l: [""], m: { e: "" } }, { convertEmptyValues: true }],
  [{ big: 2 ** 60, huge: 1e21 }, { allowImpreciseNumbers: true }],
  ["just a string"],
  [[1, "two", [3]]],
  [{ ss: new Set(["a", "b"]), ns: new Set([1, 2]) }],
  [{ nv: new NumberValue("12345678901234567890"), big: 12n }],
  [{ map: new Map([["k", 1]]) }],
  [{ p: new Point() }, { convertClassInstanceToMap: true }],
  [{ deep: nested(90) }],
  [{ lone: "\ud800x" }],
  [{ boxed: new String("s"), num: new Number(3), bool: new Boolean(true) }],
  [{ get lazy() { return "got"; }, id: "g" }],
];
const FAILS = [
  [{ a: undefined }],
  [{ l: [undefined] }],
  [{ n: NaN }],
  [{ n: -Infinity }],
  [{ n: 2 ** 60 }],
  [{ s: Symbol("s") }],
  [{ d: new Date(0) }],
  [{ p: new Point() }],
  [{ get boom() { throw new Error("a getter threw"); } }],
];

export const handler = async () => {
  const puts = [];
  for (const [item, opts] of PUTS) {
    const doc = docWith(opts);
    await doc.send(new PutCommand({ TableName: "t", Item: item }));
    puts.push({
      sent: JSON.stringify({ TableName: "t", Item: marshall(item, opts) }),
      got: await attemptAsync(async () => (await doc.send(new GetCommand({ TableName: "t", Key: { id: "k" } }))).Item),
      want: attempt(() => unmarshall(marshall(item, opts))),
    });
  }
  const fails = [];
  for (const [item, opts] of FAILS) {
    fails.push({
      got: await attemptAsync(async () => { await docWith(opts).send(new PutCommand({ TableName: "t", Item: item })); return "sent"; }),
      want: attempt(() => marshall(item, opts)),
    });
  }
  const docAnswers = [];
  for (const uo of [undefined, { wrapNumbers: true }]) {
    for (let i = 0; i < DOC_ANSWERS.length; i++) {
      docAnswers.push({
        got: await attemptAsync(async () => withoutMetadata(await docWith(undefined, uo).send(new QueryCommand({ TableName: "t", KeyConditionExpression: "id = :i", ExpressionAttributeValues: { ":i": i } })))),
        want: attempt(() => {
          const o = Object.assign({}, JSON.parse(DOC_ANSWERS[i]));
          for (const k of ["Item", "Attributes", "LastEvaluatedKey"]) if (o[k]) o[k] = unmarshall(o[k], uo);
          if (o.Items) o.Items = o.Items.map((x) => unmarshall(x, uo));
          return withoutMetadata(o);
        }),
      });
    }
  }
  const scans = [
    { TableName: "t", Limit: 1, ExpressionAttributeNames: { "#a": "é\"😀", 2: "x", 1: "y" }, Weird: [undefined, () => 1, null, 1.5, -0, 1e21, 5e-324, NaN], U: undefined, F: () => 1, N: NaN, Nested: { a: [{ b: {} }] } },
    { TableName: "t", Limit: 2, When: new Date(0) },
    { TableName: "t", Limit: 3, Lone: "\udc00" },
  ];
  const rawRequests = scans.map((s) => JSON.stringify(s));
  const rawAnswers = [];
  for (let i = 0; i < scans.length; i++) {
    rawAnswers.push({ got: await attemptAsync(async () => withoutMetadata(await client.send(new ScanCommand(scans[i])))), want: attempt(() => JSON.parse(RAW_ANSWERS[i])) });
  }
  // $metadata: made in Rust for answers read there (0: unmarshalled there
  // too, 1: unmarshalled in JavaScript), in JavaScript for one left to it
  // (a binary value).
  const metadataOf = async (i, uo) => JSON.stringify(describe((await docWith(undefined, uo).send(new QueryCommand({ TableName: "t", KeyConditionExpression: "id = :i", ExpressionAttributeValues: { ":i": i } }))).$metadata));
  const metadata = [await metadataOf(1), await metadataOf(1, { wrapNumbers: true }), await metadataOf(3)];
  return { puts, fails, docAnswers, rawRequests, rawAnswers, metadata };
};
"##
    .replace("__DOC__", &serde_json::to_string(&DOC_ANSWERS).unwrap())
    .replace("__RAW__", &serde_json::to_string(&raw_answers()).unwrap());
    let files = [("index.mjs", code.as_str())];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud));
    let answer = env.invoke(json!({}));
    let out = ok(&answer).clone();
    let bodies = |target: &str| -> Vec<String> {
        env.requests()
            .iter()
            .filter(|r| r.header("x-amz-target") == Some(target))
            .map(|r| String::from_utf8(r.body.clone()).unwrap())
            .collect()
    };
    let puts = out["puts"].as_array().unwrap();
    let put_bodies = bodies("DynamoDB_20120810.PutItem");
    assert_eq!(put_bodies.len(), puts.len(), "one PutItem for each case, none for the failures");
    for (i, (case, body)) in puts.iter().zip(&put_bodies).enumerate() {
        assert_eq!(body, case["sent"].as_str().unwrap(), "put {i}: the request text");
        assert_eq!(case["got"], case["want"], "put {i}: the item read back");
        assert!(!case["got"].as_str().unwrap().starts_with("error") || [10, 11].contains(&i), "put {i}: {}", case["got"]);
    }
    for (i, case) in out["fails"].as_array().unwrap().iter().enumerate() {
        assert!(case["want"].as_str().unwrap().starts_with("error: "), "fail {i}: {}", case["want"]);
        assert_eq!(case["got"], case["want"], "fail {i}");
    }
    for (i, case) in out["docAnswers"].as_array().unwrap().iter().enumerate() {
        assert_eq!(case["got"], case["want"], "doc answer {i}");
    }
    assert_eq!(bodies("DynamoDB_20120810.Scan"), out["rawRequests"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>());
    for (i, case) in out["rawAnswers"].as_array().unwrap().iter().enumerate() {
        assert_eq!(case["got"], case["want"], "raw answer {i}");
    }
    let metadata = out["metadata"].as_array().unwrap();
    assert!(metadata[2].as_str().unwrap().contains(r#"["requestId","string:\"REQ1\""]"#), "{}", metadata[2]);
    assert_eq!(metadata[0], metadata[2], "$metadata made in Rust");
    assert_eq!(metadata[1], metadata[2], "$metadata made in Rust, unmarshalled in JavaScript");
    // The first answers are read in Rust, as shapes show: a Set stays a
    // Set, numbers numbers.
    let first = out["docAnswers"][0]["got"].as_str().unwrap();
    assert!(first.contains(r#""number:-0""#) && first.contains(r#"{"set":["string:\"a\"""#), "{first}");
}

#[test]
fn an_unhandled_sdk_error_fails_the_invocation_with_its_name() {
    let module = module_or_skip!();
    let cloud = fake_cloud(|_| {
        dynamodb_answer(
            400,
            json!({ "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "Requested resource not found" }),
        )
    });
    let files = [(
        "index.js",
        r#"const { DynamoDBClient, GetItemCommand } = require("@aws-sdk/client-dynamodb");
const client = new DynamoDBClient({ region: "us-east-1" });
exports.handler = async () => client.send(new GetItemCommand({ TableName: "missing", Key: { id: { S: "1" } } }));
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud));
    let answer = env.invoke(json!({}));
    assert_eq!(answer.status, 1);
    assert_eq!(answer.payload["errorType"], "ResourceNotFoundException");
    assert_eq!(answer.payload["errorMessage"], "Requested resource not found");
}

#[test]
fn lambda_invoke_command_calls_another_function() {
    let module = module_or_skip!();
    let cloud = fake_cloud(|_| {
        HttpResponse::new(200)
            .with_header("X-Amz-Executed-Version", "$LATEST")
            .with_header("X-Amz-Log-Result", "U1RBUlQgUmVxdWVzdElk")
            .with_body("application/json", r#"{"sum":3}"#)
    });
    let files = [(
        "index.mjs",
        r#"import { LambdaClient, InvokeCommand, LogType } from "@aws-sdk/client-lambda";

const invoke = async (funcName, payload) => {
  const client = new LambdaClient({});
  const command = new InvokeCommand({
    FunctionName: funcName,
    Payload: JSON.stringify(payload),
    LogType: LogType.Tail,
  });
  const { Payload, LogResult, StatusCode, ExecutedVersion, FunctionError } = await client.send(command);
  const result = Buffer.from(Payload).toString();
  const logs = Buffer.from(LogResult, "base64").toString();
  return { logs, result, StatusCode, ExecutedVersion, FunctionError, asString: Payload.transformToString() };
};

export const handler = async (event) => invoke("adder", { a: 1, b: 2 });
"#,
    )];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud));
    let answer = env.invoke(json!({}));
    assert_eq!(
        ok(&answer),
        &json!({ "logs": "START RequestId", "result": "{\"sum\":3}", "StatusCode": 200, "ExecutedVersion": "$LATEST", "asString": "{\"sum\":3}" })
    );
    let requests = env.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/_aws/lambda/2015-03-31/functions/adder/invocations");
    assert_eq!(requests[0].header("x-amz-log-type"), Some("Tail"));
    assert_eq!(body_json(&requests[0]), json!({ "a": 1, "b": 2 }));
}

// ---------------------------------------------------------------------------
// From the AWS developer guides, against a real Stratus cloud.

/// The DynamoDB developer guide's SDK v3 examples: create a table and wait
/// for it, put, get, update, query, scan with a paginator, batch and
/// transactional writes, PartiQL, delete.
const DYNAMODB_GUIDE: &str = r#"import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, ListTablesCommand, waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, DeleteCommand, QueryCommand,
  paginateScan, BatchWriteCommand, BatchGetCommand, TransactWriteCommand, ExecuteStatementCommand,
} from "@aws-sdk/lib-dynamodb";

const client = new DynamoDBClient({});
const docClient = DynamoDBDocumentClient.from(client);

export const createTable = async () => {
  const command = new CreateTableCommand({
    TableName: "CoffeeCrop",
    AttributeDefinitions: [
      { AttributeName: "OriginCountry", AttributeType: "S" },
      { AttributeName: "RoastDate", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "OriginCountry", KeyType: "HASH" },
      { AttributeName: "RoastDate", KeyType: "RANGE" },
    ],
    BillingMode: "PAY_PER_REQUEST",
  });
  const response = await client.send(command);
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: "CoffeeCrop" });
  const described = await client.send(new DescribeTableCommand({ TableName: "CoffeeCrop" }));
  const tables = await client.send(new ListTablesCommand({}));
  return { created: response.TableDescription.TableName, status: described.Table.TableStatus, tables: tables.TableNames,
           createdAt: described.Table.CreationDateTime instanceof Date };
};

export const crud = async () => {
  for (const [country, date, notes] of [["Ethiopia", "2023-05-02", "floral"], ["Ethiopia", "2023-04-01", "citrus"], ["Kenya", "2023-05-03", "berry"]]) {
    await docClient.send(new PutCommand({ TableName: "CoffeeCrop", Item: { OriginCountry: country, RoastDate: date, Notes: notes, Cups: 0 } }));
  }
  const got = await docClient.send(new GetCommand({ TableName: "CoffeeCrop", Key: { OriginCountry: "Kenya", RoastDate: "2023-05-03" }, ConsistentRead: true }));
  const updated = await docClient.send(new UpdateCommand({
    TableName: "CoffeeCrop",
    Key: { OriginCountry: "Kenya", RoastDate: "2023-05-03" },
    UpdateExpression: "set Cups = Cups + :n, Tags = :tags",
    ExpressionAttributeValues: { ":n": 2, ":tags": ["bright", "sweet"] },
    ReturnValues: "ALL_NEW",
  }));
  const queried = await docClient.send(new QueryCommand({
    TableName: "CoffeeCrop",
    KeyConditionExpression: "OriginCountry = :originCountry AND RoastDate > :roastDate",
    ExpressionAttributeValues: { ":originCountry": "Ethiopia", ":roastDate": "2023-05-01" },
    ConsistentRead: true,
  }));
  const scanned = [];
  for await (const page of paginateScan({ client: docClient, pageSize: 1 }, { TableName: "CoffeeCrop" })) {
    scanned.push(...page.Items.map((i) => i.Notes));
  }
  await docClient.send(new BatchWriteCommand({
    RequestItems: { CoffeeCrop: [
      { PutRequest: { Item: { OriginCountry: "Brazil", RoastDate: "2023-06-01", Notes: "nutty" } } },
      { DeleteRequest: { Key: { OriginCountry: "Ethiopia", RoastDate: "2023-04-01" } } },
    ] },
  }));
  const batch = await docClient.send(new BatchGetCommand({
    RequestItems: { CoffeeCrop: { Keys: [{ OriginCountry: "Brazil", RoastDate: "2023-06-01" }, { OriginCountry: "Ethiopia", RoastDate: "2023-04-01" }] } },
  }));
  let cancelled;
  try {
    await docClient.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: "CoffeeCrop", Item: { OriginCountry: "Peru", RoastDate: "2023-07-01" } } },
        { ConditionCheck: { TableName: "CoffeeCrop", Key: { OriginCountry: "Kenya", RoastDate: "2023-05-03" }, ConditionExpression: "Cups > :max", ExpressionAttributeValues: { ":max": 10 } } },
      ],
    }));
  } catch (err) {
    cancelled = { name: err.name, reasons: err.CancellationReasons.map((r) => r.Code) };
  }
  const partiql = await docClient.send(new ExecuteStatementCommand({
    Statement: "SELECT * FROM CoffeeCrop WHERE OriginCountry = ?",
    Parameters: ["Brazil"],
  }));
  await docClient.send(new DeleteCommand({ TableName: "CoffeeCrop", Key: { OriginCountry: "Brazil", RoastDate: "2023-06-01" } }));
  const gone = await docClient.send(new GetCommand({ TableName: "CoffeeCrop", Key: { OriginCountry: "Brazil", RoastDate: "2023-06-01" } }));
  return {
    got: got.Item, updated: updated.Attributes, queried: queried.Items.map((i) => i.Notes), scanned: scanned.sort(),
    batch: batch.Responses.CoffeeCrop.map((i) => i.Notes), cancelled, partiql: partiql.Items.map((i) => i.Notes), gone: gone.Item === undefined,
  };
};
"#;

#[test]
fn the_dynamodb_developer_guides_examples_run_against_stratus() {
    let module = module_or_skip!();
    let (cloud, _stratus) = real_cloud();
    let files = [("index.mjs", DYNAMODB_GUIDE)];
    let mut env = start(&module, Deploy::new(&files, "index.createTable").cloud(cloud.clone()));
    assert_eq!(
        ok(&env.invoke(json!({}))),
        &json!({ "created": "CoffeeCrop", "status": "ACTIVE", "tables": ["CoffeeCrop"], "createdAt": true })
    );

    let mut env = start(&module, Deploy::new(&files, "index.crud").cloud(cloud));
    let answer = env.invoke(json!({}));
    assert_eq!(
        ok(&answer),
        &json!({
            "got": { "OriginCountry": "Kenya", "RoastDate": "2023-05-03", "Notes": "berry", "Cups": 0 },
            "updated": { "OriginCountry": "Kenya", "RoastDate": "2023-05-03", "Notes": "berry", "Cups": 2, "Tags": ["bright", "sweet"] },
            "queried": ["floral"],
            "scanned": ["berry", "citrus", "floral"],
            "batch": ["nutty"],
            "cancelled": { "name": "TransactionCanceledException", "reasons": ["None", "ConditionalCheckFailed"] },
            "partiql": ["nutty"],
            "gone": true,
        })
    );
}

/// The Lambda developer guide's API Gateway HTTP API tutorial: one function
/// for the routes of `http-crud-tutorial-items` (as the guide writes it).
const HTTP_CRUD_TUTORIAL: &str = r#"import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  ScanCommand,
  PutCommand,
  GetCommand,
  DeleteCommand,
} from "@aws-sdk/lib-dynamodb";

const client = new DynamoDBClient({});

const dynamo = DynamoDBDocumentClient.from(client);

const tableName = "http-crud-tutorial-items";

export const handler = async (event, context) => {
  let body;
  let statusCode = 200;
  const headers = {
    "Content-Type": "application/json",
  };

  try {
    switch (event.routeKey) {
      case "DELETE /items/{id}":
        await dynamo.send(
          new DeleteCommand({
            TableName: tableName,
            Key: {
              id: event.pathParameters.id,
            },
          })
        );
        body = `Deleted item ${event.pathParameters.id}`;
        break;
      case "GET /items/{id}":
        body = await dynamo.send(
          new GetCommand({
            TableName: tableName,
            Key: {
              id: event.pathParameters.id,
            },
          })
        );
        body = body.Item;
        break;
      case "GET /items":
        body = await dynamo.send(
          new ScanCommand({ TableName: tableName })
        );
        body = body.Items;
        break;
      case "PUT /items":
        let requestJSON = JSON.parse(event.body);
        await dynamo.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              id: requestJSON.id,
              price: requestJSON.price,
              name: requestJSON.name,
            },
          })
        );
        body = `Put item ${requestJSON.id}`;
        break;
      default:
        throw new Error(`Unsupported route: "${event.routeKey}"`);
    }
  } catch (err) {
    statusCode = 400;
    body = err.message;
  } finally {
    body = JSON.stringify(body);
  }

  return {
    statusCode,
    body,
    headers,
  };
};
"#;

/// The Lambda developer guide's REST API tutorial (`lambda-apigateway`,
/// an `operation` and a `payload` that is the command's input).
const REST_API_TUTORIAL: &str = r#"import { DynamoDBDocumentClient, PutCommand, GetCommand,
         UpdateCommand, DeleteCommand} from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const ddbClient = new DynamoDBClient({ region: "us-east-1" });
const ddbDocClient = DynamoDBDocumentClient.from(ddbClient);

// Define the name of the DDB table to perform the CRUD operations on
const tablename = "lambda-apigateway";

export const handler = async (event, context) => {
    const operation = event.operation;

    if (operation == 'echo'){
        return(event.payload);
    }

    else {
        event.payload.TableName = tablename;
        let response;

        switch (operation) {
          case 'create':
               response = await ddbDocClient.send(new PutCommand(event.payload));
               break;
          case 'read':
               response = await ddbDocClient.send(new GetCommand(event.payload));
               break;
          case 'update':
               response = ddbDocClient.send(new UpdateCommand(event.payload));
               break;
          case 'delete':
               response = ddbDocClient.send(new DeleteCommand(event.payload));
               break;
          default:
            response = 'Unknown operation: ${operation}';
          }
        console.log(response);
        return response;
    }
};
"#;

fn create_table(cloud: &Cloud, name: &str, key: &str) {
    let request = HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("content-type", "application/x-amz-json-1.0")
        .with_header("x-amz-target", "DynamoDB_20120810.CreateTable")
        .with_body(
            json!({
                "TableName": name,
                "AttributeDefinitions": [{ "AttributeName": key, "AttributeType": "S" }],
                "KeySchema": [{ "AttributeName": key, "KeyType": "HASH" }],
                "BillingMode": "PAY_PER_REQUEST",
            })
            .to_string(),
        );
    let response = cloud.handle_now(request);
    assert_eq!(response.status, 200, "{}", response.body_text());
}

#[test]
fn the_lambda_developer_guides_api_gateway_tutorials_run_against_stratus() {
    let module = module_or_skip!();
    let (cloud, stratus) = real_cloud();
    create_table(&stratus, "http-crud-tutorial-items", "id");
    create_table(&stratus, "lambda-apigateway", "id");

    let files = [("index.mjs", HTTP_CRUD_TUTORIAL)];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud.clone()));
    let route = |env: &mut Env, route_key: &str, id: Option<&str>, body: Option<Value>| {
        let mut event = json!({ "routeKey": route_key });
        if let Some(id) = id {
            event["pathParameters"] = json!({ "id": id });
        }
        if let Some(body) = body {
            event["body"] = json!(body.to_string());
        }
        let answer = env.invoke(event);
        let out = ok(&answer).clone();
        assert_eq!(out["headers"], json!({ "Content-Type": "application/json" }));
        (out["statusCode"].as_i64().unwrap(), serde_json::from_str::<Value>(out["body"].as_str().unwrap()).unwrap())
    };
    assert_eq!(
        route(&mut env, "PUT /items", None, Some(json!({ "id": "123", "price": 12345, "name": "myitem" }))),
        (200, json!("Put item 123"))
    );
    assert_eq!(
        route(&mut env, "GET /items/{id}", Some("123"), None),
        (200, json!({ "id": "123", "price": 12345, "name": "myitem" }))
    );
    assert_eq!(
        route(&mut env, "GET /items", None, None),
        (200, json!([{ "id": "123", "price": 12345, "name": "myitem" }]))
    );
    assert_eq!(route(&mut env, "DELETE /items/{id}", Some("123"), None), (200, json!("Deleted item 123")));
    assert_eq!(route(&mut env, "GET /items", None, None), (200, json!([])));
    assert_eq!(route(&mut env, "PATCH /items", None, None), (400, json!("Unsupported route: \"PATCH /items\"")));

    let files = [("index.mjs", REST_API_TUTORIAL)];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud));
    let answer = env.invoke(json!({ "operation": "create", "payload": { "Item": { "id": "1234ABCD", "number": 5 } } }));
    assert_eq!(ok(&answer)["$metadata"]["httpStatusCode"], 200);
    let answer = env.invoke(json!({ "operation": "update", "payload": {
        "Key": { "id": "1234ABCD" }, "UpdateExpression": "SET #n = :v", "ExpressionAttributeNames": { "#n": "number" },
        "ExpressionAttributeValues": { ":v": 10 }, "ReturnValues": "UPDATED_NEW" } }));
    assert_eq!(ok(&answer)["Attributes"], json!({ "number": 10 }));
    let answer = env.invoke(json!({ "operation": "read", "payload": { "Key": { "id": "1234ABCD" } } }));
    assert_eq!(ok(&answer)["Item"], json!({ "id": "1234ABCD", "number": 10 }));
    assert!(answer.logs.iter().any(|l| l.contains("Item: { id: '1234ABCD', number: 10 }")), "{:?}", answer.logs);
    let answer = env.invoke(json!({ "operation": "echo", "payload": { "somekey1": "somevalue1" } }));
    assert_eq!(ok(&answer), &json!({ "somekey1": "somevalue1" }));
}

/// QuickJS is made of many small functions, most in no cycle of calls: those
/// are charged at their calls rather than checking fuel at their entry
/// (src/engine/lambda/entry_checks.rs). Prints how many keep the check and
/// how long the rewrite takes (CreateFunction pays it).
#[test]
fn most_of_the_runtimes_functions_are_charged_at_their_calls() {
    let Some(bytes) = runtime_bytes() else { return };
    let started = Instant::now();
    let prepared = instrument::prepare(&bytes, 128, &allowed).expect("nodejs.wasm passes the deploy-time checks");
    let took = started.elapsed();
    let mut globals = 0u32;
    let mut entry_get = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&prepared.bytes) {
        match payload.expect("the rewritten module parses") {
            wasmparser::Payload::GlobalSection(reader) => globals = reader.count(),
            wasmparser::Payload::CodeSectionEntry(body) => {
                let first = body.get_operators_reader().expect("a body").read().expect("an operator");
                entry_get.push(matches!(first, wasmparser::Operator::GlobalGet { global_index } if global_index + 1 == globals));
            }
            _ => {}
        }
    }
    let checked = entry_get.iter().filter(|&&c| c).count();
    eprintln!("{checked} of {} functions check fuel at their entry; the rewrite took {took:?}", entry_get.len());
    assert!(checked * 2 < entry_get.len(), "{checked} of {} functions are checked", entry_get.len());
}

/// Handlers for [`sdk_call_instructions`], by `STRATUS_SDK_CASE`.
const SDK_CASES: [(&str, &str); 4] = [
    ("doc", r#"import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => (await doc.send(new GetCommand({ TableName: "bench", Key: { id: event.id } }))).Item;
"#),
    ("raw", r#"import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
const db = new DynamoDBClient({});
export const handler = async (event) => (await db.send(new GetItemCommand({ TableName: "bench", Key: { id: { S: event.id } } }))).Item;
"#),
    ("limits", r#"import { DynamoDBClient, DescribeLimitsCommand } from "@aws-sdk/client-dynamodb";
const db = new DynamoDBClient({});
export const handler = async () => (await db.send(new DescribeLimitsCommand({}))).TableMaxReadCapacityUnits;
"#),
    ("empty", "export const handler = async () => 1;\n"),
];

/// Not a check: warm invocations of a handler making one SDK call (or
/// none), for counting the instructions they take. Wall time in a browser
/// moved by 30 % between runs a minute apart on the machines of 2026-12-03;
/// an instruction count of the same work under wasmi does not move, so two
/// builds of the runtime are compared this way (docs/benchmarks-functions.md):
///
/// ```sh
/// valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*sdk_call_rounds*' \
///   target/debug/deps/engine_nodejs_guest-<hash> sdk_call_instructions --exact
/// ```
///
/// with `STRATUS_SDK_CASE` one of doc, raw, limits, empty (default doc) or
/// `STRATUS_SDK_CODE` a handler's own code (index.mjs),
/// `STRATUS_SDK_ROUNDS` the invocations counted (default 3) and
/// `STRATUS_NODEJS_WASM` the runtime to run.
#[test]
fn sdk_call_instructions() {
    let Some(module) = runtime_module_for(128) else { return };
    let case = std::env::var("STRATUS_SDK_CASE").unwrap_or_else(|_| "doc".into());
    let rounds: usize = std::env::var("STRATUS_SDK_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    // STRATUS_SDK_CODE: a handler of one's own (index.mjs) instead.
    let own = std::env::var("STRATUS_SDK_CODE").ok();
    let code = match &own {
        Some(code) => code.as_str(),
        None => SDK_CASES.iter().find(|(name, _)| *name == case).expect("a known STRATUS_SDK_CASE").1,
    };
    let (cloud, stratus) = real_cloud();
    create_table(&stratus, "bench", "id");
    let put = HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("x-amz-target", "DynamoDB_20120810.PutItem")
        .with_body(json!({ "TableName": "bench", "Item": { "id": { "S": "k1" }, "v": { "N": "1" }, "name": { "S": "a small item" } } }).to_string());
    assert_eq!(stratus.handle_now(put).status, 200);
    let files = [("index.mjs", code)];
    let mut env = start(&module, Deploy::new(&files, "index.handler").cloud(cloud));
    for _ in 0..5 {
        ok(&env.invoke(json!({ "id": "k1" })));
    }
    sdk_call_rounds(&mut env, rounds);
}

#[inline(never)]
fn sdk_call_rounds(env: &mut Env, rounds: usize) {
    for _ in 0..rounds {
        ok(&env.invoke(json!({ "id": "k1" })));
    }
}
