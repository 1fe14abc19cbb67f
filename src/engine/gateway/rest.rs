//! REST APIs (v1): the management API (`_aws/apigateway/restapis...`,
//! `/apikeys`, `/usageplans`, restJson1 with `patchOperations` for updates,
//! lists as `{"item": [...]}`, times in epoch seconds) and their invoke URLs
//! (`/_api/<restApiId>/<stage>/<path>`).
//!
//! Supported: the resource tree, methods (authorization NONE or a Lambda
//! TOKEN/REQUEST authorizer, API keys, required request parameters checked
//! by a request validator), integrations AWS_PROXY (Lambda, payload 1.0),
//! HTTP_PROXY (this cloud's paths and invoke URLs) and MOCK (a request
//! template giving the status code, integration responses chosen by
//! `selectionPattern`, with response templates and header mappings),
//! deployments and stages (variables, method throttling, access logs), API
//! keys and usage plans (throttle and quota per key).

use super::dispatch::{self, AuthDecision, Bucket, Finish, StageMetrics, Target};
use super::event::{self, Flavor, RequestInfo};
use super::model::{execute_arn, AccessLogSettings, Integration};
use super::routes::{parse_path, parse_segment, Segment, Table};
use super::v2::lambda_target;
use super::wire::{body, ok, opt_bool, opt_i64, opt_str, opt_string_map, opt_strings, req_str};
use super::{ApiError, ApiResult, Gateway};
use crate::engine::cloud::Cloud;
use crate::engine::http::{percent_decode, HttpRequest, HttpResponse};
use crate::engine::ACCOUNT_ID;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

fn secs(ms: u64) -> Value {
    json!(ms / 1000)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodResponse {
    pub status_code: String,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    pub response_models: BTreeMap<String, String>,
}

impl MethodResponse {
    fn to_json(&self) -> Value {
        let mut out = json!({ "statusCode": self.status_code });
        if !self.response_parameters.is_empty() {
            out["responseParameters"] = json!(self.response_parameters);
        }
        if !self.response_models.is_empty() {
            out["responseModels"] = json!(self.response_models);
        }
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrationResponse {
    pub status_code: String,
    pub selection_pattern: Option<String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
}

impl IntegrationResponse {
    fn to_json(&self) -> Value {
        let mut out = json!({ "statusCode": self.status_code });
        if let Some(p) = &self.selection_pattern {
            out["selectionPattern"] = json!(p);
        }
        if !self.response_templates.is_empty() {
            out["responseTemplates"] = json!(self.response_templates);
        }
        if !self.response_parameters.is_empty() {
            out["responseParameters"] = json!(self.response_parameters);
        }
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestIntegration {
    pub kind: String,
    pub http_method: Option<String>,
    pub uri: Option<String>,
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    pub passthrough_behavior: String,
    pub timeout_ms: u32,
    pub content_handling: Option<String>,
    pub cache_namespace: String,
    #[serde(default)]
    pub responses: BTreeMap<String, IntegrationResponse>,
}

impl RestIntegration {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "type": self.kind,
            "passthroughBehavior": self.passthrough_behavior,
            "timeoutInMillis": self.timeout_ms,
            "cacheNamespace": self.cache_namespace,
            "cacheKeyParameters": [],
        });
        if let Some(m) = &self.http_method {
            out["httpMethod"] = json!(m);
        }
        if let Some(u) = &self.uri {
            out["uri"] = json!(u);
        }
        if !self.request_templates.is_empty() {
            out["requestTemplates"] = json!(self.request_templates);
        }
        if !self.request_parameters.is_empty() {
            out["requestParameters"] = json!(self.request_parameters);
        }
        if let Some(c) = &self.content_handling {
            out["contentHandling"] = json!(c);
        }
        if !self.responses.is_empty() {
            let r: Map<String, Value> = self.responses.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
            out["integrationResponses"] = Value::Object(r);
        }
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    pub operation_name: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, bool>,
    pub request_validator_id: Option<String>,
    #[serde(default)]
    pub responses: BTreeMap<String, MethodResponse>,
    pub integration: Option<RestIntegration>,
}

impl Method {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "httpMethod": self.http_method,
            "authorizationType": self.authorization_type,
            "apiKeyRequired": self.api_key_required,
        });
        if let Some(a) = &self.authorizer_id {
            out["authorizerId"] = json!(a);
        }
        if let Some(o) = &self.operation_name {
            out["operationName"] = json!(o);
        }
        if !self.request_parameters.is_empty() {
            out["requestParameters"] = json!(self.request_parameters);
        }
        if let Some(v) = &self.request_validator_id {
            out["requestValidatorId"] = json!(v);
        }
        if !self.responses.is_empty() {
            let r: Map<String, Value> = self.responses.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
            out["methodResponses"] = Value::Object(r);
        }
        if let Some(i) = &self.integration {
            out["methodIntegration"] = i.to_json();
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub parent_id: Option<String>,
    pub path_part: Option<String>,
    pub path: String,
    #[serde(default)]
    pub methods: BTreeMap<String, Method>,
}

impl Resource {
    fn to_json(&self, embed: bool) -> Value {
        let mut out = json!({ "id": self.id, "path": self.path });
        if let Some(p) = &self.parent_id {
            out["parentId"] = json!(p);
        }
        if let Some(p) = &self.path_part {
            out["pathPart"] = json!(p);
        }
        if !self.methods.is_empty() {
            let m: Map<String, Value> =
                self.methods.iter().map(|(k, v)| (k.clone(), if embed { v.to_json() } else { json!({}) })).collect();
            out["resourceMethods"] = Value::Object(m);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestAuthorizer {
    pub id: String,
    pub name: String,
    /// `TOKEN` or `REQUEST`.
    pub kind: String,
    pub authorizer_uri: Option<String>,
    pub identity_source: Option<String>,
    pub ttl_s: u32,
    pub identity_validation_expression: Option<String>,
}

impl RestAuthorizer {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "authType": "custom",
            "authorizerResultTtlInSeconds": self.ttl_s,
        });
        for (k, v) in [("authorizerUri", &self.authorizer_uri), ("identitySource", &self.identity_source), ("identityValidationExpression", &self.identity_validation_expression)] {
            if let Some(v) = v {
                out[k] = json!(v);
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validator {
    pub id: String,
    pub name: String,
    pub validate_body: bool,
    pub validate_parameters: bool,
}

impl Validator {
    fn to_json(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "validateRequestBody": self.validate_body, "validateRequestParameters": self.validate_parameters })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestSnapshot {
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub authorizers: Vec<RestAuthorizer>,
    #[serde(default)]
    pub validators: Vec<Validator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestDeployment {
    pub id: String,
    pub description: Option<String>,
    pub created_ms: u64,
    pub snapshot: RestSnapshot,
}

impl RestDeployment {
    fn to_json(&self) -> Value {
        let mut out = json!({ "id": self.id, "createdDate": secs(self.created_ms) });
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        out
    }
}

/// One entry of a stage's `methodSettings` (`*/*` or `<path>/<METHOD>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodSetting {
    pub throttling_burst_limit: Option<i64>,
    pub throttling_rate_limit: Option<f64>,
    pub metrics_enabled: bool,
    pub data_trace_enabled: bool,
    pub logging_level: Option<String>,
}

impl MethodSetting {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "metricsEnabled": self.metrics_enabled,
            "dataTraceEnabled": self.data_trace_enabled,
            "throttlingBurstLimit": self.throttling_burst_limit.unwrap_or(5000),
            "throttlingRateLimit": self.throttling_rate_limit.unwrap_or(10000.0),
            "cachingEnabled": false,
            "cacheTtlInSeconds": 300,
            "cacheDataEncrypted": false,
            "requireAuthorizationForCacheControl": true,
            "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
        });
        out["loggingLevel"] = json!(self.logging_level.clone().unwrap_or_else(|| "OFF".into()));
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestStageConfig {
    pub name: String,
    pub deployment_id: String,
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    pub created_ms: u64,
    pub updated_ms: u64,
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    pub access_log_settings: Option<AccessLogSettings>,
    pub tracing_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl RestStageConfig {
    fn to_json(&self) -> Value {
        let settings: Map<String, Value> = self.method_settings.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
        let mut out = json!({
            "stageName": self.name,
            "deploymentId": self.deployment_id,
            "createdDate": secs(self.created_ms),
            "lastUpdatedDate": secs(self.updated_ms),
            "methodSettings": settings,
            "cacheClusterEnabled": false,
            "cacheClusterStatus": "NOT_AVAILABLE",
            "tracingEnabled": self.tracing_enabled,
        });
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        if !self.variables.is_empty() {
            out["variables"] = json!(self.variables);
        }
        if let Some(a) = &self.access_log_settings {
            out["accessLogSettings"] = json!(a);
        }
        if !self.tags.is_empty() {
            out["tags"] = json!(self.tags);
        }
        out
    }
}

/// A REST API with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub version: Option<String>,
    pub created_ms: u64,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    pub api_key_source: String,
    pub endpoint_types: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub disable_execute_api_endpoint: bool,
    pub root_id: String,
    #[serde(default)]
    pub resources: BTreeMap<String, Resource>,
    #[serde(default)]
    pub authorizers: BTreeMap<String, RestAuthorizer>,
    #[serde(default)]
    pub validators: BTreeMap<String, Validator>,
    #[serde(default)]
    pub deployments: BTreeMap<String, RestDeployment>,
    #[serde(default)]
    pub stages: BTreeMap<String, RestStageConfig>,
}

impl RestApi {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "name": self.name,
            "createdDate": secs(self.created_ms),
            "apiKeySource": self.api_key_source,
            "endpointConfiguration": { "types": self.endpoint_types, "ipAddressType": "ipv4" },
            "disableExecuteApiEndpoint": self.disable_execute_api_endpoint,
            "rootResourceId": self.root_id,
            "tags": self.tags,
        });
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        if let Some(v) = &self.version {
            out["version"] = json!(v);
        }
        if !self.binary_media_types.is_empty() {
            out["binaryMediaTypes"] = json!(self.binary_media_types);
        }
        out
    }

    fn snapshot(&self) -> RestSnapshot {
        RestSnapshot {
            resources: self.resources.values().cloned().collect(),
            authorizers: self.authorizers.values().cloned().collect(),
            validators: self.validators.values().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub value: String,
    pub created_ms: u64,
    pub updated_ms: u64,
    #[serde(default)]
    pub stage_keys: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ApiKey {
    fn to_json(&self, with_value: bool) -> Value {
        let mut out = json!({
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "createdDate": secs(self.created_ms),
            "lastUpdatedDate": secs(self.updated_ms),
            "stageKeys": self.stage_keys,
            "tags": self.tags,
        });
        if with_value {
            out["value"] = json!(self.value);
        }
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttle {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub burst_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rate_limit: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    pub period: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub throttle: BTreeMap<String, Throttle>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl UsagePlan {
    fn to_json(&self) -> Value {
        let mut out = json!({ "id": self.id, "name": self.name, "apiStages": self.api_stages, "tags": self.tags });
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        if let Some(t) = &self.throttle {
            out["throttle"] = json!(t);
        }
        if let Some(q) = &self.quota {
            out["quota"] = json!(q);
        }
        out
    }
}

/// A key's use of a usage plan: its bucket and its quota count (in memory).
#[derive(Debug, Clone)]
pub struct Usage {
    pub bucket: Option<Bucket>,
    /// The start of the quota period the count is for (ms).
    pub period_start: u64,
    pub used: i64,
}

// ---------------------------------------------------------------------------
// The management API.

fn rest_api_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Invalid API identifier specified {ACCOUNT_ID}:{id}"))
}

fn api<'a>(gw: &'a Gateway, id: &str) -> ApiResult<&'a RestApi> {
    gw.rest_apis.get(id).ok_or_else(|| rest_api_not_found(id))
}

fn api_mut<'a>(gw: &'a mut Gateway, id: &str) -> ApiResult<&'a mut RestApi> {
    gw.rest_apis.get_mut(id).ok_or_else(|| rest_api_not_found(id))
}

fn resource<'a>(a: &'a RestApi, id: &str) -> ApiResult<&'a Resource> {
    a.resources.get(id).ok_or_else(|| ApiError::not_found("Invalid Resource identifier specified"))
}

fn resource_mut<'a>(a: &'a mut RestApi, id: &str) -> ApiResult<&'a mut Resource> {
    a.resources.get_mut(id).ok_or_else(|| ApiError::not_found("Invalid Resource identifier specified"))
}

