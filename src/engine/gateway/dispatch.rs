//! The invoke URLs: `/_api/<apiId>/<rest>`.
//!
//! For an HTTP API, a `$default` stage serves the whole path; otherwise (or
//! when the first segment names another stage) the first segment is the
//! stage. The stage's deployment is compiled once into a route table (see
//! [`super::routes`]), with each route's integration, authorizer and
//! throttling limits resolved, and kept until the API changes; a request
//! then costs a few map lookups, the trie walk, the event's JSON and the
//! integration.
//!
//! Borrowing: the gateway is borrowed only to plan a request and to record
//! its outcome, never while a function runs (a function may call the
//! gateway again through `stratus.call`).

use super::event::{self, Flavor, RequestInfo};
use super::model::{execute_arn, Authorizer, Cors, HttpApi, Integration};
use super::routes::{parse_route_key, RouteKey, Table};
use super::v2::{identity_source_ok, lambda_target};
use super::Gateway;
use crate::engine::cloud::Cloud;
use crate::engine::http::{percent_decode, HttpRequest, HttpResponse};
use crate::engine::lambda::invoke::{self, Outcome, Refusal};
use crate::engine::metrics::{Kind, SeriesId, SeriesKey};
use crate::engine::protocol::gateway_message;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The account-level throttle every API shares (API Gateway's default quota).
pub const ACCOUNT_RATE: f64 = 10_000.0;
pub const ACCOUNT_BURST: f64 = 5_000.0;
/// How deep HTTP_PROXY integrations may call invoke URLs in turn.
pub const MAX_PROXY_DEPTH: u32 = 8;

/// A token bucket: `burst` tokens, refilled at `rate` a second on the
/// engine's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub rate: f64,
    pub burst: f64,
    tokens: f64,
    last_ms: u64,
}

impl Bucket {
    pub fn new(rate: f64, burst: f64, now_ms: u64) -> Self {
        Bucket { rate, burst, tokens: burst, last_ms: now_ms }
    }

    /// Takes a token if there is one.
    pub fn take(&mut self, now_ms: u64) -> bool {
        if now_ms > self.last_ms {
            self.tokens = (self.tokens + self.rate * (now_ms - self.last_ms) as f64 / 1000.0).min(self.burst);
            self.last_ms = now_ms;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// How a route reaches its backend.
#[derive(Debug, Clone)]
pub enum Target {
    Lambda { name: String, qualifier: Option<String> },
    /// A Lambda ARN with `${stageVariables.x}` in it, resolved per request.
    LambdaTemplate(String),
    Http { uri: String, method: String },
    None,
}

impl Target {
    pub fn of(integration: Option<&Integration>) -> Target {
        let Some(i) = integration else { return Target::None };
        let uri = i.integration_uri.clone().unwrap_or_default();
        match i.integration_type.as_str() {
            "AWS_PROXY" => lambda_target_of(&uri),
            "HTTP_PROXY" => Target::Http { uri, method: i.integration_method.clone().unwrap_or_else(|| "ANY".into()) },
            _ => Target::None,
        }
    }
}

pub fn lambda_target_of(uri: &str) -> Target {
    match lambda_target(uri) {
        Some((name, _)) if name.contains("${stageVariables.") => Target::LambdaTemplate(uri.to_string()),
        Some((name, qualifier)) => Target::Lambda { name, qualifier },
        None => Target::None,
    }
}

/// One route of a compiled HTTP API stage.
pub struct CompiledRoute {
    pub route_key: String,
    /// The route's path template (`/items/{id}`), or `$default`.
    pub resource_path: String,
    pub integration: Option<Integration>,
    pub target: Target,
    pub authorizer: Option<Authorizer>,
    /// The route's `authorizationScopes` (JWT authorizers).
    pub scopes: Vec<String>,
    /// (rate, burst) from the stage's route settings, if any.
    pub limits: Option<(f64, f64)>,
}

/// CloudWatch series of one stage: Count, 4xx, 5xx, Latency and
/// IntegrationLatency, by API and by API and stage.
pub struct StageMetrics {
    pub ids: Vec<SeriesId>,
}

impl StageMetrics {
    pub fn new(gw: &Gateway, dims: &[&[(&str, &str)]], names: [&str; 5]) -> Self {
        let mut ids = Vec::with_capacity(dims.len() * 5);
        for d in dims {
            for (i, name) in names.iter().enumerate() {
                let (kind, unit) = if i < 3 { (Kind::Samples, "Count") } else { (Kind::Distribution, "Milliseconds") };
                ids.push(gw.metrics.series(SeriesKey::new("AWS/ApiGateway", name, d), kind, unit));
            }
        }
        StageMetrics { ids }
    }

    pub fn record(&self, gw_metrics: &crate::engine::metrics::Metrics, status: u16, latency: f64, integration: Option<f64>, now: u64) {
        for chunk in self.ids.chunks(5) {
            gw_metrics.record(chunk[0], 1.0, now);
            gw_metrics.record(chunk[1], if (400..500).contains(&status) { 1.0 } else { 0.0 }, now);
            gw_metrics.record(chunk[2], if status >= 500 { 1.0 } else { 0.0 }, now);
            gw_metrics.record(chunk[3], latency, now);
            if let Some(i) = integration {
                gw_metrics.record(chunk[4], i, now);
            }
        }
    }
}

/// A deployed HTTP API stage, compiled.
pub struct HttpStage {
    pub api_id: String,
    pub stage: String,
    pub deployment_id: String,
    pub table: Table,
    pub routes: Vec<CompiledRoute>,
    pub stage_vars: BTreeMap<String, String>,
    pub cors: Option<Cors>,
    /// (log group, format) of the stage's access logs.
    pub access_log: Option<(String, String)>,
    pub buckets: RefCell<Vec<Option<Bucket>>>,
    pub metrics: StageMetrics,
}

impl HttpStage {
    fn take(&self, route: usize, now: u64) -> bool {
        let mut buckets = self.buckets.borrow_mut();
        match buckets.get_mut(route) {
            Some(Some(b)) => b.take(now),
            _ => true,
        }
    }
}

/// An authorizer's answer (cached by identity): a simple yes or no, or a
/// policy evaluated against each request's ARN, as AWS evaluates a cached
/// policy.
#[derive(Debug, Clone)]
pub struct AuthDecision {
    pub simple: Option<bool>,
    pub policy: Option<Value>,
    pub principal_id: Option<Value>,
    /// `requestContext.authorizer` as JSON text (2.0: `{"lambda": {...}}`).
    pub context_v2: String,
    pub context_v1: String,
}

impl AuthDecision {
    pub fn allows(&self, arn: &str) -> bool {
        match (&self.simple, &self.policy) {
            (Some(b), _) => *b,
            (None, Some(p)) => policy_allows(p, arn).unwrap_or(false),
            _ => false,
        }
    }

    /// Whether the policy denies the ARN explicitly (REST APIs word that apart).
    pub fn explicit_deny(&self, arn: &str) -> bool {
        self.policy.as_ref().is_some_and(|p| policy_denies(p, arn))
    }
}

/// What the dispatcher keeps between requests (not stored).
pub struct Runtime {
    pub http: HashMap<String, HashMap<String, Rc<HttpStage>>>,
    pub rest: HashMap<String, HashMap<String, Rc<super::rest::RestStage>>>,
    pub account: Bucket,
    /// Authorizer decisions by `<apiId>/<authorizerId>/<identity>`, with their expiry.
    pub auth_cache: HashMap<String, (u64, AuthDecision)>,
    /// JWT issuers' keys.
    pub keys: super::jwt::KeyCache,
    /// Usage plans' buckets and quota counters by (plan, key).
    pub usage: HashMap<(String, String), super::rest::Usage>,
    pub depth: Cell<u32>,
    seq: u64,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            http: HashMap::new(),
            rest: HashMap::new(),
            account: Bucket::new(ACCOUNT_RATE, ACCOUNT_BURST, 0),
            auth_cache: HashMap::new(),
            keys: Default::default(),
            usage: HashMap::new(),
            depth: Cell::new(0),
            seq: 0,
        }
    }
}

impl Runtime {
    /// Forgets what was compiled from an API (it changed).
    pub fn forget(&mut self, api_id: &str) {
        self.http.remove(api_id);
        self.rest.remove(api_id);
        let prefix = format!("{api_id}/");
        self.auth_cache.retain(|k, _| !k.starts_with(&prefix));
    }

