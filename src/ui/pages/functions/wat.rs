//! WebAssembly text: the console's code editor in WAT mode, compiled in the
//! browser with the `wat` crate; a compile error is the editor's marker (its
//! line and column, the line marked in the gutter and the text, a button that
//! puts the cursor on it).

use crate::ui::editor::{CodeEditor, Language, Marker};
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

/// A compile error as the editor's marker: the message, where it is
/// (1-based), and the wat crate's rendering of the line with a caret.
fn marker(message: String, line: Option<usize>, column: Option<usize>, snippet: String) -> Marker {
    Marker { file: None, line, column, title: "WebAssembly text does not compile.".into(), message, snippet }
}

/// Compiles WebAssembly text to a binary module.
pub fn compile(text: &str) -> Result<Vec<u8>, Marker> {
    wat::parse_str(text).map_err(|e| parse_error(&e.to_string()))
}

/// Reads the wat crate's error text: `message\n     --> <anon>:L:C\n ...`
/// (or `message at <anon>:L:C` for very long lines).
fn parse_error(text: &str) -> Marker {
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
            return marker(first, Some(line), Some(column), snippet.join("\n"));
        }
    }
    if let Some((line, column)) = position(&first) {
        let message = first[..first.rfind(" at <anon>:").unwrap_or(first.len())].to_string();
        return marker(message, Some(line), Some(column), String::new());
    }
    marker(text.to_string(), None, None, String::new())
}

/// The editor in WebAssembly text mode. Once there is an error, each change
/// compiles again so the message follows the text (and goes when fixed).
#[component]
pub fn WatEditor(text: RwSignal<String>, error: RwSignal<Option<Marker>>, #[prop(into)] label: String) -> impl IntoView {
    Effect::new(move |previous: Option<String>| {
        let current = text.get();
        if previous.is_some_and(|p| p != current) && error.with_untracked(Option::is_some) {
            error.set(compile(&current).err());
        }
        current
    });
    view! { <CodeEditor text=text language=Language::Wat marker=error label=label testid="wat"/> }
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
