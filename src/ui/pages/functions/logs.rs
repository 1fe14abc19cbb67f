//! The "Logs" tab: the function's log group `/aws/lambda/<name>` in
//! CloudWatch Logs: its streams (DescribeLogStreams, most recent first) and
//! their events (FilterLogEvents, with a filter pattern), newest first.

use super::{epoch_ms_text, error_text};
use crate::ui::api::{logs, ApiError};
use leptos::prelude::*;
use serde_json::{json, Value};
use std::time::Duration;

/// At most this many events are read (FilterLogEvents pages of up to 10,000).
const MAX_EVENTS: usize = 10_000;

/// What the log group holds, or that it does not exist yet.
#[derive(Clone, Debug, PartialEq)]
enum Loaded<T> {
    Found(T),
    NoGroup,
}

async fn load_streams(group: String) -> Result<Loaded<Vec<Value>>, ApiError> {
    let body = json!({ "logGroupName": group, "orderBy": "LastEventTime", "descending": true, "limit": 50 });
    match logs("DescribeLogStreams", body).await {
        Ok(v) => Ok(Loaded::Found(v["logStreams"].as_array().cloned().unwrap_or_default())),
        Err(e) if e.kind == "ResourceNotFoundException" => Ok(Loaded::NoGroup),
        Err(e) => Err(e),
    }
}

/// Every matching event (up to MAX_EVENTS, keeping the newest), newest
/// first, and whether some were left out.
async fn load_events(group: String, stream: String, pattern: String) -> Result<Loaded<(Vec<Value>, bool)>, ApiError> {
    let mut events: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    let mut truncated = false;
    loop {
        let mut body = json!({ "logGroupName": group, "limit": 10000 });
        if !stream.is_empty() {
            body["logStreamNames"] = json!([stream]);
        }
        if !pattern.trim().is_empty() {
            body["filterPattern"] = json!(pattern);
        }
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let page = match logs("FilterLogEvents", body).await {
            Ok(p) => p,
            Err(e) if e.kind == "ResourceNotFoundException" => return Ok(Loaded::NoGroup),
            Err(e) => return Err(e),
        };
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        if events.len() > MAX_EVENTS {
            // Pages come oldest first: keep the newest.
            let drop = events.len() - MAX_EVENTS;
            events.drain(..drop);
            truncated = true;
        }
        match page["nextToken"].as_str() {
            Some(t) if !t.is_empty() && Some(t) != token.as_deref() => token = Some(t.to_string()),
            _ => break,
        }
    }
    // Newest first; events of one instant keep their order reversed too.
    events.reverse();
    events.sort_by(|a, b| b["timestamp"].as_f64().unwrap_or(0.0).total_cmp(&a["timestamp"].as_f64().unwrap_or(0.0)));
    Ok(Loaded::Found((events, truncated)))
}

/// The class of a log line: Lambda's own lines are quieter.
fn line_class(message: &str) -> &'static str {
    if message.starts_with("START ") || message.starts_with("END ") {
        "log-message platform"
    } else if message.starts_with("REPORT ") {
        "log-message platform report"
    } else if message.contains("Task timed out") || message.contains("ERROR") || message.contains("\"errorType\"") {
        "log-message error"
    } else {
        "log-message"
    }
}

