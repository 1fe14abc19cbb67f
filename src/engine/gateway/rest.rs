//! REST APIs (v1): resources, methods, integrations, deployments, stages,
//! API keys and usage plans (`_aws/apigateway/restapis...`).

use super::dispatch::Bucket;
use super::{ApiError, ApiResult, Gateway};
use crate::engine::cloud::Cloud;
use crate::engine::http::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePlan {
    pub id: String,
}

pub struct RestStage {}

#[derive(Debug, Clone)]
pub struct Usage {
    pub bucket: Option<Bucket>,
}

pub fn handle(_gw: &mut Gateway, rest: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    Err(ApiError { status: 404, kind: "UnknownOperationException", message: format!("Unknown operation: {} /{rest}", request.method) })
}

pub fn dispatch(_cloud: &Cloud, _api_id: &str, _rest: &str, _request: &HttpRequest) -> HttpResponse {
    crate::engine::protocol::gateway_message(403, "Forbidden")
}
