//! A REST API's page (`/apis/:id` when the id is a REST API): its facts and
//! the tabs Resources (the tree, methods, integrations), Stages (deploy,
//! invoke URLs, throttling), API keys and usage plans, Authorizers, Test
//! (the shared HTTP client) and Monitor (the shared charts, dimension
//! ApiName). Every change is a management request an AWS SDK would send
//! (`/restapis/...`, `/apikeys`, `/usageplans`).

use super::monitor::Monitor;
use super::rest_authorizers::Authorizers;
use super::rest_keys::KeysAndPlans;
use super::rest_resources::Resources;
use super::rest_stages::RestStages;
use super::test_client::TestClient;
use super::{date_label, error_text};
use crate::ui::api::{apigateway, path_segment, ApiError};
use crate::ui::widgets::Fact;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

/// A page's outcome line: `(true, text)` a status, `(false, text)` an error.
pub type Message = RwSignal<Option<(bool, String)>>;

/// The outcome line, as the other API pages show theirs.
pub fn flash(message: Message) -> impl IntoView {
    move || {
        message.get().map(|(ok, m)| {
            if ok {
                view! { <p class="muted" role="status">{m}</p> }.into_any()
            } else {
                view! { <p class="error-text" role="alert">{m}</p> }.into_any()
            }
        })
    }
}

/// Sends one management request that changes the API, unless the person
/// declines `question`: on success `done` turns the answer into the status
/// line (and does what follows a success), an error goes to `message` as
/// it came; `after` runs either way (refreshing what shows the change).
pub fn act(
    question: Option<String>,
    method: &'static str,
    path: String,
    body: Option<Value>,
    message: Message,
    done: impl FnOnce(Value) -> String + 'static,
    after: impl FnOnce() + 'static,
) {
    if question.is_some_and(|q| !super::confirm(&q)) {
        return;
    }
    spawn_local(async move {
        match apigateway(method, &path, body).await {
            Ok(answer) => message.set(Some((true, done(answer)))),
            Err(e) => message.set(Some((false, error_text(&e)))),
        }
        after();
    });
}

/// The account's functions for a [`function_select`](super::create::function_select):
/// `choice` starts at the first one listed.
pub fn function_choices(choice: RwSignal<String>) -> super::create::FunctionList {
    let list = LocalResource::new(|| async { super::functions().await.map_err(|e| error_text(&e)) });
    Effect::new(move |_| {
        if let Some(Ok(l)) = list.get() {
            if let Some((_, arn)) = l.first() {
                if choice.get_untracked().is_empty() {
                    choice.set(arn.clone());
                }
            }
        }
    });
    Signal::derive(move || list.get())
}

/// The usual refresh after a change: this tab's data (`reload`) and the
/// others' (`version`).
pub fn bump(reload: RwSignal<u32>, version: RwSignal<u32>) -> impl Fn() + Copy + Send + Sync + 'static {
    move || {
        reload.update(|n| *n += 1);
        version.update(|n| *n += 1);
    }
}

/// A loaded list's value, or what shows meanwhile: `loading`, or the error.
pub fn loaded<T>(state: Option<Result<T, String>>, loading: &'static str) -> Result<T, AnyView> {
    match state {
        None => Err(view! { <p class="muted" role="status">{loading}</p> }.into_any()),
        Some(Err(e)) => Err(view! { <p class="error-text" role="alert">{e}</p> }.into_any()),
        Some(Ok(v)) => Ok(v),
    }
}

