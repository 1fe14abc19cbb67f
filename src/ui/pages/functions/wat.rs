//! The WebAssembly text editor: a text area with line numbers, compiled in
//! the browser with the `wat` crate; a compile error is shown under it with
//! its line and column, the line is marked in the gutter, and a button puts
//! the cursor on it.

use leptos::html;
use leptos::prelude::*;

/// What the editor starts with: a reactor (docs/function-abi.md) that logs
/// a line and answers with the event it was given.
pub const DEFAULT_WAT: &str = r#";; A reactor function (see docs/function-abi.md): the host asks
;; stratus_alloc for room for the event, copies it there, then calls
;; stratus_handle. This one logs a line and answers with its event.
(module
  (import "stratus" "response" (func $response (param i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello from WebAssembly text!\n")
  (global $heap (mut i32) (i32.const 1024))

  ;; Room for $len bytes after the data, growing the memory if needed.
  (func (export "stratus_alloc") (param $len i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (local.get $ptr) (local.get $len)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $len) (i32.const 16)) (i32.const 1)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (local.get $ptr))

  (func (export "stratus_handle") (param $ptr i32) (param $len i32) (result i32)
    ;; One iovec at 0 (the greeting at 16, 29 bytes) written to stderr: the log.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 29))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; The response is the event itself.
    (call $response (local.get $ptr) (local.get $len))
    ;; The next event reuses the same room.
    (global.set $heap (i32.const 1024))
    (i32.const 0)))
"#;

/// A compile error: the message, where it is (1-based), and the wat crate's
/// rendering of the line with a caret under the column.
#[derive(Clone, Debug, PartialEq)]
pub struct WatError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub snippet: String,
}

impl WatError {
    /// "Line 3, column 15: expected an i32" or just the message.
    pub fn summary(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("Line {l}, column {c}: {}", self.message),
            (Some(l), None) => format!("Line {l}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// Compiles WebAssembly text to a binary module.
pub fn compile(text: &str) -> Result<Vec<u8>, WatError> {
    wat::parse_str(text).map_err(|e| parse_error(&e.to_string()))
}

/// Reads the wat crate's error text: `message\n     --> <anon>:L:C\n ...`
/// (or `message at <anon>:L:C` for very long lines).
fn parse_error(text: &str) -> WatError {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").to_string();
    let position = |s: &str| -> Option<(usize, usize)> {
        let at = s.rfind("<anon>:")?;
        let mut parts = s[at + 7..].split(':');
        let line = parts.next()?.trim().parse().ok()?;
        let column = parts.next()?.trim().parse().ok()?;
        Some((line, column))
    };
    if let Some(arrow) = text.lines().find(|l| l.trim_start().starts_with("--> ")) {
        if let Some((line, column)) = position(arrow) {
            let snippet: Vec<&str> = text.lines().skip_while(|l| !l.trim_start().starts_with("--> ")).skip(1).collect();
            return WatError { message: first, line: Some(line), column: Some(column), snippet: snippet.join("\n") };
        }
    }
    if let Some((line, column)) = position(&first) {
        let message = first[..first.rfind(" at <anon>:").unwrap_or(first.len())].to_string();
        return WatError { message, line: Some(line), column: Some(column), snippet: String::new() };
    }
    WatError { message: text.to_string(), line: None, column: None, snippet: String::new() }
}

/// The offsets (UTF-16 code units, as a text area counts) where 1-based
/// `line` starts and ends.
fn line_range(text: &str, line: usize) -> (u32, u32) {
    let mut start = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        let len = l.encode_utf16().count() as u32;
        if i + 1 == line {
            return (start, start + len);
        }
        start += len + 1;
    }
    (start, start)
}

/// The editor. `error` is shown under it; once there is one, each change
/// compiles again so the message follows the text (and goes when fixed).
#[component]
pub fn WatEditor(text: RwSignal<String>, error: RwSignal<Option<WatError>>, #[prop(into)] label: String) -> impl IntoView {
    let area = NodeRef::<html::Textarea>::new();
    let gutter = NodeRef::<html::Pre>::new();
    let numbers = move || {
        let count = text.with(|t| t.split('\n').count());
        let bad = error.with(|e| e.as_ref().and_then(|e| e.line));
        (1..=count)
            .map(|n| {
                let class = if Some(n) == bad { "gutter-line error-line" } else { "gutter-line" };
                view! { <span class=class>{n}"\n"</span> }
            })
            .collect_view()
    };
    let sync_scroll = move || {
        if let (Some(a), Some(g)) = (area.get(), gutter.get()) {
            g.set_scroll_top(a.scroll_top());
        }
    };
    let go_to_line = move |line: usize| {
        if let Some(a) = area.get() {
            let (start, end) = line_range(&text.get_untracked(), line);
            let _ = a.focus();
            let _ = a.set_selection_range(start, end);
            // Bring the line into view: about one line height per line.
            let line_height = 20;
            a.set_scroll_top(((line as i32) - 4).max(0) * line_height);
            sync_scroll();
        }
    };
    view! {
        <div class="wat-editor" class:has-error=move || error.with(Option::is_some)>
            <pre class="wat-gutter" node_ref=gutter aria-hidden="true">{numbers}</pre>
            <textarea
                node_ref=area
                aria-label=label
                rows="24"
                spellcheck="false"
                autocomplete="off"
                wrap="off"
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    if error.with_untracked(Option::is_some) {
                        error.set(compile(&text.get_untracked()).err());
                    }
                }
                on:scroll=move |_| sync_scroll()
            ></textarea>
        </div>
        {move || error.get().map(|e| {
            let line = e.line;
            view! {
                <div class="wat-error" role="alert" data-testid="wat-error">
                    <p class="error-text"><strong>"WebAssembly text does not compile. "</strong>{e.summary()}</p>
                    {(!e.snippet.is_empty()).then(|| view! { <pre class="code">{e.snippet.clone()}</pre> })}
                    {line.map(|l| view! {
                        <button type="button" class="button small" on:click=move |_| go_to_line(l)>{format!("Go to line {l}")}</button>
                    })}
                </div>
            }
        })}
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn source_key(function: &str) -> String {
    format!("stratus.lambda.wat.{function}")
}

/// The WebAssembly text a function was last deployed from in this browser
/// (Lambda keeps only the module).
pub fn saved_source(function: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(&source_key(function)).ok().flatten())
}

pub fn save_source(function: &str, text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&source_key(function), text);
    }
}

pub fn forget_source(function: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&source_key(function));
    }
}
