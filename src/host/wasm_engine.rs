//! The browser's own WebAssembly engine behind the Lambda service's
//! [`WasmEngine`] seam (`src/engine/lambda/wasm.rs`); natively the same seam
//! is `wasmi` (`src/engine/lambda/wasmi_engine.rs`), and both run the guest's
//! imports through one [`Imports`] object (`src/engine/lambda/wasi.rs`).
//!
//! * [`BrowserEngine::compile`] is `WebAssembly.compile` (asynchronous: it is
//!   how a function's module is compiled when it is deployed);
//!   [`BrowserEngine::compile_now`] is `new WebAssembly.Module`, which Chromium
//!   refuses on the main thread above a size limit (the error says so).
//! * The module's signatures are read from its bytes once, at compile time
//!   (`wasmparser`, which the engine already uses to instrument modules), so
//!   that every value crossing the boundary has its exact type: an `i64` is a
//!   `BigInt` both ways, `i32`, `f32` and `f64` are numbers.
//! * An instance is made synchronously (`new WebAssembly.Instance`). Each of
//!   its function imports is a small JavaScript function (the *shim*, in the
//!   `inline_js` below) that calls a Rust dispatcher of its instance with its
//!   import slot and its arguments (as they are when they are at most four
//!   plain numbers, else in an array); the dispatcher converts them, calls
//!   [`Imports::call`] with a [`Memory`] view of the instance's exported
//!   `memory` (its `buffer` is read again at every access, since growing the
//!   memory replaces it) and converts the results back. Chromium refuses a
//!   synchronous instance, too, of a module above 8 MB on the main thread:
//!   `instantiate` then fails with its reason. While a start function runs
//!   the instance does not exist yet, so host calls see an empty memory.
//!
//! # How a host stop crosses JavaScript
//!
//! A [`HostStop`] (`proc_exit`, the fuel check's timeout, a fatal error) must
//! unwind the guest's frames, which only an exception can do. It must not be
//! thrown from Rust (`wasm_bindgen::throw_val`): the exception would fly
//! through the dispatcher's Rust frames without running their destructors,
//! leaving `RefCell`s borrowed and Rust's shadow stack pointer moved. So the
//! dispatcher records the stop in the instance's cell and *returns* a marker
//! object; the shim sees the marker and throws it. Only JavaScript and guest
//! frames are unwound, up to [`Instance::call`], which calls the export with
//! `Function.prototype.apply` under wasm-bindgen's `catch` and turns the
//! exception back into [`Trap::Host`] with the recorded stop. Any other
//! exception is the guest's own trap ([`Trap::Guest`]: a `RuntimeError` such
//! as `unreachable`, or V8's `RangeError: Maximum call stack size exceeded`).
//!
//! A stack overflow is the other way an exception could cross Rust frames: a
//! guest that recurses deeply and calls the host at the bottom makes the
//! *host* run out of stack (without a check, that is what happens in most
//! such runs, often while the host has a `RefCell` borrowed). Before calling
//! Rust, the shim therefore checks that enough stack is left for the host
//! ([`HOST_STACK_HEADROOM`]) by spreading that many bytes of arguments into
//! an empty function, which V8 checks before it pushes them; if there is not,
//! the `RangeError` is thrown from the shim, among the guest's frames, and
//! the host never starts. The check costs time in proportion to its size (in
//! Chromium about 0.6 us for 8 KiB, 7 to 10 us for 128 KiB), so the cloud
//! call, whose work may need far more, asks for what its request needs once
//! it has read it ([`Memory::has_stack_for`], [`stack_bytes`]: 32 KiB for a
//! small DynamoDB request, up to 128 KiB); if that is not left, the call
//! ends the run with a host stop that says the stack was exceeded, before
//! its work starts. Should an exception cross the dispatcher anyway, the
//! instance notices (its count of host calls under way does not come back to
//! zero) and reports a fatal host stop saying so, rather than a guest trap.
//!
//! # Re-entrancy and lifetimes
//!
//! A host function may call, through the cloud, into another instance (a
//! function invoking another), whose guest may call the host again, and so
//! on. Nothing here holds a `RefCell` borrow across a call into JavaScript or
//! into [`Imports::call`]: per-instance state is in `Cell`s and a `OnceCell`,
//! and each instance has its own stop cell, so a nested instance's stop ends
//! only the nested call. The dispatcher closure and the shims live as long as
//! the instance (the [`Closure`] is kept in it); a call allocates nothing that
//! outlives it.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array, WebAssembly};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, TypeRef, ValType};

