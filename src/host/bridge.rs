//! The service-worker relay: lets any page of this origin reach the cloud with
//! plain `fetch()`.
//!
//! `public/sw.js` intercepts requests under `_aws/` and `_api/` and sends them
//! to the tab that owns the cloud. This module is that tab's side of the
//! worker's messages: who owns the cloud, and the ports the worker hands over
//! (its own relay connection and pages' fast-lane connections, served by
//! [`super::fastlane`]); and the conversion of request messages into
//! [`HttpRequest`]s answered through [`Cloud::handle`]. A worker of an earlier
//! build sends each request as a `stratus:request` message with a port of
//! its own; those are still answered here. The message shapes are written
//! down in `docs/service-worker.md` and `docs/fast-lane.md`.

use crate::engine::{Cloud, HttpRequest, HttpResponse};
use js_sys::{Array, Object, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{MessageEvent, MessagePort, RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration};

/// The service-worker container, or `None` where the page is not a secure
/// context (plain http on a host other than localhost) and so has none.
pub fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let present = Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    if present.is_undefined() {
        return None;
    }
    Some(navigator.service_worker())
}

/// Registers `sw.js` under `base` and starts answering its relayed requests
/// with `cloud`. Returns `false` where service workers are unavailable.
pub fn start(cloud: Rc<Cloud>, base: &str) -> bool {
    let Some(container) = container() else {
        web_sys::console::warn_1(&"Stratus: no service worker here (not a secure context); fetch() to _aws/ will not reach the cloud".into());
        return false;
    };
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        on_message(cloud.clone(), event);
    });
    container.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();

    let options = RegistrationOptions::new();
    options.set_scope(&format!("{base}/"));
    let registering = container.register_with_options(&format!("{base}/sw.js"), &options);
    spawn_local(async move {
        if let Err(e) = JsFuture::from(registering).await {
            web_sys::console::error_2(&"Stratus: service worker registration failed".into(), &e);
            return;
        }
        let Ok(ready) = container.ready() else { return };
        if let Ok(registration) = JsFuture::from(ready).await {
            announce_owner(&registration.unchecked_into());
        }
    });
    true
}

/// Tells the active service worker (if there is one yet) that this tab now
/// owns the cloud.
pub fn announce_owner_now() {
    let Some(container) = container() else { return };
    let Ok(ready) = container.ready() else { return };
    spawn_local(async move {
        if let Ok(registration) = JsFuture::from(ready).await {
            announce_owner(&registration.unchecked_into());
        }
    });
}

/// Tells the active service worker that this tab owns the cloud, so that it
/// relays requests here.
fn announce_owner(registration: &ServiceWorkerRegistration) {
    if !super::boot::is_owner() {
        return;
    }
    if let Some(worker) = registration.active() {
        let message = Object::new();
        let _ = Reflect::set(&message, &"type".into(), &"stratus:owner".into());
        let _ = worker.post_message(&message);
    }
}

fn on_message(cloud: Rc<Cloud>, event: MessageEvent) {
    let data = event.data();
    let kind = Reflect::get(&data, &"type".into()).ok().and_then(|t| t.as_string()).unwrap_or_default();
    let Some(port) = event.ports().get(0).dyn_into::<MessagePort>().ok() else { return };
    let owner = super::boot::is_owner();
    match kind.as_str() {
        "stratus:who-owns" => {
            let answer = Object::new();
            let _ = Reflect::set(&answer, &"owner".into(), &JsValue::from_bool(owner));
            let _ = Reflect::set(&answer, &"starting".into(), &JsValue::from_bool(super::boot::is_starting()));
            let _ = port.post_message(&answer);
        }
        // A tab that does not own the cloud stays silent, so the worker looks
        // for the tab that does.
        "stratus:request" if owner => {
            // Acknowledge at once, so the worker can tell a busy tab from a dead one.
            let ack = Object::new();
            let _ = Reflect::set(&ack, &"accepted".into(), &JsValue::TRUE);
            let _ = port.post_message(&ack);
            spawn_local(async move {
                let (answer, transfer) = answer(&cloud, &data).await;
                if let Err(e) = port.post_message_with_transferable(&answer, &transfer) {
                    web_sys::console::error_2(&"Stratus: could not answer a relayed request".into(), &e);
                }
            })
        }
        // A fast-lane port: the worker's own relay connection, or a page's
        // that the worker introduces (docs/fast-lane.md).
        "stratus:fastlane" => super::fastlane::accept(cloud, &data, port),
        // Not (or no longer) the owner: say so at once, so the worker looks
        // for the tab that is instead of waiting for an acknowledgement.
        "stratus:request" => {
            let answer = Object::new();
            let _ = Reflect::set(&answer, &"notOwner".into(), &JsValue::TRUE);
            let _ = port.post_message(&answer);
        }
        _ => {}
    }
}

/// Answers one request message (`{method, path, query, headers, body}`, as
/// the worker relays it and the fast lane sends it) through
/// [`Cloud::handle`]: the answer message and the objects to transfer. A
/// message that is not a request is answered 400.
pub async fn answer(cloud: &Cloud, data: &JsValue) -> (JsValue, Array) {
    let response = match request_from_js(data) {
        Ok(request) => cloud.handle(request).await,
        Err(message) => {
            HttpResponse::new(400).with_body("application/json", serde_json::json!({ "message": message }).to_string())
        }
    };
    let answer = response_to_js(&response);
    let transfer = transfer_list(&answer);
    (answer, transfer)
}

