//! Throttling shows in CloudWatch: a provisioned table written faster than
//! its capacity reports consumed units, throttle events and throttled
//! requests that match what the callers saw.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

const START_MS: u64 = 1_700_000_000_000;

fn call(cloud: &Cloud, path: &str, target: &str, body: Value) -> (u16, Value) {
    let request = HttpRequest::new("POST", path).with_header("x-amz-target", target).with_body(body.to_string());
    let response = pollster::block_on(cloud.handle(request));
    (response.status, serde_json::from_slice(&response.body).unwrap_or(Value::Null))
}

fn sum(cloud: &Cloud, name: &str, dims: Value, stat: &str) -> f64 {
    let (status, v) = call(
        cloud,
        "/_aws/monitoring/",
        "GraniteServiceVersion20100801.GetMetricData",
        json!({
            "StartTime": START_MS / 1000 - 60, "EndTime": START_MS / 1000 + 3600,
            "MetricDataQueries": [{"Id": "m", "MetricStat": {"Metric": {"Namespace": "AWS/DynamoDB", "MetricName": name, "Dimensions": dims}, "Period": 60, "Stat": stat}}]
        }),
    );
    assert_eq!(status, 200, "{v}");
    v["MetricDataResults"][0]["Values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).sum()
}

#[test]
fn throttling_is_counted_as_the_callers_saw_it() {
    let clock = Rc::new(ManualClock::new(START_MS));
    let cloud = Cloud::new(clock.clone());
    cloud.dynamodb().settings.table_status_delay_ms = 0;
    let dynamo = |op: &str, body: Value| call(&cloud, "/_aws/dynamodb/", &format!("DynamoDB_20120810.{op}"), body);
    let (s, _) = dynamo("CreateTable", json!({
        "TableName": "Slow",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    }));
    assert_eq!(s, 200);
    let (mut ok, mut throttled) = (0, 0);
    for second in 0..20u64 {
        for n in 0..40 {
            let (s, v) = dynamo("PutItem", json!({"TableName": "Slow", "Item": {"id": {"S": format!("{second}-{n}")}}}));
            match s {
                200 => ok += 1,
                400 => {
                    assert_eq!(v["__type"], json!("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"));
                    throttled += 1;
                }
                other => panic!("unexpected {other}: {v}"),
            }
        }
        clock.advance_ms(1000);
    }
    assert!(throttled > 0 && ok > 0, "the burst must be partly served and partly throttled ({ok} / {throttled})");
    let table = json!([{"Name": "TableName", "Value": "Slow"}]);
    assert_eq!(sum(&cloud, "ConsumedWriteCapacityUnits", table.clone(), "Sum"), ok as f64);
    assert_eq!(sum(&cloud, "WriteThrottleEvents", table.clone(), "Sum"), throttled as f64);
    assert_eq!(
        sum(&cloud, "ThrottledRequests", json!([{"Name": "TableName", "Value": "Slow"}, {"Name": "Operation", "Value": "PutItem"}]), "Sum"),
        throttled as f64
    );
    assert_eq!(sum(&cloud, "ReadThrottleEvents", table.clone(), "Sum"), 0.0);

    // Raising the capacity shows as a new provisioned value from then on.
    let (s, v) = dynamo("UpdateTable", json!({"TableName": "Slow", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 50}}));
    assert_eq!(s, 200, "{v}");
    let (_, v) = call(
        &cloud,
        "/_aws/monitoring/",
        "GraniteServiceVersion20100801.GetMetricData",
        json!({
            "StartTime": START_MS / 1000, "EndTime": START_MS / 1000 + 30, "ScanBy": "TimestampAscending",
            "MetricDataQueries": [{"Id": "p", "MetricStat": {"Metric": {"Namespace": "AWS/DynamoDB", "MetricName": "ProvisionedWriteCapacityUnits", "Dimensions": table}, "Period": 10, "Stat": "Maximum"}}]
        }),
    );
    let values: Vec<f64> = v["MetricDataResults"][0]["Values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(values, vec![1.0, 1.0, 50.0], "{v}");
}
