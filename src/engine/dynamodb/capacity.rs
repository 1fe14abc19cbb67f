//! Capacity: what each request consumes, computed as DynamoDB does, and the
//! token buckets that make provisioned tables throttle.
//!
//! * reads: one unit per 4 KB (rounded up) for a strongly consistent read,
//!   half for an eventually consistent one; doubled in transactions;
//! * writes: one unit per 1 KB (rounded up); doubled in transactions;
//! * a provisioned table accrues its rate per second and may bank up to 300
//!   seconds of unused capacity (DynamoDB's burst capacity).

use crate::engine::metrics::{Kind, Metrics, SeriesId, SeriesKey};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Seconds of unused capacity a bucket keeps.
pub const BURST_SECONDS: f64 = 300.0;

pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.max(1).div_ceil(4096) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

pub fn write_units(bytes: usize) -> f64 {
    bytes.max(1).div_ceil(1024) as f64
}

/// What one request consumed, on the table and on each index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consumed {
    pub table: String,
    pub read: f64,
    pub write: f64,
    /// index name -> (is global, read, write)
    pub indexes: BTreeMap<String, (bool, f64, f64)>,
    /// Transactions report reads and writes separately; other operations
    /// report CapacityUnits alone, as DynamoDB does.
    pub split: bool,
}

impl Consumed {
    pub fn new(table: &str) -> Self {
        Consumed { table: table.to_string(), ..Default::default() }
    }

    pub fn transactional(table: &str) -> Self {
        Consumed { split: true, ..Consumed::new(table) }
    }

    pub fn add_index(&mut self, name: &str, global: bool, read: f64, write: f64) {
        let entry = self.indexes.entry(name.to_string()).or_insert((global, 0.0, 0.0));
        entry.1 += read;
        entry.2 += write;
    }

    pub fn total(&self) -> f64 {
        self.read + self.write + self.indexes.values().map(|(_, r, w)| r + w).sum::<f64>()
    }

    /// The `ConsumedCapacity` object for `ReturnConsumedCapacity` (`TOTAL` or `INDEXES`).
    pub fn to_json(&self, mode: &str) -> Value {
        let mut out = Map::new();
        out.insert("TableName".into(), json!(self.table));
        out.insert("CapacityUnits".into(), json!(self.total()));
        let reads = self.read + self.indexes.values().map(|(_, r, _)| r).sum::<f64>();
        let writes = self.write + self.indexes.values().map(|(_, _, w)| w).sum::<f64>();
        if self.split && reads > 0.0 {
            out.insert("ReadCapacityUnits".into(), json!(reads));
        }
        if self.split && writes > 0.0 {
            out.insert("WriteCapacityUnits".into(), json!(writes));
        }
        if mode == "INDEXES" {
            out.insert("Table".into(), units_json(self.read, self.write, self.split));
            let (mut lsi, mut gsi) = (Map::new(), Map::new());
            for (name, (global, r, w)) in &self.indexes {
                let target = if *global { &mut gsi } else { &mut lsi };
                target.insert(name.clone(), units_json(*r, *w, self.split));
            }
            if !lsi.is_empty() {
                out.insert("LocalSecondaryIndexes".into(), Value::Object(lsi));
            }
            if !gsi.is_empty() {
                out.insert("GlobalSecondaryIndexes".into(), Value::Object(gsi));
            }
        }
        Value::Object(out)
    }
}

fn units_json(read: f64, write: f64, split: bool) -> Value {
    let mut out = Map::new();
    out.insert("CapacityUnits".into(), json!(read + write));
    if split && read > 0.0 {
        out.insert("ReadCapacityUnits".into(), json!(read));
    }
    if split && write > 0.0 {
        out.insert("WriteCapacityUnits".into(), json!(write));
    }
    Value::Object(out)
}

/// A token bucket for one kind of capacity of one table or index.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Units per second.
    pub rate: f64,
    pub tokens: f64,
    pub updated_ms: u64,
}

impl Bucket {
    /// A bucket that starts full, as a new table's burst capacity does.
    pub fn new(rate: u64, now_ms: u64) -> Self {
        Bucket { rate: rate as f64, tokens: rate as f64 * BURST_SECONDS, updated_ms: now_ms }
    }

