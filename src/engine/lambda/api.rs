//! The Lambda REST API (restJson1) behind `_aws/lambda/`: paths as the AWS
//! SDK sends them (`2015-03-31/functions/...`), errors as Lambda answers
//! them (`x-amzn-ErrorType` header and `{"Type","Message"}`).

use super::function::{language_runtime, parse_function_name, Alias, Config, Function, LAMBDA_RUNTIMES, WASM_RUNTIMES};
use super::invoke::{self, Refusal, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD};
use super::package;
use super::Lambda;
use crate::engine::cloud::Cloud;
use crate::engine::http::{percent_decode, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, Refusal>;

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal::new(400, "InvalidParameterValueException", message)
}

fn validation(message: impl Into<String>) -> Refusal {
    Refusal::new(400, "ValidationException", message)
}

fn conflict(message: impl Into<String>) -> Refusal {
    Refusal::new(409, "ResourceConflictException", message)
}

pub fn refusal_response(r: &Refusal) -> HttpResponse {
    let kind = if r.status >= 500 { "Service" } else { "User" };
    let mut body = json!({ "Type": kind, "Message": r.message, "message": r.message });
    if let Some(reason) = r.reason {
        body["Reason"] = json!(reason);
    }
    HttpResponse::new(r.status).with_header("x-amzn-ErrorType", r.kind).with_body("application/json", body.to_string())
}

fn ok(status: u16, body: Value) -> HttpResponse {
    HttpResponse::new(status).with_body("application/json", body.to_string())
}

/// Answers one Lambda request; `request_id` is the cloud's id for it.
pub fn handle(cloud: &Cloud, rest: &str, request: &HttpRequest, request_id: &str) -> HttpResponse {
    match route(cloud, rest, request, request_id) {
        Ok(r) => r,
        Err(e) => refusal_response(&e),
    }
}

fn body_json(request: &HttpRequest) -> Result<Map<String, Value>> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(&request.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Refusal::new(400, "InvalidRequestContentException", "Could not parse request body into json")),
    }
}

fn function_param(segment: &str) -> Result<(String, Option<String>)> {
    let text = percent_decode(segment, false);
    parse_function_name(&text).ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value '{text}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        ))
    })
}

fn route(cloud: &Cloud, rest: &str, request: &HttpRequest, request_id: &str) -> Result<HttpResponse> {
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let method = request.method.as_str();
    let unknown = || Refusal::new(404, "UnknownOperationException", format!("Unknown operation: {method} /{rest}"));
    match (method, parts.as_slice()) {
        ("POST", ["2015-03-31", "functions"]) => create_function(cloud, body_json(request)?),
        ("GET", ["2015-03-31", "functions"]) => list_functions(&cloud.lambda(), request),
        ("GET", ["2016-08-19", "account-settings"]) => Ok(account_settings(&cloud.lambda())),
        ("GET", ["stratus", "code", key]) => download_code(&cloud.lambda(), key),
        (_, ["2015-03-31", "functions", f, tail @ ..]) => {
            let (name, inline_q) = function_param(f)?;
            let qualifier = request.query_param("Qualifier").or(inline_q);
            let q = qualifier.as_deref();
            match (method, tail) {
                ("GET", []) => get_function(&cloud.lambda(), &name, q),
                ("DELETE", []) => delete_function(cloud, &name, q),
                ("GET", ["configuration"]) => {
                    let l = cloud.lambda();
                    let f = l.functions.get(&name).ok_or_else(|| invoke::not_found(&name, q))?;
                    Ok(ok(200, f.config(q).ok_or_else(|| invoke::not_found(&name, q))?.to_json(&name)))
                }
                ("PUT", ["configuration"]) => update_configuration(cloud, &name, body_json(request)?),
                ("PUT", ["code"]) => update_code(cloud, &name, body_json(request)?),
                ("POST", ["invocations"]) => invoke_http(cloud, &name, q, request, request_id),
                ("POST", ["versions"]) => publish_version(cloud, &name, body_json(request)?),
                ("GET", ["versions"]) => list_versions(&cloud.lambda(), &name),
                ("POST", ["aliases"]) => create_alias(cloud, &name, body_json(request)?),
                ("GET", ["aliases"]) => {
                    let l = cloud.lambda();
                    let f = l.functions.get(&name).ok_or_else(|| invoke::not_found(&name, None))?;
                    Ok(ok(200, json!({ "Aliases": f.aliases.values().map(|a| a.to_json(&name)).collect::<Vec<_>>() })))
                }
                ("GET", ["aliases", alias]) => {
                    let l = cloud.lambda();
                    let f = l.functions.get(&name).ok_or_else(|| invoke::not_found(&name, None))?;
                    let a = f.aliases.get(*alias).ok_or_else(|| alias_not_found(&name, alias))?;
                    Ok(ok(200, a.to_json(&name)))
                }
                ("PUT", ["aliases", alias]) => update_alias(cloud, &name, alias, body_json(request)?),
                ("DELETE", ["aliases", alias]) => {
                    let mut l = cloud.lambda();
                    let f = l.functions.get_mut(&name).ok_or_else(|| invoke::not_found(&name, None))?;
                    f.aliases.remove(*alias);
                    l.journal_function(&name);
                    Ok(HttpResponse::new(204))
                }
                ("GET", ["dead-letters"]) => {
                    // A Stratus addition: asynchronous invocations that failed every attempt.
                    let l = cloud.lambda();
                    l.functions.get(&name).ok_or_else(|| invoke::not_found(&name, None))?;
                    let list: Vec<&invoke::DeadLetter> = l.runtime.dead_letters.iter().filter(|d| d.function_name == name).collect();
                    Ok(ok(200, json!({ "DeadLetters": list })))
                }
                _ => Err(unknown()),
            }
        }
        (_, ["2017-10-31", "functions", f, "concurrency"]) | (_, ["2019-09-30", "functions", f, "concurrency"]) => {
            let (name, _) = function_param(f)?;
            concurrency(cloud, &name, method, body_json(request)?)
        }
        (_, ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            let (name, _) = function_param(f)?;
            event_invoke_config(cloud, &name, method, body_json(request)?)
        }
        _ => Err(unknown()),
    }
}

