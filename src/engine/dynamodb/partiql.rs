//! PartiQL for DynamoDB: ExecuteStatement, BatchExecuteStatement and
//! ExecuteTransaction.
//!
//! A statement is parsed into the expression engine's trees (paths,
//! conditions, update actions), then run as the JSON operation it stands
//! for (GetItem, Query, Scan, PutItem, UpdateItem, DeleteItem,
//! TransactGetItems, TransactWriteItems) through [`DynamoDb::call`], so
//! validation, capacity and paging stay shared:
//!
//! * `SELECT * | path, ... FROM "Table"[."Index"] [WHERE ...]`: GetItem when
//!   the WHERE clause is exactly an equality on every key attribute of the
//!   table, Query when it has an equality on the partition key (a sort key
//!   condition becomes part of the key condition, the rest a filter), Scan
//!   with a filter otherwise;
//! * `INSERT INTO "Table" VALUE {...}`: PutItem that fails with
//!   DuplicateItemException when the key exists;
//! * `UPDATE "Table" SET ... | REMOVE ... WHERE <key> [AND ...] [RETURNING ...]`:
//!   UpdateItem of an existing item;
//! * `DELETE FROM "Table" WHERE <key> [AND ...] [RETURNING ALL OLD *]`: DeleteItem.
//!
//! The parser is iterative where inputs can be long and bounds its
//! recursion, so no statement can panic it or exhaust the stack.

use super::error::{DynamoError, ErrorCode, Result};
use super::expr::{Action, CmpOp, Cond, Operand, Path, PathElem, SetValue, UpdOperand};
use super::number::Number;
use super::request::{Req, Violations};
use super::value::{item_from_json, item_to_json, AttributeValue, Item};
use super::DynamoDb;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Longest statement DynamoDB accepts (characters).
pub const MAX_STATEMENT: usize = 8192;
/// Deepest nesting of parentheses, NOT and literals.
const MAX_DEPTH: usize = 64;

fn syntax(detail: impl AsRef<str>) -> DynamoError {
    DynamoError::validation(format!("Statement wasn't well formed, can't be processed: {}", detail.as_ref()))
}

// ---------------------------------------------------------------- lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: keyword or identifier (as written).
    Word(String),
    /// A "double quoted" identifier.
    Quoted(String),
    /// A 'single quoted' string.
    Str(String),
    Num(String),
    Sym(&'static str),
    Param,
}

const SYMBOLS: [&str; 22] =
    ["<<", ">>", "<=", ">=", "<>", "!=", "(", ")", "[", "]", "{", "}", ",", ".", "=", "<", ">", "*", ":", "+", "-", ";"];

fn lex(text: &str) -> Result<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(syntax(format!("Unterminated {}", if c == '"' { "quoted identifier" } else { "string literal" }))),
                    Some(&d) if d == c => {
                        if chars.get(i + 1) == Some(&c) {
                            s.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&d) => {
                        s.push(d);
                        i += 1;
                    }
                }
            }
            toks.push(if c == '"' { Tok::Quoted(s) } else { Tok::Str(s) });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if matches!(chars.get(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(chars.get(j), Some('+' | '-')) {
                    j += 1;
                }
                if chars.get(j).is_some_and(|d| d.is_ascii_digit()) {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            toks.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c == '?' {
            toks.push(Tok::Param);
            i += 1;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) else {
                return Err(syntax(format!("Unexpected character: {c}")));
            };
            toks.push(Tok::Sym(sym));
            i += sym.chars().count();
        }
    }
    Ok(toks)
}

// ---------------------------------------------------------------- syntax tree

