//! Lambda: functions as nested WebAssembly modules (see docs/function-abi.md).
//!
//! * [`function`]: a function's configuration, versions and aliases;
//! * [`package`]: deployment packages (zip or a bare module);
//! * [`instrument`]: the deploy-time check and rewrite (fuel, memory limit);
//! * [`wasm`]: the `WasmEngine` seam; [`wasmi_engine`] natively, the
//!   browser's engine in `src/host/wasm_engine.rs`;
//! * [`wasi`]: the guest's imports (WASI preview1 subset and `stratus`);
//! * [`api`]: the Lambda REST API (`_aws/lambda/2015-03-31/...`);
//! * [`invoke`]: environments and invocations, synchronous and queued.
//!
//! State: functions and their modules are journaled (`lambda/function/<name>`
//! holds the configuration as JSON, `lambda/module/<sha256>` the module's
//! bytes); compiled modules, warm environments, the event queue and the
//! dead-letter list live in memory.

pub mod api;
pub mod function;
mod entry_checks;
pub mod instrument;
pub mod invoke;
pub mod package;
pub mod wasi;
pub mod wasm;
#[cfg(not(target_arch = "wasm32"))]
pub mod wasmi_engine;

use crate::engine::clock::Clock;
use crate::engine::metrics::Metrics;
use crate::engine::store::{Journal, Mutation};
use function::Function;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use wasm::Module;

pub const FUNCTION_PREFIX: &str = "lambda/function/";
pub const MODULE_PREFIX: &str = "lambda/module/";

/// Settings a class may change (through the console's clock page).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// An execution environment unused for this long is shut down, so the
    /// next invocation is a cold start (engine-clock milliseconds).
    pub idle_ms: u64,
    /// Seconds before the first and second retry of a failed asynchronous
    /// invocation (Lambda waits about one minute, then two).
    pub retry_delays_s: [u64; 2],
}

impl Default for Settings {
    fn default() -> Self {
        Settings { idle_ms: 5 * 60 * 1000, retry_delays_s: [60, 120] }
    }
}

/// A module prepared (instrumented) for one memory size, and compiled once
/// an engine has compiled it.
pub struct Prepared {
    pub form: instrument::Form,
    pub bytes: Vec<u8>,
    pub compiled: Option<Rc<dyn Module>>,
}

/// The Lambda service's state.
pub struct Lambda {
    pub functions: BTreeMap<String, Function>,
    /// Module bytes by hex SHA-256 (as uploaded, before instrumentation).
    pub modules: HashMap<String, Rc<Vec<u8>>>,
    /// Prepared modules by (module key, memory size in MB).
    pub prepared: HashMap<(String, u32), Prepared>,
    /// Language runtimes' modules by name (`nodejs`), loaded on first use;
    /// a configuration names one as `runtime:<name>`.
    pub runtime_modules: HashMap<String, Rc<Vec<u8>>>,
    pub settings: Settings,
    pub runtime: invoke::Runtime,
    pub clock: Rc<dyn Clock>,
    pub journal: Journal,
    pub metrics: Metrics,
    ids: u64,
}

