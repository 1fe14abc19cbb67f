//! api-proxy: an API Gateway proxy integration, the handler of AWS's "CRUD
//! API with Lambda and DynamoDB" (HTTP API) tutorial in Rust. It accepts
//! payload format 1.0 (REST APIs, and HTTP APIs that ask for it) and 2.0,
//! routes on method and path, and keeps items in the DynamoDB table
//! `$TABLE_NAME` (default `http-crud-tutorial-items`, key `id`, a string):
//!
//! | route                 | answer                                   |
//! |-----------------------|------------------------------------------|
//! | `GET /items`          | 200, every item (a JSON array)           |
//! | `GET /items/{id}`     | 200, the item; 404 if there is none      |
//! | `PUT /items`          | 200, `"Put item <id>"`; the body is the item, with an `id` |
//! | `DELETE /items/{id}`  | 200, `"Deleted item <id>"`               |
//! | anything else         | 404 `{"message":"Not Found"}`            |
//!
//! A body that is not a JSON object with a string `id` is a 400; an error
//! from DynamoDB is a 400 (a client error, as the tutorial answers it) or a
//! 500, with its type and message. Every answer is
//! `{"statusCode", "headers": {"content-type": "application/json"}, "body"}`.

use stratus_guest::{
    dynamodb, json, marshal, marshal_map, serde_json, unmarshal_map, AwsError, Context, Error,
    Value,
};

const DEFAULT_TABLE: &str = "http-crud-tutorial-items";

/// The parts of a proxy event the routes need, from either payload format.
#[derive(Debug, PartialEq)]
struct Request {
    method: String,
    /// Without the stage, split on `/`, percent-decoded, no empty segments.
    segments: Vec<String>,
    body: Option<Vec<u8>>,
}

impl Request {
    fn from_event(event: &Value) -> Request {
        let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
        let v2 = text("/version") == Some("2.0");
        let method = if v2 {
            text("/requestContext/http/method")
        } else {
            text("/httpMethod")
        };
        let path = if v2 {
            text("/rawPath").or(text("/requestContext/http/path"))
        } else {
            text("/path")
        };
        let mut path = path.unwrap_or("/");
        // Under a named stage the path may start with it (HTTP APIs).
        if let Some(stage) = text("/requestContext/stage").filter(|s| *s != "$default") {
            if let Some(rest) = path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
                if rest.is_empty() || rest.starts_with('/') {
                    path = rest;
                }
            }
        }
        let body = text("/body").map(|body| {
            if event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                base64_decode(body).unwrap_or_default()
            } else {
                body.as_bytes().to_vec()
            }
        });
        Request {
            method: method.unwrap_or("GET").to_ascii_uppercase(),
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(percent_decode)
                .collect(),
            body,
        }
    }
}

fn proxy(event: Value, _ctx: &Context) -> Result<Value, Error> {
    let request = Request::from_event(&event);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| DEFAULT_TABLE.to_string());
    let (status, body) = match route(&request, &table) {
        Ok(answer) => answer,
        Err(e) => {
            let status = if (400..500).contains(&e.status) {
                400
            } else {
                500
            };
            (
                status,
                json!({ "message": e.message, "errorType": e.error_type }),
            )
        }
    };
    println!(
        "{} /{} -> {status}",
        request.method,
        request.segments.join("/")
    );
    Ok(json!({
        "statusCode": status,
        "headers": { "content-type": "application/json" },
        "body": body.to_string(),
    }))
}

fn route(request: &Request, table: &str) -> Result<(u16, Value), AwsError> {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["items"]) => {
            let mut items = Vec::new();
            let mut start: Option<Value> = None;
            loop {
                let mut scan = json!({ "TableName": table });
                if let Some(key) = start.take() {
                    scan["ExclusiveStartKey"] = key;
                }
                let page = dynamodb("Scan", &scan)?;
                if let Some(Value::Array(page_items)) = page.get("Items") {
                    items.extend(page_items.iter().map(unmarshal_map));
                }
                match page.get("LastEvaluatedKey") {
                    Some(key) if !key.is_null() => start = Some(key.clone()),
                    _ => break,
                }
            }
            Ok((200, Value::Array(items)))
        }
        ("GET", ["items", id]) => {
            let answer = dynamodb(
                "GetItem",
                &json!({ "TableName": table, "Key": { "id": marshal(&json!(id)) } }),
            )?;
            Ok(match answer.get("Item") {
                Some(item) => (200, unmarshal_map(item)),
                None => (404, json!({ "message": format!("Item {id} not found") })),
            })
        }
        ("PUT", ["items"]) => {
            let item: Value =
                match serde_json::from_slice(request.body.as_deref().unwrap_or_default()) {
                    Ok(item) => item,
                    Err(e) => {
                        return Ok((
                            400,
                            json!({ "message": format!("The body is not JSON: {e}") }),
                        ))
                    }
                };
            let Some(id) = item
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
            else {
                return Ok((
                    400,
                    json!({ "message": "The body must be a JSON object with a string \"id\"" }),
                ));
            };
            dynamodb(
                "PutItem",
                &json!({ "TableName": table, "Item": marshal_map(&item) }),
            )?;
            Ok((200, json!(format!("Put item {id}"))))
        }
        ("DELETE", ["items", id]) => {
            dynamodb(
                "DeleteItem",
                &json!({ "TableName": table, "Key": { "id": marshal(&json!(id)) } }),
            )?;
            Ok((200, json!(format!("Deleted item {id}"))))
        }
        _ => Ok((404, json!({ "message": "Not Found" }))),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with or without padding; `None` if it is not base64.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

stratus_guest::handler!(proxy);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_payload_formats_give_method_path_and_body() {
        let v2 = json!({"version": "2.0", "routeKey": "$default", "rawPath": "/prod/items/a%20b",
            "requestContext": {"http": {"method": "GET", "path": "/prod/items/a%20b"}, "stage": "prod"},
            "isBase64Encoded": true, "body": "eyJpZCI6IjEifQ=="});
        let r = Request::from_event(&v2);
        assert_eq!(
            (r.method.as_str(), r.segments.clone()),
            ("GET", vec!["items".to_string(), "a b".to_string()])
        );
        assert_eq!(r.body.as_deref(), Some(&b"{\"id\":\"1\"}"[..]));

        let v1 = json!({"resource": "/{proxy+}", "path": "/items/", "httpMethod": "put",
            "requestContext": {"stage": "$default"}, "body": "{}", "isBase64Encoded": false});
        let r = Request::from_event(&v1);
        assert_eq!(
            (r.method.as_str(), r.segments.clone()),
            ("PUT", vec!["items".to_string()])
        );
        assert_eq!(r.body.as_deref(), Some(&b"{}"[..]));
    }

    #[test]
    fn unknown_routes_are_404_and_bad_bodies_400() {
        let request = |method: &str, path: &str, body: &str| Request {
            method: method.into(),
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            body: Some(body.as_bytes().to_vec()),
        };
        assert_eq!(route(&request("POST", "/items", ""), "t").unwrap().0, 404);
        assert_eq!(route(&request("GET", "/nothing", ""), "t").unwrap().0, 404);
        assert_eq!(
            route(&request("GET", "/items/1/2", ""), "t").unwrap().0,
            404
        );
        assert_eq!(
            route(&request("PUT", "/items", "{not json"), "t")
                .unwrap()
                .0,
            400
        );
        assert_eq!(
            route(&request("PUT", "/items", r#"{"id": 5}"#), "t")
                .unwrap()
                .0,
            400
        );
    }
}
