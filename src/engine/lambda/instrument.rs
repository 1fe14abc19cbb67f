//! Deploy time: checks a function's module against the ABI and rewrites it
//! into the module Stratus runs (docs/function-abi.md, "Limits").
//!
//! [`prepare`] is called by CreateFunction and UpdateFunctionCode. It
//!
//! 1. validates the bytes as a core WebAssembly module with the features the
//!    ABI allows ([`FEATURES`]);
//! 2. checks every import: functions must be accepted by the caller's import
//!    table (WASI and `stratus`), and memories, tables and globals may not be
//!    imported at all, nor anything from [`FUEL_MODULE`];
//! 3. decides the [`Form`] from the exports and checks their signatures;
//! 4. caps the memory's maximum at the function's memory size;
//! 5. weaves in fuel metering (below);
//! 6. validates the result again, so that a fault of the rewriter surfaces
//!    here rather than as a confusing compile error in the engine.
//!
//! Every refusal is one sentence naming the problem, fit to be the message of
//! Lambda's `InvalidParameterValueException`.
//!
//! # Fuel metering
//!
//! The rewritten module has one more global, a mutable `i64` counter that
//! starts at **0**, and one more function import, [`FUEL_MODULE`].[`FUEL_NAME`]
//! `: () -> i64`, placed after the module's own function imports (so every
//! defined function's index moves up by one; calls, `ref.func`, exports, the
//! start function, element segments and the name section are renumbered).
//!
//! A check is put right after every `loop` instruction (the loop header,
//! which every iteration passes) and at the entry of the functions that
//! need one: those a call from outside the module's direct calls can reach
//! (exports, the start function, `call_indirect` targets) and enough others
//! that every cycle of calls passes a check (`entry_checks.rs`); a call of
//! any other function is charged in its caller's check instead:
//!
//! ```wat
//! global.get $fuel  i64.const COST  i64.sub  global.set $fuel
//! global.get $fuel  i64.const 0  i64.lt_s
//! if  call $stratus_internal.fuel  global.set $fuel  end
//! ```
//!
//! It uses only its own stack slots, so the code around it is unchanged. When
//! the counter goes below zero the host's `fuel` function is called; it checks
//! the clock and either returns the new counter (a refill) or stops the run
//! with a timeout. Because the counter starts at 0, the first check of a fresh
//! instance calls the host at once, so the host chooses every budget itself.
//!
//! `COST` counts operators, one each, and a `call` of a function without an
//! entry check 1 plus that function's cost outside its loops (which counts
//! its own such calls the same way). Every operator of a function body
//! belongs to exactly one *region*: the innermost `loop` around it (from the
//! operator after `loop` up to and including the loop's `end`), or else the
//! function body itself (including its final `end`; a nested `loop`
//! instruction counts in the region around it). A check charges the most
//! operators one pass through its region can run: the longest path from the
//! region's start to wherever the pass ends (a branch back to the loop, a
//! branch or fall out of it, `return`, a trap). Inside a region control only
//! moves forward, except through nested loops, whose operators their own
//! checks charge, so that path is found in one walk (see `region_costs`).
//! The charge is an upper bound of the operators run (a call of a checked
//! function charges at its entry) and it is tight where it matters: an interpreter's
//! dispatch loop (QuickJS's runs each JavaScript bytecode through a
//! `br_table` of hundreds of cases) is charged its longest case, not the sum
//! of all of them. The first rewrite charged each region's whole size: 11,794
//! a bytecode in QuickJS's loop, now 520, so the host's refills
//! (`wasi::FuelPace`) are that much rarer.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;

use super::entry_checks::Plan;
pub use super::entry_checks::MAX_CHARGED_AT_CALL;
use wasm_encoder::reencode::{utils, Error as ReencodeError, Reencode};
use wasm_encoder::{ConstExpr, EntityType, Instruction, SectionId};
use wasmparser::types::{CoreTypeId, TypesRef};
use wasmparser::{
    BinaryReaderError, CompositeInnerType, ExternalKind, FunctionBody, KnownCustom, Operator, Parser,
    Payload, TypeRef, Validator, WasmFeatures,
};

