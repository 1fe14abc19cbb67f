//! `/tables/-/create`: a form for CreateTable (keys, capacity mode, indexes).
//! (Two segments, so that no table name, which is one segment of at least
//! three characters, can clash with it: a table may be called `new`.)

use super::error_text;
use crate::ui::api::dynamodb;
use crate::ui::href;
use crate::ui::widgets::PageHeader;
use leptos::prelude::*;
use super::{capacity_fields, text_input, number_input, type_select, parse_units, list_of};
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::{json, Value};

/// One secondary index being drafted. Local indexes share the table's
/// partition key and only name a sort key.
#[derive(Clone, Copy)]
struct IndexDraft {
    id: usize,
    name: RwSignal<String>,
    pk: RwSignal<String>,
    pk_type: RwSignal<String>,
    sk: RwSignal<String>,
    sk_type: RwSignal<String>,
    projection: RwSignal<String>,
    include: RwSignal<String>,
    rcu: RwSignal<String>,
    wcu: RwSignal<String>,
}

impl IndexDraft {
    fn new(id: usize) -> Self {
        IndexDraft {
            id,
            name: RwSignal::new(String::new()),
            pk: RwSignal::new(String::new()),
            pk_type: RwSignal::new("S".into()),
            sk: RwSignal::new(String::new()),
            sk_type: RwSignal::new("S".into()),
            projection: RwSignal::new("ALL".into()),
            include: RwSignal::new(String::new()),
            rcu: RwSignal::new("5".into()),
            wcu: RwSignal::new("5".into()),
        }
    }
}




fn projection_fields(d: IndexDraft) -> impl IntoView {
    view! {
        <label class="field narrow">
            <span>"Projection"</span>
            <select prop:value=move || d.projection.get() on:change=move |ev| d.projection.set(event_target_value(&ev))>
                <option value="ALL">"ALL"</option>
                <option value="KEYS_ONLY">"KEYS_ONLY"</option>
                <option value="INCLUDE">"INCLUDE"</option>
            </select>
        </label>
        <Show when=move || d.projection.get() == "INCLUDE">
            {text_input("Projected attributes", d.include, "comma-separated, e.g. title, price")}
        </Show>
    }
}



