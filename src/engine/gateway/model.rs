//! An HTTP API (v2) and its parts, as stored, and their JSON as the
//! management API answers it (camelCase members, ISO 8601 times).

use super::iso_time;
use crate::engine::{ACCOUNT_ID, REGION};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A CORS configuration (the wire form and the stored form are the same).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cors {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_credentials: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_headers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_methods: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allow_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expose_headers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_age: Option<i64>,
}

/// Throttling and logging settings of a stage or of one route in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteSettings {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub data_trace_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detailed_metrics_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logging_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub throttling_burst_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub throttling_rate_limit: Option<f64>,
}

impl RouteSettings {
    /// Applies the members present in `patch`.
    pub fn merge(&mut self, patch: RouteSettings) {
        if patch.data_trace_enabled.is_some() {
            self.data_trace_enabled = patch.data_trace_enabled;
        }
        if patch.detailed_metrics_enabled.is_some() {
            self.detailed_metrics_enabled = patch.detailed_metrics_enabled;
        }
        if patch.logging_level.is_some() {
            self.logging_level = patch.logging_level;
        }
        if patch.throttling_burst_limit.is_some() {
            self.throttling_burst_limit = patch.throttling_burst_limit;
        }
        if patch.throttling_rate_limit.is_some() {
            self.throttling_rate_limit = patch.throttling_rate_limit;
        }
    }
}

/// Where a stage writes its access logs, and in what format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub destination_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub route_id: String,
    pub route_key: String,
    pub target: Option<String>,
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    pub api_key_required: bool,
    pub operation_name: Option<String>,
    #[serde(default)]
    pub request_parameters: Map<String, Value>,
    pub managed: bool,
}

impl Route {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "apiKeyRequired": self.api_key_required,
            "authorizationType": self.authorization_type,
            "routeId": self.route_id,
            "routeKey": self.route_key,
        });
        if self.managed {
            out["apiGatewayManaged"] = json!(true);
        }
        if let Some(t) = &self.target {
            out["target"] = json!(t);
        }
        if let Some(a) = &self.authorizer_id {
            out["authorizerId"] = json!(a);
        }
        if !self.authorization_scopes.is_empty() {
            out["authorizationScopes"] = json!(self.authorization_scopes);
        }
        if let Some(o) = &self.operation_name {
            out["operationName"] = json!(o);
        }
        if !self.request_parameters.is_empty() {
            out["requestParameters"] = Value::Object(self.request_parameters.clone());
        }
        out
    }

    /// The integration id the route's target names (`integrations/<id>`).
    pub fn integration_id(&self) -> Option<&str> {
        self.target.as_deref().and_then(|t| t.strip_prefix("integrations/"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    pub integration_id: String,
    pub integration_type: String,
    pub integration_uri: Option<String>,
    pub integration_method: Option<String>,
    pub integration_subtype: Option<String>,
    pub payload_format_version: String,
    pub timeout_ms: u32,
    pub description: Option<String>,
    pub connection_type: String,
    pub credentials_arn: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_parameters: Map<String, Value>,
    pub managed: bool,
}

impl Integration {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "connectionType": self.connection_type,
            "integrationId": self.integration_id,
            "integrationType": self.integration_type,
            "payloadFormatVersion": self.payload_format_version,
            "timeoutInMillis": self.timeout_ms,
        });
        if self.managed {
            out["apiGatewayManaged"] = json!(true);
        }
        for (name, value) in [
            ("integrationUri", &self.integration_uri),
            ("integrationMethod", &self.integration_method),
            ("integrationSubtype", &self.integration_subtype),
            ("description", &self.description),
            ("credentialsArn", &self.credentials_arn),
        ] {
            if let Some(v) = value {
                out[name] = json!(v);
            }
        }
        if !self.request_parameters.is_empty() {
            out["requestParameters"] = json!(self.request_parameters);
        }
        if !self.response_parameters.is_empty() {
            out["responseParameters"] = Value::Object(self.response_parameters.clone());
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub authorizer_id: String,
    pub name: String,
    /// `REQUEST` (a Lambda function) or `JWT`.
    pub authorizer_type: String,
    pub authorizer_uri: Option<String>,
    #[serde(default)]
    pub identity_source: Vec<String>,
    pub payload_format_version: Option<String>,
    pub enable_simple_responses: bool,
    pub result_ttl_s: u32,
    pub credentials_arn: Option<String>,
    pub jwt_configuration: Option<Value>,
}

impl Authorizer {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "authorizerId": self.authorizer_id,
            "authorizerType": self.authorizer_type,
            "identitySource": self.identity_source,
            "name": self.name,
        });
        if self.authorizer_type == "REQUEST" {
            out["authorizerResultTtlInSeconds"] = json!(self.result_ttl_s);
            out["enableSimpleResponses"] = json!(self.enable_simple_responses);
        }
        for (name, value) in [
            ("authorizerUri", &self.authorizer_uri),
            ("authorizerPayloadFormatVersion", &self.payload_format_version),
            ("authorizerCredentialsArn", &self.credentials_arn),
        ] {
            if let Some(v) = value {
                out[name] = json!(v);
            }
        }
        if let Some(j) = &self.jwt_configuration {
            out["jwtConfiguration"] = j.clone();
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub stage_name: String,
    pub description: Option<String>,
    pub deployment_id: Option<String>,
    pub auto_deploy: bool,
    #[serde(default)]
    pub stage_variables: BTreeMap<String, String>,
    #[serde(default)]
    pub default_route_settings: RouteSettings,
    #[serde(default)]
    pub route_settings: BTreeMap<String, RouteSettings>,
    pub access_log_settings: Option<AccessLogSettings>,
    pub created_ms: u64,
    pub updated_ms: u64,
    pub managed: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub last_deployment_status_message: Option<String>,
}

