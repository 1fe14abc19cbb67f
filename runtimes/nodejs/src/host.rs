//! The host's functions, as `docs/function-abi.md` names them: the
//! `stratus` module and the few WASI preview1 functions this runtime needs.
//! On wasm32-unknown-unknown nothing declares them for us; these are the
//! module's only imports (with `env.__rquickjs_host_now_us`, which
//! `lib.rs` defines itself so that it never becomes an import).

use std::cell::Cell;

#[link(wasm_import_module = "stratus")]
unsafe extern "C" {
    #[link_name = "call_into"]
    fn stratus_call_into(req_ptr: *const u8, req_len: i32, dst_ptr: *mut u8, dst_len: i32) -> i32;
    #[link_name = "call_result"]
    fn stratus_call_result(dst_ptr: *mut u8, dst_len: i32) -> i32;
    #[link_name = "response"]
    fn stratus_response(ptr: *const u8, len: i32);
    #[link_name = "context"]
    fn stratus_context(dst_ptr: *mut u8, dst_len: i32) -> i32;
    #[link_name = "remaining_ms"]
    fn stratus_remaining_ms() -> i64;
    #[link_name = "code"]
    fn stratus_code(dst_ptr: *mut u8, dst_len: i32) -> i32;
}

#[repr(C)]
struct Ciovec {
    buf: *const u8,
    len: usize,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn fd_write(fd: i32, iovs: *const Ciovec, iovs_len: i32, nwritten: *mut usize) -> i32;
    fn clock_time_get(id: i32, precision: i64, time: *mut u64) -> i32;
    fn random_get(buf: *mut u8, len: i32) -> i32;
    fn environ_sizes_get(count: *mut usize, size: *mut usize) -> i32;
    fn environ_get(environ: *mut *mut u8, buf: *mut u8) -> i32;
    fn proc_exit(code: i32) -> !;
}

/// What [`read_sized`] offers the host first: most contexts and cloud
/// answers fit, and then one call does (each call crosses into the host).
const FIRST_READ: usize = 4096;

/// Reads a host buffer with the "copy if it fits, return the length"
/// convention of `stratus.context`, `stratus.code` and `stratus.call_result`:
/// into a buffer of [`FIRST_READ`] bytes, and again at the full length when
/// it did not fit.
fn read_sized(get: unsafe extern "C" fn(*mut u8, i32) -> i32) -> Vec<u8> {
    let mut buf = vec![0u8; FIRST_READ];
    // SAFETY: `buf` has FIRST_READ writable bytes.
    let len = unsafe { get(buf.as_mut_ptr(), FIRST_READ as i32) };
    if len <= 0 {
        return Vec::new();
    }
    let len = len as usize;
    if len > FIRST_READ {
        buf = vec![0u8; len];
        // SAFETY: `buf` has `len` writable bytes.
        unsafe { get(buf.as_mut_ptr(), len as i32) };
    }
    buf.truncate(len);
    buf
}

