//! API Gateway HTTP APIs (v2) natively: the management API as
//! `@aws-sdk/client-apigatewayv2` calls it, and the invoke URLs with spy
//! functions (WAT reactors that log their event and answer as told) and the
//! api-proxy sample against a DynamoDB table.
#![cfg(not(target_arch = "wasm32"))]

#[path = "gateway/support.rs"]
mod support;

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::metrics::SeriesKey;
use stratus::engine::store::MemoryStore;
use stratus::engine::{Cloud, HttpRequest};
use support::{function_arn, sample, Answer, T, START_MS};

fn body_json(r: &stratus::engine::HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body_text()))
}

/// An API with one AWS_PROXY integration to `function` (payload `version`),
/// the given routes and an auto-deployed `$default` stage.
fn api_with_routes(t: &T, function: &str, version: &str, routes: &[&str]) -> (String, String) {
    let api = t.ok("POST", "/v2/apis", json!({"name": "test", "protocolType": "HTTP"}));
    let id = api["apiId"].as_str().unwrap().to_string();
    let integration = t.ok(
        "POST",
        &format!("/v2/apis/{id}/integrations"),
        json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn(function), "payloadFormatVersion": version}),
    );
    let integration_id = integration["integrationId"].as_str().unwrap().to_string();
    for key in routes {
        t.ok("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": key, "target": format!("integrations/{integration_id}")}));
    }
    t.ok("POST", &format!("/v2/apis/{id}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
    (id, integration_id)
}

#[test]
fn quick_create_serves_the_default_route() {
    let t = T::new();
    t.spy("spy", &Answer::Echo);
    let (s, api) = t.apigw("POST", "/v2/apis", json!({"name": "quick", "protocolType": "HTTP", "target": function_arn("spy")}));
    assert_eq!(s, 201, "{api}");
    let id = api["apiId"].as_str().unwrap();
    assert_eq!(id.len(), 10);
    assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{id}");
    assert_eq!(api["apiEndpoint"], format!("https://{id}.execute-api.us-east-1.amazonaws.com"));
    assert_eq!(api["routeSelectionExpression"], "${request.method} ${request.path}");
    assert_eq!(api["createdDate"], "2023-11-14T22:13:20Z");
    let routes = t.ok("GET", &format!("/v2/apis/{id}/routes"), Value::Null);
    assert_eq!(routes["items"][0]["routeKey"], "$default");
    assert_eq!(routes["items"][0]["apiGatewayManaged"], true);
    let integrations = t.ok("GET", &format!("/v2/apis/{id}/integrations"), Value::Null);
    assert_eq!(integrations["items"][0]["payloadFormatVersion"], "2.0");
    assert_eq!(integrations["items"][0]["integrationMethod"], "POST");
    let stages = t.ok("GET", &format!("/v2/apis/{id}/stages"), Value::Null);
    assert_eq!(stages["items"][0]["stageName"], "$default");
    assert_eq!(stages["items"][0]["autoDeploy"], true);
    assert!(stages["items"][0]["deploymentId"].is_string(), "{stages}");

    let r = t.call("GET", &format!("{id}/hello/world?a=1&a=2&b=x%20y"), &[("User-Agent", "test"), ("Cookie", "c1=1; c2=2"), ("X-Multi", "p"), ("x-multi", "q")], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("apigw-requestid").is_some_and(|v| v.len() == 16));
    let event = body_json(&r);
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/hello/world");
    assert_eq!(event["rawQueryString"], "a=1&a=2&b=x%20y");
    assert_eq!(event["queryStringParameters"], json!({"a": "1,2", "b": "x y"}));
    assert_eq!(event["cookies"], json!(["c1=1", "c2=2"]));
    assert_eq!(event["headers"]["user-agent"], "test");
    assert_eq!(event["headers"]["x-multi"], "p,q");
    assert!(event["headers"].get("cookie").is_none());
    assert_eq!(event["headers"]["host"], format!("{id}.execute-api.us-east-1.amazonaws.com"));
    assert_eq!(event["isBase64Encoded"], false);
    assert!(event.get("body").is_none() && event.get("pathParameters").is_none() && event.get("stageVariables").is_none());
    let ctx = &event["requestContext"];
    assert_eq!(ctx["accountId"], "000000000000");
    assert_eq!(ctx["apiId"], id);
    assert_eq!(ctx["domainPrefix"], id);
    assert_eq!(ctx["http"], json!({"method": "GET", "path": "/hello/world", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"}));
    assert_eq!(ctx["stage"], "$default");
    assert_eq!(ctx["time"], "14/Nov/2023:22:13:20 +0000");
    assert_eq!(ctx["timeEpoch"], START_MS);
    assert_eq!(ctx["requestId"], r.header("apigw-requestid").unwrap());
    // The function logged the same event.
    assert_eq!(t.events("spy").last().unwrap(), &event);
}

#[test]
fn management_errors_as_aws_answers_them() {
    let t = T::new();
    let r = t.send(HttpRequest::new("GET", "/_aws/apigateway/v2/apis/nope"));
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("NotFoundException"));
    assert_eq!(body_json(&r), json!({"message": "Invalid API identifier specified 000000000000:nope"}));
    let (s, v) = t.apigw("POST", "/v2/apis", json!({"name": "x", "protocolType": "SOAP"}));
    assert_eq!((s, v["message"].as_str().unwrap()), (400, "Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]"));
    let api = t.ok("POST", "/v2/apis", json!({"name": "x", "protocolType": "HTTP"}));
    let id = api["apiId"].as_str().unwrap();
    t.ok("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "GET /items/{id}"}));
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "GET /items/{id}"}));
    assert_eq!(s, 409, "{v}");
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "DELETE /items/{itemId}"}));
    assert_eq!(s, 409, "{v}");
    assert_eq!(
        v["message"],
        "The provided route key \"DELETE /items/{itemId}\" has a conflicting variable on the same hierarchical level as \"GET /items/{id}\""
    );
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "GET items"}));
    assert_eq!(s, 400, "{v}");
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "GET /x", "target": "integrations/zzzzzzz"}));
    assert_eq!((s, v["message"].as_str().unwrap()), (404, "Invalid Integration identifier specified zzzzzzz"));
    let (s, v) = t.apigw(
        "POST",
        &format!("/v2/apis/{id}/integrations"),
        json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn("f"), "payloadFormatVersion": "2.0", "timeoutInMillis": 40000}),
    );
    assert_eq!((s, v["message"].as_str().unwrap()), (400, "Timeout must be between 50 milliseconds and 30 seconds."));
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{id}/deployments"), json!({}));
    assert_eq!(s, 201, "routes exist: {v}");
    let (s, v) = t.apigw("GET", &format!("/v2/apis/{id}/stages/nope"), Value::Null);
    assert_eq!(s, 404, "{v}");
    let (s, _) = t.apigw("POST", &format!("/v2/apis/{id}/stages"), json!({"stageName": "dev"}));
    assert_eq!(s, 201);
    let (s, _) = t.apigw("POST", &format!("/v2/apis/{id}/stages"), json!({"stageName": "dev"}));
    assert_eq!(s, 409);
    let r = t.send(HttpRequest::new("GET", "/_aws/apigateway/v2/whatever"));
    assert_eq!((r.status, r.header("x-amzn-ErrorType")), (404, Some("UnknownOperationException")));
    // Lists page with maxResults and nextToken.
    for n in 0..3 {
        t.ok("POST", "/v2/apis", json!({"name": format!("more{n}"), "protocolType": "HTTP"}));
    }
    let page = t.ok("GET", "/v2/apis?maxResults=3", Value::Null);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let token = page["nextToken"].as_str().unwrap();
    let rest = t.ok("GET", &format!("/v2/apis?maxResults=3&nextToken={token}"), Value::Null);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest.get("nextToken").is_none());
    // Delete.
    let r = t.send(HttpRequest::new("DELETE", &format!("/_aws/apigateway/v2/apis/{id}")));
    assert_eq!(r.status, 204);
    assert_eq!(t.apigw("GET", &format!("/v2/apis/{id}"), Value::Null).0, 404);
}

