//! OpenAPI for REST APIs (v1): GetExport
//! (`GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}`), ImportRestApi
//! (`POST /restapis?mode=import`) and PutRestApi
//! (`PUT /restapis/{id}?mode=overwrite|merge`), with the integrations
//! Stratus runs (`aws_proxy`, `http_proxy`, `mock` with its templates and
//! responses) and Lambda authorizers (`token`, `request`).
//!
//! As for HTTP APIs ([`super::openapi`]), an import is the management calls
//! a person would make (CreateRestApi, CreateAuthorizer, CreateResource,
//! PutMethod, PutIntegration, PutMethodResponse, PutIntegrationResponse),
//! run through [`rest::handle`]; an error names the place in the document
//! and leaves the account as it was.

use super::openapi::{parse_document, strip_extensions, to_json_text, to_yaml};
use super::rest::{self, Method, RestApi, RestAuthorizer};
use super::routes::{parse_path, Segment};
use super::{ApiError, ApiResult, Gateway};
use crate::engine::http::{HttpRequest, HttpResponse};
use crate::engine::ACCOUNT_ID;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const OPERATIONS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"];

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Invalid API identifier specified {ACCOUNT_ID}:{id}"))
}

// ---------------------------------------------------------------- export

/// `GET /restapis/{id}/stages/{stage}/exports/{type}`: what the stage serves.
pub fn export(gw: &Gateway, id: &str, stage: &str, kind: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let api = gw.rest_apis.get(id).ok_or_else(|| not_found(id))?;
    let swagger = match kind {
        "oas30" => false,
        "swagger" => true,
        other => return Err(ApiError::bad_request(format!("Invalid export type specified: {other}: use oas30 or swagger"))),
    };
    let s = api.stages.get(stage).ok_or_else(|| ApiError::not_found("Invalid stage identifier specified"))?;
    let d = api.deployments.get(&s.deployment_id).ok_or_else(|| ApiError::not_found(format!("The stage {stage} has no deployment")))?;
    let extensions: Vec<String> = request.query_params().into_iter().filter(|(k, _)| k == "extensions").flat_map(|(_, v)| v.split(',').map(|p| p.trim().to_string()).collect::<Vec<_>>()).collect();
    let integrations = extensions.iter().any(|e| e == "integrations" || e == "apigateway");
    let authorizers = extensions.iter().any(|e| e == "authorizers" || e == "apigateway");
    let mut doc = document(api, &d.snapshot.resources.iter().collect::<Vec<_>>(), &d.snapshot.authorizers, &gw.endpoint(id), stage, swagger);
    if !integrations && !authorizers {
        strip_extensions(&mut doc);
    } else if !integrations {
        strip_key(&mut doc, "x-amazon-apigateway-integration");
    } else if !authorizers {
        strip_key(&mut doc, "x-amazon-apigateway-authorizer");
    }
    let yaml = request.header("accept").is_some_and(|a| a.contains("yaml"));
    let (ext, mime, text) = if yaml { ("yaml", "application/yaml", to_yaml(&doc)) } else { ("json", "application/json", to_json_text(&doc)) };
    Ok(HttpResponse::new(200)
        .with_header("content-disposition", &format!("attachment; filename=\"{}-{stage}-{kind}.{ext}\"", api.name))
        .with_body(mime, text))
}

fn strip_key(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            m.remove(key);
            m.values_mut().for_each(|v| strip_key(v, key));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| strip_key(v, key)),
        _ => {}
    }
}

fn param(name: &str, place: &str, required: bool, swagger: bool) -> Value {
    if swagger {
        json!({ "name": name, "in": place, "required": required, "type": "string" })
    } else {
        json!({ "name": name, "in": place, "required": required, "schema": { "type": "string" } })
    }
}

