//! Lambda: functions as nested WebAssembly modules (see docs/function-abi.md).

pub mod instrument;
pub mod wasm;
