//! Applying an update expression to an item.
//!
//! All `SET` values are computed from the item as it was before the update;
//! then REMOVE (highest list indexes first, so indexes refer to the original
//! list), SET, ADD and DELETE are applied.

use super::ast::{Action, Path, PathElem, SetValue, UpdOperand, UpdateExpr};
use super::eval::get;
use crate::engine::dynamodb::error::DynamoError;
use crate::engine::dynamodb::value::{AttributeValue, Item};

type Result<T> = std::result::Result<T, DynamoError>;

fn invalid_path() -> DynamoError {
    DynamoError::validation("The document path provided in the update expression is invalid for update")
}

fn wrong_type() -> DynamoError {
    DynamoError::validation("An operand in the update expression has an incorrect data type")
}

fn missing() -> DynamoError {
    DynamoError::validation("The provided expression refers to an attribute that does not exist in the item")
}

fn value_mut<'a>(item: &'a mut Item, elems: &[PathElem]) -> Option<&'a mut AttributeValue> {
    let (first, rest) = elems.split_first()?;
    let PathElem::Name(name) = first else { return None };
    let mut cur = item.get_mut(name)?;
    for elem in rest {
        cur = match (elem, cur) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Stores `value` at `path`; the parent must exist. A list index past the
/// end appends.
fn set_at(item: &mut Item, path: &Path, value: AttributeValue) -> Result<()> {
    let Some((last, parent)) = path.0.split_last() else { return Err(invalid_path()) };
    if parent.is_empty() {
        let PathElem::Name(n) = last else { return Err(invalid_path()) };
        item.insert(n.clone(), value);
        return Ok(());
    }
    match (last, value_mut(item, parent).ok_or_else(invalid_path)?) {
        (PathElem::Name(n), AttributeValue::M(m)) => {
            m.insert(n.clone(), value);
        }
        (PathElem::Index(i), AttributeValue::L(l)) => {
            if *i < l.len() {
                l[*i] = value;
            } else {
                l.push(value);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

/// Removes what is at `path`; nothing there is not an error.
fn remove_at(item: &mut Item, path: &Path) -> Result<()> {
    let Some((last, parent)) = path.0.split_last() else { return Ok(()) };
    if parent.is_empty() {
        if let PathElem::Name(n) = last {
            item.remove(n);
        }
        return Ok(());
    }
    let Some(container) = value_mut(item, parent) else { return Ok(()) };
    match (last, container) {
        (PathElem::Name(n), AttributeValue::M(m)) => {
            m.remove(n);
        }
        (PathElem::Index(i), AttributeValue::L(l)) => {
            if *i < l.len() {
                l.remove(*i);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn operand_value(op: &UpdOperand, item: &Item) -> Result<AttributeValue> {
    match op {
        UpdOperand::Value(v) => Ok(v.clone()),
        UpdOperand::Path(p) => get(item, p).cloned().ok_or_else(missing),
        UpdOperand::IfNotExists(p, fallback) => match get(item, p) {
            Some(v) => Ok(v.clone()),
            None => operand_value(fallback, item),
        },
        UpdOperand::ListAppend(a, b) => match (operand_value(a, item)?, operand_value(b, item)?) {
            (AttributeValue::L(mut x), AttributeValue::L(y)) => {
                x.extend(y);
                Ok(AttributeValue::L(x))
            }
            _ => Err(wrong_type()),
        },
    }
}

fn set_value(value: &SetValue, item: &Item) -> Result<AttributeValue> {
    let arithmetic = |a: &UpdOperand, b: &UpdOperand, plus: bool| -> Result<AttributeValue> {
        match (operand_value(a, item)?, operand_value(b, item)?) {
            (AttributeValue::N(x), AttributeValue::N(y)) => {
                let r = if plus { x.add(&y) } else { x.sub(&y) };
                r.map(AttributeValue::N).map_err(|e| DynamoError::validation(e.message()))
            }
            _ => Err(wrong_type()),
        }
    };
    match value {
        SetValue::Operand(o) => operand_value(o, item),
        SetValue::Plus(a, b) => arithmetic(a, b, true),
        SetValue::Minus(a, b) => arithmetic(a, b, false),
    }
}

fn union<T: PartialEq + Clone>(into: &mut Vec<T>, from: &[T]) {
    for e in from {
        if !into.contains(e) {
            into.push(e.clone());
        }
    }
}

fn add(item: &mut Item, path: &Path, value: &AttributeValue) -> Result<()> {
    use AttributeValue as V;
    let Some(existing) = get(item, path) else { return set_at(item, path, value.clone()) };
    let merged = match (existing, value) {
        (V::N(x), V::N(y)) => V::N(x.add(y).map_err(|e| DynamoError::validation(e.message()))?),
        (V::Ss(x), V::Ss(y)) => {
            let mut x = x.clone();
            union(&mut x, y);
            V::Ss(x)
        }
        (V::Ns(x), V::Ns(y)) => {
            let mut x = x.clone();
            union(&mut x, y);
            V::Ns(x)
        }
        (V::Bs(x), V::Bs(y)) => {
            let mut x = x.clone();
            union(&mut x, y);
            V::Bs(x)
        }
        _ => return Err(wrong_type()),
    };
    set_at(item, path, merged)
}

fn delete(item: &mut Item, path: &Path, value: &AttributeValue) -> Result<()> {
    use AttributeValue as V;
    let Some(existing) = get(item, path) else { return Ok(()) };
    let (rest, empty) = match (existing, value) {
        (V::Ss(x), V::Ss(y)) => {
            let r: Vec<_> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
            let empty = r.is_empty();
            (V::Ss(r), empty)
        }
        (V::Ns(x), V::Ns(y)) => {
            let r: Vec<_> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
            let empty = r.is_empty();
            (V::Ns(r), empty)
        }
        (V::Bs(x), V::Bs(y)) => {
            let r: Vec<_> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
            let empty = r.is_empty();
            (V::Bs(r), empty)
        }
        _ => return Err(wrong_type()),
    };
    if empty {
        remove_at(item, path)
    } else {
        set_at(item, path, rest)
    }
}

impl UpdateExpr {
    /// Applies SET/REMOVE/ADD/DELETE to `item` in place (item is the existing
    /// item or an empty one with the key attributes). On error the item may
    /// be partly updated: apply to a copy when that matters.
    pub fn apply(&self, item: &mut Item) -> Result<()> {
        let mut sets = Vec::new();
        for action in &self.0 {
            if let Action::Set(path, value) = action {
                sets.push((path, set_value(value, item)?));
            }
        }
        let mut removes: Vec<&Path> = self
            .0
            .iter()
            .filter_map(|a| match a {
                Action::Remove(p) => Some(p),
                _ => None,
            })
            .collect();
        removes.sort_by(|a, b| b.0.cmp(&a.0));
        for path in removes {
            remove_at(item, path)?;
        }
        for (path, value) in sets {
            set_at(item, path, value)?;
        }
        for action in &self.0 {
            match action {
                Action::Add(path, value) => add(item, path, value)?,
                Action::Delete(path, value) => delete(item, path, value)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Top-level attribute names the update touches (each once, in order).
    pub fn top_level_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for action in &self.0 {
            let top = action.path().top();
            if !names.iter().any(|n| n == top) {
                names.push(top.to_string());
            }
        }
        names
    }
}
