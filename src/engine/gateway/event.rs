//! Lambda proxy events and answers.
//!
//! The events are written straight to JSON text (no intermediate `Value`),
//! member for member as the AWS documentation's examples show them:
//! payload format 2.0 (HTTP APIs), 1.0 as HTTP APIs send it, and 1.0 as
//! REST APIs send it. A function's answer is mapped back to HTTP here too:
//! `statusCode`, `headers`, `multiValueHeaders`, `cookies` (2.0),
//! `isBase64Encoded`, and 2.0's inference for answers without `statusCode`.

use crate::engine::http::HttpResponse;
use crate::engine::ACCOUNT_ID;
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

/// Writes `s` as a JSON string.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A small writer of JSON objects, member by member.
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, name: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_json_str(self.out, name);
        self.out.push(':');
        self.out
    }

    pub fn str(&mut self, name: &str, value: &str) -> &mut Self {
        let out = self.key(name);
        push_json_str(out, value);
        self
    }

    pub fn opt_str(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.str(name, v),
            None => self.raw(name, "null"),
        }
    }

    pub fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.key(name).push_str(json);
        self
    }

    pub fn num(&mut self, name: &str, n: u64) -> &mut Self {
        let out = self.key(name);
        out.push_str(&n.to_string());
        self
    }

    pub fn bool(&mut self, name: &str, b: bool) -> &mut Self {
        self.raw(name, if b { "true" } else { "false" })
    }

    /// A nested object, written by `f`.
    pub fn obj(&mut self, name: &str, f: impl FnOnce(&mut Obj)) -> &mut Self {
        let out = self.key(name);
        let mut inner = Obj::new(out);
        f(&mut inner);
        inner.out.push('}');
        self
    }

    /// An object of strings, or `null` when `null_if_empty` and there are none.
    pub fn map<'s>(&mut self, name: &str, pairs: impl IntoIterator<Item = (&'s str, &'s str)>, null_if_empty: bool) -> &mut Self {
        let out = self.key(name);
        let mark = out.len();
        out.push('{');
        let mut first = true;
        for (k, v) in pairs {
            if !first {
                out.push(',');
            }
            first = false;
            push_json_str(out, k);
            out.push(':');
            push_json_str(out, v);
        }
        if first && null_if_empty {
            out.truncate(mark);
            out.push_str("null");
        } else {
            out.push('}');
        }
        self
    }

    /// An object of string lists.
    pub fn multi_map<'s>(&mut self, name: &str, pairs: &[(&'s str, Vec<&'s str>)], null_if_empty: bool) -> &mut Self {
        let out = self.key(name);
        if pairs.is_empty() && null_if_empty {
            out.push_str("null");
            return self;
        }
        out.push('{');
        for (i, (k, vs)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, k);
            out.push_str(":[");
            for (j, v) in vs.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_json_str(out, v);
            }
            out.push(']');
        }
        out.push('}');
        self
    }

    pub fn list(&mut self, name: &str, items: &[&str]) -> &mut Self {
        let out = self.key(name);
        out.push('[');
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, v);
        }
        out.push(']');
        self
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// Which gateway sends the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// An HTTP API (names lower-cased, stage in the path, 2.0 available).
    Http,
    /// A REST API (names as sent, stage outside `path`).
    Rest,
}

/// The request as the event describes it.
pub struct RequestInfo<'a> {
    pub flavor: Flavor,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub method: &'a str,
    /// The path as the client sent it (with a named stage, for HTTP APIs).
    pub raw_path: &'a str,
    /// The path the route matched (without the stage).
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub route_key: &'a str,
    /// The route's (or resource's) path template, `/items/{id}`.
    pub resource_path: &'a str,
    pub resource_id: &'a str,
    pub deployment_id: &'a str,
    /// Path parameters, decoded.
    pub path_params: &'a [(&'a str, String)],
    pub stage_vars: &'a BTreeMap<String, String>,
    pub request_id: &'a str,
    pub extended_request_id: &'a str,
    pub time_ms: u64,
    pub source_ip: &'a str,
    pub trace_id: &'a str,
    /// `requestContext.authorizer` as JSON text, if an authorizer ran.
    pub authorizer: Option<&'a str>,
    /// REST APIs: the media types treated as binary (`binaryMediaTypes`).
    pub binary_media_types: &'a [String],
    /// REST APIs: the API key a method that requires one was called with,
    /// and its id (`requestContext.identity.apiKey`, `apiKeyId`).
    pub api_key: Option<(&'a str, &'a str)>,
}

