//! KeyConditionExpression: parsed with the condition grammar, then checked
//! against the key schema with DynamoDB's messages.

use super::ast::{CmpOp, Cond, KeyCondition, Operand, Path, PathElem, SortCondition};
use super::eval::{begins_with, between};
use super::{parse_condition, ExprKind, Placeholders};
use crate::engine::dynamodb::error::DynamoError;
use crate::engine::dynamodb::value::AttributeValue;
use std::cmp::Ordering;

type Result<T> = std::result::Result<T, DynamoError>;

fn kce(message: impl AsRef<str>) -> DynamoError {
    ExprKind::KeyCondition.error(message)
}

fn bad_operator(op: &str) -> DynamoError {
    kce(format!("Invalid operator used in KeyConditionExpression: {op}"))
}

/// A key attribute name (top level only).
fn key_name(path: &Path) -> Result<String> {
    match path.0.as_slice() {
        [PathElem::Name(n)] => Ok(n.clone()),
        _ => Err(kce("KeyConditionExpressions cannot have conditions on nested attributes")),
    }
}

/// One `name <op> value` / BETWEEN / begins_with condition.
fn single(cond: Cond) -> Result<(String, SortCondition)> {
    match cond {
        Cond::Cmp(a, op, b) => {
            let (path, op, value) = match (a, b) {
                (Operand::Path(p), Operand::Value(v)) => (p, op, v),
                (Operand::Value(v), Operand::Path(p)) => (p, op.flipped(), v),
                (Operand::Size(_), _) | (_, Operand::Size(_)) => return Err(bad_operator("size")),
                _ => return Err(kce("Invalid condition in KeyConditionExpression: the condition must compare a key attribute with a value")),
            };
            let sort = match op {
                CmpOp::Eq => SortCondition::Eq(value),
                CmpOp::Lt => SortCondition::Lt(value),
                CmpOp::Le => SortCondition::Le(value),
                CmpOp::Gt => SortCondition::Gt(value),
                CmpOp::Ge => SortCondition::Ge(value),
                CmpOp::Ne => return Err(bad_operator("<>")),
            };
            Ok((key_name(&path)?, sort))
        }
        Cond::Between(Operand::Path(p), Operand::Value(lo), Operand::Value(hi)) => {
            Ok((key_name(&p)?, SortCondition::Between(lo, hi)))
        }
        Cond::Between(..) => Err(bad_operator("BETWEEN")),
        Cond::BeginsWith(Operand::Path(p), Operand::Value(v)) => Ok((key_name(&p)?, SortCondition::BeginsWith(v))),
        Cond::BeginsWith(..) => Err(bad_operator("begins_with")),
        Cond::In(..) => Err(bad_operator("IN")),
        Cond::Or(_) => Err(bad_operator("OR")),
        Cond::Not(_) => Err(bad_operator("NOT")),
        Cond::And(_) => Err(bad_operator("AND")),
        Cond::Exists(_) => Err(bad_operator("attribute_exists")),
        Cond::NotExists(_) => Err(bad_operator("attribute_not_exists")),
        Cond::Type(..) => Err(bad_operator("attribute_type")),
        Cond::Contains(..) => Err(bad_operator("contains")),
    }
}

/// Parses a KeyConditionExpression and checks it against the key schema
/// (hash_key, range_key names).
pub fn parse_key_condition(
    text: &str,
    ph: &Placeholders,
    hash_key: &str,
    range_key: Option<&str>,
) -> Result<KeyCondition> {
    let cond = parse_condition(text, ExprKind::KeyCondition, ph)?.0;
    let parts = match cond {
        Cond::And(parts) => parts,
        other => vec![other],
    };
    if parts.len() > 2 {
        return Err(kce("Conditions can be of length 1 or 2 only"));
    }
    let mut conditions = Vec::new();
    for part in parts {
        conditions.push(single(part)?);
    }
    if conditions.len() == 2 && conditions[0].0 == conditions[1].0 {
        return Err(kce("KeyConditionExpressions must only contain one condition per key"));
    }
    let Some(hash_at) = conditions.iter().position(|(n, _)| n == hash_key) else {
        return Err(DynamoError::validation(format!("Query condition missed key schema element: {hash_key}")));
    };
    let (hash_name, hash_cond) = conditions.remove(hash_at);
    let SortCondition::Eq(hash_value) = hash_cond else {
        return Err(DynamoError::validation("Query key condition not supported"));
    };
    let sort = match conditions.pop() {
        None => None,
        Some((name, cond)) => {
            if Some(name.as_str()) != range_key {
                let missed = range_key.unwrap_or(name.as_str());
                return Err(DynamoError::validation(format!("Query condition missed key schema element: {missed}")));
            }
            Some((name, cond))
        }
    };
    Ok(KeyCondition { hash_name, hash_value, sort })
}

impl SortCondition {
    /// Whether a sort key value satisfies the condition (key order: strings
    /// by UTF-8 bytes, numbers numerically, binary by unsigned bytes).
    pub fn matches(&self, v: &AttributeValue) -> bool {
        let cmp = |x: &AttributeValue| v.key_cmp(x);
        match self {
            SortCondition::Eq(x) => cmp(x) == Some(Ordering::Equal),
            SortCondition::Lt(x) => cmp(x) == Some(Ordering::Less),
            SortCondition::Le(x) => matches!(cmp(x), Some(Ordering::Less | Ordering::Equal)),
            SortCondition::Gt(x) => cmp(x) == Some(Ordering::Greater),
            SortCondition::Ge(x) => matches!(cmp(x), Some(Ordering::Greater | Ordering::Equal)),
            SortCondition::Between(lo, hi) => between(v, lo, hi),
            SortCondition::BeginsWith(p) => begins_with(v, p),
        }
    }
}
