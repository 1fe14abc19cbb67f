//! Every expression parser, then evaluation/apply/projection on a fixed item,
//! must refuse bad input with a ValidationException and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use stratus::engine::dynamodb::expr::*;
use stratus::engine::dynamodb::value::{item_from_json, AttributeValue};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let names: HashMap<String, String> = [("#a".to_string(), "a".to_string())].into_iter().collect();
    let values: HashMap<String, AttributeValue> = [
        (":n".to_string(), AttributeValue::from_json(&serde_json::json!({"N": "1"})).unwrap()),
        (":s".to_string(), AttributeValue::S("x".into())),
        (":l".to_string(), AttributeValue::L(vec![])),
        (":ss".to_string(), AttributeValue::Ss(vec!["x".into()])),
    ]
    .into_iter()
    .collect();
    let ph = Placeholders::new(Some(names), Some(values));
    let item = item_from_json(&serde_json::json!({
        "a": {"N": "1"}, "id": {"S": "k"}, "l": {"L": [{"S": "x"}]}, "m": {"M": {"a": {"SS": ["x"]}}}
    }))
    .unwrap();
    if let Ok(c) = parse_condition(text, ExprKind::Condition, &ph) {
        let _ = c.eval(&item);
    }
    if let Ok(u) = parse_update(text, &ph) {
        let mut copy = item.clone();
        let _ = u.apply(&mut copy);
    }
    if let Ok(paths) = parse_projection(text, &ph) {
        let _ = project(&item, &paths);
    }
    let _ = parse_key_condition(text, &ph, "id", Some("a"));
    let _ = ph.check_unused();
});
