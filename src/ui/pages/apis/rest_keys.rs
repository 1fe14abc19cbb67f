//! A REST API's "API keys" tab: the account's API keys (CreateApiKey, the
//! value shown; enable, disable, delete) and the usage plans that cover
//! this API's stages: CreateUsagePlan with a throttle (rate, burst) and a
//! quota (limit a day, week or month) bound to a stage, CreateUsagePlanKey
//! to add a key, each key's use this period (GetUsage).

use super::rest::{act, bump, flash, loaded, rest_items, stage_list, Message};
use super::stages::parse_throttle;
use super::{error_text, invoke_url};
use crate::ui::api::apigateway;
use leptos::prelude::*;
use serde_json::{json, Value};

/// A usage plan covering this API, with its keys and their use.
#[derive(Clone)]
struct Plan {
    plan: Value,
    keys: Vec<Value>,
    usage: Value,
}

async fn load(api_id: &str) -> Result<(Vec<Value>, Vec<Plan>, Vec<String>), String> {
    let keys = rest_items("/apikeys?includeValues=true").await.map_err(|e| error_text(&e))?;
    let plans = rest_items("/usageplans").await.map_err(|e| error_text(&e))?;
    let mut out = Vec::new();
    for p in plans {
        if !p["apiStages"].as_array().into_iter().flatten().any(|s| s["apiId"] == api_id) {
            continue;
        }
        let pid = p["id"].as_str().unwrap_or("").to_string();
        let keys = rest_items(&format!("/usageplans/{pid}/keys")).await.map_err(|e| error_text(&e))?;
        let usage = apigateway("GET", &format!("/usageplans/{pid}/usage"), None).await.unwrap_or(Value::Null);
        out.push(Plan { plan: p, keys, usage });
    }
    let stages = stage_list(api_id).await?.iter().filter_map(|s| s["stageName"].as_str().map(str::to_string)).collect();
    Ok((keys, out, stages))
}

