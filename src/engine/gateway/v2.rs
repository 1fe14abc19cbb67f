//! The HTTP API management API (restJson1, `_aws/apigateway/v2/...`), as
//! `@aws-sdk/client-apigatewayv2` calls it: `POST /v2/apis`,
//! `GET /v2/apis/{apiId}`, `/routes`, `/integrations`, `/authorizers`,
//! `/stages`, `/deployments`, `/cors`, and `/v2/tags/{resource-arn}`;
//! ImportApi, ReimportApi and ExportApi are in [`super::openapi`].
//! Errors: `x-amzn-ErrorType` (`NotFoundException`, `BadRequestException`,
//! `ConflictException`) and `{"message": ...}`.

use super::model::{AccessLogSettings, Authorizer, Cors, Deployment, HttpApi, Integration, Route, RouteSettings, Stage};
use super::routes::{parse_route_key, shape, RouteKey};
use super::wire::{body, no_content, ok, opt_bool, opt_i64, opt_str, opt_string_map, opt_strings, page, req_str};
use super::{ApiError, ApiResult, Gateway};
use crate::engine::http::{percent_decode, HttpRequest, HttpResponse};
use crate::engine::lambda::function::parse_function_name;
use crate::engine::ACCOUNT_ID;
use serde_json::{json, Map, Value};

/// Answers one request; `rest` is the path after `/v2` (`/apis/...`).
pub fn handle(gw: &mut Gateway, rest: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let path = rest.trim_end_matches('/');
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = request.method.as_str();
    let unknown = || ApiError { status: 404, kind: "UnknownOperationException", message: format!("Unknown operation: {method} /v2{rest}") };
    match (method, parts.as_slice()) {
        ("POST", ["apis"]) => create_api(gw, body(request)?),
        ("PUT", ["apis"]) => super::openapi::import(gw, request),
        ("PUT", ["apis", id]) => super::openapi::reimport(gw, id, request),
        ("GET", ["apis", id, "exports", spec]) => super::openapi::export(gw, id, spec, request),
        ("GET", ["apis"]) => {
            let list: Vec<Value> = gw.apis.values().map(|a| a.to_json(&gw.endpoint(&a.api_id))).collect();
            listing(&list, request)
        }
        ("GET", ["apis", id]) => {
            let api = api(gw, id)?;
            Ok(ok(200, api.to_json(&gw.endpoint(id))))
        }
        ("PATCH", ["apis", id]) => update_api(gw, id, body(request)?),
        ("DELETE", ["apis", id]) => {
            api(gw, id)?;
            gw.apis.remove(*id);
            gw.journal_api(id);
            Ok(no_content())
        }
        ("DELETE", ["apis", id, "cors"]) => {
            api_mut(gw, id)?.cors = None;
            gw.journal_api(id);
            Ok(no_content())
        }
        ("POST", ["apis", id, "routes"]) => create_route(gw, id, body(request)?),
        ("GET", ["apis", id, "routes"]) => {
            let list: Vec<Value> = api(gw, id)?.routes.values().map(Route::to_json).collect();
            listing(&list, request)
        }
        ("GET", ["apis", id, "routes", route]) => Ok(ok(200, find_route(api(gw, id)?, route)?.to_json())),
        ("PATCH", ["apis", id, "routes", route]) => update_route(gw, id, route, body(request)?),
        ("DELETE", ["apis", id, "routes", route]) => {
            find_route(api(gw, id)?, route)?;
            api_mut(gw, id)?.routes.remove(*route);
            changed(gw, id);
            Ok(no_content())
        }
        ("POST", ["apis", id, "integrations"]) => create_integration(gw, id, body(request)?),
        ("GET", ["apis", id, "integrations"]) => {
            let list: Vec<Value> = api(gw, id)?.integrations.values().map(Integration::to_json).collect();
            listing(&list, request)
        }
        ("GET", ["apis", id, "integrations", integration]) => Ok(ok(200, find_integration(api(gw, id)?, integration)?.to_json())),
        ("PATCH", ["apis", id, "integrations", integration]) => update_integration(gw, id, integration, body(request)?),
        ("DELETE", ["apis", id, "integrations", integration]) => {
            let a = api(gw, id)?;
            find_integration(a, integration)?;
            if let Some(r) = a.routes.values().find(|r| r.integration_id() == Some(*integration)) {
                return Err(ApiError::conflict(format!(
                    "Integration {integration} cannot be deleted: the route '{}' ({}) uses it",
                    r.route_key, r.route_id
                )));
            }
            api_mut(gw, id)?.integrations.remove(*integration);
            changed(gw, id);
            Ok(no_content())
        }
        ("POST", ["apis", id, "authorizers"]) => create_authorizer(gw, id, body(request)?),
        ("GET", ["apis", id, "authorizers"]) => {
            let list: Vec<Value> = api(gw, id)?.authorizers.values().map(Authorizer::to_json).collect();
            listing(&list, request)
        }
        ("GET", ["apis", id, "authorizers", a]) => Ok(ok(200, find_authorizer(api(gw, id)?, a)?.to_json())),
        ("PATCH", ["apis", id, "authorizers", a]) => update_authorizer(gw, id, a, body(request)?),
        ("DELETE", ["apis", id, "authorizers", a]) => {
            let api = api(gw, id)?;
            find_authorizer(api, a)?;
            if let Some(r) = api.routes.values().find(|r| r.authorizer_id.as_deref() == Some(*a)) {
                return Err(ApiError::conflict(format!("Authorizer {a} cannot be deleted: the route '{}' uses it", r.route_key)));
            }
            api_mut(gw, id)?.authorizers.remove(*a);
            changed(gw, id);
            Ok(no_content())
        }
        ("POST", ["apis", id, "stages"]) => create_stage(gw, id, body(request)?),
        ("GET", ["apis", id, "stages"]) => {
            let list: Vec<Value> = api(gw, id)?.stages.values().map(Stage::to_json).collect();
            listing(&list, request)
        }
        ("GET", ["apis", id, "stages", stage]) => {
            let name = percent_decode(stage, false);
            Ok(ok(200, find_stage(api(gw, id)?, &name)?.to_json()))
        }
        ("PATCH", ["apis", id, "stages", stage]) => update_stage(gw, id, &percent_decode(stage, false), body(request)?),
        ("DELETE", ["apis", id, "stages", stage]) => {
            let name = percent_decode(stage, false);
            find_stage(api(gw, id)?, &name)?;
            let a = api_mut(gw, id)?;
            a.stages.remove(&name);
            prune_deployments(a);
            gw.journal_api(id);
            Ok(no_content())
        }
        ("DELETE", ["apis", id, "stages", stage, "routesettings", key]) => {
            let name = percent_decode(stage, false);
            let key = percent_decode(key, false);
            let s = find_stage_mut(api_mut(gw, id)?, &name)?;
            if s.route_settings.remove(&key).is_none() {
                return Err(ApiError::not_found(format!("Unable to find route settings for route key '{key}' in stage '{name}'")));
            }
            gw.journal_api(id);
            Ok(no_content())
        }
        ("POST", ["apis", id, "deployments"]) => create_deployment(gw, id, body(request)?),
        ("GET", ["apis", id, "deployments"]) => {
            let a = api(gw, id)?;
            let mut list: Vec<&Deployment> = a.deployments.values().collect();
            list.sort_by_key(|d| std::cmp::Reverse(d.created_ms));
            let list: Vec<Value> = list.into_iter().map(Deployment::to_json).collect();
            listing(&list, request)
        }
        ("GET", ["apis", id, "deployments", d]) => {
            let a = api(gw, id)?;
            let d = a.deployments.get(*d).ok_or_else(|| deployment_not_found(d))?;
            Ok(ok(200, d.to_json()))
        }
        ("DELETE", ["apis", id, "deployments", d]) => {
            let a = api(gw, id)?;
            a.deployments.get(*d).ok_or_else(|| deployment_not_found(d))?;
            if a.stages.values().any(|s| s.deployment_id.as_deref() == Some(*d)) {
                return Err(ApiError::bad_request("Active stages pointing to this deployment must be moved or deleted"));
            }
            api_mut(gw, id)?.deployments.remove(*d);
            gw.journal_api(id);
            Ok(no_content())
        }
        (_, ["tags", arn @ ..]) => tags(gw, &percent_decode(&arn.join("/"), false), request),
        _ => Err(unknown()),
    }
}

