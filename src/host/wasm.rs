//! The browser's own WebAssembly engine, for functions' nested modules.
//!
//! Modules are compiled asynchronously (`WebAssembly.compile`): Chromium refuses
//! synchronous compilation of large modules on the main thread. A compiled
//! [`Module`] is kept and instantiated as often as environments are needed.

use js_sys::{Function, Object, Reflect, Uint8Array, WebAssembly};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use js_sys::WebAssembly::{Instance, Module};

/// A failure from the browser's WebAssembly engine, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmError(pub String);

impl std::fmt::Display for WasmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn js_message(value: JsValue) -> WasmError {
    let message = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    WasmError(message)
}

/// Compiles module bytes (validating them) without instantiating.
pub async fn compile(bytes: &[u8]) -> Result<Module, WasmError> {
    let buffer = Uint8Array::from(bytes);
    let module = JsFuture::from(WebAssembly::compile(&buffer)).await.map_err(js_message)?;
    Ok(module.unchecked_into())
}

/// Instantiates a compiled module with `imports` (`{module: {name: value}}`).
pub async fn instantiate(module: &Module, imports: &Object) -> Result<Instance, WasmError> {
    let instance = JsFuture::from(WebAssembly::instantiate_module(module, imports)).await.map_err(js_message)?;
    Ok(instance.unchecked_into())
}

/// The exported function `name` of an instance.
pub fn export_function(instance: &Instance, name: &str) -> Result<Function, WasmError> {
    Reflect::get(&instance.exports(), &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| WasmError(format!("the module has no exported function '{name}'")))
}

/// Builds an import object from `(module, name, value)` triples.
pub fn imports(entries: &[(&str, &str, &JsValue)]) -> Object {
    let root = Object::new();
    for (module, name, value) in entries {
        let namespace = Reflect::get(&root, &JsValue::from_str(module))
            .ok()
            .filter(|v| v.is_object())
            .unwrap_or_else(|| Object::new().into());
        let _ = Reflect::set(&namespace, &JsValue::from_str(name), value);
        let _ = Reflect::set(&root, &JsValue::from_str(module), &namespace);
    }
    root
}
