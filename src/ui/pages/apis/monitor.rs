//! The Monitor tab: the API's requests, errors and latencies from CloudWatch
//! (namespace AWS/ApiGateway, dimension ApiId), refreshed every two seconds.

use super::error_text;
use crate::ui::api::cloudwatch;
use crate::ui::chart::{Series, Style, TimeChart};
use leptos::prelude::*;
use serde_json::{json, Value};
use std::time::Duration;

const WINDOWS: [(&str, u64, u64); 3] = [("5 minutes", 300, 5), ("1 hour", 3600, 60), ("3 hours", 10800, 300)];

fn metric(id: &str, api: &str, name: &str, period: u64, stat: &str) -> Value {
    json!({
        "Id": id,
        "MetricStat": {
            "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": [{"Name": "ApiId", "Value": api}]},
            "Period": period,
            "Stat": stat,
        }
    })
}

fn points(answer: &Value, id: &str) -> Vec<(f64, f64)> {
    let result = answer["MetricDataResults"].as_array().into_iter().flatten().find(|r| r["Id"] == id);
    let Some(r) = result else { return Vec::new() };
    let ts = r["Timestamps"].as_array().cloned().unwrap_or_default();
    let vs = r["Values"].as_array().cloned().unwrap_or_default();
    let mut p: Vec<(f64, f64)> = ts.iter().zip(vs.iter()).filter_map(|(t, v)| Some((t.as_f64()?, v.as_f64()?))).collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    p
}

/// Sums per period with empty periods as zero.
fn filled(points: &[(f64, f64)], t0: f64, t1: f64, period: u64) -> Vec<(f64, f64)> {
    let p = period as f64;
    let mut out = Vec::new();
    let mut t = (t0 / p).floor() * p;
    while t <= t1 {
        let v: f64 = points.iter().filter(|x| x.0 >= t && x.0 < t + p).map(|x| x.1).sum();
        out.push((t, v));
        t += p;
    }
    out
}

#[component]
pub fn Monitor(api_id: String) -> impl IntoView {
    let window = RwSignal::new(0usize);
    let tick = RwSignal::new(0u64);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), Duration::from_millis(2000)) {
        on_cleanup(move || handle.clear());
    }
    let data = LocalResource::new(move || {
        tick.track();
        let (_, span, period) = WINDOWS[window.get()];
        let api = api_id.clone();
        async move {
            let now = crate::host::cloud().clock().now_ms() as f64 / 1000.0;
            let t0 = now - span as f64;
            let body = json!({
                "StartTime": t0.floor(),
                "EndTime": now.ceil() + 1.0,
                "ScanBy": "TimestampAscending",
                "MetricDataQueries": [
                    metric("count", &api, "Count", period, "Sum"),
                    metric("e4", &api, "4xx", period, "Sum"),
                    metric("e5", &api, "5xx", period, "Sum"),
                    metric("lat", &api, "Latency", period, "Average"),
                    metric("ilat", &api, "IntegrationLatency", period, "Average"),
                ]
            });
            cloudwatch("GetMetricData", body).await.map(|answer| (answer, t0, now, period))
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
        let s = |label: &str, class: &'static str, style: Style, points: Vec<(f64, f64)>| Series { label: label.to_string(), class, style, points };
        let requests = vec![s("Count", "series-1", Style::Bars, filled(&points(&answer, "count"), t0, t1, period))];
        let errors = vec![
            s("4xx", "series-3", Style::Bars, filled(&points(&answer, "e4"), t0, t1, period)),
            s("5xx", "series-4", Style::Bars, filled(&points(&answer, "e5"), t0, t1, period)),
        ];
        // Bars, not lines: a quiet API has a handful of periods with data.
        let latency = vec![
            s("Latency (average)", "series-1", Style::Bars, points(&answer, "lat")),
            s("Integration latency (average)", "series-2", Style::Bars, points(&answer, "ilat")),
        ];
        let per = format!("per {period} s");
        view! {
            <div class="charts" data-testid="api-charts">
                <TimeChart title="Requests" unit=per.clone() t0=t0 t1=t1 bucket=period as f64 series=requests/>
                <TimeChart title="Errors" unit=per t0=t0 t1=t1 bucket=period as f64 series=errors/>
                <TimeChart title="Latency" unit="milliseconds" t0=t0 t1=t1 bucket=period as f64 series=latency/>
            </div>
        }
        .into_any()
    };
    let window_buttons = WINDOWS
        .iter()
        .enumerate()
        .map(|(i, (label, _, _))| {
            view! { <button class="button small" aria-pressed=move || (window.get() == i).to_string() on:click=move |_| window.set(i)>{*label}</button> }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="card">
            <div class="card-header">
                <h2>"Metrics"</h2>
                <span class="spacer"></span>
                <div class="button-group" role="group" aria-label="Time window">{window_buttons}</div>
            </div>
            <p class="muted">"Requests, 4xx and 5xx answers, latency and integration latency, from CloudWatch (namespace AWS/ApiGateway, dimension ApiId)."</p>
            {charts}
        </section>
    }
}