impl RequestInfo<'_> {
    pub fn domain_name(&self) -> String {
        format!("{}.execute-api.{}.amazonaws.com", self.api_id, crate::engine::REGION)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn user_agent(&self) -> &str {
        self.header("user-agent").unwrap_or("")
    }

    /// The headers the function sees: the client's (lower-cased for HTTP
    /// APIs; `cookie` kept apart in 2.0) and those API Gateway adds.
    pub fn event_headers(&self, v2: bool) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(self.headers.len() + 6);
        let lower = self.flavor == Flavor::Http;
        for (n, v) in self.headers {
            let skip = n.eq_ignore_ascii_case("host")
                || n.eq_ignore_ascii_case("x-forwarded-for")
                || n.eq_ignore_ascii_case("x-forwarded-port")
                || n.eq_ignore_ascii_case("x-forwarded-proto")
                || n.eq_ignore_ascii_case("content-length")
                || (v2 && n.eq_ignore_ascii_case("cookie"));
            if skip {
                continue;
            }
            out.push((if lower { n.to_ascii_lowercase() } else { n.clone() }, v.clone()));
        }
        let added = [
            ("content-length", (!self.body.is_empty()).then(|| self.body.len().to_string())),
            ("host", Some(self.domain_name())),
            ("x-amzn-trace-id", Some(self.trace_id.to_string())),
            ("x-forwarded-for", Some(self.source_ip.to_string())),
            ("x-forwarded-port", Some("443".to_string())),
            ("x-forwarded-proto", Some("https".to_string())),
        ];
        for (n, v) in added {
            if let Some(v) = v {
                let name = if lower {
                    n.to_string()
                } else {
                    match n {
                        "content-length" => "Content-Length".to_string(),
                        "host" => "Host".to_string(),
                        "x-amzn-trace-id" => "X-Amzn-Trace-Id".to_string(),
                        "x-forwarded-for" => "X-Forwarded-For".to_string(),
                        "x-forwarded-port" => "X-Forwarded-Port".to_string(),
                        _ => "X-Forwarded-Proto".to_string(),
                    }
                };
                out.push((name, v));
            }
        }
        out
    }

    /// The query string's parameters, decoded, in order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        crate::engine::http::parse_query(self.query)
    }

    /// The cookies of the `cookie` headers, one per entry (2.0's `cookies`).
    pub fn cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// The body as the event carries it, and whether it is base64.
    pub fn event_body(&self) -> Option<(String, bool)> {
        if self.body.is_empty() {
            return None;
        }
        let content_type = self.header("content-type");
        let binary = match self.flavor {
            Flavor::Http => !is_text_type(content_type),
            Flavor::Rest => content_type.is_some_and(|ct| media_type_matches(ct, self.binary_media_types)),
        };
        match std::str::from_utf8(self.body) {
            Ok(text) if !binary => Some((text.to_string(), false)),
            Err(_) if self.flavor == Flavor::Rest && !binary => Some((String::from_utf8_lossy(self.body).into_owned(), false)),
            _ => Some((base64::engine::general_purpose::STANDARD.encode(self.body), true)),
        }
    }
}

/// Whether HTTP APIs pass a body of this type as text (otherwise base64).
pub fn is_text_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/xml"
        || essence.ends_with("+xml")
        || essence == "application/javascript"
        || essence == "application/ecmascript"
        || essence == "application/yaml"
        || essence == "application/x-yaml"
        || essence == "application/graphql"
}

/// Whether a content type is one of `types` (`image/png`, `image/*`, `*/*`).
pub fn media_type_matches(content_type: &str, types: &[String]) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    types.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t == "*/*" || t == essence || t.strip_suffix("/*").is_some_and(|major| essence.split('/').next() == Some(major))
    })
}

/// Groups `pairs` by name, keeping the order names first appear in.
fn grouped(pairs: &[(String, String)], fold_case: bool) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| if fold_case { n.eq_ignore_ascii_case(k) } else { *n == k.as_str() }) {
            Some((_, vs)) => vs.push(v),
            None => out.push((k, vec![v])),
        }
    }
    out
}

