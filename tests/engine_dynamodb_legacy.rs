//! The legacy parameters (Expected, QueryFilter/ScanFilter, KeyConditions,
//! AttributeUpdates, AttributesToGet), converted into expression trees.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Map, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::dynamodb::expr::legacy;
use stratus::engine::dynamodb::expr::{Path, PathElem, SortCondition};
use stratus::engine::dynamodb::value::{item_from_json, AttributeValue, Item};
use stratus::engine::dynamodb::{ErrorCode, Number};
use stratus::engine::{Cloud, HttpRequest};

fn map(v: Value) -> Map<String, Value> {
    v.as_object().expect("an object").clone()
}

fn item(v: Value) -> Item {
    item_from_json(&v).unwrap()
}

fn s(x: &str) -> AttributeValue {
    AttributeValue::S(x.into())
}

fn n(x: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(x).unwrap())
}

fn holds(expected: Value, op: Option<&str>, on: Value) -> bool {
    legacy::expected(&map(expected), op).unwrap().eval(&item(on)).unwrap()
}

fn expected_error(expected: Value) -> String {
    let e = legacy::expected(&map(expected), None).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation, "{e:?}");
    e.message
}

#[test]
fn exists_and_value() {
    let it = json!({"a": {"S": "x"}, "n": {"N": "5"}});
    assert!(holds(json!({"a": {"Value": {"S": "x"}}}), None, it.clone()));
    assert!(holds(json!({"a": {"Exists": true, "Value": {"S": "x"}}}), None, it.clone()));
    assert!(!holds(json!({"a": {"Value": {"S": "y"}}}), None, it.clone()));
    assert!(holds(json!({"zz": {"Exists": false}}), None, it.clone()));
    assert!(!holds(json!({"a": {"Exists": false}}), None, it.clone()));
    assert!(holds(json!({}), None, it));
}

#[test]
fn exists_errors() {
    assert_eq!(
        expected_error(json!({"x": {"Exists": true}})),
        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: x"
    );
    assert_eq!(
        expected_error(json!({"x": {}})),
        "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: x"
    );
    assert_eq!(
        expected_error(json!({"x": {"Exists": false, "Value": {"S": "a"}}})),
        "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: x"
    );
    assert!(expected_error(json!({"x": {"Value": {"S": "a"}, "AttributeValueList": [{"S": "a"}], "ComparisonOperator": "EQ"}}))
        .contains("Value and AttributeValueList cannot be used together for Attribute: x"));
    assert!(expected_error(json!({"x": {"AttributeValueList": [{"S": "a"}]}}))
        .contains("AttributeValueList can only be used with a ComparisonOperator for Attribute: x"));
    assert!(expected_error(json!({"x": {"Exists": true, "ComparisonOperator": "NULL"}}))
        .contains("Exists and ComparisonOperator cannot be used together"));
}