#[test]
fn named_stages_serve_their_deployment() {
    let t = T::new();
    t.spy("spy", &Answer::Echo);
    let api = t.ok("POST", "/v2/apis", json!({"name": "staged", "protocolType": "HTTP"}));
    let id = api["apiId"].as_str().unwrap();
    let i = t.ok("POST", &format!("/v2/apis/{id}/integrations"), json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn("spy"), "payloadFormatVersion": "2.0"}));
    let target = format!("integrations/{}", i["integrationId"].as_str().unwrap());
    t.ok("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "GET /items/{id}", "target": target}));
    t.ok("POST", &format!("/v2/apis/{id}/stages"), json!({"stageName": "dev", "stageVariables": {"color": "blue"}}));
    assert_eq!(t.call("GET", &format!("{id}/dev/items/7"), &[], "").status, 404, "a stage without a deployment serves nothing");
    let d = t.ok("POST", &format!("/v2/apis/{id}/deployments"), json!({"stageName": "dev", "description": "first"}));
    assert_eq!(d["deploymentStatus"], "DEPLOYED");
    assert_eq!(d["autoDeployed"], false);
    let r = t.call("GET", &format!("{id}/dev/items/a%20b"), &[], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    let e = body_json(&r);
    assert_eq!(e["routeKey"], "GET /items/{id}");
    assert_eq!(e["rawPath"], "/dev/items/a%20b");
    assert_eq!(e["pathParameters"], json!({"id": "a b"}));
    assert_eq!(e["stageVariables"], json!({"color": "blue"}));
    assert_eq!(e["requestContext"]["stage"], "dev");
    // A new route is not served until it is deployed.
    t.ok("POST", &format!("/v2/apis/{id}/routes"), json!({"routeKey": "POST /items", "target": target}));
    let r = t.call("POST", &format!("{id}/dev/items"), &[], "{}");
    assert_eq!((r.status, body_json(&r)), (404, json!({"message": "Not Found"})));
    t.ok("POST", &format!("/v2/apis/{id}/deployments"), json!({"stageName": "dev"}));
    assert_eq!(t.call("POST", &format!("{id}/dev/items"), &[], "{}").status, 200);
    // Unknown stage, API and route.
    assert_eq!(t.call("GET", &format!("{id}/prod/items/1"), &[], "").status, 404);
    assert_eq!(t.call("GET", "nosuchapi0/items", &[], "").status, 404);
    assert_eq!(t.call("GET", &format!("{id}/dev/nothing"), &[], "").status, 404);
    // Both deployments are listed; the one in use cannot be deleted.
    let list = t.ok("GET", &format!("/v2/apis/{id}/deployments"), Value::Null);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let current = t.ok("GET", &format!("/v2/apis/{id}/stages/dev"), Value::Null)["deploymentId"].as_str().unwrap().to_string();
    let (s, v) = t.apigw("DELETE", &format!("/v2/apis/{id}/deployments/{current}"), Value::Null);
    assert_eq!(s, 400, "{v}");
}

#[test]
fn route_selection_by_specificity() {
    let t = T::new();
    t.spy("spy", &Answer::Echo);
    let keys = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"];
    let (id, _) = api_with_routes(&t, "spy", "2.0", &keys);
    let route = |method: &str, path: &str| {
        let r = t.call(method, &format!("{id}{path}"), &[], "");
        assert_eq!(r.status, 200, "{method} {path}: {}", r.body_text());
        let e = body_json(&r);
        (e["routeKey"].as_str().unwrap().to_string(), e.get("pathParameters").cloned().unwrap_or(Value::Null))
    };
    assert_eq!(route("GET", "/pets/dog/1"), ("GET /pets/dog/1".into(), Value::Null));
    assert_eq!(route("GET", "/pets/dog/2"), ("GET /pets/dog/{id}".into(), json!({"id": "2"})));
    assert_eq!(route("GET", "/pets/cat/1"), ("GET /pets/{proxy+}".into(), json!({"proxy": "cat/1"})));
    assert_eq!(route("POST", "/pets/dog/1"), ("ANY /{proxy+}".into(), json!({"proxy": "pets/dog/1"})));
    assert_eq!(route("GET", "/"), ("$default".into(), Value::Null));
}

#[test]
fn payload_format_1_0() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":201,"headers":{"x-one":"1"},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"made"}"#.into()));
    let (id, _) = api_with_routes(&t, "spy", "1.0", &["POST /things/{name}"]);
    let r = t.call("POST", &format!("{id}/things/box?size=big&size=small&x=1"), &[("Content-Type", "application/json"), ("X-H", "a"), ("x-h", "b")], r#"{"n":1}"#);
    assert_eq!(r.status, 201, "{}", r.body_text());
    assert_eq!(r.body_text(), "made");
    assert_eq!(r.header("x-one"), Some("1"));
    assert_eq!(r.headers.iter().filter(|(n, _)| n == "set-cookie").count(), 2);
    let e = t.events("spy").pop().unwrap();
    assert_eq!(e["version"], "1.0");
    assert_eq!(e["resource"], "/things/{name}");
    assert_eq!(e["path"], "/things/box");
    assert_eq!(e["httpMethod"], "POST");
    assert_eq!(e["headers"]["x-h"], "b");
    assert_eq!(e["multiValueHeaders"]["x-h"], json!(["a", "b"]));
    assert_eq!(e["queryStringParameters"], json!({"size": "small", "x": "1"}));
    assert_eq!(e["multiValueQueryStringParameters"], json!({"size": ["big", "small"], "x": ["1"]}));
    assert_eq!(e["pathParameters"], json!({"name": "box"}));
    assert_eq!(e["stageVariables"], Value::Null);
    assert_eq!(e["body"], r#"{"n":1}"#);
    assert_eq!(e["isBase64Encoded"], false);
    assert_eq!(e["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(e["requestContext"]["resourcePath"], "/things/{name}");
    assert_eq!(e["requestContext"]["requestTimeEpoch"], START_MS);
    // Without a statusCode, a 1.0 answer is malformed.
    t.spy("spy", &Answer::Fixed(r#"{"message":"hi"}"#.into()));
    let r = t.call("POST", &format!("{id}/things/box"), &[], "");
    assert_eq!((r.status, body_json(&r)), (502, json!({"message": "Internal Server Error"})));
}

#[test]
fn answers_are_mapped_and_inferred() {
    let t = T::new();
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["ANY /{proxy+}"]);
    let cases: Vec<(&str, u16, &str, Option<&str>)> = vec![
        (r#""Hello from Lambda!""#, 200, "Hello from Lambda!", Some("application/json")),
        (r#"{"message":"Hello"}"#, 200, r#"{"message":"Hello"}"#, Some("application/json")),
        ("[1,2]", 200, "[1,2]", Some("application/json")),
        (r#"{"statusCode":404,"body":"nope"}"#, 404, "nope", Some("text/plain; charset=utf-8")),
        (r#"{"statusCode":200,"headers":{"Content-Type":"image/png"},"isBase64Encoded":true,"body":"iVBORw=="}"#, 200, "\u{89}PNG", Some("image/png")),
        (r#"{"statusCode":204}"#, 204, "", None),
    ];
    for (answer, status, body, content_type) in cases {
        t.spy("spy", &Answer::Fixed(answer.into()));
        let r = t.call("GET", &format!("{id}/x"), &[], "");
        assert_eq!(r.status, status, "{answer}: {}", r.body_text());
        if body == "\u{89}PNG" {
            assert_eq!(r.body, vec![0x89, b'P', b'N', b'G']);
        } else {
            assert_eq!(r.body_text(), body, "{answer}");
        }
        assert_eq!(r.header("content-type"), content_type, "{answer}");
    }
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"cookies":["a=1; Path=/","b=2"],"body":"ok"}"#.into()));
    let r = t.call("GET", &format!("{id}/x"), &[], "");
    let cookies: Vec<&str> = r.headers.iter().filter(|(n, _)| n == "set-cookie").map(|(_, v)| v.as_str()).collect();
    assert_eq!(cookies, vec!["a=1; Path=/", "b=2"]);
    for malformed in ["not json", r#"{"statusCode":200,"body":{"a":1}}"#, r#"{"statusCode":"abc"}"#] {
        t.spy("spy", &Answer::Fixed(malformed.into()));
        let r = t.call("GET", &format!("{id}/x"), &[], "");
        assert_eq!((r.status, body_json(&r)), (502, json!({"message": "Internal Server Error"})), "{malformed}");
    }
    t.spy("spy", &Answer::Fail(r#"{"errorType":"Error","errorMessage":"boom"}"#.into()));
    let r = t.call("GET", &format!("{id}/x"), &[], "");
    assert_eq!((r.status, body_json(&r)), (502, json!({"message": "Internal Server Error"})));
    // Binary bodies reach the function in base64; text bodies as they are.
    t.spy("spy", &Answer::Echo);
    let r = t.call("POST", &format!("{id}/x"), &[("content-type", "application/octet-stream")], "\u{1}\u{2}");
    let e = body_json(&r);
    assert_eq!((e["body"].as_str(), e["isBase64Encoded"].as_bool()), (Some("AQI="), Some(true)));
    let r = t.call("POST", &format!("{id}/x"), &[("content-type", "text/plain; charset=utf-8")], "héllo");
    let e = body_json(&r);
    assert_eq!((e["body"].as_str(), e["isBase64Encoded"].as_bool()), (Some("héllo"), Some(false)));
    assert_eq!(e["headers"]["content-length"], "6");
}

#[test]
fn missing_function_is_a_500() {
    let t = T::new();
    let (id, _) = api_with_routes(&t, "ghost", "2.0", &["GET /x"]);
    let r = t.call("GET", &format!("{id}/x"), &[], "");
    assert_eq!((r.status, body_json(&r)), (500, json!({"message": "Internal Server Error"})));
}

#[test]
fn integration_timeouts() {
    let t = T::new();
    t.spy("slow", &Answer::Spin);
    let (id, integration) = api_with_routes(&t, "slow", "2.0", &["GET /slow"]);
    // The function's own 1 s timeout comes first: a function error, 502.
    let r = t.call("GET", &format!("{id}/slow"), &[], "");
    assert_eq!(r.status, 502, "{}", r.body_text());
    // With a 50 ms integration timeout the gateway gives up first.
    t.ok("PATCH", &format!("/v2/apis/{id}/integrations/{integration}"), json!({"timeoutInMillis": 50}));
    let r = t.call("GET", &format!("{id}/slow"), &[], "");
    assert_eq!((r.status, body_json(&r)), (504, json!({"message": "Endpoint request timed out"})));
}

#[test]
fn throttling_per_stage_and_route() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#""ok""#.into()));
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["GET /a", "GET /b"]);
    t.ok(
        "PATCH",
        &format!("/v2/apis/{id}/stages/$default"),
        json!({"defaultRouteSettings": {"throttlingBurstLimit": 2, "throttlingRateLimit": 1.0}, "routeSettings": {"GET /b": {"throttlingBurstLimit": 0, "throttlingRateLimit": 0.0}}}),
    );
    let status = |path: &str| t.call("GET", &format!("{id}{path}"), &[], "").status;
    assert_eq!(status("/a"), 200);
    assert_eq!(status("/a"), 200);
    let r = t.call("GET", &format!("{id}/a"), &[], "");
    assert_eq!((r.status, body_json(&r)), (429, json!({"message": "Too Many Requests"})));
    assert_eq!(status("/b"), 429, "a route throttled to zero");
    t.clock.advance_ms(1000);
    assert_eq!(status("/a"), 200, "one token a second");
    assert_eq!(status("/a"), 429);
}

#[test]
fn cors_preflight_and_headers() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"headers":{"access-control-allow-origin":"https://evil.example"},"body":"ok"}"#.into()));
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["GET /items"]);
    t.ok(
        "PATCH",
        &format!("/v2/apis/{id}"),
        json!({"corsConfiguration": {"allowOrigins": ["https://app.example.com"], "allowMethods": ["GET", "POST"], "allowHeaders": ["content-type", "x-api-key"], "exposeHeaders": ["x-total"], "maxAge": 300}}),
    );
    let r = t.call("OPTIONS", &format!("{id}/items"), &[("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST")], "");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET,POST"));
    assert_eq!(r.header("access-control-allow-headers"), Some("content-type,x-api-key"));
    assert_eq!(r.header("access-control-max-age"), Some("300"));
    assert!(t.events("spy").is_empty(), "the function does not see preflights");
    let r = t.call("GET", &format!("{id}/items"), &[("Origin", "https://app.example.com")], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(r.header("access-control-expose-headers"), Some("x-total"));
    let r = t.call("GET", &format!("{id}/items"), &[("Origin", "https://other.example")], "");
    assert_eq!(r.header("access-control-allow-origin"), None, "the backend's CORS headers are ignored");
    // Without CORS, OPTIONS is an ordinary request (no route: 404).
    let r = t.send(HttpRequest::new("DELETE", &format!("/_aws/apigateway/v2/apis/{id}/cors")));
    assert_eq!(r.status, 204);
    let r = t.call("OPTIONS", &format!("{id}/items"), &[("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST")], "");
    assert_eq!(r.status, 404);
}

#[test]
fn metrics_and_access_logs() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#""ok""#.into()));
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["GET /ok"]);
    t.ok(
        "PATCH",
        &format!("/v2/apis/{id}/stages/$default"),
        json!({"accessLogSettings": {"destinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:api-logs", "format": "$context.requestId $context.httpMethod $context.routeKey $context.status $context.error.message"}}),
    );
    assert_eq!(t.call("GET", &format!("{id}/ok"), &[], "").status, 200);
    assert_eq!(t.call("GET", &format!("{id}/missing"), &[], "").status, 404);
    let query = |name: &str, dims: &[(&str, &str)]| {
        let points = t.cloud.metrics().query(&SeriesKey::new("AWS/ApiGateway", name, dims), START_MS / 1000 - 60, START_MS / 1000 + 60, 60);
        points.iter().map(|p| p.stat.sum).sum::<f64>()
    };
    assert_eq!(query("Count", &[("ApiId", &id)]), 2.0);
    assert_eq!(query("4xx", &[("ApiId", &id)]), 1.0);
    assert_eq!(query("5xx", &[("ApiId", &id), ("Stage", "$default")]), 0.0);
    let points = t.cloud.metrics().query(&SeriesKey::new("AWS/ApiGateway", "IntegrationLatency", &[("ApiId", &id)]), START_MS / 1000 - 60, START_MS / 1000 + 60, 60);
    assert_eq!(points.iter().map(|p| p.stat.count).sum::<f64>(), 1.0, "one request reached the integration");
    let r = t.send(
        HttpRequest::new("POST", "/_aws/logs/")
            .with_header("x-amz-target", "Logs_20140328.FilterLogEvents")
            .with_body(json!({"logGroupName": "api-logs"}).to_string()),
    );
    let v = body_json(&r);
    let lines: Vec<&str> = v["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].ends_with(" GET GET /ok 200 -"), "{lines:?}");
    assert!(lines[1].ends_with(" GET - 404 Not Found"), "{lines:?}");
}

#[test]
fn apis_survive_a_reload() {
    let clock = Rc::new(ManualClock::new(START_MS));
    let store = MemoryStore::new();
    let cloud = Cloud::with_store(clock.clone(), Rc::new(store.clone()));
    let t = T { cloud, clock: clock.clone() };
    t.spy("spy", &Answer::Echo);
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["GET /items/{id}"]);
    t.ok("POST", &format!("/v2/apis/{id}/stages"), json!({"stageName": "prod", "stageVariables": {"v": "1"}}));
    t.ok("POST", &format!("/v2/apis/{id}/deployments"), json!({"stageName": "prod"}));
    assert!(store.snapshot().iter().any(|(k, _)| k == &format!("apigateway/v2/api/{id}")));
    let before = t.ok("GET", &format!("/v2/apis/{id}"), Value::Null);
    let stages_before = t.ok("GET", &format!("/v2/apis/{id}/stages"), Value::Null);

    let reloaded = Cloud::with_store(clock.clone(), Rc::new(MemoryStore::new()));
    reloaded.restore(&store.snapshot()).unwrap();
    let t2 = T { cloud: reloaded, clock };
    assert_eq!(t2.ok("GET", &format!("/v2/apis/{id}"), Value::Null), before);
    assert_eq!(t2.ok("GET", &format!("/v2/apis/{id}/stages"), Value::Null), stages_before);
    let r = t2.call("GET", &format!("{id}/prod/items/9"), &[], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(body_json(&r)["stageVariables"], json!({"v": "1"}));
    // Deleting is journaled too.
    let r = t.send(HttpRequest::new("DELETE", &format!("/_aws/apigateway/v2/apis/{id}")));
    assert_eq!(r.status, 204);
    assert!(!store.snapshot().iter().any(|(k, _)| k.starts_with("apigateway/")));
}

#[test]
fn http_proxy_to_another_api() {
    let t = T::new();
    t.spy("spy", &Answer::Echo);
    let (backend, _) = api_with_routes(&t, "spy", "2.0", &["GET /inner/{proxy+}"]);
    let front = t.ok(
        "POST",
        "/v2/apis",
        json!({"name": "front", "protocolType": "HTTP", "target": format!("https://{backend}.execute-api.us-east-1.amazonaws.com/inner/{{proxy}}"), "routeKey": "ANY /outer/{proxy+}"}),
    );
    let front = front["apiId"].as_str().unwrap();
    let r = t.call("GET", &format!("{front}/outer/a/b?q=1"), &[("x-custom", "yes")], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    let e = body_json(&r);
    assert_eq!(e["routeKey"], "GET /inner/{proxy+}");
    assert_eq!(e["rawPath"], "/inner/a/b");
    assert_eq!(e["rawQueryString"], "q=1");
    assert_eq!(e["headers"]["x-custom"], "yes");
    // A loop ends with an error rather than a stack overflow.
    let looped = t.ok("POST", "/v2/apis", json!({"name": "loop", "protocolType": "HTTP", "target": "/_api/placeholder"}));
    let lid = looped["apiId"].as_str().unwrap();
    let integrations = t.ok("GET", &format!("/v2/apis/{lid}/integrations"), Value::Null);
    let iid = integrations["items"][0]["integrationId"].as_str().unwrap();
    t.ok("PATCH", &format!("/v2/apis/{lid}/integrations/{iid}"), json!({"integrationUri": format!("/_api/{lid}/again")}));
    let r = t.call("GET", &format!("{lid}/start"), &[], "");
    assert_eq!(r.status, 500, "{}", r.body_text());
}

#[test]
fn lambda_request_authorizer_with_simple_responses_and_caching() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#""secret""#.into()));
    t.spy("auth", &Answer::Fixed(r#"{"isAuthorized":true,"context":{"user":"ada"}}"#.into()));
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["GET /private"]);
    let a = t.ok(
        "POST",
        &format!("/v2/apis/{id}/authorizers"),
        json!({"name": "lam", "authorizerType": "REQUEST", "authorizerUri": function_arn("auth"), "identitySource": ["$request.header.Authorization"], "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true, "authorizerResultTtlInSeconds": 300}),
    );
    let aid = a["authorizerId"].as_str().unwrap();
    let routes = t.ok("GET", &format!("/v2/apis/{id}/routes"), Value::Null);
    let rid = routes["items"][0]["routeId"].as_str().unwrap();
    t.ok("PATCH", &format!("/v2/apis/{id}/routes/{rid}"), json!({"authorizationType": "CUSTOM", "authorizerId": aid}));
    let r = t.call("GET", &format!("{id}/private"), &[], "");
    assert_eq!((r.status, body_json(&r)), (401, json!({"message": "Unauthorized"})), "no identity source: refused without a call");
    assert!(t.events("auth").is_empty());
    let r = t.call("GET", &format!("{id}/private"), &[("Authorization", "token-1")], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    let auth_event = t.events("auth").pop().unwrap();
    assert_eq!(auth_event["type"], "REQUEST");
    assert_eq!(auth_event["identitySource"], json!(["token-1"]));
    assert_eq!(auth_event["routeArn"], format!("arn:aws:execute-api:us-east-1:000000000000:{id}/$default/GET/private"));
    let e = t.events("spy").pop().unwrap();
    assert_eq!(e["requestContext"]["authorizer"], json!({"lambda": {"user": "ada"}}));
    // Cached: the authorizer is not called again for the same identity.
    t.spy("auth", &Answer::Fixed(r#"{"isAuthorized":false}"#.into()));
    assert_eq!(t.call("GET", &format!("{id}/private"), &[("Authorization", "token-1")], "").status, 200);
    assert_eq!(t.events("auth").len(), 1);
    let r = t.call("GET", &format!("{id}/private"), &[("Authorization", "token-2")], "");
    assert_eq!((r.status, body_json(&r)), (403, json!({"message": "Forbidden"})));
    t.spy("auth", &Answer::Fail(r#"{"errorMessage":"no"}"#.into()));
    let r = t.call("GET", &format!("{id}/private"), &[("Authorization", "token-3")], "");
    assert_eq!(r.status, 500);
}

#[test]
fn api_proxy_sample_end_to_end() {
    let t = T::new();
    t.dynamo("CreateTable", json!({
        "TableName": "http-crud-tutorial-items", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }));
    t.create_function("api", &sample("api-proxy"), json!({"Environment": {"Variables": {"TABLE_NAME": "http-crud-tutorial-items"}}}));
    for version in ["2.0", "1.0"] {
        let (id, _) = api_with_routes(&t, "api", version, &["GET /items", "GET /items/{id}", "PUT /items", "DELETE /items/{id}"]);
        let r = t.call("PUT", &format!("{id}/items"), &[("content-type", "application/json")], r#"{"id":"a1","price":12,"name":"pen"}"#);
        assert_eq!(r.status, 200, "{version}: {}", r.body_text());
        assert_eq!(body_json(&r), json!("Put item a1"));
        let r = t.call("GET", &format!("{id}/items/a1"), &[], "");
        assert_eq!((r.status, body_json(&r)), (200, json!({"id": "a1", "price": 12, "name": "pen"})), "{version}");
        let r = t.call("GET", &format!("{id}/items"), &[], "");
        assert_eq!(body_json(&r).as_array().unwrap().len(), 1);
        let r = t.call("DELETE", &format!("{id}/items/a1"), &[], "");
        assert_eq!((r.status, body_json(&r)), (200, json!("Deleted item a1")));
        let r = t.call("GET", &format!("{id}/items/a1"), &[], "");
        assert_eq!(r.status, 404);
        let r = t.call("PUT", &format!("{id}/items"), &[("content-type", "application/json")], "not json");
        assert_eq!(r.status, 400);
        let r = t.call("POST", &format!("{id}/items"), &[], "");
        assert_eq!((r.status, body_json(&r)), (404, json!({"message": "Not Found"})), "no route: the gateway's own 404");
    }
    let item = t.dynamo("Scan", json!({"TableName": "http-crud-tutorial-items"}));
    assert_eq!(item["Count"], 0);
}

#[test]
fn the_modules_a_request_needs_are_known_before_it_runs() {
    let t = T::new();
    t.spy("spy", &Answer::Echo);
    t.spy("auth", &Answer::Fixed(r#"{"isAuthorized":true}"#.into()));
    let (id, _) = api_with_routes(&t, "spy", "2.0", &["GET /items/{id}"]);
    let a = t.ok(
        "POST",
        &format!("/v2/apis/{id}/authorizers"),
        json!({"name": "a", "authorizerType": "REQUEST", "authorizerUri": function_arn("auth"), "identitySource": ["$request.header.x"], "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true}),
    );
    let rid = t.ok("GET", &format!("/v2/apis/{id}/routes"), Value::Null)["items"][0]["routeId"].as_str().unwrap().to_string();
    t.ok("PATCH", &format!("/v2/apis/{id}/routes/{rid}"), json!({"authorizationType": "CUSTOM", "authorizerId": a["authorizerId"]}));
    let request = HttpRequest::new("GET", &format!("/_api/{id}/items/1"));
    let needed = stratus::engine::gateway::dispatch::needs(&t.cloud, &id, "items/1", &request).modules;
    assert_eq!(needed.len(), 2, "{needed:?}");
    assert!(needed.iter().all(|(_, memory)| *memory == 128));
    assert!(stratus::engine::gateway::dispatch::needs(&t.cloud, &id, "nothing", &request).modules.is_empty());
}
