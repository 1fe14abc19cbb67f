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

#[component]
pub fn Dashboard() -> impl IntoView {
    let cloud = crate::host::cloud();
    let requests = RwSignal::new(cloud.request_count());
    let worker = RwSignal::new(service_worker_state());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            requests.set(cloud.request_count());
            worker.set(service_worker_state());
        },
        Duration::from_millis(1000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let storage = LocalResource::new(storage_estimate);

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
        <h2 class="section-title">"Services"</h2>
        <div class="service-grid">
            {SERVICES
                .iter()
                .map(|s| {
                    view! {
                        <A href=crate::ui::href(s.path) attr:class="card service-card">
                            <div class="service-card-head">
                                <h3>{s.name}</h3>
                                <span class="pill pill-muted">"not built yet"</span>
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