/// The payload format 2.0 event (HTTP APIs). `authorizer_event` writes
/// the Lambda authorizer's form instead: with `type`, `routeArn` and
/// `identitySource`, and without the body.
pub fn event_v2(r: &RequestInfo, authorizer_event: Option<(&str, &[&str])>) -> String {
    let mut out = String::with_capacity(1024 + r.body.len() * 4 / 3);
    let headers = r.event_headers(true);
    let grouped_headers = grouped(&headers, false);
    let joined: Vec<(&str, String)> = grouped_headers.iter().map(|(k, vs)| (*k, vs.join(","))).collect();
    let query = r.query_params();
    let grouped_query = grouped(&query, false);
    let joined_query: Vec<(&str, String)> = grouped_query.iter().map(|(k, vs)| (*k, vs.join(","))).collect();
    let cookies = r.cookies();
    let mut o = Obj::new(&mut out);
    o.str("version", "2.0");
    if let Some((route_arn, identity)) = authorizer_event {
        o.str("type", "REQUEST");
        o.str("routeArn", route_arn);
        o.list("identitySource", identity);
    }
    o.str("routeKey", r.route_key);
    o.str("rawPath", r.raw_path);
    o.str("rawQueryString", r.query);
    if !cookies.is_empty() {
        o.list("cookies", &cookies);
    }
    o.map("headers", joined.iter().map(|(k, v)| (*k, v.as_str())), false);
    if !joined_query.is_empty() {
        o.map("queryStringParameters", joined_query.iter().map(|(k, v)| (*k, v.as_str())), false);
    }
    o.obj("requestContext", |c| {
        c.str("accountId", ACCOUNT_ID);
        c.str("apiId", r.api_id);
        if let Some(a) = r.authorizer {
            c.raw("authorizer", a);
        }
        c.str("domainName", &r.domain_name());
        c.str("domainPrefix", r.api_id);
        c.obj("http", |h| {
            h.str("method", r.method);
            h.str("path", r.raw_path);
            h.str("protocol", "HTTP/1.1");
            h.str("sourceIp", r.source_ip);
            h.str("userAgent", r.user_agent());
        });
        c.str("requestId", r.request_id);
        c.str("routeKey", r.route_key);
        c.str("stage", r.stage);
        c.str("time", &super::clf_time(r.time_ms));
        c.num("timeEpoch", r.time_ms);
    });
    if authorizer_event.is_none() {
        if let Some((body, _)) = r.event_body() {
            o.str("body", &body);
        }
    }
    if !r.path_params.is_empty() {
        o.map("pathParameters", r.path_params.iter().map(|(k, v)| (*k, v.as_str())), false);
    }
    if authorizer_event.is_none() {
        o.bool("isBase64Encoded", r.event_body().is_some_and(|(_, b)| b));
    }
    if !r.stage_vars.is_empty() {
        o.map("stageVariables", r.stage_vars.iter().map(|(k, v)| (k.as_str(), v.as_str())), false);
    }
    o.end();
    out
}

