//! `/tables`: every table with its status, keys, size and capacity mode.

use super::{capacity_mode, error_text, key_label, keys_of};
use crate::ui::api::dynamodb;
use crate::ui::href;
use crate::ui::widgets::{human_bytes, PageHeader};
use crate::ui::widgets::list_toolbar;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::{json, Value};

/// Every table name, page by page (ListTables answers at most 100 a page),
/// then each table's description.
async fn load_tables() -> Result<Vec<Value>, String> {
    let mut names = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let mut body = json!({ "Limit": 100 });
        if let Some(s) = &start {
            body["ExclusiveStartTableName"] = json!(s);
        }
        let page = dynamodb("ListTables", body).await.map_err(|e| error_text(&e))?;
        for n in page["TableNames"].as_array().into_iter().flatten() {
            names.push(n.as_str().unwrap_or("").to_string());
        }
        match page["LastEvaluatedTableName"].as_str() {
            Some(s) => start = Some(s.to_string()),
            None => break,
        }
    }
    let mut tables = Vec::new();
    for n in names {
        match dynamodb("DescribeTable", json!({ "TableName": n })).await {
            Ok(d) => tables.push(d["Table"].clone()),
            // Deleted between the two calls.
            Err(e) if e.kind == "ResourceNotFoundException" => {}
            Err(e) => return Err(error_text(&e)),
        }
    }
    Ok(tables)
}

#[component]
pub fn TablesList() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let tables = LocalResource::new(move || {
        reload.track();
        load_tables()
    });
    let search = RwSignal::new(String::new());
    view! {
        <PageHeader title="Tables" subtitle="Amazon DynamoDB"/>
        {list_toolbar("Search tables by name", search, reload, "/tables/-/create", "Create table")}
        {move || match tables.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Loading tables…"</p></section> }.into_any(),
            Some(Err(e)) => view! { <section class="card error-panel" role="alert"><p>{e}</p></section> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <section class="card empty-state">
                    <h2>"No tables yet"</h2>
                    <p class="muted">"A table holds items reached by their partition key (and sort key). Create one to start."</p>
                    <A href=href("/tables/-/create") attr:class="button primary">"Create table"</A>
                </section>
            }
            .into_any(),
            Some(Ok(list)) => {
                let needle = search.get().to_lowercase();
                let shown: Vec<Value> = list
                    .iter()
                    .filter(|t| t["TableName"].as_str().unwrap_or("").to_lowercase().contains(&needle))
                    .cloned()
                    .collect();
                let total = list.len();
                if shown.is_empty() {
                    return view! {
                        <section class="card"><p class="muted" role="status">{format!("No table name contains “{}”.", search.get())}</p></section>
                    }
                    .into_any();
                }
                view! {
                    <section class="card table-card">
                        <p class="muted table-count" role="status">
                            {match (shown.len() == total, total) {
                                (true, 1) => "1 table".to_string(),
                                (true, _) => format!("{total} tables"),
                                (false, _) => format!("{} of {total} tables", shown.len()),
                            }}
                        </p>
                        <div class="table-scroll">
                            <table class="data-table" aria-label="Tables">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Partition key"</th>
                                        <th scope="col">"Sort key"</th>
                                        <th scope="col" class="num">"Items"</th>
                                        <th scope="col" class="num">"Size"</th>
                                        <th scope="col">"Capacity"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {shown
                                        .into_iter()
                                        .map(|t| {
                                            let name = t["TableName"].as_str().unwrap_or("").to_string();
                                            let (pk, sk) = keys_of(&t["KeySchema"], &t);
                                            let status = t["TableStatus"].as_str().unwrap_or("").to_string();
                                            let status_class = format!("pill status-{}", status.to_lowercase());
                                            view! {
                                                <tr>
                                                    <th scope="row"><A href=href(&format!("/tables/{name}"))>{name.clone()}</A></th>
                                                    <td><span class=status_class>{status}</span></td>
                                                    <td><code>{key_label(&pk)}</code></td>
                                                    <td><code>{key_label(&sk)}</code></td>
                                                    <td class="num">{t["ItemCount"].as_u64().unwrap_or(0)}</td>
                                                    <td class="num">{human_bytes(t["TableSizeBytes"].as_f64().unwrap_or(0.0))}</td>
                                                    <td>{capacity_mode(&t)}</td>
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
