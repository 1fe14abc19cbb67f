//! The "Code" tab of a JavaScript function: its deployed files, read back
//! through GetFunction's `Code.Location` (a zip), edited in the code editor
//! (several files in tabs) and deployed with UpdateFunctionCode; its runtime
//! settings (Runtime, Handler) with UpdateFunctionConfiguration. A syntax
//! error the engine refuses the code with becomes an error marker on its
//! file and line.

use super::source::{self, SourceFile};
use super::{base64, code_size, error_text, function_path, get_function, note_view, Note, NODEJS_RUNTIMES};
use crate::ui::api::{lambda, rest, ApiError};
use crate::ui::editor::{EditorFiles, Marker, MultiFileEditor};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

/// Files as the editor takes them: (path, text).
pub fn pairs(files: &[SourceFile]) -> Vec<(String, String)> {
    files.iter().map(|f| (f.path.clone(), f.text.clone())).collect()
}

/// The editor's files, in tab order.
pub fn files_of(files: &EditorFiles) -> Vec<SourceFile> {
    files.snapshot().into_iter().map(|(path, text)| SourceFile { path, text }).collect()
}

/// The marker for a CreateFunction or UpdateFunctionCode refused for a
/// syntax error (`Runtime.UserCodeSyntaxError: ... in lib/util.mjs:3`).
pub fn syntax_marker(e: &ApiError) -> Option<Marker> {
    let at = source::syntax_error(&e.message)?;
    Some(Marker { file: Some(at.file), line: Some(at.line), column: None, title: "Syntax error.".into(), message: at.message, snippet: String::new() })
}

/// Downloads a function's deployment package from GetFunction's
/// `Code.Location` and opens it: its text files and how many binary ones
/// were left out.
async fn deployed_files(name: &str) -> Result<(Vec<SourceFile>, usize), String> {
    let f = get_function(name).await.map_err(|e| error_text(&e))?;
    let location = f["Code"]["Location"].as_str().ok_or("GetFunction gave no Code.Location.")?.to_string();
    // A URL relative to the app's base, as every Stratus endpoint is.
    let path = format!("/{}", location.trim_start_matches('/'));
    let answer = rest("GET", &path, &[], None).await;
    if answer.status != 200 {
        return Err(format!("Downloading the package from {location}: HTTP {}", answer.status));
    }
    source::unzip_files(&answer.body)
}