impl Lambda {
    pub fn new(clock: Rc<dyn Clock>, journal: Journal, metrics: Metrics) -> Self {
        Lambda {
            functions: BTreeMap::new(),
            modules: HashMap::new(),
            prepared: HashMap::new(),
            runtime_modules: HashMap::new(),
            settings: Settings::default(),
            runtime: invoke::Runtime::default(),
            clock,
            journal,
            metrics,
            ids: 0,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// A fresh id in UUID form (request ids, revision ids).
    pub fn uuid(&mut self) -> String {
        self.ids += 1;
        let a = splitmix(self.ids ^ self.now_ms().rotate_left(23));
        let b = splitmix(a ^ self.ids.rotate_left(7));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// A number in [0, 1) for weighted alias routing.
    pub fn random_unit(&mut self) -> f64 {
        self.ids += 1;
        (splitmix(self.ids ^ self.now_ms()) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Records a function's configuration for the store.
    pub fn journal_function(&self, name: &str) {
        match self.functions.get(name) {
            Some(f) => self.journal.push(Mutation::Put {
                key: format!("{FUNCTION_PREFIX}{name}"),
                value: serde_json::to_vec(f).unwrap_or_default(),
            }),
            None => self.journal.push(Mutation::Delete { key: format!("{FUNCTION_PREFIX}{name}") }),
        }
    }

    /// Keeps a module's bytes (journaled the first time it is seen).
    pub fn keep_module(&mut self, key: &str, bytes: Vec<u8>) {
        if !self.modules.contains_key(key) {
            self.journal.push(Mutation::Put { key: format!("{MODULE_PREFIX}{key}"), value: bytes.clone() });
            self.modules.insert(key.to_string(), Rc::new(bytes));
        }
    }

    /// Forgets modules no configuration refers to any more.
    pub fn drop_unused_modules(&mut self) {
        let used: std::collections::HashSet<&String> = self
            .functions
            .values()
            .flat_map(|f| std::iter::once(&f.latest).chain(f.versions.values()))
            .flat_map(|c| std::iter::once(&c.module_key).chain(c.code_key.as_ref()))
            .collect();
        let unused: Vec<String> = self.modules.keys().filter(|k| !used.contains(k)).cloned().collect();
        for key in unused {
            self.modules.remove(&key);
            self.prepared.retain(|(k, _), _| k != &key);
            self.journal.push(Mutation::Delete { key: format!("{MODULE_PREFIX}{key}") });
        }
    }

    /// Loads stored functions and modules into this empty service.
    pub fn restore(&mut self, entries: &[(String, Vec<u8>)]) -> Result<usize, String> {
        for (key, value) in entries {
            if let Some(name) = key.strip_prefix(FUNCTION_PREFIX) {
                let f: Function = serde_json::from_slice(value).map_err(|e| format!("{key}: {e}"))?;
                self.functions.insert(name.to_string(), f);
            } else if let Some(module) = key.strip_prefix(MODULE_PREFIX) {
                self.modules.insert(module.to_string(), Rc::new(value.clone()));
            }
        }
        for f in self.functions.values() {
            for c in std::iter::once(&f.latest).chain(f.versions.values()) {
                for key in std::iter::once(&c.module_key).chain(c.code_key.as_ref()) {
                    if !key.starts_with("runtime:") && !self.modules.contains_key(key) {
                        return Err(format!("{FUNCTION_PREFIX}{}: its module {key} is missing", f.name));
                    }
                }
            }
        }
        Ok(self.functions.len())
    }

    /// A module's bytes: a function's own, or a language runtime's
    /// (`runtime:<name>`).
    pub fn module_bytes(&self, key: &str) -> Option<Rc<Vec<u8>>> {
        match key.strip_prefix("runtime:") {
            Some(name) => self.runtime_modules.get(name).cloned(),
            None => self.modules.get(key).cloned(),
        }
    }

    /// Prepares (instruments) a module for a memory size, once.
    pub fn prepare(&mut self, module_key: &str, memory_mb: u32) -> Result<&mut Prepared, String> {
        let key = (module_key.to_string(), memory_mb);
        if !self.prepared.contains_key(&key) {
            let bytes = self.module_bytes(module_key).ok_or_else(|| match module_key.strip_prefix("runtime:") {
                Some(name) => format!("The {name} runtime is not loaded yet."),
                None => format!("the module {module_key} is missing"),
            })?;
            let p = instrument::prepare(&bytes, memory_mb, &check_import)?;
            self.prepared.insert(key.clone(), Prepared { form: p.form, bytes: p.bytes, compiled: None });
        }
        Ok(self.prepared.get_mut(&key).unwrap())
    }
}

/// The deploy-time import check: what [`wasi`] provides, with its message.
pub fn check_import(module: &str, name: &str, sig: &instrument::FuncSig) -> Result<(), String> {
    let map = |t: &instrument::ValType| match t {
        instrument::ValType::I32 => wasi::ValType::I32,
        instrument::ValType::I64 => wasi::ValType::I64,
        instrument::ValType::F32 => wasi::ValType::F32,
        instrument::ValType::F64 => wasi::ValType::F64,
        _ => wasi::ValType::Other,
    };
    let params: Vec<wasi::ValType> = sig.params.iter().map(map).collect();
    let results: Vec<wasi::ValType> = sig.results.iter().map(map).collect();
    wasi::import_allowed(module, name, &params, &results).map_err(|e| {
        if wasi::host_signature(module, name).is_none() {
            instrument::not_provided(module, name)
        } else {
            format!("The module's import {e}.")
        }
    })
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