fn method_mut<'a>(a: &'a mut RestApi, rid: &str, m: &str) -> ApiResult<&'a mut Method> {
    resource_mut(a, rid)?.methods.get_mut(m).ok_or_else(|| ApiError::not_found("Invalid Method identifier specified"))
}

fn items(list: Vec<Value>) -> HttpResponse {
    ok(200, json!({ "item": list }))
}

/// `patchOperations`: `(op, path, value)`.
fn patches(b: &Map<String, Value>) -> ApiResult<Vec<(String, String, Option<String>)>> {
    let Some(list) = b.get("patchOperations") else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| ApiError::bad_request("patchOperations must be a list"))?;
    list.iter()
        .map(|p| {
            let op = p.get("op").and_then(Value::as_str).ok_or_else(|| ApiError::bad_request("A patch operation needs an op"))?;
            let path = p.get("path").and_then(Value::as_str).ok_or_else(|| ApiError::bad_request("A patch operation needs a path"))?;
            let value = p.get("value").and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            });
            Ok((op.to_string(), path.to_string(), value))
        })
        .collect()
}

fn bad_patch(op: &str, path: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid patch path '{path}' specified for op '{op}'"))
}

fn need(value: Option<String>, path: &str) -> ApiResult<String> {
    value.ok_or_else(|| ApiError::bad_request(format!("Invalid null or empty value in patch operation for path {path}")))
}

fn parse_bool(v: &str) -> ApiResult<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::bad_request(format!("Invalid boolean value '{v}'"))),
    }
}

/// `~1` in a patch path stands for `/`, `~0` for `~`.
fn unescape(path: &str) -> String {
    path.replace("~1", "/").replace("~0", "~")
}