/// Every item of a paged v1 list (`{"item": [...], "position"}`, pages of
/// up to 500 as `limit` allows): `path` may carry a query already.
pub async fn rest_items(path: &str) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    let mut position: Option<String> = None;
    let join = if path.contains('?') { '&' } else { '?' };
    loop {
        let target = match &position {
            Some(p) => format!("{path}{join}limit=500&position={}", path_segment(p)),
            None => format!("{path}{join}limit=500"),
        };
        let page = apigateway("GET", &target, None).await?;
        out.extend(page["item"].as_array().cloned().unwrap_or_default());
        match page["position"].as_str() {
            Some(p) if !p.is_empty() && Some(p) != position.as_deref() => position = Some(p.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// The stages of a REST API, by name (GetStages is not paged).
pub async fn stage_list(api_id: &str) -> Result<Vec<Value>, String> {
    let answer = apigateway("GET", &format!("/restapis/{api_id}/stages"), None).await.map_err(|e| error_text(&e))?;
    let mut list = answer["item"].as_array().cloned().unwrap_or_default();
    list.sort_by(|a, b| a["stageName"].as_str().cmp(&b["stageName"].as_str()));
    Ok(list)
}

/// The URI API Gateway calls a function by (Lambda proxy integrations and
/// authorizers): `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`.
pub fn lambda_uri(function_arn: &str) -> String {
    format!("arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{function_arn}/invocations", crate::engine::REGION)
}

/// A Lambda authorizer's result-cache TTL as typed in its field (both API
/// kinds' Authorizers tabs), or the line that says what it must be.
pub fn cache_ttl(text: &str) -> Result<i64, String> {
    text.trim().parse::<i64>().map_err(|_| "The TTL is a whole number of seconds, 0 to 3600 (0: no cache).".to_string())
}

/// The function ARN inside a [`lambda_uri`] (or the text itself).
pub fn function_arn_of(uri: &str) -> String {
    match uri.find("/functions/") {
        Some(i) => uri[i + "/functions/".len()..].trim_end_matches("/invocations").to_string(),
        None => uri.to_string(),
    }
}

/// The invoke endpoint of a REST API: this site's `_api/<apiId>` (stages
/// are its first path segment).
pub fn rest_endpoint(api_id: &str) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}{}", crate::ui::href(&format!("/_api/{api_id}")))
}

#[component]
pub fn RestApi(api: Value) -> impl IntoView {
    let id = api["id"].as_str().unwrap_or("").to_string();
    let name = api["name"].as_str().unwrap_or("").to_string();
    let endpoint = rest_endpoint(&id);
    // Bumped by every tab that changes something the others show.
    let version = RwSignal::new(0u32);
    let tab = RwSignal::new("resources");
    let stages = LocalResource::new({
        let id = id.clone();
        move || {
            version.track();
            let id = id.clone();
            async move { stage_list(&id).await }
        }
    });
    let tab_button = move |tid: &'static str, label: &'static str| {
        view! {
            <button role="tab" class="tab" aria-selected=move || (tab.get() == tid).to_string() on:click=move |_| tab.set(tid)>
                {label}
            </button>
        }
    };
    let stage_facts = move || match stages.get() {
        None => view! { <span class="muted">"Loading…"</span> }.into_any(),
        Some(Err(e)) => view! { <span class="error-text">{e}</span> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <span class="muted">"No stages yet: deploy the API to a stage (Stages tab) to give it an invoke URL."</span> }.into_any(),
        Some(Ok(list)) => list
            .iter()
            .map(|s| view! { <code class="stage-name">{s["stageName"].as_str().unwrap_or("").to_string()}</code>" " })
            .collect_view()
            .into_any(),
    };
    let description = api["description"].as_str().unwrap_or("—").to_string();
    let key_source = api["apiKeySource"].as_str().unwrap_or("HEADER").to_string();
    let created = date_label(&api["createdDate"]);
    let (id_r, id_s, id_k, id_a, id_t, id_m) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let (ep_s, ep_k, ep_t) = (endpoint.clone(), endpoint.clone(), endpoint.clone());
    let (name_k, name_m) = (name.clone(), name.clone());
    view! {
        <section class="card">
            <dl class="facts">
                <Fact label="API ID"><code>{id.clone()}</code></Fact>
                <Fact label="Protocol">"REST"</Fact>
                <Fact label="Description">{description}</Fact>
                <Fact label="Endpoint"><code class="endpoint" data-testid="api-endpoint">{format!("{endpoint}/<stage>/")}</code></Fact>
                <Fact label="API key source">{key_source}" "<span class="muted">"(the x-api-key header)"</span></Fact>
                <Fact label="Stages">{stage_facts}</Fact>
                <Fact label="Created">{created}</Fact>
            </dl>
        </section>
        <div class="tabs" role="tablist" aria-label="API views">
            {tab_button("resources", "Resources")}
            {tab_button("stages", "Stages")}
            {tab_button("keys", "API keys")}
            {tab_button("authorizers", "Authorizers")}
            {tab_button("test", "Test")}
            {tab_button("monitor", "Monitor")}
        </div>
        <Show when=move || tab.get() == "resources">
            <div role="tabpanel" aria-label="Resources"><Resources api_id=id_r.clone() version=version/></div>
        </Show>
        <Show when=move || tab.get() == "stages">
            <div role="tabpanel" aria-label="Stages"><RestStages api_id=id_s.clone() endpoint=ep_s.clone() version=version/></div>
        </Show>
        <Show when=move || tab.get() == "keys">
            <div role="tabpanel" aria-label="API keys"><KeysAndPlans api_id=id_k.clone() api_name=name_k.clone() endpoint=ep_k.clone() version=version/></div>
        </Show>
        <Show when=move || tab.get() == "authorizers">
            <div role="tabpanel" aria-label="Authorizers"><Authorizers api_id=id_a.clone() version=version/></div>
        </Show>
        <div role="tabpanel" aria-label="Test" hidden=move || tab.get() != "test">
            <TestClient api_id=id_t endpoint=ep_t rest=true version=version/>
        </div>
        <Show when=move || tab.get() == "monitor">
            <div role="tabpanel" aria-label="Monitor"><Monitor api_id=id_m.clone() rest_api_name=name_m.clone()/></div>
        </Show>
    }
}