#[test]
fn comparison_operators() {
    let it = json!({"s": {"S": "hello"}, "n": {"N": "5"}, "ss": {"SS": ["a", "b"]}, "l": {"L": [{"S": "q"}]}, "b": {"B": "AAEC"}});
    let cmp = |op: &str, list: Value| holds(json!({"n": {"ComparisonOperator": op, "AttributeValueList": list}}), None, it.clone());
    assert!(cmp("EQ", json!([{"N": "5.0"}])));
    assert!(!cmp("EQ", json!([{"S": "5"}])));
    assert!(cmp("NE", json!([{"N": "4"}])));
    assert!(cmp("LE", json!([{"N": "5"}])));
    assert!(!cmp("LT", json!([{"N": "5"}])));
    assert!(cmp("GE", json!([{"N": "5"}])));
    assert!(cmp("GT", json!([{"N": "-1"}])));
    assert!(cmp("IN", json!([{"N": "1"}, {"N": "5"}])));
    assert!(!cmp("IN", json!([{"N": "1"}, {"N": "2"}])));
    assert!(cmp("BETWEEN", json!([{"N": "1"}, {"N": "5"}])));
    assert!(!cmp("BETWEEN", json!([{"N": "6"}, {"N": "9"}])));
    assert!(cmp("NOT_NULL", json!([])));
    assert!(!cmp("NULL", json!([])));
    assert!(holds(json!({"zz": {"ComparisonOperator": "NULL"}}), None, it.clone()));
    let on = |attr: &str, op: &str, list: Value| {
        holds(json!({attr: {"ComparisonOperator": op, "AttributeValueList": list}}), None, it.clone())
    };
    assert!(on("s", "BEGINS_WITH", json!([{"S": "he"}])));
    assert!(!on("s", "BEGINS_WITH", json!([{"S": "lo"}])));
    assert!(on("b", "BEGINS_WITH", json!([{"B": "AA=="}])));
    assert!(on("s", "CONTAINS", json!([{"S": "ell"}])));
    assert!(on("ss", "CONTAINS", json!([{"S": "b"}])));
    assert!(on("l", "CONTAINS", json!([{"S": "q"}])));
    assert!(on("ss", "NOT_CONTAINS", json!([{"S": "z"}])));
    assert!(!on("ss", "NOT_CONTAINS", json!([{"S": "a"}])));
    // Comparisons across types never match.
    assert!(!on("s", "GT", json!([{"N": "1"}])));
    // A Value with a ComparisonOperator is its single argument.
    assert!(holds(json!({"n": {"ComparisonOperator": "GT", "Value": {"N": "1"}}}), None, it));
}

#[test]
fn conditional_operator() {
    let it = json!({"a": {"N": "1"}});
    let two = json!({"a": {"Value": {"N": "1"}}, "b": {"Value": {"N": "2"}}});
    assert!(!holds(two.clone(), None, it.clone()));
    assert!(!holds(two.clone(), Some("AND"), it.clone()));
    assert!(holds(two.clone(), Some("OR"), it));
    let e = legacy::expected(&map(two), Some("XOR")).unwrap_err();
    assert_eq!(
        e.message,
        "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]"
    );
}

#[test]
fn argument_errors() {
    for (op, list) in [
        ("EQ", json!([])),
        ("EQ", json!([{"S": "a"}, {"S": "b"}])),
        ("NULL", json!([{"S": "a"}])),
        ("NOT_NULL", json!([{"S": "a"}])),
        ("BETWEEN", json!([{"N": "1"}])),
        ("IN", json!([])),
        ("BEGINS_WITH", json!([])),
    ] {
        assert_eq!(
            expected_error(json!({"x": {"ComparisonOperator": op, "AttributeValueList": list}})),
            format!("One or more parameter values were invalid: Invalid number of argument(s) for the {op} ComparisonOperator")
        );
    }
    assert_eq!(
        expected_error(json!({"x": {"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["a"]}]}})),
        "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type"
    );
    assert_eq!(
        expected_error(json!({"x": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}})),
        "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"
    );
    assert!(expected_error(json!({"x": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"S": "a"}]}}))
        .contains("AttributeValues inside AttributeValueList must be of same type"));
    assert!(expected_error(json!({"x": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "9"}, {"N": "1"}]}}))
        .contains("lower bound is greater than the upper bound"));
    let bad = expected_error(json!({"x": {"ComparisonOperator": "LIKE", "AttributeValueList": [{"S": "a"}]}}));
    assert!(bad.starts_with("1 validation error detected: Value 'LIKE' at 'expected.x.member.comparisonOperator'"), "{bad}");
}

