//! Throttling: provisioned tables bank 300 seconds of capacity, then answer
//! ProvisionedThroughputExceededException until the engine's clock lets
//! capacity accrue again; batches hand throttled requests back unprocessed.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

struct Client {
    cloud: std::rc::Rc<Cloud>,
    clock: Rc<ManualClock>,
}

impl Client {
    fn new() -> Self {
        let clock = Rc::new(ManualClock::new(1_700_000_000_000));
        Client { cloud: Cloud::new(clock.clone()), clock }
    }

    fn call(&self, op: &str, body: Value) -> (u16, Value) {
        let request = HttpRequest::new("POST", "/_aws/dynamodb/")
            .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{op}"))
            .with_body(body.to_string());
        let response = pollster::block_on(self.cloud.handle(request));
        (response.status, serde_json::from_slice(&response.body).unwrap())
    }
}

fn kilobyte_item(id: usize) -> Value {
    // 1000 bytes of payload plus the key: just under 1 KB, one write unit.
    json!({"id": {"S": format!("item-{id:05}")}, "pad": {"S": "x".repeat(1000)}})
}

#[test]
fn provisioned_writes_burst_then_throttle_then_recover() {
    let c = Client::new();
    let (status, _) = c.call("CreateTable", json!({
        "TableName": "Tiny",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    }));
    assert_eq!(status, 200);
    let mut accepted = 0;
    let throttled = loop {
        let (status, body) = c.call("PutItem", json!({"TableName": "Tiny", "Item": kilobyte_item(accepted)}));
        if status != 200 {
            break body;
        }
        accepted += 1;
        assert!(accepted <= 1000, "never throttled");
    };
    assert_eq!(accepted, 300, "1 WCU banks 300 seconds of capacity");
    assert_eq!(throttled["__type"], "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException");
    assert!(throttled["message"].as_str().unwrap().contains("Consider increasing your provisioning level"));

    // Batches hand back what they could not write.
    let puts: Vec<Value> = (1000..1003).map(|i| json!({"PutRequest": {"Item": kilobyte_item(i)}})).collect();
    let (status, body) = c.call("BatchWriteItem", json!({"RequestItems": {"Tiny": puts}}));
    assert_eq!(status, 200);
    assert_eq!(body["UnprocessedItems"]["Tiny"].as_array().unwrap().len(), 3);

    // One second later one more unit has accrued.
    c.clock.advance_ms(1000);
    assert_eq!(c.call("PutItem", json!({"TableName": "Tiny", "Item": kilobyte_item(5000)})).0, 200);
    assert_eq!(c.call("PutItem", json!({"TableName": "Tiny", "Item": kilobyte_item(5001)})).0, 400);

    // Raising the provisioned rate lets writes through again as capacity accrues.
    let (status, _) = c.call("UpdateTable", json!({"TableName": "Tiny", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 100}}));
    assert_eq!(status, 200);
    c.clock.advance_ms(1000);
    let mut ok = 0;
    while c.call("PutItem", json!({"TableName": "Tiny", "Item": kilobyte_item(6000 + ok)})).0 == 200 {
        ok += 1;
        assert!(ok < 1000);
    }
    assert_eq!(ok, 100, "a second at 100 WCU");

    // Reads have their own bucket and are not affected.
    let (status, body) = c.call("GetItem", json!({"TableName": "Tiny", "Key": {"id": {"S": "item-00000"}}}));
    assert_eq!(status, 200);
    assert!(body["Item"].is_object());
}

#[test]
fn on_demand_tables_do_not_throttle() {
    let c = Client::new();
    c.call("CreateTable", json!({
        "TableName": "Elastic", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]
    }));
    for i in 0..2000 {
        let (status, _) = c.call("PutItem", json!({"TableName": "Elastic", "Item": kilobyte_item(i)}));
        assert_eq!(status, 200);
    }
    let (_, body) = c.call("DescribeTable", json!({"TableName": "Elastic"}));
    assert_eq!(body["Table"]["ItemCount"], 2000);
}

#[test]
fn query_pages_stop_at_one_megabyte() {
    let c = Client::new();
    c.call("CreateTable", json!({
        "TableName": "Big", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}, {"AttributeName": "s", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}]
    }));
    // 300 items of about 10 KB: about 3 MB in one partition.
    for i in 0..300 {
        let item = json!({"p": {"S": "one"}, "s": {"N": i.to_string()}, "pad": {"S": "y".repeat(10_000)}});
        assert_eq!(c.call("PutItem", json!({"TableName": "Big", "Item": item})).0, 200);
    }
    let mut start: Option<Value> = None;
    let mut pages = Vec::new();
    loop {
        let mut body = json!({"TableName": "Big", "KeyConditionExpression": "p = :p", "ExpressionAttributeValues": {":p": {"S": "one"}}, "ReturnConsumedCapacity": "TOTAL"});
        if let Some(s) = &start {
            body["ExclusiveStartKey"] = s.clone();
        }
        let (status, answer) = c.call("Query", body);
        assert_eq!(status, 200);
        pages.push(answer["Count"].as_u64().unwrap());
        match answer.get("LastEvaluatedKey") {
            Some(k) => start = Some(k.clone()),
            None => break,
        }
        assert!(pages.len() < 10);
    }
    assert_eq!(pages.iter().sum::<u64>(), 300, "every item exactly once");
    assert!(pages.len() >= 3, "1 MB pages: {pages:?}");
    assert!(pages[0] >= 100 && pages[0] <= 106, "a page holds about 1 MB: {pages:?}");
}

#[test]
fn an_under_provisioned_global_index_throttles_its_table() {
    let c = Client::new();
    let (status, body) = c.call("CreateTable", json!({
        "TableName": "Indexed",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1000, "WriteCapacityUnits": 1000},
        "GlobalSecondaryIndexes": [{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}]
    }));
    assert_eq!(status, 200, "{body}");
    let mut accepted = 0;
    let throttled = loop {
        let mut item = kilobyte_item(accepted);
        item["g"] = json!({"S": "group"});
        let (status, body) = c.call("PutItem", json!({"TableName": "Indexed", "Item": item}));
        if status != 200 {
            break body;
        }
        accepted += 1;
        assert!(accepted < 1000);
    };
    assert_eq!(accepted, 300, "the index's 1 WCU banks 300 units, the table's 1000 WCU does not matter");
    assert!(throttled["message"].as_str().unwrap().contains("global secondary indexes"), "{throttled}");
    // Reads of the index have their own bucket: 1 RCU, 300 s of burst, half a unit per eventually consistent page.
    let (status, _) = c.call("Query", json!({"TableName": "Indexed", "IndexName": "byG", "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "group"}}, "Limit": 1}));
    assert_eq!(status, 200);
}
