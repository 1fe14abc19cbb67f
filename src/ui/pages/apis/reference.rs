//! An HTTP API's Reference tab: a page generated from its OpenAPI export
//! (ExportApi, the same document a download gives): the invoke URL of each
//! stage, and per route its method and path, parameters, authorization,
//! integration target and a `fetch()` example ready to paste.

use super::{all_items, error_text, function_of, invoke_url};
use crate::ui::api::rest;
use crate::ui::widgets::Fact;
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The operations of a path item, in the order the page lists them.
const OPERATIONS: [&str; 8] = ["get", "post", "put", "patch", "delete", "head", "options", "x-amazon-apigateway-any-method"];

/// The API's exported document (JSON) and its stage names.
async fn load(api_id: String) -> Result<(Value, Vec<String>), String> {
    let response = rest("GET", &format!("/_aws/apigateway/v2/apis/{api_id}/exports/OAS30?outputType=JSON"), &[], None).await;
    if let Some(e) = response.error() {
        return Err(error_text(&e));
    }
    let doc: Value = serde_json::from_slice(&response.body).map_err(|e| format!("The export is not JSON: {e}"))?;
    let mut stages: Vec<String> = all_items(&format!("/v2/apis/{api_id}/stages"))
        .await
        .map_err(|e| error_text(&e))?
        .iter()
        .filter_map(|s| s["stageName"].as_str().map(str::to_string))
        .collect();
    // $default first: it is served at the endpoint's root.
    stages.sort_by_key(|s| (s != "$default", s.clone()));
    Ok((doc, stages))
}

/// One route of the document, as the page shows it.
pub struct RouteDoc {
    pub key: String,
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    /// (name, in, required, description).
    pub parameters: Vec<(String, String, bool, String)>,
    pub authorization: String,
    pub integration: String,
    /// Headers and query parameters the authorizer reads: (in, name).
    pub identity: Vec<(String, String)>,
}

/// The routes of an exported document, sorted by path then method.
pub fn routes_of(doc: &Value) -> Vec<RouteDoc> {
    let schemes = doc["components"]["securitySchemes"].as_object().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for m in OPERATIONS {
            let Some(op) = item.get(m).and_then(Value::as_object) else { continue };
            let method = if m == "x-amazon-apigateway-any-method" { "ANY".to_string() } else { m.to_ascii_uppercase() };
            let default_route = path == "$default" || op.get("isDefaultRoute").and_then(Value::as_bool) == Some(true);
            let key = if default_route { "$default".to_string() } else { format!("{method} {path}") };
            let mut parameters = Vec::new();
            for p in item.get("parameters").and_then(Value::as_array).into_iter().flatten().chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten()) {
                parameters.push((
                    p["name"].as_str().unwrap_or("").to_string(),
                    p["in"].as_str().unwrap_or("").to_string(),
                    p["required"].as_bool().unwrap_or(false),
                    p["description"].as_str().unwrap_or("").to_string(),
                ));
            }
            let (authorization, identity) = authorization(op, &schemes, doc.get("security"));
            out.push(RouteDoc {
                key,
                method,
                path: if default_route { "/".to_string() } else { path.clone() },
                summary: op.get("summary").or(op.get("description")).and_then(Value::as_str).map(str::to_string),
                parameters,
                authorization,
                integration: integration(op.get("x-amazon-apigateway-integration")),
                identity,
            });
        }
    }
    out
}

