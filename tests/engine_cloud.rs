//! The engine's front door: every path answers in its protocol's own format.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use stratus::engine::cloud::{route, Route};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest, HttpResponse};

fn cloud() -> std::rc::Rc<Cloud> {
    Cloud::new(Rc::new(ManualClock::new(1_700_000_000_000)))
}

fn send(request: HttpRequest) -> HttpResponse {
    pollster::block_on(cloud().handle(request))
}

fn json(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).expect("body is JSON")
}

#[test]
fn dynamodb_unknown_target_is_unknown_operation() {
    let response = send(
        HttpRequest::new("POST", "/_aws/dynamodb/")
            .with_header("X-Amz-Target", "DynamoDB_20120810.NoSuchThing")
            .with_header("Content-Type", "application/x-amz-json-1.0")
            .with_body("{}"),
    );
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some("application/x-amz-json-1.0"));
    assert_eq!(response.header("x-amzn-errortype"), Some("UnknownOperationException"));
    assert_eq!(json(&response)["__type"], "com.amazon.coral.service#UnknownOperationException");
    assert!(response.header("x-amzn-requestid").is_some());
}

#[test]
fn dynamodb_without_target_is_unknown_operation() {
    let response = send(HttpRequest::new("POST", "/_aws/dynamodb").with_body("{}"));
    assert_eq!(response.status, 400);
    assert_eq!(json(&response)["__type"], "com.amazon.coral.service#UnknownOperationException");
}

#[test]
fn dynamodb_get_is_the_health_check() {
    let response = send(HttpRequest::new("GET", "/_aws/dynamodb/"));
    assert_eq!(response.status, 200);
    assert_eq!(response.body_text(), "healthy: dynamodb.us-east-1.amazonaws.com ");
}

#[test]
fn logs_speaks_json_1_1() {
    let response = send(
        HttpRequest::new("POST", "/_aws/logs/").with_header("X-Amz-Target", "Logs_20140328.Nope"),
    );
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some("application/x-amz-json-1.1"));
}

#[test]
fn lambda_unknown_route_has_error_type_header_and_body() {
    let response = send(HttpRequest::new("GET", "/_aws/lambda/2015-03-31/layers/"));
    assert_eq!(response.status, 404);
    assert_eq!(response.header("x-amzn-ErrorType"), Some("UnknownOperationException"));
    let body = json(&response);
    assert_eq!(body["Type"], "User");
    assert_eq!(body["Message"], "Unknown operation: GET /2015-03-31/layers/");
}

#[test]
fn apigateway_unknown_route() {
    let response = send(HttpRequest::new("GET", "/_aws/apigateway/v2/vpclinks"));
    assert_eq!(response.status, 404);
    assert_eq!(response.header("x-amzn-ErrorType"), Some("UnknownOperationException"));
    assert_eq!(json(&response)["message"], "Unknown operation: GET /v2/vpclinks");
}

#[test]
fn s3_answers_xml() {
    let response = send(HttpRequest::new("PUT", "/_aws/s3/bucket/a<b>.txt"));
    assert_eq!(response.status, 501);
    assert_eq!(response.header("content-type"), Some("application/xml"));
    let body = response.body_text();
    assert!(body.contains("<Code>NotImplemented</Code>"), "{body}");
    assert!(body.contains("<Resource>/bucket/a&lt;b&gt;.txt</Resource>"), "{body}");
}

#[test]
fn invoke_url_of_unknown_api_is_not_found() {
    let response = send(HttpRequest::from_target("GET", "/_api/abc123/items?x=1"));
    assert_eq!(response.status, 404);
    assert_eq!(response.body_text(), r#"{"message":"Not Found"}"#);
}

#[test]
fn unknown_service_names_the_services() {
    let response = send(HttpRequest::new("POST", "/_aws/sqs/"));
    assert_eq!(response.status, 404);
    assert!(json(&response)["message"].as_str().unwrap().contains("no service named 'sqs'"));
}

#[test]
fn routes() {
    assert_eq!(route("/_aws/dynamodb/"), Route::DynamoDb);
    assert_eq!(route("/_aws/dynamodb"), Route::DynamoDb);
    assert_eq!(route("/_aws/lambda/2015-03-31/functions"), Route::Lambda { rest: "2015-03-31/functions" });
    assert_eq!(route("/_aws/s3/b/k/x"), Route::S3 { rest: "b/k/x" });
    assert_eq!(route("/_api/id1/prod/x"), Route::Invoke { api_id: "id1", rest: "prod/x" });
    assert_eq!(route("/_api/id1"), Route::Invoke { api_id: "id1", rest: "" });
    assert_eq!(route("/index.html"), Route::NotACloudPath);
}

#[test]
fn request_ids_are_unique() {
    let cloud = cloud();
    let a = pollster::block_on(cloud.handle(HttpRequest::new("POST", "/_aws/dynamodb/")));
    let b = pollster::block_on(cloud.handle(HttpRequest::new("POST", "/_aws/dynamodb/")));
    assert_ne!(a.header("x-amzn-RequestId"), b.header("x-amzn-RequestId"));
    assert_eq!(cloud.request_count(), 2);
}
