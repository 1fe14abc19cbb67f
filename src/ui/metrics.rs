//! Reading CloudWatch metrics for the console's charts: GetMetricData
//! queries, their answers as (time, value) points, and per-period sums
//! with the quiet periods filled in.

use serde_json::{json, Value};

/// The engine clock in epoch seconds (the console can fast-forward it, so
/// metric windows follow it rather than the browser's clock).
pub fn now_s() -> f64 {
    crate::host::cloud().clock().now_ms() as f64 / 1000.0
}

/// One MetricStat query of GetMetricData: `name` in `namespace` with one
/// dimension, `stat` (`Sum`, `Maximum`, `p99`, …) per `period` seconds.
pub fn metric(id: &str, namespace: &str, dimension: (&str, &str), name: &str, period: u64, stat: &str) -> Value {
    json!({
        "Id": id,
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": [{"Name": dimension.0, "Value": dimension.1}]},
            "Period": period,
            "Stat": stat,
        }
    })
}

/// (timestamp, value) pairs of one GetMetricData result, by query id.
pub fn points(answer: &Value, id: &str) -> Vec<(f64, f64)> {
    let result = answer["MetricDataResults"].as_array().into_iter().flatten().find(|r| r["Id"] == id);
    let Some(r) = result else { return Vec::new() };
    let ts = r["Timestamps"].as_array().cloned().unwrap_or_default();
    let vs = r["Values"].as_array().cloned().unwrap_or_default();
    let mut out: Vec<(f64, f64)> = ts.iter().zip(vs.iter()).filter_map(|(t, v)| Some((t.as_f64()?, v.as_f64()?))).collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// Per-period sums (as a rate per second if `per_second`), with the periods
/// that had no traffic filled in as zero (CloudWatch leaves them out).
/// `points` must be oldest first.
pub fn rate(points: &[(f64, f64)], t0: f64, t1: f64, period: u64, per_second: bool) -> Vec<(f64, f64)> {
    let p = period as f64;
    let first = (t0 / p).floor() * p;
    let mut out = Vec::new();
    let mut t = first;
    let mut i = 0;
    while t <= t1 {
        let mut v = 0.0;
        while i < points.len() && points[i].0 < t + p {
            if points[i].0 >= t {
                v += points[i].1;
            }
            i += 1;
        }
        out.push((t, if per_second { v / p } else { v }));
        t += p;
    }
    out
}

/// A chart window: its label, its span and its period, in seconds.
pub type Window = (&'static str, u64, u64);

/// GetMetricData of `queries` over the last `span` seconds of the engine
/// clock, oldest first: the answer with the window's start, end and period.
pub async fn fetch_window(span: u64, period: u64, queries: Vec<Value>) -> Result<(Value, f64, f64, u64), crate::ui::api::ApiError> {
    let now = now_s();
    let t0 = now - span as f64;
    let body = json!({
        "StartTime": t0.floor(),
        "EndTime": now.ceil() + 1.0,
        "ScanBy": "TimestampAscending",
        "MetricDataQueries": queries,
    });
    crate::ui::api::cloudwatch("GetMetricData", body).await.map(|answer| (answer, t0, now, period))
}

/// The buttons that pick one of `windows` (the pressed one is `selected`).
pub fn window_picker(windows: &'static [Window], selected: leptos::prelude::RwSignal<usize>) -> impl leptos::prelude::IntoView {
    use leptos::prelude::*;
    let buttons = windows
        .iter()
        .enumerate()
        .map(|(i, (label, _, _))| {
            view! {
                <button class="button small" aria-pressed=move || (selected.get() == i).to_string() on:click=move |_| selected.set(i)>{*label}</button>
            }
        })
        .collect::<Vec<_>>();
    view! { <div class="button-group" role="group" aria-label="Time window">{buttons}</div> }
}
