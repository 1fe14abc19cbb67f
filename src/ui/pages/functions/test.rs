//! The "Test" tab: test events saved per function (in the browser's local
//! storage, as the Lambda console keeps private test events), templates of
//! the events AWS services send, and Invoke with the log tail
//! (`X-Amz-Log-Type: Tail`): the response, the function error, the log and
//! the REPORT line's figures, where a cold start shows its Init Duration.

use super::events::TEMPLATES;
use super::{function_path, load_samples, pretty, unbase64};
use crate::ui::api::{rest, ApiError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

const DEFAULT_EVENT: &str = "{\n  \"key1\": \"value1\",\n  \"key2\": \"value2\",\n  \"key3\": \"value3\"\n}";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn events_key(function: &str) -> String {
    format!("stratus.lambda.testEvents.{function}")
}

/// The saved test events of a function: (name, event text), oldest first.
pub fn saved_events(function: &str) -> Vec<(String, String)> {
    storage()
        .and_then(|s| s.get_item(&events_key(function)).ok().flatten())
        .and_then(|t| serde_json::from_str::<Vec<Value>>(&t).ok())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?.to_string(), e["event"].as_str()?.to_string())))
        .collect()
}

fn store_events(function: &str, events: &[(String, String)]) {
    let list: Vec<Value> = events.iter().map(|(n, e)| json!({ "name": n, "event": e })).collect();
    if let Some(s) = storage() {
        let _ = s.set_item(&events_key(function), &Value::Array(list).to_string());
    }
}

/// Saves (or replaces) one test event of a function.
pub fn save_event(function: &str, name: &str, event: &str) {
    let mut events = saved_events(function);
    match events.iter_mut().find(|(n, _)| n == name) {
        Some(e) => e.1 = event.to_string(),
        None => events.push((name.to_string(), event.to_string())),
    }
    store_events(function, &events);
}

/// Forgets a function's saved events (when it is deleted).
pub fn forget_events(function: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&events_key(function));
    }
}

/// The figures of a REPORT log line, as Lambda writes them
/// (`REPORT RequestId: id\tDuration: 1.23 ms\tBilled Duration: 2 ms\t...`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub request_id: String,
    pub duration: String,
    pub billed_duration: String,
    pub memory_size: String,
    pub max_memory_used: String,
    pub init_duration: Option<String>,
}

/// The last REPORT line of a log.
pub fn parse_report(log: &str) -> Option<Report> {
    let line = log.lines().rev().find(|l| l.starts_with("REPORT "))?;
    let mut report = Report::default();
    for part in line["REPORT ".len()..].split('\t') {
        let Some((key, value)) = part.trim().split_once(':') else { continue };
        let value = value.trim().to_string();
        match key.trim() {
            "RequestId" => report.request_id = value,
            "Duration" => report.duration = value,
            "Billed Duration" => report.billed_duration = value,
            "Memory Size" => report.memory_size = value,
            "Max Memory Used" => report.max_memory_used = value,
            "Init Duration" => report.init_duration = Some(value),
            _ => {}
        }
    }
    Some(report)
}

/// What one Invoke answered.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    invocation_type: String,
    status: u16,
    /// `X-Amz-Function-Error` (`Unhandled`), when the function failed.
    function_error: Option<String>,
    executed_version: Option<String>,
    payload: String,
    log: Option<String>,
    /// A refusal of the request itself (no such function, throttled, ...).
    error: Option<ApiError>,
}

