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
    let (answer, transfer) = bridge::response_to_js(&response);
    assert_eq!(Reflect::get(&answer, &"status".into()).unwrap().as_f64(), Some(400.0));
    assert_eq!(transfer.length(), 1);
    let body = Reflect::get(&answer, &"body".into()).unwrap();
    let text = String::from_utf8(Uint8Array::new(&body).to_vec()).unwrap();
    assert!(text.contains("UnknownOperationException"), "{text}");
    let pairs: Array = Reflect::get(&answer, &"headers".into()).unwrap().unchecked_into();
    assert!(pairs.iter().any(|p| Array::from(&p).get(0).as_string().as_deref() == Some("content-type")));
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
