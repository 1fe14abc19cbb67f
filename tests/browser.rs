//! Browser glue, tested in headless Chromium (wasm-bindgen-test).
//!
//! Run with `./x test` (or `cargo test --target wasm32-unknown-unknown --test browser`
//! with wasm-bindgen-test-runner and chromedriver installed).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, Uint8Array};
use stratus::engine::Cloud;
use stratus::host::{bridge, idb::IdbStore, wasm};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", js_sys::Math::random().to_bits())
}

#[wasm_bindgen_test]
async fn indexeddb_round_trip_survives_reopening() {
    let name = unique_name("stratus-test");
    let store = IdbStore::open(&name).await.expect("open");
    assert_eq!(store.get("missing").await.unwrap(), None);
    store.put("greeting", b"hello, tables").await.expect("put");
    store.put("bytes", &[0, 255, 7]).await.expect("put");
    assert_eq!(store.get("greeting").await.unwrap().as_deref(), Some(&b"hello, tables"[..]));
    store.close();

    // A new connection sees what the committed transactions wrote.
    let store = IdbStore::open(&name).await.expect("reopen");
    assert_eq!(store.get("bytes").await.unwrap(), Some(vec![0, 255, 7]));
    store.delete("bytes").await.expect("delete");
    assert_eq!(store.get("bytes").await.unwrap(), None);
    assert_eq!(store.get("greeting").await.unwrap().as_deref(), Some(&b"hello, tables"[..]));
    store.close();
}

const GUEST: &str = r#"
(module
  (import "host" "record" (func $record (param i32)))
  (memory (export "memory") 1 2)
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (local $sum i32)
    (local.set $sum (i32.add (local.get $a) (local.get $b)))
    (call $record (local.get $sum))
    (local.get $sum))
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages))))
"#;

#[wasm_bindgen_test]
async fn nested_module_runs_in_the_browsers_webassembly_engine() {
    let bytes = wat::parse_str(GUEST).expect("valid WAT");
    let module = wasm::compile(&bytes).await.expect("compile");

    let recorded = Array::new();
    let sink = recorded.clone();
    let record = Closure::<dyn Fn(i32)>::new(move |v: i32| {
        sink.push(&JsValue::from(v));
    });
    let imports = wasm::imports(&[("host", "record", record.as_ref())]);
    let instance = wasm::instantiate(&module, &imports).await.expect("instantiate");

    let add = wasm::export_function(&instance, "add").unwrap();
    let sum = add.call2(&JsValue::NULL, &40.into(), &2.into()).unwrap();
    assert_eq!(sum.as_f64(), Some(42.0));
    assert_eq!(recorded.length(), 1, "the guest called back into the host");
    assert_eq!(recorded.get(0).as_f64(), Some(42.0));

    // The module's declared memory maximum (2 pages) is enforced by the browser.
    let grow = wasm::export_function(&instance, "grow").unwrap();
    assert_eq!(grow.call1(&JsValue::NULL, &1.into()).unwrap().as_f64(), Some(1.0));
    assert_eq!(grow.call1(&JsValue::NULL, &1.into()).unwrap().as_f64(), Some(-1.0));

    // A second instance of the same compiled module has its own state.
    let again = wasm::instantiate(&module, &imports).await.expect("second instance");
    assert!(wasm::export_function(&again, "add").is_ok());
    assert!(wasm::export_function(&again, "nope").is_err());
}

#[wasm_bindgen_test]
async fn invalid_module_is_a_clear_error() {
    let error = wasm::compile(b"\0asm\x01\0\0\0\x99").await.err().expect("must fail");
    assert!(!error.0.is_empty());
}