/// Answers one REST API management request (`rest` after `/_aws/apigateway/`).
pub fn handle(gw: &mut Gateway, rest: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let path = rest.trim_end_matches('/');
    let parts: Vec<String> = path.split('/').map(|p| percent_decode(p, false)).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    let unknown = || ApiError { status: 404, kind: "UnknownOperationException", message: format!("Unknown operation: {method} /{rest}") };
    match (method, parts.as_slice()) {
        ("POST", ["restapis"]) if request.query_param("mode").as_deref() == Some("import") => super::openapi_rest::import(gw, request),
        ("POST", ["restapis"]) => create_rest_api(gw, body(request)?),
        ("PUT", ["restapis", id]) => super::openapi_rest::put(gw, id, request),
        ("GET", ["restapis", id, "stages", name, "exports", kind]) => super::openapi_rest::export(gw, id, name, kind, request),
        ("GET", ["restapis"]) => Ok(items(gw.rest_apis.values().map(RestApi::to_json).collect())),
        ("GET", ["restapis", id]) => Ok(ok(200, api(gw, id)?.to_json())),
        ("PATCH", ["restapis", id]) => update_rest_api(gw, id, body(request)?),
        ("DELETE", ["restapis", id]) => {
            api(gw, id)?;
            gw.rest_apis.remove(*id);
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(202))
        }
        ("GET", ["restapis", id, "resources"]) => {
            let embed = request.query_params().iter().any(|(k, v)| k == "embed" && v == "methods");
            let a = api(gw, id)?;
            let mut list: Vec<&Resource> = a.resources.values().collect();
            list.sort_by(|x, y| x.path.cmp(&y.path));
            Ok(items(list.into_iter().map(|r| r.to_json(embed)).collect()))
        }
        ("GET", ["restapis", id, "resources", rid]) => {
            let embed = request.query_params().iter().any(|(k, v)| k == "embed" && v == "methods");
            Ok(ok(200, resource(api(gw, id)?, rid)?.to_json(embed)))
        }
        ("POST", ["restapis", id, "resources", parent]) => create_resource(gw, id, parent, body(request)?),
        ("DELETE", ["restapis", id, "resources", rid]) => {
            let a = api(gw, id)?;
            resource(a, rid)?;
            if a.root_id == *rid {
                return Err(ApiError::bad_request("Cannot delete the root resource of a REST API"));
            }
            let doomed = descendants(a, rid);
            let a = api_mut(gw, id)?;
            for d in doomed {
                a.resources.remove(&d);
            }
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(202))
        }
        ("PUT", ["restapis", id, "resources", rid, "methods", m]) => put_method(gw, id, rid, m, body(request)?),
        ("GET", ["restapis", id, "resources", rid, "methods", m]) => {
            let a = api(gw, id)?;
            let mm = resource(a, rid)?.methods.get(*m).ok_or_else(|| ApiError::not_found("Invalid Method identifier specified"))?;
            Ok(ok(200, mm.to_json()))
        }
        ("PATCH", ["restapis", id, "resources", rid, "methods", m]) => update_method(gw, id, rid, m, body(request)?),
        ("DELETE", ["restapis", id, "resources", rid, "methods", m]) => {
            let a = api_mut(gw, id)?;
            method_mut(a, rid, m)?;
            resource_mut(a, rid)?.methods.remove(*m);
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(204))
        }
        ("PUT", ["restapis", id, "resources", rid, "methods", m, "responses", code]) => {
            let b = body(request)?;
            let response = MethodResponse {
                status_code: code.to_string(),
                response_parameters: bool_map(&b, "responseParameters")?,
                response_models: opt_string_map(&b, "responseModels")?.unwrap_or_default(),
            };
            let out = response.to_json();
            method_mut(api_mut(gw, id)?, rid, m)?.responses.insert(code.to_string(), response);
            gw.journal_rest_api(id);
            Ok(ok(201, out))
        }
        ("GET", ["restapis", id, "resources", rid, "methods", m, "responses", code]) => {
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            let r = mm.responses.get(*code).ok_or_else(|| ApiError::not_found("Invalid Response status code specified"))?;
            Ok(ok(200, r.to_json()))
        }
        ("DELETE", ["restapis", id, "resources", rid, "methods", m, "responses", code]) => {
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            mm.responses.remove(*code).ok_or_else(|| ApiError::not_found("Invalid Response status code specified"))?;
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(204))
        }
        ("PUT", ["restapis", id, "resources", rid, "methods", m, "integration"]) => put_integration(gw, id, rid, m, body(request)?),
        ("GET", ["restapis", id, "resources", rid, "methods", m, "integration"]) => {
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            let i = mm.integration.as_ref().ok_or_else(|| ApiError::not_found("No integration defined for method"))?;
            Ok(ok(200, i.to_json()))
        }
        ("DELETE", ["restapis", id, "resources", rid, "methods", m, "integration"]) => {
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            mm.integration.take().ok_or_else(|| ApiError::not_found("No integration defined for method"))?;
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(204))
        }
        ("PUT", ["restapis", id, "resources", rid, "methods", m, "integration", "responses", code]) => {
            let b = body(request)?;
            let response = IntegrationResponse {
                status_code: code.to_string(),
                selection_pattern: opt_str(&b, "selectionPattern")?,
                response_templates: opt_string_map(&b, "responseTemplates")?.unwrap_or_default(),
                response_parameters: opt_string_map(&b, "responseParameters")?.unwrap_or_default(),
            };
            let out = response.to_json();
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            let i = mm.integration.as_mut().ok_or_else(|| ApiError::not_found("No integration defined for method"))?;
            i.responses.insert(code.to_string(), response);
            gw.journal_rest_api(id);
            Ok(ok(201, out))
        }
        ("GET", ["restapis", id, "resources", rid, "methods", m, "integration", "responses", code]) => {
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            let i = mm.integration.as_ref().ok_or_else(|| ApiError::not_found("No integration defined for method"))?;
            let r = i.responses.get(*code).ok_or_else(|| ApiError::not_found("Invalid Response status code specified"))?;
            Ok(ok(200, r.to_json()))
        }
        ("DELETE", ["restapis", id, "resources", rid, "methods", m, "integration", "responses", code]) => {
            let mm = method_mut(api_mut(gw, id)?, rid, m)?;
            let i = mm.integration.as_mut().ok_or_else(|| ApiError::not_found("No integration defined for method"))?;
            i.responses.remove(*code).ok_or_else(|| ApiError::not_found("Invalid Response status code specified"))?;
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(204))
        }
        ("POST", ["restapis", id, "authorizers"]) => create_authorizer(gw, id, body(request)?),
        ("GET", ["restapis", id, "authorizers"]) => Ok(items(api(gw, id)?.authorizers.values().map(RestAuthorizer::to_json).collect())),
        ("GET", ["restapis", id, "authorizers", aid]) => {
            let a = api(gw, id)?.authorizers.get(*aid).ok_or_else(|| ApiError::not_found("Invalid Authorizer identifier specified"))?;
            Ok(ok(200, a.to_json()))
        }
        ("DELETE", ["restapis", id, "authorizers", aid]) => {
            let a = api(gw, id)?;
            a.authorizers.get(*aid).ok_or_else(|| ApiError::not_found("Invalid Authorizer identifier specified"))?;
            if a.resources.values().flat_map(|r| r.methods.values()).any(|m| m.authorizer_id.as_deref() == Some(*aid)) {
                return Err(ApiError::conflict("Cannot delete authorizer, is referenced in method"));
            }
            api_mut(gw, id)?.authorizers.remove(*aid);
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(202))
        }
        ("POST", ["restapis", id, "requestvalidators"]) => {
            let b = body(request)?;
            api(gw, id)?;
            let vid = gw.new_id(6);
            let v = Validator {
                id: vid.clone(),
                name: req_str(&b, "name")?,
                validate_body: opt_bool(&b, "validateRequestBody")?.unwrap_or(false),
                validate_parameters: opt_bool(&b, "validateRequestParameters")?.unwrap_or(false),
            };
            let out = v.to_json();
            api_mut(gw, id)?.validators.insert(vid, v);
            gw.journal_rest_api(id);
            Ok(ok(201, out))
        }
        ("GET", ["restapis", id, "requestvalidators"]) => Ok(items(api(gw, id)?.validators.values().map(Validator::to_json).collect())),
        ("POST", ["restapis", id, "deployments"]) => create_deployment(gw, id, body(request)?),
        ("GET", ["restapis", id, "deployments"]) => {
            let mut list: Vec<&RestDeployment> = api(gw, id)?.deployments.values().collect();
            list.sort_by_key(|d| d.created_ms);
            Ok(items(list.into_iter().map(RestDeployment::to_json).collect()))
        }
        ("GET", ["restapis", id, "deployments", did]) => {
            let d = api(gw, id)?.deployments.get(*did).ok_or_else(|| ApiError::not_found("Invalid Deployment identifier specified"))?;
            Ok(ok(200, d.to_json()))
        }
        ("DELETE", ["restapis", id, "deployments", did]) => {
            let a = api(gw, id)?;
            a.deployments.get(*did).ok_or_else(|| ApiError::not_found("Invalid Deployment identifier specified"))?;
            if a.stages.values().any(|s| s.deployment_id == *did) {
                return Err(ApiError::bad_request("Active stages pointing to this deployment must be moved or deleted"));
            }
            api_mut(gw, id)?.deployments.remove(*did);
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(202))
        }
        ("POST", ["restapis", id, "stages"]) => create_stage(gw, id, body(request)?),
        ("GET", ["restapis", id, "stages"]) => Ok(ok(200, json!({ "item": api(gw, id)?.stages.values().map(RestStageConfig::to_json).collect::<Vec<_>>() }))),
        ("GET", ["restapis", id, "stages", name]) => {
            let s = api(gw, id)?.stages.get(*name).ok_or_else(|| ApiError::not_found("Invalid stage identifier specified"))?;
            Ok(ok(200, s.to_json()))
        }
        ("PATCH", ["restapis", id, "stages", name]) => update_stage(gw, id, name, body(request)?),
        ("DELETE", ["restapis", id, "stages", name]) => {
            api(gw, id)?.stages.get(*name).ok_or_else(|| ApiError::not_found("Invalid stage identifier specified"))?;
            api_mut(gw, id)?.stages.remove(*name);
            gw.journal_rest_api(id);
            Ok(HttpResponse::new(202))
        }
        ("POST", ["apikeys"]) => create_api_key(gw, body(request)?),
        ("GET", ["apikeys"]) => {
            let with = request.query_params().iter().any(|(k, v)| k == "includeValues" && v == "true");
            Ok(items(gw.api_keys.values().map(|k| k.to_json(with)).collect()))
        }
        ("GET", ["apikeys", kid]) => {
            let with = request.query_params().iter().any(|(k, v)| k == "includeValue" && v == "true");
            let k = gw.api_keys.get(*kid).ok_or_else(|| ApiError::not_found("Invalid API Key identifier specified"))?;
            Ok(ok(200, k.to_json(with)))
        }
        ("PATCH", ["apikeys", kid]) => update_api_key(gw, kid, body(request)?),
        ("DELETE", ["apikeys", kid]) => {
            gw.api_keys.remove(*kid).ok_or_else(|| ApiError::not_found("Invalid API Key identifier specified"))?;
            let plans: Vec<String> = gw.usage_plans.values().filter(|p| p.keys.iter().any(|k| k == kid)).map(|p| p.id.clone()).collect();
            for p in plans {
                if let Some(plan) = gw.usage_plans.get_mut(&p) {
                    plan.keys.retain(|k| k != kid);
                }
                gw.journal_usage_plan(&p);
            }
            gw.journal_api_key(kid);
            Ok(HttpResponse::new(202))
        }
        ("POST", ["usageplans"]) => create_usage_plan(gw, body(request)?),
        ("GET", ["usageplans"]) => Ok(items(gw.usage_plans.values().map(UsagePlan::to_json).collect())),
        ("GET", ["usageplans", pid]) => {
            let p = gw.usage_plans.get(*pid).ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
            Ok(ok(200, p.to_json()))
        }
        ("PATCH", ["usageplans", pid]) => update_usage_plan(gw, pid, body(request)?),
        ("DELETE", ["usageplans", pid]) => {
            gw.usage_plans.remove(*pid).ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
            gw.journal_usage_plan(pid);
            Ok(HttpResponse::new(202))
        }
        ("POST", ["usageplans", pid, "keys"]) => {
            let b = body(request)?;
            let kid = req_str(&b, "keyId")?;
            let kind = opt_str(&b, "keyType")?.unwrap_or_else(|| "API_KEY".into());
            if kind != "API_KEY" {
                return Err(ApiError::bad_request("keyType must be API_KEY"));
            }
            let key = gw.api_keys.get(&kid).ok_or_else(|| ApiError::not_found("Invalid API Key identifier specified"))?.clone();
            let plan = gw.usage_plans.get_mut(*pid).ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
            if plan.keys.contains(&kid) {
                return Err(ApiError::conflict(format!("Usage Plan {pid} cannot be added because API Key {kid} cannot reference multiple Usage Plans with the same API Stage")));
            }
            plan.keys.push(kid.clone());
            gw.journal_usage_plan(pid);
            Ok(ok(201, json!({ "id": key.id, "type": "API_KEY", "name": key.name, "value": key.value })))
        }
        ("GET", ["usageplans", pid, "keys"]) => {
            let plan = gw.usage_plans.get(*pid).ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
            let list = plan
                .keys
                .iter()
                .filter_map(|k| gw.api_keys.get(k))
                .map(|k| json!({ "id": k.id, "type": "API_KEY", "name": k.name, "value": k.value }))
                .collect();
            Ok(items(list))
        }
        ("DELETE", ["usageplans", pid, "keys", kid]) => {
            let plan = gw.usage_plans.get_mut(*pid).ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
            if !plan.keys.iter().any(|k| k == kid) {
                return Err(ApiError::not_found("Invalid API Key identifier specified"));
            }
            plan.keys.retain(|k| k != kid);
            gw.journal_usage_plan(pid);
            Ok(HttpResponse::new(202))
        }
        ("GET", ["usageplans", pid, "usage"]) => usage(gw, pid),
        _ => Err(unknown()),
    }
}

fn bool_map(b: &Map<String, Value>, name: &str) -> ApiResult<BTreeMap<String, bool>> {
    match b.get(name) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| v.as_bool().map(|b| (k.clone(), b)))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::bad_request(format!("Invalid value for '{name}': expected a map of booleans"))),
        Some(_) => Err(ApiError::bad_request(format!("Invalid value for '{name}': expected a map of booleans"))),
    }
}

fn descendants(a: &RestApi, rid: &str) -> Vec<String> {
    let mut out = vec![rid.to_string()];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].clone();
        out.extend(a.resources.values().filter(|r| r.parent_id.as_deref() == Some(parent.as_str())).map(|r| r.id.clone()));
        i += 1;
    }
    out
}

fn create_rest_api(gw: &mut Gateway, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let name = req_str(&b, "name")?;
    let types = b
        .get("endpointConfiguration")
        .and_then(|e| e.get("types"))
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_else(|| vec!["EDGE".to_string()]);
    let source = opt_str(&b, "apiKeySource")?.unwrap_or_else(|| "HEADER".into());
    if source != "HEADER" && source != "AUTHORIZER" {
        return Err(ApiError::bad_request("apiKeySource must be HEADER or AUTHORIZER"));
    }
    let now = gw.now_ms();
    let id = gw.new_api_id();
    let root_id = gw.new_id(10);
    let mut resources = BTreeMap::new();
    resources.insert(root_id.clone(), Resource { id: root_id.clone(), parent_id: None, path_part: None, path: "/".into(), methods: BTreeMap::new() });
    let a = RestApi {
        id: id.clone(),
        name,
        description: opt_str(&b, "description")?,
        version: opt_str(&b, "version")?,
        created_ms: now,
        binary_media_types: opt_strings(&b, "binaryMediaTypes")?.unwrap_or_default(),
        api_key_source: source,
        endpoint_types: types,
        tags: opt_string_map(&b, "tags")?.unwrap_or_default(),
        disable_execute_api_endpoint: opt_bool(&b, "disableExecuteApiEndpoint")?.unwrap_or(false),
        root_id,
        resources,
        authorizers: BTreeMap::new(),
        validators: BTreeMap::new(),
        deployments: BTreeMap::new(),
        stages: BTreeMap::new(),
    };
    let out = a.to_json();
    gw.rest_apis.insert(id.clone(), a);
    gw.journal_rest_api(&id);
    Ok(ok(201, out))
}

