//! OpenAPI 3 for HTTP APIs: `ExportApi` (`GET /v2/apis/{apiId}/exports/OAS30`),
//! `ImportApi` (`PUT /v2/apis`) and `ReimportApi` (`PUT /v2/apis/{apiId}`),
//! with API Gateway's extensions: `x-amazon-apigateway-integration`
//! (`aws_proxy`, `http_proxy`), `x-amazon-apigateway-any-method`,
//! `x-amazon-apigateway-cors`, `x-amazon-apigateway-authorizer` (request and
//! jwt) in `components.securitySchemes`, `x-amazon-apigateway-importexport-version`,
//! and the `$default` route.
//!
//! An import turns the document into the management calls a person would
//! make (CreateApi, CreateAuthorizer, CreateIntegration, CreateRoute) and
//! runs them through [`v2::handle`], so every check those calls make applies;
//! an error says where in the document it came from and leaves no trace
//! (the new API is removed, a reimported one restored). What the import
//! skips is said in `warnings` (with `failOnWarnings=true`, an error).
//! Documents are JSON or YAML ([`yaml_rust2`]).

use super::model::{Authorizer, HttpApi, Integration, Route};
use super::routes::{parse_route_key, RouteKey, Segment};
use super::v2;
use super::wire::{body, ok, req_str};
use super::{ApiError, ApiResult, Gateway};
use crate::engine::http::{percent_decode, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

/// Extensions an HTTP API import does not support (REST API features):
/// they are skipped with a warning.
const REST_ONLY: [&str; 12] = [
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-policy",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-api-key-required",
    "x-amazon-apigateway-auth",
    "x-amazon-apigateway-security-policy",
];

const OPERATIONS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"];

// ---------------------------------------------------------------- documents

/// Reads an OpenAPI document written as JSON or YAML.
pub fn parse_document(text: &str) -> Result<Value, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("The OpenAPI definition is empty".to_string());
    }
    if trimmed.starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("The OpenAPI definition is not valid JSON: {e}"));
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("The OpenAPI definition is not valid JSON or YAML: {e}"))?;
    let doc = docs.into_iter().next().ok_or_else(|| "The OpenAPI definition is empty".to_string())?;
    yaml_to_json(doc, "")
}

fn yaml_to_json(y: yaml_rust2::Yaml, at: &str) -> Result<Value, String> {
    use yaml_rust2::Yaml;
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => json!(i),
        Yaml::Real(r) => match r.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(r),
        },
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(yaml_to_json(item, &format!("{at}[{i}]"))?);
            }
            Value::Array(out)
        }
        Yaml::Hash(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Null => "null".to_string(),
                    _ => return Err(format!("The OpenAPI definition has a mapping key that is not a scalar at '{at}'")),
                };
                let value = yaml_to_json(v, &format!("{at}{}{key}", if at.is_empty() { "" } else { "." }))?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err(format!("The OpenAPI definition has a value YAML cannot resolve at '{at}'")),
    })
}

/// Writes a JSON value as a YAML document (top-level members in [`TOP_ORDER`]).
pub fn to_yaml(v: &Value) -> String {
    fn conv(v: &Value) -> yaml_rust2::Yaml {
        use yaml_rust2::Yaml;
        match v {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Boolean(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Integer(i),
                None => Yaml::Real(n.to_string()),
            },
            Value::String(s) => Yaml::String(s.clone()),
            Value::Array(a) => Yaml::Array(a.iter().map(conv).collect()),
            Value::Object(m) => Yaml::Hash(m.iter().map(|(k, v)| (Yaml::String(k.clone()), conv(v))).collect()),
        }
    }
    let top = match v {
        Value::Object(_) => yaml_rust2::Yaml::Hash(ordered(v).into_iter().map(|(k, v)| (yaml_rust2::Yaml::String(k.clone()), conv(v))).collect()),
        other => conv(other),
    };
    let mut out = String::new();
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut out);
    emitter.multiline_strings(true);
    // Writing to a String cannot fail.
    let _ = emitter.dump(&top);
    out.push('\n');
    out
}

// ---------------------------------------------------------------- export