/// The import module of the fuel host function the rewriter adds. A guest may
/// not import anything from it.
/// The prefix of the exports that expose a module's mutable globals (and the
/// fuel counter) to the host, for snapshots.
pub const GLOBAL_EXPORT_PREFIX: &str = "__stratus_global_";

pub const FUEL_MODULE: &str = "stratus_internal";
/// The fuel host function: `() -> i64`, called when the counter runs out;
/// returns the refilled counter or stops the run (see the module docs).
pub const FUEL_NAME: &str = "fuel";

/// The WebAssembly features a function may use: the 2.0 specification without
/// SIMD, that is MVP plus bulk memory, sign extension, non-trapping
/// float-to-int, mutable globals, multi-value and reference types, which the
/// browsers and `wasmi` all run (docs/function-abi.md).
pub const FEATURES: WasmFeatures = WasmFeatures::WASM2.difference(WasmFeatures::SIMD);

/// A WebAssembly page is 64 KiB, so one MB is 16 pages.
const PAGES_PER_MB: u64 = 16;
/// The most pages a 32-bit memory can have (4 GiB).
const MAX_PAGES: u64 = 65536;

/// A value type in an import's or export's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    FuncRef,
    ExternRef,
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// A function signature: parameter and result types. Displays as
/// `(i32, i32) -> i32`, `() -> ()`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncSig {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl FuncSig {
    /// The signature `(params) -> (results)`.
    pub fn new(params: &[ValType], results: &[ValType]) -> FuncSig {
        FuncSig { params: params.to_vec(), results: results.to_vec() }
    }
}

impl fmt::Display for FuncSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, types: &[ValType]) -> fmt::Result {
            f.write_str("(")?;
            for (i, t) in types.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{t}")?;
            }
            f.write_str(")")
        }
        list(f, &self.params)?;
        f.write_str(" -> ")?;
        if self.results.len() == 1 {
            write!(f, "{}", self.results[0])
        } else {
            list(f, &self.results)
        }
    }
}

/// How Stratus runs the module, decided by its exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Exports `_start`: a WASI command, one fresh instance per invocation.
    Command,
    /// Exports `stratus_alloc` and `stratus_handle`: one instance serves every
    /// invocation while warm. The flags say which of the optional
    /// initialisers it exports (both are called, in this order, at a cold
    /// start).
    Reactor { has_initialize: bool, has_init: bool },
}

/// A module ready for the engine.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The rewritten module: memory maximum capped, fuel metering woven in.
    pub bytes: Vec<u8>,
    /// The form its exports declare.
    pub form: Form,
    /// The memory maximum written into the module, in 64 KiB pages.
    pub memory_max_pages: u32,
    /// The size of the module as uploaded (Lambda's `CodeSize`).
    pub original_size: usize,
}

/// The import table's answer for an import it does not know, the standard
/// sentence for `Err` from the `allowed` checker of [`prepare`].
pub fn not_provided(module: &str, name: &str) -> String {
    format!(
        "The module imports {module}.{name}, which Stratus does not provide. Functions may \
         import wasi_snapshot_preview1 and stratus (see docs/function-abi.md)."
    )
}

/// The import table's answer for a known import with the wrong signature.
pub fn wrong_signature(module: &str, name: &str, found: &FuncSig, expected: &FuncSig) -> String {
    format!(
        "The module imports {module}.{name} with the signature {found}, but Stratus provides it \
         as {expected} (see docs/function-abi.md)."
    )
}

