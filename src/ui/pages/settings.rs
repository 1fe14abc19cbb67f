//! Settings: theme, and the endpoints an SDK is pointed at.

use crate::ui::theme::{use_theme, Theme};
use crate::ui::widgets::{Fact, PageHeader};
use leptos::prelude::*;

/// The absolute URL of the app's base, e.g. `https://example.org/stratus/`.
fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default()
}

/// A step of a long account action: what it is doing and how far along (0-100).
#[derive(Clone, PartialEq)]
enum Progress {
    Idle,
    Working(String, f64),
    Done(String),
    Failed(String),
}

fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Export, import and reset of the whole account.
#[component]
fn YourData() -> impl IntoView {
    use crate::host::account;
    use leptos::task::spawn_local;
    let progress = RwSignal::new(Progress::Idle);
    let busy = move || matches!(progress.get(), Progress::Working(..));
    let export = move |_| {
        progress.set(Progress::Working("Reading your cloud…".into(), 30.0));
        spawn_local(async move {
            match account::export_file().await {
                Ok((file, entries)) => {
                    let stamp = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
                    let name = format!("stratus-account-{}.stratus.gz", stamp.get(..19).unwrap_or("").replace(':', "-"));
                    match account::download(&file, &name, "application/gzip") {
                        Ok(()) => progress.set(Progress::Done(format!(
                            "Exported {entries} entries into {name} ({}).",
                            crate::ui::widgets::human_bytes(file.len() as f64)
                        ))),
                        Err(e) => progress.set(Progress::Failed(e)),
                    }
                }
                Err(e) => progress.set(Progress::Failed(format!("Export failed: {e}"))),
            }
        });
    };
    let import = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        progress.set(Progress::Working(format!("Reading {}…", file.name()), 20.0));
        spawn_local(async move {
            let bytes = match account::read_file(&file).await {
                Ok(b) => b,
                Err(e) => return progress.set(Progress::Failed(format!("Could not read the file: {e}"))),
            };
            progress.set(Progress::Working("Checking the file…".into(), 50.0));
            let (entries, tables, items) = match account::check_import(&bytes) {
                Ok(x) => x,
                Err(e) => return progress.set(Progress::Failed(format!("Nothing was changed: {e}"))),
            };
            if !confirm(&format!(
                "Replace your whole account with this file ({tables} tables, {items} items)? Everything stored now will be gone."
            )) {
                return progress.set(Progress::Idle);
            }
            progress.set(Progress::Working(format!("Saving {} entries…", entries.len()), 80.0));
            if let Err(e) = account::replace_and_reload(entries).await {
                progress.set(Progress::Failed(format!("Import failed: {e}")));
            }
        });
    };
    let reset = move |_| {
        if !confirm("Reset your account? Every table and item in this browser is deleted. This cannot be undone.") {
            return;
        }
        progress.set(Progress::Working("Resetting…".into(), 50.0));
        spawn_local(async move {
            if let Err(e) = account::replace_and_reload(Vec::new()).await {
                progress.set(Progress::Failed(format!("Reset failed: {e}")));
            }
        });
    };
    view! {
        <section class="card">
            <h2>"Your data"</h2>
            <p>"Your cloud is kept in this browser. Export it to one file to keep a copy or move it to another browser; importing a file replaces everything."</p>
            <div class="button-row">
                <button class="button" on:click=export disabled=busy>"Export account"</button>
                <label class="button" class:disabled=busy>
                    "Import account…"
                    <input type="file" accept=".gz,application/gzip" class="visually-hidden" on:change=import disabled=busy/>
                </label>
                <button class="button danger" on:click=reset disabled=busy>"Reset account"</button>
            </div>
            {move || match progress.get() {
                Progress::Idle => None,
                Progress::Working(what, pct) => Some(view! {
                    <div class="account-progress" role="status">
                        <progress max="100" value=pct.to_string()></progress>
                        <p class="muted">{what}</p>
                    </div>
                }.into_any()),
                Progress::Done(what) => Some(view! { <p class="ok-text" role="status">{what}</p> }.into_any()),
                Progress::Failed(what) => Some(view! { <p class="error-text" role="alert">{what}</p> }.into_any()),
            }}
        </section>
    }
}

