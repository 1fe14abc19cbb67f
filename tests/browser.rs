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