/// Checks `module` and rewrites it for a function of `memory_mb` MB.
///
/// `allowed(module, name, signature)` decides each function import: `Ok(())`
/// if the host provides it, otherwise `Err` with the whole sentence to report
/// (see [`not_provided`] and [`wrong_signature`]). It is not asked about
/// [`FUEL_MODULE`], which is always refused, nor about non-function imports,
/// which are refused.
///
/// Errors are sentences fit for `InvalidParameterValueException`.
pub fn prepare(
    module: &[u8],
    memory_mb: u32,
    allowed: &dyn Fn(&str, &str, &FuncSig) -> Result<(), String>,
) -> Result<Prepared, String> {
    check_header(module)?;
    let types =
        Validator::new_with_features(FEATURES).validate_all(module).map_err(|e| invalid(module, &e))?;
    let types = types.as_ref();
    let shape = Shape::read(module).map_err(|e| invalid(module, &e))?;

    // Imports.
    let mut func_imports = 0u32;
    for (m, n, ty) in &shape.imports {
        if *m == FUEL_MODULE {
            return Err(format!(
                "The module imports {m}.{n}, but {FUEL_MODULE} is reserved for the code Stratus \
                 adds when it deploys a function; a module may not import from it."
            ));
        }
        match ty {
            TypeRef::Func(index) | TypeRef::FuncExact(index) => {
                let id = types.core_type_at_in_module(*index);
                let sig = signature(types, id)
                    .ok_or_else(|| format!("The module imports {m}.{n}, which is not a plain function."))?;
                allowed(m, n, &sig)?;
                func_imports += 1;
            }
            TypeRef::Memory(_) => {
                return Err(format!(
                    "The module imports its memory ({m}.{n}); a function must define its own memory, \
                     not import it."
                ))
            }
            TypeRef::Table(_) => {
                return Err(format!(
                    "The module imports a table ({m}.{n}); a function must define its own tables, \
                     not import them."
                ))
            }
            TypeRef::Global(_) => {
                return Err(format!(
                    "The module imports a global ({m}.{n}); a function must define its own \
                     globals, not import them."
                ))
            }
            TypeRef::Tag(_) => {
                return Err(format!(
                    "The module imports {m}.{n}, which is not a function; a function may import \
                     only functions."
                ))
            }
        }
    }

    // Exports: the memory, then the form.
    match shape.exports.get("memory") {
        Some((ExternalKind::Memory, _)) => {}
        Some(_) => {
            return Err("The module exports `memory`, but it is not a memory; a function must \
                        export its memory as `memory`."
                .to_string())
        }
        None if types.memory_count() == 0 => {
            return Err("The module has no memory; a function must define one and export it as \
                        `memory`."
                .to_string())
        }
        None => {
            return Err("The module does not export its memory as `memory`, which a function \
                        must (see docs/function-abi.md)."
                .to_string())
        }
    }
    let form = form(&shape.exports, types)?;

    // Memory limit.
    let memory = types.memory_at(0);
    let limit = (u64::from(memory_mb) * PAGES_PER_MB).min(MAX_PAGES);
    if memory.initial > limit {
        return Err(format!(
            "The module needs {} MB of memory at start, more than the function's memory size of \
             {memory_mb} MB.",
            megabytes(memory.initial)
        ));
    }
    let max_pages = memory.maximum.map_or(limit, |declared| declared.min(limit));

    // Rewrite.
    let mutable_globals: Vec<u32> = (0..types.global_count()).filter(|&g| types.global_at(g).mutable).collect();
    let mut rewriter = Rewriter {
        func_imports,
        mutable_globals,
        fuel_type: types.core_type_count_in_module(),
        fuel_global: types.global_count(),
        max_pages,
        have_types: false,
        have_imports: false,
        have_globals: false,
        plan: super::entry_checks::plan(module, func_imports, region_costs)
            .map_err(|e| format!("Stratus could not instrument the module: {e}."))?,
        next_body: 0,
    };
    let mut out = wasm_encoder::Module::new();
    rewriter
        .parse_core_module(&mut out, Parser::new(0), module)
        .map_err(|e| format!("Stratus could not instrument the module: {e}."))?;
    let bytes = out.finish();
    Validator::new_with_features(FEATURES).validate_all(&bytes).map_err(|e| {
        format!(
            "Stratus could not instrument the module: the rewritten module does not validate \
             ({} at offset {}); this is a fault in Stratus.",
            e.message(),
            e.offset()
        )
    })?;

    Ok(Prepared { bytes, form, memory_max_pages: max_pages as u32, original_size: module.len() })
}