use crate::engine::lambda::wasi::Monotonic;
use crate::engine::lambda::wasm::{
    Compiling, HostStop, ImportId, Imports, Instance, Memory, Module, StackNeed, Trap, Val, WasmEngine,
};

/// How much of the browser's stack a host function may use: the shim refuses
/// to enter the host with less than this left (V8's whole stack is about
/// 984 KiB). It covers the dispatcher and [`Imports::call`] of every import
/// but the work of `stratus.call`: the WASI functions, the rest of the
/// `stratus` module, the fuel check, and `stratus.call` as far as reading
/// its request and asking for what its work needs ([`stack_bytes`]). A whole
/// shallow cloud call (GetItem, DescribeLimits) was measured to need 4 to
/// 6 KiB (`tests/e2e/host-stack.test.mjs`, docs/benchmarks-functions.md).
pub const HOST_STACK_HEADROOM: u32 = 8 * 1024;

/// What a DynamoDB request's work may need of the stack at least, however
/// shallow the request: its answer may hold items nested 32 levels deep. The
/// most measured for such a request was 22 KiB (a BatchGetItem of items
/// nested 20 and 31 levels deep; a PartiQL SELECT of them, 19 KiB).
pub const DYNAMO_STACK_BASE: u32 = 32 * 1024;

/// And for each level its request nests ([`StackNeed::Dynamo`]): the deepest
/// recursion measured per level, an expression's parentheses, took about
/// 470 bytes (47 KiB at the 100 levels the engine allows), a request's JSON
/// about 230 (27 KiB at 120 levels).
pub const DYNAMO_STACK_PER_LEVEL: u32 = 512;

/// What any other cloud call may need (other services, another function's
/// run, an API's integration): the most the check ever asks for, and more
/// than twice the most measured for the deepest request of any kind.
pub const CLOUD_CALL_STACK_HEADROOM: u32 = 128 * 1024;

/// The bytes of stack `stratus.call` checks are left before its work,
/// rounded up to 4 KiB (the shim keeps one argument list per size).
pub fn stack_bytes(need: StackNeed) -> u32 {
    let bytes = match need {
        StackNeed::Dynamo { levels } => {
            DYNAMO_STACK_BASE.saturating_add(levels.saturating_mul(DYNAMO_STACK_PER_LEVEL)).min(CLOUD_CALL_STACK_HEADROOM)
        }
        StackNeed::Cloud => CLOUD_CALL_STACK_HEADROOM,
    };
    bytes.div_ceil(4096) * 4096
}

#[wasm_bindgen(inline_js = r#"
// What a shim throws when its host function stopped the run; recognised by
// identity in Instance::call.
const STOP = Object.freeze({
  name: "StratusHostStop",
  message: "a Stratus host function ended the guest's run",
  toString() { return "StratusHostStop: a Stratus host function ended the guest's run"; },
});
export function stratus_wasm_stop() { return STOP; }
export function stratus_wasm_byte_length(buffer) { return buffer.byteLength; }

// Copies the guest's bytes [ptr, ptr + dst.length) into dst, a view of the
// host's own memory, or answers false when they are out of bounds; and the
// other way. One call each, where reading the buffer, its length, making a
// view and copying were four.
export function stratus_guest_read(memory, ptr, dst) {
  const buffer = memory.buffer;
  if (ptr + dst.length > buffer.byteLength) return false;
  dst.set(new Uint8Array(buffer, ptr, dst.length));
  return true;
}
export function stratus_guest_write(memory, ptr, src) {
  const buffer = memory.buffer;
  if (ptr + src.length > buffer.byteLength) return false;
  new Uint8Array(buffer, ptr, src.length).set(src);
  return true;
}

