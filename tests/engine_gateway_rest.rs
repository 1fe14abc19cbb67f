//! API Gateway REST APIs (v1) natively: the resource tree, Lambda proxy and
//! MOCK integrations, stages, throttling, API keys and usage plans,
//! authorizers, persistence, and the api-proxy sample end to end.
#![cfg(not(target_arch = "wasm32"))]

#[path = "gateway/support.rs"]
mod support;

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::store::MemoryStore;
use stratus::engine::{Cloud, HttpRequest};
use support::{function_arn, sample, Answer, T, START_MS};

fn body_json(r: &stratus::engine::HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body_text()))
}

/// A REST API with `paths` (resource paths), each with `methods` proxied to
/// `function`; returns (api id, path → resource id).
fn rest_api(t: &T, function: &str, paths: &[(&str, &[&str])]) -> (String, std::collections::HashMap<String, String>) {
    let api = t.ok("POST", "/restapis", json!({"name": "shop"}));
    let id = api["id"].as_str().unwrap().to_string();
    let mut ids = std::collections::HashMap::new();
    ids.insert("/".to_string(), api["rootResourceId"].as_str().unwrap().to_string());
    for (path, methods) in paths {
        // Create each missing ancestor.
        let mut current = String::new();
        for part in path.trim_start_matches('/').split('/').filter(|p| !p.is_empty()) {
            let parent = if current.is_empty() { "/".to_string() } else { current.clone() };
            current = format!("{current}/{part}");
            if !ids.contains_key(&current) {
                let r = t.ok("POST", &format!("/restapis/{id}/resources/{}", ids[&parent]), json!({"pathPart": part}));
                ids.insert(current.clone(), r["id"].as_str().unwrap().to_string());
            }
        }
        let rid = ids[if path.is_empty() { "/" } else { *path }].clone();
        for m in *methods {
            t.ok("PUT", &format!("/restapis/{id}/resources/{rid}/methods/{m}"), json!({"authorizationType": "NONE"}));
            t.ok(
                "PUT",
                &format!("/restapis/{id}/resources/{rid}/methods/{m}/integration"),
                json!({"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations", function_arn(function))}),
            );
        }
    }
    t.ok("POST", &format!("/restapis/{id}/deployments"), json!({"stageName": "prod"}));
    (id, ids)
}

#[test]
fn api_proxy_sample_through_a_rest_api() {
    let t = T::new();
    t.dynamo("CreateTable", json!({
        "TableName": "http-crud-tutorial-items", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    }));
    t.create_function("api", &sample("api-proxy"), json!({}));
    let (id, _) = rest_api(&t, "api", &[("/items", &["GET", "PUT"]), ("/items/{id}", &["GET", "DELETE"])]);
    let r = t.call("PUT", &format!("{id}/prod/items"), &[("Content-Type", "application/json")], r#"{"id":"b2","name":"ink"}"#);
    assert_eq!((r.status, body_json(&r)), (200, json!("Put item b2")));
    assert!(r.header("x-amzn-RequestId").is_some());
    let r = t.call("GET", &format!("{id}/prod/items/b2"), &[], "");
    assert_eq!((r.status, body_json(&r)), (200, json!({"id": "b2", "name": "ink"})));
    let r = t.call("GET", &format!("{id}/prod/items"), &[], "");
    assert_eq!(body_json(&r), json!([{"id": "b2", "name": "ink"}]));
    let r = t.call("DELETE", &format!("{id}/prod/items/b2"), &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(t.call("GET", &format!("{id}/prod/items/b2"), &[], "").status, 404);
    let r = t.call("POST", &format!("{id}/prod/items"), &[], "");
    assert_eq!((r.status, body_json(&r)), (403, json!({"message": "Missing Authentication Token"})));
    assert_eq!(r.header("x-amzn-ErrorType"), Some("MissingAuthenticationTokenException"));
}

#[test]
fn greedy_resources_and_any() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"body":"ok"}"#.into()));
    let (id, _) = rest_api(&t, "spy", &[("/files/{proxy+}", &["ANY"]), ("/files/readme", &["GET"])]);
    assert_eq!(t.call("PATCH", &format!("{id}/prod/files/a/b/c"), &[], "").status, 200);
    let e = t.events("spy").pop().unwrap();
    assert_eq!(e["resource"], "/files/{proxy+}");
    assert_eq!(e["pathParameters"], json!({"proxy": "a/b/c"}));
    assert_eq!(e["path"], "/files/a/b/c");
    assert_eq!(e["requestContext"]["path"], "/prod/files/a/b/c");
    assert_eq!(t.call("GET", &format!("{id}/prod/files/readme"), &[], "").status, 200);
    assert_eq!(t.events("spy").pop().unwrap()["resource"], "/files/readme");
    // A greedy resource cannot have children, and only one variable sibling is allowed.
    let resources = t.ok("GET", &format!("/restapis/{id}/resources"), Value::Null);
    let greedy = resources["item"].as_array().unwrap().iter().find(|r| r["path"] == "/files/{proxy+}").unwrap()["id"].as_str().unwrap().to_string();
    let (s, _) = t.apigw("POST", &format!("/restapis/{id}/resources/{greedy}"), json!({"pathPart": "x"}));
    assert_eq!(s, 400);
    let files = resources["item"].as_array().unwrap().iter().find(|r| r["path"] == "/files").unwrap()["id"].as_str().unwrap().to_string();
    let (s, v) = t.apigw("POST", &format!("/restapis/{id}/resources/{files}"), json!({"pathPart": "{name}"}));
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["message"], "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed");
}

