//! The function ABI's host side (src/engine/lambda/wasi.rs) running real guest
//! modules, written in WebAssembly text, on the native wasmi engine.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use stratus::engine::clock::ManualClock;
use stratus::engine::http::{HttpRequest, HttpResponse};
use stratus::engine::lambda::wasi::{
    import_allowed, lambda_environment, parse_request, CloudLink, GuestConfig, GuestForm, GuestHost, GuestServices,
    Invocation, ValType, FUEL_REFILL,
};
use stratus::engine::lambda::wasm::{HostStop, Instance, Trap, Val, WasmEngine};
use stratus::engine::lambda::wasmi_engine::WasmiEngine;

#[path = "common/lambda_guests.rs"]
mod lambda_guests;
use lambda_guests::*;

const START_MS: u64 = 1_700_000_000_000;

/// A cloud that records its requests and answers each with one fixed response.
struct FakeCloud {
    seen: RefCell<Vec<HttpRequest>>,
    response: HttpResponse,
}

impl CloudLink for FakeCloud {
    fn call(&self, request: HttpRequest) -> HttpResponse {
        self.seen.borrow_mut().push(request);
        self.response.clone()
    }
}

/// One instance of a module with the services it was given.
struct Guest {
    host: Rc<GuestHost>,
    instance: Box<dyn Instance>,
    clock: Rc<ManualClock>,
    /// The monotonic timer's reading (milliseconds).
    now: Rc<Cell<f64>>,
    /// How far the monotonic timer moves at each reading.
    tick: Rc<Cell<f64>>,
    cloud: Rc<FakeCloud>,
}

struct Setup {
    form: GuestForm,
    env: Vec<(String, String)>,
    seed: u64,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { form: GuestForm::Command, env: Vec::new(), seed: 7 }
    }
}

fn compile(wat: &str) -> Rc<dyn stratus::engine::lambda::wasm::Module> {
    let bytes = wat::parse_str(wat).expect("the test module parses");
    pollster::block_on(WasmiEngine::new().compile(bytes)).expect("the test module compiles")
}

fn try_guest(wat: &str, setup: Setup) -> Result<Guest, String> {
    let clock = Rc::new(ManualClock::new(START_MS));
    let now = Rc::new(Cell::new(0.0));
    let tick = Rc::new(Cell::new(0.0));
    let cloud = Rc::new(FakeCloud {
        seen: RefCell::new(Vec::new()),
        response: HttpResponse::new(200).with_body("application/x-amz-json-1.0", r#"{"Item":{}}"#),
    });
    let monotonic = {
        let (now, tick) = (now.clone(), tick.clone());
        Rc::new(move || {
            let t = now.get();
            now.set(t + tick.get());
            t
        })
    };
    let services = GuestServices { cloud: cloud.clone(), clock: clock.clone(), monotonic };
    let config =
        GuestConfig { function_name: "echo".to_string(), env: setup.env, form: setup.form, random_seed: setup.seed, code: Default::default() };
    let host = Rc::new(GuestHost::new(config, services));
    let instance = compile(wat).instantiate(host.clone())?;
    Ok(Guest { host, instance, clock, now, tick, cloud })
}

fn guest(wat: &str, setup: Setup) -> Guest {
    try_guest(wat, setup).expect("the test module instantiates")
}

fn invocation(payload: &str) -> Invocation {
    Invocation { payload: payload.as_bytes().to_vec(), context_json: "{}".to_string(), deadline_ms: f64::INFINITY }
}

impl Guest {
    /// Runs `_start` as a command invocation with this stdin.
    fn run(&mut self, stdin: &str) -> Result<Vec<Val>, Trap> {
        self.host.begin(invocation(stdin));
        self.instance.call("_start", &[])
    }

    fn stdout(&self) -> String {
        String::from_utf8(self.host.take_stdout()).expect("stdout is UTF-8")
    }
}

#[test]
fn command_echoes_stdin_uppercased_and_logs_stderr_lines() {
    let wat = echo_module();
    let mut g = guest(&wat, Setup::default());
    assert_eq!(g.run(r#"{"name":"stratus"}"#), Ok(vec![]));
    assert_eq!(g.stdout(), r#"{"NAME":"STRATUS"}"#);
    assert_eq!(g.host.take_logs(), vec!["hello from stderr", "second"]);
    g.host.flush_logs();
    assert_eq!(g.host.take_logs(), vec!["partial"]);
    assert_eq!(g.host.exit_code(), None);
}

#[test]
fn proc_exit_zero_and_non_zero_end_the_run_with_the_code() {
    for code in [0, 3] {
        let mut g = guest(&exit_module(code), Setup::default());
        assert_eq!(g.run(""), Err(Trap::Host(HostStop::Exit(code))));
        assert_eq!(g.host.exit_code(), Some(code));
        assert_eq!(g.stdout(), "before", "nothing runs after proc_exit");
    }
}

#[test]
fn environ_and_args_show_the_configured_environment_and_function_name() {
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  {FD_IO}
  (memory (export "memory") 1)
  (func (export "_start")
    ;; environ: count at 0, size at 4, pointers at 256, strings at 4096
    (if (call $env_sizes (i32.const 0) (i32.const 4)) (then unreachable))
    (if (call $env_get (i32.const 256) (i32.const 4096)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 256)) (i32.const 4096)) (then unreachable))
    (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 4)))
    ;; the second variable's pointer, as a byte offset into the strings
    (i32.store8 (i32.const 8) (i32.add (i32.const 48) (i32.sub (i32.load (i32.const 260)) (i32.const 4096))))
    (call $write (i32.const 2) (i32.const 8) (i32.const 1))
    ;; args: argc 1, argv[0] is the name
    (if (call $args_sizes (i32.const 0) (i32.const 4)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 0)) (i32.const 1)) (then unreachable))
    (if (call $args_get (i32.const 256) (i32.const 8192)) (then unreachable))
    (call $write (i32.const 1) (i32.load (i32.const 256)) (i32.load (i32.const 4)))))"#
    );
    let env = vec![("A".to_string(), "1".to_string()), ("B".to_string(), "two".to_string())];
    let mut g = guest(&wat, Setup { env, ..Setup::default() });
    assert_eq!(g.run(""), Ok(vec![]));
    assert_eq!(g.stdout(), "A=1\0B=two\0echo\0");
    g.host.flush_logs();
    assert_eq!(g.host.take_logs(), vec!["4"], "environ[1] points just past \"A=1\\0\"");
}

