//! The console's code editor: a text area laid over a highlighted copy of
//! the same text, with a line-number gutter, error markers and a status
//! line; and a several-file editor (file tabs: add, rename, delete, switch)
//! built from it. JavaScript and WebAssembly text are highlighted.
//!
//! How it works: the text area holds the text and the caret, its own glyphs
//! transparent; under it a `<pre>` shows the same text as highlighted HTML
//! ([`syntax::to_html`], computed once per change), with the same font,
//! line height and padding, moved with the text area's scroll offsets. The
//! gutter's numbers are HTML too, rebuilt only when the number of lines or
//! the marked line changes, so a few thousand lines stay cheap to type in.

pub mod syntax;

pub use syntax::Language;

use leptos::html;
use leptos::prelude::*;
use syntax::{indentation_at, line_column, line_count, line_range, to_html_lines, tokenize};
use wasm_bindgen::JsCast;

/// One level of indentation (Tab inserts it, Shift+Tab removes it).
const INDENT: &str = "  ";
/// The editor's line height in CSS pixels (style/main.css, "Code editor").
const LINE_HEIGHT: i32 = 20;
/// Lines are drawn in blocks of this many around the view: scrolling within
/// a block draws nothing anew, and a long text costs what the view shows.
const BLOCK: usize = 200;

/// The lines to draw for a view whose first line is `top` and which shows
/// `rows` lines: the blocks holding it, with a block either side.
fn drawn_lines(top: usize, rows: usize) -> (usize, usize) {
    let block = (top.max(1) - 1) / BLOCK;
    let first = block.saturating_sub(1) * BLOCK + 1;
    let last = (block + 2) * BLOCK + rows.div_ceil(BLOCK) * BLOCK;
    (first, last)
}

/// A spacer standing for the lines above the drawn ones.
fn spacer(first: usize) -> String {
    if first <= 1 {
        return String::new();
    }
    format!("<span class=\"line-spacer\" style=\"height: {}px\"></span>", (first - 1) as i32 * LINE_HEIGHT)
}

/// An error to show on the text: where it is (1-based) and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// The file it is in, for an editor of several files.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// What failed, in bold before the message ("WebAssembly text does not compile.").
    pub title: String,
    pub message: String,
    /// A rendering of the line with a caret, when the compiler gives one.
    pub snippet: String,
}

impl Marker {
    /// "Line 3, column 15: expected an i32" (with the file when there is one).
    pub fn summary(&self) -> String {
        let place = match (self.line, self.column) {
            (Some(l), Some(c)) => format!("Line {l}, column {c}: "),
            (Some(l), None) => format!("Line {l}: "),
            _ => String::new(),
        };
        match &self.file {
            Some(f) => format!("{f}, {}{}", place.to_lowercase(), self.message),
            None => format!("{place}{}", self.message),
        }
    }
}

/// The document, for `execCommand`, which edits a text area the way typing
/// does (the change lands in its undo history and fires `input`).
fn insert_text(area: &web_sys::HtmlTextAreaElement, text: &str) {
    let done = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.exec_command_with_show_ui_and_value("insertText", false, text).ok())
        .unwrap_or(false);
    if !done {
        // Without execCommand: replace the selection and say so as typing would.
        let start = area.selection_start().ok().flatten().unwrap_or(0);
        let end = area.selection_end().ok().flatten().unwrap_or(start);
        let _ = area.set_range_text_with_start_and_end(text, start, end);
        let caret = start + text.encode_utf16().count() as u32;
        let _ = area.set_selection_range(caret, caret);
        if let Ok(ev) = web_sys::Event::new("input") {
            let _ = area.dispatch_event(&ev);
        }
    }
}

/// Tab and Shift+Tab on the lines the selection touches: (new text of those
/// lines, their start and end as UTF-16 offsets).
fn reindent(text: &str, start: u32, end: u32, outdent: bool) -> (String, u32, u32) {
    let (first, _) = line_column(text, start);
    // A selection ending at a line's start does not take that line.
    let (mut last, last_col) = line_column(text, end);
    if end > start && last_col == 1 && last > first {
        last -= 1;
    }
    let (from, _) = line_range(text, first);
    let (_, to) = line_range(text, last);
    let lines: Vec<String> = text
        .split('\n')
        .skip(first - 1)
        .take(last - first + 1)
        .map(|l| {
            if outdent {
                let n = l.chars().take(INDENT.len()).take_while(|c| *c == ' ').count();
                let n = if n == 0 && l.starts_with('\t') { 1 } else { n };
                l[n..].to_string()
            } else {
                format!("{INDENT}{l}")
            }
        })
        .collect();
    (lines.join("\n"), from, to)
}

