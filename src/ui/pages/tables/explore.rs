//! A table's items: Scan or Query the table or one of its indexes, page
//! through the results, and create, edit or delete items in a JSON editor.

use super::json;
use super::{confirm, error_text, keys_of, typed, KeyAttr};
use crate::ui::api::dynamodb;
use leptos::prelude::*;
use super::text_input;
use leptos::task::spawn_local;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// One page of Scan or Query results.
#[derive(Clone)]
struct ResultPage {
    operation: String,
    number: usize,
    items: Vec<Map<String, Value>>,
    columns: Vec<String>,
    count: u64,
    scanned: u64,
    consumed: Option<f64>,
    has_next: bool,
}

/// The partition and sort key of the table (target "") or of an index.
fn target_keys(table: &Value, target: &str) -> (Option<KeyAttr>, Option<KeyAttr>) {
    if target.is_empty() {
        return keys_of(&table["KeySchema"], table);
    }
    for list in [&table["GlobalSecondaryIndexes"], &table["LocalSecondaryIndexes"]] {
        if let Some(i) = list.as_array().into_iter().flatten().find(|i| i["IndexName"] == target) {
            return keys_of(&i["KeySchema"], table);
        }
    }
    (None, None)
}

fn index_names(table: &Value) -> Vec<String> {
    [&table["GlobalSecondaryIndexes"], &table["LocalSecondaryIndexes"]]
        .into_iter()
        .flat_map(|l| l.as_array().cloned().unwrap_or_default())
        .filter_map(|i| i["IndexName"].as_str().map(str::to_string))
        .collect()
}

/// The item's table key (its partition and sort key attributes).
fn key_of(table: &Value, item: &Map<String, Value>) -> Map<String, Value> {
    let (pk, sk) = keys_of(&table["KeySchema"], table);
    let mut key = Map::new();
    for k in [pk, sk].into_iter().flatten() {
        if let Some(v) = item.get(&k.name) {
            key.insert(k.name, v.clone());
        }
    }
    key
}

/// The capacity units a write consumed (TransactWriteItems answers a list).
fn consumed_units(answer: &Value) -> String {
    let units: f64 = match &answer["ConsumedCapacity"] {
        Value::Array(list) => list.iter().filter_map(|c| c["CapacityUnits"].as_f64()).sum(),
        c => c["CapacityUnits"].as_f64().unwrap_or(0.0),
    };
    format!("{units} write capacity units consumed")
}

fn key_text(key: &Map<String, Value>) -> String {
    key.iter().map(|(k, v)| format!("{k} = {}", json::value_one_line(v))).collect::<Vec<_>>().join(", ")
}

