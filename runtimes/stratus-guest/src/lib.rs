//! Write Stratus functions in Rust.
//!
//! A function is a `cdylib` built with `--target wasm32-wasip1`: a reactor
//! in the terms of `docs/function-abi.md`, whose instance stays warm between
//! invocations. One macro registers its handler:
//!
//! ```ignore
//! use stratus_guest::{json, Context, Error, Value};
//!
//! fn greet(event: Value, ctx: &Context) -> Result<Value, Error> {
//!     println!("request {}", ctx.aws_request_id); // stdout and stderr go to the log
//!     Ok(json!({ "message": "Hello from Stratus!", "input": event }))
//! }
//!
//! stratus_guest::handler!(greet);
//! ```
//!
//! The event may be any `Deserialize` type and the result any `Serialize`
//! type; `serde_json::Value` takes and gives anything. An `Err` becomes
//! Lambda's `{"errorType", "errorMessage"}` and a function error. The cloud
//! is reached with [`call`] (any endpoint, as an HTTP/1.1 message) and, for
//! DynamoDB, [`dynamodb`].

mod dynamodb;
mod http;
mod sys;

pub use dynamodb::{dynamodb, marshal, marshal_map, unmarshal, unmarshal_map, AwsError};
pub use http::{call, Response};
pub use serde_json::{self, json, Value};

use std::fmt;

/// The invocation's context, as Lambda gives it (`stratus.context`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub aws_request_id: String,
    pub invoked_function_arn: String,
    pub function_name: String,
    pub function_version: String,
    pub memory_limit_in_mb: u32,
    pub log_group_name: String,
    pub log_stream_name: String,
    /// When the invocation times out, in epoch milliseconds of the engine's clock.
    pub deadline_ms: i64,
}

impl Context {
    /// The current invocation's context, from the host.
    pub fn current() -> Context {
        let json = serde_json::from_slice(&sys::context()).unwrap_or(Value::Null);
        Context::from_json(&json)
    }

    /// Reads the context JSON; missing fields stay empty.
    pub fn from_json(json: &Value) -> Context {
        let text = |k: &str| {
            json.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let int = |k: &str| json.get(k).and_then(Value::as_i64).unwrap_or_default();
        Context {
            aws_request_id: text("awsRequestId"),
            invoked_function_arn: text("invokedFunctionArn"),
            function_name: text("functionName"),
            function_version: text("functionVersion"),
            memory_limit_in_mb: u32::try_from(int("memoryLimitInMB")).unwrap_or_default(),
            log_group_name: text("logGroupName"),
            log_stream_name: text("logStreamName"),
            deadline_ms: int("deadlineMs"),
        }
    }

    /// Milliseconds left before the function times out (`getRemainingTimeInMillis`).
    pub fn remaining_time_ms(&self) -> i64 {
        sys::remaining_ms()
    }
}

/// A function error: Lambda's `{"errorType": ..., "errorMessage": ...}`.
///
/// `?` converts any `std::error::Error` (its type name is the `errorType`,
/// as the Lambda Rust runtime reports it) and an [`AwsError`] (its short
/// `__type`, e.g. `ResourceNotFoundException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub error_type: String,
    pub error_message: String,
}

impl Error {
    pub fn new(error_type: impl Into<String>, error_message: impl Into<String>) -> Error {
        Error {
            error_type: error_type.into(),
            error_message: error_message.into(),
        }
    }

    /// The payload the function answers with.
    pub fn to_json(&self) -> Value {
        json!({ "errorType": self.error_type, "errorMessage": self.error_message })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.error_message)
    }
}

// `Error` itself is not a `std::error::Error`, so that this blanket
// conversion does not overlap `From<T> for T` (anyhow's trick).
impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Error {
        Error::new(std::any::type_name::<E>(), e.to_string())
    }
}

/// Registers the function's handler: exports `_initialize` (the WASI
/// reactor's constructors), `stratus_alloc` and `stratus_handle`, and, with
/// `init = f`, `stratus_init`, which runs `f()` once per cold start. The
/// handler is a `fn(E, &Context) -> Result<R, Error>` with
/// `E: DeserializeOwned` and `R: Serialize`.
///
/// ```ignore
/// stratus_guest::handler!(my_handler);
/// stratus_guest::handler!(my_handler, init = warm_up);
/// ```
#[macro_export]
macro_rules! handler {
    ($handler:expr $(, init = $init:expr)? $(,)?) => {
        /// WASI reactor convention: runs the static constructors, once.
        /// (A `cdylib` gets no crt1-reactor.o from rustc, so no `_initialize`.)
        #[unsafe(no_mangle)]
        pub extern "C" fn _initialize() {
            $crate::__private::initialize()
        }

        /// Stratus ABI: `len` writable bytes for the next event.
        #[unsafe(no_mangle)]
        pub extern "C" fn stratus_alloc(len: i32) -> i32 {
            $crate::__private::alloc(len)
        }

        /// Stratus ABI: handles the event at `ptr` (from `stratus_alloc`).
        #[unsafe(no_mangle)]
        pub extern "C" fn stratus_handle(ptr: i32, len: i32) -> i32 {
            // SAFETY: the host passes the buffer `stratus_alloc(len)` gave it.
            unsafe { $crate::__private::handle(ptr, len, $handler) }
        }

        $(
            /// Stratus ABI: runs once per cold start, after `_initialize`.
            #[unsafe(no_mangle)]
            pub extern "C" fn stratus_init() {
                ($init)()
            }
        )?
    };
}

