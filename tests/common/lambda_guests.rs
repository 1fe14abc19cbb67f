//! Guest modules in WebAssembly text shared by the native engine tests
//! (tests/engine_lambda_wasi.rs, on wasmi) and the browser tests
//! (tests/browser.rs, on the browser's own engine), so that both engines run
//! the very same guests. Each includes this file with
//! `#[path = "common/lambda_guests.rs"] mod lambda_guests;`.
#![allow(dead_code)]

/// fd_read, fd_write and `$write`: goes after a module's other imports.
pub const FD_IO: &str = r#"
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ;; writes [ptr, ptr+len) to fd with one iovec at 16, nwritten at 24
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (if (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 24)) (local.get $len)) (then unreachable)))
"#;

/// A command: stdin uppercased to stdout (two iovecs in one fd_write), then
/// two whole lines and a partial one to stderr.
pub fn echo_module() -> String {
    format!(
        r#"(module
  {FD_IO}
  (memory (export "memory") 1)
  (data (i32.const 64) "hello from stderr\r\nsecond\npartial")
  (func (export "_start")
    (local $len i32) (local $n i32) (local $i i32) (local $c i32) (local $half i32)
    ;; read stdin three bytes at a time into 1024..
    (block $done
      (loop $more
        (i32.store (i32.const 0) (i32.add (i32.const 1024) (local.get $len)))
        (i32.store (i32.const 4) (i32.const 3))
        (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)) (then unreachable))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $more)))
    ;; uppercase a-z
    (block $end
      (loop $up
        (br_if $end (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $up)))
    ;; stdout: two iovecs (the two halves) in one fd_write
    (local.set $half (i32.div_u (local.get $len) (i32.const 2)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (local.get $half))
    (i32.store (i32.const 40) (i32.add (i32.const 1024) (local.get $half)))
    (i32.store (i32.const 44) (i32.sub (local.get $len) (local.get $half)))
    (if (call $fd_write (i32.const 1) (i32.const 32) (i32.const 2) (i32.const 48)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 48)) (local.get $len)) (then unreachable))
    ;; stderr: two whole lines and a partial one
    (call $write (i32.const 2) (i32.const 64) (i32.const 33))))"#
    )
}

/// A command that writes "before" to stdout, exits with `code`, and would
/// write again if it came back.
pub fn exit_module(code: i32) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  {FD_IO}
  (memory (export "memory") 1)
  (data (i32.const 64) "before")
  (func (export "_start")
    (call $write (i32.const 1) (i32.const 64) (i32.const 6))
    (call $exit (i32.const {code}))
    (call $write (i32.const 1) (i32.const 64) (i32.const 6))))"#
    )
}

pub const CLOCKS: &str = r#"(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $res (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "realtime") (result i64)
    (if (call $time (i32.const 0) (i64.const 1) (i32.const 8)) (then unreachable))
    (i64.load (i32.const 8)))
  (func (export "monotonic") (result i64)
    (if (call $time (i32.const 1) (i64.const 1) (i32.const 8)) (then unreachable))
    (i64.load (i32.const 8)))
  (func (export "bad_clock") (result i32)
    (call $time (i32.const 9) (i64.const 1) (i32.const 8)))
  (func (export "realtime_res") (result i64)
    (if (call $res (i32.const 0) (i32.const 8)) (then unreachable))
    (i64.load (i32.const 8))))"#;

pub const REACTOR: &str = r#"(module
  (import "stratus" "response" (func $response (param i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "handled\n")
  (global $count (mut i32) (i32.const 0))
  (global $next (mut i32) (i32.const 4096))
  (func (export "stratus_alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $len)))
    (local.get $p))
  (func (export "stratus_handle") (param $ptr i32) (param $len i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    ;; the response: the count as one digit, then the payload
    (i32.store8 (i32.const 1024) (i32.add (i32.const 48) (global.get $count)))
    (memory.copy (i32.const 1025) (local.get $ptr) (local.get $len))
    (call $response (i32.const 1024) (i32.add (local.get $len) (i32.const 1)))
    ;; in a reactor stdout is a log stream
    (i32.store (i32.const 16) (i32.const 64))
    (i32.store (i32.const 20) (i32.const 8))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (i32.const 0)))"#;

pub const CALLER: &str = r#"(module
  (import "stratus" "call" (func $call (param i32 i32) (result i32)))
  (import "stratus" "call_result" (func $call_result (param i32 i32) (result i32)))
  (import "stratus" "call_into" (func $call_into (param i32 i32 i32 i32) (result i32)))
  (import "stratus" "context" (func $context (param i32 i32) (result i32)))
  (import "stratus" "remaining_ms" (func $remaining (result i64)))
  (memory (export "memory") 1)
  ;; sends the request at [ptr, ptr+len); the response goes to 8192
  (func (export "send") (param $ptr i32) (param $len i32) (result i32)
    (local $n i32)
    (local.set $n (call $call (local.get $ptr) (local.get $len)))
    ;; too small a buffer: the length comes back, nothing is copied
    (if (i32.ne (call $call_result (i32.const 4096) (i32.const 4)) (local.get $n)) (then unreachable))
    (if (i32.ne (call $call_result (i32.const 8192) (local.get $n)) (local.get $n)) (then unreachable))
    (local.get $n))
  ;; sends the request at [ptr, ptr+len) with its answer to [dst, dst+cap)
  (func (export "send_into") (param $ptr i32) (param $len i32) (param $dst i32) (param $cap i32) (result i32)
    (call $call_into (local.get $ptr) (local.get $len) (local.get $dst) (local.get $cap)))
  ;; copies the kept answer to [dst, dst+cap)
  (func (export "result") (param $dst i32) (param $cap i32) (result i32)
    (call $call_result (local.get $dst) (local.get $cap)))
  (func (export "context") (param $ptr i32) (param $len i32) (result i32)
    (call $context (local.get $ptr) (local.get $len)))
  (func (export "remaining") (result i64) (call $remaining)))"#;

/// What the deploy-time rewriter weaves in, written by hand: a fuel counter
/// charged at every loop header, refilled by `stratus_internal.fuel`.
pub const ENDLESS: &str = r#"(module
  (import "stratus_internal" "fuel" (func $fuel (result i64)))
  (memory (export "memory") 1)
  (global $fuel (mut i64) (i64.const 0))
  (global $refills (mut i32) (i32.const 0))
  (func (export "refills") (result i32) (global.get $refills))
  (func (export "fuel_once") (result i64) (call $fuel))
  (func (export "_start")
    (loop $forever
      (global.set $fuel (i64.sub (global.get $fuel) (i64.const 1)))
      (if (i64.lt_s (global.get $fuel) (i64.const 0))
        (then
          (global.set $fuel (call $fuel))
          (global.set $refills (i32.add (global.get $refills) (i32.const 1)))))
      (br $forever))))"#;

/// Guest traps: unreachable, an out-of-bounds load, endless recursion.
pub const TRAPS: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "unreachable") unreachable)
  (func (export "out_of_bounds") (result i32) (i32.load (i32.const 65536)))
  (func $deep (export "deep") (call $deep)))"#;
