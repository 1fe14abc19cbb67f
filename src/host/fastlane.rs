//! The fast lane: pages of this origin that import `public/stratus-client.js`
//! talk to the tab that owns the cloud over a `MessagePort` of their own,
//! without the network stack or the service worker.
//!
//! A page cannot reach another tab directly, and a `BroadcastChannel` cannot
//! carry a `MessagePort` (its `postMessage` has no transfer list), so the
//! service worker introduces them once: the page posts one end of a
//! `MessageChannel` to the worker, the worker (which already knows the owner
//! tab, see `docs/service-worker.md`) transfers it to this tab, and from then on
//! every request and answer goes over that port. This module is the owner's
//! side; the protocol is written down in `docs/fast-lane.md`.
//!
//! * Each connection holds a Web Lock named after it (`stratus-fastlane:<id>`)
//!   for as long as this document lives; the page waits for the same lock, so
//!   it learns at once when this tab goes away with requests unanswered.
//! * Every request message gets exactly one answer on its port while this
//!   document lives: the response, or `{id, notOwner: true}` when this tab
//!   does not own the cloud (the request was not handled: the page sends it
//!   to the new owner).
//! * When this tab stops owning the cloud (a take-over), it answers what it
//!   had accepted, then says `{type: "bye"}` on every connection, so pages
//!   connect to the new owner for their next requests. When the page itself
//!   goes (a reload, the tab closing: `pagehide`), it says `{type: "bye",
//!   lost: [ids]}` with the requests it had accepted and will not answer; the
//!   others were never handled, and the page sends them to the next owner.
//! * The service worker relays every `fetch()` over a connection of its own
//!   (`worker: true`), made the same way but without an introducer.
//! * If this app fails (the wasm traps), a message that cannot be handled is
//!   answered `{type: "broken"}`.
//!
//! Requests are answered exactly as the worker's relayed ones are
//! ([`super::bridge::answer`]), answer bodies transferred, not copied.