/// What [`handler!`] expands to; not a stable API.
#[doc(hidden)]
pub mod __private {
    use super::{sys, Context, Error};
    use serde::{de::DeserializeOwned, Serialize};
    use std::alloc::{alloc as raw_alloc, dealloc, Layout};
    use std::io::Write;

    fn layout(len: i32) -> Option<Layout> {
        let len = usize::try_from(len).ok().filter(|&l| l > 0)?;
        Layout::from_size_align(len, 1).ok()
    }

    pub fn initialize() {
        #[cfg(target_arch = "wasm32")]
        {
            use std::sync::atomic::{AtomicBool, Ordering};
            unsafe extern "C" {
                // Synthesized by wasm-ld. Calling it ourselves also stops
                // wasm-ld from wrapping every export in a call to it.
                fn __wasm_call_ctors();
            }
            static DONE: AtomicBool = AtomicBool::new(false);
            if !DONE.swap(true, Ordering::Relaxed) {
                // SAFETY: runs once, before any other export, as crt1-reactor.o does.
                unsafe { __wasm_call_ctors() }
            }
        }
    }

    pub fn alloc(len: i32) -> i32 {
        match (len, layout(len)) {
            // Nothing to copy, but 0 would mean "cannot": any non-null address does.
            (0, _) => 1,
            // SAFETY: the layout has a non-zero size. Null (no memory) is 0.
            (_, Some(layout)) => unsafe { raw_alloc(layout) as usize as i32 },
            _ => 0,
        }
    }

    /// # Safety
    /// `ptr` and `len` must come from one [`alloc`] call, the buffer used at
    /// most once.
    pub unsafe fn handle<E, R>(
        ptr: i32,
        len: i32,
        handler: fn(E, &Context) -> Result<R, Error>,
    ) -> i32
    where
        E: DeserializeOwned,
        R: Serialize,
    {
        let ctx = Context::current();
        let (payload, code) = match layout(len) {
            Some(layout) => {
                let ptr = ptr as usize as *mut u8;
                // SAFETY: the caller's contract: `len` bytes at `ptr` that alloc gave out.
                let out = run(
                    unsafe { std::slice::from_raw_parts(ptr, len as usize) },
                    &ctx,
                    handler,
                );
                // SAFETY: as above; the event is no longer borrowed.
                unsafe { dealloc(ptr, layout) };
                out
            }
            None => run(&[], &ctx, handler),
        };
        sys::response(&payload);
        // println! is line-buffered: a last line without "\n" would wait for
        // the next invocation.
        let _ = std::io::stdout().flush();
        code
    }

    /// Decodes the event, runs the handler, encodes its answer: the response
    /// payload and `stratus_handle`'s return value.
    pub fn run<E, R>(
        input: &[u8],
        ctx: &Context,
        handler: fn(E, &Context) -> Result<R, Error>,
    ) -> (Vec<u8>, i32)
    where
        E: DeserializeOwned,
        R: Serialize,
    {
        let input: &[u8] = if input.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            input
        };
        let result = match serde_json::from_slice::<E>(input) {
            Ok(event) => handler(event, ctx).and_then(|answer| {
                serde_json::to_vec(&answer).map_err(|e| {
                    Error::new(
                        "Runtime.MarshalError",
                        format!("Unable to marshal response: {e}"),
                    )
                })
            }),
            Err(e) => Err(Error::new(
                "Runtime.UnmarshalError",
                format!("Unable to unmarshal input: {e}"),
            )),
        };
        match result {
            Ok(payload) => (payload, 0),
            Err(error) => {
                let payload = error.to_json().to_string();
                // One write, so that the line reaches the log whole (stderr is unbuffered).
                let _ = std::io::stderr()
                    .write_all(format!("ERROR Invoke Error {payload}\n").as_bytes());
                (payload.into_bytes(), 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(event: Value, _: &Context) -> Result<Value, Error> {
        let n: i32 = event["n"].as_str().unwrap_or("x").parse()?;
        Ok(json!(n))
    }

    fn typed(event: Vec<u8>, _: &Context) -> Result<usize, Error> {
        Ok(event.len())
    }

    #[test]
    fn handler_answers_and_errors() {
        let ctx = Context::default();
        assert_eq!(
            __private::run(br#"{"n":"7"}"#, &ctx, fails),
            (b"7".to_vec(), 0)
        );
        let (payload, code) = __private::run(br#"{"n":"x"}"#, &ctx, fails);
        assert_eq!(code, 1);
        let error: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(error["errorType"], "core::num::error::ParseIntError");
        assert_eq!(__private::run(b"[1,2,3]", &ctx, typed), (b"3".to_vec(), 0));
        let (payload, code) = __private::run(b"{", &ctx, typed);
        assert_eq!(code, 1);
        assert!(String::from_utf8(payload)
            .unwrap()
            .contains("Runtime.UnmarshalError"));
    }

    #[test]
    fn context_reads_the_host_json() {
        let ctx = Context::from_json(&json!({"awsRequestId": "r1", "functionName": "f",
            "memoryLimitInMB": 128, "deadlineMs": 1700000000000_i64, "logGroupName": "/aws/lambda/f"}));
        assert_eq!(ctx.aws_request_id, "r1");
        assert_eq!(ctx.memory_limit_in_mb, 128);
        assert_eq!(ctx.deadline_ms, 1_700_000_000_000);
        assert_eq!(ctx.log_group_name, "/aws/lambda/f");
    }
}
