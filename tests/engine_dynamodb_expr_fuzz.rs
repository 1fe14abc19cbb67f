//! Property test: thousands of random, grammar-generated and mutated
//! expressions fed to every parser, and the parsed ones evaluated/applied on
//! random items. Nothing may panic; every refusal is a ValidationException.
//! Deterministic (a small xorshift generator), so failures reproduce.
#![cfg(not(target_arch = "wasm32"))]
// `*rng.pick(..)` is needed for inference (from `&&str` to `&str`).
#![allow(clippy::explicit_auto_deref)]

use std::collections::{BTreeMap, HashMap};
use stratus::engine::dynamodb::expr::*;
use stratus::engine::dynamodb::value::{AttributeValue, Item};
use stratus::engine::dynamodb::{ErrorCode, Number};

mod common;
use common::Rng;

const NAMES: &[&str] = &["a", "b", "c", "id", "sk", "n", "s", "l", "m", "ss", "Price", "#a", "#b", "#undef", "status", "size"];
const VALUES: &[&str] = &[":n", ":s", ":l", ":m", ":ss", ":ns", ":bs", ":b", ":t", ":bool", ":null", ":big", ":tiny", ":undef", ":type"];
const FUNCS: &[&str] = &[
    "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size",
    "if_not_exists", "list_append", "foo", "SIZE",
];
const SOUP: &[&str] = &[
    "a", "b", "#a", ":n", ":s", "(", ")", "[", "]", "0", "1", "99999999999999999999999", ",", ".", "=", "<>", "<", "<=",
    ">", ">=", "+", "-", "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE", "size", "contains",
    "begins_with", "if_not_exists", "list_append", "attribute_exists", "#", ":", "é", "\u{1F600}", "_", "\t", "\n",
    " ", "  ", "\"", "'", "*", "/", "\\", "\0",
];

/// Mostly valid names, sometimes reserved or undefined ones.
fn name(r: &mut Rng) -> &'static str {
    if r.chance(90) {
        *r.pick(&NAMES[..12])
    } else {
        *r.pick(NAMES)
    }
}

fn val(r: &mut Rng) -> &'static str {
    if r.chance(95) {
        *r.pick(&VALUES[..13])
    } else {
        *r.pick(VALUES)
    }
}

fn path(r: &mut Rng, depth: usize) -> String {
    let mut p = name(r).to_string();
    for _ in 0..r.below(depth + 1) {
        if r.chance(50) {
            p.push('.');
            p.push_str(name(r));
        } else {
            p.push_str(&format!("[{}]", r.below(4)));
        }
    }
    p
}

fn operand(r: &mut Rng, depth: usize) -> String {
    match r.below(6) {
        0 | 1 => path(r, 3),
        2 | 3 => val(r).to_string(),
        4 => format!("size({})", path(r, 2)),
        _ if depth > 0 => format!("{}({}, {})", r.pick(FUNCS), operand(r, depth - 1), operand(r, depth - 1)),
        _ => path(r, 1),
    }
}

fn condition(r: &mut Rng, depth: usize) -> String {
    let cmp = ["=", "<>", "<", "<=", ">", ">="];
    match r.below(if depth == 0 { 5 } else { 9 }) {
        0 => format!("{} {} {}", operand(r, 1), r.pick(&cmp), operand(r, 1)),
        1 => format!("{} BETWEEN {} AND {}", operand(r, 1), operand(r, 1), operand(r, 1)),
        2 => {
            let n = 1 + r.below(4);
            let list: Vec<String> = (0..n).map(|_| operand(r, 0)).collect();
            format!("{} IN ({})", operand(r, 1), list.join(", "))
        }
        3 => format!("{}({})", r.pick(&FUNCS[..2]), path(r, 2)),
        4 => format!("{}({}, {})", r.pick(&FUNCS[2..5]), path(r, 2), operand(r, 0)),
        5 => format!("{} AND {}", condition(r, depth - 1), condition(r, depth - 1)),
        6 => format!("{} OR {}", condition(r, depth - 1), condition(r, depth - 1)),
        7 => format!("NOT {}", condition(r, depth - 1)),
        _ => format!("({})", condition(r, depth - 1)),
    }
}

