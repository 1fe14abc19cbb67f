//! API Gateway: HTTP APIs (v2) and REST APIs (v1), their management APIs
//! and the dispatcher behind their invoke URLs.
//!
//! * [`model`]: an HTTP API's routes, integrations, authorizers, stages and
//!   deployments, and their JSON as the management API writes it;
//! * [`v2`]: the HTTP API management API (`_aws/apigateway/v2/...`, restJson1);
//! * [`openapi`]: OpenAPI 3 export and import of HTTP APIs (ExportApi,
//!   ImportApi, ReimportApi), JSON or YAML, with API Gateway's extensions;
//! * [`openapi_rest`]: the same for REST APIs (GetExport, ImportRestApi, PutRestApi);
//! * [`rest`]: REST APIs (`_aws/apigateway/restapis...`): resources, methods,
//!   integrations, deployments, stages, API keys and usage plans;
//! * [`routes`]: route keys and the route table a deployment compiles to
//!   (exact over parameterised over greedy, method over `ANY`, `$default` last);
//! * [`event`]: the Lambda proxy events (payload formats 1.0 and 2.0) and the
//!   mapping of a function's answer back to HTTP;
//! * [`jwt`]: JWT authorizers: tokens, issuers' keys (discovered, fetched and
//!   kept), signatures and claims;
//! * [`dispatch`]: the invoke URLs (`/_api/<apiId>/...`): stage, route,
//!   throttling, CORS, authorizers, integrations, metrics and access logs.
//!
//! State: every API is journaled as one entry (`apigateway/v2/api/<apiId>`,
//! `apigateway/v1/restapi/<restApiId>`), with its deployments; API keys and
//! usage plans have their own (`apigateway/v1/apikey/<id>`,
//! `apigateway/v1/usageplan/<id>`). Compiled route tables, throttling
//! buckets, authorizer caches, JWT issuers' keys and usage counters live in
//! memory only.

pub mod dispatch;
pub mod event;
pub mod jwt;
pub mod model;
pub mod openapi;
pub mod openapi_rest;
pub mod rest;
pub mod routes;
pub mod v2;

use crate::engine::clock::Clock;
use crate::engine::http::HttpResponse;
use crate::engine::metrics::Metrics;
use crate::engine::store::{Journal, Mutation};
use model::HttpApi;
use rest::{ApiKey, RestApi, UsagePlan};
use std::collections::BTreeMap;
use std::rc::Rc;

pub const API_PREFIX: &str = "apigateway/v2/api/";
pub const REST_API_PREFIX: &str = "apigateway/v1/restapi/";
pub const API_KEY_PREFIX: &str = "apigateway/v1/apikey/";
pub const USAGE_PLAN_PREFIX: &str = "apigateway/v1/usageplan/";

/// Settings the host may change.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// What `apiEndpoint` is built from: `<base><apiId>` (the host sets the
    /// app's own `.../_api/`); by default AWS's
    /// `https://<apiId>.execute-api.<region>.amazonaws.com`.
    pub endpoint_base: Option<String>,
    /// The account-level throttle every API shares, (rate a second, burst):
    /// API Gateway's default quota, 10,000 and 5,000. `None` turns it off
    /// (benchmarks that go faster than 10,000 requests a second).
    pub account_throttle: Option<(f64, f64)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { endpoint_base: None, account_throttle: Some((dispatch::ACCOUNT_RATE, dispatch::ACCOUNT_BURST)) }
    }
}

impl Gateway {
    /// Takes a token from the account's bucket (if the account is throttled).
    pub fn take_account_token(&mut self, now_ms: u64) -> bool {
        match self.settings.account_throttle {
            None => true,
            Some((rate, burst)) => {
                let b = &mut self.runtime.account;
                if b.rate != rate || b.burst != burst {
                    *b = dispatch::Bucket::new(rate, burst, now_ms);
                }
                b.take(now_ms)
            }
        }
    }
}

/// The API Gateway service's state.
pub struct Gateway {
    /// HTTP APIs by id.
    pub apis: BTreeMap<String, HttpApi>,
    /// REST APIs by id.
    pub rest_apis: BTreeMap<String, RestApi>,
    pub api_keys: BTreeMap<String, ApiKey>,
    pub usage_plans: BTreeMap<String, UsagePlan>,
    pub settings: Settings,
    pub clock: Rc<dyn Clock>,
    pub journal: Journal,
    pub metrics: Metrics,
    /// What the dispatcher keeps between requests (not stored).
    pub runtime: dispatch::Runtime,
    ids: u64,
}