/// The OpenAPI 3 (or Swagger 2) document of a REST API's resources.
pub fn document(api: &RestApi, resources: &[&rest::Resource], authorizers: &[RestAuthorizer], endpoint: &str, stage: &str, swagger: bool) -> Value {
    let version = api.version.clone().unwrap_or_else(|| super::iso_time(api.created_ms));
    let mut info = json!({ "title": api.name, "version": version });
    if let Some(d) = &api.description {
        info["description"] = json!(d);
    }
    let mut doc = if swagger {
        let rest = endpoint.split_once("://").map(|(_, r)| r).unwrap_or(endpoint);
        let (host, base) = rest.split_once('/').map(|(h, p)| (h.to_string(), format!("/{p}"))).unwrap_or((rest.to_string(), String::new()));
        json!({ "swagger": "2.0", "info": info, "host": host, "basePath": format!("{base}/{stage}"), "schemes": [if endpoint.starts_with("http://") { "http" } else { "https" }] })
    } else {
        json!({ "openapi": "3.0.1", "info": info, "servers": [{ "url": format!("{endpoint}/{{basePath}}"), "variables": { "basePath": { "default": stage } } }] })
    };
    let mut resources: Vec<&&rest::Resource> = resources.iter().filter(|r| !r.methods.is_empty()).collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut paths = Map::new();
    let mut schemes = Map::new();
    for r in resources {
        let mut item = Map::new();
        let path_params: Vec<String> = parse_path(&r.path)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| match s {
                Segment::Param(n) => Some(n),
                Segment::Greedy(n) => Some(n),
                Segment::Literal(_) => None,
            })
            .collect();
        for (name, m) in &r.methods {
            let key = if name == "ANY" { "x-amazon-apigateway-any-method".to_string() } else { name.to_ascii_lowercase() };
            item.insert(key, operation(m, &path_params, authorizers, &mut schemes, swagger));
        }
        paths.insert(r.path.clone(), Value::Object(item));
    }
    doc["paths"] = Value::Object(paths);
    if !schemes.is_empty() {
        if swagger {
            doc["securityDefinitions"] = Value::Object(schemes);
        } else {
            doc["components"] = json!({ "securitySchemes": schemes });
        }
    }
    if !api.binary_media_types.is_empty() {
        doc["x-amazon-apigateway-binary-media-types"] = json!(api.binary_media_types);
    }
    doc
}

fn operation(m: &Method, path_params: &[String], authorizers: &[RestAuthorizer], schemes: &mut Map<String, Value>, swagger: bool) -> Value {
    let mut op = Map::new();
    if let Some(o) = &m.operation_name {
        op.insert("operationId".into(), json!(o));
    }
    let mut params: Vec<Value> = path_params.iter().map(|n| param(n, "path", true, swagger)).collect();
    for (p, required) in &m.request_parameters {
        for (prefix, place) in [("method.request.querystring.", "query"), ("method.request.header.", "header")] {
            if let Some(n) = p.strip_prefix(prefix) {
                params.push(param(n, place, *required, swagger));
            }
        }
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    let responses: Map<String, Value> = m
        .responses
        .keys()
        .map(|code| (code.clone(), if swagger { json!({ "description": format!("{code} response") }) } else { json!({ "description": format!("{code} response"), "content": {} }) }))
        .collect();
    op.insert("responses".into(), Value::Object(responses));
    let mut security = Vec::new();
    match m.authorization_type.as_str() {
        "CUSTOM" => {
            if let Some(a) = m.authorizer_id.as_ref().and_then(|id| authorizers.iter().find(|a| &a.id == id)) {
                security.push(json!({ a.name.clone(): [] }));
                let header = a.identity_source.as_deref().and_then(|s| s.strip_prefix("method.request.header.")).unwrap_or("Unused");
                let mut x = json!({ "type": a.kind.to_ascii_lowercase(), "authorizerResultTtlInSeconds": a.ttl_s });
                for (k, v) in [("authorizerUri", &a.authorizer_uri), ("identitySource", &a.identity_source), ("identityValidationExpression", &a.identity_validation_expression)] {
                    if let Some(v) = v {
                        x[k] = json!(v);
                    }
                }
                schemes.insert(a.name.clone(), json!({ "type": "apiKey", "name": header, "in": "header", "x-amazon-apigateway-authtype": "custom", "x-amazon-apigateway-authorizer": x }));
            }
        }
        "AWS_IAM" => {
            security.push(json!({ "sigv4": [] }));
            schemes.insert("sigv4".into(), json!({ "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4" }));
        }
        _ => {}
    }
    if m.api_key_required {
        security.push(json!({ "api_key": [] }));
        schemes.insert("api_key".into(), json!({ "type": "apiKey", "name": "x-api-key", "in": "header" }));
    }
    if !security.is_empty() {
        op.insert("security".into(), Value::Array(security));
    }
    if let Some(i) = &m.integration {
        let mut x = json!({ "type": i.kind.to_ascii_lowercase(), "passthroughBehavior": i.passthrough_behavior.to_ascii_lowercase(), "timeoutInMillis": i.timeout_ms });
        for (k, v) in [("httpMethod", &i.http_method), ("uri", &i.uri), ("contentHandling", &i.content_handling)] {
            if let Some(v) = v {
                x[k] = json!(v);
            }
        }
        if !i.request_templates.is_empty() {
            x["requestTemplates"] = json!(i.request_templates);
        }
        if !i.request_parameters.is_empty() {
            x["requestParameters"] = json!(i.request_parameters);
        }
        if !i.responses.is_empty() {
            let mut rs = Map::new();
            for r in i.responses.values() {
                let mut v = json!({ "statusCode": r.status_code });
                if !r.response_templates.is_empty() {
                    v["responseTemplates"] = json!(r.response_templates);
                }
                if !r.response_parameters.is_empty() {
                    v["responseParameters"] = json!(r.response_parameters);
                }
                rs.insert(r.selection_pattern.clone().unwrap_or_else(|| "default".to_string()), v);
            }
            x["responses"] = Value::Object(rs);
        }
        op.insert("x-amazon-apigateway-integration".into(), x);
    }
    Value::Object(op)
}

// ---------------------------------------------------------------- import

fn invalid(at: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Invalid OpenAPI definition at {at}: {message}"))
}

fn at_error(at: &str, e: ApiError) -> ApiError {
    ApiError { message: format!("Invalid OpenAPI definition at {at}: {}", e.message), ..e }
}

fn call(gw: &mut Gateway, method: &str, path: &str, b: Value) -> ApiResult<Value> {
    let request = HttpRequest::from_target(method, &format!("/_aws/apigateway{path}")).with_header("content-type", "application/json").with_body(b.to_string());
    let response = rest::handle(gw, path.trim_start_matches('/'), &request)?;
    Ok(serde_json::from_slice(&response.body).unwrap_or(Value::Null))
}

/// `POST /restapis?mode=import` (ImportRestApi).
pub fn import(gw: &mut Gateway, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let (doc, warnings) = read(request)?;
    let root = doc.as_object().expect("read checks it");
    let info = root.get("info");
    let title = info.and_then(|i| i.get("title")).and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| invalid("info.title", "the title is required: it names the API"))?;
    let mut b = json!({ "name": title });
    for k in ["description", "version"] {
        if let Some(v) = info.and_then(|i| i.get(k)).and_then(Value::as_str) {
            b[k] = json!(v);
        }
    }
    if let Some(t) = root.get("x-amazon-apigateway-binary-media-types") {
        b["binaryMediaTypes"] = t.clone();
    }
    if let Some(s) = root.get("x-amazon-apigateway-api-key-source") {
        b["apiKeySource"] = s.clone();
    }
    let created = call(gw, "POST", "/restapis", b).map_err(|e| at_error("info", e))?;
    let id = created["id"].as_str().unwrap_or("").to_string();
    if let Err(e) = build(gw, &id, &doc, request) {
        gw.rest_apis.remove(&id);
        gw.journal_rest_api(&id);
        return Err(e);
    }
    answer(gw, &id, 201, &warnings)
}