use super::boot::{is_owner, sleep_ms};
use crate::engine::Cloud;
use js_sys::{Array, Object, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{MessageEvent, MessagePort};

#[wasm_bindgen(inline_js = r#"
export function stratus_fastlane_hold(name, held) {
  // Holds the Web Lock `name` until release() is called or this document
  // goes away; calls held(release) once it is held (held(undefined) where
  // there is no Web Locks API: the page then cannot watch this tab).
  if (!navigator.locks) { held(undefined); return; }
  navigator.locks.request(name, () => new Promise((release) => held(release))).catch(() => {});
}
export function stratus_fastlane_listen(port, handler) {
  // If this app has failed (a trap leaves the wasm unusable), say so rather
  // than leave the other side waiting for answers that will not come.
  port.onmessage = (event) => {
    try {
      handler(event);
    } catch (e) {
      try { port.postMessage({ type: "broken", message: String(e) }); } catch (_) {}
    }
  };
}
"#)]
extern "C" {
    fn stratus_fastlane_hold(name: &str, held: &JsValue);
    fn stratus_fastlane_listen(port: &MessagePort, handler: &JsValue);
}

/// How often the owner checks whether it still owns the cloud while pages
/// are connected (to say goodbye after a take-over).
const WATCH_MS: i32 = 100;
/// How long a connection stays open after `bye` (for the requests already on
/// their way), once it has no request in flight.
const BYE_GRACE_MS: f64 = 10_000.0;
/// Connections beyond this many: the oldest idle one is told `bye`. A port
/// does not say when its other end has gone (Chromium fires no `close` on
/// MessagePort), so connections of pages that went away would otherwise pile up.
const MAX_CONNECTIONS: usize = 64;

struct Connection {
    key: u64,
    port: MessagePort,
    /// Releases the connection's Web Lock (undefined without Web Locks).
    release: JsValue,
    /// Ids of the requests accepted and not answered yet.
    accepted: Accepted,
    /// When `{type: "bye"}` was sent (`Date.now()`), if it was.
    bye_at: Option<f64>,
    /// The service worker's connection (its relay), not a page's.
    worker: bool,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

type Accepted = Rc<RefCell<Vec<JsValue>>>;

impl Connection {
    fn idle(&self) -> bool {
        self.accepted.borrow().is_empty()
    }

    fn say_bye(&mut self) {
        if self.bye_at.is_none() {
            let _ = self.port.post_message(&message("bye"));
            self.bye_at = Some(js_sys::Date::now());
        }
    }
}

thread_local! {
    static CONNECTIONS: RefCell<Vec<Connection>> = const { RefCell::new(Vec::new()) };
    static NEXT_KEY: Cell<u64> = const { Cell::new(1) };
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    /// The page is being hidden or unloaded (`pagehide`): no request is
    /// started any more.
    static LEAVING: Cell<bool> = const { Cell::new(false) };
    static PAGE_EVENTS: Cell<bool> = const { Cell::new(false) };
}

fn message(kind: &str) -> Object {
    let m = Object::new();
    let _ = Reflect::set(&m, &"type".into(), &kind.into());
    m
}

/// A page's port, handed over by the service worker with
/// `{type: "stratus:fastlane", connection}`. Answers `{type: "not-owner"}`
/// if this tab does not own the cloud, else takes the connection's lock and
/// answers `{type: "ready"}`.
pub fn accept(cloud: Rc<Cloud>, data: &JsValue, port: MessagePort) {
    let connection = Reflect::get(data, &"connection".into()).ok().and_then(|c| c.as_string()).unwrap_or_default();
    let worker = Reflect::get(data, &"worker".into()).ok().and_then(|w| w.as_bool()).unwrap_or(false);
    let sane = !connection.is_empty() && connection.len() <= 100 && connection.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !is_owner() || !sane {
        let _ = port.post_message(&message(if sane { "not-owner" } else { "bad-connection" }));
        port.close();
        return;
    }
    let held = Closure::once_into_js(move |release: JsValue| {
        if !is_owner() {
            // Lost the cloud while waiting for the lock (it is not normally contended).
            if let Some(release) = release.dyn_ref::<js_sys::Function>() {
                let _ = release.call0(&JsValue::NULL);
            }
            let _ = port.post_message(&message("not-owner"));
            port.close();
            return;
        }
        open(cloud, port, release, worker);
    });
    stratus_fastlane_hold(&format!("stratus-fastlane:{connection}"), &held);
}

/// Starts serving a connection whose lock is held.
fn open(cloud: Rc<Cloud>, port: MessagePort, release: JsValue, worker: bool) {
    listen_for_leaving();
    let key = NEXT_KEY.with(|k| k.replace(k.get() + 1));
    let accepted: Accepted = Rc::new(RefCell::new(Vec::new()));
    let on_message = {
        let port = port.clone();
        let accepted = accepted.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| serve(&cloud, &port, &accepted, key, event))
    };
    stratus_fastlane_listen(&port, on_message.as_ref());
    let _ = port.post_message(&message("ready"));
    CONNECTIONS.with(|c| {
        let mut c = c.borrow_mut();
        // One worker is active at a time: its earlier connections are from
        // before it was restarted or replaced.
        if worker {
            c.iter_mut().filter(|x| x.worker).for_each(Connection::say_bye);
        }
        if c.iter().filter(|x| x.bye_at.is_none()).count() >= MAX_CONNECTIONS {
            if let Some(oldest) = c.iter_mut().find(|x| x.bye_at.is_none() && x.idle()) {
                oldest.say_bye();
            }
        }
        c.push(Connection { key, port, release, accepted, bye_at: None, worker, _on_message: on_message });
    });
    watch();
}

/// When the page goes (reload, close, navigation: `pagehide`), says `bye` on
/// every connection with the ids of the requests it accepted and will not
/// answer now; if it comes back (from the back-forward cache), it serves
/// again (its connections are gone by then: pages connect anew).
fn listen_for_leaving() {
    if PAGE_EVENTS.with(|p| p.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let on_hide = Closure::<dyn FnMut(JsValue)>::new(|_| {
        LEAVING.with(|l| l.set(true));
        CONNECTIONS.with(|c| {
            for connection in c.borrow_mut().iter_mut() {
                let bye = message("bye");
                let lost = Array::new();
                connection.accepted.borrow().iter().for_each(|id| {
                    lost.push(id);
                });
                let _ = Reflect::set(&bye, &"lost".into(), &lost);
                let _ = connection.port.post_message(&bye);
                connection.bye_at.get_or_insert(js_sys::Date::now());
            }
        });
    });
    let on_show = Closure::<dyn FnMut(JsValue)>::new(|_| LEAVING.with(|l| l.set(false)));
    if let Some(add) = Reflect::get(&window, &"addEventListener".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let _ = add.call2(&window, &"pagehide".into(), on_hide.as_ref());
        let _ = add.call2(&window, &"pageshow".into(), on_show.as_ref());
    }
    on_hide.forget();
    on_show.forget();
}

/// One message from a page: a request `{id, method, path, query, headers,
/// body}` or `{type: "close"}`.
fn serve(cloud: &Rc<Cloud>, port: &MessagePort, accepted: &Accepted, key: u64, event: MessageEvent) {
    let data = event.data();
    let id = Reflect::get(&data, &"id".into()).unwrap_or(JsValue::UNDEFINED);
    if id.is_undefined() {
        if Reflect::get(&data, &"type".into()).ok().and_then(|t| t.as_string()).as_deref() == Some("close") {
            // Not while this closure runs: closing drops it.
            spawn_local(async move { close(key) });
        }
        return;
    }
    if !is_owner() || LEAVING.with(Cell::get) {
        // Not handled: the page sends it to the owner.
        let answer = message("not-owner");
        let _ = Reflect::set(&answer, &"id".into(), &id);
        let _ = Reflect::set(&answer, &"notOwner".into(), &JsValue::TRUE);
        let _ = port.post_message(&answer);
        return;
    }
    accepted.borrow_mut().push(id.clone());
    let (cloud, port, accepted) = (cloud.clone(), port.clone(), accepted.clone());
    spawn_local(async move {
        let (answer, transfer) = super::bridge::answer(&cloud, &data).await;
        let _ = Reflect::set(&answer, &"id".into(), &id);
        if let Err(e) = port.post_message_with_transferable(&answer, &transfer) {
            web_sys::console::error_2(&"Stratus: could not answer a fast-lane request".into(), &e);
        }
        let mut accepted = accepted.borrow_mut();
        if let Some(i) = accepted.iter().position(|x| *x == id) {
            accepted.swap_remove(i);
        }
    });
}

/// Forgets a connection: closes its port and releases its lock.
fn close(key: u64) {
    let removed = CONNECTIONS.with(|c| {
        let mut c = c.borrow_mut();
        c.iter().position(|x| x.key == key).map(|i| c.remove(i))
    });
    if let Some(connection) = removed {
        connection.port.set_onmessage(None);
        connection.port.close();
        if let Some(release) = connection.release.dyn_ref::<js_sys::Function>() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// While pages are connected, notices when this tab stops owning the cloud
/// and says goodbye on each connection once its accepted requests are
/// answered (requests that arrive meanwhile are answered `notOwner`); closes
/// connections some time after their goodbye.
fn watch() {
    if WATCHING.with(|w| w.replace(true)) {
        return;
    }
    spawn_local(async {
        loop {
            sleep_ms(WATCH_MS).await;
            if CONNECTIONS.with(|c| c.borrow().is_empty()) {
                WATCHING.with(|w| w.set(false));
                return;
            }
            let owner = is_owner();
            let now = js_sys::Date::now();
            let expired: Vec<u64> = CONNECTIONS.with(|c| {
                let mut c = c.borrow_mut();
                for connection in c.iter_mut() {
                    if !owner && connection.idle() {
                        connection.say_bye();
                    }
                }
                c.iter()
                    .filter(|x| x.idle() && x.bye_at.is_some_and(|at| now - at > BYE_GRACE_MS))
                    .map(|x| x.key)
                    .collect()
            });
            expired.into_iter().for_each(close);
        }
    });
}