fn authorization(op: &Map<String, Value>, schemes: &Map<String, Value>, default: Option<&Value>) -> (String, Vec<(String, String)>) {
    let Some(req) = op.get("security").or(default).and_then(|s| s.get(0)).and_then(Value::as_object) else { return ("None".to_string(), Vec::new()) };
    let Some((name, scopes)) = req.iter().next() else { return ("None".to_string(), Vec::new()) };
    let scheme = schemes.get(name).cloned().unwrap_or(Value::Null);
    if scheme["x-amazon-apigateway-authtype"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
        return ("IAM: requests signed with Signature Version 4".to_string(), Vec::new());
    }
    let x = &scheme["x-amazon-apigateway-authorizer"];
    let sources = crate::ui::widgets::list_of(x["identitySource"].as_str().unwrap_or(""));
    let identity: Vec<(String, String)> = sources
        .iter()
        .filter_map(|s| {
            s.strip_prefix("$request.header.").map(|n| ("header".to_string(), n.to_string())).or_else(|| s.strip_prefix("$request.querystring.").map(|n| ("query".to_string(), n.to_string())))
        })
        .collect();
    let text = match x["type"].as_str().unwrap_or("") {
        "jwt" => {
            let scopes: Vec<&str> = scopes.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let j = &x["jwtConfiguration"];
            let audience: Vec<&str> = j["audience"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut t = format!("JWT authorizer {name}: a bearer token from {} (issuer {}, audience {})", sources.join(", "), j["issuer"].as_str().unwrap_or("?"), audience.join(", "));
            if !scopes.is_empty() {
                t.push_str(&format!(", scopes {}", scopes.join(" ")));
            }
            t
        }
        "request" => {
            let function = function_of(x["authorizerUri"].as_str().unwrap_or(""));
            if sources.is_empty() {
                format!("Lambda authorizer {name} (function {function})")
            } else {
                format!("Lambda authorizer {name} (function {function}), reading {}", sources.join(", "))
            }
        }
        _ => format!("Security scheme {name}"),
    };
    (text, identity)
}

fn integration(x: Option<&Value>) -> String {
    let Some(x) = x else { return "None: the route has no integration yet".to_string() };
    let uri = x["uri"].as_str().unwrap_or("");
    match x["type"].as_str().unwrap_or("") {
        "aws_proxy" => format!("Lambda function {} (payload format {})", function_of(uri), x["payloadFormatVersion"].as_str().unwrap_or("?")),
        "http_proxy" => format!("HTTP proxy: {} {uri}", x["httpMethod"].as_str().unwrap_or("ANY")),
        other => format!("{other} {uri}"),
    }
}

fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A `fetch()` call of the route at `base` (an invoke URL ending in `/`):
/// path parameters as `encodeURIComponent("<name>")`, required query
/// parameters and headers, the authorizer's identity sources, a JSON body
/// for methods that take one. It leaves `response` and `body` defined.
pub fn fetch_example(r: &RouteDoc, base: &str) -> String {
    let mut url: Vec<String> = Vec::new();
    let mut literal = base.to_string();
    let path = if r.key == "$default" { "/any/path" } else { r.path.as_str() };
    for (i, seg) in path.trim_start_matches('/').split('/').enumerate() {
        if i > 0 {
            literal.push('/');
        }
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if name.ends_with('+') => literal.push_str("any/path"),
            Some(name) => {
                url.push(js(&literal));
                literal.clear();
                url.push(format!("encodeURIComponent({})", js(&format!("<{name}>"))));
            }
            None => literal.push_str(seg),
        }
    }
    let mut query: Vec<String> = r.parameters.iter().filter(|p| p.1 == "query" && p.2).map(|p| p.0.clone()).collect();
    let mut headers: Vec<String> = r.parameters.iter().filter(|p| p.1 == "header" && p.2).map(|p| p.0.clone()).collect();
    for (place, name) in &r.identity {
        let list = if place == "query" { &mut query } else { &mut headers };
        if !list.contains(name) {
            list.push(name.clone());
        }
    }
    if !query.is_empty() {
        literal.push('?');
        literal.push_str(&query.iter().map(|q| format!("{q}=<{q}>")).collect::<Vec<_>>().join("&"));
    }
    if !literal.is_empty() {
        url.push(js(&literal));
    }
    let method = match r.method.as_str() {
        "ANY" => "GET",
        m => m,
    };
    let with_body = matches!(method, "POST" | "PUT" | "PATCH");
    if with_body {
        headers.insert(0, "content-type".to_string());
    }
    let mut options = vec![format!("  method: {},", js(method))];
    if !headers.is_empty() {
        let h: Vec<String> = headers
            .iter()
            .map(|h| {
                let value = if h == "content-type" { "application/json".to_string() } else { format!("<{h}>") };
                format!("{}: {}", js(h), js(&value))
            })
            .collect();
        options.push(format!("  headers: {{ {} }},", h.join(", ")));
    }
    if with_body {
        options.push("  body: JSON.stringify({ hello: \"world\" }),".to_string());
    }
    format!(
        "const response = await fetch({}, {{\n{}\n}});\nconst body = await response.text();\nconsole.log(response.status, body);",
        url.join(" + "),
        options.join("\n")
    )
}

