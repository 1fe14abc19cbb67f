//! Invocations: execution environments (cold and warm starts), the run of a
//! guest with its limits, logs and metrics, and the queue of asynchronous
//! (`Event`) invocations with their retries and dead letters.
//!
//! No borrow of the service is held while a guest runs: a guest may call
//! back into the cloud (`stratus.call`), even to invoke another function or
//! itself, so the service is borrowed only to plan an invocation and to
//! record its result.

use super::function::{function_arn, log_date, Config};
use super::instrument::{Form, GLOBAL_EXPORT_PREFIX};
use super::wasi::{lambda_environment, GuestConfig, GuestForm, GuestHost, GuestServices, Invocation};
use super::wasm::{HostStop, Instance, Module, Trap, Val};
use crate::engine::cloud::Cloud;
use crate::engine::metrics::{Kind, SeriesKey};
use crate::engine::REGION;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::rc::Rc;

/// How deep functions may invoke functions (Lambda stops recursive loops
/// after 16 invocations in a chain).
pub const MAX_DEPTH: u32 = 16;
/// Largest payload of a synchronous invocation, in and out.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest payload of an asynchronous invocation.
pub const MAX_ASYNC_PAYLOAD: usize = 256 * 1024;
/// The log tail returned with `X-Amz-Log-Type: Tail`.
pub const TAIL_BYTES: usize = 4096;

/// A warm execution environment.
pub struct Environment {
    pub host: Rc<GuestHost>,
    /// A reactor's instance, kept between invocations.
    pub instance: Option<Box<dyn Instance>>,
    pub log_stream: String,
    pub last_used_ms: u64,
    pub module: Rc<dyn Module>,
}

/// An asynchronous invocation waiting for its turn (or its retry).
#[derive(Debug, Clone)]
pub struct Queued {
    pub request_id: String,
    pub function: String,
    pub qualifier: Option<String>,
    pub payload: Vec<u8>,
    pub attempts: u32,
    pub due_ms: u64,
    pub received_ms: u64,
}

/// An asynchronous invocation that failed every attempt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeadLetter {
    pub request_id: String,
    pub function_name: String,
    pub qualifier: Option<String>,
    pub payload: String,
    pub error: String,
    pub attempts: u32,
    pub received: u64,
    pub failed: u64,
}

/// An initialised instance's state, to start new environments from: its
/// whole memory and its mutable globals (exported by the deploy-time
/// rewrite). Taken for language runtimes after their `stratus_init`.
pub struct Snapshot {
    pub memory: Vec<u8>,
    pub globals: Vec<(String, Val)>,
}

/// The service's run-time state (not stored).
#[derive(Default)]
pub struct Runtime {
    /// Snapshots by (function, version).
    pub snapshots: HashMap<(String, String), Rc<Snapshot>>,
    /// Idle environments by (function, version), most recently used last.
    pub warm: HashMap<(String, String), Vec<Environment>>,
    /// Invocations running now, by function.
    pub in_flight: HashMap<String, u32>,
    pub queue: Vec<Queued>,
    pub dead_letters: Vec<DeadLetter>,
    /// How deep the current chain of invocations is.
    pub depth: u32,
    next_stream: u64,
}

impl Runtime {
    /// Shuts down a version's environments and forgets its snapshot (its
    /// configuration or code changed).
    pub fn retire(&mut self, function: &str, version: &str) {
        let key = (function.to_string(), version.to_string());
        self.warm.remove(&key);
        self.snapshots.remove(&key);
    }

    /// Forgets everything of a function.
    pub fn retire_all(&mut self, function: &str) {
        self.warm.retain(|(f, _), _| f != function);
        self.snapshots.retain(|(f, _), _| f != function);
    }
}

/// What an invocation gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub payload: Vec<u8>,
    /// `Unhandled` when the function failed.
    pub function_error: Option<&'static str>,
    pub executed_version: String,
    /// The invocation's log lines (START to REPORT).
    pub log: Vec<String>,
    pub cold: bool,
}

