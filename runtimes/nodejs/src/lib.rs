//! The nodejs runtime: a Stratus reactor (`docs/function-abi.md`, "Runtime
//! modules") that runs AWS-Lambda-style JavaScript handlers on QuickJS-ng.
//!
//! * `_initialize` creates the QuickJS runtime and context (a 384 KiB JS
//!   stack, an interrupt handler on the deadline, the ES module loader) and
//!   runs the bootstrap in `js/`: the same for every function, so an engine
//!   may snapshot it once for all of them.
//! * `stratus_init` (which also does the above if `_initialize` was not
//!   called) sets the memory limit from the function's memory size, reads
//!   the environment and loads the function's code from `stratus.code`. A
//!   problem there (a syntax error, a missing handler) is written to stderr
//!   as one `Runtime.X: ...` line, and the module traps.
//! * `stratus_handle` calls the handler with the event and a Lambda context,
//!   runs the event loop (QuickJS's jobs, then timers in virtual time) until
//!   the handler answers, and sets the response.
//!
//! Most of the runtime is JavaScript, in `js/`, so that it reads as the
//! Node.js runtime it imitates; this file is the event loop and the bridge
//! to the host (`host.rs`).

mod host;
mod wire;

use std::cell::{Cell, RefCell};
use std::io::Write as _;

use rquickjs::context::EvalOptions;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::promise::PromiseState;
use rquickjs::{Array, Context, Ctx, Function, Module, Object, Persistent, Promise, Runtime, Value};

/// The bootstrap, in the order it runs; each file is a function of (native, internal).
const BOOTSTRAP: &[(&str, &str)] = &[
    ("stratus:util.js", include_str!("../js/util.js")),
    ("stratus:globals.js", include_str!("../js/globals.js")),
    ("stratus:modules.js", include_str!("../js/modules.js")),
    ("stratus:runtime.js", include_str!("../js/runtime.js")),
];

/// Parts of the bootstrap that run on first use (`native.load(name)`), when
/// a function requires "crypto" or an AWS SDK module: compiling JavaScript is
/// most of the init time, and most functions need only some of it.
const ON_DEMAND: &[(&str, &str, &str)] = &[
    ("crypto", "stratus:crypto.js", include_str!("../js/crypto.js")),
    ("aws-sdk", "stratus:aws-sdk.js", include_str!("../js/aws-sdk.js")),
];

/// QuickJS's stack limit, on the module's 1 MiB shadow stack (in linear
/// memory). It is not the only limit: the engine's own stack for WebAssembly
/// frames runs out too, and then the module traps instead of throwing a
/// RangeError, which ends the environment. QuickJS's check must come first
/// with room to spare, since how deep the engine's stack already is when the
/// guest starts, and how large its frames are (baseline or optimised code),
/// vary. Measured in Chromium 156 with QuickJS's C at -O2 (Cargo.toml), by
/// bisection with QuickJS's limit out of the way: the engine's stack ends a
/// plain JavaScript recursion at 2,330 to 2,580 calls and one through a
/// builtin's callback (`[0].map(() => f())`) at 585 to 610 levels. At 384
/// KiB QuickJS throws at 1,361 and 415: 29 % short of the closer trap. (512
/// KiB threw at 1,816 and 554, only 6 % short of it, and an end-to-end test
/// saw the callback kind trap once in six runs.)
const JS_STACK_BYTES: usize = 384 * 1024;

/// The interrupt handler stops JavaScript this long before the deadline, so
/// that it, and not the fuel check's hard stop at the deadline, ends an
/// endless loop: the invocation then times out cleanly and the environment
/// stays warm. (QuickJS calls the handler every 10,000 or so branches and
/// calls; the fuel check comes every 100,000 units.)
const INTERRUPT_MARGIN_MS: f64 = 20.0;

