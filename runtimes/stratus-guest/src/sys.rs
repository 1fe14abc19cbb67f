//! The host's `stratus` imports (docs/function-abi.md), wrapped so that no
//! other module touches a raw pointer. Outside wasm32 there is no host: the
//! stand-ins let the crate's pure parts build and be unit-tested natively.

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "stratus")]
    unsafe extern "C" {
        pub fn call(req_ptr: *const u8, req_len: usize) -> i32;
        pub fn call_result(dst_ptr: *mut u8, dst_len: usize) -> i32;
        pub fn response(ptr: *const u8, len: usize);
        pub fn context(dst_ptr: *mut u8, dst_len: usize) -> i32;
        pub fn remaining_ms() -> i64;
    }
}

/// Sends one request message and returns the response message.
#[cfg(target_arch = "wasm32")]
pub fn call(request: &[u8]) -> Vec<u8> {
    // SAFETY: the host reads `request.len()` bytes of our memory.
    let len = unsafe { imports::call(request.as_ptr(), request.len()) };
    read_kept(len, |dst, dst_len| unsafe {
        imports::call_result(dst, dst_len)
    })
}

/// Sets the invocation's response payload (the host copies it).
#[cfg(target_arch = "wasm32")]
pub fn response(payload: &[u8]) {
    // SAFETY: the host reads `payload.len()` bytes of our memory.
    unsafe { imports::response(payload.as_ptr(), payload.len()) }
}

/// The invocation's context JSON.
#[cfg(target_arch = "wasm32")]
pub fn context() -> Vec<u8> {
    // SAFETY: with a zero length the host writes nothing, it only measures.
    let len = unsafe { imports::context(core::ptr::null_mut(), 0) };
    read_kept(len, |dst, dst_len| unsafe {
        imports::context(dst, dst_len)
    })
}

/// Milliseconds left before the invocation times out.
#[cfg(target_arch = "wasm32")]
pub fn remaining_ms() -> i64 {
    // SAFETY: no arguments, no memory.
    unsafe { imports::remaining_ms() }
}

/// Copies a value the host holds, whose length it announced, into a new
/// buffer; `copy(dst, len)` writes at most `len` bytes at `dst`.
#[cfg(target_arch = "wasm32")]
fn read_kept(len: i32, copy: impl Fn(*mut u8, usize) -> i32) -> Vec<u8> {
    let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
    let copied = copy(buf.as_mut_ptr(), buf.len());
    // The host answers the length either way; it only copies if it fits.
    if usize::try_from(copied).ok() != Some(buf.len()) {
        buf.clear();
    }
    buf
}

#[cfg(not(target_arch = "wasm32"))]
pub fn call(_request: &[u8]) -> Vec<u8> {
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\nno Stratus host outside wasm32"
        .to_vec()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn response(_payload: &[u8]) {}

#[cfg(not(target_arch = "wasm32"))]
pub fn context() -> Vec<u8> {
    b"{}".to_vec()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn remaining_ms() -> i64 {
    0
}
