//! The engine: every service's state and behaviour, in plain Rust.
//!
//! Invariants (see ARCHITECTURE.md):
//! * no browser types: no `web-sys`, `js-sys` or `wasm-bindgen` here, so the
//!   engine compiles and is tested natively with `cargo test`;
//! * one front door: [`Cloud::handle`] takes an [`HttpRequest`] shaped exactly
//!   as an AWS SDK sends it and returns the [`HttpResponse`] AWS would send;
//! * errors are always answered in the protocol's own format, never a panic.

pub mod clock;
pub mod cloud;
pub mod cloudwatch;
pub mod dynamodb;
pub mod export;
pub mod gateway;
pub mod http;
pub mod lambda;
pub mod logs;
pub mod metrics;
pub mod protocol;
pub mod store;

pub use cloud::{Cloud, ACCOUNT_ID, REGION};
pub use http::{HttpRequest, HttpResponse};
