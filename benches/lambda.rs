//! Lambda invocation overhead, natively: one thread, no benchmark framework.
//!
//! Run with `cargo bench --bench lambda`. Method: a trivial reactor (its
//! handler only sets a two-byte response) is invoked through the front door,
//! `Cloud::handle`, with a fresh `HttpRequest` each time, first 2,000 times
//! to warm up, then 20,000 times timed one by one with `Instant`. The guest
//! runs under wasmi here (the browser runs it on V8: see
//! docs/benchmarks-browser.md), so the figure is the engine's overhead
//! around a guest that does next to nothing: planning, environment reuse,
//! context, logs, metrics, the response. Figures: docs/benchmarks.md.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use base64::Engine;
    use serde_json::json;
    use std::rc::Rc;
    use std::time::Instant;
    use stratus::engine::clock::ManualClock;
    use stratus::engine::{Cloud, HttpRequest};

    let module = wat::parse_str(
        r#"(module
          (import "stratus" "response" (func $response (param i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "{}")
          (func (export "stratus_alloc") (param i32) (result i32) i32.const 1024)
          (func (export "stratus_handle") (param i32 i32) (result i32)
            (call $response (i32.const 16) (i32.const 2))
            i32.const 0))"#,
    )
    .unwrap();
    let clock = Rc::new(ManualClock::new(1_700_000_000_000));
    let cloud = Cloud::new(clock);
    let create = json!({
        "FunctionName": "noop", "Runtime": "provided.al2023", "Role": "arn:aws:iam::000000000000:role/r",
        "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(&module)},
    });
    let r = pollster::block_on(cloud.handle(HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions").with_body(create.to_string())));
    assert_eq!(r.status, 201, "{}", r.body_text());
    let invoke = || {
        let request = HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions/noop/invocations").with_body("{}");
        let t = Instant::now();
        let r = pollster::block_on(cloud.handle(request));
        let spent = t.elapsed();
        assert_eq!(r.status, 200);
        spent
    };
    for _ in 0..2000 {
        invoke();
    }
    let mut times: Vec<f64> = (0..20_000).map(|_| invoke().as_secs_f64() * 1e6).collect();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "lambda/invoke-warm-noop: {:.1} µs mean, p50 {:.1} µs, p99 {:.1} µs ({} invocations)",
        mean,
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times.len()
    );
}