/// The editor. `marker`, when set, marks its line in the gutter and the
/// text; with `show_marker` the message is shown under the editor with a
/// "Go to line" button. Setting `go_to` to a line puts the caret on it
/// (selected) and scrolls it into view.
#[component]
pub fn CodeEditor(
    text: RwSignal<String>,
    #[prop(into)] language: Signal<Language>,
    #[prop(into)] marker: Signal<Option<Marker>>,
    /// The text area's accessible name.
    #[prop(into)]
    label: String,
    /// Show the marker's message under the editor (an editor of several
    /// files shows it above its tabs instead).
    #[prop(default = true)]
    show_marker: bool,
    /// `data-testid` of the message: `<prefix>-error`.
    #[prop(into, default = "code".to_string())]
    testid: String,
    #[prop(optional)] go_to: Option<RwSignal<Option<usize>>>,
    #[prop(default = 24)] rows: u32,
) -> impl IntoView {
    let area = NodeRef::<html::Textarea>::new();
    let layer = NodeRef::<html::Pre>::new();
    let gutter = NodeRef::<html::Pre>::new();
    let go_to = go_to.unwrap_or_else(|| RwSignal::new(None));
    let bad_line = Memo::new(move |_| marker.with(|m| m.as_ref().and_then(|m| m.line)));
    // Tokenized once per change of the text (or the language).
    let tokens = Memo::new(move |_| {
        let lang = language.get();
        text.with(|t| tokenize(lang, t))
    });
    // The lines drawn (first, last), from the scroll position.
    let drawn = RwSignal::new(drawn_lines(1, rows as usize));
    let highlighted = Memo::new(move |_| {
        let (first, last) = drawn.get();
        let line = bad_line.get();
        let html = tokens.with(|tk| text.with(|t| to_html_lines(t, tk, line, first, last)));
        spacer(first) + &html
    });
    let lines = Memo::new(move |_| text.with(|t| line_count(t)));
    let numbers = Memo::new(move |_| {
        let bad = bad_line.get();
        let (first, last) = drawn.get();
        let count = lines.get();
        let mut out = spacer(first.min(count));
        for n in first.min(count)..=last.min(count) {
            let class = if Some(n) == bad { "gutter-line error-line" } else { "gutter-line" };
            out.push_str(&format!("<span class=\"{class}\">{n}\n</span>"));
        }
        out
    });
    // Typing already put the text in the text area; other changes (a reset,
    // a file loaded) are written to it.
    let typed = StoredValue::new(false);
    Effect::new(move || {
        text.with(|t| {
            if typed.get_value() {
                typed.set_value(false);
            } else if let Some(a) = area.get_untracked() {
                if a.value() != *t {
                    a.set_value(t);
                }
            }
        })
    });
    // Where the caret is, for the status line.
    let caret = RwSignal::new((1usize, 1usize));
    let track_caret = move || {
        if let Some(a) = area.get_untracked() {
            let offset = a.selection_start().ok().flatten().unwrap_or(0);
            let at = text.with_untracked(|t| line_column(t, offset));
            if caret.get_untracked() != at {
                caret.set(at);
            }
        }
    };
    let sync_scroll = move || {
        if let Some(a) = area.get_untracked() {
            let (top, left) = (a.scroll_top(), a.scroll_left());
            let rows = (a.client_height() / LINE_HEIGHT).max(1) as usize + 1;
            let want = drawn_lines((top / LINE_HEIGHT) as usize + 1, rows);
            if drawn.get_untracked() != want {
                drawn.set(want);
            }
            if let Some(l) = layer.get_untracked() {
                let _ = l.set_attribute("style", &format!("transform: translate({}px, {}px)", -left, -top));
            }
            if let Some(g) = gutter.get_untracked() {
                let _ = g.set_attribute("style", &format!("transform: translateY({}px)", -top));
            }
        }
    };
    // The highlighted copy must follow the text area, also after a change
    // the browser scrolled for (typing at the end of a long line).
    Effect::new(move || {
        highlighted.track();
        sync_scroll();
    });
    Effect::new(move || {
        let Some(line) = go_to.get() else { return };
        let Some(a) = area.get() else { return };
        go_to.set(None);
        let (start, end) = text.with_untracked(|t| line_range(t, line));
        let _ = a.focus();
        let _ = a.set_selection_range(start, end);
        a.set_scroll_top(((line as i32) - 4).max(0) * LINE_HEIGHT);
        sync_scroll();
        track_caret();
    });
    // After Escape, Tab leaves the editor (keyboard users are not trapped).
    let tab_leaves = RwSignal::new(false);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let Some(a) = area.get_untracked() else { return };
        let key = ev.key();
        if key == "Escape" {
            tab_leaves.set(true);
            return;
        }
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        if key == "Tab" {
            if tab_leaves.get_untracked() {
                tab_leaves.set(false);
                return;
            }
            ev.prevent_default();
            let start = a.selection_start().ok().flatten().unwrap_or(0);
            let end = a.selection_end().ok().flatten().unwrap_or(start);
            let t = text.get_untracked();
            let multi_line = t.encode_utf16().skip(start as usize).take((end - start) as usize).any(|u| u == u16::from(b'\n'));
            if !ev.shift_key() && !multi_line {
                insert_text(&a, INDENT);
                return;
            }
            let (new, from, to) = reindent(&t, start, end, ev.shift_key());
            let _ = a.set_selection_range(from, to);
            insert_text(&a, &new);
            let _ = a.set_selection_range(from, from + new.encode_utf16().count() as u32);
            return;
        }
        tab_leaves.set(false);
        if key == "Enter" && !ev.shift_key() {
            // A new line keeps the current line's indentation.
            let start = a.selection_start().ok().flatten().unwrap_or(0);
            let indent = text.with_untracked(|t| indentation_at(t, start));
            if !indent.is_empty() {
                ev.prevent_default();
                insert_text(&a, &format!("\n{indent}"));
            }
        }
    };
    let go = move |line: usize| go_to.set(Some(line));
    let testid = format!("{testid}-error");
    view! {
        <div class="code-editor" class:has-error=move || marker.with(Option::is_some)>
            <div class="editor-gutter" aria-hidden="true" style=move || format!("--digits: {}", lines.get().to_string().len())><pre node_ref=gutter inner_html=move || numbers.get()></pre></div>
            <div class="editor-body">
                <div class="editor-highlight" aria-hidden="true">
                    <pre class="editor-layer" node_ref=layer inner_html=move || highlighted.get()></pre>
                </div>
                <textarea
                    class="editor-input"
                    node_ref=area
                    aria-label=label
                    rows=rows
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    wrap="off"
                    data-language=move || match language.get() { Language::JavaScript => "javascript", Language::Wat => "wat" }
                    prop:value=text.get_untracked()
                    on:input=move |ev| {
                        typed.set_value(true);
                        text.set(event_target_value(&ev));
                        track_caret();
                        sync_scroll();
                    }
                    on:keydown=on_keydown
                    on:keyup=move |_| track_caret()
                    on:click=move |_| track_caret()
                    on:focus=move |_| track_caret()
                    on:scroll=move |_| sync_scroll()
                ></textarea>
            </div>
        </div>
        <p class="editor-status muted" aria-live="off">
            <span data-testid="editor-caret">{move || { let (l, c) = caret.get(); format!("Ln {l}, Col {c}") }}</span>
            <span>{move || format!("{} lines", lines.get())}</span>
            <span>{move || match language.get() { Language::JavaScript => "JavaScript", Language::Wat => "WebAssembly text" }}</span>
            <span class="editor-hint">"Tab indents; Esc then Tab moves on"</span>
        </p>
        {move || show_marker.then(|| marker.get()).flatten().map(|m| view! { <MarkerPanel marker=m testid=testid.clone() on_go=Callback::new(go)/> })}
    }
}