impl Stage {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "autoDeploy": self.auto_deploy,
            "createdDate": iso_time(self.created_ms),
            "defaultRouteSettings": self.default_route_settings,
            "lastUpdatedDate": iso_time(self.updated_ms),
            "routeSettings": self.route_settings,
            "stageName": self.stage_name,
            "stageVariables": self.stage_variables,
            "tags": self.tags,
        });
        if self.managed {
            out["apiGatewayManaged"] = json!(true);
        }
        if let Some(d) = &self.deployment_id {
            out["deploymentId"] = json!(d);
        }
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        if let Some(a) = &self.access_log_settings {
            out["accessLogSettings"] = json!(a);
        }
        if let Some(m) = &self.last_deployment_status_message {
            out["lastDeploymentStatusMessage"] = json!(m);
        }
        out
    }
}

/// What a deployment froze: the routes, integrations and authorizers the
/// API had when it was deployed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub routes: Vec<Route>,
    pub integrations: Vec<Integration>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub deployment_id: String,
    pub description: Option<String>,
    pub created_ms: u64,
    pub auto_deployed: bool,
    pub snapshot: Snapshot,
}

impl Deployment {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "autoDeployed": self.auto_deployed,
            "createdDate": iso_time(self.created_ms),
            "deploymentId": self.deployment_id,
            "deploymentStatus": "DEPLOYED",
        });
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        out
    }
}

/// An HTTP API with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpApi {
    pub api_id: String,
    pub name: String,
    pub protocol_type: String,
    pub description: Option<String>,
    pub version: Option<String>,
    pub created_ms: u64,
    pub cors: Option<Cors>,
    pub disable_execute_api_endpoint: bool,
    pub disable_schema_validation: bool,
    pub route_selection_expression: String,
    pub api_key_selection_expression: String,
    pub ip_address_type: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    #[serde(default)]
    pub integrations: BTreeMap<String, Integration>,
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    #[serde(default)]
    pub stages: BTreeMap<String, Stage>,
    #[serde(default)]
    pub deployments: BTreeMap<String, Deployment>,
}

impl HttpApi {
    pub fn to_json(&self, endpoint: &str) -> Value {
        let mut out = json!({
            "apiEndpoint": endpoint,
            "apiId": self.api_id,
            "apiKeySelectionExpression": self.api_key_selection_expression,
            "createdDate": iso_time(self.created_ms),
            "disableExecuteApiEndpoint": self.disable_execute_api_endpoint,
            "disableSchemaValidation": self.disable_schema_validation,
            "ipAddressType": self.ip_address_type,
            "name": self.name,
            "protocolType": self.protocol_type,
            "routeSelectionExpression": self.route_selection_expression,
            "tags": self.tags,
        });
        if let Some(c) = &self.cors {
            out["corsConfiguration"] = json!(c);
        }
        if let Some(d) = &self.description {
            out["description"] = json!(d);
        }
        if let Some(v) = &self.version {
            out["version"] = json!(v);
        }
        out
    }

    /// What a deployment made now would freeze.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            routes: self.routes.values().cloned().collect(),
            integrations: self.integrations.values().cloned().collect(),
            authorizers: self.authorizers.values().cloned().collect(),
        }
    }

    pub fn arn(&self) -> String {
        api_arn(&self.api_id)
    }
}

/// `arn:aws:apigateway:us-east-1::/apis/<id>`, the ARN tags are put on.
pub fn api_arn(api_id: &str) -> String {
    format!("arn:aws:apigateway:{REGION}::/apis/{api_id}")
}

/// `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>`,
/// the ARN of a route as authorizers see it.
pub fn execute_arn(api_id: &str, stage: &str, method: &str, path: &str) -> String {
    format!("arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{stage}/{method}{path}")
}