#[component]
pub fn CodeTab(name: String, runtime: String, handler: String, refresh: RwSignal<u32>) -> impl IntoView {
    let fname = StoredValue::new(name);
    let files = EditorFiles::new(&[]);
    let marker = RwSignal::new(None::<Marker>);
    // The files as last deployed (or loaded), to tell unsaved edits.
    let deployed = RwSignal::new(None::<Vec<(String, String)>>);
    let load_error = RwSignal::new(None::<String>);
    let skipped = RwSignal::new(0usize);
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<Note>);
    spawn_local(async move {
        match deployed_files(&fname.get_value()).await {
            Ok((list, binary)) => {
                let list = pairs(&list);
                files.replace(&list);
                deployed.set(Some(list));
                skipped.set(binary);
            }
            Err(e) => load_error.set(Some(e)),
        }
    });
    let changed = Memo::new(move |_| {
        let now = files.contents();
        deployed.with(|d| d.as_ref().is_some_and(|d| *d != now))
    });

    let deploy = move |_| {
        if busy.get_untracked() {
            return;
        }
        let list = files_of(&files);
        let zip = match source::zip_files(&list) {
            Ok(z) => z,
            Err(e) => return note.set(Some(Note::Err(format!("Could not zip the files: {e}")))),
        };
        busy.set(true);
        note.set(None);
        marker.set(None);
        let path = function_path(&fname.get_value(), "/code");
        spawn_local(async move {
            let size = zip.len() as u64;
            let answer = lambda("PUT", &path, Some(json!({ "ZipFile": base64(&zip), "Publish": false }))).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    deployed.set(Some(pairs(&list)));
                    let count = list.len();
                    let files_text = if count == 1 { "1 file".to_string() } else { format!("{count} files") };
                    note.set(Some(Note::Ok(format!("Deployed {files_text} ({} zipped).", code_size(size)))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    if let Some(m) = syntax_marker(&e) {
                        files.show(m.file.as_deref().unwrap_or(""));
                        marker.set(Some(m));
                    }
                    note.set(Some(Note::Err(error_text(&e))));
                }
            }
        });
    };

    // Runtime settings.
    let runtime_choice = RwSignal::new(runtime);
    let handler_text = RwSignal::new(handler);
    let settings_busy = RwSignal::new(false);
    let settings_note = RwSignal::new(None::<Note>);
    let save_settings = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let h = handler_text.get_untracked().trim().to_string();
        if let Some(problem) = source::handler_problem(&h, &files_of(&files)) {
            return settings_note.set(Some(Note::Err(problem)));
        }
        if settings_busy.get_untracked() {
            return;
        }
        settings_busy.set(true);
        settings_note.set(None);
        let path = function_path(&fname.get_value(), "/configuration");
        let body = json!({ "Runtime": runtime_choice.get_untracked(), "Handler": h });
        spawn_local(async move {
            let r = lambda("PUT", &path, Some(body)).await;
            settings_busy.set(false);
            match r {
                Ok(c) => {
                    let text = format!(
                        "Saved: runtime {}, handler {}.",
                        c["Runtime"].as_str().unwrap_or(""),
                        c["Handler"].as_str().unwrap_or("")
                    );
                    settings_note.set(Some(Note::Ok(text)));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => settings_note.set(Some(Note::Err(error_text(&e)))),
            }
        });
    };

    view! {
        <section class="card" aria-label="Code source">
            <div class="card-header">
                <h2>"Code source"</h2>
                {move || changed.get().then(|| view! { <span class="pill pill-muted" data-testid="code-changed">"Changes not deployed"</span> })}
            </div>
            {move || match (load_error.get(), deployed.with(Option::is_some)) {
                (Some(e), _) => view! { <p class="error-text" role="alert">{format!("Could not read the deployed code: {e}")}</p> }.into_any(),
                (None, false) => view! { <p class="muted" role="status">"Loading the deployed files…"</p> }.into_any(),
                (None, true) => view! {
                    <p class="muted">"The files deployed now, downloaded from GetFunction's Code.Location. Deploy sends them zipped with UpdateFunctionCode; the runtime checks their syntax first."</p>
                    {move || (skipped.get() > 0).then(|| view! {
                        <p class="muted">{format!("{} binary file(s) in the package are not shown, and deploying from here leaves them out.", skipped.get())}</p>
                    })}
                    <MultiFileEditor files=files marker=marker label="Function code" check_path=source::path_problem/>
                    {note_view(note)}
                    <div class="button-row">
                        <button type="button" class="button primary" disabled=move || busy.get() on:click=deploy>
                            {move || if busy.get() { "Deploying…" } else { "Deploy" }}
                        </button>
                    </div>
                }
                .into_any(),
            }}
        </section>
        <form class="card" aria-label="Runtime settings" on:submit=save_settings novalidate=true>
            <h2>"Runtime settings"</h2>
            <div class="field-row">
                <label class="field narrow">
                    <span>"Runtime"</span>
                    <select prop:value=move || runtime_choice.get() on:change=move |ev| runtime_choice.set(event_target_value(&ev))>
                        {NODEJS_RUNTIMES.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Handler"</span>
                    <input type="text" spellcheck="false" prop:value=move || handler_text.get() on:input=move |ev| handler_text.set(event_target_value(&ev))/>
                    <small class="muted">"file.export: index.handler runs the export handler of index.mjs (or index.js)"</small>
                </label>
            </div>
            {note_view(settings_note)}
            <div class="button-row">
                <button type="submit" class="button" disabled=move || settings_busy.get()>"Save runtime settings"</button>
            </div>
        </form>
    }
}
