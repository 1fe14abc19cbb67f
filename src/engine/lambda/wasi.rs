//! The host side of the function ABI (`docs/function-abi.md`): WASI preview1,
//! the `stratus` module and the fuel check, as one [`Imports`] object that any
//! [`super::wasm::WasmEngine`] drives.
//!
//! One [`GuestHost`] serves one instance. It is built from a [`GuestConfig`]
//! (the function's name, environment and form) and the [`GuestServices`] it
//! shares with the rest of the engine (the cloud, the engine clock, a
//! monotonic timer). The Lambda service then, per invocation:
//!
//! 1. [`GuestHost::begin`] with the payload (stdin in command form), the
//!    context JSON and the monotonic deadline;
//! 2. runs `_start` or `stratus_alloc`/`stratus_handle` through the engine;
//! 3. collects [`GuestHost::take_stdout`] (command), [`GuestHost::take_response`]
//!    (reactor), [`GuestHost::exit_code`], and the log lines with
//!    [`GuestHost::flush_logs`] then [`GuestHost::take_logs`].
//!
//! Everything that varies per invocation sits behind one `RefCell`, which is
//! never held while the host calls out (into the cloud or a clock), so a
//! `stratus.call` that invokes another function cannot trip over it.
//!
//! Design choices:
//! * A guest pointer or length that falls outside its memory ends the run
//!   with [`HostStop::Fatal`] naming the function and the range, rather than
//!   WASI's `EFAULT`: such a guest is broken, and a clear message is worth
//!   more than an error code its standard library would turn into a panic.
//! * Host functions are resolved to an index into one static table
//!   ([`ImportId`]), which also gives every import's exact signature to
//!   [`import_allowed`], the deploy-time check, so the two cannot disagree.
//! * `stratus_internal.fuel` resolves (the rewriter adds that import) but
//!   [`import_allowed`] refuses it: a guest may not import it itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::wasm::{HostStop, ImportId, Imports, Memory, StackNeed, Val};
use crate::engine::cloud::{route, Route};
use crate::engine::clock::Clock;
use crate::engine::http::{HttpRequest, HttpResponse};

/// The WASI preview1 import module.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";
/// The Stratus import module (calls into the cloud).
pub const STRATUS_MODULE: &str = "stratus";
/// The module of the fuel import that the deploy-time rewriter adds.
pub const FUEL_MODULE: &str = "stratus_internal";
/// The fuel import's name: `stratus_internal.fuel : () -> i64`.
pub const FUEL_NAME: &str = "fuel";
/// What the fuel import first returns while the deadline has not passed:
/// the amount the rewritten code adds back to its counter. Later refills
/// follow the guest's pace ([`FuelPace`]).
pub const FUEL_REFILL: i64 = 100_000;
/// The largest refill: about 20 to 70 ms of the tightest loops in a browser's
/// JIT (1 to 3 operators a nanosecond), the most a run can overshoot its
/// deadline by.
pub const FUEL_REFILL_MAX: i64 = 1 << 26;

/// How much fuel each refill hands out. The rewritten code charges a pass
/// through a loop its longest path, which still overcharges a pass that
/// takes a short one (a guest whose hot loop is a large `switch`, an
/// interpreter such as QuickJS, is charged its costliest case on every
/// bytecode), and a fixed refill made the nodejs runtime call the host, and
/// read the clock, far more often than a deadline needs. The fuel only paces
/// the deadline checks, so the refill adapts: doubled (up to
/// [`FUEL_REFILL_MAX`]) while refills last under [`FuelPace::QUICK_MS`],
/// halved (down to [`FUEL_REFILL`]) when one lasts over
/// [`FuelPace::SLOW_MS`]. The pace is learnt per instance and kept across its
/// invocations; time between invocations does not count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FuelPace {
    pub refill: i64,
    /// When the last refill was handed out, in this invocation.
    pub last_ms: Option<f64>,
}

impl Default for FuelPace {
    fn default() -> Self {
        FuelPace { refill: FUEL_REFILL, last_ms: None }
    }
}

impl FuelPace {
    pub const QUICK_MS: f64 = 0.5;
    pub const SLOW_MS: f64 = 2.0;

    /// The refill to hand out at `now_ms`.
    pub fn next(&mut self, now_ms: f64) -> i64 {
        if let Some(last) = self.last_ms {
            let lasted = now_ms - last;
            if lasted < Self::QUICK_MS {
                self.refill = (self.refill.saturating_mul(2)).min(FUEL_REFILL_MAX);
            } else if lasted > Self::SLOW_MS {
                self.refill = (self.refill / 2).max(FUEL_REFILL);
            }
        }
        self.last_ms = Some(now_ms);
        self.refill
    }

    /// A new invocation (or init phase) starts: what happened before it,
    /// and the time between, says nothing about its pace.
    pub fn restart(&mut self) {
        self.last_ms = None;
    }
}

/// WASI errno values used here.
pub mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const INVAL: i32 = 28;
    pub const NOSYS: i32 = 52;
    pub const SPIPE: i32 = 70;
}

/// A WebAssembly value type, as the deploy-time checker reads it from the
/// module (`Other` for `v128` and references, which the ABI never passes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    Other,
}

impl ValType {
    fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::Other => "(a non-number type)",
        }
    }

    fn of(val: &Val) -> ValType {
        match val {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
        }
    }
}

/// Which form a module takes (`docs/function-abi.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestForm {
    /// A WASI command: stdin is the event, stdout the response.
    Command,
    /// A reactor: `stratus_alloc`/`stratus_handle`, stdout is logged.
    Reactor,
}