/// (type, text) of an attribute value for a results cell.
fn cell(v: &Value) -> (String, String) {
    let Some((t, inner)) = v.as_object().and_then(|o| o.iter().next()) else {
        return ("?".into(), v.to_string());
    };
    let text = match (t.as_str(), inner) {
        ("S" | "N" | "B", Value::String(s)) => s.clone(),
        ("BOOL", Value::Bool(b)) => b.to_string(),
        ("NULL", _) => "null".into(),
        ("SS" | "NS" | "BS", Value::Array(a)) => {
            format!("{{{}}}", a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
        }
        _ => json::value_one_line(v),
    };
    (t.clone(), text)
}

fn columns_of(table: &Value, target: &str, items: &[Map<String, Value>]) -> Vec<String> {
    let mut first = Vec::new();
    let (pk, sk) = keys_of(&table["KeySchema"], table);
    let (ipk, isk) = target_keys(table, target);
    for k in [pk, sk, ipk, isk].into_iter().flatten() {
        if !first.contains(&k.name) && items.iter().any(|i| i.contains_key(&k.name)) {
            first.push(k.name);
        }
    }
    let rest: BTreeSet<&String> = items.iter().flat_map(|i| i.keys()).filter(|k| !first.contains(k)).collect();
    first.extend(rest.into_iter().cloned());
    first
}


#[component]
pub fn Explore(table: Value) -> impl IntoView {
    let table_name = table["TableName"].as_str().unwrap_or("").to_string();
    let indexes = index_names(&table);
    let table = StoredValue::new(table);
    let name = StoredValue::new(table_name);

    let operation = RwSignal::new("Scan".to_string());
    let target = RwSignal::new(String::new());
    let pk_value = RwSignal::new(String::new());
    let sk_op = RwSignal::new(String::new());
    let sk_value = RwSignal::new(String::new());
    let sk_value2 = RwSignal::new(String::new());
    let order = RwSignal::new("asc".to_string());
    let filter_attr = RwSignal::new(String::new());
    let filter_op = RwSignal::new("=".to_string());
    let filter_value = RwSignal::new(String::new());
    let filter_type = RwSignal::new("S".to_string());
    let projection = RwSignal::new(String::new());
    let limit = RwSignal::new("25".to_string());

    let results = RwSignal::new(None::<ResultPage>);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    // starts[i]: the ExclusiveStartKey of page i (None for the first).
    let starts = StoredValue::new(vec![None::<Value>]);

    let keys = move || table.with_value(|t| target_keys(t, &target.get()));

    // The Scan or Query request for a page, from the form.
    let build = move |start: Option<Value>| -> Result<(String, Value), String> {
        let op = operation.get_untracked();
        let tgt = target.get_untracked();
        let mut body = json!({ "TableName": name.get_value(), "ReturnConsumedCapacity": "TOTAL" });
        let mut names = Map::new();
        let mut values = Map::new();
        if !tgt.is_empty() {
            body["IndexName"] = json!(tgt);
        }
        if op == "Query" {
            let (pk, sk) = table.with_value(|t| target_keys(t, &tgt));
            let pk = pk.ok_or("This table or index has no partition key.")?;
            let v = pk_value.get_untracked();
            if v.is_empty() {
                return Err(format!("A query needs the partition key value ({}).", pk.name));
            }
            names.insert("#pk".into(), json!(pk.name));
            values.insert(":pk".into(), typed(&pk.kind, &v));
            let mut condition = "#pk = :pk".to_string();
            let cmp = sk_op.get_untracked();
            if let (Some(sk), false) = (sk, cmp.is_empty()) {
                names.insert("#sk".into(), json!(sk.name));
                values.insert(":sk".into(), typed(&sk.kind, &sk_value.get_untracked()));
                match cmp.as_str() {
                    "between" => {
                        values.insert(":sk2".into(), typed(&sk.kind, &sk_value2.get_untracked()));
                        condition.push_str(" AND #sk BETWEEN :sk AND :sk2");
                    }
                    "begins_with" => condition.push_str(" AND begins_with(#sk, :sk)"),
                    c => condition.push_str(&format!(" AND #sk {c} :sk")),
                }
            }
            body["KeyConditionExpression"] = json!(condition);
            body["ScanIndexForward"] = json!(order.get_untracked() == "asc");
        }
        let attr = filter_attr.get_untracked().trim().to_string();
        if !attr.is_empty() {
            names.insert("#f".into(), json!(attr));
            let fop = filter_op.get_untracked();
            let value = filter_value.get_untracked();
            let typed_value = match filter_type.get_untracked().as_str() {
                "BOOL" => json!({ "BOOL": value.trim() == "true" }),
                t => typed(t, &value),
            };
            let expression = match fop.as_str() {
                "exists" => "attribute_exists(#f)".to_string(),
                "not_exists" => "attribute_not_exists(#f)".to_string(),
                "begins_with" => {
                    values.insert(":f".into(), typed_value);
                    "begins_with(#f, :f)".to_string()
                }
                "contains" => {
                    values.insert(":f".into(), typed_value);
                    "contains(#f, :f)".to_string()
                }
                c => {
                    values.insert(":f".into(), typed_value);
                    format!("#f {c} :f")
                }
            };
            body["FilterExpression"] = json!(expression);
        }
        let projected = super::list_of(&projection.get_untracked());
        if !projected.is_empty() {
            let mut parts = Vec::new();
            for (n, p) in projected.into_iter().enumerate() {
                names.insert(format!("#p{n}"), json!(p));
                parts.push(format!("#p{n}"));
            }
            body["ProjectionExpression"] = json!(parts.join(", "));
        }
        let l = limit.get_untracked();
        if !l.trim().is_empty() {
            body["Limit"] = json!(l.trim().parse::<u64>().map_err(|_| "Page size must be a whole number.")?);
        }
        if !names.is_empty() {
            body["ExpressionAttributeNames"] = Value::Object(names);
        }
        if !values.is_empty() {
            body["ExpressionAttributeValues"] = Value::Object(values);
        }
        if let Some(s) = start {
            body["ExclusiveStartKey"] = s;
        }
        Ok((op, body))
    };

    let run = move |page: usize| {
        let start = starts.with_value(|s| s.get(page).cloned().flatten());
        let (op, body) = match build(start) {
            Ok(x) => x,
            Err(e) => return error.set(Some(e)),
        };
        error.set(None);
        loading.set(true);
        let tgt = target.get_untracked();
        spawn_local(async move {
            let answer = dynamodb(&op, body).await;
            loading.set(false);
            match answer {
                Ok(r) => {
                    let items: Vec<Map<String, Value>> =
                        r["Items"].as_array().into_iter().flatten().filter_map(|i| i.as_object().cloned()).collect();
                    let next = r.get("LastEvaluatedKey").cloned();
                    starts.update_value(|s| {
                        s.truncate(page + 1);
                        if let Some(k) = &next {
                            s.push(Some(k.clone()));
                        }
                    });
                    let columns = table.with_value(|t| columns_of(t, &tgt, &items));
                    results.set(Some(ResultPage {
                        operation: op,
                        number: page,
                        columns,
                        count: r["Count"].as_u64().unwrap_or(items.len() as u64),
                        scanned: r["ScannedCount"].as_u64().unwrap_or(0),
                        consumed: r["ConsumedCapacity"]["CapacityUnits"].as_f64(),
                        has_next: next.is_some(),
                        items,
                    }));
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    // The first page of the table shows at once, as a Scan.
    run(0);
    let rerun = move || run(results.with_untracked(|r| r.as_ref().map(|p| p.number).unwrap_or(0)));

    // The item editor.
    let editor_open = RwSignal::new(false);
    let editing = StoredValue::new(None::<Map<String, Value>>); // the key of the item being edited
    let text = RwSignal::new(String::new());
    let format = RwSignal::new("dynamo");
    let editor_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);

    let parse = move |fmt: &str| -> Result<Map<String, Value>, String> {
        let t = text.get_untracked();
        if fmt == "plain" { json::plain_to_item(&t) } else { json::dynamo_to_item(&t) }
    };
    let show = move |item: &Map<String, Value>, fmt: &str| -> Result<String, String> {
        if fmt == "plain" { json::item_to_plain(item) } else { Ok(json::item_to_dynamo(item)) }
    };
    let open_editor = move |item: Map<String, Value>, key: Option<Map<String, Value>>| {
        let mut fmt = format.get_untracked();
        let t = match show(&item, fmt) {
            Ok(t) => t,
            Err(_) => {
                fmt = "dynamo";
                json::item_to_dynamo(&item)
            }
        };
        format.set(fmt);
        text.set(t);
        editing.set_value(key);
        editor_error.set(None);
        notice.set(None);
        editor_open.set(true);
    };
    let new_item = move |_| {
        let mut item = Map::new();
        let (pk, sk) = table.with_value(|t| keys_of(&t["KeySchema"], t));
        for k in [pk, sk].into_iter().flatten() {
            item.insert(k.name.clone(), typed(&k.kind, if k.kind == "N" { "0" } else { "" }));
        }
        open_editor(item, None);
    };
    let switch_format = move |to: &'static str| {
        let from = format.get_untracked();
        if from == to {
            return;
        }
        match parse(from).and_then(|item| show(&item, to)) {
            Ok(t) => {
                text.set(t);
                editor_error.set(None);
                format.set(to);
            }
            Err(e) => {
                editor_error.set(Some(e));
                // Puts the radio buttons back on the format still in use.
                format.update(|_| {});
            }
        }
    };
    let save = move |_| {
        let item = match parse(format.get_untracked()) {
            Ok(i) => i,
            Err(e) => return editor_error.set(Some(e)),
        };
        let table_name = name.get_value();
        let (pk, _) = table.with_value(|t| keys_of(&t["KeySchema"], t));
        let pk_name = pk.map(|k| k.name).unwrap_or_default();
        let new_key = table.with_value(|t| key_of(t, &item));
        let old_key = editing.get_value();
        let put = json!({
            "TableName": table_name,
            "ReturnConsumedCapacity": "TOTAL",
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": { "#pk": pk_name },
        });
        let (op, body) = match &old_key {
            // A new item must not overwrite one with the same key.
            None => ("PutItem", put),
            Some(old) if *old == new_key => {
                ("PutItem", json!({ "TableName": table_name, "Item": item, "ReturnConsumedCapacity": "TOTAL" }))
            }
            // The key changed: the item moves, in one transaction.
            Some(old) => (
                "TransactWriteItems",
                json!({
                    "TransactItems": [
                        { "Put": { "TableName": put["TableName"], "Item": put["Item"], "ConditionExpression": put["ConditionExpression"], "ExpressionAttributeNames": put["ExpressionAttributeNames"] } },
                        { "Delete": { "TableName": table_name, "Key": old } },
                    ],
                    "ReturnConsumedCapacity": "TOTAL",
                }),
            ),
        };
        saving.set(true);
        spawn_local(async move {
            let answer = dynamodb(op, body).await;
            saving.set(false);
            match answer {
                Ok(r) => {
                    editor_open.set(false);
                    notice.set(Some(format!("Saved the item {} · {}.", key_text(&new_key), consumed_units(&r))));
                    rerun();
                }
                Err(e) => editor_error.set(Some(error_text(&e))),
            }
        });
    };
    let delete_item = move |key: Map<String, Value>| {
        if !confirm(&format!("Delete the item {}?", key_text(&key))) {
            return;
        }
        let body = json!({ "TableName": name.get_value(), "Key": key, "ReturnConsumedCapacity": "TOTAL" });
        spawn_local(async move {
            match dynamodb("DeleteItem", body).await {
                Ok(r) => {
                    notice.set(Some(format!("Deleted the item {} · {}.", key_text(&key), consumed_units(&r))));
                    if editing.with_value(|k| k.as_ref() == Some(&key)) {
                        editor_open.set(false);
                    }
                    rerun();
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let edit_item = move |key: Map<String, Value>| {
        let body = json!({ "TableName": name.get_value(), "Key": key, "ConsistentRead": true });
        spawn_local(async move {
            match dynamodb("GetItem", body).await {
                Ok(r) => match r["Item"].as_object() {
                    Some(item) => open_editor(item.clone(), Some(key)),
                    None => error.set(Some(format!("The item {} is gone.", key_text(&key)))),
                },
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };

    // The editor takes the focus when it opens, so the keyboard is where the item is.
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move || {
        if let Some(el) = textarea.get() {
            let _ = el.focus();
        }
    });

    let key_hint = move |which: usize| {
        let (pk, sk) = keys();
        let k = if which == 0 { pk } else { sk };
        k.map(|k| format!("{} ({})", k.name, k.kind)).unwrap_or_default()
    };

    view! {
        <section class="card explore">
            <h2>"Explore items"</h2>
            <form class="explore-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                run(0)
            }>
                <div class="field-row">
                    <fieldset class="radio-group">
                        <legend>"Operation"</legend>
                        {["Scan", "Query"].into_iter().map(|op| view! {
                            <label class="radio">
                                <input type="radio" name="operation" value=op prop:checked=move || operation.get() == op on:change=move |_| operation.set(op.into())/>
                                {op}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label class="field">
                        <span>"Table or index"</span>
                        <select on:change=move |ev| target.set(event_target_value(&ev))>
                            <option value="" selected=true>{format!("Table: {}", name.get_value())}</option>
                            {indexes.into_iter().map(|i| view! { <option value=i.clone()>{format!("Index: {i}")}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                <Show when=move || operation.get() == "Query">
                    <div class="field-row">
                        <label class="field">
                            <span>"Partition key value"</span>
                            <input type="text" prop:value=move || pk_value.get() on:input=move |ev| pk_value.set(event_target_value(&ev))/>
                            <small class="muted">{move || key_hint(0)}</small>
                        </label>
                        <Show when=move || keys().1.is_some()>
                            <label class="field narrow">
                                <span>"Sort key condition"</span>
                                <select prop:value=move || sk_op.get() on:change=move |ev| sk_op.set(event_target_value(&ev))>
                                    <option value="">"(any)"</option>
                                    <option value="=">"="</option>
                                    <option value="<">"<"</option>
                                    <option value="<=">"<="</option>
                                    <option value=">">">"</option>
                                    <option value=">=">">="</option>
                                    <option value="between">"between"</option>
                                    <option value="begins_with">"begins with"</option>
                                </select>
                                <small class="muted">{move || key_hint(1)}</small>
                            </label>
                            <Show when=move || !sk_op.get().is_empty()>
                                {text_input("Sort key value", sk_value, "")}
                            </Show>
                            <Show when=move || sk_op.get() == "between">
                                {text_input("And sort key value", sk_value2, "")}
                            </Show>
                        </Show>
                        <label class="field narrow">
                            <span>"Sort order"</span>
                            <select prop:value=move || order.get() on:change=move |ev| order.set(event_target_value(&ev))>
                                <option value="asc">"Ascending"</option>
                                <option value="desc">"Descending"</option>
                            </select>
                        </label>
                    </div>
                </Show>
                <div class="field-row">
                    {text_input("Filter attribute", filter_attr, "optional, e.g. price")}
                    <label class="field narrow">
                        <span>"Filter condition"</span>
                        <select prop:value=move || filter_op.get() on:change=move |ev| filter_op.set(event_target_value(&ev))>
                            <option value="=">"="</option>
                            <option value="<>">"≠"</option>
                            <option value="<">"<"</option>
                            <option value="<=">"<="</option>
                            <option value=">">">"</option>
                            <option value=">=">">="</option>
                            <option value="begins_with">"begins with"</option>
                            <option value="contains">"contains"</option>
                            <option value="exists">"exists"</option>
                            <option value="not_exists">"does not exist"</option>
                        </select>
                    </label>
                    {text_input("Filter value", filter_value, "")}
                    <label class="field narrow">
                        <span>"Filter value type"</span>
                        <select prop:value=move || filter_type.get() on:change=move |ev| filter_type.set(event_target_value(&ev))>
                            <option value="S">"String (S)"</option>
                            <option value="N">"Number (N)"</option>
                            <option value="BOOL">"Boolean (BOOL)"</option>
                        </select>
                    </label>
                </div>
                <div class="field-row">
                    {text_input("Projected attributes", projection, "optional, comma-separated")}
                    <label class="field narrow">
                        <span>"Page size"</span>
                        <input type="number" min="1" prop:value=move || limit.get() on:input=move |ev| limit.set(event_target_value(&ev))/>
                    </label>
                </div>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || loading.get()>
                        {move || if loading.get() { "Running…".to_string() } else { format!("Run {}", operation.get()) }}
                    </button>
                    <button type="button" class="button" on:click=new_item>"Create item"</button>
                </div>
            </form>
            {move || error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
            {move || notice.get().map(|n| view! { <p class="ok-text" role="status">{n}</p> })}
        </section>

        <Show when=move || editor_open.get()>
            <section class="card item-editor" aria-label="Item editor" role="region">
                <h2>{move || if editing.with_value(Option::is_some) { "Edit item" } else { "Create item" }}</h2>
                <fieldset class="radio-group">
                    <legend>"Format"</legend>
                    <label class="radio">
                        <input type="radio" name="item-format" prop:checked=move || format.get() == "dynamo" on:change=move |_| switch_format("dynamo")/>
                        "DynamoDB JSON"
                    </label>
                    <label class="radio">
                        <input type="radio" name="item-format" prop:checked=move || format.get() == "plain" on:change=move |_| switch_format("plain")/>
                        "Plain JSON"
                    </label>
                </fieldset>
                <label class="field wide">
                    <span>"Item JSON"</span>
                    <textarea
                        node_ref=textarea
                        rows="12"
                        spellcheck="false"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <p class="muted hint">{move || if format.get() == "plain" {
                    "Plain JSON: strings become S, numbers N (exactly as written), true/false BOOL, null NULL, arrays L, objects M."
                } else {
                    "DynamoDB JSON: each value names its type, e.g. {\"S\": \"text\"}, {\"N\": \"1.5\"}, {\"SS\": [\"a\", \"b\"]}."
                }}</p>
                {move || editor_error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
                <div class="button-row">
                    <button type="button" class="button primary" on:click=save disabled=move || saving.get()>"Save item"</button>
                    <button type="button" class="button" on:click=move |_| editor_open.set(false)>"Cancel"</button>
                    {move || editing.get_value().map(|key| view! {
                        <span class="spacer"></span>
                        <button type="button" class="button danger" on:click=move |_| delete_item(key.clone())>"Delete item"</button>
                    })}
                </div>
            </section>
        </Show>

        {move || results.get().map(|page| {
            let columns = page.columns.clone();
            let empty = page.items.is_empty();
            view! {
                <section class="card results" aria-label="Results">
                    <div class="results-head">
                        <h2>{format!("{} results · page {}", page.operation, page.number + 1)}</h2>
                        <p class="muted" data-testid="consumed">
                            {format!(
                                "{} returned, {} scanned · {} read capacity units consumed",
                                page.count,
                                page.scanned,
                                page.consumed.map(|c| c.to_string()).unwrap_or_else(|| "no".into())
                            )}
                        </p>
                    </div>
                    {if empty {
                        view! { <p class="muted empty-results">"No items on this page."</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-scroll">
                                <table class="data-table items-table" aria-label="Items">
                                    <thead><tr>
                                        {columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.iter().map(|item| {
                                            let key = table.with_value(|t| key_of(t, item));
                                            let (k1, k2) = (key.clone(), key.clone());
                                            let full_key = key.len() == table.with_value(|t| keys_of(&t["KeySchema"], t).1.map_or(1, |_| 2));
                                            view! {
                                                <tr>
                                                    {columns.iter().map(|c| match item.get(c) {
                                                        Some(v) => {
                                                            let (t, text) = cell(v);
                                                            view! { <td><span class="cell-value">{text}</span>" "<span class="type-tag" title="DynamoDB type">{t}</span></td> }.into_any()
                                                        }
                                                        None => view! { <td class="absent"></td> }.into_any(),
                                                    }).collect_view()}
                                                    <td class="row-actions">
                                                        {full_key.then(|| view! {
                                                            <button type="button" class="button small" on:click=move |_| edit_item(k1.clone())>"Edit"</button>
                                                            <button type="button" class="button small danger" on:click=move |_| delete_item(k2.clone())>"Delete"</button>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                        .into_any()
                    }}
                    <div class="button-row">
                        <button type="button" class="button" disabled=page.number == 0 on:click=move |_| run(page.number - 1)>"Previous page"</button>
                        <button type="button" class="button" disabled=!page.has_next on:click=move |_| run(page.number + 1)>"Next page"</button>
                    </div>
                </section>
            }
        })}
    }
}
