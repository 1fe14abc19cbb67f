//! The legacy (pre-expression) parameters, converted into the expression
//! engine's trees so that evaluation is shared:
//!
//! * `Expected` (+ `ConditionalOperator`) -> a [`Condition`];
//! * `QueryFilter` / `ScanFilter` (+ `ConditionalOperator`) -> a [`Condition`];
//! * `KeyConditions` -> a [`KeyCondition`];
//! * `AttributeUpdates` -> an [`UpdateExpr`];
//! * `AttributesToGet` -> projection paths.
//!
//! Attribute names in legacy parameters are taken literally (a name with a
//! dot is one top-level attribute), as DynamoDB does.

use crate::engine::dynamodb::request::wrong_type;
use super::ast::{Action, CmpOp, Cond, Condition, KeyCondition, Operand, Path, PathElem, SetValue, SortCondition, UpdOperand, UpdateExpr};
use crate::engine::dynamodb::error::DynamoError;
use crate::engine::dynamodb::request::Violations;
use crate::engine::dynamodb::value::AttributeValue;
use serde_json::{Map, Value};
use std::cmp::Ordering;

type Result<T> = std::result::Result<T, DynamoError>;

/// Every ComparisonOperator, in the order Coral lists them in enum errors.
const OPERATORS: &str = "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

fn invalid(message: impl AsRef<str>) -> DynamoError {
    DynamoError::validation(format!("One or more parameter values were invalid: {}", message.as_ref()))
}

fn top(name: &str) -> Path {
    Path(vec![PathElem::Name(name.to_string())])
}


fn field<'a>(cond: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    cond.get(name).filter(|v| !v.is_null())
}

fn str_field<'a>(cond: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match field(cond, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(name, "string", other)),
    }
}

fn value_list(cond: &Map<String, Value>) -> Result<Option<Vec<AttributeValue>>> {
    match field(cond, "AttributeValueList") {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.iter().map(AttributeValue::from_json).collect::<Result<_>>()?)),
        Some(other) => Err(wrong_type("AttributeValueList", "list", other)),
    }
}

fn condition_object<'a>(name: &str, v: &'a Value) -> Result<&'a Map<String, Value>> {
    match v {
        Value::Object(o) => Ok(o),
        other => Err(wrong_type(name, "structure", other)),
    }
}

/// The legacy comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonOperator {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
    NotNull,
    Null,
    Contains,
    NotContains,
    BeginsWith,
    In,
    Between,
}

