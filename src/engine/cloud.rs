//! The Cloud: owns the services and routes each request to the right one.
//!
//! Paths (relative to the app's base URL) select the service, as the host name
//! does on AWS:
//!
//! | path                          | service                         | protocol        |
//! |-------------------------------|---------------------------------|-----------------|
//! | `/_aws/dynamodb/`             | DynamoDB                        | awsJson 1.0     |
//! | `/_aws/lambda/2015-03-31/...` | Lambda                          | restJson1       |
//! | `/_aws/apigateway/...`        | API Gateway management (v1, v2) | restJson1       |
//! | `/_aws/s3/<bucket>/<key>`     | S3, path style                  | REST-XML        |
//! | `/_aws/logs/`                 | CloudWatch Logs                 | awsJson 1.1     |
//! | `/_aws/monitoring/`           | CloudWatch metrics              | awsJson 1.0     |
//! | `/_api/<apiId>/...`           | invoke URLs of deployed APIs    | API Gateway     |
//!
//! A service that is not built yet answers every request with the error AWS
//! gives for an operation or route it does not know, in its own protocol.

use super::clock::Clock;
use super::dynamodb::DynamoDb;
use super::gateway::Gateway;
use super::http::{HttpRequest, HttpResponse};
use super::logs::Logs;
use super::metrics::Metrics;
use super::protocol::{self, JsonVersion, UNKNOWN_OPERATION};
use super::store::{Journal, MemoryStore, Mutation, Store, SCHEMA_KEY, SCHEMA_VERSION};
use super::lambda::wasi::{CloudLink, Monotonic};
use super::lambda::wasm::WasmEngine;
use super::lambda::Lambda;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

/// Fetches bytes named by a string, asynchronously: the body of a 200
/// answer, or why there is none. The host gives the cloud two: a
/// [`RuntimeLoader`] and a [`UrlFetcher`].
pub type Fetcher = Rc<dyn Fn(&str) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>>>;

/// Fetches a language runtime's module by name (`nodejs`): the browser
/// downloads it from the app's files on first use.
pub type RuntimeLoader = Fetcher;

/// Fetches a URL that is not one of this app's own paths (a JWT issuer's
/// keys). The browser uses `fetch()`; natively, tests may give one.
pub type UrlFetcher = Fetcher;

/// The region every ARN and endpoint names.
pub const REGION: &str = "us-east-1";
/// The account every ARN names.
pub const ACCOUNT_ID: &str = "000000000000";