/// `GET /v2/apis/{apiId}/exports/{specification}`.
pub fn export(gw: &Gateway, api_id: &str, specification: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let api = gw.apis.get(api_id).ok_or_else(|| v2::api_not_found(api_id))?;
    if specification != "OAS30" {
        return Err(ApiError::bad_request(format!("Invalid specification '{specification}': the only supported specification is OAS30")));
    }
    let output = request.query_param("outputType").ok_or_else(|| ApiError::bad_request("outputType is required: JSON or YAML"))?;
    if !matches!(output.as_str(), "JSON" | "YAML") {
        return Err(ApiError::bad_request(format!("Invalid outputType '{output}': must be JSON or YAML")));
    }
    if let Some(v) = request.query_param("exportVersion").filter(|v| v != "1.0") {
        return Err(ApiError::bad_request(format!("Invalid exportVersion '{v}': the only supported version is 1.0")));
    }
    let extensions = match request.query_param("includeExtensions").as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => return Err(ApiError::bad_request(format!("Invalid includeExtensions '{other}': must be true or false"))),
    };
    let mut doc = match request.query_param("stageName") {
        None => document(api, &api.routes.values().collect::<Vec<_>>(), &api.integrations.values().collect::<Vec<_>>(), &api.authorizers.values().collect::<Vec<_>>(), &gw.endpoint(api_id), None),
        Some(name) => {
            let name = percent_decode(&name, false);
            let stage = api.stages.get(&name).ok_or_else(|| ApiError::not_found(format!("Invalid stage identifier specified {name}")))?;
            let d = stage
                .deployment_id
                .as_ref()
                .and_then(|d| api.deployments.get(d))
                .ok_or_else(|| ApiError::bad_request(format!("Stage {name} has no deployment to export: deploy the API to it first")))?;
            let s = &d.snapshot;
            document(api, &s.routes.iter().collect::<Vec<_>>(), &s.integrations.iter().collect::<Vec<_>>(), &s.authorizers.iter().collect::<Vec<_>>(), &gw.endpoint(api_id), Some(&name))
        }
    };
    if !extensions {
        strip_extensions(&mut doc);
    }
    Ok(if output == "YAML" {
        HttpResponse::new(200).with_body("application/yaml", to_yaml(&doc))
    } else {
        HttpResponse::new(200).with_body("application/json", to_json_text(&doc))
    })
}

/// The order a document's top-level members are written in (as API
/// Gateway writes them: `openapi` first, extensions last).
const TOP_ORDER: [&str; 12] = ["openapi", "swagger", "info", "host", "basePath", "schemes", "servers", "tags", "paths", "securityDefinitions", "components", "security"];

fn top_rank(key: &str) -> usize {
    TOP_ORDER.iter().position(|k| *k == key).unwrap_or(TOP_ORDER.len())
}

/// A document's members in [`TOP_ORDER`], the rest after them by name.
fn ordered(doc: &Value) -> Vec<(&String, &Value)> {
    let mut members: Vec<(&String, &Value)> = doc.as_object().map(|m| m.iter().collect()).unwrap_or_default();
    members.sort_by_key(|(k, _)| (top_rank(k), (*k).clone()));
    members
}

/// Pretty JSON with the top-level members in [`TOP_ORDER`].
pub fn to_json_text(doc: &Value) -> String {
    struct Ordered<'a>(Vec<(&'a String, &'a Value)>);
    impl serde::Serialize for Ordered<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }
    serde_json::to_string_pretty(&Ordered(ordered(doc))).unwrap_or_default()
}

/// Removes every `x-amazon-apigateway-*` member but the operations of
/// `ANY` routes (`x-amazon-apigateway-any-method`): they are routes, not
/// settings, and a document without them would lose them.
pub fn strip_extensions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with("x-amazon-apigateway") || k == "x-amazon-apigateway-any-method");
            m.values_mut().for_each(strip_extensions);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_extensions),
        _ => {}
    }
}

