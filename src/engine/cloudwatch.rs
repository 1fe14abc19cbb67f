//! CloudWatch metrics (`_aws/monitoring/`): the services' metrics, read as
//! CloudWatch serves them.
//!
//! Protocol: awsJson 1.0 with target prefix `GraniteServiceVersion20100801`
//! (CloudWatch's JSON protocol; timestamps are epoch seconds). Errors carry
//! `__type` and, because CloudWatch is "awsQuery compatible", the query
//! error code in `x-amzn-query-error` as CloudWatch sends it. CloudWatch's
//! other protocols (awsQuery XML, Smithy RPC v2 CBOR) are not served.
//!
//! Operations: GetMetricData (MetricStat queries; metric math expressions are
//! refused with a clear message), GetMetricStatistics, ListMetrics and
//! PutMetricData (custom namespaces).

use super::http::{HttpRequest, HttpResponse};
use super::metrics::{valid_statistic, Kind, Metrics, SeriesKey, Stat, MAX_DATAPOINTS, SECOND_RETENTION_S};
use super::protocol::{self, JsonVersion, UNKNOWN_OPERATION};
use serde_json::{json, Map, Value};

/// The `X-Amz-Target` prefix of CloudWatch's JSON protocol.
pub const TARGET_PREFIX: &str = "GraniteServiceVersion20100801.";

struct Error {
    status: u16,
    shape: &'static str,
    code: &'static str,
    message: String,
}

type Result<T> = std::result::Result<T, Error>;

fn invalid(message: impl Into<String>) -> Error {
    Error { status: 400, shape: "InvalidParameterValueException", code: "InvalidParameterValue", message: message.into() }
}

fn missing(parameter: &str) -> Error {
    Error {
        status: 400,
        shape: "MissingRequiredParameterException",
        code: "MissingParameter",
        message: format!("The parameter {parameter} is required."),
    }
}

fn combination(message: impl Into<String>) -> Error {
    Error {
        status: 400,
        shape: "InvalidParameterCombinationException",
        code: "InvalidParameterCombination",
        message: message.into(),
    }
}

impl Error {
    fn into_response(self) -> HttpResponse {
        let sender = if self.status >= 500 { "Receiver" } else { "Sender" };
        protocol::aws_json_error(
            JsonVersion::V1_0,
            self.status,
            &format!("com.amazonaws.cloudwatch#{}", self.shape),
            Some(&self.message),
        )
        .with_header("x-amzn-query-error", &format!("{};{sender}", self.code))
    }
}

/// Answers one CloudWatch request; `now_ms` is the engine clock.
pub fn handle_http(metrics: &Metrics, request: &HttpRequest, now_ms: u64) -> HttpResponse {
    let Some(operation) = request.header("x-amz-target").and_then(|t| t.strip_prefix(TARGET_PREFIX)) else {
        return protocol::aws_json_error(JsonVersion::V1_0, 400, UNKNOWN_OPERATION, None);
    };
    let body: Value = if request.body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(v) => v,
            Err(_) => {
                return protocol::aws_json_error(JsonVersion::V1_0, 400, "com.amazon.coral.service#SerializationException", None)
            }
        }
    };
    let Value::Object(body) = body else {
        return protocol::aws_json_error(JsonVersion::V1_0, 400, "com.amazon.coral.service#SerializationException", None);
    };
    let result = match operation {
        "GetMetricData" => get_metric_data(metrics, &body, now_ms),
        "GetMetricStatistics" => get_metric_statistics(metrics, &body, now_ms),
        "ListMetrics" => list_metrics(metrics, &body),
        "PutMetricData" => put_metric_data(metrics, &body, now_ms),
        _ => return protocol::aws_json_error(JsonVersion::V1_0, 400, UNKNOWN_OPERATION, None),
    };
    match result {
        Ok(v) => HttpResponse::new(200).with_body(JsonVersion::V1_0.content_type(), v.to_string()),
        Err(e) => e.into_response(),
    }
}

fn str_field<'a>(o: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("The parameter {name} must be a string."))),
    }
}

fn required_str<'a>(o: &'a Map<String, Value>, name: &str, path: &str) -> Result<&'a str> {
    str_field(o, name)?.ok_or_else(|| missing(path))
}

fn array<'a>(o: &'a Map<String, Value>, name: &str) -> Result<&'a [Value]> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(invalid(format!("The parameter {name} must be a list."))),
    }
}

