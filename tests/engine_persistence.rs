//! Durability seam: every change reaches the store before the answer, a
//! transaction is one commit, and a cloud restored from the store holds the
//! same tables, items and indexes.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::store::MemoryStore;
use stratus::engine::{Cloud, HttpRequest};

fn call(cloud: &Cloud, op: &str, body: Value) -> (u16, Value) {
    let request = HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{op}"))
        .with_body(body.to_string());
    let response = pollster::block_on(cloud.handle(request));
    (response.status, serde_json::from_slice(&response.body).unwrap())
}

fn ok(cloud: &Cloud, op: &str, body: Value) -> Value {
    let (status, answer) = call(cloud, op, body);
    assert_eq!(status, 200, "{op}: {answer}");
    answer
}

fn fixture() -> (std::rc::Rc<Cloud>, MemoryStore, Rc<ManualClock>) {
    let clock = Rc::new(ManualClock::new(1_700_000_000_000));
    let store = MemoryStore::new();
    let cloud = Cloud::with_store(clock.clone(), Rc::new(store.clone()));
    cloud.restore(&[]).unwrap();
    ok(&cloud, "CreateTable", json!({
        "TableName": "Users", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "team", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [{"IndexName": "byTeam", "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
        "Tags": [{"Key": "course", "Value": "cs101"}]
    }));
    ok(&cloud, "UpdateTimeToLive", json!({"TableName": "Users", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}));
    for (id, team) in [("ana", "red"), ("ben", "blue"), ("cy", "red")] {
        ok(&cloud, "PutItem", json!({"TableName": "Users", "Item": {"id": {"S": id}, "team": {"S": team}, "n": {"N": "0.1"}}}));
    }
    ok(&cloud, "UpdateItem", json!({"TableName": "Users", "Key": {"id": {"S": "ana"}}, "UpdateExpression": "ADD n :d SET expires = :t", "ExpressionAttributeValues": {":d": {"N": "0.2"}, ":t": {"N": "1700000100"}}}));
    ok(&cloud, "DeleteItem", json!({"TableName": "Users", "Key": {"id": {"S": "ben"}}}));
    (cloud, store, clock)
}

#[test]
fn a_restored_cloud_has_the_same_state() {
    let (cloud, store, clock) = fixture();
    let restored = Cloud::new(clock.clone());
    let counts = restored.restore(&store.snapshot()).unwrap();
    assert_eq!((counts.tables, counts.items), (1, 2));
    let describe = |c: &Cloud| {
        let mut d = ok(c, "DescribeTable", json!({"TableName": "Users"}))["Table"].clone();
        d.as_object_mut().unwrap().remove("TableStatus");
        d
    };
    assert_eq!(describe(&cloud), describe(&restored));
    let scan = json!({"TableName": "Users"});
    assert_eq!(ok(&cloud, "Scan", scan.clone()), ok(&restored, "Scan", scan));
    let by_team = json!({"TableName": "Users", "IndexName": "byTeam", "KeyConditionExpression": "team = :t", "ExpressionAttributeValues": {":t": {"S": "red"}}});
    let answer = ok(&restored, "Query", by_team);
    assert_eq!(answer["Count"], 2, "the GSI is rebuilt on load");
    let item = ok(&restored, "GetItem", json!({"TableName": "Users", "Key": {"id": {"S": "ana"}}}));
    assert_eq!(item["Item"]["n"], json!({"N": "0.3"}));
    assert_eq!(ok(&restored, "ListTagsOfResource", json!({"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Users"}))["Tags"][0]["Value"], "cs101");
    // Time to live survives too: ana expires at 1700000100.
    clock.advance_ms(200_000);
    let answer = ok(&restored, "Scan", json!({"TableName": "Users", "Select": "COUNT"}));
    assert_eq!(answer["Count"], 1);
}

#[test]
fn a_transaction_is_one_commit() {
    let (cloud, store, _) = fixture();
    let before = *store.commits.borrow();
    ok(&cloud, "TransactWriteItems", json!({"TransactItems": [
        {"Put": {"TableName": "Users", "Item": {"id": {"S": "dee"}}}},
        {"Put": {"TableName": "Users", "Item": {"id": {"S": "eve"}}}},
        {"Delete": {"TableName": "Users", "Key": {"id": {"S": "cy"}}}}
    ]}));
    assert_eq!(*store.commits.borrow(), before + 1);
    // Reads commit nothing.
    ok(&cloud, "GetItem", json!({"TableName": "Users", "Key": {"id": {"S": "dee"}}}));
    assert_eq!(*store.commits.borrow(), before + 1);
    let keys: Vec<String> = store.snapshot().into_iter().map(|(k, _)| k).collect();
    assert!(keys.contains(&r#"dynamodb/item/Users/{"id":{"S":"eve"}}"#.to_string()), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains(r#""cy""#)), "{keys:?}");
}

#[test]
fn deleting_a_table_deletes_its_items_from_the_store() {
    let (cloud, store, _) = fixture();
    ok(&cloud, "DeleteTable", json!({"TableName": "Users"}));
    let keys: Vec<String> = store.snapshot().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, vec!["meta/schema".to_string()]);
}

#[test]
fn newer_or_corrupt_state_is_refused_and_nothing_loads() {
    let (_, store, clock) = fixture();
    let mut entries = store.snapshot();
    let fresh = Cloud::new(clock.clone());
    let newer: Vec<_> = entries
        .iter()
        .map(|(k, v)| if k == "meta/schema" { (k.clone(), br#"{"version":99}"#.to_vec()) } else { (k.clone(), v.clone()) })
        .collect();
    let error = fresh.restore(&newer).unwrap_err();
    assert!(error.contains("newer Stratus"), "{error}");
    entries.push(("dynamodb/item/Users/x".into(), b"{not json".to_vec()));
    assert!(fresh.restore(&entries).is_err());
    assert_eq!(ok(&fresh, "ListTables", json!({}))["TableNames"], json!([]));
}

#[test]
fn a_failed_commit_is_an_internal_server_error() {
    let (cloud, store, _) = fixture();
    *store.fail_with.borrow_mut() = Some("QuotaExceededError".into());
    let (status, answer) = call(&cloud, "PutItem", json!({"TableName": "Users", "Item": {"id": {"S": "zed"}}}));
    assert_eq!(status, 500);
    assert_eq!(answer["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError");
    assert!(answer["message"].as_str().unwrap().contains("QuotaExceededError"));
    assert!(cloud.store_failure().is_some());
}