/// The OpenAPI 3 document of an API's routes, integrations and authorizers.
pub fn document(api: &HttpApi, routes: &[&Route], integrations: &[&Integration], authorizers: &[&Authorizer], endpoint: &str, stage: Option<&str>) -> Value {
    let version = api.version.clone().unwrap_or_else(|| {
        let t = super::iso_time(api.created_ms);
        format!("{} {}UTC", &t[..10], &t[11..19])
    });
    let mut info = json!({ "title": api.name, "version": version });
    if let Some(d) = &api.description {
        info["description"] = json!(d);
    }
    let base = stage.filter(|s| *s != "$default").unwrap_or("");
    let mut doc = json!({
        "openapi": "3.0.1",
        "info": info,
        "servers": [{ "url": format!("{endpoint}/{{basePath}}"), "variables": { "basePath": { "default": base } } }],
    });
    if !api.tags.is_empty() {
        doc["tags"] = api.tags.iter().map(|(k, v)| json!({ "name": k, "x-amazon-apigateway-tag-value": v })).collect();
    }
    let mut routes: Vec<&&Route> = routes.iter().collect();
    routes.sort_by(|a, b| a.route_key.cmp(&b.route_key));
    let mut paths = Map::new();
    let mut schemes = Map::new();
    for r in routes {
        let (path, method, segments) = match parse_route_key(&r.route_key) {
            Ok(RouteKey::Path { method, segments }) => {
                let path = r.route_key.split_once(' ').map(|(_, p)| p.to_string()).unwrap_or_default();
                let m = if method == "ANY" { "x-amazon-apigateway-any-method".to_string() } else { method.to_ascii_lowercase() };
                (path, m, segments)
            }
            _ => ("$default".to_string(), "x-amazon-apigateway-any-method".to_string(), Vec::new()),
        };
        let mut op = Map::new();
        if let Some(o) = &r.operation_name {
            op.insert("operationId".into(), json!(o));
        }
        op.insert("responses".into(), json!({ "default": { "description": format!("Default response for {}", r.route_key) } }));
        let params: Vec<Value> = segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(n) => Some(n.clone()),
                Segment::Greedy(n) => Some(format!("{n}+")),
                Segment::Literal(_) => None,
            })
            .map(|n| json!({ "name": n, "in": "path", "description": "Generated path parameter", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        match r.authorization_type.as_str() {
            "AWS_IAM" => {
                op.insert("security".into(), json!([{ "sigv4": [] }]));
                schemes.insert("sigv4".into(), json!({ "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4" }));
            }
            "CUSTOM" | "JWT" => {
                if let Some(a) = r.authorizer_id.as_ref().and_then(|id| authorizers.iter().find(|a| &a.authorizer_id == id)) {
                    op.insert("security".into(), json!([{ a.name.clone(): r.authorization_scopes }]));
                    schemes.insert(a.name.clone(), security_scheme(a));
                }
            }
            _ => {}
        }
        if r.route_key == "$default" {
            op.insert("isDefaultRoute".into(), json!(true));
        }
        if let Some(i) = r.integration_id().and_then(|id| integrations.iter().find(|i| i.integration_id == id)) {
            op.insert("x-amazon-apigateway-integration".into(), integration_extension(i));
        }
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method.as_str()] = Value::Object(op);
    }
    doc["paths"] = Value::Object(paths);
    if !schemes.is_empty() {
        doc["components"] = json!({ "securitySchemes": schemes });
    }
    if let Some(c) = &api.cors {
        doc["x-amazon-apigateway-cors"] = json!(c);
    }
    doc["x-amazon-apigateway-importexport-version"] = json!("1.0");
    doc
}

fn integration_extension(i: &Integration) -> Value {
    let mut x = json!({
        "type": i.integration_type.to_ascii_lowercase(),
        "connectionType": i.connection_type,
        "payloadFormatVersion": i.payload_format_version,
        "timeoutInMillis": i.timeout_ms,
    });
    for (name, value) in [("uri", &i.integration_uri), ("httpMethod", &i.integration_method), ("credentials", &i.credentials_arn), ("description", &i.description)] {
        if let Some(v) = value {
            x[name] = json!(v);
        }
    }
    if !i.request_parameters.is_empty() {
        x["requestParameters"] = json!(i.request_parameters);
    }
    if !i.response_parameters.is_empty() {
        x["responseParameters"] = Value::Object(i.response_parameters.clone());
    }
    x
}

