//! `/tables/:name`: a table's overview (DescribeTable) and its items.

use super::explore::Explore;
use super::settings::Settings;
use super::{capacity_mode, confirm, error_text, key_label, keys_of};
use crate::ui::api::dynamodb;
use crate::ui::href;
use crate::ui::widgets::{human_bytes, Fact};
use leptos::prelude::*;
use super::{projection_label};
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::{json, Value};


fn created(table: &Value) -> String {
    match table["CreationDateTime"].as_f64() {
        Some(secs) => {
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs * 1000.0));
            d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED).as_string().unwrap_or_default()
        }
        None => "—".into(),
    }
}

/// The overview, described afresh each time it is shown.
#[component]
fn Overview(name: String) -> impl IntoView {
    let description = LocalResource::new(move || {
        let table = name.clone();
        async move { dynamodb("DescribeTable", json!({ "TableName": table })).await.map(|d| d["Table"].clone()) }
    });
    move || match description.get() {
        None => view! { <section class="card" role="status"><p class="muted">"Loading…"</p></section> }.into_any(),
        Some(Err(e)) => view! { <section class="card error-panel" role="alert"><p>{error_text(&e)}</p></section> }.into_any(),
        Some(Ok(table)) => overview(table).into_any(),
    }
}

fn overview(table: Value) -> impl IntoView {
    let (pk, sk) = keys_of(&table["KeySchema"], &table);
    let mut indexes = Vec::new();
    for (kind, list) in [("Global", &table["GlobalSecondaryIndexes"]), ("Local", &table["LocalSecondaryIndexes"])] {
        for i in list.as_array().into_iter().flatten() {
            let (ipk, isk) = keys_of(&i["KeySchema"], &table);
            indexes.push((
                i["IndexName"].as_str().unwrap_or("").to_string(),
                kind,
                key_label(&ipk),
                key_label(&isk),
                projection_label(&i["Projection"]),
                i["IndexStatus"].as_str().unwrap_or("ACTIVE").to_string(),
                i["ItemCount"].as_u64().unwrap_or(0),
            ));
        }
    }
    let status = table["TableStatus"].as_str().unwrap_or("").to_string();
    let mode = capacity_mode(&table);
    let items = table["ItemCount"].as_u64().unwrap_or(0);
    let size = human_bytes(table["TableSizeBytes"].as_f64().unwrap_or(0.0));
    let when = created(&table);
    let arn = table["TableArn"].as_str().unwrap_or("").to_string();
    view! {
        <section class="card">
            <h2>"Overview"</h2>
            <dl class="facts">
                <Fact label="Status"><span data-testid="table-status">{status}</span></Fact>
                <Fact label="Partition key"><code>{key_label(&pk)}</code></Fact>
                <Fact label="Sort key"><code>{key_label(&sk)}</code></Fact>
                <Fact label="Capacity mode">{mode}</Fact>
                <Fact label="Item count"><span data-testid="table-item-count">{items}</span></Fact>
                <Fact label="Table size">{size}</Fact>
                <Fact label="Created">{when}</Fact>
                <Fact label="ARN"><code>{arn}</code></Fact>
            </dl>
            <h3>"Indexes"</h3>
            {if indexes.is_empty() {
                view! { <p class="muted">"No secondary indexes."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="data-table" aria-label="Indexes">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Partition key"</th>
                                <th scope="col">"Sort key"</th><th scope="col">"Projection"</th><th scope="col">"Status"</th><th scope="col" class="num">"Items"</th>
                            </tr></thead>
                            <tbody>
                                {indexes.into_iter().map(|(n, kind, ipk, isk, proj, status, count)| view! {
                                    <tr>
                                        <th scope="row">{n}</th><td>{kind}</td><td><code>{ipk}</code></td><td><code>{isk}</code></td>
                                        <td>{proj}</td><td>{status}</td><td class="num">{count}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
pub fn TablePage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let description = LocalResource::new(move || {
        let table = name.get();
        async move { dynamodb("DescribeTable", json!({ "TableName": table })).await.map(|d| d["Table"].clone()) }
    });
    // Bumped by the settings tab after each change; the views that depend on
    // the table's settings (keys, indexes, capacity) are drawn from `latest`.
    let refresh = RwSignal::new(0u32);
    let latest = LocalResource::new(move || {
        refresh.track();
        let table = name.get();
        async move { dynamodb("DescribeTable", json!({ "TableName": table })).await.map(|d| d["Table"].clone()) }
    });
    let current = move || latest.get().and_then(Result::ok);
    let tab = RwSignal::new("items");
    let delete_error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let delete_table = move |_| {
        let table = name.get_untracked();
        if !confirm(&format!("Delete the table {table} and all its items? This cannot be undone.")) {
            return;
        }
        // The router puts its base in front of a navigation (links need href()).
        let navigate = navigate.clone();
        spawn_local(async move {
            match dynamodb("DeleteTable", json!({ "TableName": table })).await {
                Ok(_) => navigate("/tables", Default::default()),
                Err(e) => delete_error.set(Some(error_text(&e))),
            }
        });
    };
    let tab_button = move |id: &'static str, label: &'static str| {
        view! {
            <button
                role="tab"
                class="tab"
                aria-selected=move || (tab.get() == id).to_string()
                on:click=move |_| {
tab.set(id)
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/tables")>"Tables"</A>" / "<span>{move || name.get()}</span></nav>
        <div class="page-header">
            <h1>{move || name.get()}</h1>
            <span class="subtitle">"DynamoDB table"</span>
            <span class="spacer"></span>
            <button class="button danger" on:click=delete_table>"Delete table"</button>
        </div>
        {move || delete_error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
        {move || match description.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Loading table…"</p></section> }.into_any(),
            Some(Err(e)) => view! {
                <section class="card error-panel" role="alert">
                    <p>{error_text(&e)}</p>
                    <p><A href=href("/tables")>"Back to tables"</A></p>
                </section>
            }
            .into_any(),
            Some(Ok(_)) => {
                view! {
                    <div class="tabs" role="tablist" aria-label="Table views">
                        {tab_button("items", "Explore items")}
                        {tab_button("overview", "Overview")}
                        {tab_button("settings", "Indexes and settings")}
                        {tab_button("monitor", "Monitor")}
                    </div>
                    <Show when=move || tab.get() == "overview">
                        <div role="tabpanel" aria-label="Overview">
                            <Overview name=name.get_untracked()/>
                        </div>
                    </Show>
                    <Show when=move || tab.get() == "settings">
                        <div role="tabpanel" aria-label="Indexes and settings">
                            <Settings name=name.get_untracked() refresh=refresh/>
                        </div>
                    </Show>
                    <Show when=move || tab.get() == "monitor">
                        <div role="tabpanel" aria-label="Monitor">
                            {move || current().map(|t| view! { <super::monitor::Monitor table=t/> })}
                        </div>
                    </Show>
                    <div role="tabpanel" aria-label="Explore items" hidden=move || tab.get() != "items">
                        {move || current().map(|t| view! { <Explore table=t/> })}
                    </div>
                }
                .into_any()
            }
        }}
    }
}

