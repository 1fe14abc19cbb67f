//! Starting the tab's cloud: who owns it, loading saved state, serving.
//!
//! One tab owns the cloud at a time (Web Locks: the lock `stratus-owner:<base>`).
//! The owner loads the saved state from IndexedDB, attaches the IndexedDB
//! store, and answers the service worker. Another tab shows that the cloud is
//! open elsewhere and can take over: it asks the owner (BroadcastChannel) to
//! hand over; the owner stops answering, waits until its last writes are
//! committed, releases the lock and says so; only then does the new tab get
//! the lock and load, so it sees every acknowledged write.

use super::idb::IdbStore;
use super::store::GroupStore;
use crate::engine::Cloud;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

#[wasm_bindgen(inline_js = r#"
let release = null;
export function stratus_lock(name, ifAvailable, granted) {
  if (!navigator.locks) { granted(true); return; }
  navigator.locks.request(name, { ifAvailable }, (lock) => {
    if (!lock) { granted(false); return undefined; }
    return new Promise((resolve) => { release = resolve; granted(true); });
  });
}
export function stratus_unlock() {
  if (release) { const r = release; release = null; r(); }
}
"#)]
extern "C" {
    fn stratus_lock(name: &str, if_available: bool, granted: &Closure<dyn FnMut(bool)>);
    fn stratus_unlock();
}

/// What this tab's cloud is doing, for the console.
#[derive(Debug, Clone, PartialEq)]
pub enum CloudState {
    /// Waiting for the lock or opening the database.
    Starting,
    /// Loading saved state: entries read so far, of how many.
    Loading { done: usize, total: usize },
    /// This tab owns the cloud and answers requests.
    Ready { tables: usize, items: usize, load_ms: f64 },
    /// Another tab owns the cloud.
    Elsewhere,
    /// This tab handed the cloud to another tab.
    Moved,
    /// Loading failed; nothing is served.
    Failed(String),
}

thread_local! {
    static OWNER: Cell<bool> = const { Cell::new(false) };
    /// Becoming the owner: the lock is granted or a take-over was asked for,
    /// and loading is under way. The service worker waits for such a tab.
    static STARTING: Cell<bool> = const { Cell::new(false) };
    /// The cloud and base path this tab serves, for ownership changes.
    static SERVING: RefCell<Option<(Rc<Cloud>, String)>> = const { RefCell::new(None) };
    static STORE: RefCell<Option<GroupStore>> = const { RefCell::new(None) };
    static LISTENER: RefCell<Option<Rc<dyn Fn(CloudState)>>> = const { RefCell::new(None) };
    static CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

/// Whether this tab currently owns the cloud and may answer requests.
pub fn is_owner() -> bool {
    OWNER.with(Cell::get)
}

/// Whether this tab is about to own the cloud (so requests should wait for it).
pub fn is_starting() -> bool {
    STARTING.with(Cell::get)
}

fn set_starting(on: bool) {
    STARTING.with(|s| s.set(on));
}

/// Stops answering requests (before the stored state is replaced).
pub fn stop_serving() {
    OWNER.with(|o| o.set(false));
}

/// The IndexedDB store, once attached (for export, import and reset).
pub fn store() -> Option<GroupStore> {
    STORE.with(|s| s.borrow().clone())
}

fn tell(state: CloudState) {
    let listener = LISTENER.with(|l| l.borrow().clone());
    if let Some(l) = listener {
        l(state);
    }
}

fn names(base: &str) -> (String, String) {
    let scope = if base.is_empty() { "/" } else { base };
    (format!("stratus-owner:{scope}"), format!("stratus:{scope}"))
}

/// Starts the tab: becomes the owner if no other tab is, else reports
/// `Elsewhere`. `listener` hears every state change.
pub fn start(cloud: Rc<Cloud>, base: String, listener: Rc<dyn Fn(CloudState)>) {
    LISTENER.with(|l| *l.borrow_mut() = Some(listener));
    SERVING.with(|s| *s.borrow_mut() = Some((cloud.clone(), base.clone())));
    listen_for_takeover(&base);
    tell(CloudState::Starting);
    set_starting(true);
    request_ownership(cloud, base, true);
}

/// Asks the owning tab to hand over. This tab is already waiting for the
/// lock (see `request_ownership`), so it takes the cloud as soon as the owner
/// has released it.
pub fn take_over() {
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"takeover".into());
    CHANNEL.with(|c| {
        if let Some(c) = c.borrow().as_ref() {
            let _ = c.post_message(&message);
        }
    });
    set_starting(true);
    tell(CloudState::Starting);
}

