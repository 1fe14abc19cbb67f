//! `/functions/-/create`: CreateFunction from a sample the app ships, an
//! uploaded `.wasm` or `.zip`, JavaScript files typed in the code editor
//! (zipped here, run by the nodejs runtime), or WebAssembly text typed here
//! and compiled in the browser. (Two segments, so that no function name, which is one
//! segment, can clash with it: a function may be called `new`.)

use super::test::save_event;
use super::source::{self, DEFAULT_HANDLER};
use super::wat::{compile, save_source, WatEditor, DEFAULT_WAT};
use crate::ui::editor::{EditorFiles, Marker, MultiFileEditor};
use super::{base64, code_size, error_text, fetch_bytes, load_samples, whole_number, CodeKind, EnvEditor, EnvRows, Sample, RUNTIME, SAMPLES_DIR};
use crate::ui::api::{dynamodb, lambda};
use crate::ui::href;
use crate::ui::widgets::PageHeader;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::{json, Map, Value};
use wasm_bindgen::JsCast;

/// A file the user picked: its name and bytes.
#[derive(Clone, PartialEq)]
struct Upload {
    name: String,
    bytes: Vec<u8>,
}

/// A function name from a file name: `my-func.wasm` → `my-func`, with the
/// characters Lambda does not allow in a name replaced by `-`.
fn name_from_file(file: &str) -> String {
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).take(64).collect()
}

/// Creates each table a sample expects unless it exists (a table with
/// just its partition key, on demand). Answers what it did.
async fn ensure_tables(sample: &Sample, progress: RwSignal<String>) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    for table in &sample.tables {
        match dynamodb("DescribeTable", json!({ "TableName": table.name })).await {
            Ok(_) => done.push(format!("The table {} already exists.", table.name)),
            Err(e) if e.kind == "ResourceNotFoundException" => {
                progress.set(format!("Creating the table {}…", table.name));
                dynamodb(
                    "CreateTable",
                    json!({
                        "TableName": table.name,
                        "BillingMode": "PAY_PER_REQUEST",
                        "AttributeDefinitions": [{ "AttributeName": table.partition_key.name, "AttributeType": table.partition_key.kind }],
                        "KeySchema": [{ "AttributeName": table.partition_key.name, "KeyType": "HASH" }],
                    }),
                )
                .await
                .map_err(|e| format!("Creating the table {}: {}", table.name, error_text(&e)))?;
                done.push(format!("Created the table {}.", table.name));
            }
            Err(e) => return Err(format!("Looking for the table {}: {}", table.name, error_text(&e))),
        }
    }
    Ok(done)
}