/// A marker's message, with a button that goes to its line.
#[component]
pub fn MarkerPanel(marker: Marker, testid: String, on_go: Callback<usize>) -> impl IntoView {
    let line = marker.line;
    view! {
        <div class="editor-error" role="alert" data-testid=testid>
            <p class="error-text"><strong>{marker.title.clone()}" "</strong>{marker.summary()}</p>
            {(!marker.snippet.is_empty()).then(|| view! { <pre class="code">{marker.snippet.clone()}</pre> })}
            {line.map(|l| view! {
                <button type="button" class="button small" on:click=move |_| on_go.run(l)>{format!("Go to line {l}")}</button>
            })}
        </div>
    }
}

/// One file of a several-file editor.
#[derive(Clone, Copy)]
pub struct EditorFile {
    id: usize,
    pub path: RwSignal<String>,
    pub text: RwSignal<String>,
}

/// The files of a several-file editor and which one is shown.
#[derive(Clone, Copy)]
pub struct EditorFiles {
    files: RwSignal<Vec<EditorFile>>,
    active: RwSignal<usize>,
    next: StoredValue<usize>,
    /// The owner the files' signals belong to: the one that made this set,
    /// not whatever view is current when a file is added (an event handler
    /// runs under the owner of the view it is on, which may go away).
    owner: StoredValue<Owner>,
}