struct Engine {
    rt: Runtime,
    ctx: Context,
    /// The bootstrap's `internal` object (internal.runtime, internal.modules...).
    internal: Persistent<Object<'static>>,
    /// `internal.runtime.start`, `.step` and `.respond`, which every
    /// invocation calls: kept, not looked up by name each time.
    invoke: [Persistent<Function<'static>>; 3],
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// Set by the interrupt handler when it stopped JavaScript at the deadline.
    static INTERRUPTED: Cell<bool> = const { Cell::new(false) };
    /// The function's timeout in whole seconds, for the timeout message:
    /// read from the remaining time at the environment's first invocation
    /// (it has a little less than the timeout left) and kept, since a new
    /// timeout means a new environment. Saves a host call per invocation.
    static TIMEOUT_S: Cell<Option<f64>> = const { Cell::new(None) };
}

// ---------------------------------------------------------------------------
// The ABI's exports.

/// rquickjs's clock on wasm32-unknown-unknown (Date.now and friends):
/// defined here, so it is not an import. Microseconds since the epoch, on
/// the engine clock plus the time timers skipped.
#[unsafe(no_mangle)]
pub extern "C" fn __rquickjs_host_now_us() -> f64 {
    (host::now_ms() * 1000.0).floor()
}

/// `len` writable bytes for the next event (a leaked boxed slice that
/// `stratus_handle` takes back).
#[unsafe(no_mangle)]
pub extern "C" fn stratus_alloc(len: i32) -> i32 {
    if len <= 0 {
        return 1; // nothing to copy; any non-null address does
    }
    let buf = vec![0u8; len as usize].into_boxed_slice();
    Box::into_raw(buf) as *mut u8 as usize as i32
}

/// Cold start, part one: the runtime and the bootstrap (the same for every
/// function).
#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {
    if let Err(line) = ensure_runtime() {
        fail_init(&line);
    }
}

/// Cold start, part two: the function's code (and the bootstrap first, if the
/// host did not call `_initialize`).
#[unsafe(no_mangle)]
pub extern "C" fn stratus_init() {
    let result = ensure_runtime().and_then(|()| ENGINE.with(|e| e.borrow().as_ref().map_or(Ok(()), load_code)));
    if let Err(line) = result {
        fail_init(&line);
    }
}

/// Reports an init problem as the ABI asks: one stderr line, then a trap.
fn fail_init(line: &str) -> ! {
    host::write(2, format!("{line}\n").as_bytes());
    trap()
}

#[unsafe(no_mangle)]
pub extern "C" fn stratus_handle(ptr: i32, len: i32) -> i32 {
    let event = if len > 0 {
        // SAFETY: the host passes back the buffer stratus_alloc(len) gave it.
        let bytes = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr as usize as *mut u8, len as usize)) };
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        String::new()
    };
    let (status, payload) = ENGINE.with(|engine| match engine.borrow().as_ref() {
        Some(engine) => handle(engine, &event),
        None => (1, error_json("Runtime.InitError", "the runtime was not initialised (stratus_init did not run)")),
    });
    host::response(payload.as_bytes());
    status
}

fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