impl Outcome {
    /// The last 4 KB of the log, as `X-Amz-Log-Result` carries it (before base64).
    pub fn tail(&self) -> String {
        let text: String = self.log.iter().map(|l| format!("{l}\n")).collect();
        let mut start = text.len().saturating_sub(TAIL_BYTES);
        while !text.is_char_boundary(start) {
            start += 1;
        }
        text[start..].to_string()
    }
}

/// Why an invocation did not run (answered as a Lambda error).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
    /// Lambda's `Reason` field (throttles).
    pub reason: Option<&'static str>,
}

impl Refusal {
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Refusal { status, kind, message: message.into(), reason: None }
    }
}

pub fn not_found(name: &str, qualifier: Option<&str>) -> Refusal {
    let arn = match qualifier {
        Some(q) => format!("{}:{q}", function_arn(name)),
        None => function_arn(name),
    };
    Refusal::new(404, "ResourceNotFoundException", format!("Function not found: {arn}"))
}

struct Plan {
    config: Config,
    module: Rc<dyn Module>,
    form: Form,
    env: Option<Environment>,
    invoked_arn: String,
}

fn record(cloud: &Cloud, function: &str, metric: &str, kind: Kind, unit: &str, value: f64, now: u64) {
    let metrics = cloud.metrics();
    metrics.record_key(SeriesKey::new("AWS/Lambda", metric, &[("FunctionName", function)]), kind, unit, value, now);
    if matches!(metric, "Invocations" | "Errors" | "Throttles" | "ConcurrentExecutions" | "Duration") {
        metrics.record_key(SeriesKey::new("AWS/Lambda", metric, &[]), kind, unit, value, now);
    }
}

/// Picks the version, checks concurrency, compiles the module if needed and
/// takes a warm environment if one is idle.
fn plan(cloud: &Cloud, name: &str, qualifier: Option<&str>) -> Result<Plan, Refusal> {
    let engine = cloud.wasm_engine();
    let mut guard = cloud.lambda();
    let lambda = &mut *guard;
    let now = lambda.now_ms();
    let f = lambda.functions.get(name).ok_or_else(|| not_found(name, qualifier))?;
    let version = match qualifier {
        None | Some("$LATEST") => "$LATEST".to_string(),
        Some(q) if q.parse::<u32>().is_ok() => q.to_string(),
        Some(q) => {
            let alias = f.aliases.get(q).ok_or_else(|| not_found(name, qualifier))?.clone();
            match alias.additional {
                Some((v, w)) if lambda.random_unit() < w => v,
                _ => alias.function_version,
            }
        }
    };
    let f = lambda.functions.get(name).unwrap();
    let config = f.version_config(&version).ok_or_else(|| not_found(name, qualifier))?.clone();
    let reserved = f.reserved_concurrency;
    let running = lambda.runtime.in_flight.get(name).copied().unwrap_or(0);
    if reserved.is_some_and(|r| running >= r) {
        drop(guard);
        record(cloud, name, "Throttles", Kind::Samples, "Count", 1.0, now);
        return Err(Refusal { reason: Some("ReservedFunctionConcurrentInvocationLimitExceeded"), ..Refusal::new(429, "TooManyRequestsException", "Rate Exceeded.") });
    }
    if lambda.runtime.depth >= MAX_DEPTH {
        return Err(Refusal::new(
            400,
            "InvalidRequestContentException",
            format!("Stratus stopped a recursive loop: {MAX_DEPTH} invocations in one chain, as Lambda's recursive loop detection does."),
        ));
    }
    let prepared = lambda.prepare(&config.module_key, config.memory_mb).map_err(|e| Refusal::new(502, "InvalidCodeException", e))?;
    let module = match &prepared.compiled {
        Some(m) => m.clone(),
        None => {
            let engine = engine.ok_or_else(|| Refusal::new(500, "ServiceException", "No WebAssembly engine is attached to this cloud."))?;
            let m = engine.compile_now(&prepared.bytes).map_err(|e| Refusal::new(502, "InvalidCodeException", e))?;
            prepared.compiled = Some(m.clone());
            m
        }
    };
    let form = prepared.form.clone();
    // Environments idle for too long have been shut down.
    let idle = lambda.settings.idle_ms;
    let key = (name.to_string(), version.clone());
    let pool = lambda.runtime.warm.entry(key).or_default();
    pool.retain(|e| e.last_used_ms + idle >= now);
    let env = pool.pop();
    *lambda.runtime.in_flight.entry(name.to_string()).or_default() += 1;
    lambda.runtime.depth += 1;
    let invoked_arn = match qualifier {
        Some(q) => format!("{}:{q}", function_arn(name)),
        None => function_arn(name),
    };
    let concurrent = running + 1;
    drop(guard);
    record(cloud, name, "ConcurrentExecutions", Kind::Samples, "Count", concurrent as f64, now);
    Ok(Plan { config, module, form, env, invoked_arn })
}

