//! `/apis/-/import`: an HTTP API from an OpenAPI 3 (or Swagger 2) file,
//! JSON or YAML, picked or pasted: ImportApi (`PUT /v2/apis`), then, if
//! asked, an auto-deployed `$default` stage (ImportApi makes none, as in
//! AWS). Errors and the import's warnings are shown as the engine says them.

use super::error_text;
use crate::ui::api::apigateway;
use crate::ui::href;
use crate::ui::widgets::PageHeader;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::json;
use wasm_bindgen::JsCast;

#[component]
pub fn ImportApiPage() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let basepath = RwSignal::new("ignore".to_string());
    let fail_on_warnings = RwSignal::new(false);
    let stage = RwSignal::new(true);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // After an import with warnings: (api id, name, warnings).
    let imported = RwSignal::new(None::<(String, String, Vec<String>)>);
    let navigate = use_navigate();

    let pick_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        error.set(None);
        spawn_local(async move {
            match crate::host::account::read_file(&file).await {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => text.set(t),
                    Err(_) => error.set(Some(format!("{} is not a text file", file.name()))),
                },
                Err(e) => error.set(Some(format!("Could not read {}: {e}", file.name()))),
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if text.get_untracked().trim().is_empty() {
            error.set(Some("Pick an OpenAPI file or paste its text first.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        imported.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let path = format!("/v2/apis?basepath={}&failOnWarnings={}", basepath.get_untracked(), fail_on_warnings.get_untracked());
            let result = apigateway("PUT", &path, Some(json!({ "body": text.get_untracked() }))).await;
            let api = match result {
                Ok(api) => api,
                Err(e) => {
                    error.set(Some(error_text(&e)));
                    busy.set(false);
                    return;
                }
            };
            let id = api["apiId"].as_str().unwrap_or("").to_string();
            if stage.get_untracked() {
                if let Err(e) = apigateway("POST", &format!("/v2/apis/{id}/stages"), Some(json!({ "stageName": "$default", "autoDeploy": true }))).await {
                    error.set(Some(format!("The API {id} was imported, but its $default stage was not created: {}", error_text(&e))));
                }
            }
            busy.set(false);
            let warnings: Vec<String> = api["warnings"].as_array().into_iter().flatten().filter_map(|w| w.as_str().map(str::to_string)).collect();
            if warnings.is_empty() && error.get_untracked().is_none() {
                navigate(&format!("/apis/{id}"), Default::default());
            } else {
                imported.set(Some((id, api["name"].as_str().unwrap_or("").to_string(), warnings)));
            }
        });
    };

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/apis")>"APIs"</A>" / "<span>"Import"</span></nav>
        <PageHeader title="Import OpenAPI" subtitle="Amazon API Gateway"/>
        <form class="card create-form" novalidate=true on:submit=submit>
            <p class="muted">
                "An OpenAPI 3 (or Swagger 2) definition, JSON or YAML, becomes an HTTP API: each path and method a route, "
                <code>"x-amazon-apigateway-integration"</code>" its integration ("<code>"aws_proxy"</code>" to a function, "<code>"http_proxy"</code>" to a URL), "
                <code>"x-amazon-apigateway-authorizer"</code>" security schemes its authorizers, "<code>"x-amazon-apigateway-cors"</code>" its CORS."
            </p>
            <label class="field">
                <span>"OpenAPI file"</span>
                <input type="file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml" on:change=pick_file/>
            </label>
            <label class="field">
                <span>"OpenAPI definition (JSON or YAML)"</span>
                <textarea class="code" rows="16" spellcheck="false" placeholder="openapi: 3.0.1\ninfo:\n  title: my-api\n  version: '1'\npaths: …"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <div class="field-row">
                <label class="field narrow">
                    <span>"Base path"</span>
                    <select prop:value=move || basepath.get() on:change=move |ev| basepath.set(event_target_value(&ev))>
                        <option value="ignore" selected=true>"ignore"</option>
                        <option value="prepend">"prepend"</option>
                        <option value="split">"split"</option>
                    </select>
                </label>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || fail_on_warnings.get() on:change=move |ev| fail_on_warnings.set(event_target_checked(&ev))/>
                    "Fail on warnings"
                </label>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || stage.get() on:change=move |ev| stage.set(event_target_checked(&ev))/>
                    "Create a $default stage with automatic deployment"
                </label>
            </div>
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Importing…" } else { "Import API" }}
                </button>
                <A href=href("/apis") attr:class="button">"Cancel"</A>
            </div>
            {move || error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
            {move || imported.get().map(|(id, name, warnings)| view! {
                <section class="import-result" aria-label="Import warnings">
                    <p role="status">{format!("Imported {name} ({id}) with {} warning{}:", warnings.len(), if warnings.len() == 1 { "" } else { "s" })}</p>
                    <ul class="warnings">{warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                    <A href=href(&format!("/apis/{id}")) attr:class="button primary">{format!("Open {name}")}</A>
                </section>
            })}
        </form>
    }
}
