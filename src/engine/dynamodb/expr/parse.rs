//! One recursive-descent parser for every expression kind.
//!
//! Like DynamoDB, a syntax error anywhere wins over semantic errors
//! (reserved words, undefined placeholders, bad functions), so semantic
//! errors are recorded ("deferred") while parsing goes on, and reported
//! only once the whole text parsed.

use super::ast::*;
use super::lex::{lex, Tok, Token};
use super::reserved::is_reserved;
use super::{ExprKind, Placeholders, MAX_DEPTH, MAX_EXPRESSION_SIZE, MAX_IN_OPERANDS, MAX_PATH_DEPTH};
use crate::engine::dynamodb::error::DynamoError;
use crate::engine::dynamodb::value::AttributeValue;

type Result<T> = std::result::Result<T, DynamoError>;

/// Functions of condition expressions.
const CONDITION_FUNCTIONS: &[&str] =
    &["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size"];
/// Functions of update expressions.
const UPDATE_FUNCTIONS: &[&str] = &["if_not_exists", "list_append"];
/// The type names `attribute_type` accepts.
const TYPE_NAMES: &[&str] = &["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    ph: &'a Placeholders,
    kind: ExprKind,
    depth: usize,
    deferred: Option<DynamoError>,
}

/// An operand before it is known whether a function call is an operand or a condition.
enum Raw {
    Op(Operand),
    Call { name: String, args: Vec<Raw> },
}