#[component]
pub fn KeysAndPlans(api_id: String, api_name: String, endpoint: String, version: RwSignal<u32>) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move { load(&api_id).await }
        }
    });
    let message: Message = RwSignal::new(None);
    let changed = bump(reload, version);
    let key_name = RwSignal::new(String::new());
    let key_value = RwSignal::new(String::new());
    let plan_name = RwSignal::new(String::new());
    let plan_stage = RwSignal::new(String::new());
    let rate = RwSignal::new("10".to_string());
    let burst = RwSignal::new("20".to_string());
    let quota = RwSignal::new("1000".to_string());
    let period = RwSignal::new("DAY".to_string());
    let busy = RwSignal::new(false);
    // The first stage is the default of the plan form.
    Effect::new(move |_| {
        if let Some(Ok((_, _, stages))) = data.get() {
            if !stages.contains(&plan_stage.get_untracked()) {
                plan_stage.set(stages.first().cloned().unwrap_or_default());
            }
        }
    });

    let create_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = key_name.get_untracked().trim().to_string();
        if name.is_empty() {
            return message.set(Some((false, "Give the API key a name.".into())));
        }
        let mut body = json!({ "name": name, "enabled": true });
        let v = key_value.get_untracked();
        if !v.trim().is_empty() {
            body["value"] = json!(v.trim());
        }
        busy.set(true);
        let done = move |k: Value| {
            key_name.set(String::new());
            key_value.set(String::new());
            format!("Created the API key {name} ({}). Send it as the x-api-key header: {}", k["id"].as_str().unwrap_or(""), k["value"].as_str().unwrap_or(""))
        };
        act(None, "POST", "/apikeys".into(), Some(body), message, done, move || {
            busy.set(false);
            changed();
        });
    };

    let create_plan = {
        let api_id = api_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let name = plan_name.get_untracked().trim().to_string();
            if name.is_empty() {
                return message.set(Some((false, "Give the usage plan a name.".into())));
            }
            let stage = plan_stage.get_untracked();
            if stage.is_empty() {
                return message.set(Some((false, "A usage plan covers a stage: deploy the API to one first (Stages tab).".into())));
            }
            let (r, b) = match parse_throttle(&rate.get_untracked(), &burst.get_untracked()) {
                Ok(v) => v,
                Err(e) => return message.set(Some((false, e))),
            };
            let q = match quota.get_untracked().trim() {
                "" => None,
                t => match t.parse::<i64>() {
                    Ok(v) if v >= 0 => Some(v),
                    _ => return message.set(Some((false, "The quota must be a whole number of requests, 0 or more.".into()))),
                },
            };
            let mut body = json!({ "name": name, "apiStages": [{ "apiId": api_id, "stage": stage }] });
            if r.is_some() || b.is_some() {
                let mut t = json!({});
                if let Some(r) = r {
                    t["rateLimit"] = json!(r);
                }
                if let Some(b) = b {
                    t["burstLimit"] = json!(b);
                }
                body["throttle"] = t;
            }
            if let Some(q) = q {
                body["quota"] = json!({ "limit": q, "period": period.get_untracked() });
            }
            busy.set(true);
            let done = move |p: Value| {
                plan_name.set(String::new());
                format!("Created the usage plan {name} ({}) for the stage {stage}.", p["id"].as_str().unwrap_or(""))
            };
            act(None, "POST", "/usageplans".into(), Some(body), message, done, move || {
                busy.set(false);
                changed();
            });
        }
    };

    let content = move || {
        let (keys, plans, stages) = match loaded(data.get(), "Loading API keys and usage plans…") {
            Ok(d) => d,
            Err(v) => return v,
        };
        let key_rows = keys
            .iter()
            .map(|k| {
                let kid = k["id"].as_str().unwrap_or("").to_string();
                let name = k["name"].as_str().unwrap_or("").to_string();
                let enabled = k["enabled"].as_bool().unwrap_or(false);
                let in_plans: Vec<String> = plans.iter().filter(|p| p.keys.iter().any(|x| x["id"] == kid.as_str())).filter_map(|p| p.plan["name"].as_str().map(str::to_string)).collect();
                let toggle = {
                    let (kid, name) = (kid.clone(), name.clone());
                    move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        let body = json!({ "patchOperations": [{ "op": "replace", "path": "/enabled", "value": on.to_string() }] });
                        let done = format!("The API key {name} is {}.", if on { "enabled" } else { "disabled" });
                        act(None, "PATCH", format!("/apikeys/{kid}"), Some(body), message, move |_| done, changed);
                    }
                };
                let delete = {
                    let (kid, name) = (kid.clone(), name.clone());
                    move |_| {
                        let done = format!("Deleted the API key {name}.");
                        act(Some(format!("Delete the API key {name}? Callers sending it get 403 Forbidden.")), "DELETE", format!("/apikeys/{kid}"), None, message, move |_| done, changed);
                    }
                };
                view! {
                    <tr>
                        <th scope="row">{name.clone()}</th>
                        <td><code>{kid.clone()}</code></td>
                        <td><code class="endpoint" data-testid="api-key-value">{k["value"].as_str().unwrap_or("").to_string()}</code></td>
                        <td><input type="checkbox" aria-label=format!("API key {name} enabled") prop:checked=enabled on:change=toggle/></td>
                        <td>{if in_plans.is_empty() { "—".to_string() } else { in_plans.join(", ") }}</td>
                        <td><button class="button small danger" aria-label=format!("Delete API key {name}") on:click=delete>"Delete"</button></td>
                    </tr>
                }
            })
            .collect_view();
        let keys_table = if keys.is_empty() {
            view! { <p class="muted">"No API keys in this account yet."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="data-table" aria-label="API keys">
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"ID"</th><th scope="col">"Value"</th>
                            <th scope="col">"Enabled"</th><th scope="col">"Usage plans of this API"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>{key_rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        };
        let plan_cards = if plans.is_empty() {
            view! { <p class="muted">"No usage plan covers this API yet: a method that requires an API key answers 403 Forbidden until a plan for its stage holds the caller's key."</p> }.into_any()
        } else {
            plans.iter().map(|p| plan_card(p.clone(), &keys, endpoint.clone(), message, changed)).collect_view().into_any()
        };
        let stage_options = stages.iter().map(|s| view! { <option value=s.clone() selected=plan_stage.get_untracked() == *s>{s.clone()}</option> }).collect_view();
        view! {
            <h3>"API keys"</h3>
            <p class="muted">"API keys belong to the account; a key opens the methods that require one on the stages of the usage plans that hold it."</p>
            {keys_table}
            <form class="field-row inline-form" aria-label="Create an API key" on:submit=create_key>
                <label class="field">
                    <span>"Key name"</span>
                    <input type="text" placeholder="alice" prop:value=move || key_name.get() on:input=move |ev| key_name.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Value (optional, 20 characters or more; generated if empty)"</span>
                    <input type="text" prop:value=move || key_value.get() on:input=move |ev| key_value.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="button primary small" disabled=move || busy.get()>"Create API key"</button>
            </form>
            <h3>"Usage plans"</h3>
            {plan_cards}
            <form class="method-form" aria-label="Create a usage plan" on:submit=create_plan.clone()>
                <h4>"Create a usage plan"</h4>
                <div class="field-row">
                    <label class="field">
                        <span>"Plan name"</span>
                        <input type="text" placeholder="basic" prop:value=move || plan_name.get() on:input=move |ev| plan_name.set(event_target_value(&ev))/>
                    </label>
                    <label class="field narrow">
                        <span>"Stage of this API"</span>
                        <select prop:value=move || plan_stage.get() on:change=move |ev| plan_stage.set(event_target_value(&ev))>{stage_options}</select>
                    </label>
                </div>
                <div class="field-row">
                    <label class="field narrow">
                        <span>"Rate (requests per second)"</span>
                        <input type="number" min="0" step="any" prop:value=move || rate.get() on:input=move |ev| rate.set(event_target_value(&ev))/>
                    </label>
                    <label class="field narrow">
                        <span>"Burst (requests)"</span>
                        <input type="number" min="0" prop:value=move || burst.get() on:input=move |ev| burst.set(event_target_value(&ev))/>
                    </label>
                    <label class="field narrow">
                        <span>"Quota (requests)"</span>
                        <input type="number" min="0" prop:value=move || quota.get() on:input=move |ev| quota.set(event_target_value(&ev))/>
                    </label>
                    <label class="field narrow">
                        <span>"Quota period"</span>
                        <select prop:value=move || period.get() on:change=move |ev| period.set(event_target_value(&ev))>
                            <option value="DAY">"DAY"</option>
                            <option value="WEEK">"WEEK"</option>
                            <option value="MONTH">"MONTH"</option>
                        </select>
                    </label>
                </div>
                <p class="muted">"Leave a field empty for no throttle or no quota. Past the throttle a caller gets 429 Too Many Requests, past the quota 429 Limit Exceeded."</p>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || busy.get()>"Create usage plan"</button>
                </div>
            </form>
        }
        .into_any()
    };

    view! {
        <section class="card">
            <h2>{format!("API keys and usage plans of {api_name}")}</h2>
            {flash(message)}
            {content}
        </section>
    }
}