/// Refuses what is plainly not a module, with a message saying what it is.
fn check_header(module: &[u8]) -> Result<(), String> {
    if module.is_empty() {
        return Err("The function's code is empty; upload a WebAssembly module (.wasm).".to_string());
    }
    if module.starts_with(b"\0asm") {
        if module.get(4..8) == Some(&[0x0d, 0x00, 0x01, 0x00][..]) {
            return Err("The code is a WebAssembly component, not a core module; Stratus runs core \
                        modules (for example from wasm32-wasip1, not wasm32-wasip2)."
                .to_string());
        }
        return Ok(());
    }
    if module.starts_with(b"PK\x03\x04") || module.starts_with(b"PK\x05\x06") {
        return Err("The code is a zip archive, not a WebAssembly module; upload the .wasm file \
                    itself."
            .to_string());
    }
    if let Ok(text) = std::str::from_utf8(module) {
        let text = text.trim_start_matches('\u{feff}').trim_start();
        if text.starts_with('(') || text.starts_with(";;") {
            return Err("The code is WebAssembly text (.wat), not a binary module; compile it to \
                        .wasm first (for example with wat2wasm)."
                .to_string());
        }
        return Err("The code is text, not a WebAssembly module (a module starts with the bytes \
                    \\0asm)."
            .to_string());
    }
    Err("The code is not a WebAssembly module: it does not start with the bytes \\0asm.".to_string())
}

/// The message for a module the validator refuses: a feature outside
/// [`FEATURES`] if it validates with every feature, else invalid.
fn invalid(module: &[u8], e: &BinaryReaderError) -> String {
    if e.missing_wasm_feature().is_some()
        || Validator::new_with_features(WasmFeatures::all()).validate_all(module).is_ok()
    {
        format!(
            "The module uses a WebAssembly feature Stratus does not support: {} (at offset {}). \
             Functions may use WebAssembly 1.0 plus bulk memory, sign extension, non-trapping \
             float-to-int, mutable globals, multi-value and reference types.",
            e.message(),
            e.offset()
        )
    } else {
        format!("The module is not valid WebAssembly: {} (at offset {}).", e.message(), e.offset())
    }
}

/// Pages as MB for a message: whole when it is, else two decimals.
fn megabytes(pages: u64) -> String {
    if pages.is_multiple_of(PAGES_PER_MB) {
        (pages / PAGES_PER_MB).to_string()
    } else {
        format!("{:.2}", pages as f64 / PAGES_PER_MB as f64)
    }
}

/// What [`prepare`] needs to know that the validator's types do not say:
/// the imports and exports by name.
struct Shape<'a> {
    imports: Vec<(&'a str, &'a str, TypeRef)>,
    exports: HashMap<&'a str, (ExternalKind, u32)>,
}

impl<'a> Shape<'a> {
    fn read(module: &'a [u8]) -> Result<Shape<'a>, BinaryReaderError> {
        let mut shape = Shape { imports: Vec::new(), exports: HashMap::new() };
        for payload in Parser::new(0).parse_all(module) {
            match payload? {
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import?;
                        shape.imports.push((import.module, import.name, import.ty));
                    }
                }
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export?;
                        shape.exports.insert(export.name, (export.kind, export.index));
                    }
                }
                _ => {}
            }
        }
        Ok(shape)
    }
}