#[wasm_bindgen_test]
async fn relayed_request_round_trips_through_the_cloud() {
    // The message the service worker posts, as plain JS values.
    let message = Object::new();
    Reflect::set(&message, &"method".into(), &"POST".into()).unwrap();
    Reflect::set(&message, &"path".into(), &"/_aws/dynamodb/".into()).unwrap();
    Reflect::set(&message, &"query".into(), &"".into()).unwrap();
    let headers = Array::of1(&Array::of2(&"x-amz-target".into(), &"DynamoDB_20120810.Nope".into()));
    Reflect::set(&message, &"headers".into(), &headers).unwrap();
    Reflect::set(&message, &"body".into(), &Uint8Array::from(&b"{}"[..]).buffer()).unwrap();

    let request = bridge::request_from_js(&message).expect("valid message");
    assert_eq!(request.header("X-Amz-Target"), Some("DynamoDB_20120810.Nope"));
    assert_eq!(request.body, b"{}");

    let response = Cloud::new(std::rc::Rc::new(stratus::host::BrowserClock)).handle(request).await;
    let answer = bridge::response_to_js(&response);
    assert_eq!(Reflect::get(&answer, &"status".into()).unwrap().as_f64(), Some(400.0));
    let body = Reflect::get(&answer, &"body".into()).unwrap();
    let transfer = bridge::transfer_list(&answer);
    assert!(transfer.length() == 1 && transfer.get(0) == body, "the body's buffer is transferred");
    let text = String::from_utf8(Uint8Array::new(&body).to_vec()).unwrap();
    assert!(text.contains("UnknownOperationException"), "{text}");
    let pairs: Array = Reflect::get(&answer, &"headers".into()).unwrap().unchecked_into();
    assert!(pairs.iter().any(|p| Array::from(&p).get(0).as_string().as_deref() == Some("content-type")));
}

#[wasm_bindgen_test]
fn relayed_headers_keep_their_pairs_whichever_way_they_cross() {
    // Headers cross in one text of lines; a part holding a line break (which
    // fetch's Headers would refuse) makes the message go field by field.
    for value in ["plain", "two\nlines", "", "naïve ✓"] {
        let message = Object::new();
        Reflect::set(&message, &"method".into(), &"GET".into()).unwrap();
        Reflect::set(&message, &"path".into(), &"/_api/x/items".into()).unwrap();
        Reflect::set(&message, &"query".into(), &"a=1&b=".into()).unwrap();
        let headers = Array::of2(&Array::of2(&"x-one".into(), &value.into()), &Array::of2(&"x-two".into(), &"2".into()));
        Reflect::set(&message, &"headers".into(), &headers).unwrap();
        let request = bridge::request_from_js(&message).expect("valid message");
        assert_eq!((request.method.as_str(), request.path.as_str(), request.query.as_str()), ("GET", "/_api/x/items", "a=1&b="));
        assert_eq!(request.headers, [("x-one".to_string(), value.to_string()), ("x-two".to_string(), "2".to_string())]);

        let mut response = stratus::engine::HttpResponse::new(201).with_header("x-one", value).with_header("", "");
        response.body = b"ok".to_vec();
        let answer = bridge::response_to_js(&response);
        assert_eq!(Reflect::get(&answer, &"status".into()).unwrap().as_f64(), Some(201.0));
        let pairs: Array = Reflect::get(&answer, &"headers".into()).unwrap().unchecked_into();
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|p| {
                let p = Array::from(&p);
                (p.get(0).as_string().unwrap(), p.get(1).as_string().unwrap())
            })
            .collect();
        assert_eq!(pairs, [("x-one".to_string(), value.to_string()), (String::new(), String::new())]);
    }
}

#[wasm_bindgen_test]
fn malformed_relay_message_is_rejected() {
    let error = bridge::request_from_js(&Object::new().into()).unwrap_err();
    assert!(error.contains("method"), "{error}");
}

#[wasm_bindgen_test]
fn base_paths() {
    use stratus::host::base_path_of;
    assert_eq!(base_path_of("http://127.0.0.1:8080/"), "");
    assert_eq!(base_path_of("http://127.0.0.1:8080/stratus/"), "/stratus");
    assert_eq!(base_path_of("https://x.github.io/stratus/index.html"), "/stratus");
    assert_eq!(base_path_of("https://x.github.io/a/b/?q=1"), "/a/b");
}

async fn send(cloud: &Cloud, op: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let request = stratus::engine::HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{op}"))
        .with_body(body.to_string());
    let response = cloud.handle(request).await;
    (response.status, serde_json::from_slice(&response.body).unwrap())
}

