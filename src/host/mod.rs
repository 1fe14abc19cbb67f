//! Browser glue (wasm32 only): everything the engine needs from the browser
//! comes through here, and nothing here decides how a service behaves.
//!
//! * [`idb`]: IndexedDB, where the engine's state is kept durable;
//! * [`store`]: the engine's `Store` on IndexedDB, with group commit.
//! * [`wasm`]: the browser's own WebAssembly engine, for functions' modules.
//! * [`account`]: export, import and reset of the whole account;
//! * [`boot`]: ownership (one tab owns the cloud), loading saved state;
//! * [`bridge`]: the service-worker relay that lets any page of this origin
//!   reach the cloud with `fetch()`;
//! * [`fastlane`]: the owner's side of the fast lane, a `MessagePort` per page
//!   (`public/stratus-client.js`) that bypasses the service worker.

pub mod account;
pub mod boot;
pub mod bridge;
pub mod fastlane;
pub mod idb;
pub mod store;
pub mod wasm;
pub mod wasm_engine;

use crate::engine::clock::Clock;
use crate::engine::Cloud;
use std::rc::Rc;

/// The browser's clock (`Date.now()`), plus however far the console has
/// fast-forwarded the engine (to watch time to live expire, or throttling
/// windows refill, without waiting).
pub struct BrowserClock;

thread_local! {
    static FAST_FORWARD_MS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl BrowserClock {
    /// Moves the engine's time forward by `ms`.
    pub fn fast_forward(ms: u64) {
        FAST_FORWARD_MS.with(|f| f.set(f.get() + ms));
    }

    /// Back to the browser's own time. (Time never runs backwards: the
    /// offset only shrinks as far as the engine has not yet seen.)
    pub fn reset() {
        FAST_FORWARD_MS.with(|f| f.set(0));
    }

    /// How far ahead of the browser's clock the engine is.
    pub fn offset_ms() -> u64 {
        FAST_FORWARD_MS.with(|f| f.get())
    }
}

impl Clock for BrowserClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64 + BrowserClock::offset_ms()
    }
}

thread_local! {
    static CLOUD: Rc<Cloud> = {
        let cloud = Cloud::new(Rc::new(BrowserClock));
        // Functions run on the browser's own WebAssembly engine, timed by
        // performance.now(); language runtimes are fetched on first use.
        cloud.set_wasm_engine(Rc::new(wasm_engine::BrowserEngine::new()));
        cloud.set_monotonic(wasm_engine::performance_monotonic());
        // Invoke URLs are this app's own `_api/<apiId>/`, answered through the service worker.
        if let Some(base) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()) {
            let base = base.split(['?', '#']).next().unwrap_or("").to_string();
            let dir = &base[..base.rfind('/').map(|i| i + 1).unwrap_or(base.len())];
            cloud.gateway().settings.endpoint_base = Some(format!("{dir}_api/"));
        }
        cloud.set_runtime_loader(Rc::new(|name: &str| {
            let url = format!("runtimes/{name}.wasm");
            Box::pin(fetch_bytes(url))
        }));
        // JWT issuers of other hosts (Cognito, Auth0, Okta): their discovery
        // documents and key sets, with the browser's fetch() (the issuer must
        // allow this origin, as theirs do).
        cloud.set_url_fetcher(Rc::new(|url: &str| {
            let url = url.to_string();
            Box::pin(async move {
                let prefix = format!("{url}: ");
                fetch_bytes(url).await.map_err(|e| e.strip_prefix(&prefix).map(str::to_string).unwrap_or(e))
            })
        }));
        cloud
    };
}

/// Fetches a file of the app (relative to the document's base URL).
async fn fetch_bytes(url: String) -> Result<Vec<u8>, String> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or("no window")?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url)).await.map_err(|e| format!("{url}: {e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(|e| format!("{url}: {e:?}"))?)
        .await
        .map_err(|e| format!("{url}: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The cloud this tab owns. The console and the relay share this one instance.
pub fn cloud() -> Rc<Cloud> {
    CLOUD.with(Rc::clone)
}

/// The app's base path without a trailing slash: `""` at the root of a host,
/// `"/stratus"` when the build's public URL is `/stratus/`. Read from the
/// document's `<base href>`, which trunk fills in from `--public-url`.
pub fn base_path() -> String {
    let base_uri = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    base_path_of(&base_uri)
}

/// `https://h/stratus/` -> `/stratus`; `https://h/` -> `""`.
pub fn base_path_of(base_uri: &str) -> String {
    let after_scheme = base_uri.split_once("://").map(|(_, rest)| rest).unwrap_or(base_uri);
    let path = after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    // The base is a directory: drop a file name such as `index.html`.
    let dir = &path[..path.rfind('/').map(|i| i + 1).unwrap_or(path.len())];
    dir.trim_end_matches('/').to_string()
}
