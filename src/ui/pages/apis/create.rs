//! `/apis/-/create`: a wizard that creates an HTTP API with routes to
//! functions (CreateApi, CreateIntegration per function, CreateRoute per
//! route, an auto-deployed `$default` stage), or a REST API (CreateRestApi),
//! whose resources, methods, stages and keys are built on its page.

use super::{error_text, functions};
use crate::ui::api::apigateway;
use crate::ui::href;
use crate::ui::widgets::PageHeader;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::json;

pub const METHODS: [&str; 9] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "$default"];

#[derive(Clone, Copy)]
struct RouteRow {
    key: u32,
    method: RwSignal<String>,
    path: RwSignal<String>,
    function: RwSignal<String>,
}

impl RouteRow {
    fn new(key: u32, method: &str, path: &str, function: &str) -> Self {
        RouteRow {
            key,
            method: RwSignal::new(method.into()),
            path: RwSignal::new(path.into()),
            function: RwSignal::new(function.into()),
        }
    }
}

/// A route key from a method and a path: `GET /items/{id}`, or `$default`.
pub fn route_key(method: &str, path: &str) -> String {
    if method == "$default" {
        return "$default".into();
    }
    let path = path.trim();
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    format!("{method} {path}")
}

/// The account's functions as (name, ARN), once listed, or why they could not be.
pub type FunctionList = Signal<Option<Result<Vec<(String, String)>, String>>>;

/// A select of the account's functions, by ARN.
pub fn function_select(
    label: String,
    value: RwSignal<String>,
    list: FunctionList,
) -> impl IntoView {
    view! {
        <select aria-label=label prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
            <option value="">"Choose a function"</option>
            {move || {
                list.get()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(name, arn)| {
                        let selected = value.get_untracked() == arn;
                        view! { <option value=arn selected=selected>{name}</option> }
                    })
                    .collect_view()
            }}
        </select>
    }
}

#[derive(Clone, PartialEq)]
enum Step {
    Running(String),
    Done(String),
    Failed(String),
}

