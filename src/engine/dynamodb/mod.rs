//! DynamoDB: tables, items, indexes, expressions, capacity, behind the
//! DynamoDB JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`).
//!
//! * [`number`], [`value`]: the data model (exact decimals, the ten types,
//!   wire form, item size, key order);
//! * [`expr`]: expressions, parsed to a tree and evaluated;
//! * [`error`]: DynamoDB's errors in its own format.

pub mod error;
pub mod expr;
pub mod number;
pub mod value;

pub use error::{DynamoError, ErrorCode};
pub use number::Number;
pub use value::{AttributeValue, Item};
