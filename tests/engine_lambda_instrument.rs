//! The deploy-time checker and rewriter (src/engine/lambda/instrument.rs):
//! what it refuses and why, what it writes (read back with wasmparser), and
//! that the rewritten modules behave as the originals when run by wasmi,
//! except that their loops and calls now reach the fuel host function.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use stratus::engine::lambda::instrument::{
    self, prepare, Form, FuncSig, Prepared, ValType, FEATURES, FUEL_MODULE, FUEL_NAME,
};
use wasmparser::{ElementItems, ElementKind, KnownCustom, Name, Operator, Parser, Payload, TypeRef};

// ---------------------------------------------------------------- helpers

/// The import table of these tests: a few real WASI and `stratus` imports.
fn table(module: &str, name: &str, sig: &FuncSig) -> Result<(), String> {
    use ValType::*;
    let expected = match (module, name) {
        ("wasi_snapshot_preview1", "fd_write") => FuncSig::new(&[I32, I32, I32, I32], &[I32]),
        ("wasi_snapshot_preview1", "proc_exit") => FuncSig::new(&[I32], &[]),
        ("stratus", "remaining_ms") => FuncSig::new(&[], &[I64]),
        ("stratus", "response") => FuncSig::new(&[I32, I32], &[]),
        _ => return Err(instrument::not_provided(module, name)),
    };
    if *sig == expected {
        Ok(())
    } else {
        Err(instrument::wrong_signature(module, name, sig, &expected))
    }
}

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("test module does not parse: {e}"))
}

fn prep_mb(text: &str, memory_mb: u32) -> Result<Prepared, String> {
    prepare(&wasm(text), memory_mb, &table)
}

