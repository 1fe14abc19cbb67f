//! Reading a request body: typed field access with DynamoDB's errors
//! (SerializationException for wrong JSON types, ValidationException in
//! Coral's "N validation errors detected: ..." form for constraint violations).

use super::error::{DynamoError, Result};
use super::value::{item_from_json, AttributeValue, Item};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The body of one request.
pub struct Req<'a> {
    body: &'a Map<String, Value>,
}

/// The JSON type of a value, as Coral names it in serialization errors.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "structure",
    }
}

/// SerializationException for a member of the wrong JSON type.
pub fn wrong_type(name: &str, expected: &str, found: &Value) -> DynamoError {
    DynamoError::serialization(format!("Unexpected value type for '{name}': expected {expected}, found {}", kind(found)))
}

impl<'a> Req<'a> {
    pub fn new(body: &'a Map<String, Value>) -> Self {
        Req { body }
    }

    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.body.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    pub fn str(&self, name: &str) -> Result<Option<&'a str>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(name, "string", other)),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(name, "boolean", other)),
        }
    }

    pub fn i64(&self, name: &str) -> Result<Option<i64>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong_type(name, "integer", &Value::Null)),
            Some(other) => Err(wrong_type(name, "integer", other)),
        }
    }

    pub fn object(&self, name: &str) -> Result<Option<&'a Map<String, Value>>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => Err(wrong_type(name, "structure", other)),
        }
    }

    pub fn array(&self, name: &str) -> Result<Option<&'a Vec<Value>>> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(wrong_type(name, "list", other)),
        }
    }

    pub fn item(&self, name: &str) -> Result<Option<Item>> {
        match self.raw(name) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => item_from_json(v).map(Some),
            Some(other) => Err(wrong_type(name, "map", other)),
        }
    }

    /// ExpressionAttributeNames.
    pub fn names(&self) -> Result<Option<HashMap<String, String>>> {
        let Some(map) = self.object("ExpressionAttributeNames")? else { return Ok(None) };
        let mut out = HashMap::with_capacity(map.len());
        for (k, v) in map {
            let Value::String(s) = v else { return Err(wrong_type("ExpressionAttributeNames", "string", v)) };
            out.insert(k.clone(), s.clone());
        }
        Ok(Some(out))
    }

    /// ExpressionAttributeValues.
    pub fn values(&self) -> Result<Option<HashMap<String, AttributeValue>>> {
        let Some(map) = self.object("ExpressionAttributeValues")? else { return Ok(None) };
        let mut out = HashMap::with_capacity(map.len());
        for (k, v) in map {
            out.insert(k.clone(), AttributeValue::from_json(v)?);
        }
        Ok(Some(out))
    }
}

/// `BillingMode`, checked against its enum.
pub fn billing_mode(req: &Req, v: &mut Violations) -> Result<Option<super::BillingMode>> {
    Ok(match req.str("BillingMode")? {
        None => None,
        Some("PROVISIONED") => Some(super::BillingMode::Provisioned),
        Some("PAY_PER_REQUEST") => Some(super::BillingMode::PayPerRequest),
        Some(other) => {
            v.add(Some(other), "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
            None
        }
    })
}

/// Collects constraint violations and reports them as Coral does.
#[derive(Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Violations(Vec::new())
    }

    pub fn add(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        let shown = match value {
            None => "null".to_string(),
            Some(v) => format!("'{v}'"),
        };
        self.0.push(format!("Value {shown} at '{path}' failed to satisfy constraint: {constraint}"));
    }

    pub fn required(&mut self, present: bool, path: &str) {
        if !present {
            self.add(None, path, "Member must not be null");
        }
    }

    /// A table or index name: 3 to 255 characters of `[a-zA-Z0-9_.-]`.
    pub fn name(&mut self, value: Option<&str>, path: &str) {
        match value {
            None => self.required(false, path),
            Some(v) => {
                if !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
                    self.add(Some(v), path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
                }
                if v.len() < 3 {
                    self.add(Some(v), path, "Member must have length greater than or equal to 3");
                }
                if v.len() > 255 {
                    self.add(Some(v), path, "Member must have length less than or equal to 255");
                }
            }
        }
    }

    /// A table name that may also be a table ARN (up to 1024 characters).
    pub fn table_name_or_arn(&mut self, value: Option<&str>, path: &str) {
        match value {
            Some(v) if v.starts_with("arn:") => {
                if v.len() > 1024 {
                    self.add(Some(v), path, "Member must have length less than or equal to 1024");
                }
            }
            other => self.name(other, path),
        }
    }

    pub fn finish(self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(DynamoError::validation(format!("1 validation error detected: {}", self.0[0]))),
            n => Err(DynamoError::validation(format!("{n} validation errors detected: {}", self.0.join("; ")))),
        }
    }
}

/// `arn:aws:dynamodb:region:account:table/Name` (or a plain name) -> `Name`.
pub fn table_name_from(name_or_arn: &str) -> &str {
    match name_or_arn.strip_prefix("arn:") {
        Some(rest) => rest.split_once(":table/").map(|(_, n)| n.split('/').next().unwrap_or(n)).unwrap_or(name_or_arn),
        None => name_or_arn,
    }
}