fn security_scheme(a: &Authorizer) -> Value {
    let mut x = json!({ "type": a.authorizer_type.to_ascii_lowercase() });
    if !a.identity_source.is_empty() {
        x["identitySource"] = json!(a.identity_source.join(", "));
    }
    for (name, value) in [("authorizerUri", &a.authorizer_uri), ("authorizerPayloadFormatVersion", &a.payload_format_version), ("authorizerCredentials", &a.credentials_arn)] {
        if let Some(v) = value {
            x[name] = json!(v);
        }
    }
    if a.authorizer_type == "REQUEST" {
        x["authorizerResultTtlInSeconds"] = json!(a.result_ttl_s);
        x["enableSimpleResponses"] = json!(a.enable_simple_responses);
    }
    if let Some(j) = &a.jwt_configuration {
        x["jwtConfiguration"] = j.clone();
    }
    if a.authorizer_type == "JWT" {
        return json!({ "type": "oauth2", "flows": {}, "x-amazon-apigateway-authorizer": x });
    }
    // An apiKey scheme names where the caller's identity goes.
    let (place, name) = a
        .identity_source
        .first()
        .and_then(|s| v2::identity_source_ok(s))
        .map(|(prefix, name)| (if prefix == "$request.querystring." { "query" } else { "header" }, name.to_string()))
        .unwrap_or(("header", "Unused".to_string()));
    json!({ "type": "apiKey", "name": name, "in": place, "x-amazon-apigateway-authorizer": x })
}

// ---------------------------------------------------------------- import

/// What a document asks for, as management call bodies.
struct Plan {
    api: Map<String, Value>,
    /// (scheme name, CreateAuthorizer body, where).
    authorizers: Vec<(String, Map<String, Value>, String)>,
    /// (CreateIntegration body, where it was first given).
    integrations: Vec<(Map<String, Value>, String)>,
    routes: Vec<PlannedRoute>,
    warnings: Vec<String>,
}

struct PlannedRoute {
    at: String,
    body: Map<String, Value>,
    integration: Option<usize>,
    authorizer: Option<String>,
}

/// Where the caller's identity comes from, per security scheme name.
enum Scheme {
    Authorizer(&'static str),
    Iam,
}

fn invalid(at: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Invalid OpenAPI definition at {at}: {message}"))
}

fn plan(doc: &Value, basepath: &str) -> ApiResult<Plan> {
    let root = doc.as_object().ok_or_else(|| ApiError::bad_request("Invalid OpenAPI definition: the document is not an object"))?;
    let mut warnings = Vec::new();
    let swagger = match (root.get("openapi"), root.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.") => false,
        (_, Some(Value::String(v))) if v == "2.0" => true,
        (Some(v), _) | (_, Some(v)) => return Err(invalid("openapi", format!("unsupported version {v}: API Gateway imports OpenAPI 3.0 and Swagger 2.0"))),
        (None, None) => return Err(ApiError::bad_request("Invalid OpenAPI definition: it has no 'openapi' (or 'swagger') version member")),
    };
    if let Some(v) = root.get("x-amazon-apigateway-importexport-version") {
        if v.as_str() != Some("1.0") {
            return Err(invalid("x-amazon-apigateway-importexport-version", format!("unsupported version {v}: the only supported version is 1.0")));
        }
    }
    let info = root.get("info").and_then(Value::as_object);
    let title = info.and_then(|i| i.get("title")).and_then(Value::as_str).filter(|t| !t.is_empty());
    let title = title.ok_or_else(|| invalid("info.title", "the title is required: it names the API"))?;
    let mut api = Map::new();
    api.insert("name".into(), json!(title));
    api.insert("protocolType".into(), json!("HTTP"));
    for (from, to) in [("description", "description"), ("version", "version")] {
        if let Some(v) = info.and_then(|i| i.get(from)) {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(invalid(&format!("info.{from}"), "expected a string")),
            };
            api.insert(to.into(), json!(text));
        }
    }
    if let Some(c) = root.get("x-amazon-apigateway-cors") {
        api.insert("corsConfiguration".into(), c.clone());
    }
    let mut tags = Map::new();
    for t in root.get("tags").and_then(Value::as_array).into_iter().flatten() {
        if let (Some(n), Some(v)) = (t.get("name").and_then(Value::as_str), t.get("x-amazon-apigateway-tag-value").and_then(Value::as_str)) {
            tags.insert(n.into(), json!(v));
        }
    }
    if !tags.is_empty() {
        api.insert("tags".into(), Value::Object(tags));
    }
    for key in root.keys().filter(|k| REST_ONLY.contains(&k.as_str())) {
        warnings.push(format!("{key} is not supported by HTTP APIs and was ignored"));
    }