#[component]
pub fn CreateTable() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let pk = RwSignal::new(String::new());
    let pk_type = RwSignal::new("S".to_string());
    let sk = RwSignal::new(String::new());
    let sk_type = RwSignal::new("S".to_string());
    let billing = RwSignal::new("PAY_PER_REQUEST".to_string());
    let rcu = RwSignal::new("5".to_string());
    let wcu = RwSignal::new("5".to_string());
    let gsis = RwSignal::new(Vec::<IndexDraft>::new());
    let lsis = RwSignal::new(Vec::<IndexDraft>::new());
    let next_id = StoredValue::new(0usize);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    let new_draft = move || {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        IndexDraft::new(id)
    };

    // The CreateTable request, or what is missing from the form.
    let build = move || -> Result<Value, String> {
        let table = name.get_untracked().trim().to_string();
        if table.is_empty() {
            return Err("Enter a table name.".into());
        }
        let pk_name = pk.get_untracked().trim().to_string();
        if pk_name.is_empty() {
            return Err("Enter the partition key's attribute name.".into());
        }
        let provisioned = billing.get_untracked() == "PROVISIONED";
        let mut defs: Vec<(String, String)> = Vec::new();
        let mut define = |n: &str, t: String| -> Result<(), String> {
            match defs.iter().find(|(d, _)| d == n) {
                Some((_, existing)) if *existing != t => {
                    Err(format!("Attribute “{n}” is used as a key with two types ({existing} and {t})."))
                }
                Some(_) => Ok(()),
                None => {
                    defs.push((n.to_string(), t));
                    Ok(())
                }
            }
        };
        define(&pk_name, pk_type.get_untracked())?;
        let mut key_schema = vec![json!({ "AttributeName": pk_name, "KeyType": "HASH" })];
        let sk_name = sk.get_untracked().trim().to_string();
        if !sk_name.is_empty() {
            define(&sk_name, sk_type.get_untracked())?;
            key_schema.push(json!({ "AttributeName": sk_name, "KeyType": "RANGE" }));
        }
        let projection = |d: &IndexDraft| {
            let t = d.projection.get_untracked();
            if t == "INCLUDE" {
                json!({ "ProjectionType": t, "NonKeyAttributes": list_of(&d.include.get_untracked()) })
            } else {
                json!({ "ProjectionType": t })
            }
        };
        let mut global = Vec::new();
        for (n, d) in gsis.get_untracked().iter().enumerate() {
            let index = d.name.get_untracked().trim().to_string();
            let ipk = d.pk.get_untracked().trim().to_string();
            if ipk.is_empty() {
                return Err(format!("Global secondary index {}: enter its partition key.", n + 1));
            }
            define(&ipk, d.pk_type.get_untracked())?;
            let mut ks = vec![json!({ "AttributeName": ipk, "KeyType": "HASH" })];
            let isk = d.sk.get_untracked().trim().to_string();
            if !isk.is_empty() {
                define(&isk, d.sk_type.get_untracked())?;
                ks.push(json!({ "AttributeName": isk, "KeyType": "RANGE" }));
            }
            let mut g = json!({ "IndexName": index, "KeySchema": ks, "Projection": projection(d) });
            if provisioned {
                g["ProvisionedThroughput"] = json!({
                    "ReadCapacityUnits": parse_units("Index read capacity", &d.rcu.get_untracked())?,
                    "WriteCapacityUnits": parse_units("Index write capacity", &d.wcu.get_untracked())?,
                });
            }
            global.push(g);
        }
        let mut local = Vec::new();
        for (n, d) in lsis.get_untracked().iter().enumerate() {
            let index = d.name.get_untracked().trim().to_string();
            let isk = d.sk.get_untracked().trim().to_string();
            if isk.is_empty() {
                return Err(format!("Local secondary index {}: enter its sort key.", n + 1));
            }
            define(&isk, d.sk_type.get_untracked())?;
            local.push(json!({
                "IndexName": index,
                "KeySchema": [{ "AttributeName": pk_name, "KeyType": "HASH" }, { "AttributeName": isk, "KeyType": "RANGE" }],
                "Projection": projection(d),
            }));
        }
        let defs: Vec<Value> = defs.into_iter().map(|(n, t)| json!({ "AttributeName": n, "AttributeType": t })).collect();
        let mut body = json!({ "TableName": table, "AttributeDefinitions": defs, "KeySchema": key_schema });
        if provisioned {
            body["BillingMode"] = json!("PROVISIONED");
            body["ProvisionedThroughput"] = json!({
                "ReadCapacityUnits": parse_units("Read capacity", &rcu.get_untracked())?,
                "WriteCapacityUnits": parse_units("Write capacity", &wcu.get_untracked())?,
            });
        } else {
            body["BillingMode"] = json!("PAY_PER_REQUEST");
        }
        if !global.is_empty() {
            body["GlobalSecondaryIndexes"] = json!(global);
        }
        if !local.is_empty() {
            body["LocalSecondaryIndexes"] = json!(local);
        }
        Ok(body)
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = match build() {
            Ok(b) => b,
            Err(e) => return error.set(Some(e)),
        };
        error.set(None);
        busy.set(true);
        // The router puts its base in front of a navigation (links need href()).
        let navigate = navigate.clone();
        spawn_local(async move {
            let table = body["TableName"].as_str().unwrap_or("").to_string();
            match dynamodb("CreateTable", body).await {
                Ok(_) => navigate(&format!("/tables/{table}"), Default::default()),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(error_text(&e)));
                }
            }
        });
    };

    let index_list = move |list: RwSignal<Vec<IndexDraft>>, global: bool| {
        view! {
            <For each=move || list.get() key=|d| d.id let:d>
                {
                    let number = move || list.with(|l| l.iter().position(|x| x.id == d.id).map(|p| p + 1).unwrap_or(0));
                    let legend = move || format!("{} secondary index {}", if global { "Global" } else { "Local" }, number());
                    view! {
                        <fieldset class="index-draft">
                            <legend>{legend}</legend>
                            <div class="field-row">
                                {text_input("Index name", d.name, "e.g. byStatus")}
                                {global.then(|| view! { {text_input("Index partition key", d.pk, "attribute name")} {type_select("Index partition key type", d.pk_type)} })}
                                {text_input(if global { "Index sort key (optional)" } else { "Index sort key" }, d.sk, "attribute name")}
                                {type_select("Index sort key type", d.sk_type)}
                            </div>
                            <div class="field-row">
                                {projection_fields(d)}
                                {move || (global && billing.get() == "PROVISIONED").then(|| view! {
                                    {number_input("Index read capacity units", d.rcu)}
                                    {number_input("Index write capacity units", d.wcu)}
                                })}
                            </div>
                            <button type="button" class="button small" on:click=move |_| list.update(|l| l.retain(|x| x.id != d.id))>
                                {move || format!("Remove index {}", number())}
                            </button>
                        </fieldset>
                    }
                }
            </For>
        }
    };

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><A href=href("/tables")>"Tables"</A>" / "<span>"Create table"</span></nav>
        <PageHeader title="Create table" subtitle="CreateTable"/>
        <form class="card create-form" on:submit=submit novalidate=true>
            <h2>"Table"</h2>
            <div class="field-row">
                {text_input("Table name", name, "3-255 characters: a-z A-Z 0-9 _ - .")}
            </div>
            <div class="field-row">
                {text_input("Partition key", pk, "attribute name, e.g. userId")}
                {type_select("Partition key type", pk_type)}
            </div>
            <div class="field-row">
                {text_input("Sort key (optional)", sk, "attribute name, e.g. createdAt")}
                {type_select("Sort key type", sk_type)}
            </div>
            <h2>"Capacity"</h2>
            {capacity_fields("billing", billing, rcu, wcu)}
            <h2>"Global secondary indexes"</h2>
            {index_list(gsis, true)}
            <button type="button" class="button" on:click=move |_| gsis.update(|l| l.push(new_draft()))>"Add global index"</button>
            <h2>"Local secondary indexes"</h2>
            <p class="muted">"A local index keeps the table's partition key and orders items by another sort key. The table needs a sort key too."</p>
            {index_list(lsis, false)}
            <button type="button" class="button" on:click=move |_| lsis.update(|l| l.push(new_draft()))>"Add local index"</button>
            {move || error.get().map(|e| view! { <p class="error-text form-error" role="alert">{e}</p> })}
            <div class="button-row">
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Create table" }}
                </button>
                <A href=href("/tables") attr:class="button">"Cancel"</A>
            </div>
        </form>
    }
}