#[test]
fn lambda_environment_adds_the_reserved_variables() {
    let env = lambda_environment(
        &[("TABLE".to_string(), "notes".to_string()), ("AWS_REGION".to_string(), "mars-1".to_string())],
        "echo",
        "$LATEST",
        128,
        "us-east-1",
        "2024/01/01/[$LATEST]abc",
    );
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(env[0], ("TABLE".to_string(), "notes".to_string()));
    assert_eq!(get("AWS_REGION"), Some("us-east-1"), "reserved variables win");
    assert_eq!(env.iter().filter(|(k, _)| k == "AWS_REGION").count(), 1);
    assert_eq!(get("AWS_LAMBDA_FUNCTION_NAME"), Some("echo"));
    assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
    assert_eq!(get("AWS_LAMBDA_LOG_GROUP_NAME"), Some("/aws/lambda/echo"));
    assert_eq!(get("TZ"), Some(":UTC"));
    assert_eq!(get("LAMBDA_TASK_ROOT"), Some("/var/task"));
}

#[test]
fn clock_time_get_realtime_follows_the_engine_clock() {
    let mut g = guest(CLOCKS, Setup::default());
    let ns = |ms: u64| Ok(vec![Val::I64((ms * 1_000_000) as i64)]);
    assert_eq!(g.instance.call("realtime", &[]), ns(START_MS));
    g.clock.advance_ms(90_000);
    assert_eq!(g.instance.call("realtime", &[]), ns(START_MS + 90_000));
    g.now.set(1234.5);
    assert_eq!(g.instance.call("monotonic", &[]), Ok(vec![Val::I64(1_234_500_000)]));
    assert_eq!(g.instance.call("bad_clock", &[]), Ok(vec![Val::I32(28)]), "EINVAL");
    assert_eq!(g.instance.call("realtime_res", &[]), Ok(vec![Val::I64(1_000_000)]));
}

const RANDOM: &str = r#"(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "fill") (param $ptr i32) (param $len i32) (result i32)
    (call $random (local.get $ptr) (local.get $len))))"#;

