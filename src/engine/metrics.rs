//! Metrics: time series kept as CloudWatch keeps them, for every service.
//!
//! A series is named by namespace, metric name and dimensions (as CloudWatch
//! names it: `AWS/DynamoDB`, `ConsumedReadCapacityUnits`, `TableName=notes`).
//! Services record samples through cheap [`SeriesId`] handles; the CloudWatch
//! API ([`super::cloudwatch`]) reads them back as statistics per period.
//!
//! Retention follows CloudWatch's: one-second buckets for three hours (what
//! CloudWatch keeps for high-resolution data, and what a live chart needs),
//! then one-minute buckets for fifteen days. A bucket keeps count, sum,
//! minimum and maximum, and, for series that need percentiles (durations), up
//! to [`MAX_VALUES`] of the values themselves. Metrics are not stored: like
//! the console's charts they start afresh when the cloud is loaded.
//!
//! A gauge series (provisioned capacity, for example) holds the value set at
//! a time until the next one; a period with no sample of its own reports the
//! value in force at its start, so a line stays drawn between changes.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

/// Seconds that one-second buckets are kept.
pub const SECOND_RETENTION_S: u64 = 3 * 3600;
/// Seconds that one-minute buckets are kept.
pub const MINUTE_RETENTION_S: u64 = 15 * 24 * 3600;
/// Values a bucket keeps for percentiles.
pub const MAX_VALUES: usize = 2000;
/// The most periods one query returns (GetMetricData's own limit).
pub const MAX_DATAPOINTS: u64 = 100_800;

/// What names a series.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    pub namespace: String,
    pub name: String,
    /// Sorted by dimension name, as CloudWatch treats them as a set.
    pub dimensions: Vec<(String, String)>,
}

impl SeriesKey {
    pub fn new(namespace: &str, name: &str, dimensions: &[(&str, &str)]) -> Self {
        let mut dimensions: Vec<(String, String)> =
            dimensions.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        dimensions.sort();
        SeriesKey { namespace: namespace.to_string(), name: name.to_string(), dimensions }
    }
}

/// How a series behaves between samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Samples stand alone (counts, consumed units, durations).
    Samples,
    /// Samples keep percentiles' values too.
    Distribution,
    /// A value in force until the next one.
    Gauge,
}

/// The statistics of a bucket or of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    pub count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub values: Vec<f64>,
}

impl Stat {
    pub fn one(value: f64, keep: bool) -> Self {
        Stat { count: 1.0, sum: value, min: value, max: value, values: if keep { vec![value] } else { Vec::new() } }
    }