/// What a parsed statement asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select { table: String, index: Option<String>, projection: Option<Vec<Path>>, filter: Option<Cond> },
    Insert { table: String, item: Item },
    Update { table: String, actions: Vec<Action>, condition: Cond, returning: Option<&'static str> },
    Delete { table: String, condition: Cond, returning: Option<&'static str> },
}

impl Statement {
    pub fn table(&self) -> &str {
        match self {
            Statement::Select { table, .. }
            | Statement::Insert { table, .. }
            | Statement::Update { table, .. }
            | Statement::Delete { table, .. } => table,
        }
    }

    pub fn is_read(&self) -> bool {
        matches!(self, Statement::Select { .. })
    }
}

const KEYWORDS: [&str; 22] = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "BETWEEN", "IS", "MISSING", "INSERT", "INTO", "VALUE", "UPDATE",
    "SET", "REMOVE", "DELETE", "RETURNING", "NULL", "TRUE", "FALSE", "VALUES",
];

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    params: &'a [AttributeValue],
    used_params: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn is_word(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        if self.is_word(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, kw: &str) -> Result<()> {
        if self.eat_word(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected {kw}")))
        }
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected '{s}'")))
        }
    }

    fn unexpected(&self, what: &str) -> DynamoError {
        match self.peek() {
            None => syntax(format!("Unexpected end of statement, {what}")),
            Some(t) => syntax(format!("Unexpected token {}, {what}", show(t))),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax("Statement is nested too deeply"));
        }
        Ok(())
    }

    fn param(&mut self) -> Result<AttributeValue> {
        let v = self.params.get(self.used_params).cloned();
        self.used_params += 1;
        v.ok_or_else(param_count)
    }

    /// A table or index name: "Quoted" or a bare word.
    fn name(&mut self) -> Result<String> {
        match self.next() {
            Some(Tok::Quoted(s)) => Ok(s),
            Some(Tok::Word(w)) if !is_keyword(&w) => Ok(w),
            _ => {
                self.pos -= 1;
                Err(self.unexpected("expected a table name"))
            }
        }
    }

    fn statement(&mut self) -> Result<Statement> {
        let stmt = if self.eat_word("SELECT") {
            self.select()?
        } else if self.eat_word("INSERT") {
            self.insert()?
        } else if self.eat_word("UPDATE") {
            self.update()?
        } else if self.eat_word("DELETE") {
            self.delete()?
        } else {
            return Err(self.unexpected("expected SELECT, INSERT, UPDATE or DELETE"));
        };
        self.eat_sym(";");
        if self.peek().is_some() {
            return Err(self.unexpected("expected end of statement"));
        }
        Ok(stmt)
    }

    fn select(&mut self) -> Result<Statement> {
        let projection = if self.eat_sym("*") {
            None
        } else {
            let mut paths = vec![self.path()?];
            while self.eat_sym(",") {
                paths.push(self.path()?);
            }
            Some(paths)
        };
        self.expect_word("FROM")?;
        let table = self.name()?;
        let index = if self.eat_sym(".") { Some(self.name()?) } else { None };
        let filter = if self.eat_word("WHERE") { Some(self.condition()?) } else { None };
        Ok(Statement::Select { table, index, projection, filter })
    }

    fn insert(&mut self) -> Result<Statement> {
        self.expect_word("INTO")?;
        let table = self.name()?;
        self.expect_word("VALUE")?;
        match self.value()? {
            AttributeValue::M(item) => Ok(Statement::Insert { table, item }),
            _ => Err(syntax("INSERT VALUE must be a map (tuple) of attribute names to values")),
        }
    }

    fn returning(&mut self, allowed: &[&'static str]) -> Result<Option<&'static str>> {
        if !self.eat_word("RETURNING") {
            return Ok(None);
        }
        let which = if self.eat_word("ALL") {
            "ALL"
        } else if self.eat_word("MODIFIED") {
            "UPDATED"
        } else {
            return Err(self.unexpected("expected ALL or MODIFIED"));
        };
        let when = if self.eat_word("OLD") {
            "OLD"
        } else if self.eat_word("NEW") {
            "NEW"
        } else {
            return Err(self.unexpected("expected OLD or NEW"));
        };
        self.expect_sym("*")?;
        let mode = match (which, when) {
            ("ALL", "OLD") => "ALL_OLD",
            ("ALL", _) => "ALL_NEW",
            (_, "OLD") => "UPDATED_OLD",
            _ => "UPDATED_NEW",
        };
        if !allowed.contains(&mode) {
            return Err(syntax(format!("RETURNING {which} {when} * is not supported for this statement")));
        }
        Ok(Some(mode))
    }

    fn update(&mut self) -> Result<Statement> {
        let table = self.name()?;
        let mut actions = Vec::new();
        loop {
            if self.eat_word("SET") {
                loop {
                    actions.push(self.set_action()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else if self.eat_word("REMOVE") {
                loop {
                    actions.push(Action::Remove(self.path()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if actions.is_empty() {
            return Err(self.unexpected("expected SET or REMOVE"));
        }
        if !self.eat_word("WHERE") {
            return Err(self.unexpected("expected WHERE"));
        }
        let condition = self.condition()?;
        let returning = self.returning(&["ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])?;
        Ok(Statement::Update { table, actions, condition, returning })
    }

    fn delete(&mut self) -> Result<Statement> {
        self.expect_word("FROM")?;
        let table = self.name()?;
        if !self.eat_word("WHERE") {
            return Err(self.unexpected("expected WHERE"));
        }
        let condition = self.condition()?;
        let returning = self.returning(&["ALL_OLD"])?;
        Ok(Statement::Delete { table, condition, returning })
    }

    /// `path = value`, `path = a + b`, `path = set_add(path, <<...>>)`, ...
    fn set_action(&mut self) -> Result<Action> {
        let path = self.path()?;
        self.expect_sym("=")?;
        for (f, add) in [("set_add", true), ("set_delete", false)] {
            if self.is_word(f) && matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("("))) {
                self.pos += 2;
                let target = self.path()?;
                if target != path {
                    return Err(syntax(format!("{f} must operate on the attribute being set")));
                }
                self.expect_sym(",")?;
                let v = self.value()?;
                self.expect_sym(")")?;
                if !matches!(v, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)) {
                    return Err(DynamoError::validation(format!("{f} requires a set value")));
                }
                return Ok(if add { Action::Add(path, v) } else { Action::Delete(path, v) });
            }
        }
        let a = self.upd_operand()?;
        let value = if self.eat_sym("+") {
            SetValue::Plus(a, self.upd_operand()?)
        } else if self.eat_sym("-") {
            SetValue::Minus(a, self.upd_operand()?)
        } else {
            SetValue::Operand(a)
        };
        Ok(Action::Set(path, value))
    }

    fn upd_operand(&mut self) -> Result<UpdOperand> {
        self.enter()?;
        let out = self.upd_operand_inner();
        self.depth -= 1;
        out
    }

    fn upd_operand_inner(&mut self) -> Result<UpdOperand> {
        if matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("("))) {
            if self.eat_word("list_append") {
                self.expect_sym("(")?;
                let a = self.upd_operand()?;
                self.expect_sym(",")?;
                let b = self.upd_operand()?;
                self.expect_sym(")")?;
                return Ok(UpdOperand::ListAppend(Box::new(a), Box::new(b)));
            }
            if self.eat_word("if_not_exists") {
                self.expect_sym("(")?;
                let p = self.path()?;
                self.expect_sym(",")?;
                let b = self.upd_operand()?;
                self.expect_sym(")")?;
                return Ok(UpdOperand::IfNotExists(p, Box::new(b)));
            }
        }
        if self.starts_path() {
            Ok(UpdOperand::Path(self.path()?))
        } else {
            Ok(UpdOperand::Value(self.value()?))
        }
    }

    fn starts_path(&self) -> bool {
        match self.peek() {
            Some(Tok::Quoted(_)) => true,
            Some(Tok::Word(w)) => !matches!(w.to_ascii_uppercase().as_str(), "TRUE" | "FALSE" | "NULL"),
            _ => false,
        }
    }

    /// `a.b[1]."c"`
    fn path(&mut self) -> Result<Path> {
        let first = match self.next() {
            Some(Tok::Quoted(s)) => s,
            Some(Tok::Word(w)) if !is_keyword(&w) => w,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("expected an attribute name"));
            }
        };
        let mut elems = vec![PathElem::Name(first)];
        loop {
            if self.is_sym(".") && matches!(self.toks.get(self.pos + 1), Some(Tok::Word(_) | Tok::Quoted(_))) {
                self.pos += 1;
                match self.next() {
                    Some(Tok::Word(w) | Tok::Quoted(w)) => elems.push(PathElem::Name(w)),
                    _ => return Err(self.unexpected("expected an attribute name")),
                }
            } else if self.eat_sym("[") {
                match self.next() {
                    Some(Tok::Num(n)) => {
                        let i = n.parse::<usize>().map_err(|_| syntax(format!("Invalid list index: {n}")))?;
                        elems.push(PathElem::Index(i));
                    }
                    Some(Tok::Str(s)) => elems.push(PathElem::Name(s)),
                    _ => {
                        self.pos -= 1;
                        return Err(self.unexpected("expected a list index"));
                    }
                }
                self.expect_sym("]")?;
            } else {
                break;
            }
            if elems.len() > super::expr::MAX_PATH_DEPTH {
                return Err(syntax("Document path is nested too deeply"));
            }
        }
        Ok(Path(elems))
    }

    /// A literal or a parameter.
    fn value(&mut self) -> Result<AttributeValue> {
        self.enter()?;
        let out = self.value_inner();
        self.depth -= 1;
        out
    }

    fn value_inner(&mut self) -> Result<AttributeValue> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(AttributeValue::S(s)),
            Some(Tok::Num(n)) => number(&n),
            Some(Tok::Sym("-")) => match self.next() {
                Some(Tok::Num(n)) => number(&format!("-{n}")),
                _ => {
                    self.pos -= 1;
                    Err(self.unexpected("expected a number"))
                }
            },
            Some(Tok::Param) => self.param(),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(AttributeValue::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(AttributeValue::Bool(false)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(AttributeValue::Null),
            Some(Tok::Sym("[")) => {
                let mut list = Vec::new();
                if !self.eat_sym("]") {
                    loop {
                        list.push(self.value()?);
                        if self.eat_sym("]") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Ok(AttributeValue::L(list))
            }
            Some(Tok::Sym("{")) => {
                let mut map = BTreeMap::new();
                if !self.eat_sym("}") {
                    loop {
                        let key = match self.next() {
                            Some(Tok::Str(s) | Tok::Quoted(s)) => s,
                            Some(Tok::Param) => match self.param()? {
                                AttributeValue::S(s) => s,
                                _ => return Err(syntax("Map keys must be strings")),
                            },
                            _ => {
                                self.pos -= 1;
                                return Err(self.unexpected("expected a string key"));
                            }
                        };
                        self.expect_sym(":")?;
                        let v = self.value()?;
                        if map.insert(key.clone(), v).is_some() {
                            return Err(DynamoError::validation(format!("Duplicate attribute name in map: {key}")));
                        }
                        if self.eat_sym("}") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Ok(AttributeValue::M(map))
            }
            Some(Tok::Sym("<<")) => {
                let mut members = Vec::new();
                if !self.eat_sym(">>") {
                    loop {
                        members.push(self.value()?);
                        if self.eat_sym(">>") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                make_set(members)
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected("expected a value"))
            }
        }
    }

    fn condition(&mut self) -> Result<Cond> {
        self.enter()?;
        let mut any = vec![self.and()?];
        while self.eat_word("OR") {
            any.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if any.len() == 1 { any.pop().expect("one") } else { Cond::Or(any) })
    }

    fn and(&mut self) -> Result<Cond> {
        let mut all = vec![self.not()?];
        while self.eat_word("AND") {
            all.push(self.not()?);
        }
        Ok(if all.len() == 1 { all.pop().expect("one") } else { Cond::And(all) })
    }

    fn not(&mut self) -> Result<Cond> {
        let mut negations = 0usize;
        while self.eat_word("NOT") {
            negations += 1;
            if negations > MAX_DEPTH {
                return Err(syntax("Statement is nested too deeply"));
            }
        }
        let mut c = self.primary()?;
        for _ in 0..negations {
            c = Cond::Not(Box::new(c));
        }
        Ok(c)
    }

    fn primary(&mut self) -> Result<Cond> {
        if self.eat_sym("(") {
            let c = self.condition()?;
            self.expect_sym(")")?;
            return Ok(c);
        }
        if matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("("))) {
            for f in ["begins_with", "contains", "attribute_type"] {
                if self.eat_word(f) {
                    self.expect_sym("(")?;
                    let p = self.path()?;
                    self.expect_sym(",")?;
                    let v = self.operand()?;
                    self.expect_sym(")")?;
                    return Ok(match f {
                        "begins_with" => Cond::BeginsWith(Operand::Path(p), v),
                        "contains" => Cond::Contains(Operand::Path(p), v),
                        _ => Cond::Type(p, v),
                    });
                }
            }
        }
        let a = self.operand()?;
        if self.eat_word("IS") {
            let negated = self.eat_word("NOT");
            let Operand::Path(p) = a else { return Err(syntax("IS applies to attribute paths only")) };
            let c = if self.eat_word("MISSING") {
                Cond::NotExists(p)
            } else if self.eat_word("NULL") {
                Cond::Type(p, Operand::Value(AttributeValue::S("NULL".into())))
            } else {
                return Err(self.unexpected("expected MISSING or NULL"));
            };
            return Ok(if negated { Cond::Not(Box::new(c)) } else { c });
        }
        if self.eat_word("BETWEEN") {
            let lo = self.operand()?;
            self.expect_word("AND")?;
            let hi = self.operand()?;
            return Ok(Cond::Between(a, lo, hi));
        }
        if self.eat_word("IN") {
            let close = if self.eat_sym("[") {
                "]"
            } else if self.eat_sym("(") {
                ")"
            } else {
                return Err(self.unexpected("expected '[' or '(' after IN"));
            };
            let mut list = Vec::new();
            loop {
                list.push(self.operand()?);
                if self.eat_sym(close) {
                    break;
                }
                self.expect_sym(",")?;
            }
            if list.len() > super::expr::MAX_IN_OPERANDS {
                return Err(DynamoError::validation(format!(
                    "IN operator can have at most {} values",
                    super::expr::MAX_IN_OPERANDS
                )));
            }
            return Ok(Cond::In(a, list));
        }
        let op = match self.next() {
            Some(Tok::Sym("=")) => CmpOp::Eq,
            Some(Tok::Sym("<>" | "!=")) => CmpOp::Ne,
            Some(Tok::Sym("<")) => CmpOp::Lt,
            Some(Tok::Sym("<=")) => CmpOp::Le,
            Some(Tok::Sym(">")) => CmpOp::Gt,
            Some(Tok::Sym(">=")) => CmpOp::Ge,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("expected a comparison operator"));
            }
        };
        let b = self.operand()?;
        Ok(Cond::Cmp(a, op, b))
    }

    fn operand(&mut self) -> Result<Operand> {
        if self.is_word("size") && matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("("))) {
            self.pos += 2;
            let p = self.path()?;
            self.expect_sym(")")?;
            return Ok(Operand::Size(p));
        }
        if self.starts_path() {
            return Ok(Operand::Path(self.path()?));
        }
        Ok(Operand::Value(self.value()?))
    }
}

fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => w.clone(),
        Tok::Quoted(q) => format!("\"{q}\""),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(n) => n.clone(),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::Param => "'?'".into(),
    }
}

fn param_count() -> DynamoError {
    DynamoError::validation("Number of parameters in request and statement don't match.")
}

fn number(text: &str) -> Result<AttributeValue> {
    Number::parse(text).map(AttributeValue::N).map_err(|e| DynamoError::validation(e.message()))
}

fn make_set(members: Vec<AttributeValue>) -> Result<AttributeValue> {
    let duplicates = || DynamoError::validation("One or more parameter values were invalid: Input collection contains duplicates");
    let Some(first) = members.first() else {
        return Err(DynamoError::validation("One or more parameter values were invalid: An set may not be empty"));
    };
    let mixed = || syntax("Set members must all be strings, all numbers or all binaries");
    match first {
        AttributeValue::S(_) => {
            let mut out: Vec<String> = Vec::new();
            for m in members {
                let AttributeValue::S(s) = m else { return Err(mixed()) };
                if out.contains(&s) {
                    return Err(duplicates());
                }
                out.push(s);
            }
            Ok(AttributeValue::Ss(out))
        }
        AttributeValue::N(_) => {
            let mut out: Vec<Number> = Vec::new();
            for m in members {
                let AttributeValue::N(n) = m else { return Err(mixed()) };
                if out.contains(&n) {
                    return Err(duplicates());
                }
                out.push(n);
            }
            Ok(AttributeValue::Ns(out))
        }
        AttributeValue::B(_) => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for m in members {
                let AttributeValue::B(b) = m else { return Err(mixed()) };
                if out.contains(&b) {
                    return Err(duplicates());
                }
                out.push(b);
            }
            Ok(AttributeValue::Bs(out))
        }
        _ => Err(mixed()),
    }
}