#[test]
fn random_get_fills_the_buffer() {
    let fill = |seed: u64| {
        let mut g = guest(RANDOM, Setup { seed, ..Setup::default() });
        assert_eq!(g.instance.call("fill", &[Val::I32(100), Val::I32(61)]), Ok(vec![Val::I32(0)]));
        let bytes = g.instance.read_memory(99, 63).unwrap();
        assert_eq!((bytes[0], bytes[62]), (0, 0), "nothing written outside the buffer");
        bytes[1..62].to_vec()
    };
    let a = fill(1);
    assert!(a.iter().filter(|&&b| b == 0).count() < 8, "random bytes: {a:?}");
    assert_ne!(a, fill(2), "another seed, other bytes");
    assert_eq!(a, fill(1), "the same seed, the same bytes");
}

#[test]
fn random_get_out_of_bounds_is_fatal() {
    let mut g = guest(RANDOM, Setup::default());
    match g.instance.call("fill", &[Val::I32(65_530), Val::I32(10)]) {
        Err(Trap::Host(HostStop::Fatal(message))) => {
            assert!(message.contains("random_get") && message.contains("65530..65540"), "{message}")
        }
        other => panic!("expected a fatal stop, got {other:?}"),
    }
}

fn handle(g: &mut Guest, payload: &str) -> Vec<u8> {
    g.host.begin(invocation(payload));
    let len = Val::I32(payload.len() as i32);
    let ptr = match g.instance.call("stratus_alloc", &[len]).unwrap()[..] {
        [Val::I32(ptr)] => ptr,
        ref other => panic!("stratus_alloc returned {other:?}"),
    };
    assert!(g.instance.write_memory(ptr as u32, payload.as_bytes()));
    assert_eq!(g.instance.call("stratus_handle", &[Val::I32(ptr), len]), Ok(vec![Val::I32(0)]));
    g.host.take_response().expect("the reactor set a response")
}

