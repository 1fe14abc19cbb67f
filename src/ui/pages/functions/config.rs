//! The "Configuration" tab: general settings (UpdateFunctionConfiguration),
//! new code (UpdateFunctionCode), reserved concurrency
//! (PutFunctionConcurrency, DeleteFunctionConcurrency), versions
//! (PublishVersion, ListVersionsByFunction) and aliases with weighted
//! routing between two versions (CreateAlias, ListAliases, DeleteAlias).

use super::wat::{compile, save_source, saved_source, WatEditor, DEFAULT_WAT};
use crate::ui::editor::Marker;
use super::{
    base64, code_size, confirm, date_text, error_text, function_path, note_view, whole_number, CodeKind, EnvEditor, EnvRows, Note,
};
use crate::ui::api::{lambda, path_segment, ApiError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};
use wasm_bindgen::JsCast;

/// Runs a change, then says how it went and asks the page to load the
/// function afresh.
fn run(
    busy: RwSignal<bool>,
    note: RwSignal<Option<Note>>,
    refresh: RwSignal<u32>,
    done: String,
    call: impl std::future::Future<Output = Result<Value, ApiError>> + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    note.set(None);
    spawn_local(async move {
        let result = call.await;
        busy.set(false);
        match result {
            Ok(_) => {
                note.set(Some(Note::Ok(done)));
                refresh.update(|n| *n += 1);
            }
            Err(e) => note.set(Some(Note::Err(error_text(&e)))),
        }
    });
}

/// UpdateFunctionCode with a module or zip; when a module's entry point is
/// not the function's Handler any more (a command replaced by a reactor),
/// the Handler follows it, so the configuration says what runs.
/// `handler` is `Some("")` for a function whose Handler is not the console's to change.
async fn deploy_code(name: &str, bytes: Vec<u8>, handler: Option<String>) -> Result<Value, ApiError> {
    let kind = CodeKind::of(&bytes);
    let answer = lambda("PUT", &function_path(name, "/code"), Some(json!({ "ZipFile": base64(&bytes), "Publish": false }))).await?;
    let keep = handler.as_deref() == Some("");
    if !keep && matches!(kind, CodeKind::Reactor | CodeKind::Command) && handler.as_deref() != Some(kind.handler()) {
        return lambda("PUT", &function_path(name, "/configuration"), Some(json!({ "Handler": kind.handler() }))).await;
    }
    Ok(answer)
}

/// Every page of a list operation (`Versions`, `Aliases`).
async fn list_all(path: &str, field: &str) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut p = format!("{path}?MaxItems=50");
        if let Some(m) = &marker {
            p.push_str(&format!("&Marker={}", path_segment(m)));
        }
        let page = lambda("GET", &p, None).await?;
        out.extend(page[field].as_array().cloned().unwrap_or_default());
        match page["NextMarker"].as_str() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

pub async fn list_versions(name: &str) -> Result<Vec<Value>, ApiError> {
    list_all(&function_path(name, "/versions"), "Versions").await
}

pub async fn list_aliases(name: &str) -> Result<Vec<Value>, ApiError> {
    list_all(&function_path(name, "/aliases"), "Aliases").await
}

/// `1: 90%, 2: 10%` for an alias with a routing configuration.
fn routing_text(alias: &Value) -> String {
    let main = alias["FunctionVersion"].as_str().unwrap_or("?");
    match alias["RoutingConfig"]["AdditionalVersionWeights"].as_object() {
        Some(weights) if !weights.is_empty() => {
            let extra: f64 = weights.values().filter_map(Value::as_f64).sum();
            let mut parts = vec![format!("{main}: {}%", percent(1.0 - extra))];
            for (v, w) in weights {
                parts.push(format!("{v}: {}%", percent(w.as_f64().unwrap_or(0.0))));
            }
            parts.join(", ")
        }
        _ => format!("{main}: 100%"),
    }
}

