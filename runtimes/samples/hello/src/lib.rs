//! hello: the smallest useful function. Greets `event.name` if there is one,
//! logs a line, and answers with the event it was given. It also shows the
//! cold-start hook: `cold_start` runs once per new instance (`stratus_init`).
//!
//! Test event: `{"name": "Stratus"}` answers
//! `{"message": "Hello, Stratus, from Stratus!", "input": {"name": "Stratus"}}`.

use stratus_guest::{json, Context, Error, Value};

fn greet(event: Value, ctx: &Context) -> Result<Value, Error> {
    let message = match event.get("name").and_then(Value::as_str) {
        Some(name) => format!("Hello, {name}, from Stratus!"),
        None => "Hello from Stratus!".to_string(),
    };
    println!(
        "{} ({} MB) request {}: {message} ({} ms left)",
        ctx.function_name,
        ctx.memory_limit_in_mb,
        ctx.aws_request_id,
        ctx.remaining_time_ms()
    );
    Ok(json!({ "message": message, "input": event }))
}

fn cold_start() {
    println!("hello: cold start");
}

stratus_guest::handler!(greet, init = cold_start);