    // Security schemes with authorizers.
    let (schemes_at, schemes) = if swagger { ("securityDefinitions", root.get("securityDefinitions")) } else { ("components.securitySchemes", root.get("components").and_then(|c| c.get("securitySchemes"))) };
    let mut known: Vec<(String, Scheme)> = Vec::new();
    let mut authorizers = Vec::new();
    for (name, s) in schemes.and_then(Value::as_object).into_iter().flatten() {
        let at = format!("{schemes_at}.{name}");
        if s.get("x-amazon-apigateway-authtype").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
            known.push((name.clone(), Scheme::Iam));
            continue;
        }
        let Some(x) = s.get("x-amazon-apigateway-authorizer") else {
            warnings.push(format!("{at} has no x-amazon-apigateway-authorizer and was ignored"));
            continue;
        };
        let x = x.as_object().ok_or_else(|| invalid(&at, "x-amazon-apigateway-authorizer is not an object"))?;
        let kind = match x.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("request") => "REQUEST",
            Some("jwt") => "JWT",
            Some(other) => return Err(invalid(&at, format!("unsupported authorizer type '{other}': HTTP APIs support request and jwt"))),
            None => return Err(invalid(&at, "the authorizer has no type: request or jwt")),
        };
        let mut b = Map::new();
        b.insert("name".into(), json!(name));
        b.insert("authorizerType".into(), json!(kind));
        let sources: Vec<String> = match x.get("identitySource") {
            None | Some(Value::Null) if kind == "JWT" => vec!["$request.header.Authorization".to_string()],
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(_) => return Err(invalid(&at, "identitySource must be a comma-separated string")),
        };
        b.insert("identitySource".into(), json!(sources));
        for (from, to) in [
            ("authorizerUri", "authorizerUri"),
            ("authorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
            ("enableSimpleResponses", "enableSimpleResponses"),
            ("authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
            ("authorizerCredentials", "authorizerCredentialsArn"),
            ("jwtConfiguration", "jwtConfiguration"),
        ] {
            if let Some(v) = x.get(from) {
                b.insert(to.into(), v.clone());
            }
        }
        for k in x.keys().filter(|k| !matches!(k.as_str(), "type" | "identitySource" | "authorizerUri" | "authorizerPayloadFormatVersion" | "enableSimpleResponses" | "authorizerResultTtlInSeconds" | "authorizerCredentials" | "jwtConfiguration")) {
            warnings.push(format!("{at}.x-amazon-apigateway-authorizer.{k} is not supported by HTTP APIs and was ignored"));
        }
        known.push((name.clone(), Scheme::Authorizer(kind)));
        authorizers.push((name.clone(), b, at));
    }
    let default_security = root.get("security");

    // The base path.
    let base = base_path(root, swagger);
    let prefix = match basepath {
        "ignore" => String::new(),
        "prepend" => base,
        "split" => base.trim_start_matches('/').split_once('/').map(|(_, rest)| format!("/{rest}")).unwrap_or_default(),
        other => return Err(ApiError::bad_request(format!("Invalid basepath '{other}': must be ignore, prepend or split"))),
    };

    // Paths and their operations.
    let paths = match root.get("paths") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err(invalid("paths", "expected an object of paths")),
    };
    let mut integrations: Vec<(Map<String, Value>, String)> = Vec::new();
    let mut routes = Vec::new();
    for (path, item) in &paths {
        let item = item.as_object().ok_or_else(|| invalid(&format!("paths.{path}"), "a path item must be an object"))?;
        for key in item.keys() {
            if !OPERATIONS.contains(&key.as_str()) && !matches!(key.as_str(), "parameters" | "summary" | "description" | "servers") {
                let what = if key == "trace" { "HTTP APIs do not support the TRACE method" } else { "it is not an operation HTTP APIs import" };
                warnings.push(format!("paths.{path}.{key} was ignored: {what}"));
            }
        }
        for method in OPERATIONS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("paths.{path}.{method}");
            let op = op.as_object().ok_or_else(|| invalid(&at, "an operation must be an object"))?;
            let default_route = path == "$default" || op.get("isDefaultRoute").and_then(Value::as_bool) == Some(true);
            let key = if default_route {
                if method != "x-amazon-apigateway-any-method" {
                    return Err(invalid(&at, "the $default route takes any method: use x-amazon-apigateway-any-method"));
                }
                "$default".to_string()
            } else {
                let m = if method == "x-amazon-apigateway-any-method" { "ANY".to_string() } else { method.to_ascii_uppercase() };
                let p = format!("{prefix}{path}");
                format!("{m} {}", if p.len() > 1 { p.trim_end_matches('/') } else { &p })
            };
            let mut b = Map::new();
            b.insert("routeKey".into(), json!(key));
            if let Some(o) = op.get("operationId").and_then(Value::as_str) {
                b.insert("operationName".into(), json!(o));
            }
            // Authorization: the operation's security, else the document's.
            let mut authorizer = None;
            match op.get("security").or(default_security) {
                None | Some(Value::Null) => {}
                Some(Value::Array(reqs)) => {
                    let mut chosen = false;
                    for req in reqs {
                        let req = req.as_object().ok_or_else(|| invalid(&format!("{at}.security"), "a security requirement must be an object"))?;
                        for (name, scopes) in req {
                            let scheme = known.iter().find(|(n, _)| n == name).map(|(_, s)| s);
                            let scheme = match scheme {
                                Some(s) => s,
                                None if schemes.and_then(|s| s.get(name)).is_some() => continue,
                                None => return Err(invalid(&format!("{at}.security"), format!("the security scheme '{name}' is not defined in {schemes_at}"))),
                            };
                            if chosen {
                                warnings.push(format!("{at}.security: only the first security requirement is used; '{name}' was ignored"));
                                continue;
                            }
                            chosen = true;
                            match scheme {
                                Scheme::Iam => {
                                    b.insert("authorizationType".into(), json!("AWS_IAM"));
                                }
                                Scheme::Authorizer(kind) => {
                                    b.insert("authorizationType".into(), json!(if *kind == "JWT" { "JWT" } else { "CUSTOM" }));
                                    if let Some(s) = scopes.as_array().filter(|s| !s.is_empty()) {
                                        b.insert("authorizationScopes".into(), Value::Array(s.clone()));
                                    }
                                    authorizer = Some(name.clone());
                                }
                            }
                        }
                    }
                }
                Some(_) => return Err(invalid(&format!("{at}.security"), "expected a list of security requirements")),
            }
            // The integration, shared by operations that give the same one.
            let mut integration = None;
            if let Some(x) = op.get("x-amazon-apigateway-integration") {
                let x = resolve(doc, x, &format!("{at}.x-amazon-apigateway-integration"))?;
                let ib = integration_body(x, &format!("{at}.x-amazon-apigateway-integration"), &mut warnings)?;
                integration = Some(match integrations.iter().position(|(b, _)| *b == ib) {
                    Some(i) => i,
                    None => {
                        integrations.push((ib, at.clone()));
                        integrations.len() - 1
                    }
                });
            }
            for k in op.keys().filter(|k| k.starts_with("x-amazon-apigateway") && k.as_str() != "x-amazon-apigateway-integration") {
                warnings.push(format!("{at}.{k} is not supported by HTTP APIs and was ignored"));
            }
            routes.push(PlannedRoute { at, body: b, integration, authorizer });
        }
    }
    Ok(Plan { api, authorizers, integrations, routes, warnings })
}