function nothing() {}
// Arrays whose spread takes that many bytes of stack, by size. Holey: V8
// spreads `new Array(n)` about four times faster than a packed array.
const rooms = new Map();
function room(bytes) {
  let list = rooms.get(bytes);
  if (list === undefined) {
    list = new Array(Math.ceil(bytes / 8));
    rooms.set(bytes, list);
  }
  return list;
}

// Whether `bytes` of stack are left here: spreading that many bytes of
// arguments into an empty function throws RangeError if not (V8 checks
// before it pushes them), and the error is caught here, in JavaScript.
export function stratus_stack_fits(bytes) {
  try {
    Reflect.apply(nothing, undefined, room(bytes));
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

// A guest's import: checks that the host has stack enough (spreading `room`
// throws RangeError here, in JavaScript, if not), then calls the instance's
// dispatcher with its slot and arguments, and throws STOP if it says so.
// An import whose parameters are at most four plain numbers (no i64, which
// crosses as a BigInt), `numbers`, calls `fast` with them as they are; the
// others call `dispatch` with an array of them (which costs an array and a
// crossing per argument).
export function stratus_wasm_import(dispatch, fast, slot, headroom, numbers) {
  const list = room(headroom);
  if (numbers) {
    return function (a, b, c, d) {
      Reflect.apply(nothing, undefined, list);
      const result = fast(slot, a, b, c, d);
      if (result === STOP) throw STOP;
      return result;
    };
  }
  return function (...args) {
    Reflect.apply(nothing, undefined, list);
    const result = dispatch(slot, args);
    if (result === STOP) throw STOP;
    return result;
  };
}
"#)]
extern "C" {
    fn stratus_wasm_stop() -> JsValue;
    fn stratus_wasm_import(
        dispatch: &Closure<ArrayDispatch>,
        fast: &Closure<NumbersDispatch>,
        slot: u32,
        headroom: u32,
        numbers: bool,
    ) -> Function;
    /// `buffer.byteLength` as a number (a 4 GiB memory does not fit
    /// js-sys's `u32`).
    fn stratus_wasm_byte_length(buffer: &JsValue) -> f64;
    fn stratus_guest_read(memory: &WebAssembly::Memory, ptr: u32, dst: &mut [u8]) -> bool;
    fn stratus_guest_write(memory: &WebAssembly::Memory, ptr: u32, src: &[u8]) -> bool;
    fn stratus_stack_fits(bytes: u32) -> bool;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The browser's monotonic clock, `performance.now()` in milliseconds, for
/// [`crate::engine::lambda::wasi::GuestServices::monotonic`]. Works in a
/// window and in a worker.
pub fn performance_monotonic() -> Monotonic {
    Rc::new(performance_now)
}

// ---------------------------------------------------------------------------
// The engine.

/// The browser's WebAssembly engine. Cheap: it holds only its name.
#[derive(Debug, Clone, Copy)]
pub struct BrowserEngine {
    name: &'static str,
}

impl Default for BrowserEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl BrowserEngine {
    pub fn new() -> Self {
        BrowserEngine { name: engine_name() }
    }
}

/// The JavaScript engine's name from the user agent, for reports.
fn engine_name() -> &'static str {
    let agent = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"userAgent".into()))
        .ok()
        .and_then(|agent| agent.as_string())
        .unwrap_or_default();
    if agent.contains("Firefox/") {
        "SpiderMonkey"
    } else if agent.contains("Chrome/") || agent.contains("Chromium/") {
        "V8"
    } else if agent.contains("Safari/") {
        "JavaScriptCore"
    } else {
        "browser"
    }
}

