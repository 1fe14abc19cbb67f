//! A REST API's Resources tab: the resource tree; a child resource (a name,
//! `{param}` or `{proxy+}`) under the selected one, deleting one with
//! everything under it; the selected resource's methods (PutMethod with
//! authorization NONE or a Lambda authorizer, an API key, required query
//! string parameters and headers checked by a request validator), each with
//! its integration (PutIntegration: Lambda proxy to a function, or MOCK
//! with a request template, a method response and an integration response
//! with its body); requiring an API key on a method (UpdateMethod);
//! deleting a method.

use super::create::{function_select, FunctionList};
use super::rest::{act, bump, flash, function_arn_of, function_choices, lambda_uri, loaded, rest_items, Message};
use super::{error_text, function_of};
use crate::ui::api::apigateway;
use crate::ui::widgets::list_of;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};

/// The methods a REST API resource may have.
pub const REST_METHODS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

/// What the validator the console attaches to methods with required
/// parameters is called (the name AWS's console gives the same validator).
const PARAMS_VALIDATOR: &str = "Validate query string parameters and headers";

/// The resources in tree order (depth first, children by path part) with
/// their depth.
fn tree(resources: &[Value]) -> Vec<(usize, Value)> {
    fn walk(resources: &[Value], parent: &Value, depth: usize, out: &mut Vec<(usize, Value)>) {
        out.push((depth, parent.clone()));
        let mut children: Vec<&Value> = resources.iter().filter(|r| r["parentId"] == parent["id"]).collect();
        children.sort_by(|a, b| a["pathPart"].as_str().cmp(&b["pathPart"].as_str()));
        for c in children {
            walk(resources, c, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    if let Some(root) = resources.iter().find(|r| r["parentId"].is_null()) {
        walk(resources, root, 0, &mut out);
    }
    out
}

/// A method's integration in a few words.
fn integration_label(method: &Value) -> String {
    let i = &method["methodIntegration"];
    match i["type"].as_str() {
        None => "None: a deployment needs one".into(),
        Some("AWS_PROXY") => format!("Lambda proxy → {}", function_of(i["uri"].as_str().unwrap_or(""))),
        Some("MOCK") => {
            let codes: Vec<&str> = i["integrationResponses"].as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
            if codes.is_empty() {
                "Mock (no integration response: answers 500)".into()
            } else {
                format!("Mock → {}", codes.join(", "))
            }
        }
        Some("HTTP_PROXY") => format!("HTTP proxy → {} {}", i["httpMethod"].as_str().unwrap_or(""), i["uri"].as_str().unwrap_or("")),
        Some(other) => other.to_string(),
    }
}

/// A method's required parameters: `querystring q, header x-version`.
fn required_label(method: &Value) -> String {
    let list: Vec<String> = method["requestParameters"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_bool() == Some(true))
                .filter_map(|(k, _)| k.strip_prefix("method.request.").map(|r| r.replacen('.', " ", 1)))
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() {
        "—".into()
    } else {
        list.join(", ")
    }
}


/// The integration part of a method form.
#[derive(Clone, Copy)]
struct IntegrationDraft {
    kind: RwSignal<String>,
    function: RwSignal<String>,
    status: RwSignal<String>,
    body: RwSignal<String>,
}

/// A checked integration: Lambda proxy to a function ARN, or a mock's status and body.
enum IntegrationSpec {
    Lambda(String),
    Mock(u16, String),
}

impl IntegrationDraft {
    fn new() -> Self {
        IntegrationDraft {
            kind: RwSignal::new("AWS_PROXY".into()),
            function: RwSignal::new(String::new()),
            status: RwSignal::new("200".into()),
            body: RwSignal::new("{\"message\": \"Hello from a mock integration\"}".into()),
        }
    }

    /// Fills the draft from a method's integration (for editing it).
    fn load(&self, method: &Value) {
        let i = &method["methodIntegration"];
        if i["type"] == "MOCK" {
            self.kind.set("MOCK".into());
            if let Some((code, r)) = i["integrationResponses"].as_object().and_then(|m| m.iter().next()) {
                self.status.set(code.clone());
                self.body.set(r["responseTemplates"]["application/json"].as_str().unwrap_or("").to_string());
            }
        } else {
            self.kind.set("AWS_PROXY".into());
            if let Some(uri) = i["uri"].as_str() {
                self.function.set(function_arn_of(uri));
            }
        }
    }

    fn spec(&self) -> Result<IntegrationSpec, String> {
        if self.kind.get_untracked() == "MOCK" {
            let status = self.status.get_untracked();
            match status.trim().parse::<u16>() {
                Ok(code) if (100..600).contains(&code) => Ok(IntegrationSpec::Mock(code, self.body.get_untracked())),
                _ => Err(format!("The mock's status code must be an HTTP status, 100 to 599 (not {status:?}).")),
            }
        } else {
            let arn = self.function.get_untracked();
            if arn.is_empty() {
                Err("Choose the function the Lambda proxy integration calls.".into())
            } else {
                Ok(IntegrationSpec::Lambda(arn))
            }
        }
    }

    fn fields(self, functions: FunctionList, group: &'static str) -> impl IntoView {
        let d = self;
        view! {
            <fieldset class="radio-group">
                <legend>"Integration"</legend>
                <label class="radio">
                    <input type="radio" name=group value="AWS_PROXY" prop:checked=move || d.kind.get() == "AWS_PROXY" on:change=move |_| d.kind.set("AWS_PROXY".into())/>
                    "Lambda proxy (the function gets the request as its event)"
                </label>
                <label class="radio">
                    <input type="radio" name=group value="MOCK" prop:checked=move || d.kind.get() == "MOCK" on:change=move |_| d.kind.set("MOCK".into())/>
                    "Mock (answers from a template, no backend)"
                </label>
            </fieldset>
            <Show when=move || d.kind.get() == "AWS_PROXY">
                <div class="field-row">
                    <label class="field">
                        <span>"Lambda function"</span>
                        {function_select("Lambda function".into(), d.function, functions)}
                    </label>
                </div>
            </Show>
            <Show when=move || d.kind.get() == "MOCK">
                <div class="field-row">
                    <label class="field narrow">
                        <span>"Status code"</span>
                        <input type="number" min="100" max="599" prop:value=move || d.status.get() on:input=move |ev| d.status.set(event_target_value(&ev))/>
                    </label>
                    <label class="field wide">
                        <span>"Response body (application/json mapping template)"</span>
                        <textarea rows="3" prop:value=move || d.body.get() on:input=move |ev| d.body.set(event_target_value(&ev))></textarea>
                        <small class="muted">"Templates may use $context.requestId, $context.stage, $input.params('name'), $stageVariables.name."</small>
                    </label>
                </div>
            </Show>
        }
    }
}

/// PutIntegration for a method (and, for a mock, its method response and
/// integration response). `replace` deletes the current integration first,
/// so that no integration response of the old one stays.
async fn put_integration(api_id: &str, rid: &str, method: &str, spec: &IntegrationSpec, replace: bool) -> Result<(), String> {
    let base = format!("/restapis/{api_id}/resources/{rid}/methods/{method}");
    if replace {
        match apigateway("DELETE", &format!("{base}/integration"), None).await {
            Ok(_) => {}
            Err(e) if e.kind == "NotFoundException" => {}
            Err(e) => return Err(error_text(&e)),
        }
    }
    match spec {
        IntegrationSpec::Lambda(arn) => {
            let body = json!({ "type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": lambda_uri(arn) });
            apigateway("PUT", &format!("{base}/integration"), Some(body)).await.map_err(|e| error_text(&e))?;
        }
        IntegrationSpec::Mock(code, template) => {
            let body = json!({ "type": "MOCK", "requestTemplates": { "application/json": format!("{{\"statusCode\": {code}}}") } });
            apigateway("PUT", &format!("{base}/integration"), Some(body)).await.map_err(|e| error_text(&e))?;
            apigateway("PUT", &format!("{base}/responses/{code}"), Some(json!({}))).await.map_err(|e| error_text(&e))?;
            let body = json!({ "selectionPattern": "", "responseTemplates": { "application/json": template } });
            apigateway("PUT", &format!("{base}/integration/responses/{code}"), Some(body)).await.map_err(|e| error_text(&e))?;
        }
    }
    Ok(())
}

/// The id of a request validator that checks parameters, created if the API has none.
async fn params_validator(api_id: &str) -> Result<String, String> {
    let list = rest_items(&format!("/restapis/{api_id}/requestvalidators")).await.map_err(|e| error_text(&e))?;
    if let Some(v) = list.iter().find(|v| v["validateRequestParameters"] == true) {
        return Ok(v["id"].as_str().unwrap_or("").to_string());
    }
    let body = json!({ "name": PARAMS_VALIDATOR, "validateRequestParameters": true, "validateRequestBody": false });
    let v = apigateway("POST", &format!("/restapis/{api_id}/requestvalidators"), Some(body)).await.map_err(|e| error_text(&e))?;
    Ok(v["id"].as_str().unwrap_or("").to_string())
}

#[component]
pub fn Resources(api_id: String, version: RwSignal<u32>) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new({
        let api_id = api_id.clone();
        move || {
            reload.track();
            let api_id = api_id.clone();
            async move {
                let resources = rest_items(&format!("/restapis/{api_id}/resources?embed=methods")).await.map_err(|e| error_text(&e))?;
                let authorizers = rest_items(&format!("/restapis/{api_id}/authorizers")).await.map_err(|e| error_text(&e))?;
                Ok::<_, String>((resources, authorizers))
            }
        }
    });
    let message: Message = RwSignal::new(None);
    let changed = bump(reload, version);
    // The selected resource (its id; empty: the root).
    let selected = RwSignal::new(String::new());
    // The forms keep their state across reloads.
    let child_part = RwSignal::new(String::new());
    let new_method = RwSignal::new("GET".to_string());
    let auth = RwSignal::new("NONE".to_string());
    let key_required = RwSignal::new(false);
    let req_query = RwSignal::new(String::new());
    let req_headers = RwSignal::new(String::new());
    let create_draft = IntegrationDraft::new();
    let fn_signal: FunctionList = function_choices(create_draft.function);
    let editing = RwSignal::new(None::<(String, String, String)>);
    let edit_draft = IntegrationDraft::new();
    let busy = RwSignal::new(false);

    let create_child = {
        let api_id = api_id.clone();
        move |rid: String, parent_path: String| {
            let part = child_part.get_untracked().trim().trim_matches('/').to_string();
            if part.is_empty() {
                message.set(Some((false, "Give the new resource a path part: a name (items), a parameter ({id}) or a greedy parameter ({proxy+}).".into())));
                return;
            }
            busy.set(true);
            let done = move |r: Value| {
                selected.set(r["id"].as_str().unwrap_or("").to_string());
                child_part.set(String::new());
                format!("Created the resource {} under {parent_path}.", r["path"].as_str().unwrap_or(""))
            };
            act(None, "POST", format!("/restapis/{api_id}/resources/{rid}"), Some(json!({ "pathPart": part })), message, done, move || {
                busy.set(false);
                changed();
            });
        }
    };

    let create_method = {
        let api_id = api_id.clone();
        move |rid: String, path: String| {
            let m = new_method.get_untracked();
            let spec = match create_draft.spec() {
                Ok(s) => s,
                Err(e) => return message.set(Some((false, e))),
            };
            let authorizer = auth.get_untracked();
            let mut body = json!({ "authorizationType": if authorizer == "NONE" { "NONE" } else { "CUSTOM" }, "apiKeyRequired": key_required.get_untracked() });
            if authorizer != "NONE" {
                body["authorizerId"] = json!(authorizer);
            }
            let mut params = Map::new();
            for q in list_of(&req_query.get_untracked()) {
                params.insert(format!("method.request.querystring.{q}"), json!(true));
            }
            for h in list_of(&req_headers.get_untracked()) {
                params.insert(format!("method.request.header.{h}"), json!(true));
            }
            let api_id = api_id.clone();
            busy.set(true);
            spawn_local(async move {
                let result = async {
                    if !params.is_empty() {
                        body["requestValidatorId"] = json!(params_validator(&api_id).await?);
                        body["requestParameters"] = Value::Object(params);
                    }
                    let base = format!("/restapis/{api_id}/resources/{rid}/methods/{m}");
                    apigateway("PUT", &base, Some(body)).await.map_err(|e| error_text(&e))?;
                    if let Err(e) = put_integration(&api_id, &rid, &m, &spec, false).await {
                        // No half-made method: a deployment would refuse it.
                        let _ = apigateway("DELETE", &base, None).await;
                        return Err(e);
                    }
                    Ok::<(), String>(())
                }
                .await;
                match result {
                    Ok(()) => {
                        let what = match &spec {
                            IntegrationSpec::Lambda(arn) => format!("Lambda proxy → {}", function_of(arn)),
                            IntegrationSpec::Mock(code, _) => format!("Mock → {code}"),
                        };
                        message.set(Some((true, format!("Created the method {m} {path} ({what})."))));
                        req_query.set(String::new());
                        req_headers.set(String::new());
                        key_required.set(false);
                        auth.set("NONE".into());
                        changed();
                    }
                    Err(e) => message.set(Some((false, e))),
                }
                busy.set(false);
            });
        }
    };

    let save_integration = {
        let api_id = api_id.clone();
        move || {
            let Some((rid, m, path)) = editing.get_untracked() else { return };
            let spec = match edit_draft.spec() {
                Ok(s) => s,
                Err(e) => return message.set(Some((false, e))),
            };
            let api_id = api_id.clone();
            busy.set(true);
            spawn_local(async move {
                match put_integration(&api_id, &rid, &m, &spec, true).await {
                    Ok(()) => {
                        message.set(Some((true, format!("Saved the integration of {m} {path}."))));
                        editing.set(None);
                        changed();
                    }
                    Err(e) => message.set(Some((false, e))),
                }
                busy.set(false);
            });
        }
    };

    let layout = move || {
        let (resources, authorizers) = match loaded(data.get(), "Loading resources…") {
            Ok(d) => d,
            Err(v) => return v,
        };
        let ordered = tree(&resources);
        let sel = selected.get();
        let Some(current) = resources.iter().find(|r| r["id"] == sel.as_str()).or_else(|| ordered.first().map(|(_, r)| r)).cloned() else {
            return view! { <p class="error-text" role="alert">"This API has no root resource."</p> }.into_any();
        };
        let current_id = current["id"].as_str().unwrap_or("").to_string();
        let tree_view = ordered
            .iter()
            .map(|(depth, r)| {
                let rid = r["id"].as_str().unwrap_or("").to_string();
                let path = r["path"].as_str().unwrap_or("").to_string();
                let part = r["pathPart"].as_str().unwrap_or("/").to_string();
                let methods: Vec<String> = r["resourceMethods"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
                let is_selected = rid == current_id;
                view! {
                    <li style=format!("padding-left: {}rem", *depth as f64 * 1.1)>
                        <button
                            type="button"
                            class="tree-node"
                            aria-current=is_selected.then_some("true")
                            aria-label=format!("Resource {path}")
                            on:click=move |_| {
                                selected.set(rid.clone());
                                editing.set(None);
                            }
                        >
                            <code>{part}</code>
                        </button>
                        {methods.into_iter().map(|m| view! { " "<span class="pill pill-muted">{m}</span> }).collect_view()}
                    </li>
                }
            })
            .collect_view();
        let detail = resource_detail(
            &api_id,
            current,
            &resources,
            &authorizers,
            ResourceForms { child_part, new_method, auth, key_required, req_query, req_headers, create_draft, editing, edit_draft, busy },
            fn_signal,
            message,
            selected,
            changed,
            create_child.clone(),
            create_method.clone(),
            save_integration.clone(),
        );
        view! {
            <div class="resource-layout">
                <nav class="resource-tree" aria-label="Resource tree"><ul>{tree_view}</ul></nav>
                <div class="resource-detail">{detail}</div>
            </div>
        }
        .into_any()
    };

    view! {
        <section class="card">
            <h2>"Resources"</h2>
            <p class="muted">"Changes take effect at the next deployment (Stages → Deploy)."</p>
            {flash(message)}
            {layout}
        </section>
    }
}

/// The signals of the selected resource's forms.
#[derive(Clone, Copy)]
struct ResourceForms {
    child_part: RwSignal<String>,
    new_method: RwSignal<String>,
    auth: RwSignal<String>,
    key_required: RwSignal<bool>,
    req_query: RwSignal<String>,
    req_headers: RwSignal<String>,
    create_draft: IntegrationDraft,
    editing: RwSignal<Option<(String, String, String)>>,
    edit_draft: IntegrationDraft,
    busy: RwSignal<bool>,
}

#[allow(clippy::too_many_arguments)]
fn resource_detail(
    api_id: &str,
    r: Value,
    resources: &[Value],
    authorizers: &[Value],
    f: ResourceForms,
    functions: FunctionList,
    message: Message,
    selected: RwSignal<String>,
    changed: impl Fn() + Copy + Send + Sync + 'static,
    create_child: impl Fn(String, String) + Clone + Send + Sync + 'static,
    create_method: impl Fn(String, String) + Clone + Send + Sync + 'static,
    save_integration: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let rid = r["id"].as_str().unwrap_or("").to_string();
    let path = r["path"].as_str().unwrap_or("/").to_string();
    let is_root = r["parentId"].is_null();
    let greedy = r["pathPart"].as_str().is_some_and(|p| p.ends_with("+}"));
    let parent = r["parentId"].as_str().unwrap_or("").to_string();
    let under: Vec<&Value> = resources.iter().filter(|x| x["path"].as_str().is_some_and(|p| p.starts_with(&format!("{path}/")))).collect();
    let methods: Vec<(String, Value)> = {
        let mut list: Vec<(String, Value)> = r["resourceMethods"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
        list.sort_by_key(|(m, _)| REST_METHODS.iter().position(|x| x == m).unwrap_or(99));
        list
    };
    let free: Vec<&'static str> = REST_METHODS.iter().copied().filter(|m| !methods.iter().any(|(x, _)| x == m)).collect();
    if !free.contains(&f.new_method.get_untracked().as_str()) {
        if let Some(m) = free.first() {
            f.new_method.set(m.to_string());
        }
    }
    let auth_names: Vec<(String, String)> = authorizers
        .iter()
        .map(|a| (a["id"].as_str().unwrap_or("").to_string(), format!("{} ({})", a["name"].as_str().unwrap_or(""), a["type"].as_str().unwrap_or(""))))
        .collect();

    let delete_resource = {
        let (api_id, rid, path) = (api_id.to_string(), rid.clone(), path.clone());
        let count = under.len();
        move |_| {
            let extra = if count > 0 { format!(" and the {count} resources under it") } else { String::new() };
            let question = format!("Delete the resource {path}{extra}, with their methods? Deployed stages keep answering until the next deployment.");
            let (path, parent) = (path.clone(), parent.clone());
            let done = move |_| {
                selected.set(parent);
                format!("Deleted the resource {path}.")
            };
            act(Some(question), "DELETE", format!("/restapis/{api_id}/resources/{rid}"), None, message, done, changed);
        }
    };

    let method_rows = methods
        .iter()
        .map(|(m, mj)| {
            let label = format!("{m} {path}");
            let authorization = match mj["authorizationType"].as_str().unwrap_or("NONE") {
                "CUSTOM" => {
                    let id = mj["authorizerId"].as_str().unwrap_or("");
                    let name = auth_names.iter().find(|(a, _)| a == id).map(|(_, n)| n.clone()).unwrap_or_else(|| id.to_string());
                    format!("Lambda authorizer {name}")
                }
                other => other.to_string(),
            };
            let key_on = mj["apiKeyRequired"].as_bool().unwrap_or(false);
            let toggle_key = {
                let (api_id, rid, m, label) = (api_id.to_string(), rid.clone(), m.clone(), label.clone());
                move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    let body = json!({ "patchOperations": [{ "op": "replace", "path": "/apiKeyRequired", "value": on.to_string() }] });
                    let done = if on { format!("{label} now requires an API key (x-api-key).") } else { format!("{label} no longer requires an API key.") };
                    act(None, "PATCH", format!("/restapis/{api_id}/resources/{rid}/methods/{m}"), Some(body), message, move |_| done, changed);
                }
            };
            let edit = {
                let (rid, m, path, mj) = (rid.clone(), m.clone(), path.clone(), mj.clone());
                move |_| {
                    f.edit_draft.load(&mj);
                    f.editing.set(Some((rid.clone(), m.clone(), path.clone())));
                }
            };
            let delete = {
                let (api_id, rid, m, label) = (api_id.to_string(), rid.clone(), m.clone(), label.clone());
                move |_| {
                    let done = format!("Deleted the method {label}.");
                    let after = move || {
                        f.editing.set(None);
                        changed();
                    };
                    act(Some(format!("Delete the method {label} and its integration?")), "DELETE", format!("/restapis/{api_id}/resources/{rid}/methods/{m}"), None, message, move |_| done, after);
                }
            };
            view! {
                <tr>
                    <th scope="row"><code>{m.clone()}</code></th>
                    <td>{authorization}</td>
                    <td>
                        <label class="checkbox inline">
                            <input type="checkbox" aria-label=format!("API key required for {label}") prop:checked=key_on on:change=toggle_key/>
                            <span aria-hidden="true">{if key_on { "Required" } else { "No" }}</span>
                        </label>
                    </td>
                    <td>{required_label(mj)}</td>
                    <td data-testid="method-integration">{integration_label(mj)}</td>
                    <td class="row-actions">
                        <button class="button small" aria-label=format!("Edit integration of {label}") on:click=edit>"Edit integration"</button>
                        <button class="button small danger" aria-label=format!("Delete method {label}") on:click=delete>"Delete"</button>
                    </td>
                </tr>
            }
        })
        .collect_view();

    let methods_table = if methods.is_empty() {
        view! { <p class="muted">"No methods on this resource yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="data-table" aria-label=format!("Methods of {path}")>
                    <thead>
                        <tr>
                            <th scope="col">"Method"</th>
                            <th scope="col">"Authorization"</th>
                            <th scope="col">"API key"</th>
                            <th scope="col">"Required parameters"</th>
                            <th scope="col">"Integration"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{method_rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };

    let child_form = {
        let (rid, path) = (rid.clone(), path.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            create_child(rid.clone(), path.clone());
        }
    };
    let method_form = {
        let (rid, path) = (rid.clone(), path.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            create_method(rid.clone(), path.clone());
        }
    };
    let edit_form = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_integration();
    };
    let shown_path = path.clone();
    let form_path = path.clone();
    view! {
        <div class="resource-head">
            <h3><code>{shown_path}</code></h3>
            <span class="muted">"Resource ID "<code>{rid.clone()}</code></span>
            <span class="spacer"></span>
            {(!is_root).then(|| view! { <button class="button small danger" aria-label=format!("Delete resource {path}") on:click=delete_resource>"Delete resource"</button> })}
        </div>
        <h4>"Methods"</h4>
        {methods_table}
        {move || f.editing.get().filter(|(e, _, _)| *e == rid).map(|(_, m, p)| view! {
            <form class="method-form" aria-label=format!("Integration of {m} {p}") on:submit=edit_form.clone()>
                <h4>{format!("Integration of {m} {p}")}</h4>
                {f.edit_draft.fields(functions, "edit-integration")}
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || f.busy.get()>"Save integration"</button>
                    <button type="button" class="button" on:click=move |_| f.editing.set(None)>"Cancel"</button>
                </div>
            </form>
        })}
        {if free.is_empty() {
            view! { <p class="muted">"Every method is defined on this resource."</p> }.into_any()
        } else {
            view! {
                <form class="method-form" aria-label=format!("Create a method on {form_path}") on:submit=method_form>
                    <h4>"Create a method"</h4>
                    <div class="field-row">
                        <label class="field narrow">
                            <span>"HTTP method"</span>
                            <select prop:value=move || f.new_method.get() on:change=move |ev| f.new_method.set(event_target_value(&ev))>
                                {free.iter().map(|m| view! { <option value=*m selected=f.new_method.get_untracked() == *m>{*m}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>"Authorization"</span>
                            <select prop:value=move || f.auth.get() on:change=move |ev| f.auth.set(event_target_value(&ev))>
                                <option value="NONE">"NONE (open)"</option>
                                {auth_names.iter().map(|(id, name)| view! { <option value=id.clone() selected=f.auth.get_untracked() == *id>{format!("Lambda authorizer {name}")}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="checkbox">
                            <input type="checkbox" prop:checked=move || f.key_required.get() on:change=move |ev| f.key_required.set(event_target_checked(&ev))/>
                            "API key required"
                        </label>
                    </div>
                    <div class="field-row">
                        <label class="field">
                            <span>"Required query string parameters (comma-separated)"</span>
                            <input type="text" placeholder="q, page" prop:value=move || f.req_query.get() on:input=move |ev| f.req_query.set(event_target_value(&ev))/>
                        </label>
                        <label class="field">
                            <span>"Required headers (comma-separated)"</span>
                            <input type="text" placeholder="x-version" prop:value=move || f.req_headers.get() on:input=move |ev| f.req_headers.set(event_target_value(&ev))/>
                        </label>
                    </div>
                    {f.create_draft.fields(functions, "new-integration")}
                    <div class="button-row">
                        <button type="submit" class="button primary" disabled=move || f.busy.get()>"Create method"</button>
                    </div>
                </form>
            }
            .into_any()
        }}
        {if greedy {
            view! { <p class="muted">"A greedy resource ({proxy+}) catches every deeper path: it has no children."</p> }.into_any()
        } else {
            view! {
                <form class="field-row inline-form" aria-label=format!("Create a resource under {}", r["path"].as_str().unwrap_or("/")) on:submit=child_form>
                    <label class="field">
                        <span>"Child resource path part"</span>
                        <input type="text" placeholder="items, {id} or {proxy+}" prop:value=move || f.child_part.get() on:input=move |ev| f.child_part.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="button small" disabled=move || f.busy.get()>"Create resource"</button>
                </form>
                <p class="muted hint">"A name (" <code>"items"</code> "), a path parameter (" <code>"{id}"</code> ", one per level) or a greedy parameter (" <code>"{proxy+}"</code> ") that catches every deeper path."</p>
            }
            .into_any()
        }}
    }
}
