//! dynamodb-crud: the handler of AWS's "Using Lambda with API Gateway"
//! tutorial, in Rust. The event names an operation, a table and the
//! operation's parameters in the document clients' plain JSON:
//!
//! ```json
//! {"operation": "create", "tableName": "lambda-apigateway",
//!  "payload": {"Item": {"id": "1234ABCD", "number": 5}}}
//! ```
//!
//! `create`, `read`, `update`, `delete` and `list` are PutItem, GetItem,
//! UpdateItem, DeleteItem and Scan with `payload` as their parameters
//! (`TableName` added); the answer is DynamoDB's, items as plain JSON.
//! `echo` answers the payload, `ping` answers "pong". Without `tableName`
//! the table is `$TABLE_NAME`, or `lambda-apigateway` as in the tutorial.
//! DynamoDB's errors are the function's (`errorType`
//! `ResourceNotFoundException`, ...).

use stratus_guest::{dynamodb, json, marshal_map, unmarshal_map, Context, Error, Value};

/// Parameters that hold items, keys or values, converted to attribute values.
const ITEM_PARAMETERS: [&str; 4] = [
    "Item",
    "Key",
    "ExpressionAttributeValues",
    "ExclusiveStartKey",
];

fn crud(event: Value, _ctx: &Context) -> Result<Value, Error> {
    let operation = event
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let payload = event.get("payload").cloned().unwrap_or_else(|| json!({}));
    let target = match operation {
        "echo" => return Ok(payload),
        "ping" => return Ok(json!("pong")),
        "create" => "PutItem",
        "read" => "GetItem",
        "update" => "UpdateItem",
        "delete" => "DeleteItem",
        "list" => "Scan",
        other => {
            return Err(Error::new(
                "ValueError",
                format!("Unrecognized operation \"{other}\""),
            ))
        }
    };
    let Value::Object(mut request) = payload else {
        return Err(Error::new(
            "ValueError",
            "payload must be an object of the operation's parameters",
        ));
    };
    let table = match event.get("tableName").and_then(Value::as_str) {
        Some(table) => table.to_string(),
        None => std::env::var("TABLE_NAME").unwrap_or_else(|_| "lambda-apigateway".into()),
    };
    request.insert("TableName".into(), Value::String(table.clone()));
    for name in ITEM_PARAMETERS {
        if let Some(value) = request.get_mut(name) {
            *value = marshal_map(value);
        }
    }

    let mut answer = dynamodb(target, &request)?;
    for name in ["Item", "Attributes", "LastEvaluatedKey"] {
        if let Some(value) = answer.get_mut(name) {
            *value = unmarshal_map(value);
        }
    }
    if let Some(Value::Array(items)) = answer.get_mut("Items") {
        items
            .iter_mut()
            .for_each(|item| *item = unmarshal_map(item));
    }
    println!("{operation} on {table}: {target} done");
    Ok(answer)
}

stratus_guest::handler!(crud);