fn update_rest_api(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let ops = patches(&b)?;
    let mut a = api(gw, id)?.clone();
    for (op, path, value) in ops {
        match (op.as_str(), path.as_str()) {
            ("replace", "/name") => a.name = need(value, &path)?,
            ("replace", "/description") => a.description = value,
            ("replace", "/version") => a.version = value,
            ("replace", "/apiKeySource") => a.api_key_source = need(value, &path)?,
            ("replace", "/disableExecuteApiEndpoint") => a.disable_execute_api_endpoint = parse_bool(&need(value, &path)?)?,
            ("add", p) if p.starts_with("/binaryMediaTypes/") => {
                let t = unescape(&p["/binaryMediaTypes/".len()..]);
                if !a.binary_media_types.contains(&t) {
                    a.binary_media_types.push(t);
                }
            }
            ("remove", p) if p.starts_with("/binaryMediaTypes/") => {
                let t = unescape(&p["/binaryMediaTypes/".len()..]);
                a.binary_media_types.retain(|x| x != &t);
            }
            _ => return Err(bad_patch(&op, &path)),
        }
    }
    let out = a.to_json();
    gw.rest_apis.insert(id.to_string(), a);
    gw.journal_rest_api(id);
    Ok(ok(200, out))
}

fn create_resource(gw: &mut Gateway, id: &str, parent: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let part = req_str(&b, "pathPart")?;
    let a = api(gw, id)?;
    let p = resource(a, parent)?;
    let seg = parse_segment(&part, true).map_err(|_| {
        ApiError::bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
    })?;
    let siblings: Vec<&Resource> = a.resources.values().filter(|r| r.parent_id.as_deref() == Some(parent)).collect();
    if siblings.iter().any(|s| s.path_part.as_deref() == Some(part.as_str())) {
        return Err(ApiError::conflict(format!("Another resource with the same parent already has this name: {part}")));
    }
    let variable = |s: &&Resource| s.path_part.as_deref().is_some_and(|p| p.starts_with('{'));
    if !matches!(seg, Segment::Literal(_)) {
        if let Some(s) = siblings.iter().copied().find(variable) {
            return Err(ApiError::bad_request(format!(
                "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
                s.path_part.as_deref().unwrap_or("")
            )));
        }
    }
    if p.path_part.as_deref().is_some_and(|pp| pp.ends_with("+}")) {
        return Err(ApiError::bad_request("A greedy path variable ({x+}) must be the last path part: it cannot have children"));
    }
    let path = if p.path == "/" { format!("/{part}") } else { format!("{}/{part}", p.path) };
    let rid = gw.new_id(6);
    let r = Resource { id: rid.clone(), parent_id: Some(parent.to_string()), path_part: Some(part), path, methods: BTreeMap::new() };
    let out = r.to_json(false);
    api_mut(gw, id)?.resources.insert(rid, r);
    gw.journal_rest_api(id);
    Ok(ok(201, out))
}

fn check_method_name(m: &str) -> ApiResult<()> {
    if super::routes::METHODS.contains(&m) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY (got {m})")))
    }
}

fn check_method_auth(a: &RestApi, kind: &str, authorizer: &Option<String>) -> ApiResult<()> {
    match kind {
        "NONE" | "AWS_IAM" => Ok(()),
        "CUSTOM" => {
            let id = authorizer.as_ref().ok_or_else(|| ApiError::bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM requires a valid authorizer."))?;
            a.authorizers.get(id).ok_or_else(|| ApiError::bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM requires a valid authorizer."))?;
            Ok(())
        }
        "COGNITO_USER_POOLS" => Err(ApiError::bad_request("Stratus has no Cognito user pools: use a Lambda (CUSTOM) authorizer")),
        other => Err(ApiError::bad_request(format!("Invalid authorization type specified: {other}"))),
    }
}

fn put_method(gw: &mut Gateway, id: &str, rid: &str, m: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    check_method_name(m)?;
    let a = api(gw, id)?;
    let r = resource(a, rid)?;
    if r.methods.contains_key(m) {
        return Err(ApiError::conflict("Method already exists for this resource"));
    }
    let authorization_type = req_str(&b, "authorizationType")?;
    let authorizer_id = opt_str(&b, "authorizerId")?;
    check_method_auth(a, &authorization_type, &authorizer_id)?;
    let validator = opt_str(&b, "requestValidatorId")?;
    if let Some(v) = &validator {
        if !a.validators.contains_key(v) {
            return Err(ApiError::bad_request("Invalid Request Validator identifier specified"));
        }
    }
    let method = Method {
        http_method: m.to_string(),
        authorization_type,
        authorizer_id,
        api_key_required: opt_bool(&b, "apiKeyRequired")?.unwrap_or(false),
        operation_name: opt_str(&b, "operationName")?,
        request_parameters: bool_map(&b, "requestParameters")?,
        request_validator_id: validator,
        responses: BTreeMap::new(),
        integration: None,
    };
    check_request_parameters(&method.request_parameters)?;
    let out = method.to_json();
    resource_mut(api_mut(gw, id)?, rid)?.methods.insert(m.to_string(), method);
    gw.journal_rest_api(id);
    Ok(ok(201, out))
}

fn check_request_parameters(p: &BTreeMap<String, bool>) -> ApiResult<()> {
    for k in p.keys() {
        let ok = ["method.request.querystring.", "method.request.header.", "method.request.path.", "method.request.multivaluequerystring.", "method.request.multivalueheader."]
            .iter()
            .any(|prefix| k.strip_prefix(prefix).is_some_and(|n| !n.is_empty()));
        if !ok {
            return Err(ApiError::bad_request(format!("Invalid mapping expression specified: {k}")));
        }
    }
    Ok(())
}

fn update_method(gw: &mut Gateway, id: &str, rid: &str, m: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let ops = patches(&b)?;
    let a = api(gw, id)?.clone();
    let mut method = a.resources.get(rid).and_then(|r| r.methods.get(m)).cloned().ok_or_else(|| ApiError::not_found("Invalid Method identifier specified"))?;
    for (op, path, value) in ops {
        match (op.as_str(), path.as_str()) {
            ("replace", "/apiKeyRequired") => method.api_key_required = parse_bool(&need(value, &path)?)?,
            ("replace", "/authorizationType") => method.authorization_type = need(value, &path)?,
            ("replace", "/authorizerId") => method.authorizer_id = value,
            ("replace", "/operationName") => method.operation_name = value,
            ("replace", "/requestValidatorId") => method.request_validator_id = value.filter(|v| !v.is_empty()),
            ("add" | "replace", p) if p.starts_with("/requestParameters/") => {
                let required = value.as_deref().map(parse_bool).transpose()?.unwrap_or(false);
                method.request_parameters.insert(p["/requestParameters/".len()..].to_string(), required);
            }
            ("remove", p) if p.starts_with("/requestParameters/") => {
                method.request_parameters.remove(&p["/requestParameters/".len()..]);
            }
            _ => return Err(bad_patch(&op, &path)),
        }
    }
    if method.authorization_type == "NONE" {
        method.authorizer_id = None;
    }
    check_method_auth(&a, &method.authorization_type, &method.authorizer_id)?;
    check_request_parameters(&method.request_parameters)?;
    if let Some(v) = &method.request_validator_id {
        if !a.validators.contains_key(v) {
            return Err(ApiError::bad_request("Invalid Request Validator identifier specified"));
        }
    }
    let out = method.to_json();
    *method_mut(api_mut(gw, id)?, rid, m)? = method;
    gw.journal_rest_api(id);
    Ok(ok(200, out))
}

fn put_integration(gw: &mut Gateway, id: &str, rid: &str, m: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let kind = req_str(&b, "type")?;
    let uri = opt_str(&b, "uri")?;
    let http_method = opt_str(&b, "integrationHttpMethod")?.or(opt_str(&b, "httpMethod")?);
    match kind.as_str() {
        "AWS_PROXY" => {
            let u = uri.as_deref().ok_or_else(|| ApiError::bad_request("Invalid integration URI specified"))?;
            lambda_target(u).ok_or_else(|| ApiError::bad_request("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."))?;
            if http_method.as_deref().is_some_and(|m| m != "POST") {
                return Err(ApiError::bad_request("Lambda proxy integrations must use integrationHttpMethod POST"));
            }
        }
        "HTTP_PROXY" => {
            let u = uri.as_deref().ok_or_else(|| ApiError::bad_request("Invalid HTTP endpoint specified for URI"))?;
            if !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with('/')) {
                return Err(ApiError::bad_request("Invalid HTTP endpoint specified for URI"));
            }
            if http_method.is_none() {
                return Err(ApiError::bad_request("Enumeration value for HttpMethod must be non-empty"));
            }
        }
        "MOCK" => {}
        "AWS" | "HTTP" => {
            return Err(ApiError::bad_request(format!(
                "Stratus supports AWS_PROXY, HTTP_PROXY and MOCK integrations; {kind} (with mapping templates to a backend) is not supported"
            )))
        }
        other => return Err(ApiError::bad_request(format!("Invalid integration type specified: {other}"))),
    }
    let timeout = opt_i64(&b, "timeoutInMillis")?.unwrap_or(29_000);
    if !(50..=29_000).contains(&timeout) {
        return Err(ApiError::bad_request("Timeout should be between 50 ms and 29000 ms"));
    }
    let existing = {
        let a = api(gw, id)?;
        let r = resource(a, rid)?;
        r.methods.get(m).ok_or_else(|| ApiError::not_found("Invalid Method identifier specified"))?;
        r.methods[m].integration.as_ref().map(|i| i.responses.clone()).unwrap_or_default()
    };
    let integration = RestIntegration {
        kind,
        http_method,
        uri,
        request_templates: opt_string_map(&b, "requestTemplates")?.unwrap_or_default(),
        request_parameters: opt_string_map(&b, "requestParameters")?.unwrap_or_default(),
        passthrough_behavior: opt_str(&b, "passthroughBehavior")?.unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        timeout_ms: timeout as u32,
        content_handling: opt_str(&b, "contentHandling")?,
        cache_namespace: rid.to_string(),
        responses: existing,
    };
    let out = integration.to_json();
    method_mut(api_mut(gw, id)?, rid, m)?.integration = Some(integration);
    gw.journal_rest_api(id);
    Ok(ok(201, out))
}

fn create_authorizer(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    api(gw, id)?;
    let kind = req_str(&b, "type")?;
    if kind != "TOKEN" && kind != "REQUEST" {
        return Err(ApiError::bad_request(format!("Stratus supports Lambda authorizers of type TOKEN and REQUEST, not {kind}")));
    }
    let uri = req_str(&b, "authorizerUri")?;
    lambda_target(&uri).ok_or_else(|| ApiError::bad_request("Invalid Authorizer URI specified"))?;
    let identity = opt_str(&b, "identitySource")?;
    if kind == "TOKEN" && !identity.as_deref().is_some_and(|s| s.starts_with("method.request.header.")) {
        return Err(ApiError::bad_request("Invalid identity source: a TOKEN authorizer reads one header, method.request.header.<name>"));
    }
    let ttl = opt_i64(&b, "authorizerResultTtlInSeconds")?.unwrap_or(300);
    if !(0..=3600).contains(&ttl) {
        return Err(ApiError::bad_request("Authorizer result TTL must be between 0 and 3600 seconds"));
    }
    if kind == "REQUEST" && ttl > 0 && identity.is_none() {
        return Err(ApiError::bad_request("Identity source is required when caching is enabled"));
    }
    let aid = gw.new_id(6);
    let a = RestAuthorizer {
        id: aid.clone(),
        name: req_str(&b, "name")?,
        kind,
        authorizer_uri: Some(uri),
        identity_source: identity,
        ttl_s: ttl as u32,
        identity_validation_expression: opt_str(&b, "identityValidationExpression")?,
    };
    let out = a.to_json();
    api_mut(gw, id)?.authorizers.insert(aid, a);
    gw.journal_rest_api(id);
    Ok(ok(201, out))
}

fn create_deployment(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let a = api(gw, id)?;
    if a.resources.values().all(|r| r.methods.is_empty()) {
        return Err(ApiError::bad_request("The REST API doesn't contain any methods"));
    }
    for r in a.resources.values() {
        for m in r.methods.values() {
            if m.integration.is_none() {
                return Err(ApiError::bad_request("No integration defined for method"));
            }
        }
    }
    let stage = opt_str(&b, "stageName")?;
    let now = gw.now_ms();
    let did = loop {
        let d = gw.new_id(6);
        if !api(gw, id)?.deployments.contains_key(&d) {
            break d;
        }
    };
    let a = api_mut(gw, id)?;
    let d = RestDeployment { id: did.clone(), description: opt_str(&b, "description")?, created_ms: now, snapshot: a.snapshot() };
    let out = d.to_json();
    a.deployments.insert(did.clone(), d);
    if let Some(name) = stage {
        check_stage_name(&name)?;
        let variables = opt_string_map(&b, "variables")?;
        let description = opt_str(&b, "stageDescription")?;
        match a.stages.get_mut(&name) {
            Some(s) => {
                s.deployment_id = did;
                s.updated_ms = now;
                if let Some(v) = variables {
                    s.variables = v;
                }
            }
            None => {
                a.stages.insert(
                    name.clone(),
                    RestStageConfig {
                        name,
                        deployment_id: did,
                        description,
                        variables: variables.unwrap_or_default(),
                        created_ms: now,
                        updated_ms: now,
                        method_settings: BTreeMap::new(),
                        access_log_settings: None,
                        tracing_enabled: false,
                        tags: BTreeMap::new(),
                    },
                );
            }
        }
    }
    gw.journal_rest_api(id);
    Ok(ok(201, out))
}

fn check_stage_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.len() > 128 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ApiError::bad_request("Stage name only allows a-zA-Z0-9_"));
    }
    Ok(())
}