fn listing(items: &[Value], request: &HttpRequest) -> ApiResult<HttpResponse> {
    let (page, next) = page(items, request, "maxResults", "nextToken")?;
    let mut out = json!({ "items": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(ok(200, out))
}

pub fn api_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Invalid API identifier specified {ACCOUNT_ID}:{id}"))
}

fn deployment_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Invalid Deployment identifier specified {id}"))
}

fn api<'a>(gw: &'a Gateway, id: &str) -> ApiResult<&'a HttpApi> {
    gw.apis.get(id).ok_or_else(|| api_not_found(id))
}

fn api_mut<'a>(gw: &'a mut Gateway, id: &str) -> ApiResult<&'a mut HttpApi> {
    gw.apis.get_mut(id).ok_or_else(|| api_not_found(id))
}

fn find_route<'a>(api: &'a HttpApi, id: &str) -> ApiResult<&'a Route> {
    api.routes.get(id).ok_or_else(|| ApiError::not_found(format!("Invalid Route identifier specified {id}")))
}

fn find_integration<'a>(api: &'a HttpApi, id: &str) -> ApiResult<&'a Integration> {
    api.integrations.get(id).ok_or_else(|| ApiError::not_found(format!("Invalid Integration identifier specified {id}")))
}

fn find_authorizer<'a>(api: &'a HttpApi, id: &str) -> ApiResult<&'a Authorizer> {
    api.authorizers.get(id).ok_or_else(|| ApiError::not_found(format!("Invalid Authorizer identifier specified {id}")))
}

fn find_stage<'a>(api: &'a HttpApi, name: &str) -> ApiResult<&'a Stage> {
    api.stages.get(name).ok_or_else(|| ApiError::not_found(format!("Invalid stage identifier specified {name}")))
}

fn find_stage_mut<'a>(api: &'a mut HttpApi, name: &str) -> ApiResult<&'a mut Stage> {
    api.stages.get_mut(name).ok_or_else(|| ApiError::not_found(format!("Invalid stage identifier specified {name}")))
}

fn cors_of(body: &Map<String, Value>) -> ApiResult<Option<Cors>> {
    match body.get("corsConfiguration") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let cors: Cors = serde_json::from_value(v.clone()).map_err(|e| ApiError::bad_request(format!("Invalid CORS configuration: {e}")))?;
            if let Some(methods) = &cors.allow_methods {
                if let Some(m) = methods.iter().find(|m| *m != "*" && !super::routes::METHODS.contains(&m.to_ascii_uppercase().as_str())) {
                    return Err(ApiError::bad_request(format!("Invalid method '{m}' in the CORS configuration's allowMethods")));
                }
            }
            if cors.allow_credentials == Some(true) && cors.allow_origins.as_ref().is_some_and(|o| o.iter().any(|o| o == "*")) {
                return Err(ApiError::bad_request("allow-credentials is not supported with allow-origins '*' in CORS configuration"));
            }
            Ok(Some(cors))
        }
    }
}