/// `PUT /restapis/{id}?mode=overwrite|merge` (PutRestApi).
pub fn put(gw: &mut Gateway, id: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let before = gw.rest_apis.get(id).cloned().ok_or_else(|| not_found(id))?;
    let mode = request.query_param("mode").unwrap_or_else(|| "merge".to_string());
    if !matches!(mode.as_str(), "overwrite" | "merge") {
        return Err(ApiError::bad_request(format!("Invalid mode '{mode}': must be overwrite or merge")));
    }
    let (doc, warnings) = read(request)?;
    if mode == "overwrite" {
        let a = gw.rest_apis.get_mut(id).expect("checked above");
        let root_id = a.root_id.clone();
        a.resources.retain(|rid, _| *rid == root_id);
        if let Some(r) = a.resources.get_mut(&root_id) {
            r.methods.clear();
        }
        a.authorizers.clear();
        let info = doc.get("info");
        if let Some(t) = info.and_then(|i| i.get("title")).and_then(Value::as_str).filter(|t| !t.is_empty()) {
            a.name = t.to_string();
        }
        a.description = info.and_then(|i| i.get("description")).and_then(Value::as_str).map(str::to_string);
        a.version = info.and_then(|i| i.get("version")).and_then(Value::as_str).map(str::to_string);
    }
    if let Err(e) = build(gw, id, &doc, request) {
        gw.rest_apis.insert(id.to_string(), before);
        gw.journal_rest_api(id);
        return Err(e);
    }
    gw.journal_rest_api(id);
    answer(gw, id, 200, &warnings)
}

fn answer(gw: &mut Gateway, id: &str, status: u16, warnings: &[String]) -> ApiResult<HttpResponse> {
    let mut out = call(gw, "GET", &format!("/restapis/{id}"), Value::Null)?;
    if !warnings.is_empty() {
        out["warnings"] = json!(warnings);
    }
    Ok(super::wire::ok(status, out))
}