    /// Forgets compiled REST stages (API keys or usage plans changed).
    pub fn forget_keys(&mut self) {
        self.rest.clear();
    }

    /// A request id as HTTP APIs write them (`apigw-requestid`): 16
    /// characters, deterministic for a given clock.
    pub fn short_request_id(&mut self, now: u64) -> String {
        self.seq += 1;
        let mut x = super::splitmix(self.seq ^ now.rotate_left(29));
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut out = String::with_capacity(16);
        for _ in 0..15 {
            out.push(ALPHABET[(x % 62) as usize] as char);
            x /= 62;
            if x < 62 {
                x = super::splitmix(x ^ self.seq);
            }
        }
        out.push('=');
        out
    }

    /// A UUID-form request id (REST APIs) and an X-Ray trace id.
    pub fn uuid(&mut self, now: u64) -> String {
        self.seq += 1;
        let a = super::splitmix(self.seq ^ now.rotate_left(11));
        let b = super::splitmix(a ^ self.seq);
        format!("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, 0x8000 | (b >> 48) & 0x3fff, b & 0xffff_ffff_ffff)
    }

    pub fn trace_id(&mut self, now: u64) -> String {
        self.seq += 1;
        let a = super::splitmix(self.seq ^ now);
        let b = super::splitmix(a);
        format!("Root=1-{:08x}-{:016x}{:08x}", now / 1000, a, b as u32)
    }
}

/// Compiles an HTTP API's stage (its deployment's routes), once.
fn http_stage(gw: &mut Gateway, api_id: &str, stage_name: &str) -> Option<Rc<HttpStage>> {
    if let Some(s) = gw.runtime.http.get(api_id).and_then(|m| m.get(stage_name)) {
        return Some(s.clone());
    }
    let api = gw.apis.get(api_id)?;
    let stage = api.stages.get(stage_name)?;
    let deployment = api.deployments.get(stage.deployment_id.as_deref()?)?;
    let now = gw.now_ms();
    let mut table = Table::new();
    let mut routes = Vec::new();
    let mut buckets = Vec::new();
    let integrations: HashMap<&str, &Integration> = deployment.snapshot.integrations.iter().map(|i| (i.integration_id.as_str(), i)).collect();
    let authorizers: HashMap<&str, &Authorizer> = deployment.snapshot.authorizers.iter().map(|a| (a.authorizer_id.as_str(), a)).collect();
    for r in &deployment.snapshot.routes {
        let Ok(key) = parse_route_key(&r.route_key) else { continue };
        let integration = r.integration_id().and_then(|i| integrations.get(i)).map(|i| (*i).clone());
        let settings = stage.route_settings.get(&r.route_key);
        let pick = |f: fn(&super::model::RouteSettings) -> Option<f64>| settings.and_then(f).or_else(|| f(&stage.default_route_settings));
        let rate = pick(|s| s.throttling_rate_limit);
        let burst = pick(|s| s.throttling_burst_limit.map(|b| b as f64));
        let limits = match (rate, burst) {
            (None, None) => None,
            (r, b) => Some((r.unwrap_or(ACCOUNT_RATE), b.unwrap_or(ACCOUNT_BURST))),
        };
        let authorizer = match r.authorization_type.as_str() {
            "CUSTOM" | "JWT" => r.authorizer_id.as_deref().and_then(|a| authorizers.get(a)).map(|a| (*a).clone()),
            _ => None,
        };
        let index = routes.len();
        let resource_path = match &key {
            RouteKey::Default => {
                table.set_default(index);
                "$default".to_string()
            }
            RouteKey::Path { method, segments } => {
                table.insert(method, segments, index);
                r.route_key.split_once(' ').map(|(_, p)| p.to_string()).unwrap_or_default()
            }
        };
        buckets.push(limits.map(|(rate, burst)| Bucket::new(rate, burst, now)));
        routes.push(CompiledRoute {
            route_key: r.route_key.clone(),
            resource_path,
            target: Target::of(integration.as_ref()),
            integration,
            authorizer,
            scopes: if r.authorization_type == "JWT" { r.authorization_scopes.clone() } else { Vec::new() },
            limits,
        });
    }
    let access_log = stage.access_log_settings.as_ref().and_then(|l| {
        let group = crate::engine::logs::group_from_arn(l.destination_arn.as_deref()?)?.to_string();
        Some((group, l.format.clone().unwrap_or_else(|| DEFAULT_ACCESS_LOG.to_string())))
    });
    let metrics = StageMetrics::new(
        gw,
        &[&[("ApiId", api_id)], &[("ApiId", api_id), ("Stage", stage_name)]],
        ["Count", "4xx", "5xx", "Latency", "IntegrationLatency"],
    );
    let api = gw.apis.get(api_id)?;
    let stage = api.stages.get(stage_name)?;
    let compiled = Rc::new(HttpStage {
        api_id: api_id.to_string(),
        stage: stage_name.to_string(),
        deployment_id: deployment.deployment_id.clone(),
        table,
        routes,
        stage_vars: stage.stage_variables.clone(),
        cors: api.cors.clone(),
        access_log,
        buckets: RefCell::new(buckets),
        metrics,
    });
    gw.runtime.http.entry(api_id.to_string()).or_default().insert(stage_name.to_string(), compiled.clone());
    Some(compiled)
}

/// The access log format API Gateway's console suggests (JSON).
pub const DEFAULT_ACCESS_LOG: &str = r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }"#;

/// Which stage a path names, and the path within it.
fn pick_stage(api: &HttpApi, rest: &str) -> Option<(String, String)> {
    let first = rest.split('/').next().unwrap_or("");
    if !first.is_empty() && first != "$default" && api.stages.contains_key(first) {
        let path = &rest[first.len()..];
        return Some((first.to_string(), if path.is_empty() { "/".to_string() } else { path.to_string() }));
    }
    api.stages.contains_key("$default").then(|| ("$default".to_string(), format!("/{rest}")))
}

/// Answers one request to an invoke URL.
pub fn handle(cloud: &Cloud, api_id: &str, rest: &str, request: &HttpRequest) -> HttpResponse {
    let kind = {
        let gw = cloud.gateway();
        if gw.apis.contains_key(api_id) {
            1
        } else if gw.rest_apis.contains_key(api_id) {
            2
        } else {
            0
        }
    };
    match kind {
        1 => http_api(cloud, api_id, rest, request),
        2 => super::rest::dispatch(cloud, api_id, rest, request),
        _ => gateway_message(404, "Not Found"),
    }
}

/// What a request to an invoke URL needs made ready before it runs, found
/// with one route selection: the modules (key, memory size) of the functions
/// it will run (its route's integration and authorizer), so that
/// `Cloud::handle` can load and compile them first (the browser compiles
/// asynchronously), and the JWT issuer whose keys must be fetched first.
#[derive(Debug, Default, PartialEq)]
pub struct Needs {
    pub modules: Vec<(String, u32)>,
    pub issuer: Option<String>,
}

pub fn needs(cloud: &Cloud, api_id: &str, rest: &str, request: &HttpRequest) -> Needs {
    let (functions, issuer): (Vec<(String, Option<String>)>, Option<String>) = {
        let mut gw = cloud.gateway();
        let gw = &mut *gw;
        if gw.apis.contains_key(api_id) {
            let Some((stage, index)) = http_route(gw, api_id, rest, &request.method) else { return Needs::default() };
            let route = &stage.routes[index];
            let mut out: Vec<(String, Option<String>)> = function_of(&route.target, &stage.stage_vars).into_iter().collect();
            if let Some(uri) = route.authorizer.as_ref().and_then(|a| a.authorizer_uri.as_deref()) {
                out.extend(lambda_target(&substitute_stage_vars(uri, &stage.stage_vars)));
            }
            let issuer = route.authorizer.as_ref().filter(|a| a.authorizer_type == "JWT").and_then(|a| keys_wanted(gw, a, request));
            (out, issuer)
        } else if gw.rest_apis.contains_key(api_id) {
            (super::rest::functions_needed(gw, api_id, rest, request), None)
        } else {
            return Needs::default();
        }
    };
    let lambda = cloud.lambda();
    let mut modules = Vec::new();
    for (name, qualifier) in functions {
        let Some(f) = lambda.functions.get(&name) else { continue };
        let versions: Vec<String> = match qualifier.as_deref().and_then(|q| f.aliases.get(q)) {
            Some(a) => std::iter::once(a.function_version.clone()).chain(a.additional.as_ref().map(|(v, _)| v.clone())).collect(),
            None => vec![qualifier.unwrap_or_else(|| "$LATEST".into())],
        };
        modules.extend(versions.iter().filter_map(|v| f.version_config(v)).map(|c| (c.module_key.clone(), c.memory_mb)));
    }
    Needs { modules, issuer }
}

/// The compiled stage and the index of the route a request to an HTTP API reaches.
fn http_route(gw: &mut Gateway, api_id: &str, rest: &str, method: &str) -> Option<(Rc<HttpStage>, usize)> {
    let (stage_name, path) = pick_stage(gw.apis.get(api_id)?, rest)?;
    let stage = http_stage(gw, api_id, &stage_name)?;
    let index = stage.table.lookup(method, &path)?.target;
    Some((stage, index))
}

/// The issuer whose keys a JWT authorizer needs fetched before the request
/// runs: its token names a `kid`, and the issuer's kept keys are missing,
/// stale or without that `kid`.
fn keys_wanted(gw: &Gateway, a: &Authorizer, request: &HttpRequest) -> Option<String> {
    let token = super::jwt::token_of(a.identity_source.first()?, request)?;
    let kid = super::jwt::wanted_kid(&token)?;
    let issuer = super::jwt::JwtConfig::parse(a.jwt_configuration.as_ref()).ok()?.issuer;
    let known = gw.runtime.keys.fresh(&issuer, gw.now_ms()).is_some_and(|k| k.get(&kid).is_some());
    (!known).then_some(issuer)
}

/// The function (and qualifier) a target runs, stage variables resolved.
pub fn function_of(target: &Target, vars: &BTreeMap<String, String>) -> Option<(String, Option<String>)> {
    match target {
        Target::Lambda { name, qualifier } => Some((name.clone(), qualifier.clone())),
        Target::LambdaTemplate(uri) => lambda_target(&substitute_stage_vars(uri, vars)),
        _ => None,
    }
}

/// What finishing a request needs.
pub struct Finish<'a> {
    pub started: f64,
    pub now: u64,
    pub request_id: &'a str,
    pub route_key: &'a str,
    pub integration_ms: Option<f64>,
    pub error: Option<&'a str>,
    pub integration_error: Option<String>,
}

