//! `/apis/:id`: an API's page. HTTP APIs have Routes, Stages, Authorizers,
//! Test, Monitor and Reference tabs and an OpenAPI export (ExportApi, JSON or
//! YAML); REST APIs have their own page (`rest.rs`).

use super::authorizers::HttpAuthorizers;
use super::monitor::Monitor;
use super::reference::Reference;
use super::rest::RestApi;
use super::routes::Routes;
use super::stages::Stages;
use super::test_client::TestClient;
use super::{confirm, date_label, error_text};
use crate::ui::api::{apigateway, rest};
use crate::ui::href;
use crate::ui::widgets::Fact;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::Value;

/// An API by id: (is an HTTP API, its description).
async fn load(id: String) -> Result<(bool, Value), String> {
    match apigateway("GET", &format!("/v2/apis/{id}"), None).await {
        Ok(a) => Ok((true, a)),
        Err(e) if e.kind == "NotFoundException" => match apigateway("GET", &format!("/restapis/{id}"), None).await {
            Ok(a) => Ok((false, a)),
            Err(_) => Err(error_text(&e)),
        },
        Err(e) => Err(error_text(&e)),
    }
}

#[component]
pub fn ApiPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let api = LocalResource::new(move || {
        refresh.track();
        load(id.get())
    });
    let tab = RwSignal::new("routes");
    let message = RwSignal::new(None::<(bool, String)>);
    let navigate = use_navigate();
    let delete_api = move |_| {
        let Some(Ok((http, a))) = api.get_untracked() else { return };
        let name = a["name"].as_str().unwrap_or("").to_string();
        let api_id = id.get_untracked();
        if !confirm(&format!("Delete the API {name} ({api_id}) with its routes, integrations and stages? Its invoke URL stops answering. This cannot be undone.")) {
            return;
        }
        let navigate = navigate.clone();
        spawn_local(async move {
            let path = if http { format!("/v2/apis/{api_id}") } else { format!("/restapis/{api_id}") };
            match apigateway("DELETE", &path, None).await {
                Ok(_) => navigate("/apis", Default::default()),
                Err(e) => message.set(Some((false, error_text(&e)))),
            }
        });
    };
    let export_format = RwSignal::new("JSON".to_string());
    let export = move |_| {
        let Some(Ok((true, a))) = api.get_untracked() else { return };
        let output = export_format.get_untracked();
        spawn_local(async move {
            let api_id = a["apiId"].as_str().unwrap_or("");
            let r = rest("GET", &format!("/_aws/apigateway/v2/apis/{api_id}/exports/OAS30?outputType={output}"), &[], None).await;
            if let Some(e) = r.error() {
                message.set(Some((false, error_text(&e))));
                return;
            }
            let (ext, mime) = if output == "YAML" { ("yaml", "application/yaml") } else { ("json", "application/json") };
            let file = format!("{}-openapi.{ext}", a["name"].as_str().unwrap_or("api"));
            match crate::host::account::download(&r.body, &file, mime) {
                Ok(()) => message.set(Some((true, format!("Exported {file} (OpenAPI 3, ExportApi).")))),
                Err(e) => message.set(Some((false, e))),
            }
        });
    };
    let tab_button = move |tid: &'static str, label: &'static str| {
        view! {
            <button role="tab" class="tab" aria-selected=move || (tab.get() == tid).to_string() on:click=move |_| tab.set(tid)>
                {label}
            </button>
        }
    };
    let title = move || match api.get() {
        Some(Ok((_, a))) => a["name"].as_str().unwrap_or("").to_string(),
        _ => id.get(),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/apis")>"APIs"</A>" / "<span>{move || id.get()}</span></nav>
        <div class="page-header">
            <h1>{title}</h1>
            <span class="subtitle">{move || match api.get() { Some(Ok((false, _))) => "REST API", _ => "HTTP API" }}</span>
            <span class="spacer"></span>
            <Show when=move || matches!(api.get(), Some(Ok((true, _))))>
                <label class="visually-hidden" for="export-format">"Export format"</label>
                <select id="export-format" aria-label="Export format" prop:value=move || export_format.get() on:change=move |ev| export_format.set(event_target_value(&ev))>
                    <option value="JSON" selected=true>"JSON"</option>
                    <option value="YAML">"YAML"</option>
                </select>
                <button class="button" on:click=export>"Export OpenAPI"</button>
            </Show>
            <button class="button danger" on:click=delete_api>"Delete API"</button>
        </div>
        {move || message.get().map(|(ok, m)| if ok {
            view! { <p class="muted" role="status" data-testid="page-message">{m}</p> }.into_any()
        } else {
            view! { <p class="error-text" role="alert">{m}</p> }.into_any()
        })}
        {move || match api.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Loading API…"</p></section> }.into_any(),
            Some(Err(e)) => view! {
                <section class="card error-panel" role="alert">
                    <p>{e}</p>
                    <p><A href=href("/apis")>"Back to APIs"</A></p>
                </section>
            }
            .into_any(),
            Some(Ok((false, a))) => view! { <RestApi api=a/> }.into_any(),
            Some(Ok((true, a))) => {
                let endpoint = a["apiEndpoint"].as_str().unwrap_or("").to_string();
                let api_id = a["apiId"].as_str().unwrap_or("").to_string();
                let cors = a["corsConfiguration"]["allowOrigins"]
                    .as_array()
                    .map(|o| o.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                    .unwrap_or_else(|| "off".into());
                let (id_r, id_s, id_t, id_m) = (api_id.clone(), api_id.clone(), api_id.clone(), api_id.clone());
                let (ep_s, ep_t) = (endpoint.clone(), endpoint.clone());
                let (id_ref, ep_ref) = (api_id.clone(), endpoint.clone());
                let id_auth = api_id.clone();
                view! {
                    <section class="card">
                        <dl class="facts">
                            <Fact label="API ID"><code>{api_id.clone()}</code></Fact>
                            <Fact label="Protocol">"HTTP"</Fact>
                            <Fact label="Endpoint"><code data-testid="api-endpoint">{endpoint.clone()}</code></Fact>
                            <Fact label="CORS origins">{cors}</Fact>
                            <Fact label="Created">{date_label(&a["createdDate"])}</Fact>
                        </dl>
                    </section>
                    <div class="tabs" role="tablist" aria-label="API views">
                        {tab_button("routes", "Routes")}
                        {tab_button("stages", "Stages")}
                        {tab_button("authorizers", "Authorizers")}
                        {tab_button("test", "Test")}
                        {tab_button("monitor", "Monitor")}
                        {tab_button("reference", "Reference")}
                    </div>
                    <Show when=move || tab.get() == "routes">
                        <div role="tabpanel" aria-label="Routes"><Routes api_id=id_r.clone()/></div>
                    </Show>
                    <Show when=move || tab.get() == "stages">
                        <div role="tabpanel" aria-label="Stages"><Stages api_id=id_s.clone() endpoint=ep_s.clone()/></div>
                    </Show>
                    <Show when=move || tab.get() == "authorizers">
                        <div role="tabpanel" aria-label="Authorizers"><HttpAuthorizers api_id=id_auth.clone()/></div>
                    </Show>
                    <div role="tabpanel" aria-label="Test" hidden=move || tab.get() != "test">
                        <TestClient api_id=id_t endpoint=ep_t/>
                    </div>
                    <Show when=move || tab.get() == "monitor">
                        <div role="tabpanel" aria-label="Monitor"><Monitor api_id=id_m.clone()/></div>
                    </Show>
                    <Show when=move || tab.get() == "reference">
                        <div role="tabpanel" aria-label="Reference"><Reference api_id=id_ref.clone() endpoint=ep_ref.clone()/></div>
                    </Show>
                }
                .into_any()
            }
        }}
    }
}
