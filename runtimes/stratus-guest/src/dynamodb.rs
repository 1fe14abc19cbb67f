//! DynamoDB through the cloud's own endpoint, and the conversion between
//! plain JSON and attribute values that the AWS SDKs' document clients do.

use crate::{http, Error};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use std::fmt;

/// An AWS service's error answer: the HTTP status, the `__type`'s short name
/// (`ResourceNotFoundException`) and the message. A handler that returns it
/// with `?` fails with that name as its `errorType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The HTTP status; 0 if the call itself failed.
    pub status: u16,
    pub error_type: String,
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl From<AwsError> for Error {
    fn from(e: AwsError) -> Error {
        Error::new(e.error_type, e.message)
    }
}

/// Calls one DynamoDB operation: `dynamodb("GetItem", &json!({"TableName": "notes",
/// "Key": {"id": {"S": "1"}}}))` answers the operation's JSON (attribute
/// values as DynamoDB writes them; see [`unmarshal`]).
pub fn dynamodb<T: Serialize + ?Sized>(operation: &str, request: &T) -> Result<Value, AwsError> {
    let body = serde_json::to_vec(request).map_err(|e| AwsError {
        status: 0,
        error_type: "SerializationException".into(),
        message: e.to_string(),
    })?;
    let target = format!("DynamoDB_20120810.{operation}");
    let headers = [
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", target.as_str()),
    ];
    let response =
        http::call("POST", "/_aws/dynamodb/", &headers, &body).map_err(|e| AwsError {
            status: 0,
            error_type: e.error_type,
            message: e.error_message,
        })?;
    aws_json_answer(&response)
}

/// The JSON of a 2xx answer, or the AWS JSON protocol's error as an [`AwsError`].
pub(crate) fn aws_json_answer(response: &http::Response) -> Result<Value, AwsError> {
    let json = response.json();
    if response.is_success() {
        return json.map_err(|e| AwsError {
            status: response.status,
            error_type: "SerializationException".into(),
            message: format!("the answer is not JSON: {}", e.error_message),
        });
    }
    let json = json.unwrap_or(Value::Null);
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| json.get(*n).and_then(Value::as_str))
            .map(str::to_string)
    };
    let error_type = field(&["__type", "code"])
        .or_else(|| response.header("x-amzn-errortype").map(str::to_string))
        .map(|t| short_error_name(&t).to_string())
        .unwrap_or_else(|| {
            if response.status >= 500 {
                "InternalServerError"
            } else {
                "UnknownError"
            }
            .into()
        });
    let message = field(&["message", "Message", "errorMessage"]).unwrap_or_else(|| {
        let text = response.text();
        if text.trim().is_empty() {
            format!("HTTP {} {}", response.status, response.reason)
        } else {
            text
        }
    });
    Err(AwsError {
        status: response.status,
        error_type,
        message,
    })
}

/// `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` (or with a
/// `:http://...` suffix, as the REST protocols send) → `ResourceNotFoundException`.
fn short_error_name(t: &str) -> &str {
    let t = t.split(':').next().unwrap_or(t);
    t.rsplit('#').next().unwrap_or(t)
}

/// One plain JSON value as a DynamoDB attribute value, as the document
/// clients write them: strings `S`, numbers `N`, booleans `BOOL`, null
/// `NULL`, arrays `L`, objects `M`.
pub fn marshal(value: &Value) -> Value {
    let (tag, inner) = match value {
        Value::Null => ("NULL", Value::Bool(true)),
        Value::Bool(b) => ("BOOL", Value::Bool(*b)),
        Value::Number(n) => ("N", Value::String(n.to_string())),
        Value::String(s) => ("S", Value::String(s.clone())),
        Value::Array(items) => ("L", Value::Array(items.iter().map(marshal).collect())),
        Value::Object(_) => ("M", marshal_map(value)),
    };
    let mut out = Map::new();
    out.insert(tag.into(), inner);
    Value::Object(out)
}

/// A plain JSON object (an item, a key, expression attribute values) as a
/// map of attribute values. Anything but an object is left as it is.
pub fn marshal_map(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), marshal(v))).collect())
        }
        other => other.clone(),
    }
}

/// One attribute value as plain JSON: numbers become JSON numbers (as
/// precise as an `f64` when they are not integers), sets become arrays,
/// binary stays base64 text.
pub fn unmarshal(value: &Value) -> Value {
    let Some((tag, inner)) = value
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return value.clone();
    };
    match (tag.as_str(), inner) {
        ("NULL", _) => Value::Null,
        ("S" | "B" | "BOOL" | "SS" | "BS", v) => v.clone(),
        ("N", Value::String(n)) => number(n),
        ("NS", Value::Array(ns)) => Value::Array(
            ns.iter()
                .map(|n| n.as_str().map_or(Value::Null, number))
                .collect(),
        ),
        ("L", Value::Array(items)) => Value::Array(items.iter().map(unmarshal).collect()),
        ("M", v) => unmarshal_map(v),
        _ => value.clone(),
    }
}

/// A map of attribute values (an item, a key) as a plain JSON object.
pub fn unmarshal_map(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), unmarshal(v))).collect())
        }
        other => other.clone(),
    }
}

fn number(n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(u) = n.parse::<u64>() {
        return Value::from(u);
    }
    match n.parse::<f64>().ok().and_then(Number::from_f64) {
        Some(f) => Value::Number(f),
        None => Value::String(n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_json_round_trips_through_attribute_values() {
        let item = json!({"id": "1", "n": 5, "price": 12.5, "ok": true, "none": null,
                          "tags": ["a", 2], "nested": {"x": {"y": -3}}});
        let marshalled = marshal_map(&item);
        assert_eq!(marshalled["id"], json!({"S": "1"}));
        assert_eq!(marshalled["n"], json!({"N": "5"}));
        assert_eq!(marshalled["tags"], json!({"L": [{"S": "a"}, {"N": "2"}]}));
        assert_eq!(
            marshalled["nested"],
            json!({"M": {"x": {"M": {"y": {"N": "-3"}}}}})
        );
        assert_eq!(unmarshal_map(&marshalled), item);
        assert_eq!(unmarshal(&json!({"NS": ["1", "2.5"]})), json!([1, 2.5]));
        assert_eq!(unmarshal(&json!({"SS": ["a"]})), json!(["a"]));
    }

    #[test]
    fn error_answers_carry_the_short_type_name() {
        let response = http::parse_response(
            b"HTTP/1.1 400 Bad Request\r\n\r\n{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}",
        )
        .unwrap();
        let e = aws_json_answer(&response).unwrap_err();
        assert_eq!(
            (e.status, e.error_type.as_str()),
            (400, "ResourceNotFoundException")
        );
        assert_eq!(e.message, "Requested resource not found");
        let e = Error::from(e);
        assert_eq!(
            e.to_json(),
            json!({"errorType": "ResourceNotFoundException", "errorMessage": "Requested resource not found"})
        );

        let response =
            http::parse_response(b"HTTP/1.1 500 Internal Server Error\r\n\r\noops").unwrap();
        let e = aws_json_answer(&response).unwrap_err();
        assert_eq!(
            (e.error_type.as_str(), e.message.as_str()),
            ("InternalServerError", "oops")
        );
        assert_eq!(
            short_error_name("ValidationException:http://internal.amazon.com/"),
            "ValidationException"
        );
    }
}