fn prep(text: &str) -> Prepared {
    prep_mb(text, 128).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn refusal_mb(text: &str, memory_mb: u32) -> String {
    match prep_mb(text, memory_mb) {
        Ok(_) => panic!("accepted, but should be refused:\n{text}"),
        Err(e) => e,
    }
}

fn refusal(text: &str) -> String {
    refusal_mb(text, 128)
}

fn refusal_bytes(bytes: &[u8]) -> String {
    match prepare(bytes, 128, &table) {
        Ok(_) => panic!("accepted, but should be refused"),
        Err(e) => e,
    }
}

fn validate(bytes: &[u8]) {
    wasmparser::Validator::new_with_features(FEATURES)
        .validate_all(bytes)
        .unwrap_or_else(|e| panic!("output does not validate: {e}"));
}

/// What the tests read back from a module.
#[derive(Default, Debug)]
struct Read {
    imports: Vec<(String, String)>,
    exports: Vec<(String, u32)>,
    memory: Option<(u64, Option<u64>)>,
    globals: Vec<(wasmparser::ValType, bool, Vec<String>)>,
    start: Option<u32>,
    /// Element segments: kind ("active"/"passive"/"declared") and items
    /// (function indices, or the `ref.func` indices of expressions).
    elements: Vec<(&'static str, Vec<u32>)>,
    /// Each defined function's operators, as debug strings.
    bodies: Vec<Vec<String>>,
    /// Each defined function's called function indices, in order.
    calls: Vec<Vec<u32>>,
    function_names: Vec<(u32, String)>,
    custom: Vec<String>,
}

fn read(bytes: &[u8]) -> Read {
    let mut r = Read::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    let import = import.unwrap();
                    r.imports.push((import.module.to_string(), import.name.to_string()));
                }
            }
            Payload::ExportSection(s) => {
                for e in s {
                    let e = e.unwrap();
                    r.exports.push((e.name.to_string(), e.index));
                }
            }
            Payload::MemorySection(s) => {
                for m in s {
                    let m = m.unwrap();
                    r.memory = Some((m.initial, m.maximum));
                }
            }
            Payload::GlobalSection(s) => {
                for g in s {
                    let g = g.unwrap();
                    let init = g
                        .init_expr
                        .get_operators_reader()
                        .into_iter()
                        .map(|op| format!("{:?}", op.unwrap()))
                        .collect();
                    r.globals.push((g.ty.content_type, g.ty.mutable, init));
                }
            }
            Payload::StartSection { func, .. } => r.start = Some(func),
            Payload::ElementSection(s) => {
                for e in s {
                    let e = e.unwrap();
                    let kind = match e.kind {
                        ElementKind::Active { .. } => "active",
                        ElementKind::Passive => "passive",
                        ElementKind::Declared => "declared",
                    };
                    let items = match e.items {
                        ElementItems::Functions(f) => f.into_iter().map(|i| i.unwrap()).collect(),
                        ElementItems::Expressions(_, exprs) => exprs
                            .into_iter()
                            .filter_map(|x| {
                                x.unwrap().get_operators_reader().into_iter().find_map(|op| {
                                    match op.unwrap() {
                                        Operator::RefFunc { function_index } => Some(function_index),
                                        _ => None,
                                    }
                                })
                            })
                            .collect(),
                    };
                    r.elements.push((kind, items));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut ops = Vec::new();
                let mut calls = Vec::new();
                for op in body.get_operators_reader().unwrap() {
                    let op = op.unwrap();
                    if let Operator::Call { function_index } = op {
                        calls.push(function_index);
                    }
                    ops.push(format!("{op:?}"));
                }
                r.bodies.push(ops);
                r.calls.push(calls);
            }
            Payload::CustomSection(s) => {
                r.custom.push(s.name().to_string());
                if let KnownCustom::Name(names) = s.as_known() {
                    for name in names {
                        if let Name::Function(map) = name.unwrap() {
                            for n in map {
                                let n = n.unwrap();
                                r.function_names.push((n.index, n.name.to_string()));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    r
}

impl Read {
    fn fuel_import(&self) -> u32 {
        let i = self.imports.iter().position(|(m, n)| m == FUEL_MODULE && n == FUEL_NAME);
        i.expect("no fuel import") as u32
    }
    fn fuel_global(&self) -> u32 {
        (self.globals.len() - 1) as u32
    }
    fn export(&self, name: &str) -> u32 {
        self.exports.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no export {name}")).1
    }
    fn name_of(&self, index: u32) -> &str {
        let n = self.function_names.iter().find(|(i, _)| *i == index);
        &n.unwrap_or_else(|| panic!("no name for function {index}")).1
    }
    /// Calls to the fuel import in each defined function.
    fn fuel_calls(&self) -> Vec<usize> {
        let fuel = self.fuel_import();
        self.calls.iter().map(|c| c.iter().filter(|&&f| f == fuel).count()).collect()
    }
    /// The cost charged by each fuel check of defined function `i`, in order.
    fn costs(&self, i: usize) -> Vec<i64> {
        let get = format!("GlobalGet {{ global_index: {} }}", self.fuel_global());
        let body = &self.bodies[i];
        let mut costs = Vec::new();
        for w in body.windows(3) {
            if w[0] == get && w[2] == "I64Sub" {
                let c = w[1].strip_prefix("I64Const { value: ").unwrap().strip_suffix(" }").unwrap();
                costs.push(c.parse().unwrap());
            }
        }
        costs
    }
    /// A body without its fuel checks (the 11 operators of each).
    fn without_checks(&self, i: usize) -> Vec<String> {
        let get = format!("GlobalGet {{ global_index: {} }}", self.fuel_global());
        let body = &self.bodies[i];
        let mut out = Vec::new();
        let mut k = 0;
        while k < body.len() {
            if body[k] == get && body.get(k + 2).map(String::as_str) == Some("I64Sub") {
                k += 11;
            } else {
                out.push(body[k].clone());
                k += 1;
            }
        }
        out
    }
}

const COMMAND: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "_start")))"#;

const REACTOR: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "stratus_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "stratus_handle") (param i32 i32) (result i32) (i32.const 0)))"#;

// ---------------------------------------------------------------- forms

#[test]
fn a_command_is_recognised() {
    let bytes = wasm(COMMAND);
    let p = prepare(&bytes, 128, &table).unwrap();
    assert_eq!(p.form, Form::Command);
    assert_eq!(p.original_size, bytes.len());
    assert_eq!(p.memory_max_pages, 128 * 16);
    validate(&p.bytes);
}

#[test]
fn a_reactor_is_recognised_with_its_optional_initialisers() {
    assert_eq!(prep(REACTOR).form, Form::Reactor { has_initialize: false, has_init: false });
    let both =
        REACTOR.replace("(memory", r#"(func (export "_initialize")) (func (export "stratus_init")) (memory"#);
    assert_eq!(prep(&both).form, Form::Reactor { has_initialize: true, has_init: true });
    let one = REACTOR.replace("(memory", r#"(func (export "stratus_init")) (memory"#);
    assert_eq!(prep(&one).form, Form::Reactor { has_initialize: false, has_init: true });
}

#[test]
fn signatures_display_as_in_the_abi() {
    use ValType::*;
    assert_eq!(FuncSig::new(&[I32, I32], &[I32]).to_string(), "(i32, i32) -> i32");
    assert_eq!(FuncSig::new(&[], &[]).to_string(), "() -> ()");
    assert_eq!(FuncSig::new(&[F64], &[I32, I64]).to_string(), "(f64) -> (i32, i64)");
    assert_eq!(FuncSig::new(&[FuncRef, ExternRef, F32], &[]).to_string(), "(funcref, externref, f32) -> ()");
}

// ---------------------------------------------------------------- refusals: not a module

#[test]
fn what_is_not_a_module_is_named() {
    assert_eq!(refusal_bytes(b""), "The function's code is empty; upload a WebAssembly module (.wasm).");
    assert!(refusal_bytes(b"PK\x03\x04\x14\x00\x00\x00").starts_with("The code is a zip archive"));
    assert!(refusal_bytes(COMMAND.as_bytes()).starts_with("The code is WebAssembly text (.wat)"));
    assert!(refusal_bytes(b"  ;; a comment\n(module)").starts_with("The code is WebAssembly text"));
    assert!(refusal_bytes(b"#!/bin/sh\necho hi\n").starts_with("The code is text, not a WebAssembly module"));
    assert_eq!(
        refusal_bytes(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0xff, 0xfe]),
        "The code is not a WebAssembly module: it does not start with the bytes \\0asm."
    );
    assert!(refusal_bytes(b"\0asm\x0d\x00\x01\x00").starts_with("The code is a WebAssembly component"));
}

#[test]
fn an_invalid_module_gets_the_validators_message_and_offset() {
    let e = refusal_bytes(b"\0asm\x01\x00\x00\x00\x01");
    assert!(e.starts_with("The module is not valid WebAssembly: "), "{e}");
    assert!(e.ends_with(" (at offset 9)."), "{e}");

    let mistyped = wasm(
        r#"(module (memory (export "memory") 1)
             (func (export "_start") (result i32) (i64.const 1)))"#,
    );
    let e = refusal_bytes(&mistyped);
    assert!(e.starts_with("The module is not valid WebAssembly: type mismatch"), "{e}");
    assert!(e.contains("(at offset "), "{e}");
}

#[test]
fn a_feature_outside_the_abi_is_named() {
    let e = refusal(
        r#"(module (memory (export "memory") 1)
             (func (export "_start") (drop (v128.const i64x2 0 0))))"#,
    );
    assert!(e.starts_with("The module uses a WebAssembly feature Stratus does not support: "), "{e}");
    assert!(e.contains("SIMD"), "{e}");
    assert!(e.contains("multi-value and reference types."), "{e}");
    let e = refusal(
        r#"(module (memory (export "memory") 1) (memory 1)
             (func (export "_start")))"#,
    );
    assert!(
        e.starts_with("The module uses a WebAssembly feature Stratus does not support: multiple memories"),
        "{e}"
    );
    let e = refusal(
        r#"(module (memory (export "memory") 1)
             (func $f (return_call $f)) (func (export "_start")))"#,
    );
    assert!(e.starts_with("The module uses a WebAssembly feature Stratus does not support: "), "{e}");
    // A module that is wrong under every feature set is just invalid.
    let e = refusal(
        r#"(module (memory (export "memory") 1) (memory 1)
             (func (export "_start") (i32.const 1)))"#,
    );
    assert!(e.starts_with("The module is not valid WebAssembly: "), "{e}");
}

// ---------------------------------------------------------------- refusals: imports

