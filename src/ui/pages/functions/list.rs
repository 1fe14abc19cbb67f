//! `/functions`: every function with its runtime, memory, timeout, code
//! size and when it last changed (ListFunctions).

use super::{code_size, date_text, error_text};
use crate::ui::api::lambda;
use crate::ui::href;
use crate::ui::widgets::PageHeader;
use crate::ui::widgets::list_toolbar;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::Value;

/// Every function, page by page (ListFunctions answers at most 50 a page).
pub async fn load_functions() -> Result<Vec<Value>, String> {
    let mut functions = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut path = "/2015-03-31/functions/?MaxItems=50".to_string();
        if let Some(m) = &marker {
            path.push_str(&format!("&Marker={}", crate::ui::api::path_segment(m)));
        }
        let page = lambda("GET", &path, None).await.map_err(|e| error_text(&e))?;
        functions.extend(page["Functions"].as_array().cloned().unwrap_or_default());
        match page["NextMarker"].as_str() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    functions.sort_by(|a, b| a["FunctionName"].as_str().cmp(&b["FunctionName"].as_str()));
    Ok(functions)
}

#[component]
pub fn FunctionsList() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let functions = LocalResource::new(move || {
        reload.track();
        load_functions()
    });
    let search = RwSignal::new(String::new());
    view! {
        <PageHeader title="Functions" subtitle="AWS Lambda"/>
        {list_toolbar("Search functions by name", search, reload, "/functions/-/create", "Create function")}
        {move || match functions.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Loading functions…"</p></section> }.into_any(),
            Some(Err(e)) => view! { <section class="card error-panel" role="alert"><p>{e}</p></section> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! {
                <section class="card empty-state">
                    <h2>"No functions yet"</h2>
                    <p class="muted">"A function is a WebAssembly module that runs when it is invoked: by the console's Test tab, another function, or fetch('_aws/lambda/…'). Start from a sample, upload a module or write one in WebAssembly text."</p>
                    <A href=href("/functions/-/create") attr:class="button primary">"Create function"</A>
                </section>
            }
            .into_any(),
            Some(Ok(list)) => {
                let needle = search.get().to_lowercase();
                let total = list.len();
                let shown: Vec<Value> = list
                    .into_iter()
                    .filter(|f| f["FunctionName"].as_str().unwrap_or("").to_lowercase().contains(&needle))
                    .collect();
                if shown.is_empty() {
                    return view! {
                        <section class="card"><p class="muted" role="status">{format!("No function name contains “{}”.", search.get())}</p></section>
                    }
                    .into_any();
                }
                view! {
                    <section class="card table-card">
                        <p class="muted table-count" role="status">
                            {match (shown.len() == total, total) {
                                (true, 1) => "1 function".to_string(),
                                (true, _) => format!("{total} functions"),
                                (false, _) => format!("{} of {total} functions", shown.len()),
                            }}
                        </p>
                        <div class="table-scroll">
                            <table class="data-table" aria-label="Functions">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Description"</th>
                                        <th scope="col">"Runtime"</th>
                                        <th scope="col" class="num">"Memory"</th>
                                        <th scope="col" class="num">"Timeout"</th>
                                        <th scope="col" class="num">"Code size"</th>
                                        <th scope="col">"Last modified"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {shown
                                        .into_iter()
                                        .map(|f| {
                                            let name = f["FunctionName"].as_str().unwrap_or("").to_string();
                                            view! {
                                                <tr>
                                                    <th scope="row"><A href=href(&format!("/functions/{name}"))>{name.clone()}</A></th>
                                                    <td class="description-cell">{f["Description"].as_str().unwrap_or("").to_string()}</td>
                                                    <td><code>{f["Runtime"].as_str().unwrap_or("—").to_string()}</code></td>
                                                    <td class="num">{format!("{} MB", f["MemorySize"].as_u64().unwrap_or(0))}</td>
                                                    <td class="num">{format!("{} s", f["Timeout"].as_u64().unwrap_or(0))}</td>
                                                    <td class="num">{code_size(f["CodeSize"].as_u64().unwrap_or(0))}</td>
                                                    <td>{date_text(f["LastModified"].as_str().unwrap_or(""))}</td>
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