/// Parses one statement with its parameters (each `?` takes the next one).
pub fn parse(text: &str, params: &[AttributeValue]) -> Result<Statement> {
    let toks = lex(text)?;
    let mut p = Parser { toks, pos: 0, params, used_params: 0, depth: 0 };
    let stmt = p.statement()?;
    if p.used_params != params.len() {
        return Err(param_count());
    }
    Ok(stmt)
}

// ---------------------------------------------------------------- expression text

/// Writes trees back as expression text with `#n`/`:v` placeholders, for the
/// JSON operations.
#[derive(Default)]
struct Text {
    names: Map<String, Value>,
    name_of: BTreeMap<String, String>,
    values: Map<String, Value>,
}

impl Text {
    fn name(&mut self, n: &str) -> String {
        if let Some(p) = self.name_of.get(n) {
            return p.clone();
        }
        let p = format!("#n{}", self.name_of.len());
        self.name_of.insert(n.to_string(), p.clone());
        self.names.insert(p.clone(), Value::String(n.to_string()));
        p
    }

    fn path(&mut self, path: &Path) -> String {
        let mut out = String::new();
        for (i, e) in path.0.iter().enumerate() {
            match e {
                PathElem::Name(n) => {
                    if i > 0 {
                        out.push('.');
                    }
                    let p = self.name(n);
                    out.push_str(&p);
                }
                PathElem::Index(x) => out.push_str(&format!("[{x}]")),
            }
        }
        out
    }