#[test]
fn an_import_stratus_does_not_provide_is_named() {
    let e = refusal(
        r#"(module (import "env" "foo" (func (param i32)))
             (memory (export "memory") 1) (func (export "_start")))"#,
    );
    assert_eq!(
        e,
        "The module imports env.foo, which Stratus does not provide. Functions may import \
         wasi_snapshot_preview1 and stratus (see docs/function-abi.md)."
    );
}

#[test]
fn an_import_with_the_wrong_signature_is_named() {
    let e = refusal(
        r#"(module (import "stratus" "remaining_ms" (func (result i32)))
             (memory (export "memory") 1) (func (export "_start")))"#,
    );
    assert_eq!(
        e,
        "The module imports stratus.remaining_ms with the signature () -> i32, but Stratus \
         provides it as () -> i64 (see docs/function-abi.md)."
    );
}

#[test]
fn the_checker_sees_every_function_import_with_its_signature() {
    let seen = RefCell::new(Vec::new());
    let record = |m: &str, n: &str, s: &FuncSig| {
        seen.borrow_mut().push(format!("{m}.{n} {s}"));
        Ok(())
    };
    let bytes = wasm(
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
             (import "anything" "goes" (func (param f64 externref) (result i32 i64)))
             (memory (export "memory") 1) (func (export "_start")))"#,
    );
    prepare(&bytes, 128, &record).unwrap();
    assert_eq!(
        *seen.borrow(),
        [
            "wasi_snapshot_preview1.fd_write (i32, i32, i32, i32) -> i32",
            "anything.goes (f64, externref) -> (i32, i64)",
        ]
    );
}

#[test]
fn a_guest_may_not_import_stratus_internal() {
    let accept_all = |_: &str, _: &str, _: &FuncSig| Ok(());
    let bytes = wasm(
        r#"(module (import "stratus_internal" "fuel" (func (result i64)))
             (memory (export "memory") 1) (func (export "_start")))"#,
    );
    let e = prepare(&bytes, 128, &accept_all).unwrap_err();
    assert_eq!(
        e,
        "The module imports stratus_internal.fuel, but stratus_internal is reserved for the code \
         Stratus adds when it deploys a function; a module may not import from it."
    );
    // So a prepared module cannot be prepared a second time.
    let once = prep(COMMAND);
    let e = prepare(&once.bytes, 128, &accept_all).unwrap_err();
    assert!(e.starts_with("The module imports stratus_internal.fuel, but"), "{e}");
}

#[test]
fn memory_table_and_global_imports_are_refused() {
    assert_eq!(
        refusal(
            r#"(module (import "env" "memory" (memory 1)) (export "memory" (memory 0)) (func (export "_start")))"#
        ),
        "The module imports its memory (env.memory); a function must define its own memory, not import it."
    );
    assert_eq!(
        refusal(
            r#"(module (import "env" "__indirect_function_table" (table 1 funcref))
                 (memory (export "memory") 1) (func (export "_start")))"#
        ),
        "The module imports a table (env.__indirect_function_table); a function must define its own \
         tables, not import them."
    );
    assert_eq!(
        refusal(
            r#"(module (import "env" "__stack_pointer" (global (mut i32)))
                 (memory (export "memory") 1) (func (export "_start")))"#
        ),
        "The module imports a global (env.__stack_pointer); a function must define its own globals, \
         not import them."
    );
}

// ---------------------------------------------------------------- refusals: exports