fn create_stage(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let name = req_str(&b, "stageName")?;
    check_stage_name(&name)?;
    let did = req_str(&b, "deploymentId")?;
    let a = api(gw, id)?;
    if !a.deployments.contains_key(&did) {
        return Err(ApiError::not_found("Invalid Deployment identifier specified"));
    }
    if a.stages.contains_key(&name) {
        return Err(ApiError::conflict("Stage already exists"));
    }
    let now = gw.now_ms();
    let s = RestStageConfig {
        name: name.clone(),
        deployment_id: did,
        description: opt_str(&b, "description")?,
        variables: opt_string_map(&b, "variables")?.unwrap_or_default(),
        created_ms: now,
        updated_ms: now,
        method_settings: BTreeMap::new(),
        access_log_settings: None,
        tracing_enabled: opt_bool(&b, "tracingEnabled")?.unwrap_or(false),
        tags: opt_string_map(&b, "tags")?.unwrap_or_default(),
    };
    let out = s.to_json();
    api_mut(gw, id)?.stages.insert(name, s);
    gw.journal_rest_api(id);
    Ok(ok(201, out))
}

fn update_stage(gw: &mut Gateway, id: &str, name: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let ops = patches(&b)?;
    let a = api(gw, id)?;
    let mut s = a.stages.get(name).cloned().ok_or_else(|| ApiError::not_found("Invalid stage identifier specified"))?;
    for (op, path, value) in ops {
        match (op.as_str(), path.as_str()) {
            ("replace", "/deploymentId") => {
                let d = need(value, &path)?;
                if !a.deployments.contains_key(&d) {
                    return Err(ApiError::not_found("Invalid Deployment identifier specified"));
                }
                s.deployment_id = d;
            }
            ("replace", "/description") => s.description = value,
            ("replace", "/tracingEnabled") => s.tracing_enabled = parse_bool(&need(value, &path)?)?,
            ("add" | "replace", p) if p.starts_with("/variables/") => {
                s.variables.insert(p["/variables/".len()..].to_string(), need(value, &path)?);
            }
            ("remove", p) if p.starts_with("/variables/") => {
                s.variables.remove(&p["/variables/".len()..]);
            }
            ("replace", "/accessLogSettings/destinationArn") => {
                let arn = need(value, &path)?;
                if crate::engine::logs::group_from_arn(&arn).is_none() {
                    return Err(ApiError::bad_request(format!("Invalid destination ARN {arn}")));
                }
                s.access_log_settings.get_or_insert_with(Default::default).destination_arn = Some(arn);
            }
            ("replace", "/accessLogSettings/format") => s.access_log_settings.get_or_insert_with(Default::default).format = value,
            ("remove", "/accessLogSettings") => s.access_log_settings = None,
            ("replace", p) => {
                // /<resource path, ~1 for />/<METHOD>/<setting>, or /*/*/<setting>.
                let Some((key, setting)) = method_setting_path(p) else { return Err(bad_patch(&op, &path)) };
                let entry = s.method_settings.entry(key).or_default();
                let v = need(value, &path)?;
                match setting.as_str() {
                    "throttling/burstLimit" => entry.throttling_burst_limit = Some(v.parse().map_err(|_| ApiError::bad_request(format!("Invalid burst limit {v}")))?),
                    "throttling/rateLimit" => entry.throttling_rate_limit = Some(v.parse().map_err(|_| ApiError::bad_request(format!("Invalid rate limit {v}")))?),
                    "metrics/enabled" => entry.metrics_enabled = parse_bool(&v)?,
                    "logging/dataTrace" => entry.data_trace_enabled = parse_bool(&v)?,
                    "logging/loglevel" => entry.logging_level = Some(v),
                    _ => return Err(bad_patch(&op, &path)),
                }
            }
            _ => return Err(bad_patch(&op, &path)),
        }
    }
    s.updated_ms = gw.now_ms();
    let out = s.to_json();
    api_mut(gw, id)?.stages.insert(name.to_string(), s);
    gw.journal_rest_api(id);
    Ok(ok(200, out))
}

/// `/*/*/throttling/rateLimit` → (`*/*`, `throttling/rateLimit`);
/// `/~1items~1{id}/GET/throttling/burstLimit` → (`items/{id}/GET`, ...).
fn method_setting_path(p: &str) -> Option<(String, String)> {
    let rest = p.strip_prefix('/')?;
    let mut parts = rest.splitn(3, '/');
    let (resource, method, setting) = (parts.next()?, parts.next()?, parts.next()?);
    let resource = unescape(resource);
    let key = if resource == "*" { format!("*/{method}") } else { format!("{}/{method}", resource.trim_start_matches('/')) };
    Some((key, setting.to_string()))
}

fn create_api_key(gw: &mut Gateway, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let value = match opt_str(&b, "value")? {
        Some(v) if v.len() < 20 => return Err(ApiError::bad_request("API Key value should be at least 20 characters")),
        Some(v) => v,
        None => {
            let mut v = gw.new_id(20);
            v.push_str(&gw.new_id(20));
            v
        }
    };
    if gw.api_keys.values().any(|k| k.value == value) {
        return Err(ApiError::conflict("API Key already exists"));
    }
    let now = gw.now_ms();
    let id = gw.new_id(10);
    let key = ApiKey {
        id: id.clone(),
        name: opt_str(&b, "name")?.unwrap_or_else(|| id.clone()),
        description: opt_str(&b, "description")?,
        enabled: opt_bool(&b, "enabled")?.unwrap_or(false),
        value,
        created_ms: now,
        updated_ms: now,
        stage_keys: Vec::new(),
        tags: opt_string_map(&b, "tags")?.unwrap_or_default(),
    };
    let out = key.to_json(true);
    gw.api_keys.insert(id.clone(), key);
    gw.journal_api_key(&id);
    Ok(ok(201, out))
}

