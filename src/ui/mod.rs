//! The Leptos console: one module per service page, shared widgets in
//! [`widgets`]. The console reaches the engine only through `Cloud::handle`,
//! with the same requests an AWS SDK would send.

pub mod api;
mod chart;
mod cloud_state;
mod cost;
pub mod editor;
mod metrics;
mod pages;
mod shell;
mod theme;
mod widgets;

use leptos::prelude::*;
use std::sync::OnceLock;

static BASE: OnceLock<String> = OnceLock::new();

/// A console path (`/tables`) as a link under the app's base URL
/// (`/stratus/tables`). leptos_router leaves absolute links as they are, so
/// every link and navigation goes through here.
pub fn href(path: &str) -> String {
    format!("{}{}", BASE.get().map(String::as_str).unwrap_or(""), path)
}

/// Starts the tab: the service-worker relay and the console, which starts the
/// cloud (ownership, loading saved state).
pub fn start() {
    let base = crate::host::base_path();
    let _ = BASE.set(base.clone());
    crate::host::bridge::start(crate::host::cloud(), &base);
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    mount_to_body(move || view! { <shell::App base=base.clone()/> });
}