#[test]
fn the_memory_must_be_exported_as_memory() {
    assert_eq!(
        refusal(r#"(module (func (export "_start")))"#),
        "The module has no memory; a function must define one and export it as `memory`."
    );
    assert_eq!(
        refusal(r#"(module (memory (export "mem") 1) (func (export "_start")))"#),
        "The module does not export its memory as `memory`, which a function must (see docs/function-abi.md)."
    );
    assert_eq!(
        refusal(r#"(module (memory 1) (func (export "_start")) (func (export "memory")))"#),
        "The module exports `memory`, but it is not a memory; a function must export its memory as `memory`."
    );
}

#[test]
fn a_module_of_neither_form_is_refused_saying_what_is_missing() {
    assert_eq!(
        refusal(r#"(module (memory (export "memory") 1) (func (export "main")))"#),
        "The module exports neither _start (a command) nor stratus_alloc and stratus_handle (a \
         reactor), so Stratus cannot tell how to run it (see docs/function-abi.md)."
    );
    assert_eq!(
        refusal(
            r#"(module (memory (export "memory") 1)
                 (func (export "stratus_alloc") (param i32) (result i32) (i32.const 0)))"#
        ),
        "The module exports stratus_alloc but not stratus_handle; a reactor must export both (see \
         docs/function-abi.md)."
    );
    assert_eq!(
        refusal(
            r#"(module (memory (export "memory") 1)
                 (func (export "stratus_handle") (param i32 i32) (result i32) (i32.const 0)))"#
        ),
        "The module exports stratus_handle but not stratus_alloc; a reactor must export both (see \
         docs/function-abi.md)."
    );
    let both = REACTOR.replace("(memory", r#"(func (export "_start")) (memory"#);
    assert!(refusal(&both).starts_with("The module exports both _start (a command) and stratus_alloc"));
}

#[test]
fn exports_with_the_wrong_signature_are_named() {
    assert_eq!(
        refusal(r#"(module (memory (export "memory") 1) (func (export "_start") (param i32)))"#),
        "The module exports _start with the signature (i32) -> (), but a command's _start must be () -> ()."
    );
    assert_eq!(
        refusal(r#"(module (memory (export "memory") 1) (global (export "_start") i32 (i32.const 0)))"#),
        "The module exports _start, but it is not a function; a command's _start must be the function () -> ()."
    );
    assert_eq!(
        refusal(&REACTOR.replace(
            r#"(param i32) (result i32) (i32.const 1024)"#,
            r#"(param i64) (result i32) (i32.const 1024)"#
        )),
        "The module exports stratus_alloc with the signature (i64) -> i32, but a reactor's \
         stratus_alloc must be (i32) -> i32."
    );
    assert_eq!(
        refusal(&REACTOR.replace(r#"(param i32 i32) (result i32) (i32.const 0)"#, r#"(param i32 i32)"#)),
        "The module exports stratus_handle with the signature (i32, i32) -> (), but a reactor's \
         stratus_handle must be (i32, i32) -> i32."
    );
    assert_eq!(
        refusal(&REACTOR.replace("(memory", r#"(func (export "_initialize") (result i32) (i32.const 0)) (memory"#)),
        "The module exports _initialize with the signature () -> i32, but a reactor's _initialize must be () -> ()."
    );
    assert_eq!(
        refusal(&REACTOR.replace("(memory", r#"(func (export "stratus_init") (param i32)) (memory"#)),
        "The module exports stratus_init with the signature (i32) -> (), but a reactor's stratus_init must be () -> ()."
    );
}

// ---------------------------------------------------------------- memory limit

fn limits(p: &Prepared) -> (u64, Option<u64>) {
    read(&p.bytes).memory.unwrap()
}

#[test]
fn the_memory_maximum_becomes_the_functions_memory_size() {
    let with = |decl: &str, mb: u32| -> Prepared {
        let text = format!(r#"(module (memory (export "memory") {decl}) (func (export "_start")))"#);
        prep_mb(&text, mb).unwrap()
    };
    // No maximum: the limit is set.
    let p = with("2", 128);
    assert_eq!((limits(&p), p.memory_max_pages), ((2, Some(2048)), 2048));
    // A larger maximum is lowered.
    let p = with("2 65536", 1);
    assert_eq!((limits(&p), p.memory_max_pages), ((2, Some(16)), 16));
    // A smaller one is kept.
    let p = with("2 40", 128);
    assert_eq!((limits(&p), p.memory_max_pages), ((2, Some(40)), 40));
    // An initial size exactly at the limit is fine.
    let p = with("16", 1);
    assert_eq!((limits(&p), p.memory_max_pages), ((16, Some(16)), 16));
    // 10240 MB is more than a 32-bit memory can hold: 4 GiB.
    let p = with("1", 10240);
    assert_eq!((limits(&p), p.memory_max_pages), ((1, Some(65536)), 65536));
    validate(&p.bytes);
}

#[test]
fn a_module_needing_more_memory_at_start_is_refused() {
    let text =
        |pages: u32| format!(r#"(module (memory (export "memory") {pages}) (func (export "_start")))"#);
    assert_eq!(
        refusal_mb(&text(32), 1),
        "The module needs 2 MB of memory at start, more than the function's memory size of 1 MB."
    );
    assert_eq!(
        refusal_mb(&text(17), 1),
        "The module needs 1.06 MB of memory at start, more than the function's memory size of 1 MB."
    );
    assert_eq!(
        refusal_mb(&text(2049), 128),
        "The module needs 128.06 MB of memory at start, more than the function's memory size of 128 MB."
    );
}

// ---------------------------------------------------------------- the rewrite

/// Imports, calls, `call_indirect` through an element segment, `ref.func`
/// (in code, in a global and declared), exports, a start function and the
/// name section.
const INDEXED: &str = r#"(module
  (type $ii (func (param i32) (result i32)))
  (import "stratus" "remaining_ms" (func $remaining (result i64)))
  (import "stratus" "response" (func $response (param i32 i32)))
  (memory (export "memory") 1)
  (table $t 4 funcref)
  (global $g (mut i32) (i32.const 0))
  (global $fref funcref (ref.func $triple))
  (elem (table $t) (i32.const 1) func $double $triple)
  (elem declare func $square)
  (elem $passive funcref (ref.func $double) (ref.null func))
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $ii) (i32.mul (local.get 0) (i32.const 3)))
  (func $square (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func $init (global.set $g (i32.const 7)))
  (func $apply (param $slot i32) (param $x i32) (result i32)
    (call_indirect $t (type $ii) (local.get $x) (local.get $slot)))
  (func $main (export "_start")
    (call $response (call $apply (i32.const 1) (global.get $g)) (call $apply (i32.const 2) (global.get $g)))
    (table.set $t (i32.const 3) (ref.func $square))
    (table.set $t (i32.const 0) (global.get $fref))
    (call $response (call $apply (i32.const 3) (global.get $g)) (call $apply (i32.const 0) (global.get $g))))
  (export "square" (func $square))
  (export "remaining" (func $remaining))
  (start $init))"#;

#[test]
fn function_indices_move_up_by_one_past_the_imports() {
    let before = read(&wasm(INDEXED));
    let p = prep(INDEXED);
    validate(&p.bytes);
    let after = read(&p.bytes);

    // The fuel import comes right after the module's own.
    assert_eq!(
        after.imports,
        [
            ("stratus".to_string(), "remaining_ms".to_string()),
            ("stratus".to_string(), "response".to_string()),
            (FUEL_MODULE.to_string(), FUEL_NAME.to_string()),
        ]
    );
    assert_eq!(after.fuel_import(), 2);

    // The name section follows the functions.
    assert_eq!(before.name_of(2), "double");
    let names = [
        (0, "remaining"),
        (1, "response"),
        (3, "double"),
        (4, "triple"),
        (5, "square"),
        (6, "init"),
        (7, "apply"),
        (8, "main"),
    ];
    for (i, n) in names {
        assert_eq!(after.name_of(i), n);
    }
    // Exports, the start function and element segments point to the same functions.
    assert_eq!(before.export("_start"), 7);
    assert_eq!(after.name_of(after.export("_start")), "main");
    assert_eq!(after.name_of(after.export("square")), "square");
    assert_eq!(after.export("memory"), 0);
    assert_eq!((before.start, after.start), (Some(5), Some(6)));
    assert_eq!(after.export("remaining"), 0);
    assert_eq!(before.elements, [("active", vec![2, 3]), ("declared", vec![4]), ("passive", vec![2])]);
    assert_eq!(after.elements, [("active", vec![3, 4]), ("declared", vec![5]), ("passive", vec![3])]);
    // `ref.func` in a global's initialiser and in code.
    assert_eq!(after.globals[1].2, ["RefFunc { function_index: 4 }", "End"]);
    assert!(after.bodies[5].contains(&"RefFunc { function_index: 5 }".to_string()));
    // Calls: imports keep their index, defined functions move.
    assert_eq!(before.calls[5], [6, 6, 1, 6, 6, 1]);
    assert_eq!(after.calls[5], [2, 7, 7, 1, 7, 7, 1]);
    // One check per function (no loops) but $apply, which only a direct call
    // reaches (the others are in a table, named by `ref.func`, exported or
    // the start function); otherwise the same code.
    assert_eq!(after.fuel_calls(), [1, 1, 1, 1, 0, 1]);
    for i in 0..before.bodies.len() {
        let unchecked = after.without_checks(i);
        let renumbered: Vec<String> = before.bodies[i]
            .iter()
            .map(|op| match op.as_str() {
                "Call { function_index: 6 }" => "Call { function_index: 7 }".to_string(),
                "RefFunc { function_index: 4 }" => "RefFunc { function_index: 5 }".to_string(),
                _ => op.clone(),
            })
            .collect();
        assert_eq!(unchecked, renumbered, "function {i}");
    }
}

#[test]
fn the_counter_is_a_new_mutable_i64_global_starting_at_zero() {
    let after = read(&prep(INDEXED).bytes);
    assert_eq!(after.globals.len(), 3);
    let (ty, mutable, init) = &after.globals[2];
    assert_eq!((*ty, *mutable), (wasmparser::ValType::I64, true));
    assert_eq!(init, &["I64Const { value: 0 }", "End"]);

    // A module without imports or globals gets those sections.
    let p = prep(COMMAND);
    let after = read(&p.bytes);
    assert_eq!(after.imports, [(FUEL_MODULE.to_string(), FUEL_NAME.to_string())]);
    assert_eq!(after.globals.len(), 1);
    assert_eq!(after.export("_start"), 1);
    assert_eq!(after.fuel_calls(), [1]);
    validate(&p.bytes);
}

#[test]
fn the_fuel_import_has_the_abi_signature() {
    let p = prep(COMMAND);
    let mut fuel_type = None;
    let mut types = Vec::new();
    for payload in Parser::new(0).parse_all(&p.bytes) {
        match payload.unwrap() {
            Payload::TypeSection(s) => {
                for t in s.into_iter_err_on_gc_types() {
                    types.push(t.unwrap());
                }
            }
            Payload::ImportSection(s) => {
                for i in s.into_imports() {
                    let i = i.unwrap();
                    if let TypeRef::Func(t) = i.ty {
                        fuel_type = Some(t);
                    }
                }
            }
            _ => {}
        }
    }
    let ty = &types[fuel_type.unwrap() as usize];
    assert!(ty.params().is_empty());
    assert_eq!(ty.results(), [wasmparser::ValType::I64]);
}

#[test]
fn every_loop_header_gets_a_check_charging_its_body() {
    let text = r#"(module
      (memory (export "memory") 1)
      (func $count (param i32) (result i32)
        (loop $l
          local.get 0  i32.const 1  i32.sub  local.tee 0  br_if $l)
        local.get 0)
      (func $nested (param i32)
        (block $out
          (loop $outer
            (loop $inner
              local.get 0  i32.const 1  i32.sub  local.tee 0
              i32.const 100  i32.rem_u
              br_if $inner)
            local.get 0  i32.eqz  br_if $out
            br $outer)))
      (func (export "_start") (drop (call $count (i32.const 3))) (call $nested (i32.const 300))))"#;
    let r = read(&prep(text).bytes);
    // $count and $nested are in no cycle of calls: no check at their entry
    // (their caller charges it), one at each loop.
    assert_eq!(r.fuel_calls(), [1, 2, 1]);
    // $count's loop is its five operators and its `end` (its body outside
    // the loop, `loop`, `local.get 0`, `end`, costs 3).
    assert_eq!(r.costs(0), [6]);
    // $nested's outer loop: loop $inner, local.get, i32.eqz, br_if, br (its
    // `end` is never reached); the inner: 7 + end. (Outside its loops:
    // block, loop, end on its longest path, 3.)
    assert_eq!(r.costs(1), [5, 8]);
    // _start: i32.const, call $count (1 + 3), drop, i32.const, call $nested
    // (1 + 3), end.
    assert_eq!(r.costs(2), [12]);
    // The checks come right after `loop`.
    let body = &r.bodies[0];
    let at = body.iter().position(|op| op.starts_with("Loop")).unwrap();
    assert_eq!(body[at + 1], format!("GlobalGet {{ global_index: {} }}", r.fuel_global()));
}

#[test]
fn a_dispatch_loop_is_charged_its_longest_case_not_all_of_them() {
    // An interpreter's shape: a loop around a br_table whose cases each
    // branch back to it (QuickJS's bytecode loop, with hundreds of cases).
    let text = r#"(module
      (memory (export "memory") 1)
      (func $interp (param $pc i32) (result i32) (local $acc i32)
        (block $done
          (loop $next
            (block $c2
              (block $c1
                (block $c0
                  (br_table $c0 $c1 $c2 $done (local.get $pc)))
                ;; case 0: 5 operators, then back to the loop
                (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                (local.set $pc (i32.const 1))
                (br $next))
              ;; case 1: an if with a long and a short arm
              (if (local.get $acc)
                (then (local.set $acc (i32.mul (i32.add (local.get $acc) (i32.const 2)) (i32.const 3))))
                (else (nop)))
              (local.set $pc (i32.const 2))
              (br $next))
            ;; case 2
            (local.set $pc (i32.const 3))
            (br $next)))
        (local.get $acc))
      (func $early (param i32) (result i32)
        (if (local.get 0) (then (return (i32.const 1))))
        (drop (i32.add (i32.const 1) (i32.const 2)))
        (drop (i32.add (i32.const 1) (i32.const 2)))
        (i32.const 0))
      (func (export "_start") (drop (call $interp (i32.const 0))) (drop (call $early (i32.const 0)))))"#;
    let r = read(&prep(text).bytes);
    // The old rule (the loop's whole size) charged 35 a pass.
    let whole = 35;
    // $interp's body: block, loop (a branch to $done from inside the loop
    // goes on from here), local.get, end.
    // The loop's longest pass is case 1: three blocks, local.get, br_table
    // (5); at `end $c1` local.get, if (7); the then arm's six operators and
    // `else` (14); i32.const, local.set, br $next (17). Case 0 costs 12.
    // ($interp has no entry check: its caller charges those 4.)
    assert_eq!(r.costs(0), [17]);
    assert!(r.costs(0)[0] < whole);
    // $early has no check at all: its caller charges its longest path, the
    // fall-through (local.get, if, 2 × 4, i32.const, end: 12), not the
    // early return (local.get, if, i32.const, return: 4).
    assert!(r.costs(1).is_empty());
    // _start: i32.const, call $interp (1 + 4), drop, i32.const, call $early
    // (1 + 12), drop, end.
    assert_eq!(r.costs(2), [23]);
    // The rewritten module still runs as the original.
    let mut run = run::instantiate(&prep(text).bytes, 1 << 40, u32::MAX).unwrap();
    run.call("_start").unwrap();
}

#[test]
fn unusual_control_flow_still_validates() {
    let text = r#"(module
      (import "stratus" "response" (func $response (param i32 i32)))
      (memory (export "memory") 1)
      (func $dead (result i32)
        unreachable
        loop (result i32) (i32.const 1) end)
      (func $arms (param i32) (result i32) (local $n i32)
        (if (result i32) (local.get 0)
          (then (loop $a (br_if $a (i32.lt_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 3))))
                (local.get $n))
          (else (block $out (result i32)
                  (loop $b
                    (drop (br_if $out (i32.const 5) (local.get $n)))
                    (local.set $n (i32.const 1))
                    (br_table $b $b (i32.const 0)))
                  (i32.const 6)))))
      (func $early (param i32)
        (loop $l (if (local.get 0) (then (return))) (br $l)))
      (func (export "_start")
        (call $response (call $arms (i32.const 1)) (call $arms (i32.const 0)))
        (call $early (i32.const 1))
        (drop (call $dead))))"#;
    let r = read(&prep(text).bytes);
    assert_eq!(r.fuel_calls(), [1, 2, 1, 1]);
    let mut run = run::instantiate(&prep(text).bytes, 1 << 40, u32::MAX).unwrap();
    let e = run.call("_start").unwrap_err();
    assert!(e.to_string().contains("unreachable"), "{e}");
    assert_eq!(run.host().responses, [(3, 5)]);
}

#[test]
fn debug_sections_are_dropped_other_custom_sections_kept() {
    let text = r#"(module
      (@custom ".debug_info" "dwarf")
      (@custom "producers" "kept")
      (memory (export "memory") 1)
      (func $main (export "_start")))"#;
    let before = read(&wasm(text));
    assert!(before.custom.contains(&".debug_info".to_string()));
    let after = read(&prep(text).bytes);
    assert!(!after.custom.iter().any(|c| c.starts_with(".debug")), "{:?}", after.custom);
    assert!(after.custom.contains(&"producers".to_string()));
    assert!(after.custom.contains(&"name".to_string()));
    assert_eq!(after.name_of(1), "main");
}

#[test]
fn a_malformed_name_section_is_dropped() {
    let mut bytes = wasm(COMMAND);
    // A custom section "name" whose function subsection claims 100 bytes.
    bytes.extend_from_slice(&[0, 7, 4, b'n', b'a', b'm', b'e', 1, 100]);
    let p = prepare(&bytes, 128, &table).unwrap();
    validate(&p.bytes);
    assert!(!read(&p.bytes).custom.contains(&"name".to_string()));
}

/// Bulk memory, sign extension, saturating conversions, multi-value blocks
/// and loops with parameters, reference types (several tables,
/// `call_indirect` through table 1, externref, typed select).
const FEATURES_MODULE: &str = r#"(module
  (import "stratus" "response" (func $response (param i32 i32)))
  (memory (export "memory") 1)
  (data $d "hello")
  (table $a 1 funcref)
  (table $b 2 funcref)
  (table $ext 1 externref)
  (elem (table $b) (i32.const 1) func $seven)
  (func $seven (result i32) (i32.const 7))
  (func $pair (param i32) (result i32 i32) (local.get 0) (i32.add (local.get 0) (i32.const 1)))
  (func (export "_start") (local $n i32)
    ;; bulk memory: 'o' (111) and 'A' (65)
    (memory.init $d (i32.const 100) (i32.const 0) (i32.const 5))
    (data.drop $d)
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 5))
    (memory.fill (i32.const 300) (i32.const 0x41) (i32.const 3))
    (call $response (i32.load8_u (i32.const 204)) (i32.load8_u (i32.const 302)))
    ;; sign extension: -1, -2147483648
    (call $response (i32.extend8_s (i32.const 0xff))
                    (i32.wrap_i64 (i64.extend32_s (i64.const 0x80000000))))
    ;; saturating conversions: 2147483647, 0
    (call $response (i32.trunc_sat_f64_s (f64.const 1e20)) (i32.trunc_sat_f32_u (f32.const -5)))
    ;; multi-value: a block with a parameter and two results: 41, 42
    i32.const 41
    block (param i32) (result i32 i32)
      call $pair
    end
    call $response
    ;; a loop with a parameter and a result: 10, 4
    i32.const 0
    loop $l (param i32) (result i32)
      i32.const 1
      i32.add
      local.tee $n
      local.get $n
      i32.const 10
      i32.lt_u
      br_if $l
    end
    (select (result i32) (i32.const 3) (i32.const 4) (i32.const 0))
    call $response
    ;; reference types: 7 through table 1, 1 (null), then 1 (null extern), table sizes 2 + 1
    (call $response (call_indirect $b (result i32) (i32.const 1))
                    (ref.is_null (table.get $a (i32.const 0))))
    (table.set $ext (i32.const 0) (ref.null extern))
    (call $response (ref.is_null (table.get $ext (i32.const 0)))
                    (i32.add (table.size $b) (table.size $ext)))
    ;; memory.grow within the limit (old size 1), then past it (-1)
    (call $response (memory.grow (i32.const 1)) (memory.grow (i32.const 100)))))"#;

const FEATURES_EXPECTED: [(i32, i32); 8] =
    [(111, 65), (-1, i32::MIN), (i32::MAX, 0), (41, 42), (10, 4), (7, 1), (1, 3), (1, -1)];

#[test]
fn post_mvp_features_round_trip() {
    let p = prep_mb(FEATURES_MODULE, 4).unwrap();
    validate(&p.bytes);
    let r = read(&p.bytes);
    assert_eq!(r.fuel_calls(), [1, 0, 2]);
    for op in [
        "MemoryInit",
        "DataDrop",
        "MemoryCopy",
        "MemoryFill",
        "I32Extend8S",
        "I64Extend32S",
        "I32TruncSatF64S",
        "I32TruncSatF32U",
        "TypedSelect",
        "TableGet",
        "TableSet",
        "TableSize",
        "RefIsNull",
        "RefNull",
    ] {
        assert!(r.bodies[2].iter().any(|o| o.starts_with(op)), "{op} missing");
    }
    assert!(r.bodies[2].iter().any(|o| o.starts_with("CallIndirect") && o.contains("table_index: 1")));
}

// ---------------------------------------------------------------- running the result (wasmi)

mod run {
    use super::*;
    use wasmi::{Caller, Engine, Linker, Module, Store};

    pub struct Host {
        /// What `fuel` returns.
        pub refill: i64,
        /// `fuel` stops the run (as a timeout) on this call.
        pub stop_at: u32,
        pub fuel_calls: u32,
        pub responses: Vec<(i32, i32)>,
    }

    pub struct Run {
        pub store: Store<Host>,
        pub instance: wasmi::Instance,
    }

    impl Run {
        pub fn call(&mut self, name: &str) -> Result<(), wasmi::Error> {
            let f = self.instance.get_typed_func::<(), ()>(&self.store, name).unwrap();
            f.call(&mut self.store, ())
        }
        pub fn host(&self) -> &Host {
            self.store.data()
        }
    }

    /// Instantiates `bytes` (running its start function).
    pub fn instantiate(bytes: &[u8], refill: i64, stop_at: u32) -> Result<Run, wasmi::Error> {
        let engine = Engine::default();
        let module = Module::new(&engine, bytes)?;
        let host = Host { refill, stop_at, fuel_calls: 0, responses: Vec::new() };
        let mut store = Store::new(&engine, host);
        let mut linker = <Linker<Host>>::new(&engine);
        linker.func_wrap(
            FUEL_MODULE,
            FUEL_NAME,
            |mut caller: Caller<'_, Host>| -> Result<i64, wasmi::Error> {
                let host = caller.data_mut();
                host.fuel_calls += 1;
                if host.fuel_calls >= host.stop_at {
                    return Err(wasmi::Error::new("Task timed out"));
                }
                Ok(host.refill)
            },
        )?;
        linker.func_wrap("stratus", "response", |mut caller: Caller<'_, Host>, a: i32, b: i32| {
            caller.data_mut().responses.push((a, b));
        })?;
        linker.func_wrap("stratus", "remaining_ms", |_: Caller<'_, Host>| -> i64 { 1000 })?;
        let instance = linker.instantiate_and_start(&mut store, &module)?;
        Ok(Run { store, instance })
    }
}

#[test]
fn the_rewritten_module_behaves_as_the_original() {
    let original = wasm(INDEXED);
    let mut a = run::instantiate(&original, 1 << 40, u32::MAX).unwrap();
    a.call("_start").unwrap();
    assert_eq!(a.host().responses, [(14, 21), (49, 21)]);
    assert_eq!(a.host().fuel_calls, 0);

    let mut b = run::instantiate(&prep(INDEXED).bytes, 1 << 40, u32::MAX).unwrap();
    // The start function's entry asked for fuel, once, at instantiation.
    assert_eq!(b.host().fuel_calls, 1);
    b.call("_start").unwrap();
    assert_eq!(b.host().responses, a.host().responses);
    assert_eq!(b.host().fuel_calls, 1);
}

#[test]
fn post_mvp_features_behave_as_the_original() {
    // With 4 MB the memory of 1 page grows to 2 and not to 102 pages, as
    // the original (no maximum) would.
    let original = wasm(FEATURES_MODULE);
    let mut a = run::instantiate(&original, 1, u32::MAX).unwrap();
    a.call("_start").unwrap();
    let mut expected = FEATURES_EXPECTED.to_vec();
    *expected.last_mut().unwrap() = (1, 2);
    assert_eq!(a.host().responses, expected);

    let prepared = prep_mb(FEATURES_MODULE, 4).unwrap();
    let mut b = run::instantiate(&prepared.bytes, 1 << 40, u32::MAX).unwrap();
    b.call("_start").unwrap();
    assert_eq!(b.host().responses, FEATURES_EXPECTED);
}

#[test]
fn memory_grow_stops_at_the_limit() {
    let text = r#"(module
      (import "stratus" "response" (func $response (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (call $response (memory.grow (i32.const 15)) (memory.size))
        (call $response (memory.grow (i32.const 1)) (memory.size))))"#;
    let p = prep_mb(text, 1).unwrap();
    let mut r = run::instantiate(&p.bytes, 1 << 40, u32::MAX).unwrap();
    r.call("_start").unwrap();
    assert_eq!(r.host().responses, [(1, 16), (-1, 16)]);
}

#[test]
fn an_endless_loop_reaches_the_fuel_function_which_can_stop_it() {
    let text = r#"(module
      (memory (export "memory") 1)
      (func (export "_start") (loop $forever (br $forever))))"#;
    let p = prep(text);
    let mut r = run::instantiate(&p.bytes, 1000, 50).unwrap();
    let e = r.call("_start").unwrap_err();
    assert!(e.to_string().contains("Task timed out"), "{e}");
    assert_eq!(r.host().fuel_calls, 50);
}

#[test]
fn the_counter_starts_empty_and_each_check_charges_its_region() {
    // The loop runs 1000 times; its region is 6 operators.
    let text = r#"(module
      (memory (export "memory") 1)
      (global $i (mut i32) (i32.const 1000))
      (func (export "_start")
        (loop $l
          global.get $i  i32.const 1  i32.sub  global.set $i
          global.get $i  br_if $l)))"#;
    let r = read(&prep(text).bytes);
    assert_eq!(r.costs(0), [2, 7]);
    // First entry: 0 - 3 < 0, the host refills to 100. Each pass then
    // charges 7: the 15th pass takes the counter below zero (100 - 105), and
    // the host refills it again; 1000 passes make 66 refills.
    let mut run = run::instantiate(&prep(text).bytes, 100, u32::MAX).unwrap();
    run.call("_start").unwrap();
    assert_eq!(run.host().fuel_calls, 1 + 1000 / 15);
    // The counter carries over to the next call of the same instance.
    let mut run = run::instantiate(&prep(COMMAND).bytes, 10, u32::MAX).unwrap();
    for _ in 0..5 {
        run.call("_start").unwrap();
    }
    // Cost 1 per call: refilled to 10 at the first, then 4 more calls.
    assert_eq!(run.host().fuel_calls, 1);
}

#[test]
fn recursion_without_loops_reaches_the_fuel_function() {
    let text = r#"(module
      (memory (export "memory") 1)
      (func $down (param i32)
        (if (local.get 0) (then (call $down (i32.sub (local.get 0) (i32.const 1))))))
      (func (export "_start") (call $down (i32.const 300))))"#;
    let r = read(&prep(text).bytes);
    assert_eq!(r.fuel_calls(), [1, 1]);
    assert_eq!(r.costs(0), [8]);
    // The entry of _start gets the first refill (100); then 301 entries of
    // $down charge 8 each, so every 13th needs a refill.
    let mut run = run::instantiate(&prep(text).bytes, 100, u32::MAX).unwrap();
    run.call("_start").unwrap();
    assert_eq!(run.host().fuel_calls, 1 + 301 / 13);
}

#[test]
fn a_cycle_of_calls_keeps_a_check_and_its_other_functions_are_charged_at_the_call() {
    let text = r#"(module
      (memory (export "memory") 1)
      (func $ping (param i32) (call $pong (local.get 0)))
      (func $pong (param i32)
        (if (local.get 0) (then (call $ping (i32.sub (local.get 0) (i32.const 1))))))
      (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "_start") (call $ping (call $leaf (i32.const 300)))))"#;
    let r = read(&prep(text).bytes);
    // $pong, the larger of the cycle's two, is checked; $ping and $leaf,
    // which no cycle needs, are not.
    assert_eq!(r.fuel_calls(), [0, 1, 0, 1]);
    // $pong: local.get, if, local.get, i32.const, i32.sub, call $ping (1 +
    // its local.get, call and end: 4), end, end.
    assert_eq!(r.costs(1), [11]);
    // _start: i32.const, call $leaf (1 + 4), call $ping (1 + 3), end.
    assert_eq!(r.costs(3), [11]);
    let mut run = run::instantiate(&prep(text).bytes, 1 << 40, u32::MAX).unwrap();
    run.call("_start").unwrap();

    // Endless, the cycle still reaches the fuel function at each turn.
    let endless = r#"(module
      (memory (export "memory") 1)
      (func $ping (call $pong))
      (func $pong (call $ping))
      (func (export "_start") (call $ping)))"#;
    assert_eq!(read(&prep(endless).bytes).fuel_calls(), [0, 1, 1]);
    let mut run = run::instantiate(&prep(endless).bytes, 10, 50).unwrap();
    let e = run.call("_start").unwrap_err();
    assert!(e.to_string().contains("Task timed out"), "{e}");
    assert_eq!(run.host().fuel_calls, 50);
}

