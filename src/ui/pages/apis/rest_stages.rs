//! A REST API's Stages tab: Deploy (CreateDeployment to a new or an
//! existing stage, with a description); each stage with its invoke URL, the
//! deployment it serves (roll back or forward with UpdateStage), its
//! default method throttling (`*/*` rate and burst); the deployments.

use super::rest::{act, bump, flash, loaded, rest_items, stage_list, Message};
use super::stages::{parse_throttle, throttle_fields};
use super::{date_label, error_text, invoke_url};
use crate::ui::api::path_segment;
use leptos::prelude::*;
use serde_json::{json, Value};

#[component]
pub fn RestStages(api_id: String, endpoint: String, version: RwSignal<u32>) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move {
                let stages = stage_list(&api_id).await?;
                let mut deployments = rest_items(&format!("/restapis/{api_id}/deployments")).await.map_err(|e| error_text(&e))?;
                deployments.sort_by(|a, b| b["createdDate"].as_f64().partial_cmp(&a["createdDate"].as_f64()).unwrap_or(std::cmp::Ordering::Equal));
                Ok::<_, String>((stages, deployments))
            }
        }
    });
    let message: Message = RwSignal::new(None);
    let changed = bump(reload, version);
    let target = RwSignal::new(String::new());
    let new_stage = RwSignal::new("prod".to_string());
    let description = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let deploy = {
        let api_id = api_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let stage = match target.get_untracked() {
                t if t.is_empty() => new_stage.get_untracked().trim().to_string(),
                t => t,
            };
            if stage.is_empty() {
                return message.set(Some((false, "Name the stage to deploy to (letters, digits, - and _).".into())));
            }
            let mut body = json!({ "stageName": stage });
            let d = description.get_untracked();
            if !d.trim().is_empty() {
                body["description"] = json!(d.trim());
            }
            busy.set(true);
            let done = move |dep: Value| {
                description.set(String::new());
                target.set(stage.clone());
                format!("Deployed {} to the stage {stage}.", dep["id"].as_str().unwrap_or(""))
            };
            act(None, "POST", format!("/restapis/{api_id}/deployments"), Some(body), message, done, move || {
                busy.set(false);
                changed();
            });
        }
    };

    let body = move || {
        let (stages, deployments) = match loaded(data.get(), "Loading stages…") {
            Ok(d) => d,
            Err(v) => return v,
        };
        let names: Vec<String> = stages.iter().filter_map(|s| s["stageName"].as_str().map(str::to_string)).collect();
        let cards = if stages.is_empty() {
            view! { <p class="muted">"No stages yet: deploy the API to one above."</p> }.into_any()
        } else {
            stages
                .iter()
                .map(|s| stage_card(s.clone(), &deployments, api_id.clone(), endpoint.clone(), message, changed))
                .collect_view()
                .into_any()
        };
        let deployment_rows = deployments
            .iter()
            .map(|d| {
                let did = d["id"].as_str().unwrap_or("").to_string();
                let serving: Vec<String> = stages.iter().filter(|s| s["deploymentId"] == did.as_str()).filter_map(|s| s["stageName"].as_str().map(str::to_string)).collect();
                let delete = {
                    let (api_id, did) = (api_id.clone(), did.clone());
                    move |_| {
                        let done = format!("Deleted the deployment {did}.");
                        act(Some(format!("Delete the deployment {did}?")), "DELETE", format!("/restapis/{api_id}/deployments/{did}"), None, message, move |_| done, changed);
                    }
                };
                let in_use = !serving.is_empty();
                view! {
                    <tr>
                        <th scope="row"><code>{did.clone()}</code></th>
                        <td>{d["description"].as_str().unwrap_or("—").to_string()}</td>
                        <td>{date_label(&d["createdDate"])}</td>
                        <td>{if in_use { serving.join(", ") } else { "—".into() }}</td>
                        <td>{(!in_use).then(|| view! { <button class="button small danger" aria-label=format!("Delete deployment {did}") on:click=delete>"Delete"</button> })}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <form class="deploy-form" aria-label="Deploy" on:submit=deploy.clone()>
                <h3>"Deploy"</h3>
                <p class="muted">"A deployment is a snapshot of the resources, methods and authorizers; the stage serves it at its invoke URL."</p>
                <div class="field-row">
                    <label class="field narrow">
                        <span>"Stage"</span>
                        <select aria-label="Stage to deploy to" prop:value=move || target.get() on:change=move |ev| target.set(event_target_value(&ev))>
                            <option value="">"New stage"</option>
                            {names.iter().map(|n| view! { <option value=n.clone() selected=target.get_untracked() == *n>{n.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <Show when=move || target.get().is_empty()>
                        <label class="field narrow">
                            <span>"New stage name"</span>
                            <input type="text" prop:value=move || new_stage.get() on:input=move |ev| new_stage.set(event_target_value(&ev))/>
                        </label>
                    </Show>
                    <label class="field">
                        <span>"Deployment description"</span>
                        <input type="text" placeholder="What changed" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                    </label>
                </div>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>{move || if busy.get() { "Deploying…" } else { "Deploy" }}</button>
                </div>
            </form>
            <h3>"Stages"</h3>
            {cards}
            <h3>"Deployments"</h3>
            {if deployments.is_empty() {
                view! { <p class="muted">"None yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="data-table" aria-label="Deployments">
                            <thead><tr><th scope="col">"ID"</th><th scope="col">"Description"</th><th scope="col">"Created"</th><th scope="col">"Stages"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>{deployment_rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        }
        .into_any()
    };

    view! {
        <section class="card">
            <h2>"Stages and deployments"</h2>
            {flash(message)}
            {body}
        </section>
    }
}

fn stage_card(s: Value, deployments: &[Value], api_id: String, endpoint: String, message: Message, changed: impl Fn() + Copy + 'static) -> impl IntoView {
    let name = s["stageName"].as_str().unwrap_or("").to_string();
    let url = invoke_url(&endpoint, &name);
    let current = s["deploymentId"].as_str().unwrap_or("").to_string();
    let deployment = RwSignal::new(current.clone());
    let all = &s["methodSettings"]["*/*"];
    let rate = RwSignal::new(all["throttlingRateLimit"].as_f64().map(|v| v.to_string()).unwrap_or_default());
    let burst = RwSignal::new(all["throttlingBurstLimit"].as_i64().map(|v| v.to_string()).unwrap_or_default());
    let save = {
        let (api_id, name, current) = (api_id.clone(), name.clone(), current.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut ops = Vec::new();
            let d = deployment.get_untracked();
            if d != current {
                ops.push(json!({ "op": "replace", "path": "/deploymentId", "value": d }));
            }
            let (r, b) = match parse_throttle(&rate.get_untracked(), &burst.get_untracked()) {
                Ok(t) => t,
                Err(e) => return message.set(Some((false, e))),
            };
            if let Some(v) = r {
                ops.push(json!({ "op": "replace", "path": "/*/*/throttling/rateLimit", "value": v.to_string() }));
            }
            if let Some(v) = b {
                ops.push(json!({ "op": "replace", "path": "/*/*/throttling/burstLimit", "value": v.to_string() }));
            }
            if ops.is_empty() {
                return message.set(Some((true, format!("Nothing to change on the stage {name}."))));
            }
            let done = format!("Saved the stage {name}.");
            act(None, "PATCH", format!("/restapis/{api_id}/stages/{}", path_segment(&name)), Some(json!({ "patchOperations": ops })), message, move |_| done, changed);
        }
    };
    let delete = {
        let (api_id, name) = (api_id.clone(), name.clone());
        move |_| {
            let done = format!("Deleted the stage {name}.");
            let question = format!("Delete the stage {name}? Its invoke URL stops answering.");
            act(Some(question), "DELETE", format!("/restapis/{api_id}/stages/{}", path_segment(&name)), None, message, move |_| done, changed);
        }
    };
    let options = deployments
        .iter()
        .map(|d| {
            let id = d["id"].as_str().unwrap_or("").to_string();
            let label = match d["description"].as_str() {
                Some(t) => format!("{id} — {t} ({})", date_label(&d["createdDate"])),
                None => format!("{id} ({})", date_label(&d["createdDate"])),
            };
            let selected = id == current;
            view! { <option value=id selected=selected>{label}</option> }
        })
        .collect_view();
    let label = name.clone();
    view! {
        <form class="stage" on:submit=save aria-label=format!("Stage {label}")>
            <div class="resource-head">
                <h4><code>{name.clone()}</code></h4>
                <span class="spacer"></span>
                <button type="button" class="button small danger" aria-label=format!("Delete stage {name}") on:click=delete>"Delete stage"</button>
            </div>
            <dl class="facts">
                <div class="fact"><dt>"Invoke URL"</dt><dd><a href=url.clone() target="_blank" rel="noopener" data-testid="invoke-url"><code class="endpoint">{url.clone()}</code></a></dd></div>
                <div class="fact"><dt>"Description"</dt><dd>{s["description"].as_str().unwrap_or("—").to_string()}</dd></div>
                <div class="fact"><dt>"Updated"</dt><dd>{date_label(&s["lastUpdatedDate"])}</dd></div>
            </dl>
            <div class="field-row">
                <label class="field">
                    <span>"Deployment"</span>
                    <select prop:value=move || deployment.get() on:change=move |ev| deployment.set(event_target_value(&ev))>{options}</select>
                </label>
                {throttle_fields(rate, burst)}
                <button type="submit" class="button">"Save stage"</button>
            </div>
        </form>
    }
}