/// Waits in line for the lock: when the owner closes or hands over, this
/// tab becomes the owner by itself.
fn wait_for_ownership() {
    if let Some((cloud, base)) = SERVING.with(|s| s.borrow().clone()) {
        request_ownership(cloud, base, false);
    }
}

fn request_ownership(cloud: Rc<Cloud>, base: String, if_available: bool) {
    let (lock, _) = names(&base);
    let granted = Closure::<dyn FnMut(bool)>::new(move |granted: bool| {
        if granted {
            set_starting(true);
            let cloud = cloud.clone();
            let base = base.clone();
            spawn_local(async move { become_owner(cloud, base).await });
        } else {
            set_starting(false);
            tell(CloudState::Elsewhere);
            wait_for_ownership();
        }
    });
    stratus_lock(&lock, if_available, &granted);
    granted.forget();
}

async fn become_owner(cloud: Rc<Cloud>, base: String) {
    let (_, db_name) = names(&base);
    let started = js_sys::Date::now();
    let db = match IdbStore::open(&db_name).await {
        Ok(db) => db,
        Err(e) => return fail(format!("could not open the browser's storage: {e}")),
    };
    let total = db.count().await.unwrap_or(0) as usize;
    tell(CloudState::Loading { done: 0, total });
    let raw = match db.load_all(5000, |done| tell(CloudState::Loading { done, total })).await {
        Ok(e) => e,
        Err(e) => return fail(format!("could not read the saved cloud: {e}")),
    };
    let (next_seq, unfolded) = match crate::engine::store::log_tail(&raw) {
        Ok(t) => t,
        Err(e) => return fail(format!("the saved cloud could not be loaded: {e}")),
    };
    let entries = match crate::engine::store::replay(raw) {
        Ok(e) => e,
        Err(e) => return fail(format!("the saved cloud could not be loaded: {e}")),
    };
    let restored = match cloud.restore(&entries) {
        Ok(r) => r,
        Err(e) => return fail(format!("the saved cloud could not be loaded: {e}")),
    };
    let store = GroupStore::new(db, next_seq, unfolded);
    cloud.set_store(Rc::new(store.clone()));
    STORE.with(|s| *s.borrow_mut() = Some(store));
    OWNER.with(|o| o.set(true));
    set_starting(false);
    super::bridge::announce_owner_now();
    tell(CloudState::Ready { tables: restored.tables, items: restored.items, load_ms: js_sys::Date::now() - started });
    // Compile the saved functions' modules in the background, so that their
    // first invocations need not, and run queued work (asynchronous
    // invocations and their retries) while this tab owns the cloud.
    let compiling = cloud.clone();
    spawn_local(async move { compiling.compile_functions().await });
    start_ticker(cloud);
}

thread_local! {
    static TICKING: Cell<bool> = const { Cell::new(false) };
}

/// Every 200 ms, while this tab owns the cloud, runs the work that is due
/// without a request (`Cloud::tick`). One ticker per tab.
fn start_ticker(cloud: Rc<Cloud>) {
    if TICKING.with(|t| t.replace(true)) {
        return;
    }
    spawn_local(async move {
        loop {
            sleep_ms(200).await;
            if is_owner() {
                cloud.tick().await;
            }
        }
    });
}

fn fail(message: String) {
    OWNER.with(|o| o.set(false));
    set_starting(false);
    stratus_unlock();
    tell(CloudState::Failed(message));
}

/// The owner hands over when another tab asks: it stops answering, lets its
/// last commits finish, then releases the lock.
fn listen_for_takeover(base: &str) {
    let (_, db_name) = names(base);
    let Ok(channel) = web_sys::BroadcastChannel::new(&db_name) else { return };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let kind = js_sys::Reflect::get(&event.data(), &"type".into()).ok().and_then(|t| t.as_string());
        if kind.as_deref() == Some("takeover") && is_owner() {
            OWNER.with(|o| o.set(false));
            if let Some(s) = store() {
                s.stop_folding();
            }
            spawn_local(async {
                // Wait for the writes already acknowledged or in flight.
                while store().is_some_and(|s| !s.idle()) {
                    sleep_ms(5).await;
                }
                STORE.with(|s| *s.borrow_mut() = None);
                stratus_unlock();
                tell(CloudState::Moved);
                wait_for_ownership();
            });
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    CHANNEL.with(|c| *c.borrow_mut() = Some(channel));
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