impl WasmEngine for BrowserEngine {
    fn compile(&self, bytes: Vec<u8>) -> Compiling {
        Box::pin(async move {
            let buffer = Uint8Array::from(&bytes[..]);
            let module = JsFuture::from(WebAssembly::compile(&buffer))
                .await
                .map_err(|e| format!("the module does not compile: {}", js_message(&e)))?;
            BrowserModule::wrap(module.unchecked_into(), &bytes)
        })
    }

    fn compile_now(&self, bytes: &[u8]) -> Result<Rc<dyn Module>, String> {
        let buffer = Uint8Array::from(bytes);
        let module = WebAssembly::Module::new(&buffer).map_err(|e| {
            if e.is_instance_of::<js_sys::RangeError>() {
                format!(
                    "the browser refuses to compile this module ({} bytes) synchronously on this \
                     thread: {}; it must be compiled ahead of time (WasmEngine::compile)",
                    bytes.len(),
                    js_message(&e)
                )
            } else {
                format!("the module does not compile: {}", js_message(&e))
            }
        })?;
        BrowserModule::wrap(module, bytes)
    }

    fn name(&self) -> &'static str {
        self.name
    }
}

// ---------------------------------------------------------------------------
// Signatures, read from the module's bytes.

/// A function type.
#[derive(Debug, PartialEq, Eq)]
struct Sig {
    params: Vec<ValType>,
    results: Vec<ValType>,
}

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |types: &[ValType]| types.iter().map(ValType::to_string).collect::<Vec<_>>().join(", ");
        write!(f, "({}) -> ({})", list(&self.params), list(&self.results))
    }
}

/// What an import is.
enum ImportKind {
    Func(Rc<Sig>),
    /// A memory, table, global or tag (refused at instantiation).
    Other,
}

/// The module's imports, in order, and its exported functions.
struct Shape {
    imports: Vec<(String, String, ImportKind)>,
    exports: HashMap<String, Rc<Sig>>,
}

impl Shape {
    fn read(bytes: &[u8]) -> Result<Shape, wasmparser::BinaryReaderError> {
        let mut types: Vec<Option<Rc<Sig>>> = Vec::new();
        // The function index space: imported functions, then defined ones.
        let mut funcs: Vec<Option<Rc<Sig>>> = Vec::new();
        let mut imports = Vec::new();
        let mut exported = Vec::new();
        let type_at = |types: &[Option<Rc<Sig>>], index: u32| types.get(index as usize).cloned().flatten();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::TypeSection(section) => {
                    for group in section {
                        for sub in group?.into_types() {
                            types.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(f) => {
                                    Some(Rc::new(Sig { params: f.params().to_vec(), results: f.results().to_vec() }))
                                }
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import?;
                        let kind = match import.ty {
                            TypeRef::Func(index) | TypeRef::FuncExact(index) => {
                                let sig = type_at(&types, index);
                                funcs.push(sig.clone());
                                sig.map_or(ImportKind::Other, ImportKind::Func)
                            }
                            _ => ImportKind::Other,
                        };
                        imports.push((import.module.to_string(), import.name.to_string(), kind));
                    }
                }
                Payload::FunctionSection(section) => {
                    for index in section {
                        funcs.push(type_at(&types, index?));
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export?;
                        if matches!(export.kind, ExternalKind::Func | ExternalKind::FuncExact) {
                            exported.push((export.name.to_string(), export.index));
                        }
                    }
                }
                _ => {}
            }
        }
        let exports = exported
            .into_iter()
            .filter_map(|(name, index)| Some((name, funcs.get(index as usize).cloned().flatten()?)))
            .collect();
        Ok(Shape { imports, exports })
    }
}

// ---------------------------------------------------------------------------
// Values.

/// A value from JavaScript, as the type `ty` the module declares.
fn from_js(value: &JsValue, ty: ValType) -> Result<Val, String> {
    let number = || value.as_f64().ok_or_else(|| format!("expected a number for an {ty}, got {value:?}"));
    Ok(match ty {
        // An i32 crosses as a number in its range; `as` only drops what a
        // conforming engine never sends.
        ValType::I32 => Val::I32(number()? as i32),
        ValType::I64 => {
            Val::I64(i64::try_from(value.clone()).map_err(|_| format!("expected a BigInt for an i64, got {value:?}"))?)
        }
        ValType::F32 => Val::F32(number()? as f32),
        ValType::F64 => Val::F64(number()?),
        other => return Err(format!("a {other} value cannot cross into the host")),
    })
}