/// Which service a path belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    DynamoDb,
    Lambda { rest: &'a str },
    ApiGateway { rest: &'a str },
    S3 { rest: &'a str },
    Logs,
    Monitoring,
    /// An invoke URL: `/_api/<api_id>/<rest>`.
    Invoke { api_id: &'a str, rest: &'a str },
    /// `/_aws/<name>/...` for a service Stratus does not have.
    UnknownService { name: &'a str },
    /// Anything outside `/_aws/` and `/_api/`.
    NotACloudPath,
}

/// Maps a path to the service that owns it.
pub fn route(path: &str) -> Route<'_> {
    if let Some(rest) = path.strip_prefix("/_aws/") {
        let (service, rest) = rest.split_once('/').unwrap_or((rest, ""));
        return match service {
            "dynamodb" => Route::DynamoDb,
            "lambda" => Route::Lambda { rest },
            "apigateway" => Route::ApiGateway { rest },
            "s3" => Route::S3 { rest },
            "logs" => Route::Logs,
            "monitoring" => Route::Monitoring,
            name => Route::UnknownService { name },
        };
    }
    if let Some(rest) = path.strip_prefix("/_api/") {
        let (api_id, rest) = rest.split_once('/').unwrap_or((rest, ""));
        return Route::Invoke { api_id, rest };
    }
    Route::NotACloudPath
}

/// One account's cloud: every service and its state.
pub struct Cloud {
    requests: Cell<u64>,
    clock: Rc<dyn Clock>,
    journal: Journal,
    store: RefCell<Rc<dyn Store>>,
    /// The last failure to make a change durable, if any (the console shows it).
    store_failure: RefCell<Option<String>>,
    dynamodb: RefCell<DynamoDb>,
    lambda: RefCell<Lambda>,
    gateway: RefCell<Gateway>,
    metrics: Metrics,
    logs: Logs,
    /// Runs function modules (the browser's engine, or wasmi natively).
    engine: RefCell<Option<Rc<dyn WasmEngine>>>,
    /// Times invocations (milliseconds, monotonic).
    monotonic: RefCell<Monotonic>,
    /// This cloud itself, for the guests' calls back into it.
    me: Weak<Cloud>,
    runtime_loader: RefCell<Option<RuntimeLoader>>,
    url_fetcher: RefCell<Option<UrlFetcher>>,
}

impl Cloud {
    /// A new, empty cloud whose services read time from `clock`, kept in a
    /// [`MemoryStore`] (nothing survives the process).
    pub fn new(clock: Rc<dyn Clock>) -> Rc<Self> {
        Cloud::with_store(clock, Rc::new(MemoryStore::new()))
    }

    /// A new, empty cloud whose changes are made durable by `store`. Natively
    /// it runs functions with wasmi; the browser attaches its own engine with
    /// [`Cloud::set_wasm_engine`].
    pub fn with_store(clock: Rc<dyn Clock>, store: Rc<dyn Store>) -> Rc<Self> {
        let journal = Journal::default();
        let metrics = Metrics::new();
        #[cfg(not(target_arch = "wasm32"))]
        let (engine, monotonic): (Option<Rc<dyn WasmEngine>>, Monotonic) =
            (Some(Rc::new(super::lambda::wasmi_engine::WasmiEngine::new())), super::lambda::wasi::instant_monotonic());
        #[cfg(target_arch = "wasm32")]
        let (engine, monotonic): (Option<Rc<dyn WasmEngine>>, Monotonic) = {
            let c = clock.clone();
            (None, Rc::new(move || c.now_ms() as f64))
        };
        Rc::new_cyclic(|me| Cloud {
            requests: Cell::new(0),
            dynamodb: RefCell::new(DynamoDb::with_metrics(clock.clone(), journal.clone(), metrics.clone())),
            lambda: RefCell::new(Lambda::new(clock.clone(), journal.clone(), metrics.clone())),
            gateway: RefCell::new(Gateway::new(clock.clone(), journal.clone(), metrics.clone())),
            engine: RefCell::new(engine),
            monotonic: RefCell::new(monotonic),
            me: me.clone(),
            runtime_loader: RefCell::new(default_runtime_loader()),
            url_fetcher: RefCell::new(None),
            metrics,
            logs: Logs::new(),
            clock,
            journal,
            store: RefCell::new(store),
            store_failure: RefCell::new(None),
        })
    }

    /// Loads stored state (as a store holds it) into this empty cloud.
    /// Fails, leaving the cloud empty, on a newer schema or a corrupt entry.
    pub fn restore(&self, entries: &[(String, Vec<u8>)]) -> Result<crate::engine::dynamodb::persist::Restored, String> {
        let mut fresh = DynamoDb::with_metrics(self.clock.clone(), self.journal.clone(), self.metrics.clone());
        let restored = crate::engine::dynamodb::persist::restore(&mut fresh, entries)?;
        let mut lambda = Lambda::new(self.clock.clone(), self.journal.clone(), self.metrics.clone());
        lambda.restore(entries)?;
        let mut gateway = Gateway::new(self.clock.clone(), self.journal.clone(), self.metrics.clone());
        gateway.restore(entries)?;
        gateway.settings = self.gateway.borrow().settings.clone();
        *self.dynamodb.borrow_mut() = fresh;
        *self.lambda.borrow_mut() = lambda;
        *self.gateway.borrow_mut() = gateway;
        if !entries.iter().any(|(k, _)| k == SCHEMA_KEY) {
            self.journal.push(Mutation::Put {
                key: SCHEMA_KEY.to_string(),
                value: format!("{{\"version\":{SCHEMA_VERSION}}}").into_bytes(),
            });
        }
        Ok(restored)
    }

    /// Makes later changes durable in `store` (the browser attaches its
    /// IndexedDB store once the saved state is loaded).
    pub fn set_store(&self, store: Rc<dyn Store>) {
        *self.store.borrow_mut() = store;
    }

    /// The last failure to make a change durable, if any.
    pub fn store_failure(&self) -> Option<String> {
        self.store_failure.borrow().clone()
    }

    /// The clock the services read.
    pub fn clock(&self) -> &Rc<dyn Clock> {
        &self.clock
    }

    /// Direct access to the DynamoDB service (the typed engine API), for
    /// benchmarks and the persistence layer.
    pub fn dynamodb(&self) -> std::cell::RefMut<'_, DynamoDb> {
        self.dynamodb.borrow_mut()
    }

    /// The Lambda service (borrowed briefly: never across a guest's run).
    pub fn lambda(&self) -> std::cell::RefMut<'_, Lambda> {
        self.lambda.borrow_mut()
    }

    /// The API Gateway service (borrowed briefly: never across a guest's run).
    pub fn gateway(&self) -> std::cell::RefMut<'_, Gateway> {
        self.gateway.borrow_mut()
    }

    /// The engine that runs function modules, if one is attached.
    pub fn wasm_engine(&self) -> Option<Rc<dyn WasmEngine>> {
        self.engine.borrow().clone()
    }

    /// Attaches the engine that runs function modules (the browser's own).
    pub fn set_wasm_engine(&self, engine: Rc<dyn WasmEngine>) {
        *self.engine.borrow_mut() = Some(engine);
        // Modules compiled by another engine cannot be instantiated by this one.
        for p in self.lambda.borrow_mut().prepared.values_mut() {
            p.compiled = None;
        }
    }

    /// The monotonic timer invocations are measured with.
    pub fn monotonic(&self) -> Monotonic {
        self.monotonic.borrow().clone()
    }

    /// Sets the monotonic timer (the browser's `performance.now()`).
    pub fn set_monotonic(&self, monotonic: Monotonic) {
        *self.monotonic.borrow_mut() = monotonic;
    }

    /// The way from a guest back into this cloud.
    pub fn link(&self) -> Rc<dyn CloudLink> {
        Rc::new(Link(self.me.clone()))
    }

    /// Sets how language runtimes' modules are fetched.
    pub fn set_runtime_loader(&self, loader: RuntimeLoader) {
        *self.runtime_loader.borrow_mut() = Some(loader);
    }

    /// Sets how URLs of other hosts are fetched (JWT issuers' keys).
    pub fn set_url_fetcher(&self, fetcher: UrlFetcher) {
        *self.url_fetcher.borrow_mut() = Some(fetcher);
    }

    /// GETs a URL: one of this app's own paths (an invoke URL, `_api/`,
    /// `_aws/`) through this cloud, once the functions it runs are ready;
    /// any other through the host's [`UrlFetcher`].
    pub async fn fetch_url(&self, url: String) -> Result<Vec<u8>, String> {
        if let Some(target) = super::gateway::dispatch::local_path(self, &url) {
            let request = HttpRequest::from_target("GET", &target);
            self.ready_invoke_modules(&request).await;
            return super::gateway::jwt::local_fetch(self, &url);
        }
        let fetcher = self.url_fetcher.borrow().clone();
        match fetcher {
            Some(fetch) => fetch(&url).await,
            None => Err("Stratus cannot reach other hosts here: an issuer must be one of this app's own URLs (an API's invoke URL)".to_string()),
        }
    }

    /// Makes ready what a request to an invoke URL needs: its functions'
    /// modules, loaded and compiled, and a JWT authorizer's keys, fetched
    /// (once, then kept).
    async fn ready_invoke(&self, request: &HttpRequest) {
        if let Some(issuer) = self.ready_invoke_modules(request).await {
            super::gateway::jwt::refresh(self, &issuer).await;
        }
    }

    /// The modules part of [`Self::ready_invoke`]; answers the issuer whose
    /// keys the request would also need. (Fetching an issuer's keys from an
    /// invoke URL of this app readies that URL's modules only: a key set
    /// behind a JWT-guarded route is refused, as it would be on AWS.)
    async fn ready_invoke_modules(&self, request: &HttpRequest) -> Option<String> {
        let Route::Invoke { api_id, rest } = route(&request.path) else { return None };
        let needs = super::gateway::dispatch::needs(self, api_id, rest, request);
        for (key, memory) in needs.modules {
            self.ready_module(&key, memory).await;
        }
        needs.issuer
    }

    /// Loads (a language runtime's module, on first use) and compiles a
    /// module for a memory size, asynchronously, so that requests using it
    /// run at once. Failures are left for the request to report.
    async fn ready_module(&self, key: &str, memory: u32) {
        if let Some(name) = key.strip_prefix("runtime:") {
            let loaded = self.lambda.borrow().runtime_modules.contains_key(name);
            let loader = self.runtime_loader.borrow().clone();
            if let (false, Some(loader)) = (loaded, loader) {
                if let Ok(bytes) = loader(name).await {
                    self.lambda.borrow_mut().runtime_modules.insert(name.to_string(), Rc::new(bytes));
                }
            }
        }
        let Some(engine) = self.wasm_engine() else { return };
        let bytes = match self.lambda.borrow_mut().prepare(key, memory) {
            Ok(p) if p.compiled.is_none() => p.bytes.clone(),
            _ => return,
        };
        if let Ok(module) = engine.compile(bytes).await {
            if let Some(p) = self.lambda.borrow_mut().prepared.get_mut(&(key.to_string(), memory)) {
                p.compiled.get_or_insert(module);
            }
        }
    }

    /// Compiles every function's module that is not compiled yet (after a
    /// load, so the first invocations need not compile).
    pub async fn compile_functions(&self) {
        let mut wanted: Vec<(String, u32)> = self
            .lambda
            .borrow()
            .functions
            .values()
            .flat_map(|f| std::iter::once(&f.latest).chain(f.versions.values()))
            .map(|c| (c.module_key.clone(), c.memory_mb))
            .collect();
        wanted.sort();
        wanted.dedup();
        for (key, memory) in wanted {
            self.ready_module(&key, memory).await;
        }
    }

    /// Runs the work that is due without a request: queued asynchronous
    /// invocations (and their retries). The host calls it on a timer; it
    /// answers once the changes made are durable. Returns how many ran.
    pub async fn tick(&self) -> usize {
        if !super::lambda::invoke::has_due(self) {
            return 0;
        }
        let ran = super::lambda::invoke::run_due(self);
        let mutations = self.journal.take();
        let store = self.store.borrow().clone();
        if let Err(e) = store.commit(mutations).await {
            *self.store_failure.borrow_mut() = Some(format!("Stratus could not save a change in the browser's storage: {}.", e.0));
        }
        ran
    }

    /// Writes an invocation's log lines to the function's log group
    /// (`/aws/lambda/<name>`) in CloudWatch Logs.
    pub fn write_function_log(&self, function: &str, stream: &str, lines: &[String], now_ms: u64) {
        let events: Vec<(u64, &str)> = lines.iter().map(|l| (now_ms, l.as_str())).collect();
        self.logs.append(&format!("/aws/lambda/{function}"), stream, &events, now_ms);
    }

    /// The cloud's metrics (what CloudWatch serves).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The cloud's CloudWatch Logs store (Lambda writes function logs here).
    pub fn logs(&self) -> &Logs {
        &self.logs
    }

    /// A number that changes whenever the cloud's state changes (for views
    /// that refresh when something changed).
    pub fn change_count(&self) -> u64 {
        self.journal.count()
    }

    /// How many requests this cloud has answered since it started.
    pub fn request_count(&self) -> u64 {
        self.requests.get()
    }

    /// The front door: answers one request as the AWS service it names would,
    /// once every change it made is durable.
    pub async fn handle(&self, request: HttpRequest) -> HttpResponse {
        // A function's new code is compiled first (the browser compiles
        // asynchronously), so that the request itself runs to its end at once.
        if let (Route::Lambda { rest }, Some(engine)) = (route(&request.path), self.wasm_engine()) {
            let pending = super::lambda::api::code_to_compile(&self.lambda.borrow(), rest, &request);
            if let Some((key, memory, prepared)) = pending {
                if let Ok(module) = engine.compile(prepared.bytes.clone()).await {
                    let entry = super::lambda::Prepared { form: prepared.form, bytes: prepared.bytes, compiled: Some(module) };
                    self.lambda.borrow_mut().prepared.insert((key, memory), entry);
                }
            }
        }
        if let Route::Lambda { rest } = route(&request.path) {
            let needed = super::lambda::api::modules_needed(&self.lambda.borrow(), rest, &request);
            for (key, memory) in needed {
                self.ready_module(&key, memory).await;
            }
        }
        self.ready_invoke(&request).await;
        let response = self.handle_now(request);
        // Answer only once every change up to this request is durable.
        let mutations = self.journal.take();
        let store = self.store.borrow().clone();
        if let Err(e) = store.commit(mutations).await {
            let message = format!(
                "Stratus could not save this change in the browser's storage: {}. The change is not durable; reload the console to return to the last saved state.",
                e.0
            );
            *self.store_failure.borrow_mut() = Some(message.clone());
            let id = response.header("x-amzn-RequestId").unwrap_or("").to_string();
            return protocol::aws_json_error(JsonVersion::V1_0, 500, "com.amazonaws.dynamodb.v20120810#InternalServerError", Some(&message))
                .with_header("x-amzn-RequestId", &id);
        }
        response
    }

    /// Answers one request at once, without waiting for durability: the
    /// caller commits (a guest's calls are part of its own invocation,
    /// which is answered once everything it did is durable).
    pub fn handle_now(&self, request: HttpRequest) -> HttpResponse {
        self.requests.set(self.requests.get() + 1);
        let request_id = self.next_request_id();
        let response = match route(&request.path) {
            Route::DynamoDb if request.method == "POST" => self.dynamodb.borrow_mut().handle_http(&request),
            Route::DynamoDb => json_unknown_operation(&request, JsonVersion::V1_0),
            Route::Logs if request.method == "POST" => super::logs::handle_http(&self.logs, &request, self.clock.now_ms()),
            Route::Logs => json_unknown_operation(&request, JsonVersion::V1_1),
            Route::Monitoring if request.method == "POST" => {
                super::cloudwatch::handle_http(&self.metrics, &request, self.clock.now_ms())
            }
            Route::Monitoring => json_unknown_operation(&request, JsonVersion::V1_0),
            Route::Lambda { rest } => {
                let r = super::lambda::api::handle(self, rest, &request, &request_id);
                return r.with_header("x-amzn-RequestId", &request_id);
            }
            Route::ApiGateway { rest } => super::gateway::handle_management(&mut self.gateway.borrow_mut(), rest, &request),
            Route::S3 { rest } => s3_not_implemented(&request, rest, &request_id),
            Route::Invoke { api_id, rest } => return super::gateway::dispatch::handle(self, api_id, rest, &request),
            Route::UnknownService { name } => protocol::gateway_message(
                404,
                &format!(
                    "Stratus has no service named '{name}'. Services: dynamodb, lambda, apigateway, s3, logs, monitoring."
                ),
            ),
            Route::NotACloudPath => protocol::gateway_message(404, "Not Found"),
        };
        response.with_header("x-amzn-RequestId", &request_id)
    }

    /// Request ids shaped like AWS's (UUID form), unique within this cloud.
    fn next_request_id(&self) -> String {
        let n = self.requests.get();
        format!("00000000-0000-4000-8000-{n:012x}")
    }
}

