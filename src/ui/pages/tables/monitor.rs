//! A table's "Monitor" tab: live charts of consumed versus provisioned
//! capacity and of throttled requests (CloudWatch GetMetricData, refreshed
//! every second), a load generator so a class can watch throttling happen,
//! and an estimate of what the table's traffic so far would cost on AWS.

use super::{error_text, number_input, typed, KeyAttr};
use crate::ui::api::{cloudwatch, dynamodb};
use crate::ui::chart::{Series, Style, TimeChart};
use crate::ui::cost::{dollars, load_prices, price, PriceField, PriceTable};
use crate::ui::metrics::{fetch_window, now_s, points, rate, window_picker, Window};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// The chart windows: (label, seconds, period).
const WINDOWS: [Window; 3] = [("5 minutes", 300, 1), ("1 hour", 3600, 10), ("3 hours", 10800, 60)];

fn metric(id: &str, table: &str, name: &str, period: u64, stat: &str) -> Value {
    crate::ui::metrics::metric(id, "AWS/DynamoDB", ("TableName", table), name, period, stat)
}

#[component]
pub fn Monitor(table: Value) -> impl IntoView {
    let name = table["TableName"].as_str().unwrap_or("").to_string();
    let window = RwSignal::new(0usize);
    let tick = RwSignal::new(0u64);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), Duration::from_millis(1000)) {
        on_cleanup(move || handle.clear());
    }
    let chart_name = name.clone();
    let data = LocalResource::new(move || {
        tick.track();
        let (_, span, period) = WINDOWS[window.get()];
        let table = chart_name.clone();
        async move {
            let queries = vec![
                metric("cr", &table, "ConsumedReadCapacityUnits", period, "Sum"),
                metric("cw", &table, "ConsumedWriteCapacityUnits", period, "Sum"),
                metric("pr", &table, "ProvisionedReadCapacityUnits", period, "Maximum"),
                metric("pw", &table, "ProvisionedWriteCapacityUnits", period, "Maximum"),
                metric("tr", &table, "ReadThrottleEvents", period, "Sum"),
                metric("tw", &table, "WriteThrottleEvents", period, "Sum"),
            ];
            fetch_window(span, period, queries).await
        }
    });
    let charts = move || {
        let Some(result) = data.get() else {
            return view! { <p class="muted" role="status">"Loading metrics…"</p> }.into_any();
        };
        let (answer, t0, t1, period) = match result {
            Ok(r) => r,
            Err(e) => return view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
        };
        let series = |label: &str, class: &'static str, style: Style, points: Vec<(f64, f64)>| Series {
            label: label.to_string(),
            class,
            style,
            points,
        };
        let read = vec![
            series("Consumed", "series-1", Style::Line, rate(&points(&answer, "cr"), t0, t1, period, true)),
            series("Provisioned", "series-2", Style::Step, points(&answer, "pr")),
        ];
        let write = vec![
            series("Consumed", "series-1", Style::Line, rate(&points(&answer, "cw"), t0, t1, period, true)),
            series("Provisioned", "series-2", Style::Step, points(&answer, "pw")),
        ];
        let throttles = vec![
            series("Read throttle events", "series-3", Style::Bars, rate(&points(&answer, "tr"), t0, t1, period, false)),
            series("Write throttle events", "series-4", Style::Bars, rate(&points(&answer, "tw"), t0, t1, period, false)),
        ];
        let per = if period == 1 { "per second".to_string() } else { format!("per {period} s") };
        view! {
            <div class="charts" data-testid="capacity-charts">
                <TimeChart title="Read capacity" unit="units per second" t0=t0 t1=t1 bucket=period as f64 series=read/>
                <TimeChart title="Write capacity" unit="units per second" t0=t0 t1=t1 bucket=period as f64 series=write/>
                <TimeChart title="Throttled requests" unit=per t0=t0 t1=t1 bucket=period as f64 series=throttles/>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <div class="card-header">
                <h2>"Capacity"</h2>
                <span class="spacer"></span>
                {window_picker(&WINDOWS, window)}
            </div>
            <p class="muted">"Consumed against provisioned capacity, from CloudWatch (namespace AWS/DynamoDB), refreshed every second. A provisioned table can bank 300 seconds of unused capacity, so throttling starts once a burst has used it up."</p>
            {charts}
        </section>
        <LoadGenerator table=table.clone()/>
        <CostEstimate table=table tick=tick/>
    }
}

