//! APIs (API Gateway): the list of HTTP and REST APIs, a wizard that creates
//! an HTTP API with routes to functions (or an empty REST API), and an API's
//! page: an HTTP API's routes, stages, OpenAPI export (ExportApi) and a
//! generated API reference; a REST API's resources, methods, stages, API
//! keys, usage plans and authorizers (`rest*.rs`); both with a built-in HTTP
//! client and metrics; an OpenAPI import (ImportApi). Everything
//! goes through `crate::ui::api::apigateway`, with the requests an AWS SDK
//! would send to the management API.

mod authorizers;
mod create;
mod import;
mod list;
mod monitor;
mod page;
mod reference;
mod rest;
mod rest_authorizers;
mod rest_keys;
mod rest_resources;
mod rest_stages;
mod routes;
mod stages;
mod test_client;

pub use create::CreateApi;
pub use import::ImportApiPage;
pub use list::ApisList;
pub use page::ApiPage;

use crate::ui::api::{apigateway, lambda, ApiError};
use serde_json::Value;

pub use super::tables::{confirm, error_text};

/// The items of a paged v2 list (`{"items": [...], "nextToken"}`), every page.
pub async fn all_items(path: &str) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let target = match &token {
            Some(t) => format!("{path}?nextToken={}", crate::ui::api::path_segment(t)),
            None => path.to_string(),
        };
        let page = apigateway("GET", &target, None).await?;
        out.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["nextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// Every function: (name, ARN), from Lambda's ListFunctions.
pub async fn functions() -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let path = match &marker {
            Some(m) => format!("/2015-03-31/functions/?Marker={}", crate::ui::api::path_segment(m)),
            None => "/2015-03-31/functions/".to_string(),
        };
        let page = lambda("GET", &path, None).await?;
        for f in page["Functions"].as_array().into_iter().flatten() {
            out.push((
                f["FunctionName"].as_str().unwrap_or("").to_string(),
                f["FunctionArn"].as_str().unwrap_or("").to_string(),
            ));
        }
        match page["NextMarker"].as_str() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// The function name of a Lambda integration URI: a function ARN, or the
/// `arn:aws:apigateway:...:lambda:path/.../functions/<arn>/invocations` form.
pub fn function_of(uri: &str) -> String {
    let arn = match uri.find("/functions/") {
        Some(i) => uri[i + "/functions/".len()..].trim_end_matches("/invocations"),
        None => uri,
    };
    match arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => name.to_string(),
        _ => arn.to_string(),
    }
}

/// A date as the console shows it: ISO strings (v2) or epoch seconds (REST).
pub fn date_label(v: &Value) -> String {
    let ms = match v {
        Value::Number(n) => n.as_f64().map(|s| s * 1000.0),
        Value::String(s) => {
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(s));
            Some(d.get_time()).filter(|t| !t.is_nan())
        }
        _ => None,
    };
    match ms {
        Some(ms) => js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
            .to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED)
            .as_string()
            .unwrap_or_default(),
        None => "—".into(),
    }
}

/// The invoke URL of a stage of an HTTP API: `$default` is served at the
/// endpoint's root, other stages under their name.
pub fn invoke_url(endpoint: &str, stage: &str) -> String {
    let base = endpoint.trim_end_matches('/');
    if stage == "$default" {
        format!("{base}/")
    } else {
        format!("{base}/{stage}/")
    }
}