/// What one instance is told about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestConfig {
    /// The function's name: the guest's one argument (`argv[0]`).
    pub function_name: String,
    /// The whole environment the guest sees, in order (see
    /// [`lambda_environment`] for the function's variables plus Lambda's).
    pub env: Vec<(String, String)>,
    pub form: GuestForm,
    /// Seeds `random_get` (one seed per instance).
    pub random_seed: u64,
    /// What `stratus.code` answers: a runtime module's code package (JSON),
    /// empty for a function that is a module itself.
    pub code: Rc<Vec<u8>>,
}

/// The way from a guest into the cloud: answers a `stratus.call` request as
/// the cloud's front door would.
pub trait CloudLink {
    fn call(&self, request: HttpRequest) -> HttpResponse;
}

/// A monotonic timer in milliseconds (the browser's `performance.now()`,
/// natively [`instant_monotonic`]).
pub type Monotonic = Rc<dyn Fn() -> f64>;

/// What a guest host shares with the rest of the engine.
#[derive(Clone)]
pub struct GuestServices {
    pub cloud: Rc<dyn CloudLink>,
    /// Realtime: the engine clock, which the console can fast-forward.
    pub clock: Rc<dyn Clock>,
    /// Monotonic time: the WASI monotonic and CPU clocks, `remaining_ms` and
    /// the fuel check's deadline.
    pub monotonic: Monotonic,
}

/// A monotonic timer counting milliseconds from its creation.
#[cfg(not(target_arch = "wasm32"))]
pub fn instant_monotonic() -> Monotonic {
    let start = std::time::Instant::now();
    Rc::new(move || start.elapsed().as_secs_f64() * 1000.0)
}

/// One invocation, as [`GuestHost::begin`] starts it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    /// The event. In command form it is the whole of stdin; in reactor form
    /// stdin is empty and the service copies the payload in through
    /// `stratus_alloc`, so this is ignored.
    pub payload: Vec<u8>,
    /// What `stratus.context` returns.
    pub context_json: String,
    /// When the invocation times out, on the [`GuestServices::monotonic`]
    /// timer (milliseconds).
    pub deadline_ms: f64,
}

/// The function's environment as the guest sees it: its own variables, then
/// Lambda's reserved ones (which win over a variable of the same name).
pub fn lambda_environment(
    function_env: &[(String, String)],
    function_name: &str,
    version: &str,
    memory_mb: u32,
    region: &str,
    log_stream_name: &str,
) -> Vec<(String, String)> {
    let reserved: Vec<(&str, String)> = vec![
        ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", version.to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function_name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream_name.to_string()),
        ("AWS_REGION", region.to_string()),
        ("AWS_DEFAULT_REGION", region.to_string()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_stratus_wasm".to_string()),
        ("TZ", ":UTC".to_string()),
        ("LAMBDA_TASK_ROOT", "/var/task".to_string()),
    ];
    let mut env: Vec<(String, String)> =
        function_env.iter().filter(|(k, _)| !reserved.iter().any(|(r, _)| r == k)).cloned().collect();
    env.extend(reserved.into_iter().map(|(k, v)| (k.to_string(), v)));
    env
}

// ---------------------------------------------------------------------------
// The table of host functions.

/// What a host function does (the `ImportId` is its index in [`HOST_FNS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    ArgsGet,
    ArgsSizesGet,
    EnvironGet,
    EnvironSizesGet,
    ClockResGet,
    ClockTimeGet,
    FdClose,
    FdFdstatGet,
    FdFilestatGet,
    FdPrestatGet,
    FdRead,
    FdSeek,
    FdWrite,
    PollOneoff,
    ProcExit,
    RandomGet,
    SchedYield,
    /// Importable so that standard libraries link; returns `ENOSYS`.
    Enosys,
    Call,
    CallInto,
    CallResult,
    Response,
    Context,
    RemainingMs,
    Code,
    Fuel,
}

struct HostFn {
    module: &'static str,
    name: &'static str,
    params: &'static [ValType],
    results: &'static [ValType],
    op: Op,
}

const I: ValType = ValType::I32;
const L: ValType = ValType::I64;
const ERR: &[ValType] = &[I];

const fn wasi(name: &'static str, params: &'static [ValType], op: Op) -> HostFn {
    HostFn { module: WASI_MODULE, name, params, results: ERR, op }
}

