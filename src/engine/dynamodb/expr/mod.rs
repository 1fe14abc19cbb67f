//! DynamoDB expressions: condition, filter, key condition, update and
//! projection expressions; parsed into a syntax tree, then evaluated against
//! items, with DynamoDB's own validation messages.
//!
//! * [`lex`]: the tokenizer; [`parse`]: one recursive-descent parser for all
//!   kinds (syntax errors first, then the first semantic error, as DynamoDB);
//! * [`eval`]: conditions and comparisons; [`update`]: applying SET/REMOVE/ADD/DELETE;
//! * [`project`]: projections; [`key`]: key conditions; [`reserved`]: reserved words.
//!
//! Limits: expressions up to 4 KB, document paths up to 32 levels, IN lists
//! up to 100 values, nesting (parentheses, NOT, function calls) up to
//! [`MAX_DEPTH`] levels, so no input can exhaust the stack.

pub mod ast;
pub mod eval;
pub mod key;
pub mod legacy;
pub(crate) mod lex;
pub(crate) mod parse;
pub mod project;
pub mod reserved;
pub mod update;

pub use ast::{Action, CmpOp, Cond, Condition, KeyCondition, Operand, Path, PathElem, SetValue, SortCondition, UpdOperand, UpdateExpr};
pub use key::parse_key_condition;
pub use project::{parse_projection, project};

use super::error::DynamoError;
use super::value::AttributeValue;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// Longest expression DynamoDB accepts, in bytes.
pub const MAX_EXPRESSION_SIZE: usize = 4096;
/// Deepest document path (levels).
pub const MAX_PATH_DEPTH: usize = 32;
/// Most values after `IN`.
pub const MAX_IN_OPERANDS: usize = 100;
/// Deepest nesting of parentheses, NOT and function calls.
pub const MAX_DEPTH: usize = 100;

/// Which request parameter an expression came from (names DynamoDB's messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

impl ExprKind {
    pub fn parameter(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Update => "UpdateExpression",
            ExprKind::Projection => "ProjectionExpression",
        }
    }

    /// `Invalid <Parameter>: <message>` as a ValidationException.
    pub fn error(self, message: impl AsRef<str>) -> DynamoError {
        DynamoError::validation(format!("Invalid {}: {}", self.parameter(), message.as_ref()))
    }
}

/// Expression attribute names/values of one request, tracking which were used.
#[derive(Debug, Default)]
pub struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    used_names: RefCell<BTreeSet<String>>,
    used_values: RefCell<BTreeSet<String>>,
}

impl Placeholders {
    /// names: ExpressionAttributeNames ("#n" -> "name"), values: ExpressionAttributeValues (":v" -> value)
    pub fn new(
        names: Option<HashMap<String, String>>,
        values: Option<HashMap<String, AttributeValue>>,
    ) -> Placeholders {
        Placeholders {
            names: names.unwrap_or_default(),
            values: values.unwrap_or_default(),
            used_names: RefCell::new(BTreeSet::new()),
            used_values: RefCell::new(BTreeSet::new()),
        }
    }

    /// Looks up `#n`, marking it used.
    pub fn name(&self, key: &str) -> Option<String> {
        let found = self.names.get(key).cloned();
        if found.is_some() {
            self.used_names.borrow_mut().insert(key.to_string());
        }
        found
    }

    /// Looks up `:v`, marking it used.
    pub fn value(&self, key: &str) -> Option<AttributeValue> {
        let found = self.values.get(key).cloned();
        if found.is_some() {
            self.used_values.borrow_mut().insert(key.to_string());
        }
        found
    }

    /// After all expressions of a request are parsed: DynamoDB's errors for unused ones.
    pub fn check_unused(&self) -> Result<(), DynamoError> {
        let unused = |all: Vec<&String>, used: &BTreeSet<String>| {
            let mut keys: Vec<String> = all.into_iter().filter(|k| !used.contains(*k)).cloned().collect();
            keys.sort();
            keys
        };
        let names = unused(self.names.keys().collect(), &self.used_names.borrow());
        if !names.is_empty() {
            return Err(DynamoError::validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            )));
        }
        let values = unused(self.values.keys().collect(), &self.used_values.borrow());
        if !values.is_empty() {
            return Err(DynamoError::validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            )));
        }
        Ok(())
    }
}

/// Parses a ConditionExpression or FilterExpression (or, for the key
/// condition checker, a KeyConditionExpression).
pub fn parse_condition(text: &str, kind: ExprKind, ph: &Placeholders) -> Result<Condition, DynamoError> {
    let mut p = parse::Parser::new(text, kind, ph)?;
    let cond = p.condition()?;
    p.finish()?;
    Ok(Condition(cond))
}

/// Parses an UpdateExpression.
pub fn parse_update(text: &str, ph: &Placeholders) -> Result<UpdateExpr, DynamoError> {
    let mut p = parse::Parser::new(text, ExprKind::Update, ph)?;
    let actions = p.update()?;
    p.finish()?;
    parse::check_overlaps(ExprKind::Update, actions.iter().map(Action::path))?;
    Ok(UpdateExpr(actions))
}

impl Condition {
    /// Whether `item` satisfies the condition (a missing item is an empty one).
    pub fn eval(&self, item: &super::value::Item) -> Result<bool, DynamoError> {
        Ok(eval::eval_cond(&self.0, item))
    }
}