#[component]
pub fn LogsTab(name: String) -> impl IntoView {
    let group = format!("/aws/lambda/{name}");
    let group_name = StoredValue::new(group.clone());
    let reload = RwSignal::new(0u32);
    let stream = RwSignal::new(String::new());
    let pattern = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let auto = RwSignal::new(false);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if auto.get_untracked() {
                reload.update(|n| *n += 1)
            }
        },
        Duration::from_millis(3000),
    ) {
        on_cleanup(move || handle.clear());
    }
    let streams = LocalResource::new(move || {
        reload.track();
        load_streams(group_name.get_value())
    });
    let events = LocalResource::new(move || {
        reload.track();
        load_events(group_name.get_value(), stream.get(), applied.get())
    });

    let stream_options = move || match streams.get() {
        Some(Ok(Loaded::Found(list))) => list
            .into_iter()
            .map(|s| {
                let n = s["logStreamName"].as_str().unwrap_or("").to_string();
                let when = s["lastEventTimestamp"].as_f64().map(epoch_ms_text).unwrap_or_default();
                view! { <option value=n.clone()>{format!("{n} (last event {when})")}</option> }
            })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    };
    let stream_count = move || match streams.get() {
        Some(Ok(Loaded::Found(list))) => Some(list.len()),
        _ => None,
    };

    let table = move || match events.get() {
        None => view! { <p class="muted" role="status">"Loading log events…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
        Some(Ok(Loaded::NoGroup)) => view! {
            <div class="empty-state">
                <h3>"No logs yet"</h3>
                <p class="muted">{format!("The log group {} appears when the function runs: invoke it from the Test tab. Logs live in this tab's memory, as metrics do, so loading the page again starts them afresh.", group_name.get_value())}</p>
            </div>
        }
        .into_any(),
        Some(Ok(Loaded::Found((list, _)))) if list.is_empty() => {
            let text = if applied.with(|p| p.trim().is_empty()) { "No log events.".to_string() } else { format!("No event matches the filter pattern {}.", applied.get()) };
            view! { <p class="muted" role="status">{text}</p> }.into_any()
        }
        Some(Ok(Loaded::Found((list, truncated)))) => {
            let count = list.len();
            view! {
                <p class="muted table-count" role="status">
                    {format!("{count} event{}, newest first{}", if count == 1 { "" } else { "s" }, if truncated { " (the newest 10,000)" } else { "" })}
                </p>
                <div class="table-scroll">
                    <table class="data-table log-table" aria-label="Log events">
                        <thead><tr><th scope="col">"Time"</th><th scope="col">"Stream"</th><th scope="col">"Message"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|e| {
                                let message = e["message"].as_str().unwrap_or("").trim_end().to_string();
                                let stream_name = e["logStreamName"].as_str().unwrap_or("").to_string();
                                // `2026/11/24/[$LATEST]0a1b2c…`: the version and the start of the environment's id.
                                let short = match stream_name.split_once('[').and_then(|(_, rest)| rest.split_once(']')) {
                                    Some((version, id)) => format!("[{version}] {}", id.chars().take(8).collect::<String>()),
                                    None => stream_name.chars().take(12).collect(),
                                };
                                view! {
                                    <tr>
                                        <td class="log-time">{epoch_ms_text(e["timestamp"].as_f64().unwrap_or(0.0))}</td>
                                        <td class="log-stream" title=stream_name.clone()><code>{short}"…"</code></td>
                                        <td><span class=line_class(&message)>{message.clone()}</span></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };

    view! {
        <section class="card" aria-label="Log events">
            <div class="card-header">
                <h2>"Log events"</h2>
                <code class="muted">{group}</code>
                <span class="spacer"></span>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || auto.get() on:change=move |ev| auto.set(event_target_checked(&ev))/>
                    "Refresh every 3 s"
                </label>
                <button class="button" on:click=move |_| reload.update(|n| *n += 1)>"Refresh"</button>
            </div>
            <form class="field-row log-filters" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                applied.set(pattern.get_untracked());
                reload.update(|n| *n += 1);
            }>
                <label class="field">
                    <span>"Log stream"</span>
                    <select aria-label="Log stream" prop:value=move || stream.get() on:change=move |ev| stream.set(event_target_value(&ev))>
                        <option value="">{move || match stream_count() {
                            Some(n) => format!("All streams ({n})"),
                            None => "All streams".to_string(),
                        }}</option>
                        {stream_options}
                    </select>
                </label>
                <label class="field">
                    <span>"Filter pattern"</span>
                    <input type="search" spellcheck="false" placeholder="e.g. REPORT, \"Init Duration\", ?ERROR ?timed"
                        prop:value=move || pattern.get() on:input=move |ev| pattern.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button primary filter-button">"Search"</button>
            </form>
            <p class="muted hint">"CloudWatch Logs filter pattern syntax: terms that must all appear, \"quoted phrases\", ?term for any of several, -term to exclude."</p>
            {table}
        </section>
    }
}