impl EditorFiles {
    pub fn new(files: &[(String, String)]) -> Self {
        let me = EditorFiles {
            files: RwSignal::new(Vec::new()),
            active: RwSignal::new(0),
            next: StoredValue::new(0),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        };
        me.replace(files);
        me
    }

    /// Replaces every file (the first is shown).
    pub fn replace(&self, files: &[(String, String)]) {
        let list: Vec<EditorFile> = files.iter().map(|(p, t)| self.make(p, t)).collect();
        self.active.set(list.first().map(|f| f.id).unwrap_or(0));
        self.files.set(list);
    }

    fn make(&self, path: &str, text: &str) -> EditorFile {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.owner.get_value().with(|| EditorFile { id, path: RwSignal::new(path.to_string()), text: RwSignal::new(text.to_string()) })
    }

    /// (path, text) of every file, in tab order.
    pub fn snapshot(&self) -> Vec<(String, String)> {
        self.files.with_untracked(|l| l.iter().map(|f| (f.path.get_untracked(), f.text.get_untracked())).collect())
    }

    /// (path, text) of every file, tracked: a memo of it follows every edit.
    pub fn contents(&self) -> Vec<(String, String)> {
        self.files.with(|l| l.iter().map(|f| (f.path.get(), f.text.get())).collect())
    }

    pub fn paths(&self) -> Vec<String> {
        self.files.with(|l| l.iter().map(|f| f.path.get()).collect())
    }

    /// Shows the file with this path, if there is one.
    pub fn show(&self, path: &str) -> bool {
        match self.files.with_untracked(|l| l.iter().find(|f| f.path.get_untracked() == path).map(|f| f.id)) {
            Some(id) => {
                self.active.set(id);
                true
            }
            None => false,
        }
    }

    fn active_file(&self) -> Option<EditorFile> {
        let id = self.active.get();
        self.files.with(|l| l.iter().find(|f| f.id == id).copied())
    }
}

/// The language of a file, by its name; JavaScript when the name says nothing.
fn language_of(path: &str) -> Language {
    Language::for_file(path).unwrap_or(Language::JavaScript)
}

