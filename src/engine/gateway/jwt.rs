//! JWT authorizers of HTTP APIs, as API Gateway runs them.
//!
//! A route with `authorizationType` `JWT` takes its token from the
//! authorizer's one identity source (`$request.header.Authorization`, with
//! or without `Bearer `), decodes it, finds the signing key by `kid` in the
//! issuer's key set, checks the RSA signature (RS256, RS384, RS512: API
//! Gateway verifies RSA-based algorithms only) and the claims: `exp`, `nbf`,
//! `iat`, `iss` equal to the configured issuer, `aud` (or, without `aud`,
//! `client_id`) among the configured audience, and, if the route names
//! `authorizationScopes`, at least one of them in `scope` or `scp`. A bad
//! token is answered 401 `{"message":"Unauthorized"}` with a
//! `www-authenticate` header that says why; missing scopes 403.
//!
//! Keys are discovered as API Gateway does: `{issuer}/.well-known/openid-configuration`
//! names the `jwks_uri`, which serves the key set. They are kept for two
//! hours (what API Gateway documents for HTTP APIs) and fetched again when a
//! token names a `kid` the kept set does not have (a rotation).
//!
//! Fetching never happens inside the engine's synchronous dispatch, except
//! for issuers that are this app's own paths (an invoke URL, `_api/`,
//! `_aws/`): `Cloud::handle` fetches the keys a request needs before it runs
//! the request ([`refresh`]), through the cloud itself for this app's paths
//! and through the host's [`crate::engine::cloud::UrlFetcher`] (the browser's
//! `fetch()`) for any other URL.

use super::model::Authorizer;
use crate::engine::cloud::Cloud;
use crate::engine::http::{HttpRequest, HttpResponse};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::collections::HashMap;
use std::future::Future;

/// How long an issuer's keys are kept: API Gateway caches them for two hours.
pub const KEY_TTL_MS: u64 = 2 * 60 * 60 * 1000;

/// base64url, with or without padding (JWTs and JWKs omit it).
const B64URL: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));

/// One key of an issuer's key set.
#[derive(Debug, Clone)]
pub struct Key {
    pub kid: String,
    /// The key's `alg`, if it names one.
    pub alg: Option<String>,
    /// `None` for keys Stratus cannot verify with (not RSA, or for encryption).
    pub rsa: Option<RsaPublicKey>,
}

/// An issuer's keys and when they were fetched.
#[derive(Debug, Clone)]
pub struct IssuerKeys {
    pub fetched_ms: u64,
    pub jwks_uri: String,
    pub keys: Vec<Key>,
}

impl IssuerKeys {
    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

/// The keys of every issuer the authorizers named, by issuer (in memory
/// only). A failed fetch is kept until the request it was made for reads it.
#[derive(Default)]
pub struct KeyCache {
    pub issuers: HashMap<String, Result<IssuerKeys, String>>,
}

impl KeyCache {
    /// The fresh keys of an issuer, if any.
    pub fn fresh(&self, issuer: &str, now: u64) -> Option<&IssuerKeys> {
        match self.issuers.get(issuer) {
            Some(Ok(k)) if now < k.fetched_ms + KEY_TTL_MS => Some(k),
            _ => None,
        }
    }
}

/// A JWT authorizer's configuration (`jwtConfiguration`).
#[derive(Debug, Clone, PartialEq)]
pub struct JwtConfig {
    pub issuer: String,
    pub audience: Vec<String>,
}

impl JwtConfig {
    /// Reads and checks `jwtConfiguration` as CreateAuthorizer takes it.
    pub fn parse(v: Option<&Value>) -> Result<JwtConfig, String> {
        let Some(Value::Object(m)) = v else {
            return Err("JwtConfiguration is required for authorizer type JWT".into());
        };
        let issuer = match m.get("issuer") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            None | Some(Value::Null) => return Err("JwtConfiguration.Issuer is required for authorizer type JWT".into()),
            Some(_) => return Err("Invalid value for 'jwtConfiguration.issuer': expected a string".into()),
        };
        let url_ok = ["https://", "http://"].iter().any(|p| issuer.strip_prefix(p).is_some_and(|h| !h.is_empty() && !h.starts_with('/')));
        if !url_ok || issuer.len() > 2048 || issuer.contains(char::is_whitespace) {
            return Err(format!("Invalid issuer {issuer}: the issuer must be an https URL, such as https://cognito-idp.{{region}}.amazonaws.com/{{userPoolId}}"));
        }
        let audience = match m.get("audience") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .ok_or("Invalid value for 'jwtConfiguration.audience': expected a list of strings")?,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err("Invalid value for 'jwtConfiguration.audience': expected a list of strings".into()),
        };
        if audience.is_empty() || audience.iter().any(String::is_empty) {
            return Err("JwtConfiguration.Audience is required for authorizer type JWT: name at least one audience".into());
        }
        Ok(JwtConfig { issuer, audience })
    }

    pub fn discovery_url(&self) -> String {
        discovery_url(&self.issuer)
    }
}

