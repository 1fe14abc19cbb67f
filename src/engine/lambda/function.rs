//! A function's model: its configuration ($LATEST and published versions),
//! aliases and reserved concurrency, with the JSON Lambda answers for them
//! and the JSON Stratus stores them as.

use crate::engine::clock::civil_from_unix;
use crate::engine::{ACCOUNT_ID, REGION};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Language runtimes: the package holds source files that a runtime module
/// (built from `runtimes/<name>`) runs.
pub const LANGUAGE_RUNTIMES: [(&str, &str); 2] = [("nodejs20.x", "nodejs"), ("nodejs22.x", "nodejs")];

/// The runtime module a runtime identifier needs, if it is a language runtime.
pub fn language_runtime(runtime: &str) -> Option<&'static str> {
    LANGUAGE_RUNTIMES.iter().find(|(r, _)| *r == runtime).map(|(_, m)| *m)
}

/// Runtimes a WebAssembly module runs under: Lambda's OS-only runtimes,
/// where the deployment package brings its own runtime.
pub const WASM_RUNTIMES: [&str; 3] = ["provided.al2023", "provided.al2", "provided"];

/// Every runtime identifier Lambda accepts (for its own validation message).
pub const LAMBDA_RUNTIMES: [&str; 27] = [
    "nodejs18.x", "nodejs20.x", "nodejs22.x", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
    "java8.al2", "java11", "java17", "java21", "dotnet8", "ruby3.2", "ruby3.3", "ruby3.4", "provided", "provided.al2",
    "provided.al2023", "nodejs16.x", "python3.8", "java8", "dotnet6", "go1.x", "ruby2.7", "nodejs14.x", "dotnetcore3.1",
];

/// One version's configuration (`$LATEST` is the editable one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub version: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub description: String,
    pub timeout_s: u32,
    pub memory_mb: u32,
    pub env: BTreeMap<String, String>,
    /// Base64 SHA-256 of the deployment package, as Lambda reports it.
    pub code_sha256: String,
    pub code_size: u64,
    /// The key of the module's bytes in the store and the module cache
    /// (hex SHA-256 of the module itself).
    pub module_key: String,
    /// "command" or "reactor".
    pub form: String,
    /// For a language runtime (nodejs): the key of the code package JSON
    /// (`stratus.code`); `module_key` is then `runtime:<name>`.
    #[serde(default)]
    pub code_key: Option<String>,
    pub last_modified_ms: u64,
    pub revision_id: String,
}

/// An alias: a name for a version, optionally sending a share of the
/// invocations to a second version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub description: String,
    /// (version, weight between 0 and 1)
    pub additional: Option<(String, f64)>,
    pub revision_id: String,
}

/// A function and everything published from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub latest: Config,
    pub versions: BTreeMap<u32, Config>,
    pub next_version: u32,
    pub aliases: BTreeMap<String, Alias>,
    pub reserved_concurrency: Option<u32>,
    pub tags: BTreeMap<String, String>,
    /// Retries of asynchronous invocations (0 to 2, Lambda's default 2).
    pub max_retries: u32,
}

pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

/// `2019-08-14T22:26:11.234+0000`, the form Lambda gives LastModified in.
pub fn lambda_time(ms: u64) -> String {
    let (y, mo, d, h, mi, s) = civil_from_unix(ms / 1000);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}+0000", ms % 1000)
}

/// `2026/11/24`, the date part of a log stream's name.
pub fn log_date(ms: u64) -> String {
    let (y, mo, d, ..) = civil_from_unix(ms / 1000);
    format!("{y:04}/{mo:02}/{d:02}")
}

