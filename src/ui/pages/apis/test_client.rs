//! The Test tab of HTTP and REST APIs: a small HTTP client. Send calls the
//! invoke URL (of a REST API: of the chosen stage) with the page's own
//! `fetch()`, so the request takes the same path as any other page's
//! (through the service worker), and shows the answer and where the time
//! went: total as the page measured it, and the function's own duration and
//! cold start from its REPORT line in CloudWatch Logs.

use super::rest::{rest_items, stage_list};
use super::{all_items, create::METHODS, error_text, function_of};
use crate::ui::api::logs;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Copy)]
struct HeaderRow {
    key: u32,
    name: RwSignal<String>,
    value: RwSignal<String>,
}

#[derive(Clone, Debug, Default)]
struct Answer {
    status: u16,
    status_text: String,
    headers: Vec<(String, String)>,
    body: String,
    total_ms: f64,
    started_ms: f64,
}

#[derive(Clone, Debug)]
struct Report {
    function: String,
    duration: f64,
    init: Option<f64>,
}

fn get(o: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn js_error(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| format!("{e:?}"))
}

/// `fetch(url, {method, headers, body})` through the page's own fetch.
async fn send(url: &str, method: &str, headers: &[(String, String)], body: Option<String>) -> Result<Answer, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&init, &"method".into(), &method.into());
    let h = js_sys::Array::new();
    for (n, v) in headers {
        h.push(&js_sys::Array::of2(&n.into(), &v.into()));
    }
    let _ = js_sys::Reflect::set(&init, &"headers".into(), &h);
    if let Some(b) = body {
        let _ = js_sys::Reflect::set(&init, &"body".into(), &b.into());
    }
    let performance = get(&window, "performance");
    let now = || {
        get(&performance, "now")
            .dyn_into::<js_sys::Function>()
            .ok()
            .and_then(|f| f.call0(&performance).ok())
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    let fetch: js_sys::Function = get(&window, "fetch").dyn_into().map_err(|_| "fetch is not available")?;
    let started_ms = crate::host::cloud().clock().now_ms() as f64;
    let t0 = now();
    let promise: js_sys::Promise = fetch.call2(&window, &url.into(), &init).map_err(js_error)?.dyn_into().map_err(js_error)?;
    let response = JsFuture::from(promise).await.map_err(js_error)?;
    let text_fn: js_sys::Function = get(&response, "text").dyn_into().map_err(|_| "no text()")?;
    let text_promise: js_sys::Promise = text_fn.call0(&response).map_err(js_error)?.dyn_into().map_err(js_error)?;
    let body = JsFuture::from(text_promise).await.map_err(js_error)?.as_string().unwrap_or_default();
    let total_ms = now() - t0;
    let mut out_headers = Vec::new();
    let entries = js_sys::Array::from(&get(&response, "headers"));
    for e in entries.iter() {
        let pair = js_sys::Array::from(&e);
        out_headers.push((pair.get(0).as_string().unwrap_or_default(), pair.get(1).as_string().unwrap_or_default()));
    }
    Ok(Answer {
        status: get(&response, "status").as_f64().unwrap_or(0.0) as u16,
        status_text: get(&response, "statusText").as_string().unwrap_or_default(),
        headers: out_headers,
        body,
        total_ms,
        started_ms,
    })
}

fn number_after(line: &str, label: &str) -> Option<f64> {
    let i = line.find(label)? + label.len();
    line[i..].trim_start().split(' ').next()?.parse().ok()
}

/// What the client needs to know of an API: its (method, path) pairs, the
/// functions its Lambda proxy integrations call, whether a method requires
/// an API key.
#[derive(Clone, Default)]
struct Shape {
    routes: Vec<(String, String)>,
    functions: Vec<String>,
    key_required: bool,
}