fn upd_operand(r: &mut Rng, depth: usize) -> String {
    match r.below(if depth == 0 { 2 } else { 4 }) {
        0 => path(r, 2),
        1 => val(r).to_string(),
        2 => format!("if_not_exists({}, {})", path(r, 1), upd_operand(r, depth - 1)),
        _ => format!("list_append({}, {})", upd_operand(r, depth - 1), upd_operand(r, depth - 1)),
    }
}

fn update(r: &mut Rng) -> String {
    let mut clauses = Vec::new();
    for _ in 0..1 + r.below(3) {
        let kw = *r.pick(&["SET", "REMOVE", "ADD", "DELETE", "set", "remove"]);
        let n = 1 + r.below(3);
        let actions: Vec<String> = (0..n)
            .map(|_| match kw.to_ascii_uppercase().as_str() {
                "SET" => match r.below(3) {
                    0 => format!("{} = {}", path(r, 2), upd_operand(r, 2)),
                    1 => format!("{} = {} + {}", path(r, 2), upd_operand(r, 1), upd_operand(r, 1)),
                    _ => format!("{} = {} - {}", path(r, 2), upd_operand(r, 1), upd_operand(r, 1)),
                },
                "REMOVE" => path(r, 3),
                _ => format!("{} {}", path(r, 2), val(r)),
            })
            .collect();
        clauses.push(format!("{kw} {}", actions.join(", ")));
    }
    clauses.join(" ")
}

fn soup(r: &mut Rng) -> String {
    (0..r.below(30)).map(|_| *r.pick(SOUP)).collect::<Vec<_>>().join(if r.chance(50) { " " } else { "" })
}