    fn value(&mut self, v: &AttributeValue) -> String {
        let p = format!(":v{}", self.values.len());
        self.values.insert(p.clone(), v.to_json());
        p
    }

    fn operand(&mut self, o: &Operand) -> String {
        match o {
            Operand::Path(p) => self.path(p),
            Operand::Value(v) => self.value(v),
            Operand::Size(p) => format!("size({})", self.path(p)),
        }
    }

    fn cond(&mut self, c: &Cond) -> String {
        match c {
            Cond::Cmp(a, op, b) => format!("{} {} {}", self.operand(a), op.symbol(), self.operand(b)),
            Cond::Between(a, lo, hi) => format!("{} BETWEEN {} AND {}", self.operand(a), self.operand(lo), self.operand(hi)),
            Cond::In(a, list) => {
                let a = self.operand(a);
                let list: Vec<String> = list.iter().map(|o| self.operand(o)).collect();
                format!("{a} IN ({})", list.join(", "))
            }
            Cond::Exists(p) => format!("attribute_exists({})", self.path(p)),
            Cond::NotExists(p) => format!("attribute_not_exists({})", self.path(p)),
            Cond::Type(p, t) => format!("attribute_type({}, {})", self.path(p), self.operand(t)),
            Cond::BeginsWith(a, b) => format!("begins_with({}, {})", self.operand(a), self.operand(b)),
            Cond::Contains(a, b) => format!("contains({}, {})", self.operand(a), self.operand(b)),
            Cond::And(all) => self.join(all, " AND "),
            Cond::Or(any) => self.join(any, " OR "),
            Cond::Not(c) => format!("NOT ({})", self.cond(c)),
        }
    }

    fn join(&mut self, list: &[Cond], sep: &str) -> String {
        let parts: Vec<String> = list.iter().map(|c| format!("({})", self.cond(c))).collect();
        parts.join(sep)
    }

    fn upd(&mut self, o: &UpdOperand) -> String {
        match o {
            UpdOperand::Path(p) => self.path(p),
            UpdOperand::Value(v) => self.value(v),
            UpdOperand::IfNotExists(p, b) => format!("if_not_exists({}, {})", self.path(p), self.upd(b)),
            UpdOperand::ListAppend(a, b) => format!("list_append({}, {})", self.upd(a), self.upd(b)),
        }
    }

    fn update(&mut self, actions: &[Action]) -> String {
        let (mut set, mut remove, mut add, mut delete) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for a in actions {
            match a {
                Action::Set(p, v) => {
                    let p = self.path(p);
                    let v = match v {
                        SetValue::Operand(o) => self.upd(o),
                        SetValue::Plus(a, b) => format!("{} + {}", self.upd(a), self.upd(b)),
                        SetValue::Minus(a, b) => format!("{} - {}", self.upd(a), self.upd(b)),
                    };
                    set.push(format!("{p} = {v}"));
                }
                Action::Remove(p) => remove.push(self.path(p)),
                Action::Add(p, v) => add.push(format!("{} {}", self.path(p), self.value(v))),
                Action::Delete(p, v) => delete.push(format!("{} {}", self.path(p), self.value(v))),
            }
        }
        let mut out = Vec::new();
        for (kw, list) in [("SET", set), ("REMOVE", remove), ("ADD", add), ("DELETE", delete)] {
            if !list.is_empty() {
                out.push(format!("{kw} {}", list.join(", ")));
            }
        }
        out.join(" ")
    }