    fn refill(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.updated_ms) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate * BURST_SECONDS);
        self.updated_ms = self.updated_ms.max(now_ms);
    }

    /// Whether a request may start now: there is capacity left in the bucket.
    pub fn allows(&mut self, now_ms: u64) -> bool {
        self.refill(now_ms);
        self.tokens > 0.0
    }

    /// Takes what a request consumed (the bucket may go into debt, which
    /// later requests repay before they are allowed).
    pub fn take(&mut self, units: f64, now_ms: u64) {
        self.refill(now_ms);
        self.tokens -= units;
    }

    /// A new provisioned rate; the banked tokens are kept (within the new cap).
    pub fn set_rate(&mut self, rate: u64, now_ms: u64) {
        self.refill(now_ms);
        self.rate = rate as f64;
        self.tokens = self.tokens.min(self.rate * BURST_SECONDS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(read_units(0, true), 1.0);
        assert_eq!(read_units(4096, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(4097, false), 1.0);
        assert_eq!(read_units(100, false), 0.5);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
    }

    #[test]
    fn bucket_bursts_then_throttles_then_refills() {
        let mut b = Bucket::new(1, 0);
        assert_eq!(b.tokens, 300.0);
        for _ in 0..300 {
            assert!(b.allows(0));
            b.take(1.0, 0);
        }
        assert!(!b.allows(0), "burst spent");
        assert!(b.allows(1000), "a second later one unit has accrued");
        b.take(1.0, 1000);
        assert!(!b.allows(1000));
        assert!(b.allows(10_000_000));
        assert_eq!(b.tokens, 300.0, "never more than 300 s banked");
    }
}

/// A table's CloudWatch metrics (namespace `AWS/DynamoDB`, dimension
/// `TableName`, plus `GlobalSecondaryIndexName` for an index's consumption):
/// consumed and provisioned read and write capacity, and throttle events.
#[derive(Clone)]
pub struct Meter {
    metrics: Metrics,
    table: String,
    consumed_read: SeriesId,
    consumed_write: SeriesId,
    read_throttles: SeriesId,
    write_throttles: SeriesId,
}

impl std::fmt::Debug for Meter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Meter({})", self.table)
    }
}

const NAMESPACE: &str = "AWS/DynamoDB";

impl Meter {
    pub fn new(metrics: &Metrics, table: &str) -> Self {
        let series = |name: &str| metrics.series(SeriesKey::new(NAMESPACE, name, &[("TableName", table)]), Kind::Samples, "Count");
        Meter {
            consumed_read: series("ConsumedReadCapacityUnits"),
            consumed_write: series("ConsumedWriteCapacityUnits"),
            read_throttles: series("ReadThrottleEvents"),
            write_throttles: series("WriteThrottleEvents"),
            metrics: metrics.clone(),
            table: table.to_string(),
        }
    }

    /// Records what one request consumed.
    pub fn consumed(&self, consumed: &Consumed, now_ms: u64) {
        if consumed.read > 0.0 {
            self.metrics.record(self.consumed_read, consumed.read, now_ms);
        }
        if consumed.write > 0.0 {
            self.metrics.record(self.consumed_write, consumed.write, now_ms);
        }
        for (index, (global, read, write)) in &consumed.indexes {
            if !global {
                // A local index's consumption is the table's, as CloudWatch reports it.
                if *read > 0.0 {
                    self.metrics.record(self.consumed_read, *read, now_ms);
                }
                if *write > 0.0 {
                    self.metrics.record(self.consumed_write, *write, now_ms);
                }
                continue;
            }
            let dims = [("TableName", self.table.as_str()), ("GlobalSecondaryIndexName", index.as_str())];
            for (name, units) in [("ConsumedReadCapacityUnits", read), ("ConsumedWriteCapacityUnits", write)] {
                if *units > 0.0 {
                    self.metrics.record_key(SeriesKey::new(NAMESPACE, name, &dims), Kind::Samples, "Count", *units, now_ms);
                }
            }
        }
    }

    /// Records a request refused for lack of capacity.
    pub fn throttled(&self, write: bool, now_ms: u64) {
        self.metrics.record(if write { self.write_throttles } else { self.read_throttles }, 1.0, now_ms);
    }

    /// Records the table's provisioned capacity now in force (0 once the
    /// table is on demand, so the line ends; nothing for a table that was
    /// always on demand, as CloudWatch has no such metric for it).
    pub fn provisioned(&self, table: &super::Table, now_ms: u64) {
        let provisioned = table.billing == super::BillingMode::Provisioned;
        for (name, value) in [
            ("ProvisionedReadCapacityUnits", table.throughput.read),
            ("ProvisionedWriteCapacityUnits", table.throughput.write),
        ] {
            let key = SeriesKey::new(NAMESPACE, name, &[("TableName", self.table.as_str())]);
            if provisioned || self.metrics.unit(&key).is_some() {
                let value = if provisioned { value as f64 } else { 0.0 };
                self.metrics.record_key(key, Kind::Gauge, "Count", value, now_ms);
            }
        }
    }
}