#[test]
fn stage_throttling_from_method_settings() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"body":"ok"}"#.into()));
    let (id, _) = rest_api(&t, "spy", &[("/a", &["GET"]), ("/b", &["GET"])]);
    let s = t.ok(
        "PATCH",
        &format!("/restapis/{id}/stages/prod"),
        json!({"patchOperations": [
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
            {"op": "replace", "path": "/~1b/GET/throttling/burstLimit", "value": "0"},
            {"op": "replace", "path": "/variables/color", "value": "red"},
        ]}),
    );
    assert_eq!(s["methodSettings"]["*/*"]["throttlingBurstLimit"], 2);
    assert_eq!(s["methodSettings"]["b/GET"]["throttlingBurstLimit"], 0);
    assert_eq!(s["variables"], json!({"color": "red"}));
    let status = |p: &str| t.call("GET", &format!("{id}/prod{p}"), &[], "").status;
    assert_eq!(status("/a"), 200);
    assert_eq!(status("/a"), 200);
    let r = t.call("GET", &format!("{id}/prod/a"), &[], "");
    assert_eq!((r.status, body_json(&r)), (429, json!({"message": "Too Many Requests"})));
    assert_eq!(status("/b"), 429);
    t.clock.advance_ms(1000);
    assert_eq!(status("/a"), 200);
    assert_eq!(t.events("spy").pop().unwrap()["stageVariables"], json!({"color": "red"}));
}

#[test]
fn usage_plan_throttle_per_key() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"body":"ok"}"#.into()));
    let (id, ids) = rest_api(&t, "spy", &[("/data", &["GET"])]);
    let rid = &ids["/data"];
    t.ok("PATCH", &format!("/restapis/{id}/resources/{rid}/methods/GET"), json!({"patchOperations": [{"op": "replace", "path": "/apiKeyRequired", "value": "true"}]}));
    t.ok("POST", &format!("/restapis/{id}/deployments"), json!({"stageName": "prod"}));
    let key = t.ok("POST", "/apikeys", json!({"name": "k", "enabled": true}));
    let value = key["value"].as_str().unwrap().to_string();
    assert!(value.len() >= 20);
    let listed = t.ok("GET", "/apikeys", Value::Null);
    assert!(listed["item"][0].get("value").is_none(), "values only with includeValues=true");
    let plan = t.ok("POST", "/usageplans", json!({"name": "p", "apiStages": [{"apiId": id, "stage": "prod"}], "throttle": {"burstLimit": 1, "rateLimit": 1}}));
    let pid = plan["id"].as_str().unwrap();
    t.ok("POST", &format!("/usageplans/{pid}/keys"), json!({"keyId": key["id"], "keyType": "API_KEY"}));
    let call = || t.call("GET", &format!("{id}/prod/data"), &[("x-api-key", &value)], "").status;
    assert_eq!(call(), 200);
    assert_eq!(call(), 429);
    t.clock.advance_ms(1000);
    assert_eq!(call(), 200);
    // A disabled key is refused.
    t.ok("PATCH", &format!("/apikeys/{}", key["id"].as_str().unwrap()), json!({"patchOperations": [{"op": "replace", "path": "/enabled", "value": "false"}]}));
    t.clock.advance_ms(1000);
    assert_eq!(call(), 403);
}