fn to_js(value: Val) -> JsValue {
    match value {
        Val::I32(v) => JsValue::from(v),
        Val::I64(v) => JsValue::from(v), // a BigInt
        Val::F32(v) => JsValue::from(f64::from(v)),
        Val::F64(v) => JsValue::from(v),
    }
}

fn type_of(value: &Val) -> ValType {
    match value {
        Val::I32(_) => ValType::I32,
        Val::I64(_) => ValType::I64,
        Val::F32(_) => ValType::F32,
        Val::F64(_) => ValType::F64,
    }
}

/// The message of a JavaScript exception.
fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

// ---------------------------------------------------------------------------
// Memory.

/// The guest's exported memory (none while its start function runs, or if it
/// exports none). Its `buffer` is read at every access: growing the memory
/// detaches the old one.
struct GuestMemory<'a>(Option<&'a WebAssembly::Memory>);

impl GuestMemory<'_> {
    fn buffer(&self) -> Option<JsValue> {
        self.0.map(WebAssembly::Memory::buffer)
    }
}

impl Memory for GuestMemory<'_> {
    fn read(&self, ptr: u32, len: u32) -> Option<Vec<u8>> {
        if len == 0 {
            return (ptr as u64 <= self.size()).then(Vec::new);
        }
        let mut out = vec![0u8; len as usize];
        stratus_guest_read(self.0?, ptr, &mut out).then_some(out)
    }

    fn write(&mut self, ptr: u32, data: &[u8]) -> bool {
        if data.is_empty() {
            return ptr as u64 <= self.size();
        }
        self.0.is_some_and(|memory| stratus_guest_write(memory, ptr, data))
    }

    fn size(&self) -> u64 {
        self.buffer().map_or(0, |buffer| stratus_wasm_byte_length(&buffer) as u64)
    }

    fn has_stack_for(&self, need: StackNeed) -> bool {
        stratus_stack_fits(stack_bytes(need))
    }
}

// ---------------------------------------------------------------------------
// Modules and instances.

struct BrowserModule {
    module: WebAssembly::Module,
    shape: Rc<Shape>,
}

impl BrowserModule {
    /// The compiled `module` with the signatures read from its `bytes`.
    fn wrap(module: WebAssembly::Module, bytes: &[u8]) -> Result<Rc<dyn Module>, String> {
        let shape = Shape::read(bytes).map_err(|e| format!("the module's signatures cannot be read: {e}"))?;
        Ok(Rc::new(BrowserModule { module, shape: Rc::new(shape) }))
    }
}

/// One function import, by its slot (the shim's argument).
struct Link {
    id: ImportId,
    sig: Rc<Sig>,
    /// `module.name`, for messages.
    name: String,
}

/// What an instance's dispatcher shares with the instance.
struct Shared {
    imports: Rc<dyn Imports>,
    links: Vec<Link>,
    /// The exported memory, once the instance exists.
    memory: OnceCell<WebAssembly::Memory>,
    /// The stop a host function asked for, until `Instance::call` takes it.
    stop: Cell<Option<HostStop>>,
    /// Host calls under way (entered, not yet returned) and the slot of the
    /// last one entered: if an exception leaves the guest while some are,
    /// it went through the dispatcher's Rust frames.
    in_host: Cell<u32>,
    last_slot: Cell<u32>,
}

/// An instance's dispatchers, as the shims call them: an import's slot, and
/// its arguments in an array, or as [`FAST_ARITY`] numbers.
type ArrayDispatch = dyn Fn(u32, Array) -> JsValue;
type NumbersDispatch = dyn Fn(u32, f64, f64, f64, f64) -> JsValue;

