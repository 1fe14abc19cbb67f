//! The "Indexes and settings" tab of a table's page: global secondary indexes
//! (add, delete), capacity mode, time to live and the stream with its records.
//! Table changes go through `crate::ui::api::dynamodb`; the stream's records
//! through the DynamoDB Streams API on the same endpoint.

use super::json::value_one_line;
use super::{confirm, error_text, key_label, keys_of};
use crate::ui::api::{dynamodb, streams, ApiError};
use leptos::prelude::*;
use super::{capacity_fields, text_input, number_input, type_select, parse_units, list_of, projection_label};
use leptos::task::spawn_local;
use serde_json::{json, Value};



fn is_on_demand(table: &Value) -> bool {
    table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
}



fn date_text(secs: Option<f64>) -> String {
    match secs {
        Some(secs) => {
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs * 1000.0));
            d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED).as_string().unwrap_or_default()
        }
        None => "—".into(),
    }
}

/// An item or key map on one line: `{id: "s1", n: 2}`.
fn map_text(v: &Value) -> String {
    match v.as_object() {
        Some(m) if !m.is_empty() => {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}: {}", value_one_line(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        _ => "—".into(),
    }
}




/// A message under a form: an error (with DynamoDB's text) or a success.
#[derive(Clone, PartialEq)]
enum Note {
    Ok(String),
    Err(String),
}

fn note_view(note: RwSignal<Option<Note>>) -> impl IntoView {
    move || {
        note.get().map(|n| match n {
            Note::Ok(t) => view! { <p class="ok-text" role="status">{t}</p> }.into_any(),
            Note::Err(t) => view! { <p class="error-text" role="alert">{t}</p> }.into_any(),
        })
    }
}

/// Runs a change, then says how it went and describes the table afresh.
fn run(
    busy: RwSignal<bool>,
    note: RwSignal<Option<Note>>,
    refresh: RwSignal<u32>,
    done: String,
    call: impl std::future::Future<Output = Result<Value, ApiError>> + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    note.set(None);
    spawn_local(async move {
        let result = call.await;
        busy.set(false);
        match result {
            Ok(_) => {
                note.set(Some(Note::Ok(done)));
                refresh.update(|n| *n += 1);
            }
            Err(e) => note.set(Some(Note::Err(error_text(&e)))),
        }
    });
}