/// A new environment: its log stream and guest host, and for a reactor its
/// instance, initialised. Returns the environment and the init time (ms).
fn cold_start(cloud: &Cloud, name: &str, plan: &Plan, log: &mut Vec<String>) -> Result<(Environment, f64), (String, String, String)> {
    let c = &plan.config;
    let log_stream = {
        let mut l = cloud.lambda();
        l.runtime.next_stream += 1;
        let seed = l.uuid().replace('-', "");
        format!("{}/[{}]{}", log_date(l.now_ms()), c.version, &seed[..32])
    };
    let env_vars: Vec<(String, String)> = c.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let form = match plan.form {
        Form::Command => GuestForm::Command,
        Form::Reactor { .. } => GuestForm::Reactor,
    };
    let random_seed = cloud.lambda().random_unit().to_bits();
    let code = code_of(cloud, c);
    let config = GuestConfig {
        function_name: name.to_string(),
        env: lambda_environment(&env_vars, name, &c.version, c.memory_mb, REGION, &log_stream),
        form,
        random_seed,
        code,
    };
    let services = GuestServices { cloud: cloud.link(), clock: cloud.clock().clone(), monotonic: cloud.monotonic() };
    let host = Rc::new(GuestHost::new(config, services));
    let mono = cloud.monotonic();
    let started = mono();
    let mut instance = None;
    if let Form::Reactor { has_initialize, has_init } = plan.form {
        let mut inst = plan.module.instantiate(host.clone()).map_err(|e| ("Runtime.InitError".to_string(), e, log_stream.clone()))?;
        let key = (name.to_string(), c.version.clone());
        let snapshot = if c.code_key.is_some() { cloud.lambda().runtime.snapshots.get(&key).cloned() } else { None };
        match snapshot {
            // A language runtime starts from its snapshot: no init to run.
            Some(snap) if restore(&mut *inst, &snap) => {}
            _ => {
                // The init phase has Lambda's 10 second limit.
                host.set_deadline(started + 10_000.0);
                for (present, export) in [(has_initialize, "_initialize"), (has_init, "stratus_init")] {
                    if present {
                        if let Err(trap) = inst.call(export, &[]) {
                            host.flush_logs();
                            let lines = host.take_logs();
                            let (kind, detail) =
                                runtime_error(&lines).unwrap_or_else(|| ("Runtime.InitError".to_string(), trap_text(&trap)));
                            log.extend(lines);
                            return Err((kind, detail, log_stream));
                        }
                    }
                }
                if c.code_key.is_some() {
                    if let Some(memory) = inst.read_memory(0, inst.memory_size() as u32) {
                        let snap = Snapshot { memory, globals: inst.globals(GLOBAL_EXPORT_PREFIX) };
                        cloud.lambda().runtime.snapshots.insert(key, Rc::new(snap));
                    }
                }
            }
        }
        host.flush_logs();
        log.extend(host.take_logs());
        instance = Some(inst);
    }
    let init_ms = mono() - started;
    Ok((Environment { host, instance, log_stream, last_used_ms: 0, module: plan.module.clone() }, init_ms))
}

