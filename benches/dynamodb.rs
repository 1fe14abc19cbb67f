//! DynamoDB engine benchmark: native, one thread, no benchmark framework.
//!
//! Run with `cargo bench --bench dynamodb` (optionally followed by `--` and
//! substrings of the benchmark names to run only those). Method and figures:
//! docs/benchmarks.md.
//!
//! Each benchmark runs one operation in a loop: first for `BENCH_WARMUP`
//! seconds (default 0.5) whose results are thrown away, then for `BENCH_SECS`
//! seconds (default 2). Every operation gets fresh inputs (a random key, a
//! freshly built request), built outside the timed region; only the call
//! itself is timed, one `Instant` pair per operation. The report gives the
//! operations per second the engine sustains (samples / sum of their times),
//! and the median and 99th percentile of the per-operation latencies.
//!
//! The JSON benchmarks go through the front door, `Cloud::handle`, with a
//! new `HttpRequest` each time (path, `X-Amz-Target`, JSON body), as an SDK
//! sends it; the response body is JSON. The typed ones call
//! `DynamoDb::put_item`/`get_item`/`query_page` directly.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use serde_json::json;
    use std::hint::black_box;
    use std::rc::Rc;
    use std::time::{Duration, Instant};
    use stratus::engine::clock::ManualClock;
    use stratus::engine::dynamodb::value::item_size;
    use stratus::engine::dynamodb::{AttributeValue, Item, Number};
    use stratus::engine::{Cloud, HttpRequest, HttpResponse};

    /// Items in the table GetItem, PutItem, UpdateItem and Scan work on.
    const ITEMS: u64 = 100_000;
    /// Sort keys per partition in that table.
    const PER_PARTITION: u64 = 10;
    /// Items in the large and the small single-partition Query tables.
    const BIG_PARTITION: u64 = 100_000;
    const SMALL_PARTITION: u64 = 1_000;

    /// A small, fast, deterministic generator (xorshift64*), so every run
    /// reads the same keys.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    struct Stats {
        name: String,
        samples: usize,
        ops_per_sec: f64,
        mean_ns: f64,
        p50_ns: u64,
        p99_ns: u64,
    }

    struct Config {
        warmup: Duration,
        time: Duration,
        filters: Vec<String>,
    }

    impl Config {
        fn wants(&self, name: &str) -> bool {
            self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
        }
    }

    /// Runs `op` (which times its own call and returns the duration) for the
    /// warm-up, then for the measuring time, and summarises the samples.
    fn measure(config: &Config, name: &str, mut op: impl FnMut() -> Duration) -> Option<Stats> {
        if !config.wants(name) {
            return None;
        }
        let start = Instant::now();
        while start.elapsed() < config.warmup {
            black_box(op());
        }
        let mut samples: Vec<u64> = Vec::with_capacity(1 << 20);
        let start = Instant::now();
        while start.elapsed() < config.time {
            samples.push(op().as_nanos() as u64);
        }
        let total: u64 = samples.iter().sum();
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
        let stats = Stats {
            name: name.to_string(),
            samples: samples.len(),
            ops_per_sec: samples.len() as f64 / (total as f64 / 1e9),
            mean_ns: total as f64 / samples.len() as f64,
            p50_ns: at(0.50),
            p99_ns: at(0.99),
        };
        println!(
            "{:<44} {:>9} samples {:>12.0} ops/s   mean {:>9}   p50 {:>9}   p99 {:>9}",
            stats.name,
            stats.samples,
            stats.ops_per_sec,
            show_ns(stats.mean_ns as u64),
            show_ns(stats.p50_ns),
            show_ns(stats.p99_ns)
        );
        Some(stats)
    }

    fn show_ns(ns: u64) -> String {
        if ns >= 10_000 {
            format!("{:.1} µs", ns as f64 / 1000.0)
        } else {
            format!("{:.2} µs", ns as f64 / 1000.0)
        }
    }

    fn request(operation: &str, body: String) -> HttpRequest {
        HttpRequest::new("POST", "/_aws/dynamodb/")
            .with_header("Content-Type", "application/x-amz-json-1.0")
            .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{operation}"))
            .with_body(body)
    }

    /// Calls the front door and times just that call.
    fn timed_handle(cloud: &Cloud, request: HttpRequest) -> (Duration, HttpResponse) {
        let start = Instant::now();
        let response = pollster::block_on(cloud.handle(request));
        let elapsed = start.elapsed();
        (elapsed, response)
    }

    fn expect_ok(response: &HttpResponse) {
        if response.status != 200 {
            panic!("unexpected answer {}: {}", response.status, response.body_text());
        }
    }

    fn create_table(cloud: &Cloud, name: &str) {
        let body = json!({
            "TableName": name,
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST"
        });
        let (_, response) = timed_handle(cloud, request("CreateTable", body.to_string()));
        expect_ok(&response);
    }

    fn num(n: impl ToString) -> AttributeValue {
        AttributeValue::N(Number::parse(&n.to_string()).unwrap())
    }

    fn s(text: impl Into<String>) -> AttributeValue {
        AttributeValue::S(text.into())
    }

    /// The fixed item shape: ten attributes of seven types, about 200 bytes
    /// as DynamoDB counts them.
    fn item(pk: &str, sk: u64, version: u64) -> Item {
        let address = Item::from([
            ("street".to_string(), s(format!("{} Analytical Engine Way", sk % 100))),
            ("city".to_string(), s("London")),
            ("zip".to_string(), s("NW1 6XE")),
        ]);
        Item::from([
            ("pk".to_string(), s(pk)),
            ("sk".to_string(), num(sk)),
            ("name".to_string(), s(format!("Ada Lovelace {sk:06}"))),
            ("email".to_string(), s(format!("ada.lovelace.{sk:06}@example.com"))),
            ("score".to_string(), num(format!("{}.{:04}", sk % 10_000, version % 10_000))),
            ("active".to_string(), AttributeValue::Bool(sk.is_multiple_of(2))),
            ("tags".to_string(), AttributeValue::Ss(vec!["alpha".into(), "beta".into(), "gamma".into()])),
            ("address".to_string(), AttributeValue::M(address)),
            ("c".to_string(), num(version)),
            ("data".to_string(), AttributeValue::B((0..32u8).map(|b| b.wrapping_add(sk as u8)).collect())),
        ])
    }

    fn item_json(pk: &str, sk: u64, version: u64) -> serde_json::Value {
        stratus::engine::dynamodb::value::item_to_json(&item(pk, sk, version))
    }

    fn key(pk: &str, sk: u64) -> Item {
        Item::from([("pk".to_string(), s(pk)), ("sk".to_string(), num(sk))])
    }

    fn user(i: u64) -> (String, u64) {
        (format!("user#{:06}", i / PER_PARTITION), i % PER_PARTITION)
    }

    fn load(cloud: &Cloud, table: &str, count: u64, key_of: impl Fn(u64) -> (String, u64)) {
        let mut db = cloud.dynamodb();
        for i in 0..count {
            let (pk, sk) = key_of(i);
            db.put_item(table, item(&pk, sk, 0)).unwrap();
        }
    }

    fn query_body(table: &str, limit: u64, start_sk: Option<u64>) -> String {
        let mut body = json!({
            "TableName": table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p"}},
            "Limit": limit
        });
        if let Some(sk) = start_sk {
            body["ExclusiveStartKey"] = json!({"pk": {"S": "p"}, "sk": {"N": sk.to_string()}});
        }
        body.to_string()
    }

    /// A Query page of `limit` items from a random place in the one
    /// partition of `table` (which holds `size` items), always a full page.
    fn query_json(config: &Config, cloud: &Cloud, name: &str, table: &str, size: u64, limit: u64) -> Option<Stats> {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = false;
        measure(config, name, || {
            let start = rng.below(size - limit);
            let req = request("Query", query_body(table, limit, Some(start)));
            let (elapsed, response) = timed_handle(cloud, req);
            expect_ok(&response);
            if !checked {
                let answer: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
                assert_eq!(answer["Count"], json!(limit), "{name}: a full page");
                assert!(answer.get("LastEvaluatedKey").is_some());
                checked = true;
            }
            black_box(response);
            elapsed
        })
    }

    fn machine() -> String {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
            .unwrap_or_else(|| "unknown".into());
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
        format!("{cpu}, {cores} cores available, {} {}", std::env::consts::OS, std::env::consts::ARCH)
    }

    fn loadavg() -> String {
        std::fs::read_to_string("/proc/loadavg").map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
    }

    fn secs(var: &str, default: f64) -> Duration {
        Duration::from_secs_f64(std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
    }

    pub fn main() {
        let config = Config {
            warmup: secs("BENCH_WARMUP", 0.5),
            time: secs("BENCH_SECS", 2.0),
            filters: std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect(),
        };
        println!("machine: {}", machine());
        println!(
            "build: debug assertions {}; warm-up {:?}, measuring {:?} per benchmark; load average {}",
            if cfg!(debug_assertions) { "ON (not a release build: figures are meaningless)" } else { "off" },
            config.warmup,
            config.time,
            loadavg()
        );
        let sample = item("user#000000", 0, 0);
        println!(
            "item: {} attributes, {} bytes as DynamoDB counts them, {} bytes of JSON",
            sample.len(),
            item_size(&sample),
            item_json("user#000000", 0, 0).to_string().len()
        );
        let timer_overhead = {
            let start = Instant::now();
            for _ in 0..1_000_000 {
                black_box(Instant::now());
            }
            start.elapsed().as_nanos() as f64 / 1e6
        };
        println!("Instant::now() costs {timer_overhead:.0} ns (two per sample, included in the latencies)");

        let clock = Rc::new(ManualClock::new(1_700_000_000_000));
        let cloud = Cloud::new(clock);
        let loading = Instant::now();
        create_table(&cloud, "Items");
        create_table(&cloud, "Big");
        create_table(&cloud, "Small");
        load(&cloud, "Items", ITEMS, user);
        load(&cloud, "Big", BIG_PARTITION, |i| ("p".to_string(), i));
        load(&cloud, "Small", SMALL_PARTITION, |i| ("p".to_string(), i));
        println!(
            "loaded {ITEMS} items in Items ({} partitions of {PER_PARTITION}), {BIG_PARTITION} in Big and {SMALL_PARTITION} in Small (one partition each) in {:.1?}\n",
            ITEMS / PER_PARTITION,
            loading.elapsed()
        );

        let mut results = Vec::new();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);

        // --- Through Cloud::handle, JSON in and out ---
        results.extend(measure(&config, "GetItem (JSON)", || {
            let (pk, sk) = user(rng.below(ITEMS));
            let body = json!({"TableName": "Items", "Key": {"pk": {"S": pk}, "sk": {"N": sk.to_string()}}});
            let (elapsed, response) = timed_handle(&cloud, request("GetItem", body.to_string()));
            expect_ok(&response);
            debug_assert!(response.body.starts_with(b"{\"Item\""));
            black_box(response);
            elapsed
        }));
        let mut version = 1;
        results.extend(measure(&config, "PutItem, overwrite (JSON)", || {
            let (pk, sk) = user(rng.below(ITEMS));
            version += 1;
            let body = json!({"TableName": "Items", "Item": item_json(&pk, sk, version)});
            let (elapsed, response) = timed_handle(&cloud, request("PutItem", body.to_string()));
            expect_ok(&response);
            black_box(response);
            elapsed
        }));
        let mut fresh = 0u64;
        results.extend(measure(&config, "PutItem, new item (JSON)", || {
            fresh += 1;
            let body = json!({"TableName": "Items", "Item": item_json(&format!("new#{fresh:08}"), 0, 0)});
            let (elapsed, response) = timed_handle(&cloud, request("PutItem", body.to_string()));
            expect_ok(&response);
            black_box(response);
            elapsed
        }));
        // Back to ITEMS items, so that the later benchmarks see the same table in every run.
        {
            let mut db = cloud.dynamodb();
            for i in 1..=fresh {
                db.delete_item("Items", &key(&format!("new#{i:08}"), 0)).unwrap();
            }
        }
        results.extend(measure(&config, "UpdateItem SET #c = #c + :one (JSON)", || {
            let (pk, sk) = user(rng.below(ITEMS));
            let body = json!({
                "TableName": "Items",
                "Key": {"pk": {"S": pk}, "sk": {"N": sk.to_string()}},
                "UpdateExpression": "SET #c = #c + :one",
                "ExpressionAttributeNames": {"#c": "c"},
                "ExpressionAttributeValues": {":one": {"N": "1"}}
            });
            let (elapsed, response) = timed_handle(&cloud, request("UpdateItem", body.to_string()));
            expect_ok(&response);
            black_box(response);
            elapsed
        }));
        results.extend(query_json(&config, &cloud, "Query 100 of 100,000 (JSON)", "Big", BIG_PARTITION, 100));
        results.extend(measure(&config, "Scan 100 (JSON)", || {
            let (pk, sk) = user(rng.below(ITEMS));
            let body = json!({
                "TableName": "Items",
                "Limit": 100,
                "ExclusiveStartKey": {"pk": {"S": pk}, "sk": {"N": sk.to_string()}}
            });
            let (elapsed, response) = timed_handle(&cloud, request("Scan", body.to_string()));
            expect_ok(&response);
            black_box(response);
            elapsed
        }));

        // --- The typed API: no JSON ---
        results.extend(measure(&config, "get_item (typed)", || {
            let (pk, sk) = user(rng.below(ITEMS));
            let k = key(&pk, sk);
            let start = Instant::now();
            let found = cloud.dynamodb().get_item("Items", &k).unwrap();
            let elapsed = start.elapsed();
            assert!(found.is_some());
            black_box(found);
            elapsed
        }));
        results.extend(measure(&config, "put_item, overwrite (typed)", || {
            let (pk, sk) = user(rng.below(ITEMS));
            version += 1;
            let new = item(&pk, sk, version);
            let start = Instant::now();
            let old = cloud.dynamodb().put_item("Items", new).unwrap();
            let elapsed = start.elapsed();
            // The replaced item is dropped outside the timed region.
            black_box(old);
            elapsed
        }));
        let p = s("p");
        results.extend(measure(&config, "query_page 100 of 100,000 (typed)", || {
            let start_key = key("p", rng.below(BIG_PARTITION - 100));
            let start = Instant::now();
            let page = cloud.dynamodb().query_page("Big", &p, 100, Some(&start_key)).unwrap();
            let elapsed = start.elapsed();
            assert_eq!(page.0.len(), 100);
            black_box(page);
            elapsed
        }));

        // --- Query: the cost follows the page, not the table ---
        results.extend(query_json(&config, &cloud, "Query 100 of 1,000 (JSON)", "Small", SMALL_PARTITION, 100));
        results.extend(query_json(&config, &cloud, "Query 10 of 100,000 (JSON)", "Big", BIG_PARTITION, 10));
        results.extend(query_json(&config, &cloud, "Query 1000 of 100,000 (JSON)", "Big", BIG_PARTITION, 1000));

        println!("\nload average at the end: {}\n", loadavg());
        println!("| benchmark | ops/s | mean | p50 | p99 | samples |");
        println!("|---|---:|---:|---:|---:|---:|");
        for r in &results {
            println!(
                "| {} | {:.0} | {} | {} | {} | {} |",
                r.name,
                r.ops_per_sec,
                show_ns(r.mean_ns as u64),
                show_ns(r.p50_ns),
                show_ns(r.p99_ns),
                r.samples
            );
        }
    }
}