fn create_api(gw: &mut Gateway, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let name = req_str(&b, "name")?;
    if name.is_empty() || name.len() > 128 {
        return Err(ApiError::bad_request("The API name must be 1 to 128 characters long"));
    }
    let protocol = req_str(&b, "protocolType")?;
    match protocol.as_str() {
        "HTTP" => {}
        "WEBSOCKET" => return Err(ApiError::bad_request("Stratus does not support WebSocket APIs yet: use protocolType HTTP")),
        _ => return Err(ApiError::bad_request("Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]")),
    }
    let cors = cors_of(&b)?;
    let target = opt_str(&b, "target")?;
    let route_key = opt_str(&b, "routeKey")?;
    if route_key.is_some() && target.is_none() {
        return Err(ApiError::bad_request("routeKey is only supported for quick create: give a target too"));
    }
    let now = gw.now_ms();
    let id = gw.new_api_id();
    let mut api = HttpApi {
        api_id: id.clone(),
        name,
        protocol_type: protocol,
        description: opt_str(&b, "description")?,
        version: opt_str(&b, "version")?,
        created_ms: now,
        cors,
        disable_execute_api_endpoint: opt_bool(&b, "disableExecuteApiEndpoint")?.unwrap_or(false),
        disable_schema_validation: opt_bool(&b, "disableSchemaValidation")?.unwrap_or(false),
        route_selection_expression: opt_str(&b, "routeSelectionExpression")?.unwrap_or_else(|| "${request.method} ${request.path}".to_string()),
        api_key_selection_expression: opt_str(&b, "apiKeySelectionExpression")?.unwrap_or_else(|| "$request.header.x-api-key".to_string()),
        ip_address_type: opt_str(&b, "ipAddressType")?.unwrap_or_else(|| "ipv4".to_string()),
        tags: opt_string_map(&b, "tags")?.unwrap_or_default(),
        routes: Default::default(),
        integrations: Default::default(),
        authorizers: Default::default(),
        stages: Default::default(),
        deployments: Default::default(),
    };
    if let Some(target) = target {
        // Quick create: an integration, a route to it and an auto-deployed $default stage.
        let key = route_key.unwrap_or_else(|| "$default".to_string());
        parse_route_key(&key).map_err(ApiError::bad_request)?;
        let (kind, method, version) = if target.starts_with("http://") || target.starts_with("https://") || target.starts_with('/') {
            ("HTTP_PROXY", "ANY", "1.0")
        } else {
            lambda_target(&target).ok_or_else(|| ApiError::bad_request(format!("Invalid target: {target} is not a Lambda function ARN or an HTTP URL")))?;
            ("AWS_PROXY", "POST", "2.0")
        };
        let integration_id = gw.new_id(7);
        api.integrations.insert(
            integration_id.clone(),
            Integration {
                integration_id: integration_id.clone(),
                integration_type: kind.to_string(),
                integration_uri: Some(target),
                integration_method: Some(method.to_string()),
                integration_subtype: None,
                payload_format_version: version.to_string(),
                timeout_ms: 30_000,
                description: None,
                connection_type: "INTERNET".to_string(),
                credentials_arn: opt_str(&b, "credentialsArn")?,
                request_parameters: Default::default(),
                response_parameters: Default::default(),
                managed: true,
            },
        );
        let route_id = gw.new_id(7);
        api.routes.insert(
            route_id.clone(),
            Route {
                route_id,
                route_key: key,
                target: Some(format!("integrations/{integration_id}")),
                authorization_type: "NONE".to_string(),
                authorizer_id: None,
                authorization_scopes: Vec::new(),
                api_key_required: false,
                operation_name: None,
                request_parameters: Map::new(),
                managed: true,
            },
        );
        api.stages.insert("$default".to_string(), new_stage("$default", true, now, true));
        deploy_auto(gw, &mut api, now);
    }
    let out = api.to_json(&gw.endpoint(&id));
    gw.apis.insert(id.clone(), api);
    gw.journal_api(&id);
    Ok(ok(201, out))
}

fn new_stage(name: &str, auto: bool, now: u64, managed: bool) -> Stage {
    Stage {
        stage_name: name.to_string(),
        description: None,
        deployment_id: None,
        auto_deploy: auto,
        stage_variables: Default::default(),
        default_route_settings: RouteSettings { detailed_metrics_enabled: Some(false), ..Default::default() },
        route_settings: Default::default(),
        access_log_settings: None,
        created_ms: now,
        updated_ms: now,
        managed,
        tags: Default::default(),
        last_deployment_status_message: None,
    }
}

/// The function (and qualifier) an integration or authorizer URI names: a
/// Lambda function ARN, or API Gateway's
/// `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`.
pub fn lambda_target(uri: &str) -> Option<(String, Option<String>)> {
    let arn = match uri.strip_prefix("arn:aws:apigateway:") {
        Some(rest) => {
            let at = rest.find("/functions/")?;
            rest[at + "/functions/".len()..].strip_suffix("/invocations")?
        }
        None => uri,
    };
    if !arn.starts_with("arn:aws:lambda:") {
        return None;
    }
    if arn.contains("${stageVariables.") {
        // Resolved per request; the name is checked then.
        return Some((arn.to_string(), None));
    }
    parse_function_name(arn)
}

