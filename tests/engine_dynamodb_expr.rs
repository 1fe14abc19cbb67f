//! DynamoDB expressions: parsing, evaluation, updates, projections, key
//! conditions and DynamoDB's validation messages.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::collections::HashMap;
use stratus::engine::dynamodb::expr::*;
use stratus::engine::dynamodb::value::{item_from_json, item_to_json, AttributeValue, Item};
use stratus::engine::dynamodb::ErrorCode;

fn av(v: Value) -> AttributeValue {
    AttributeValue::from_json(&v).unwrap()
}

fn item(v: Value) -> Item {
    item_from_json(&v).unwrap()
}

/// Placeholders with every `#x` -> `x` for x in names, and the given values.
fn ph(names: &[(&str, &str)], values: Value) -> Placeholders {
    let names: HashMap<String, String> = names.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let values: HashMap<String, AttributeValue> = values
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), av(v.clone()))).collect())
        .unwrap_or_default();
    Placeholders::new(Some(names), Some(values))
}

fn default_values() -> Value {
    json!({
        ":s": {"S": "abc"}, ":t": {"S": "ab"}, ":n": {"N": "5"}, ":one": {"N": "1"}, ":ten": {"N": "10"},
        ":b": {"B": "AAE="}, ":ss": {"SS": ["x", "y"]}, ":ns": {"NS": ["1", "2"]}, ":l": {"L": [{"S": "z"}]},
        ":m": {"M": {"k": {"S": "v"}}}, ":true": {"BOOL": true}, ":null": {"NULL": true},
        ":typeS": {"S": "S"}, ":typeN": {"S": "N"}, ":typeM": {"S": "M"}, ":typeL": {"S": "L"},
        ":typeSS": {"S": "SS"}, ":typeBad": {"S": "STRING"}, ":x": {"S": "x"}, ":zero": {"N": "0"},
        ":big": {"N": "9E+125"}
    })
}

fn sample() -> Item {
    item(json!({
        "id": {"S": "k1"}, "Price": {"N": "7"}, "Title": {"S": "abcdef"}, "Bin": {"B": "AAEC"},
        "Tags": {"SS": ["x", "y", "z"]}, "Nums": {"NS": ["1", "2", "3"]}, "Flag": {"BOOL": true},
        "Nothing": {"NULL": true}, "Lst": {"L": [{"S": "z"}, {"N": "2"}, {"M": {"deep": {"S": "d"}}}]},
        "Info": {"M": {"color": {"S": "red"}, "sz": {"N": "3"}, "dims": {"L": [{"N": "1"}, {"N": "2"}]}}},
        "Uni": {"S": "héllo"}
    }))
}

fn cond(text: &str) -> Result<bool, String> {
    let p = ph(&[("#st", "status"), ("#p", "Price"), ("#i", "Info")], default_values());
    let c = parse_condition(text, ExprKind::Condition, &p).map_err(|e| e.message)?;
    c.eval(&sample()).map_err(|e| e.message)
}