    fn merge(&mut self, other: &Stat) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        let room = MAX_VALUES.saturating_sub(self.values.len());
        self.values.extend(other.values.iter().take(room));
    }

    /// The named statistic: `SampleCount`, `Sum`, `Average`, `Minimum`,
    /// `Maximum` or a percentile `pNN` / `pNN.N` (from the kept values).
    pub fn get(&self, statistic: &str) -> Option<f64> {
        match statistic {
            "SampleCount" => Some(self.count),
            "Sum" => Some(self.sum),
            "Average" => Some(if self.count > 0.0 { self.sum / self.count } else { 0.0 }),
            "Minimum" => Some(self.min),
            "Maximum" => Some(self.max),
            p => {
                let q: f64 = p.strip_prefix('p')?.parse().ok()?;
                if !(0.0..=100.0).contains(&q) || self.values.is_empty() {
                    return None;
                }
                let mut sorted = self.values.clone();
                sorted.sort_by(f64::total_cmp);
                // Nearest rank, as CloudWatch describes percentiles.
                let rank = ((q / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
                Some(sorted[rank.min(sorted.len()) - 1])
            }
        }
    }
}

/// Whether `statistic` is one CloudWatch knows.
pub fn valid_statistic(statistic: &str) -> bool {
    matches!(statistic, "SampleCount" | "Sum" | "Average" | "Minimum" | "Maximum")
        || statistic
            .strip_prefix('p')
            .and_then(|q| q.parse::<f64>().ok())
            .is_some_and(|q| (0.0..=100.0).contains(&q))
}

struct Series {
    key: SeriesKey,
    kind: Kind,
    unit: String,
    /// (epoch second, stat), oldest first.
    seconds: VecDeque<(u64, Stat)>,
    /// (epoch second of the minute's start, stat), oldest first.
    minutes: VecDeque<(u64, Stat)>,
    /// For gauges: the last value folded out of both lists (the value in
    /// force before the oldest bucket).
    before: Option<f64>,
}

impl Series {
    fn add(&mut self, second: u64, mut stat: Stat) {
        if self.kind == Kind::Gauge {
            // A gauge's bucket remembers the last value set in it.
            stat.values = vec![stat.max];
        } else if self.kind == Kind::Samples {
            stat.values.clear();
        }
        let gauge = self.kind == Kind::Gauge;
        let merge = |into: &mut Stat, stat: &Stat| {
            into.merge(stat);
            if gauge {
                into.values = stat.values.clone();
            }
        };
        match self.seconds.back_mut() {
            Some((s, into)) if *s == second => merge(into, &stat),
            // A sample for an earlier second (PutMetricData with a
            // timestamp, or a clock set back) goes into its own bucket.
            Some((s, _)) if *s > second => match self.seconds.binary_search_by(|(t, _)| t.cmp(&second)) {
                Ok(i) => merge(&mut self.seconds[i].1, &stat),
                Err(i) => self.seconds.insert(i, (second, stat)),
            },
            _ => self.seconds.push_back((second, stat)),
        }
        self.expire(second.max(self.seconds.back().map(|(s, _)| *s).unwrap_or(0)));
    }

    /// Folds one-second buckets older than their retention into minutes and
    /// drops minutes older than theirs.
    fn expire(&mut self, now_s: u64) {
        while self.seconds.front().is_some_and(|(s, _)| *s + SECOND_RETENTION_S < now_s) {
            let (s, stat) = self.seconds.pop_front().unwrap();
            let minute = s - s % 60;
            match self.minutes.back_mut() {
                Some((m, into)) if *m == minute => {
                    into.merge(&stat);
                    if self.kind == Kind::Gauge {
                        into.values = stat.values.clone();
                    }
                }
                _ => self.minutes.push_back((minute, stat)),
            }
        }
        while self.minutes.front().is_some_and(|(m, _)| *m + MINUTE_RETENTION_S < now_s) {
            let (_, stat) = self.minutes.pop_front().unwrap();
            if self.kind == Kind::Gauge {
                self.before = stat.values.last().copied();
            }
        }
    }

    /// Buckets (minutes, then seconds) overlapping `[start, end)`.
    fn buckets(&self, start: u64, end: u64) -> impl Iterator<Item = &(u64, Stat)> {
        let first_second = self.seconds.front().map(|(s, _)| *s).unwrap_or(u64::MAX);
        self.minutes
            .iter()
            .filter(move |(m, _)| *m + 60 > start && *m < end && *m < first_second)
            .chain(self.seconds.iter().filter(move |(s, _)| *s >= start && *s < end))
    }

    /// The gauge value in force at `t` (the last one set before it).
    fn gauge_at(&self, t: u64) -> Option<f64> {
        let last = |list: &VecDeque<(u64, Stat)>| list.iter().rev().find(|(s, _)| *s < t).and_then(|(_, st)| st.values.last().copied());
        last(&self.seconds).or_else(|| last(&self.minutes)).or(self.before)
    }
}

/// A handle to one series, for fast recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesId(usize);

/// All series of one cloud. Cloning gives another handle to the same store.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Rc<RefCell<Inner>>,
}

#[derive(Default)]
struct Inner {
    series: Vec<Series>,
    index: HashMap<SeriesKey, usize>,
}