/// The signature of type `id`, if it is a function type of plain value types.
fn signature(types: TypesRef<'_>, id: CoreTypeId) -> Option<FuncSig> {
    let CompositeInnerType::Func(func) = &types[id].composite_type.inner else {
        return None;
    };
    let convert = |ts: &[wasmparser::ValType]| -> Option<Vec<ValType>> {
        ts.iter()
            .map(|t| match *t {
                wasmparser::ValType::I32 => Some(ValType::I32),
                wasmparser::ValType::I64 => Some(ValType::I64),
                wasmparser::ValType::F32 => Some(ValType::F32),
                wasmparser::ValType::F64 => Some(ValType::F64),
                wasmparser::ValType::Ref(r) if r == wasmparser::RefType::FUNCREF => Some(ValType::FuncRef),
                wasmparser::ValType::Ref(r) if r == wasmparser::RefType::EXTERNREF => {
                    Some(ValType::ExternRef)
                }
                _ => None,
            })
            .collect()
    };
    Some(FuncSig { params: convert(func.params())?, results: convert(func.results())? })
}

/// Decides the module's form from its exports and checks their signatures.
fn form(exports: &HashMap<&str, (ExternalKind, u32)>, types: TypesRef<'_>) -> Result<Form, String> {
    use ValType::I32;
    // The export `name`, if any, checked to be a function of signature `want`.
    let export = |name: &str, want: FuncSig, role: &str| -> Result<bool, String> {
        let Some(&(kind, index)) = exports.get(name) else {
            return Ok(false);
        };
        if kind != ExternalKind::Func {
            return Err(format!(
                "The module exports {name}, but it is not a function; {role} must be the function \
                 {want}."
            ));
        }
        let found = signature(types, types.core_function_at(index));
        if found.as_ref() != Some(&want) {
            let found = found.map_or_else(|| "another type".to_string(), |s| s.to_string());
            return Err(format!(
                "The module exports {name} with the signature {found}, but {role} must be {want}."
            ));
        }
        Ok(true)
    };
    let unit = FuncSig::new(&[], &[]);
    let has_alloc = exports.contains_key("stratus_alloc");
    let has_handle = exports.contains_key("stratus_handle");
    if exports.contains_key("_start") {
        if has_alloc || has_handle {
            return Err("The module exports both _start (a command) and stratus_alloc or \
                        stratus_handle (a reactor); a function must take one form (see \
                        docs/function-abi.md)."
                .to_string());
        }
        export("_start", unit, "a command's _start")?;
        return Ok(Form::Command);
    }
    match (has_alloc, has_handle) {
        (true, true) => {
            export("stratus_alloc", FuncSig::new(&[I32], &[I32]), "a reactor's stratus_alloc")?;
            export("stratus_handle", FuncSig::new(&[I32, I32], &[I32]), "a reactor's stratus_handle")?;
            let has_initialize = export("_initialize", unit.clone(), "a reactor's _initialize")?;
            let has_init = export("stratus_init", unit, "a reactor's stratus_init")?;
            Ok(Form::Reactor { has_initialize, has_init })
        }
        (true, false) | (false, true) => {
            let (has, lacks) = if has_alloc {
                ("stratus_alloc", "stratus_handle")
            } else {
                ("stratus_handle", "stratus_alloc")
            };
            Err(format!(
                "The module exports {has} but not {lacks}; a reactor must export both (see \
                 docs/function-abi.md)."
            ))
        }
        (false, false) => Err("The module exports neither _start (a command) nor stratus_alloc and \
                               stratus_handle (a reactor), so Stratus cannot tell how to run it \
                               (see docs/function-abi.md)."
            .to_string()),
    }
}