fn http_api(cloud: &Cloud, api_id: &str, rest: &str, request: &HttpRequest) -> HttpResponse {
    let mono = cloud.monotonic();
    let started = mono();
    let now = cloud.clock().now_ms();
    let planned = {
        let mut gw = cloud.gateway();
        let gw = &mut *gw;
        let request_id = gw.runtime.short_request_id(now);
        let early = |status, message| gateway_message(status, message).with_header("apigw-requestid", &request_id);
        let api = gw.apis.get(api_id).expect("checked by handle");
        if api.disable_execute_api_endpoint {
            return early(403, "Forbidden");
        }
        let Some((stage_name, path)) = pick_stage(api, rest) else { return early(404, "Not Found") };
        let Some(stage) = http_stage(gw, api_id, &stage_name) else { return early(404, "Not Found") };
        let trace = gw.runtime.trace_id(now);
        (stage, path, request_id, trace)
    };
    let (stage, path, request_id, trace) = planned;
    let mut fin = Finish { started, now, request_id: &request_id, route_key: "-", integration_ms: None, error: None, integration_error: None };
    let origin = request.header("origin");
    // CORS preflight: the gateway answers it.
    if let (Some(cors), "OPTIONS", Some(_), Some(_)) = (&stage.cors, request.method.as_str(), origin, request.header("access-control-request-method")) {
        let mut r = HttpResponse::new(204);
        preflight_headers(&mut r, cors, origin.unwrap_or(""));
        return finish_http(cloud, &stage, request, r, &mut fin);
    }
    let Some(m) = stage.table.lookup(&request.method, &path) else {
        fin.error = Some("Not Found");
        return finish_http(cloud, &stage, request, gateway_message(404, "Not Found"), &mut fin);
    };
    let route = &stage.routes[m.target];
    fin.route_key = &route.route_key;
    if matches!(route.target, Target::None) {
        fin.error = Some("Not Found");
        return finish_http(cloud, &stage, request, gateway_message(404, "Not Found"), &mut fin);
    }
    // Throttling: the account's bucket, then the route's.
    let account_ok = cloud.gateway().take_account_token(now);
    if !account_ok || !stage.take(m.target, now) {
        fin.error = Some("Too Many Requests");
        return finish_http(cloud, &stage, request, gateway_message(429, "Too Many Requests"), &mut fin);
    }
    let params: Vec<(&str, String)> = m.params.iter().map(|(n, v)| (*n, percent_decode(v, false))).collect();
    let raw_path = format!("/{rest}");
    let mut info = RequestInfo {
        flavor: Flavor::Http,
        api_id,
        stage: &stage.stage,
        method: &request.method,
        raw_path: &raw_path,
        path: &path,
        query: &request.query,
        headers: &request.headers,
        body: &request.body,
        route_key: &route.route_key,
        resource_path: if route.resource_path == "$default" { &path } else { &route.resource_path },
        resource_id: "",
        deployment_id: &stage.deployment_id,
        path_params: &params,
        stage_vars: &stage.stage_vars,
        request_id: &request_id,
        extended_request_id: &request_id,
        time_ms: now,
        source_ip: source_ip(request),
        trace_id: &trace,
        authorizer: None,
        binary_media_types: &[],
        api_key: None,
    };
    // A JWT or Lambda REQUEST authorizer decides first.
    let decision;
    let granted;
    if let Some(a) = route.authorizer.as_ref().filter(|a| a.authorizer_type == "JWT") {
        match super::jwt::check(cloud, a, &route.scopes, request, now) {
            Ok(g) => {
                granted = g;
                let v1 = route.integration.as_ref().is_some_and(|i| i.payload_format_version == "1.0");
                info.authorizer = Some(if v1 { &granted.context_v1 } else { &granted.context_v2 });
            }
            Err(refused) => {
                let (response, message) = super::jwt::refusal(&refused, &route.scopes);
                fin.error = Some(message);
                return finish_http(cloud, &stage, request, response, &mut fin);
            }
        }
    } else if let Some(a) = &route.authorizer {
        match authorize_http(cloud, &stage, a, &info, now) {
            Ok(d) => {
                decision = d;
                // HTTP APIs put a Lambda authorizer's context under `lambda`, whatever the payload format.
                info.authorizer = Some(&decision.context_v2);
            }
            Err((status, message)) => {
                fin.error = Some(message);
                return finish_http(cloud, &stage, request, gateway_message(status, message), &mut fin);
            }
        }
    }
    let integration = route.integration.as_ref().expect("a target has an integration");
    let (response, integration_ms, integration_error) = integrate(cloud, &route.target, integration, &info, request, Flavor::Http);
    fin.integration_ms = integration_ms;
    fin.integration_error = integration_error;
    let response = match response {
        Ok(r) => r,
        Err((status, message)) => {
            fin.error = Some(message);
            gateway_message(status, message)
        }
    };
    finish_http(cloud, &stage, request, response, &mut fin)
}