fn update_api_key(gw: &mut Gateway, kid: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let ops = patches(&b)?;
    let mut key = gw.api_keys.get(kid).cloned().ok_or_else(|| ApiError::not_found("Invalid API Key identifier specified"))?;
    for (op, path, value) in ops {
        match (op.as_str(), path.as_str()) {
            ("replace", "/name") => key.name = need(value, &path)?,
            ("replace", "/description") => key.description = value,
            ("replace", "/enabled") => key.enabled = parse_bool(&need(value, &path)?)?,
            _ => return Err(bad_patch(&op, &path)),
        }
    }
    key.updated_ms = gw.now_ms();
    let out = key.to_json(false);
    gw.api_keys.insert(kid.to_string(), key);
    gw.journal_api_key(kid);
    Ok(ok(200, out))
}

fn throttle_of(v: Option<&Value>) -> ApiResult<Option<Throttle>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| ApiError::bad_request(format!("Invalid throttle: {e}"))),
    }
}

fn check_api_stages(gw: &Gateway, stages: &[ApiStage]) -> ApiResult<()> {
    for s in stages {
        let a = gw.rest_apis.get(&s.api_id).ok_or_else(|| ApiError::not_found(format!("Invalid API identifier specified {ACCOUNT_ID}:{}", s.api_id)))?;
        if !a.stages.contains_key(&s.stage) {
            return Err(ApiError::not_found(format!("Invalid stage identifier specified {}", s.stage)));
        }
    }
    Ok(())
}

fn create_usage_plan(gw: &mut Gateway, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let name = req_str(&b, "name")?;
    let api_stages: Vec<ApiStage> = match b.get("apiStages") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| ApiError::bad_request(format!("Invalid apiStages: {e}")))?,
    };
    check_api_stages(gw, &api_stages)?;
    let quota: Option<Quota> = match b.get("quota") {
        None | Some(Value::Null) => None,
        Some(v) => Some(serde_json::from_value(v.clone()).map_err(|e| ApiError::bad_request(format!("Invalid quota: {e}")))?),
    };
    if let Some(q) = &quota {
        if !matches!(q.period.as_str(), "DAY" | "WEEK" | "MONTH") || q.limit < 0 {
            return Err(ApiError::bad_request("Invalid quota: period must be DAY, WEEK or MONTH and limit not negative"));
        }
    }
    let id = gw.new_id(6);
    let plan = UsagePlan {
        id: id.clone(),
        name,
        description: opt_str(&b, "description")?,
        api_stages,
        throttle: throttle_of(b.get("throttle"))?,
        quota,
        keys: Vec::new(),
        tags: opt_string_map(&b, "tags")?.unwrap_or_default(),
    };
    let out = plan.to_json();
    gw.usage_plans.insert(id.clone(), plan);
    gw.journal_usage_plan(&id);
    Ok(ok(201, out))
}

fn update_usage_plan(gw: &mut Gateway, pid: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let ops = patches(&b)?;
    let mut plan = gw.usage_plans.get(pid).cloned().ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
    for (op, path, value) in ops {
        let number = |v: &Option<String>| -> ApiResult<f64> { need(v.clone(), &path)?.parse::<f64>().map_err(|_| ApiError::bad_request(format!("Invalid number for {path}"))) };
        match (op.as_str(), path.as_str()) {
            ("replace", "/name") => plan.name = need(value, &path)?,
            ("replace", "/description") => plan.description = value,
            ("replace", "/throttle/burstLimit") => plan.throttle.get_or_insert_with(Default::default).burst_limit = Some(number(&value)? as i64),
            ("replace", "/throttle/rateLimit") => plan.throttle.get_or_insert_with(Default::default).rate_limit = Some(number(&value)?),
            ("remove", "/throttle") => plan.throttle = None,
            ("replace", "/quota/limit") => plan.quota.get_or_insert_with(|| Quota { limit: 0, offset: 0, period: "DAY".into() }).limit = number(&value)? as i64,
            ("replace", "/quota/period") => plan.quota.get_or_insert_with(|| Quota { limit: 0, offset: 0, period: "DAY".into() }).period = need(value, &path)?,
            ("remove", "/quota") => plan.quota = None,
            ("add", "/apiStages") => {
                let v = need(value, &path)?;
                let (api_id, stage) = v.split_once(':').ok_or_else(|| ApiError::bad_request("An API stage is <apiId>:<stage>"))?;
                let s = ApiStage { api_id: api_id.into(), stage: stage.into(), throttle: BTreeMap::new() };
                check_api_stages(gw, std::slice::from_ref(&s))?;
                plan.api_stages.push(s);
            }
            ("remove", "/apiStages") => {
                let v = need(value, &path)?;
                plan.api_stages.retain(|s| format!("{}:{}", s.api_id, s.stage) != v);
            }
            _ => return Err(bad_patch(&op, &path)),
        }
    }
    let out = plan.to_json();
    gw.usage_plans.insert(pid.to_string(), plan);
    gw.journal_usage_plan(pid);
    Ok(ok(200, out))
}

/// GetUsage: each key's requests in the current quota period.
fn usage(gw: &Gateway, pid: &str) -> ApiResult<HttpResponse> {
    let plan = gw.usage_plans.get(pid).ok_or_else(|| ApiError::not_found("Invalid Usage Plan ID specified"))?;
    let now = gw.now_ms();
    let mut per_key = Map::new();
    for k in &plan.keys {
        let used = gw.runtime.usage.get(&(pid.to_string(), k.clone())).filter(|u| Some(u.period_start) == plan.quota.as_ref().map(|q| period_start(&q.period, now))).map(|u| u.used).unwrap_or(0);
        let remaining = plan.quota.as_ref().map(|q| q.limit - used).unwrap_or(0);
        per_key.insert(k.clone(), json!([[used, remaining]]));
    }
    let day = super::iso_time(now);
    Ok(ok(200, json!({ "usagePlanId": pid, "startDate": &day[..10], "endDate": &day[..10], "items": per_key })))
}

/// The start (ms) of the quota period `now` falls in: the UTC day, the
/// week from Monday, or the month.
pub fn period_start(period: &str, now: u64) -> u64 {
    let day_ms = 86_400_000;
    let day = now - now % day_ms;
    match period {
        "WEEK" => {
            let days = day / day_ms;
            // 1970-01-01 was a Thursday: Monday is 3 days later in the cycle.
            let since_monday = (days + 3) % 7;
            day - since_monday * day_ms
        }
        "MONTH" => {
            let (_, _, d, ..) = crate::engine::clock::civil_from_unix(now / 1000);
            day - u64::from(d - 1) * day_ms
        }
        _ => day,
    }
}

// ---------------------------------------------------------------------------
// The invoke URLs.

/// One method of a compiled REST API stage.
pub struct CompiledMethod {
    pub resource_id: String,
    pub resource_path: String,
    pub method: Method,
    pub target: Target,
    /// The integration as the shared dispatcher takes it.
    pub integration: Integration,
    pub authorizer: Option<RestAuthorizer>,
    /// Required parameters, when a validator checks them: (where, name).
    pub required: Vec<(String, String)>,
    pub limits: Option<(f64, f64)>,
}

/// A REST API's stage, compiled from its deployment.
pub struct RestStage {
    pub api_id: String,
    pub api_name: String,
    pub stage: String,
    pub deployment_id: String,
    pub table: Table,
    pub methods: Vec<CompiledMethod>,
    pub variables: BTreeMap<String, String>,
    pub binary_media_types: Vec<String>,
    pub api_key_source: String,
    pub access_log: Option<(String, String)>,
    pub buckets: RefCell<Vec<Option<Bucket>>>,
    pub metrics: StageMetrics,
    /// Usage plans covering this stage: (plan id, key values → key ids).
    pub plans: Vec<(UsagePlan, HashMap<String, String>)>,
}