#[wasm_bindgen_test]
async fn indexeddb_store_groups_concurrent_writes_and_restores_them() {
    use std::rc::Rc;
    use stratus::host::store::GroupStore;
    let name = unique_name("stratus-store");
    let group = GroupStore::new(IdbStore::open(&name).await.unwrap(), 0, Vec::new());
    let cloud = Rc::new(Cloud::with_store(Rc::new(stratus::host::BrowserClock), Rc::new(group.clone())));
    cloud.restore(&[]).unwrap();
    let (status, _) = send(&cloud, "CreateTable", serde_json::json!({
        "TableName": "Grouped", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]
    }))
    .await;
    assert_eq!(status, 200);
    let before = group.stats();

    // 50 writers at once: each is answered only after its write committed,
    // and they share IndexedDB transactions.
    let promises = Array::new();
    for i in 0..50 {
        let cloud = cloud.clone();
        promises.push(&wasm_bindgen_futures::future_to_promise(async move {
            let (status, _) = send(&cloud, "PutItem", serde_json::json!({"TableName": "Grouped", "Item": {"id": {"N": i.to_string()}}})).await;
            Ok(JsValue::from(status))
        }));
    }
    let statuses = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&promises)).await.unwrap();
    let statuses: Array = statuses.unchecked_into();
    assert!(statuses.iter().all(|s| s.as_f64() == Some(200.0)));
    let (transactions, requests) = group.stats();
    let (transactions, requests) = (transactions - before.0, requests - before.1);
    assert_eq!(requests, 50);
    assert!(transactions < 50, "50 concurrent writes took {transactions} transactions: no grouping");

    // What IndexedDB holds (log records replayed) restores into the same table.
    let entries = stratus::engine::store::replay(group.db().load_all(7, |_| {}).await.unwrap()).unwrap();
    let again = Cloud::new(Rc::new(stratus::host::BrowserClock));
    let restored = again.restore(&entries).unwrap();
    assert_eq!((restored.tables, restored.items), (1, 50));
}

#[wasm_bindgen_test]
async fn the_write_ahead_log_folds_into_items_without_losing_any() {
    use std::rc::Rc;
    use stratus::engine::store::{log_tail, replay, LOG_PREFIX};
    use stratus::host::store::GroupStore;
    let name = unique_name("stratus-log");
    let cloud_with = |group: &GroupStore| Rc::new(Cloud::with_store(Rc::new(stratus::host::BrowserClock), Rc::new(group.clone())));
    async fn put_many(cloud: &Rc<Cloud>, from: u32, to: u32) {
        let promises = Array::new();
        for i in from..to {
            let cloud = cloud.clone();
            promises.push(&wasm_bindgen_futures::future_to_promise(async move {
                let (status, _) = send(&cloud, "PutItem", serde_json::json!({"TableName": "Log", "Item": {"id": {"N": i.to_string()}}})).await;
                Ok(JsValue::from(status))
            }));
        }
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&promises)).await.unwrap();
    }
    async fn settle(group: &GroupStore) {
        while !group.idle() {
            stratus::host::boot::sleep_ms(5).await;
        }
    }
    let logs = |raw: &[(String, Vec<u8>)]| raw.iter().filter(|(k, _)| k.starts_with(LOG_PREFIX)).count();
    let items = |raw: Vec<(String, Vec<u8>)>| replay(raw).unwrap().iter().filter(|(k, _)| k.starts_with("dynamodb/item/")).count();

    let group = GroupStore::new(IdbStore::open(&name).await.unwrap(), 0, Vec::new());
    let cloud = cloud_with(&group);
    cloud.restore(&[]).unwrap();
    send(&cloud, "CreateTable", serde_json::json!({"TableName": "Log", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}], "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]})).await;
    put_many(&cloud, 0, 20).await;
    settle(&group).await;
    let raw = group.db().load_all(1000, |_| {}).await.unwrap();
    assert!(logs(&raw) > 0, "a few writes stay in the log");
    assert_eq!(items(raw.clone()), 20);

    // A restart: the log is picked up where it was, then folded with the new writes.
    let (next, unfolded) = log_tail(&raw).unwrap();
    let group = GroupStore::new(IdbStore::open(&name).await.unwrap(), next, unfolded);
    let cloud = cloud_with(&group);
    cloud.restore(&replay(raw).unwrap()).unwrap();
    put_many(&cloud, 20, 700).await;
    // Once writing pauses, the log is folded into the items, a chunk at a time.
    for _ in 0..400 {
        if group.unfolded() == 0 && group.idle() {
            break;
        }
        stratus::host::boot::sleep_ms(25).await;
    }
    let raw = group.db().load_all(1000, |_| {}).await.unwrap();
    assert_eq!(logs(&raw), 0, "the log was folded into the items");
    assert_eq!(items(raw), 700, "and nothing was lost, neither from before the restart nor after");
}

// ---------------------------------------------------------------------------
// Functions on the browser's own WebAssembly engine (src/host/wasm_engine.rs)
// through the ABI's host side (GuestHost), with the same guests as the native
// wasmi tests (tests/common/lambda_guests.rs).

#[path = "common/lambda_guests.rs"]
mod lambda_guests;

