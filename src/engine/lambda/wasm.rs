//! The `WasmEngine` seam: how the Lambda service runs a function's module
//! without knowing which WebAssembly engine runs it.
//!
//! In the browser the host implements it with the browser's own WebAssembly
//! API (`src/host/wasm_engine.rs`); natively, for tests and benchmarks,
//! [`super::wasmi_engine`] implements it with `wasmi`. The guest's imports are
//! answered by an [`Imports`] object that the Lambda service builds (WASI and
//! the `stratus` module, [`super::wasi`]), so both engines share one
//! implementation of the ABI in `docs/function-abi.md`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// A WebAssembly value crossing the boundary (the number types only: the ABI
/// passes no references).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

/// Why a host function ended the run instead of returning to the guest.
#[derive(Debug, Clone, PartialEq)]
pub enum HostStop {
    /// `proc_exit(code)`.
    Exit(i32),
    /// The fuel check found the deadline passed.
    Timeout,
    /// Any other reason, with the message to report.
    Fatal(String),
}

/// How a call into the guest ended when it did not return normally.
#[derive(Debug, Clone, PartialEq)]
pub enum Trap {
    /// A host function stopped the run.
    Host(HostStop),
    /// The guest trapped (unreachable, out-of-bounds access, stack overflow,
    /// ...); the engine's message.
    Guest(String),
}

/// The guest's linear memory, as a host function sees it during a call.
pub trait Memory {
    /// The bytes `[ptr, ptr + len)`, or `None` when out of bounds.
    fn read(&self, ptr: u32, len: u32) -> Option<Vec<u8>>;
    /// Writes `data` at `ptr`; `false` when out of bounds.
    fn write(&mut self, ptr: u32, data: &[u8]) -> bool;
    /// The memory's current size in bytes.
    fn size(&self) -> u64;
    /// Whether the host has stack enough left, below the guest's call, for
    /// work that needs `need`. Engines whose host functions run on a stack
    /// of their own (wasmi's host is native code) always have; the browser's
    /// share one stack with the guest's frames, and check, so that the host
    /// never runs out of it half way through its work.
    fn has_stack_for(&self, need: StackNeed) -> bool {
        let _ = need;
        true
    }
}

/// How much stack a host function's work may take below the guest's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackNeed {
    /// A DynamoDB request whose work recurses at most `levels` levels deep
    /// (its JSON's nesting, its expressions' parentheses and NOTs, its
    /// statements' nested literals: see `wasi::stack_need`). The engine's
    /// own bounds cap what it accepts.
    Dynamo { levels: u32 },
    /// Anything else the cloud answers: other services, other functions'
    /// runs (whose guests check again at their own calls).
    Cloud,
}

/// Which import an [`Imports`] object answers: resolved once per instance so
/// that calls do not compare strings.
pub type ImportId = u32;

/// The host side of one instance: resolves and answers the guest's imports.
pub trait Imports {
    /// The id of the host function for `module.name`, or `None` if the host
    /// has no such function (the module is then refused).
    fn resolve(&self, module: &str, name: &str) -> Option<ImportId>;
    /// Calls host function `id` with `args`; `memory` is the guest's memory.
    fn call(&self, id: ImportId, args: &[Val], memory: &mut dyn Memory) -> Result<Vec<Val>, HostStop>;
}

/// A module compiled by the engine, ready to be instantiated many times.
pub trait Module {
    /// A new instance whose imports `imports` answers.
    fn instantiate(&self, imports: Rc<dyn Imports>) -> Result<Box<dyn Instance>, String>;
}

/// A live instance.
pub trait Instance {
    /// Calls the exported function `name`.
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap>;
    /// Whether the instance exports a function called `name`.
    fn has_function(&self, name: &str) -> bool;
    /// Reads from the exported memory (outside a call).
    fn read_memory(&self, ptr: u32, len: u32) -> Option<Vec<u8>>;
    /// Writes to the exported memory (outside a call).
    fn write_memory(&mut self, ptr: u32, data: &[u8]) -> bool;
    /// The exported memory's current size in bytes.
    fn memory_size(&self) -> u64;
    /// Grows the exported memory to at least `bytes` (whole pages); `false`
    /// if it cannot.
    fn grow_memory_to(&mut self, bytes: u64) -> bool;
    /// The exported globals whose names start with `prefix`, with their values.
    fn globals(&self, prefix: &str) -> Vec<(String, Val)>;
    /// Sets an exported mutable global; `false` if there is none of that name and type.
    fn set_global(&mut self, name: &str, value: Val) -> bool;
}

/// A compile in progress (the browser compiles asynchronously).
pub type Compiling = Pin<Box<dyn Future<Output = Result<Rc<dyn Module>, String>>>>;

/// A WebAssembly engine.
pub trait WasmEngine {
    /// Compiles module bytes that [`super::instrument`] already validated and
    /// instrumented.
    fn compile(&self, bytes: Vec<u8>) -> Compiling;
    /// Compiles without waiting, where the engine can (used when a function
    /// is invoked from inside another and its module is not compiled yet).
    fn compile_now(&self, bytes: &[u8]) -> Result<Rc<dyn Module>, String>;
    /// A short name for reports ("wasmi", "V8").
    fn name(&self) -> &'static str;
}