impl<'a> Parser<'a> {
    /// Checks size and emptiness, and tokenizes.
    pub(crate) fn new(src: &'a str, kind: ExprKind, ph: &'a Placeholders) -> Result<Parser<'a>> {
        if src.len() > MAX_EXPRESSION_SIZE {
            return Err(kind.error(format!(
                "Expression size has exceeded the maximum allowed size; expression size: {}",
                src.len()
            )));
        }
        if src.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')).is_empty() {
            return Err(kind.error("The expression can not be empty;"));
        }
        Ok(Parser { src, toks: lex(src), pos: 0, ph, kind, depth: 0, deferred: None })
    }

    fn peek(&self) -> Tok {
        self.toks[self.pos].tok
    }

    fn peek_at(&self, k: usize) -> Tok {
        self.toks.get(self.pos + k).map(|t| t.tok).unwrap_or(Tok::Eof)
    }

    fn text(&self) -> &'a str {
        let t = self.toks[self.pos];
        &self.src[t.start..t.end]
    }

    fn bump(&mut self) -> &'a str {
        let text = self.text();
        if self.peek() != Tok::Eof {
            self.pos += 1;
        }
        text
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.peek() == Tok::Ident && self.text().eq_ignore_ascii_case(kw)
    }

    /// `Syntax error; token: "<t>", near: "<previous token … next token>"`.
    pub(crate) fn syntax_error(&self) -> DynamoError {
        let cur = self.toks[self.pos];
        let token = if cur.tok == Tok::Eof { "<EOF>" } else { &self.src[cur.start..cur.end] };
        let start = if self.pos > 0 { self.toks[self.pos - 1].start } else { cur.start };
        let end = match self.toks.get(self.pos + 1) {
            Some(next) if next.tok != Tok::Eof => next.end,
            _ => cur.end,
        };
        self.kind.error(format!("Syntax error; token: \"{token}\", near: \"{}\"", &self.src[start..end]))
    }

    fn expect(&mut self, tok: Tok) -> Result<()> {
        if self.peek() == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.is_kw(kw) {
            self.bump();
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    /// Records a semantic error (the first one wins).
    fn defer(&mut self, message: impl AsRef<str>) {
        if self.deferred.is_none() {
            self.deferred = Some(self.kind.error(message));
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.kind.error(format!(
                "The expression has exceeded the maximum nesting depth; maximum depth: {MAX_DEPTH}"
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The whole text must have been consumed; then the first semantic error, if any.
    pub(crate) fn finish(&mut self) -> Result<()> {
        if self.peek() != Tok::Eof {
            return Err(self.syntax_error());
        }
        match self.deferred.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    // ----- paths and values -----

    fn path_name(&mut self) -> Result<String> {
        match self.peek() {
            Tok::Ident => {
                let t = self.bump();
                if is_reserved(t) {
                    self.defer(format!("Attribute name is a reserved keyword; reserved keyword: {t}"));
                }
                Ok(t.to_string())
            }
            Tok::Name => {
                let t = self.bump();
                match self.ph.name(t) {
                    Some(n) => Ok(n),
                    None => {
                        self.defer(format!(
                            "An expression attribute name used in the document path is not defined; attribute name: {t}"
                        ));
                        Ok(t.to_string())
                    }
                }
            }
            _ => Err(self.syntax_error()),
        }
    }

    pub(crate) fn path(&mut self) -> Result<Path> {
        let mut elems = vec![PathElem::Name(self.path_name()?)];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    elems.push(PathElem::Name(self.path_name()?));
                }
                Tok::LBracket => {
                    self.bump();
                    if self.peek() != Tok::Num {
                        return Err(self.syntax_error());
                    }
                    let Ok(index) = self.text().parse::<usize>() else { return Err(self.syntax_error()) };
                    self.bump();
                    self.expect(Tok::RBracket)?;
                    elems.push(PathElem::Index(index));
                }
                _ => break,
            }
        }
        if elems.len() > MAX_PATH_DEPTH {
            self.defer(format!("The document path has too many nesting levels; nesting levels: {}", elems.len()));
        }
        Ok(Path(elems))
    }

    fn value(&mut self) -> Result<AttributeValue> {
        if self.peek() != Tok::Value {
            return Err(self.syntax_error());
        }
        let t = self.bump();
        match self.ph.value(t) {
            Some(v) => Ok(v),
            None => {
                self.defer(format!(
                    "An expression attribute value used in expression is not defined; attribute value: {t}"
                ));
                Ok(AttributeValue::Null)
            }
        }
    }

    // ----- conditions -----

    pub(crate) fn condition(&mut self) -> Result<Cond> {
        Ok(self.or()?.0)
    }

    /// Each level returns whether the condition was exactly one parenthesized group.
    fn or(&mut self) -> Result<(Cond, bool)> {
        let first = self.and()?;
        if !self.is_kw("OR") {
            return Ok(first);
        }
        let mut all = vec![first.0];
        while self.is_kw("OR") {
            self.bump();
            all.push(self.and()?.0);
        }
        Ok((Cond::Or(all), false))
    }

    fn and(&mut self) -> Result<(Cond, bool)> {
        let first = self.not()?;
        if !self.is_kw("AND") {
            return Ok(first);
        }
        let mut all = vec![first.0];
        while self.is_kw("AND") {
            self.bump();
            all.push(self.not()?.0);
        }
        Ok((Cond::And(all), false))
    }

    fn not(&mut self) -> Result<(Cond, bool)> {
        if self.is_kw("NOT") {
            self.bump();
            self.enter()?;
            let inner = self.not()?.0;
            self.leave();
            return Ok((Cond::Not(Box::new(inner)), false));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<(Cond, bool)> {
        if self.peek() == Tok::LParen {
            self.bump();
            self.enter()?;
            let (inner, was_group) = self.or()?;
            self.expect(Tok::RParen)?;
            self.leave();
            if was_group {
                self.defer("The expression has redundant parentheses;");
            }
            return Ok((inner, true));
        }
        let left = self.raw_operand()?;
        let op = match self.peek() {
            Tok::Eq => Some(CmpOp::Eq),
            Tok::Ne => Some(CmpOp::Ne),
            Tok::Lt => Some(CmpOp::Lt),
            Tok::Le => Some(CmpOp::Le),
            Tok::Gt => Some(CmpOp::Gt),
            Tok::Ge => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let right = self.raw_operand()?;
            let (l, r) = (self.operand(left), self.operand(right));
            return Ok((Cond::Cmp(l, op, r), false));
        }
        if self.is_kw("BETWEEN") {
            self.bump();
            let lo = self.raw_operand()?;
            self.expect_kw("AND")?;
            let hi = self.raw_operand()?;
            let (a, lo, hi) = (self.operand(left), self.operand(lo), self.operand(hi));
            if let (Operand::Value(l), Operand::Value(h)) = (&lo, &hi) {
                if l.key_cmp(h) == Some(std::cmp::Ordering::Greater) {
                    self.defer(format!(
                        "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        show_value(l),
                        show_value(h)
                    ));
                }
            }
            return Ok((Cond::Between(a, lo, hi), false));
        }
        if self.is_kw("IN") {
            self.bump();
            self.expect(Tok::LParen)?;
            let mut list = vec![self.raw_operand()?];
            while self.peek() == Tok::Comma {
                self.bump();
                list.push(self.raw_operand()?);
            }
            self.expect(Tok::RParen)?;
            if list.len() > MAX_IN_OPERANDS {
                self.defer(format!(
                    "The IN operator is provided with too many operands; number of operands: {}",
                    list.len()
                ));
            }
            let a = self.operand(left);
            let list = list.into_iter().map(|o| self.operand(o)).collect();
            return Ok((Cond::In(a, list), false));
        }
        match left {
            Raw::Call { name, args } => Ok((self.function_condition(name, args), false)),
            Raw::Op(_) => Err(self.syntax_error()),
        }
    }

    /// A path, a `:value`, or a function call (`name(` … `)`).
    fn raw_operand(&mut self) -> Result<Raw> {
        match self.peek() {
            Tok::Ident if self.peek_at(1) == Tok::LParen => {
                let name = self.bump().to_string();
                self.bump();
                self.enter()?;
                let mut args = vec![self.raw_operand()?];
                while self.peek() == Tok::Comma {
                    self.bump();
                    args.push(self.raw_operand()?);
                }
                self.expect(Tok::RParen)?;
                self.leave();
                if !CONDITION_FUNCTIONS.contains(&name.as_str()) {
                    if UPDATE_FUNCTIONS.contains(&name.as_str()) {
                        self.defer(format!("The function is not allowed in a condition expression; function: {name}"));
                    } else {
                        self.defer(format!("Invalid function name; function: {name}"));
                    }
                }
                Ok(Raw::Call { name, args })
            }
            Tok::Ident | Tok::Name => Ok(Raw::Op(Operand::Path(self.path()?))),
            Tok::Value => Ok(Raw::Op(Operand::Value(self.value()?))),
            _ => Err(self.syntax_error()),
        }
    }

    fn arg_count(&mut self, name: &str, args: &[Raw], n: usize) -> bool {
        if args.len() != n {
            self.defer(format!(
                "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                args.len()
            ));
            return false;
        }
        true
    }

    /// The path argument of a function (or a deferred error and an empty path).
    fn path_arg(&mut self, name: &str, arg: Raw) -> Path {
        match self.operand(arg) {
            Operand::Path(p) => p,
            _ => {
                self.defer(format!("Operator or function requires a document path; operator or function: {name}"));
                Path(vec![PathElem::Name(String::new())])
            }
        }
    }

    /// A raw operand used as an operand: only `size` may be a function here.
    fn operand(&mut self, raw: Raw) -> Operand {
        match raw {
            Raw::Op(o) => o,
            Raw::Call { name, args } => {
                if name != "size" {
                    if CONDITION_FUNCTIONS.contains(&name.as_str()) {
                        self.defer(format!(
                            "The function is not allowed to be used this way in an expression; function: {name}"
                        ));
                    }
                    return Operand::Value(AttributeValue::Null);
                }
                if !self.arg_count(&name, &args, 1) {
                    return Operand::Value(AttributeValue::Null);
                }
                let arg = args.into_iter().next().expect("one argument");
                Operand::Size(self.path_arg(&name, arg))
            }
        }
    }

    fn check_string_operand(&mut self, name: &str, op: &Operand) {
        if let Operand::Value(v) = op {
            if !matches!(v, AttributeValue::S(_) | AttributeValue::B(_)) {
                self.defer(format!(
                    "Incorrect operand type for operator or function; operator or function: {name}, operand type: {}",
                    v.type_name()
                ));
            }
        }
    }

    fn function_condition(&mut self, name: String, args: Vec<Raw>) -> Cond {
        let dummy = Cond::And(Vec::new());
        match name.as_str() {
            "attribute_exists" | "attribute_not_exists" => {
                if !self.arg_count(&name, &args, 1) {
                    return dummy;
                }
                let arg = args.into_iter().next().expect("one argument");
                let path = self.path_arg(&name, arg);
                if name == "attribute_exists" {
                    Cond::Exists(path)
                } else {
                    Cond::NotExists(path)
                }
            }
            "attribute_type" => {
                if !self.arg_count(&name, &args, 2) {
                    return dummy;
                }
                let mut it = args.into_iter();
                let path = self.path_arg(&name, it.next().expect("two arguments"));
                let t = self.operand(it.next().expect("two arguments"));
                match &t {
                    Operand::Value(AttributeValue::S(s)) if !TYPE_NAMES.contains(&s.as_str()) => {
                        self.defer(format!("Invalid attribute type name found in type operand: {s}"));
                    }
                    Operand::Value(AttributeValue::S(_)) => {}
                    Operand::Value(v) => self.defer(format!(
                        "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                        v.type_name()
                    )),
                    _ => {}
                }
                Cond::Type(path, t)
            }
            "begins_with" | "contains" => {
                if !self.arg_count(&name, &args, 2) {
                    return dummy;
                }
                let mut it = args.into_iter();
                let a = self.operand(it.next().expect("two arguments"));
                let b = self.operand(it.next().expect("two arguments"));
                if name == "begins_with" {
                    self.check_string_operand(&name, &a);
                    self.check_string_operand(&name, &b);
                    Cond::BeginsWith(a, b)
                } else {
                    Cond::Contains(a, b)
                }
            }
            "size" => {
                self.defer("The function is not allowed to be used this way in an expression; function: size");
                dummy
            }
            _ => dummy, // already reported as an invalid function name
        }
    }

    // ----- updates -----

    pub(crate) fn update(&mut self) -> Result<Vec<Action>> {
        let mut seen: Vec<&'static str> = Vec::new();
        let mut actions = Vec::new();
        loop {
            let clause = ["SET", "REMOVE", "ADD", "DELETE"].into_iter().find(|k| self.is_kw(k));
            let Some(clause) = clause else { return Err(self.syntax_error()) };
            self.bump();
            if seen.contains(&clause) {
                self.defer(format!("The \"{clause}\" section can only be used once in an update expression;"));
            }
            seen.push(clause);
            loop {
                actions.push(self.action(clause)?);
                if self.peek() != Tok::Comma {
                    break;
                }
                self.bump();
            }
            if self.peek() == Tok::Eof {
                return Ok(actions);
            }
        }
    }

    fn action(&mut self, clause: &str) -> Result<Action> {
        let path = self.path()?;
        match clause {
            "SET" => {
                self.expect(Tok::Eq)?;
                let first = self.upd_operand()?;
                let value = match self.peek() {
                    Tok::Plus | Tok::Minus => {
                        let plus = self.peek() == Tok::Plus;
                        self.bump();
                        let second = self.upd_operand()?;
                        let symbol = if plus { "+" } else { "-" };
                        self.check_literal(symbol, &first, "N");
                        self.check_literal(symbol, &second, "N");
                        if plus {
                            SetValue::Plus(first, second)
                        } else {
                            SetValue::Minus(first, second)
                        }
                    }
                    _ => SetValue::Operand(first),
                };
                Ok(Action::Set(path, value))
            }
            "REMOVE" => Ok(Action::Remove(path)),
            _ => {
                let value = self.value()?;
                let ok = match clause {
                    "ADD" => matches!(
                        value,
                        AttributeValue::N(_) | AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
                    ),
                    _ => matches!(value, AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)),
                };
                if !ok {
                    self.defer(format!(
                        "Incorrect operand type for operator or function; operator: {clause}, operand type: {}",
                        long_type_name(&value)
                    ));
                }
                Ok(if clause == "ADD" { Action::Add(path, value) } else { Action::Delete(path, value) })
            }
        }
    }

    /// A literal operand of `+`, `-` or `list_append` must have the right type.
    fn check_literal(&mut self, function: &str, op: &UpdOperand, expected: &str) {
        if let UpdOperand::Value(v) = op {
            if v.type_name() != expected {
                self.defer(format!(
                    "Incorrect operand type for operator or function; operator or function: {function}, operand type: {}",
                    v.type_name()
                ));
            }
        }
    }

    fn upd_operand(&mut self) -> Result<UpdOperand> {
        match self.peek() {
            Tok::Ident if self.peek_at(1) == Tok::LParen => {
                let name = self.bump().to_string();
                self.bump();
                self.enter()?;
                let mut args = vec![self.upd_operand()?];
                while self.peek() == Tok::Comma {
                    self.bump();
                    args.push(self.upd_operand()?);
                }
                self.expect(Tok::RParen)?;
                self.leave();
                let dummy = UpdOperand::Value(AttributeValue::Null);
                if !UPDATE_FUNCTIONS.contains(&name.as_str()) {
                    if CONDITION_FUNCTIONS.contains(&name.as_str()) {
                        self.defer(format!("The function is not allowed in an update expression; function: {name}"));
                    } else {
                        self.defer(format!("Invalid function name; function: {name}"));
                    }
                    return Ok(dummy);
                }
                if args.len() != 2 {
                    self.defer(format!(
                        "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                        args.len()
                    ));
                    return Ok(dummy);
                }
                let mut it = args.into_iter();
                let (a, b) = (it.next().expect("two"), it.next().expect("two"));
                if name == "if_not_exists" {
                    match a {
                        UpdOperand::Path(p) => Ok(UpdOperand::IfNotExists(p, Box::new(b))),
                        _ => {
                            self.defer(
                                "Operator or function requires a document path; operator or function: if_not_exists",
                            );
                            Ok(dummy)
                        }
                    }
                } else {
                    self.check_literal("list_append", &a, "L");
                    self.check_literal("list_append", &b, "L");
                    Ok(UpdOperand::ListAppend(Box::new(a), Box::new(b)))
                }
            }
            Tok::Ident | Tok::Name => Ok(UpdOperand::Path(self.path()?)),
            Tok::Value => Ok(UpdOperand::Value(self.value()?)),
            _ => Err(self.syntax_error()),
        }
    }

    // ----- projections -----

    pub(crate) fn projection(&mut self) -> Result<Vec<Path>> {
        let mut paths = vec![self.path()?];
        while self.peek() == Tok::Comma {
            self.bump();
            paths.push(self.path()?);
        }
        Ok(paths)
    }
}

/// `STRING`, `NUMBER`, … as ADD/DELETE messages name types.
fn long_type_name(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::M(_) => "MAP",
        AttributeValue::L(_) => "LIST",
        AttributeValue::Ss(_) => "STRING_SET",
        AttributeValue::Ns(_) => "NUMBER_SET",
        AttributeValue::Bs(_) => "BINARY_SET",
    }
}

/// `{N:5}`, `{S:abc}`: how DynamoDB shows a scalar in BETWEEN messages.
fn show_value(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => format!("{{S:{s}}}"),
        AttributeValue::N(n) => format!("{{N:{n}}}"),
        AttributeValue::B(b) => {
            use base64::Engine as _;
            format!("{{B:{}}}", base64::engine::general_purpose::STANDARD.encode(b))
        }
        other => format!("{{{}}}", other.type_name()),
    }
}

/// No two paths may overlap (one a prefix of the other) or conflict (a name
/// and an index at the same position after a common prefix).
pub(crate) fn check_overlaps<'p>(kind: ExprKind, paths: impl Iterator<Item = &'p Path>) -> Result<()> {
    let paths: Vec<&Path> = paths.collect();
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let common = a.0.iter().zip(b.0.iter()).take_while(|(x, y)| x == y).count();
            if common == a.0.len() || common == b.0.len() {
                return Err(kind.error(format!(
                    "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    a.list_form(),
                    b.list_form()
                )));
            }
            let kinds_differ = matches!(
                (&a.0[common], &b.0[common]),
                (PathElem::Name(_), PathElem::Index(_)) | (PathElem::Index(_), PathElem::Name(_))
            );
            if kinds_differ {
                return Err(kind.error(format!(
                    "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    a.list_form(),
                    b.list_form()
                )));
            }
        }
    }
    Ok(())
}