/// Follows a local `$ref` (`#/components/x-amazon-apigateway-integrations/x`).
fn resolve<'a>(doc: &'a Value, v: &'a Value, at: &str) -> ApiResult<&'a Value> {
    match v.get("$ref").and_then(Value::as_str) {
        None => Ok(v),
        Some(r) => r.strip_prefix('#').and_then(|p| doc.pointer(p)).ok_or_else(|| invalid(at, format!("the reference '{r}' does not name anything in this document"))),
    }
}

fn integration_body(x: &Value, at: &str, warnings: &mut Vec<String>) -> ApiResult<Map<String, Value>> {
    let x = x.as_object().ok_or_else(|| invalid(at, "the integration is not an object"))?;
    let kind = x.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase);
    let kind = match kind.as_deref() {
        Some("aws_proxy") => "AWS_PROXY",
        Some("http_proxy") => "HTTP_PROXY",
        Some(other) => return Err(invalid(at, format!("unsupported integration type '{other}': HTTP APIs support aws_proxy and http_proxy"))),
        None => return Err(invalid(at, "the integration has no type: aws_proxy or http_proxy")),
    };
    let mut b = Map::new();
    b.insert("integrationType".into(), json!(kind));
    for (from, to) in [
        ("uri", "integrationUri"),
        ("httpMethod", "integrationMethod"),
        ("payloadFormatVersion", "payloadFormatVersion"),
        ("connectionType", "connectionType"),
        ("timeoutInMillis", "timeoutInMillis"),
        ("credentials", "credentialsArn"),
        ("description", "description"),
        ("requestParameters", "requestParameters"),
        ("responseParameters", "responseParameters"),
        ("integrationSubtype", "integrationSubtype"),
    ] {
        if let Some(v) = x.get(from).filter(|v| !v.is_null()) {
            b.insert(to.into(), v.clone());
        }
    }
    // HTTP_PROXY integrations pass the route's method on unless told otherwise.
    if kind == "HTTP_PROXY" && !b.contains_key("integrationMethod") {
        b.insert("integrationMethod".into(), json!("ANY"));
    }
    let known = ["type", "uri", "httpMethod", "payloadFormatVersion", "connectionType", "timeoutInMillis", "credentials", "description", "requestParameters", "responseParameters", "integrationSubtype"];
    for k in x.keys().filter(|k| !known.contains(&k.as_str())) {
        warnings.push(format!("{at}.{k} is not supported by HTTP APIs and was ignored"));
    }
    Ok(b)
}