/// How many arguments the shim's fast way passes (its `a, b, c, d`).
const FAST_ARITY: usize = 4;

/// Whether an import crosses the fast way (`numbers` in the shim): at most
/// [`FAST_ARITY`] parameters, none of them an i64 (a BigInt).
fn crosses_as_numbers(sig: &Sig) -> bool {
    sig.params.len() <= FAST_ARITY && sig.params.iter().all(|t| matches!(t, ValType::I32 | ValType::F32 | ValType::F64))
}

/// A guest's argument that came as a plain number, as the declared type.
fn from_number(value: f64, ty: ValType) -> Val {
    match ty {
        // The engine sends an i32 as a number in its range.
        ValType::I32 => Val::I32(value as i32),
        ValType::F32 => Val::F32(value as f32),
        _ => Val::F64(value),
    }
}

impl Shared {
    /// Answers the guest's call of import `slot` with the arguments `args`
    /// gives for its signature: the results for the shim, or the stop
    /// marker, which the shim throws. Never throws itself.
    fn dispatch(&self, slot: u32, args: impl FnOnce(&Link) -> Result<Vec<Val>, String>) -> JsValue {
        let pending = self.stop.take();
        if pending.is_some() {
            // The guest caught the stop (it cannot without exception
            // handling, which the ABI does not allow) and went on: stop again.
            self.stop.set(pending);
            return stratus_wasm_stop();
        }
        self.in_host.set(self.in_host.get() + 1);
        self.last_slot.set(slot);
        let result = self.answer(slot, args);
        self.in_host.set(self.in_host.get() - 1);
        match result {
            Ok(value) => value,
            Err(stop) => {
                self.stop.set(Some(stop));
                stratus_wasm_stop()
            }
        }
    }

    fn answer(&self, slot: u32, args: impl FnOnce(&Link) -> Result<Vec<Val>, String>) -> Result<JsValue, HostStop> {
        let Some(link) = self.links.get(slot as usize) else {
            return Err(HostStop::Fatal(format!("import slot {slot} does not exist")));
        };
        let values = args(link).map_err(|e| HostStop::Fatal(format!("{}: {e}", link.name)))?;
        let mut memory = GuestMemory(self.memory.get());
        let out = self.imports.call(link.id, &values, &mut memory)?;
        let expected = &link.sig.results;
        if out.len() != expected.len() || out.iter().zip(expected).any(|(v, t)| type_of(v) != *t) {
            return Err(HostStop::Fatal(format!(
                "host function #{} returned {:?} where its import {} expects {}",
                link.id, out, link.name, link.sig
            )));
        }
        Ok(match &out[..] {
            [] => JsValue::UNDEFINED,
            [one] => to_js(*one),
            many => many.iter().map(|v| to_js(*v)).collect::<Array>().into(),
        })
    }

    /// The slow way: the arguments in an array, each converted by its type.
    fn dispatch_array(&self, slot: u32, args: &Array) -> JsValue {
        self.dispatch(slot, |link| {
            link.sig.params.iter().enumerate().map(|(i, ty)| from_js(&args.get(i as u32), *ty)).collect()
        })
    }

    /// The fast way: up to [`FAST_ARITY`] numbers, as they came.
    fn dispatch_numbers(&self, slot: u32, numbers: [f64; FAST_ARITY]) -> JsValue {
        self.dispatch(slot, |link| {
            Ok(link.sig.params.iter().zip(numbers).map(|(ty, value)| from_number(value, *ty)).collect())
        })
    }
}