    /// Adds the placeholders to a request body.
    fn into_body(self, body: &mut Map<String, Value>) {
        if !self.names.is_empty() {
            body.insert("ExpressionAttributeNames".into(), Value::Object(self.names));
        }
        if !self.values.is_empty() {
            body.insert("ExpressionAttributeValues".into(), Value::Object(self.values));
        }
    }
}

// ---------------------------------------------------------------- planning

/// A table's key attribute names (or an index's).
struct Keys {
    hash: String,
    range: Option<String>,
}

fn keys_of(db: &DynamoDb, table: &str, index: Option<&str>) -> Result<Keys> {
    let t = db.table(table)?;
    let schema = match index {
        None => &t.storage.schema,
        Some(i) => match t.storage.index(i) {
            Some(ix) => &ix.schema,
            None => return Err(DynamoError::validation(format!("The table does not have the specified index: {i}"))),
        },
    };
    Ok(Keys { hash: schema.hash.name.clone(), range: schema.range.as_ref().map(|r| r.name.clone()) })
}

fn conjuncts(c: Cond) -> Vec<Cond> {
    match c {
        Cond::And(all) => all,
        other => vec![other],
    }
}

/// `name = value` (either way round) on a top-level attribute.
fn equality(c: &Cond) -> Option<(&str, &AttributeValue)> {
    fn top(p: &Path) -> Option<&str> {
        match p.0.as_slice() {
            [PathElem::Name(n)] => Some(n.as_str()),
            _ => None,
        }
    }
    match c {
        Cond::Cmp(Operand::Path(p), CmpOp::Eq, Operand::Value(v)) | Cond::Cmp(Operand::Value(v), CmpOp::Eq, Operand::Path(p)) => {
            top(p).map(|n| (n, v))
        }
        _ => None,
    }
}

/// Takes `key = value` out of the conjuncts.
fn take_equality(parts: &mut Vec<Cond>, key: &str) -> Option<AttributeValue> {
    let at = parts.iter().position(|c| equality(c).is_some_and(|(n, _)| n == key))?;
    let c = parts.remove(at);
    equality(&c).map(|(_, v)| v.clone())
}

/// Whether a condition is one a sort key condition can express.
fn sort_condition(c: &Cond, range: &str) -> bool {
    let is_key = |o: &Operand| matches!(o, Operand::Path(p) if p.0.len() == 1 && p.top() == range);
    let is_value = |o: &Operand| matches!(o, Operand::Value(_));
    match c {
        Cond::Cmp(a, op, b) => *op != CmpOp::Ne && ((is_key(a) && is_value(b)) || (is_value(a) && is_key(b))),
        Cond::Between(a, lo, hi) => is_key(a) && is_value(lo) && is_value(hi),
        Cond::BeginsWith(a, b) => is_key(a) && is_value(b),
        _ => false,
    }
}

fn and_of(mut parts: Vec<Cond>) -> Option<Cond> {
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Cond::And(parts)),
    }
}

fn key_missing() -> DynamoError {
    DynamoError::validation("Where clause does not contain a mandatory equality on all key attributes")
}

/// The full primary key of a write, and what is left of the WHERE clause.
fn write_key(db: &DynamoDb, table: &str, condition: Cond) -> Result<(Item, Vec<Cond>)> {
    let keys = keys_of(db, table, None)?;
    let mut parts = conjuncts(condition);
    let mut key = Item::new();
    let hash = take_equality(&mut parts, &keys.hash).ok_or_else(key_missing)?;
    key.insert(keys.hash.clone(), hash);
    if let Some(r) = &keys.range {
        let v = take_equality(&mut parts, r).ok_or_else(key_missing)?;
        key.insert(r.clone(), v);
    }
    Ok((key, parts))
}

/// The options of the request that carry over to the operation it runs.
#[derive(Default, Clone)]
pub struct Options {
    pub consistent: Option<bool>,
    pub limit: Option<i64>,
    pub next_token: Option<String>,
    pub capacity: Option<String>,
    pub on_failure: Option<String>,
}

fn base(table: &str, o: &Options) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("TableName".into(), json!(table));
    if let Some(c) = &o.capacity {
        body.insert("ReturnConsumedCapacity".into(), json!(c));
    }
    body
}

fn decode_token(token: &str) -> Result<Value> {
    let invalid = || DynamoError::validation("Invalid NextToken");
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).map_err(|_| invalid())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    item_from_json(&v).map_err(|_| invalid())?;
    Ok(v)
}

fn encode_token(key: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.to_string())
}

fn copy(from: &Value, to: &mut Map<String, Value>, field: &str) {
    if let Some(v) = from.get(field) {
        to.insert(field.into(), v.clone());
    }
}

/// What one statement answered.
struct Outcome {
    answer: Map<String, Value>,
}

fn map_duplicate(e: DynamoError) -> DynamoError {
    if e.code == ErrorCode::ConditionalCheckFailed {
        DynamoError::new(ErrorCode::DuplicateItem, "Duplicate primary key exists in table")
    } else {
        e
    }
}

