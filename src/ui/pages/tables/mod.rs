//! Tables (DynamoDB): the list of tables, the create form, and a table's page
//! with its overview, item explorer and item editor. Everything goes through
//! `crate::ui::api::dynamodb`, with the requests an AWS SDK would send.

mod create;
mod explore;
mod json;
mod list;
mod monitor;
mod settings;
mod table;

pub use create::CreateTable;
pub use list::TablesList;
pub use table::TablePage;

use crate::ui::api::ApiError;
pub use crate::ui::widgets::{list_of, text_input};
use leptos::prelude::*;
use serde_json::Value;

/// A key attribute: its name and type (S, N or B).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyAttr {
    pub name: String,
    pub kind: String,
}

/// The partition and sort key of a key schema, typed from the table's
/// attribute definitions.
pub fn keys_of(schema: &Value, table: &Value) -> (Option<KeyAttr>, Option<KeyAttr>) {
    let kind = |name: &str| {
        table["AttributeDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["AttributeName"] == name)
            .and_then(|d| d["AttributeType"].as_str())
            .unwrap_or("?")
            .to_string()
    };
    let find = |key_type: &str| {
        schema.as_array().into_iter().flatten().find(|k| k["KeyType"] == key_type).map(|k| {
            let name = k["AttributeName"].as_str().unwrap_or("").to_string();
            KeyAttr { kind: kind(&name), name }
        })
    };
    (find("HASH"), find("RANGE"))
}

/// `name (S)`, or an em dash.
pub fn key_label(key: &Option<KeyAttr>) -> String {
    match key {
        Some(k) => format!("{} ({})", k.name, k.kind),
        None => "—".into(),
    }
}

/// "On-demand" or "Provisioned (5 RCU, 5 WCU)".
pub fn capacity_mode(table: &Value) -> String {
    if table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" {
        "On-demand".into()
    } else {
        format!(
            "Provisioned ({} RCU, {} WCU)",
            table["ProvisionedThroughput"]["ReadCapacityUnits"].as_u64().unwrap_or(0),
            table["ProvisionedThroughput"]["WriteCapacityUnits"].as_u64().unwrap_or(0)
        )
    }
}

/// An engine refusal as DynamoDB words it.
pub fn error_text(e: &ApiError) -> String {
    if e.message.is_empty() {
        e.kind.clone()
    } else {
        format!("{}: {}", e.kind, e.message)
    }
}

pub fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
}

/// An attribute value typed as a key needs it: `{"S": "x"}`, `{"N": "1"}`, `{"B": "..."}`.
pub fn typed(kind: &str, text: &str) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(if kind == "?" { "S".into() } else { kind.to_string() }, Value::String(text.to_string()));
    Value::Object(m)
}

/// A projection as the console shows it: `ALL`, `KEYS_ONLY`, `INCLUDE (a, b)`.
pub fn projection_label(p: &Value) -> String {
    let t = p["ProjectionType"].as_str().unwrap_or("ALL");
    match p["NonKeyAttributes"].as_array() {
        Some(a) if t == "INCLUDE" => {
            let names: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            format!("INCLUDE ({})", names.join(", "))
        }
        _ => t.to_string(),
    }
}

// Form fields and parsing shared by the create form and the settings tab.

pub fn number_input(label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field narrow">
            <span>{label}</span>
            <input type="number" min="1" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

pub fn type_select(label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field narrow">
            <span>{label}</span>
            <select prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="S">"String (S)"</option>
                <option value="N">"Number (N)"</option>
                <option value="B">"Binary (B)"</option>
            </select>
        </label>
    }
}

pub fn parse_units(label: &str, text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("{label} must be a whole number"))
}


/// The capacity mode radio buttons, with read and write capacity units when
/// provisioned. `name` keeps radio groups of different forms apart.
pub fn capacity_fields(name: &'static str, billing: RwSignal<String>, rcu: RwSignal<String>, wcu: RwSignal<String>) -> impl IntoView {
    view! {
        <fieldset class="radio-group">
            <legend>"Capacity mode"</legend>
            <label class="radio">
                <input type="radio" name=name value="PAY_PER_REQUEST" prop:checked=move || billing.get() == "PAY_PER_REQUEST" on:change=move |_| billing.set("PAY_PER_REQUEST".into())/>
                "On-demand"
            </label>
            <label class="radio">
                <input type="radio" name=name value="PROVISIONED" prop:checked=move || billing.get() == "PROVISIONED" on:change=move |_| billing.set("PROVISIONED".into())/>
                "Provisioned"
            </label>
        </fieldset>
        <Show when=move || billing.get() == "PROVISIONED">
            <div class="field-row">
                {number_input("Read capacity units", rcu)}
                {number_input("Write capacity units", wcu)}
            </div>
        </Show>
    }
}