/// The path of `servers[0].url` (variables at their defaults), or Swagger's `basePath`.
fn base_path(root: &Map<String, Value>, swagger: bool) -> String {
    let raw = if swagger {
        root.get("basePath").and_then(Value::as_str).unwrap_or("").to_string()
    } else {
        let Some(server) = root.get("servers").and_then(|s| s.get(0)) else { return String::new() };
        let mut url = server.get("url").and_then(Value::as_str).unwrap_or("").to_string();
        for (name, var) in server.get("variables").and_then(Value::as_object).into_iter().flatten() {
            url = url.replace(&format!("{{{name}}}"), var.get("default").and_then(Value::as_str).unwrap_or(""));
        }
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_string()).unwrap_or_default(),
            None => url,
        };
        // A Stratus invoke URL (`.../_api/<apiId>/...`): its own prefix is not a base path.
        match path.find("/_api/") {
            Some(i) => {
                let after = &path[i + "/_api/".len()..];
                after.find('/').map(|j| after[j..].to_string()).unwrap_or_default()
            }
            None => path,
        }
    };
    let trimmed = raw.trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// Runs one management call against the HTTP API management API.
fn call(gw: &mut Gateway, method: &str, path: &str, b: &Map<String, Value>) -> ApiResult<Value> {
    let request = HttpRequest::from_target(method, &format!("/_aws/apigateway/v2{path}")).with_header("content-type", "application/json").with_body(Value::Object(b.clone()).to_string());
    let response = v2::handle(gw, path, &request)?;
    Ok(serde_json::from_slice(&response.body).unwrap_or(Value::Null))
}

fn at_error(at: &str, e: ApiError) -> ApiError {
    ApiError { message: format!("Invalid OpenAPI definition at {at}: {}", e.message), ..e }
}