/// The request's document, its warnings (an error with `failonwarnings=true`).
fn read(request: &HttpRequest) -> ApiResult<(Value, Vec<String>)> {
    let text = String::from_utf8_lossy(&request.body).into_owned();
    let doc = parse_document(&text).map_err(ApiError::bad_request)?;
    let root = doc.as_object().ok_or_else(|| ApiError::bad_request("Invalid OpenAPI definition: the document is not an object"))?;
    match (root.get("openapi").and_then(Value::as_str), root.get("swagger").and_then(Value::as_str)) {
        (Some(v), _) if v.starts_with("3.") => {}
        (_, Some("2.0")) => {}
        _ => return Err(ApiError::bad_request("Invalid OpenAPI definition: it has no 'openapi: 3.x' (or 'swagger: 2.0') version member")),
    }
    let mut warnings = Vec::new();
    for (path, item) in root.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for key in item.as_object().into_iter().flatten().map(|(k, _)| k) {
            if key == "trace" {
                warnings.push(format!("paths.{path}.trace was ignored: API Gateway does not support the TRACE method"));
            }
        }
    }
    let fail = request.query_params().iter().any(|(k, v)| k.eq_ignore_ascii_case("failonwarnings") && v == "true");
    if fail && !warnings.is_empty() {
        return Err(ApiError::bad_request(format!("Warnings found during import (failonwarnings is true):\n\t{}", warnings.join("\n\t"))));
    }
    Ok((doc, warnings))
}

