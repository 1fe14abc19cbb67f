//! Evaluating conditions: path look-up, DynamoDB's comparisons and functions.

use super::ast::{CmpOp, Cond, Operand, Path, PathElem};
use crate::engine::dynamodb::number::Number;
use crate::engine::dynamodb::value::{AttributeValue, Item};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The value at `path`, if the item has one there.
pub fn get<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let (first, rest) = path.0.split_first()?;
    let PathElem::Name(name) = first else { return None };
    let mut cur = item.get(name)?;
    for elem in rest {
        cur = match (elem, cur) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Equality as DynamoDB sees it: same type and value; sets regardless of order.
pub fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    fn same_set<T: PartialEq>(x: &[T], y: &[T]) -> bool {
        x.len() == y.len() && x.iter().all(|e| y.contains(e))
    }
    match (a, b) {
        (V::Ss(x), V::Ss(y)) => same_set(x, y),
        (V::Ns(x), V::Ns(y)) => same_set(x, y),
        (V::Bs(x), V::Bs(y)) => same_set(x, y),
        (V::L(x), V::L(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q)),
        (V::M(x), V::M(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// `size(path)`: string length in UTF-8 bytes, binary length, element count
/// of sets, lists and maps; `None` for other types.
pub fn size_of(v: &AttributeValue) -> Option<usize> {
    use AttributeValue as V;
    Some(match v {
        V::S(s) => s.len(),
        V::B(b) => b.len(),
        V::Ss(s) => s.len(),
        V::Ns(s) => s.len(),
        V::Bs(s) => s.len(),
        V::L(l) => l.len(),
        V::M(m) => m.len(),
        _ => return None,
    })
}

fn operand<'a>(op: &'a Operand, item: &'a Item) -> Option<Cow<'a, AttributeValue>> {
    match op {
        Operand::Path(p) => get(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(p) => {
            let n = size_of(get(item, p)?)?;
            Some(Cow::Owned(AttributeValue::N(Number::from_i64(n as i64))))
        }
    }
}

/// `a <op> b`. Ordering only between two strings, numbers or binaries;
/// anything else (including a missing operand) is false, except `<>`.
pub fn compare(a: Option<&AttributeValue>, op: CmpOp, b: Option<&AttributeValue>) -> bool {
    let (Some(a), Some(b)) = (a, b) else { return op == CmpOp::Ne };
    match op {
        CmpOp::Eq => values_equal(a, b),
        CmpOp::Ne => !values_equal(a, b),
        _ => match a.key_cmp(b) {
            None => false,
            Some(ord) => match op {
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Ge => ord != Ordering::Less,
                CmpOp::Eq | CmpOp::Ne => unreachable!("handled above"),
            },
        },
    }
}

pub fn between(a: &AttributeValue, lo: &AttributeValue, hi: &AttributeValue) -> bool {
    matches!(a.key_cmp(lo), Some(Ordering::Greater | Ordering::Equal))
        && matches!(a.key_cmp(hi), Some(Ordering::Less | Ordering::Equal))
}

pub fn begins_with(a: &AttributeValue, prefix: &AttributeValue) -> bool {
    match (a, prefix) {
        (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
        (AttributeValue::B(s), AttributeValue::B(p)) => s.starts_with(p),
        _ => false,
    }
}

pub fn contains(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::S(s), V::S(t)) => s.contains(t.as_str()),
        (V::B(s), V::B(t)) => t.is_empty() || s.windows(t.len()).any(|w| w == t.as_slice()),
        (V::Ss(s), V::S(t)) => s.contains(t),
        (V::Ns(s), V::N(t)) => s.contains(t),
        (V::Bs(s), V::B(t)) => s.contains(t),
        (V::L(l), v) => l.iter().any(|e| values_equal(e, v)),
        _ => false,
    }
}

pub fn eval_cond(cond: &Cond, item: &Item) -> bool {
    match cond {
        Cond::Cmp(a, op, b) => compare(operand(a, item).as_deref(), *op, operand(b, item).as_deref()),
        Cond::Between(a, lo, hi) => match (operand(a, item), operand(lo, item), operand(hi, item)) {
            (Some(a), Some(lo), Some(hi)) => between(&a, &lo, &hi),
            _ => false,
        },
        Cond::In(a, list) => match operand(a, item) {
            Some(a) => list.iter().any(|o| operand(o, item).is_some_and(|v| values_equal(&a, &v))),
            None => false,
        },
        Cond::Exists(p) => get(item, p).is_some(),
        Cond::NotExists(p) => get(item, p).is_none(),
        Cond::Type(p, t) => match (get(item, p), operand(t, item)) {
            (Some(v), Some(t)) => matches!(&*t, AttributeValue::S(name) if name == v.type_name()),
            _ => false,
        },
        Cond::BeginsWith(a, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => begins_with(&a, &b),
            _ => false,
        },
        Cond::Contains(a, b) => match (operand(a, item), operand(b, item)) {
            (Some(a), Some(b)) => contains(&a, &b),
            _ => false,
        },
        Cond::And(all) => all.iter().all(|c| eval_cond(c, item)),
        Cond::Or(any) => any.iter().any(|c| eval_cond(c, item)),
        Cond::Not(c) => !eval_cond(c, item),
    }
}