#[test]
fn conditions_evaluate_like_dynamodb() {
    let cases: &[(&str, bool)] = &[
        ("Price = :n", false),
        ("Price > :n", true),
        ("Price >= :n AND Price <= :ten", true),
        ("Price < :n", false),
        ("Price <> :n", true),
        ("#p BETWEEN :n AND :ten", true),
        ("Price BETWEEN :one AND :n", false),
        ("Price IN (:one, :n, :ten)", false),
        ("Title IN (:s, :t)", false),
        ("Title > :s", true),
        ("Title = :n", false),        // different types are not equal
        ("Title < :n", false),        // different types do not order
        ("Absent = :n", false),      // absent attribute
        ("Absent <> :n", true),
        ("Absent < :n", false),
        ("attribute_exists(Title)", true),
        ("attribute_exists(Absent)", false),
        ("attribute_not_exists(Absent)", true),
        ("attribute_exists(Info.color)", true),
        ("attribute_exists(Info.dims[1])", true),
        ("attribute_exists(Info.dims[2])", false),
        ("attribute_exists(Lst[2].deep)", true),
        ("attribute_exists(#i.#p)", false),
        ("attribute_type(Price, :typeN)", true),
        ("attribute_type(Price, :typeS)", false),
        ("attribute_type(Info, :typeM)", true),
        ("attribute_type(Lst, :typeL)", true),
        ("attribute_type(Tags, :typeSS)", true),
        ("begins_with(Title, :s)", true),
        ("begins_with(Title, :t)", true),
        ("begins_with(Bin, :b)", true),
        ("begins_with(Price, :s)", false),
        ("contains(Title, :s)", true),
        ("contains(Tags, :x)", true),
        ("contains(Nums, :one)", true),
        ("contains(Nums, :ten)", false),
        ("contains(Lst, :x)", false),
        ("size(Title) = :n", false),
        ("size(Title) > :n", true),
        ("size(Tags) < :n", true),
        ("size(Lst) BETWEEN :one AND :n", true),
        ("size(Info) = :one", false),
        ("size(Absent) = :zero", false),
        ("size(Price) = :one", false),
        ("NOT attribute_exists(Absent)", true),
        ("NOT Price = :n AND Title = :s", false),
        ("Price = :n OR Title > :s AND Flag = :true", true),
        ("(Price = :n OR Title > :s) AND Flag = :true", true),
        ("Price = :n OR Title = :s AND Flag = :true", false),
        ("NOT (Price = :n OR Price = :one)", true),
        ("Flag = :true AND Nothing = :null", true),
        ("Info.color = :s OR Info.sz < :n", true),
        ("Lst[1] = :n", false),
        ("Lst[0] < :x", false),
        ("Tags = :ss", false),
        ("Info = :m", false),
        ("price = :n", false), // names are case-sensitive
    ];
    for (text, expected) in cases {
        assert_eq!(cond(text), Ok(*expected), "{text}");
    }
}

#[test]
fn equality_of_sets_ignores_order_and_numbers_are_exact() {
    let p = ph(&[], json!({":a": {"SS": ["b", "a"]}, ":n": {"N": "7.000"}, ":ns": {"NS": ["3", "2", "1"]}}));
    let c = parse_condition("Tags = :a OR (Price = :n AND Nums = :ns)", ExprKind::Filter, &p).unwrap();
    assert!(c.eval(&sample()).unwrap());
    let i = item(json!({"Tags": {"SS": ["a", "b"]}}));
    assert!(c.eval(&i).unwrap());
}

#[test]
fn size_counts_utf8_bytes_for_strings() {
    let p = ph(&[], json!({":six": {"N": "6"}}));
    let c = parse_condition("size(Uni) = :six", ExprKind::Filter, &p).unwrap();
    assert!(c.eval(&sample()).unwrap());
}

fn cond_err(text: &str, kind: ExprKind) -> String {
    let p = ph(&[("#st", "status"), ("#p", "Price")], default_values());
    let e = parse_condition(text, kind, &p).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    e.message
}

