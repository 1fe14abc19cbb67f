//! Error answers in each AWS wire protocol's own format.
//!
//! AWS services speak one of a few protocols, and each has its own error shape.
//! SDKs read the error's type from a specific place (a JSON field, a header or
//! an XML element), so these shapes must be exact for `err.name` to come out
//! right in the AWS SDK for JavaScript.

use super::http::HttpResponse;
use serde_json::json;

/// The JSON protocol versions: DynamoDB uses 1.0, CloudWatch Logs 1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonVersion {
    V1_0,
    V1_1,
}

impl JsonVersion {
    pub fn content_type(self) -> &'static str {
        match self {
            JsonVersion::V1_0 => "application/x-amz-json-1.0",
            JsonVersion::V1_1 => "application/x-amz-json-1.1",
        }
    }
}

/// The type name of AWS's front-end error for a target it does not know.
pub const UNKNOWN_OPERATION: &str = "com.amazon.coral.service#UnknownOperationException";

/// An awsJson error: HTTP `status`, body `{"__type": ..., "message": ...}`.
/// `type_name` is the fully qualified shape id (`namespace#Name`), as AWS sends it.
pub fn aws_json_error(version: JsonVersion, status: u16, type_name: &str, message: Option<&str>) -> HttpResponse {
    let body = match message {
        Some(m) => json!({ "__type": type_name, "message": m }),
        None => json!({ "__type": type_name }),
    };
    HttpResponse::new(status)
        .with_header("x-amzn-ErrorType", short_name(type_name))
        .with_body(version.content_type(), body.to_string())
}

/// A restJson1 error as Lambda sends it: the type in the `x-amzn-ErrorType`
/// header and `{"Type": "User", "Message": ...}` in the body.
pub fn lambda_error(status: u16, type_name: &str, message: &str) -> HttpResponse {
    let kind = if status >= 500 { "Service" } else { "User" };
    HttpResponse::new(status)
        .with_header("x-amzn-ErrorType", type_name)
        .with_body("application/json", json!({ "Type": kind, "Message": message }).to_string())
}

/// A restJson1 error as API Gateway's management API sends it: the type in the
/// `x-amzn-ErrorType` header and `{"message": ...}` in the body.
pub fn apigateway_error(status: u16, type_name: &str, message: &str) -> HttpResponse {
    HttpResponse::new(status)
        .with_header("x-amzn-ErrorType", type_name)
        .with_body("application/json", json!({ "message": message }).to_string())
}

/// A message-only JSON answer as API Gateway's invoke URLs send it,
/// for example `404 {"message":"Not Found"}`.
pub fn gateway_message(status: u16, message: &str) -> HttpResponse {
    HttpResponse::new(status).with_body("application/json", json!({ "message": message }).to_string())
}

/// An S3 REST-XML error: `<Error><Code>..</Code><Message>..</Message>..</Error>`.
/// `extra` adds elements such as `BucketName` or `Key` after the message.
pub fn s3_error(status: u16, code: &str, message: &str, extra: &[(&str, &str)], request_id: &str) -> HttpResponse {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    push_element(&mut xml, "Code", code);
    push_element(&mut xml, "Message", message);
    for (name, value) in extra {
        push_element(&mut xml, name, value);
    }
    push_element(&mut xml, "RequestId", request_id);
    xml.push_str("</Error>");
    HttpResponse::new(status).with_body("application/xml", xml)
}

fn push_element(xml: &mut String, name: &str, value: &str) {
    xml.push('<');
    xml.push_str(name);
    xml.push('>');
    xml.push_str(&xml_escape(value));
    xml.push_str("</");
    xml.push_str(name);
    xml.push('>');
}

/// Escapes the five XML special characters.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `com.amazon.coral.service#UnknownOperationException` -> `UnknownOperationException`.
pub fn short_name(type_name: &str) -> &str {
    type_name.rsplit('#').next().unwrap_or(type_name)
}