// Every string crossing between JavaScript and wasm is encoded or decoded
// on its own (TextEncoder/TextDecoder), at a cost of about a microsecond
// each that does not depend on its length: for a request's or response's
// headers that was a tenth of an in-page invocation of a JavaScript
// function. These helpers move a message's strings in one: the request's
// method, path, query and headers as one text of lines, the response's
// headers likewise, with the body, in one call. Header names and values
// cannot hold a line break (fetch's Headers refuses them); when one does
// anyway, the message goes the long way, one string at a time.
#[wasm_bindgen(inline_js = r#"
// The request's method, path, query and header names and values, one a
// line: null when a part is not a string, or holds a line break.
export function stratus_request_text(data) {
  if (data === null || typeof data !== "object") return null;
  const { method, path, query, headers } = data;
  if (typeof method !== "string" || typeof path !== "string") return null;
  const parts = [method, path, typeof query === "string" ? query : ""];
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") continue;
      parts.push(pair[0], pair[1]);
    }
  }
  for (const part of parts) if (part.includes("\n")) return null;
  return parts.join("\n");
}
// The text of UTF-8 `bytes`. Short ASCII (header names and values, as a
// rule) is read without TextDecoder, whose fixed cost per call is most of
// what decoding a short string costs.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
function text(bytes) {
  if (bytes.length <= 4096) {
    let i = 0;
    while (i < bytes.length && bytes[i] < 0x80) i++;
    if (i === bytes.length) return String.fromCharCode.apply(null, bytes);
  }
  return utf8.decode(bytes);
}
// The answer object. `headerBytes` (name and value lines) and `body` are
// views of the wasm memory, valid only during this call: the body is copied
// into an ArrayBuffer of its own.
export function stratus_response_object(status, headerBytes, body) {
  const headers = [];
  if (headerBytes.length > 0) {
    const parts = text(headerBytes).split("\n");
    for (let i = 0; i + 1 < parts.length; i += 2) headers.push([parts[i], parts[i + 1]]);
  }
  return { status, headers, body: body.slice().buffer };
}
export function stratus_transfer_list(answer) {
  return [answer.body];
}
// The request's body as bytes, or null when it has none.
export function stratus_request_body(data) {
  return data !== null && typeof data === "object" && data.body instanceof ArrayBuffer ? new Uint8Array(data.body) : null;
}
"#)]
extern "C" {
    fn stratus_request_text(data: &JsValue) -> Option<String>;
    fn stratus_response_object(status: u16, header_bytes: &[u8], body: &[u8]) -> JsValue;
    fn stratus_transfer_list(answer: &JsValue) -> Array;
    fn stratus_request_body(data: &JsValue) -> Option<Uint8Array>;
}

fn string_field(data: &JsValue, name: &str) -> Result<String, String> {
    Reflect::get(data, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| format!("relayed request has no '{name}'"))
}

/// `{method, path, query, headers: [[name, value]...], body: ArrayBuffer|null}`.
pub fn request_from_js(data: &JsValue) -> Result<HttpRequest, String> {
    let mut request = match stratus_request_text(data) {
        Some(text) => {
            let mut parts = text.split('\n');
            let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            let mut request = HttpRequest::new(method, path);
            request.query = parts.next().unwrap_or_default().to_string();
            while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
                request.headers.push((name.to_string(), value.to_string()));
            }
            request
        }
        None => request_fields_from_js(data)?,
    };
    if let Some(body) = stratus_request_body(data) {
        request.body = body.to_vec();
    }
    Ok(request)
}

/// The long way: each field on its own.
fn request_fields_from_js(data: &JsValue) -> Result<HttpRequest, String> {
    let mut request = HttpRequest::new(&string_field(data, "method")?, &string_field(data, "path")?);
    request.query = string_field(data, "query").unwrap_or_default();
    if let Ok(headers) = Reflect::get(data, &"headers".into()) {
        if let Some(headers) = headers.dyn_ref::<Array>() {
            for pair in headers.iter() {
                let pair: Array = pair.unchecked_into();
                if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    request.headers.push((name, value));
                }
            }
        }
    }
    Ok(request)
}

/// `{status, headers: [[name, value]...], body: ArrayBuffer}`: the headers
/// cross as one text of lines and the body as a view of the wasm memory, both
/// read in one call (see above); a header holding a line break makes the
/// headers go the long way.
pub fn response_to_js(response: &HttpResponse) -> JsValue {
    let one_text = response.headers.iter().all(|(name, value)| !name.contains('\n') && !value.contains('\n'));
    if one_text {
        let mut text = String::new();
        for (name, value) in &response.headers {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(name);
            text.push('\n');
            text.push_str(value);
        }
        return stratus_response_object(response.status, text.as_bytes(), &response.body);
    }
    let answer = stratus_response_object(response.status, &[], &response.body);
    let headers = Array::new();
    for (name, value) in &response.headers {
        headers.push(&Array::of2(&name.into(), &value.into()));
    }
    let _ = Reflect::set(&answer, &"headers".into(), &headers);
    answer
}

/// What to transfer with an answer when posting it: its body's buffer, so
/// that it is not copied again.
pub fn transfer_list(answer: &JsValue) -> Array {
    stratus_transfer_list(answer)
}

/// The in-page door to the cloud, for benchmarks and the fast lane:
/// `window.wasmBindings.stratus_handle({method, path, query, headers, body})`
/// answers `{status, headers, body}` through `Cloud::handle` in this tab,
/// without the service worker. Only the owner tab answers.
#[wasm_bindgen]
pub async fn stratus_handle(request: JsValue) -> Result<JsValue, JsValue> {
    if !super::boot::is_owner() {
        return Err(JsValue::from_str("this tab does not own the Stratus cloud"));
    }
    let request = request_from_js(&request).map_err(|e| JsValue::from_str(&e))?;
    let response = super::cloud().handle(request).await;
    Ok(response_to_js(&response))
}