/// Sends reads and writes at a chosen rate, so a class can watch capacity
/// being used up and requests being throttled.
#[component]
fn LoadGenerator(table: Value) -> impl IntoView {
    let name = table["TableName"].as_str().unwrap_or("").to_string();
    let (pk, sk) = super::keys_of(&table["KeySchema"], &table);
    let writes = RwSignal::new("50".to_string());
    let reads = RwSignal::new("0".to_string());
    let seconds = RwSignal::new("20".to_string());
    let running = RwSignal::new(false);
    let stop = RwSignal::new(false);
    let progress = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let start = move |_| {
        let parse = |s: RwSignal<String>, label: &str, max: u64| {
            s.get_untracked().trim().parse::<u64>().ok().filter(|v| *v <= max).ok_or(format!("{label} must be a whole number up to {max}"))
        };
        let (w, r, d) = match (parse(writes, "Writes per second", 1000), parse(reads, "Reads per second", 1000), parse(seconds, "Duration", 600)) {
            (Ok(w), Ok(r), Ok(d)) => (w, r, d),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                error.set(Some(e));
                return;
            }
        };
        error.set(None);
        running.set(true);
        stop.set(false);
        let (name, pk, sk) = (name.clone(), pk.clone(), sk.clone());
        spawn_local(async move {
            let (mut ok, mut throttled, mut failed) = (0u64, 0u64, 0u64);
            let mut n = 0u64;
            'seconds: for second in 0..d {
                let begin = now_s();
                for i in 0..w.max(r) {
                    if stop.get_untracked() {
                        break 'seconds;
                    }
                    let key = load_key(&pk, &sk, n % 1000);
                    n += 1;
                    let mut calls = Vec::new();
                    if i < w {
                        let mut item = key.clone();
                        item.insert("load".into(), json!({"S": "generated by the console's load generator"}));
                        calls.push(("PutItem", json!({"TableName": name, "Item": item})));
                    }
                    if i < r {
                        calls.push(("GetItem", json!({"TableName": name, "Key": key})));
                    }
                    for (op, body) in calls {
                        match dynamodb(op, body).await {
                            Ok(_) => ok += 1,
                            Err(e) if e.kind == "ProvisionedThroughputExceededException" => throttled += 1,
                            Err(e) => {
                                failed += 1;
                                error.set(Some(error_text(&e)));
                            }
                        }
                    }
                }
                progress.set(format!("Second {} of {d}: {ok} requests served, {throttled} throttled, {failed} failed.", second + 1));
                // Wait out the rest of this second (engine time, which may be fast-forwarded).
                let spent = ((now_s() - begin) * 1000.0) as i32;
                if spent < 1000 {
                    crate::host::boot::sleep_ms(1000 - spent).await;
                }
            }
            progress.set(format!("Done: {ok} requests served, {throttled} throttled, {failed} failed."));
            running.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>"Load generator"</h2>
            <p class="muted">"Sends PutItem and GetItem requests to this table (items with keys load-0 … load-999) at the rate you choose, through the same front door as any SDK."</p>
            <div class="field-row">
                {number_input("Writes per second", writes)}
                {number_input("Reads per second", reads)}
                {number_input("Duration (seconds)", seconds)}
            </div>
            <div class="button-row">
                <button class="button primary" disabled=move || running.get() on:click=start>"Start load"</button>
                <button class="button" disabled=move || !running.get() on:click=move |_| stop.set(true)>"Stop"</button>
            </div>
            <p role="status" data-testid="load-progress">{move || progress.get()}</p>
            {move || error.get().map(|e| view! { <p class="error-text" role="alert">{e}</p> })}
        </section>
    }
}

