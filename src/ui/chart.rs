//! A time-series chart drawn as SVG: lines, steps (values in force, such as
//! provisioned capacity) and bars, with axes, grid and legend. Small on
//! purpose: the console's charts are a few series over a time window,
//! redrawn every second, and a reactive SVG does that without a chart
//! library's weight in the app (see ARCHITECTURE.md).

use leptos::prelude::*;

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Line,
    /// A value that holds until the next one (drawn dashed).
    Step,
    Bars,
}

/// One series: points are (epoch seconds, value), oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    /// A CSS class giving its colour (`series-1` ... `series-4`).
    pub class: &'static str,
    pub style: Style,
    pub points: Vec<(f64, f64)>,
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;

/// The smallest "round" number (1, 2 or 5 times a power of ten) at least `v`.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if step * power >= v {
            return step * power;
        }
    }
    10.0 * power
}

fn number(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if (v * 10.0).fract().abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        // Quarter ticks (1.25, 3.75) keep their digits.
        format!("{v:.2}")
    }
}

/// Series with at most this many points also mark each point, so that a
/// lone sample (one busy period in a quiet window) shows.
const MARKED_POINTS: usize = 40;

fn ago(seconds: f64) -> String {
    if seconds < 1.0 {
        "now".into()
    } else if seconds < 120.0 {
        format!("-{seconds:.0}s")
    } else if seconds < 7200.0 {
        format!("-{:.0}m", seconds / 60.0)
    } else {
        format!("-{:.0}h", seconds / 3600.0)
    }
}

/// A chart of `series` over `[t0, t1]` (epoch seconds); `bucket` is the
/// width of one bar in seconds.
#[component]
pub fn TimeChart(
    #[prop(into)] title: String,
    #[prop(into)] unit: String,
    t0: f64,
    t1: f64,
    bucket: f64,
    series: Vec<Series>,
) -> impl IntoView {
    let span = (t1 - t0).max(1.0);
    let top_value = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let y_max = nice_ceiling(top_value * 1.1);
    let x = move |t: f64| LEFT + (t - t0) / span * (W - LEFT - RIGHT);
    let y = move |v: f64| TOP + (1.0 - v / y_max) * (H - TOP - BOTTOM);
    let grid: Vec<_> = (0..=4)
        .map(|i| {
            let v = y_max * i as f64 / 4.0;
            let yy = y(v);
            view! {
                <line class="chart-grid" x1=LEFT y1=yy x2=W - RIGHT y2=yy/>
                <text class="chart-tick" x=LEFT - 6.0 y=yy + 4.0 text-anchor="end">{number(v)}</text>
            }
        })
        .collect();
    let times: Vec<_> = (0..=4)
        .map(|i| {
            let t = t0 + span * i as f64 / 4.0;
            view! { <text class="chart-tick" x=x(t) y=H - 6.0 text-anchor="middle">{ago(t1 - t)}</text> }
        })
        .collect();
    let bar_series = series.iter().filter(|s| s.style == Style::Bars).count().max(1) as f64;
    let mut bar_index = 0.0;
    let shapes: Vec<_> = series
        .iter()
        .map(|s| match s.style {
            Style::Bars => {
                let width = ((W - LEFT - RIGHT) * bucket / span / bar_series).max(1.0);
                let offset = bar_index * width;
                bar_index += 1.0;
                let bars: Vec<_> = s
                    .points
                    .iter()
                    .filter(|p| p.1 > 0.0)
                    .map(|&(t, v)| view! { <rect class=format!("chart-bar {}", s.class) x=x(t) + offset y=y(v) width=width height=(y(0.0) - y(v)).max(0.5)/> })
                    .collect();
                view! { <g>{bars}</g> }.into_any()
            }
            style => {
                let mut path = String::new();
                for (i, &(t, v)) in s.points.iter().enumerate() {
                    let (px, py) = (x(t), y(v));
                    path.push_str(&match (i, style) {
                        (0, _) => format!("M{px:.1},{py:.1}"),
                        (_, Style::Step) => format!(" H{px:.1} V{py:.1}"),
                        _ => format!(" L{px:.1},{py:.1}"),
                    });
                }
                if style == Style::Step && !s.points.is_empty() {
                    path.push_str(&format!(" H{:.1}", x(t1)));
                }
                let class = format!("chart-line {} {}", s.class, if style == Style::Step { "dashed" } else { "" });
                // A dot is a zero-length round-capped stroke: it stays round however the SVG is stretched.
                let dots: Vec<_> = if style == Style::Line && s.points.len() <= MARKED_POINTS {
                    s.points
                        .iter()
                        .map(|&(t, v)| view! { <path class=format!("chart-dot {}", s.class) d=format!("M{:.1},{:.1} h0", x(t), y(v))/> })
                        .collect()
                } else {
                    Vec::new()
                };
                view! { <g><path class=class d=path/>{dots}</g> }.into_any()
            }
        })
        .collect();
    let legend: Vec<_> = series
        .iter()
        .map(|s| {
            let latest = s.points.last().map(|p| number(p.1)).unwrap_or_else(|| "0".into());
            let peak = number(s.points.iter().map(|p| p.1).fold(0.0, f64::max));
            view! {
                <li>
                    <span class=format!("swatch {}", s.class)></span>{s.label.clone()}" "
                    <strong>{latest}</strong>" "<span class="muted">"(peak "{peak}")"</span>
                </li>
            }
        })
        .collect();
    let summary = format!(
        "{title}: {}",
        series
            .iter()
            .map(|s| {
                let latest = s.points.last().map(|p| number(p.1)).unwrap_or_else(|| "0".into());
                format!("{} latest {latest}, peak {}", s.label, number(s.points.iter().map(|p| p.1).fold(0.0, f64::max)))
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}" "<span class="muted">"("{unit}")"</span></figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary preserveAspectRatio="none">
                {grid}
                {times}
                <line class="chart-axis" x1=LEFT y1=y(0.0) x2=W - RIGHT y2=y(0.0)/>
                {shapes}
            </svg>
            <ul class="chart-legend">{legend}</ul>
        </figure>
    }
}
