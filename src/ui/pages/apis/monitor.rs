//! The Monitor tab of HTTP and REST APIs: the API's requests, errors and
//! latencies from CloudWatch (namespace AWS/ApiGateway; an HTTP API's
//! dimension is ApiId and its errors 4xx and 5xx, a REST API's dimension is
//! ApiName and its errors 4XXError and 5XXError, as AWS publishes them),
//! refreshed every two seconds.

use super::error_text;
use crate::ui::metrics::{fetch_window, points, rate, window_picker, Window};
use crate::ui::chart::{Series, Style, TimeChart};
use leptos::prelude::*;
use serde_json::Value;
use std::time::Duration;

const WINDOWS: [Window; 3] = [("5 minutes", 300, 5), ("1 hour", 3600, 60), ("3 hours", 10800, 300)];

fn metric(id: &str, dimension: (&str, &str), name: &str, period: u64, stat: &str) -> Value {
    crate::ui::metrics::metric(id, "AWS/ApiGateway", dimension, name, period, stat)
}

/// An HTTP API's charts by `api_id`; a REST API's by its name (`rest_api_name`).
#[component]
pub fn Monitor(api_id: String, #[prop(optional)] rest_api_name: Option<String>) -> impl IntoView {
    let (dimension, value, e4, e5) = match rest_api_name {
        Some(name) => ("ApiName", name, "4XXError", "5XXError"),
        None => ("ApiId", api_id, "4xx", "5xx"),
    };
    let window = RwSignal::new(0usize);
    let tick = RwSignal::new(0u64);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), Duration::from_millis(2000)) {
        on_cleanup(move || handle.clear());
    }
    let data = LocalResource::new(move || {
        tick.track();
        let (_, span, period) = WINDOWS[window.get()];
        let d = (dimension, value.clone());
        async move {
            let d = (d.0, d.1.as_str());
            let queries = vec![
                metric("count", d, "Count", period, "Sum"),
                metric("e4", d, e4, period, "Sum"),
                metric("e5", d, e5, period, "Sum"),
                metric("lat", d, "Latency", period, "Average"),
                metric("ilat", d, "IntegrationLatency", period, "Average"),
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
        let s = |label: &str, class: &'static str, style: Style, points: Vec<(f64, f64)>| Series { label: label.to_string(), class, style, points };
        let requests = vec![s("Count", "series-1", Style::Bars, rate(&points(&answer, "count"), t0, t1, period, false))];
        let errors = vec![
            s(e4, "series-3", Style::Bars, rate(&points(&answer, "e4"), t0, t1, period, false)),
            s(e5, "series-4", Style::Bars, rate(&points(&answer, "e5"), t0, t1, period, false)),
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
    view! {
        <section class="card">
            <div class="card-header">
                <h2>"Metrics"</h2>
                <span class="spacer"></span>
                {window_picker(&WINDOWS, window)}
            </div>
            <p class="muted">{format!("Requests, {e4} and {e5} answers, latency and integration latency, from CloudWatch (namespace AWS/ApiGateway, dimension {dimension}).")}</p>
            {charts}
        </section>
    }
}
