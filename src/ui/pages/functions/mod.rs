//! Functions (Lambda): the list of functions, the create form (from a
//! sample, an uploaded module, JavaScript files or WebAssembly text), and a
//! function's page with its Code (JavaScript functions), Test,
//! Configuration, Logs and Monitor tabs. Everything goes
//! through the Lambda REST API (`crate::ui::api::lambda`), CloudWatch Logs
//! and CloudWatch metrics, with the requests an AWS SDK would send.

mod code;
mod config;
mod create;
mod events;
mod function;
mod list;
mod logs;
mod monitor;
mod source;
mod test;
mod wat;

pub use create::CreateFunction;
pub use function::FunctionPage;
pub use list::FunctionsList;

use crate::ui::api::{lambda, path_segment, ApiError};
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

/// The runtime every Stratus function is created with: AWS's OS-only
/// runtime, whose "bootstrap" here is the WebAssembly module itself.
pub const RUNTIME: &str = "provided.al2023";

/// The JavaScript runtimes Stratus runs (QuickJS, Node.js-shaped), newest first.
pub const NODEJS_RUNTIMES: [&str; 2] = ["nodejs22.x", "nodejs20.x"];

/// Whether a function's Runtime runs JavaScript source.
pub fn is_nodejs(runtime: &str) -> bool {
    runtime.starts_with("nodejs")
}

/// `/2015-03-31/functions/<name>` plus `rest` (`/configuration`, ...).
pub fn function_path(name: &str, rest: &str) -> String {
    format!("/2015-03-31/functions/{}{rest}", path_segment(name))
}

/// GetFunction: `{Configuration, Code, Concurrency, Tags}`.
pub async fn get_function(name: &str) -> Result<Value, ApiError> {
    lambda("GET", &function_path(name, ""), None).await
}

/// An engine refusal as Lambda words it: `Type: Message`.
pub fn error_text(e: &ApiError) -> String {
    if e.message.is_empty() {
        e.kind.clone()
    } else {
        format!("{}: {}", e.kind, e.message)
    }
}

pub fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Lambda's `LastModified` (`2024-11-24T21:33:00.123+0000`) in the reader's
/// locale, or the text as it came if it does not parse.
pub fn date_text(last_modified: &str) -> String {
    if last_modified.is_empty() {
        return "—".into();
    }
    // ISO 8601 wants a colon in the offset; Lambda's format has none.
    let mut iso = last_modified.to_string();
    if iso.len() > 5 && (iso.ends_with("+0000") || iso.ends_with("-0000")) {
        iso.insert(iso.len() - 2, ':');
    }
    let ms = js_sys::Date::parse(&iso);
    if ms.is_nan() {
        return last_modified.to_string();
    }
    epoch_ms_text(ms)
}

/// Epoch milliseconds as a local date and time.
pub fn epoch_ms_text(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    d.to_locale_string("en-GB", &JsValue::UNDEFINED).as_string().unwrap_or_default()
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unbase64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

/// What a code package holds, as far as the console can tell before
/// deploying it (the engine checks it fully).
#[derive(Clone, Debug, PartialEq)]
pub enum CodeKind {
    /// A module exporting `stratus_handle`: its instance stays warm.
    Reactor,
    /// A WASI command (`_start`): a fresh instance per invocation.
    Command,
    /// A zip archive (the engine finds the module in it).
    Zip,
    /// A module with neither entry point, or not a module at all.
    Unknown(String),
}

impl CodeKind {
    pub fn of(bytes: &[u8]) -> CodeKind {
        if bytes.starts_with(b"PK\x03\x04") {
            return CodeKind::Zip;
        }
        if !bytes.starts_with(b"\0asm") {
            return CodeKind::Unknown("not a WebAssembly module (it does not start with \\0asm) nor a zip archive".into());
        }
        let mut exports = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload {
                Ok(wasmparser::Payload::ExportSection(reader)) => {
                    for export in reader.into_iter().flatten() {
                        exports.push(export.name.to_string());
                    }
                }
                Ok(_) => {}
                Err(e) => return CodeKind::Unknown(format!("the module does not parse: {e}")),
            }
        }
        if exports.iter().any(|e| e == "stratus_handle") {
            CodeKind::Reactor
        } else if exports.iter().any(|e| e == "_start") {
            CodeKind::Command
        } else {
            CodeKind::Unknown("the module exports neither stratus_handle (a reactor) nor _start (a WASI command)".into())
        }
    }

    /// The `Handler` to create the function with: the entry point's name.
    pub fn handler(&self) -> &'static str {
        match self {
            CodeKind::Reactor => "stratus_handle",
            CodeKind::Command => "_start",
            _ => "bootstrap",
        }
    }

    pub fn label(&self) -> String {
        match self {
            CodeKind::Reactor => "a reactor module (stays warm between invocations)".into(),
            CodeKind::Command => "a WASI command (a fresh instance per invocation)".into(),
            CodeKind::Zip => "a zip archive".into(),
            CodeKind::Unknown(why) => why.clone(),
        }
    }
}

