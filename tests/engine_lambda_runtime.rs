//! Language runtimes, with a stand-in runtime module written in WAT: the code
//! package reaches the module through `stratus.code`, syntax errors are
//! refused at create time, init errors carry the runtime's own error type,
//! and new environments start from a snapshot instead of initialising again.
#![cfg(not(target_arch = "wasm32"))]

use base64::Engine;
use serde_json::{json, Value};
use std::io::Write;
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

/// A runtime module: `stratus_init` copies the code package into memory at
/// 4096, bumps a counter global and logs a line; a package containing
/// `SYNTAX` makes it report a syntax error, `MISSING` a missing handler.
/// `stratus_handle` answers `[counter, code length]` as JSON digits.
const RUNTIME: &str = r#"(module
  (import "stratus" "code" (func $code (param i32 i32) (result i32)))
  (import "stratus" "response" (func $response (param i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $inits (mut i32) (i32.const 0))
  (global $len (mut i32) (i32.const 0))
  (data (i32.const 100) "init ran\n")
  (data (i32.const 200) "Runtime.UserCodeSyntaxError: SyntaxError: unexpected token in index.mjs:3\n")
  (data (i32.const 300) "Runtime.ImportModuleError: Error: Cannot find module 'index'\n")
  (func $log (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func $contains (param $b0 i32) (result i32) (local $i i32)
    (block $no (loop $l
      (br_if $no (i32.ge_u (local.get $i) (global.get $len)))
      (if (i32.eq (i32.load8_u (i32.add (i32.const 4096) (local.get $i))) (local.get $b0)) (then (return (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 0))
  (func (export "stratus_init")
    (global.set $len (call $code (i32.const 4096) (i32.const 60000)))
    (global.set $inits (i32.add (global.get $inits) (i32.const 1)))
    (call $log (i32.const 100) (i32.const 9))
    ;; '#' marks a syntax error, '@' a missing module.
    (if (call $contains (i32.const 35)) (then (call $log (i32.const 200) (i32.const 74)) unreachable))
    (if (call $contains (i32.const 64)) (then (call $log (i32.const 300) (i32.const 61)) unreachable)))
  (func (export "stratus_alloc") (param i32) (result i32) i32.const 70000)
  (func (export "stratus_handle") (param i32 i32) (result i32)
    (i32.store8 (i32.const 1000) (i32.const 91))
    (i32.store8 (i32.const 1001) (i32.add (i32.const 48) (global.get $inits)))
    (i32.store8 (i32.const 1002) (i32.const 44))
    (i32.store8 (i32.const 1003) (i32.add (i32.const 48) (i32.rem_u (global.get $len) (i32.const 10))))
    (i32.store8 (i32.const 1004) (i32.const 93))
    (call $response (i32.const 1000) (i32.const 5))
    i32.const 0))"#;

fn zip(files: &[(&str, &str)]) -> String {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for (name, text) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    base64::engine::general_purpose::STANDARD.encode(out.into_inner())
}

fn setup() -> (Rc<Cloud>, Rc<ManualClock>) {
    let clock = Rc::new(ManualClock::new(1_700_000_000_000));
    let cloud = Cloud::new(clock.clone());
    let module = wat::parse_str(RUNTIME).unwrap();
    cloud.set_runtime_loader(Rc::new(move |name: &str| {
        let result = if name == "nodejs" { Ok(module.clone()) } else { Err(format!("no runtime {name}")) };
        Box::pin(async move { result })
    }));
    (cloud, clock)
}

fn create(cloud: &Cloud, name: &str, source: &str) -> (u16, Value) {
    let body = json!({
        "FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::000000000000:role/r",
        "Code": {"ZipFile": zip(&[("index.mjs", source)])},
    });
    let r = pollster::block_on(cloud.handle(HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions").with_body(body.to_string())));
    (r.status, serde_json::from_slice(&r.body).unwrap())
}

fn invoke(cloud: &Cloud, name: &str) -> (Value, String) {
    let r = pollster::block_on(cloud.handle(
        HttpRequest::new("POST", &format!("/_aws/lambda/2015-03-31/functions/{name}/invocations")).with_header("X-Amz-Log-Type", "Tail"),
    ));
    let log = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(r.header("X-Amz-Log-Result").unwrap()).unwrap()).unwrap();
    (serde_json::from_slice(&r.body).unwrap(), log)
}

#[test]
fn the_code_package_reaches_the_runtime_and_snapshots_skip_init() {
    let (cloud, clock) = setup();
    let source = "export const handler = async () => 'hi';";
    let (s, v) = create(&cloud, "js", source);
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["Runtime"], "nodejs22.x");
    assert_eq!(v["Handler"], "index.handler", "the default handler");
    let expected_len = json!({"handler": "index.handler", "runtime": "nodejs22.x", "files": {"index.mjs": source}}).to_string().len();
    let (body, log) = invoke(&cloud, "js");
    assert_eq!(body, json!([1, expected_len % 10]), "{log}");
    assert!(log.contains("init ran") && log.contains("Init Duration"), "{log}");
    // Idle environments are shut down; the next start comes from the snapshot:
    // no init runs, yet the state it built (counter, code in memory) is there.
    clock.advance_ms(10 * 60 * 1000);
    let (body, log) = invoke(&cloud, "js");
    assert_eq!(body, json!([1, expected_len % 10]));
    assert!(!log.contains("init ran"), "{log}");
    assert!(log.contains("Init Duration"), "still a cold start: {log}");
    // New code means a new snapshot.
    let update = json!({"ZipFile": zip(&[("index.mjs", "export const handler = () => 1;")])});
    let r = pollster::block_on(cloud.handle(HttpRequest::new("PUT", "/_aws/lambda/2015-03-31/functions/js/code").with_body(update.to_string())));
    assert_eq!(r.status, 200, "{}", r.body_text());
    let (_, log) = invoke(&cloud, "js");
    assert!(log.contains("init ran"), "{log}");
}

#[test]
fn syntax_errors_at_create_time_import_errors_at_invoke() {
    let (cloud, _) = setup();
    let (s, v) = create(&cloud, "bad", "export const handler = async () => { # };");
    assert_eq!(s, 400);
    assert_eq!(v["Message"], "Runtime.UserCodeSyntaxError: SyntaxError: unexpected token in index.mjs:3");
    // A missing module is Lambda's invocation error, not a create error.
    let (s, _) = create(&cloud, "missing", "@");
    assert_eq!(s, 201);
    let (body, log) = invoke(&cloud, "missing");
    assert_eq!(body["errorType"], "Runtime.ImportModuleError", "{log}");
    assert_eq!(body["errorMessage"], "RequestId: 00000000-0000-4000-8000-000000000003 Error: Error: Cannot find module 'index'");
}