fn update_api(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    api(gw, id)?;
    let cors = cors_of(&b)?;
    let name = opt_str(&b, "name")?;
    if name.as_ref().is_some_and(|n| n.is_empty() || n.len() > 128) {
        return Err(ApiError::bad_request("The API name must be 1 to 128 characters long"));
    }
    let description = opt_str(&b, "description")?;
    let version = opt_str(&b, "version")?;
    let disable = opt_bool(&b, "disableExecuteApiEndpoint")?;
    let schema = opt_bool(&b, "disableSchemaValidation")?;
    if opt_str(&b, "target")?.is_some() || opt_str(&b, "routeKey")?.is_some() {
        return Err(ApiError::bad_request("Stratus does not support changing a quick-created API's target or route key with UpdateApi: update its integration and route instead"));
    }
    let endpoint = gw.endpoint(id);
    let a = api_mut(gw, id)?;
    if let Some(n) = name {
        a.name = n;
    }
    if description.is_some() {
        a.description = description;
    }
    if version.is_some() {
        a.version = version;
    }
    if let Some(d) = disable {
        a.disable_execute_api_endpoint = d;
    }
    if let Some(s) = schema {
        a.disable_schema_validation = s;
    }
    if cors.is_some() {
        a.cors = cors;
    }
    let out = a.to_json(&endpoint);
    gw.journal_api(id);
    Ok(ok(200, out))
}