impl Gateway {
    pub fn new(clock: Rc<dyn Clock>, journal: Journal, metrics: Metrics) -> Self {
        Gateway {
            apis: BTreeMap::new(),
            rest_apis: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            usage_plans: BTreeMap::new(),
            settings: Settings::default(),
            clock,
            journal,
            metrics,
            runtime: dispatch::Runtime::default(),
            ids: 0,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// A fresh pseudo-random number (ids), deterministic for a given clock.
    pub fn next_random(&mut self) -> u64 {
        self.ids += 1;
        splitmix(self.ids ^ self.now_ms().rotate_left(17))
    }

    /// An id as API Gateway makes them: `len` lowercase letters and digits.
    pub fn new_id(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut out = String::with_capacity(len);
        let mut bits = self.next_random();
        for i in 0..len {
            if i % 10 == 9 {
                bits = self.next_random();
            }
            out.push(ALPHABET[(bits % 36) as usize] as char);
            bits /= 36;
        }
        out
    }

    /// An id no API (of either kind) has yet.
    pub fn new_api_id(&mut self) -> String {
        loop {
            let id = self.new_id(10);
            if !self.apis.contains_key(&id) && !self.rest_apis.contains_key(&id) {
                return id;
            }
        }
    }

    /// The `apiEndpoint` of an API.
    pub fn endpoint(&self, api_id: &str) -> String {
        match &self.settings.endpoint_base {
            Some(base) => format!("{base}{api_id}"),
            None => format!("https://{api_id}.execute-api.{}.amazonaws.com", crate::engine::REGION),
        }
    }

    /// Records an HTTP API (or its deletion) for the store, and forgets
    /// what the dispatcher compiled from it.
    pub fn journal_api(&mut self, api_id: &str) {
        self.runtime.forget(api_id);
        let key = format!("{API_PREFIX}{api_id}");
        match self.apis.get(api_id) {
            Some(api) => self.journal.push(Mutation::Put { key, value: serde_json::to_vec(api).unwrap_or_default() }),
            None => self.journal.push(Mutation::Delete { key }),
        }
    }

    /// Records a REST API (or its deletion) for the store.
    pub fn journal_rest_api(&mut self, api_id: &str) {
        self.runtime.forget(api_id);
        let key = format!("{REST_API_PREFIX}{api_id}");
        match self.rest_apis.get(api_id) {
            Some(api) => self.journal.push(Mutation::Put { key, value: serde_json::to_vec(api).unwrap_or_default() }),
            None => self.journal.push(Mutation::Delete { key }),
        }
    }

    pub fn journal_api_key(&mut self, id: &str) {
        self.runtime.forget_keys();
        let key = format!("{API_KEY_PREFIX}{id}");
        match self.api_keys.get(id) {
            Some(k) => self.journal.push(Mutation::Put { key, value: serde_json::to_vec(k).unwrap_or_default() }),
            None => self.journal.push(Mutation::Delete { key }),
        }
    }

    pub fn journal_usage_plan(&mut self, id: &str) {
        self.runtime.forget_keys();
        let key = format!("{USAGE_PLAN_PREFIX}{id}");
        match self.usage_plans.get(id) {
            Some(p) => self.journal.push(Mutation::Put { key, value: serde_json::to_vec(p).unwrap_or_default() }),
            None => self.journal.push(Mutation::Delete { key }),
        }
    }

    /// Loads stored APIs, keys and plans into this empty service.
    pub fn restore(&mut self, entries: &[(String, Vec<u8>)]) -> Result<usize, String> {
        let mut count = 0;
        for (key, value) in entries {
            let bad = |e: serde_json::Error| format!("{key}: {e}");
            if let Some(id) = key.strip_prefix(API_PREFIX) {
                self.apis.insert(id.to_string(), serde_json::from_slice(value).map_err(bad)?);
                count += 1;
            } else if let Some(id) = key.strip_prefix(REST_API_PREFIX) {
                self.rest_apis.insert(id.to_string(), serde_json::from_slice(value).map_err(bad)?);
                count += 1;
            } else if let Some(id) = key.strip_prefix(API_KEY_PREFIX) {
                self.api_keys.insert(id.to_string(), serde_json::from_slice(value).map_err(bad)?);
            } else if let Some(id) = key.strip_prefix(USAGE_PLAN_PREFIX) {
                self.usage_plans.insert(id.to_string(), serde_json::from_slice(value).map_err(bad)?);
            }
        }
        Ok(count)
    }
}

/// `2023-11-14T22:13:20Z`: how the HTTP API management API writes times.
pub fn iso_time(ms: u64) -> String {
    let (y, mo, d, h, mi, s) = crate::engine::clock::civil_from_unix(ms / 1000);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `14/Nov/2023:22:13:20 +0000`: how request times appear in events and logs.
pub fn clf_time(ms: u64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, s) = crate::engine::clock::civil_from_unix(ms / 1000);
    format!("{d:02}/{}/{y:04}:{h:02}:{mi:02}:{s:02} +0000", MONTHS[(mo as usize).clamp(1, 12) - 1])
}

/// A management API error: the type in `x-amzn-ErrorType`, `{"message"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { status: 400, kind: "BadRequestException", message: message.into() }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { status: 404, kind: "NotFoundException", message: message.into() }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError { status: 409, kind: "ConflictException", message: message.into() }
    }
    pub fn response(&self) -> HttpResponse {
        crate::engine::protocol::apigateway_error(self.status, self.kind, &self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Answers one management request (`rest` is the path after
/// `/_aws/apigateway/`): `v2/...` for HTTP APIs, anything else for REST APIs.
pub fn handle_management(gateway: &mut Gateway, rest: &str, request: &crate::engine::http::HttpRequest) -> HttpResponse {
    let result = if rest.starts_with("v2/") || rest == "v2" {
        v2::handle(gateway, &rest[2..], request)
    } else {
        rest::handle(gateway, rest, request)
    };
    result.unwrap_or_else(|e| e.response())
}

/// Pieces shared by both management APIs.
pub(crate) mod wire {
    use super::{ApiError, ApiResult};
    use crate::engine::http::HttpRequest;
    use crate::engine::http::HttpResponse;
    use serde_json::{Map, Value};

    pub fn body(request: &HttpRequest) -> ApiResult<Map<String, Value>> {
        if request.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice(&request.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(ApiError::bad_request("Invalid request body: it is not a JSON object")),
        }
    }

    pub fn ok(status: u16, body: Value) -> HttpResponse {
        HttpResponse::new(status).with_body("application/json", body.to_string())
    }

    pub fn no_content() -> HttpResponse {
        HttpResponse::new(204)
    }

    /// An optional string member.
    pub fn opt_str(body: &Map<String, Value>, name: &str) -> ApiResult<Option<String>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a string"))),
        }
    }

    pub fn req_str(body: &Map<String, Value>, name: &str) -> ApiResult<String> {
        opt_str(body, name)?.ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    }

    pub fn opt_bool(body: &Map<String, Value>, name: &str) -> ApiResult<Option<bool>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a boolean"))),
        }
    }

