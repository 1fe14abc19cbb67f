//! DynamoDB expressions: condition, filter, key condition, update and
//! projection expressions; parsed into a syntax tree, then evaluated against
//! items. (Being written; see the contract in ARCHITECTURE.md.)