/// What a 1.0 authorizer event adds: `type`, `methodArn`, the identity.
pub enum Auth1<'a> {
    /// A REQUEST authorizer (HTTP and REST APIs).
    Request { method_arn: &'a str, identity: &'a [&'a str] },
}

/// The payload format 1.0 event, as HTTP or REST APIs send it.
pub fn event_v1(r: &RequestInfo, authorizer_event: Option<Auth1>) -> String {
    let mut out = String::with_capacity(1536 + r.body.len() * 4 / 3);
    let headers = r.event_headers(false);
    let grouped_headers = grouped(&headers, r.flavor == Flavor::Rest);
    let query = r.query_params();
    let grouped_query = grouped(&query, false);
    let http = r.flavor == Flavor::Http;
    // HTTP APIs give the path as sent (a named stage included); REST APIs without the stage.
    let path = if http { r.raw_path } else { r.path };
    let context_path = if http || r.stage.is_empty() { r.raw_path.to_string() } else { format!("/{}{}", r.stage, r.path) };
    let mut o = Obj::new(&mut out);
    if http {
        o.str("version", "1.0");
    }
    if let Some(Auth1::Request { method_arn, identity }) = &authorizer_event {
        o.str("type", "REQUEST");
        o.str("methodArn", method_arn);
        if http {
            o.str("identitySource", &identity.join(","));
            o.str("authorizationToken", &identity.join(","));
        }
    }
    o.str("resource", r.resource_path);
    o.str("path", path);
    o.str("httpMethod", r.method);
    o.map("headers", grouped_headers.iter().map(|(k, vs)| (*k, *vs.last().unwrap_or(&""))), !http);
    o.multi_map("multiValueHeaders", &grouped_headers, !http);
    o.map("queryStringParameters", grouped_query.iter().map(|(k, vs)| (*k, *vs.last().unwrap_or(&""))), true);
    o.multi_map("multiValueQueryStringParameters", &grouped_query, true);
    o.obj("requestContext", |c| {
        c.str("accountId", ACCOUNT_ID);
        c.str("apiId", r.api_id);
        match r.authorizer {
            Some(a) => {
                c.raw("authorizer", a);
            }
            None if http => {
                c.obj("authorizer", |a| {
                    a.raw("claims", "null");
                    a.raw("scopes", "null");
                });
            }
            None => {}
        }
        if !http {
            c.str("deploymentId", r.deployment_id);
        }
        c.str("domainName", &r.domain_name());
        c.str("domainPrefix", r.api_id);
        c.str("extendedRequestId", r.extended_request_id);
        c.str("httpMethod", r.method);
        c.obj("identity", |i| {
            i.raw("accessKey", "null");
            i.raw("accountId", "null");
            if let Some((key, id)) = r.api_key {
                i.str("apiKey", key);
                i.str("apiKeyId", id);
            }
            for name in ["caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId"] {
                i.raw(name, "null");
            }
            i.str("sourceIp", r.source_ip);
            i.raw("user", "null");
            i.str("userAgent", r.user_agent());
            i.raw("userArn", "null");
        });
        c.str("path", &context_path);
        c.str("protocol", "HTTP/1.1");
        c.str("requestId", r.request_id);
        c.str("requestTime", &super::clf_time(r.time_ms));
        c.num("requestTimeEpoch", r.time_ms);
        if http {
            c.raw("resourceId", "null");
            c.str("resourcePath", r.resource_path);
            c.str("routeKey", r.route_key);
        } else {
            c.str("resourceId", r.resource_id);
            c.str("resourcePath", r.resource_path);
        }
        c.str("stage", r.stage);
    });
    o.map("pathParameters", r.path_params.iter().map(|(k, v)| (*k, v.as_str())), true);
    o.map("stageVariables", r.stage_vars.iter().map(|(k, v)| (k.as_str(), v.as_str())), true);
    if authorizer_event.is_none() {
        let body = r.event_body();
        o.opt_str("body", body.as_ref().map(|(b, _)| b.as_str()));
        o.bool("isBase64Encoded", body.is_some_and(|(_, b)| b));
    }
    o.end();
    out
}

/// Why a function's answer could not become an HTTP response.
pub type Malformed = String;

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Maps a structured answer (`statusCode`, `headers`, ...) to HTTP.
fn structured(m: &serde_json::Map<String, Value>, v2: bool, default_content_type: &str, decode: bool) -> Result<HttpResponse, Malformed> {
    let status = match m.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        None | Some(Value::Null) if v2 => Some(200),
        _ => None,
    };
    let status = status.filter(|s| (100..=599).contains(s)).ok_or("statusCode is missing or not an HTTP status")? as u16;
    let mut response = HttpResponse::new(status);
    let multi = match m.get("multiValueHeaders") {
        None | Some(Value::Null) => None,
        Some(Value::Object(mv)) => Some(mv),
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    };
    if let Some(mv) = multi {
        for (name, values) in mv {
            let Value::Array(values) = values else { return Err(format!("multiValueHeaders.{name} is not a list")) };
            for v in values {
                let text = scalar_text(v).ok_or_else(|| format!("multiValueHeaders.{name} holds a value that is not a string"))?;
                response.headers.push((name.clone(), text));
            }
        }
    }
    match m.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, v) in h {
                if multi.is_some_and(|mv| mv.keys().any(|k| k.eq_ignore_ascii_case(name))) {
                    continue;
                }
                let text = scalar_text(v).ok_or_else(|| format!("headers.{name} is not a string"))?;
                response.headers.push((name.clone(), text));
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    if v2 {
        match m.get("cookies") {
            None | Some(Value::Null) => {}
            Some(Value::Array(cookies)) => {
                for c in cookies {
                    let c = c.as_str().ok_or("cookies holds a value that is not a string")?;
                    response.headers.push(("set-cookie".to_string(), c.to_string()));
                }
            }
            Some(_) => return Err("cookies is not a list".into()),
        }
    }
    let base64 = match m.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let body = match m.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if base64 && decode => {
            base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).map_err(|_| "body is not valid base64 although isBase64Encoded is true")?
        }
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(_) => return Err("body is not a string".into()),
    };
    if response.header("content-type").is_none() && !(body.is_empty() && v2) {
        response.headers.push(("content-type".to_string(), default_content_type.to_string()));
    }
    response.body = body;
    Ok(response)
}