#[test]
fn reactor_keeps_its_globals_across_invocations() {
    let mut g = guest(REACTOR, Setup { form: GuestForm::Reactor, ..Setup::default() });
    assert!(g.instance.has_function("stratus_handle"));
    assert!(!g.instance.has_function("_start"));
    assert_eq!(handle(&mut g, r#"{"a":1}"#), br#"1{"a":1}"#);
    assert_eq!(handle(&mut g, r#"{"b":2}"#), br#"2{"b":2}"#);
    assert_eq!(g.host.take_logs(), vec!["handled", "handled"]);
    assert!(g.host.take_stdout().is_empty(), "a reactor's stdout is logged, not kept");
    assert_eq!(g.instance.memory_size(), 65_536);
}

fn send(g: &mut Guest, request: &[u8]) -> Result<Vec<u8>, Trap> {
    assert!(g.instance.write_memory(0, request));
    let n = match g.instance.call("send", &[Val::I32(0), Val::I32(request.len() as i32)])?[..] {
        [Val::I32(n)] => n as u32,
        ref other => panic!("send returned {other:?}"),
    };
    assert_eq!(g.instance.read_memory(4096, 4), Some(vec![0; 4]), "nothing copied into a too-small buffer");
    Ok(g.instance.read_memory(8192, n).unwrap())
}

#[test]
fn stratus_call_sends_an_http_message_and_keeps_the_response() {
    let mut g = guest(CALLER, Setup::default());
    let request = b"POST /_aws/dynamodb/?x=1 HTTP/1.1\r\ncontent-type: application/x-amz-json-1.0\r\n\
x-amz-target:DynamoDB_20120810.GetItem\r\ncontent-length: 17\r\n\r\n{\"TableName\":\"n\"}";
    let response = send(&mut g, request).unwrap();
    assert_eq!(
        String::from_utf8(response).unwrap(),
        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 11\r\n\r\n{\"Item\":{}}"
    );
    let seen = g.cloud.seen.borrow();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str(), seen[0].query.as_str()), ("POST", "/_aws/dynamodb/", "x=1"));
    assert_eq!(seen[0].header("X-Amz-Target"), Some("DynamoDB_20120810.GetItem"));
    assert_eq!(seen[0].body, br#"{"TableName":"n"}"#);
}

#[test]
fn stratus_call_into_copies_an_answer_that_fits_in_the_same_call() {
    let mut g = guest(CALLER, Setup::default());
    let request = b"POST /_aws/dynamodb/ HTTP/1.1\r\nx-amz-target: DynamoDB_20120810.GetItem\r\n\r\n{}";
    let expected = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 11\r\n\r\n{\"Item\":{}}";
    assert!(g.instance.write_memory(0, request));
    let send_into = |g: &mut Guest, dst: i32, cap: i32| match g.instance.call(
        "send_into",
        &[Val::I32(0), Val::I32(request.len() as i32), Val::I32(dst), Val::I32(cap)],
    ) {
        Ok(v) => match v[..] {
            [Val::I32(n)] => n as u32,
            ref other => panic!("send_into returned {other:?}"),
        },
        Err(e) => panic!("send_into trapped: {e:?}"),
    };
    // Room for it: copied at once.
    let n = send_into(&mut g, 8192, expected.len() as i32);
    assert_eq!(n as usize, expected.len());
    assert_eq!(String::from_utf8(g.instance.read_memory(8192, n).unwrap()).unwrap(), expected);
    // Too small a buffer: nothing copied, the length comes back, and
    // call_result has the answer (the guest's `send` reads it that way).
    let n = send_into(&mut g, 16384, expected.len() as i32 - 1);
    assert_eq!(n as usize, expected.len());
    assert_eq!(g.instance.read_memory(16384, 4), Some(vec![0; 4]), "nothing copied into a too-small buffer");
    assert_eq!(g.cloud.seen.borrow().len(), 2, "each call_into is one request");
    match g.instance.call("result", &[Val::I32(16384), Val::I32(n as i32)]) {
        Ok(v) => assert!(matches!(v[..], [Val::I32(m)] if m as u32 == n), "call_result gives the length: {v:?}"),
        Err(e) => panic!("call_result trapped: {e:?}"),
    }
    assert_eq!(String::from_utf8(g.instance.read_memory(16384, n).unwrap()).unwrap(), expected);
    assert_eq!(g.cloud.seen.borrow().len(), 2, "call_result makes no request");
    // Out of bounds destination: fatal, as for call_result.
    match g.instance.call("send_into", &[Val::I32(0), Val::I32(request.len() as i32), Val::I32(65_530), Val::I32(4096)]) {
        Err(Trap::Host(HostStop::Fatal(message))) => assert!(message.contains("outside"), "{message}"),
        other => panic!("expected a fatal stop, got {other:?}"),
    }
}

#[test]
fn stratus_call_answers_a_malformed_request_with_400() {
    let mut g = guest(CALLER, Setup::default());
    let response = String::from_utf8(send(&mut g, b"hello there").unwrap()).unwrap();
    assert!(response.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{response}");
    assert!(response.contains("content-type: text/plain"), "{response}");
    assert!(response.ends_with("header section must end with an empty line"), "{response}");
    assert!(g.cloud.seen.borrow().is_empty(), "the cloud never saw it");

    let response = String::from_utf8(send(&mut g, b"GET /x HTTP/1.1\r\ncontent-length: 9\r\n\r\nshort").unwrap()).unwrap();
    assert!(response.ends_with("content-length is 9 but the body has 5 bytes"), "{response}");
}

#[test]
fn stratus_call_out_of_bounds_is_fatal() {
    let mut g = guest(CALLER, Setup::default());
    match g.instance.call("send", &[Val::I32(65_000), Val::I32(1_000)]) {
        Err(Trap::Host(HostStop::Fatal(message))) => {
            assert!(message.starts_with("call: the request at 65000..66000 is outside"), "{message}")
        }
        other => panic!("expected a fatal stop, got {other:?}"),
    }
}

#[test]
fn parse_request_accepts_bare_newlines_and_reads_the_rest_without_content_length() {
    let request = parse_request(b"get /_aws/lambda/ HTTP/1.1\nx-a:  b \n\nbody\nmore").unwrap();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/_aws/lambda/"));
    assert_eq!(request.headers, vec![("x-a".to_string(), "b".to_string())]);
    assert_eq!(request.body, b"body\nmore");
    for (bad, reason) in [
        (&b"POST http://x/ HTTP/1.1\r\n\r\n"[..], "the target must be a path"),
        (b"POST / HTTP/2\r\n\r\n", "unsupported version"),
        (b"POST / HTTP/1.1\r\nno colon\r\n\r\n", "expected \"name: value\""),
        (b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n", "transfer-encoding"),
        (b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n", "bad content-length"),
    ] {
        let error = parse_request(bad).unwrap_err();
        assert!(error.contains(reason), "{error}");
    }
}

#[test]
fn stratus_context_copies_only_when_it_fits() {
    let mut g = guest(CALLER, Setup::default());
    let context = r#"{"awsRequestId":"r-1","functionName":"echo"}"#;
    g.host.begin(Invocation { context_json: context.to_string(), ..invocation("") });
    let len = Ok(vec![Val::I32(context.len() as i32)]);
    assert_eq!(g.instance.call("context", &[Val::I32(100), Val::I32(5)]), len);
    assert_eq!(g.instance.read_memory(100, 5), Some(vec![0; 5]));
    assert_eq!(g.instance.call("context", &[Val::I32(100), Val::I32(1000)]), len);
    assert_eq!(g.instance.read_memory(100, context.len() as u32), Some(context.as_bytes().to_vec()));
}

#[test]
fn remaining_ms_counts_down_to_the_deadline() {
    let mut g = guest(CALLER, Setup::default());
    g.host.begin(Invocation { deadline_ms: 3_000.0, ..invocation("") });
    g.now.set(1_000.25);
    assert_eq!(g.instance.call("remaining", &[]), Ok(vec![Val::I64(1_999)]));
    g.now.set(5_000.0);
    assert_eq!(g.instance.call("remaining", &[]), Ok(vec![Val::I64(0)]));
}

#[test]
fn an_endless_loop_times_out_at_the_deadline() {
    let mut g = guest(ENDLESS, Setup::default());
    assert_eq!(g.instance.call("fuel_once", &[]), Ok(vec![Val::I64(FUEL_REFILL)]), "no deadline yet");
    g.tick.set(10.0); // every reading of the timer is 10 ms later
    g.host.begin(Invocation { deadline_ms: 45.0, ..invocation("") });
    assert_eq!(g.instance.call("_start", &[]), Err(Trap::Host(HostStop::Timeout)));
    // readings 0, 10, 20, 30, 40 refill; 50 is past the deadline
    assert_eq!(g.instance.call("refills", &[]), Ok(vec![Val::I32(5)]));
}

#[test]
fn guest_traps_are_guest_traps() {
    let wat = TRAPS;
    let mut g = guest(wat, Setup::default());
    for name in ["unreachable", "out_of_bounds", "deep"] {
        match g.instance.call(name, &[]) {
            Err(Trap::Guest(message)) => assert!(!message.is_empty()),
            other => panic!("{name}: expected a guest trap, got {other:?}"),
        }
    }
    match g.instance.call("unreachable", &[]) {
        Err(Trap::Guest(message)) => assert!(message.contains("unreachable"), "{message}"),
        other => panic!("{other:?}"),
    }
    match g.instance.call("missing", &[]) {
        Err(Trap::Host(HostStop::Fatal(message))) => assert!(message.contains("missing"), "{message}"),
        other => panic!("{other:?}"),
    }
    // The instance still works after a trap.
    assert!(matches!(g.instance.call("out_of_bounds", &[]), Err(Trap::Guest(_))));
}

#[test]
fn an_unknown_import_is_refused_at_instantiation() {
    for (module, name) in [("wasi_snapshot_preview1", "path_nonexistent"), ("env", "abort"), ("stratus", "sleep")] {
        let wat = format!(r#"(module (import "{module}" "{name}" (func)) (memory (export "memory") 1))"#);
        let error = try_guest(&wat, Setup::default()).err().expect("refused");
        assert!(error.contains(&format!("{module}.{name}")), "{error}");
    }
    let wat = r#"(module (import "env" "memory" (memory 1)))"#;
    let error = try_guest(wat, Setup::default()).err().expect("refused");
    assert!(error.contains("env.memory") && error.contains("not a function"), "{error}");
}

#[test]
fn unimplemented_wasi_functions_return_enosys_and_poll_completes_clocks_at_once() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "path_open"
        (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
      (memory (export "memory") 1)
      (func (export "path_open") (result i32)
        (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0)
          (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))
      (func (export "poll") (result i32)
        ;; subscription 0 at 0: userdata 0x1111, clock, 1 s relative
        (i64.store (i32.const 0) (i64.const 0x1111))
        (i32.store8 (i32.const 8) (i32.const 0))
        (i64.store (i32.const 24) (i64.const 1000000000))
        ;; subscription 1 at 48: userdata 0x2222, fd_read on fd 0
        (i64.store (i32.const 48) (i64.const 0x2222))
        (i32.store8 (i32.const 56) (i32.const 1))
        (i32.store (i32.const 64) (i32.const 0))
        (call $poll (i32.const 0) (i32.const 1024) (i32.const 2) (i32.const 2048)))
      (func (export "fdstat") (param i32) (result i32) (call $fdstat (local.get 0) (i32.const 4096)))
      (func (export "prestat") (result i32) (call $prestat (i32.const 3) (i32.const 4096)))
      (func (export "seek") (param i32) (result i32) (call $seek (local.get 0) (i64.const 0) (i32.const 0) (i32.const 4096)))
      (func (export "yield") (result i32) (call $yield)))"#;
    let mut g = guest(wat, Setup::default());
    let errno = |n: i32| Ok(vec![Val::I32(n)]);
    assert_eq!(g.instance.call("path_open", &[]), errno(52));
    assert_eq!(g.instance.call("prestat", &[]), errno(8));
    assert_eq!(g.instance.call("seek", &[Val::I32(1)]), errno(70));
    assert_eq!(g.instance.call("seek", &[Val::I32(5)]), errno(8));
    assert_eq!(g.instance.call("yield", &[]), errno(0));

    assert_eq!(g.instance.call("poll", &[]), errno(0));
    assert_eq!(g.instance.read_memory(2048, 4), Some(2u32.to_le_bytes().to_vec()), "nevents");
    let events = g.instance.read_memory(1024, 64).unwrap();
    assert_eq!(&events[0..8], &0x1111u64.to_le_bytes());
    assert_eq!((events[8], events[9], events[10]), (0, 0, 0), "clock: no error");
    assert_eq!(&events[32..40], &0x2222u64.to_le_bytes());
    assert_eq!((events[40], events[41], events[42]), (8, 0, 1), "fd_read: EBADF");

    assert_eq!(g.instance.call("fdstat", &[Val::I32(1)]), errno(0));
    let stat = g.instance.read_memory(4096, 24).unwrap();
    assert_eq!(stat[0], 2, "a character device");
    assert_eq!(g.instance.call("fdstat", &[Val::I32(3)]), errno(8));
}

#[test]
fn import_allowed_checks_names_and_signatures() {
    use ValType::{I32, I64};
    assert_eq!(import_allowed("wasi_snapshot_preview1", "fd_write", &[I32, I32, I32, I32], &[I32]), Ok(()));
    assert_eq!(import_allowed("wasi_snapshot_preview1", "proc_exit", &[I32], &[]), Ok(()));
    assert_eq!(import_allowed("wasi_snapshot_preview1", "sock_accept", &[I32, I32, I32], &[I32]), Ok(()));
    assert_eq!(import_allowed("stratus", "call", &[I32, I32], &[I32]), Ok(()));
    assert_eq!(import_allowed("stratus", "remaining_ms", &[], &[I64]), Ok(()));

    let error = import_allowed("wasi_snapshot_preview1", "fd_write", &[I32, I32, I32], &[I32]).unwrap_err();
    assert_eq!(
        error,
        "import wasi_snapshot_preview1.fd_write has type (i32, i32, i32) -> i32, \
         but wasi_snapshot_preview1.fd_write is (i32, i32, i32, i32) -> i32"
    );
    let error = import_allowed("wasi_snapshot_preview1", "proc_exit", &[I32], &[I32]).unwrap_err();
    assert!(error.contains("proc_exit") && error.contains("is (i32)"), "{error}");
    let error = import_allowed("stratus", "response", &[I64, I32], &[]).unwrap_err();
    assert!(error.contains("stratus.response"), "{error}");
    let error = import_allowed("wasi_snapshot_preview1", "fd_open", &[I32], &[I32]).unwrap_err();
    assert!(error.contains("not a WASI preview1 function"), "{error}");
    let error = import_allowed("env", "abort", &[], &[]).unwrap_err();
    assert!(error.starts_with("import env.abort:"), "{error}");
    let error = import_allowed("stratus_internal", "fuel", &[], &[I64]).unwrap_err();
    assert!(error.contains("reserved"), "{error}");
}

#[test]
fn a_guest_calling_an_import_with_a_wrong_signature_is_stopped() {
    // The deploy-time check refuses this module; the host still must not panic.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_close" (func $close (param i64) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start") (drop (call $close (i64.const 1)))))"#;
    let mut g = guest(wat, Setup::default());
    match g.run("") {
        Err(Trap::Host(HostStop::Fatal(message))) => assert!(message.contains("fd_close"), "{message}"),
        other => panic!("{other:?}"),
    }
}
