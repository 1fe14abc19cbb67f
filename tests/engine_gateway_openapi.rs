//! HTTP APIs' OpenAPI round trip: an API built with the management API
//! (quick create, routes of every kind, a Lambda authorizer, IAM auth,
//! CORS, tags) exported, imported as a new API and exported again gives the
//! same document (but for the new API's endpoint), in JSON and in YAML; and
//! the imported API answers its routes as the original does.
#![cfg(not(target_arch = "wasm32"))]

#[path = "gateway/support.rs"]
mod support;

use serde_json::{json, Value};
use stratus::engine::HttpRequest;
use support::{function_arn, Answer, T};

fn export(t: &T, id: &str, output: &str) -> String {
    let r = t.send(HttpRequest::from_target("GET", &format!("/_aws/apigateway/v2/apis/{id}/exports/OAS30?outputType={output}")));
    assert_eq!(r.status, 200, "{}", r.body_text());
    r.body_text()
}

fn without_servers(text: &str) -> Value {
    let mut doc = stratus::engine::gateway::openapi::parse_document(text).unwrap();
    doc.as_object_mut().unwrap().remove("servers");
    doc
}

fn built(t: &T) -> String {
    t.spy("items", &Answer::Fixed(r#"{"statusCode": 200, "body": "items"}"#.into()));
    t.spy("auth", &Answer::Fixed(r#"{"isAuthorized": true}"#.into()));
    let api = t.ok(
        "POST",
        "/v2/apis",
        json!({"name": "built", "protocolType": "HTTP", "target": function_arn("items"), "routeKey": "GET /items", "description": "d", "version": "7",
               "corsConfiguration": {"allowOrigins": ["*"], "allowHeaders": ["content-type"], "maxAge": 60}, "tags": {"team": "web"}}),
    );
    let id = api["apiId"].as_str().unwrap().to_string();
    let a = t.ok(
        "POST",
        &format!("/v2/apis/{id}/authorizers"),
        json!({"name": "gate", "authorizerType": "REQUEST", "authorizerUri": function_arn("auth"), "identitySource": ["$request.header.Authorization", "$request.querystring.org"],
               "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true, "authorizerResultTtlInSeconds": 60}),
    );
    let i1 = t.ok("POST", &format!("/v2/apis/{id}/integrations"), json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn("items"), "payloadFormatVersion": "1.0", "timeoutInMillis": 3000}));
    let i2 = t.ok("POST", &format!("/v2/apis/{id}/integrations"), json!({"integrationType": "HTTP_PROXY", "integrationUri": "https://example.com/{proxy}", "integrationMethod": "GET", "requestParameters": {"append:header.x-from": "stratus"}}));
    let target = |i: &Value| format!("integrations/{}", i["integrationId"].as_str().unwrap());
    for (key, integration, extra) in [
        ("GET /items/{id}", &i1, json!({"authorizationType": "CUSTOM", "authorizerId": a["authorizerId"], "operationName": "getItem"})),
        ("ANY /files/{proxy+}", &i2, json!({})),
        ("DELETE /items/{id}", &i1, json!({"authorizationType": "AWS_IAM"})),
        ("$default", &i1, json!({})),
        ("POST /bare", &i1, json!({})),
    ] {
        let mut b = json!({"routeKey": key, "target": target(integration)});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        t.ok("POST", &format!("/v2/apis/{id}/routes"), b);
    }
    // A route without an integration.
    t.ok("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "PUT /later"}));
    id
}

#[test]
fn export_import_export_is_the_same_document() {
    let t = T::new();
    let id = built(&t);
    for output in ["JSON", "YAML"] {
        let first = export(&t, &id, output);
        let imported = t.ok("PUT", "/v2/apis", json!({"body": first}));
        assert!(imported.get("warnings").is_none(), "{imported}");
        let copy = imported["apiId"].as_str().unwrap();
        assert_ne!(copy, id);
        let second = export(&t, copy, output);
        assert_eq!(without_servers(&first), without_servers(&second), "{output}:\n{first}\n---\n{second}");
        for key in ["name", "description", "version", "corsConfiguration", "tags"] {
            assert_eq!(imported[key], t.ok("GET", &format!("/v2/apis/{id}"), Value::Null)[key], "{key}");
        }
        // The copy serves the same routes once deployed.
        t.ok("POST", &format!("/v2/apis/{copy}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
        let r = t.send(HttpRequest::from_target("GET", &format!("/_api/{copy}/items")));
        assert_eq!((r.status, r.body_text()), (200, "items".to_string()));
        let r = t.send(HttpRequest::from_target("GET", &format!("/_api/{copy}/items/1?org=a")).with_header("authorization", "t"));
        assert_eq!(r.status, 200, "{}", r.body_text());
        let r = t.send(HttpRequest::from_target("GET", &format!("/_api/{copy}/items/1")));
        assert_eq!(r.status, 401, "the authorizer's identity sources are required: {}", r.body_text());
    }
}

#[test]
fn reimporting_an_export_changes_nothing() {
    let t = T::new();
    let id = built(&t);
    let first = export(&t, &id, "YAML");
    let again = t.ok("PUT", &format!("/v2/apis/{id}"), json!({"body": first}));
    assert_eq!(again["apiId"], json!(id));
    assert_eq!(without_servers(&first), without_servers(&export(&t, &id, "YAML")));
}

/// REST APIs: GetExport with API Gateway's extensions, ImportRestApi of it,
/// GetExport of the copy: the same document (but for the API's endpoint).
#[test]
fn rest_api_export_import_export_is_the_same_document() {
    let t = T::new();
    t.spy("items", &Answer::Fixed(r#"{"statusCode": 200, "body": "items"}"#.into()));
    let api = t.ok("POST", "/restapis", json!({"name": "rest", "description": "d", "version": "3"}));
    let id = api["id"].as_str().unwrap().to_string();
    let root = api["rootResourceId"].as_str().unwrap().to_string();
    let items = t.ok("POST", &format!("/restapis/{id}/resources/{root}"), json!({"pathPart": "items"}));
    let item = t.ok("POST", &format!("/restapis/{id}/resources/{}", items["id"].as_str().unwrap()), json!({"pathPart": "{id}"}));
    let item_id = item["id"].as_str().unwrap();
    t.ok("PUT", &format!("/restapis/{id}/resources/{item_id}/methods/GET"), json!({"authorizationType": "NONE", "requestParameters": {"method.request.querystring.q": true}}));
    t.ok("PUT", &format!("/restapis/{id}/resources/{item_id}/methods/GET/integration"), json!({"type": "AWS_PROXY", "httpMethod": "POST", "uri": function_arn("items")}));
    t.ok("PUT", &format!("/restapis/{id}/resources/{root}/methods/GET"), json!({"authorizationType": "NONE", "apiKeyRequired": true}));
    t.ok("PUT", &format!("/restapis/{id}/resources/{root}/methods/GET/integration"), json!({"type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}));
    t.ok("PUT", &format!("/restapis/{id}/resources/{root}/methods/GET/responses/200"), json!({}));
    t.ok("PUT", &format!("/restapis/{id}/resources/{root}/methods/GET/integration/responses/200"), json!({"responseTemplates": {"application/json": "home"}}));
    t.ok("POST", &format!("/restapis/{id}/deployments"), json!({"stageName": "prod"}));
    let get = |api: &str| {
        let r = t.send(HttpRequest::from_target("GET", &format!("/_aws/apigateway/restapis/{api}/stages/prod/exports/oas30?extensions=apigateway")));
        assert_eq!(r.status, 200, "{}", r.body_text());
        r.body_text()
    };
    let first = get(&id);
    let r = t.send(HttpRequest::from_target("POST", "/_aws/apigateway/restapis?mode=import").with_body(first.clone()));
    assert_eq!(r.status, 201, "{}", r.body_text());
    let copy: Value = serde_json::from_slice(&r.body).unwrap();
    let copy = copy["id"].as_str().unwrap().to_string();
    t.ok("POST", &format!("/restapis/{copy}/deployments"), json!({"stageName": "prod"}));
    assert_eq!(without_servers(&first), without_servers(&get(&copy)));
    let r = t.send(HttpRequest::from_target("GET", &format!("/_api/{copy}/prod/items/9?q=1")));
    assert_eq!((r.status, r.body_text()), (200, "items".to_string()));
}

/// A JWT authorizer in `components.securitySchemes` (as API Gateway exports
/// it) imports as a JWT authorizer with its issuer, audience and scopes,
/// exports back the same, and guards its route: no token, 401.
#[test]
fn a_jwt_security_scheme_imports_and_exports() {
    let t = T::new();
    t.spy("items", &Answer::Fixed(r#"{"statusCode": 200, "body": "items"}"#.into()));
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "guarded", "version": "1"},
        "paths": {"/items": {"get": {
            "security": [{"jwt": ["items.read"]}],
            "x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": function_arn("items"), "payloadFormatVersion": "2.0"}
        }}},
        "components": {"securitySchemes": {"jwt": {
            "type": "oauth2",
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "identitySource": "$request.header.Authorization",
                "jwtConfiguration": {"issuer": "https://issuer.example.com/pool", "audience": ["web"]}
            }
        }}}
    });
    let imported = t.ok("PUT", "/v2/apis", json!({"body": doc.to_string()}));
    let id = imported["apiId"].as_str().unwrap().to_string();
    let authorizers = t.ok("GET", &format!("/v2/apis/{id}/authorizers"), Value::Null);
    let a = &authorizers["items"][0];
    assert_eq!(a["authorizerType"], "JWT", "{authorizers}");
    assert_eq!(a["jwtConfiguration"]["issuer"], "https://issuer.example.com/pool");
    assert_eq!(a["jwtConfiguration"]["audience"], json!(["web"]));
    let routes = t.ok("GET", &format!("/v2/apis/{id}/routes"), Value::Null);
    let route = &routes["items"][0];
    assert_eq!((route["authorizationType"].as_str(), route["authorizationScopes"].clone()), (Some("JWT"), json!(["items.read"])), "{routes}");

    let first = export(&t, &id, "JSON");
    let copy = t.ok("PUT", "/v2/apis", json!({"body": first}));
    let second = export(&t, copy["apiId"].as_str().unwrap(), "JSON");
    assert_eq!(without_servers(&first), without_servers(&second));

    t.ok("POST", &format!("/v2/apis/{id}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
    let r = t.send(HttpRequest::from_target("GET", &format!("/_api/{id}/items")));
    assert_eq!(r.status, 401, "{}", r.body_text());
}