/// A timestamp in epoch seconds (awsJson's form), as milliseconds.
fn timestamp(o: &Map<String, Value>, name: &str) -> Result<Option<u64>> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|s| *s >= 0.0 && s.is_finite())
            .map(|s| Some((s * 1000.0) as u64))
            .ok_or_else(|| invalid(format!("The parameter {name} must be a timestamp in epoch seconds."))),
    }
}

fn dimensions(list: &[Value], path: &str) -> Result<Vec<(String, String)>> {
    if list.len() > 30 {
        return Err(invalid(format!("The collection {path} must not have a size greater than 30.")));
    }
    let mut out = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let d = d.as_object().ok_or_else(|| invalid(format!("The parameter {path}.member.{} must be a structure.", i + 1)))?;
        let name = required_str(d, "Name", &format!("{path}.member.{}.Name", i + 1))?;
        let value = required_str(d, "Value", &format!("{path}.member.{}.Value", i + 1))?;
        if name.is_empty() || name.len() > 255 || value.is_empty() || value.len() > 1024 {
            return Err(invalid(format!("The dimension {name} has an empty or too long name or value.")));
        }
        out.push((name.to_string(), value.to_string()));
    }
    out.sort();
    Ok(out)
}

fn metric_key(o: &Map<String, Value>, path: &str) -> Result<SeriesKey> {
    let namespace = required_str(o, "Namespace", &format!("{path}Namespace"))?;
    let name = required_str(o, "MetricName", &format!("{path}MetricName"))?;
    Ok(SeriesKey {
        namespace: namespace.to_string(),
        name: name.to_string(),
        dimensions: dimensions(array(o, "Dimensions")?, &format!("{path}Dimensions"))?,
    })
}

fn check_period(period: Option<&Value>, path: &str) -> Result<u64> {
    let period = period.ok_or_else(|| missing(path))?;
    let p = period.as_u64().filter(|p| *p > 0).ok_or_else(|| invalid(format!("The parameter {path} must be a positive integer.")))?;
    if !matches!(p, 1 | 5 | 10 | 30) && p % 60 != 0 {
        return Err(invalid(format!(
            "The parameter {path} must be 1, 5, 10, 30, or a multiple of 60."
        )));
    }
    Ok(p)
}

fn time_range(body: &Map<String, Value>) -> Result<(u64, u64)> {
    let start = timestamp(body, "StartTime")?.ok_or_else(|| missing("StartTime"))?;
    let end = timestamp(body, "EndTime")?.ok_or_else(|| missing("EndTime"))?;
    if start >= end {
        return Err(invalid("The parameter StartTime must be less than the parameter EndTime."));
    }
    Ok((start / 1000, end.div_ceil(1000)))
}

fn get_metric_data(metrics: &Metrics, body: &Map<String, Value>, now_ms: u64) -> Result<Value> {
    let queries = array(body, "MetricDataQueries")?;
    if queries.is_empty() {
        return Err(missing("MetricDataQueries"));
    }
    if queries.len() > 500 {
        return Err(invalid("The collection MetricDataQueries must not have a size greater than 500."));
    }
    let (start, end) = time_range(body)?;
    let descending = match str_field(body, "ScanBy")? {
        None | Some("TimestampDescending") => true,
        Some("TimestampAscending") => false,
        Some(other) => {
            return Err(invalid(format!(
                "The value {other} for parameter ScanBy is invalid. Valid values: TimestampDescending, TimestampAscending."
            )))
        }
    };
    let max = body.get("MaxDatapoints").and_then(Value::as_u64).unwrap_or(MAX_DATAPOINTS);
    let mut results = Vec::new();
    let mut total = 0u64;
    for (i, q) in queries.iter().enumerate() {
        let path = format!("MetricDataQueries.member.{}", i + 1);
        let q = q.as_object().ok_or_else(|| invalid(format!("The parameter {path} must be a structure.")))?;
        let id = required_str(q, "Id", &format!("{path}.Id"))?;
        let mut chars = id.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(invalid(format!(
                "The value {id} for parameter {path}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores."
            )));
        }
        let stat = match (q.get("MetricStat").and_then(Value::as_object), str_field(q, "Expression")?) {
            (Some(s), None) => s,
            (None, Some(_)) => {
                return Err(invalid(format!(
                    "{path}.Expression: Stratus does not evaluate metric math expressions; query each metric with MetricStat."
                )))
            }
            (Some(_), Some(_)) => {
                return Err(combination(format!("{path}: exactly one of MetricStat and Expression must be specified.")))
            }
            (None, None) => return Err(missing(&format!("{path}.MetricStat"))),
        };
        let metric = stat.get("Metric").and_then(Value::as_object).ok_or_else(|| missing(&format!("{path}.MetricStat.Metric")))?;
        let key = metric_key(metric, &format!("{path}.MetricStat.Metric."))?;
        let period = check_period(stat.get("Period"), &format!("{path}.MetricStat.Period"))?;
        let statistic = required_str(stat, "Stat", &format!("{path}.MetricStat.Stat"))?;
        if !valid_statistic(statistic) {
            return Err(invalid(format!("The value {statistic} for parameter {path}.MetricStat.Stat is invalid.")));
        }
        let mut points = datapoints(metrics, &key, start, end, period, now_ms);
        if let Some(unit) = str_field(stat, "Unit")? {
            if metrics.unit(&key).as_deref() != Some(unit) {
                points.clear();
            }
        }
        let mut pairs: Vec<(u64, f64)> =
            points.iter().filter_map(|(t, s)| s.get(statistic).map(|v| (*t, v))).collect();
        if descending {
            pairs.reverse();
        }
        let room = max.saturating_sub(total) as usize;
        let partial = pairs.len() > room;
        pairs.truncate(room);
        total += pairs.len() as u64;
        let return_data = q.get("ReturnData").and_then(Value::as_bool).unwrap_or(true);
        if !return_data {
            continue;
        }
        let label = str_field(q, "Label")?.unwrap_or(&key.name).to_string();
        results.push(json!({
            "Id": id,
            "Label": label,
            "Timestamps": pairs.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            "Values": pairs.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            "StatusCode": if partial { "PartialData" } else { "Complete" },
        }));
    }
    Ok(json!({ "MetricDataResults": results, "Messages": [] }))
}

