//! Calls into the cloud: one HTTP/1.1 request message out through
//! `stratus.call`, one HTTP/1.1 response message back.

use crate::{sys, Error};
use serde_json::Value;

/// A response from the cloud: the status line, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// In the order received, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header with this name, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; an empty body is `{}`.
    pub fn json(&self) -> Result<Value, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        Ok(serde_json::from_slice(&self.body)?)
    }
}

/// Sends one request to the cloud, e.g.
/// `call("POST", "/_aws/lambda/2015-03-31/functions/other/invocations", &[], b"{}")`.
/// `content-length` is added unless given. An `Err` means the request could
/// not be sent or the answer was not an HTTP response; an HTTP error status
/// is an `Ok` whose `status` says so.
pub fn call(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, Error> {
    let request = encode_request(method, path, headers, body)?;
    parse_response(&sys::call(&request))
}

fn call_error(message: impl Into<String>) -> Error {
    Error::new("Stratus.CallError", message)
}

pub(crate) fn encode_request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<u8>, Error> {
    let token = |s: &str| {
        !s.is_empty()
            && !s
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    };
    if !token(method) || !token(path) {
        return Err(call_error(format!(
            "invalid request line: {method:?} {path:?}"
        )));
    }
    let mut out = Vec::with_capacity(64 + path.len() + body.len());
    out.extend_from_slice(format!("{method} {path} HTTP/1.1\r\n").as_bytes());
    let mut has_length = false;
    for (name, value) in headers {
        if !token(name) || name.contains(':') || value.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(call_error(format!("invalid header: {name:?}")));
        }
        has_length |= name.eq_ignore_ascii_case("content-length");
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if !has_length {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(out)
}

pub(crate) fn parse_response(message: &[u8]) -> Result<Response, Error> {
    // The head ends at the first empty line (CRLF, or a bare LF, tolerated).
    let (head, body) = match find(message, b"\r\n\r\n") {
        Some(i) => (&message[..i], &message[i + 4..]),
        None => match find(message, b"\n\n") {
            Some(i) => (&message[..i], &message[i + 2..]),
            None => (message, &[][..]),
        },
    };
    let head = std::str::from_utf8(head).map_err(|_| call_error("response head is not UTF-8"))?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let (true, Some(status)) = (version.starts_with("HTTP/"), status) else {
        return Err(call_error(format!(
            "not an HTTP response: {:?}",
            truncate(status_line, 80)
        )));
    };
    let reason = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(call_error(format!(
                "malformed response header: {:?}",
                truncate(line, 80)
            )));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut response = Response {
        status,
        reason,
        headers,
        body: body.to_vec(),
    };
    if let Some(len) = response
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        response.body.truncate(len);
    }
    Ok(response)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_an_http_message() {
        let req = encode_request(
            "POST",
            "/_aws/dynamodb/",
            &[("x-amz-target", "DynamoDB_20120810.Scan")],
            b"{}",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(req).unwrap(),
            "POST /_aws/dynamodb/ HTTP/1.1\r\nx-amz-target: DynamoDB_20120810.Scan\r\ncontent-length: 2\r\n\r\n{}"
        );
        assert!(encode_request("GET", "/a b", &[], b"").is_err());
        assert!(encode_request("GET", "/", &[("x", "1\r\ninjected: 2")], b"").is_err());
    }

    #[test]
    fn responses_parse_with_crlf_or_lf() {
        let r = parse_response(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"a\":1}",
        )
        .unwrap();
        assert_eq!((r.status, r.reason.as_str()), (400, "Bad Request"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json().unwrap()["a"], 1);
        let r = parse_response(b"HTTP/1.1 200 OK\ncontent-length: 2\n\nokEXTRA").unwrap();
        assert_eq!(r.body, b"ok");
        let r = parse_response(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        assert!(r.is_success() && r.json().unwrap().as_object().unwrap().is_empty());
        assert!(parse_response(b"").is_err());
        assert!(parse_response(b"garbage").is_err());
    }
}