/// The code package a language runtime's environment loads, with the
/// configuration's Handler and Runtime: the package was stored with those
/// of its deployment, and UpdateFunctionConfiguration may have changed them
/// since (a new Handler takes effect at the next cold start, as on AWS).
fn code_of(cloud: &Cloud, c: &Config) -> Rc<Vec<u8>> {
    let stored = c.code_key.as_ref().and_then(|k| cloud.lambda().modules.get(k).cloned()).unwrap_or_default();
    let Ok(serde_json::Value::Object(mut package)) = serde_json::from_slice::<serde_json::Value>(&stored) else { return stored };
    let same = |field: &str, value: &str| package.get(field).and_then(|v| v.as_str()) == Some(value);
    if same("handler", &c.handler) && same("runtime", &c.runtime) {
        return stored;
    }
    package.insert("handler".into(), c.handler.clone().into());
    package.insert("runtime".into(), c.runtime.clone().into());
    Rc::new(serde_json::to_vec(&package).unwrap_or_default())
}

/// A runtime module's own report of an init failure: a log line
/// `Runtime.<Kind>: <message>` (see docs/function-abi.md).
fn runtime_error(lines: &[String]) -> Option<(String, String)> {
    lines.iter().rev().find_map(|l| {
        let at = l.find("Runtime.")?;
        let (kind, message) = l[at..].split_once(": ")?;
        (!kind.contains(' ')).then(|| (kind.to_string(), message.to_string()))
    })
}

/// Starts a language runtime once with a code package, to find a syntax
/// error before the code is deployed. Other init failures (a missing
/// handler, say) are left for the invocation to report, as Lambda does.
pub fn check_source(cloud: &Cloud, name: &str, module_key: &str, code: &[u8], memory_mb: u32) -> Result<(), String> {
    let module = {
        let engine = cloud.wasm_engine().ok_or("No WebAssembly engine is attached to this cloud.")?;
        let mut l = cloud.lambda();
        let p = l.prepare(module_key, memory_mb)?;
        match &p.compiled {
            Some(m) => m.clone(),
            None => {
                let m = engine.compile_now(&p.bytes)?;
                p.compiled = Some(m.clone());
                m
            }
        }
    };
    let form = cloud.lambda().prepared.get(&(module_key.to_string(), memory_mb)).map(|p| p.form.clone());
    let Some(Form::Reactor { has_initialize, has_init }) = form else { return Ok(()) };
    let config = GuestConfig {
        function_name: name.to_string(),
        env: lambda_environment(&[], name, "$LATEST", memory_mb, REGION, "check"),
        form: GuestForm::Reactor,
        random_seed: 1,
        code: Rc::new(code.to_vec()),
    };
    let services = GuestServices { cloud: cloud.link(), clock: cloud.clock().clone(), monotonic: cloud.monotonic() };
    let host = Rc::new(GuestHost::new(config, services));
    host.set_deadline(cloud.monotonic()() + 10_000.0);
    let mut instance = module.instantiate(host.clone())?;
    for (present, export) in [(has_initialize, "_initialize"), (has_init, "stratus_init")] {
        if present && instance.call(export, &[]).is_err() {
            host.flush_logs();
            if let Some((kind, message)) = runtime_error(&host.take_logs()) {
                if kind == "Runtime.UserCodeSyntaxError" {
                    return Err(format!("{kind}: {message}"));
                }
            }
            return Ok(());
        }
    }
    Ok(())
}

/// Puts a snapshot's memory and globals into a fresh instance.
fn restore(instance: &mut dyn Instance, snap: &Snapshot) -> bool {
    instance.grow_memory_to(snap.memory.len() as u64)
        && instance.write_memory(0, &snap.memory)
        && snap.globals.iter().all(|(name, v)| instance.set_global(name, *v))
}

fn trap_text(trap: &Trap) -> String {
    match trap {
        Trap::Guest(m) => m.clone(),
        Trap::Host(HostStop::Fatal(m)) => m.clone(),
        Trap::Host(HostStop::Exit(c)) => format!("exit status {c}"),
        Trap::Host(HostStop::Timeout) => "timed out".into(),
    }
}