impl Module for BrowserModule {
    fn instantiate(&self, imports: Rc<dyn Imports>) -> Result<Box<dyn Instance>, String> {
        let mut links: Vec<Link> = Vec::new();
        let mut slots: HashMap<(&str, &str), usize> = HashMap::new();
        for (module, name, kind) in &self.shape.imports {
            let ImportKind::Func(sig) = kind else {
                return Err(format!(
                    "import {module}.{name} is not a function; a function module may import only functions"
                ));
            };
            if let Some(&slot) = slots.get(&(module.as_str(), name.as_str())) {
                // One JavaScript value answers both imports of a name.
                if links[slot].sig != *sig {
                    return Err(format!("import {module}.{name} is imported twice with different signatures"));
                }
                continue;
            }
            let Some(id) = imports.resolve(module, name) else {
                return Err(format!("import {module}.{name}: the host has no such function"));
            };
            slots.insert((module, name), links.len());
            links.push(Link { id, sig: sig.clone(), name: format!("{module}.{name}") });
        }

        let shared = Rc::new(Shared {
            imports,
            links,
            memory: OnceCell::new(),
            stop: Cell::new(None),
            in_host: Cell::new(0),
            last_slot: Cell::new(0),
        });
        let dispatch = {
            let shared = shared.clone();
            Closure::<ArrayDispatch>::new(move |slot: u32, args: Array| shared.dispatch_array(slot, &args))
        };
        let fast = {
            let shared = shared.clone();
            Closure::<NumbersDispatch>::new(move |slot: u32, a: f64, b: f64, c: f64, d: f64| {
                shared.dispatch_numbers(slot, [a, b, c, d])
            })
        };
        let import_object = Object::new();
        for ((module, name), slot) in &slots {
            let namespace = match Reflect::get(&import_object, &JsValue::from_str(module)) {
                Ok(namespace) if namespace.is_object() => namespace,
                _ => {
                    let namespace: JsValue = Object::new().into();
                    Reflect::set(&import_object, &JsValue::from_str(module), &namespace).map_err(|e| js_message(&e))?;
                    namespace
                }
            };
            let numbers = crosses_as_numbers(&shared.links[*slot].sig);
            let shim = stratus_wasm_import(&dispatch, &fast, *slot as u32, HOST_STACK_HEADROOM, numbers);
            Reflect::set(&namespace, &JsValue::from_str(name), &shim).map_err(|e| js_message(&e))?;
        }

        let instance =
            WebAssembly::Instance::new(&self.module, &import_object).map_err(|e| match shared.stop.take() {
                Some(stop) => format!("instantiation stopped: {stop:?}"),
                None => format!("instantiation failed: {}", js_message(&e)),
            })?;
        let exports = instance.exports();
        if let Some(memory) =
            Reflect::get(&exports, &"memory".into()).ok().and_then(|m| m.dyn_into::<WebAssembly::Memory>().ok())
        {
            let _ = shared.memory.set(memory);
        }
        let mut functions = HashMap::new();
        for (name, sig) in &self.shape.exports {
            if let Some(function) =
                Reflect::get(&exports, &JsValue::from_str(name)).ok().and_then(|f| f.dyn_into::<Function>().ok())
            {
                functions.insert(name.clone(), (function, sig.clone()));
            }
        }
        Ok(Box::new(BrowserInstance { functions, shared, _dispatch: (dispatch, fast), _instance: instance }))
    }
}

struct BrowserInstance {
    /// The exported functions with their signatures.
    functions: HashMap<String, (Function, Rc<Sig>)>,
    shared: Rc<Shared>,
    /// Kept alive as long as the instance: the shims call them.
    _dispatch: (Closure<ArrayDispatch>, Closure<NumbersDispatch>),
    _instance: WebAssembly::Instance,
}

impl BrowserInstance {
    fn memory(&self) -> GuestMemory<'_> {
        GuestMemory(self.shared.memory.get())
    }
}

impl Instance for BrowserInstance {
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let Some((function, sig)) = self.functions.get(name) else {
            return Err(Trap::Host(HostStop::Fatal(format!("the module exports no function {name}"))));
        };
        if args.len() != sig.params.len() || args.iter().zip(&sig.params).any(|(v, t)| type_of(v) != *t) {
            return Err(Trap::Host(HostStop::Fatal(format!(
                "{name} takes {:?} but was called with {:?}",
                sig.params,
                args.iter().map(type_of).collect::<Vec<_>>()
            ))));
        }
        let js_args: Array = args.iter().map(|v| to_js(*v)).collect();