    pub fn opt_i64(body: &Map<String, Value>, name: &str) -> ApiResult<Option<i64>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected an integer"))),
        }
    }

    pub fn opt_strings(body: &Map<String, Value>, name: &str) -> ApiResult<Option<Vec<String>>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .map(Some)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid value for '{name}': expected a list of strings"))),
            Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a list of strings"))),
        }
    }

    pub fn opt_string_map(body: &Map<String, Value>, name: &str) -> ApiResult<Option<std::collections::BTreeMap<String, String>>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect::<Option<_>>()
                .map(Some)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid value for '{name}': expected a map of strings"))),
            Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a map of strings"))),
        }
    }

    /// One page of `items` from `nextToken` (an offset) for `maxResults`.
    pub fn page<T: Clone>(items: &[T], request: &HttpRequest, max_param: &str, token_param: &str) -> ApiResult<(Vec<T>, Option<String>)> {
        let start = match request.query_param(token_param) {
            Some(t) if !t.is_empty() => t.parse::<usize>().map_err(|_| ApiError::bad_request("Invalid pagination token"))?,
            _ => 0,
        };
        let max = match request.query_param(max_param) {
            Some(m) if !m.is_empty() => m.parse::<usize>().map_err(|_| ApiError::bad_request(format!("Invalid value for {max_param}")))?.max(1),
            _ => 500,
        };
        let end = (start + max).min(items.len());
        let page = items.get(start.min(items.len())..end).unwrap_or_default().to_vec();
        Ok((page, (end < items.len()).then(|| end.to_string())))
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
