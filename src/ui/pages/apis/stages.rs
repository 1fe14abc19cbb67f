//! The Stages tab: each stage with its invoke URL, automatic deployment and
//! default throttling (rate and burst), editable.

use super::{all_items, date_label, error_text, invoke_url};
use crate::ui::api::apigateway;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

/// A throttle as typed: the rate (requests a second) and the burst, each
/// `None` when left empty, or what is wrong with them.
pub fn parse_throttle(rate: &str, burst: &str) -> Result<(Option<f64>, Option<i64>), String> {
    let rate = match rate.trim() {
        "" => None,
        r => match r.parse::<f64>() {
            Ok(v) if v >= 0.0 => Some(v),
            _ => return Err("The rate limit must be a number of requests per second, 0 or more.".into()),
        },
    };
    let burst = match burst.trim() {
        "" => None,
        b => match b.parse::<i64>() {
            Ok(v) if v >= 0 => Some(v),
            _ => return Err("The burst limit must be a whole number, 0 or more.".into()),
        },
    };
    Ok((rate, burst))
}

/// The rate and burst inputs of a stage's throttling (empty: the account's 10,000 and 5,000).
pub fn throttle_fields(rate: RwSignal<String>, burst: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field narrow">
            <span>"Rate limit (requests per second)"</span>
            <input type="number" min="0" step="any" placeholder="10000" prop:value=move || rate.get() on:input=move |ev| rate.set(event_target_value(&ev))/>
        </label>
        <label class="field narrow">
            <span>"Burst limit (requests)"</span>
            <input type="number" min="0" placeholder="5000" prop:value=move || burst.get() on:input=move |ev| burst.set(event_target_value(&ev))/>
        </label>
    }
}

#[component]
pub fn Stages(api_id: String, endpoint: String) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move { all_items(&format!("/v2/apis/{api_id}/stages")).await.map_err(|e| error_text(&e)) }
        }
    });
    let message = RwSignal::new(None::<(bool, String)>);
    let list = move || match data.get() {
        None => view! { <p class="muted" role="status">"Loading stages…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{e}</p> }.into_any(),
        Some(Ok(stages)) if stages.is_empty() => view! {
            <p class="muted">"No stages: the API answers nothing until a stage is deployed (CreateStage with autoDeploy, or CreateDeployment)."</p>
        }
        .into_any(),
        Some(Ok(stages)) => stages
            .into_iter()
            .map(|s| stage_card(s, api_id.clone(), endpoint.clone(), message, reload))
            .collect_view()
            .into_any(),
    };
    view! {
        <section class="card">
            <h2>"Stages"</h2>
            {move || message.get().map(|(ok, m)| if ok {
                view! { <p class="muted" role="status">{m}</p> }.into_any()
            } else {
                view! { <p class="error-text" role="alert">{m}</p> }.into_any()
            })}
            {list}
        </section>
    }
}

fn stage_card(s: Value, api_id: String, endpoint: String, message: RwSignal<Option<(bool, String)>>, reload: RwSignal<u32>) -> impl IntoView {
    let name = s["stageName"].as_str().unwrap_or("").to_string();
    let url = invoke_url(&endpoint, &name);
    let auto = RwSignal::new(s["autoDeploy"].as_bool().unwrap_or(false));
    let settings = &s["defaultRouteSettings"];
    let rate = RwSignal::new(settings["throttlingRateLimit"].as_f64().map(|v| v.to_string()).unwrap_or_default());
    let burst = RwSignal::new(settings["throttlingBurstLimit"].as_i64().map(|v| v.to_string()).unwrap_or_default());
    let save = {
        let (api_id, name) = (api_id.clone(), name.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut route_settings = json!({});
            let (r, b) = match parse_throttle(&rate.get_untracked(), &burst.get_untracked()) {
                Ok(t) => t,
                Err(e) => return message.set(Some((false, e))),
            };
            if let Some(v) = r {
                route_settings["throttlingRateLimit"] = json!(v);
            }
            if let Some(v) = b {
                route_settings["throttlingBurstLimit"] = json!(v);
            }
            let body = json!({ "autoDeploy": auto.get_untracked(), "defaultRouteSettings": route_settings });
            let (api_id, name) = (api_id.clone(), name.clone());
            spawn_local(async move {
                let path = format!("/v2/apis/{api_id}/stages/{}", crate::ui::api::path_segment(&name));
                match apigateway("PATCH", &path, Some(body)).await {
                    Ok(_) => message.set(Some((true, format!("Saved the stage {name}.")))),
                    Err(e) => message.set(Some((false, error_text(&e)))),
                }
                reload.update(|n| *n += 1);
            });
        }
    };
    let deployment = s["deploymentId"].as_str().unwrap_or("—").to_string();
    let status = s["lastDeploymentStatusMessage"].as_str().unwrap_or("").to_string();
    let label = name.clone();
    view! {
        <form class="stage" on:submit=save aria-label=format!("Stage {label}")>
            <h3><code>{name.clone()}</code></h3>
            <dl class="facts">
                <div class="fact"><dt>"Invoke URL"</dt><dd><a href=url.clone() target="_blank" rel="noopener" data-testid="invoke-url"><code>{url.clone()}</code></a></dd></div>
                <div class="fact"><dt>"Deployment"</dt><dd><code>{deployment}</code>" "<span class="muted">{status}</span></dd></div>
                <div class="fact"><dt>"Updated"</dt><dd>{date_label(&s["lastUpdatedDate"])}</dd></div>
            </dl>
            <div class="field-row">
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || auto.get() on:change=move |ev| auto.set(event_target_checked(&ev))/>
                    "Deploy automatically"
                </label>
                {throttle_fields(rate, burst)}
                <button type="submit" class="button">"Save stage"</button>
            </div>
        </form>
    }
}