/// `{issuer}/.well-known/openid-configuration` (an issuer's trailing `/` dropped).
pub fn discovery_url(issuer: &str) -> String {
    format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))
}

/// Where a JWT authorizer's token is read: a header or a query parameter.
pub fn source_ok(source: &str) -> bool {
    ["$request.header.", "$request.querystring."].iter().any(|p| source.strip_prefix(p).is_some_and(|n| !n.is_empty()))
}

/// The token a request carries in `source`, without its `Bearer ` prefix.
pub fn token_of(source: &str, request: &HttpRequest) -> Option<String> {
    let raw = if let Some(name) = source.strip_prefix("$request.header.") {
        request.header(name).map(str::to_string)
    } else if let Some(name) = source.strip_prefix("$request.querystring.") {
        request.query_param(name)
    } else {
        None
    }?;
    let raw = raw.trim();
    let token = match raw.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("bearer") && raw[6..].chars().next().is_none_or(char::is_whitespace) => raw[6..].trim(),
        _ => raw,
    };
    (!token.is_empty()).then(|| token.to_string())
}

/// A decoded (not yet verified) token.
#[derive(Debug, Clone)]
pub struct Token {
    pub alg: String,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

/// Why a request was refused: 401 with a reason, or 403 (scopes).
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    Unauthorized(String),
    Forbidden,
}

fn invalid(why: &str) -> Refused {
    Refused::Unauthorized(why.to_string())
}

/// Decodes a compact JWS: header, claims and signature, base64url each.
pub fn decode(token: &str) -> Result<Token, Refused> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, c, s] = parts[..] else { return Err(invalid("the token is not a valid JWT")) };
    let json = |part: &str| -> Option<Map<String, Value>> {
        match serde_json::from_slice(&B64URL.decode(part).ok()?) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }
    };
    let (Some(header), Some(claims)) = (json(h), json(c)) else { return Err(invalid("the token is not a valid JWT")) };
    let signature = B64URL.decode(s).map_err(|_| invalid("the token is not a valid JWT"))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("").to_string();
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_string);
    Ok(Token { alg, kid, claims, signing_input: format!("{h}.{c}"), signature })
}

/// Whether API Gateway verifies tokens signed with `alg` (RSA-based only).
pub fn alg_supported(alg: &str) -> bool {
    matches!(alg, "RS256" | "RS384" | "RS512")
}

/// The `kid` of a request's token, if it has a well-formed RSA-signed one
/// (what [`refresh`] needs to know before the request runs).
pub fn wanted_kid(token: &str) -> Option<String> {
    let t = decode(token).ok()?;
    alg_supported(&t.alg).then_some(t.kid).flatten()
}

/// What a verified token gives the integration: `requestContext.authorizer`
/// for payload 2.0 (`{"jwt": {"claims", "scopes"}}`) and 1.0 (`{"claims", "scopes"}`).
#[derive(Debug, Clone)]
pub struct Granted {
    pub context_v2: String,
    pub context_v1: String,
}