/// `refresh` counts the changes made here; the table page redraws the views
/// that depend on the table's settings when it moves.
#[component]
pub fn Settings(name: String, refresh: RwSignal<u32>) -> impl IntoView {
    let table_name = StoredValue::new(name);
    let description = LocalResource::new(move || {
        refresh.track();
        let table = table_name.get_value();
        async move { dynamodb("DescribeTable", json!({ "TableName": table })).await.map(|d| d["Table"].clone()) }
    });
    let ttl = LocalResource::new(move || {
        refresh.track();
        let table = table_name.get_value();
        async move {
            dynamodb("DescribeTimeToLive", json!({ "TableName": table })).await.map(|d| d["TimeToLiveDescription"].clone())
        }
    });

    // Add-index form.
    let ix_name = RwSignal::new(String::new());
    let ix_pk = RwSignal::new(String::new());
    let ix_pk_type = RwSignal::new("S".to_string());
    let ix_sk = RwSignal::new(String::new());
    let ix_sk_type = RwSignal::new("S".to_string());
    let ix_projection = RwSignal::new("ALL".to_string());
    let ix_include = RwSignal::new(String::new());
    let ix_rcu = RwSignal::new("5".to_string());
    let ix_wcu = RwSignal::new("5".to_string());
    let ix_busy = RwSignal::new(false);
    let ix_note = RwSignal::new(None::<Note>);
    // Capacity form.
    let billing = RwSignal::new("PAY_PER_REQUEST".to_string());
    let rcu = RwSignal::new("5".to_string());
    let wcu = RwSignal::new("5".to_string());
    let cap_busy = RwSignal::new(false);
    let cap_note = RwSignal::new(None::<Note>);
    // Time to live.
    let ttl_attr = RwSignal::new(String::new());
    let ttl_busy = RwSignal::new(false);
    let ttl_note = RwSignal::new(None::<Note>);
    // Stream.
    let view_type = RwSignal::new("NEW_AND_OLD_IMAGES".to_string());
    let stream_busy = RwSignal::new(false);
    let stream_note = RwSignal::new(None::<Note>);

    // The capacity form starts from what the table has.
    Effect::new(move |_| {
        if let Some(Ok(t)) = description.get() {
            if is_on_demand(&t) {
                billing.set("PAY_PER_REQUEST".into());
            } else {
                billing.set("PROVISIONED".into());
                rcu.set(t["ProvisionedThroughput"]["ReadCapacityUnits"].as_u64().unwrap_or(5).to_string());
                wcu.set(t["ProvisionedThroughput"]["WriteCapacityUnits"].as_u64().unwrap_or(5).to_string());
            }
        }
    });

    let on_demand = move || matches!(description.get(), Some(Ok(t)) if is_on_demand(&t));

    let add_index = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let build = move || -> Result<Value, String> {
            let index = ix_name.get_untracked().trim().to_string();
            if index.is_empty() {
                return Err("Enter the index name.".into());
            }
            let pk = ix_pk.get_untracked().trim().to_string();
            if pk.is_empty() {
                return Err("Enter the index's partition key.".into());
            }
            let mut defs = vec![json!({ "AttributeName": pk, "AttributeType": ix_pk_type.get_untracked() })];
            let mut schema = vec![json!({ "AttributeName": pk, "KeyType": "HASH" })];
            let sk = ix_sk.get_untracked().trim().to_string();
            if !sk.is_empty() {
                if sk == pk {
                    return Err("The sort key must differ from the partition key.".into());
                }
                defs.push(json!({ "AttributeName": sk, "AttributeType": ix_sk_type.get_untracked() }));
                schema.push(json!({ "AttributeName": sk, "KeyType": "RANGE" }));
            }
            let t = ix_projection.get_untracked();
            let projection = if t == "INCLUDE" {
                json!({ "ProjectionType": t, "NonKeyAttributes": list_of(&ix_include.get_untracked()) })
            } else {
                json!({ "ProjectionType": t })
            };
            let mut create = json!({ "IndexName": index, "KeySchema": schema, "Projection": projection });
            if !on_demand() {
                create["ProvisionedThroughput"] = json!({
                    "ReadCapacityUnits": parse_units("Index read capacity", &ix_rcu.get_untracked())?,
                    "WriteCapacityUnits": parse_units("Index write capacity", &ix_wcu.get_untracked())?,
                });
            }
            Ok(json!({
                "TableName": table_name.get_value(),
                "AttributeDefinitions": defs,
                "GlobalSecondaryIndexUpdates": [{ "Create": create }],
            }))
        };
        match build() {
            Err(e) => ix_note.set(Some(Note::Err(e))),
            Ok(body) => {
                let index = body["GlobalSecondaryIndexUpdates"][0]["Create"]["IndexName"].as_str().unwrap_or("").to_string();
                run(ix_busy, ix_note, refresh, format!("Added the index {index}."), async move {
                    let r = dynamodb("UpdateTable", body).await;
                    if r.is_ok() {
                        ix_name.set(String::new());
                        ix_pk.set(String::new());
                        ix_sk.set(String::new());
                        ix_include.set(String::new());
                        ix_pk_type.set("S".into());
                        ix_sk_type.set("S".into());
                        ix_projection.set("ALL".into());
                    }
                    r
                });
            }
        }
    };

    let delete_index = move |index: String| {
        if !confirm(&format!("Delete the index {index}? Queries on it will stop working.")) {
            return;
        }
        let body = json!({ "TableName": table_name.get_value(), "GlobalSecondaryIndexUpdates": [{ "Delete": { "IndexName": index } }] });
        run(ix_busy, ix_note, refresh, format!("Deleted the index {index}."), dynamodb("UpdateTable", body));
    };

    let save_capacity = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut body = json!({ "TableName": table_name.get_value() });
        if billing.get_untracked() == "PAY_PER_REQUEST" {
            body["BillingMode"] = json!("PAY_PER_REQUEST");
        } else {
            let units = parse_units("Read capacity", &rcu.get_untracked())
                .and_then(|r| parse_units("Write capacity", &wcu.get_untracked()).map(|w| (r, w)));
            let (r, w) = match units {
                Ok(u) => u,
                Err(e) => return cap_note.set(Some(Note::Err(e))),
            };
            // Staying provisioned, only the throughput changes (as the CLI sends it).
            if on_demand() {
                body["BillingMode"] = json!("PROVISIONED");
            }
            body["ProvisionedThroughput"] = json!({ "ReadCapacityUnits": r, "WriteCapacityUnits": w });
            // Leaving on-demand, every global index needs a throughput too.
            if on_demand() {
                if let Some(Ok(t)) = description.get_untracked() {
                    let updates: Vec<Value> = t["GlobalSecondaryIndexes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|i| {
                            json!({ "Update": { "IndexName": i["IndexName"], "ProvisionedThroughput": { "ReadCapacityUnits": r, "WriteCapacityUnits": w } } })
                        })
                        .collect();
                    if !updates.is_empty() {
                        body["GlobalSecondaryIndexUpdates"] = json!(updates);
                    }
                }
            }
        }
        run(cap_busy, cap_note, refresh, "Saved the capacity.".into(), dynamodb("UpdateTable", body));
    };

    let set_ttl = move |enabled: bool, attribute: String| {
        if attribute.trim().is_empty() {
            return ttl_note.set(Some(Note::Err("Enter the attribute that holds the expiry time.".into())));
        }
        let body = json!({
            "TableName": table_name.get_value(),
            "TimeToLiveSpecification": { "Enabled": enabled, "AttributeName": attribute.trim() },
        });
        let done = if enabled { "Enabled time to live." } else { "Disabled time to live." };
        run(ttl_busy, ttl_note, refresh, done.into(), dynamodb("UpdateTimeToLive", body));
    };

    let set_stream = move |enabled: bool| {
        let spec = if enabled {
            json!({ "StreamEnabled": true, "StreamViewType": view_type.get_untracked() })
        } else {
            json!({ "StreamEnabled": false })
        };
        let body = json!({ "TableName": table_name.get_value(), "StreamSpecification": spec });
        let done = if enabled { "Enabled the stream." } else { "Disabled the stream." };
        run(stream_busy, stream_note, refresh, done.into(), dynamodb("UpdateTable", body));
    };

    let indexes_view = move |table: Value| {
        let rows: Vec<_> = table["GlobalSecondaryIndexes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                let (pk, sk) = keys_of(&i["KeySchema"], &table);
                let capacity = match i["ProvisionedThroughput"]["ReadCapacityUnits"].as_u64() {
                    Some(r) if r > 0 => {
                        format!("{r} RCU, {} WCU", i["ProvisionedThroughput"]["WriteCapacityUnits"].as_u64().unwrap_or(0))
                    }
                    _ => "On-demand".into(),
                };
                (
                    i["IndexName"].as_str().unwrap_or("").to_string(),
                    i["IndexStatus"].as_str().unwrap_or("ACTIVE").to_string(),
                    key_label(&pk),
                    key_label(&sk),
                    projection_label(&i["Projection"]),
                    capacity,
                    i["ItemCount"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        if rows.is_empty() {
            return view! { <p class="muted" data-testid="no-gsi">"No global secondary indexes."</p> }.into_any();
        }
        view! {
            <div class="table-scroll">
                <table class="data-table" aria-label="Global secondary indexes">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col">"Partition key"</th>
                        <th scope="col">"Sort key"</th><th scope="col">"Projection"</th><th scope="col">"Capacity"</th>
                        <th scope="col" class="num">"Items"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(n, status, pk, sk, proj, cap, count)| {
                            let label = format!("Delete index {n}");
                            let index = n.clone();
                            view! {
                                <tr>
                                    <th scope="row">{n}</th><td>{status}</td><td><code>{pk}</code></td><td><code>{sk}</code></td>
                                    <td>{proj}</td><td>{cap}</td><td class="num">{count}</td>
                                    <td>
                                        <button type="button" class="button small danger" aria-label=label
                                            disabled=move || ix_busy.get()
                                            on:click=move |_| delete_index(index.clone())>"Delete"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };

    let stream_view = move |table: Value| {
        let enabled = table["StreamSpecification"]["StreamEnabled"].as_bool().unwrap_or(false);
        let current = table["StreamSpecification"]["StreamViewType"].as_str().unwrap_or("").to_string();
        let arn = table["LatestStreamArn"].as_str().unwrap_or("").to_string();
        if enabled {
            view! {
                <p>"Status: "<strong data-testid="stream-status">"Enabled"</strong>" · view type "<code>{current}</code></p>
                <div class="button-row">
                    <button type="button" class="button" disabled=move || stream_busy.get() on:click=move |_| set_stream(false)>"Disable stream"</button>
                </div>
                {note_view(stream_note)}
                <StreamRecords arn=arn/>
            }
            .into_any()
        } else {
            view! {
                <p>"Status: "<strong data-testid="stream-status">"Disabled"</strong></p>
                <div class="field-row">
                    <label class="field view-type">
                        <span>"Stream view type"</span>
                        <select prop:value=move || view_type.get() on:change=move |ev| view_type.set(event_target_value(&ev))>
                            <option value="NEW_IMAGE">"NEW_IMAGE"</option>
                            <option value="OLD_IMAGE">"OLD_IMAGE"</option>
                            <option value="NEW_AND_OLD_IMAGES">"NEW_AND_OLD_IMAGES"</option>
                            <option value="KEYS_ONLY">"KEYS_ONLY"</option>
                        </select>
                    </label>
                </div>
                <div class="button-row">
                    <button type="button" class="button primary" disabled=move || stream_busy.get() on:click=move |_| set_stream(true)>"Enable stream"</button>
                </div>
                {note_view(stream_note)}
            }
            .into_any()
        }
    };

    let ttl_view = move || match ttl.get() {
        None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
        Some(Ok(d)) => {
            let status = d["TimeToLiveStatus"].as_str().unwrap_or("DISABLED").to_string();
            let attribute = d["AttributeName"].as_str().unwrap_or("").to_string();
            let on = status == "ENABLED" || status == "ENABLING";
            let shown = (!attribute.is_empty()).then(|| view! { " · attribute "<code data-testid="ttl-attribute">{attribute.clone()}</code> });
            view! {
                <p>"Status: "<strong data-testid="ttl-status">{status}</strong>{shown}</p>
                {if on {
                    let attribute = attribute.clone();
                    view! {
                        <div class="button-row">
                            <button type="button" class="button" disabled=move || ttl_busy.get()
                                on:click=move |_| set_ttl(false, attribute.clone())>"Disable TTL"</button>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="field-row">
                            {text_input("TTL attribute name", ttl_attr, "e.g. expiresAt (epoch seconds)")}
                        </div>
                        <div class="button-row">
                            <button type="button" class="button primary" disabled=move || ttl_busy.get()
                                on:click=move |_| set_ttl(true, ttl_attr.get_untracked())>"Enable TTL"</button>
                        </div>
                    }.into_any()
                }}
            }
            .into_any()
        }
    };

    view! {
        <section class="card settings-card" aria-label="Global secondary indexes">
            <h2>"Global secondary indexes"</h2>
            {move || match description.get() {
                None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
                Some(Ok(t)) => indexes_view(t),
            }}
            <form class="index-form" on:submit=add_index novalidate=true aria-label="Add index">
                <h3>"Add index"</h3>
                <div class="field-row">
                    {text_input("Index name", ix_name, "e.g. byStatus")}
                </div>
                <div class="field-row">
                    {text_input("Index partition key", ix_pk, "attribute name")}
                    {type_select("Index partition key type", ix_pk_type)}
                </div>
                <div class="field-row">
                    {text_input("Index sort key (optional)", ix_sk, "attribute name")}
                    {type_select("Index sort key type", ix_sk_type)}
                </div>
                <div class="field-row">
                    <label class="field narrow">
                        <span>"Projection"</span>
                        <select prop:value=move || ix_projection.get() on:change=move |ev| ix_projection.set(event_target_value(&ev))>
                            <option value="ALL">"ALL"</option>
                            <option value="KEYS_ONLY">"KEYS_ONLY"</option>
                            <option value="INCLUDE">"INCLUDE"</option>
                        </select>
                    </label>
                    <Show when=move || ix_projection.get() == "INCLUDE">
                        {text_input("Projected attributes", ix_include, "comma-separated, e.g. title, price")}
                    </Show>
                    <Show when=move || matches!(description.get(), Some(Ok(_))) && !on_demand()>
                        {number_input("Index read capacity units", ix_rcu)}
                        {number_input("Index write capacity units", ix_wcu)}
                    </Show>
                </div>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || ix_busy.get()>
                        {move || if ix_busy.get() { "Working…" } else { "Add index" }}
                    </button>
                </div>
                {note_view(ix_note)}
            </form>
        </section>
        <section class="card settings-card" aria-label="Capacity">
            <h2>"Capacity"</h2>
            <p>"Current: "<strong data-testid="capacity-current">{move || match description.get() {
                Some(Ok(t)) => super::capacity_mode(&t),
                _ => "…".into(),
            }}</strong></p>
            <form on:submit=save_capacity novalidate=true aria-label="Capacity mode">
                {capacity_fields("settings-billing", billing, rcu, wcu)}
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || cap_busy.get()>
                        {move || if cap_busy.get() { "Saving…" } else { "Save capacity" }}
                    </button>
                </div>
                {note_view(cap_note)}
            </form>
        </section>
        <section class="card settings-card" aria-label="Time to live">
            <h2>"Time to live"</h2>
            {ttl_view}
            {note_view(ttl_note)}
        </section>
        <section class="card settings-card" aria-label="Stream">
            <h2>"Stream"</h2>
            {move || match description.get() {
                None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
                Some(Ok(t)) => stream_view(t),
            }}
        </section>
    }
}

/// Every record of a stream, oldest first: each shard from TRIM_HORIZON.
async fn read_stream(arn: String) -> Result<Vec<Value>, ApiError> {
    let described = streams("DescribeStream", json!({ "StreamArn": arn })).await?;
    let shards = described["StreamDescription"]["Shards"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for shard in shards {
        let id = shard["ShardId"].as_str().unwrap_or("").to_string();
        let it = streams(
            "GetShardIterator",
            json!({ "StreamArn": arn, "ShardId": id, "ShardIteratorType": "TRIM_HORIZON" }),
        )
        .await?;
        let mut iterator = it["ShardIterator"].as_str().map(String::from);
        let mut rounds = 0;
        while let Some(i) = iterator {
            rounds += 1;
            if rounds > 50 {
                break;
            }
            let page = streams("GetRecords", json!({ "ShardIterator": i })).await?;
            let records = page["Records"].as_array().cloned().unwrap_or_default();
            if records.is_empty() {
                break;
            }
            out.extend(records);
            iterator = page["NextShardIterator"].as_str().map(String::from);
        }
    }
    Ok(out)
}

#[component]
fn StreamRecords(arn: String) -> impl IntoView {
    let arn = StoredValue::new(arn);
    let again = RwSignal::new(0u32);
    let records = LocalResource::new(move || {
        again.track();
        read_stream(arn.get_value())
    });
    let rows = move |list: Vec<Value>| {
        if list.is_empty() {
            return view! { <p class="muted" data-testid="no-records">"No records yet. Write an item, then refresh."</p> }.into_any();
        }
        let count = list.len();
        view! {
            <p class="muted" data-testid="record-count">{format!("{count} record{}", if count == 1 { "" } else { "s" })}</p>
            <div class="table-scroll">
                <table class="data-table stream-records" aria-label="Stream records">
                    <thead><tr>
                        <th scope="col">"Event"</th><th scope="col">"Keys"</th><th scope="col">"Time"</th>
                        <th scope="col">"New image"</th><th scope="col">"Old image"</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|r| {
                            let d = &r["dynamodb"];
                            let event = r["eventName"].as_str().unwrap_or("").to_string();
                            let keys = map_text(&d["Keys"]);
                            let when = date_text(d["ApproximateCreationDateTime"].as_f64());
                            let new_image = map_text(&d["NewImage"]);
                            let old_image = map_text(&d["OldImage"]);
                            view! {
                                <tr>
                                    <td class="event-name">{event}</td><td><code>{keys}</code></td><td>{when}</td>
                                    <td><code>{new_image}</code></td><td><code>{old_image}</code></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="stream-records-panel">
            <div class="button-row">
                <h3>"Stream records"</h3>
                <button type="button" class="button small" on:click=move |_| again.update(|n| *n += 1)>"Refresh records"</button>
            </div>
            {move || match records.get() {
                None => view! { <p class="muted" role="status">"Loading records…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
                Some(Ok(list)) => rows(list),
            }}
        </div>
    }
}