/// Natively (tests, benchmarks), language runtimes are read from
/// `runtimes/dist/` of this source tree, where `./x runtimes` builds them.
#[cfg(not(target_arch = "wasm32"))]
fn default_runtime_loader() -> Option<RuntimeLoader> {
    Some(Rc::new(|name: &str| {
        let path = format!("{}/runtimes/dist/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
        let result = std::fs::read(&path).map_err(|e| format!("{path}: {e}"));
        Box::pin(async move { result })
    }))
}

#[cfg(target_arch = "wasm32")]
fn default_runtime_loader() -> Option<RuntimeLoader> {
    None
}

/// A guest's way back into its cloud: `stratus.call` requests are answered
/// at once; their changes become durable with the invocation's own.
struct Link(Weak<Cloud>);

impl CloudLink for Link {
    fn call(&self, request: HttpRequest) -> HttpResponse {
        match self.0.upgrade() {
            Some(cloud) => cloud.handle_now(request),
            None => HttpResponse::new(503).with_body("text/plain", "The cloud is gone."),
        }
    }
}

/// The answer of an awsJson service to a target it does not know (or to a
/// request with no target at all): HTTP 400 `UnknownOperationException`.
/// A GET to the endpoint is the health check AWS answers with a plain line.
fn json_unknown_operation(request: &HttpRequest, version: JsonVersion) -> HttpResponse {
    if request.method == "GET" {
        let service = match version {
            JsonVersion::V1_0 => "dynamodb",
            JsonVersion::V1_1 => "logs",
        };
        return HttpResponse::new(200)
            .with_body("text/plain", format!("healthy: {service}.{REGION}.amazonaws.com "));
    }
    protocol::aws_json_error(version, 400, UNKNOWN_OPERATION, None)
}

/// S3 has no operations yet: answer with S3's own `NotImplemented` error.
fn s3_not_implemented(request: &HttpRequest, rest: &str, request_id: &str) -> HttpResponse {
    let resource = format!("/{rest}");
    protocol::s3_error(
        501,
        "NotImplemented",
        &format!("Stratus storage does not implement {} yet.", request.method),
        &[("Resource", resource.as_str())],
        request_id,
    )
}
