//! An HTTP API's Authorizers tab: JWT authorizers (the issuer whose keys sign
//! the tokens, the audiences accepted, where the token is read) and Lambda
//! REQUEST authorizers (the function, its payload format, simple responses,
//! identity sources and result cache); deleting one no route uses; and which
//! authorizer guards each route, with a JWT route's scopes (UpdateRoute).

use super::create::{function_select, FunctionList};
use super::rest::{act, cache_ttl, flash, function_arn_of, function_choices, lambda_uri, loaded, Message};
use super::{all_items, error_text, function_of};
use crate::ui::widgets::{list_of, text_input};
use leptos::prelude::*;
use serde_json::{json, Value};

/// The identity source API Gateway suggests for both kinds.
const AUTHORIZATION_HEADER: &str = "$request.header.Authorization";

/// What an authorizer checks, in a few words.
fn details(a: &Value) -> String {
    if a["authorizerType"] == "JWT" {
        let jwt = &a["jwtConfiguration"];
        let audience: Vec<&str> = jwt["audience"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        format!("issuer {}, audience {}", jwt["issuer"].as_str().unwrap_or("—"), if audience.is_empty() { "—".into() } else { audience.join(", ") })
    } else {
        let function = function_of(&function_arn_of(a["authorizerUri"].as_str().unwrap_or("")));
        let simple = if a["enableSimpleResponses"] == true { ", simple responses" } else { "" };
        format!("function {function}, payload {}{simple}", a["authorizerPayloadFormatVersion"].as_str().unwrap_or("—"))
    }
}

/// The request body of UpdateRoute that makes `authorizer` (none when
/// `None`) guard a route, with `scopes` for a JWT authorizer.
pub fn route_authorization(authorizer: Option<&Value>, scopes: &str) -> Value {
    match authorizer {
        None => json!({ "authorizationType": "NONE", "authorizationScopes": [] }),
        Some(a) => {
            let jwt = a["authorizerType"] == "JWT";
            json!({
                "authorizationType": if jwt { "JWT" } else { "CUSTOM" },
                "authorizerId": a["authorizerId"],
                "authorizationScopes": if jwt { list_of(scopes) } else { Vec::new() },
            })
        }
    }
}

#[component]
pub fn HttpAuthorizers(api_id: String) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move {
                let authorizers = all_items(&format!("/v2/apis/{api_id}/authorizers")).await.map_err(|e| error_text(&e))?;
                let routes = all_items(&format!("/v2/apis/{api_id}/routes")).await.map_err(|e| error_text(&e))?;
                Ok::<_, String>((authorizers, routes))
            }
        }
    });
    let message: Message = RwSignal::new(None);
    let changed = move || reload.update(|n| *n += 1);
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("JWT".to_string());
    let identity = RwSignal::new(AUTHORIZATION_HEADER.to_string());
    let issuer = RwSignal::new(String::new());
    let audience = RwSignal::new(String::new());
    let function = RwSignal::new(String::new());
    let fn_signal: FunctionList = function_choices(function);
    let payload = RwSignal::new("2.0".to_string());
    let simple = RwSignal::new(true);
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
            let sources = list_of(&identity.get_untracked());
            let body = if kind.get_untracked() == "JWT" {
                let iss = issuer.get_untracked().trim().to_string();
                if iss.is_empty() {
                    return message.set(Some((false, "A JWT authorizer needs the issuer URL (the iss claim its tokens carry).".into())));
                }
                json!({
                    "name": n, "authorizerType": "JWT", "identitySource": sources,
                    "jwtConfiguration": { "issuer": iss, "audience": list_of(&audience.get_untracked()) },
                })
            } else {
                let arn = function.get_untracked();
                if arn.is_empty() {
                    return message.set(Some((false, "Choose the authorizer's function.".into())));
                }
                let seconds = match cache_ttl(&ttl.get_untracked()) {
                    Ok(s) => s,
                    Err(e) => return message.set(Some((false, e))),
                };
                let version = payload.get_untracked();
                json!({
                    "name": n, "authorizerType": "REQUEST", "authorizerUri": lambda_uri(&arn),
                    "authorizerPayloadFormatVersion": version, "enableSimpleResponses": version == "2.0" && simple.get_untracked(),
                    "identitySource": sources, "authorizerResultTtlInSeconds": seconds,
                })
            };
            busy.set(true);
            act(
                None,
                "POST",
                format!("/v2/apis/{api_id}/authorizers"),
                Some(body),
                message,
                move |a| {
                    name.set(String::new());
                    format!("Created the authorizer {n} ({}). Choose the routes it guards below.", a["authorizerId"].as_str().unwrap_or(""))
                },
                move || {
                    busy.set(false);
                    changed();
                },
            );
        }
    };

    let authorizer_table = {
        let api_id = api_id.clone();
        move || {
            let (list, _) = match loaded(data.get(), "Loading authorizers…") {
                Ok(l) => l,
                Err(v) => return v,
            };
            if list.is_empty() {
                return view! { <p class="muted">"No authorizers yet: every route is open."</p> }.into_any();
            }
            let rows = list
                .into_iter()
                .map(|a| {
                    let aid = a["authorizerId"].as_str().unwrap_or("").to_string();
                    let aname = a["name"].as_str().unwrap_or("").to_string();
                    let delete = {
                        let (api_id, aid, aname) = (api_id.clone(), aid.clone(), aname.clone());
                        move |_| {
                            let done = format!("Deleted the authorizer {aname}.");
                            act(Some(format!("Delete the authorizer {aname}?")), "DELETE", format!("/v2/apis/{api_id}/authorizers/{aid}"), None, message, move |_| done, changed);
                        }
                    };
                    let sources: Vec<&str> = a["identitySource"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                    let cache = if a["authorizerType"] == "JWT" { "—".to_string() } else { format!("{} s", a["authorizerResultTtlInSeconds"].as_i64().unwrap_or(0)) };
                    view! {
                        <tr>
                            <th scope="row">{aname.clone()}</th>
                            <td><code>{aid}</code></td>
                            <td>{a["authorizerType"].as_str().unwrap_or("").to_string()}</td>
                            <td>{details(&a)}</td>
                            <td><code>{if sources.is_empty() { "—".to_string() } else { sources.join(", ") }}</code></td>
                            <td class="num">{cache}</td>
                            <td><button class="button small danger" aria-label=format!("Delete authorizer {aname}") on:click=delete>"Delete"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-scroll">
                    <table class="data-table" aria-label="Authorizers">
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"ID"</th><th scope="col">"Type"</th><th scope="col">"Checks"</th>
                            <th scope="col">"Identity source"</th><th scope="col">"Cache TTL"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };

    let route_table = {
        let api_id = api_id.clone();
        move || {
            let (authorizers, mut routes) = match loaded(data.get(), "Loading routes…") {
                Ok(l) => l,
                Err(v) => return v,
            };
            if routes.is_empty() {
                return view! { <p class="muted">"No routes yet (Routes tab)."</p> }.into_any();
            }
            routes.sort_by(|a, b| a["routeKey"].as_str().cmp(&b["routeKey"].as_str()));
            let rows = routes
                .into_iter()
                .map(|r| {
                    let key = r["routeKey"].as_str().unwrap_or("").to_string();
                    let rid = r["routeId"].as_str().unwrap_or("").to_string();
                    let current = if r["authorizationType"] == "JWT" || r["authorizationType"] == "CUSTOM" {
                        r["authorizerId"].as_str().unwrap_or("").to_string()
                    } else {
                        String::new()
                    };
                    let scopes_now: Vec<&str> = r["authorizationScopes"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                    let choice = RwSignal::new(current);
                    let scopes = RwSignal::new(scopes_now.join(", "));
                    let choices = authorizers.clone();
                    let is_jwt = {
                        let choices = choices.clone();
                        move || choices.iter().any(|a| a["authorizerId"] == choice.get().as_str() && a["authorizerType"] == "JWT")
                    };
                    let save = {
                        let (api_id, key, choices) = (api_id.clone(), key.clone(), choices.clone());
                        move |_| {
                            let picked = choices.iter().find(|a| a["authorizerId"] == choice.get_untracked().as_str());
                            let body = route_authorization(picked, &scopes.get_untracked());
                            let guard = match picked {
                                None => format!("{key} is open (no authorizer)."),
                                Some(a) => format!("{key} is guarded by {} ({}).", a["name"].as_str().unwrap_or(""), a["authorizerType"].as_str().unwrap_or("")),
                            };
                            let done = format!("{guard} Stages with automatic deployment apply it at once, others at their next deployment.");
                            act(None, "PATCH", format!("/v2/apis/{api_id}/routes/{rid}"), Some(body), message, move |_| done, changed);
                        }
                    };
                    view! {
                        <tr>
                            <th scope="row"><code>{key.clone()}</code></th>
                            <td>
                                <select aria-label=format!("Authorizer of {key}") prop:value=move || choice.get() on:change=move |ev| choice.set(event_target_value(&ev))>
                                    <option value="">"None (open)"</option>
                                    {choices.iter().map(|a| {
                                        let id = a["authorizerId"].as_str().unwrap_or("").to_string();
                                        let label = format!("{} ({})", a["name"].as_str().unwrap_or(""), a["authorizerType"].as_str().unwrap_or(""));
                                        view! { <option value=id>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </td>
                            <td>
                                <input type="text" aria-label=format!("Scopes of {key}") placeholder="read, write" disabled=move || !is_jwt()
                                    prop:value=move || scopes.get() on:input=move |ev| scopes.set(event_target_value(&ev))/>
                            </td>
                            <td><button class="button small" aria-label=format!("Save authorization of {key}") on:click=save>"Save"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-scroll">
                    <table class="data-table" aria-label="Route authorization">
                        <thead><tr>
                            <th scope="col">"Route"</th><th scope="col">"Authorizer"</th><th scope="col">"Scopes (JWT)"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
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
            {authorizer_table}
            <form class="method-form" aria-label="Create an authorizer" on:submit=create>
                <h4>"Create an authorizer"</h4>
                <div class="field-row">
                    {text_input("Authorizer name", name, "token-check")}
                    <label class="field narrow">
                        <span>"Type"</span>
                        <select prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="JWT">"JWT"</option>
                            <option value="REQUEST">"Lambda (REQUEST)"</option>
                        </select>
                    </label>
                    <label class="field">
                        <span>"Identity source"</span>
                        <input type="text" prop:value=move || identity.get() on:input=move |ev| identity.set(event_target_value(&ev))/>
                        <small class="muted">{move || if kind.get() == "JWT" {
                            "Where the token is: $request.header.<name> or $request.querystring.<name> (a Bearer prefix is allowed)."
                        } else {
                            "Comma-separated: $request.header.<name>, $request.querystring.<name>, $context.<name>, $stageVariables.<name>; without them the caller gets 401. Also the cache key."
                        }}</small>
                    </label>
                </div>
                <Show when=move || kind.get() == "JWT">
                    <div class="field-row">
                        <label class="field">
                            <span>"Issuer URL"</span>
                            <input type="url" placeholder="https://issuer.example.com" prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev))/>
                            <small class="muted">"Its keys come from {issuer}/.well-known/openid-configuration; the issuer must allow this page's origin (CORS)."</small>
                        </label>
                        {text_input("Audience (comma-separated)", audience, "my-client-id")}
                    </div>
                </Show>
                <Show when=move || kind.get() == "REQUEST">
                    <div class="field-row">
                        <label class="field">
                            <span>"Authorizer function"</span>
                            {function_select("Authorizer function".into(), function, fn_signal)}
                        </label>
                        <label class="field narrow">
                            <span>"Payload format"</span>
                            <select prop:value=move || payload.get() on:change=move |ev| payload.set(event_target_value(&ev))>
                                <option value="2.0">"2.0"</option>
                                <option value="1.0">"1.0"</option>
                            </select>
                        </label>
                        <label class="field narrow">
                            <span>"Cache TTL (seconds)"</span>
                            <input type="number" min="0" max="3600" prop:value=move || ttl.get() on:input=move |ev| ttl.set(event_target_value(&ev))/>
                        </label>
                    </div>
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=move || simple.get() disabled=move || payload.get() != "2.0"
                            on:change=move |ev| simple.set(event_target_checked(&ev))/>
                        " Simple responses ({\"isAuthorized\": true} instead of an IAM policy; payload 2.0)"
                    </label>
                </Show>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>"Create authorizer"</button>
                </div>
            </form>
            <h3>"Route authorization"</h3>
            {route_table}
        </section>
    }
}
