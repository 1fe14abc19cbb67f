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

/// Calls a CloudWatch Logs operation (`_aws/logs/`, awsJson 1.1, target
/// prefix `Logs_20140328`).
pub async fn logs(operation: &str, body: Value) -> Result<Value, ApiError> {
    json_call_with("/_aws/logs/", &format!("Logs_20140328.{operation}"), "application/x-amz-json-1.1", body).await
}

async fn json_call(target: &str, body: Value) -> Result<Value, ApiError> {
    json_call_at("/_aws/dynamodb/", target, body).await
}

async fn json_call_at(path: &str, target: &str, body: Value) -> Result<Value, ApiError> {
    json_call_with(path, target, "application/x-amz-json-1.0", body).await
}

async fn json_call_with(path: &str, target: &str, content_type: &str, body: Value) -> Result<Value, ApiError> {
    let request = HttpRequest::new("POST", path)
        .with_header("X-Amz-Target", target)
        .with_header("Content-Type", content_type)
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

/// An answer to a REST call: status, headers and body, as they came.
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RestResponse {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A restJson1 error (`x-amzn-ErrorType` and `{"Type","Message"}` or
    /// `{"message"}`), or `None` for a 2xx answer.
    pub fn error(&self) -> Option<ApiError> {
        if (200..300).contains(&self.status) {
            return None;
        }
        let json: Value = serde_json::from_slice(&self.body).unwrap_or(Value::Null);
        // The header may carry a suffix after a colon (`Type:http://...`);
        // the body's `__type` is the fallback some services use.
        let kind = self
            .header("x-amzn-ErrorType")
            .map(|t| t.split(':').next().unwrap_or(t).to_string())
            .or_else(|| json["__type"].as_str().map(|t| t.rsplit('#').next().unwrap_or(t).to_string()))
            .unwrap_or_else(|| format!("HTTP {}", self.status));
        let message = json["Message"].as_str().or(json["message"].as_str()).unwrap_or("").to_string();
        Some(ApiError { kind, message })
    }
}

/// One REST call to the cloud: method, path with its query (`/_aws/lambda/...?Qualifier=1`),
/// headers and body; the answer whatever its status.
pub async fn rest(method: &str, target: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> RestResponse {
    let mut request = HttpRequest::from_target(method, target);
    for (name, value) in headers {
        request = request.with_header(name, value);
    }
    if let Some(body) = body {
        request = request.with_body(body);
    }
    let response = crate::host::cloud().handle(request).await;
    RestResponse { status: response.status, headers: response.headers, body: response.body }
}

/// Calls a Lambda REST operation (restJson1) at `path` under `/_aws/lambda`
/// (`/2015-03-31/functions/`), with an optional JSON body; the parsed answer
/// (`null` for an empty one) or Lambda's error.
pub async fn lambda(method: &str, path: &str, body: Option<Value>) -> Result<Value, ApiError> {
    let headers: &[(&str, &str)] = if body.is_some() { &[("Content-Type", "application/json")] } else { &[] };
    let response = rest(method, &format!("/_aws/lambda{path}"), headers, body.map(|b| b.to_string().into_bytes())).await;
    if let Some(e) = response.error() {
        return Err(e);
    }
    if response.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| ApiError { kind: "SerializationException".into(), message: format!("the answer is not JSON: {e}") })
}

/// A path segment with everything but unreserved characters percent-encoded
/// (function names may be ARNs, with colons).
pub fn path_segment(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