/// Deletes, duplicates, or inserts characters (on char boundaries).
fn mutate(r: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + r.below(4) {
        let at = r.below(chars.len() + 1);
        match r.below(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => {
                let c = chars[at];
                chars.insert(at, c);
            }
            _ => {
                let s = r.pick(SOUP);
                for (k, c) in s.chars().enumerate() {
                    chars.insert(at + k, c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

fn num(s: &str) -> AttributeValue {
    AttributeValue::N(n(s))
}

fn value(r: &mut Rng, depth: usize) -> AttributeValue {
    match r.below(if depth == 0 { 8 } else { 10 }) {
        0 => AttributeValue::S(r.pick(&["", "a", "abc", "é", "zz"]).to_string()),
        1 => num(*r.pick(&["0", "1", "-7.5", "9E+125", "1E-130", "12345678901234567890123456789012345678"])),
        2 => AttributeValue::B(vec![0, 1, 255][..r.below(4)].to_vec()),
        3 => AttributeValue::Bool(r.chance(50)),
        4 => AttributeValue::Null,
        5 => AttributeValue::Ss(vec!["a".into(), "b".into()][..1 + r.below(2)].to_vec()),
        6 => AttributeValue::Ns(vec![n("1"), n("2")][..1 + r.below(2)].to_vec()),
        7 => AttributeValue::Bs(vec![vec![1], vec![2]][..1 + r.below(2)].to_vec()),
        8 => AttributeValue::L((0..r.below(4)).map(|_| value(r, depth - 1)).collect()),
        _ => AttributeValue::M((0..r.below(4)).map(|_| (r.pick(NAMES).to_string(), value(r, depth - 1))).collect()),
    }
}

fn random_item(r: &mut Rng) -> Item {
    let mut item: Item = BTreeMap::new();
    for _ in 0..r.below(8) {
        item.insert(r.pick(NAMES).trim_start_matches('#').to_string(), value(r, 3));
    }
    item
}

fn placeholders(r: &mut Rng) -> Placeholders {
    let names: HashMap<String, String> =
        [("#a", "a"), ("#b", "status")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let type_name = r.pick(&["S", "N", "M", "L", "SS", "BOOL", "nope"]).to_string();
    let mut values: HashMap<String, AttributeValue> = HashMap::new();
    for (k, v) in [
        (":n", num("3")),
        (":s", AttributeValue::S("ab".into())),
        (":l", AttributeValue::L(vec![AttributeValue::Null])),
        (":m", AttributeValue::M(BTreeMap::new())),
        (":ss", AttributeValue::Ss(vec!["a".into()])),
        (":ns", AttributeValue::Ns(vec![n("1")])),
        (":bs", AttributeValue::Bs(vec![vec![1]])),
        (":b", AttributeValue::B(vec![0])),
        (":t", AttributeValue::S(String::new())),
        (":bool", AttributeValue::Bool(true)),
        (":null", AttributeValue::Null),
        (":big", num("9.9999999999999999999999999999999999999E+125")),
        (":tiny", num("1E-130")),
        (":type", AttributeValue::S(type_name)),
    ] {
        values.insert(k.to_string(), v);
    }
    let _ = r.next();
    Placeholders::new(Some(names), Some(values))
}

fn check_error(e: &stratus::engine::dynamodb::DynamoError, text: &str) {
    assert_eq!(e.code, ErrorCode::Validation, "{text:?}: {}", e.message);
    assert!(!e.message.is_empty());
}

/// Returns how many of the parsers accepted the text.
fn exercise(r: &mut Rng, text: &str) -> usize {
    let mut accepted = 0;
    let ph = placeholders(r);
    let items: Vec<Item> = (0..3).map(|_| random_item(r)).collect();
    for kind in [ExprKind::Condition, ExprKind::Filter] {
        match parse_condition(text, kind, &ph) {
            Ok(c) => {
                accepted += 1;
                for item in &items {
                    c.eval(item).expect("evaluation never fails");
                }
            }
            Err(e) => check_error(&e, text),
        }
    }
    match parse_update(text, &ph) {
        Ok(u) => {
            accepted += 1;
            let _ = u.top_level_names();
            for item in &items {
                let mut copy = item.clone();
                if let Err(e) = u.apply(&mut copy) {
                    check_error(&e, text);
                }
            }
        }
        Err(e) => check_error(&e, text),
    }
    match parse_projection(text, &ph) {
        Ok(paths) => {
            accepted += 1;
            for item in &items {
                let projected = project(item, &paths);
                assert!(projected.keys().all(|k| item.contains_key(k)));
            }
        }
        Err(e) => check_error(&e, text),
    }
    match parse_key_condition(text, &ph, "id", Some("sk")) {
        Ok(kc) => {
            accepted += 1;
            assert_eq!(kc.hash_name, "id");
            if let Some((name, sort)) = kc.sort {
                assert_eq!(name, "sk");
                for item in &items {
                    if let Some(v) = item.get("sk") {
                        let _ = sort.matches(v);
                    }
                }
            }
        }
        Err(e) => check_error(&e, text),
    }
    let _ = ph.check_unused();
    accepted
}

#[test]
fn random_expressions_never_panic() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for i in 0..6000 {
        let text = match i % 6 {
            0 => condition(&mut r, 4),
            1 => update(&mut r),
            2 => soup(&mut r),
            3 => {
                let t = condition(&mut r, 3);
                mutate(&mut r, &t)
            }
            4 => {
                let t = update(&mut r);
                mutate(&mut r, &t)
            }
            _ => (0..1 + r.below(4)).map(|_| path(&mut r, 4)).collect::<Vec<_>>().join(", "),
        };
        accepted += exercise(&mut r, &text);
    }
    // The generators must reach the evaluators, not only the error paths.
    assert!(accepted > 1500, "only {accepted} accepted");
}

#[test]
fn random_bytes_never_panic() {
    let mut r = Rng(42);
    for _ in 0..2000 {
        let bytes: Vec<u8> = (0..r.below(40)).map(|_| r.next() as u8).collect();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = exercise(&mut r, &text);
    }
}

#[test]
fn pathological_inputs_are_refused_not_crashed() {
    let mut r = Rng(7);
    let cases = [
        "(".repeat(4000),
        format!("{}a = :n{}", "(".repeat(2000), ")".repeat(2000)),
        "NOT ".repeat(1000) + "a = :n",
        format!("{}a{}", "size(".repeat(1000), ")".repeat(1000)),
        format!("SET a = {}:l{}", "list_append(".repeat(500), ", :l)".repeat(500)),
        format!("a{}", "[0]".repeat(1300)),
        format!("a{}", ".b".repeat(2000)),
        vec!["a = :n"; 450].join(" OR "),
        vec!["a"; 2000].join(","),
        format!("a[{}]", "9".repeat(4000)),
        "a".repeat(5000),
        "\u{1F600}".repeat(1000),
        String::new(),
        "SET".into(),
        "SET a = :n REMOVE".into(),
        "a BETWEEN :n".into(),
        "a IN ()".into(),
        "size()".into(),
    ];
    for text in &cases {
        let _ = exercise(&mut r, text);
    }
}
