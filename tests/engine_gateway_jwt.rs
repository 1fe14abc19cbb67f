//! JWT authorizers of HTTP APIs natively: an RSA key made in the test signs
//! tokens; another API of the same cloud, backed by functions, is the
//! issuer (it serves `/.well-known/openid-configuration` and the key set);
//! the protected API's function echoes the event it got.
#![cfg(not(target_arch = "wasm32"))]

#[path = "gateway/support.rs"]
mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_chacha::rand_core::SeedableRng;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;
use support::{function_arn, Answer, START_MS, T};

const NOW_S: u64 = START_MS / 1000;

fn key(seed: u64) -> RsaPrivateKey {
    RsaPrivateKey::new(&mut rand_chacha::ChaCha20Rng::seed_from_u64(seed), 2048).unwrap()
}

/// A JWK of the key's public half.
fn jwk(key: &RsaPrivateKey, kid: &str) -> Value {
    let public = key.to_public_key();
    json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    })
}

fn b64json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// A compact JWS of `claims`, RS256 with `key`, its header naming `kid`.
fn sign(key: &RsaPrivateKey, kid: &str, claims: &Value) -> String {
    let input = format!("{}.{}", b64json(&json!({"alg": "RS256", "typ": "JWT", "kid": kid})), b64json(claims));
    let signature = SigningKey::<sha2::Sha256>::new(key.clone()).sign(input.as_bytes()).to_bytes();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A function's proxy answer: 200 with `body` as JSON.
fn answer_json(body: &Value) -> Answer {
    Answer::Fixed(json!({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": body.to_string()}).to_string())
}

struct World {
    t: T,
    /// The issuer: the invoke URL of the API that serves the keys.
    issuer: String,
    api: String,
    authorizer: String,
    route: String,
    key: RsaPrivateKey,
}

impl World {
    /// An issuer API (discovery document and key set, one function each) and
    /// a protected API: `GET /me` behind a JWT authorizer for audience `app`,
    /// its function echoing the event (payload `version`).
    fn new(version: &str) -> World {
        let t = T::new();
        let key = key(7);
        // The issuer.
        let issuer_api = t.ok("POST", "/v2/apis", json!({"name": "issuer", "protocolType": "HTTP"}));
        let issuer_id = issuer_api["apiId"].as_str().unwrap().to_string();
        let issuer = format!("https://{issuer_id}.execute-api.us-east-1.amazonaws.com");
        t.spy("discovery", &answer_json(&json!({"issuer": issuer, "jwks_uri": format!("{issuer}/keys")})));
        t.spy("keys", &answer_json(&json!({"keys": [jwk(&key, "k1")]})));
        for (route_key, function) in [("GET /.well-known/openid-configuration", "discovery"), ("GET /keys", "keys")] {
            let i = t.ok(
                "POST",
                &format!("/v2/apis/{issuer_id}/integrations"),
                json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn(function), "payloadFormatVersion": "2.0"}),
            );
            t.ok("POST", &format!("/v2/apis/{issuer_id}/routes"), json!({"routeKey": route_key, "target": format!("integrations/{}", i["integrationId"].as_str().unwrap())}));
        }
        t.ok("POST", &format!("/v2/apis/{issuer_id}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
        // The protected API.
        t.spy("backend", &Answer::Echo);
        let api = t.ok("POST", "/v2/apis", json!({"name": "app", "protocolType": "HTTP"}))["apiId"].as_str().unwrap().to_string();
        let authorizer = t.ok(
            "POST",
            &format!("/v2/apis/{api}/authorizers"),
            json!({"name": "jwt", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"], "jwtConfiguration": {"issuer": issuer, "audience": ["app"]}}),
        );
        let authorizer = authorizer["authorizerId"].as_str().unwrap().to_string();
        let i = t.ok(
            "POST",
            &format!("/v2/apis/{api}/integrations"),
            json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn("backend"), "payloadFormatVersion": version}),
        );
        let route = t.ok(
            "POST",
            &format!("/v2/apis/{api}/routes"),
            json!({"routeKey": "GET /me", "target": format!("integrations/{}", i["integrationId"].as_str().unwrap()), "authorizationType": "JWT", "authorizerId": authorizer}),
        );
        let route = route["routeId"].as_str().unwrap().to_string();
        t.ok("POST", &format!("/v2/apis/{api}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
        World { t, issuer, api, authorizer, route, key }
    }

    fn claims(&self) -> Value {
        json!({"iss": self.issuer, "aud": "app", "sub": "ada", "iat": NOW_S - 10, "exp": NOW_S + 3600, "cognito:groups": ["admin", "users"], "email_verified": true})
    }

    fn token(&self, claims: &Value) -> String {
        sign(&self.key, "k1", claims)
    }

    /// `GET /me` with this Authorization header (if any).
    fn me(&self, authorization: Option<&str>) -> stratus::engine::HttpResponse {
        let headers: Vec<(&str, &str)> = authorization.map(|a| ("Authorization", a)).into_iter().collect();
        self.t.call("GET", &format!("{}/me", self.api), &headers, "")
    }

    /// How many requests the cloud answered while `f` ran (the key fetches
    /// are requests to the issuer's invoke URL).
    fn requests<R>(&self, f: impl FnOnce() -> R) -> (R, u64) {
        let before = self.t.cloud.request_count();
        let r = f();
        (r, self.t.cloud.request_count() - before)
    }
}

fn body(r: &stratus::engine::HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body_text()))
}

/// A 401 as API Gateway answers a bad token: `{"message":"Unauthorized"}`,
/// the reason in `www-authenticate`.
fn assert_unauthorized(r: &stratus::engine::HttpResponse, why: &str) {
    assert_eq!(r.status, 401, "{}", r.body_text());
    assert_eq!(body(r), json!({"message": "Unauthorized"}));
    let challenge = r.header("www-authenticate").unwrap_or_else(|| panic!("no www-authenticate: {:?}", r.headers));
    assert!(challenge.starts_with("Bearer scope=\"") && challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains(why), "{challenge} does not say {why}");
}

#[test]
fn a_valid_token_reaches_the_function_with_its_claims() {
    let w = World::new("2.0");
    let token = w.token(&w.claims());
    let (r, requests) = w.requests(|| w.me(Some(&format!("Bearer {token}"))));
    assert_eq!(r.status, 200, "{}", r.body_text());
    // The request itself, then the discovery document and the key set.
    assert_eq!(requests, 3);
    let event = body(&r);
    let auth = &event["requestContext"]["authorizer"];
    assert_eq!(auth["jwt"]["claims"]["sub"], "ada");
    assert_eq!(auth["jwt"]["claims"]["aud"], "app");
    assert_eq!(auth["jwt"]["claims"]["iss"], w.issuer);
    // Every claim is a string, lists in brackets as API Gateway writes them.
    assert_eq!(auth["jwt"]["claims"]["exp"], (NOW_S + 3600).to_string());
    assert_eq!(auth["jwt"]["claims"]["cognito:groups"], "[admin users]");
    assert_eq!(auth["jwt"]["claims"]["email_verified"], "true");
    assert_eq!(auth["jwt"]["scopes"], Value::Null);
    assert!(auth.get("lambda").is_none(), "{auth}");

    // The token without "Bearer ", and the keys are kept: no fetch.
    let (r, requests) = w.requests(|| w.me(Some(&token)));
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(requests, 1);
    // Two hours later they are fetched again.
    w.t.clock.advance_ms(2 * 60 * 60 * 1000);
    let later = w.token(&json!({"iss": w.issuer, "aud": ["other", "app"], "iat": NOW_S + 7200, "exp": NOW_S + 9000}));
    let (r, requests) = w.requests(|| w.me(Some(&later)));
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(requests, 3);
}

#[test]
fn bad_tokens_are_refused_with_401() {
    let w = World::new("2.0");
    let good = w.claims();
    let with = |name: &str, v: Value| {
        let mut c = good.clone();
        c[name] = v;
        w.token(&c)
    };
    let without = |name: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(name);
        w.token(&c)
    };
    assert_unauthorized(&w.me(None), "the token is missing");
    assert_unauthorized(&w.me(Some("Bearer ")), "the token is missing");
    assert_unauthorized(&w.me(Some("Bearer not-a-jwt")), "not a valid JWT");
    assert_unauthorized(&w.me(Some("Bearer a.b.c")), "not a valid JWT");
    assert_unauthorized(&w.me(Some(&with("exp", json!(NOW_S - 1)))), "the token has expired");
    assert_unauthorized(&w.me(Some(&with("exp", json!(NOW_S)))), "the token has expired");
    assert_unauthorized(&w.me(Some(&without("exp"))), "no exp claim");
    assert_unauthorized(&w.me(Some(&with("nbf", json!(NOW_S + 60)))), "not valid yet");
    assert_unauthorized(&w.me(Some(&with("iat", json!(NOW_S + 60)))), "issued in the future");
    assert_unauthorized(&w.me(Some(&with("iss", json!("https://elsewhere.example")))), "valid issuer");
    assert_unauthorized(&w.me(Some(&with("aud", json!("someone-else")))), "the token does not have a valid audience");
    assert_unauthorized(&w.me(Some(&with("aud", json!(["x", "y"])))), "valid audience");
    // Without aud, client_id is the audience (Cognito's access tokens).
    let mut access = good.clone();
    access.as_object_mut().unwrap().remove("aud");
    access["client_id"] = json!("app");
    assert_eq!(w.me(Some(&w.token(&access))).status, 200);
    access["client_id"] = json!("nope");
    assert_unauthorized(&w.me(Some(&w.token(&access))), "valid audience");

    // A signature by another key, or a claim changed after signing.
    let forged = sign(&key(8), "k1", &good);
    assert_unauthorized(&w.me(Some(&forged)), "invalid signature");
    let token = w.token(&good);
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64json(&json!({"iss": w.issuer, "aud": "app", "sub": "root", "exp": NOW_S + 3600})), parts[2]);
    assert_unauthorized(&w.me(Some(&tampered)), "invalid signature");
    // alg none, and algorithms API Gateway does not verify.
    let none = format!("{}.{}.", b64json(&json!({"alg": "none", "kid": "k1"})), b64json(&good));
    assert_unauthorized(&w.me(Some(&none)), "supported algorithm");
    let es = format!("{}.{}.{}", b64json(&json!({"alg": "ES256", "kid": "k1"})), b64json(&good), URL_SAFE_NO_PAD.encode([1u8; 64]));
    assert_unauthorized(&w.me(Some(&es)), "supported algorithm");
    let hs = format!("{}.{}.{}", b64json(&json!({"alg": "HS256", "kid": "k1"})), b64json(&good), URL_SAFE_NO_PAD.encode([1u8; 32]));
    assert_unauthorized(&w.me(Some(&hs)), "supported algorithm");
    // No kid, or one the issuer does not have.
    let no_kid = {
        let input = format!("{}.{}", b64json(&json!({"alg": "RS256"})), b64json(&good));
        let s = SigningKey::<sha2::Sha256>::new(w.key.clone()).sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(s))
    };
    assert_unauthorized(&w.me(Some(&no_kid)), "no kid");
    let (r, requests) = w.requests(|| w.me(Some(&sign(&w.key, "k9", &good))));
    assert_unauthorized(&r, "does not match any key");
    // An unknown kid makes the gateway fetch the key set again (a rotation).
    assert_eq!(requests, 3);
    // The function never ran for a refused request.
    let events = w.t.events("backend");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["requestContext"]["authorizer"]["jwt"]["claims"]["client_id"], "app");
    // A query-string identity source.
    let a = w.t.ok(
        "PATCH",
        &format!("/v2/apis/{}/authorizers/{}", w.api, w.authorizer),
        json!({"identitySource": ["$request.querystring.access_token"]}),
    );
    assert_eq!(a["identitySource"], json!(["$request.querystring.access_token"]));
    assert_unauthorized(&w.me(Some(&format!("Bearer {token}"))), "the token is missing");
    let r = w.t.call("GET", &format!("{}/me?access_token={token}", w.api), &[], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
}

#[test]
fn keys_rotate_and_failed_fetches_answer_401() {
    let w = World::new("2.0");
    assert_eq!(w.me(Some(&w.token(&w.claims()))).status, 200);
    // The issuer publishes a second key and signs with it: the unknown kid
    // makes the gateway fetch the key set again, once.
    let second = key(9);
    w.t.spy("keys", &answer_json(&json!({"keys": [jwk(&w.key, "k1"), jwk(&second, "k2")]})));
    let (r, requests) = w.requests(|| w.me(Some(&sign(&second, "k2", &w.claims()))));
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(requests, 3);
    let (r, requests) = w.requests(|| w.me(Some(&sign(&second, "k2", &w.claims()))));
    assert_eq!((r.status, requests), (200, 1));

    // The key set breaks: a token with a new kid cannot be checked.
    w.t.spy("keys", &Answer::Fixed(r#"{"statusCode": 500, "body": "down"}"#.into()));
    let r = w.me(Some(&sign(&key(10), "k3", &w.claims())));
    assert_unauthorized(&r, "could not be fetched");
    assert!(r.header("www-authenticate").unwrap().contains("/keys: HTTP 500"), "{:?}", r.header("www-authenticate"));
    // A key set that is not JSON, and a discovery document without jwks_uri.
    w.t.spy("keys", &Answer::Fixed(r#"{"statusCode": 200, "body": "<html>"}"#.into()));
    assert_unauthorized(&w.me(Some(&sign(&key(10), "k3", &w.claims()))), "the key set is not JSON");
    w.t.spy("discovery", &answer_json(&json!({"issuer": w.issuer})));
    assert_unauthorized(&w.me(Some(&sign(&key(10), "k3", &w.claims()))), "has no jwks_uri");
    // Mended, the next request fetches again and passes.
    w.t.spy("discovery", &answer_json(&json!({"issuer": w.issuer, "jwks_uri": format!("{}/keys", w.issuer)})));
    let third = key(10);
    w.t.spy("keys", &answer_json(&json!({"keys": [jwk(&third, "k3")]})));
    assert_eq!(w.me(Some(&sign(&third, "k3", &w.claims()))).status, 200);
    // The old keys were replaced by the new set.
    assert_unauthorized(&w.me(Some(&w.token(&w.claims()))), "does not match any key");
}

#[test]
fn scopes_are_required_per_route_and_403_without_them() {
    let w = World::new("2.0");
    let route = w.t.ok("PATCH", &format!("/v2/apis/{}/routes/{}", w.api, w.route), json!({"authorizationScopes": ["orders/read", "orders/admin"]}));
    assert_eq!(route["authorizationScopes"], json!(["orders/read", "orders/admin"]));
    let mut c = w.claims();
    let r = w.me(Some(&w.token(&c)));
    assert_eq!(r.status, 403, "{}", r.body_text());
    assert_eq!(body(&r), json!({"message": "Forbidden"}));
    let challenge = r.header("www-authenticate").unwrap();
    assert!(challenge.contains("scope=\"orders/read orders/admin\"") && challenge.contains("insufficient_scope"), "{challenge}");
    c["scope"] = json!("openid profile");
    assert_eq!(w.me(Some(&w.token(&c))).status, 403);
    // One of the route's scopes is enough: `scope` (space-separated) or `scp` (a list).
    c["scope"] = json!("openid orders/read");
    let r = w.me(Some(&w.token(&c)));
    assert_eq!(r.status, 200, "{}", r.body_text());
    let auth = &body(&r)["requestContext"]["authorizer"]["jwt"];
    assert_eq!(auth["scopes"], json!(["orders/read"]));
    assert_eq!(auth["claims"]["scope"], "openid orders/read");
    c.as_object_mut().unwrap().remove("scope");
    c["scp"] = json!(["orders/admin"]);
    assert_eq!(w.me(Some(&w.token(&c))).status, 200);
    // A bad token is still 401, scopes or not.
    c["exp"] = json!(NOW_S - 5);
    let r = w.me(Some(&w.token(&c)));
    assert_unauthorized(&r, "expired");
    assert!(r.header("www-authenticate").unwrap().contains("scope=\"orders/read orders/admin\""));
}

#[test]
fn payload_1_0_carries_claims_and_scopes_under_the_authorizer() {
    let w = World::new("1.0");
    w.t.spy("backend", &Answer::Fixed(r#"{"statusCode": 200, "body": "hello"}"#.into()));
    let r = w.me(Some(&format!("Bearer {}", w.token(&w.claims()))));
    assert_eq!((r.status, r.body_text().as_str()), (200, "hello"));
    let event = w.t.events("backend").pop().unwrap();
    assert_eq!(event["version"], "1.0");
    let auth = &event["requestContext"]["authorizer"];
    assert_eq!(auth["claims"]["sub"], "ada");
    assert_eq!(auth["claims"]["iat"], (NOW_S - 10).to_string());
    assert_eq!(auth["scopes"], Value::Null);
    assert!(auth.get("jwt").is_none(), "{auth}");
}

#[test]
fn issuers_of_other_hosts_go_through_the_hosts_fetcher() {
    let t = T::new();
    t.spy("backend", &Answer::Echo);
    let signer = key(11);
    let issuer = "https://idp.example.com/tenant";
    let api = t.ok("POST", "/v2/apis", json!({"name": "app", "protocolType": "HTTP"}))["apiId"].as_str().unwrap().to_string();
    let a = t.ok(
        "POST",
        &format!("/v2/apis/{api}/authorizers"),
        json!({"name": "jwt", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"], "jwtConfiguration": {"issuer": issuer, "audience": ["app"]}}),
    );
    let i = t.ok("POST", &format!("/v2/apis/{api}/integrations"), json!({"integrationType": "AWS_PROXY", "integrationUri": function_arn("backend"), "payloadFormatVersion": "2.0"}));
    t.ok(
        "POST",
        &format!("/v2/apis/{api}/routes"),
        json!({"routeKey": "GET /me", "target": format!("integrations/{}", i["integrationId"].as_str().unwrap()), "authorizationType": "JWT", "authorizerId": a["authorizerId"]}),
    );
    t.ok("POST", &format!("/v2/apis/{api}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
    let token = sign(&signer, "x1", &json!({"iss": issuer, "aud": "app", "exp": NOW_S + 60}));
    let auth = format!("Bearer {token}");
    // No fetcher: the host cannot reach other hosts.
    let r = t.call("GET", &format!("{api}/me"), &[("Authorization", &auth)], "");
    assert_unauthorized(&r, "cannot reach other hosts");
    // The host's fetcher serves the issuer's documents.
    let fetched = Rc::new(Cell::new(0));
    let count = fetched.clone();
    let jwks = json!({"keys": [jwk(&signer, "x1")]}).to_string();
    t.cloud.set_url_fetcher(Rc::new(move |url: &str| {
        count.set(count.get() + 1);
        let answer = match url {
            "https://idp.example.com/tenant/.well-known/openid-configuration" => Ok(json!({"jwks_uri": "https://idp.example.com/tenant/jwks.json"}).to_string().into_bytes()),
            "https://idp.example.com/tenant/jwks.json" => Ok(jwks.clone().into_bytes()),
            other => Err(format!("no such page {other}")),
        };
        Box::pin(async move { answer })
    }));
    let r = t.call("GET", &format!("{api}/me"), &[("Authorization", &auth)], "");
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(fetched.get(), 2);
    let r = t.call("GET", &format!("{api}/me"), &[("Authorization", &auth)], "");
    assert_eq!(r.status, 200);
    assert_eq!(fetched.get(), 2);
}

#[test]
fn jwt_authorizers_are_checked_as_created() {
    let t = T::new();
    let api = t.ok("POST", "/v2/apis", json!({"name": "app", "protocolType": "HTTP"}))["apiId"].as_str().unwrap().to_string();
    let path = format!("/v2/apis/{api}/authorizers");
    let base = json!({"name": "jwt", "authorizerType": "JWT", "identitySource": ["$request.header.Authorization"], "jwtConfiguration": {"issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "audience": ["client"]}});
    let created = t.ok("POST", &path, base.clone());
    assert_eq!(created["jwtConfiguration"], base["jwtConfiguration"]);
    assert_eq!(created["authorizerType"], "JWT");
    assert!(created.get("authorizerResultTtlInSeconds").is_none(), "{created}");
    let bad = |change: Value, message: &str| {
        let mut b = base.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, v) = t.apigw("POST", &path, b);
        assert_eq!(s, 400, "{v}");
        assert!(v["message"].as_str().unwrap().contains(message), "{v} does not say {message}");
    };
    bad(json!({"jwtConfiguration": null}), "JwtConfiguration is required");
    bad(json!({"jwtConfiguration": {"audience": ["a"]}}), "Issuer is required");
    bad(json!({"jwtConfiguration": {"issuer": "cognito", "audience": ["a"]}}), "must be an https URL");
    bad(json!({"jwtConfiguration": {"issuer": "https://x.example"}}), "Audience is required");
    bad(json!({"jwtConfiguration": {"issuer": "https://x.example", "audience": []}}), "Audience is required");
    bad(json!({"identitySource": []}), "identitySource is required");
    bad(json!({"identitySource": ["$request.header.A", "$request.header.B"]}), "one identity source");
    bad(json!({"identitySource": ["$context.requestId"]}), "one identity source");
    bad(json!({"authorizerUri": function_arn("f")}), "authorizerUri is supported only for REQUEST");
    // A JWT route needs a JWT authorizer.
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{api}/routes"), json!({"routeKey": "GET /x", "authorizationType": "JWT"}));
    assert_eq!(s, 400, "{v}");
    let request = t.ok(
        "POST",
        &path,
        json!({"name": "lambda", "authorizerType": "REQUEST", "authorizerUri": function_arn("f"), "authorizerPayloadFormatVersion": "2.0", "identitySource": ["$request.header.Authorization"]}),
    );
    let (s, v) = t.apigw("POST", &format!("/v2/apis/{api}/routes"), json!({"routeKey": "GET /x", "authorizationType": "JWT", "authorizerId": request["authorizerId"]}));
    assert_eq!((s, v["message"].as_str().unwrap()), (400, "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer."));
    let route = t.ok(
        "POST",
        &format!("/v2/apis/{api}/routes"),
        json!({"routeKey": "GET /x", "authorizationType": "JWT", "authorizerId": created["authorizerId"], "authorizationScopes": ["read"]}),
    );
    assert_eq!(route["authorizationType"], "JWT");
    assert_eq!(route["authorizationScopes"], json!(["read"]));
}

#[test]
fn requests_from_inside_the_cloud_fetch_this_apps_keys_at_once() {
    // A front API proxies to the protected one: the protected API's request
    // never passes Cloud::handle, so its keys are fetched during dispatch.
    let w = World::new("2.0");
    let front = w.t.ok("POST", "/v2/apis", json!({"name": "front", "protocolType": "HTTP"}))["apiId"].as_str().unwrap().to_string();
    let i = w.t.ok(
        "POST",
        &format!("/v2/apis/{front}/integrations"),
        json!({"integrationType": "HTTP_PROXY", "integrationMethod": "ANY", "integrationUri": format!("https://{}.execute-api.us-east-1.amazonaws.com/me", w.api), "payloadFormatVersion": "1.0"}),
    );
    w.t.ok("POST", &format!("/v2/apis/{front}/routes"), json!({"routeKey": "GET /proxy", "target": format!("integrations/{}", i["integrationId"].as_str().unwrap())}));
    w.t.ok("POST", &format!("/v2/apis/{front}/stages"), json!({"stageName": "$default", "autoDeploy": true}));
    let auth = format!("Bearer {}", w.token(&w.claims()));
    let (r, requests) = w.requests(|| w.t.call("GET", &format!("{front}/proxy"), &[("Authorization", &auth)], ""));
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(body(&r)["requestContext"]["authorizer"]["jwt"]["claims"]["sub"], "ada");
    // The front, the protected API, the discovery document and the key set.
    assert_eq!(requests, 4);
    let (r, requests) = w.requests(|| w.t.call("GET", &format!("{front}/proxy"), &[("Authorization", &auth)], ""));
    assert_eq!((r.status, requests), (200, 2));
    let r = w.t.call("GET", &format!("{front}/proxy"), &[("Authorization", "Bearer x.y.z")], "");
    assert_unauthorized(&r, "not a valid JWT");
}

#[test]
fn updates_change_the_configuration_they_name() {
    let w = World::new("2.0");
    let path = format!("/v2/apis/{}/authorizers/{}", w.api, w.authorizer);
    let a = w.t.ok("PATCH", &path, json!({"jwtConfiguration": {"audience": ["other"]}}));
    assert_eq!(a["jwtConfiguration"], json!({"issuer": w.issuer, "audience": ["other"]}));
    // The deployed stage follows: tokens for "app" are no longer accepted.
    assert_unauthorized(&w.me(Some(&w.token(&w.claims()))), "valid audience");
    let (s, v) = w.t.apigw("PATCH", &path, json!({"jwtConfiguration": {"issuer": "ftp://x"}}));
    assert_eq!(s, 400, "{v}");
    let a = w.t.ok("GET", &path, Value::Null);
    assert_eq!(a["jwtConfiguration"]["audience"], json!(["other"]));
}