/// Creates the plan's authorizers, integrations and routes in the API.
fn build(gw: &mut Gateway, api_id: &str, plan: &Plan) -> ApiResult<()> {
    let mut authorizer_ids: Vec<(String, String)> = Vec::new();
    for (name, b, at) in &plan.authorizers {
        let out = call(gw, "POST", &format!("/apis/{api_id}/authorizers"), b).map_err(|e| at_error(at, e))?;
        authorizer_ids.push((name.clone(), out["authorizerId"].as_str().unwrap_or("").to_string()));
    }
    let mut integration_ids = Vec::new();
    for (b, at) in &plan.integrations {
        let out = call(gw, "POST", &format!("/apis/{api_id}/integrations"), b).map_err(|e| at_error(&format!("{at}.x-amazon-apigateway-integration"), e))?;
        integration_ids.push(out["integrationId"].as_str().unwrap_or("").to_string());
    }
    for r in &plan.routes {
        let mut b = r.body.clone();
        if let Some(i) = r.integration {
            b.insert("target".into(), json!(format!("integrations/{}", integration_ids[i])));
        }
        if let Some(a) = &r.authorizer {
            let id = authorizer_ids.iter().find(|(n, _)| n == a).map(|(_, id)| id.clone()).unwrap_or_default();
            b.insert("authorizerId".into(), json!(id));
        }
        call(gw, "POST", &format!("/apis/{api_id}/routes"), &b).map_err(|e| at_error(&r.at, e))?;
    }
    Ok(())
}

/// The document of an ImportApi or ReimportApi body, and its query options.
fn read_request(request: &HttpRequest) -> ApiResult<Plan> {
    let b = body(request)?;
    let text = req_str(&b, "body")?;
    let doc = parse_document(&text).map_err(ApiError::bad_request)?;
    let basepath = request.query_param("basepath").unwrap_or_else(|| "ignore".to_string());
    let fail = match request.query_param("failOnWarnings").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(ApiError::bad_request(format!("Invalid failOnWarnings '{other}': must be true or false"))),
    };
    let p = plan(&doc, &basepath)?;
    if fail && !p.warnings.is_empty() {
        return Err(ApiError::bad_request(format!("Warnings found during import (failOnWarnings is true):\n\t{}", p.warnings.join("\n\t"))));
    }
    Ok(p)
}

fn answer(gw: &Gateway, api_id: &str, warnings: &[String]) -> HttpResponse {
    let mut out = gw.apis[api_id].to_json(&gw.endpoint(api_id));
    if !warnings.is_empty() {
        out["warnings"] = json!(warnings);
    }
    ok(201, out)
}

/// `PUT /v2/apis`: ImportApi.
pub fn import(gw: &mut Gateway, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let plan = read_request(request)?;
    let created = call(gw, "POST", "/apis", &plan.api)?;
    let api_id = created["apiId"].as_str().unwrap_or("").to_string();
    if let Err(e) = build(gw, &api_id, &plan) {
        gw.apis.remove(&api_id);
        gw.journal_api(&api_id);
        return Err(e);
    }
    Ok(answer(gw, &api_id, &plan.warnings))
}

/// `PUT /v2/apis/{apiId}`: ReimportApi. The API's definition (name,
/// description, version, CORS, routes, integrations, authorizers) becomes
/// the document's; its stages stay, and auto-deploy stages redeploy.
pub fn reimport(gw: &mut Gateway, api_id: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let before = gw.apis.get(api_id).cloned().ok_or_else(|| v2::api_not_found(api_id))?;
    let plan = read_request(request)?;
    let result = (|| {
        let a = gw.apis.get_mut(api_id).expect("checked above");
        a.routes.clear();
        a.integrations.clear();
        a.authorizers.clear();
        a.cors = None;
        a.description = None;
        a.version = None;
        let mut patch = plan.api.clone();
        patch.remove("protocolType");
        patch.remove("tags");
        call(gw, "PATCH", &format!("/apis/{api_id}"), &patch)?;
        build(gw, api_id, &plan)
    })();
    if let Err(e) = result {
        gw.apis.insert(api_id.to_string(), before);
        gw.journal_api(api_id);
        return Err(e);
    }
    Ok(answer(gw, api_id, &plan.warnings))
}
