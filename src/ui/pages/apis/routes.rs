//! The Routes tab: each route with the function its integration calls; add a
//! route, delete one, point one at another function.

use super::create::{function_select, route_key, METHODS};
use super::{all_items, confirm, error_text, function_of, functions};
use crate::ui::api::apigateway;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

/// The id of an AWS_PROXY integration calling `arn`, created if there is none.
async fn integration_for(api_id: &str, arn: &str, integrations: &[Value]) -> Result<String, String> {
    if let Some(i) = integrations.iter().find(|i| i["integrationUri"] == arn) {
        return Ok(i["integrationId"].as_str().unwrap_or("").to_string());
    }
    let format = integrations.first().and_then(|i| i["payloadFormatVersion"].as_str()).unwrap_or("2.0");
    let body = json!({ "integrationType": "AWS_PROXY", "integrationUri": arn, "payloadFormatVersion": format });
    apigateway("POST", &format!("/v2/apis/{api_id}/integrations"), Some(body))
        .await
        .map(|i| i["integrationId"].as_str().unwrap_or("").to_string())
        .map_err(|e| error_text(&e))
}

#[component]
pub fn Routes(api_id: String) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move {
                let routes = all_items(&format!("/v2/apis/{api_id}/routes")).await.map_err(|e| error_text(&e))?;
                let integrations = all_items(&format!("/v2/apis/{api_id}/integrations")).await.map_err(|e| error_text(&e))?;
                Ok::<_, String>((routes, integrations))
            }
        }
    });
    let fn_list = LocalResource::new(|| async { functions().await.map_err(|e| error_text(&e)) });
    let fn_signal = Signal::derive(move || fn_list.get());
    let message = RwSignal::new(None::<(bool, String)>);
    let method = RwSignal::new("GET".to_string());
    let path = RwSignal::new(String::new());
    let function = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let add = {
        let api_id = api_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let key = route_key(&method.get_untracked(), &path.get_untracked());
            let arn = function.get_untracked();
            if arn.is_empty() {
                message.set(Some((false, "Choose a function for the route.".into())));
                return;
            }
            let integrations = data.get_untracked().and_then(Result::ok).map(|d| d.1).unwrap_or_default();
            let api_id = api_id.clone();
            busy.set(true);
            spawn_local(async move {
                let result = async {
                    let iid = integration_for(&api_id, &arn, &integrations).await?;
                    apigateway("POST", &format!("/v2/apis/{api_id}/routes"), Some(json!({ "routeKey": key, "target": format!("integrations/{iid}") })))
                        .await
                        .map_err(|e| error_text(&e))
                }
                .await;
                match result {
                    Ok(_) => {
                        message.set(Some((true, format!("Added the route {key}."))));
                        path.set(String::new());
                        reload.update(|n| *n += 1);
                    }
                    Err(e) => message.set(Some((false, e))),
                }
                busy.set(false);
            });
        }
    };

    let table = {
        let api_id = api_id.clone();
        move || {
            let api_id = api_id.clone();
            match data.get() {
                None => view! { <p class="muted" role="status">"Loading routes…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error-text" role="alert">{e}</p> }.into_any(),
                Some(Ok((routes, _))) if routes.is_empty() => view! { <p class="muted">"No routes yet: add one below."</p> }.into_any(),
                Some(Ok((mut routes, integrations))) => {
                    routes.sort_by(|a, b| a["routeKey"].as_str().cmp(&b["routeKey"].as_str()));
                    view! {
                        <div class="table-scroll">
                            <table class="data-table" aria-label="Routes">
                                <thead>
                                    <tr>
                                        <th scope="col">"Route"</th>
                                        <th scope="col">"Integration"</th>
                                        <th scope="col">"Function"</th>
                                        <th scope="col">"Payload"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {routes.into_iter().map(|r| {
                                        let key = r["routeKey"].as_str().unwrap_or("").to_string();
                                        let route_id = r["routeId"].as_str().unwrap_or("").to_string();
                                        let target = r["target"].as_str().unwrap_or("").trim_start_matches("integrations/").to_string();
                                        let integration = integrations.iter().find(|i| i["integrationId"] == target.as_str()).cloned().unwrap_or(Value::Null);
                                        let uri = integration["integrationUri"].as_str().unwrap_or("").to_string();
                                        let current = RwSignal::new(uri.clone());
                                        let integrations = integrations.clone();
                                        let api_change = api_id.clone();
                                        let api_delete = api_id.clone();
                                        let key_change = key.clone();
                                        let key_delete = key.clone();
                                        let rid_change = route_id.clone();
                                        // Pointing the route at another function.
                                        Effect::new(move |prev: Option<()>| {
                                            let arn = current.get();
                                            if prev.is_none() || arn.is_empty() || arn == uri {
                                                return;
                                            }
                                            let (api_id, rid, key, integrations) = (api_change.clone(), rid_change.clone(), key_change.clone(), integrations.clone());
                                            spawn_local(async move {
                                                let result = async {
                                                    let iid = integration_for(&api_id, &arn, &integrations).await?;
                                                    apigateway("PATCH", &format!("/v2/apis/{api_id}/routes/{rid}"), Some(json!({ "target": format!("integrations/{iid}") })))
                                                        .await
                                                        .map_err(|e| error_text(&e))
                                                }
                                                .await;
                                                match result {
                                                    Ok(_) => message.set(Some((true, format!("{key} now calls {}.", function_of(&arn))))),
                                                    Err(e) => message.set(Some((false, e))),
                                                }
                                                reload.update(|n| *n += 1);
                                            });
                                        });
                                        let delete = move |_| {
                                            if !confirm(&format!("Delete the route {key_delete}?")) {
                                                return;
                                            }
                                            let (api_id, rid, key) = (api_delete.clone(), route_id.clone(), key_delete.clone());
                                            spawn_local(async move {
                                                match apigateway("DELETE", &format!("/v2/apis/{api_id}/routes/{rid}"), None).await {
                                                    Ok(_) => message.set(Some((true, format!("Deleted the route {key}.")))),
                                                    Err(e) => message.set(Some((false, error_text(&e)))),
                                                }
                                                reload.update(|n| *n += 1);
                                            });
                                        };
                                        let is_lambda = integration["integrationType"] == "AWS_PROXY";
                                        view! {
                                            <tr>
                                                <th scope="row"><code>{key.clone()}</code></th>
                                                <td><code>{target.clone()}</code>" "<span class="muted">{integration["integrationType"].as_str().unwrap_or("—").to_string()}</span></td>
                                                <td>{if is_lambda {
                                                    function_select(format!("Function of {key}"), current, fn_signal).into_any()
                                                } else {
                                                    view! { <code>{integration["integrationUri"].as_str().unwrap_or("—").to_string()}</code> }.into_any()
                                                }}</td>
                                                <td>{integration["payloadFormatVersion"].as_str().unwrap_or("—").to_string()}</td>
                                                <td><button class="button small danger" aria-label=format!("Delete route {key}") on:click=delete>"Delete"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                }
            }
        }
    };

    view! {
        <section class="card">
            <h2>"Routes"</h2>
            {table}
            {move || message.get().map(|(ok, m)| if ok {
                view! { <p class="muted" role="status">{m}</p> }.into_any()
            } else {
                view! { <p class="error-text" role="alert">{m}</p> }.into_any()
            })}
            <h3>"Add a route"</h3>
            <form class="route-row" on:submit=add>
                <select aria-label="New route method" prop:value=move || method.get() on:change=move |ev| method.set(event_target_value(&ev))>
                    {METHODS.iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                </select>
                <input type="text" aria-label="New route path" placeholder="/items" disabled=move || method.get() == "$default"
                    prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev))/>
                <span class="muted">"→"</span>
                {function_select("New route function".into(), function, fn_signal)}
                <button type="submit" class="button primary small" disabled=move || busy.get()>"Add route"</button>
            </form>
        </section>
    }
}