/// How a run ended.
enum Ended {
    Ok(Vec<u8>),
    /// The guest reported an error (its payload is the error).
    Failed(Vec<u8>),
    Timeout,
    /// The environment died: (errorType, detail).
    Crashed(&'static str, String),
}

fn run(env: &mut Environment, plan: &Plan, payload: &[u8], context: String, deadline: f64) -> Ended {
    let host = env.host.clone();
    let stop = |trap: Trap, memory_full: bool| match trap {
        Trap::Host(HostStop::Timeout) => Ended::Timeout,
        Trap::Host(HostStop::Exit(0)) => Ended::Ok(host.take_stdout()),
        Trap::Host(HostStop::Exit(code)) => Ended::Crashed("Runtime.ExitError", format!("exit status {code}")),
        Trap::Guest(_) if memory_full => Ended::Crashed("Runtime.OutOfMemory", "signal: killed".into()),
        other => Ended::Crashed("Runtime.ExitError", trap_text(&other)),
    };
    let max_bytes = (u64::from(plan.config.memory_mb) * 16).min(65_536) * 65_536;
    match plan.form {
        Form::Command => {
            host.begin(Invocation { payload: payload.to_vec(), context_json: context, deadline_ms: deadline });
            let mut instance = match env.module.instantiate(host.clone()) {
                Ok(i) => i,
                Err(e) => return Ended::Crashed("Runtime.ExitError", e),
            };
            let result = instance.call("_start", &[]);
            let full = instance.memory_size() + 65_536 > max_bytes;
            match result {
                Ok(_) => Ended::Ok(host.take_stdout()),
                Err(trap) => stop(trap, full),
            }
        }
        Form::Reactor { .. } => {
            host.begin(Invocation { payload: Vec::new(), context_json: context, deadline_ms: deadline });
            let Some(instance) = env.instance.as_mut() else {
                return Ended::Crashed("Runtime.ExitError", "the environment has no instance".into());
            };
            let len = payload.len() as i32;
            let ptr = match instance.call("stratus_alloc", &[Val::I32(len)]) {
                Ok(v) => match v.first() {
                    Some(Val::I32(p)) if *p != 0 => *p as u32,
                    _ => {
                        let full = instance.memory_size() + 65_536 > max_bytes;
                        return if full {
                            Ended::Crashed("Runtime.OutOfMemory", "signal: killed".into())
                        } else {
                            Ended::Crashed("Runtime.ExitError", "stratus_alloc could not allocate the event".into())
                        };
                    }
                },
                Err(trap) => {
                    let full = instance.memory_size() + 65_536 > max_bytes;
                    return stop(trap, full);
                }
            };
            if !instance.write_memory(ptr, payload) {
                return Ended::Crashed("Runtime.ExitError", "stratus_alloc returned memory outside the module's memory".into());
            }
            let result = instance.call("stratus_handle", &[Val::I32(ptr as i32), Val::I32(len)]);
            let full = instance.memory_size() + 65_536 > max_bytes;
            match result {
                Ok(v) => {
                    let response = host.take_response().unwrap_or_default();
                    match v.first() {
                        Some(Val::I32(0)) | None => Ended::Ok(response),
                        _ => Ended::Failed(response),
                    }
                }
                Err(trap) => stop(trap, full),
            }
        }
    }
}

/// Runs one invocation to its end, synchronously.
pub fn invoke(cloud: &Cloud, name: &str, qualifier: Option<&str>, payload: &[u8], request_id: &str) -> Result<Outcome, Refusal> {
    let plan = plan(cloud, name, qualifier)?;
    let result = execute(cloud, name, plan, payload, request_id);
    let mut l = cloud.lambda();
    l.runtime.depth = l.runtime.depth.saturating_sub(1);
    if let Some(n) = l.runtime.in_flight.get_mut(name) {
        *n = n.saturating_sub(1);
    }
    Ok(result)
}

fn error_payload(kind: &str, message: String) -> Vec<u8> {
    json!({ "errorType": kind, "errorMessage": message }).to_string().into_bytes()
}

fn execute(cloud: &Cloud, name: &str, mut plan: Plan, payload: &[u8], request_id: &str) -> Outcome {
    let warm = plan.env.take();
    let c = &plan.config;
    let mono = cloud.monotonic();
    let mut log = vec![format!("START RequestId: {request_id} Version: {}", c.version)];
    let cold = warm.is_none();
    let (mut env, init_ms) = match warm {
        Some(e) => (e, None),
        None => match cold_start(cloud, name, &plan, &mut log) {
            Ok((e, init)) => (e, Some(init)),
            Err((kind, detail, stream)) => {
                // The environment could not start: Lambda reports an init error.
                log.push(format!("END RequestId: {request_id}"));
                let outcome = Outcome {
                    payload: error_payload(&kind, format!("RequestId: {request_id} Error: {detail}")),
                    function_error: Some("Unhandled"),
                    executed_version: c.version.clone(),
                    log: Vec::new(),
                    cold: true,
                };
                let end = Ending { env: None, stream, duration: 0.0, memory_used: 0, init_ms: None, status: Some("error") };
                return finish(cloud, name, &c, request_id, log, outcome, end);
            }
        },
    };
    let now = cloud.clock().now_ms();
    let deadline = mono() + f64::from(c.timeout_s) * 1000.0;
    let context = Context {
        aws_request_id: request_id,
        invoked_function_arn: &plan.invoked_arn,
        function_name: name,
        function_version: &c.version,
        memory_limit_in_mb: c.memory_mb,
        log_group_name: &format!("/aws/lambda/{name}"),
        log_stream_name: &env.log_stream,
        deadline_ms: now + u64::from(c.timeout_s) * 1000,
    };
    let context = serde_json::to_string(&context).unwrap_or_default();
    let started = mono();
    let ended = run(&mut env, &plan, payload, context, deadline);
    let duration = mono() - started;
    env.host.flush_logs();
    log.extend(env.host.take_logs());
    let memory_used = env.instance.as_ref().map(|i| i.memory_size()).unwrap_or(0);
    let (payload, error, keep, status) = match ended {
        Ended::Ok(p) => (p, None, true, None),
        Ended::Failed(p) => (p, Some("Unhandled"), true, None),
        Ended::Timeout => {
            let secs = format!("{:.2}", f64::from(c.timeout_s));
            log.push(format!("{} {request_id} Task timed out after {secs} seconds", super::function::lambda_time(cloud.clock().now_ms())));
            let p = error_payload("Sandbox.Timedout", format!("RequestId: {request_id} Error: Task timed out after {secs} seconds"));
            (p, Some("Unhandled"), false, Some("timeout"))
        }
        Ended::Crashed(kind, detail) => {
            let p = error_payload(kind, format!("RequestId: {request_id} Error: Runtime exited with error: {detail}"));
            (p, Some("Unhandled"), false, Some("error"))
        }
    };
    log.push(format!("END RequestId: {request_id}"));
    let stream = env.log_stream.clone();
    // A trapped or timed-out environment is thrown away: the next start is cold.
    let env = keep.then(|| {
        env.last_used_ms = cloud.clock().now_ms();
        env
    });
    let outcome = Outcome { payload, function_error: error, executed_version: c.version.clone(), log: Vec::new(), cold };
    finish(cloud, name, &c, request_id, log, outcome, Ending { env, stream, duration, memory_used, init_ms, status })
}

/// The invocation's context as the guest reads it (`stratus.context`, see
/// docs/function-abi.md): Lambda's context fields. A struct rather than a
/// `json!` map, which built and dropped a tree of owned strings for every
/// invocation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Context<'a> {
    aws_request_id: &'a str,
    invoked_function_arn: &'a str,
    function_name: &'a str,
    function_version: &'a str,
    #[serde(rename = "memoryLimitInMB")]
    memory_limit_in_mb: u32,
    log_group_name: &'a str,
    log_stream_name: &'a str,
    deadline_ms: u64,
}