mod functions {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use stratus::engine::clock::ManualClock;
    use stratus::engine::http::{HttpRequest, HttpResponse};
    use stratus::engine::lambda::wasi::{
        CloudLink, GuestConfig, GuestForm, GuestHost, GuestServices, Invocation, Monotonic, FUEL_REFILL, STACK_EXCEEDED,
    };
    use stratus::engine::lambda::wasm::{HostStop, Instance, Module, Trap, Val, WasmEngine};
    use stratus::host::wasm_engine::{performance_monotonic, BrowserEngine};
    use wasm_bindgen_test::*;

    use super::lambda_guests::*;

    const START_MS: u64 = 1_700_000_000_000;

    /// A cloud that records its requests and answers each with one fixed
    /// response, or runs `nested` and answers with what it returns.
    struct FakeCloud {
        seen: RefCell<Vec<HttpRequest>>,
        response: HttpResponse,
        nested: RefCell<Option<Box<dyn Fn() -> String>>>,
    }

    impl CloudLink for FakeCloud {
        fn call(&self, request: HttpRequest) -> HttpResponse {
            self.seen.borrow_mut().push(request);
            // Not borrowed while the nested run goes: it may call the cloud too.
            let nested = self.nested.borrow_mut().take();
            match nested {
                Some(run) => {
                    let body = run();
                    *self.nested.borrow_mut() = Some(run);
                    HttpResponse::new(200).with_body("text/plain", body)
                }
                None => self.response.clone(),
            }
        }
    }

    struct Guest {
        host: Rc<GuestHost>,
        instance: Box<dyn Instance>,
        clock: Rc<ManualClock>,
        /// The manual monotonic timer's reading (unless `performance` was asked for).
        now: Rc<Cell<f64>>,
        cloud: Rc<FakeCloud>,
    }

    #[derive(Clone, Copy)]
    struct Setup {
        form: GuestForm,
        /// `performance.now()` as the monotonic timer, rather than a manual one.
        performance: bool,
    }

    const COMMAND: Setup = Setup { form: GuestForm::Command, performance: false };

    async fn compile(wat: &str) -> Rc<dyn Module> {
        let bytes = wat::parse_str(wat).expect("the test module parses");
        BrowserEngine::new().compile(bytes).await.expect("the test module compiles")
    }