/// Checks a token against an issuer's keys, the authorizer's configuration
/// and the route's scopes, at `now_ms`.
pub fn authorize(token: &Token, keys: &IssuerKeys, config: &JwtConfig, route_scopes: &[String], now_ms: u64) -> Result<Granted, Refused> {
    if !alg_supported(&token.alg) {
        return Err(invalid("the token is not signed with a supported algorithm (RS256, RS384 or RS512)"));
    }
    let kid = token.kid.as_deref().ok_or_else(|| invalid("the token has no kid header"))?;
    let key = keys.get(kid).ok_or_else(|| invalid("the token's kid does not match any key of the issuer"))?;
    let rsa = key.rsa.as_ref().ok_or_else(|| invalid("the token's kid names a key that is not an RSA signing key"))?;
    if key.alg.as_deref().is_some_and(|a| a != token.alg) {
        return Err(invalid("the token's algorithm does not match its key"));
    }
    let input = token.signing_input.as_bytes();
    let verified = match token.alg.as_str() {
        "RS256" => rsa.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input), &token.signature),
        "RS384" => rsa.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(input), &token.signature),
        _ => rsa.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(input), &token.signature),
    };
    if verified.is_err() {
        return Err(invalid("the token has an invalid signature"));
    }
    let c = &token.claims;
    if c.get("iss").and_then(Value::as_str) != Some(config.issuer.as_str()) {
        return Err(invalid("the token does not have a valid issuer"));
    }
    let audience: Vec<&str> = match c.get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => c.get("client_id").and_then(Value::as_str).into_iter().collect(),
    };
    if !audience.iter().any(|a| config.audience.iter().any(|x| x == a)) {
        return Err(invalid("the token does not have a valid audience"));
    }
    let now = (now_ms / 1000) as f64;
    let time = |name: &str| c.get(name).map(|v| v.as_f64().ok_or_else(|| invalid(&format!("the token's {name} claim is not a number"))));
    let exp = time("exp").ok_or_else(|| invalid("the token has no exp claim"))??;
    if exp <= now {
        return Err(invalid("the token has expired"));
    }
    if let Some(nbf) = time("nbf") {
        if nbf? > now {
            return Err(invalid("the token is not valid yet"));
        }
    }
    if let Some(iat) = time("iat") {
        if iat? > now {
            return Err(invalid("the token was issued in the future"));
        }
    }
    let held = token_scopes(c);
    let scopes = if route_scopes.is_empty() {
        Value::Null
    } else {
        let matched: Vec<&str> = held.iter().map(String::as_str).filter(|s| route_scopes.iter().any(|r| r == s)).collect();
        if matched.is_empty() {
            return Err(Refused::Forbidden);
        }
        Value::from(matched)
    };
    let claims: Map<String, Value> = c.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), Value::String(claim_text(v)))).collect();
    let v1 = serde_json::json!({ "claims": claims, "scopes": scopes });
    let v2 = serde_json::json!({ "jwt": { "claims": claims, "scopes": scopes } });
    Ok(Granted { context_v2: v2.to_string(), context_v1: v1.to_string() })
}

/// The scopes a token holds: `scope` (space-separated) or `scp` (a list or
/// space-separated).
pub fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for name in ["scope", "scp"] {
        match claims.get(name) {
            Some(Value::String(s)) => out.extend(s.split_whitespace().map(str::to_string)),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str).map(str::to_string)),
            _ => {}
        }
    }
    out
}

/// A claim as API Gateway hands it on: every value a string; lists in
/// brackets, space-separated (`[admin users]`); objects as JSON text.
pub fn claim_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(claim_text).collect::<Vec<_>>().join(" ")),
        other => other.to_string(),
    }
}

/// API Gateway's answer to a refused token: 401 with the reason in
/// `www-authenticate`, or 403 for missing scopes.
pub fn refusal(refused: &Refused, route_scopes: &[String]) -> (HttpResponse, &'static str) {
    // A header value: no quotes or line breaks inside the quoted parts.
    let clean = |s: &str| s.chars().map(|c| if c == '"' { '\'' } else if c.is_control() { ' ' } else { c }).collect::<String>();
    let scope = clean(&route_scopes.join(" "));
    let (status, message, challenge) = match refused {
        Refused::Unauthorized(why) => (401, "Unauthorized", format!("Bearer scope=\"{scope}\" error=\"invalid_token\" error_description=\"{}\"", clean(why))),
        Refused::Forbidden => (
            403,
            "Forbidden",
            format!("Bearer scope=\"{scope}\" error=\"insufficient_scope\" error_description=\"the token does not have the required scopes\""),
        ),
    };
    (crate::engine::protocol::gateway_message(status, message).with_header("www-authenticate", &challenge), message)
}