/// Runs a parsed statement.
fn run(db: &mut DynamoDb, stmt: Statement, o: &Options) -> Result<Outcome> {
    let mut answer = Map::new();
    match stmt {
        Statement::Select { table, index, projection, filter } => {
            let keys = keys_of(db, &table, index.as_deref());
            let mut text = Text::default();
            let mut body = base(&table, o);
            if let Some(c) = o.consistent {
                body.insert("ConsistentRead".into(), json!(c));
            }
            if let Some(i) = &index {
                body.insert("IndexName".into(), json!(i));
            }
            if let Some(paths) = &projection {
                let list: Vec<String> = paths.iter().map(|p| text.path(p)).collect();
                body.insert("ProjectionExpression".into(), json!(list.join(", ")));
            }
            let mut parts = filter.map(conjuncts).unwrap_or_default();
            let keys = match keys {
                Ok(k) => Some(k),
                // A missing index: let Scan answer it as DynamoDB does.
                Err(e) if e.code == ErrorCode::Validation => None,
                Err(e) => return Err(e),
            };
            let hash = keys.as_ref().and_then(|k| take_equality(&mut parts, &k.hash).map(|v| (k.hash.clone(), v)));
            let Some((hash_name, hash_value)) = hash else {
                // No partition key equality: a scan with the filter.
                if let Some(f) = and_of(parts) {
                    let f = text.cond(&f);
                    body.insert("FilterExpression".into(), json!(f));
                }
                return paged(db, "Scan", body, text, o);
            };
            let keys = keys.expect("found the hash key");
            // GetItem: exactly the table's full key.
            if index.is_none() {
                let mut rest = parts.clone();
                let range = match &keys.range {
                    Some(r) => take_equality(&mut rest, r).map(|v| Some((r.clone(), v))),
                    None => Some(None),
                };
                if let (Some(range), true) = (range, rest.is_empty()) {
                    let mut key = Map::new();
                    key.insert(hash_name.clone(), hash_value.to_json());
                    if let Some((r, v)) = range {
                        key.insert(r, v.to_json());
                    }
                    body.insert("Key".into(), Value::Object(key));
                    text.into_body(&mut body);
                    let out = db.call("GetItem", &body)?;
                    let items: Vec<Value> = out.get("Item").cloned().into_iter().collect();
                    answer.insert("Items".into(), Value::Array(items));
                    copy(&out, &mut answer, "ConsumedCapacity");
                    return Ok(Outcome { answer });
                }
            }
            let mut key_text = format!("{} = {}", text.name(&hash_name), text.value(&hash_value));
            if let Some(r) = &keys.range {
                if let Some(at) = parts.iter().position(|c| sort_condition(c, r)) {
                    let c = parts.remove(at);
                    key_text = format!("{key_text} AND {}", text.cond(&c));
                }
            }
            body.insert("KeyConditionExpression".into(), json!(key_text));
            if let Some(f) = and_of(parts) {
                let f = text.cond(&f);
                body.insert("FilterExpression".into(), json!(f));
            }
            paged(db, "Query", body, text, o)
        }
        Statement::Insert { table, item } => {
            let keys = keys_of(db, &table, None)?;
            let mut text = Text::default();
            let mut body = base(&table, o);
            body.insert("Item".into(), item_to_json(&item));
            let cond = Cond::NotExists(Path(vec![PathElem::Name(keys.hash)]));
            body.insert("ConditionExpression".into(), json!(text.cond(&cond)));
            text.into_body(&mut body);
            let out = db.call("PutItem", &body).map_err(map_duplicate)?;
            answer.insert("Items".into(), json!([]));
            copy(&out, &mut answer, "ConsumedCapacity");
            Ok(Outcome { answer })
        }
        Statement::Update { table, actions, condition, returning } => {
            let (key, mut rest) = write_key(db, &table, condition)?;
            let keys = keys_of(db, &table, None)?;
            rest.insert(0, Cond::Exists(Path(vec![PathElem::Name(keys.hash)])));
            let mut text = Text::default();
            let mut body = base(&table, o);
            body.insert("Key".into(), item_to_json(&key));
            body.insert("UpdateExpression".into(), json!(text.update(&actions)));
            let cond = and_of(rest).expect("at least attribute_exists");
            body.insert("ConditionExpression".into(), json!(text.cond(&cond)));
            if let Some(r) = returning {
                body.insert("ReturnValues".into(), json!(r));
            }
            if let Some(f) = &o.on_failure {
                body.insert("ReturnValuesOnConditionCheckFailure".into(), json!(f));
            }
            text.into_body(&mut body);
            let out = db.call("UpdateItem", &body)?;
            let items: Vec<Value> = out.get("Attributes").cloned().into_iter().collect();
            answer.insert("Items".into(), Value::Array(items));
            copy(&out, &mut answer, "ConsumedCapacity");
            Ok(Outcome { answer })
        }
        Statement::Delete { table, condition, returning } => {
            let (key, rest) = write_key(db, &table, condition)?;
            let mut text = Text::default();
            let mut body = base(&table, o);
            body.insert("Key".into(), item_to_json(&key));
            if let Some(cond) = and_of(rest) {
                body.insert("ConditionExpression".into(), json!(text.cond(&cond)));
            }
            if let Some(r) = returning {
                body.insert("ReturnValues".into(), json!(r));
            }
            if let Some(f) = &o.on_failure {
                body.insert("ReturnValuesOnConditionCheckFailure".into(), json!(f));
            }
            text.into_body(&mut body);
            let out = db.call("DeleteItem", &body)?;
            let items: Vec<Value> = out.get("Attributes").cloned().into_iter().collect();
            answer.insert("Items".into(), Value::Array(items));
            copy(&out, &mut answer, "ConsumedCapacity");
            Ok(Outcome { answer })
        }
    }
}

/// Query or Scan a page at a time: Limit, NextToken <-> ExclusiveStartKey.
fn paged(db: &mut DynamoDb, op: &str, mut body: Map<String, Value>, text: Text, o: &Options) -> Result<Outcome> {
    if let Some(l) = o.limit {
        body.insert("Limit".into(), json!(l));
    }
    if let Some(t) = &o.next_token {
        body.insert("ExclusiveStartKey".into(), decode_token(t)?);
    }
    text.into_body(&mut body);
    let out = db.call(op, &body)?;
    let mut answer = Map::new();
    answer.insert("Items".into(), out.get("Items").cloned().unwrap_or_else(|| json!([])));
    if let Some(last) = out.get("LastEvaluatedKey") {
        answer.insert("NextToken".into(), json!(encode_token(last)));
        answer.insert("LastEvaluatedKey".into(), last.clone());
    }
    copy(&out, &mut answer, "ConsumedCapacity");
    Ok(Outcome { answer })
}

// ---------------------------------------------------------------- requests

fn parameters(req: &Req, field: &str, v: &mut Violations, path: &str) -> Result<Vec<AttributeValue>> {
    match req.array(field)? {
        None => Ok(Vec::new()),
        Some(list) => {
            if list.is_empty() {
                v.add(Some("[]"), path, "Member must have length greater than or equal to 1");
            }
            list.iter().map(AttributeValue::from_json).collect()
        }
    }
}

fn statement_text<'a>(req: &Req<'a>, v: &mut Violations, path: &str) -> Result<Option<&'a str>> {
    let text = req.str("Statement")?;
    match text {
        None => v.required(false, path),
        Some(t) => {
            let n = t.chars().count();
            if n < 1 {
                v.add(Some(t), path, "Member must have length greater than or equal to 1");
            }
            if n > MAX_STATEMENT {
                v.add(Some(t), path, &format!("Member must have length less than or equal to {MAX_STATEMENT}"));
            }
        }
    }
    Ok(text)
}