    fn services(setup: Setup) -> (GuestServices, Rc<ManualClock>, Rc<Cell<f64>>, Rc<FakeCloud>) {
        let clock = Rc::new(ManualClock::new(START_MS));
        let now = Rc::new(Cell::new(0.0));
        let cloud = Rc::new(FakeCloud {
            seen: RefCell::new(Vec::new()),
            response: HttpResponse::new(200).with_body("application/x-amz-json-1.0", r#"{"Item":{}}"#),
            nested: RefCell::new(None),
        });
        let monotonic: Monotonic = if setup.performance {
            performance_monotonic()
        } else {
            let now = now.clone();
            Rc::new(move || now.get())
        };
        (GuestServices { cloud: cloud.clone(), clock: clock.clone(), monotonic }, clock, now, cloud)
    }

    fn host(setup: Setup, services: GuestServices) -> Rc<GuestHost> {
        let config =
            GuestConfig { function_name: "echo".to_string(), env: Vec::new(), form: setup.form, random_seed: 7, code: Default::default() };
        Rc::new(GuestHost::new(config, services))
    }

    async fn try_guest(wat: &str, setup: Setup) -> Result<Guest, String> {
        let (services, clock, now, cloud) = services(setup);
        let host = host(setup, services);
        let instance = compile(wat).await.instantiate(host.clone())?;
        Ok(Guest { host, instance, clock, now, cloud })
    }

    async fn guest(wat: &str, setup: Setup) -> Guest {
        try_guest(wat, setup).await.expect("the test module instantiates")
    }

    fn invocation(payload: &str) -> Invocation {
        Invocation { payload: payload.as_bytes().to_vec(), context_json: "{}".to_string(), deadline_ms: f64::INFINITY }
    }

    impl Guest {
        fn run(&mut self, stdin: &str) -> Result<Vec<Val>, Trap> {
            self.host.begin(invocation(stdin));
            self.instance.call("_start", &[])
        }

        fn stdout(&self) -> String {
            String::from_utf8(self.host.take_stdout()).expect("stdout is UTF-8")
        }
    }

    #[wasm_bindgen_test]
    fn the_engine_is_named_after_the_browsers() {
        assert_eq!(BrowserEngine::new().name(), "V8");
    }

    #[wasm_bindgen_test]
    async fn command_echoes_stdin_uppercased_and_logs_stderr_lines() {
        let mut g = guest(&echo_module(), COMMAND).await;
        assert_eq!(g.run(r#"{"name":"stratus"}"#), Ok(vec![]));
        assert_eq!(g.stdout(), r#"{"NAME":"STRATUS"}"#);
        assert_eq!(g.host.take_logs(), vec!["hello from stderr", "second"]);
        g.host.flush_logs();
        assert_eq!(g.host.take_logs(), vec!["partial"]);
        assert_eq!(g.host.exit_code(), None);
        // A second invocation on the same instance.
        assert_eq!(g.run("again"), Ok(vec![]));
        assert_eq!(g.stdout(), "AGAIN");
    }

    #[wasm_bindgen_test]
    async fn proc_exit_ends_the_run_with_its_code() {
        for code in [3, 0] {
            let mut g = guest(&exit_module(code), COMMAND).await;
            assert_eq!(g.run(""), Err(Trap::Host(HostStop::Exit(code))));
            assert_eq!(g.host.exit_code(), Some(code));
            assert_eq!(g.stdout(), "before", "nothing runs after proc_exit");
            // The stop was taken: the instance runs again, and stops again.
            assert_eq!(g.run(""), Err(Trap::Host(HostStop::Exit(code))));
            assert_eq!(g.stdout(), "before");
        }
    }

    fn handle(g: &mut Guest, payload: &str) -> Vec<u8> {
        g.host.begin(invocation(payload));
        let len = Val::I32(payload.len() as i32);
        let ptr = match g.instance.call("stratus_alloc", &[len]).unwrap()[..] {
            [Val::I32(ptr)] => ptr,
            ref other => panic!("stratus_alloc returned {other:?}"),
        };
        assert!(g.instance.write_memory(ptr as u32, payload.as_bytes()));
        assert_eq!(g.instance.call("stratus_handle", &[Val::I32(ptr), len]), Ok(vec![Val::I32(0)]));
        g.host.take_response().expect("the reactor set a response")
    }

    #[wasm_bindgen_test]
    async fn reactor_keeps_its_globals_across_invocations() {
        let mut g = guest(REACTOR, Setup { form: GuestForm::Reactor, ..COMMAND }).await;
        assert!(g.instance.has_function("stratus_handle"));
        assert!(!g.instance.has_function("_start"));
        assert_eq!(handle(&mut g, r#"{"a":1}"#), br#"1{"a":1}"#);
        assert_eq!(handle(&mut g, r#"{"b":2}"#), br#"2{"b":2}"#);
        assert_eq!(g.host.take_logs(), vec!["handled", "handled"]);
        assert_eq!(g.instance.memory_size(), 65_536);
        assert_eq!(g.instance.read_memory(65_535, 1), Some(vec![0]));
        assert_eq!(g.instance.read_memory(65_535, 2), None, "out of bounds");
        assert!(!g.instance.write_memory(65_535, &[1, 2]));
        assert_eq!(g.instance.read_memory(65_536, 0), Some(vec![]));
    }

    fn send(g: &mut Guest, request: &[u8]) -> Result<Vec<u8>, Trap> {
        assert!(g.instance.write_memory(0, request));
        let n = match g.instance.call("send", &[Val::I32(0), Val::I32(request.len() as i32)])?[..] {
            [Val::I32(n)] => n as u32,
            ref other => panic!("send returned {other:?}"),
        };
        assert_eq!(g.instance.read_memory(4096, 4), Some(vec![0; 4]), "nothing copied into a too-small buffer");
        Ok(g.instance.read_memory(8192, n).unwrap())
    }

    #[wasm_bindgen_test]
    async fn stratus_call_sends_an_http_message_and_keeps_the_response() {
        let mut g = guest(CALLER, COMMAND).await;
        let request = b"POST /_aws/dynamodb/?x=1 HTTP/1.1\r\ncontent-type: application/x-amz-json-1.0\r\n\
x-amz-target:DynamoDB_20120810.GetItem\r\ncontent-length: 17\r\n\r\n{\"TableName\":\"n\"}";
        let response = send(&mut g, request).unwrap();
        assert_eq!(
            String::from_utf8(response).unwrap(),
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 11\r\n\r\n{\"Item\":{}}"
        );
        let seen = g.cloud.seen.borrow();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str(), seen[0].query.as_str()),
            ("POST", "/_aws/dynamodb/", "x=1")
        );
        assert_eq!(seen[0].header("X-Amz-Target"), Some("DynamoDB_20120810.GetItem"));
        assert_eq!(seen[0].body, br#"{"TableName":"n"}"#);
    }

    #[wasm_bindgen_test]
    async fn a_host_call_may_run_other_instances_re_entrantly() {
        // The outer guest's stratus.call runs, inside the host call, a command
        // that exits with 3 and an echo: the inner stop ends only the inner run.
        let mut outer = guest(CALLER, COMMAND).await;
        let exit = compile(&exit_module(3)).await;
        let echo = compile(&echo_module()).await;
        let (services, ..) = services(COMMAND);
        let runs = Rc::new(Cell::new(0));
        let count = runs.clone();
        *outer.cloud.nested.borrow_mut() = Some(Box::new(move || {
            count.set(count.get() + 1);
            let exit_host = host(COMMAND, services.clone());
            let mut exit = exit.instantiate(exit_host.clone()).unwrap();
            exit_host.begin(invocation(""));
            let stopped = exit.call("_start", &[]);
            let echo_host = host(COMMAND, services.clone());
            let mut echo = echo.instantiate(echo_host.clone()).unwrap();
            echo_host.begin(invocation("inner"));
            let echoed = echo.call("_start", &[]);
            let out = |h: &GuestHost| String::from_utf8(h.take_stdout()).unwrap();
            format!("{stopped:?} {} | {echoed:?} {}", out(&exit_host), out(&echo_host))
        }));
        for _ in 0..2 {
            let response = String::from_utf8(send(&mut outer, b"GET /nested HTTP/1.1\r\n\r\n").unwrap()).unwrap();
            assert!(response.ends_with("\r\n\r\nErr(Host(Exit(3))) before | Ok([]) INNER"), "{response}");
        }
        assert_eq!(runs.get(), 2);
        assert_eq!(outer.host.exit_code(), None, "the inner exit is not the outer's");
    }

    #[wasm_bindgen_test]
    async fn i64_crosses_as_bigint_both_ways() {
        // Nanoseconds since 1970 are beyond 2^53: a number would round them.
        let mut g = guest(CLOCKS, COMMAND).await;
        let ns = |ms: u64| Ok(vec![Val::I64((ms * 1_000_000) as i64)]);
        assert_eq!(g.instance.call("realtime", &[]), ns(START_MS));
        g.clock.advance_ms(1);
        assert_eq!(g.instance.call("realtime", &[]), ns(START_MS + 1));
        assert_eq!(g.instance.call("bad_clock", &[]), Ok(vec![Val::I32(28)]), "EINVAL");

        let mut g = guest(CALLER, COMMAND).await;
        g.host.begin(Invocation { deadline_ms: 3_000.0, ..invocation("") });
        g.now.set(1_000.25);
        assert_eq!(g.instance.call("remaining", &[]), Ok(vec![Val::I64(1_999)]));
        g.now.set(5_000.0);
        assert_eq!(g.instance.call("remaining", &[]), Ok(vec![Val::I64(0)]));

        // Exports: i64 and float parameters and results, and several results.
        let wat = r#"(module
          (memory (export "memory") 1)
          (func (export "negate") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
          (func (export "pair") (param f32 f64) (result f64 f32 i32)
            (f64.promote_f32 (local.get 0)) (f32.demote_f64 (local.get 1)) (i32.const -7)))"#;
        let mut g = guest(wat, COMMAND).await;
        for v in [i64::MAX, i64::MIN + 1, 1 << 60, -3] {
            assert_eq!(g.instance.call("negate", &[Val::I64(v)]), Ok(vec![Val::I64(-v)]));
        }
        assert_eq!(
            g.instance.call("pair", &[Val::F32(1.5), Val::F64(0.25)]),
            Ok(vec![Val::F64(1.5), Val::F32(0.25), Val::I32(-7)])
        );
        match g.instance.call("negate", &[Val::I32(1)]) {
            Err(Trap::Host(HostStop::Fatal(message))) => assert!(message.contains("negate"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[wasm_bindgen_test]
    async fn an_endless_loop_times_out_at_the_deadline_on_performance_now() {
        let mut g = guest(ENDLESS, Setup { performance: true, ..COMMAND }).await;
        assert_eq!(g.instance.call("fuel_once", &[]), Ok(vec![Val::I64(FUEL_REFILL)]), "no deadline yet");
        let now = performance_monotonic();
        let start = now();
        g.host.begin(Invocation { deadline_ms: start + 30.0, ..invocation("") });
        assert_eq!(g.instance.call("_start", &[]), Err(Trap::Host(HostStop::Timeout)));
        let took = now() - start;
        assert!((30.0..2_000.0).contains(&took), "stopped after {took} ms");
        match g.instance.call("refills", &[]).unwrap()[..] {
            [Val::I32(n)] => assert!(n > 1, "{n} refills"),
            ref other => panic!("{other:?}"),
        }
    }

    #[wasm_bindgen_test]
    async fn guest_traps_are_guest_traps() {
        let mut g = guest(TRAPS, COMMAND).await;
        let trap = |g: &mut Guest, name: &str| match g.instance.call(name, &[]) {
            Err(Trap::Guest(message)) => message,
            other => panic!("{name}: expected a guest trap, got {other:?}"),
        };
        assert!(trap(&mut g, "unreachable").contains("unreachable"));
        assert!(trap(&mut g, "out_of_bounds").contains("out of bounds"));
        // V8's stack overflow is a RangeError, not a RuntimeError.
        assert_eq!(trap(&mut g, "deep"), "Maximum call stack size exceeded");
        match g.instance.call("missing", &[]) {
            Err(Trap::Host(HostStop::Fatal(message))) => assert!(message.contains("missing"), "{message}"),
            other => panic!("{other:?}"),
        }
        // The instance still works after a trap.
        assert!(trap(&mut g, "unreachable").contains("unreachable"));
    }

    #[wasm_bindgen_test]
    async fn deep_recursion_calling_the_host_overflows_in_the_guest_not_in_the_host() {
        // Every level logs a line: without the shims' stack check the first
        // run already overflows inside the host (in fd_write), as the
        // instance then reports; with it, always in the guest.
        let wat = format!(
            r#"(module
          {FD_IO}
          (memory (export "memory") 1)
          (data (i32.const 64) "level\n")
          (func $down (export "_start")
            (call $write (i32.const 2) (i32.const 64) (i32.const 6))
            (call $down)))"#
        );
        let mut g = guest(&wat, COMMAND).await;
        // Several rounds: V8 optimises the shims on the way.
        for round in 0..5 {
            match g.run("") {
                Err(Trap::Guest(message)) => assert_eq!(message, "Maximum call stack size exceeded", "round {round}"),
                other => panic!("round {round}: {other:?}"),
            }
            let logs = g.host.take_logs();
            assert!(logs.len() > 1_000 && logs.iter().all(|l| l == "level"), "{} levels", logs.len());
        }
        // The host is intact (a borrow left behind would panic here) and the
        // instance still serves calls.
        g.host.flush_logs();
        assert!(g.host.take_logs().is_empty());
        assert_eq!(g.stdout(), "");
        let mut echo = guest(&echo_module(), COMMAND).await;
        assert_eq!(echo.run("fine"), Ok(vec![]));
        assert_eq!(echo.stdout(), "FINE");
    }

    #[wasm_bindgen_test]
    async fn a_cloud_call_deep_in_the_guests_stack_stops_the_run_before_its_work_starts() {
        // Every level calls the cloud. The shim lets each call in (8 KiB is
        // left long after the room a cloud call's work needs is not), and
        // the call's own check, sized by its request, ends the run cleanly
        // before the cloud sees the request that would not fit.
        let levels_reached = |request: &str| {
            let data: String = request.bytes().map(|b| format!("\\{b:02x}")).collect();
            format!(
                r#"(module
              (import "stratus" "call" (func $call (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 64) "{data}")
              (func $down (export "_start")
                (drop (call $call (i32.const 64) (i32.const {len})))
                (call $down)))"#,
                len = request.len()
            )
        };
        let mut reached = Vec::new();
        for request in [
            // Another service: the most the check asks for (128 KiB).
            "POST /_aws/lambda/2015-03-31/functions/f/invocations HTTP/1.1\r\n\r\n{}",
            // A small DynamoDB request: 32 KiB, so the guest gets deeper.
            "POST /_aws/dynamodb/ HTTP/1.1\r\nx-amz-target: DynamoDB_20120810.GetItem\r\n\r\n{\"TableName\":\"t\"}",
        ] {
            let mut g = guest(&levels_reached(request), COMMAND).await;
            let mut calls = Vec::new();
            // Several rounds: V8 optimises the shims on the way.
            for round in 0..3 {
                match g.run("") {
                    Err(Trap::Host(HostStop::Fatal(message))) => assert_eq!(message, STACK_EXCEEDED, "round {round}"),
                    other => panic!("round {round}: {other:?}"),
                }
                calls.push(std::mem::take(&mut *g.cloud.seen.borrow_mut()).len());
            }
            assert!(calls.iter().all(|&n| n > 1_000), "{calls:?} calls before the check stopped the run");
            reached.push(calls[2]);
        }
        assert!(reached[1] > reached[0], "a DynamoDB call asks for less stack than another service's: {reached:?}");
    }

    #[wasm_bindgen_test]
    async fn the_host_sees_the_memory_after_it_grows() {
        let wat = r#"(module
          (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
          (memory (export "memory") 1 4)
          (func (export "grow_then_fill") (result i32)
            (drop (memory.grow (i32.const 2)))
            (call $random (i32.const 150000) (i32.const 16))))"#;
        let mut g = guest(wat, COMMAND).await;
        assert_eq!(g.instance.memory_size(), 65_536);
        assert_eq!(g.instance.call("grow_then_fill", &[]), Ok(vec![Val::I32(0)]));
        assert_eq!(g.instance.memory_size(), 3 * 65_536);
        let bytes = g.instance.read_memory(150_000, 16).unwrap();
        assert!(bytes.iter().any(|&b| b != 0), "{bytes:?}");
        assert!(g.instance.write_memory(196_600, &[1; 8]));
        assert!(!g.instance.write_memory(196_600, &[1; 9]));
    }

    #[wasm_bindgen_test]
    async fn imports_are_resolved_or_refused_by_name() {
        for (module, name) in [("wasi_snapshot_preview1", "path_nonexistent"), ("env", "abort"), ("stratus", "sleep")] {
            let wat = format!(r#"(module (import "{module}" "{name}" (func)) (memory (export "memory") 1))"#);
            let error = try_guest(&wat, COMMAND).await.err().expect("refused");
            assert!(error.contains(&format!("{module}.{name}")), "{error}");
        }
        let error = try_guest(r#"(module (import "env" "memory" (memory 1)))"#, COMMAND).await.err().expect("refused");
        assert!(error.contains("env.memory") && error.contains("not a function"), "{error}");

        // A host stop in a start function ends the instantiation.
        let wat = r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func $start (call $exit (i32.const 5)))
          (start $start))"#;
        assert_eq!(try_guest(wat, COMMAND).await.err(), Some("instantiation stopped: Exit(5)".to_string()));

        // The deploy-time check refuses this module; the engine still stops it cleanly.
        let wat = r#"(module
          (import "wasi_snapshot_preview1" "fd_close" (func $close (param i64) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start") (drop (call $close (i64.const 1)))))"#;
        let mut g = guest(wat, COMMAND).await;
        match g.run("") {
            Err(Trap::Host(HostStop::Fatal(message))) => assert!(message.contains("fd_close"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    /// A valid module of about `size` bytes: a custom section of zeros.
    fn big_module(size: usize) -> Vec<u8> {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        let payload = size + 2; // the name "x" and its length
        module.push(0); // a custom section
        let mut n = payload;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            module.push(if n > 0 { byte | 0x80 } else { byte });
            if n == 0 {
                break;
            }
        }
        module.extend_from_slice(&[1, b'x']);
        module.resize(module.len() + size, 0);
        module
    }

    #[wasm_bindgen_test]
    async fn compile_now_works_for_small_modules_and_says_why_it_cannot_for_big_ones() {
        let engine = BrowserEngine::new();
        let small = wat::parse_str(ENDLESS).unwrap();
        assert!(engine.compile_now(&small).is_ok());
        let error = engine.compile_now(b"\0asm\x01\0\0\0\x99").err().expect("invalid");
        assert!(error.starts_with("the module does not compile: "), "{error}");
        let error = engine.compile(b"not wasm".to_vec()).await.err().expect("invalid");
        assert!(error.starts_with("the module does not compile: "), "{error}");

        let big = big_module(9 << 20);
        let error = engine.compile_now(&big).err().expect("Chromium refuses it on the main thread");
        assert!(error.contains("synchronously") && error.contains("WasmEngine::compile"), "{error}");
        let module = engine.compile(big).await.expect("compiled asynchronously");
        // Chromium refuses a synchronous instance of it too (Module::instantiate
        // is synchronous): such a module cannot run on the main thread.
        let (services, ..) = services(COMMAND);
        let error = module.instantiate(host(COMMAND, services)).err().expect("refused on the main thread");
        assert!(error.starts_with("instantiation failed: ") && error.contains("main thread"), "{error}");
    }
}