fn compile(gw: &mut Gateway, api_id: &str, stage_name: &str) -> Option<Rc<RestStage>> {
    if let Some(s) = gw.runtime.rest.get(api_id).and_then(|m| m.get(stage_name)) {
        return Some(s.clone());
    }
    let a = gw.rest_apis.get(api_id)?;
    let stage = a.stages.get(stage_name)?;
    let deployment = a.deployments.get(&stage.deployment_id)?;
    let now = gw.now_ms();
    let mut table = Table::new();
    let mut methods = Vec::new();
    let mut buckets = Vec::new();
    let authorizers: HashMap<&str, &RestAuthorizer> = deployment.snapshot.authorizers.iter().map(|a| (a.id.as_str(), a)).collect();
    let validators: HashMap<&str, &Validator> = deployment.snapshot.validators.iter().map(|v| (v.id.as_str(), v)).collect();
    let all = stage.method_settings.get("*/*");
    for r in &deployment.snapshot.resources {
        let Ok(segments) = parse_path(&r.path) else { continue };
        for (name, m) in &r.methods {
            let Some(ri) = &m.integration else { continue };
            let index = methods.len();
            table.insert(name, &segments, index);
            let own = stage.method_settings.get(&format!("{}/{name}", r.path.trim_start_matches('/')));
            let rate = own.and_then(|s| s.throttling_rate_limit).or(all.and_then(|s| s.throttling_rate_limit));
            let burst = own.and_then(|s| s.throttling_burst_limit).or(all.and_then(|s| s.throttling_burst_limit));
            let limits = match (rate, burst) {
                (None, None) => None,
                (r, b) => Some((r.unwrap_or(dispatch::ACCOUNT_RATE), b.map(|b| b as f64).unwrap_or(dispatch::ACCOUNT_BURST))),
            };
            buckets.push(limits.map(|(r, b)| Bucket::new(r, b, now)));
            let integration = Integration {
                integration_id: r.id.clone(),
                integration_type: ri.kind.clone(),
                integration_uri: ri.uri.clone(),
                integration_method: ri.http_method.clone(),
                integration_subtype: None,
                payload_format_version: "1.0".into(),
                timeout_ms: ri.timeout_ms,
                description: None,
                connection_type: "INTERNET".into(),
                credentials_arn: None,
                request_parameters: BTreeMap::new(),
                response_parameters: Map::new(),
                managed: false,
            };
            let target = match ri.kind.as_str() {
                "AWS_PROXY" => dispatch::lambda_target_of(ri.uri.as_deref().unwrap_or("")),
                "HTTP_PROXY" => Target::Http { uri: ri.uri.clone().unwrap_or_default(), method: ri.http_method.clone().unwrap_or_else(|| "ANY".into()) },
                _ => Target::None,
            };
            let checks = m.request_validator_id.as_deref().and_then(|v| validators.get(v)).is_some_and(|v| v.validate_parameters);
            let required = if checks {
                m.request_parameters
                    .iter()
                    .filter(|(_, req)| **req)
                    .filter_map(|(k, _)| {
                        let rest = k.strip_prefix("method.request.")?;
                        let (kind, name) = rest.split_once('.')?;
                        Some((kind.to_string(), name.to_string()))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let authorizer = if m.authorization_type == "CUSTOM" { m.authorizer_id.as_deref().and_then(|i| authorizers.get(i)).map(|a| (*a).clone()) } else { None };
            methods.push(CompiledMethod { resource_id: r.id.clone(), resource_path: r.path.clone(), method: m.clone(), target, integration, authorizer, required, limits });
        }
    }
    let access_log = stage.access_log_settings.as_ref().and_then(|l| {
        let group = crate::engine::logs::group_from_arn(l.destination_arn.as_deref()?)?.to_string();
        Some((group, l.format.clone().unwrap_or_else(|| dispatch::DEFAULT_ACCESS_LOG.to_string())))
    });
    let plans: Vec<(UsagePlan, HashMap<String, String>)> = gw
        .usage_plans
        .values()
        .filter(|p| p.api_stages.iter().any(|s| s.api_id == api_id && s.stage == stage_name))
        .map(|p| {
            let keys = p.keys.iter().filter_map(|k| gw.api_keys.get(k)).filter(|k| k.enabled).map(|k| (k.value.clone(), k.id.clone())).collect();
            (p.clone(), keys)
        })
        .collect();
    let (name, variables, binary, source) = (a.name.clone(), stage.variables.clone(), a.binary_media_types.clone(), a.api_key_source.clone());
    let deployment_id = stage.deployment_id.clone();
    let metrics = StageMetrics::new(
        gw,
        &[&[("ApiName", &name)], &[("ApiName", &name), ("Stage", stage_name)]],
        ["Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"],
    );
    let compiled = Rc::new(RestStage {
        api_id: api_id.to_string(),
        api_name: name,
        stage: stage_name.to_string(),
        deployment_id,
        table,
        methods,
        variables,
        binary_media_types: binary,
        api_key_source: source,
        access_log,
        buckets: RefCell::new(buckets),
        metrics,
        plans,
    });
    gw.runtime.rest.entry(api_id.to_string()).or_default().insert(stage_name.to_string(), compiled.clone());
    Some(compiled)
}

/// The functions a request to a REST API will run (see
/// [`dispatch::needs`]).
pub fn functions_needed(gw: &mut Gateway, api_id: &str, rest: &str, request: &HttpRequest) -> Vec<(String, Option<String>)> {
    let stage_name = rest.split('/').next().unwrap_or("");
    let Some(stage) = compile(gw, api_id, stage_name) else { return Vec::new() };
    let path = match &rest[stage.stage.len()..] {
        "" => "/",
        p => p,
    };
    let Some(m) = stage.table.lookup(&request.method, path) else { return Vec::new() };
    let cm = &stage.methods[m.target];
    let mut out: Vec<(String, Option<String>)> = dispatch::function_of(&cm.target, &stage.variables).into_iter().collect();
    if let Some(uri) = cm.authorizer.as_ref().and_then(|a| a.authorizer_uri.as_deref()) {
        out.extend(lambda_target(&dispatch::substitute_stage_vars(uri, &stage.variables)));
    }
    out
}

/// A REST API gateway error: `{"message"}` with `x-amzn-ErrorType`.
fn gateway_error(status: u16, kind: &str, message: &str) -> HttpResponse {
    crate::engine::protocol::gateway_message(status, message).with_header("x-amzn-ErrorType", kind)
}

/// Answers one request to a REST API's invoke URL.
pub fn dispatch(cloud: &Cloud, api_id: &str, rest: &str, request: &HttpRequest) -> HttpResponse {
    let mono = cloud.monotonic();
    let started = mono();
    let now = cloud.clock().now_ms();
    let (stage, request_id, extended, trace) = {
        let mut gw = cloud.gateway();
        let gw = &mut *gw;
        let request_id = gw.runtime.uuid(now);
        let extended = gw.runtime.short_request_id(now);
        let a = gw.rest_apis.get(api_id).expect("checked by the dispatcher");
        if a.disable_execute_api_endpoint {
            return gateway_error(403, "ForbiddenException", "Forbidden").with_header("x-amzn-RequestId", &request_id);
        }
        let stage_name = rest.split('/').next().unwrap_or("");
        let Some(stage) = compile(gw, api_id, stage_name) else {
            return gateway_error(403, "ForbiddenException", "Forbidden").with_header("x-amzn-RequestId", &request_id);
        };
        let trace = gw.runtime.trace_id(now);
        (stage, request_id, extended, trace)
    };
    let path = match &rest[stage.stage.len()..] {
        "" => "/".to_string(),
        p => p.to_string(),
    };
    let mut fin = Finish { started, now, request_id: &request_id, route_key: "-", integration_ms: None, error: None, integration_error: None };
    let Some(m) = stage.table.lookup(&request.method, &path) else {
        fin.error = Some("Missing Authentication Token");
        let r = gateway_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        return finish(cloud, &stage, request, r, &mut fin, &extended);
    };
    let cm = &stage.methods[m.target];
    let route_key = format!("{} {}", request.method, cm.resource_path);
    fin.route_key = &route_key;
    let params: Vec<(&str, String)> = m.params.iter().map(|(n, v)| (*n, percent_decode(v, false))).collect();
    let mut info = RequestInfo {
        flavor: Flavor::Rest,
        api_id,
        stage: &stage.stage,
        method: &request.method,
        raw_path: &request.path,
        path: &path,
        query: &request.query,
        headers: &request.headers,
        body: &request.body,
        route_key: &route_key,
        resource_path: &cm.resource_path,
        resource_id: &cm.resource_id,
        deployment_id: &stage.deployment_id,
        path_params: &params,
        stage_vars: &stage.variables,
        request_id: &request_id,
        extended_request_id: &extended,
        time_ms: now,
        source_ip: dispatch::source_ip(request),
        trace_id: &trace,
        authorizer: None,
        binary_media_types: &stage.binary_media_types,
        api_key: None,
    };
    let method_arn = execute_arn(api_id, &stage.stage, &request.method, &path);
    // 1. A Lambda authorizer.
    let decision;
    if let Some(a) = &cm.authorizer {
        match authorize(cloud, &stage, a, &info, &method_arn, now) {
            Ok(d) => {
                decision = d;
                info.authorizer = Some(&decision.context_v1);
            }
            Err(r) => {
                fin.error = Some("Unauthorized");
                return finish(cloud, &stage, request, r, &mut fin, &extended);
            }
        }
    }
    // 2. The API key and its usage plan: throttle and quota.
    let key_id;
    if cm.method.api_key_required {
        match check_key(cloud, &stage, cm, request, now) {
            Ok(id) => {
                key_id = id;
                info.api_key = request.header("x-api-key").map(|value| (value, key_id.as_str()));
            }
            Err(r) => {
                fin.error = Some("Forbidden");
                return finish(cloud, &stage, request, r, &mut fin, &extended);
            }
        }
    }
    // 3. Required request parameters.
    let missing: Vec<&str> = cm
        .required
        .iter()
        .filter(|(kind, name)| match kind.as_str() {
            "querystring" | "multivaluequerystring" => !info.query_params().iter().any(|(k, _)| k == name),
            "header" | "multivalueheader" => request.header(name).is_none(),
            _ => false,
        })
        .map(|(_, n)| n.as_str())
        .collect();
    if !missing.is_empty() {
        let message = format!("Missing required request parameters: [{}]", missing.join(", "));
        fin.error = Some("Bad Request");
        return finish(cloud, &stage, request, gateway_error(400, "BadRequestException", &message), &mut fin, &extended);
    }
    // 4. The account's and the method's throttles.
    let account_ok = cloud.gateway().take_account_token(now);
    let method_ok = match stage.buckets.borrow_mut().get_mut(m.target) {
        Some(Some(b)) => b.take(now),
        _ => true,
    };
    if !account_ok || !method_ok {
        fin.error = Some("Too Many Requests");
        return finish(cloud, &stage, request, gateway_error(429, "TooManyRequestsException", "Too Many Requests"), &mut fin, &extended);
    }
    // 5. The integration.
    let response = if cm.method.integration.as_ref().is_some_and(|i| i.kind == "MOCK") {
        mock(cm.method.integration.as_ref().expect("checked"), &info)
    } else {
        let (r, latency, error) = dispatch::integrate(cloud, &cm.target, &cm.integration, &info, request, Flavor::Rest);
        fin.integration_ms = latency;
        fin.integration_error = error;
        match r {
            Ok(r) => r,
            Err((status, message)) => {
                fin.error = Some(message);
                let kind = match status {
                    504 => "IntegrationTimeout",
                    _ => "InternalServerErrorException",
                };
                gateway_error(status, kind, message)
            }
        }
    };
    finish(cloud, &stage, request, response, &mut fin, &extended)
}

fn finish(cloud: &Cloud, stage: &RestStage, request: &HttpRequest, mut response: HttpResponse, fin: &mut Finish, extended: &str) -> HttpResponse {
    response.headers.push(("x-amzn-RequestId".into(), fin.request_id.to_string()));
    response.headers.push(("x-amz-apigw-id".into(), extended.to_string()));
    dispatch::record_request(cloud, (&stage.api_id, &stage.stage), &stage.metrics, &stage.access_log, request, &response, fin);
    response
}

/// Checks the `x-api-key` header against the usage plans of the stage, then
/// the plan's throttle and quota for that key.
/// Answers the key's id.
fn check_key(cloud: &Cloud, stage: &RestStage, cm: &CompiledMethod, request: &HttpRequest, now: u64) -> Result<String, HttpResponse> {
    let forbidden = || gateway_error(403, "ForbiddenException", "Forbidden");
    let value = request.header("x-api-key").ok_or_else(forbidden)?;
    let Some((plan, key_id)) = stage.plans.iter().find_map(|(p, keys)| keys.get(value).map(|k| (p, k))) else { return Err(forbidden()) };
    let method_key = format!("{}/{}", cm.resource_path, cm.method.http_method);
    let method_throttle = plan.api_stages.iter().find(|s| s.api_id == stage.api_id && s.stage == stage.stage).and_then(|s| s.throttle.get(&method_key));
    let throttle = method_throttle.or(plan.throttle.as_ref());
    let mut gw = cloud.gateway();
    let usage = gw.runtime.usage.entry((plan.id.clone(), key_id.clone())).or_insert_with(|| Usage {
        bucket: throttle.map(|t| Bucket::new(t.rate_limit.unwrap_or(dispatch::ACCOUNT_RATE), t.burst_limit.map(|b| b as f64).unwrap_or(dispatch::ACCOUNT_BURST), now)),
        period_start: 0,
        used: 0,
    });
    if let Some(b) = usage.bucket.as_mut() {
        if !b.take(now) {
            return Err(gateway_error(429, "TooManyRequestsException", "Too Many Requests"));
        }
    }
    if let Some(q) = &plan.quota {
        let start = period_start(&q.period, now);
        if usage.period_start != start {
            usage.period_start = start;
            usage.used = 0;
        }
        if usage.used >= q.limit {
            return Err(gateway_error(429, "LimitExceededException", "Limit Exceeded"));
        }
        usage.used += 1;
    }
    Ok(key_id.clone())
}

/// Runs a REST API's Lambda authorizer (TOKEN or REQUEST), with its cache.
fn authorize(cloud: &Cloud, stage: &RestStage, a: &RestAuthorizer, info: &RequestInfo, method_arn: &str, now: u64) -> Result<AuthDecision, HttpResponse> {
    let unauthorized = || gateway_error(401, "UnauthorizedException", "Unauthorized");
    let sources: Vec<String> = a
        .identity_source
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace("method.request.header.", "$request.header.")
                .replace("method.request.querystring.", "$request.querystring.")
                .replace("stageVariables.", "$stageVariables.")
                .replace("context.", "$context.")
        })
        .collect();
    let identity = dispatch::identity_values(&sources, info).ok_or_else(unauthorized)?;
    let cache_key = (a.ttl_s > 0).then(|| format!("{}/{}/{}/{}", stage.api_id, stage.stage, a.id, identity.join("\u{1}")));
    let cached = cache_key.as_ref().and_then(|k| cloud.gateway().runtime.auth_cache.get(k).filter(|(exp, _)| *exp > now).map(|(_, d)| d.clone()));
    let decision = match cached {
        Some(d) => d,
        None => {
            let payload = if a.kind == "TOKEN" {
                json!({ "type": "TOKEN", "authorizationToken": identity.first().cloned().unwrap_or_default(), "methodArn": method_arn }).to_string()
            } else {
                let ids: Vec<&str> = identity.iter().map(String::as_str).collect();
                event::event_v1(info, Some(event::Auth1::Request { method_arn, identity: &ids }))
            };
            let config_error = || gateway_error(500, "AuthorizerConfigurationException", "null").with_body("application/json", "{\"message\":null}");
            let uri = dispatch::substitute_stage_vars(a.authorizer_uri.as_deref().unwrap_or(""), info.stage_vars);
            let (name, qualifier) = lambda_target(&uri).ok_or_else(config_error)?;
            let outcome = dispatch::call_function(cloud, &name, qualifier.as_deref(), payload.as_bytes()).map_err(|_| config_error())?;
            if outcome.function_error.is_some() {
                // A function that fails with "Unauthorized" refuses the caller.
                let message = serde_json::from_slice::<Value>(&outcome.payload).ok().and_then(|v| v.get("errorMessage").and_then(Value::as_str).map(str::to_string));
                return Err(if message.as_deref() == Some("Unauthorized") { unauthorized() } else { config_error() });
            }
            let d = dispatch::authorizer_decision(&outcome.payload, false).ok_or_else(config_error)?;
            if let Some(k) = cache_key {
                cloud.gateway().runtime.auth_cache.insert(k, (now + u64::from(a.ttl_s) * 1000, d.clone()));
            }
            d
        }
    };
    if decision.explicit_deny(method_arn) {
        return Err(rest_forbidden("User is not authorized to access this resource with an explicit deny"));
    }
    if !decision.allows(method_arn) {
        return Err(rest_forbidden("User is not authorized to access this resource"));
    }
    Ok(decision)
}

fn rest_forbidden(message: &str) -> HttpResponse {
    HttpResponse::new(403)
        .with_header("x-amzn-ErrorType", "AccessDeniedException")
        .with_body("application/json", json!({ "Message": message }).to_string())
}

/// A MOCK integration: the request template (for the request's content
/// type, else `application/json`) gives `{"statusCode": N}`; the integration
/// response whose `selectionPattern` matches N (else the default one) gives
/// the status, its template the body, its parameters the headers.
fn mock(i: &RestIntegration, info: &RequestInfo) -> HttpResponse {
    let content_type = info.header("content-type").map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let template = content_type.as_deref().and_then(|c| i.request_templates.get(c)).or_else(|| i.request_templates.get("application/json"));
    let status = template
        .map(|t| render(t, info))
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
        .unwrap_or(200)
        .to_string();
    let chosen = i
        .responses
        .values()
        .find(|r| r.selection_pattern.as_deref().is_some_and(|p| !p.is_empty() && pattern_matches(p, &status)))
        .or_else(|| i.responses.values().find(|r| r.selection_pattern.as_deref().unwrap_or("").is_empty()));
    let Some(r) = chosen else {
        return gateway_error(500, "InternalServerErrorException", "Internal server error");
    };
    let code = r.status_code.parse::<u16>().unwrap_or(200);
    let (ct, body) = match r.response_templates.iter().next() {
        Some((ct, t)) => (ct.clone(), render(t, info)),
        None => ("application/json".to_string(), String::new()),
    };
    let mut response = HttpResponse::new(code).with_body(&ct, body.into_bytes());
    for (target, source) in &r.response_parameters {
        if let Some(header) = target.strip_prefix("method.response.header.") {
            let value = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).map(str::to_string).unwrap_or_else(|| render(&format!("${source}"), info));
            response.headers.push((header.to_string(), value));
        }
    }
    response
}