/// The engine's clock: fast-forward it to watch items expire (time to live)
/// or provisioned capacity refill, without waiting.
#[component]
fn EngineClock() -> impl IntoView {
    use crate::host::BrowserClock;
    let offset = RwSignal::new(BrowserClock::offset_ms());
    let forward = move |ms: u64| {
        move |_| {
            BrowserClock::fast_forward(ms);
            offset.set(BrowserClock::offset_ms());
        }
    };
    let describe = move || {
        let ms = offset.get();
        if ms == 0 {
            "The engine follows this browser's clock.".to_string()
        } else {
            let (h, m) = (ms / 3_600_000, (ms % 3_600_000) / 60_000);
            format!("The engine's clock is {h} h {m} min ahead of this browser's clock.")
        }
    };
    view! {
        <section class="card">
            <h2>"Engine clock"</h2>
            <p data-testid="clock-offset">{describe}</p>
            <p class="muted">"Time to live, throttling windows, stream retention and how long a function's environment stays warm follow this clock. Reloading the console returns to real time."</p>
            <div class="button-row">
                <button class="button" on:click=forward(60_000)>"+1 minute"</button>
                <button class="button" on:click=forward(3_600_000)>"+1 hour"</button>
                <button class="button" on:click=forward(86_400_000)>"+1 day"</button>
                <button class="button" on:click=move |_| {
                    BrowserClock::reset();
                    offset.set(0);
                }>"Back to real time"</button>
            </div>
            <IdleTime/>
        </section>
    }
}

/// How long an idle function environment stays warm (engine-clock minutes).
#[component]
fn IdleTime() -> impl IntoView {
    let minutes = RwSignal::new((crate::host::cloud().lambda().settings.idle_ms / 60_000).to_string());
    let note = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::Event| {
        match event_target_value(&ev).trim().parse::<u64>() {
            Ok(m) if (1..=1440).contains(&m) => {
                crate::host::cloud().lambda().settings.idle_ms = m * 60_000;
                minutes.set(m.to_string());
                note.set(format!("Idle environments now shut down after {m} min; the next invocation after that is a cold start."));
            }
            _ => note.set("Enter a whole number of minutes from 1 to 1440.".into()),
        }
    };
    view! {
        <label class="field narrow">
            <span>"Function environments stay warm for (minutes idle)"</span>
            <input type="number" min="1" max="1440" prop:value=move || minutes.get() on:change=save/>
        </label>
        <p class="muted" role="status">{move || note.get()}</p>
    }
}

#[component]
pub fn Settings() -> impl IntoView {
    let theme = use_theme();
    let base = base_url();
    let endpoint = format!("{base}_aws/dynamodb");
    let endpoints = [
        ("DynamoDB", endpoint.clone()),
        ("Lambda", format!("{base}_aws/lambda")),
        ("API Gateway", format!("{base}_aws/apigateway")),
        ("S3 (path style)", format!("{base}_aws/s3")),
        ("CloudWatch Logs", format!("{base}_aws/logs")),
        ("Invoke URLs", format!("{base}_api/<apiId>/")),
    ];
    let snippet = format!(
        "import {{ DynamoDBClient }} from \"@aws-sdk/client-dynamodb\";\n\n\
         const client = new DynamoDBClient({{\n  \
         endpoint: \"{endpoint}\",\n  \
         region: \"{region}\",\n  \
         credentials: {{ accessKeyId: \"stratus\", secretAccessKey: \"stratus\" }},\n}});",
        region = crate::engine::REGION
    );
    let choice = move |value: Theme| {
        view! {
            <label class="radio">
                <input
                    type="radio"
                    name="theme"
                    value=value.as_str()
                    prop:checked=move || theme.get() == value
                    on:change=move |_| theme.set(value)
                />
                {value.as_str()}
            </label>
        }
    };
    view! {
        <PageHeader title="Settings"/>
        <section class="card">
            <h2>"Appearance"</h2>
            <fieldset class="radio-group">
                <legend>"Theme"</legend>
                {choice(Theme::System)}
                {choice(Theme::Light)}
                {choice(Theme::Dark)}
            </fieldset>
        </section>
        <YourData/>
        <EngineClock/>
        <section class="card">
            <h2>"Endpoints"</h2>
            <p>"Pages of this site reach the cloud with fetch() or an AWS SDK at these addresses. Signatures are accepted and not checked."</p>
            <dl class="facts">
                {endpoints
                    .into_iter()
                    .map(|(label, url)| view! { <Fact label=label><code>{url}</code></Fact> })
                    .collect_view()}
            </dl>
            <h3>"AWS SDK for JavaScript v3"</h3>
            <pre class="code">{snippet}</pre>
        </section>
    }
}
