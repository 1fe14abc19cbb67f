//! Stratus: a serverless cloud that runs in one browser tab.
//!
//! Three layers, each allowed to depend only on the ones above it in this list:
//!
//! * [`engine`]: pure Rust. Owns every service's state and answers AWS wire
//!   protocol requests through [`engine::Cloud::handle`]. No browser types; it is
//!   built and tested natively.
//! * `host` (wasm32 only): browser glue. IndexedDB, the browser's WebAssembly
//!   API, the service-worker relay. Talks to the engine only through `Cloud`.
//! * `ui` (wasm32 only): the Leptos console. Talks to the engine only through
//!   `Cloud::handle`, with the same requests an AWS SDK would send.

pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod host;

#[cfg(target_arch = "wasm32")]
pub mod ui;