fn error_json(kind: &str, message: &str) -> String {
    format!("{{\"errorType\":{},\"errorMessage\":{}}}", json_string(kind), json_string(message))
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Init.

/// The function's memory size in MB: `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, else
/// the context's `memoryLimitInMB`, else 128.
fn memory_mb(env: &[String]) -> u64 {
    let from_env = env
        .iter()
        .find_map(|e| e.strip_prefix("AWS_LAMBDA_FUNCTION_MEMORY_SIZE="))
        .and_then(|v| v.trim().parse::<u64>().ok());
    let from_context = || {
        let context = host::context();
        let mb = serde_json::from_str::<ContextInfo>(&context).ok()?.memory_limit_in_mb?;
        (mb >= 1.0 && mb.fract() == 0.0).then_some(mb as u64)
    };
    from_env.or_else(from_context).filter(|mb| *mb > 0).unwrap_or(128)
}

/// What QuickJS may allocate: the function's memory less what is already in
/// use (stack, data, the runtime itself) and headroom for the Rust side
/// (events, responses, the allocator's slack): an eighth, at least 4 MiB.
fn memory_limit(mb: u64) -> usize {
    let total = mb * 1024 * 1024;
    #[cfg(target_arch = "wasm32")]
    let used = core::arch::wasm32::memory_size(0) as u64 * 65_536;
    #[cfg(not(target_arch = "wasm32"))]
    let used = 0u64;
    let headroom = (total / 8).max(4 * 1024 * 1024);
    total.saturating_sub(used + headroom).max(8 * 1024 * 1024) as usize
}

/// Creates the QuickJS runtime and context and runs the bootstrap, once.
/// Nothing here depends on the function (its code, environment or memory
/// size), so an engine may snapshot the instance after `_initialize` and
/// share that snapshot between every function of the runtime.
fn ensure_runtime() -> Result<(), String> {
    call_ctors();
    if ENGINE.with(|e| e.borrow().is_some()) {
        return Ok(());
    }
    let rt = Runtime::new().map_err(|e| format!("Runtime.InitError: cannot create the JavaScript runtime: {e}"))?;
    rt.set_max_stack_size(JS_STACK_BYTES);
    rt.set_interrupt_handler(Some(Box::new(|| {
        if host::remaining() <= INTERRUPT_MARGIN_MS {
            INTERRUPTED.with(|i| i.set(true));
            true
        } else {
            false
        }
    })));
    rt.set_loader(EsmResolver, EsmLoader);
    // Node fails on a rejected promise that nothing handles; the bootstrap
    // keeps them (internal.rejections) and fails the invocation with them.
    rt.set_host_promise_rejection_tracker(Some(Box::new(|ctx, promise, reason, handled| {
        let track = || -> rquickjs::Result<()> {
            let rejections: Object = internal_object(&ctx)?.get("rejections")?;
            let track: Function = rejections.get("track")?;
            track.call((promise, reason, handled))
        };
        let _ = track();
    })));
    let ctx = match Context::full(&rt) {
        Ok(ctx) => ctx,
        Err(e) => {
            std::mem::forget(rt);
            return Err(format!("Runtime.InitError: cannot create the JavaScript context: {e}"));
        }
    };
    match bootstrap(&ctx) {
        Ok((internal, invoke)) => {
            INTERNAL.with(|i| *i.borrow_mut() = Some(internal.clone()));
            ENGINE.with(|e| *e.borrow_mut() = Some(Engine { rt, ctx, internal, invoke }));
            Ok(())
        }
        Err(line) => {
            // The module traps next: freeing a runtime that still holds
            // objects would abort inside QuickJS before the line is written.
            std::mem::forget(ctx);
            std::mem::forget(rt);
            Err(line)
        }
    }
}

/// The WASI reactor convention: runs the C and Rust constructors, once. (A
/// `cdylib` gets no crt1-reactor.o; calling `__wasm_call_ctors` ourselves
/// also stops wasm-ld from wrapping every export in a call to it.)
fn call_ctors() {
    #[cfg(target_arch = "wasm32")]
    {
        unsafe extern "C" {
            fn __wasm_call_ctors();
        }
        thread_local! {
            static DONE: Cell<bool> = const { Cell::new(false) };
        }
        if !DONE.with(|d| d.replace(true)) {
            // SAFETY: runs once, before anything else, as crt1-reactor.o does.
            unsafe { __wasm_call_ctors() }
        }
    }
}

/// What the bootstrap leaves for Rust: `internal`, and the invocation's
/// three functions.
type Bootstrapped = (Persistent<Object<'static>>, [Persistent<Function<'static>>; 3]);

/// Runs the bootstrap (`js/`); the error is the `Runtime.X: ...` line.
fn bootstrap(ctx: &Context) -> Result<Bootstrapped, String> {
    ctx.with(|ctx| -> Result<Bootstrapped, String> {
        let internal = Object::new(ctx.clone()).map_err(|e| format!("Runtime.InitError: {e}"))?;
        let native = native_object(&ctx).map_err(|e| format!("Runtime.InitError: {e}"))?;
        for (name, source) in BOOTSTRAP {
            let run = || -> rquickjs::Result<()> {
                let f: Function = ctx.eval_with_options(*source, script_options(name))?;
                f.call::<_, ()>((native.clone(), internal.clone()))
            };
            run().map_err(|e| {
                format!("Runtime.InitError: the bootstrap failed in {name}: {}", exception_text(&ctx, e))
            })?;
        }
        let invoke = || -> rquickjs::Result<[Persistent<Function<'static>>; 3]> {
            let runtime: Object = internal.get("runtime")?;
            let get = |name: &str| -> rquickjs::Result<Persistent<Function<'static>>> {
                Ok(Persistent::save(&ctx, runtime.get::<_, Function>(name)?))
            };
            Ok([get("start")?, get("step")?, get("respond")?])
        };
        let invoke = invoke().map_err(|e| format!("Runtime.InitError: the bootstrap left no runtime: {e}"))?;
        Ok((Persistent::save(&ctx, internal), invoke))
    })
}