/// What an integration gave: the response (or the gateway's error status
/// and message), the integration's latency (ms), and what went wrong.
pub type Integrated = (Result<HttpResponse, (u16, &'static str)>, Option<f64>, Option<String>);

/// What the caller gets when the gateway stops waiting for an integration:
/// 504, as API Gateway answers an integration timeout on REST and HTTP APIs
/// alike (its knowledge-center article on 504s covers both kinds).
const INTEGRATION_TIMEOUT: (u16, &str) = (504, "Endpoint request timed out");

/// Runs an integration: a Lambda function (proxy, payload 1.0 or 2.0) or an
/// HTTP endpoint of this cloud. Returns the response (or the gateway's
/// error status and message), the integration's latency and what went wrong.
pub fn integrate(
    cloud: &Cloud,
    target: &Target,
    integration: &Integration,
    info: &RequestInfo,
    request: &HttpRequest,
    flavor: Flavor,
) -> Integrated {
    let internal = if flavor == Flavor::Http { "Internal Server Error" } else { "Internal server error" };
    let mono = cloud.monotonic();
    let (name, qualifier) = match target {
        Target::Lambda { name, qualifier } => (name.clone(), qualifier.clone()),
        Target::LambdaTemplate(uri) => {
            let resolved = substitute_stage_vars(uri, info.stage_vars);
            match lambda_target(&resolved) {
                Some((n, q)) if !n.contains("${") => (n, q),
                _ => return (Err((500, internal)), None, Some(format!("Invalid function ARN or invalid URI: {resolved}"))),
            }
        }
        Target::Http { uri, method } => return http_proxy(cloud, uri, method, integration, info, request, flavor),
        Target::None => return (Err((500, internal)), None, Some("The route has no integration".into())),
    };
    let v2 = integration.payload_format_version == "2.0" && flavor == Flavor::Http;
    let payload = if v2 { event::event_v2(info, None) } else { event::event_v1(info, None) };
    let started = mono();
    let outcome = call_function(cloud, &name, qualifier.as_deref(), payload.as_bytes());
    let took = mono() - started;
    if took > f64::from(integration.timeout_ms) {
        // The gateway stopped waiting (the function ran on, as on AWS).
        return (Err(INTEGRATION_TIMEOUT), None, Some(format!("The integration took {took:.0} ms, longer than its {} ms timeout", integration.timeout_ms)));
    }
    match outcome {
        Err(refusal) => (Err((500, internal)), Some(took), Some(format!("{}: {}", refusal.kind, refusal.message))),
        Ok(o) if o.function_error.is_some() => {
            let detail = String::from_utf8_lossy(&o.payload).into_owned();
            (Err((502, internal)), Some(took), Some(format!("The function failed: {detail}")))
        }
        Ok(o) => {
            let decode = flavor == Flavor::Http || binary_answer(info, &o.payload);
            let mapped = if v2 { event::response_v2(&o.payload) } else { event::response_v1(&o.payload, flavor, decode) };
            match mapped {
                Ok(r) => (Ok(r), Some(took), None),
                Err(why) => (Err((502, internal)), Some(took), Some(format!("Malformed Lambda proxy response: {why}"))),
            }
        }
    }
}

/// Whether a REST API decodes a base64 answer: when a type the request's
/// Accept header names is one of the API's binary media types (otherwise
/// the client gets the base64 text, as from API Gateway).
fn binary_answer(info: &RequestInfo, payload: &[u8]) -> bool {
    if info.binary_media_types.is_empty() {
        return false;
    }
    let accept_binary = info
        .header("accept")
        .is_some_and(|a| a.split(',').any(|t| event::media_type_matches(t, info.binary_media_types)));
    let _ = payload;
    accept_binary
}

/// Invokes a function synchronously, as the gateway does.
pub fn call_function(cloud: &Cloud, name: &str, qualifier: Option<&str>, payload: &[u8]) -> Result<Outcome, Refusal> {
    let request_id = cloud.lambda().uuid();
    invoke::invoke(cloud, name, qualifier, payload, &request_id)
}

/// `${stageVariables.name}` replaced by the stage's values.
pub fn substitute_stage_vars(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${stageVariables.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "${stageVariables.".len()..];
        match after.find('}') {
            Some(end) => {
                out.push_str(vars.get(&after[..end]).map(String::as_str).unwrap_or(""));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// An HTTP_PROXY integration: the request goes on to a URL of this cloud
/// (a path of the app, or another API's invoke URL); the answer comes back
/// as it is.
fn http_proxy(
    cloud: &Cloud,
    uri: &str,
    method: &str,
    integration: &Integration,
    info: &RequestInfo,
    request: &HttpRequest,
    flavor: Flavor,
) -> Integrated {
    let internal = if flavor == Flavor::Http { "Internal Server Error" } else { "Internal server error" };
    let mut url = substitute_stage_vars(uri, info.stage_vars);
    for (name, value) in info.path_params {
        url = url.replace(&format!("{{{name}+}}"), value).replace(&format!("{{{name}}}"), value);
    }
    let Some(target) = local_path(cloud, &url) else {
        return (Err((500, internal)), None, Some(format!("Stratus cannot reach {url}: an HTTP integration may call this app's own paths and invoke URLs only")));
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut query = query.to_string();
    if !request.query.is_empty() {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&request.query);
    }
    let method = if method == "ANY" { request.method.clone() } else { method.to_string() };
    let mut forwarded = HttpRequest { method, path: path.to_string(), query, headers: Vec::new(), body: request.body.clone() };
    for (n, v) in &request.headers {
        if !n.eq_ignore_ascii_case("host") && !n.eq_ignore_ascii_case("content-length") {
            forwarded.headers.push((n.clone(), v.clone()));
        }
    }
    forwarded.headers.push(("x-forwarded-for".into(), info.source_ip.to_string()));
    forwarded.headers.push(("x-forwarded-proto".into(), "https".into()));
    forwarded.headers.push(("x-amzn-trace-id".into(), info.trace_id.to_string()));
    let depth = cloud.gateway().runtime.depth.get();
    if depth >= MAX_PROXY_DEPTH {
        return (Err((500, internal)), None, Some(format!("HTTP integrations called invoke URLs {MAX_PROXY_DEPTH} deep: a loop?")));
    }
    let mono = cloud.monotonic();
    let started = mono();
    cloud.gateway().runtime.depth.set(depth + 1);
    let response = cloud.handle_now(forwarded);
    cloud.gateway().runtime.depth.set(depth);
    let took = mono() - started;
    if took > f64::from(integration.timeout_ms) {
        return (Err(INTEGRATION_TIMEOUT), None, Some(format!("The HTTP integration took {took:.0} ms, longer than its timeout")));
    }
    let mut response = response;
    // The cloud's own request id header is not the backend's answer.
    response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("x-amzn-RequestId") || response_is_aws(&target));
    (Ok(response), Some(took), None)
}

fn response_is_aws(target: &str) -> bool {
    target.starts_with("/_aws/")
}

/// The path of this cloud a URL names: `/...` as it is; an invoke URL
/// (`https://<apiId>.execute-api.<region>.amazonaws.com/...`, or under the
/// host's endpoint base) as `/_api/<apiId>/...`.
pub fn local_path(cloud: &Cloud, url: &str) -> Option<String> {
    if url.starts_with('/') {
        return Some(url.to_string());
    }
    if let Some(base) = cloud.gateway().settings.endpoint_base.clone() {
        if let Some(rest) = url.strip_prefix(&base) {
            return Some(format!("/_api/{rest}"));
        }
        // The app's own service paths (`<app>/_aws/...`), beside its invoke URLs.
        if let Some(rest) = base.strip_suffix("_api/").and_then(|app| url.strip_prefix(app)).filter(|r| r.starts_with("_aws/")) {
            return Some(format!("/{rest}"));
        }
    }
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".to_string()));
    let api_id = host.strip_suffix(&format!(".execute-api.{}.amazonaws.com", crate::engine::REGION))?;
    Some(format!("/_api/{api_id}{path}"))
}

/// The client's address: API Gateway sees the connection's; Stratus takes
/// `X-Forwarded-For` if a proxy set one, else the loopback address.
pub fn source_ip(request: &HttpRequest) -> &str {
    request.header("x-forwarded-for").and_then(|v| v.split(',').next()).map(str::trim).filter(|v| !v.is_empty()).unwrap_or("127.0.0.1")
}

/// Whether `origin` is allowed by `allowed` (`*`, exact, or `https://*.example.com`).
pub fn origin_allowed(allowed: &[String], origin: &str) -> Option<String> {
    for a in allowed {
        if a == "*" {
            return Some("*".to_string());
        }
        if a.eq_ignore_ascii_case(origin) {
            return Some(origin.to_string());
        }
        if let Some((scheme, domain)) = a.split_once("://*.") {
            if let Some(host) = origin.strip_prefix(scheme).and_then(|o| o.strip_prefix("://")) {
                if host.len() > domain.len() && host.ends_with(domain) && host.as_bytes()[host.len() - domain.len() - 1] == b'.' {
                    return Some(origin.to_string());
                }
            }
        }
    }
    None
}

fn preflight_headers(r: &mut HttpResponse, cors: &Cors, origin: &str) {
    let Some(allow) = cors.allow_origins.as_deref().and_then(|o| origin_allowed(o, origin)) else { return };
    r.headers.push(("access-control-allow-origin".into(), allow));
    if let Some(m) = cors.allow_methods.as_ref().filter(|m| !m.is_empty()) {
        r.headers.push(("access-control-allow-methods".into(), m.join(",")));
    }
    if let Some(h) = cors.allow_headers.as_ref().filter(|h| !h.is_empty()) {
        r.headers.push(("access-control-allow-headers".into(), h.join(",")));
    }
    if let Some(age) = cors.max_age {
        r.headers.push(("access-control-max-age".into(), age.to_string()));
    }
    if cors.allow_credentials == Some(true) {
        r.headers.push(("access-control-allow-credentials".into(), "true".into()));
    }
}

/// CORS headers on an actual response (the backend's own are replaced).
fn cors_headers(r: &mut HttpResponse, cors: &Cors, origin: Option<&str>) {
    r.headers.retain(|(n, _)| !n.to_ascii_lowercase().starts_with("access-control-"));
    let Some(origin) = origin else { return };
    let Some(allow) = cors.allow_origins.as_deref().and_then(|o| origin_allowed(o, origin)) else { return };
    r.headers.push(("access-control-allow-origin".into(), allow));
    if let Some(h) = cors.expose_headers.as_ref().filter(|h| !h.is_empty()) {
        r.headers.push(("access-control-expose-headers".into(), h.join(",")));
    }
    if cors.allow_credentials == Some(true) {
        r.headers.push(("access-control-allow-credentials".into(), "true".into()));
    }
    r.headers.push(("vary".into(), "origin".into()));
}

fn finish_http(cloud: &Cloud, stage: &HttpStage, request: &HttpRequest, mut response: HttpResponse, fin: &mut Finish) -> HttpResponse {
    if let Some(cors) = &stage.cors {
        if response.status != 204 || request.method != "OPTIONS" {
            cors_headers(&mut response, cors, request.header("origin"));
        }
    }
    response.headers.push(("apigw-requestid".into(), fin.request_id.to_string()));
    record_request(cloud, (&stage.api_id, &stage.stage), &stage.metrics, &stage.access_log, request, &response, fin);
    response
}

/// Records a request's metrics and its access log line (HTTP and REST APIs
/// alike): `ids` are the API's id and the stage's name.
pub fn record_request(
    cloud: &Cloud,
    ids: (&str, &str),
    metrics: &StageMetrics,
    access_log: &Option<(String, String)>,
    request: &HttpRequest,
    response: &HttpResponse,
    fin: &Finish,
) {
    let latency = cloud.monotonic()() - fin.started;
    metrics.record(cloud.metrics(), response.status, latency, fin.integration_ms, fin.now);
    if let Some((group, format)) = access_log {
        let line = access_log_line(format, &AccessLog {
            request,
            response,
            api_id: ids.0,
            stage: ids.1,
            route_key: fin.route_key,
            request_id: fin.request_id,
            now: fin.now,
            latency,
            integration_ms: fin.integration_ms,
            error: fin.error,
            integration_error: fin.integration_error.as_deref(),
        });
        cloud.logs().append(group, &format!("{}_{}", ids.0, ids.1), &[(fin.now, line)], fin.now);
    }
}

/// What an access log line may show.
pub struct AccessLog<'a> {
    pub request: &'a HttpRequest,
    pub response: &'a HttpResponse,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub route_key: &'a str,
    pub request_id: &'a str,
    pub now: u64,
    pub latency: f64,
    pub integration_ms: Option<f64>,
    pub error: Option<&'a str>,
    pub integration_error: Option<&'a str>,
}

/// Fills an access log format's `$context.*` variables.
pub fn access_log_line(format: &str, a: &AccessLog) -> String {
    let mut out = String::with_capacity(format.len() + 64);
    let mut rest = format;
    while let Some(at) = rest.find("$context.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "$context.".len()..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')).unwrap_or(after.len());
        let name = after[..end].trim_end_matches('.');
        let value: String = match name {
            "requestId" | "extendedRequestId" => a.request_id.to_string(),
            "apiId" | "domainPrefix" => a.api_id.to_string(),
            "stage" => a.stage.to_string(),
            "routeKey" => a.route_key.to_string(),
            "httpMethod" => a.request.method.clone(),
            "path" => a.request.path.clone(),
            "protocol" => "HTTP/1.1".to_string(),
            "status" => a.response.status.to_string(),
            "responseLength" => a.response.body.len().to_string(),
            "requestTime" => super::clf_time(a.now),
            "requestTimeEpoch" => a.now.to_string(),
            "identity.sourceIp" => source_ip(a.request).to_string(),
            "identity.userAgent" => a.request.header("user-agent").unwrap_or("").to_string(),
            "domainName" => format!("{}.execute-api.{}.amazonaws.com", a.api_id, crate::engine::REGION),
            "responseLatency" => format!("{:.0}", a.latency),
            "integrationLatency" | "integration.latency" => a.integration_ms.map(|m| format!("{m:.0}")).unwrap_or_else(|| "-".into()),
            "integrationStatus" | "integration.status" => a.integration_ms.map(|_| a.response.status.to_string()).unwrap_or_else(|| "-".into()),
            "error.message" | "error.messageString" => a.error.unwrap_or("-").to_string(),
            "integrationErrorMessage" | "integration.error" => a.integration_error.unwrap_or("-").to_string(),
            _ => "-".to_string(),
        };
        out.push_str(&value);
        rest = &after[name.len()..];
    }
    out.push_str(rest);
    out
}

/// The values of an authorizer's identity sources, or `None` if one is
/// missing (the request is then refused without calling the function).
pub fn identity_values(sources: &[String], info: &RequestInfo) -> Option<Vec<String>> {
    let params = info.query_params();
    sources
        .iter()
        .map(|s| {
            let (prefix, name) = identity_source_ok(s)?;
            let v = match prefix {
                "$request.header." => {
                    let values: Vec<&str> = info.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
                    (!values.is_empty()).then(|| values.join(","))
                }
                "$request.querystring." => {
                    let values: Vec<&str> = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
                    (!values.is_empty()).then(|| values.join(","))
                }
                "$stageVariables." => info.stage_vars.get(name).cloned(),
                _ => match name {
                    "requestId" => Some(info.request_id.to_string()),
                    "stage" => Some(info.stage.to_string()),
                    "routeKey" => Some(info.route_key.to_string()),
                    "identity.sourceIp" => Some(info.source_ip.to_string()),
                    _ => None,
                },
            };
            v.filter(|v| !v.is_empty())
        })
        .collect()
}

/// Runs (or takes from the cache) a Lambda REQUEST authorizer of an HTTP API.
fn authorize_http(cloud: &Cloud, stage: &HttpStage, a: &Authorizer, info: &RequestInfo, now: u64) -> Result<AuthDecision, (u16, &'static str)> {
    let version = a.payload_format_version.as_deref().unwrap_or("2.0");
    let identity = match identity_values(&a.identity_source, info) {
        Some(v) => v,
        None => return Err((401, "Unauthorized")),
    };
    let cache_key = (a.result_ttl_s > 0).then(|| format!("{}/{}/{}/{}", stage.api_id, stage.stage, a.authorizer_id, identity.join("\u{1}")));
    if let Some(key) = &cache_key {
        let cached = cloud.gateway().runtime.auth_cache.get(key).filter(|(expires, _)| *expires > now).map(|(_, d)| d.clone());
        if let Some(d) = cached {
            let arn = execute_arn(info.api_id, info.stage, info.method, info.path);
            return if d.allows(&arn) { Ok(d) } else { Err((403, "Forbidden")) };
        }
    }
    let route_arn = execute_arn(info.api_id, info.stage, info.method, info.path);
    let ids: Vec<&str> = identity.iter().map(String::as_str).collect();
    let payload = if version == "2.0" {
        event::event_v2(info, Some((&route_arn, &ids)))
    } else {
        event::event_v1(info, Some(event::Auth1::Request { method_arn: &route_arn, identity: &ids }))
    };
    let Some(uri) = a.authorizer_uri.as_deref() else { return Err((500, "Internal Server Error")) };
    let resolved = substitute_stage_vars(uri, info.stage_vars);
    let Some((name, qualifier)) = lambda_target(&resolved) else { return Err((500, "Internal Server Error")) };
    let outcome = call_function(cloud, &name, qualifier.as_deref(), payload.as_bytes());
    let decision = match outcome {
        Ok(o) if o.function_error.is_none() => authorizer_decision(&o.payload, a.enable_simple_responses && version == "2.0"),
        _ => None,
    };
    let Some(decision) = decision else { return Err((500, "Internal Server Error")) };
    if let Some(key) = cache_key {
        cloud.gateway().runtime.auth_cache.insert(key, (now + u64::from(a.result_ttl_s) * 1000, decision.clone()));
    }
    if decision.allows(&route_arn) {
        Ok(decision)
    } else {
        Err((403, "Forbidden"))
    }
}

/// Reads an authorizer's answer: a simple response (`isAuthorized`,
/// `context`) or an IAM policy (`principalId`, `policyDocument`, `context`).
pub fn authorizer_decision(payload: &[u8], simple: bool) -> Option<AuthDecision> {
    let v: Value = serde_json::from_slice(payload).ok()?;
    let context = match v.get("context") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return None,
    };
    let (simple, policy) = if simple {
        (Some(v.get("isAuthorized")?.as_bool()?), None)
    } else {
        let p = v.get("policyDocument")?.clone();
        policy_allows(&p, "")?;
        (None, Some(p))
    };
    let mut v1 = context.clone();
    if let Some(p) = v.get("principalId") {
        v1.insert("principalId".into(), p.clone());
    }
    v1.insert("integrationLatency".into(), Value::from(0));
    let context_v2 = serde_json::json!({ "lambda": context }).to_string();
    Some(AuthDecision { simple, policy, principal_id: v.get("principalId").cloned(), context_v2, context_v1: Value::Object(v1).to_string() })
}

/// Evaluates an IAM policy for `execute-api:Invoke` on `arn`: an explicit
/// Deny wins, else an Allow is needed. `None` when it is malformed.
pub fn policy_allows(policy: &Value, arn: &str) -> Option<bool> {
    let statements = match policy.get("Statement")? {
        Value::Array(s) => s.clone(),
        s @ Value::Object(_) => vec![s.clone()],
        _ => return None,
    };
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        }
    };
    let mut allowed = false;
    for s in statements {
        let effect = s.get("Effect")?.as_str()?;
        let actions = list(s.get("Action"));
        let resources = list(s.get("Resource"));
        let action_ok = actions.iter().any(|a| wildcard(a, "execute-api:Invoke"));
        let resource_ok = resources.iter().any(|r| wildcard(r, arn));
        if action_ok && resource_ok {
            match effect {
                "Deny" => return Some(false),
                "Allow" => allowed = true,
                _ => return None,
            }
        }
    }
    Some(allowed)
}

