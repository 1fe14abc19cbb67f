//! How the console calls the cloud: the same requests an AWS SDK sends,
//! through `Cloud::handle`, so everything the console does a program can do.

use crate::engine::HttpRequest;
use serde_json::Value;

/// An error answer: the error's short type name and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// Calls a DynamoDB operation with a JSON body.
pub async fn dynamodb(operation: &str, body: Value) -> Result<Value, ApiError> {
    json_call(&format!("DynamoDB_20120810.{operation}"), body).await
}

/// Calls a DynamoDB Streams operation (same endpoint, its own target prefix).
pub async fn streams(operation: &str, body: Value) -> Result<Value, ApiError> {
    json_call(&format!("DynamoDBStreams_20120810.{operation}"), body).await
}

/// Calls a CloudWatch metrics operation (`_aws/monitoring/`, awsJson 1.0).
pub async fn cloudwatch(operation: &str, body: Value) -> Result<Value, ApiError> {
    json_call_at("/_aws/monitoring/", &format!("GraniteServiceVersion20100801.{operation}"), body).await
}

async fn json_call(target: &str, body: Value) -> Result<Value, ApiError> {
    json_call_at("/_aws/dynamodb/", target, body).await
}

async fn json_call_at(path: &str, target: &str, body: Value) -> Result<Value, ApiError> {
    let request = HttpRequest::new("POST", path)
        .with_header("X-Amz-Target", target)
        .with_header("Content-Type", "application/x-amz-json-1.0")
        .with_body(body.to_string());
    let response = crate::host::cloud().handle(request).await;
    let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if response.status == 200 {
        return Ok(json);
    }
    let kind = json["__type"].as_str().unwrap_or("Error");
    Err(ApiError {
        kind: kind.rsplit('#').next().unwrap_or(kind).to_string(),
        message: json["message"].as_str().or(json["Message"].as_str()).unwrap_or("").to_string(),
    })
}