/// Loads the function's code (`stratus.code`), with its environment and
/// memory limit; the error is the `Runtime.X: ...` line to report.
fn load_code(engine: &Engine) -> Result<(), String> {
    engine.rt.set_memory_limit(memory_limit(memory_mb(&host::environ())));
    let code = String::from_utf8_lossy(&host::code()).into_owned();
    engine.ctx.with(|ctx| -> Result<(), String> {
        let internal = engine.internal.clone().restore(&ctx).map_err(|e| format!("Runtime.InitError: {e}"))?;
        let step = || -> rquickjs::Result<Option<String>> {
            let runtime: Object = internal.get("runtime")?;
            let init: Function = runtime.get("init")?;
            let promise: Promise = init.call((code,))?;
            drive(&ctx, &internal, || promise.state() != PromiseState::Pending)?;
            match promise.result::<Option<String>>() {
                Some(r) => r,
                None => Ok(Some("Runtime.ImportModuleError: the handler's module never finished loading (a top-level await that never settles)".into())),
            }
        };
        match step() {
            Ok(None) => Ok(()),
            Ok(Some(line)) => Err(line),
            Err(_) if INTERRUPTED.with(Cell::get) => {
                Err("Runtime.InitError: Task timed out during initialization".into())
            }
            Err(e) => Err(format!("Runtime.ImportModuleError: {}", first_line(&exception_text(&ctx, e)))),
        }
    })
}

fn script_options(name: &str) -> EvalOptions {
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.filename = Some(name.to_string());
    options
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The text of a pending exception ("Name: message" and the stack).
fn exception_text(ctx: &Ctx, e: rquickjs::Error) -> String {
    if !matches!(e, rquickjs::Error::Exception) {
        return e.to_string();
    }
    let v = ctx.catch();
    if let Some(obj) = v.as_object() {
        let name: String = obj.get("name").unwrap_or_else(|_| "Error".into());
        let message: String = obj.get("message").unwrap_or_default();
        let stack: String = obj.get("stack").unwrap_or_default();
        return format!("{name}: {message}\n{stack}");
    }
    v.as_string().and_then(|s| s.to_string().ok()).unwrap_or_else(|| format!("{v:?}"))
}

/// The functions the bootstrap calls into Rust with.
fn native_object<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("write", Function::new(ctx.clone(), |fd: i32, text: String| host::write(fd, text.as_bytes()))?)?;
    native.set(
        "http",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, method: String, path: String, headers: Object<'js>, body: String| {
                http_call(&ctx, &method, &path, &headers, &body)
            },
        )?,
    )?;
    native.set(
        "dynamodb",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, operation: String, input: Value<'js>, marshall: Value<'js>, unmarshall: bool| {
                dynamodb_call(&ctx, &operation, &input, &marshall, unmarshall)
            },
        )?,
    )?;
    native.set("remaining", Function::new(ctx.clone(), host::remaining)?)?;
    native.set("monotonic", Function::new(ctx.clone(), host::monotonic_ms)?)?;
    native.set("skip", Function::new(ctx.clone(), host::skip)?)?;
    native.set("random", Function::new(ctx.clone(), |n: usize| host::random(n.min(1 << 20)))?)?;
    native.set("env", Function::new(ctx.clone(), host::environ)?)?;
    native.set(
        "exit",
        Function::new(ctx.clone(), |code: i32| -> () {
            host::exit(code);
        })?,
    )?;
    native.set(
        "memory",
        Function::new(ctx.clone(), || {
            #[cfg(target_arch = "wasm32")]
            return core::arch::wasm32::memory_size(0) as f64 * 65_536.0;
            #[cfg(not(target_arch = "wasm32"))]
            0.0
        })?,
    )?;
    native.set(
        "load",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, name: String, native: Object<'js>, internal: Object<'js>| -> rquickjs::Result<()> {
                let Some((_, file, source)) = ON_DEMAND.iter().find(|(n, _, _)| *n == name) else {
                    return Err(rquickjs::Error::new_loading_message(&name, "no such part of the runtime"));
                };
                let f: Function = ctx.eval_with_options(*source, script_options(file))?;
                f.call((native, internal))
            },
        )?,
    )?;
    native.set(
        "evalScript",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, source: String, filename: String| -> rquickjs::Result<Value<'js>> {
                ctx.eval_with_options(source, script_options(&filename))
            },
        )?,
    )?;
    Ok(native)
}