/// Whether a statement of the policy denies `execute-api:Invoke` on `arn`.
pub fn policy_denies(policy: &Value, arn: &str) -> bool {
    let Some(statements) = policy.get("Statement") else { return false };
    let statements = match statements {
        Value::Array(s) => s.clone(),
        s => vec![s.clone()],
    };
    statements.iter().any(|s| {
        let single = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(x)) => vec![x.clone()],
                Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            }
        };
        s.get("Effect").and_then(Value::as_str) == Some("Deny")
            && single(s.get("Action")).iter().any(|a| wildcard(a, "execute-api:Invoke"))
            && single(s.get("Resource")).iter().any(|r| wildcard(r, arn))
    })
}

/// IAM-style matching: `*` any run of characters, `?` one character.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_on_the_clock() {
        let mut b = Bucket::new(1.0, 2.0, 0);
        assert!(b.take(0));
        assert!(b.take(0));
        assert!(!b.take(0));
        assert!(!b.take(500));
        assert!(b.take(1000));
        let mut zero = Bucket::new(0.0, 0.0, 0);
        assert!(!zero.take(10_000));
    }

    #[test]
    fn policies_and_wildcards() {
        assert!(wildcard("arn:aws:execute-api:*:*:abc/*/GET/*", "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/items"));
        assert!(!wildcard("arn:*:xyz/*", "arn:aws:abc/x"));
        let allow = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]});
        assert_eq!(policy_allows(&allow, "arn:x"), Some(true));
        let deny = serde_json::json!({"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}, {"Action": "*", "Effect": "Deny", "Resource": "arn:x"}]});
        assert_eq!(policy_allows(&deny, "arn:x"), Some(false));
        assert_eq!(policy_allows(&deny, "arn:y"), Some(true));
    }

    #[test]
    fn origins() {
        let allowed = vec!["https://*.example.com".to_string(), "http://localhost:8080".to_string()];
        assert_eq!(origin_allowed(&allowed, "https://a.example.com").as_deref(), Some("https://a.example.com"));
        assert_eq!(origin_allowed(&allowed, "https://example.com"), None);
        assert_eq!(origin_allowed(&allowed, "http://localhost:8080").as_deref(), Some("http://localhost:8080"));
        assert_eq!(origin_allowed(&["*".to_string()], "http://x").as_deref(), Some("*"));
    }

    #[test]
    fn stage_variables_are_substituted() {
        let mut vars = BTreeMap::new();
        vars.insert("fn".to_string(), "hello".to_string());
        assert_eq!(substitute_stage_vars("arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}", &vars), "arn:aws:lambda:us-east-1:000000000000:function:hello");
        assert_eq!(substitute_stage_vars("${stageVariables.none}x", &vars), "x");
    }
}