/// A key for generated item `n`, typed as the table's key attributes are.
fn load_key(pk: &Option<KeyAttr>, sk: &Option<KeyAttr>, n: u64) -> serde_json::Map<String, Value> {
    let value = |k: &KeyAttr| match k.kind.as_str() {
        "N" => typed("N", &n.to_string()),
        "B" => typed("B", &base64_of(&format!("load-{n}"))),
        _ => typed("S", &format!("load-{n}")),
    };
    let mut key = serde_json::Map::new();
    for k in [pk, sk].into_iter().flatten() {
        key.insert(k.name.clone(), value(k));
    }
    key
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The price table the estimate uses, in US dollars (editable, kept in the
/// browser's local storage).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Prices {
    read_per_million: f64,
    write_per_million: f64,
    rcu_hour: f64,
    wcu_hour: f64,
}

/// AWS's list prices for DynamoDB Standard tables in us-east-1 (N. Virginia),
/// as published since November 2024.
const LIST_PRICES: Prices = Prices { read_per_million: 0.125, write_per_million: 0.625, rcu_hour: 0.00013, wcu_hour: 0.00065 };
const PRICES_KEY: &str = "stratus.dynamodb.prices";

/// What the traffic so far totals: request units and capacity-hours.
#[derive(Clone, Debug, Default, PartialEq)]
struct Usage {
    read_units: f64,
    write_units: f64,
    rcu_hours: f64,
    wcu_hours: f64,
    peak_read: f64,
    peak_write: f64,
    hours: f64,
}

async fn usage(table: String, created: f64) -> Result<Usage, crate::ui::api::ApiError> {
    let now = now_s();
    let start = created.floor().min(now - 60.0);
    let span = now - start;
    // Whole-range sums need at most 1,440 periods of whole minutes.
    let period = ((span / 1440.0 / 60.0).ceil().max(1.0) as u64) * 60;
    let recent = (now - 3.0 * 3600.0).max(start);
    let long = |id: &str, name: &str, stat: &str| metric(id, &table, name, period, stat);
    let body = json!({
        "StartTime": start, "EndTime": now.ceil() + 1.0,
        "MetricDataQueries": [
            long("r", "ConsumedReadCapacityUnits", "Sum"),
            long("w", "ConsumedWriteCapacityUnits", "Sum"),
            long("pr", "ProvisionedReadCapacityUnits", "Average"),
            long("pw", "ProvisionedWriteCapacityUnits", "Average"),
        ]
    });
    let answer = cloudwatch("GetMetricData", body).await?;
    let peaks = cloudwatch(
        "GetMetricData",
        json!({
            "StartTime": recent.floor(), "EndTime": now.ceil() + 1.0,
            "MetricDataQueries": [
                metric("r", &table, "ConsumedReadCapacityUnits", 1, "Sum"),
                metric("w", &table, "ConsumedWriteCapacityUnits", 1, "Sum"),
            ]
        }),
    )
    .await?;
    let total = |id: &str| points(&answer, id).iter().map(|p| p.1).sum::<f64>();
    let hours = |id: &str| {
        // Each period's average capacity, held for the part of the period the table existed.
        points(&answer, id).iter().map(|&(t, v)| v * ((t + period as f64).min(now) - t.max(start)).max(0.0) / 3600.0).sum::<f64>()
    };
    let peak = |id: &str| points(&peaks, id).iter().map(|p| p.1).fold(0.0, f64::max);
    Ok(Usage {
        read_units: total("r"),
        write_units: total("w"),
        rcu_hours: hours("pr"),
        wcu_hours: hours("pw"),
        peak_read: peak("r").ceil(),
        peak_write: peak("w").ceil(),
        hours: span / 3600.0,
    })
}

#[component]
fn CostEstimate(table: Value, tick: RwSignal<u64>) -> impl IntoView {
    let name = table["TableName"].as_str().unwrap_or("").to_string();
    let created = table["CreationDateTime"].as_f64().unwrap_or(0.0);
    let provisioned = table["BillingModeSummary"]["BillingMode"] != "PAY_PER_REQUEST";
    let prices = RwSignal::new(load_prices(PRICES_KEY, LIST_PRICES));
    let data = LocalResource::new(move || {
        // Totals change slowly: refresh every five seconds.
        let _ = tick.get() / 5;
        usage(name.clone(), created)
    });
    let estimate = move || {
        let p = prices.get();
        match data.get() {
            None => view! { <p class="muted" role="status">"Adding up the traffic…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
            Some(Ok(u)) => {
                let on_demand = u.read_units / 1e6 * p.read_per_million + u.write_units / 1e6 * p.write_per_million;
                let (prov_cost, prov_how) = if provisioned {
                    (
                        u.rcu_hours * p.rcu_hour + u.wcu_hours * p.wcu_hour,
                        format!(
                            "{:.2} RCU-hours × {} + {:.2} WCU-hours × {}: the capacity this table has had provisioned since it was created.",
                            u.rcu_hours, price(p.rcu_hour), u.wcu_hours, price(p.wcu_hour)
                        ),
                    )
                } else {
                    let (r, w) = (u.peak_read.max(1.0), u.peak_write.max(1.0));
                    (
                        (r * p.rcu_hour + w * p.wcu_hour) * u.hours,
                        format!(
                            "{r} RCU and {w} WCU (the busiest second of the last three hours) for the {:.2} hours since the table was created.",
                            u.hours
                        ),
                    )
                };
                view! {
                    <dl class="facts">
                        <div class="fact"><dt>"Read request units"</dt><dd data-testid="cost-read-units">{format!("{}", u.read_units)}</dd></div>
                        <div class="fact"><dt>"Write request units"</dt><dd data-testid="cost-write-units">{format!("{}", u.write_units)}</dd></div>
                        <div class="fact"><dt>"On-demand"</dt><dd><strong data-testid="cost-on-demand">{dollars(on_demand)}</strong>
                            <span class="muted">{format!(" = {} reads × {} per million + {} writes × {} per million", u.read_units, price(p.read_per_million), u.write_units, price(p.write_per_million))}</span></dd></div>
                        <div class="fact"><dt>"Provisioned"</dt><dd><strong data-testid="cost-provisioned">{dollars(prov_cost)}</strong>" "<span class="muted">{prov_how}</span></dd></div>
                    </dl>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="card" aria-label="Cost estimate">
            <h2>"Cost estimate"</h2>
            <p class="muted">"What this table's traffic so far would cost on AWS, from its CloudWatch metrics. Throttled requests are not billed; storage, backups, stream reads and the free tier are left out."</p>
            {estimate}
            <PriceTable
                prices=prices
                key=PRICES_KEY
                list=LIST_PRICES
                fields=vec![
                    PriceField { label: "On-demand, per million read request units", get: |p: &Prices| p.read_per_million, set: |p: &mut Prices, v| p.read_per_million = v },
                    PriceField { label: "On-demand, per million write request units", get: |p: &Prices| p.write_per_million, set: |p: &mut Prices, v| p.write_per_million = v },
                    PriceField { label: "Provisioned, per RCU-hour", get: |p: &Prices| p.rcu_hour, set: |p: &mut Prices, v| p.rcu_hour = v },
                    PriceField { label: "Provisioned, per WCU-hour", get: |p: &Prices| p.wcu_hour, set: |p: &mut Prices, v| p.wcu_hour = v },
                ]
                source="Defaults: AWS list prices for DynamoDB Standard tables in us-east-1 (N. Virginia), November 2024."
            />
        </section>
    }
}