/// One request to the cloud through `stratus.call_into`: the HTTP/1.1 message
/// written here from the method, path, headers (an object; undefined values
/// left out, others as strings) and body, and the answer read back into
/// `{status, headers, body}` with its x-amz* headers (lower-cased names). (Written in
/// JavaScript this was a loop over the body for its UTF-8 length and a
/// parse of the answer, a tenth of a DocumentClient call's bytecodes.)
fn http_call<'js>(
    ctx: &Ctx<'js>,
    method: &str,
    path: &str,
    headers: &Object<'js>,
    body: &str,
) -> rquickjs::Result<Value<'js>> {
    let mut message = format!("{method} {path} HTTP/1.1\r\n");
    for entry in headers.props::<String, Value>() {
        let (name, value) = entry?;
        if value.is_undefined() {
            continue;
        }
        let value: rquickjs::convert::Coerced<String> = value.get()?;
        message.push_str(&name);
        message.push_str(": ");
        message.push_str(&value.0);
        message.push_str("\r\n");
    }
    host::call(&with_body(message, body.as_bytes()), |answer| answer_object(ctx, answer, |_| None))
}

/// An HTTP/1.1 message: its request line and header lines, then its
/// content-length and body.
fn with_body(head: String, body: &[u8]) -> Vec<u8> {
    let mut message = head.into_bytes();
    let _ = write!(message, "content-length: {}\r\n\r\n", body.len());
    message.extend_from_slice(body);
    message
}

/// An answer as `{status, headers, body}` with its x-amz* headers
/// (lower-cased names); or, when it is a 2xx and `read` made a value of the
/// body, that value with the SDK's `$metadata` set on it, as the shim's
/// `metadata()` makes it (without the wrapper, its headers object and the
/// body's string, which the shim would only read to make the same).
fn answer_object<'js>(
    ctx: &Ctx<'js>,
    answer: &[u8],
    read: impl FnOnce(&str) -> Option<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let text = String::from_utf8_lossy(answer);
    let (head, rest) = match text.find("\r\n\r\n") {
        Some(at) => (&text[..at], &text[at + 4..]),
        None => (&text[..], ""),
    };
    let mut lines = head.split("\r\n");
    let status: i32 = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    // Only the x-amz* headers: the shim reads no others, and each property
    // costs an allocation or two.
    let amz = lines.filter_map(|line| {
        let colon = line.find(':').filter(|&i| i > 0)?;
        let name = line[..colon].trim().to_ascii_lowercase();
        name.starts_with("x-amz").then(|| (name, line[colon + 1..].trim()))
    });
    if (200..300).contains(&status) {
        if let Some(value) = read(rest) {
            if let Some(out) = value.as_object() {
                // `headers["x-amzn-requestid"] || headers["x-amz-request-id"]`.
                let (mut amzn, mut amz_id) = (None, None);
                for (name, value) in amz {
                    match name.as_str() {
                        "x-amzn-requestid" => amzn = Some(value),
                        "x-amz-request-id" => amz_id = Some(value),
                        _ => {}
                    }
                }
                let request_id = amzn.filter(|id| !id.is_empty()).or(amz_id);
                let metadata = Object::new(ctx.clone())?;
                metadata.set("httpStatusCode", status)?;
                metadata.set("requestId", request_id)?;
                metadata.set("extendedRequestId", Value::new_undefined(ctx.clone()))?;
                metadata.set("cfId", Value::new_undefined(ctx.clone()))?;
                metadata.set("attempts", 1)?;
                metadata.set("totalRetryDelay", 0)?;
                out.set("$metadata", metadata)?;
                return Ok(value);
            }
        }
    }
    let out = Object::new(ctx.clone())?;
    let names = Object::new(ctx.clone())?;
    for (name, value) in amz {
        names.set(name, value)?;
    }
    out.set("status", status)?;
    out.set("headers", names)?;
    out.set("body", rest)?;
    Ok(out.into_value())
}