/// Checks a route key against the API's other routes.
fn check_route_key(api: &HttpApi, key: &str, except: Option<&str>) -> ApiResult<()> {
    let parsed = parse_route_key(key).map_err(|e| ApiError::bad_request(format!("Invalid route key: {e}")))?;
    let others = api.routes.values().filter(|r| Some(r.route_id.as_str()) != except);
    for other in others {
        if other.route_key == key {
            return Err(ApiError::conflict(format!("Route with key {key} already exists for this API")));
        }
        if let (RouteKey::Path { method: m1, segments: s1 }, Ok(RouteKey::Path { method: m2, segments: s2 })) = (&parsed, parse_route_key(&other.route_key)) {
            let _ = (m1, m2);
            if shape(s1) == shape(&s2) && s1 != &s2 {
                return Err(ApiError::conflict(format!(
                    "The provided route key \"{key}\" has a conflicting variable on the same hierarchical level as \"{}\"",
                    other.route_key
                )));
            }
            // Parameters at one level must share a name whatever the rest of the path.
            for depth in 0..s1.len().min(s2.len()) {
                if s1[..depth] != s2[..depth] {
                    break;
                }
                use super::routes::Segment::Param;
                if let (Param(a), Param(b)) = (&s1[depth], &s2[depth]) {
                    if a != b {
                        return Err(ApiError::conflict(format!(
                            "The provided route key \"{key}\" has a conflicting variable on the same hierarchical level as \"{}\"",
                            other.route_key
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_target(api: &HttpApi, target: &Option<String>) -> ApiResult<()> {
    if let Some(t) = target {
        let id = t.strip_prefix("integrations/").ok_or_else(|| ApiError::bad_request(format!("Invalid target: '{t}' must be integrations/<integrationId>")))?;
        find_integration(api, id)?;
    }
    Ok(())
}

fn check_authorization(api: &HttpApi, kind: &str, authorizer: &Option<String>) -> ApiResult<()> {
    match kind {
        "NONE" | "AWS_IAM" => {
            if authorizer.is_some() && kind == "NONE" {
                return Err(ApiError::bad_request("An authorizerId needs authorizationType CUSTOM or JWT"));
            }
            Ok(())
        }
        "CUSTOM" | "JWT" => {
            let id = authorizer.as_ref().ok_or_else(|| ApiError::bad_request(format!("authorizationType {kind} needs an authorizerId")))?;
            let a = find_authorizer(api, id)?;
            let wanted = if kind == "CUSTOM" { "REQUEST" } else { "JWT" };
            if a.authorizer_type != wanted && kind == "JWT" {
                return Err(ApiError::bad_request("Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer."));
            }
            if a.authorizer_type != wanted {
                return Err(ApiError::bad_request(format!("authorizationType {kind} needs an authorizer of type {wanted}; {id} is {}", a.authorizer_type)));
            }
            Ok(())
        }
        other => Err(ApiError::bad_request(format!("Invalid authorizationType '{other}': must be one of NONE, AWS_IAM, CUSTOM, JWT"))),
    }
}

fn create_route(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let a = api(gw, id)?;
    let key = req_str(&b, "routeKey")?;
    check_route_key(a, &key, None)?;
    let target = opt_str(&b, "target")?;
    check_target(a, &target)?;
    let authorization_type = opt_str(&b, "authorizationType")?.unwrap_or_else(|| "NONE".to_string());
    let authorizer_id = opt_str(&b, "authorizerId")?;
    check_authorization(a, &authorization_type, &authorizer_id)?;
    let route_id = gw.new_id(7);
    let route = Route {
        route_id: route_id.clone(),
        route_key: key,
        target,
        authorization_type,
        authorizer_id,
        authorization_scopes: opt_strings(&b, "authorizationScopes")?.unwrap_or_default(),
        api_key_required: opt_bool(&b, "apiKeyRequired")?.unwrap_or(false),
        operation_name: opt_str(&b, "operationName")?,
        request_parameters: b.get("requestParameters").and_then(Value::as_object).cloned().unwrap_or_default(),
        managed: false,
    };
    let out = route.to_json();
    api_mut(gw, id)?.routes.insert(route_id, route);
    changed(gw, id);
    Ok(ok(201, out))
}

fn update_route(gw: &mut Gateway, id: &str, route_id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let a = api(gw, id)?;
    let mut route = find_route(a, route_id)?.clone();
    if let Some(key) = opt_str(&b, "routeKey")? {
        check_route_key(a, &key, Some(route_id))?;
        route.route_key = key;
    }
    if b.contains_key("target") {
        route.target = opt_str(&b, "target")?.filter(|t| !t.is_empty());
        check_target(a, &route.target)?;
    }
    if let Some(t) = opt_str(&b, "authorizationType")? {
        route.authorization_type = t;
        if route.authorization_type == "NONE" {
            route.authorizer_id = None;
        }
    }
    if let Some(z) = opt_str(&b, "authorizerId")? {
        route.authorizer_id = Some(z).filter(|z| !z.is_empty());
    }
    check_authorization(a, &route.authorization_type, &route.authorizer_id)?;
    if let Some(s) = opt_strings(&b, "authorizationScopes")? {
        route.authorization_scopes = s;
    }
    if let Some(k) = opt_bool(&b, "apiKeyRequired")? {
        route.api_key_required = k;
    }
    if let Some(o) = opt_str(&b, "operationName")? {
        route.operation_name = Some(o);
    }
    if let Some(p) = b.get("requestParameters").and_then(Value::as_object) {
        route.request_parameters = p.clone();
    }
    let out = route.to_json();
    api_mut(gw, id)?.routes.insert(route_id.to_string(), route);
    changed(gw, id);
    Ok(ok(200, out))
}

/// Checks and fills an integration from a create or update body.
fn apply_integration(i: &mut Integration, b: &Map<String, Value>, creating: bool) -> ApiResult<()> {
    if let Some(t) = opt_str(b, "integrationType")? {
        i.integration_type = t;
    }
    match i.integration_type.as_str() {
        "AWS_PROXY" | "HTTP_PROXY" => {}
        "" => return Err(ApiError::bad_request("integrationType is required")),
        "MOCK" | "HTTP" | "AWS" => {
            return Err(ApiError::bad_request(format!("Integration type {} is only supported for WebSocket APIs", i.integration_type)))
        }
        other => {
            return Err(ApiError::bad_request(format!("Invalid integration type '{other}': HTTP APIs support AWS_PROXY and HTTP_PROXY")))
        }
    }
    if let Some(u) = opt_str(b, "integrationUri")? {
        i.integration_uri = Some(u);
    }
    if let Some(m) = opt_str(b, "integrationMethod")? {
        i.integration_method = Some(m.to_ascii_uppercase());
    }
    if let Some(s) = opt_str(b, "integrationSubtype")? {
        i.integration_subtype = Some(s);
    }
    if let Some(v) = opt_str(b, "payloadFormatVersion")? {
        i.payload_format_version = v;
    }
    if let Some(d) = opt_str(b, "description")? {
        i.description = Some(d);
    }
    if let Some(c) = opt_str(b, "credentialsArn")? {
        i.credentials_arn = Some(c);
    }
    if let Some(c) = opt_str(b, "connectionType")? {
        if c != "INTERNET" {
            return Err(ApiError::bad_request("Stratus supports connectionType INTERNET only (there are no VPC links)"));
        }
        i.connection_type = c;
    }
    if let Some(t) = opt_i64(b, "timeoutInMillis")? {
        if !(50..=30_000).contains(&t) {
            return Err(ApiError::bad_request("Timeout must be between 50 milliseconds and 30 seconds."));
        }
        i.timeout_ms = t as u32;
    }
    if let Some(p) = opt_string_map(b, "requestParameters")? {
        i.request_parameters = p;
    }
    if let Some(p) = b.get("responseParameters").and_then(Value::as_object) {
        i.response_parameters = p.clone();
    }
    let uri = i.integration_uri.clone().ok_or_else(|| ApiError::bad_request(format!("integrationUri is required for integrations of type {}", i.integration_type)))?;
    if i.integration_type == "AWS_PROXY" {
        if i.integration_subtype.is_some() {
            return Err(ApiError::bad_request("Stratus does not support AWS service integrations (integrationSubtype)"));
        }
        lambda_target(&uri).ok_or_else(|| ApiError::bad_request(format!("Invalid integration URI specified: {uri} is not a Lambda function ARN")))?;
        if i.payload_format_version.is_empty() {
            return Err(ApiError::bad_request("payloadFormatVersion is required for AWS_PROXY integrations: 1.0 or 2.0"));
        }
        if !matches!(i.payload_format_version.as_str(), "1.0" | "2.0") {
            return Err(ApiError::bad_request(format!("Invalid payloadFormatVersion '{}': must be 1.0 or 2.0", i.payload_format_version)));
        }
        i.integration_method.get_or_insert_with(|| "POST".to_string());
    } else {
        if !(uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with('/')) {
            return Err(ApiError::bad_request(format!("Invalid integration URI specified: {uri} is not an HTTP URL")));
        }
        if i.payload_format_version.is_empty() {
            i.payload_format_version = "1.0".to_string();
        }
        if i.payload_format_version != "1.0" {
            return Err(ApiError::bad_request("HTTP_PROXY integrations support payloadFormatVersion 1.0 only"));
        }
        if creating && i.integration_method.is_none() {
            return Err(ApiError::bad_request("integrationMethod is required for HTTP_PROXY integrations"));
        }
    }
    if let Some(m) = &i.integration_method {
        if !super::routes::METHODS.contains(&m.as_str()) {
            return Err(ApiError::bad_request(format!("Invalid integrationMethod '{m}'")));
        }
    }
    Ok(())
}

fn create_integration(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    api(gw, id)?;
    let integration_id = gw.new_id(7);
    let mut i = Integration {
        integration_id: integration_id.clone(),
        integration_type: String::new(),
        integration_uri: None,
        integration_method: None,
        integration_subtype: None,
        payload_format_version: String::new(),
        timeout_ms: 30_000,
        description: None,
        connection_type: "INTERNET".to_string(),
        credentials_arn: None,
        request_parameters: Default::default(),
        response_parameters: Default::default(),
        managed: false,
    };
    apply_integration(&mut i, &b, true)?;
    let out = i.to_json();
    api_mut(gw, id)?.integrations.insert(integration_id, i);
    changed(gw, id);
    Ok(ok(201, out))
}

fn update_integration(gw: &mut Gateway, id: &str, integration_id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let mut i = find_integration(api(gw, id)?, integration_id)?.clone();
    apply_integration(&mut i, &b, false)?;
    let out = i.to_json();
    api_mut(gw, id)?.integrations.insert(integration_id.to_string(), i);
    changed(gw, id);
    Ok(ok(200, out))
}

fn apply_authorizer(a: &mut Authorizer, b: &Map<String, Value>) -> ApiResult<()> {
    if let Some(n) = opt_str(b, "name")? {
        a.name = n;
    }
    if let Some(t) = opt_str(b, "authorizerType")? {
        a.authorizer_type = t;
    }
    if let Some(u) = opt_str(b, "authorizerUri")? {
        a.authorizer_uri = Some(u);
    }
    if let Some(s) = opt_strings(b, "identitySource")? {
        a.identity_source = s;
    }
    if let Some(v) = opt_str(b, "authorizerPayloadFormatVersion")? {
        a.payload_format_version = Some(v);
    }
    if let Some(s) = opt_bool(b, "enableSimpleResponses")? {
        a.enable_simple_responses = s;
    }
    if let Some(t) = opt_i64(b, "authorizerResultTtlInSeconds")? {
        if !(0..=3600).contains(&t) {
            return Err(ApiError::bad_request("authorizerResultTtlInSeconds must be between 0 and 3600"));
        }
        a.result_ttl_s = t as u32;
    }
    if let Some(c) = opt_str(b, "authorizerCredentialsArn")? {
        a.credentials_arn = Some(c);
    }
    // An update's jwtConfiguration changes the members it names.
    match (b.get("jwtConfiguration").filter(|v| !v.is_null()), a.jwt_configuration.as_mut()) {
        (Some(Value::Object(changes)), Some(Value::Object(current))) => current.extend(changes.clone()),
        (Some(j), _) => a.jwt_configuration = Some(j.clone()),
        (None, _) => {}
    }
    if a.name.is_empty() {
        return Err(ApiError::bad_request("name is required"));
    }
    match a.authorizer_type.as_str() {
        "REQUEST" => {
            let uri = a.authorizer_uri.as_deref().ok_or_else(|| ApiError::bad_request("authorizerUri is required for REQUEST authorizers"))?;
            lambda_target(uri).ok_or_else(|| ApiError::bad_request(format!("Invalid authorizer URI specified: {uri}")))?;
            let version = a.payload_format_version.as_deref().ok_or_else(|| ApiError::bad_request("authorizerPayloadFormatVersion is required for REQUEST authorizers"))?;
            if !matches!(version, "1.0" | "2.0") {
                return Err(ApiError::bad_request("authorizerPayloadFormatVersion must be 1.0 or 2.0"));
            }
            if a.enable_simple_responses && version != "2.0" {
                return Err(ApiError::bad_request("enableSimpleResponses is supported only for authorizerPayloadFormatVersion 2.0"));
            }
            if a.result_ttl_s > 0 && a.identity_source.is_empty() {
                return Err(ApiError::bad_request("identitySource is required when authorizer caching is enabled"));
            }
            for s in &a.identity_source {
                if identity_source_ok(s).is_none() {
                    return Err(ApiError::bad_request(format!("Invalid identity source '{s}'")));
                }
            }
            Ok(())
        }
        "JWT" => {
            super::jwt::JwtConfig::parse(a.jwt_configuration.as_ref()).map_err(ApiError::bad_request)?;
            match a.identity_source.as_slice() {
                [s] if super::jwt::source_ok(s) => {}
                [] => return Err(ApiError::bad_request("identitySource is required for authorizer type JWT, for example $request.header.Authorization")),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Invalid identity source {:?} for authorizer type JWT: a JWT authorizer takes one identity source, $request.header.<name> or $request.querystring.<name>",
                        a.identity_source
                    )))
                }
            }
            for (given, name) in [(a.authorizer_uri.is_some(), "authorizerUri"), (a.payload_format_version.is_some(), "authorizerPayloadFormatVersion"), (a.enable_simple_responses, "enableSimpleResponses"), (a.result_ttl_s > 0, "authorizerResultTtlInSeconds")] {
                if given {
                    return Err(ApiError::bad_request(format!("{name} is supported only for REQUEST authorizers, not for authorizer type JWT")));
                }
            }
            Ok(())
        }
        other => Err(ApiError::bad_request(format!("Invalid authorizer type '{other}': must be REQUEST or JWT"))),
    }
}

/// Where an identity source (`$request.header.Authorization`,
/// `$request.querystring.token`, `$context.x`, `$stageVariables.x`) reads.
pub fn identity_source_ok(s: &str) -> Option<(&str, &str)> {
    for prefix in ["$request.header.", "$request.querystring.", "$context.", "$stageVariables."] {
        if let Some(name) = s.strip_prefix(prefix) {
            return (!name.is_empty()).then_some((prefix, name));
        }
    }
    None
}

fn create_authorizer(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    api(gw, id)?;
    let authorizer_id = gw.new_id(6);
    let mut a = Authorizer {
        authorizer_id: authorizer_id.clone(),
        name: String::new(),
        authorizer_type: String::new(),
        authorizer_uri: None,
        identity_source: Vec::new(),
        payload_format_version: None,
        enable_simple_responses: false,
        result_ttl_s: 0,
        credentials_arn: None,
        jwt_configuration: None,
    };
    apply_authorizer(&mut a, &b)?;
    let out = a.to_json();
    api_mut(gw, id)?.authorizers.insert(authorizer_id, a);
    changed(gw, id);
    Ok(ok(201, out))
}

fn update_authorizer(gw: &mut Gateway, id: &str, authorizer_id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let mut a = find_authorizer(api(gw, id)?, authorizer_id)?.clone();
    apply_authorizer(&mut a, &b)?;
    let out = a.to_json();
    api_mut(gw, id)?.authorizers.insert(authorizer_id.to_string(), a);
    changed(gw, id);
    Ok(ok(200, out))
}

fn route_settings_of(v: Option<&Value>) -> ApiResult<Option<RouteSettings>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let s: RouteSettings = serde_json::from_value(v.clone()).map_err(|e| ApiError::bad_request(format!("Invalid route settings: {e}")))?;
            if s.throttling_burst_limit.is_some_and(|b| b < 0) || s.throttling_rate_limit.is_some_and(|r| r < 0.0) {
                return Err(ApiError::bad_request("Throttling limits must not be negative"));
            }
            Ok(Some(s))
        }
    }
}

fn apply_stage(gw: &Gateway, api_id: &str, s: &mut Stage, b: &Map<String, Value>) -> ApiResult<()> {
    let a = api(gw, api_id)?;
    if let Some(d) = opt_str(b, "description")? {
        s.description = Some(d);
    }
    if let Some(d) = opt_str(b, "deploymentId")? {
        if !a.deployments.contains_key(&d) {
            return Err(deployment_not_found(&d));
        }
        s.deployment_id = Some(d);
    }
    if let Some(auto) = opt_bool(b, "autoDeploy")? {
        s.auto_deploy = auto;
    }
    if let Some(v) = opt_string_map(b, "stageVariables")? {
        for (k, val) in &v {
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ApiError::bad_request(format!("Stage variable names must be alphanumeric or underscores: '{k}'")));
            }
            if val.len() > 2048 {
                return Err(ApiError::bad_request(format!("The value of stage variable '{k}' is longer than 2048 characters")));
            }
        }
        s.stage_variables = v;
    }
    if let Some(r) = route_settings_of(b.get("defaultRouteSettings"))? {
        s.default_route_settings.merge(r);
    }
    if let Some(map) = b.get("routeSettings").and_then(Value::as_object) {
        for (key, v) in map {
            if !a.routes.values().any(|r| &r.route_key == key) {
                return Err(ApiError::not_found(format!("Unable to find route with key {key} in API {api_id}")));
            }
            if let Some(r) = route_settings_of(Some(v))? {
                s.route_settings.entry(key.clone()).or_default().merge(r);
            }
        }
    }
    if let Some(v) = b.get("accessLogSettings").filter(|v| !v.is_null()) {
        let l: AccessLogSettings = serde_json::from_value(v.clone()).map_err(|e| ApiError::bad_request(format!("Invalid access log settings: {e}")))?;
        if let Some(arn) = &l.destination_arn {
            if crate::engine::logs::group_from_arn(arn).is_none() {
                return Err(ApiError::bad_request(format!("Invalid destination ARN {arn}: it must name a CloudWatch Logs log group")));
            }
        }
        s.access_log_settings = Some(l);
    }
    Ok(())
}