#[component]
pub fn CreateApi() -> impl IntoView {
    let protocol = RwSignal::new("HTTP".to_string());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let payload = RwSignal::new("2.0".to_string());
    let cors = RwSignal::new(false);
    let origins = RwSignal::new("*".to_string());
    let next_key = RwSignal::new(1u32);
    let rows = RwSignal::new(vec![RouteRow::new(0, "GET", "/items/{id}", "")]);
    let steps = RwSignal::new(Vec::<Step>::new());
    let busy = RwSignal::new(false);
    let fn_list = LocalResource::new(|| async { functions().await.map_err(|e| error_text(&e)) });
    let fn_signal: FunctionList = Signal::derive(move || fn_list.get());
    // The first function is the default of new rows.
    Effect::new(move |_| {
        if let Some(Ok(list)) = fn_list.get() {
            if let Some((_, arn)) = list.first() {
                for r in rows.get_untracked() {
                    if r.function.get_untracked().is_empty() {
                        r.function.set(arn.clone());
                    }
                }
            }
        }
    });
    let navigate = use_navigate();

    let add_row = move |_| {
        let k = next_key.get_untracked();
        next_key.set(k + 1);
        let default_fn = fn_list.get_untracked().and_then(Result::ok).and_then(|l| l.first().map(|f| f.1.clone())).unwrap_or_default();
        rows.update(|r| r.push(RouteRow::new(k, "GET", "/", &default_fn)));
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let api_name = name.get_untracked().trim().to_string();
        let log = move |s: Step| steps.update(|v| v.push(s));
        let finish = move |s: Step| {
            steps.update(|v| {
                v.pop();
                v.push(s)
            })
        };
        steps.set(Vec::new());
        if api_name.is_empty() {
            log(Step::Failed("Give the API a name.".into()));
            return;
        }
        let navigate = navigate.clone();
        if protocol.get_untracked() == "REST" {
            busy.set(true);
            let desc = description.get_untracked();
            spawn_local(async move {
                log(Step::Running(format!("CreateRestApi {api_name}")));
                let mut body = json!({ "name": api_name });
                if !desc.trim().is_empty() {
                    body["description"] = json!(desc.trim());
                }
                match apigateway("POST", "/restapis", Some(body)).await {
                    Ok(a) => {
                        let id = a["id"].as_str().unwrap_or("").to_string();
                        finish(Step::Done(format!("Created REST API {id}; add its resources and methods on its page")));
                        navigate(&format!("/apis/{id}"), Default::default());
                    }
                    Err(e) => finish(Step::Failed(error_text(&e))),
                }
                busy.set(false);
            });
            return;
        }
        // HTTP: check the routes before creating anything.
        let mut routes = Vec::new();
        for r in rows.get_untracked() {
            let key = route_key(&r.method.get_untracked(), &r.path.get_untracked());
            let function = r.function.get_untracked();
            if function.is_empty() {
                log(Step::Failed(format!("Choose a function for the route {key}.")));
                return;
            }
            routes.push((key, function));
        }
        let format = payload.get_untracked();
        let cors_config = cors.get_untracked().then(|| {
            let list = crate::ui::widgets::list_of(&origins.get_untracked());
            json!({ "allowOrigins": list, "allowMethods": ["*"], "allowHeaders": ["*"] })
        });
        let desc = description.get_untracked();
        busy.set(true);
        spawn_local(async move {
            log(Step::Running(format!("CreateApi {api_name} (HTTP)")));
            let mut body = json!({ "name": api_name, "protocolType": "HTTP" });
            if let Some(c) = cors_config {
                body["corsConfiguration"] = c;
            }
            if !desc.trim().is_empty() {
                body["description"] = json!(desc.trim());
            }
            let api = match apigateway("POST", "/v2/apis", Some(body)).await {
                Ok(a) => a,
                Err(e) => {
                    finish(Step::Failed(error_text(&e)));
                    busy.set(false);
                    return;
                }
            };
            let id = api["apiId"].as_str().unwrap_or("").to_string();
            finish(Step::Done(format!("Created API {id}")));
            let built = async {
                // One integration per function.
                let mut integrations: Vec<(String, String)> = Vec::new();
                for (_, function) in &routes {
                    if integrations.iter().any(|(f, _)| f == function) {
                        continue;
                    }
                    log(Step::Running(format!("CreateIntegration AWS_PROXY {}", super::function_of(function))));
                    let body = json!({ "integrationType": "AWS_PROXY", "integrationUri": function, "payloadFormatVersion": format });
                    let i = apigateway("POST", &format!("/v2/apis/{id}/integrations"), Some(body)).await.map_err(|e| error_text(&e))?;
                    let iid = i["integrationId"].as_str().unwrap_or("").to_string();
                    finish(Step::Done(format!("Integration {iid} → {}", super::function_of(function))));
                    integrations.push((function.clone(), iid));
                }
                for (key, function) in &routes {
                    let iid = integrations.iter().find(|(f, _)| f == function).map(|(_, i)| i.clone()).unwrap_or_default();
                    log(Step::Running(format!("CreateRoute {key}")));
                    let body = json!({ "routeKey": key, "target": format!("integrations/{iid}") });
                    apigateway("POST", &format!("/v2/apis/{id}/routes"), Some(body)).await.map_err(|e| error_text(&e))?;
                    finish(Step::Done(format!("Route {key}")));
                }
                log(Step::Running("CreateStage $default (auto-deploy)".into()));
                let body = json!({ "stageName": "$default", "autoDeploy": true });
                apigateway("POST", &format!("/v2/apis/{id}/stages"), Some(body)).await.map_err(|e| error_text(&e))?;
                finish(Step::Done("Stage $default, deployed automatically".into()));
                Ok::<(), String>(())
            }
            .await;
            if let Err(e) = built {
                // Leave nothing half-built behind: the API goes again.
                finish(Step::Failed(e));
                log(Step::Running(format!("DeleteApi {id}")));
                match apigateway("DELETE", &format!("/v2/apis/{id}"), None).await {
                    Ok(_) => finish(Step::Done(format!("Deleted the unfinished API {id}; correct the form and create it again"))),
                    Err(e) => finish(Step::Failed(format!("Could not delete the unfinished API {id}: {}", error_text(&e)))),
                }
                busy.set(false);
                return;
            }
            busy.set(false);
            navigate(&format!("/apis/{}", api["apiId"].as_str().unwrap_or("")), Default::default());
        });
    };

    let route_rows = move || {
        rows.get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let n = i + 1;
                let is_default = move || r.method.get() == "$default";
                view! {
                    <div class="route-row" data-testid="route-row">
                        <select aria-label=format!("Route {n} method") prop:value=move || r.method.get() on:change=move |ev| r.method.set(event_target_value(&ev))>
                            {METHODS.iter().map(|m| view! { <option value=*m selected=r.method.get_untracked() == *m>{*m}</option> }).collect_view()}
                        </select>
                        <input
                            type="text"
                            aria-label=format!("Route {n} path")
                            placeholder="/items/{id}"
                            disabled=is_default
                            prop:value=move || if is_default() { String::new() } else { r.path.get() }
                            on:input=move |ev| r.path.set(event_target_value(&ev))
                        />
                        <span class="muted">"→"</span>
                        {function_select(format!("Route {n} function"), r.function, fn_signal)}
                        <button
                            type="button"
                            class="button small"
                            aria-label=format!("Remove route {n}")
                            disabled=move || rows.get().len() < 2
                            on:click=move |_| rows.update(|v| v.retain(|x| x.key != r.key))
                        >
                            "Remove"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/apis")>"APIs"</A>" / "<span>"Create"</span></nav>
        <PageHeader title="Create API" subtitle="Amazon API Gateway"/>
        <form class="card create-form" novalidate=true on:submit=submit>
            <fieldset class="radio-group">
                <legend>"Protocol"</legend>
                <label class="radio">
                    <input type="radio" name="protocol" value="HTTP" prop:checked=move || protocol.get() == "HTTP" on:change=move |_| protocol.set("HTTP".into())/>
                    "HTTP API (routes to functions)"
                </label>
                <label class="radio">
                    <input type="radio" name="protocol" value="REST" prop:checked=move || protocol.get() == "REST" on:change=move |_| protocol.set("REST".into())/>
                    "REST API (resources and methods, deployed to stages; API keys)"
                </label>
            </fieldset>
            <label class="field">
                <span>"API name"</span>
                <input type="text" placeholder="items-api" required=true prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>"Description (optional)"</span>
                <input type="text" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
            </label>
            <Show when=move || protocol.get() == "HTTP">
                <fieldset class="routes-fieldset">
                    <legend>"Routes"</legend>
                    <p class="muted">"A method and a path (" <code>"GET /items/{id}"</code>", " <code>"ANY /{proxy+}"</code> "), or " <code>"$default"</code> " for every request no other route matches; each goes to a function."</p>
                    {move || match fn_list.get() {
                        Some(Ok(l)) if l.is_empty() => view! {
                            <p class="error-text" role="alert">"There are no functions yet: "<A href=href("/functions")>"create one"</A>" first."</p>
                        }.into_any(),
                        Some(Err(e)) => view! { <p class="error-text" role="alert">{format!("Could not list functions: {e}")}</p> }.into_any(),
                        None => view! { <p class="muted" role="status">"Loading functions…"</p> }.into_any(),
                        _ => ().into_any(),
                    }}
                    {route_rows}
                    <button type="button" class="button small" on:click=add_row>"Add route"</button>
                </fieldset>
                <div class="field-row">
                <label class="field narrow">
                    <span>"Payload format version"</span>
                    <select prop:value=move || payload.get() on:change=move |ev| payload.set(event_target_value(&ev))>
                        <option value="2.0" selected=true>"2.0"</option>
                        <option value="1.0">"1.0"</option>
                    </select>
                </label>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || cors.get() on:change=move |ev| cors.set(event_target_checked(&ev))/>
                    "Enable CORS"
                </label>
                </div>
                <Show when=move || cors.get()>
                    <label class="field">
                        <span>"Allowed origins (comma-separated)"</span>
                        <input type="text" placeholder="https://example.com, *" prop:value=move || origins.get() on:input=move |ev| origins.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <p class="muted">"A $default stage is created with automatic deployment, so every change is live at once."</p>
            </Show>
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Create API" }}
                </button>
                <A href=href("/apis") attr:class="button">"Cancel"</A>
            </div>
            <Show when=move || !steps.get().is_empty()>
                <ol class="progress-steps" aria-label="Progress" aria-live="polite">
                    {move || steps.get().into_iter().map(|s| match s {
                        Step::Running(t) => view! { <li class="running">{t}"…"</li> }.into_any(),
                        Step::Done(t) => view! { <li class="done">"✓ "{t}</li> }.into_any(),
                        Step::Failed(t) => view! { <li class="failed" role="alert">"✗ "{t}</li> }.into_any(),
                    }).collect_view()}
                </ol>
            </Show>
        </form>
    }
}