/// Every WASI preview1 function (all 46, with their exact core signatures),
/// then the `stratus` module, then the fuel import.
static HOST_FNS: &[HostFn] = &[
    wasi("args_get", &[I, I], Op::ArgsGet),
    wasi("args_sizes_get", &[I, I], Op::ArgsSizesGet),
    wasi("environ_get", &[I, I], Op::EnvironGet),
    wasi("environ_sizes_get", &[I, I], Op::EnvironSizesGet),
    wasi("clock_res_get", &[I, I], Op::ClockResGet),
    wasi("clock_time_get", &[I, L, I], Op::ClockTimeGet),
    wasi("fd_advise", &[I, L, L, I], Op::Enosys),
    wasi("fd_allocate", &[I, L, L], Op::Enosys),
    wasi("fd_close", &[I], Op::FdClose),
    wasi("fd_datasync", &[I], Op::Enosys),
    wasi("fd_fdstat_get", &[I, I], Op::FdFdstatGet),
    wasi("fd_fdstat_set_flags", &[I, I], Op::Enosys),
    wasi("fd_fdstat_set_rights", &[I, L, L], Op::Enosys),
    wasi("fd_filestat_get", &[I, I], Op::FdFilestatGet),
    wasi("fd_filestat_set_size", &[I, L], Op::Enosys),
    wasi("fd_filestat_set_times", &[I, L, L, I], Op::Enosys),
    wasi("fd_pread", &[I, I, I, L, I], Op::Enosys),
    wasi("fd_prestat_get", &[I, I], Op::FdPrestatGet),
    wasi("fd_prestat_dir_name", &[I, I, I], Op::Enosys),
    wasi("fd_pwrite", &[I, I, I, L, I], Op::Enosys),
    wasi("fd_read", &[I, I, I, I], Op::FdRead),
    wasi("fd_readdir", &[I, I, I, L, I], Op::Enosys),
    wasi("fd_renumber", &[I, I], Op::Enosys),
    wasi("fd_seek", &[I, L, I, I], Op::FdSeek),
    wasi("fd_sync", &[I], Op::Enosys),
    wasi("fd_tell", &[I, I], Op::Enosys),
    wasi("fd_write", &[I, I, I, I], Op::FdWrite),
    wasi("path_create_directory", &[I, I, I], Op::Enosys),
    wasi("path_filestat_get", &[I, I, I, I, I], Op::Enosys),
    wasi("path_filestat_set_times", &[I, I, I, I, L, L, I], Op::Enosys),
    wasi("path_link", &[I, I, I, I, I, I, I], Op::Enosys),
    wasi("path_open", &[I, I, I, I, I, L, L, I, I], Op::Enosys),
    wasi("path_readlink", &[I, I, I, I, I, I], Op::Enosys),
    wasi("path_remove_directory", &[I, I, I], Op::Enosys),
    wasi("path_rename", &[I, I, I, I, I, I], Op::Enosys),
    wasi("path_symlink", &[I, I, I, I, I], Op::Enosys),
    wasi("path_unlink_file", &[I, I, I], Op::Enosys),
    wasi("poll_oneoff", &[I, I, I, I], Op::PollOneoff),
    HostFn { module: WASI_MODULE, name: "proc_exit", params: &[I], results: &[], op: Op::ProcExit },
    wasi("proc_raise", &[I], Op::Enosys),
    wasi("sched_yield", &[], Op::SchedYield),
    wasi("random_get", &[I, I], Op::RandomGet),
    wasi("sock_accept", &[I, I, I], Op::Enosys),
    wasi("sock_recv", &[I, I, I, I, I, I], Op::Enosys),
    wasi("sock_send", &[I, I, I, I, I], Op::Enosys),
    wasi("sock_shutdown", &[I, I], Op::Enosys),
    HostFn { module: STRATUS_MODULE, name: "call", params: &[I, I], results: &[I], op: Op::Call },
    HostFn { module: STRATUS_MODULE, name: "call_into", params: &[I, I, I, I], results: &[I], op: Op::CallInto },
    HostFn { module: STRATUS_MODULE, name: "call_result", params: &[I, I], results: &[I], op: Op::CallResult },
    HostFn { module: STRATUS_MODULE, name: "response", params: &[I, I], results: &[], op: Op::Response },
    HostFn { module: STRATUS_MODULE, name: "context", params: &[I, I], results: &[I], op: Op::Context },
    HostFn { module: STRATUS_MODULE, name: "code", params: &[I, I], results: &[I], op: Op::Code },
    HostFn { module: STRATUS_MODULE, name: "remaining_ms", params: &[], results: &[L], op: Op::RemainingMs },
    HostFn { module: FUEL_MODULE, name: FUEL_NAME, params: &[], results: &[L], op: Op::Fuel },
];

fn find(module: &str, name: &str) -> Option<(usize, &'static HostFn)> {
    HOST_FNS.iter().enumerate().find(|(_, f)| f.module == module && f.name == name)
}

fn signature_text(params: &[ValType], results: &[ValType]) -> String {
    let list = |tys: &[ValType]| tys.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
    match results {
        [] => format!("({})", list(params)),
        [one] => format!("({}) -> {}", list(params), one.name()),
        _ => format!("({}) -> ({})", list(params), list(results)),
    }
}

/// The signature of a host function, or `None` if the host has no such
/// function (the fuel import included).
pub fn host_signature(module: &str, name: &str) -> Option<(&'static [ValType], &'static [ValType])> {
    find(module, name).map(|(_, f)| (f.params, f.results))
}

/// The WASI preview1 functions the host implements (the others return
/// `ENOSYS`), in the order of the table.
pub fn implemented_wasi_functions() -> Vec<&'static str> {
    HOST_FNS.iter().filter(|f| f.module == WASI_MODULE && f.op != Op::Enosys).map(|f| f.name).collect()
}

/// The WASI preview1 functions that may be imported but return `ENOSYS`.
pub fn enosys_wasi_functions() -> Vec<&'static str> {
    HOST_FNS.iter().filter(|f| f.op == Op::Enosys).map(|f| f.name).collect()
}

