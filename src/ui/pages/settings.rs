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
