//! API Gateway dispatch benchmark: native, one thread, no framework.
//!
//! Run with `cargo bench --bench gateway` (optionally followed by `--` and
//! substrings of the benchmark names). Each benchmark runs one request in a
//! loop, `BENCH_WARMUP` seconds (default 0.5) thrown away, then
//! `BENCH_SECS` (default 2) timed, one `Instant` pair per request; the
//! report gives requests per second, the median and the 99th percentile.
//!
//! The gateway's own cost is what a request costs beyond its function:
//! `http route, trivial function` (the whole request through
//! `Cloud::handle_now`: stage, trie, throttles, the 2.0 event's JSON, the
//! invocation, the answer's mapping, metrics) less `function alone` (the
//! same function invoked directly with an event of the same size). The
//! requests that never reach a function (`no route`, `preflight`) measure
//! the dispatcher by itself.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use base64::Engine;
    use serde_json::{json, Value};
    use std::hint::black_box;
    use std::rc::Rc;
    use std::time::{Duration, Instant};
    use stratus::engine::clock::ManualClock;
    use stratus::engine::{Cloud, HttpRequest};

    /// A reactor that answers a fixed, small 2.0 response.
    const TRIVIAL: &str = r#"(module
      (import "stratus" "response" (func $response (param i32 i32)))
      (memory (export "memory") 2)
      (data (i32.const 16) "{\"statusCode\":200,\"body\":\"ok\"}")
      (func (export "stratus_alloc") (param i32) (result i32) i32.const 1024)
      (func (export "stratus_handle") (param i32 i32) (result i32)
        (call $response (i32.const 16) (i32.const 30))
        i32.const 0))"#;

    struct Report {
        name: &'static str,
        samples: Vec<f64>,
    }

    fn run(name: &'static str, filter: &[String], mut op: impl FnMut()) -> Option<Report> {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            return None;
        }
        let secs = |var: &str, default: f64| std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
        let warmup = Duration::from_secs_f64(secs("BENCH_WARMUP", 0.5));
        let timed = Duration::from_secs_f64(secs("BENCH_SECS", 2.0));
        let start = Instant::now();
        while start.elapsed() < warmup {
            op();
        }
        let mut samples = Vec::new();
        let start = Instant::now();
        while start.elapsed() < timed {
            let t = Instant::now();
            op();
            samples.push(t.elapsed().as_secs_f64() * 1e6);
        }
        Some(Report { name, samples })
    }

    fn print(r: &Report) {
        let mut s = r.samples.clone();
        s.sort_by(f64::total_cmp);
        let total: f64 = s.iter().sum();
        let pick = |q: f64| s[((q * s.len() as f64) as usize).min(s.len() - 1)];
        println!("{:<38} {:>10.0} req/s   p50 {:>8.2} µs   p99 {:>8.2} µs", r.name, s.len() as f64 / (total / 1e6), pick(0.5), pick(0.99));
    }

    fn median(r: &Report) -> f64 {
        let mut s = r.samples.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }

    fn send(cloud: &Cloud, method: &str, path: &str, body: Value) -> Value {
        let r = pollster::block_on(cloud.handle(HttpRequest::new(method, path).with_body(body.to_string())));
        assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body_text());
        serde_json::from_slice(&r.body).unwrap_or(Value::Null)
    }

    pub fn main() {
        let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
        let clock = Rc::new(ManualClock::new(1_700_000_000_000));
        let cloud = Cloud::new(clock);
        // The account's 10,000 requests a second would throttle the loops.
        cloud.gateway().settings.account_throttle = None;
        let module = wat::parse_str(TRIVIAL).unwrap();
        send(
            &cloud,
            "POST",
            "/_aws/lambda/2015-03-31/functions",
            json!({"FunctionName": "trivial", "Runtime": "provided.al2023", "Role": "arn:aws:iam::000000000000:role/r", "Handler": "main",
                   "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(&module)}}),
        );
        let api = send(
            &cloud,
            "POST",
            "/_aws/apigateway/v2/apis",
            json!({"name": "bench", "protocolType": "HTTP", "corsConfiguration": {"allowOrigins": ["https://app.example"], "allowMethods": ["GET"]}}),
        );
        let id = api["apiId"].as_str().unwrap().to_string();
        let i = send(
            &cloud,
            "POST",
            &format!("/_aws/apigateway/v2/apis/{id}/integrations"),
            json!({"integrationType": "AWS_PROXY", "integrationUri": "arn:aws:lambda:us-east-1:000000000000:function:trivial", "payloadFormatVersion": "2.0"}),
        );
        let target = format!("integrations/{}", i["integrationId"].as_str().unwrap());
        // A realistic table: 40 routes, the one called among them.
        for n in 0..20 {
            for key in [format!("GET /resource{n}/{{id}}"), format!("POST /resource{n}")] {
                send(&cloud, "POST", &format!("/_aws/apigateway/v2/apis/{id}/routes"), json!({"routeKey": key, "target": target}));
            }
        }
        send(&cloud, "POST", &format!("/_aws/apigateway/v2/apis/{id}/routes"), json!({"routeKey": "GET /items/{id}", "target": target}));
        send(&cloud, "POST", &format!("/_aws/apigateway/v2/apis/{id}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
        let request = || {
            HttpRequest::from_target("GET", &format!("/_api/{id}/items/42?view=full"))
                .with_header("accept", "application/json")
                .with_header("user-agent", "bench")
                .with_header("origin", "https://app.example")
        };
        let check = cloud.handle_now(request());
        assert_eq!((check.status, check.body_text().as_str()), (200, "ok"), "the route works");

        let mut reports = Vec::new();
        reports.extend(run("http route, trivial function", &filter, || {
            let r = cloud.handle_now(black_box(request()));
            assert_eq!(r.status, 200);
            black_box(r);
        }));
        // The function alone, with an event of the same size.
        let event = {
            let captured = cloud.handle_now(request());
            let _ = captured;
            json!({"version": "2.0", "routeKey": "GET /items/{id}", "rawPath": "/items/42", "rawQueryString": "view=full",
                   "headers": {"accept": "application/json", "user-agent": "bench", "origin": "https://app.example", "host": "x.execute-api.us-east-1.amazonaws.com",
                               "x-amzn-trace-id": "Root=1-6553f100-db46e2f38526d439dcea6540", "x-forwarded-for": "127.0.0.1", "x-forwarded-port": "443", "x-forwarded-proto": "https"},
                   "queryStringParameters": {"view": "full"}, "pathParameters": {"id": "42"}, "isBase64Encoded": false,
                   "requestContext": {"accountId": "000000000000", "apiId": id, "domainName": "x", "domainPrefix": "x",
                                      "http": {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
                                      "requestId": "R4nonSV3gtaQblb=", "routeKey": "GET /items/{id}", "stage": "$default", "time": "14/Nov/2023:22:13:20 +0000", "timeEpoch": 1700000000000u64}})
            .to_string()
        };
        reports.extend(run("function alone", &filter, || {
            black_box(stratus::engine::gateway::dispatch::call_function(&cloud, "trivial", None, black_box(event.as_bytes())).unwrap());
        }));
        reports.extend(run("no route (404, gateway only)", &filter, || {
            let r = cloud.handle_now(HttpRequest::from_target("GET", &format!("/_api/{id}/nowhere/at/all")).with_header("user-agent", "bench"));
            assert_eq!(r.status, 404);
            black_box(r);
        }));
        reports.extend(run("CORS preflight (gateway only)", &filter, || {
            black_box(cloud.handle_now(
                HttpRequest::new("OPTIONS", &format!("/_api/{id}/items/42"))
                    .with_header("origin", "https://app.example")
                    .with_header("access-control-request-method", "GET"),
            ));
        }));
        reports.extend(run("http route via Cloud::handle", &filter, || {
            let r = pollster::block_on(cloud.handle(black_box(request())));
            assert_eq!(r.status, 200);
            black_box(r);
        }));
        for r in &reports {
            print(r);
        }
        let whole = reports.iter().find(|r| r.name == "http route, trivial function");
        let alone = reports.iter().find(|r| r.name == "function alone");
        if let (Some(w), Some(a)) = (whole, alone) {
            println!("gateway's own cost (p50 difference): {:.2} µs", median(w) - median(a));
        }
    }
}