#[component]
pub fn CreateFunction() -> impl IntoView {
    let source = RwSignal::new("sample");
    let samples = LocalResource::new(load_samples);
    let chosen = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    // Once the reader types a name, picking a sample or a file leaves it alone.
    let name_typed = RwSignal::new(false);
    let description = RwSignal::new(String::new());
    let memory = RwSignal::new("128".to_string());
    let timeout = RwSignal::new("3".to_string());
    let env = EnvRows::new();
    let upload = RwSignal::new(None::<Upload>);
    let upload_error = RwSignal::new(None::<String>);
    let wat_text = RwSignal::new(DEFAULT_WAT.to_string());
    let wat_error = RwSignal::new(None::<Marker>);
    let wat_ok = RwSignal::new(None::<String>);
    let js_files = EditorFiles::new(&super::code::pairs(&source::default_files()));
    let js_marker = RwSignal::new(None::<Marker>);
    let js_runtime = RwSignal::new(super::NODEJS_RUNTIMES[0].to_string());
    let handler = RwSignal::new(DEFAULT_HANDLER.to_string());
    let error = RwSignal::new(None::<String>);
    let progress = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    let sample_list = move || samples.get().and_then(Result::ok).unwrap_or_default();
    let find_sample = move |n: &str| sample_list().into_iter().find(|s| s.name == n);
    let apply_sample = move |s: &Sample| {
        chosen.set(Some(s.name.clone()));
        if !name_typed.get_untracked() {
            name.set(s.name.clone());
        }
        description.set(s.description.clone());
        memory.set(s.memory_size.to_string());
        timeout.set(s.timeout.to_string());
        env.set(&s.environment);
    };
    // The first sample (hello) is chosen when the samples arrive, so that one
    // click on "Create function" deploys it.
    Effect::new(move || {
        if chosen.get_untracked().is_none() {
            if let Some(first) = sample_list().into_iter().next() {
                apply_sample(&first);
            }
        }
    });
    // The form's "fix the text first" goes once the text compiles.
    Effect::new(move || {
        if wat_error.with(Option::is_none) {
            error.update(|e| {
                if e.as_deref().is_some_and(|m| m.starts_with("Fix the WebAssembly text")) {
                    *e = None;
                }
            });
        }
    });
    let set_source = move |s: &'static str| {
        source.set(s);
        error.set(None);
        if s != "sample" && !name_typed.get_untracked() {
            // A sample's settings should not follow the reader to other code.
            if chosen.get_untracked().is_some_and(|c| name.get_untracked() == c) {
                name.set(String::new());
            }
            description.set(String::new());
            env.set(&Map::new());
            if let Some(u) = upload.get_untracked() {
                if s == "upload" {
                    name.set(name_from_file(&u.name));
                }
            }
        } else if s == "sample" {
            if let Some(sample) = chosen.get_untracked().and_then(|c| find_sample(&c)) {
                apply_sample(&sample);
            }
        }
    };

    let pick_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        upload_error.set(None);
        spawn_local(async move {
            match crate::host::account::read_file(&file).await {
                Ok(bytes) => {
                    if !name_typed.get_untracked() {
                        name.set(name_from_file(&file.name()));
                    }
                    upload.set(Some(Upload { name: file.name(), bytes }));
                }
                Err(e) => upload_error.set(Some(format!("Could not read {}: {e}", file.name()))),
            }
        });
    };

    let check_wat = move |_| match compile(&wat_text.get_untracked()) {
        Ok(bytes) => {
            wat_error.set(None);
            wat_ok.set(Some(format!("Compiles: {} bytes, {}.", bytes.len(), CodeKind::of(&bytes).label())));
        }
        Err(e) => {
            wat_ok.set(None);
            wat_error.set(Some(e));
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        wat_ok.set(None);
        let function = name.get_untracked().trim().to_string();
        if function.is_empty() {
            return error.set(Some("Enter a function name.".into()));
        }
        let settings = (|| -> Result<(u64, u64, Map<String, Value>), String> {
            Ok((whole_number("Memory", &memory.get_untracked())?, whole_number("Timeout", &timeout.get_untracked())?, env.variables()?))
        })();
        let (memory_mb, timeout_s, variables) = match settings {
            Ok(s) => s,
            Err(e) => return error.set(Some(e)),
        };
        let from = source.get_untracked();
        // Code known now (upload, WAT); a sample's module is fetched below.
        let code: Option<Vec<u8>> = match from {
            "upload" => match upload.get_untracked() {
                Some(u) => Some(u.bytes),
                None => return error.set(Some("Choose a .wasm or .zip file to upload.".into())),
            },
            "javascript" => {
                let files = super::code::files_of(&js_files);
                if let Some(problem) = source::handler_problem(&handler.get_untracked(), &files) {
                    return error.set(Some(problem));
                }
                js_marker.set(None);
                match source::zip_files(&files) {
                    Ok(zip) => Some(zip),
                    Err(e) => return error.set(Some(format!("Could not zip the files: {e}"))),
                }
            }
            "wat" => match compile(&wat_text.get_untracked()) {
                Ok(bytes) => Some(bytes),
                Err(e) => {
                    wat_error.set(Some(e));
                    return error.set(Some("Fix the WebAssembly text first: its error is shown under the editor.".into()));
                }
            },
            _ => None,
        };
        let sample = if from == "sample" {
            match chosen.get_untracked().and_then(|c| find_sample(&c)) {
                Some(s) => Some(s),
                None => return error.set(Some("Choose a sample.".into())),
            }
        } else {
            None
        };
        busy.set(true);
        let navigate = navigate.clone();
        let description = description.get_untracked();
        spawn_local(async move {
            let result: Result<(), String> = async {
                let code = match (&sample, code) {
                    (Some(s), _) => {
                        progress.set(format!("Fetching {}…", s.file));
                        let bytes = fetch_bytes(&format!("{SAMPLES_DIR}{}", s.file)).await.map_err(|e| format!("Could not fetch the sample: {e}"))?;
                        ensure_tables(s, progress).await?;
                        bytes
                    }
                    (None, Some(bytes)) => bytes,
                    (None, None) => return Err("No code to deploy.".into()),
                };
                progress.set(format!("Creating the function {function} ({})…", code_size(code.len() as u64)));
                let (runtime, handler) = if from == "javascript" {
                    (js_runtime.get_untracked(), handler.get_untracked().trim().to_string())
                } else {
                    (RUNTIME.to_string(), CodeKind::of(&code).handler().to_string())
                };
                let mut body = json!({
                    "FunctionName": function,
                    "Runtime": runtime,
                    "Role": format!("arn:aws:iam::000000000000:role/service-role/{function}-role"),
                    "Handler": handler,
                    "Code": { "ZipFile": base64(&code) },
                    "Description": description,
                    "MemorySize": memory_mb,
                    "Timeout": timeout_s,
                    "Publish": false,
                });
                if !variables.is_empty() {
                    body["Environment"] = json!({ "Variables": variables });
                }
                lambda("POST", "/2015-03-31/functions", Some(body)).await.map_err(|e| {
                    if let Some(m) = super::code::syntax_marker(&e) {
                        js_files.show(m.file.as_deref().unwrap_or(""));
                        js_marker.set(Some(m));
                    }
                    error_text(&e)
                })?;
                if from == "wat" {
                    save_source(&function, &wat_text.get_untracked());
                }
                if let Some(s) = &sample {
                    if !s.test_event.is_null() {
                        save_event(&function, &format!("{} sample", s.name), &serde_json::to_string_pretty(&s.test_event).unwrap_or_default());
                    }
                }
                Ok(())
            }
            .await;
            match result {
                Ok(()) => navigate(&format!("/functions/{function}"), Default::default()),
                Err(e) => {
                    busy.set(false);
                    progress.set(String::new());
                    error.set(Some(e));
                }
            }
        });
    };

    let source_radio = move |value: &'static str, label: &'static str| {
        view! {
            <label class="radio">
                <input type="radio" name="code-source" value=value prop:checked=move || source.get() == value on:change=move |_| set_source(value)/>
                {label}
            </label>
        }
    };

    let sample_picker = move || match samples.get() {
        None => view! { <p class="muted" role="status">"Loading the samples…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{format!("Could not load the samples: {e}")}</p> }.into_any(),
        Some(Ok(list)) => view! {
            <fieldset class="sample-grid">
                <legend class="visually-hidden">"Sample"</legend>
                {list.into_iter().map(|s| {
                    let n = s.name.clone();
                    let checked = {
                        let n = n.clone();
                        Signal::derive(move || chosen.get().as_deref() == Some(n.as_str()))
                    };
                    let tables = s.tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", ");
                    let sample = s.clone();
                    view! {
                        <label class="sample-card" class:selected=checked>
                            <span class="sample-head">
                                <input type="radio" name="sample" value=n.clone() prop:checked=checked on:change=move |_| apply_sample(&sample)/>
                                <strong>{n.clone()}</strong>
                                <span class="pill pill-muted">{s.form.clone()}</span>
                            </span>
                            <span class="sample-description">{s.description.clone()}</span>
                            {(!tables.is_empty()).then(|| view! { <span class="muted sample-tables">{format!("Uses the table {tables} (created if missing).")}</span> })}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
    };

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/functions")>"Functions"</A>" / "<span>"Create function"</span></nav>
        <PageHeader title="Create function" subtitle="CreateFunction"/>
        <form class="card create-form" on:submit=submit novalidate=true>
            <h2>"Code"</h2>
            <fieldset class="radio-group">
                <legend>"Create from"</legend>
                {source_radio("sample", "A sample")}
                {source_radio("javascript", "JavaScript (Node.js)")}
                {source_radio("upload", "Upload a .wasm or .zip file")}
                {source_radio("wat", "WebAssembly text (WAT)")}
            </fieldset>
            <Show when=move || source.get() == "sample">
                <p class="muted">"Sample functions built from runtimes/samples (Rust, with the stratus-guest SDK). Pick one: its settings fill the form below."</p>
                {sample_picker}
            </Show>
            <Show when=move || source.get() == "upload">
                <div class="field-row">
                    <label class="button file-button">
                        "Choose file…"
                        <input type="file" accept=".wasm,.zip,application/wasm,application/zip" class="visually-hidden"
                            aria-label="Code file (.wasm or .zip)" on:change=pick_file/>
                    </label>
                    <p class="file-info" role="status">{move || match upload.get() {
                        None => "No file chosen. A WebAssembly module (a reactor or a WASI command, see docs/function-abi.md) or a zip holding one.".to_string(),
                        Some(u) => format!("{}: {}, {}.", u.name, code_size(u.bytes.len() as u64), CodeKind::of(&u.bytes).label()),
                    }}</p>
                </div>
                {move || upload_error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
            </Show>
            <Show when=move || source.get() == "javascript">
                <p class="muted">"ES modules (.mjs) or CommonJS (.js), run by Stratus's QuickJS runtime as Lambda's Node.js runtime runs them; the files are zipped in your browser when you create the function. A file imports another with a relative path (import { greet } from './lib/util.mjs')."</p>
                <div class="field-row">
                    <label class="field narrow">
                        <span>"Handler"</span>
                        <input type="text" spellcheck="false" prop:value=move || handler.get() on:input=move |ev| handler.set(event_target_value(&ev))/>
                        <small class="muted">"file.export: index.handler runs the export handler of index.mjs"</small>
                    </label>
                </div>
                <MultiFileEditor files=js_files marker=js_marker label="Function code" check_path=source::path_problem/>
            </Show>
            <Show when=move || source.get() == "wat">
                <p class="muted">"Compiled to a module in your browser when you create the function."</p>
                <WatEditor text=wat_text error=wat_error label="Module source (WAT)"/>
                <div class="button-row">
                    <button type="button" class="button" on:click=check_wat>"Check"</button>
                    <button type="button" class="button" on:click=move |_| { wat_text.set(DEFAULT_WAT.to_string()); wat_error.set(None); wat_ok.set(None); }>"Reset to the example"</button>
                    {move || wat_ok.get().map(|m| view! { <span class="ok-text inline" role="status">{m}</span> })}
                </div>
            </Show>

            <h2>"Function settings"</h2>
            <div class="field-row">
                <label class="field">
                    <span>"Function name"</span>
                    <input type="text" spellcheck="false" placeholder="letters, digits, - and _ (up to 64)"
                        prop:value=move || name.get()
                        on:input=move |ev| { name_typed.set(true); name.set(event_target_value(&ev)); }/>
                </label>
                <Show when=move || source.get() == "javascript" fallback=|| view! {
                    <label class="field">
                        <span>"Runtime"</span>
                        <input type="text" readonly=true value=RUNTIME title="AWS's OS-only runtime: the WebAssembly module is the function's bootstrap"/>
                    </label>
                }>
                    <label class="field">
                        <span>"Runtime"</span>
                        <select prop:value=move || js_runtime.get() on:change=move |ev| js_runtime.set(event_target_value(&ev))>
                            {super::NODEJS_RUNTIMES.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                        </select>
                    </label>
                </Show>
            </div>
            <div class="field-row">
                <label class="field wide">
                    <span>"Description"</span>
                    <input type="text" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                </label>
            </div>
            <div class="field-row">
                <label class="field narrow">
                    <span>"Memory (MB)"</span>
                    <input type="number" min="128" max="10240" step="1" prop:value=move || memory.get() on:input=move |ev| memory.set(event_target_value(&ev))/>
                    <small class="muted">"128 to 10240"</small>
                </label>
                <label class="field narrow">
                    <span>"Timeout (seconds)"</span>
                    <input type="number" min="1" max="900" step="1" prop:value=move || timeout.get() on:input=move |ev| timeout.set(event_target_value(&ev))/>
                    <small class="muted">"1 to 900"</small>
                </label>
            </div>
            <EnvEditor rows=env/>
            {move || error.get().map(|e| view! { <p class="error-text form-error" role="alert">{e}</p> })}
            <p class="muted" role="status">{move || progress.get()}</p>
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Create function" }}
                </button>
                <A href=href("/functions") attr:class="button">"Cancel"</A>
            </div>
        </form>
    }
}