/// The reencoder that writes the prepared module: the fuel type, import and
/// global appended to their sections (or new sections where the module has
/// none), defined functions renumbered, the memory capped, checks woven in.
struct Rewriter {
    /// Function imports in the original module: defined functions start here.
    func_imports: u32,
    /// The module's mutable globals, exported as `__stratus_global_<index>`
    /// so that an instance's state can be snapshotted (memory + globals).
    mutable_globals: Vec<u32>,
    /// The index of the added `() -> i64` type (appended after the module's).
    fuel_type: u32,
    /// The index of the added counter global (appended after the module's).
    fuel_global: u32,
    /// The memory maximum to write.
    max_pages: u64,
    have_types: bool,
    have_imports: bool,
    have_globals: bool,
    /// Which functions have an entry check, and every check's cost.
    plan: Plan,
    /// The defined function whose body comes next.
    next_body: usize,
}

type Reencoded<T> = Result<T, ReencodeError<Infallible>>;

/// A section's position in the order a module's sections must follow.
fn order(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Rewriter {
    /// The index of the fuel import: right after the module's own imports.
    fn fuel_func(&self) -> u32 {
        self.func_imports
    }

    fn add_fuel_type(&mut self, types: &mut wasm_encoder::TypeSection) {
        types.ty().function([], [wasm_encoder::ValType::I64]);
        self.have_types = true;
    }

    fn add_fuel_import(&mut self, imports: &mut wasm_encoder::ImportSection) {
        imports.import(FUEL_MODULE, FUEL_NAME, EntityType::Function(self.fuel_type));
        self.have_imports = true;
    }

    fn add_fuel_global(&mut self, globals: &mut wasm_encoder::GlobalSection) {
        let ty =
            wasm_encoder::GlobalType { val_type: wasm_encoder::ValType::I64, mutable: true, shared: false };
        globals.global(ty, &ConstExpr::i64_const(0));
        self.have_globals = true;
    }

    /// Emits the fuel check charging `cost`.
    fn fuel_check(&self, f: &mut wasm_encoder::Function, cost: u64) {
        let cost = i64::try_from(cost.max(1)).unwrap_or(i64::MAX);
        let g = self.fuel_global;
        f.instruction(&Instruction::GlobalGet(g))
            .instruction(&Instruction::I64Const(cost))
            .instruction(&Instruction::I64Sub)
            .instruction(&Instruction::GlobalSet(g))
            .instruction(&Instruction::GlobalGet(g))
            .instruction(&Instruction::I64Const(0))
            .instruction(&Instruction::I64LtS)
            .instruction(&Instruction::If(wasm_encoder::BlockType::Empty))
            .instruction(&Instruction::Call(self.fuel_func()))
            .instruction(&Instruction::GlobalSet(g))
            .instruction(&Instruction::End);
    }
}

/// The cost each fuel check charges, in the order the checks are emitted:
/// the function body's region first, then each `loop`'s in the order it
/// appears (see the module docs for which operator belongs to which region).
///
/// A region's cost is the most operators one pass through it can run: the
/// longest path from its start (the function's entry, or the operator after
/// `loop`) to where the pass ends (a branch back to its loop, a branch or
/// fall out of it, `return`, `unreachable`). Control inside a region moves
/// only forward (to the end of a `block` or `if`), except through a nested
/// loop, whose operators its own check charges; so the paths form a DAG and
/// one walk over the operators finds the longest. An interpreter's dispatch
/// loop (a `br_table` over hundreds of cases) is charged its longest case,
/// not the sum of them all. Should a body use control flow this walk does
/// not model (none the ABI's features allow), every region is charged its
/// whole size instead, which is an upper bound too.
fn region_costs(body: &FunctionBody<'_>, call_cost: &dyn Fn(u32) -> u64) -> Result<Vec<u64>, BinaryReaderError> {
    enum Kind {
        Func,
        Block,
        /// `entry`: the path's cost at the `if`; `then_end`: at its `else`.
        If { entry: Option<u64>, then_end: Option<Option<u64>> },
        /// `outer`: the surrounding region's cost at the `loop` operator.
        Loop { region: usize, outer: Option<u64>, outer_region: usize },
    }
    struct Frame {
        kind: Kind,
        /// The costiest branch to this frame's end (not for loops).
        label: Option<u64>,
    }
    fn longest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
        a.max(b)
    }
    // A branch from the current point, costing `cost` so far, to the label
    // of `frames[target]`: each loop it leaves ends that loop's pass, and the
    // path goes on in the region around with what it had cost at the loop.
    fn branch(frames: &mut [Frame], best: &mut [u64], target: usize, mut cost: Option<u64>) {
        for frame in frames[target + 1..].iter().rev() {
            if let Kind::Loop { region, outer, .. } = frame.kind {
                if let Some(c) = cost {
                    best[region] = best[region].max(c);
                }
                cost = outer;
            }
        }
        let frame = &mut frames[target];
        match frame.kind {
            Kind::Loop { region, .. } => {
                if let Some(c) = cost {
                    best[region] = best[region].max(c);
                }
            }
            _ => frame.label = longest(frame.label, cost),
        }
    }

    let mut sizes = vec![0u64];
    let mut best = vec![0u64];
    let mut frames = vec![Frame { kind: Kind::Func, label: None }];
    let mut region = 0usize;
    // The longest path to here in the current region; `None` where no path
    // reaches (after a branch, `return` or `unreachable`).
    let mut cost: Option<u64> = Some(0);
    let mut modelled = true;
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let op = reader.read()?;
        let weight = match op {
            Operator::Call { function_index } => call_cost(function_index),
            _ => 1,
        };
        sizes[region] += weight;
        cost = cost.map(|c| c + weight);
        match op {
            Operator::Loop { .. } => {
                sizes.push(0);
                best.push(0);
                frames.push(Frame {
                    kind: Kind::Loop { region: sizes.len() - 1, outer: cost, outer_region: region },
                    label: None,
                });
                region = sizes.len() - 1;
                cost = Some(0);
            }
            Operator::Block { .. } => frames.push(Frame { kind: Kind::Block, label: None }),
            Operator::If { .. } => frames.push(Frame { kind: Kind::If { entry: cost, then_end: None }, label: None }),
            Operator::Else => match frames.last_mut() {
                Some(Frame { kind: Kind::If { entry, then_end }, .. }) => {
                    *then_end = Some(cost);
                    cost = *entry;
                }
                _ => modelled = false,
            },
            Operator::End => match frames.pop() {
                Some(Frame { kind: Kind::Func, label }) => best[0] = best[0].max(longest(cost, label).unwrap_or(0)),
                Some(Frame { kind: Kind::Block, label }) => cost = longest(cost, label),
                Some(Frame { kind: Kind::If { entry, then_end }, label }) => {
                    cost = longest(longest(cost, label), then_end.unwrap_or(entry));
                }
                Some(Frame { kind: Kind::Loop { region: inner, outer, outer_region }, .. }) => {
                    if let Some(c) = cost {
                        best[inner] = best[inner].max(c);
                    }
                    // Only falling out of its `end` leads past a loop.
                    cost = if cost.is_some() { outer } else { None };
                    region = outer_region;
                }
                None => modelled = false,
            },
            Operator::Br { relative_depth } | Operator::BrIf { relative_depth } => {
                let Some(target) = frames.len().checked_sub(1 + relative_depth as usize) else {
                    modelled = false;
                    continue;
                };
                branch(&mut frames, &mut best, target, cost);
                if matches!(op, Operator::Br { .. }) {
                    cost = None;
                }
            }
            Operator::BrTable { ref targets } => {
                let depths: Vec<u32> = targets.targets().chain([Ok(targets.default())]).collect::<Result<_, _>>()?;
                for depth in depths {
                    match frames.len().checked_sub(1 + depth as usize) {
                        Some(target) => branch(&mut frames, &mut best, target, cost),
                        None => modelled = false,
                    }
                }
                cost = None;
            }
            Operator::Return => {
                branch(&mut frames, &mut best, 0, cost);
                cost = None;
            }
            Operator::Unreachable => cost = None,
            // Exceptions (outside the ABI's features): kept as blocks so
            // that the regions' sizes stay right, and not modelled.
            Operator::Try { .. } | Operator::TryTable { .. } => {
                frames.push(Frame { kind: Kind::Block, label: None });
                modelled = false;
            }
            Operator::Delegate { .. } => {
                frames.pop();
                modelled = false;
            }
            Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. } => modelled = false,
            _ => {}
        }
    }
    if !modelled || !frames.is_empty() {
        return Ok(sizes);
    }
    Ok(best.into_iter().zip(&sizes).map(|(b, &s)| b.min(s)).collect())
}

