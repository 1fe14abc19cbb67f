//! The dashboard: what this account has and how this tab is serving it.

use super::SERVICES;
use crate::ui::widgets::{human_bytes, Fact, PageHeader};
use leptos::prelude::*;
use leptos_router::components::A;
use std::time::Duration;

/// Whether a service worker controls this page, so that `fetch()` to `_aws/`
/// reaches the cloud.
pub fn service_worker_state() -> &'static str {
    match crate::host::bridge::container() {
        None => "unavailable (this page is not a secure context)",
        Some(c) if c.controller().is_some() => "relaying fetch() to this tab",
        Some(_) => "installing",
    }
}

/// The browser's estimate of this origin's storage use and quota.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let estimate = wasm_bindgen_futures::JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let estimate: web_sys::StorageEstimate = wasm_bindgen::JsCast::unchecked_into(estimate);
    Some((estimate.get_usage()?, estimate.get_quota()?))
}

/// (tables, items, bytes) across the account, from ListTables and DescribeTable.
async fn tables_summary() -> Result<(usize, u64, u64), String> {
    use crate::ui::api::dynamodb;
    use serde_json::json;
    let mut names = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let mut body = json!({});
        if let Some(s) = &start {
            body["ExclusiveStartTableName"] = json!(s);
        }
        let page = dynamodb("ListTables", body).await.map_err(|e| e.to_string())?;
        for n in page["TableNames"].as_array().into_iter().flatten() {
            names.push(n.as_str().unwrap_or("").to_string());
        }
        match page["LastEvaluatedTableName"].as_str() {
            Some(s) => start = Some(s.to_string()),
            None => break,
        }
    }
    let (mut items, mut bytes) = (0, 0);
    for n in &names {
        let d = dynamodb("DescribeTable", json!({ "TableName": n })).await.map_err(|e| e.to_string())?;
        items += d["Table"]["ItemCount"].as_u64().unwrap_or(0);
        bytes += d["Table"]["TableSizeBytes"].as_u64().unwrap_or(0);
    }
    Ok((names.len(), items, bytes))
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let cloud = crate::host::cloud();
    let requests = RwSignal::new(cloud.request_count());
    let changes = RwSignal::new(cloud.change_count());
    let worker = RwSignal::new(service_worker_state());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            requests.set(cloud.request_count());
            if changes.get_untracked() != cloud.change_count() {
                changes.set(cloud.change_count());
            }
            worker.set(service_worker_state());
        },
        Duration::from_millis(500),
    ) {
        on_cleanup(move || handle.clear());
    }
    let storage = LocalResource::new(storage_estimate);
    // Recounted whenever the cloud's state changes.
    let tables = LocalResource::new(move || {
        changes.track();
        tables_summary()
    });
    let state = crate::ui::cloud_state::use_cloud_state();

    view! {
        <PageHeader title="Dashboard" subtitle="Your cloud, in this tab"/>
        <section class="card">
            <h2>"Account"</h2>
            <dl class="facts">
                <Fact label="Account">{crate::engine::ACCOUNT_ID}</Fact>
                <Fact label="Region">{crate::engine::REGION}</Fact>
                <Fact label="Service worker"><span data-testid="sw-state">{move || worker.get()}</span></Fact>
                <Fact label="Requests answered">
                    <span data-testid="request-count">{move || requests.get()}</span>
                </Fact>
                <Fact label="Browser storage used">
                    {move || match storage.get() {
                        None => "measuring…".to_string(),
                        Some(None) => "unknown".to_string(),
                        Some(Some((usage, quota))) => format!("{} of {}", human_bytes(usage), human_bytes(quota)),
                    }}
                </Fact>
            </dl>
        </section>
        <section class="card">
            <h2>"Tables"</h2>
            {move || match tables.get() {
                None => view! { <p class="muted">"Counting…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="muted">{e}</p> }.into_any(),
                Some(Ok((count, items, bytes))) => view! {
                    <div class="stat-grid">
                        <div class="stat"><div class="value" data-testid="table-count">{count}</div><div class="label">"tables"</div></div>
                        <div class="stat"><div class="value" data-testid="item-count">{items}</div><div class="label">"items"</div></div>
                        <div class="stat"><div class="value">{human_bytes(bytes as f64)}</div><div class="label">"of table data"</div></div>
                    </div>
                }
                .into_any(),
            }}
            {move || match state.get() {
                crate::host::boot::CloudState::Ready { tables, items, load_ms } => Some(view! {
                    <p class="muted">{format!("Loaded from this browser's storage: {tables} tables, {items} items in {load_ms:.0} ms.")}</p>
                }),
                _ => None,
            }}
        </section>
        <h2 class="section-title">"Services"</h2>
        <div class="service-grid">
            {SERVICES
                .iter()
                .map(|s| {
                    view! {
                        <A href=crate::ui::href(s.path) attr:class="card service-card">
                            <div class="service-card-head">
                                <h3>{s.name}</h3>
                                {if s.api_ready {
                                    view! { <span class="pill pill-ok">"API ready"</span> }.into_any()
                                } else {
                                    view! { <span class="pill pill-muted">"not built yet"</span> }.into_any()
                                }}
                            </div>
                            <p class="muted">{s.like}</p>
                            <p>{s.summary}</p>
                        </A>
                    }
                })
                .collect_view()}
        </div>
    }
}