impl Config {
    /// The FunctionConfiguration object Lambda answers with.
    pub fn to_json(&self, name: &str) -> Value {
        let arn = if self.version == "$LATEST" { function_arn(name) } else { format!("{}:{}", function_arn(name), self.version) };
        let mut out = json!({
            "FunctionName": name,
            "FunctionArn": arn,
            "Runtime": self.runtime,
            "Role": self.role,
            "Handler": self.handler,
            "CodeSize": self.code_size,
            "Description": self.description,
            "Timeout": self.timeout_s,
            "MemorySize": self.memory_mb,
            "LastModified": lambda_time(self.last_modified_ms),
            "CodeSha256": self.code_sha256,
            "Version": self.version,
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": self.revision_id,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{name}")},
        });
        if !self.env.is_empty() {
            out["Environment"] = json!({ "Variables": self.env });
        }
        out
    }
}

impl Alias {
    pub fn to_json(&self, function: &str) -> Value {
        let mut out = json!({
            "AliasArn": format!("{}:{}", function_arn(function), self.name),
            "Name": self.name,
            "FunctionVersion": self.function_version,
            "Description": self.description,
            "RevisionId": self.revision_id,
        });
        if let Some((v, w)) = &self.additional {
            let mut weights = Map::new();
            weights.insert(v.clone(), json!(w));
            out["RoutingConfig"] = json!({ "AdditionalVersionWeights": weights });
        }
        out
    }
}

impl Function {
    /// The configuration a qualifier names: `$LATEST`, a version number or
    /// an alias (its main version).
    pub fn config(&self, qualifier: Option<&str>) -> Option<&Config> {
        match qualifier {
            None | Some("$LATEST") => Some(&self.latest),
            Some(q) => match q.parse::<u32>() {
                Ok(n) => self.versions.get(&n),
                Err(_) => self.aliases.get(q).and_then(|a| self.config(Some(&a.function_version))),
            },
        }
    }

    pub fn version_config(&self, version: &str) -> Option<&Config> {
        if version == "$LATEST" {
            Some(&self.latest)
        } else {
            version.parse::<u32>().ok().and_then(|n| self.versions.get(&n))
        }
    }
}

/// Splits a FunctionName parameter (a name, an ARN or a partial ARN, each
/// optionally with `:qualifier`) into name and qualifier; `None` when it is
/// not a well-formed function name.
pub fn parse_function_name(text: &str) -> Option<(String, Option<String>)> {
    let rest = text
        .strip_prefix("arn:aws:lambda:")
        .map(|r| {
            // region:account:function:name[:qualifier]
            let parts: Vec<&str> = r.splitn(4, ':').collect();
            if parts.len() == 4 && parts[2] == "function" {
                parts[3].to_string()
            } else {
                String::new()
            }
        })
        .or_else(|| {
            // account:function:name[:qualifier]
            let parts: Vec<&str> = text.splitn(3, ':').collect();
            (parts.len() == 3 && parts[1] == "function" && parts[0].chars().all(|c| c.is_ascii_digit())).then(|| parts[2].to_string())
        })
        .unwrap_or_else(|| text.to_string());
    let (name, qualifier) = match rest.split_once(':') {
        Some((n, q)) => (n.to_string(), Some(q.to_string())),
        None => (rest, None),
    };
    let valid = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let qualifier_ok = qualifier.as_deref().is_none_or(|q| {
        !q.is_empty() && q.len() <= 128 && (q == "$LATEST" || q.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    });
    (valid && qualifier_ok).then_some((name, qualifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_lambda_writes_them() {
        assert_eq!(lambda_time(1_700_000_000_123), "2023-11-14T22:13:20.123+0000");
        assert_eq!(log_date(0), "1970/01/01");
        assert_eq!(log_date(951_782_400_000), "2000/02/29");
    }

    #[test]
    fn function_names_in_every_form() {
        assert_eq!(parse_function_name("hello"), Some(("hello".into(), None)));
        assert_eq!(parse_function_name("hello:prod"), Some(("hello".into(), Some("prod".into()))));
        assert_eq!(
            parse_function_name("arn:aws:lambda:us-east-1:000000000000:function:hello:3"),
            Some(("hello".into(), Some("3".into())))
        );
        assert_eq!(parse_function_name("000000000000:function:hello"), Some(("hello".into(), None)));
        assert_eq!(parse_function_name("bad name"), None);
        assert_eq!(parse_function_name(""), None);
    }
}