/// A selection pattern against a status code: `2\d{2}`, `4..`, `500|502`,
/// or the literal code (a small subset of Java regular expressions).
fn pattern_matches(pattern: &str, text: &str) -> bool {
    pattern.split('|').any(|alt| {
        let expanded = alt.replace("\\d{2}", "..").replace("\\d{3}", "...").replace("\\d", ".");
        let expanded = expanded.trim_end_matches(".*").to_string();
        expanded.len() == text.len() && expanded.chars().zip(text.chars()).all(|(p, c)| p == '.' || p == c)
            || (alt.ends_with(".*") && text.starts_with(alt.trim_end_matches(".*")))
    })
}

/// The mapping template language's common variables: `$context.*`,
/// `$stageVariables.*`, `$input.params('x')`, `$input.body`,
/// `$input.json('$')` (a small subset of VTL: no directives).
fn render(template: &str, info: &RequestInfo) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (value, used) = if let Some(r) = after.strip_prefix("input.params('") {
            match r.find("')") {
                Some(end) => {
                    let name = &r[..end];
                    let v = info
                        .path_params
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| v.clone())
                        .or_else(|| info.query_params().into_iter().find(|(k, _)| k == name).map(|(_, v)| v))
                        .or_else(|| info.header(name).map(str::to_string))
                        .unwrap_or_default();
                    (v, "input.params('".len() + end + 2)
                }
                None => ("$".to_string(), 0),
            }
        } else if after.starts_with("input.json('$')") {
            let body = String::from_utf8_lossy(info.body).into_owned();
            (if body.is_empty() { "{}".into() } else { body }, "input.json('$')".len())
        } else if after.starts_with("input.body") {
            (String::from_utf8_lossy(info.body).into_owned(), "input.body".len())
        } else if let Some(r) = after.strip_prefix("stageVariables.") {
            let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len());
            (info.stage_vars.get(&r[..end]).cloned().unwrap_or_default(), "stageVariables.".len() + end)
        } else if let Some(r) = after.strip_prefix("context.") {
            let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(r.len());
            let name = r[..end].trim_end_matches('.');
            let v = match name {
                "requestId" => info.request_id.to_string(),
                "stage" => info.stage.to_string(),
                "httpMethod" => info.method.to_string(),
                "resourcePath" => info.resource_path.to_string(),
                "resourceId" => info.resource_id.to_string(),
                "apiId" => info.api_id.to_string(),
                "accountId" => ACCOUNT_ID.to_string(),
                "identity.sourceIp" => info.source_ip.to_string(),
                "requestTimeEpoch" => info.time_ms.to_string(),
                _ => String::new(),
            };
            (v, "context.".len() + name.len())
        } else {
            ("$".to_string(), 0)
        };
        out.push_str(&value);
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_patterns() {
        assert!(pattern_matches("2\\d{2}", "200"));
        assert!(!pattern_matches("2\\d{2}", "404"));
        assert!(pattern_matches("4..|500", "500"));
        assert!(pattern_matches("404", "404"));
        assert!(pattern_matches("5.*", "503"));
    }

    #[test]
    fn quota_periods() {
        // 2023-11-14 (a Tuesday) 22:13:20 UTC.
        let now = 1_700_000_000_000;
        assert_eq!(period_start("DAY", now), 1_699_920_000_000);
        assert_eq!(period_start("WEEK", now), 1_699_920_000_000 - 86_400_000);
        assert_eq!(period_start("MONTH", now), 1_698_796_800_000);
    }
}