/// Several files in tabs over one [`CodeEditor`]. `marker` may name any
/// file: its tab is marked, its message shown above the tabs, and "Go to
/// line" opens the file. `check_path` says what is wrong with a new name
/// (given the other files' names), or nothing.
#[component]
pub fn MultiFileEditor(
    files: EditorFiles,
    marker: RwSignal<Option<Marker>>,
    #[prop(into)] label: String,
    check_path: fn(&str, &[&str]) -> Option<String>,
    /// The name a new file is offered with.
    #[prop(into, default = "lib/util.mjs".to_string())]
    new_file: String,
) -> impl IntoView {
    // "Go to line" of the shown file's editor; a line to go to once another file is shown.
    let go_to = StoredValue::new(RwSignal::new(None::<usize>));
    let pending = StoredValue::new(None::<usize>);
    // The file name being typed: adding a file (None) or renaming one (its id).
    let naming = RwSignal::new(None::<(Option<usize>, String)>);
    let name_error = RwSignal::new(None::<String>);
    let name_input = NodeRef::<html::Input>::new();
    // The name field takes the focus when it opens.
    Effect::new(move || {
        if let Some(input) = name_input.get() {
            let _ = input.focus();
            input.select();
        }
    });
    let new_file = StoredValue::new(new_file);
    let others = move |except: Option<usize>| -> Vec<String> {
        files.files.with_untracked(|l| l.iter().filter(|f| Some(f.id) != except).map(|f| f.path.get_untracked()).collect())
    };
    let finish_naming = move || {
        let Some((target, typed)) = naming.get_untracked() else { return };
        let typed = typed.trim().to_string();
        let taken = others(target);
        let taken: Vec<&str> = taken.iter().map(String::as_str).collect();
        if let Some(problem) = check_path(&typed, &taken) {
            name_error.set(Some(problem));
            return;
        }
        name_error.set(None);
        naming.set(None);
        match target {
            Some(id) => {
                if let Some(f) = files.files.with_untracked(|l| l.iter().find(|f| f.id == id).copied()) {
                    let old = f.path.get_untracked();
                    f.path.set(typed.clone());
                    marker.update(|m| {
                        if let Some(m) = m.as_mut().filter(|m| m.file.as_deref() == Some(old.as_str())) {
                            m.file = Some(typed.clone());
                        }
                    });
                }
            }
            None => {
                let f = files.make(&typed, "");
                files.files.update(|l| l.push(f));
                files.active.set(f.id);
            }
        }
    };
    let delete = move |id: usize| {
        let Some(f) = files.files.with_untracked(|l| l.iter().find(|f| f.id == id).copied()) else { return };
        let path = f.path.get_untracked();
        let ok = web_sys::window()
            .and_then(|w| w.confirm_with_message(&format!("Delete the file {path}? Its text is lost unless it was deployed.")).ok())
            .unwrap_or(false);
        if !ok {
            return;
        }
        files.files.update(|l| l.retain(|f| f.id != id));
        if files.active.get_untracked() == id {
            if let Some(first) = files.files.with_untracked(|l| l.first().map(|f| f.id)) {
                files.active.set(first);
            }
        }
        if marker.with_untracked(|m| m.as_ref().and_then(|m| m.file.clone())) == Some(path) {
            marker.set(None);
        }
    };
    let go_to_marker = move |line: usize| {
        let file = marker.with_untracked(|m| m.as_ref().and_then(|m| m.file.clone()));
        let shown = untrack(|| files.active_file()).map(|f| f.path.get_untracked());
        match file {
            // The other file's editor goes to the line when it opens.
            Some(file) if Some(&file) != shown.as_ref() => {
                pending.set_value(Some(line));
                if !files.show(&file) {
                    pending.set_value(None);
                }
            }
            _ => go_to.get_value().set(Some(line)),
        }
    };
    let marked_file = move || marker.with(|m| m.as_ref().and_then(|m| m.file.clone()));
    let tabs = move || {
        files
            .files
            .get()
            .into_iter()
            .map(|f| {
                let id = f.id;
                let selected = move || files.active.get() == id;
                let has_error = move || marked_file().is_some_and(|p| p == f.path.get());
                view! {
                    <span class="file-tab" class:selected=selected class:has-error=has_error>
                        <button type="button" role="tab" class="file-tab-name" aria-selected=move || selected().to_string()
                            on:click=move |_| files.active.set(id)>
                            {move || f.path.get()}
                        </button>
                        <Show when=selected>
                            <button type="button" class="file-tab-action" title="Rename" aria-label=move || format!("Rename {}", f.path.get())
                                on:click=move |_| { name_error.set(None); naming.set(Some((Some(id), f.path.get_untracked()))); }>"✎"</button>
                            <button type="button" class="file-tab-action" title="Delete" aria-label=move || format!("Delete {}", f.path.get())
                                disabled=move || files.files.with(|l| l.len() < 2)
                                on:click=move |_| delete(id)>"×"</button>
                        </Show>
                    </span>
                }
            })
            .collect_view()
    };
    let editor = move || {
        files.active_file().map(|f| {
            let path = f.path;
            let marker_here = Signal::derive(move || marker.get().filter(|m| m.file.as_deref() == Some(path.get().as_str())));
            let language = Signal::derive(move || language_of(&path.get()));
            let here = RwSignal::new(pending.get_value());
            pending.set_value(None);
            go_to.set_value(here);
            view! {
                <CodeEditor text=f.text language=language marker=marker_here label=label.clone() show_marker=false go_to=here/>
            }
        })
    };
    view! {
        <div class="multi-file-editor">
            {move || marker.get().map(|m| view! { <MarkerPanel marker=m testid="code-error".to_string() on_go=Callback::new(go_to_marker)/> })}
            <div class="file-tabs" role="tablist" aria-label="Files">
                {tabs}
                <button type="button" class="button small file-add"
                    on:click=move |_| { name_error.set(None); naming.set(Some((None, new_file.get_value()))); }>"+ Add file"</button>
            </div>
            {move || naming.get().map(|(target, typed)| view! {
                // Not a <form>: the editor may sit inside one (the create page's).
                <div class="file-naming" role="group" aria-label="File name">
                    <label class="field">
                        <span>{if target.is_some() { "New name" } else { "New file's name" }}</span>
                        <input type="text" spellcheck="false" prop:value=typed node_ref=name_input
                            on:input=move |ev| naming.update(|n| if let Some(n) = n { n.1 = event_target_value(&ev) })
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                                "Enter" => { ev.prevent_default(); finish_naming(); }
                                "Escape" => { naming.set(None); name_error.set(None); }
                                _ => {}
                            }/>
                    </label>
                    <button type="button" class="button small primary" on:click=move |_| finish_naming()>{if target.is_some() { "Rename" } else { "Add" }}</button>
                    <button type="button" class="button small" on:click=move |_| { naming.set(None); name_error.set(None); }>"Cancel"</button>
                    {move || name_error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
                </div>
            })}
            {editor}
        </div>
    }
}