fn capacity(req: &Req, v: &mut Violations) -> Result<Option<String>> {
    match req.str("ReturnConsumedCapacity")? {
        None | Some("NONE") => Ok(None),
        Some(m @ ("TOTAL" | "INDEXES")) => Ok(Some(m.to_string())),
        Some(other) => {
            v.add(Some(other), "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
            Ok(None)
        }
    }
}

/// ExecuteStatement.
pub fn execute_statement(db: &mut DynamoDb, body: &Map<String, Value>) -> Result<Value> {
    let req = Req::new(body);
    let mut v = Violations::new();
    let text = statement_text(&req, &mut v, "statement")?;
    let params = parameters(&req, "Parameters", &mut v, "parameters")?;
    let limit = req.i64("Limit")?;
    if let Some(l) = limit {
        if l < 1 {
            v.add(Some(&l.to_string()), "limit", "Member must have value greater than or equal to 1");
        }
    }
    let next_token = req.str("NextToken")?.map(str::to_string);
    if let Some(t) = &next_token {
        if t.is_empty() || t.len() > 32768 {
            v.add(Some(t), "nextToken", "Member must have length between 1 and 32768");
        }
    }
    let capacity = capacity(&req, &mut v)?;
    let on_failure = match req.str("ReturnValuesOnConditionCheckFailure")? {
        None | Some("NONE") => None,
        Some("ALL_OLD") => Some("ALL_OLD".to_string()),
        Some(other) => {
            v.add(Some(other), "returnValuesOnConditionCheckFailure", "Member must satisfy enum value set: [ALL_OLD, NONE]");
            None
        }
    };
    let consistent = req.bool("ConsistentRead")?;
    v.finish()?;
    let stmt = parse(text.expect("validated"), &params)?;
    let o = Options { consistent, limit, next_token, capacity, on_failure };
    Ok(Value::Object(run(db, stmt, &o)?.answer))
}

/// The code a batch answer gives an error.
fn batch_code(e: &DynamoError) -> &'static str {
    match e.code {
        ErrorCode::ConditionalCheckFailed => "ConditionalCheckFailed",
        ErrorCode::DuplicateItem => "DuplicateItem",
        ErrorCode::ResourceNotFound => "ResourceNotFound",
        ErrorCode::ProvisionedThroughputExceeded => "ProvisionedThroughputExceeded",
        ErrorCode::RequestLimitExceeded => "RequestLimitExceeded",
        ErrorCode::TransactionConflict => "TransactionConflict",
        ErrorCode::ItemCollectionSizeLimitExceeded => "ItemCollectionSizeLimitExceeded",
        ErrorCode::InternalServerError => "InternalServerError",
        _ => "ValidationError",
    }
}

/// BatchExecuteStatement: up to 25 statements, each answered on its own
/// (reads must name a full primary key).
pub fn batch_execute_statement(db: &mut DynamoDb, body: &Map<String, Value>) -> Result<Value> {
    let req = Req::new(body);
    let mut v = Violations::new();
    let statements = req.array("Statements")?;
    match statements {
        None => v.required(false, "statements"),
        Some(list) => {
            if list.is_empty() {
                v.add(Some("[]"), "statements", "Member must have length greater than or equal to 1");
            }
            if list.len() > 25 {
                v.add(Some("[...]"), "statements", "Member must have length less than or equal to 25");
            }
        }
    }
    let capacity = capacity(&req, &mut v)?;
    let mut parsed = Vec::new();
    for (i, raw) in statements.map(|l| l.as_slice()).unwrap_or_default().iter().enumerate() {
        let Value::Object(entry) = raw else {
            return Err(DynamoError::serialization("Unexpected value type for 'Statements': expected structure"));
        };
        let r = Req::new(entry);
        let text = statement_text(&r, &mut v, &format!("statements.{}.member.statement", i + 1))?;
        let params = parameters(&r, "Parameters", &mut v, &format!("statements.{}.member.parameters", i + 1))?;
        let consistent = r.bool("ConsistentRead")?;
        let on_failure = r.str("ReturnValuesOnConditionCheckFailure")?.filter(|m| *m == "ALL_OLD").map(str::to_string);
        parsed.push((text.unwrap_or(""), params, consistent, on_failure));
    }
    v.finish()?;
    let mut responses = Vec::new();
    let mut consumed: Vec<Value> = Vec::new();
    for (text, params, consistent, on_failure) in parsed {
        let mut entry = Map::new();
        let outcome = parse(text, &params).and_then(|stmt| {
            entry.insert("TableName".into(), json!(stmt.table()));
            if let Statement::Select { table, index, filter, .. } = &stmt {
                let keys = keys_of(db, table, None)?;
                let mut parts = filter.clone().map(conjuncts).unwrap_or_default();
                let full = index.is_none()
                    && take_equality(&mut parts, &keys.hash).is_some()
                    && keys.range.as_ref().is_none_or(|r| take_equality(&mut parts, r).is_some())
                    && parts.is_empty();
                if !full {
                    return Err(DynamoError::validation(
                        "Select statements within BatchExecuteStatement must specify the full primary key",
                    ));
                }
            }
            let o = Options { consistent, capacity: capacity.clone(), on_failure, ..Options::default() };
            run(db, stmt, &o)
        });
        match outcome {
            Ok(out) => {
                if let Some(Value::Array(items)) = out.answer.get("Items") {
                    if let Some(item) = items.first() {
                        entry.insert("Item".into(), item.clone());
                    }
                }
                if let Some(c) = out.answer.get("ConsumedCapacity") {
                    consumed.push(c.clone());
                }
            }
            Err(e) => {
                let mut error = Map::new();
                error.insert("Code".into(), json!(batch_code(&e)));
                error.insert("Message".into(), json!(e.message));
                if let Some(item) = &e.item {
                    error.insert("Item".into(), item_to_json(item));
                }
                entry.insert("Error".into(), Value::Object(error));
            }
        }
        responses.push(Value::Object(entry));
    }
    let mut out = Map::new();
    out.insert("Responses".into(), Value::Array(responses));
    if capacity.is_some() {
        out.insert("ConsumedCapacity".into(), Value::Array(merge_capacity(consumed)));
    }
    Ok(Value::Object(out))
}

/// Adds up per-table consumed capacity entries.
fn merge_capacity(entries: Vec<Value>) -> Vec<Value> {
    let mut by_table: BTreeMap<String, Value> = BTreeMap::new();
    for e in entries {
        let name = e.get("TableName").and_then(Value::as_str).unwrap_or("").to_string();
        match by_table.get_mut(&name) {
            None => {
                by_table.insert(name, e);
            }
            Some(acc) => {
                for field in ["CapacityUnits", "ReadCapacityUnits", "WriteCapacityUnits"] {
                    if let Some(x) = e.get(field).and_then(Value::as_f64) {
                        let sum = acc.get(field).and_then(Value::as_f64).unwrap_or(0.0) + x;
                        acc[field] = json!(sum);
                    }
                }
            }
        }
    }
    by_table.into_values().collect()
}