/// How an invocation ended, for its REPORT line and its environment.
struct Ending {
    env: Option<Environment>,
    stream: String,
    duration: f64,
    memory_used: u64,
    init_ms: Option<f64>,
    status: Option<&'static str>,
}

fn finish(cloud: &Cloud, name: &str, c: &Config, request_id: &str, mut log: Vec<String>, mut outcome: Outcome, end: Ending) -> Outcome {
    let now = cloud.clock().now_ms();
    let used_mb = end.memory_used.div_ceil(1024 * 1024);
    let mut report = format!(
        "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {used_mb} MB",
        end.duration,
        end.duration.ceil().max(1.0) as u64,
        c.memory_mb
    );
    if let Some(init) = end.init_ms {
        report.push_str(&format!("\tInit Duration: {init:.2} ms"));
    }
    if let Some(status) = end.status {
        report.push_str(&format!("\tStatus: {status}"));
    }
    log.push(report);
    record(cloud, name, "Invocations", Kind::Samples, "Count", 1.0, now);
    record(cloud, name, "Duration", Kind::Distribution, "Milliseconds", end.duration, now);
    if outcome.function_error.is_some() {
        record(cloud, name, "Errors", Kind::Samples, "Count", 1.0, now);
    }
    if outcome.cold {
        record(cloud, name, "ColdStarts", Kind::Samples, "Count", 1.0, now);
    }
    cloud.write_function_log(name, &end.stream, &log, now);
    if let Some(env) = end.env {
        let mut l = cloud.lambda();
        l.runtime.warm.entry((name.to_string(), c.version.clone())).or_default().push(env);
    }
    outcome.log = log;
    outcome
}

