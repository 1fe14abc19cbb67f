//! The whole account as one file: export, import and reset.
//!
//! Import and reset stop this tab from answering, wait for writes in flight,
//! replace the stored state in one IndexedDB transaction and reload the page,
//! so the cloud starts again from exactly what was stored. An import file is
//! checked completely (format, version, every entry, and a trial load into a
//! scratch cloud) before anything is replaced.

use super::boot;
use crate::engine::{export, Cloud};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

fn store() -> Result<super::store::GroupStore, String> {
    boot::store().ok_or_else(|| "this tab does not own the cloud".to_string())
}

/// The export file of everything stored, and how many entries it holds.
pub async fn export_file() -> Result<(Vec<u8>, usize), String> {
    let store = store()?;
    // Everything acknowledged is committed before it is read.
    while !store.idle() {
        boot::sleep_ms(5).await;
    }
    let raw = store.db().load_all(5000, |_| {}).await.map_err(|e| e.to_string())?;
    let entries = crate::engine::store::replay(raw)?;
    let file = export::export(&entries, js_sys::Date::now() as u64)?;
    Ok((file, entries.len()))
}

/// Offers `bytes` to the user as a downloaded file.
pub fn download(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js_error)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

fn js_error(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
}

/// Reads a file the user picked.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.map_err(js_error)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Checks an export file completely; answers (tables, items) it holds.
pub fn check_import(file: &[u8]) -> Result<(Vec<(String, Vec<u8>)>, usize, usize), String> {
    let entries = export::import(file)?;
    let scratch = Cloud::new(Rc::new(super::BrowserClock));
    let restored = scratch.restore(&entries)?;
    Ok((entries, restored.tables, restored.items))
}

/// Replaces everything stored with `entries`, then reloads the page.
pub async fn replace_and_reload(entries: Vec<(String, Vec<u8>)>) -> Result<(), String> {
    let store = store()?;
    boot::stop_serving();
    store.stop_folding();
    while !store.idle() {
        boot::sleep_ms(5).await;
    }
    store.db().replace_all(&entries).await.map_err(|e| e.to_string())?;
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
    Ok(())
}