/// Creates the document's authorizers, resources and methods in the API.
fn build(gw: &mut Gateway, id: &str, doc: &Value, request: &HttpRequest) -> ApiResult<()> {
    let swagger = doc.get("swagger").is_some();
    let schemes_at = if swagger { "securityDefinitions" } else { "components.securitySchemes" };
    let schemes = if swagger { doc.get("securityDefinitions") } else { doc.get("components").and_then(|c| c.get("securitySchemes")) };
    // Security schemes: Lambda authorizers, IAM, API keys.
    let mut kinds: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for (name, s) in schemes.and_then(Value::as_object).into_iter().flatten() {
        let at = format!("{schemes_at}.{name}");
        if s.get("x-amazon-apigateway-authtype").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
            kinds.insert(name.clone(), ("AWS_IAM".into(), None));
        } else if let Some(x) = s.get("x-amazon-apigateway-authorizer") {
            let kind = x.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_uppercase();
            let existing = gw.rest_apis.get(id).and_then(|a| a.authorizers.values().find(|a| &a.name == name)).map(|a| a.id.clone());
            let aid = match existing {
                Some(aid) => aid,
                None => {
                    let mut b = json!({ "name": name, "type": kind });
                    for k in ["authorizerUri", "identitySource", "authorizerResultTtlInSeconds", "identityValidationExpression"] {
                        if let Some(v) = x.get(k) {
                            b[k] = v.clone();
                        }
                    }
                    let out = call(gw, "POST", &format!("/restapis/{id}/authorizers"), b).map_err(|e| at_error(&at, e))?;
                    out["id"].as_str().unwrap_or("").to_string()
                }
            };
            kinds.insert(name.clone(), ("CUSTOM".into(), Some(aid)));
        } else if s.get("type").and_then(Value::as_str) == Some("apiKey") && s.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case("x-api-key")) {
            kinds.insert(name.clone(), ("API_KEY".into(), None));
        }
    }
    let base = match request.query_param("basepath").as_deref() {
        None | Some("ignore") => String::new(),
        Some("prepend") => doc.get("basePath").and_then(Value::as_str).unwrap_or("").trim_end_matches('/').to_string(),
        Some(other) => return Err(ApiError::bad_request(format!("Invalid basepath '{other}': must be ignore or prepend"))),
    };
    let paths = doc.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for (path, item) in &paths {
        let full = format!("{base}{path}");
        let rid = ensure_resource(gw, id, &full).map_err(|e| at_error(&format!("paths.{path}"), e))?;
        for method in OPERATIONS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("paths.{path}.{method}");
            let op = op.as_object().ok_or_else(|| invalid(&at, "an operation must be an object"))?;
            let m = if method == "x-amazon-apigateway-any-method" { "ANY".to_string() } else { method.to_ascii_uppercase() };
            let mut b = json!({ "authorizationType": "NONE", "apiKeyRequired": false });
            if let Some(o) = op.get("operationId") {
                b["operationName"] = o.clone();
            }
            for req in op.get("security").or(doc.get("security")).and_then(Value::as_array).into_iter().flatten() {
                for name in req.as_object().into_iter().flatten().map(|(k, _)| k) {
                    match kinds.get(name) {
                        Some((k, _)) if k == "API_KEY" => b["apiKeyRequired"] = json!(true),
                        Some((k, aid)) => {
                            b["authorizationType"] = json!(k);
                            if let Some(aid) = aid {
                                b["authorizerId"] = json!(aid);
                            }
                        }
                        None => return Err(invalid(&format!("{at}.security"), format!("the security scheme '{name}' is not defined in {schemes_at}"))),
                    }
                }
            }
            let mut params = Map::new();
            for p in item.get("parameters").and_then(Value::as_array).into_iter().flatten().chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten()) {
                let place = match p.get("in").and_then(Value::as_str) {
                    Some("query") => "querystring",
                    Some("header") => "header",
                    Some("path") => "path",
                    _ => continue,
                };
                if let Some(n) = p.get("name").and_then(Value::as_str) {
                    params.insert(format!("method.request.{place}.{n}"), json!(place == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false)));
                }
            }
            if !params.is_empty() {
                b["requestParameters"] = Value::Object(params);
            }
            let mpath = format!("/restapis/{id}/resources/{rid}/methods/{m}");
            call(gw, "PUT", &mpath, b).map_err(|e| at_error(&at, e))?;
            let mut codes: Vec<String> = op.get("responses").and_then(Value::as_object).into_iter().flatten().map(|(k, _)| k.clone()).filter(|k| k.len() == 3 && k.chars().all(|c| c.is_ascii_digit())).collect();
            if let Some(x) = op.get("x-amazon-apigateway-integration") {
                let iat = format!("{at}.x-amazon-apigateway-integration");
                let x = x.as_object().ok_or_else(|| invalid(&iat, "the integration is not an object"))?;
                let mut ib = json!({ "type": x.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_uppercase() });
                for k in ["httpMethod", "uri", "requestTemplates", "requestParameters", "timeoutInMillis", "contentHandling"] {
                    if let Some(v) = x.get(k) {
                        ib[k] = v.clone();
                    }
                }
                if let Some(p) = x.get("passthroughBehavior").and_then(Value::as_str) {
                    ib["passthroughBehavior"] = json!(p.to_ascii_uppercase());
                }
                call(gw, "PUT", &format!("{mpath}/integration"), ib).map_err(|e| at_error(&iat, e))?;
                for (pattern, r) in x.get("responses").and_then(Value::as_object).into_iter().flatten() {
                    let code = r.get("statusCode").and_then(|c| c.as_str().map(str::to_string).or_else(|| c.as_i64().map(|n| n.to_string()))).ok_or_else(|| invalid(&format!("{iat}.responses.{pattern}"), "statusCode is required"))?;
                    let mut rb = json!({});
                    if pattern != "default" {
                        rb["selectionPattern"] = json!(pattern);
                    }
                    for k in ["responseTemplates", "responseParameters"] {
                        if let Some(v) = r.get(k) {
                            rb[k] = v.clone();
                        }
                    }
                    call(gw, "PUT", &format!("{mpath}/integration/responses/{code}"), rb).map_err(|e| at_error(&format!("{iat}.responses.{pattern}"), e))?;
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
            }
            for code in codes {
                call(gw, "PUT", &format!("{mpath}/responses/{code}"), json!({})).map_err(|e| at_error(&format!("{at}.responses.{code}"), e))?;
            }
        }
    }
    Ok(())
}

/// The resource at `path`, made (with its parents) if it is not there.
fn ensure_resource(gw: &mut Gateway, id: &str, path: &str) -> ApiResult<String> {
    let a = gw.rest_apis.get(id).ok_or_else(|| not_found(id))?;
    let mut current = a.root_id.clone();
    let mut so_far = String::new();
    for part in path.trim_matches('/').split('/').filter(|p| !p.is_empty()) {
        so_far.push('/');
        so_far.push_str(part);
        let found = gw.rest_apis.get(id).and_then(|a| a.resources.values().find(|r| r.path == so_far)).map(|r| r.id.clone());
        current = match found {
            Some(rid) => rid,
            None => {
                let out = call(gw, "POST", &format!("/restapis/{id}/resources/{current}"), json!({ "pathPart": part }))?;
                out["id"].as_str().unwrap_or("").to_string()
            }
        };
    }
    Ok(current)
}
