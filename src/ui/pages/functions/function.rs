//! `/functions/:name`: a function's overview (GetFunction), its tabs (Code
//! for a JavaScript function, Test, Configuration, Logs, Monitor) and
//! DeleteFunction.

use super::code::CodeTab;
use super::config::{list_aliases, list_versions, ConfigTab};
use super::logs::LogsTab;
use super::monitor::MonitorTab;
use super::test::{forget_events, TestTab};
use super::{code_size, confirm, date_text, error_text, function_path, get_function};
use crate::ui::api::lambda;
use crate::ui::href;
use crate::ui::widgets::Fact;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::Value;

const TABS: [(&str, &str); 4] = [("test", "Test"), ("configuration", "Configuration"), ("logs", "Logs"), ("monitor", "Monitor")];
/// A JavaScript function's tabs start with its code, as in the Lambda console.
const JS_TABS: [(&str, &str); 5] =
    [("code", "Code"), ("test", "Test"), ("configuration", "Configuration"), ("logs", "Logs"), ("monitor", "Monitor")];

fn overview(f: Value) -> impl IntoView {
    let c = f["Configuration"].clone();
    let text = |k: &str| c[k].as_str().unwrap_or("").to_string();
    let memory = format!("{} MB", c["MemorySize"].as_u64().unwrap_or(0));
    let timeout = format!("{} s", c["Timeout"].as_u64().unwrap_or(0));
    let size = code_size(c["CodeSize"].as_u64().unwrap_or(0));
    let modified = date_text(c["LastModified"].as_str().unwrap_or(""));
    let runtime = text("Runtime");
    let handler = format!("handler {}", text("Handler"));
    let arn = text("FunctionArn");
    let description = text("Description");
    let reserved = f["Concurrency"]["ReservedConcurrentExecutions"].as_u64();
    let state = text("State");
    let state_class = format!("pill status-{}", state.to_lowercase());
    view! {
        <section class="card" aria-label="Function overview">
            {(!description.is_empty()).then(|| view! { <p class="function-description">{description}</p> })}
            <dl class="facts">
                <Fact label="State"><span class=state_class data-testid="function-state">{if state.is_empty() { "Active".to_string() } else { state }}</span></Fact>
                <Fact label="Runtime"><code>{runtime}</code>" "<span class="muted">{handler}</span></Fact>
                <Fact label="Memory"><span data-testid="function-memory">{memory}</span></Fact>
                <Fact label="Timeout"><span data-testid="function-timeout">{timeout}</span></Fact>
                <Fact label="Code size">{size}</Fact>
                <Fact label="Reserved concurrency"><span data-testid="function-concurrency">{reserved.map(|r| r.to_string()).unwrap_or_else(|| "not reserved".into())}</span></Fact>
                <Fact label="Last modified">{modified}</Fact>
                <Fact label="ARN"><code>{arn}</code></Fact>
            </dl>
        </section>
    }
}