/// A sample function, as `runtimes/samples.json` describes it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample {
    pub name: String,
    pub file: String,
    pub form: String,
    pub description: String,
    pub handler: String,
    pub memory_size: u64,
    pub timeout: u64,
    #[serde(default)]
    pub environment: Map<String, Value>,
    #[serde(default)]
    pub tables: Vec<SampleTable>,
    #[serde(default)]
    pub test_event: Value,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleTable {
    pub name: String,
    pub partition_key: SampleKey,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SampleKey {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Deserialize)]
struct SampleManifest {
    samples: Vec<Sample>,
}

/// Where the app ships the sample modules (index.html copies
/// `runtimes/dist/` there), relative to the app's base URL.
pub const SAMPLES_DIR: &str = "runtimes/";

/// Fetches a file the app ships, relative to its base URL.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let js = |e: JsValue| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"));
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url)).await.map_err(js)?;
    let get = |name: &str| js_sys::Reflect::get(&response, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if get("ok").as_bool() != Some(true) {
        return Err(format!("{url}: HTTP {}", get("status").as_f64().unwrap_or(0.0)));
    }
    let array_buffer: js_sys::Function = get("arrayBuffer").dyn_into().map_err(js)?;
    let promise: js_sys::Promise = array_buffer.call0(&response).map_err(js)?.dyn_into().map_err(js)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(js)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The samples the app ships (`runtimes/samples.json`).
pub async fn load_samples() -> Result<Vec<Sample>, String> {
    let bytes = fetch_bytes(&format!("{SAMPLES_DIR}samples.json")).await?;
    let manifest: SampleManifest = serde_json::from_slice(&bytes).map_err(|e| format!("samples.json: {e}"))?;
    Ok(manifest.samples)
}

/// One environment variable being edited.
#[derive(Clone, Copy)]
pub struct EnvRow {
    id: usize,
    pub key: RwSignal<String>,
    pub value: RwSignal<String>,
}

/// The rows of an environment-variables editor.
#[derive(Clone, Copy)]
pub struct EnvRows {
    rows: RwSignal<Vec<EnvRow>>,
    next: StoredValue<usize>,
}

impl EnvRows {
    pub fn new() -> Self {
        EnvRows { rows: RwSignal::new(Vec::new()), next: StoredValue::new(0) }
    }

    pub fn push(&self, key: &str, value: &str) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        let row = EnvRow { id, key: RwSignal::new(key.to_string()), value: RwSignal::new(value.to_string()) };
        self.rows.update(|r| r.push(row));
    }

    /// Replaces the rows with `vars` (an `Environment.Variables` map).
    pub fn set(&self, vars: &Map<String, Value>) {
        self.rows.set(Vec::new());
        for (k, v) in vars {
            self.push(k, v.as_str().unwrap_or(&v.to_string()));
        }
    }

    /// The variables as `Environment.Variables`; rows with neither key nor
    /// value are skipped; a value without a key is refused.
    pub fn variables(&self) -> Result<Map<String, Value>, String> {
        let mut vars = Map::new();
        for (i, row) in self.rows.get_untracked().iter().enumerate() {
            let key = row.key.get_untracked().trim().to_string();
            let value = row.value.get_untracked();
            if key.is_empty() {
                if value.is_empty() {
                    continue;
                }
                return Err(format!("Environment variable {}: enter its key.", i + 1));
            }
            if vars.contains_key(&key) {
                return Err(format!("Environment variable {key} is set twice."));
            }
            vars.insert(key, Value::String(value));
        }
        Ok(vars)
    }
}