#[test]
fn condition_errors() {
    use ExprKind::{Condition as C, Filter as F};
    let cases: &[(&str, ExprKind, &str)] = &[
        ("", C, "Invalid ConditionExpression: The expression can not be empty;"),
        ("   ", F, "Invalid FilterExpression: The expression can not be empty;"),
        ("status = :n", C, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"),
        ("a.Size = :n", F, "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Size"),
        ("#nope = :n", C, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"),
        ("Price = :nope", C, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"),
        ("a-b", C, "Invalid ConditionExpression: Syntax error; token: \"-\", near: \"a-b\""),
        ("Price =", C, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""),
        ("Price = :n AND", C, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""),
        ("Price : n", C, "Invalid ConditionExpression: Syntax error; token: \":\", near: \"Price : n\""),
        ("Price = :n )", C, "Invalid ConditionExpression: Syntax error; token: \")\", near: \":n )\""),
        ("(Price = :n", C, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":n\""),
        ("Price", C, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"Price\""),
        ("1 = :n", C, "Invalid ConditionExpression: Syntax error; token: \"1\", near: \"1 =\""),
        ("_a = :n", C, "Invalid ConditionExpression: Syntax error; token: \"_\", near: \"_a\""),
        ("Price = :n AND status = :zz", C, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"),
        // syntax errors win over semantic ones
        ("status = :nope AND", C, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""),
        ("foo(Price)", C, "Invalid ConditionExpression: Invalid function name; function: foo"),
        ("SIZE(Price) = :n", C, "Invalid ConditionExpression: Invalid function name; function: SIZE"),
        ("size(Price)", C, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"),
        ("attribute_exists(Price) = :n", C, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"),
        ("attribute_exists(Price, Title)", C, "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"),
        ("attribute_exists(:n)", C, "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"),
        ("size(:s) = :n", C, "Invalid ConditionExpression: Operator or function requires a document path; operator or function: size"),
        ("begins_with(Title, :n)", C, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
        ("attribute_type(Price, :typeBad)", C, "Invalid ConditionExpression: Invalid attribute type name found in type operand: STRING"),
        ("attribute_type(Price, :n)", C, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"),
        ("((Price = :n))", C, "Invalid ConditionExpression: The expression has redundant parentheses;"),
        ("Price BETWEEN :ten AND :n", C, "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:5}"),
        ("if_not_exists(Price, :n) = :n", C, "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists"),
        ("Price = é", C, "Invalid ConditionExpression: Syntax error; token: \"é\", near: \"= é\""),
    ];
    for (text, kind, expected) in cases {
        assert_eq!(cond_err(text, *kind), *expected, "{text}");
    }
}

#[test]
fn limits() {
    let long = format!("Price = :n{}", " ".repeat(4100));
    assert_eq!(
        cond_err(&long, ExprKind::Condition),
        format!("Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: {}", long.len())
    );
    let deep_path = format!("a{} = :n", ".b".repeat(32));
    assert_eq!(
        cond_err(&deep_path, ExprKind::Condition),
        "Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 33"
    );
    let in_list = format!("Price IN ({})", vec![":n"; 101].join(", "));
    assert_eq!(
        cond_err(&in_list, ExprKind::Filter),
        "Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    let nots = format!("{}Price = :n", "NOT ".repeat(1000));
    assert!(cond_err(&nots, ExprKind::Condition).contains("maximum nesting depth"));
    let parens = format!("{}Price = :n{}", "(NOT ".repeat(500), ")".repeat(500));
    assert!(cond_err(&parens, ExprKind::Condition).contains("maximum nesting depth"));
    // A long AND chain is flat, not deep.
    let chain = vec!["Price = :n"; 200].join(" AND ");
    let p = ph(&[], json!({":n": {"N": "7"}}));
    assert!(parse_condition(&chain, ExprKind::Filter, &p).unwrap().eval(&sample()).unwrap());
}

#[test]
fn unused_placeholders() {
    let p = ph(&[("#a", "a"), ("#b", "b")], json!({":a": {"S": "x"}, ":b": {"S": "y"}, ":c": {"S": "z"}}));
    parse_condition("#a = :a", ExprKind::Condition, &p).unwrap();
    assert_eq!(
        p.check_unused().unwrap_err().message,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    );
    parse_projection("#b", &p).unwrap();
    assert_eq!(
        p.check_unused().unwrap_err().message,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :c}"
    );
    parse_update("SET x = :b, y = :c", &p).unwrap();
    assert!(p.check_unused().is_ok());
    assert!(Placeholders::new(None, None).check_unused().is_ok());
}

fn update(text: &str, start: Value) -> Result<Value, String> {
    let p = ph(&[("#st", "status"), ("#c", "Color")], default_values());
    let u = parse_update(text, &p).map_err(|e| e.message)?;
    let mut it = item(start);
    u.apply(&mut it).map_err(|e| e.message)?;
    Ok(item_to_json(&it))
}

#[test]
fn updates_apply_like_dynamodb() {
    let base = json!({"id": {"S": "k"}, "n": {"N": "7"}, "l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}]},
        "m": {"M": {"x": {"S": "1"}}}, "ss": {"SS": ["x", "q"]}, "s": {"S": "str"}});
    let cases: &[(&str, Value)] = &[
        ("SET a = :s", json!({"a": {"S": "abc"}})),
        ("SET n = n + :one", json!({"n": {"N": "8"}})),
        ("SET n = n - :ten", json!({"n": {"N": "-3"}})),
        ("SET n = :ten - n", json!({"n": {"N": "3"}})),
        ("set a = n, n = :one", json!({"a": {"N": "7"}, "n": {"N": "1"}})),
        ("SET l = list_append(l, :l)", json!({"l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}, {"S": "z"}]}})),
        ("SET l = list_append(:l, l)", json!({"l": {"L": [{"S": "z"}, {"S": "a"}, {"S": "b"}, {"S": "c"}]}})),
        ("SET l[1] = :x", json!({"l": {"L": [{"S": "a"}, {"S": "x"}, {"S": "c"}]}})),
        ("SET l[10] = :x", json!({"l": {"L": [{"S": "a"}, {"S": "b"}, {"S": "c"}, {"S": "x"}]}})),
        ("SET m.y = :n", json!({"m": {"M": {"x": {"S": "1"}, "y": {"N": "5"}}}})),
        ("SET z = if_not_exists(z, :zero)", json!({"z": {"N": "0"}})),
        ("SET n = if_not_exists(n, :zero)", json!({"n": {"N": "7"}})),
        ("SET c = if_not_exists(c, :zero) + :one", json!({"c": {"N": "1"}})),
        ("SET #c = :s", json!({"Color": {"S": "abc"}})),
        ("REMOVE s, m.x", json!({"s": null, "m": {"M": {}}})),
        ("REMOVE l[0], l[2]", json!({"l": {"L": [{"S": "b"}]}})),
        ("REMOVE l[7], nope, m.nope", json!({})),
        ("ADD n :one", json!({"n": {"N": "8"}})),
        ("ADD newn :n", json!({"newn": {"N": "5"}})),
        ("ADD ss :ss", json!({"ss": {"SS": ["x", "q", "y"]}})),
        ("ADD news :ss", json!({"news": {"SS": ["x", "y"]}})),
        ("DELETE ss :ss", json!({"ss": {"SS": ["q"]}})),
        ("DELETE nope :ss", json!({})),
        ("SET a = :s REMOVE s ADD n :one DELETE ss :ss", json!({"a": {"S": "abc"}, "s": null, "n": {"N": "8"}, "ss": {"SS": ["q"]}})),
        ("REMOVE s SET a = s", json!({"a": {"S": "str"}, "s": null})),
    ];
    for (text, changes) in cases {
        let mut expected = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                expected.as_object_mut().unwrap().remove(k);
            } else {
                expected[k] = v.clone();
            }
        }
        assert_eq!(update(text, base.clone()), Ok(expected), "{text}");
    }
    // DELETE of the last elements removes the attribute.
    assert_eq!(update("DELETE ss :ss", json!({"ss": {"SS": ["x"]}})), Ok(json!({})));
}

#[test]
fn update_errors() {
    let base = json!({"id": {"S": "k"}, "n": {"N": "7"}, "s": {"S": "str"}, "l": {"L": []}, "ns": {"NS": ["1"]}});
    let cases: &[(&str, &str)] = &[
        ("", "Invalid UpdateExpression: The expression can not be empty;"),
        ("SET a = :s SET b = :s", "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"),
        ("REMOVE a REMOVE b", "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update expression;"),
        ("SET a = :s, a.b = :s", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"),
        ("SET a = :s REMOVE a", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"),
        ("SET a.b = :s REMOVE a[1]", "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"),
        ("SET status = :s", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"),
        ("SET a = :nope", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"),
        ("SET #nope = :s", "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"),
        ("INVALID SYNTAX HERE", "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\""),
        ("ADD hits : incr", "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\""),
        ("SET a = :s,", "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\""),
        ("SET a :s", "Invalid UpdateExpression: Syntax error; token: \":s\", near: \"a :s\""),
        ("ADD a :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
        ("ADD a :l", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST"),
        ("DELETE a :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"),
        ("SET a = list_append(l, :s)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"),
        ("SET a = n + :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"),
        ("SET a = if_not_exists(:s, :s)", "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"),
        ("SET a = size(l)", "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"),
        ("SET a = foo(l)", "Invalid UpdateExpression: Invalid function name; function: foo"),
        ("SET a = list_append(l)", "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"),
        // evaluation errors
        ("SET a = s + :one", "An operand in the update expression has an incorrect data type"),
        ("SET a = absent + :one", "The provided expression refers to an attribute that does not exist in the item"),
        ("SET a = absent", "The provided expression refers to an attribute that does not exist in the item"),
        ("SET a = list_append(s, :l)", "An operand in the update expression has an incorrect data type"),
        ("SET nope.x = :s", "The document path provided in the update expression is invalid for update"),
        ("SET s.x = :s", "The document path provided in the update expression is invalid for update"),
        ("SET s[0] = :s", "The document path provided in the update expression is invalid for update"),
        ("ADD s :one", "An operand in the update expression has an incorrect data type"),
        ("ADD ns :ss", "An operand in the update expression has an incorrect data type"),
        ("DELETE ns :ss", "An operand in the update expression has an incorrect data type"),
        ("SET n = :big + :big", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ];
    for (text, expected) in cases {
        assert_eq!(update(text, base.clone()), Err(expected.to_string()), "{text}");
    }
}

#[test]
fn update_top_level_names() {
    let p = ph(&[("#c", "Color")], default_values());
    let u = parse_update("SET a.b = :s, #c = :s REMOVE l[1] ADD a.c :n DELETE q :ss", &p).unwrap();
    assert_eq!(u.top_level_names(), vec!["a", "Color", "l", "q"]);
}

#[test]
fn developer_guide_update_examples() {
    let p = ph(
        &[("#pr", "ProductReviews"), ("#5star", "FiveStar"), ("#ri", "RelatedItems")],
        json!({":p": {"N": "5"}, ":r": {"SS": ["Hammer"]}, ":val": {"N": "1"},
               ":ri": {"L": [{"S": "Hammer"}]}, ":c": {"SS": ["Orange", "Purple"]}, ":inc": {"N": "3"}}),
    );
    let mut it = item(json!({"Id": {"N": "789"}, "Price": {"N": "52"}, "Color": {"SS": ["Red", "Black", "Orange", "Purple"]},
        "ProductReviews": {"M": {"FiveStar": {"L": [{"S": "Excellent!"}]}}}, "RelatedItems": {"L": [{"S": "a"}, {"S": "b"}]}}));
    parse_update("SET Price = Price - :p, #ri = list_append(#ri, :ri)", &p).unwrap().apply(&mut it).unwrap();
    parse_update("REMOVE #ri[0], #pr.#5star", &p).unwrap().apply(&mut it).unwrap();
    parse_update("ADD QuantityOnHand :inc DELETE Color :c", &p).unwrap().apply(&mut it).unwrap();
    assert_eq!(
        item_to_json(&it),
        json!({"Id": {"N": "789"}, "Price": {"N": "47"}, "Color": {"SS": ["Red", "Black"]}, "QuantityOnHand": {"N": "3"},
            "ProductReviews": {"M": {}}, "RelatedItems": {"L": [{"S": "b"}, {"S": "Hammer"}]}})
    );
}

#[test]
fn projections() {
    let p = ph(&[("#i", "Info")], json!({}));
    let paths = parse_projection("Title, #i.color, Lst[2].deep, Lst[0], Info.dims[1], Absent, Info.nada", &p).unwrap();
    assert_eq!(paths.iter().map(|p| p.to_string()).collect::<Vec<_>>(), vec![
        "Title", "Info.color", "Lst[2].deep", "Lst[0]", "Info.dims[1]", "Absent", "Info.nada"
    ]);
    assert_eq!(
        item_to_json(&project(&sample(), &paths)),
        json!({"Title": {"S": "abcdef"}, "Info": {"M": {"color": {"S": "red"}, "dims": {"L": [{"N": "2"}]}}},
            "Lst": {"L": [{"S": "z"}, {"M": {"deep": {"S": "d"}}}]}})
    );
    let err = |t: &str| parse_projection(t, &Placeholders::new(None, None)).unwrap_err().message;
    assert_eq!(err("a, a.b"), "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]");
    assert_eq!(err("a,"), "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");
    assert_eq!(err("a b"), "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\"");
    assert_eq!(err("a[x]"), "Invalid ProjectionExpression: Syntax error; token: \"x\", near: \"[x]\"");
    assert_eq!(err("name"), "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name");
    assert_eq!(err(""), "Invalid ProjectionExpression: The expression can not be empty;");
}

#[test]
fn key_conditions() {
    let p = ph(&[("#k", "sk")], json!({":h": {"S": "h"}, ":a": {"N": "1"}, ":b": {"N": "9"}, ":p": {"S": "pre"}}));
    let kc = parse_key_condition("id = :h AND #k BETWEEN :a AND :b", &p, "id", Some("sk")).unwrap();
    assert_eq!(kc.hash_name, "id");
    assert_eq!(kc.hash_value, av(json!({"S": "h"})));
    assert_eq!(kc.sort, Some(("sk".to_string(), SortCondition::Between(av(json!({"N": "1"})), av(json!({"N": "9"}))))));
    let kc = parse_key_condition("begins_with(sk, :p) AND id = :h", &p, "id", Some("sk")).unwrap();
    assert_eq!(kc.sort, Some(("sk".to_string(), SortCondition::BeginsWith(av(json!({"S": "pre"}))))));
    assert!(kc.sort.as_ref().unwrap().1.matches(&av(json!({"S": "prefix"}))));
    let kc = parse_key_condition(":h = id", &p, "id", None).unwrap();
    assert_eq!(kc.sort, None);
    let kc = parse_key_condition("id = :h AND :a < sk", &p, "id", Some("sk")).unwrap();
    assert_eq!(kc.sort, Some(("sk".to_string(), SortCondition::Gt(av(json!({"N": "1"}))))));

    let err = |t: &str| parse_key_condition(t, &p, "id", Some("sk")).unwrap_err().message;
    assert_eq!(err("sk = :a"), "Query condition missed key schema element: id");
    assert_eq!(err("id = :h AND foo = :a"), "Query condition missed key schema element: sk");
    assert_eq!(err("id < :h"), "Query key condition not supported");
    assert_eq!(err("id = :h OR sk = :a"), "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR");
    assert_eq!(err("id = :h AND sk <> :a"), "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>");
    assert_eq!(err("id = :h AND contains(sk, :a)"), "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: contains");
    assert_eq!(err("id = :h AND sk = :a AND sk = :b"), "Invalid KeyConditionExpression: Conditions can be of length 1 or 2 only");
    assert_eq!(err("id = :h AND id = :h"), "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key");
    assert_eq!(err("id.x = :h"), "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes");
    assert_eq!(err("id ="), "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
    assert_eq!(err(""), "Invalid KeyConditionExpression: The expression can not be empty;");
}

#[test]
fn sort_condition_matching() {
    let n = |s: &str| av(json!({"N": s}));
    assert!(SortCondition::Lt(n("10")).matches(&n("9")));
    assert!(!SortCondition::Lt(n("10")).matches(&av(json!({"S": "9"}))));
    assert!(SortCondition::Between(n("1"), n("3")).matches(&n("3")));
    assert!(SortCondition::Ge(av(json!({"B": "gA=="}))).matches(&av(json!({"B": "gQ=="}))));
}

#[test]
fn path_display() {
    let p = Path(vec![PathElem::Name("a".into()), PathElem::Index(2), PathElem::Name("c".into())]);
    assert_eq!(p.to_string(), "a[2].c");
}