thread_local! {
    /// The buffer a call's answer is read into when it fits, kept from one
    /// call to the next.
    static ANSWER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Sends one HTTP/1.1 request message to the cloud and gives the response
/// message to `read`: with `stratus.call_into`, which copies an answer that
/// fits the buffer it is given in the same crossing, and `call_result` for
/// one that does not.
pub fn call<R>(request: &[u8], read: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = ANSWER.take();
    if buf.len() < FIRST_READ {
        buf = vec![0u8; FIRST_READ];
    }
    // SAFETY: the request is a live slice, `buf` has `buf.len()` writable bytes.
    let len = unsafe { stratus_call_into(request.as_ptr(), request.len() as i32, buf.as_mut_ptr(), buf.len() as i32) };
    let out = if len <= 0 {
        read(&[])
    } else if len as usize <= buf.len() {
        read(&buf[..len as usize])
    } else {
        let mut all = vec![0u8; len as usize];
        // SAFETY: `all` has `len` writable bytes.
        unsafe { stratus_call_result(all.as_mut_ptr(), len) };
        read(&all)
    };
    ANSWER.set(buf);
    out
}

pub fn response(payload: &[u8]) {
    // SAFETY: the payload is a live slice.
    unsafe { stratus_response(payload.as_ptr(), payload.len() as i32) }
}

/// The invocation's context JSON (the host writes UTF-8).
pub fn context() -> String {
    let bytes = read_sized(stratus_context);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

pub fn code() -> Vec<u8> {
    read_sized(stratus_code)
}

pub fn remaining_ms() -> i64 {
    // SAFETY: no arguments.
    unsafe { stratus_remaining_ms() }
}

/// Writes all of `data` to fd 1 or 2 (the log).
pub fn write(fd: i32, data: &[u8]) {
    let mut rest = data;
    while !rest.is_empty() {
        let iov = Ciovec { buf: rest.as_ptr(), len: rest.len() };
        let mut written = 0usize;
        // SAFETY: one iovec over a live slice, and a live out-parameter.
        let errno = unsafe { fd_write(fd, &iov, 1, &mut written) };
        if errno != 0 || written == 0 {
            return;
        }
        rest = &rest[written.min(rest.len())..];
    }
}

/// A WASI clock in nanoseconds: 0 realtime (the engine clock), 1 monotonic.
fn clock_ns(id: i32) -> u64 {
    let mut t = 0u64;
    // SAFETY: a live out-parameter.
    unsafe { clock_time_get(id, 1_000, &mut t) };
    t
}

pub fn random(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    if len > 0 {
        // SAFETY: `buf` has `len` writable bytes.
        unsafe { random_get(buf.as_mut_ptr(), len as i32) };
    }
    buf
}

/// The environment, as "NAME=value" strings.
pub fn environ() -> Vec<String> {
    let (mut count, mut size) = (0usize, 0usize);
    // SAFETY: live out-parameters.
    if unsafe { environ_sizes_get(&mut count, &mut size) } != 0 || count == 0 {
        return Vec::new();
    }
    let mut ptrs: Vec<*mut u8> = vec![std::ptr::null_mut(); count];
    let mut buf = vec![0u8; size];
    // SAFETY: `count` pointer slots and `size` bytes, as the host asked for.
    if unsafe { environ_get(ptrs.as_mut_ptr(), buf.as_mut_ptr()) } != 0 {
        return Vec::new();
    }
    buf.split(|&b| b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
}

pub fn exit(code: i32) -> ! {
    // SAFETY: ends the instance's run.
    unsafe { proc_exit(code) }
}

// ---------------------------------------------------------------------------
// Virtual time. Timers do not block the tab: when the event loop has only
// timers left, the runtime runs the next one at once and adds the time it
// skipped here, so Date.now(), performance.now() and the remaining time all
// move as if it had waited.

thread_local! {
    /// Milliseconds skipped since the instance started (moves every clock).
    static SKIPPED_MS: Cell<f64> = const { Cell::new(0.0) };
    /// Milliseconds skipped during the current invocation (counts against its deadline).
    static SKIPPED_IN_INVOCATION_MS: Cell<f64> = const { Cell::new(0.0) };
}

pub fn skip(ms: f64) {
    if ms > 0.0 && ms.is_finite() {
        SKIPPED_MS.with(|s| s.set(s.get() + ms));
        SKIPPED_IN_INVOCATION_MS.with(|s| s.set(s.get() + ms));
    }
}

pub fn begin_invocation() {
    SKIPPED_IN_INVOCATION_MS.with(|s| s.set(0.0));
}

/// Realtime (the engine clock) in milliseconds, with the skipped time.
pub fn now_ms() -> f64 {
    clock_ns(0) as f64 / 1e6 + SKIPPED_MS.with(Cell::get)
}

/// Monotonic time in milliseconds, with the skipped time.
pub fn monotonic_ms() -> f64 {
    clock_ns(1) as f64 / 1e6 + SKIPPED_MS.with(Cell::get)
}

/// Milliseconds left before the invocation's deadline, less the skipped time.
pub fn remaining() -> f64 {
    let left = remaining_ms();
    if left == i64::MAX {
        return f64::INFINITY;
    }
    (left as f64 - SKIPPED_IN_INVOCATION_MS.with(Cell::get)).max(0.0)
}