/// Key/value rows with add and remove buttons.
#[component]
pub fn EnvEditor(rows: EnvRows) -> impl IntoView {
    let list = rows.rows;
    view! {
        <fieldset class="env-editor">
            <legend>"Environment variables"</legend>
            {move || list.with(|l| l.is_empty()).then(|| view! { <p class="muted">"No environment variables."</p> })}
            <For each=move || list.get() key=|r| r.id let:row>
                {
                    let number = move || list.with(|l| l.iter().position(|x| x.id == row.id).map(|p| p + 1).unwrap_or(0));
                    view! {
                        <div class="env-row">
                            <label class="field">
                                <span>{move || format!("Key {}", number())}</span>
                                <input type="text" spellcheck="false" placeholder="e.g. TABLE_NAME"
                                    prop:value=move || row.key.get() on:input=move |ev| row.key.set(event_target_value(&ev))/>
                            </label>
                            <label class="field">
                                <span>{move || format!("Value {}", number())}</span>
                                <input type="text" spellcheck="false"
                                    prop:value=move || row.value.get() on:input=move |ev| row.value.set(event_target_value(&ev))/>
                            </label>
                            <button type="button" class="button small" on:click=move |_| list.update(|l| l.retain(|x| x.id != row.id))
                                aria-label=move || format!("Remove variable {}", number())>"Remove"</button>
                        </div>
                    }
                }
            </For>
            <button type="button" class="button small" on:click=move |_| rows.push("", "")>"Add variable"</button>
        </fieldset>
    }
}

/// A whole number from a form field, or what is wrong with it.
pub fn whole_number(label: &str, text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("{label} must be a whole number."))
}

/// Bytes for people, in KB/MB as the Lambda console shows code size.
pub fn code_size(bytes: u64) -> String {
    crate::ui::widgets::human_bytes(bytes as f64)
}

/// A message under a form: a success or an error (in Lambda's words).
#[derive(Clone, PartialEq)]
pub enum Note {
    Ok(String),
    Err(String),
}

pub fn note_view(note: RwSignal<Option<Note>>) -> impl IntoView {
    move || {
        note.get().map(|n| match n {
            Note::Ok(t) => view! { <p class="ok-text" role="status">{t}</p> }.into_any(),
            Note::Err(t) => view! { <p class="error-text" role="alert">{t}</p> }.into_any(),
        })
    }
}

/// Pretty JSON of a payload, with its keys in the order the function wrote
/// them and its numbers as written (a `serde_json::Value` would sort the
/// keys), or the text as it came if it is not JSON.
pub fn pretty(text: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return text.to_string();
    }
    fn newline(out: &mut String, indent: usize) {
        out.push('\n');
        out.push_str(&"  ".repeat(indent));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let (mut indent, mut in_string, mut escaped) = (0usize, false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                let next = chars[i..].iter().position(|c| !c.is_whitespace()).map(|p| i + p);
                if next.is_some_and(|j| chars[j] == close) {
                    // An empty object or array stays on one line.
                    out.push(c);
                    out.push(close);
                    i = next.unwrap() + 1;
                } else {
                    indent += 1;
                    out.push(c);
                    newline(&mut out, indent);
                }
            }
            '}' | ']' => {
                indent = indent.saturating_sub(1);
                newline(&mut out, indent);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, indent);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}