async fn shape(api_id: &str, rest: bool) -> Result<Shape, String> {
    let mut out = Shape::default();
    let mut uris = Vec::new();
    if rest {
        let resources = rest_items(&format!("/restapis/{api_id}/resources?embed=methods")).await.map_err(|e| error_text(&e))?;
        for r in &resources {
            let path = r["path"].as_str().unwrap_or("/");
            for (m, method) in r["resourceMethods"].as_object().into_iter().flatten() {
                out.routes.push((m.clone(), path.to_string()));
                if method["methodIntegration"]["type"] == "AWS_PROXY" {
                    uris.push(method["methodIntegration"]["uri"].as_str().unwrap_or("").to_string());
                }
                out.key_required |= method["apiKeyRequired"].as_bool().unwrap_or(false);
            }
        }
    } else {
        for i in all_items(&format!("/v2/apis/{api_id}/integrations")).await.map_err(|e| error_text(&e))? {
            if i["integrationType"] == "AWS_PROXY" {
                uris.push(i["integrationUri"].as_str().unwrap_or("").to_string());
            }
        }
        let routes = all_items(&format!("/v2/apis/{api_id}/routes")).await.map_err(|e| error_text(&e))?;
        out.routes = routes
            .iter()
            .filter_map(|r| r["routeKey"].as_str()?.split_once(' ').map(|(m, p)| (m.to_string(), p.to_string())))
            .collect();
    }
    for uri in uris {
        let f = function_of(&uri);
        if !out.functions.contains(&f) {
            out.functions.push(f);
        }
    }
    out.routes.sort();
    Ok(out)
}

/// The newest REPORT line since `since_ms` among the API's functions.
async fn find_report(api_id: &str, rest: bool, since_ms: f64) -> Result<Option<Report>, String> {
    let mut best: Option<(f64, Report)> = None;
    for function in shape(api_id, rest).await?.functions {
        let body = json!({
            "logGroupName": format!("/aws/lambda/{function}"),
            "startTime": since_ms as i64,
            "filterPattern": "REPORT",
        });
        let Ok(answer) = logs("FilterLogEvents", body).await else { continue };
        for e in answer["events"].as_array().into_iter().flatten() {
            let message = e["message"].as_str().unwrap_or("");
            let ts = e["timestamp"].as_f64().unwrap_or(0.0);
            if !message.starts_with("REPORT") || ts < since_ms {
                continue;
            }
            if let Some(duration) = number_after(message, "\tDuration:") {
                let report = Report { function: function.clone(), duration, init: number_after(message, "Init Duration:") };
                if best.as_ref().is_none_or(|(t, _)| ts >= *t) {
                    best = Some((ts, report));
                }
            }
        }
    }
    Ok(best.map(|b| b.1))
}

fn pretty(body: &str, content_type: &str) -> String {
    if content_type.contains("json") || body.trim_start().starts_with(['{', '[']) {
        if let Ok(v) = serde_json::from_str::<Value>(body) {
            return serde_json::to_string_pretty(&v).unwrap_or_else(|_| body.to_string());
        }
    }
    body.to_string()
}