fn create_stage(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let a = api(gw, id)?;
    let name = req_str(&b, "stageName")?;
    if name != "$default" && (name.is_empty() || name.len() > 128 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        return Err(ApiError::bad_request(format!("Stage name '{name}' is invalid: use letters, digits, hyphens and underscores, or $default")));
    }
    if a.stages.contains_key(&name) {
        return Err(ApiError::conflict(format!("Stage {name} already exists")));
    }
    let now = gw.now_ms();
    let mut stage = new_stage(&name, false, now, false);
    stage.default_route_settings = RouteSettings::default();
    apply_stage(gw, id, &mut stage, &b)?;
    stage.tags = opt_string_map(&b, "tags")?.unwrap_or_default();
    let mut a = gw.apis.remove(id).expect("checked above");
    a.stages.insert(name.clone(), stage);
    if a.stages[&name].auto_deploy {
        deploy_auto(gw, &mut a, now);
    }
    let out = a.stages[&name].to_json();
    gw.apis.insert(id.to_string(), a);
    gw.journal_api(id);
    Ok(ok(201, out))
}

fn update_stage(gw: &mut Gateway, id: &str, name: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let mut stage = find_stage(api(gw, id)?, name)?.clone();
    let was_auto = stage.auto_deploy;
    apply_stage(gw, id, &mut stage, &b)?;
    let now = gw.now_ms();
    stage.updated_ms = now;
    let mut a = gw.apis.remove(id).expect("checked above");
    let auto_now = stage.auto_deploy && !was_auto;
    a.stages.insert(name.to_string(), stage);
    if auto_now {
        deploy_auto(gw, &mut a, now);
    }
    prune_deployments(&mut a);
    let out = a.stages[name].to_json();
    gw.apis.insert(id.to_string(), a);
    gw.journal_api(id);
    Ok(ok(200, out))
}

