//! Lambda: functions as nested WebAssembly modules (see docs/function-abi.md).

pub mod instrument;
pub mod wasi;
pub mod wasm;
#[cfg(not(target_arch = "wasm32"))]
pub mod wasmi_engine;
