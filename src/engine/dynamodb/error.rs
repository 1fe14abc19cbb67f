//! DynamoDB errors, answered exactly as DynamoDB answers them: HTTP 400 (500
//! for internal errors), `application/x-amz-json-1.0`, and a body whose
//! `__type` is the fully qualified error name the SDKs read.

use super::value::{item_to_json, Item};
use crate::engine::http::HttpResponse;
use crate::engine::protocol::{self, JsonVersion};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Validation,
    Serialization,
    UnknownOperation,
    ResourceNotFound,
    ResourceInUse,
    ConditionalCheckFailed,
    ProvisionedThroughputExceeded,
    RequestLimitExceeded,
    TransactionCanceled,
    TransactionConflict,
    IdempotentParameterMismatch,
    LimitExceeded,
    ItemCollectionSizeLimitExceeded,
    DuplicateItem,
    InternalServerError,
}

impl ErrorCode {
    /// The `__type` DynamoDB sends.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorCode::Validation => "com.amazon.coral.validate#ValidationException",
            ErrorCode::Serialization => "com.amazon.coral.service#SerializationException",
            ErrorCode::UnknownOperation => "com.amazon.coral.service#UnknownOperationException",
            ErrorCode::ResourceNotFound => "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            ErrorCode::ResourceInUse => "com.amazonaws.dynamodb.v20120810#ResourceInUseException",
            ErrorCode::ConditionalCheckFailed => "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
            ErrorCode::ProvisionedThroughputExceeded => {
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
            }
            ErrorCode::RequestLimitExceeded => "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
            ErrorCode::TransactionCanceled => "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            ErrorCode::TransactionConflict => "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
            ErrorCode::IdempotentParameterMismatch => {
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"
            }
            ErrorCode::LimitExceeded => "com.amazonaws.dynamodb.v20120810#LimitExceededException",
            ErrorCode::ItemCollectionSizeLimitExceeded => {
                "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException"
            }
            ErrorCode::DuplicateItem => "com.amazonaws.dynamodb.v20120810#DuplicateItemException",
            ErrorCode::InternalServerError => "com.amazonaws.dynamodb.v20120810#InternalServerError",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InternalServerError => 500,
            _ => 400,
        }
    }
}

/// An error a DynamoDB operation answers with.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamoError {
    pub code: ErrorCode,
    pub message: String,
    /// The item, for ConditionalCheckFailedException with
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub item: Option<Item>,
    /// For TransactionCanceledException: one reason per action, in order.
    pub cancellation_reasons: Option<Vec<Value>>,
}

impl DynamoError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DynamoError { code, message: message.into(), item: None, cancellation_reasons: None }
    }

    /// The same error with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn validation(message: impl Into<String>) -> Self {
        DynamoError::new(ErrorCode::Validation, message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        DynamoError::new(ErrorCode::Serialization, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        DynamoError::new(ErrorCode::ResourceNotFound, message)
    }

    /// "Requested resource not found", as GetItem and friends say for a missing table.
    pub fn table_not_found() -> Self {
        DynamoError::not_found("Requested resource not found")
    }

    pub fn in_use(message: impl Into<String>) -> Self {
        DynamoError::new(ErrorCode::ResourceInUse, message)
    }

    pub fn conditional_check_failed(item: Option<Item>) -> Self {
        DynamoError { item, ..DynamoError::new(ErrorCode::ConditionalCheckFailed, "The conditional request failed") }
    }

    pub fn throughput_exceeded() -> Self {
        DynamoError::new(
            ErrorCode::ProvisionedThroughputExceeded,
            "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
        )
    }

    /// The answer DynamoDB's front end gives for an unknown target or an
    /// unreadable body: the `__type` alone, no message.
    pub fn to_response_without_message(&self) -> HttpResponse {
        HttpResponse::new(self.code.status())
            .with_header("x-amzn-ErrorType", protocol::short_name(self.code.type_name()))
            .with_body(JsonVersion::V1_0.content_type(), json!({ "__type": self.code.type_name() }).to_string())
    }

    /// Writes held back because a global secondary index ran out of capacity.
    pub fn index_throughput_exceeded() -> Self {
        DynamoError::new(
            ErrorCode::ProvisionedThroughputExceeded,
            "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API",
        )
    }

    /// The protocol answer.
    pub fn to_response(&self) -> HttpResponse {
        let mut body = json!({ "__type": self.code.type_name() });
        if let Some(reasons) = &self.cancellation_reasons {
            // TransactionCanceledException capitalises its Message.
            body["Message"] = Value::String(self.message.clone());
            body["CancellationReasons"] = Value::Array(reasons.clone());
        } else if !self.message.is_empty() {
            body["message"] = Value::String(self.message.clone());
        }
        if let Some(item) = &self.item {
            body["Item"] = item_to_json(item);
        }
        HttpResponse::new(self.code.status())
            .with_header("x-amzn-ErrorType", protocol::short_name(self.code.type_name()))
            .with_body(JsonVersion::V1_0.content_type(), body.to_string())
    }
}

pub type Result<T> = std::result::Result<T, DynamoError>;