impl ComparisonOperator {
    pub fn parse(s: &str) -> Option<ComparisonOperator> {
        use ComparisonOperator as C;
        Some(match s {
            "EQ" => C::Eq,
            "NE" => C::Ne,
            "LE" => C::Le,
            "LT" => C::Lt,
            "GE" => C::Ge,
            "GT" => C::Gt,
            "NOT_NULL" => C::NotNull,
            "NULL" => C::Null,
            "CONTAINS" => C::Contains,
            "NOT_CONTAINS" => C::NotContains,
            "BEGINS_WITH" => C::BeginsWith,
            "IN" => C::In,
            "BETWEEN" => C::Between,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use ComparisonOperator as C;
        match self {
            C::Eq => "EQ",
            C::Ne => "NE",
            C::Le => "LE",
            C::Lt => "LT",
            C::Ge => "GE",
            C::Gt => "GT",
            C::NotNull => "NOT_NULL",
            C::Null => "NULL",
            C::Contains => "CONTAINS",
            C::NotContains => "NOT_CONTAINS",
            C::BeginsWith => "BEGINS_WITH",
            C::In => "IN",
            C::Between => "BETWEEN",
        }
    }

    /// Whether `n` values suit the operator.
    fn arity_ok(self, n: usize) -> bool {
        use ComparisonOperator as C;
        match self {
            C::NotNull | C::Null => n == 0,
            C::Between => n == 2,
            C::In => n >= 1,
            _ => n == 1,
        }
    }

    /// Whether a value of this type may be an argument of the operator.
    fn type_ok(self, v: &AttributeValue) -> bool {
        use ComparisonOperator as C;
        match self {
            C::Eq | C::Ne => true,
            C::Le | C::Lt | C::Ge | C::Gt | C::Between | C::In | C::Contains | C::NotContains => v.scalar_type().is_some(),
            C::BeginsWith => matches!(v, AttributeValue::S(_) | AttributeValue::B(_)),
            C::NotNull | C::Null => true,
        }
    }
}

fn parse_operator(text: &str, path: &str) -> Result<ComparisonOperator> {
    ComparisonOperator::parse(text).ok_or_else(|| {
        let mut v = Violations::new();
        v.add(Some(text), path, &format!("Member must satisfy enum value set: {OPERATORS}"));
        v.finish().expect_err("one violation")
    })
}

/// `ConditionalOperator`: AND (the default) or OR.
fn conditional(op: Option<&str>) -> Result<bool> {
    match op {
        None | Some("AND") => Ok(false),
        Some("OR") => Ok(true),
        Some(other) => {
            let mut v = Violations::new();
            v.add(Some(other), "conditionalOperator", "Member must satisfy enum value set: [AND, OR]");
            Err(v.finish().expect_err("one violation"))
        }
    }
}

/// Checks the argument count and types, then builds the condition.
fn comparison(name: &str, op: ComparisonOperator, values: Vec<AttributeValue>) -> Result<Cond> {
    use ComparisonOperator as C;
    if !op.arity_ok(values.len()) {
        return Err(invalid(format!("Invalid number of argument(s) for the {} ComparisonOperator", op.as_str())));
    }
    for v in &values {
        if !op.type_ok(v) {
            return Err(invalid(format!("ComparisonOperator {} is not valid for {} AttributeValue type", op.as_str(), v.type_name())));
        }
    }
    if matches!(op, C::In | C::Between) && values.iter().any(|v| v.type_name() != values[0].type_name()) {
        return Err(invalid("AttributeValues inside AttributeValueList must be of same type"));
    }
    let path = || Operand::Path(top(name));
    let mut values = values.into_iter().map(Operand::Value);
    let mut next = || values.next().expect("arity checked");
    Ok(match op {
        C::Eq => Cond::Cmp(path(), CmpOp::Eq, next()),
        C::Ne => Cond::Cmp(path(), CmpOp::Ne, next()),
        C::Le => Cond::Cmp(path(), CmpOp::Le, next()),
        C::Lt => Cond::Cmp(path(), CmpOp::Lt, next()),
        C::Ge => Cond::Cmp(path(), CmpOp::Ge, next()),
        C::Gt => Cond::Cmp(path(), CmpOp::Gt, next()),
        C::NotNull => Cond::Exists(top(name)),
        C::Null => Cond::NotExists(top(name)),
        C::Contains => Cond::Contains(path(), next()),
        C::NotContains => Cond::And(vec![Cond::Exists(top(name)), Cond::Not(Box::new(Cond::Contains(path(), next())))]),
        C::BeginsWith => Cond::BeginsWith(path(), next()),
        C::In => {
            let list: Vec<Operand> = values.collect();
            Cond::In(path(), list)
        }
        C::Between => {
            let (lo, hi) = (next(), next());
            if let (Operand::Value(a), Operand::Value(b)) = (&lo, &hi) {
                if a.key_cmp(b) == Some(Ordering::Greater) {
                    return Err(invalid("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"));
                }
            }
            Cond::Between(path(), lo, hi)
        }
    })
}

fn join(mut conds: Vec<Cond>, or: bool) -> Condition {
    if conds.len() == 1 {
        return Condition(conds.pop().expect("one"));
    }
    Condition(if or { Cond::Or(conds) } else { Cond::And(conds) })
}

/// `Expected` (with `Exists`/`Value`, or `ComparisonOperator` and
/// `AttributeValueList`), joined by `ConditionalOperator` (AND by default).
pub fn expected(expected: &Map<String, Value>, conditional_operator: Option<&str>) -> Result<Condition> {
    let or = conditional(conditional_operator)?;
    let mut conds = Vec::with_capacity(expected.len());
    for (name, raw) in expected {
        let c = condition_object("Expected", raw)?;
        let value = field(c, "Value").map(AttributeValue::from_json).transpose()?;
        let list = value_list(c)?;
        let exists = match field(c, "Exists") {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => return Err(wrong_type("Exists", "boolean", other)),
        };
        let operator = str_field(c, "ComparisonOperator")?;
        if value.is_some() && list.is_some() {
            return Err(invalid(format!("Value and AttributeValueList cannot be used together for Attribute: {name}")));
        }
        match operator {
            None => {
                if list.is_some() {
                    return Err(invalid(format!(
                        "AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
                    )));
                }
                match (exists, value) {
                    (Some(false), Some(_)) => {
                        return Err(invalid(format!("Value cannot be used when Exists is false for Attribute: {name}")))
                    }
                    (Some(false), None) => conds.push(Cond::NotExists(top(name))),
                    (shown, None) => {
                        let shown = match shown {
                            None => "null",
                            Some(_) => "true",
                        };
                        return Err(invalid(format!("Value must be provided when Exists is {shown} for Attribute: {name}")));
                    }
                    (_, Some(v)) => conds.push(Cond::Cmp(Operand::Path(top(name)), CmpOp::Eq, Operand::Value(v))),
                }
            }
            Some(text) => {
                let op = parse_operator(text, &format!("expected.{name}.member.comparisonOperator"))?;
                if exists.is_some() {
                    return Err(invalid(format!("Exists and ComparisonOperator cannot be used together for Attribute: {name}")));
                }
                let values = match (list, value) {
                    (Some(l), _) => l,
                    (None, Some(v)) => vec![v],
                    (None, None) => Vec::new(),
                };
                conds.push(comparison(name, op, values)?);
            }
        }
    }
    if conds.is_empty() {
        return Ok(Condition(Cond::And(Vec::new())));
    }
    Ok(join(conds, or))
}

/// `QueryFilter` / `ScanFilter`: `ComparisonOperator` and
/// `AttributeValueList` per attribute, joined by `ConditionalOperator`.
pub fn filter(map: &Map<String, Value>, conditional_operator: Option<&str>) -> Result<Condition> {
    filter_for("scanFilter", map, conditional_operator)
}

/// As [`filter`], naming the parameter (`queryFilter` or `scanFilter`, as
/// Coral spells it) in enum errors.
pub fn filter_for(parameter: &str, map: &Map<String, Value>, conditional_operator: Option<&str>) -> Result<Condition> {
    let or = conditional(conditional_operator)?;
    let mut conds = Vec::with_capacity(map.len());
    for (name, raw) in map {
        let c = condition_object(parameter, raw)?;
        let list = value_list(c)?;
        let Some(text) = str_field(c, "ComparisonOperator")? else {
            let mut v = Violations::new();
            v.add(None, &format!("{parameter}.{name}.member.comparisonOperator"), "Member must not be null");
            return Err(v.finish().expect_err("one violation"));
        };
        let op = parse_operator(text, &format!("{parameter}.{name}.member.comparisonOperator"))?;
        conds.push(comparison(name, op, list.unwrap_or_default())?);
    }
    if conds.is_empty() {
        return Ok(Condition(Cond::And(Vec::new())));
    }
    Ok(join(conds, or))
}

/// Query's `KeyConditions`: EQ on the hash key; EQ, LE, LT, GE, GT,
/// BEGINS_WITH or BETWEEN on the range key.
pub fn key_conditions(map: &Map<String, Value>, hash_key: &str, range_key: Option<&str>) -> Result<KeyCondition> {
    let mut parsed = Vec::with_capacity(map.len());
    for (name, raw) in map {
        let c = condition_object("KeyConditions", raw)?;
        let list = value_list(c)?.unwrap_or_default();
        let Some(text) = str_field(c, "ComparisonOperator")? else {
            let mut v = Violations::new();
            v.add(None, &format!("keyConditions.{name}.member.comparisonOperator"), "Member must not be null");
            return Err(v.finish().expect_err("one violation"));
        };
        let op = parse_operator(text, &format!("keyConditions.{name}.member.comparisonOperator"))?;
        if !op.arity_ok(list.len()) {
            return Err(invalid(format!("Invalid number of argument(s) for the {} ComparisonOperator", op.as_str())));
        }
        for v in &list {
            if !op.type_ok(v) {
                return Err(invalid(format!("ComparisonOperator {} is not valid for {} AttributeValue type", op.as_str(), v.type_name())));
            }
        }
        parsed.push((name.clone(), op, list));
    }
    if parsed.is_empty() || parsed.len() > 2 {
        return Err(DynamoError::validation("Conditions can be of length 1 or 2 only"));
    }
    let Some(hash_at) = parsed.iter().position(|(n, _, _)| n == hash_key) else {
        return Err(DynamoError::validation(format!("Query condition missed key schema element: {hash_key}")));
    };
    let (hash_name, hash_op, mut hash_values) = parsed.remove(hash_at);
    if hash_op != ComparisonOperator::Eq {
        return Err(DynamoError::validation("Query key condition not supported"));
    }
    let hash_value = hash_values.pop().expect("arity checked");
    let sort = match parsed.pop() {
        None => None,
        Some((name, op, values)) => {
            if Some(name.as_str()) != range_key {
                let missed = range_key.unwrap_or(name.as_str());
                return Err(DynamoError::validation(format!("Query condition missed key schema element: {missed}")));
            }
            let mut values = values.into_iter();
            let mut next = || values.next().expect("arity checked");
            let cond = match op {
                ComparisonOperator::Eq => SortCondition::Eq(next()),
                ComparisonOperator::Lt => SortCondition::Lt(next()),
                ComparisonOperator::Le => SortCondition::Le(next()),
                ComparisonOperator::Gt => SortCondition::Gt(next()),
                ComparisonOperator::Ge => SortCondition::Ge(next()),
                ComparisonOperator::BeginsWith => SortCondition::BeginsWith(next()),
                ComparisonOperator::Between => {
                    let (lo, hi) = (next(), next());
                    if lo.key_cmp(&hi) == Some(Ordering::Greater) {
                        return Err(invalid(
                            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
                        ));
                    }
                    SortCondition::Between(lo, hi)
                }
                _ => return Err(DynamoError::validation("Attempted conditional constraint is not an indexable operation")),
            };
            Some((name, cond))
        }
    };
    Ok(KeyCondition { hash_name, hash_value, sort })
}

/// UpdateItem's `AttributeUpdates`: `Action` PUT (the default), ADD or
/// DELETE, with a `Value` (DELETE without one removes the attribute).
/// ADD of a list appends to the list (or starts one).
pub fn attribute_updates(map: &Map<String, Value>) -> Result<UpdateExpr> {
    let mut actions = Vec::with_capacity(map.len());
    for (name, raw) in map {
        let c = condition_object("AttributeUpdates", raw)?;
        let value = field(c, "Value").map(AttributeValue::from_json).transpose()?;
        let action = str_field(c, "Action")?.unwrap_or("PUT");
        let path = top(name);
        match (action, value) {
            ("PUT" | "ADD", None) => {
                return Err(invalid("Only DELETE action is allowed when no attribute value is specified"));
            }
            ("DELETE", None) => actions.push(Action::Remove(path)),
            ("PUT", Some(v)) => actions.push(Action::Set(path, SetValue::Operand(UpdOperand::Value(v)))),
            ("ADD", Some(v)) => match v {
                AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => {
                    actions.push(Action::Add(path, v))
                }
                AttributeValue::L(_) => {
                    let existing = UpdOperand::IfNotExists(path.clone(), Box::new(UpdOperand::Value(AttributeValue::L(Vec::new()))));
                    let appended = UpdOperand::ListAppend(Box::new(existing), Box::new(UpdOperand::Value(v)));
                    actions.push(Action::Set(path, SetValue::Operand(appended)));
                }
                other => {
                    return Err(invalid(format!("ADD action is not supported for the type {}", other.type_name())));
                }
            },
            ("DELETE", Some(v)) => match v {
                AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => actions.push(Action::Delete(path, v)),
                other => {
                    return Err(invalid(format!("DELETE action with value is not supported for the type {}", other.type_name())));
                }
            },
            (other, _) => {
                let mut v = Violations::new();
                v.add(
                    Some(other),
                    &format!("attributeUpdates.{name}.member.action"),
                    "Member must satisfy enum value set: [ADD, PUT, DELETE]",
                );
                return Err(v.finish().expect_err("one violation"));
            }
        }
    }
    Ok(UpdateExpr(actions))
}

/// `AttributesToGet`: top-level attribute names, each at most once.
pub fn attributes_to_get(list: &[Value]) -> Result<Vec<Path>> {
    if list.is_empty() {
        let mut v = Violations::new();
        v.add(Some("[]"), "attributesToGet", "Member must have length greater than or equal to 1");
        return Err(v.finish().expect_err("one violation"));
    }
    let mut paths: Vec<Path> = Vec::with_capacity(list.len());
    for raw in list {
        let Value::String(name) = raw else { return Err(wrong_type("AttributesToGet", "string", raw)) };
        let path = top(name);
        if paths.contains(&path) {
            return Err(invalid(format!("Duplicate value in attribute name: {name}")));
        }
        paths.push(path);
    }
    Ok(paths)
}