/// ExecuteTransaction: up to 100 statements, all reads (TransactGetItems)
/// or all writes (TransactWriteItems).
pub fn execute_transaction(db: &mut DynamoDb, body: &Map<String, Value>) -> Result<Value> {
    let req = Req::new(body);
    let mut v = Violations::new();
    let statements = req.array("TransactStatements")?;
    match statements {
        None => v.required(false, "transactStatements"),
        Some(list) => {
            if list.is_empty() {
                v.add(Some("[]"), "transactStatements", "Member must have length greater than or equal to 1");
            }
            if list.len() > 100 {
                v.add(Some("[...]"), "transactStatements", "Member must have length less than or equal to 100");
            }
        }
    }
    let capacity = capacity(&req, &mut v)?;
    let token = req.str("ClientRequestToken")?;
    if let Some(t) = token {
        if t.is_empty() || t.len() > 36 {
            v.add(Some(t), "clientRequestToken", "Member must have length less than or equal to 36");
        }
    }
    let mut parsed = Vec::new();
    for (i, raw) in statements.map(|l| l.as_slice()).unwrap_or_default().iter().enumerate() {
        let Value::Object(entry) = raw else {
            return Err(DynamoError::serialization("Unexpected value type for 'TransactStatements': expected structure"));
        };
        let r = Req::new(entry);
        let text = statement_text(&r, &mut v, &format!("transactStatements.{}.member.statement", i + 1))?;
        let params = parameters(&r, "Parameters", &mut v, &format!("transactStatements.{}.member.parameters", i + 1))?;
        let on_failure = r.str("ReturnValuesOnConditionCheckFailure")?.filter(|m| *m == "ALL_OLD").map(str::to_string);
        parsed.push((text.unwrap_or("").to_string(), params, on_failure));
    }
    v.finish()?;
    let mut stmts = Vec::new();
    for (text, params, on_failure) in parsed {
        stmts.push((parse(&text, &params)?, on_failure));
    }
    let reads = stmts.iter().filter(|(s, _)| s.is_read()).count();
    if reads != 0 && reads != stmts.len() {
        return Err(DynamoError::validation("Transaction must contain either all reads or all writes"));
    }
    let mut items = Vec::new();
    let mut inserts = Vec::new();
    for (stmt, on_failure) in stmts {
        let mut text = Text::default();
        let mut op = Map::new();
        let kind = match stmt {
            Statement::Select { table, index, projection, filter } => {
                if index.is_some() {
                    return Err(DynamoError::validation("Transaction read statements cannot use an index"));
                }
                let (key, rest) = write_key(db, &table, filter.unwrap_or(Cond::And(Vec::new())))?;
                if !rest.is_empty() {
                    return Err(DynamoError::validation("Where clause of a transaction read may only name the key attributes"));
                }
                op.insert("TableName".into(), json!(table));
                op.insert("Key".into(), item_to_json(&key));
                if let Some(paths) = &projection {
                    let list: Vec<String> = paths.iter().map(|p| text.path(p)).collect();
                    op.insert("ProjectionExpression".into(), json!(list.join(", ")));
                }
                inserts.push(false);
                "Get"
            }
            Statement::Insert { table, item } => {
                let keys = keys_of(db, &table, None)?;
                op.insert("TableName".into(), json!(table));
                op.insert("Item".into(), item_to_json(&item));
                let cond = Cond::NotExists(Path(vec![PathElem::Name(keys.hash)]));
                op.insert("ConditionExpression".into(), json!(text.cond(&cond)));
                inserts.push(true);
                "Put"
            }
            Statement::Update { table, actions, condition, .. } => {
                let (key, mut rest) = write_key(db, &table, condition)?;
                let keys = keys_of(db, &table, None)?;
                rest.insert(0, Cond::Exists(Path(vec![PathElem::Name(keys.hash)])));
                op.insert("TableName".into(), json!(table));
                op.insert("Key".into(), item_to_json(&key));
                op.insert("UpdateExpression".into(), json!(text.update(&actions)));
                let cond = and_of(rest).expect("attribute_exists");
                op.insert("ConditionExpression".into(), json!(text.cond(&cond)));
                inserts.push(false);
                "Update"
            }
            Statement::Delete { table, condition, .. } => {
                let (key, rest) = write_key(db, &table, condition)?;
                op.insert("TableName".into(), json!(table));
                op.insert("Key".into(), item_to_json(&key));
                if let Some(cond) = and_of(rest) {
                    op.insert("ConditionExpression".into(), json!(text.cond(&cond)));
                }
                inserts.push(false);
                "Delete"
            }
        };
        if let Some(f) = on_failure {
            if kind != "Get" {
                op.insert("ReturnValuesOnConditionCheckFailure".into(), json!(f));
            }
        }
        text.into_body(&mut op);
        let mut wrapped = Map::new();
        wrapped.insert(kind.into(), Value::Object(op));
        items.push(Value::Object(wrapped));
    }
    let mut call = Map::new();
    call.insert("TransactItems".into(), Value::Array(items));
    if let Some(c) = &capacity {
        call.insert("ReturnConsumedCapacity".into(), json!(c));
    }
    if reads > 0 {
        let out = db.call("TransactGetItems", &call)?;
        let mut answer = Map::new();
        let responses: Vec<Value> = out
            .get("Responses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|r| match r.get("Item") {
                Some(item) => json!({ "Item": item }),
                None => json!({}),
            })
            .collect();
        answer.insert("Responses".into(), Value::Array(responses));
        copy(&out, &mut answer, "ConsumedCapacity");
        return Ok(Value::Object(answer));
    }
    if let Some(t) = token {
        call.insert("ClientRequestToken".into(), json!(t));
    }
    match db.call("TransactWriteItems", &call) {
        Ok(out) => {
            let mut answer = Map::new();
            copy(&out, &mut answer, "ConsumedCapacity");
            Ok(Value::Object(answer))
        }
        Err(mut e) => {
            if let Some(reasons) = &mut e.cancellation_reasons {
                for (reason, insert) in reasons.iter_mut().zip(&inserts) {
                    if *insert && reason.get("Code").and_then(Value::as_str) == Some("ConditionalCheckFailed") {
                        *reason = json!({"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"});
                    }
                }
                let codes: Vec<String> =
                    reasons.iter().map(|r| r.get("Code").and_then(Value::as_str).unwrap_or("None").to_string()).collect();
                e.message = format!(
                    "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                    codes.join(", ")
                );
            }
            Err(e)
        }
    }
}