/// Maps a 2.0 answer: a structured answer, or (no `statusCode`) any JSON
/// value as a 200 `application/json` body.
pub fn response_v2(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| format!("the answer is not JSON: {e}"))?;
    match &value {
        Value::Object(m) if m.contains_key("statusCode") => structured(m, true, "text/plain; charset=utf-8", true),
        Value::String(s) => Ok(HttpResponse::new(200).with_body("application/json", s.clone().into_bytes())),
        _ => {
            let text = std::str::from_utf8(payload).unwrap_or("").trim();
            Ok(HttpResponse::new(200).with_body("application/json", text.as_bytes().to_vec()))
        }
    }
}

/// Maps a 1.0 answer: it must be an object with a `statusCode`. A base64
/// body is decoded when `decode` (always for HTTP APIs; for REST APIs when
/// the response's type is one of the API's binary media types).
pub fn response_v1(payload: &[u8], flavor: Flavor, decode: bool) -> Result<HttpResponse, Malformed> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let Value::Object(m) = &value else { return Err("the answer is not a JSON object".into()) };
    let default = if flavor == Flavor::Http { "text/plain; charset=utf-8" } else { "application/json" };
    structured(m, false, default, decode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn answers_map_to_http() {
        let r = response_v2(br#"{"statusCode":201,"headers":{"x-a":"1","n":2},"cookies":["a=1","b=2"],"body":"hi"}"#).unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"hi");
        assert_eq!(r.headers.iter().filter(|(n, _)| n == "set-cookie").count(), 2);
        assert_eq!(r.header("n"), Some("2"));
        let r = response_v2(br#"{"message":"hi"}"#).unwrap();
        assert_eq!((r.status, r.body_text()), (200, r#"{"message":"hi"}"#.to_string()));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let r = response_v2(br#""Hello from Lambda!""#).unwrap();
        assert_eq!(r.body_text(), "Hello from Lambda!");
        let r = response_v2(br#"{"statusCode":200,"isBase64Encoded":true,"body":"AAEC"}"#).unwrap();
        assert_eq!(r.body, vec![0, 1, 2]);
        assert!(response_v2(b"not json").is_err());
        assert!(response_v2(br#"{"statusCode":200,"body":{"a":1}}"#).is_err());
        assert!(response_v1(br#"{"body":"x"}"#, Flavor::Rest, true).is_err());
        let r = response_v1(br#"{"statusCode":200,"headers":{"a":"1","b":"2"},"multiValueHeaders":{"A":["x","y"]}}"#, Flavor::Rest, true).unwrap();
        let names: Vec<(&str, &str)> = r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(names, vec![("A", "x"), ("A", "y"), ("b", "2"), ("content-type", "application/json")]);
    }

    #[test]
    fn text_types() {
        assert!(is_text_type(Some("application/json; charset=utf-8")));
        assert!(is_text_type(Some("text/html")));
        assert!(is_text_type(Some("application/vnd.api+json")));
        assert!(!is_text_type(Some("application/octet-stream")));
        assert!(!is_text_type(Some("application/x-www-form-urlencoded")));
        assert!(!is_text_type(None));
        assert!(media_type_matches("image/png", &["image/*".to_string()]));
        assert!(!media_type_matches("text/plain", &["image/*".to_string()]));
    }
}
