//! A REST API's Authorizers tab: Lambda authorizers (CreateAuthorizer of
//! type TOKEN, which reads one header, or REQUEST, which gets the request's
//! headers, query string and context), with the function, the identity
//! source and the result cache's TTL; deleting one no method uses.

use super::create::{function_select, FunctionList};
use super::rest::{act, cache_ttl, bump, flash, function_arn_of, function_choices, lambda_uri, loaded, rest_items, Message};
use super::{error_text, function_of};
use crate::ui::widgets::text_input;
use leptos::prelude::*;
use serde_json::json;

#[component]
pub fn Authorizers(api_id: String, version: RwSignal<u32>) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move { rest_items(&format!("/restapis/{api_id}/authorizers")).await.map_err(|e| error_text(&e)) }
        }
    });
    let message: Message = RwSignal::new(None);
    let changed = bump(reload, version);
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("TOKEN".to_string());
    let function = RwSignal::new(String::new());
    let fn_signal: FunctionList = function_choices(function);
    let identity = RwSignal::new("method.request.header.Authorization".to_string());
    let ttl = RwSignal::new("300".to_string());
    let busy = RwSignal::new(false);

    let create = {
        let api_id = api_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let n = name.get_untracked().trim().to_string();
            if n.is_empty() {
                return message.set(Some((false, "Give the authorizer a name.".into())));
            }
            let arn = function.get_untracked();
            if arn.is_empty() {
                return message.set(Some((false, "Choose the authorizer's function.".into())));
            }
            let seconds = match cache_ttl(&ttl.get_untracked()) {
                Ok(s) => s,
                Err(e) => return message.set(Some((false, e))),
            };
            let mut body = json!({ "name": n, "type": kind.get_untracked(), "authorizerUri": lambda_uri(&arn), "authorizerResultTtlInSeconds": seconds });
            let source = identity.get_untracked();
            if !source.trim().is_empty() {
                body["identitySource"] = json!(source.split(',').map(str::trim).collect::<Vec<_>>().join(", "));
            }
            busy.set(true);
            act(
                None,
                "POST",
                format!("/restapis/{api_id}/authorizers"),
                Some(body),
                message,
                move |a| {
                    name.set(String::new());
                    format!("Created the authorizer {n} ({}). Methods use it with authorization CUSTOM (Resources tab); deploy to apply.", a["id"].as_str().unwrap_or(""))
                },
                move || {
                    busy.set(false);
                    changed();
                },
            );
        }
    };

    let table = {
        let api_id = api_id.clone();
        move || {
            let list = match loaded(data.get(), "Loading authorizers…") {
                Ok(l) => l,
                Err(v) => return v,
            };
            if list.is_empty() {
                return view! { <p class="muted">"No authorizers yet."</p> }.into_any();
            }
            let rows = list
                .into_iter()
                .map(|a| {
                    let aid = a["id"].as_str().unwrap_or("").to_string();
                    let aname = a["name"].as_str().unwrap_or("").to_string();
                    let delete = {
                        let (api_id, aid, aname) = (api_id.clone(), aid.clone(), aname.clone());
                        move |_| {
                            let done = format!("Deleted the authorizer {aname}.");
                            act(Some(format!("Delete the authorizer {aname}?")), "DELETE", format!("/restapis/{api_id}/authorizers/{aid}"), None, message, move |_| done, changed);
                        }
                    };
                    view! {
                        <tr>
                            <th scope="row">{aname.clone()}</th>
                            <td><code>{aid}</code></td>
                            <td>{a["type"].as_str().unwrap_or("").to_string()}</td>
                            <td>{function_of(&function_arn_of(a["authorizerUri"].as_str().unwrap_or("")))}</td>
                            <td><code>{a["identitySource"].as_str().unwrap_or("—").to_string()}</code></td>
                            <td class="num">{a["authorizerResultTtlInSeconds"].as_i64().map(|t| format!("{t} s")).unwrap_or_default()}</td>
                            <td><button class="button small danger" aria-label=format!("Delete authorizer {aname}") on:click=delete>"Delete"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-scroll">
                    <table class="data-table" aria-label="Authorizers">
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"ID"</th><th scope="col">"Type"</th><th scope="col">"Function"</th>
                            <th scope="col">"Identity source"</th><th scope="col">"Cache TTL"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };

    view! {
        <section class="card">
            <h2>"Authorizers"</h2>
            {flash(message)}
            {table}
            <form class="method-form" aria-label="Create an authorizer" on:submit=create>
                <h4>"Create a Lambda authorizer"</h4>
                <div class="field-row">
                    {text_input("Authorizer name", name, "token-check")}
                    <label class="field narrow">
                        <span>"Type"</span>
                        <select prop:value=move || kind.get() on:change=move |ev| {
                            let k = event_target_value(&ev);
                            if k == "REQUEST" && identity.get_untracked() == "method.request.header.Authorization" {
                                identity.set("method.request.header.Authorization, method.request.querystring.token".into());
                            }
                            kind.set(k);
                        }>
                            <option value="TOKEN">"TOKEN"</option>
                            <option value="REQUEST">"REQUEST"</option>
                        </select>
                    </label>
                    <label class="field">
                        <span>"Authorizer function"</span>
                        {function_select("Authorizer function".into(), function, fn_signal)}
                    </label>
                </div>
                <div class="field-row">
                    <label class="field">
                        <span>"Identity source"</span>
                        <input type="text" prop:value=move || identity.get() on:input=move |ev| identity.set(event_target_value(&ev))/>
                        <small class="muted">{move || if kind.get() == "TOKEN" {
                            "One header, method.request.header.<name>: its value is the event's authorizationToken; without it the caller gets 401."
                        } else {
                            "Comma-separated: method.request.header.<name>, method.request.querystring.<name>, stageVariables.<name>; all must be present."
                        }}</small>
                    </label>
                    <label class="field narrow">
                        <span>"Cache TTL (seconds)"</span>
                        <input type="number" min="0" max="3600" prop:value=move || ttl.get() on:input=move |ev| ttl.set(event_target_value(&ev))/>
                    </label>
                </div>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>"Create authorizer"</button>
                </div>
            </form>
        </section>
    }
}