fn create_deployment(gw: &mut Gateway, id: &str, b: Map<String, Value>) -> ApiResult<HttpResponse> {
    let a = api(gw, id)?;
    let stage = opt_str(&b, "stageName")?;
    if let Some(s) = &stage {
        let st = find_stage(a, s)?;
        if st.auto_deploy {
            return Err(ApiError::bad_request(format!("Stage {s} has autoDeploy enabled: it is deployed on every change")));
        }
    }
    if a.routes.is_empty() {
        return Err(ApiError::bad_request("Unable to deploy API because no routes exist in this API"));
    }
    check_deployable(a)?;
    let now = gw.now_ms();
    let deployment_id = new_deployment_id(gw, id);
    let a = api_mut(gw, id)?;
    let d = Deployment {
        deployment_id: deployment_id.clone(),
        description: opt_str(&b, "description")?,
        created_ms: now,
        auto_deployed: false,
        snapshot: a.snapshot(),
    };
    let out = d.to_json();
    a.deployments.insert(deployment_id.clone(), d);
    if let Some(s) = stage {
        let st = a.stages.get_mut(&s).expect("checked above");
        st.deployment_id = Some(deployment_id.clone());
        st.updated_ms = now;
        st.last_deployment_status_message = Some(format!("Successfully deployed stage with deployment ID '{deployment_id}'"));
        prune_deployments(a);
    }
    gw.journal_api(id);
    Ok(ok(201, out))
}

