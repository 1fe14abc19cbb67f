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
use super::http::{HttpRequest, HttpResponse};
use super::logs::Logs;
use super::metrics::Metrics;
use super::protocol::{self, JsonVersion, UNKNOWN_OPERATION};
use super::store::{Journal, MemoryStore, Mutation, Store, SCHEMA_KEY, SCHEMA_VERSION};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

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
    metrics: Metrics,
    logs: Logs,
}

impl Cloud {
    /// A new, empty cloud whose services read time from `clock`, kept in a
    /// [`MemoryStore`] (nothing survives the process).
    pub fn new(clock: Rc<dyn Clock>) -> Self {
        Cloud::with_store(clock, Rc::new(MemoryStore::new()))
    }

    /// A new, empty cloud whose changes are made durable by `store`.
    pub fn with_store(clock: Rc<dyn Clock>, store: Rc<dyn Store>) -> Self {
        let journal = Journal::default();
        let metrics = Metrics::new();
        Cloud {
            requests: Cell::new(0),
            dynamodb: RefCell::new(DynamoDb::with_metrics(clock.clone(), journal.clone(), metrics.clone())),
            metrics,
            logs: Logs::new(),
            clock,
            journal,
            store: RefCell::new(store),
            store_failure: RefCell::new(None),
        }
    }

    /// Loads stored state (as a store holds it) into this empty cloud.
    /// Fails, leaving the cloud empty, on a newer schema or a corrupt entry.
    pub fn restore(&self, entries: &[(String, Vec<u8>)]) -> Result<crate::engine::dynamodb::persist::Restored, String> {
        let mut fresh = DynamoDb::with_metrics(self.clock.clone(), self.journal.clone(), self.metrics.clone());
        let restored = crate::engine::dynamodb::persist::restore(&mut fresh, entries)?;
        *self.dynamodb.borrow_mut() = fresh;
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

    /// The front door: answers one request as the AWS service it names would.
    pub async fn handle(&self, request: HttpRequest) -> HttpResponse {
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
            Route::Lambda { rest } => protocol::lambda_error(
                404,
                "UnknownOperationException",
                &format!("Unknown operation: {} /{}", request.method, rest),
            ),
            Route::ApiGateway { rest } => protocol::apigateway_error(
                404,
                "UnknownOperationException",
                &format!("Unknown operation: {} /{}", request.method, rest),
            ),
            Route::S3 { rest } => s3_not_implemented(&request, rest, &request_id),
            Route::Invoke { .. } => protocol::gateway_message(404, "Not Found"),
            Route::UnknownService { name } => protocol::gateway_message(
                404,
                &format!(
                    "Stratus has no service named '{name}'. Services: dynamodb, lambda, apigateway, s3, logs, monitoring."
                ),
            ),
            Route::NotACloudPath => protocol::gateway_message(404, "Not Found"),
        };
        // Answer only once every change up to this request is durable.
        let mutations = self.journal.take();
        let store = self.store.borrow().clone();
        if let Err(e) = store.commit(mutations).await {
            let message = format!(
                "Stratus could not save this change in the browser's storage: {}. The change is not durable; reload the console to return to the last saved state.",
                e.0
            );
            *self.store_failure.borrow_mut() = Some(message.clone());
            return protocol::aws_json_error(JsonVersion::V1_0, 500, "com.amazonaws.dynamodb.v20120810#InternalServerError", Some(&message))
                .with_header("x-amzn-RequestId", &request_id);
        }
        response.with_header("x-amzn-RequestId", &request_id)
    }

    /// Request ids shaped like AWS's (UUID form), unique within this cloud.
    fn next_request_id(&self) -> String {
        let n = self.requests.get();
        format!("00000000-0000-4000-8000-{n:012x}")
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