fn alias_not_found(name: &str, alias: &str) -> Refusal {
    Refusal::new(404, "ResourceNotFoundException", format!("Alias not found: {}:{alias}", super::function::function_arn(name)))
}

fn str_field<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Refusal::new(400, "InvalidRequestContentException", format!("Could not parse request body into json: {name} must be a string"))),
    }
}

fn int_field(body: &Map<String, Value>, name: &str, field: &str, min: u64, max: u64) -> Result<Option<u32>> {
    let Some(v) = body.get(name).filter(|v| !v.is_null()) else { return Ok(None) };
    let n = v.as_u64().ok_or_else(|| Refusal::new(400, "InvalidRequestContentException", format!("Could not parse request body into json: {name} must be an integer")))?;
    if n < min {
        return Err(validation(format!(
            "1 validation error detected: Value '{n}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        )));
    }
    if n > max {
        return Err(validation(format!(
            "1 validation error detected: Value '{n}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        )));
    }
    Ok(Some(n as u32))
}

const RESERVED_ENV: [&str; 15] = [
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
];

fn environment(body: &Map<String, Value>) -> Result<Option<BTreeMap<String, String>>> {
    let Some(env) = body.get("Environment").filter(|v| !v.is_null()) else { return Ok(None) };
    let vars = env.get("Variables").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut out = BTreeMap::new();
    for (k, v) in &vars {
        let v = v.as_str().ok_or_else(|| invalid(format!("The value of environment variable {k} must be a string.")))?;
        let valid = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(validation(format!(
                "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
            )));
        }
        out.insert(k.clone(), v.to_string());
    }
    let reserved: Vec<&str> = out.keys().filter(|k| RESERVED_ENV.contains(&k.as_str())).map(String::as_str).collect();
    if !reserved.is_empty() {
        return Err(invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let measured = serde_json::to_string(&out).unwrap_or_default();
    if measured.len() > 4096 {
        return Err(invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(Some(out))
}

fn check_runtime(runtime: &str) -> Result<()> {
    if WASM_RUNTIMES.contains(&runtime) || language_runtime(runtime).is_some() {
        return Ok(());
    }
    if LAMBDA_RUNTIMES.contains(&runtime) {
        return Err(invalid(format!(
            "The runtime parameter of {runtime} is not supported by Stratus. Stratus runs nodejs20.x and nodejs22.x functions, and WebAssembly modules with provided.al2023."
        )));
    }
    Err(validation(format!(
        "1 validation error detected: Value '{runtime}' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        LAMBDA_RUNTIMES.join(", ")
    )))
}

/// The code of a function, opened: for a WebAssembly function its module;
/// for a language runtime its source package.
struct Code {
    code_sha256: String,
    code_size: u64,
    /// The module's key (`runtime:<name>` for a language runtime) and, when
    /// the module is the function's own, its bytes.
    module_key: String,
    module: Option<Vec<u8>>,
    /// A language runtime's package: (key, JSON).
    source: Option<(String, Vec<u8>)>,
    form: &'static str,
}

fn decode_zip(zip_base64: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(zip_base64.trim())
        .map_err(|_| Refusal::new(400, "InvalidRequestContentException", "Could not parse request body into json: ZipFile is not valid base64"))
}

fn open_function_code(zip_base64: &str, handler: &str, runtime: &str, memory_mb: u32) -> Result<Code> {
    if let Some(name) = language_runtime(runtime) {
        let bytes = decode_zip(zip_base64)?;
        let (code_sha256, code_size, json) = package::open_source(&bytes, handler, runtime).map_err(invalid)?;
        let key = package::sha256_hex(&json);
        return Ok(Code { code_sha256, code_size, module_key: format!("runtime:{name}"), module: None, source: Some((key, json)), form: "reactor" });
    }
    let (p, form) = open_code(zip_base64, handler, memory_mb)?;
    Ok(Code { code_sha256: p.code_sha256, code_size: p.code_size, module_key: p.module_key, module: Some(p.module), source: None, form })
}

/// Opens and checks the code of a CreateFunction or UpdateFunctionCode: the
/// module must pass the deploy-time checks for the memory size it will get.
fn open_code(zip_base64: &str, handler: &str, memory_mb: u32) -> Result<(package::Package, &'static str)> {
    let bytes = decode_zip(zip_base64)?;
    let package = package::open(&bytes, handler).map_err(invalid)?;
    let prepared = super::instrument::prepare(&package.module, memory_mb, &super::check_import).map_err(invalid)?;
    let form = match prepared.form {
        super::instrument::Form::Command => "command",
        super::instrument::Form::Reactor { .. } => "reactor",
    };
    Ok((package, form))
}

/// The module a CreateFunction or UpdateFunctionCode request carries, to be
/// compiled before the request is handled: (module key, memory size, module).
pub fn code_to_compile(lambda: &Lambda, rest: &str, request: &HttpRequest) -> Option<(String, u32, super::instrument::Prepared)> {
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let body = body_json(request).ok()?;
    let (memory, handler) = match (request.method.as_str(), parts.as_slice()) {
        ("POST", ["2015-03-31", "functions"]) => {
            if body.get("Runtime").and_then(Value::as_str).and_then(language_runtime).is_some() {
                return None;
            }
            (body.get("MemorySize").and_then(Value::as_u64).unwrap_or(128) as u32, body.get("Handler").and_then(Value::as_str).unwrap_or(""))
        }
        ("PUT", ["2015-03-31", "functions", f, "code"]) => {
            let (name, _) = parse_function_name(&percent_decode(f, false))?;
            let c = &lambda.functions.get(&name)?.latest;
            if c.code_key.is_some() {
                return None;
            }
            (c.memory_mb, "")
        }
        _ => return None,
    };
    let zip = body.get("ZipFile").or_else(|| body.get("Code").and_then(|c| c.get("ZipFile"))).and_then(Value::as_str)?;
    let memory = memory.clamp(128, 10_240);
    let bytes = base64::engine::general_purpose::STANDARD.decode(zip.trim()).ok()?;
    let package = package::open(&bytes, handler).ok()?;
    if lambda.prepared.get(&(package.module_key.clone(), memory)).is_some_and(|p| p.compiled.is_some()) {
        return None;
    }
    let prepared = super::instrument::prepare(&package.module, memory, &super::check_import).ok()?;
    Some((package.module_key, memory, prepared))
}

/// The prepared modules a request will run, as (module key, memory size):
/// a language runtime a new function needs, or the versions an invocation
/// may run. `Cloud::handle` loads and compiles them (asynchronously) before
/// the request is handled.
pub fn modules_needed(lambda: &Lambda, rest: &str, request: &HttpRequest) -> Vec<(String, u32)> {
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let memory_of = |body: &Map<String, Value>| body.get("MemorySize").and_then(Value::as_u64).map(|m| m.clamp(128, 10_240) as u32);
    let function = |f: &str| parse_function_name(&percent_decode(f, false)).and_then(|(n, q)| Some((lambda.functions.get(&n)?, q)));
    match (request.method.as_str(), parts.as_slice()) {
        ("POST", ["2015-03-31", "functions"]) => {
            let Ok(body) = body_json(request) else { return Vec::new() };
            match body.get("Runtime").and_then(Value::as_str).and_then(language_runtime) {
                Some(name) => vec![(format!("runtime:{name}"), memory_of(&body).unwrap_or(128))],
                None => Vec::new(),
            }
        }
        ("PUT", ["2015-03-31", "functions", f, "code" | "configuration"]) => {
            let Some((f, _)) = function(f) else { return Vec::new() };
            let memory = body_json(request).ok().and_then(|b| memory_of(&b)).unwrap_or(f.latest.memory_mb);
            vec![(f.latest.module_key.clone(), memory)]
        }
        ("POST", ["2015-03-31", "functions", f, "invocations"]) => {
            let Some((f, inline)) = function(f) else { return Vec::new() };
            let q = request.query_param("Qualifier").or(inline);
            let mut versions = Vec::new();
            match q.as_deref().and_then(|q| f.aliases.get(q)) {
                Some(a) => {
                    versions.push(a.function_version.clone());
                    versions.extend(a.additional.as_ref().map(|(v, _)| v.clone()));
                }
                None => versions.push(q.unwrap_or_else(|| "$LATEST".into())),
            }
            versions.iter().filter_map(|v| f.version_config(v)).map(|c| (c.module_key.clone(), c.memory_mb)).collect()
        }
        _ => Vec::new(),
    }
}

fn create_function(cloud: &Cloud, body: Map<String, Value>) -> Result<HttpResponse> {
    let name_text = str_field(&body, "FunctionName")?
        .ok_or_else(|| validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"))?;
    let (name, qualifier) = parse_function_name(name_text).ok_or_else(|| function_param(name_text).err().unwrap())?;
    if qualifier.is_some() {
        return Err(invalid("The function name must not carry a qualifier when creating a function."));
    }
    let role = str_field(&body, "Role")?
        .ok_or_else(|| validation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null"))?;
    if !role.starts_with("arn:aws:iam::") || !role.contains(":role/") {
        return Err(validation(format!(
            "1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
        )));
    }
    let runtime = str_field(&body, "Runtime")?.unwrap_or("provided.al2023");
    check_runtime(runtime)?;
    if body.get("PackageType").and_then(Value::as_str) == Some("Image") {
        return Err(invalid("Stratus runs functions from zip packages only (PackageType Zip)."));
    }
    let memory = int_field(&body, "MemorySize", "memorySize", 128, 10_240)?.unwrap_or(128);
    let timeout = int_field(&body, "Timeout", "timeout", 1, 900)?.unwrap_or(3);
    let handler = match (str_field(&body, "Handler")?, language_runtime(runtime)) {
        (Some(h), _) => h.to_string(),
        (None, Some(_)) => "index.handler".to_string(),
        (None, None) => String::new(),
    };
    let description = str_field(&body, "Description")?.unwrap_or("").to_string();
    if description.len() > 256 {
        return Err(validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"));
    }
    let env = environment(&body)?.unwrap_or_default();
    let code = body.get("Code").and_then(Value::as_object).ok_or_else(|| {
        validation("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
    })?;
    let zip = code.get("ZipFile").and_then(Value::as_str).ok_or_else(|| {
        invalid("Stratus takes the code in Code.ZipFile (a zip archive or a WebAssembly module, base64); S3 locations and images are not supported.")
    })?;
    let code = open_function_code(zip, &handler, runtime, memory)?;
    if cloud.lambda().functions.contains_key(&name) {
        return Err(conflict(format!("Function already exist: {name}")));
    }
    if let Some((_, json)) = &code.source {
        // A language runtime starts once now, so that a syntax error is
        // reported here rather than at the first invocation.
        invoke::check_source(cloud, &name, &code.module_key, json, memory).map_err(invalid)?;
    }
    let mut l = cloud.lambda();
    let now = l.now_ms();
    let revision_id = l.uuid();
    let config = Config {
        version: "$LATEST".into(),
        runtime: runtime.to_string(),
        role: role.to_string(),
        handler,
        description,
        timeout_s: timeout,
        memory_mb: memory,
        env,
        code_sha256: code.code_sha256.clone(),
        code_size: code.code_size,
        module_key: code.module_key.clone(),
        form: code.form.into(),
        code_key: code.source.as_ref().map(|(k, _)| k.clone()),
        last_modified_ms: now,
        revision_id,
    };
    let publish = body.get("Publish").and_then(Value::as_bool).unwrap_or(false);
    let tags: BTreeMap<String, String> = body
        .get("Tags")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    keep_code(&mut l, code);
    let mut f = Function {
        name: name.clone(),
        latest: config.clone(),
        versions: BTreeMap::new(),
        next_version: 1,
        aliases: BTreeMap::new(),
        reserved_concurrency: None,
        tags,
        max_retries: 2,
    };
    let mut answer = config.to_json(&name);
    if publish {
        let v = Config { version: "1".into(), ..config };
        answer = v.to_json(&name);
        f.versions.insert(1, v);
        f.next_version = 2;
    }
    l.functions.insert(name.clone(), f);
    l.journal_function(&name);
    Ok(ok(201, answer))
}

/// Keeps a function's code: its own module, or its source package.
fn keep_code(l: &mut Lambda, code: Code) {
    if let Some(module) = code.module {
        l.keep_module(&code.module_key, module);
    }
    if let Some((key, json)) = code.source {
        l.keep_module(&key, json);
    }
}

fn list_functions(l: &Lambda, request: &HttpRequest) -> Result<HttpResponse> {
    let max = request.query_param("MaxItems").and_then(|m| m.parse::<usize>().ok()).unwrap_or(50).clamp(1, 50);
    let marker = request.query_param("Marker");
    let all_versions = request.query_param("FunctionVersion").as_deref() == Some("ALL");
    let mut configs: Vec<Value> = Vec::new();
    for f in l.functions.values() {
        if marker.as_deref().is_some_and(|m| f.name.as_str() <= m) {
            continue;
        }
        configs.push(f.latest.to_json(&f.name));
        if all_versions {
            configs.extend(f.versions.values().map(|v| v.to_json(&f.name)));
        }
    }
    let more = configs.len() > max;
    configs.truncate(max);
    let mut out = json!({ "Functions": configs });
    if more {
        out["NextMarker"] = configs.last().map(|c| c["FunctionName"].clone()).unwrap_or(Value::Null);
    }
    Ok(ok(200, out))
}

fn get_function(l: &Lambda, name: &str, q: Option<&str>) -> Result<HttpResponse> {
    let f = l.functions.get(name).ok_or_else(|| invoke::not_found(name, q))?;
    let c = f.config(q).ok_or_else(|| invoke::not_found(name, q))?;
    let mut out = json!({
        "Configuration": c.to_json(name),
        // AWS answers a presigned S3 URL valid for ten minutes; Stratus a URL
        // of this site (relative to the app's base) that serves the package.
        "Code": { "RepositoryType": "S3", "Location": format!("_aws/lambda/{CODE_PATH}/{}", c.code_key.as_ref().unwrap_or(&c.module_key)) },
    });
    if let Some(r) = f.reserved_concurrency {
        out["Concurrency"] = json!({ "ReservedConcurrentExecutions": r });
    }
    if !f.tags.is_empty() {
        out["Tags"] = json!(f.tags);
    }
    Ok(ok(200, out))
}

/// Where GetFunction's `Code.Location` points, under `_aws/lambda/`.
pub const CODE_PATH: &str = "stratus/code";

/// `GET _aws/lambda/stratus/code/<key>`: a deployed package as a zip (what
/// GetFunction's `Code.Location` downloads). A package no function uses any
/// more is gone, as an expired presigned URL is on AWS: S3's own 404.
fn download_code(l: &Lambda, key: &str) -> Result<HttpResponse> {
    let Some(stored) = l.modules.get(key).filter(|_| !key.starts_with("runtime:")) else {
        return Ok(HttpResponse::new(404).with_body(
            "application/xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
        ));
    };
    let zip = package::download_zip(stored).map_err(|e| Refusal::new(500, "ServiceException", format!("The package could not be written as a zip: {e}")))?;
    Ok(HttpResponse::new(200)
        .with_header("Content-Disposition", "attachment; filename=\"package.zip\"")
        .with_body("application/zip", zip))
}

fn delete_function(cloud: &Cloud, name: &str, q: Option<&str>) -> Result<HttpResponse> {
    let mut l = cloud.lambda();
    let f = l.functions.get_mut(name).ok_or_else(|| invoke::not_found(name, q))?;
    match q {
        None | Some("$LATEST") => {
            l.functions.remove(name);
            l.runtime.retire_all(name);
        }
        Some(v) => {
            let n: u32 = v.parse().map_err(|_| invalid("Deletion of aliases is not supported by DeleteFunction; use DeleteAlias."))?;
            if f.aliases.values().any(|a| a.function_version == v || a.additional.as_ref().is_some_and(|(av, _)| av == v)) {
                return Err(conflict(format!("Unable to delete version because the following aliases reference it: {}", f.aliases.values().filter(|a| a.function_version == v).map(|a| a.name.clone()).collect::<Vec<_>>().join(", "))));
            }
            f.versions.remove(&n).ok_or_else(|| invoke::not_found(name, q))?;
            l.runtime.retire(name, v);
        }
    }
    l.journal_function(name);
    l.drop_unused_modules();
    Ok(HttpResponse::new(204))
}

fn revision_check(body: &Map<String, Value>, current: &str) -> Result<()> {
    if let Some(r) = body.get("RevisionId").and_then(Value::as_str) {
        if r != current {
            return Err(Refusal::new(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"));
        }
    }
    Ok(())
}

fn update_configuration(cloud: &Cloud, name: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let memory = int_field(&body, "MemorySize", "memorySize", 128, 10_240)?;
    let timeout = int_field(&body, "Timeout", "timeout", 1, 900)?;
    let env = environment(&body)?;
    let runtime = str_field(&body, "Runtime")?;
    if let Some(r) = runtime {
        check_runtime(r)?;
    }
    let mut l = cloud.lambda();
    let f = l.functions.get(name).ok_or_else(|| invoke::not_found(name, None))?;
    revision_check(&body, &f.latest.revision_id)?;
    let mut c = f.latest.clone();
    if let Some(m) = memory {
        c.memory_mb = m;
    }
    if let Some(t) = timeout {
        c.timeout_s = t;
    }
    if let Some(e) = env {
        c.env = e;
    }
    if let Some(r) = runtime {
        if language_runtime(r) != language_runtime(&c.runtime) {
            return Err(invalid(format!(
                "The function's code was deployed for {}; to change its runtime to {r}, update its code and runtime together (UpdateFunctionCode after UpdateFunctionConfiguration is not enough in Stratus: create the function anew).",
                c.runtime
            )));
        }
        c.runtime = r.to_string();
    }
    if let Some(d) = str_field(&body, "Description")? {
        c.description = d.to_string();
    }
    if let Some(h) = str_field(&body, "Handler")? {
        c.handler = h.to_string();
    }
    if let Some(r) = str_field(&body, "Role")? {
        c.role = r.to_string();
    }
    if memory.is_some() {
        // The module must fit the new memory size.
        l.prepare(&c.module_key, c.memory_mb).map_err(invalid)?;
    }
    c.last_modified_ms = l.now_ms();
    c.revision_id = l.uuid();
    let answer = c.to_json(name);
    l.functions.get_mut(name).unwrap().latest = c;
    // New settings mean new environments.
    l.runtime.retire(name, "$LATEST");
    l.journal_function(name);
    Ok(ok(200, answer))
}

fn update_code(cloud: &Cloud, name: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let (memory, handler, runtime) = {
        let l = cloud.lambda();
        let f = l.functions.get(name).ok_or_else(|| invoke::not_found(name, None))?;
        revision_check(&body, &f.latest.revision_id)?;
        (f.latest.memory_mb, f.latest.handler.clone(), f.latest.runtime.clone())
    };
    let zip = str_field(&body, "ZipFile")?.ok_or_else(|| {
        invalid("Stratus takes the code in ZipFile (a zip archive or a WebAssembly module, base64); S3 locations and images are not supported.")
    })?;
    let code = open_function_code(zip, &handler, &runtime, memory)?;
    if let Some((_, json)) = &code.source {
        invoke::check_source(cloud, name, &code.module_key, json, memory).map_err(invalid)?;
    }
    let mut l = cloud.lambda();
    let now = l.now_ms();
    let revision_id = l.uuid();
    let (sha, size, module_key, form, code_key) =
        (code.code_sha256.clone(), code.code_size, code.module_key.clone(), code.form, code.source.as_ref().map(|(k, _)| k.clone()));
    keep_code(&mut l, code);
    let f = l.functions.get_mut(name).unwrap();
    f.latest.code_sha256 = sha;
    f.latest.code_size = size;
    f.latest.module_key = module_key;
    f.latest.code_key = code_key;
    f.latest.form = form.into();
    f.latest.last_modified_ms = now;
    f.latest.revision_id = revision_id;
    let mut answer = f.latest.to_json(name);
    if body.get("Publish").and_then(Value::as_bool).unwrap_or(false) {
        let n = f.next_version;
        let v = Config { version: n.to_string(), ..f.latest.clone() };
        answer = v.to_json(name);
        f.versions.insert(n, v);
        f.next_version += 1;
    }
    l.runtime.retire(name, "$LATEST");
    l.journal_function(name);
    l.drop_unused_modules();
    Ok(ok(200, answer))
}

fn publish_version(cloud: &Cloud, name: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let mut l = cloud.lambda();
    let revision = l.uuid();
    let f = l.functions.get_mut(name).ok_or_else(|| invoke::not_found(name, None))?;
    revision_check(&body, &f.latest.revision_id)?;
    if let Some(sha) = body.get("CodeSha256").and_then(Value::as_str) {
        if sha != f.latest.code_sha256 {
            return Err(invalid(format!("CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.", f.latest.code_sha256)));
        }
    }
    // Publishing what the last version already holds returns that version.
    let same = |v: &Config| {
        let mut a = v.clone();
        a.version = "$LATEST".into();
        a.revision_id = f.latest.revision_id.clone();
        a.last_modified_ms = f.latest.last_modified_ms;
        a.description = f.latest.description.clone();
        a == f.latest
    };
    if let Some(v) = f.versions.values().next_back().filter(|v| same(v)) {
        return Ok(ok(201, v.to_json(name)));
    }
    let n = f.next_version;
    let mut v = Config { version: n.to_string(), revision_id: revision, ..f.latest.clone() };
    if let Some(d) = body.get("Description").and_then(Value::as_str) {
        v.description = d.to_string();
    }
    let answer = v.to_json(name);
    f.versions.insert(n, v);
    f.next_version += 1;
    l.journal_function(name);
    Ok(ok(201, answer))
}

fn list_versions(l: &Lambda, name: &str) -> Result<HttpResponse> {
    let f = l.functions.get(name).ok_or_else(|| invoke::not_found(name, None))?;
    let versions: Vec<Value> = std::iter::once(&f.latest).chain(f.versions.values()).map(|c| c.to_json(name)).collect();
    Ok(ok(200, json!({ "Versions": versions })))
}

fn routing(f: &Function, body: &Map<String, Value>, main: &str) -> Result<Option<Option<(String, f64)>>> {
    let Some(rc) = body.get("RoutingConfig") else { return Ok(None) };
    let weights = rc.get("AdditionalVersionWeights").and_then(Value::as_object).cloned().unwrap_or_default();
    if weights.len() > 1 {
        return Err(invalid("Only one additional version may be specified in the routing configuration."));
    }
    let Some((v, w)) = weights.into_iter().next() else { return Ok(Some(None)) };
    let w = w.as_f64().filter(|w| (0.0..=1.0).contains(w)).ok_or_else(|| {
        validation("1 validation error detected: Value at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]")
    })?;
    if v == "$LATEST" || v.parse::<u32>().ok().and_then(|n| f.versions.get(&n)).is_none() {
        return Err(invalid(format!("The routing configuration's additional version {v} must be a published version of the function.")));
    }
    if v == main {
        return Err(invalid(format!("Invalid function version {v}. Function version {v} is already included in routing configuration.")));
    }
    if main == "$LATEST" {
        return Err(invalid("$LATEST is not supported for an alias pointing to more than 1 version"));
    }
    Ok(Some(Some((v, w))))
}

fn check_version(f: &Function, v: &str) -> Result<()> {
    if f.version_config(v).is_none() {
        return Err(Refusal::new(404, "ResourceNotFoundException", format!("Function not found: {}:{v}", super::function::function_arn(&f.name))));
    }
    Ok(())
}

fn create_alias(cloud: &Cloud, name: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let alias = str_field(&body, "Name")?.ok_or_else(|| validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"))?.to_string();
    if alias.parse::<u32>().is_ok() || alias.is_empty() || alias.len() > 128 || !alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(validation(format!("1 validation error detected: Value '{alias}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")));
    }
    let version = str_field(&body, "FunctionVersion")?.ok_or_else(|| validation("1 validation error detected: Value null at 'functionVersion' failed to satisfy constraint: Member must not be null"))?.to_string();
    let mut l = cloud.lambda();
    let revision_id = l.uuid();
    let f = l.functions.get_mut(name).ok_or_else(|| invoke::not_found(name, None))?;
    check_version(f, &version)?;
    if f.aliases.contains_key(&alias) {
        return Err(conflict(format!("Alias already exists: {}:{alias}", super::function::function_arn(name))));
    }
    let additional = routing(f, &body, &version)?.flatten();
    let a = Alias { name: alias.clone(), function_version: version, description: str_field(&body, "Description")?.unwrap_or("").to_string(), additional, revision_id };
    let answer = a.to_json(name);
    f.aliases.insert(alias, a);
    l.journal_function(name);
    Ok(ok(201, answer))
}

fn update_alias(cloud: &Cloud, name: &str, alias: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let mut l = cloud.lambda();
    let revision_id = l.uuid();
    let f = l.functions.get_mut(name).ok_or_else(|| invoke::not_found(name, None))?;
    let mut a = f.aliases.get(alias).ok_or_else(|| alias_not_found(name, alias))?.clone();
    revision_check(&body, &a.revision_id)?;
    if let Some(v) = str_field(&body, "FunctionVersion")? {
        check_version(f, v)?;
        a.function_version = v.to_string();
    }
    if let Some(r) = routing(f, &body, &a.function_version)? {
        a.additional = r;
    }
    if let Some(d) = str_field(&body, "Description")? {
        a.description = d.to_string();
    }
    a.revision_id = revision_id;
    let answer = a.to_json(name);
    f.aliases.insert(alias.to_string(), a);
    l.journal_function(name);
    Ok(ok(200, answer))
}

/// The account's concurrency: 1,000 executions, of which at least 100 stay
/// unreserved (Lambda's defaults).
const ACCOUNT_CONCURRENCY: u32 = 1000;

fn concurrency(cloud: &Cloud, name: &str, method: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let mut l = cloud.lambda();
    let reserved_elsewhere: u32 = l.functions.values().filter(|f| f.name != name).filter_map(|f| f.reserved_concurrency).sum();
    let f = l.functions.get_mut(name).ok_or_else(|| invoke::not_found(name, None))?;
    match method {
        "GET" => Ok(ok(200, match f.reserved_concurrency {
            Some(r) => json!({ "ReservedConcurrentExecutions": r }),
            None => json!({}),
        })),
        "DELETE" => {
            f.reserved_concurrency = None;
            l.journal_function(name);
            Ok(HttpResponse::new(204))
        }
        "PUT" => {
            let n = body.get("ReservedConcurrentExecutions").and_then(Value::as_u64).ok_or_else(|| {
                validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
            })? as u32;
            if reserved_elsewhere + n > ACCOUNT_CONCURRENCY - 100 {
                return Err(invalid(format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
                )));
            }
            f.reserved_concurrency = Some(n);
            l.journal_function(name);
            Ok(ok(200, json!({ "ReservedConcurrentExecutions": n })))
        }
        _ => Err(Refusal::new(404, "UnknownOperationException", format!("Unknown operation: {method} concurrency"))),
    }
}

fn event_invoke_config(cloud: &Cloud, name: &str, method: &str, body: Map<String, Value>) -> Result<HttpResponse> {
    let mut l = cloud.lambda();
    let now = super::function::lambda_time(l.now_ms());
    let f = l.functions.get_mut(name).ok_or_else(|| invoke::not_found(name, None))?;
    if matches!(method, "PUT" | "POST") {
        if let Some(n) = body.get("MaximumRetryAttempts").filter(|v| !v.is_null()) {
            let n = n.as_u64().filter(|n| *n <= 2).ok_or_else(|| {
                validation("1 validation error detected: Value at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2")
            })?;
            f.max_retries = n as u32;
        }
    }
    let answer = json!({
        "FunctionArn": format!("{}:$LATEST", super::function::function_arn(name)),
        "MaximumRetryAttempts": f.max_retries,
        "MaximumEventAgeInSeconds": 21600,
        "LastModified": now,
        "DestinationConfig": { "OnSuccess": {}, "OnFailure": {} },
    });
    l.journal_function(name);
    Ok(ok(200, answer))
}

fn account_settings(l: &Lambda) -> HttpResponse {
    let reserved: u32 = l.functions.values().filter_map(|f| f.reserved_concurrency).sum();
    let code: u64 = l.modules.values().map(|m| m.len() as u64).sum();
    ok(200, json!({
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800u64,
            "CodeSizeUnzipped": 262_144_000,
            "CodeSizeZipped": 52_428_800,
            "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
            "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
        },
        "AccountUsage": { "TotalCodeSize": code, "FunctionCount": l.functions.len() },
    }))
}

fn invoke_http(cloud: &Cloud, name: &str, q: Option<&str>, request: &HttpRequest, request_id: &str) -> Result<HttpResponse> {
    let kind = request.header("X-Amz-Invocation-Type").unwrap_or("RequestResponse");
    let payload: &[u8] = if request.body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &request.body };
    if serde_json::from_slice::<serde::de::IgnoredAny>(payload).is_err() {
        return Err(Refusal::new(400, "InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json: Unexpected character"));
    }
    {
        let l = cloud.lambda();
        let f = l.functions.get(name).ok_or_else(|| invoke::not_found(name, q))?;
        f.config(q).ok_or_else(|| invoke::not_found(name, q))?;
    }
    match kind {
        "RequestResponse" => {
            if payload.len() > MAX_SYNC_PAYLOAD {
                return Err(Refusal::new(413, "RequestTooLargeException", format!("Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation")));
            }
            let outcome = invoke::invoke(cloud, name, q, payload, request_id)?;
            if outcome.payload.len() > MAX_SYNC_PAYLOAD {
                return Err(Refusal::new(502, "ResponseSizeTooLarge", format!("Response payload size exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes).")));
            }
            let mut r = HttpResponse::new(200)
                .with_header("X-Amz-Executed-Version", &outcome.executed_version)
                .with_body("application/json", outcome.payload.clone());
            if let Some(e) = outcome.function_error {
                r = r.with_header("X-Amz-Function-Error", e);
            }
            if request.header("X-Amz-Log-Type") == Some("Tail") {
                r = r.with_header("X-Amz-Log-Result", &base64::engine::general_purpose::STANDARD.encode(outcome.tail()));
            }
            Ok(r)
        }
        "Event" => {
            if payload.len() > MAX_ASYNC_PAYLOAD {
                return Err(Refusal::new(413, "RequestTooLargeException", format!("Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for the InvokeAsync operation")));
            }
            invoke::enqueue(cloud, name, q, payload.to_vec(), request_id);
            Ok(HttpResponse::new(202))
        }
        "DryRun" => Ok(HttpResponse::new(204)),
        other => Err(validation(format!(
            "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        ))),
    }
}