fn percent(weight: f64) -> String {
    let p = (weight * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}

#[component]
pub fn ConfigTab(
    name: String,
    /// GetFunction's answer when the tab opened: the forms start from it.
    function: Value,
    /// GetFunction's latest answer, for what changes under the forms (code size).
    latest: Signal<Option<Value>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let fname = StoredValue::new(name);
    let config = &function["Configuration"];

    // General configuration.
    let description = RwSignal::new(config["Description"].as_str().unwrap_or("").to_string());
    let memory = RwSignal::new(config["MemorySize"].as_u64().unwrap_or(128).to_string());
    let timeout = RwSignal::new(config["Timeout"].as_u64().unwrap_or(3).to_string());
    let env = EnvRows::new();
    env.set(config["Environment"]["Variables"].as_object().unwrap_or(&Map::new()));
    let general_busy = RwSignal::new(false);
    let general_note = RwSignal::new(None::<Note>);
    let save_general = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = (|| -> Result<Value, String> {
            Ok(json!({
                "Description": description.get_untracked(),
                "MemorySize": whole_number("Memory", &memory.get_untracked())?,
                "Timeout": whole_number("Timeout", &timeout.get_untracked())?,
                "Environment": { "Variables": env.variables()? },
            }))
        })();
        match body {
            Err(e) => general_note.set(Some(Note::Err(e))),
            Ok(body) => {
                let path = function_path(&fname.get_value(), "/configuration");
                run(general_busy, general_note, refresh, "Saved the configuration.".into(), async move {
                    lambda("PUT", &path, Some(body)).await
                })
            }
        }
    };

    // Code.
    // A language runtime (nodejs22.x) runs a source package: its Handler names
    // a file and export, and WebAssembly text is no use to it.
    let runtime = config["Runtime"].as_str().unwrap_or(super::RUNTIME).to_string();
    let is_wasm = runtime.starts_with("provided");
    let current_handler = move || {
        if !is_wasm {
            // Leaves the Handler alone.
            return Some(String::new());
        }
        latest.get_untracked().and_then(|f| f["Configuration"]["Handler"].as_str().map(str::to_string))
    };
    let code_busy = RwSignal::new(false);
    let code_note = RwSignal::new(None::<Note>);
    let upload_code = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        let name = fname.get_value();
        let handler = current_handler();
        code_busy.set(true);
        code_note.set(None);
        spawn_local(async move {
            let read = crate::host::account::read_file(&file).await;
            code_busy.set(false);
            match read {
                Err(e) => code_note.set(Some(Note::Err(format!("Could not read {}: {e}", file.name())))),
                Ok(bytes) => {
                    let done = format!("Deployed {} ({}, {}).", file.name(), code_size(bytes.len() as u64), CodeKind::of(&bytes).label());
                    run(code_busy, code_note, refresh, done, async move { deploy_code(&name, bytes, handler).await });
                }
            }
        });
    };

    // New code as WebAssembly text.
    let saved_wat = saved_source(&fname.get_value());
    let wat_known = saved_wat.is_some();
    let wat_text = RwSignal::new(saved_wat.unwrap_or_else(|| DEFAULT_WAT.to_string()));
    let wat_error = RwSignal::new(None::<Marker>);
    let deploy_wat = move |_| {
        let text = wat_text.get_untracked();
        match compile(&text) {
            Err(e) => {
                wat_error.set(Some(e));
                code_note.set(Some(Note::Err("Fix the WebAssembly text first: its error is shown under the editor.".into())));
            }
            Ok(bytes) => {
                wat_error.set(None);
                let name = fname.get_value();
                let handler = current_handler();
                let done = format!("Deployed the WebAssembly text ({}, {}).", code_size(bytes.len() as u64), CodeKind::of(&bytes).label());
                run(code_busy, code_note, refresh, done, async move {
                    let r = deploy_code(&name, bytes, handler).await;
                    if r.is_ok() {
                        save_source(&name, &text);
                    }
                    r
                });
            }
        }
    };

    // Reserved concurrency.
    let reserved = function["Concurrency"]["ReservedConcurrentExecutions"].as_u64();
    let concurrency = RwSignal::new(reserved.map(|r| r.to_string()).unwrap_or_default());
    let conc_busy = RwSignal::new(false);
    let conc_note = RwSignal::new(None::<Note>);
    let conc_path = format!("/2017-10-31/functions/{}/concurrency", path_segment(&fname.get_value()));
    let conc_path = StoredValue::new(conc_path);
    let save_concurrency = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match whole_number("Reserved concurrency", &concurrency.get_untracked()) {
            Err(e) => conc_note.set(Some(Note::Err(e))),
            Ok(n) => {
                let path = conc_path.get_value();
                run(conc_busy, conc_note, refresh, format!("Reserved {n} concurrent executions."), async move {
                    lambda("PUT", &path, Some(json!({ "ReservedConcurrentExecutions": n }))).await
                })
            }
        }
    };
    let remove_concurrency = move |_| {
        let path = conc_path.get_value();
        concurrency.set(String::new());
        run(conc_busy, conc_note, refresh, "Removed the reservation: the function uses the account's unreserved concurrency.".into(), async move {
            lambda("DELETE", &path, None).await
        })
    };

    // Versions and aliases.
    let versions = LocalResource::new(move || {
        refresh.track();
        let n = fname.get_value();
        async move { list_versions(&n).await }
    });
    let aliases = LocalResource::new(move || {
        refresh.track();
        let n = fname.get_value();
        async move { list_aliases(&n).await }
    });
    let published = move || -> Vec<String> {
        versions
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v["Version"].as_str().map(str::to_string))
            .filter(|v| v != "$LATEST")
            .collect()
    };
    let version_description = RwSignal::new(String::new());
    let ver_busy = RwSignal::new(false);
    let ver_note = RwSignal::new(None::<Note>);
    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let path = function_path(&fname.get_value(), "/versions");
        let body = json!({ "Description": version_description.get_untracked() });
        if ver_busy.get_untracked() {
            return;
        }
        let known = published();
        ver_busy.set(true);
        ver_note.set(None);
        spawn_local(async move {
            let r = lambda("POST", &path, Some(body)).await;
            ver_busy.set(false);
            match r {
                Ok(v) => {
                    let version = v["Version"].as_str().unwrap_or("?").to_string();
                    version_description.set(String::new());
                    // Lambda publishes nothing new when $LATEST has not changed: it answers the version it has.
                    let text = if known.contains(&version) {
                        format!("Nothing changed since version {version}, so Lambda kept it rather than publish a new one.")
                    } else {
                        format!("Published version {version}.")
                    };
                    ver_note.set(Some(Note::Ok(text)));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => ver_note.set(Some(Note::Err(error_text(&e)))),
            }
        });
    };

    let alias_name = RwSignal::new(String::new());
    let alias_version = RwSignal::new(String::new());
    let alias_second = RwSignal::new(String::new());
    let alias_weight = RwSignal::new("10".to_string());
    let alias_description = RwSignal::new(String::new());
    let alias_busy = RwSignal::new(false);
    let alias_note = RwSignal::new(None::<Note>);
    let create_alias = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = alias_name.get_untracked().trim().to_string();
        if n.is_empty() {
            return alias_note.set(Some(Note::Err("Enter the alias name.".into())));
        }
        let version = alias_version.get_untracked();
        let version = if version.is_empty() { published().last().cloned().unwrap_or_else(|| "$LATEST".into()) } else { version };
        let mut body = json!({ "Name": n, "FunctionVersion": version, "Description": alias_description.get_untracked() });
        let second = alias_second.get_untracked();
        if !second.is_empty() {
            let weight = match alias_weight.get_untracked().trim().parse::<f64>() {
                Ok(w) if (0.0..=100.0).contains(&w) => w / 100.0,
                _ => return alias_note.set(Some(Note::Err("The second version's share must be a percentage from 0 to 100.".into()))),
            };
            let mut weights = Map::new();
            weights.insert(second, json!(weight));
            body["RoutingConfig"] = json!({ "AdditionalVersionWeights": weights });
        }
        let path = function_path(&fname.get_value(), "/aliases");
        run(alias_busy, alias_note, refresh, format!("Created the alias {n}."), async move {
            let r = lambda("POST", &path, Some(body)).await;
            if r.is_ok() {
                alias_name.set(String::new());
                alias_description.set(String::new());
                alias_second.set(String::new());
            }
            r
        })
    };
    let delete_alias = move |alias: String| {
        if !confirm(&format!("Delete the alias {alias}? Callers that invoke it will get ResourceNotFoundException.")) {
            return;
        }
        let path = function_path(&fname.get_value(), &format!("/aliases/{}", path_segment(&alias)));
        run(alias_busy, alias_note, refresh, format!("Deleted the alias {alias}."), async move { lambda("DELETE", &path, None).await })
    };

    let version_options = move || {
        published().into_iter().rev().map(|v| view! { <option value=v.clone()>{format!("Version {v}")}</option> }).collect_view()
    };

    let code_sha = move || latest.get().map(|f| f["Configuration"]["CodeSha256"].as_str().unwrap_or("").to_string());
    let size = move || latest.get().map(|f| code_size(f["Configuration"]["CodeSize"].as_u64().unwrap_or(0)));

    view! {
        <form class="card" aria-label="General configuration" on:submit=save_general novalidate=true>
            <h2>"General configuration"</h2>
            <div class="field-row">
                <label class="field wide">
                    <span>"Description"</span>
                    <input type="text" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                </label>
            </div>
            <div class="field-row">
                <label class="field narrow">
                    <span>"Memory (MB)"</span>
                    <input type="number" min="128" max="10240" prop:value=move || memory.get() on:input=move |ev| memory.set(event_target_value(&ev))/>
                    <small class="muted">"128 to 10240; the module's memory limit"</small>
                </label>
                <label class="field narrow">
                    <span>"Timeout (seconds)"</span>
                    <input type="number" min="1" max="900" prop:value=move || timeout.get() on:input=move |ev| timeout.set(event_target_value(&ev))/>
                    <small class="muted">"1 to 900"</small>
                </label>
            </div>
            <EnvEditor rows=env/>
            {note_view(general_note)}
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || general_busy.get()>"Save configuration"</button>
            </div>
        </form>

        <section class="card" aria-label="Code">
            <h2>"Code"</h2>
            <dl class="facts">
                <div class="fact"><dt>"Code size"</dt><dd data-testid="code-size">{size}</dd></div>
                <div class="fact"><dt>"SHA-256"</dt><dd><code>{code_sha}</code></dd></div>
            </dl>
            <div class="button-row">
                <label class="button file-button">
                    {move || if code_busy.get() { "Deploying…" } else if is_wasm { "Upload new code (.wasm or .zip)…" } else { "Upload new code (.zip)…" }}
                    <input type="file" accept=".wasm,.zip,application/wasm,application/zip" class="visually-hidden"
                        aria-label="New code file (.wasm or .zip)" on:change=upload_code disabled=move || code_busy.get()/>
                </label>
            </div>
            <Show when=move || is_wasm>
            <details class="wat-code" open=wat_known>
                <summary>"Edit as WebAssembly text"</summary>
                <p class="muted">{if wat_known {
                    "The text this function was last deployed from in this browser."
                } else {
                    "Lambda keeps only the module, so this starts from the example: replace it with your text."
                }}</p>
                <WatEditor text=wat_text error=wat_error label="New module source (WAT)"/>
                <div class="button-row">
                    <button type="button" class="button" disabled=move || code_busy.get() on:click=deploy_wat>"Deploy WebAssembly text"</button>
                </div>
            </details>
            </Show>
            {note_view(code_note)}
        </section>

        <form class="card" aria-label="Concurrency" on:submit=save_concurrency novalidate=true>
            <h2>"Concurrency"</h2>
            <p class="muted">"Reserved concurrency is both a guarantee and a ceiling: at most this many invocations run at once; more are throttled (TooManyRequestsException). Zero stops every invocation."</p>
            <div class="field-row">
                <label class="field narrow">
                    <span>"Reserved concurrency"</span>
                    <input type="number" min="0" placeholder="not reserved" prop:value=move || concurrency.get() on:input=move |ev| concurrency.set(event_target_value(&ev))/>
                </label>
            </div>
            {note_view(conc_note)}
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || conc_busy.get()>"Save concurrency"</button>
                <button type="button" class="button" disabled=move || conc_busy.get() on:click=remove_concurrency>"Use unreserved concurrency"</button>
            </div>
        </form>

        <section class="card" aria-label="Versions">
            <h2>"Versions"</h2>
            <p class="muted">"A version is an unchangeable copy of the code and configuration of $LATEST."</p>
            {move || match versions.get() {
                None => view! { <p class="muted" role="status">"Loading versions…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="data-table" aria-label="Versions">
                            <thead><tr>
                                <th scope="col">"Version"</th><th scope="col">"Description"</th><th scope="col" class="num">"Memory"</th>
                                <th scope="col" class="num">"Code size"</th><th scope="col">"Last modified"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|v| view! {
                                    <tr>
                                        <th scope="row">{v["Version"].as_str().unwrap_or("").to_string()}</th>
                                        <td>{v["Description"].as_str().unwrap_or("").to_string()}</td>
                                        <td class="num">{format!("{} MB", v["MemorySize"].as_u64().unwrap_or(0))}</td>
                                        <td class="num">{code_size(v["CodeSize"].as_u64().unwrap_or(0))}</td>
                                        <td>{date_text(v["LastModified"].as_str().unwrap_or(""))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <form class="inline-form" on:submit=publish novalidate=true>
                <div class="field-row">
                    <label class="field">
                        <span>"New version's description"</span>
                        <input type="text" prop:value=move || version_description.get() on:input=move |ev| version_description.set(event_target_value(&ev))/>
                    </label>
                </div>
                {note_view(ver_note)}
                <div class="button-row">
                    <button type="submit" class="button" disabled=move || ver_busy.get()>"Publish new version"</button>
                </div>
            </form>
        </section>

        <section class="card" aria-label="Aliases">
            <h2>"Aliases"</h2>
            <p class="muted">"An alias names a version, and may send a share of its invocations to a second version (weighted routing, for a gradual rollout)."</p>
            {move || match aliases.get() {
                None => view! { <p class="muted" role="status">"Loading aliases…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No aliases."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="data-table" aria-label="Aliases">
                            <thead><tr>
                                <th scope="col">"Alias"</th><th scope="col">"Versions and weights"</th><th scope="col">"Description"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|a| {
                                    let n = a["Name"].as_str().unwrap_or("").to_string();
                                    let label = format!("Delete alias {n}");
                                    view! {
                                        <tr>
                                            <th scope="row">{n.clone()}</th>
                                            <td>{routing_text(&a)}</td>
                                            <td>{a["Description"].as_str().unwrap_or("").to_string()}</td>
                                            <td class="row-actions"><button class="button small" aria-label=label on:click=move |_| delete_alias(n.clone())>"Delete"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any(),
            }}
            <form class="inline-form" on:submit=create_alias novalidate=true>
                <h3>"Create alias"</h3>
                <div class="field-row">
                    <label class="field narrow">
                        <span>"Alias name"</span>
                        <input type="text" spellcheck="false" placeholder="e.g. live" prop:value=move || alias_name.get() on:input=move |ev| alias_name.set(event_target_value(&ev))/>
                    </label>
                    <label class="field narrow">
                        <span>"Version"</span>
                        <select aria-label="Version" prop:value=move || alias_version.get() on:change=move |ev| alias_version.set(event_target_value(&ev))>
                            <option value="">"Newest version"</option>
                            {version_options}
                            <option value="$LATEST">"$LATEST"</option>
                        </select>
                    </label>
                    <label class="field narrow">
                        <span>"Second version (optional)"</span>
                        <select aria-label="Second version (optional)" prop:value=move || alias_second.get() on:change=move |ev| alias_second.set(event_target_value(&ev))>
                            <option value="">"None"</option>
                            {version_options}
                        </select>
                    </label>
                    <Show when=move || !alias_second.get().is_empty()>
                        <label class="field narrow">
                            <span>"Second version's share (%)"</span>
                            <input type="number" min="0" max="100" step="any" prop:value=move || alias_weight.get() on:input=move |ev| alias_weight.set(event_target_value(&ev))/>
                        </label>
                    </Show>
                    <label class="field">
                        <span>"Alias description"</span>
                        <input type="text" prop:value=move || alias_description.get() on:input=move |ev| alias_description.set(event_target_value(&ev))/>
                    </label>
                </div>
                {note_view(alias_note)}
                <div class="button-row">
                    <button type="submit" class="button" disabled=move || alias_busy.get()>"Create alias"</button>
                </div>
            </form>
        </section>
    }
}