/// The `jwks_uri` of an OpenID configuration document.
pub fn jwks_uri_of(body: &[u8]) -> Result<String, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the OpenID configuration is not JSON: {e}"))?;
    v.get("jwks_uri").and_then(Value::as_str).map(str::to_string).ok_or_else(|| "the OpenID configuration has no jwks_uri".to_string())
}

/// Reads a JSON Web Key Set (`{"keys": [...]}`).
pub fn parse_jwks(body: &[u8]) -> Result<Vec<Key>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the key set is not JSON: {e}"))?;
    let keys = v.get("keys").and_then(Value::as_array).ok_or("the key set has no keys list")?;
    let mut out = Vec::new();
    for k in keys {
        let Some(kid) = k.get("kid").and_then(Value::as_str) else { continue };
        let text = |name: &str| k.get(name).and_then(Value::as_str);
        let signing = text("use").is_none_or(|u| u == "sig");
        let rsa = match (text("kty"), text("n"), text("e")) {
            (Some("RSA"), Some(n), Some(e)) if signing => {
                let n = B64URL.decode(n).map_err(|_| format!("key {kid}: n is not base64url"))?;
                let e = B64URL.decode(e).map_err(|_| format!("key {kid}: e is not base64url"))?;
                Some(RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).map_err(|err| format!("key {kid}: {err}"))?)
            }
            _ => None,
        };
        out.push(Key { kid: kid.to_string(), alg: text("alg").map(str::to_string), rsa });
    }
    Ok(out)
}

/// Discovers and reads an issuer's keys with `fetch` (a URL to its body).
pub async fn load<F, Fut>(issuer: &str, fetch: F, now_ms: u64) -> Result<IssuerKeys, String>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, String>>,
{
    let discovery = discovery_url(issuer);
    let config = fetch(discovery.clone()).await.map_err(|e| format!("{discovery}: {e}"))?;
    let jwks_uri = jwks_uri_of(&config).map_err(|e| format!("{discovery}: {e}"))?;
    let body = fetch(jwks_uri.clone()).await.map_err(|e| format!("{jwks_uri}: {e}"))?;
    let keys = parse_jwks(&body).map_err(|e| format!("{jwks_uri}: {e}"))?;
    Ok(IssuerKeys { fetched_ms: now_ms, jwks_uri, keys })
}

/// Fetches an issuer's keys (before a request that needs them) and keeps
/// them, or the failure, for the request to read.
pub async fn refresh(cloud: &Cloud, issuer: &str) {
    let now = cloud.clock().now_ms();
    let loaded = load(issuer, |url| cloud.fetch_url(url), now).await;
    cloud.gateway().runtime.keys.issuers.insert(issuer.to_string(), loaded);
}

/// Runs a JWT authorizer for a request: the token, the issuer's keys, the
/// signature and the claims, against the route's `scopes`.
pub fn check(cloud: &Cloud, a: &Authorizer, scopes: &[String], request: &HttpRequest, now: u64) -> Result<Granted, Refused> {
    let source = a.identity_source.first().map(String::as_str).unwrap_or("$request.header.Authorization");
    let token = token_of(source, request).ok_or_else(|| invalid("the token is missing"))?;
    let token = decode(&token)?;
    if !alg_supported(&token.alg) {
        return Err(invalid("the token is not signed with a supported algorithm (RS256, RS384 or RS512)"));
    }
    let config = JwtConfig::parse(a.jwt_configuration.as_ref()).map_err(Refused::Unauthorized)?;
    let keys = keys_for(cloud, &config.issuer, now).map_err(|e| Refused::Unauthorized(format!("the issuer's keys could not be fetched: {e}")))?;
    authorize(&token, &keys, &config, scopes, now)
}