/// One period's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Datapoint {
    /// The period's start, in epoch seconds.
    pub start_s: u64,
    pub stat: Stat,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics::default()
    }

    /// The series named by `key`, created (with `kind` and `unit`) if new.
    pub fn series(&self, key: SeriesKey, kind: Kind, unit: &str) -> SeriesId {
        let mut inner = self.inner.borrow_mut();
        if let Some(&i) = inner.index.get(&key) {
            return SeriesId(i);
        }
        let i = inner.series.len();
        inner.index.insert(key.clone(), i);
        inner.series.push(Series {
            key,
            kind,
            unit: unit.to_string(),
            seconds: VecDeque::new(),
            minutes: VecDeque::new(),
            before: None,
        });
        SeriesId(i)
    }

    /// Records `value` at `now_ms`.
    pub fn record(&self, id: SeriesId, value: f64, now_ms: u64) {
        if let Some(series) = self.inner.borrow_mut().series.get_mut(id.0) {
            let keep = series.kind == Kind::Distribution;
            series.add(now_ms / 1000, Stat::one(value, keep));
        }
    }

    /// Records a set of samples already summarised (PutMetricData's
    /// `StatisticValues` or `Values` with `Counts`).
    pub fn record_stat(&self, id: SeriesId, stat: Stat, now_ms: u64) {
        if let Some(series) = self.inner.borrow_mut().series.get_mut(id.0) {
            series.add(now_ms / 1000, stat);
        }
    }

    /// Records into the series named by `key` (created as `kind`, `unit`).
    pub fn record_key(&self, key: SeriesKey, kind: Kind, unit: &str, value: f64, now_ms: u64) {
        let id = self.series(key, kind, unit);
        self.record(id, value, now_ms);
    }

    /// The unit a series was recorded in, if it exists.
    pub fn unit(&self, key: &SeriesKey) -> Option<String> {
        let inner = self.inner.borrow();
        inner.index.get(key).map(|&i| inner.series[i].unit.clone())
    }

    /// Every series key with at least one bucket, filtered by `keep`.
    pub fn list(&self, keep: &dyn Fn(&SeriesKey) -> bool) -> Vec<SeriesKey> {
        let inner = self.inner.borrow();
        let mut keys: Vec<SeriesKey> = inner
            .series
            .iter()
            .filter(|s| !s.seconds.is_empty() || !s.minutes.is_empty())
            .map(|s| &s.key)
            .filter(|k| keep(k))
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    /// Statistics of `key` per period of `period_s` seconds, for periods
    /// starting in `[start_s, end_s)` (the first at `start_s` rounded down to
    /// the minute, or for periods under a minute to a multiple of the period,
    /// as CloudWatch aligns them), oldest first. Periods without samples are left out, except that a
    /// gauge reports the value in force.
    pub fn query(&self, key: &SeriesKey, start_s: u64, end_s: u64, period_s: u64) -> Vec<Datapoint> {
        let inner = self.inner.borrow();
        let Some(&i) = inner.index.get(key) else { return Vec::new() };
        let series = &inner.series[i];
        let period = period_s.max(1);
        let first = start_s - start_s % period.min(60);
        let mut out: Vec<Datapoint> = Vec::new();
        for (t, stat) in series.buckets(first, end_s) {
            let slot = first + (t.saturating_sub(first) / period) * period;
            match out.last_mut() {
                Some(last) if last.start_s == slot => {
                    last.stat.merge(stat);
                    if series.kind == Kind::Gauge {
                        last.stat.values = stat.values.clone();
                    }
                }
                _ => out.push(Datapoint { start_s: slot, stat: stat.clone() }),
            }
        }
        if series.kind != Kind::Gauge {
            return out;
        }
        // Fill the periods between samples with the value in force.
        let mut filled = Vec::new();
        let mut samples = out.into_iter().peekable();
        let slots = (end_s.saturating_sub(first)).div_ceil(period).min(MAX_DATAPOINTS);
        for k in 0..slots {
            let slot = first + k * period;
            match samples.peek() {
                Some(d) if d.start_s == slot => filled.push(samples.next().unwrap()),
                _ => {
                    if let Some(v) = series.gauge_at(slot) {
                        filled.push(Datapoint { start_s: slot, stat: Stat::one(v, true) });
                    }
                }
            }
        }
        filled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_period_and_keeps_percentiles() {
        let m = Metrics::new();
        let key = SeriesKey::new("AWS/Lambda", "Duration", &[("FunctionName", "f")]);
        let id = m.series(key.clone(), Kind::Distribution, "Milliseconds");
        for i in 0..100u64 {
            m.record(id, (i + 1) as f64, 1_000_000 + i * 100);
        }
        let points = m.query(&key, 1000, 1011, 5);
        assert_eq!(points.iter().map(|p| p.start_s).collect::<Vec<_>>(), vec![1000, 1005]);
        assert_eq!(points[0].stat.count, 50.0);
        assert_eq!(points[0].stat.get("Sum"), Some((1..=50).sum::<u64>() as f64));
        assert_eq!(points[0].stat.get("p50"), Some(25.0));
        assert_eq!(points[0].stat.get("p99"), Some(50.0));
        assert_eq!(points[1].stat.get("Minimum"), Some(51.0));
    }

    #[test]
    fn gauges_hold_their_value_between_changes() {
        let m = Metrics::new();
        let key = SeriesKey::new("AWS/DynamoDB", "ProvisionedReadCapacityUnits", &[("TableName", "t")]);
        m.record_key(key.clone(), Kind::Gauge, "Count", 5.0, 10_000);
        m.record_key(key.clone(), Kind::Gauge, "Count", 7.0, 13_000);
        let points: Vec<(u64, f64)> =
            m.query(&key, 8, 16, 1).iter().map(|p| (p.start_s, p.stat.get("Maximum").unwrap())).collect();
        assert_eq!(points, vec![(10, 5.0), (11, 5.0), (12, 5.0), (13, 7.0), (14, 7.0), (15, 7.0)]);
    }

    #[test]
    fn old_seconds_fold_into_minutes() {
        let m = Metrics::new();
        let key = SeriesKey::new("N", "M", &[]);
        let id = m.series(key.clone(), Kind::Samples, "Count");
        m.record(id, 1.0, 60_000);
        m.record(id, 2.0, 61_000);
        m.record(id, 4.0, (60 + SECOND_RETENTION_S + 120) * 1000);
        let points = m.query(&key, 0, u64::MAX / 2, 60);
        assert_eq!(points[0].start_s, 60);
        assert_eq!(points[0].stat.sum, 3.0);
        assert_eq!(points.len(), 2);
    }
}