/// The datapoints of a series in `[start, end)` per period, oldest first;
/// periods under a minute only for the last three hours, as CloudWatch keeps
/// them.
fn datapoints(metrics: &Metrics, key: &SeriesKey, start: u64, end: u64, period: u64, now_ms: u64) -> Vec<(u64, Stat)> {
    let now_s = now_ms / 1000;
    let start = if period < 60 { start.max(now_s.saturating_sub(SECOND_RETENTION_S)) } else { start };
    let end = end.min(now_s + 1);
    if start >= end {
        return Vec::new();
    }
    metrics.query(key, start, end, period).into_iter().map(|d| (d.start_s, d.stat)).collect()
}

fn get_metric_statistics(metrics: &Metrics, body: &Map<String, Value>, now_ms: u64) -> Result<Value> {
    let key = metric_key(body, "")?;
    let (start, end) = time_range(body)?;
    let period = check_period(body.get("Period"), "Period")?;
    let statistics: Vec<&str> = array(body, "Statistics")?.iter().filter_map(Value::as_str).collect();
    let extended: Vec<&str> = array(body, "ExtendedStatistics")?.iter().filter_map(Value::as_str).collect();
    if statistics.is_empty() && extended.is_empty() {
        return Err(missing("Statistics"));
    }
    if !statistics.is_empty() && !extended.is_empty() {
        return Err(combination("The parameters Statistics and ExtendedStatistics are mutually exclusive."));
    }
    for s in &statistics {
        if !matches!(*s, "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum") {
            return Err(invalid(format!(
                "The value {s} for parameter Statistics is invalid. Valid values: SampleCount, Average, Sum, Minimum, Maximum."
            )));
        }
    }
    for s in &extended {
        if !s.starts_with('p') || !valid_statistic(s) {
            return Err(invalid(format!("The value {s} for parameter ExtendedStatistics is invalid.")));
        }
    }
    let requested = (end - start).div_ceil(period);
    if requested > 1440 {
        return Err(invalid(format!(
            "You have requested up to {requested} datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )));
    }
    let unit = metrics.unit(&key).unwrap_or_else(|| "None".to_string());
    if let Some(wanted) = str_field(body, "Unit")? {
        if wanted != unit {
            return Ok(json!({ "Label": key.name, "Datapoints": [] }));
        }
    }
    let points: Vec<Value> = datapoints(metrics, &key, start, end, period, now_ms)
        .iter()
        .map(|(t, stat)| {
            let mut p = Map::new();
            p.insert("Timestamp".into(), json!(t));
            for s in &statistics {
                p.insert(s.to_string(), json!(stat.get(s)));
            }
            if !extended.is_empty() {
                let ext: Map<String, Value> = extended.iter().filter_map(|s| Some((s.to_string(), json!(stat.get(s)?)))).collect();
                p.insert("ExtendedStatistics".into(), Value::Object(ext));
            }
            p.insert("Unit".into(), json!(unit));
            Value::Object(p)
        })
        .collect();
    Ok(json!({ "Label": key.name, "Datapoints": points }))
}

fn list_metrics(metrics: &Metrics, body: &Map<String, Value>) -> Result<Value> {
    let namespace = str_field(body, "Namespace")?.map(str::to_string);
    let name = str_field(body, "MetricName")?.map(str::to_string);
    let mut filters = Vec::new();
    for d in array(body, "Dimensions")? {
        let d = d.as_object().ok_or_else(|| invalid("The parameter Dimensions must be a list of structures."))?;
        let n = required_str(d, "Name", "Dimensions.member.N.Name")?;
        filters.push((n.to_string(), str_field(d, "Value")?.map(str::to_string)));
    }
    let keys = metrics.list(&|k: &SeriesKey| {
        namespace.as_ref().is_none_or(|n| &k.namespace == n)
            && name.as_ref().is_none_or(|n| &k.name == n)
            && filters.iter().all(|(n, v)| k.dimensions.iter().any(|(dn, dv)| dn == n && v.as_ref().is_none_or(|v| v == dv)))
    });
    let list: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "Namespace": k.namespace,
                "MetricName": k.name,
                "Dimensions": k.dimensions.iter().map(|(n, v)| json!({"Name": n, "Value": v})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json!({ "Metrics": list }))
}

fn put_metric_data(metrics: &Metrics, body: &Map<String, Value>, now_ms: u64) -> Result<Value> {
    let namespace = required_str(body, "Namespace", "Namespace")?;
    if namespace.starts_with("AWS/") || namespace.is_empty() || namespace.len() > 255 {
        return Err(invalid(format!("The value {namespace} for parameter Namespace is invalid.")));
    }
    let data = array(body, "MetricData")?;
    if data.is_empty() {
        return Err(missing("MetricData"));
    }
    if data.len() > 1000 {
        return Err(invalid("The collection MetricData must not have a size greater than 1000."));
    }
    // Check everything before recording anything.
    let mut records = Vec::new();
    for (i, d) in data.iter().enumerate() {
        let path = format!("MetricData.member.{}", i + 1);
        let d = d.as_object().ok_or_else(|| invalid(format!("The parameter {path} must be a structure.")))?;
        let name = required_str(d, "MetricName", &format!("{path}.MetricName"))?;
        let dims = dimensions(array(d, "Dimensions")?, &format!("{path}.Dimensions"))?;
        let at = timestamp(d, "Timestamp")?.unwrap_or(now_ms);
        if at + 14 * 24 * 3600 * 1000 < now_ms || at > now_ms + 2 * 3600 * 1000 {
            return Err(invalid(format!(
                "The parameter {path}.Timestamp must specify a time no more than two weeks in the past or two hours in the future."
            )));
        }
        let unit = str_field(d, "Unit")?.unwrap_or("None").to_string();
        let stat = if let Some(sv) = d.get("StatisticValues").and_then(Value::as_object) {
            if d.contains_key("Value") || d.contains_key("Values") {
                return Err(combination(format!("The parameters {path}.Value and {path}.StatisticValues are mutually exclusive.")));
            }
            let num = |k: &str| sv.get(k).and_then(Value::as_f64).ok_or_else(|| missing(&format!("{path}.StatisticValues.{k}")));
            let (count, sum, min, max) = (num("SampleCount")?, num("Sum")?, num("Minimum")?, num("Maximum")?);
            if count <= 0.0 || min > max {
                return Err(invalid(format!("The parameter {path}.StatisticValues is invalid: SampleCount must be positive and Minimum at most Maximum.")));
            }
            Stat { count, sum, min, max, values: Vec::new() }
        } else if let Some(values) = d.get("Values").and_then(Value::as_array) {
            let values: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            let counts: Vec<f64> = array(d, "Counts")?.iter().filter_map(Value::as_f64).collect();
            if values.is_empty() || (!counts.is_empty() && counts.len() != values.len()) {
                return Err(invalid(format!("The parameters {path}.Values and {path}.Counts must be lists of the same, non-zero length.")));
            }
            let mut stat: Option<Stat> = None;
            for (j, v) in values.iter().enumerate() {
                let c = counts.get(j).copied().unwrap_or(1.0);
                let s = Stat { count: c, sum: v * c, min: *v, max: *v, values: vec![*v; (c as usize).min(100)] };
                match &mut stat {
                    Some(into) => {
                        into.count += s.count;
                        into.sum += s.sum;
                        into.min = into.min.min(s.min);
                        into.max = into.max.max(s.max);
                        into.values.extend(s.values);
                    }
                    None => stat = Some(s),
                }
            }
            stat.unwrap()
        } else {
            let v = d.get("Value").and_then(Value::as_f64).ok_or_else(|| missing(&format!("{path}.Value")))?;
            Stat::one(v, true)
        };
        records.push((SeriesKey { namespace: namespace.to_string(), name: name.to_string(), dimensions: dims }, unit, stat, at));
    }
    for (key, unit, stat, at) in records {
        let id = metrics.series(key, Kind::Distribution, &unit);
        metrics.record_stat(id, stat, at);
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(m: &Metrics, op: &str, body: Value, now_ms: u64) -> (u16, Value) {
        let request = HttpRequest::new("POST", "/_aws/monitoring/")
            .with_header("x-amz-target", &format!("{TARGET_PREFIX}{op}"))
            .with_body(body.to_string());
        let r = handle_http(m, &request, now_ms);
        (r.status, serde_json::from_slice(&r.body).unwrap())
    }

    #[test]
    fn put_then_read_back_per_period() {
        let m = Metrics::new();
        let now = 1_700_000_000_000;
        for (i, v) in [1.0, 2.0, 3.0, 10.0].iter().enumerate() {
            let (s, _) = call(&m, "PutMetricData", json!({"Namespace":"App","MetricData":[{"MetricName":"Latency","Value":v,"Unit":"Milliseconds","Timestamp": (now / 1000 - 30 + i as u64 * 10)}]}), now);
            assert_eq!(s, 200);
        }
        let (s, v) = call(&m, "GetMetricData", json!({
            "StartTime": now / 1000 - 60, "EndTime": now / 1000 + 60,
            "ScanBy": "TimestampAscending",
            "MetricDataQueries": [{"Id":"a","MetricStat":{"Metric":{"Namespace":"App","MetricName":"Latency"},"Period":60,"Stat":"Sum"}}]
        }), now);
        assert_eq!(s, 200, "{v}");
        let values: Vec<f64> = v["MetricDataResults"][0]["Values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(values.iter().sum::<f64>(), 16.0);
        let (_, v) = call(&m, "GetMetricStatistics", json!({
            "Namespace":"App","MetricName":"Latency","StartTime": now / 1000 - 3600, "EndTime": now / 1000 + 60,
            "Period": 7200, "ExtendedStatistics": ["p50"]
        }), now);
        assert_eq!(v["Datapoints"][0]["ExtendedStatistics"]["p50"], json!(2.0));
        assert_eq!(v["Datapoints"][0]["Unit"], json!("Milliseconds"));
        let (_, v) = call(&m, "ListMetrics", json!({"Namespace":"App"}), now);
        assert_eq!(v["Metrics"][0]["MetricName"], json!("Latency"));
    }

    #[test]
    fn refusals_in_cloudwatch_shape() {
        let m = Metrics::new();
        let (s, v) = call(&m, "PutMetricData", json!({"Namespace":"AWS/DynamoDB","MetricData":[{"MetricName":"x","Value":1}]}), 0);
        assert_eq!((s, v["__type"].as_str().unwrap()), (400, "com.amazonaws.cloudwatch#InvalidParameterValueException"));
        let (_, v) = call(&m, "GetMetricStatistics", json!({"Namespace":"A","MetricName":"x","StartTime":0,"EndTime":100000,"Period":7,"Statistics":["Sum"]}), 0);
        assert!(v["message"].as_str().unwrap().contains("multiple of 60"), "{v}");
        let (_, v) = call(&m, "GetMetricStatistics", json!({"Namespace":"A","MetricName":"x","StartTime":0,"EndTime":100000,"Period":60,"Statistics":["Sum"]}), 0);
        assert!(v["message"].as_str().unwrap().contains("exceeds the limit of 1440"), "{v}");
        let (_, v) = call(&m, "GetMetricData", json!({"StartTime":0,"EndTime":10,"MetricDataQueries":[{"Id":"A","MetricStat":{}}]}), 0);
        assert!(v["message"].as_str().unwrap().contains("lowercase"), "{v}");
        let (_, v) = call(&m, "GetMetricData", json!({"StartTime":0,"EndTime":10,"MetricDataQueries":[{"Id":"e","Expression":"SUM(METRICS())"}]}), 0);
        assert!(v["message"].as_str().unwrap().contains("math expressions"), "{v}");
    }
}