#[component]
pub fn FunctionPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    // The first description: the tabs are built from it once.
    let first = LocalResource::new(move || {
        let n = name.get();
        async move { get_function(&n).await }
    });
    // Bumped after each change; what shows the function's settings follows `latest`.
    let refresh = RwSignal::new(0u32);
    let latest = LocalResource::new(move || {
        refresh.track();
        let n = name.get();
        async move { get_function(&n).await }
    });
    let current = Signal::derive(move || latest.get().and_then(Result::ok));
    let memory_mb = Signal::derive(move || current.get().and_then(|f| f["Configuration"]["MemorySize"].as_u64()).unwrap_or(128));
    // Versions and aliases a test may invoke.
    let qualifier_list = LocalResource::new(move || {
        refresh.track();
        let n = name.get();
        async move {
            let mut out: Vec<String> = list_versions(&n)
                .await
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v["Version"].as_str().map(str::to_string))
                .filter(|v| v != "$LATEST")
                .collect();
            out.extend(list_aliases(&n).await.unwrap_or_default().iter().filter_map(|a| a["Name"].as_str().map(str::to_string)));
            out
        }
    });
    let qualifiers = Signal::derive(move || qualifier_list.get().unwrap_or_default());

    let tab = RwSignal::new("test");
    // Whether the function runs JavaScript (known once it loads): then it has a Code tab, shown first.
    let is_js = Signal::derive(move || {
        first.get().and_then(Result::ok).is_some_and(|f| super::is_nodejs(f["Configuration"]["Runtime"].as_str().unwrap_or("")))
    });
    let tabs = move || -> &'static [(&'static str, &'static str)] { if is_js.get() { &JS_TABS } else { &TABS } };
    Effect::new(move || {
        if is_js.get() {
            tab.set("code");
        }
    });
    let delete_error = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(false);
    let navigate = use_navigate();
    let delete_function = move |_| {
        let f = name.get_untracked();
        if !confirm(&format!("Delete the function {f}, with its versions and aliases? This cannot be undone.")) {
            return;
        }
        let navigate = navigate.clone();
        deleting.set(true);
        spawn_local(async move {
            match lambda("DELETE", &function_path(&f, ""), None).await {
                Ok(_) => {
                    forget_events(&f);
                    super::wat::forget_source(&f);
                    navigate("/functions", Default::default());
                }
                Err(e) => {
                    deleting.set(false);
                    delete_error.set(Some(error_text(&e)));
                }
            }
        });
    };
    // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
    let on_tab_key = move |ev: leptos::ev::KeyboardEvent| {
        // From the focused tab (the selected one, unless focus was moved there another way).
        use wasm_bindgen::JsCast;
        let focused = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|e| e.id()).unwrap_or_default();
        let list = untrack(tabs);
        let i = list
            .iter()
            .position(|(id, _)| focused == format!("tab-{id}"))
            .or_else(|| list.iter().position(|(id, _)| *id == tab.get_untracked()))
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % list.len(),
            "ArrowLeft" => (i + list.len() - 1) % list.len(),
            "Home" => 0,
            "End" => list.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        tab.set(list[next].0);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("tab-{}", list[next].0)))
        {
            let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    };
    let tab_buttons = move || tabs()
        .iter()
        .map(|&(id, label)| {
            view! {
                <button
                    role="tab"
                    class="tab"
                    id=format!("tab-{id}")
                    aria-controls=format!("panel-{id}")
                    aria-selected=move || (tab.get() == id).to_string()
                    tabindex=move || if tab.get() == id { "0" } else { "-1" }
                    on:click=move |_| tab.set(id)
                >
                    {label}
                </button>
            }
        })
        .collect_view();

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/functions")>"Functions"</A>" / "<span>{move || name.get()}</span></nav>
        <div class="page-header">
            <h1>{move || name.get()}</h1>
            <span class="subtitle">"Lambda function"</span>
            <span class="spacer"></span>
            <button class="button danger" disabled=move || deleting.get() on:click=delete_function>"Delete function"</button>
        </div>
        {move || delete_error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
        {move || match first.get() {
            None => view! { <section class="card" role="status"><p class="muted">"Loading function…"</p></section> }.into_any(),
            Some(Err(e)) => view! {
                <section class="card error-panel" role="alert">
                    <p>{error_text(&e)}</p>
                    <p><A href=href("/functions")>"Back to functions"</A></p>
                </section>
            }
            .into_any(),
            Some(Ok(f)) => {
                let n = name.get_untracked();
                let is_nodejs = super::is_nodejs(f["Configuration"]["Runtime"].as_str().unwrap_or(""));
                view! {
                    {move || current.get().map(overview)}
                    <div class="tabs" role="tablist" aria-label="Function views" on:keydown=on_tab_key>{tab_buttons}</div>
                    {is_nodejs.then(|| {
                        let c = &f["Configuration"];
                        let runtime = c["Runtime"].as_str().unwrap_or("").to_string();
                        let handler = c["Handler"].as_str().unwrap_or("").to_string();
                        view! {
                            <div role="tabpanel" id="panel-code" aria-labelledby="tab-code" hidden=move || tab.get() != "code">
                                <CodeTab name=n.clone() runtime=runtime handler=handler refresh=refresh/>
                            </div>
                        }
                    })}
                    <div role="tabpanel" id="panel-test" aria-labelledby="tab-test" hidden=move || tab.get() != "test">
                        <TestTab name=n.clone() qualifiers=qualifiers/>
                    </div>
                    <Show when=move || tab.get() == "configuration">
                        <div role="tabpanel" id="panel-configuration" aria-labelledby="tab-configuration">
                            <ConfigTab name=name.get_untracked() function=current.get_untracked().unwrap_or_else(|| f.clone()) latest=current refresh=refresh/>
                        </div>
                    </Show>
                    <Show when=move || tab.get() == "logs">
                        <div role="tabpanel" id="panel-logs" aria-labelledby="tab-logs">
                            <LogsTab name=name.get_untracked()/>
                        </div>
                    </Show>
                    <Show when=move || tab.get() == "monitor">
                        <div role="tabpanel" id="panel-monitor" aria-labelledby="tab-monitor">
                            <MonitorTab name=name.get_untracked() memory_mb=memory_mb/>
                        </div>
                    </Show>
                }
                .into_any()
            }
        }}
    }
}