/// A DynamoDB call written and read in Rust (`wire.rs`): the input as the
/// low-level client sends it (`marshall` undefined) or as the document
/// client marshalls it (`marshall` its marshallOptions), and a successful
/// answer read into the output itself, with its `$metadata`, and its
/// fields unmarshalled when `unmarshall`. Undefined, with nothing sent,
/// when the input is one `wire.rs` leaves to the shim; `{status, headers,
/// body}` when the answer is, or is an error.
fn dynamodb_call<'js>(
    ctx: &Ctx<'js>,
    operation: &str,
    input: &Value<'js>,
    marshall: &Value<'js>,
    unmarshall: bool,
) -> rquickjs::Result<Value<'js>> {
    let written = wire::Writer::new(ctx).and_then(|mut w| {
        let marshall = marshall.as_object().map(wire::Marshall::read).transpose()?;
        w.input(input, marshall)?;
        Ok(w.into_bytes())
    });
    let Ok(body) = written else {
        // An exception a getter threw is the shim's to see, when it reads
        // the input again.
        let _ = ctx.catch();
        return Ok(Value::new_undefined(ctx.clone()));
    };
    let head = format!(
        "POST /_aws/dynamodb/ HTTP/1.1\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: DynamoDB_20120810.{operation}\r\n"
    );
    host::call(&with_body(head, &body), |answer| {
        answer_object(ctx, answer, |text| {
            if text.is_empty() || wire::leaves_to_javascript(text) {
                return None;
            }
            let value = wire::read(ctx, text, unmarshall).ok();
            if value.is_none() {
                let _ = ctx.catch();
            }
            value
        })
    })
}

// ---------------------------------------------------------------------------
// The event loop.

/// Runs QuickJS's jobs and, when they run out, the timers (in virtual time),
/// until `done()` or nothing is left to run. Stops with an error when the
/// interrupt handler fired or a timer is due after the deadline.
fn drive<'js>(ctx: &Ctx<'js>, internal: &Object<'js>, done: impl Fn() -> bool) -> rquickjs::Result<()> {
    let timers: Object = internal.get("timers")?;
    let run_next: Function = timers.get("runNext")?;
    loop {
        while ctx.execute_pending_job() {
            if INTERRUPTED.with(Cell::get) {
                return Err(rquickjs::Error::Exception);
            }
        }
        if done() {
            return Ok(());
        }
        match run_next.call::<_, String>((host::remaining(),))?.as_str() {
            "ran" => continue,
            _ => return Ok(()),
        }
    }
}

/// The context's fields, as the host writes them (docs/function-abi.md).
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ContextInfo<'a> {
    #[serde(borrow)]
    aws_request_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    invoked_function_arn: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    function_name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    function_version: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "memoryLimitInMB")]
    memory_limit_in_mb: Option<f64>,
    #[serde(borrow)]
    log_group_name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    log_stream_name: Option<std::borrow::Cow<'a, str>>,
}

/// `internal.runtime.start`'s arguments: the event's text and the
/// context's fields one by one (undefined where the context has none, or
/// is not JSON). Read here rather than by JSON.parse in JavaScript, which
/// took a quarter of an empty handler's invocation.
fn context_args<'js>(ctx: &Ctx<'js>, event: &str, context: &str) -> rquickjs::Result<rquickjs::function::Args<'js>> {
    let info: ContextInfo = serde_json::from_str(context).unwrap_or_default();
    let mut args = rquickjs::function::Args::new(ctx.clone(), 8);
    args.push_arg(event)?;
    for field in [&info.aws_request_id, &info.invoked_function_arn, &info.function_name, &info.function_version] {
        args.push_arg(field.as_deref())?;
    }
    args.push_arg(info.memory_limit_in_mb)?;
    args.push_arg(info.log_group_name.as_deref())?;
    args.push_arg(info.log_stream_name.as_deref())?;
    Ok(args)
}

