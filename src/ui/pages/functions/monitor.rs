//! The "Monitor" tab: the function's CloudWatch metrics (namespace
//! AWS/Lambda, dimension FunctionName) charted live: invocations and
//! errors, throttles, duration (p50 and p99), concurrent executions and cold
//! starts; and what its invocations so far would cost on AWS Lambda.

use super::error_text;
use crate::ui::api::cloudwatch;
use crate::ui::chart::{Series, Style, TimeChart};
use crate::ui::cost::{dollars, load_prices, price, PriceField, PriceTable};
use crate::ui::metrics::{fetch_window, now_s, points, rate, window_picker, Window};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// The chart windows: (label, seconds, period).
const WINDOWS: [Window; 3] = [("5 minutes", 300, 5), ("1 hour", 3600, 60), ("3 hours", 10800, 300)];

fn metric(id: &str, function: &str, name: &str, period: u64, stat: &str) -> Value {
    crate::ui::metrics::metric(id, "AWS/Lambda", ("FunctionName", function), name, period, stat)
}

#[component]
pub fn MonitorTab(name: String, memory_mb: Signal<u64>) -> impl IntoView {
    let window = RwSignal::new(0usize);
    let tick = RwSignal::new(0u64);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), Duration::from_millis(2000)) {
        on_cleanup(move || handle.clear());
    }
    let function = StoredValue::new(name);
    let data = LocalResource::new(move || {
        tick.track();
        let (_, span, period) = WINDOWS[window.get()];
        let f = function.get_value();
        async move {
            let queries = vec![
                metric("inv", &f, "Invocations", period, "Sum"),
                metric("err", &f, "Errors", period, "Sum"),
                metric("thr", &f, "Throttles", period, "Sum"),
                metric("p50", &f, "Duration", period, "p50"),
                metric("p99", &f, "Duration", period, "p99"),
                metric("conc", &f, "ConcurrentExecutions", period, "Maximum"),
                metric("cold", &f, "ColdStarts", period, "Sum"),
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
        let counts = |id: &str| rate(&points(&answer, id), t0, t1, period, false);
        let per = format!("per {period} s");
        let invocations = vec![
            series("Invocations", "series-1", Style::Bars, counts("inv")),
            series("Errors", "series-4", Style::Bars, counts("err")),
        ];
        let throttles = vec![series("Throttles", "series-3", Style::Bars, counts("thr"))];
        let duration = vec![
            series("p50", "series-1", Style::Line, points(&answer, "p50")),
            series("p99", "series-2", Style::Line, points(&answer, "p99")),
        ];
        let concurrency = vec![series("Concurrent executions", "series-1", Style::Line, points(&answer, "conc"))];
        let cold = vec![series("Cold starts", "series-2", Style::Bars, counts("cold"))];
        let b = period as f64;
        view! {
            <div class="charts" data-testid="function-charts">
                <TimeChart title="Invocations and errors" unit=per.clone() t0=t0 t1=t1 bucket=b series=invocations/>
                <TimeChart title="Throttles" unit=per.clone() t0=t0 t1=t1 bucket=b series=throttles/>
                <TimeChart title="Duration" unit="milliseconds" t0=t0 t1=t1 bucket=b series=duration/>
                <TimeChart title="Concurrent executions" unit="maximum" t0=t0 t1=t1 bucket=b series=concurrency/>
                <TimeChart title="Cold starts" unit=per t0=t0 t1=t1 bucket=b series=cold/>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <div class="card-header">
                <h2>"Metrics"</h2>
                <span class="spacer"></span>
                {window_picker(&WINDOWS, window)}
            </div>
            <p class="muted">"From CloudWatch (namespace AWS/Lambda, dimension FunctionName), refreshed every two seconds. ColdStarts is a Stratus addition: invocations that had to start a new environment. Metrics live in this tab's memory: loading the page again starts them afresh."</p>
            {charts}
        </section>
        <CostEstimate function=function.get_value() memory_mb=memory_mb tick=tick/>
    }
}

/// The price table, in US dollars (editable, kept in local storage).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Prices {
    per_million_requests: f64,
    per_gb_second: f64,
}

/// AWS Lambda's list prices for x86 functions in us-east-1 (N. Virginia).
const LIST_PRICES: Prices = Prices { per_million_requests: 0.20, per_gb_second: 0.0000166667 };
const PRICES_KEY: &str = "stratus.lambda.prices";

/// The traffic so far: requests and the sum of their durations.
#[derive(Clone, Debug, Default, PartialEq)]
struct Usage {
    requests: f64,
    duration_ms: f64,
}

async fn usage(function: String) -> Result<Usage, crate::ui::api::ApiError> {
    let now = now_s();
    // Metrics live as long as the loaded cloud (at most fifteen days of
    // one-minute buckets): one period covers them all.
    let span: u64 = 15 * 24 * 3600;
    let body = json!({
        "StartTime": (now - span as f64).floor(),
        "EndTime": now.ceil() + 1.0,
        "MetricDataQueries": [
            metric("inv", &function, "Invocations", span, "Sum"),
            metric("dur", &function, "Duration", span, "Sum"),
        ]
    });
    let answer = cloudwatch("GetMetricData", body).await?;
    // (A fold from 0.0: an empty float sum is -0.0, which would show as "-0".)
    let total = |id: &str| points(&answer, id).iter().fold(0.0, |a, p| a + p.1);
    Ok(Usage { requests: total("inv"), duration_ms: total("dur") })
}

#[component]
fn CostEstimate(function: String, memory_mb: Signal<u64>, tick: RwSignal<u64>) -> impl IntoView {
    let prices = RwSignal::new(load_prices(PRICES_KEY, LIST_PRICES));
    let data = LocalResource::new(move || {
        // Totals change slowly: refresh every ten seconds.
        let _ = tick.get() / 5;
        usage(function.clone())
    });
    let estimate = move || {
        let p = prices.get();
        let memory = memory_mb.get();
        match data.get() {
            None => view! { <p class="muted" role="status">"Adding up the invocations…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error-text" role="alert">{error_text(&e)}</p> }.into_any(),
            Some(Ok(u)) => {
                let gb = memory as f64 / 1024.0;
                let seconds = u.duration_ms / 1000.0;
                let gb_seconds = seconds * gb;
                let request_cost = u.requests / 1e6 * p.per_million_requests;
                let compute_cost = gb_seconds * p.per_gb_second;
                view! {
                    <dl class="facts">
                        <div class="fact"><dt>"Requests"</dt><dd data-testid="cost-requests">{format!("{}", u.requests)}</dd></div>
                        <div class="fact"><dt>"Compute"</dt><dd><span data-testid="cost-gb-seconds">{format!("{gb_seconds:.6}")}</span>" GB-s"
                            <span class="muted">{format!(" = {seconds:.3} s of duration × {memory} MB ({gb:.4} GB)")}</span></dd></div>
                        <div class="fact"><dt>"Request charge"</dt><dd>{dollars(request_cost)}
                            <span class="muted">{format!(" = {} requests × {} per million", u.requests, price(p.per_million_requests))}</span></dd></div>
                        <div class="fact"><dt>"Compute charge"</dt><dd>{dollars(compute_cost)}
                            <span class="muted">{format!(" = {gb_seconds:.6} GB-s × {} per GB-second", price(p.per_gb_second))}</span></dd></div>
                        <div class="fact"><dt>"Total"</dt><dd><strong data-testid="cost-total">{dollars(request_cost + compute_cost)}</strong></dd></div>
                    </dl>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="card" aria-label="Cost estimate">
            <h2>"Cost estimate"</h2>
            <p class="muted">"What this function's invocations since the cloud was loaded in this tab would cost on AWS Lambda: requests, plus compute in GB-seconds (duration × memory). It uses the summed durations from CloudWatch and today's memory size; AWS rounds each invocation up to the next millisecond and offers a monthly free tier, both left out."</p>
            {estimate}
            <PriceTable
                prices=prices
                key=PRICES_KEY
                list=LIST_PRICES
                fields=vec![
                    PriceField { label: "Per million requests", get: |p: &Prices| p.per_million_requests, set: |p: &mut Prices, v| p.per_million_requests = v },
                    PriceField { label: "Per GB-second", get: |p: &Prices| p.per_gb_second, set: |p: &mut Prices, v| p.per_gb_second = v },
                ]
                source="Defaults: AWS Lambda list prices for x86 functions in us-east-1 (N. Virginia): $0.20 per million requests and $0.0000166667 per GB-second."
            />
        </section>
    }
}