#[test]
fn filters() {
    let f = legacy::filter(
        &map(json!({"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}, "b": {"ComparisonOperator": "NOT_NULL"}})),
        None,
    )
    .unwrap();
    assert!(f.eval(&item(json!({"a": {"N": "2"}, "b": {"S": "x"}}))).unwrap());
    assert!(!f.eval(&item(json!({"a": {"N": "2"}}))).unwrap());
    let or = legacy::filter_for(
        "queryFilter",
        &map(json!({"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}, "b": {"ComparisonOperator": "NOT_NULL"}})),
        Some("OR"),
    )
    .unwrap();
    assert!(or.eval(&item(json!({"a": {"N": "2"}}))).unwrap());
    let e = legacy::filter_for("queryFilter", &map(json!({"a": {"AttributeValueList": [{"N": "1"}]}})), None).unwrap_err();
    assert!(e.message.contains("'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null"), "{}", e.message);
}

#[test]
fn key_conditions() {
    let kc = legacy::key_conditions(
        &map(json!({
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "3"}]}
        })),
        "pk",
        Some("sk"),
    )
    .unwrap();
    assert_eq!(kc.hash_name, "pk");
    assert_eq!(kc.hash_value, s("a"));
    assert_eq!(kc.sort, Some(("sk".to_string(), SortCondition::Between(n("1"), n("3")))));
    let only_hash =
        legacy::key_conditions(&map(json!({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}})), "pk", Some("sk"))
            .unwrap();
    assert_eq!(only_hash.sort, None);
    let begins = legacy::key_conditions(
        &map(json!({
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}
        })),
        "pk",
        Some("sk"),
    )
    .unwrap();
    assert_eq!(begins.sort, Some(("sk".to_string(), SortCondition::BeginsWith(s("x")))));

    let err = |v: Value| legacy::key_conditions(&map(v), "pk", Some("sk")).unwrap_err().message;
    assert_eq!(
        err(json!({"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}})),
        "Query condition missed key schema element: pk"
    );
    assert_eq!(
        err(json!({"pk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "a"}]}})),
        "Query key condition not supported"
    );
    assert_eq!(
        err(json!({
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "sk": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "1"}]}
        })),
        "Attempted conditional constraint is not an indexable operation"
    );
    assert_eq!(
        err(json!({
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "other": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}
        })),
        "Query condition missed key schema element: sk"
    );
    assert_eq!(
        err(json!({
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
            "sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]},
            "x": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}
        })),
        "Conditions can be of length 1 or 2 only"
    );
    assert_eq!(err(json!({})), "Conditions can be of length 1 or 2 only");
    assert_eq!(
        err(json!({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": []}})),
        "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"
    );
}

#[test]
fn attribute_updates() {
    let u = legacy::attribute_updates(&map(json!({
        "put": {"Action": "PUT", "Value": {"S": "new"}},
        "dflt": {"Value": {"N": "7"}},
        "count": {"Action": "ADD", "Value": {"N": "2"}},
        "tags": {"Action": "ADD", "Value": {"SS": ["c"]}},
        "gone": {"Action": "DELETE"},
        "drop": {"Action": "DELETE", "Value": {"SS": ["a"]}},
        "list": {"Action": "ADD", "Value": {"L": [{"N": "3"}]}},
        "fresh": {"Action": "ADD", "Value": {"L": [{"N": "1"}]}}
    })))
    .unwrap();
    let mut it = item(json!({
        "pk": {"S": "k"}, "put": {"S": "old"}, "count": {"N": "1"}, "tags": {"SS": ["a", "b"]},
        "gone": {"S": "x"}, "drop": {"SS": ["a", "b"]}, "list": {"L": [{"N": "1"}, {"N": "2"}]}
    }));
    u.apply(&mut it).unwrap();
    assert_eq!(
        it,
        item(json!({
            "pk": {"S": "k"}, "put": {"S": "new"}, "dflt": {"N": "7"}, "count": {"N": "3"}, "tags": {"SS": ["a", "b", "c"]},
            "drop": {"SS": ["b"]}, "list": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}, "fresh": {"L": [{"N": "1"}]}
        }))
    );
    let mut names = u.top_level_names();
    names.sort();
    assert_eq!(names, ["count", "dflt", "drop", "fresh", "gone", "list", "put", "tags"]);

    let err = |v: Value| legacy::attribute_updates(&map(v)).unwrap_err().message;
    assert_eq!(
        err(json!({"a": {"Action": "PUT"}})),
        "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
    );
    assert!(err(json!({"a": {"Action": "ADD", "Value": {"S": "x"}}})).contains("ADD action is not supported for the type S"));
    assert!(err(json!({"a": {"Action": "DELETE", "Value": {"N": "1"}}})).contains("DELETE action with value is not supported for the type N"));
    assert!(err(json!({"a": {"Action": "MERGE", "Value": {"N": "1"}}})).contains("'attributeUpdates.a.member.action'"));
}

#[test]
fn attributes_to_get() {
    let paths = legacy::attributes_to_get(&[json!("a"), json!("b.c")]).unwrap();
    assert_eq!(paths, vec![Path(vec![PathElem::Name("a".into())]), Path(vec![PathElem::Name("b.c".into())])]);
    assert!(legacy::attributes_to_get(&[json!("a"), json!("a")]).unwrap_err().message.contains("Duplicate value in attribute name: a"));
    assert!(legacy::attributes_to_get(&[]).unwrap_err().message.contains("Member must have length greater than or equal to 1"));
    assert_eq!(legacy::attributes_to_get(&[json!(1)]).unwrap_err().code, ErrorCode::Serialization);
}

// ---- End to end through Cloud::handle ----

fn call(cloud: &Cloud, op: &str, body: Value) -> (u16, Value) {
    let http = HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{op}"))
        .with_header("Content-Type", "application/x-amz-json-1.0")
        .with_body(body.to_string());
    let r = pollster::block_on(cloud.handle(http));
    (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

fn table() -> std::rc::Rc<Cloud> {
    let cloud = Cloud::new(Rc::new(ManualClock::new(1_700_000_000_000)));
    let (status, body) = call(
        &cloud,
        "CreateTable",
        json!({"TableName": "Tab", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
               "BillingMode": "PAY_PER_REQUEST"}),
    );
    assert_eq!(status, 200, "{body}");
    for i in 1..=3 {
        let (status, _) = call(&cloud, "PutItem", json!({"TableName": "Tab", "Item": {"pk": {"S": "a"}, "sk": {"N": i.to_string()}, "v": {"N": (i * 10).to_string()}}}));
        assert_eq!(status, 200);
    }
    cloud
}

// Through Cloud::handle: the operations convert legacy parameters with these functions.

#[test]
fn end_to_end_expected_and_attribute_updates() {
    let cloud = table();
    let (status, body) = call(
        &cloud,
        "PutItem",
        json!({"TableName": "Tab", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "Expected": {"v": {"Value": {"N": "99"}}}}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
    let (status, _) = call(
        &cloud,
        "UpdateItem",
        json!({"TableName": "Tab", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
               "AttributeUpdates": {"v": {"Action": "ADD", "Value": {"N": "5"}}},
               "Expected": {"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "10"}]}}}),
    );
    assert_eq!(status, 200);
    let (_, body) = call(&cloud, "GetItem", json!({"TableName": "Tab", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "AttributesToGet": ["v"]}));
    assert_eq!(body, json!({"Item": {"v": {"N": "15"}}}));
}

#[test]
fn end_to_end_query_and_scan() {
    let cloud = table();
    let (status, body) = call(
        &cloud,
        "Query",
        json!({"TableName": "Tab", "KeyConditions": {
                 "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                 "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "2"}]}},
               "QueryFilter": {"v": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "30"}]}}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Count"], 1);
    assert_eq!(body["ScannedCount"], 2);
    let (status, body) = call(
        &cloud,
        "Scan",
        json!({"TableName": "Tab", "ScanFilter": {"v": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "10"}, {"N": "30"}]}}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Count"], 2);
}

#[test]
fn table_helper_works() {
    let cloud = table();
    let (_, body) = call(&cloud, "Scan", json!({"TableName": "Tab"}));
    assert_eq!(body["Count"], 3);
}