/// Whether a function module may import `module.name` with this signature:
/// the deploy-time check. The error names the import and says what is wrong.
pub fn import_allowed(module: &str, name: &str, params: &[ValType], results: &[ValType]) -> Result<(), String> {
    if module == FUEL_MODULE {
        return Err(format!(
            "import {module}.{name}: the module {FUEL_MODULE} is reserved for Stratus's own time limit and may not be imported by a function"
        ));
    }
    let Some((_, f)) = find(module, name) else {
        return Err(match module {
            WASI_MODULE => format!("import {module}.{name}: {name} is not a WASI preview1 function"),
            STRATUS_MODULE => format!(
                "import {module}.{name}: the stratus module has no function {name} (it has call, call_into, call_result, response, context, remaining_ms and code)"
            ),
            _ => format!(
                "import {module}.{name}: there is no module {module}; a function may import only from {WASI_MODULE} and {STRATUS_MODULE}"
            ),
        });
    };
    if f.params != params || f.results != results {
        return Err(format!(
            "import {module}.{name} has type {}, but {module}.{name} is {}",
            signature_text(params, results),
            signature_text(f.params, f.results)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The guest host.

/// Per-invocation state.
#[derive(Default)]
struct State {
    stdin: Vec<u8>,
    stdin_pos: usize,
    stdout: Vec<u8>,
    /// The unfinished last line of fd 1 (reactor) and fd 2.
    partial: [Vec<u8>; 2],
    logs: Vec<String>,
    response: Option<Vec<u8>>,
    /// The last `stratus.call`'s response message.
    kept: Vec<u8>,
    context: Vec<u8>,
    exit_code: Option<i32>,
}

/// The host side of one instance: answers its WASI, `stratus` and fuel
/// imports (an [`Imports`] implementation).
pub struct GuestHost {
    config: GuestConfig,
    services: GuestServices,
    rng: Cell<u64>,
    deadline_ms: Cell<f64>,
    fuel: Cell<FuelPace>,
    state: RefCell<State>,
}

impl GuestHost {
    pub fn new(config: GuestConfig, services: GuestServices) -> Self {
        let rng = Cell::new(config.random_seed);
        GuestHost {
            config,
            services,
            rng,
            deadline_ms: Cell::new(f64::INFINITY),
            fuel: Cell::new(FuelPace::default()),
            state: RefCell::new(State::default()),
        }
    }

    pub fn config(&self) -> &GuestConfig {
        &self.config
    }

    /// Starts an invocation: resets stdin (the payload, in command form),
    /// stdout, the response, the kept call result and the exit code, and sets
    /// the context and the deadline. Log lines are left for
    /// [`GuestHost::take_logs`].
    pub fn begin(&self, invocation: Invocation) {
        let mut st = self.state.borrow_mut();
        st.stdin = match self.config.form {
            GuestForm::Command => invocation.payload,
            GuestForm::Reactor => Vec::new(),
        };
        st.stdin_pos = 0;
        st.stdout.clear();
        st.response = None;
        st.kept.clear();
        st.context = invocation.context_json.into_bytes();
        st.exit_code = None;
        self.set_deadline(invocation.deadline_ms);
    }

    /// Sets the deadline (monotonic milliseconds) alone: for the reactor's
    /// init phase, which is not an invocation. `f64::INFINITY` for none.
    pub fn set_deadline(&self, deadline_ms: f64) {
        self.deadline_ms.set(deadline_ms);
        let mut pace = self.fuel.get();
        pace.restart();
        self.fuel.set(pace);
    }

    /// What the guest wrote to stdout in command form.
    pub fn take_stdout(&self) -> Vec<u8> {
        std::mem::take(&mut self.state.borrow_mut().stdout)
    }

    /// The reactor's response (`stratus.response`), if it set one.
    pub fn take_response(&self) -> Option<Vec<u8>> {
        self.state.borrow_mut().response.take()
    }

    /// The exit code given to `proc_exit` during this invocation.
    pub fn exit_code(&self) -> Option<i32> {
        self.state.borrow().exit_code
    }

    /// Ends the unfinished last lines of the log streams, so that
    /// [`GuestHost::take_logs`] returns them too (at the end of a run).
    pub fn flush_logs(&self) {
        let mut st = self.state.borrow_mut();
        for i in 0..2 {
            if !st.partial[i].is_empty() {
                let line = std::mem::take(&mut st.partial[i]);
                st.logs.push(line_text(&line));
            }
        }
    }

    /// The complete log lines written so far (stderr, and stdout in reactor
    /// form), one per line, without their newline.
    pub fn take_logs(&self) -> Vec<String> {
        std::mem::take(&mut self.state.borrow_mut().logs)
    }

    fn log(&self, stream: usize, data: &[u8]) {
        let mut st = self.state.borrow_mut();
        let st = &mut *st;
        let partial = &mut st.partial[stream];
        partial.extend_from_slice(data);
        if let Some(last) = partial.iter().rposition(|&b| b == b'\n') {
            let rest = partial.split_off(last + 1);
            let done = std::mem::replace(partial, rest);
            for line in done[..done.len() - 1].split(|&b| b == b'\n') {
                st.logs.push(line_text(line));
            }
        }
    }

    fn next_random(&self) -> u64 {
        // splitmix64
        let mut z = self.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.rng.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn monotonic_ns(&self) -> u64 {
        ((self.services.monotonic)().max(0.0) * 1_000_000.0) as u64
    }

    fn environ(&self) -> Vec<Vec<u8>> {
        self.config.env.iter().map(|(k, v)| format!("{k}={v}\0").into_bytes()).collect()
    }

    fn args(&self) -> Vec<Vec<u8>> {
        vec![format!("{}\0", self.config.function_name).into_bytes()]
    }
}

fn line_text(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

// ---------------------------------------------------------------------------
// Guest memory access: out of bounds ends the run.

struct Mem<'a> {
    mem: &'a mut dyn Memory,
    func: &'static str,
}

impl Mem<'_> {
    fn oob(&self, what: &str, ptr: u32, len: u64) -> HostStop {
        HostStop::Fatal(format!(
            "{}: {what} at {ptr}..{} is outside the guest's memory ({} bytes)",
            self.func,
            ptr as u64 + len,
            self.mem.size()
        ))
    }

    fn read(&self, what: &str, ptr: u32, len: u64) -> Result<Vec<u8>, HostStop> {
        let len32 = u32::try_from(len).map_err(|_| self.oob(what, ptr, len))?;
        self.mem.read(ptr, len32).ok_or_else(|| self.oob(what, ptr, len))
    }

    fn write(&mut self, what: &str, ptr: u32, data: &[u8]) -> Result<(), HostStop> {
        if self.mem.write(ptr, data) {
            Ok(())
        } else {
            Err(self.oob(what, ptr, data.len() as u64))
        }
    }

    fn write_u32(&mut self, what: &str, ptr: u32, value: u32) -> Result<(), HostStop> {
        self.write(what, ptr, &value.to_le_bytes())
    }

    fn write_u64(&mut self, what: &str, ptr: u32, value: u64) -> Result<(), HostStop> {
        self.write(what, ptr, &value.to_le_bytes())
    }

    fn check(&self, what: &str, ptr: u32, len: u64) -> Result<(), HostStop> {
        if ptr as u64 + len <= self.mem.size() {
            Ok(())
        } else {
            Err(self.oob(what, ptr, len))
        }
    }

    /// An iovec array (`{buf: u32, buf_len: u32}` each) as (ptr, len) pairs.
    fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, HostStop> {
        let raw = self.read("the iovec array", ptr, count as u64 * 8)?;
        Ok(raw.chunks_exact(8).map(|c| (le32(&c[0..4]), le32(&c[4..8]))).collect())
    }

    /// Writes a string table (argv or environ): pointers at `ptrs`, the
    /// NUL-terminated strings one after another at `buf`.
    fn string_table(&mut self, items: &[Vec<u8>], ptrs: u32, buf: u32) -> Result<(), HostStop> {
        let total: usize = items.iter().map(Vec::len).sum();
        self.check("the pointer array", ptrs, 4 * items.len() as u64)?;
        self.check("the string buffer", buf, total as u64)?;
        let mut at = buf;
        for (i, item) in items.iter().enumerate() {
            self.write_u32("a string pointer", ptrs + 4 * i as u32, at)?;
            self.write("a string", at, item)?;
            at += item.len() as u32;
        }
        Ok(())
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

fn i32_arg(args: &[Val], i: usize) -> i32 {
    match args[i] {
        Val::I32(v) => v,
        _ => unreachable!("arguments are checked against the signature first"),
    }
}

fn u32_arg(args: &[Val], i: usize) -> u32 {
    i32_arg(args, i) as u32
}

fn ok(errno: i32) -> Result<Vec<Val>, HostStop> {
    Ok(vec![Val::I32(errno)])
}

fn is_stdio(fd: u32) -> bool {
    fd <= 2
}

impl Imports for GuestHost {
    fn resolve(&self, module: &str, name: &str) -> Option<ImportId> {
        find(module, name).map(|(i, _)| i as ImportId)
    }

    fn call(&self, id: ImportId, args: &[Val], memory: &mut dyn Memory) -> Result<Vec<Val>, HostStop> {
        let Some(f) = HOST_FNS.get(id as usize) else {
            return Err(HostStop::Fatal(format!("host function #{id} does not exist")));
        };
        if args.len() != f.params.len() || args.iter().zip(f.params).any(|(a, t)| ValType::of(a) != *t) {
            let given: Vec<ValType> = args.iter().map(ValType::of).collect();
            return Err(HostStop::Fatal(format!(
                "{}.{} was called with {}, but it takes {}",
                f.module,
                f.name,
                signature_text(&given, &[]),
                signature_text(f.params, f.results)
            )));
        }
        let mut mem = Mem { mem: memory, func: f.name };
        match f.op {
            Op::Enosys => ok(errno::NOSYS),
            Op::ArgsSizesGet | Op::EnvironSizesGet => {
                let items = if f.op == Op::ArgsSizesGet { self.args() } else { self.environ() };
                let size: usize = items.iter().map(Vec::len).sum();
                mem.write_u32("the count", u32_arg(args, 0), items.len() as u32)?;
                mem.write_u32("the buffer size", u32_arg(args, 1), size as u32)?;
                ok(errno::SUCCESS)
            }
            Op::ArgsGet | Op::EnvironGet => {
                let items = if f.op == Op::ArgsGet { self.args() } else { self.environ() };
                mem.string_table(&items, u32_arg(args, 0), u32_arg(args, 1))?;
                ok(errno::SUCCESS)
            }
            Op::ClockResGet => {
                let res: u64 = match u32_arg(args, 0) {
                    0 => 1_000_000,
                    1..=3 => 1_000,
                    _ => return ok(errno::INVAL),
                };
                mem.write_u64("the resolution", u32_arg(args, 1), res)?;
                ok(errno::SUCCESS)
            }
            Op::ClockTimeGet => {
                let now = match u32_arg(args, 0) {
                    0 => self.services.clock.now_ms().saturating_mul(1_000_000),
                    1..=3 => self.monotonic_ns(),
                    _ => return ok(errno::INVAL),
                };
                mem.write_u64("the time", u32_arg(args, 2), now)?;
                ok(errno::SUCCESS)
            }
            Op::FdClose => ok(if is_stdio(u32_arg(args, 0)) { errno::SUCCESS } else { errno::BADF }),
            Op::FdSeek => ok(if is_stdio(u32_arg(args, 0)) { errno::SPIPE } else { errno::BADF }),
            Op::FdPrestatGet => ok(errno::BADF),
            Op::FdFdstatGet => {
                let fd = u32_arg(args, 0);
                if !is_stdio(fd) {
                    return ok(errno::BADF);
                }
                // fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8,
                // rights_inheriting u64 @16. Character device = 2; rights:
                // fd_read (1 << 1) or fd_write (1 << 6), and poll_fd_readwrite (1 << 27).
                let mut stat = [0u8; 24];
                stat[0] = 2;
                let rights: u64 = (if fd == 0 { 1 << 1 } else { 1 << 6 }) | 1 << 27;
                stat[8..16].copy_from_slice(&rights.to_le_bytes());
                mem.write("the fdstat", u32_arg(args, 1), &stat)?;
                ok(errno::SUCCESS)
            }
            Op::FdFilestatGet => {
                if !is_stdio(u32_arg(args, 0)) {
                    return ok(errno::BADF);
                }
                // filestat: dev @0, ino @8, filetype u8 @16, nlink @24, size
                // @32, atim @40, mtim @48, ctim @56.
                let mut stat = [0u8; 64];
                stat[16] = 2;
                mem.write("the filestat", u32_arg(args, 1), &stat)?;
                ok(errno::SUCCESS)
            }
            Op::FdRead => {
                let (fd, iovs, count, nread_ptr) = (u32_arg(args, 0), u32_arg(args, 1), u32_arg(args, 2), u32_arg(args, 3));
                if fd != 0 {
                    return ok(errno::BADF);
                }
                let iovecs = mem.iovecs(iovs, count)?;
                let mut total: u32 = 0;
                for (buf, len) in iovecs {
                    mem.check("a read buffer", buf, len as u64)?;
                    let chunk = {
                        let mut st = self.state.borrow_mut();
                        let start = st.stdin_pos;
                        let end = (start + len as usize).min(st.stdin.len());
                        st.stdin_pos = end;
                        st.stdin[start..end].to_vec()
                    };
                    if chunk.is_empty() {
                        break;
                    }
                    mem.write("a read buffer", buf, &chunk)?;
                    total += chunk.len() as u32;
                    if chunk.len() < len as usize {
                        break;
                    }
                }
                mem.write_u32("nread", nread_ptr, total)?;
                ok(errno::SUCCESS)
            }
            Op::FdWrite => {
                let (fd, iovs, count, nwritten_ptr) = (u32_arg(args, 0), u32_arg(args, 1), u32_arg(args, 2), u32_arg(args, 3));
                if fd != 1 && fd != 2 {
                    return ok(errno::BADF);
                }
                let mut data = Vec::new();
                for (buf, len) in mem.iovecs(iovs, count)? {
                    data.extend(mem.read("a write buffer", buf, len as u64)?);
                }
                let Ok(written) = u32::try_from(data.len()) else {
                    return ok(errno::INVAL);
                };
                match (fd, self.config.form) {
                    (1, GuestForm::Command) => self.state.borrow_mut().stdout.extend_from_slice(&data),
                    (1, GuestForm::Reactor) => self.log(0, &data),
                    _ => self.log(1, &data),
                }
                mem.write_u32("nwritten", nwritten_ptr, written)?;
                ok(errno::SUCCESS)
            }
            Op::PollOneoff => {
                let (subs_ptr, events_ptr, count, nevents_ptr) = (u32_arg(args, 0), u32_arg(args, 1), u32_arg(args, 2), u32_arg(args, 3));
                if count == 0 {
                    return ok(errno::INVAL);
                }
                // subscription (48 bytes): userdata u64 @0, tag u8 @8, then the
                // clock or fd body @16. event (32 bytes): userdata u64 @0,
                // error u16 @8, type u8 @10, fd_readwrite @16.
                let subs = mem.read("the subscriptions", subs_ptr, count as u64 * 48)?;
                mem.check("the events", events_ptr, count as u64 * 32)?;
                let mut events = vec![0u8; count as usize * 32];
                for (sub, event) in subs.chunks_exact(48).zip(events.chunks_exact_mut(32)) {
                    let tag = sub[8];
                    let error: u16 = match tag {
                        0 => errno::SUCCESS as u16,
                        1 | 2 => errno::BADF as u16,
                        _ => return ok(errno::INVAL),
                    };
                    event[0..8].copy_from_slice(&le64(&sub[0..8]).to_le_bytes());
                    event[8..10].copy_from_slice(&error.to_le_bytes());
                    event[10] = tag;
                }
                mem.write("the events", events_ptr, &events)?;
                mem.write_u32("nevents", nevents_ptr, count)?;
                ok(errno::SUCCESS)
            }
            Op::ProcExit => {
                let code = i32_arg(args, 0);
                self.state.borrow_mut().exit_code = Some(code);
                Err(HostStop::Exit(code))
            }
            Op::RandomGet => {
                let (buf, len) = (u32_arg(args, 0), u32_arg(args, 1));
                mem.check("the random buffer", buf, len as u64)?;
                let mut bytes = Vec::with_capacity(len as usize + 8);
                while bytes.len() < len as usize {
                    bytes.extend_from_slice(&self.next_random().to_le_bytes());
                }
                bytes.truncate(len as usize);
                mem.write("the random buffer", buf, &bytes)?;
                ok(errno::SUCCESS)
            }
            Op::SchedYield => ok(errno::SUCCESS),
            Op::Call | Op::CallInto => {
                let request = mem.read("the request", u32_arg(args, 0), u32_arg(args, 1) as u64)?;
                let response = match parse_request(&request) {
                    Ok(request) => {
                        if !mem.mem.has_stack_for(stack_need(&request)) {
                            return Err(HostStop::Fatal(STACK_EXCEEDED.into()));
                        }
                        self.services.cloud.call(request)
                    }
                    Err(reason) => HttpResponse::new(400).with_body("text/plain; charset=utf-8", reason),
                };
                let message = serialize_response(&response);
                let len = i32::try_from(message.len())
                    .map_err(|_| HostStop::Fatal(format!("call: the response ({} bytes) is too large", message.len())))?;
                // call_into: the answer goes straight to the guest's buffer
                // when it fits (one crossing where call and call_result are two).
                if f.op == Op::CallInto && !message.is_empty() && u32_arg(args, 3) as usize >= message.len() {
                    mem.write("the destination", u32_arg(args, 2), &message)?;
                }
                self.state.borrow_mut().kept = message;
                Ok(vec![Val::I32(len)])
            }
            Op::CallResult | Op::Context | Op::Code => {
                // A copy, so that no borrow of the state is held while the
                // guest's memory is written: in the browser that write may
                // run out of stack, and the error unwinds the host's frames
                // without dropping what they hold (a RefCell left borrowed
                // would stop every later invocation).
                let data = {
                    let st = self.state.borrow();
                    match f.op {
                        Op::CallResult => st.kept.clone(),
                        Op::Context => st.context.clone(),
                        _ => self.config.code.to_vec(),
                    }
                };
                if !data.is_empty() && u32_arg(args, 1) as usize >= data.len() {
                    mem.write("the destination", u32_arg(args, 0), &data)?;
                }
                Ok(vec![Val::I32(data.len() as i32)])
            }
            Op::Response => {
                let payload = mem.read("the response", u32_arg(args, 0), u32_arg(args, 1) as u64)?;
                self.state.borrow_mut().response = Some(payload);
                Ok(vec![])
            }
            Op::RemainingMs => {
                let left = (self.deadline_ms.get() - (self.services.monotonic)()).max(0.0);
                let left = if left >= i64::MAX as f64 { i64::MAX } else { left as i64 };
                Ok(vec![Val::I64(left)])
            }
            Op::Fuel => {
                let now = (self.services.monotonic)();
                if now >= self.deadline_ms.get() {
                    Err(HostStop::Timeout)
                } else {
                    let mut pace = self.fuel.get();
                    let refill = pace.next(now);
                    self.fuel.set(pace);
                    Ok(vec![Val::I64(refill)])
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// How deep a cloud call's work goes.

/// Why a `stratus.call` ends the run when the host has not stack enough left
/// to answer it (the guest's own stack overflow reads the same).
pub const STACK_EXCEEDED: &str = "Maximum call stack size exceeded (the guest called stratus.call with too little of the stack left for the host to answer)";

/// What answering `request`, a guest's `stratus.call`, may need of the
/// stack. A DynamoDB request's work recurses only as deep as its JSON and
/// its expressions nest ([`nesting`]), or its items (which the engine caps at
/// 32 levels, whatever the request); anything else may reach the whole cloud.
pub fn stack_need(request: &HttpRequest) -> StackNeed {
    match route(&request.path) {
        Route::DynamoDb => StackNeed::Dynamo { levels: nesting(&request.body) },
        _ => StackNeed::Cloud,
    }
}

/// An upper bound on how many levels deep the engine recurses over a
/// DynamoDB request body: the deepest nesting of the JSON's arrays and
/// objects, plus, inside its strings (expressions, PartiQL statements and
/// their literals), every opening bracket, every `\u` escape (which may spell
/// one) and every "not" in any case (a NOT nests without brackets), counted
/// wherever they are rather than by depth. It may count too many (a text
/// with brackets in it asks for a larger check), never too few. It stops
/// counting at [`NESTING_ENOUGH`], so a large request is not read to its end.
pub fn nesting(body: &[u8]) -> u32 {
    let (mut depth, mut deepest, mut inner) = (0u32, 0u32, 0u32);
    let mut in_string = false;
    let mut i = 0;
    while i < body.len() && deepest + inner < NESTING_ENOUGH {
        let b = body[i];
        if in_string {
            match b {
                b'"' => in_string = false,
                b'\\' => {
                    if body.get(i + 1) == Some(&b'u') {
                        inner += 1;
                    }
                    i += 1;
                }
                b'(' | b'[' | b'{' => inner += 1,
                b'n' | b'N' if body.get(i + 1..i + 3).is_some_and(|w| w.eq_ignore_ascii_case(b"ot")) => inner += 1,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    deepest + inner
}

/// Deeper than anything the engine accepts (JSON 128 levels, expressions
/// 100, attribute values 32): [`nesting`] need not count further.
pub const NESTING_ENOUGH: u32 = 1024;

// ---------------------------------------------------------------------------
// HTTP/1.1 messages for `stratus.call`.

/// Parses an HTTP/1.1 request message: request line, header lines, an empty
/// line, the body (`content-length` bytes when given, else the rest). Lines
/// may end with CRLF or a bare LF. The error is the plain-text reason.
pub fn parse_request(message: &[u8]) -> Result<HttpRequest, String> {
    let mut rest = message;
    let text = |line: &[u8], what: &str| -> Result<String, String> {
        String::from_utf8(line.to_vec()).map_err(|_| format!("the {what} is not valid UTF-8"))
    };

    let request_line = text(take_line(&mut rest, "request line")?, "request line")?;
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(format!("malformed request line {request_line:?}: expected \"METHOD /path HTTP/1.1\""));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(format!("malformed request line {request_line:?}: bad method {method:?}"));
    }
    if !target.starts_with('/') {
        return Err(format!("malformed request line {request_line:?}: the target must be a path starting with /"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(format!("malformed request line {request_line:?}: unsupported version {version:?}"));
    }
    let mut request = HttpRequest::from_target(method, target);

    loop {
        let line = take_line(&mut rest, "headers")?;
        if line.is_empty() {
            break;
        }
        let line = text(line, "header section")?;
        if line.starts_with([' ', '\t']) {
            return Err(format!("malformed header line {line:?}: folded header lines are not allowed"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("malformed header line {line:?}: expected \"name: value\""));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(format!("malformed header line {line:?}: bad header name {name:?}"));
        }
        request.headers.push((name.to_string(), value.trim_matches([' ', '\t']).to_string()));
    }

    if request.header("transfer-encoding").is_some() {
        return Err("transfer-encoding is not supported: send the body with a content-length".to_string());
    }
    let lengths: Vec<&str> =
        request.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.as_str()).collect();
    let body = match lengths.first() {
        None => rest.to_vec(),
        Some(first) => {
            if lengths.iter().any(|v| v != first) {
                return Err("conflicting content-length headers".to_string());
            }
            let Ok(length) = first.parse::<usize>() else {
                return Err(format!("bad content-length {first:?}"));
            };
            if rest.len() != length {
                return Err(format!("content-length is {length} but the body has {} bytes", rest.len()));
            }
            rest.to_vec()
        }
    };
    request.body = body;
    Ok(request)
}

/// The next line of `rest` (without its CRLF or LF), advancing `rest`.
fn take_line<'a>(rest: &mut &'a [u8], what: &str) -> Result<&'a [u8], String> {
    let Some(end) = rest.iter().position(|&b| b == b'\n') else {
        return Err(format!("the request ends inside the {what}: the header section must end with an empty line"));
    };
    let line = &rest[..end];
    *rest = &rest[end + 1..];
    Ok(line.strip_suffix(b"\r").unwrap_or(line))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Serialises a response as an HTTP/1.1 message: status line, headers (a
/// `content-length` is added when missing), an empty line, the body.
pub fn serialize_response(response: &HttpResponse) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason_phrase(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if response.header("content-length").is_none() {
        head.push_str(&format!("content-length: {}\r\n", response.body.len()));
    }
    head.push_str("\r\n");
    let mut message = head.into_bytes();
    message.extend_from_slice(&response.body);
    message
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::{nesting, stack_need, FuelPace, FUEL_REFILL, FUEL_REFILL_MAX, NESTING_ENOUGH};
    use crate::engine::http::HttpRequest;
    use crate::engine::lambda::wasm::StackNeed;

    #[test]
    fn nesting_bounds_how_deep_a_dynamodb_request_makes_the_engine_recurse() {
        assert_eq!(nesting(b""), 0);
        assert_eq!(nesting(br#"{"TableName":"t","Key":{"id":{"S":"1"}}}"#), 3);
        // The JSON's depth, not its count of brackets.
        assert_eq!(nesting(br#"{"Keys":[{"id":{"S":"1"}},{"id":{"S":"2"}},{"id":{"S":"3"}}]}"#), 4);
        // Inside strings every opening bracket counts, wherever it is...
        assert_eq!(nesting(br#"{"FilterExpression":"(a = :v) AND ((b = :w))"}"#), 1 + 3);
        assert_eq!(nesting(br#"{"Statement":"SELECT * FROM t WHERE a = [1, {'b': 2}]"}"#), 1 + 2);
        // ...as does a NOT in any case (it nests without brackets) and an
        // escape that may spell a bracket.
        assert_eq!(nesting(br#"{"F":"NOT not nOt a","G":"("}"#), 1 + 3 + 1);
        // An escaped quote does not end a string; brackets in strings do
        // not lower the depth.
        assert_eq!(nesting(br#"{"F":""[[[""}"#), 1 + 3);
        assert_eq!(nesting(br#"[[{"a":"]]]]"}]]"#), 3);
        // Unbalanced input (which the engine refuses) cannot wrap around.
        assert_eq!(nesting(b"]]]]{"), 1);
        assert_eq!(nesting(&b"[".repeat(300)), 300);
        // Counting stops where it no longer matters.
        assert_eq!(nesting(&b"{\"F\":\"((((((((".repeat(10_000)), NESTING_ENOUGH);
    }

    #[test]
    fn only_dynamodb_calls_are_sized_by_their_request() {
        let request = |path: &str, body: &str| {
            let mut r = HttpRequest::from_target("POST", path);
            r.body = body.as_bytes().to_vec();
            r
        };
        assert_eq!(stack_need(&request("/_aws/dynamodb/", r#"{"a":[1]}"#)), StackNeed::Dynamo { levels: 2 });
        for path in ["/_aws/lambda/2015-03-31/functions/f/invocations", "/_aws/logs/", "/_api/abc/items", "/elsewhere"] {
            assert_eq!(stack_need(&request(path, "{}")), StackNeed::Cloud, "{path}");
        }
    }

    #[test]
    fn fuel_refills_follow_the_guests_pace() {
        let mut pace = FuelPace::default();
        // The first refill of an invocation is what it was.
        assert_eq!(pace.next(10.0), FUEL_REFILL);
        // Used up quickly: doubled, up to the most.
        assert_eq!(pace.next(10.1), 2 * FUEL_REFILL);
        assert_eq!(pace.next(10.2), 4 * FUEL_REFILL);
        let mut t = 10.2;
        for _ in 0..40 {
            t += 0.01;
            pace.next(t);
        }
        assert_eq!(pace.refill, FUEL_REFILL_MAX);
        // Between the two bounds: kept.
        assert_eq!(pace.next(t + 1.0), FUEL_REFILL_MAX);
        // Lasting long: halved, down to the least.
        assert_eq!(pace.next(t + 4.0), FUEL_REFILL_MAX / 2);
        let mut t = t + 4.0;
        for _ in 0..40 {
            t += 10.0;
            pace.next(t);
        }
        assert_eq!(pace.refill, FUEL_REFILL);
    }

    #[test]
    fn time_between_invocations_does_not_count() {
        let mut pace = FuelPace::default();
        pace.next(0.0);
        pace.next(0.1);
        assert_eq!(pace.refill, 2 * FUEL_REFILL);
        // An hour idle, then a new invocation: the pace learnt is kept.
        pace.restart();
        assert_eq!(pace.next(3_600_000.0), 2 * FUEL_REFILL);
        assert_eq!(pace.next(3_600_000.1), 4 * FUEL_REFILL);
    }
}