fn plan_card(p: Plan, keys: &[Value], endpoint: String, message: Message, changed: impl Fn() + Copy + 'static) -> impl IntoView {
    let pid = p.plan["id"].as_str().unwrap_or("").to_string();
    let name = p.plan["name"].as_str().unwrap_or("").to_string();
    let stages: Vec<String> = p.plan["apiStages"].as_array().into_iter().flatten().filter_map(|s| s["stage"].as_str().map(str::to_string)).collect();
    let throttle = match (&p.plan["throttle"]["rateLimit"], &p.plan["throttle"]["burstLimit"]) {
        (Value::Null, Value::Null) => "none".to_string(),
        (r, b) => format!("{} requests a second, burst {}", r.as_f64().map(|v| v.to_string()).unwrap_or("—".into()), b.as_i64().map(|v| v.to_string()).unwrap_or("—".into())),
    };
    let quota = match p.plan["quota"]["limit"].as_i64() {
        Some(l) => format!("{l} requests a {}", p.plan["quota"]["period"].as_str().unwrap_or("DAY").to_lowercase()),
        None => "none".to_string(),
    };
    let in_plan: Vec<String> = p.keys.iter().filter_map(|k| k["id"].as_str().map(str::to_string)).collect();
    let addable: Vec<(String, String)> = keys
        .iter()
        .filter(|k| !in_plan.iter().any(|i| k["id"] == i.as_str()))
        .map(|k| (k["id"].as_str().unwrap_or("").to_string(), k["name"].as_str().unwrap_or("").to_string()))
        .collect();
    let chosen = RwSignal::new(addable.first().map(|k| k.0.clone()).unwrap_or_default());
    let add = {
        let pid = pid.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let kid = chosen.get_untracked();
            if kid.is_empty() {
                return message.set(Some((false, "Create an API key first.".into())));
            }
            let body = json!({ "keyId": kid, "keyType": "API_KEY" });
            let done = |k: Value| format!("Added the API key {} to the usage plan.", k["name"].as_str().unwrap_or(""));
            act(None, "POST", format!("/usageplans/{pid}/keys"), Some(body), message, done, changed);
        }
    };
    let delete = {
        let (pid, name) = (pid.clone(), name.clone());
        move |_| {
            let done = format!("Deleted the usage plan {name}.");
            act(Some(format!("Delete the usage plan {name}? Its keys stop opening this API's methods.")), "DELETE", format!("/usageplans/{pid}"), None, message, move |_| done, changed);
        }
    };
    let key_rows = p
        .keys
        .iter()
        .map(|k| {
            let kid = k["id"].as_str().unwrap_or("").to_string();
            let kname = k["name"].as_str().unwrap_or("").to_string();
            let used = &p.usage["items"][&kid][0];
            let usage = match (used[0].as_i64(), used[1].as_i64(), p.plan["quota"].is_object()) {
                (Some(u), Some(left), true) => format!("{u} used, {left} left"),
                (_, _, false) => "no quota".into(),
                _ => "—".into(),
            };
            let remove = {
                let (pid, kid, kname) = (pid.clone(), kid.clone(), kname.clone());
                move |_| {
                    let done = format!("Removed the API key {kname} from the usage plan.");
                    act(None, "DELETE", format!("/usageplans/{pid}/keys/{kid}"), None, message, move |_| done, changed);
                }
            };
            view! {
                <tr>
                    <th scope="row">{kname.clone()}</th>
                    <td><code>{kid}</code></td>
                    <td>{usage}</td>
                    <td><button class="button small" aria-label=format!("Remove API key {kname} from {}", p.plan["name"].as_str().unwrap_or("")) on:click=remove>"Remove"</button></td>
                </tr>
            }
        })
        .collect_view();
    let urls: Vec<String> = stages.iter().map(|s| invoke_url(&endpoint, s)).collect();
    let label = name.clone();
    view! {
        <div class="stage" role="group" aria-label=format!("Usage plan {label}")>
            <div class="resource-head">
                <h4>{name.clone()}" "<span class="muted">{pid.clone()}</span></h4>
                <span class="spacer"></span>
                <button class="button small danger" aria-label=format!("Delete usage plan {name}") on:click=delete>"Delete plan"</button>
            </div>
            <dl class="facts">
                <div class="fact"><dt>"Stages"</dt><dd>{urls.into_iter().map(|u| view! { <code class="endpoint">{u}</code>" " }).collect_view()}</dd></div>
                <div class="fact"><dt>"Throttle"</dt><dd>{throttle}</dd></div>
                <div class="fact"><dt>"Quota"</dt><dd>{quota}</dd></div>
            </dl>
            {if p.keys.is_empty() {
                view! { <p class="muted">"No keys in this plan yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data-table compact" aria-label=format!("Keys of {}", p.plan["name"].as_str().unwrap_or(""))>
                        <thead><tr><th scope="col">"Key"</th><th scope="col">"ID"</th><th scope="col">"This period"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{key_rows}</tbody>
                    </table>
                }
                .into_any()
            }}
            {(!addable.is_empty()).then(|| view! {
                <form class="route-row" on:submit=add>
                    <select aria-label=format!("API key to add to {label}") prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {addable.iter().map(|(id, n)| view! { <option value=id.clone()>{n.clone()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button small">"Add key to plan"</button>
                </form>
            })}
        </div>
    }
}