#[component]
pub fn TestTab(name: String, qualifiers: Signal<Vec<String>>) -> impl IntoView {
    let function = StoredValue::new(name);
    let events = RwSignal::new(saved_events(&function.get_value()));
    let first = events.get_untracked().into_iter().next();
    let selected = RwSignal::new(first.as_ref().map(|e| e.0.clone()).unwrap_or_default());
    let event_name = RwSignal::new(first.as_ref().map(|e| e.0.clone()).unwrap_or_else(|| "my-event".into()));
    let text = RwSignal::new(first.map(|e| e.1).unwrap_or_else(|| DEFAULT_EVENT.to_string()));
    let invocation_type = RwSignal::new("RequestResponse");
    let qualifier = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let note = RwSignal::new(None::<super::Note>);
    let busy = RwSignal::new(false);
    let samples = LocalResource::new(load_samples);

    let check_json = move || -> Result<(), String> {
        serde_json::from_str::<Value>(&text.get_untracked())
            .map(|_| ())
            .map_err(|e| format!("The event is not valid JSON (line {}, column {}).", e.line(), e.column()))
    };

    let invoke = move || {
        if busy.get_untracked() {
            return;
        }
        if let Err(e) = check_json() {
            note.set(Some(super::Note::Err(e)));
            return;
        }
        note.set(None);
        busy.set(true);
        let kind = invocation_type.get_untracked();
        let q = qualifier.get_untracked();
        let mut path = format!("/_aws/lambda{}", function_path(&function.get_value(), "/invocations"));
        if !q.is_empty() {
            path.push_str(&format!("?Qualifier={}", crate::ui::api::path_segment(&q)));
        }
        let body = text.get_untracked().into_bytes();
        spawn_local(async move {
            let headers = [("X-Amz-Invocation-Type", kind), ("X-Amz-Log-Type", "Tail"), ("Content-Type", "application/json")];
            let r = rest("POST", &path, &headers, Some(body)).await;
            let log = r.header("X-Amz-Log-Result").and_then(unbase64).map(|b| String::from_utf8_lossy(&b).into_owned());
            outcome.set(Some(Outcome {
                invocation_type: kind.to_string(),
                status: r.status,
                function_error: r.header("X-Amz-Function-Error").map(str::to_string),
                executed_version: r.header("X-Amz-Executed-Version").map(str::to_string),
                payload: r.text(),
                log,
                error: r.error(),
            }));
            busy.set(false);
        });
    };

    let choose_saved = move |n: String| {
        if let Some((_, e)) = events.get_untracked().into_iter().find(|(x, _)| *x == n) {
            event_name.set(n.clone());
            text.set(e);
        }
        selected.set(n);
        note.set(None);
    };
    let save = move |_| {
        let n = event_name.get_untracked().trim().to_string();
        if n.is_empty() {
            return note.set(Some(super::Note::Err("Enter a name for the event.".into())));
        }
        if let Err(e) = check_json() {
            return note.set(Some(super::Note::Err(e)));
        }
        save_event(&function.get_value(), &n, &text.get_untracked());
        events.set(saved_events(&function.get_value()));
        selected.set(n.clone());
        note.set(Some(super::Note::Ok(format!("Saved the event {n} (kept in this browser)."))));
    };
    let delete = move |_| {
        let n = selected.get_untracked();
        if n.is_empty() {
            return;
        }
        let mut list = events.get_untracked();
        list.retain(|(x, _)| *x != n);
        store_events(&function.get_value(), &list);
        events.set(list);
        selected.set(String::new());
        note.set(Some(super::Note::Ok(format!("Deleted the event {n}."))));
    };
    let apply_template = move |value: String| {
        if let Some((label, body)) = TEMPLATES.iter().find(|(l, _)| *l == value) {
            text.set(body.to_string());
            event_name.set(label.split(" (").next().unwrap_or(label).to_lowercase().replace(' ', "-"));
        } else if value == "hello-world" {
            text.set(DEFAULT_EVENT.to_string());
            event_name.set("hello-world".into());
        } else if let Some(sample) = value.strip_prefix("sample:") {
            if let Some(s) = samples.get().and_then(Result::ok).and_then(|l| l.into_iter().find(|s| s.name == sample)) {
                text.set(serde_json::to_string_pretty(&s.test_event).unwrap_or_default());
                event_name.set(format!("{} sample", s.name));
            }
        }
        selected.set(String::new());
        note.set(None);
    };

    let type_radio = move |value: &'static str, label: &'static str| {
        view! {
            <label class="radio">
                <input type="radio" name="invocation-type" value=value prop:checked=move || invocation_type.get() == value on:change=move |_| invocation_type.set(value)/>
                {label}
            </label>
        }
    };

    view! {
        <section class="card test-card" aria-label="Test event">
            <h2>"Test event"</h2>
            <div class="field-row">
                // Selects carry their own aria-label: a wrapping label's name would take in the options' text.
                <label class="field">
                    <span>"Saved event"</span>
                    <select aria-label="Saved event" prop:value=move || selected.get() on:change=move |ev| choose_saved(event_target_value(&ev))>
                        <option value="">{move || if events.with(Vec::is_empty) { "No saved events" } else { "New event (not saved)" }}</option>
                        {move || events.get().into_iter().map(|(n, _)| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Template"</span>
                    <select aria-label="Template" prop:value="" on:change=move |ev| {
                        apply_template(event_target_value(&ev));
                        // Back to the prompt, so the same template can be picked again.
                        if let Some(target) = ev.target() {
                            let _ = js_sys::Reflect::set(&target, &"value".into(), &"".into());
                        }
                    }>
                        <option value="">"Start from a template…"</option>
                        <option value="hello-world">"Hello world"</option>
                        {TEMPLATES.iter().map(|(l, _)| view! { <option value=*l>{*l}</option> }).collect_view()}
                        {move || samples.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|s| {
                            view! { <option value=format!("sample:{}", s.name)>{format!("Sample: {}", s.name)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Event name"</span>
                    <input type="text" spellcheck="false" prop:value=move || event_name.get() on:input=move |ev| event_name.set(event_target_value(&ev))/>
                </label>
            </div>
            <label class="field wide">
                <span>"Event JSON"</span>
                <textarea
                    rows="12"
                    spellcheck="false"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                            ev.prevent_default();
                            invoke();
                        }
                    }
                ></textarea>
            </label>
            <p class="muted hint">"Ctrl+Enter invokes. Saved events are kept in this browser, per function."</p>
            <div class="field-row invoke-options">
                <fieldset class="radio-group">
                    <legend>"Invocation type"</legend>
                    {type_radio("RequestResponse", "RequestResponse (wait for the answer)")}
                    {type_radio("Event", "Event (asynchronous)")}
                    {type_radio("DryRun", "DryRun (check only)")}
                </fieldset>
                <label class="field narrow">
                    <span>"Version or alias"</span>
                    <select aria-label="Version or alias" prop:value=move || qualifier.get() on:change=move |ev| qualifier.set(event_target_value(&ev))>
                        <option value="">"$LATEST"</option>
                        {move || qualifiers.get().into_iter().map(|q| view! { <option value=q.clone()>{q.clone()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            {super::note_view(note)}
            <div class="button-row">
                <button class="button primary" disabled=move || busy.get() on:click=move |_| invoke()>
                    {move || if busy.get() { "Invoking…" } else { "Invoke" }}
                </button>
                <button class="button" on:click=save>"Save event"</button>
                <button class="button" disabled=move || selected.with(String::is_empty) on:click=delete>"Delete saved event"</button>
                <button class="button" on:click=move |_| text.set(pretty(&text.get_untracked()))>"Format JSON"</button>
            </div>
        </section>
        {move || outcome.get().map(outcome_view)}
    }
}

fn outcome_view(o: Outcome) -> impl IntoView {
    if let Some(e) = &o.error {
        if o.function_error.is_none() {
            return view! {
                <section class="card error-panel invoke-result" aria-label="Execution result" role="alert">
                    <h2>"Execution failed"</h2>
                    <p>{format!("HTTP {}: {}", o.status, super::error_text(e))}</p>
                </section>
            }
            .into_any();
        }
    }
    let report = o.log.as_deref().and_then(parse_report);
    let (title, class) = match (&o.function_error, o.invocation_type.as_str()) {
        (Some(kind), _) => (format!("Execution result: failed ({kind})"), "card invoke-result failed"),
        (None, "Event") => ("Queued for asynchronous invocation".to_string(), "card invoke-result"),
        (None, "DryRun") => ("Dry run: the invocation would be accepted".to_string(), "card invoke-result"),
        (None, _) => ("Execution result: succeeded".to_string(), "card invoke-result succeeded"),
    };
    let status_text = match o.status {
        200 => "200 OK".to_string(),
        202 => "202 Accepted".to_string(),
        204 => "204 No Content".to_string(),
        s => s.to_string(),
    };
    let response = (o.invocation_type == "RequestResponse").then(|| pretty(&o.payload));
    let cold = report.as_ref().map(|r| r.init_duration.is_some());
    view! {
        <section class=class aria-label="Execution result">
            <div class="card-header">
                <h2 data-testid="invoke-status">{title}</h2>
                <span class="spacer"></span>
                {cold.map(|c| view! {
                    <span class=if c { "pill start-cold" } else { "pill pill-ok" } data-testid="start-kind">{if c { "Cold start" } else { "Warm start" }}</span>
                })}
            </div>
            <dl class="facts">
                <div class="fact"><dt>"Status code"</dt><dd>{status_text}</dd></div>
                {o.executed_version.clone().map(|v| view! { <div class="fact"><dt>"Executed version"</dt><dd data-testid="executed-version">{v}</dd></div> })}
                {o.function_error.clone().map(|v| view! { <div class="fact"><dt>"Function error"</dt><dd data-testid="function-error">{v}</dd></div> })}
                {report.clone().map(|r| view! {
                    <div class="fact"><dt>"Request ID"</dt><dd><code>{r.request_id}</code></dd></div>
                    <div class="fact"><dt>"Duration"</dt><dd data-testid="report-duration">{r.duration}</dd></div>
                    <div class="fact"><dt>"Billed duration"</dt><dd data-testid="report-billed">{r.billed_duration}</dd></div>
                    <div class="fact"><dt>"Memory size"</dt><dd data-testid="report-memory">{r.memory_size}</dd></div>
                    <div class="fact"><dt>"Max memory used"</dt><dd data-testid="report-max-memory">{r.max_memory_used}</dd></div>
                    {r.init_duration.map(|d| view! { <div class="fact"><dt>"Init duration"</dt><dd data-testid="report-init">{d}</dd></div> })}
                })}
            </dl>
            {response.map(|text| view! {
                <h3>"Response"</h3>
                <pre class="code response" data-testid="invoke-response">{text}</pre>
            })}
            {match o.log {
                Some(log) => view! {
                    <h3>"Log output"</h3>
                    <p class="muted hint">"The end of the invocation's log (X-Amz-Log-Result, its last 4 KB). The Logs tab has every line."</p>
                    <pre class="code log" data-testid="invoke-log">{log}</pre>
                }
                .into_any(),
                None if o.invocation_type == "RequestResponse" => view! { <p class="muted">"No log tail came back."</p> }.into_any(),
                None => view! { <p class="muted">{if o.invocation_type == "Event" { "The function runs in the background; its log will be in the Logs tab." } else { "Nothing ran: a dry run only checks the request." }}</p> }.into_any(),
            }}
        </section>
    }
    .into_any()
}