#[test]
fn a_call_that_would_charge_more_than_the_limit_gets_a_check_instead() {
    // $f0 calls $f1 twice, $f1 calls $f2 twice, ... so that what a call
    // charges doubles at each level: $f15 costs 2 (nop, end), $f14 7, and
    // $f4 would cost 10,237.
    let mut text = String::from(r#"(module (memory (export "memory") 1)"#);
    for k in 0..15 {
        text += &format!("(func $f{k} (call $f{n}) (call $f{n}))", n = k + 1);
    }
    text += r#"(func $f15 nop) (func (export "_start") (call $f0)))"#;
    let r = read(&prep(&text).bytes);
    let mut expected = vec![0; 17];
    expected[4] = 1;
    expected[16] = 1;
    assert_eq!(r.fuel_calls(), expected);
    const { assert!(10_237 > instrument::MAX_CHARGED_AT_CALL) };
    assert_eq!(r.costs(4), [10_237]);
    // Above it, a call of $f4 costs 1: $f3 costs 2 × 1 + 1 = 3, $f2 2 × (1 +
    // 3) + 1 = 9, $f1 21, $f0 45, and _start 1 + 45 + 1.
    assert_eq!(r.costs(16), [47]);
    let mut run = run::instantiate(&prep(&text).bytes, 1 << 40, u32::MAX).unwrap();
    run.call("_start").unwrap();
}

#[test]
fn a_reactor_runs_its_initialisers_and_handler_with_fuel() {
    let text = r#"(module
      (import "stratus" "response" (func $response (param i32 i32)))
      (memory (export "memory") 1)
      (global $state (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $state (i32.const 10)))
      (func (export "stratus_init") (global.set $state (i32.add (global.get $state) (i32.const 5))))
      (func (export "stratus_alloc") (param i32) (result i32) (i32.const 1024))
      (func (export "stratus_handle") (param $ptr i32) (param $len i32) (result i32)
        (global.set $state (i32.add (global.get $state) (local.get $len)))
        (call $response (local.get $ptr) (global.get $state))
        (i32.const 0)))"#;
    let p = prep(text);
    assert_eq!(p.form, Form::Reactor { has_initialize: true, has_init: true });
    let mut r = run::instantiate(&p.bytes, 1 << 40, u32::MAX).unwrap();
    r.call("_initialize").unwrap();
    r.call("stratus_init").unwrap();
    let alloc = r.instance.get_typed_func::<i32, i32>(&r.store, "stratus_alloc").unwrap();
    let handle = r.instance.get_typed_func::<(i32, i32), i32>(&r.store, "stratus_handle").unwrap();
    for len in [3, 4] {
        let ptr = alloc.call(&mut r.store, len).unwrap();
        assert_eq!(handle.call(&mut r.store, (ptr, len)).unwrap(), 0);
    }
    assert_eq!(r.host().responses, [(1024, 18), (1024, 22)]);
    assert_eq!(r.host().fuel_calls, 1);
}
