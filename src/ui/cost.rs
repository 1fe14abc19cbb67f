//! Cost estimates: what a resource's traffic would cost on AWS, from a
//! price table the reader can edit (kept in the browser's local storage),
//! with the money formats the estimates share. Used by the Tables and
//! Functions monitor tabs.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// A unit price with the digits it has: `$0.125`, `$0.00013`, `$0.0000166667`.
pub fn price(v: f64) -> String {
    let text = format!("{v:.10}");
    format!("${}", text.trim_end_matches('0').trim_end_matches('.'))
}

/// An amount of money: cents, or the digits that matter below a cent.
pub fn dollars(v: f64) -> String {
    if v == 0.0 {
        "$0.00".into()
    } else if v < 0.01 {
        format!("${v:.6}")
    } else {
        format!("${v:.2}")
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The price table saved under `key`, or `default` (the list prices).
pub fn load_prices<P: DeserializeOwned>(key: &str, default: P) -> P {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(default)
}

pub fn save_prices<P: Serialize>(key: &str, prices: &P) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, &serde_json::to_string(prices).unwrap_or_default());
    }
}

/// One editable price of a price table: its label and where it lives.
pub struct PriceField<P> {
    pub label: &'static str,
    pub get: fn(&P) -> f64,
    pub set: fn(&mut P, f64),
}

/// The price table of an estimate: one number field per price (a change is
/// saved under `key` at once), the prices' source, and a reset to `list`.
#[component]
pub fn PriceTable<P>(
    prices: RwSignal<P>,
    key: &'static str,
    list: P,
    fields: Vec<PriceField<P>>,
    /// Where the default prices come from.
    source: &'static str,
) -> impl IntoView
where
    P: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let inputs = fields
        .into_iter()
        .map(|f| {
            let PriceField { label, get, set } = f;
            view! {
                <label class="field narrow">
                    <span>{label}</span>
                    <input
                        type="number"
                        min="0"
                        step="any"
                        prop:value=move || get(&prices.get()).to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                                if v >= 0.0 {
                                    prices.update(|p| set(p, v));
                                    save_prices(key, &prices.get_untracked());
                                }
                            }
                        }
                    />
                </label>
            }
        })
        .collect_view();
    let list = StoredValue::new(list);
    view! {
        <details class="prices">
            <summary>"Price table (US dollars)"</summary>
            <div class="field-row">{inputs}</div>
            <p class="muted">{source}</p>
            <button class="button small" on:click=move |_| {
                let list = list.get_value();
                save_prices(key, &list);
                prices.set(list);
            }>"Reset to list prices"</button>
        </details>
    }
}