        let shared = &self.shared;
        shared.stop.set(None);
        let in_host = shared.in_host.get();
        let outcome = function.apply(&JsValue::UNDEFINED, &js_args);
        let stop = shared.stop.take();
        if shared.in_host.get() != in_host {
            // An exception left host frames without returning through them.
            shared.in_host.set(in_host);
            let import = shared.links.get(shared.last_slot.get() as usize).map_or("?", |l| l.name.as_str());
            let reason = outcome.err().map_or_else(|| "an exception".to_string(), |e| js_message(&e));
            return Err(Trap::Host(HostStop::Fatal(format!(
                "{reason} inside the host function {import}; the host may be left inconsistent"
            ))));
        }
        if let Some(stop) = stop {
            return Err(Trap::Host(stop));
        }
        let value = match outcome {
            Ok(value) => value,
            Err(e) if e == stratus_wasm_stop() => {
                return Err(Trap::Host(HostStop::Fatal("a host stop was thrown without its reason".to_string())))
            }
            Err(e) => return Err(Trap::Guest(js_message(&e))),
        };
        let values: Vec<JsValue> = match sig.results.len() {
            0 => Vec::new(),
            1 => vec![value],
            _ => value.dyn_into::<Array>().map(|a| a.iter().collect()).unwrap_or_default(),
        };
        if values.len() != sig.results.len() {
            return Err(Trap::Host(HostStop::Fatal(format!(
                "{name} returned {} values, not {}",
                values.len(),
                sig.results.len()
            ))));
        }
        values
            .iter()
            .zip(&sig.results)
            .map(|(v, t)| from_js(v, *t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Trap::Host(HostStop::Fatal(format!("{name}: {e}"))))
    }

    fn has_function(&self, name: &str) -> bool {
        self.functions.contains_key(name)
    }

    fn read_memory(&self, ptr: u32, len: u32) -> Option<Vec<u8>> {
        self.shared.memory.get()?;
        self.memory().read(ptr, len)
    }

    fn write_memory(&mut self, ptr: u32, data: &[u8]) -> bool {
        self.shared.memory.get().is_some() && self.memory().write(ptr, data)
    }

    fn memory_size(&self) -> u64 {
        self.memory().size()
    }

    fn grow_memory_to(&mut self, bytes: u64) -> bool {
        let Some(memory) = self.shared.memory.get() else { return false };
        let have = self.memory().size();
        if have >= bytes {
            return true;
        }
        let pages = (bytes - have).div_ceil(65_536) as u32;
        // Through Reflect, so that a refusal (RangeError) is a value, not a throw through Rust.
        Reflect::get(memory, &"grow".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .is_some_and(|grow| grow.call1(memory, &JsValue::from(pages)).is_ok())
    }

    fn globals(&self, prefix: &str) -> Vec<(String, Val)> {
        let exports = self._instance.exports();
        Object::keys(&exports)
            .iter()
            .filter_map(|k| k.as_string())
            .filter(|name| name.starts_with(prefix))
            .filter_map(|name| {
                let global = Reflect::get(&exports, &JsValue::from_str(&name)).ok()?.dyn_into::<WebAssembly::Global>().ok()?;
                let value = Reflect::get(&global, &"value".into()).ok()?;
                let v = if value.is_bigint() {
                    Val::I64(i64::try_from(value).ok()?)
                } else {
                    let n = value.as_f64()?;
                    if n.fract() == 0.0 && (i32::MIN as f64..=i32::MAX as f64).contains(&n) { Val::I32(n as i32) } else { Val::F64(n) }
                };
                Some((name, v))
            })
            .collect()
    }

    fn set_global(&mut self, name: &str, value: Val) -> bool {
        let exports = self._instance.exports();
        Reflect::get(&exports, &JsValue::from_str(name))
            .ok()
            .and_then(|g| g.dyn_into::<WebAssembly::Global>().ok())
            .is_some_and(|g| Reflect::set(&g, &"value".into(), &to_js(value)).unwrap_or(false))
    }
}