/// Every route's target must name an integration that exists.
fn check_deployable(a: &HttpApi) -> ApiResult<()> {
    for r in a.routes.values() {
        if let Some(i) = r.integration_id() {
            if !a.integrations.contains_key(i) {
                return Err(ApiError::bad_request(format!("Unable to deploy API: the route {} targets a missing integration {i}", r.route_key)));
            }
        }
    }
    Ok(())
}

fn new_deployment_id(gw: &mut Gateway, api_id: &str) -> String {
    loop {
        let d = gw.new_id(6);
        if !gw.apis.get(api_id).is_some_and(|a| a.deployments.contains_key(&d)) {
            return d;
        }
    }
}

/// Redeploys the API to its auto-deploy stages (after a change to its
/// routes, integrations or authorizers).
fn deploy_auto(gw: &mut Gateway, a: &mut HttpApi, now: u64) {
    if !a.stages.values().any(|s| s.auto_deploy) || a.routes.is_empty() || check_deployable(a).is_err() {
        return;
    }
    let deployment_id = loop {
        let d = gw.new_id(6);
        if !a.deployments.contains_key(&d) {
            break d;
        }
    };
    a.deployments.insert(
        deployment_id.clone(),
        Deployment {
            deployment_id: deployment_id.clone(),
            description: Some("Automatic deployment triggered by changes to the Api configuration".to_string()),
            created_ms: now,
            auto_deployed: true,
            snapshot: a.snapshot(),
        },
    );
    for s in a.stages.values_mut().filter(|s| s.auto_deploy) {
        s.deployment_id = Some(deployment_id.clone());
        s.last_deployment_status_message = Some(format!("Successfully deployed stage with deployment ID '{deployment_id}'"));
    }
    prune_deployments(a);
}

/// Forgets automatic deployments no stage serves any more (Stratus keeps
/// the deployments made by CreateDeployment, and the ones in use).
fn prune_deployments(a: &mut HttpApi) {
    let used: Vec<String> = a.stages.values().filter_map(|s| s.deployment_id.clone()).collect();
    a.deployments.retain(|id, d| !d.auto_deployed || used.contains(id));
}

/// After a change to routes, integrations or authorizers: redeploy the
/// auto-deploy stages and journal the API.
fn changed(gw: &mut Gateway, id: &str) {
    if let Some(mut a) = gw.apis.remove(id) {
        let now = gw.now_ms();
        deploy_auto(gw, &mut a, now);
        gw.apis.insert(id.to_string(), a);
    }
    gw.journal_api(id);
}

fn tags(gw: &mut Gateway, arn: &str, request: &HttpRequest) -> ApiResult<HttpResponse> {
    let id = arn
        .strip_prefix(&format!("arn:aws:apigateway:{}::/apis/", crate::engine::REGION))
        .filter(|id| !id.contains('/'))
        .ok_or_else(|| ApiError::not_found(format!("Invalid resource ARN specified {arn}")))?
        .to_string();
    api(gw, &id)?;
    match request.method.as_str() {
        "GET" => Ok(ok(200, json!({ "tags": api(gw, &id)?.tags }))),
        "POST" => {
            let tags = opt_string_map(&body(request)?, "tags")?.unwrap_or_default();
            api_mut(gw, &id)?.tags.extend(tags);
            gw.journal_api(&id);
            Ok(ok(201, json!({})))
        }
        "DELETE" => {
            let keys: Vec<String> = request.query_params().into_iter().filter(|(k, _)| k == "tagKeys").map(|(_, v)| v).collect();
            let a = api_mut(gw, &id)?;
            for k in keys {
                a.tags.remove(&k);
            }
            gw.journal_api(&id);
            Ok(no_content())
        }
        m => Err(ApiError { status: 404, kind: "UnknownOperationException", message: format!("Unknown operation: {m} /v2/tags/{arn}") }),
    }
}