/// Queues an asynchronous invocation (answered 202 at once).
pub fn enqueue(cloud: &Cloud, name: &str, qualifier: Option<&str>, payload: Vec<u8>, request_id: &str) {
    let mut l = cloud.lambda();
    let now = l.now_ms();
    l.runtime.queue.push(Queued {
        request_id: request_id.to_string(),
        function: name.to_string(),
        qualifier: qualifier.map(str::to_string),
        payload,
        attempts: 0,
        due_ms: now,
        received_ms: now,
    });
}

/// Whether queued invocations are due now.
pub fn has_due(cloud: &Cloud) -> bool {
    let l = cloud.lambda();
    let now = l.now_ms();
    l.runtime.queue.iter().any(|q| q.due_ms <= now)
}

/// Runs the queued invocations that are due; a failed one is retried after
/// Lambda's delays (up to the function's retry setting) and then kept as a
/// dead letter. Returns how many ran.
pub fn run_due(cloud: &Cloud) -> usize {
    let due: Vec<Queued> = {
        let mut l = cloud.lambda();
        let now = l.now_ms();
        let (due, later): (Vec<Queued>, Vec<Queued>) = std::mem::take(&mut l.runtime.queue).into_iter().partition(|q| q.due_ms <= now);
        l.runtime.queue = later;
        due
    };
    let count = due.len();
    for mut q in due {
        let result = invoke(cloud, &q.function, q.qualifier.as_deref(), &q.payload, &q.request_id);
        let error = match result {
            Ok(o) if o.function_error.is_none() => None,
            Ok(o) => Some(String::from_utf8_lossy(&o.payload).into_owned()),
            Err(r) if r.status == 404 => {
                // The function is gone: nothing to retry.
                Some(format!("{}: {}", r.kind, r.message))
            }
            Err(r) => Some(format!("{}: {}", r.kind, r.message)),
        };
        let Some(error) = error else { continue };
        let mut l = cloud.lambda();
        let now = l.now_ms();
        let retries = l.functions.get(&q.function).map(|f| f.max_retries).unwrap_or(0);
        q.attempts += 1;
        if q.attempts <= retries {
            let delay = l.settings.retry_delays_s[(q.attempts as usize - 1).min(1)];
            q.due_ms = now + delay * 1000;
            l.runtime.queue.push(q);
        } else {
            l.runtime.dead_letters.push(DeadLetter {
                request_id: q.request_id,
                function_name: q.function,
                qualifier: q.qualifier,
                payload: String::from_utf8_lossy(&q.payload).into_owned(),
                error,
                attempts: q.attempts,
                received: q.received_ms,
                failed: now,
            });
            if l.runtime.dead_letters.len() > 1000 {
                l.runtime.dead_letters.remove(0);
            }
        }
    }
    count
}
