//! `/apis`: every HTTP and REST API with its id, protocol, endpoint and date,
//! and the way to import one from an OpenAPI file.

use super::{all_items, date_label, error_text};
use crate::ui::api::apigateway;
use crate::ui::href;
use crate::ui::widgets::PageHeader;
use crate::ui::widgets::list_toolbar;
use leptos::prelude::*;
use leptos_router::components::A;

#[derive(Clone)]
struct Row {
    name: String,
    id: String,
    protocol: String,
    endpoint: String,
    created: String,
}

async fn load_apis() -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for a in all_items("/v2/apis").await.map_err(|e| error_text(&e))? {
        rows.push(Row {
            name: a["name"].as_str().unwrap_or("").to_string(),
            id: a["apiId"].as_str().unwrap_or("").to_string(),
            protocol: a["protocolType"].as_str().unwrap_or("HTTP").to_string(),
            endpoint: a["apiEndpoint"].as_str().unwrap_or("").to_string(),
            created: date_label(&a["createdDate"]),
        });
    }
    let rest = apigateway("GET", "/restapis", None).await.map_err(|e| error_text(&e))?;
    for a in rest["item"].as_array().into_iter().flatten() {
        let id = a["id"].as_str().unwrap_or("").to_string();
        rows.push(Row {
            name: a["name"].as_str().unwrap_or("").to_string(),
            endpoint: format!("(per stage) _api/{id}/<stage>/"),
            id,
            protocol: "REST".into(),
            created: date_label(&a["createdDate"]),
        });
    }
    rows.sort_by_key(|r| r.name.to_lowercase());
    Ok(rows)
}

#[component]
pub fn ApisList() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let apis = LocalResource::new(move || {
        reload.track();
        load_apis()
    });
    let search = RwSignal::new(String::new());
    view! {
        <PageHeader title="APIs" subtitle="Amazon API Gateway"/>
        {list_toolbar("Search APIs by name or id", search, reload, "/apis/-/create", "Create API")}
        <p class="toolbar-extra"><A href=href("/apis/-/import") attr:class="button">"Import OpenAPI"</A></p>
        {move || match apis.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Loading APIs…"</p></section> }.into_any(),
            Some(Err(e)) => view! { <section class="card error-panel" role="alert"><p>{e}</p></section> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <section class="card empty-state">
                    <h2>"No APIs yet"</h2>
                    <p class="muted">"An HTTP API routes requests such as GET /items/{id} to functions; its invoke URL answers fetch() from any page of this site. Create one to start."</p>
                    <A href=href("/apis/-/create") attr:class="button primary">"Create API"</A>
                </section>
            }
            .into_any(),
            Some(Ok(list)) => {
                let needle = search.get().to_lowercase();
                let total = list.len();
                let shown: Vec<Row> = list
                    .into_iter()
                    .filter(|r| r.name.to_lowercase().contains(&needle) || r.id.to_lowercase().contains(&needle))
                    .collect();
                if shown.is_empty() {
                    return view! {
                        <section class="card"><p class="muted" role="status">{format!("No API name or id contains “{}”.", search.get())}</p></section>
                    }
                    .into_any();
                }
                view! {
                    <section class="card table-card">
                        <p class="muted table-count" role="status">
                            {match (shown.len() == total, total) {
                                (true, 1) => "1 API".to_string(),
                                (true, _) => format!("{total} APIs"),
                                (false, _) => format!("{} of {total} APIs", shown.len()),
                            }}
                        </p>
                        <div class="table-scroll">
                            <table class="data-table" aria-label="APIs">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"ID"</th>
                                        <th scope="col">"Protocol"</th>
                                        <th scope="col">"Endpoint"</th>
                                        <th scope="col">"Created"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {shown
                                        .into_iter()
                                        .map(|r| {
                                            let link = href(&format!("/apis/{}", r.id));
                                            view! {
                                                <tr>
                                                    <th scope="row"><A href=link>{r.name}</A></th>
                                                    <td><code>{r.id}</code></td>
                                                    <td><span class="pill">{r.protocol}</span></td>
                                                    <td><code class="endpoint">{r.endpoint}</code></td>
                                                    <td>{r.created}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                }
                .into_any()
            }
        }}
    }
}