impl Reencode for Rewriter {
    type Error = Infallible;

    fn function_index(&mut self, func: u32) -> Reencoded<u32> {
        Ok(if func >= self.func_imports { func + 1 } else { func })
    }

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Reencoded<()> {
        utils::parse_type_section(self, types, section)?;
        self.add_fuel_type(types);
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Reencoded<()> {
        utils::parse_import_section(self, imports, section)?;
        self.add_fuel_import(imports);
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Reencoded<()> {
        utils::parse_global_section(self, globals, section)?;
        self.add_fuel_global(globals);
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Reencoded<()> {
        utils::parse_export_section(self, exports, section)?;
        for g in self.mutable_globals.iter().copied().chain([self.fuel_global]) {
            exports.export(&format!("{GLOBAL_EXPORT_PREFIX}{g}"), wasm_encoder::ExportKind::Global, g);
        }
        Ok(())
    }

    fn memory_type(&mut self, memory: wasmparser::MemoryType) -> Reencoded<wasm_encoder::MemoryType> {
        let mut memory = utils::memory_type(self, memory);
        memory.maximum = Some(self.max_pages);
        Ok(memory)
    }

    /// Adds the type, import and global sections where the module has none,
    /// at the place they belong.
    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Reencoded<()> {
        let next = before.map_or(u8::MAX, order);
        if !self.have_types && next > order(SectionId::Type) {
            let mut types = wasm_encoder::TypeSection::new();
            self.add_fuel_type(&mut types);
            module.section(&types);
        }
        if !self.have_imports && next > order(SectionId::Import) {
            let mut imports = wasm_encoder::ImportSection::new();
            self.add_fuel_import(&mut imports);
            module.section(&imports);
        }
        if !self.have_globals && next > order(SectionId::Global) {
            let mut globals = wasm_encoder::GlobalSection::new();
            self.add_fuel_global(&mut globals);
            module.section(&globals);
        }
        Ok(())
    }

    /// Keeps custom sections, except DWARF (`.debug_*`, whose code offsets
    /// the rewrite invalidates); the name section is renumbered, or dropped
    /// if it does not parse (the validator does not check it).
    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Reencoded<()> {
        if section.name().starts_with(".debug_") {
            return Ok(());
        }
        match section.as_known() {
            KnownCustom::Name(names) => {
                if let Ok(names) = self.custom_name_section(names) {
                    module.section(&names);
                }
            }
            _ => {
                module.section(&self.custom_section(section)?);
            }
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        body: FunctionBody<'_>,
    ) -> Reencoded<()> {
        let index = self.next_body;
        self.next_body += 1;
        let costs = std::mem::take(&mut self.plan.costs[index]);
        let mut f = self.new_function_with_parsed_locals(&body)?;
        if self.plan.checked[index] {
            self.fuel_check(&mut f, costs[0]);
        }
        let mut next_loop = 1;
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let is_loop = matches!(op, Operator::Loop { .. });
            f.instruction(&self.instruction(op)?);
            if is_loop {
                self.fuel_check(&mut f, costs[next_loop]);
                next_loop += 1;
            }
        }
        code.function(&f);
        Ok(())
    }
}