fn handle(engine: &Engine, event: &str) -> (i32, String) {
    host::begin_invocation();
    INTERRUPTED.with(|i| i.set(false));
    let timeout_s = TIMEOUT_S.with(|t| match t.get() {
        Some(s) => s,
        None => {
            let remaining = host::remaining();
            // The timeout is a whole number of seconds; the invocation
            // started with a little less than it left.
            let s = if remaining.is_finite() { (remaining / 1000.0).ceil() } else { 0.0 };
            t.set(Some(s));
            s
        }
    });
    let context = host::context();
    engine.ctx.with(|ctx| {
        let restored = || -> rquickjs::Result<(Object, Function, Function, Function)> {
            let [start, step, respond] = &engine.invoke;
            let internal = engine.internal.clone().restore(&ctx)?;
            Ok((internal, start.clone().restore(&ctx)?, step.clone().restore(&ctx)?, respond.clone().restore(&ctx)?))
        };
        let (internal, start, step, respond) = match restored() {
            Ok(r) => r,
            Err(e) => return (1, error_json("Runtime.InternalError", &e.to_string())),
        };
        let run = || -> rquickjs::Result<(i32, String)> {
            let _state: Object = start.call_arg(context_args(&ctx, event, &context)?)?;
            loop {
                while ctx.execute_pending_job() {
                    if INTERRUPTED.with(Cell::get) {
                        return Err(rquickjs::Error::Exception);
                    }
                }
                if INTERRUPTED.with(Cell::get) {
                    return Err(rquickjs::Error::Exception);
                }
                match step.call::<_, String>(())?.as_str() {
                    "ran" => continue,
                    "late" => return Ok((-1, String::new())),
                    _ => break,
                }
            }
            let answer: Array = respond.call(())?;
            Ok((answer.get(0)?, answer.get(1)?))
        };
        match run() {
            Ok((-1, _)) => timed_out(&ctx, &internal, timeout_s),
            Ok(answer) => answer,
            Err(_) if INTERRUPTED.with(Cell::get) => timed_out(&ctx, &internal, timeout_s),
            Err(e) => {
                let text = exception_text(&ctx, e);
                host::write(2, format!("Runtime.InternalError: {}\n", text.replace('\n', "\r")).as_bytes());
                (1, error_json("Runtime.InternalError", first_line(&text)))
            }
        }
    })
}

/// The invocation ran out of time (an endless loop stopped by the interrupt
/// handler, or a timer due after the deadline): Lambda's timeout error, and
/// the invocation's timers forgotten.
fn timed_out<'js>(ctx: &Ctx<'js>, internal: &Object<'js>, seconds: f64) -> (i32, String) {
    let _ = ctx.catch();
    if let Ok(runtime) = internal.get::<_, Object>("runtime") {
        if let Ok(abandon) = runtime.get::<_, Function>("abandon") {
            let _ = abandon.call::<_, ()>(());
        }
    }
    INTERRUPTED.with(|i| i.set(false));
    let request_id = internal.get::<_, Option<String>>("requestId").ok().flatten().unwrap_or_default();
    let now: String = ctx.eval("new Date().toISOString()").unwrap_or_default();
    host::write(2, format!("{now} {request_id} Task timed out after {seconds:.2} seconds\n").as_bytes());
    (
        1,
        error_json(
            "Sandbox.Timedout",
            &format!("RequestId: {request_id} Error: Task timed out after {seconds:.2} seconds"),
        ),
    )
}

// ---------------------------------------------------------------------------
// ES modules: QuickJS asks for a module by name; the bootstrap resolves it
// (internal.modules.esmResolve) and gives its text (internal.modules.esmSource).

thread_local! {
    static INTERNAL: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

fn internal_object<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    let internal = INTERNAL
        .with(|i| i.borrow().clone())
        .ok_or_else(|| rquickjs::Error::new_loading_message("", "the runtime is not ready"))?;
    internal.restore(ctx)
}

fn modules<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    internal_object(ctx)?.get("modules")
}

struct EsmResolver;

impl Resolver for EsmResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        let resolve: Function = modules(ctx)?.get("esmResolve")?;
        resolve.call((base, name))
    }
}

struct EsmLoader;

impl Loader for EsmLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js>> {
        let modules = modules(ctx)?;
        let source: Function = modules.get("esmSource")?;
        let text: String = source.call((name,))?;
        let module = Module::declare(ctx.clone(), name, text)?;
        let meta_url: Function = modules.get("metaUrl")?;
        let url: String = meta_url.call((name,))?;
        module.meta()?.set("url", url)?;
        Ok(module)
    }
}