#[component]
pub fn Reference(api_id: String, endpoint: String) -> impl IntoView {
    let data = LocalResource::new(move || load(api_id.clone()));
    view! {
        {move || match data.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Generating the API reference…"</p></section> }.into_any(),
            Some(Err(e)) => view! { <section class="card error-panel" role="alert"><p>{e}</p></section> }.into_any(),
            Some(Ok((doc, stages))) => {
                let base = stages.first().map(|s| invoke_url(&endpoint, s)).unwrap_or_else(|| invoke_url(&endpoint, "$default"));
                let routes = routes_of(&doc);
                let title = doc["info"]["title"].as_str().unwrap_or("").to_string();
                let version = doc["info"]["version"].as_str().unwrap_or("").to_string();
                let description = doc["info"]["description"].as_str().map(str::to_string);
                let no_stage = stages.is_empty();
                view! {
                    <section class="card reference" aria-label="API reference">
                        <h2>{title}" "<span class="muted">{format!("version {version}")}</span></h2>
                        {description.map(|d| view! { <p>{d}</p> })}
                        <h3>"Invoke URLs"</h3>
                        {if no_stage {
                            view! { <p class="muted">"No stage yet: create one in the Stages tab to get an invoke URL (the examples below use the $default stage's)."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="invoke-urls" aria-label="Invoke URLs">
                                    {stages.iter().map(|s| {
                                        let url = invoke_url(&endpoint, s);
                                        view! { <li><strong>{s.clone()}</strong>" "<code>{url}</code></li> }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <p class="muted">{format!("{} route{}, from the API's OpenAPI export.", routes.len(), if routes.len() == 1 { "" } else { "s" })}</p>
                    </section>
                    {routes.into_iter().map(|r| {
                        let example = fetch_example(&r, &base);
                        let key = r.key.clone();
                        let params = r.parameters.clone();
                        view! {
                            <section class="card reference-route" aria-label=key.clone()>
                                <h3><span class="pill">{r.method.clone()}</span>" "<code>{if r.key == "$default" { "$default".to_string() } else { r.path.clone() }}</code></h3>
                                {r.summary.clone().map(|s| view! { <p>{s}</p> })}
                                <dl class="facts">
                                    <Fact label="Authorization">{r.authorization.clone()}</Fact>
                                    <Fact label="Integration">{r.integration.clone()}</Fact>
                                </dl>
                                {if params.is_empty() {
                                    view! { <p class="muted">"No parameters."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="data-table" aria-label=format!("Parameters of {key}")>
                                            <thead><tr><th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Required"</th><th scope="col">"Description"</th></tr></thead>
                                            <tbody>
                                                {params.into_iter().map(|(n, place, required, d)| view! {
                                                    <tr><td><code>{n}</code></td><td>{place}</td><td>{if required { "yes" } else { "no" }}</td><td>{d}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                                <pre class="code" aria-label=format!("fetch() example for {key}")><code>{example}</code></pre>
                            </section>
                        }
                    }).collect_view()}
                }
                .into_any()
            }
        }}
    }
}