/// The client for the API `api_id` at `endpoint`; a REST API's (`rest`) has
/// a stage picker, and `version` (bumped when the API changes) refreshes
/// its stages and suggested route.
#[component]
pub fn TestClient(api_id: String, endpoint: String, #[prop(optional)] rest: bool, #[prop(optional)] version: Option<RwSignal<u32>>) -> impl IntoView {
    let method = RwSignal::new("GET".to_string());
    let path = RwSignal::new("/".to_string());
    let query = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let next = RwSignal::new(1u32);
    let headers = RwSignal::new(vec![HeaderRow { key: 0, name: RwSignal::new(String::new()), value: RwSignal::new(String::new()) }]);
    let answer = RwSignal::new(None::<Result<Answer, String>>);
    let report = RwSignal::new(None::<Result<Option<Report>, String>>);
    let busy = RwSignal::new(false);
    let api_shape = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            if let Some(v) = version {
                v.track();
            }
            let api_id = api_id.clone();
            async move { shape(&api_id, rest).await }
        }
    });
    // Start from the API's first route with a path (until the path is edited),
    // with the x-api-key header if a method requires one.
    Effect::new(move |_| {
        let Some(Ok(s)) = api_shape.get() else { return };
        if let Some((m, p)) = s.routes.iter().find(|(_, p)| p != "/").or(s.routes.first()) {
            if path.get_untracked() == "/" {
                method.set(if m == "ANY" { "GET".into() } else { m.to_string() });
                path.set(p.replace("{proxy+}", "hello").replace(['{', '}'], ""));
            }
        }
        if s.key_required {
            if let Some(first) = headers.get_untracked().first() {
                if first.name.get_untracked().is_empty() {
                    first.name.set("x-api-key".into());
                }
            }
        }
    });
    // A REST API's stages: the first segment of the invoke URL.
    let stage = RwSignal::new(String::new());
    let stages = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            if let Some(v) = version {
                v.track();
            }
            let api_id = api_id.clone();
            async move {
                if !rest {
                    return Ok(Vec::new());
                }
                Ok::<_, String>(stage_list(&api_id).await?.iter().filter_map(|s| s["stageName"].as_str().map(str::to_string)).collect::<Vec<_>>())
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = stages.get() {
            if !list.contains(&stage.get_untracked()) {
                stage.set(list.first().cloned().unwrap_or_default());
            }
        }
    });
    let base = endpoint.trim_end_matches('/').to_string();
    let url = {
        let base = base.clone();
        move || {
            let base = if rest { format!("{base}/{}", stage.get()) } else { base.clone() };
            let p = path.get();
            let p = if p.starts_with('/') { p } else { format!("/{p}") };
            let q = query.get();
            let q = q.trim().trim_start_matches('?');
            if q.is_empty() { format!("{base}{p}") } else { format!("{base}{p}?{q}") }
        }
    };
    let submit = {
        let url = url.clone();
        let api_id = api_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let target = url();
            let m = method.get_untracked();
            let m = if m == "ANY" || m == "$default" { "GET".to_string() } else { m };
            let hs: Vec<(String, String)> = headers
                .get_untracked()
                .iter()
                .map(|h| (h.name.get_untracked().trim().to_string(), h.value.get_untracked()))
                .filter(|(n, _)| !n.is_empty())
                .collect();
            let b = body.get_untracked();
            let b = (!matches!(m.as_str(), "GET" | "HEAD") && !b.is_empty()).then_some(b);
            let api_id = api_id.clone();
            busy.set(true);
            report.set(None);
            spawn_local(async move {
                let result = send(&target, &m, &hs, b).await;
                let since = result.as_ref().map(|a| a.started_ms).unwrap_or(0.0);
                let ok = result.is_ok();
                answer.set(Some(result));
                busy.set(false);
                if ok {
                    report.set(Some(find_report(&api_id, rest, since).await));
                }
            });
        }
    };
    let header_rows = move || {
        headers
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                let n = i + 1;
                view! {
                    <div class="header-row">
                        <input type="text" aria-label=format!("Header {n} name") placeholder="name" prop:value=move || h.name.get() on:input=move |ev| h.name.set(event_target_value(&ev))/>
                        <input type="text" aria-label=format!("Header {n} value") placeholder="value" prop:value=move || h.value.get() on:input=move |ev| h.value.set(event_target_value(&ev))/>
                        <button type="button" class="button small" aria-label=format!("Remove header {n}") on:click=move |_| headers.update(|v| v.retain(|x| x.key != h.key))>"Remove"</button>
                    </div>
                }
            })
            .collect_view()
    };
    let result = move || match answer.get() {
        None => view! { <p class="muted">"Send a request to see the answer."</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{format!("fetch() failed: {e}")}</p> }.into_any(),
        Some(Ok(a)) => {
            let content_type = a.headers.iter().find(|(n, _)| n == "content-type").map(|(_, v)| v.clone()).unwrap_or_default();
            let shown = pretty(&a.body, &content_type);
            let status_class = if a.status < 300 { "pill status-active" } else if a.status < 500 { "pill status-warn" } else { "pill status-error" };
            let request_id = a.headers.iter().find(|(n, _)| n == "apigw-requestid" || n == "x-amzn-requestid").map(|(n, v)| (n.clone(), v.clone()));
            let total = a.total_ms;
            view! {
                <div class="response" data-testid="test-response">
                    <p>
                        <span class=status_class data-testid="response-status">{format!("{} {}", a.status, a.status_text)}</span>
                        " "<span class="muted">{format!("{} bytes", a.body.len())}</span>
                        {request_id.map(|(n, r)| view! { " "<span class="muted">{n}" "<code>{r}</code></span> })}
                    </p>
                    <h3>"Timing"</h3>
                    <dl class="facts timing" data-testid="timing">
                        <div class="fact"><dt>"Total (measured by this page)"</dt><dd>{format!("{total:.1} ms")}</dd></div>
                        {move || match report.get() {
                            None => view! { <div class="fact"><dt>"Function"</dt><dd class="muted">"Looking for the function's REPORT line…"</dd></div> }.into_any(),
                            Some(Err(e)) => view! { <div class="fact"><dt>"Function"</dt><dd class="error-text">{e}</dd></div> }.into_any(),
                            Some(Ok(None)) => view! { <div class="fact"><dt>"Function"</dt><dd class="muted">"No function ran for this request (no REPORT line in CloudWatch Logs)."</dd></div> }.into_any(),
                            Some(Ok(Some(r))) => {
                                let overhead = (total - r.duration - r.init.unwrap_or(0.0)).max(0.0);
                                view! {
                                    <div class="fact"><dt>"Integration (function duration)"</dt><dd>{format!("{:.2} ms — {}", r.duration, r.function)}</dd></div>
                                    <div class="fact"><dt>"Start"</dt><dd data-testid="cold-start">{match r.init {
                                        Some(i) => format!("Cold start (init {i:.2} ms)"),
                                        None => "Warm".to_string(),
                                    }}</dd></div>
                                    <div class="fact"><dt>"Gateway, service worker and page"</dt><dd>{format!("{overhead:.1} ms")}</dd></div>
                                }
                                .into_any()
                            }
                        }}
                    </dl>
                    <details>
                        <summary>{format!("Headers ({})", a.headers.len())}</summary>
                        <table class="data-table compact" aria-label="Response headers">
                            <tbody>
                                {a.headers.iter().map(|(n, v)| view! { <tr><th scope="row"><code>{n.clone()}</code></th><td><code>{v.clone()}</code></td></tr> }).collect_view()}
                            </tbody>
                        </table>
                    </details>
                    <h3>"Body"</h3>
                    <pre class="code json-view" data-testid="response-body">{shown}</pre>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section class="card">
            <h2>"Test"</h2>
            <p class="muted">"Send calls the invoke URL with this page's fetch(), through the service worker, like any page of this site would."</p>
            <form class="test-client" on:submit=submit>
                {rest.then(|| view! {
                    {move || match stages.get() {
                        Some(Ok(list)) if list.is_empty() => view! { <p class="error-text" role="alert">"The API has no stage yet: deploy it (Stages tab) to give it an invoke URL."</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error-text" role="alert">{e}</p> }.into_any(),
                        _ => ().into_any(),
                    }}
                })}
                <div class="field-row">
                    {rest.then(|| view! {
                        <label class="field narrow">
                            <span>"Stage"</span>
                            <select aria-label="Stage" prop:value=move || stage.get() on:change=move |ev| stage.set(event_target_value(&ev))>
                                {move || stages.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|s| {
                                    let selected = s == stage.get_untracked();
                                    view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    })}
                    <label class="field narrow">
                        <span>"Method"</span>
                        <select prop:value=move || method.get() on:change=move |ev| method.set(event_target_value(&ev))>
                            {METHODS[..7].iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span>"Path"</span>
                        <input type="text" placeholder="/items/1" prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>"Query string"</span>
                        <input type="text" placeholder="a=1&b=2" prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                    </label>
                </div>
                <p class="muted">"URL: "<code data-testid="test-url">{url}</code></p>
                <fieldset>
                    <legend>"Headers"</legend>
                    {header_rows}
                    <button type="button" class="button small" on:click=move |_| {
                        let k = next.get_untracked();
                        next.set(k + 1);
                        headers.update(|v| v.push(HeaderRow { key: k, name: RwSignal::new(String::new()), value: RwSignal::new(String::new()) }));
                    }>"Add header"</button>
                </fieldset>
                <label class="field">
                    <span>"Body"</span>
                    <textarea rows="4" placeholder="{\"name\": \"value\"}" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                </label>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>{move || if busy.get() { "Sending…" } else { "Send" }}</button>
                </div>
            </form>
            {result}
        </section>
    }
}