/// The keys a request's authorizer needs now: fresh ones from the cache; or,
/// for an issuer that is one of this app's own paths, fetched at once
/// through the cloud (a request that did not come through `Cloud::handle`,
/// such as a function's own call). A kept failure is read only once.
pub fn keys_for(cloud: &Cloud, issuer: &str, now: u64) -> Result<IssuerKeys, String> {
    let kept = cloud.gateway().runtime.keys.issuers.get(issuer).cloned();
    match kept {
        Some(Ok(k)) if now < k.fetched_ms + KEY_TTL_MS => return Ok(k),
        Some(Err(e)) => {
            cloud.gateway().runtime.keys.issuers.remove(issuer);
            return Err(e);
        }
        _ => {}
    }
    if super::dispatch::local_path(cloud, issuer).is_none() {
        return Err(format!("Stratus has not fetched the keys of {issuer}: keys of other hosts are fetched only for requests that reach the cloud from outside"));
    }
    let fetch = |url: String| std::future::ready(local_fetch(cloud, &url));
    let loaded = poll_ready(load(issuer, fetch, now)).unwrap_or_else(|| Err("the key fetch did not finish".into()));
    cloud.gateway().runtime.keys.issuers.insert(issuer.to_string(), loaded.clone());
    loaded
}

/// GET of one of this app's own paths, answered by the cloud itself.
pub fn local_fetch(cloud: &Cloud, url: &str) -> Result<Vec<u8>, String> {
    let target = super::dispatch::local_path(cloud, url).ok_or_else(|| format!("{url} is not a path of this app"))?;
    let response = cloud.handle_now(HttpRequest::from_target("GET", &target));
    if response.status != 200 {
        return Err(format!("HTTP {} {}", response.status, response.body_text().chars().take(200).collect::<String>()));
    }
    Ok(response.body)
}

/// Runs a future that never waits (every fetch it makes is answered at once).
fn poll_ready<T>(future: impl Future<Output = T>) -> Option<T> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_flattened_as_api_gateway_writes_them() {
        assert_eq!(claim_text(&serde_json::json!("a")), "a");
        assert_eq!(claim_text(&serde_json::json!(1612061676)), "1612061676");
        assert_eq!(claim_text(&serde_json::json!(true)), "true");
        assert_eq!(claim_text(&serde_json::json!(["admin", "users"])), "[admin users]");
        assert_eq!(claim_text(&serde_json::json!({"a": 1})), "{\"a\":1}");
    }

    #[test]
    fn tokens_come_with_or_without_bearer() {
        let r = HttpRequest::new("GET", "/").with_header("Authorization", "Bearer abc");
        assert_eq!(token_of("$request.header.Authorization", &r).as_deref(), Some("abc"));
        let r = HttpRequest::new("GET", "/").with_header("authorization", "abc");
        assert_eq!(token_of("$request.header.Authorization", &r).as_deref(), Some("abc"));
        let r = HttpRequest::from_target("GET", "/?t=xyz");
        assert_eq!(token_of("$request.querystring.t", &r).as_deref(), Some("xyz"));
        assert_eq!(token_of("$request.header.Authorization", &HttpRequest::new("GET", "/")), None);
        let r = HttpRequest::new("GET", "/").with_header("Authorization", "Bearer ");
        assert_eq!(token_of("$request.header.Authorization", &r), None);
    }

    #[test]
    fn configurations_are_checked() {
        let ok = JwtConfig::parse(Some(&serde_json::json!({"issuer": "https://cognito-idp.us-east-1.amazonaws.com/pool", "audience": ["x"]}))).unwrap();
        assert_eq!(ok.discovery_url(), "https://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/openid-configuration");
        assert!(JwtConfig::parse(None).is_err());
        assert!(JwtConfig::parse(Some(&serde_json::json!({"issuer": "cognito", "audience": ["x"]}))).is_err());
        assert!(JwtConfig::parse(Some(&serde_json::json!({"issuer": "https://a.example/"}))).is_err());
        let slash = JwtConfig::parse(Some(&serde_json::json!({"issuer": "https://t.auth0.com/", "audience": ["x"]}))).unwrap();
        assert_eq!(slash.discovery_url(), "https://t.auth0.com/.well-known/openid-configuration");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(decode("abc").is_err());
        assert!(decode("a.b.c").is_err());
        assert_eq!(wanted_kid("eyJhbGciOiJub25lIn0.e30."), None);
    }
}