#[test]
fn request_authorizer_with_cache() {
    let t = T::new();
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"body":"ok"}"#.into()));
    t.spy(
        "auth",
        &Answer::Fixed(r#"{"principalId":"p1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"role":"admin","n":1}}"#.into()),
    );
    let (id, ids) = rest_api(&t, "spy", &[("/admin", &["GET"])]);
    let a = t.ok(
        "POST",
        &format!("/restapis/{id}/authorizers"),
        json!({"name": "req", "type": "REQUEST", "authorizerUri": function_arn("auth"), "identitySource": "method.request.header.X-User, method.request.querystring.tenant", "authorizerResultTtlInSeconds": 60}),
    );
    let aid = a["id"].as_str().unwrap();
    let rid = &ids["/admin"];
    t.ok(
        "PATCH",
        &format!("/restapis/{id}/resources/{rid}/methods/GET"),
        json!({"patchOperations": [{"op": "replace", "path": "/authorizationType", "value": "CUSTOM"}, {"op": "replace", "path": "/authorizerId", "value": aid}]}),
    );
    t.ok("POST", &format!("/restapis/{id}/deployments"), json!({"stageName": "prod"}));
    assert_eq!(t.call("GET", &format!("{id}/prod/admin"), &[("X-User", "ada")], "").status, 401, "the tenant is missing");
    let r = t.call("GET", &format!("{id}/prod/admin?tenant=t1"), &[("X-User", "ada")], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    let auth = t.events("auth").pop().unwrap();
    assert_eq!(auth["type"], "REQUEST");
    assert_eq!(auth["methodArn"], format!("arn:aws:execute-api:us-east-1:000000000000:{id}/prod/GET/admin"));
    assert_eq!(auth["headers"]["X-User"], "ada");
    assert!(auth.get("body").is_none());
    let e = t.events("spy").pop().unwrap();
    assert_eq!(e["requestContext"]["authorizer"]["principalId"], "p1");
    assert_eq!(e["requestContext"]["authorizer"]["role"], "admin");
    // Cached for 60 s by identity.
    assert_eq!(t.call("GET", &format!("{id}/prod/admin?tenant=t1"), &[("X-User", "ada")], "").status, 200);
    assert_eq!(t.events("auth").len(), 1);
    t.clock.advance_ms(61_000);
    assert_eq!(t.call("GET", &format!("{id}/prod/admin?tenant=t1"), &[("X-User", "ada")], "").status, 200);
    assert_eq!(t.events("auth").len(), 2);
}

#[test]
fn mock_integrations_select_a_response() {
    let t = T::new();
    let api = t.ok("POST", "/restapis", json!({"name": "mock"}));
    let id = api["id"].as_str().unwrap();
    let root = api["rootResourceId"].as_str().unwrap();
    let r = t.ok("POST", &format!("/restapis/{id}/resources/{root}"), json!({"pathPart": "status"}));
    let rid = r["id"].as_str().unwrap();
    t.ok("PUT", &format!("/restapis/{id}/resources/{rid}/methods/GET"), json!({"authorizationType": "NONE"}));
    t.ok(
        "PUT",
        &format!("/restapis/{id}/resources/{rid}/methods/GET/integration"),
        json!({"type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": $input.params('code')}"}}),
    );
    t.ok("PUT", &format!("/restapis/{id}/resources/{rid}/methods/GET/integration/responses/200"), json!({"selectionPattern": "", "responseTemplates": {"application/json": "{\"ok\": true}"}}));
    t.ok("PUT", &format!("/restapis/{id}/resources/{rid}/methods/GET/integration/responses/404"), json!({"selectionPattern": "4\\d{2}", "responseTemplates": {"application/json": "{\"ok\": false, \"id\": \"$context.requestId\"}"}}));
    t.ok("POST", &format!("/restapis/{id}/deployments"), json!({"stageName": "s"}));
    let r = t.call("GET", &format!("{id}/s/status?code=200"), &[], "");
    assert_eq!((r.status, body_json(&r)), (200, json!({"ok": true})));
    let r = t.call("GET", &format!("{id}/s/status?code=404"), &[], "");
    assert_eq!(r.status, 404);
    assert_eq!(body_json(&r)["id"], r.header("x-amzn-RequestId").unwrap());
}

#[test]
fn rest_apis_keys_and_plans_survive_a_reload() {
    let clock = Rc::new(ManualClock::new(START_MS));
    let store = MemoryStore::new();
    let t = T { cloud: Cloud::with_store(clock.clone(), Rc::new(store.clone())), clock: clock.clone() };
    t.spy("spy", &Answer::Fixed(r#"{"statusCode":200,"body":"ok"}"#.into()));
    let (id, _) = rest_api(&t, "spy", &[("/x", &["GET"])]);
    let key = t.ok("POST", "/apikeys", json!({"name": "k", "enabled": true}));
    let plan = t.ok("POST", "/usageplans", json!({"name": "p", "apiStages": [{"apiId": id, "stage": "prod"}]}));
    t.ok("POST", &format!("/usageplans/{}/keys", plan["id"].as_str().unwrap()), json!({"keyId": key["id"], "keyType": "API_KEY"}));
    let before = (
        t.ok("GET", &format!("/restapis/{id}"), Value::Null),
        t.ok("GET", &format!("/restapis/{id}/resources?embed=methods"), Value::Null),
        t.ok("GET", "/usageplans", Value::Null),
        t.ok("GET", "/apikeys?includeValues=true", Value::Null),
    );
    let reloaded = Cloud::with_store(clock.clone(), Rc::new(MemoryStore::new()));
    reloaded.restore(&store.snapshot()).unwrap();
    let t2 = T { cloud: reloaded, clock };
    let after = (
        t2.ok("GET", &format!("/restapis/{id}"), Value::Null),
        t2.ok("GET", &format!("/restapis/{id}/resources?embed=methods"), Value::Null),
        t2.ok("GET", "/usageplans", Value::Null),
        t2.ok("GET", "/apikeys?includeValues=true", Value::Null),
    );
    assert_eq!(before, after);
    assert_eq!(t2.call("GET", &format!("{id}/prod/x"), &[], "").status, 200);
    // Deletes are journaled.
    let r = t.send(HttpRequest::new("DELETE", &format!("/_aws/apigateway/restapis/{id}")));
    assert_eq!(r.status, 202);
    assert!(!store.snapshot().iter().any(|(k, _)| k.starts_with("apigateway/v1/restapi/")));
}
