//! The native [`WasmEngine`]: `wasmi`, an interpreter, for tests and
//! benchmarks (the browser app runs modules with the browser's own engine).
//!
//! Each instance gets its own `wasmi::Store`, whose data is the instance's
//! [`Imports`]. Every function import of the module is linked to one host
//! function that forwards to [`Imports::call`] with a [`Memory`] view of the
//! caller's exported `memory`. A [`HostStop`] travels through wasmi as a host
//! error and comes back out of [`Instance::call`] as [`Trap::Host`]; every
//! other failure is the guest's own trap, [`Trap::Guest`]. wasmi's own fuel
//! metering stays off: Stratus weaves its own into the module.

use std::collections::HashSet;
use std::fmt;
use std::rc::Rc;

use super::wasm::{Compiling, HostStop, Imports, Instance, Memory, Module, Trap, Val, WasmEngine};

/// The wasmi engine (one per process is enough; it is cheap to clone).
#[derive(Clone, Default)]
pub struct WasmiEngine {
    engine: wasmi::Engine,
}

impl WasmiEngine {
    pub fn new() -> Self {
        WasmiEngine { engine: wasmi::Engine::default() }
    }
}

impl WasmEngine for WasmiEngine {
    fn compile(&self, bytes: Vec<u8>) -> Compiling {
        let compiled = self.compile_now(&bytes);
        Box::pin(std::future::ready(compiled))
    }

    fn compile_now(&self, bytes: &[u8]) -> Result<Rc<dyn Module>, String> {
        let module = wasmi::Module::new(&self.engine, bytes).map_err(|e| format!("the module does not compile: {e}"))?;
        Ok(Rc::new(WasmiModule { engine: self.engine.clone(), module }))
    }

    fn name(&self) -> &'static str {
        "wasmi"
    }
}

struct WasmiModule {
    engine: wasmi::Engine,
    module: wasmi::Module,
}

/// A store's data: the instance's imports.
struct HostData {
    imports: Rc<dyn Imports>,
}

/// A [`HostStop`] on its way through wasmi.
#[derive(Debug)]
struct Stop(HostStop);

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host stop: {:?}", self.0)
    }
}

impl wasmi::errors::HostError for Stop {}

fn stop(reason: HostStop) -> wasmi::Error {
    wasmi::Error::host(Stop(reason))
}

impl Module for WasmiModule {
    fn instantiate(&self, imports: Rc<dyn Imports>) -> Result<Box<dyn Instance>, String> {
        let mut store = wasmi::Store::new(&self.engine, HostData { imports: imports.clone() });
        let mut linker = wasmi::Linker::<HostData>::new(&self.engine);
        let mut linked = HashSet::new();
        for import in self.module.imports() {
            let (module, name) = (import.module(), import.name());
            let wasmi::ExternType::Func(ty) = import.ty() else {
                return Err(format!("import {module}.{name} is not a function; a function module may import only functions"));
            };
            if !linked.insert((module.to_string(), name.to_string())) {
                continue;
            }
            let Some(id) = imports.resolve(module, name) else {
                return Err(format!("import {module}.{name}: the host has no such function"));
            };
            linker
                .func_new(module, name, ty.clone(), move |caller, params, results| host_call(caller, id, params, results))
                .map_err(|e| format!("import {module}.{name}: {e}"))?;
        }
        let instance = linker.instantiate_and_start(&mut store, &self.module).map_err(|e| match trap_of(e) {
            Trap::Guest(message) => format!("instantiation failed: {message}"),
            Trap::Host(stop) => format!("instantiation stopped: {stop:?}"),
        })?;
        let memory = instance.get_memory(&store, "memory");
        Ok(Box::new(WasmiInstance { store, instance, memory }))
    }
}

fn host_call(
    mut caller: wasmi::Caller<'_, HostData>,
    id: u32,
    params: &[wasmi::Val],
    results: &mut [wasmi::Val],
) -> Result<(), wasmi::Error> {
    let imports = caller.data().imports.clone();
    let args = params.iter().map(from_wasmi).collect::<Result<Vec<_>, _>>().map_err(stop)?;
    let memory = caller.get_export("memory").and_then(wasmi::Extern::into_memory);
    let out = match memory {
        Some(memory) => imports.call(id, &args, &mut SliceMemory(memory.data_mut(&mut caller))),
        None => imports.call(id, &args, &mut SliceMemory(&mut [])),
    }
    .map_err(stop)?;
    if out.len() != results.len() {
        return Err(stop(HostStop::Fatal(format!(
            "host function #{id} returned {} values where its import expects {}",
            out.len(),
            results.len()
        ))));
    }
    for (slot, value) in results.iter_mut().zip(out) {
        let value = to_wasmi(value);
        if value.ty() != slot.ty() {
            return Err(stop(HostStop::Fatal(format!(
                "host function #{id} returned a {:?} where its import expects a {:?}",
                value.ty(),
                slot.ty()
            ))));
        }
        *slot = value;
    }
    Ok(())
}

/// The guest's memory during a host call.
struct SliceMemory<'a>(&'a mut [u8]);

impl Memory for SliceMemory<'_> {
    fn read(&self, ptr: u32, len: u32) -> Option<Vec<u8>> {
        let start = ptr as usize;
        self.0.get(start..start.checked_add(len as usize)?).map(<[u8]>::to_vec)
    }

    fn write(&mut self, ptr: u32, data: &[u8]) -> bool {
        let start = ptr as usize;
        let Some(end) = start.checked_add(data.len()) else { return false };
        match self.0.get_mut(start..end) {
            Some(dst) => {
                dst.copy_from_slice(data);
                true
            }
            None => false,
        }
    }

    fn size(&self) -> u64 {
        self.0.len() as u64
    }
}

fn from_wasmi(value: &wasmi::Val) -> Result<Val, HostStop> {
    Ok(match value {
        wasmi::Val::I32(v) => Val::I32(*v),
        wasmi::Val::I64(v) => Val::I64(*v),
        wasmi::Val::F32(v) => Val::F32(v.to_float()),
        wasmi::Val::F64(v) => Val::F64(v.to_float()),
        other => return Err(HostStop::Fatal(format!("a {:?} value cannot cross into the host", other.ty()))),
    })
}

fn to_wasmi(value: Val) -> wasmi::Val {
    match value {
        Val::I32(v) => wasmi::Val::I32(v),
        Val::I64(v) => wasmi::Val::I64(v),
        Val::F32(v) => wasmi::Val::from(v),
        Val::F64(v) => wasmi::Val::from(v),
    }
}

/// How a wasmi error ends a call: a host stop, or the guest's trap.
fn trap_of(error: wasmi::Error) -> Trap {
    if let Some(Stop(reason)) = error.downcast_ref::<Stop>() {
        return Trap::Host(reason.clone());
    }
    match error.as_trap_code() {
        Some(code) => Trap::Guest(code.trap_message().to_string()),
        None => Trap::Guest(error.to_string()),
    }
}

struct WasmiInstance {
    store: wasmi::Store<HostData>,
    instance: wasmi::Instance,
    memory: Option<wasmi::Memory>,
}

impl Instance for WasmiInstance {
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Err(Trap::Host(HostStop::Fatal(format!("the module exports no function {name}"))));
        };
        let ty = func.ty(&self.store);
        let inputs: Vec<wasmi::Val> = args.iter().copied().map(to_wasmi).collect();
        if inputs.len() != ty.params().len() || inputs.iter().zip(ty.params()).any(|(v, t)| v.ty() != *t) {
            return Err(Trap::Host(HostStop::Fatal(format!(
                "{name} takes {:?} but was called with {:?}",
                ty.params(),
                inputs.iter().map(wasmi::Val::ty).collect::<Vec<_>>()
            ))));
        }
        let mut outputs: Vec<wasmi::Val> = ty.results().iter().copied().map(wasmi::Val::default_for_ty).collect();
        func.call(&mut self.store, &inputs, &mut outputs).map_err(trap_of)?;
        outputs.iter().map(from_wasmi).collect::<Result<Vec<_>, _>>().map_err(Trap::Host)
    }

    fn has_function(&self, name: &str) -> bool {
        self.instance.get_func(&self.store, name).is_some()
    }

    fn read_memory(&self, ptr: u32, len: u32) -> Option<Vec<u8>> {
        let data = self.memory?.data(&self.store);
        let start = ptr as usize;
        data.get(start..start.checked_add(len as usize)?).map(<[u8]>::to_vec)
    }

    fn write_memory(&mut self, ptr: u32, data: &[u8]) -> bool {
        let Some(memory) = self.memory else { return false };
        SliceMemory(memory.data_mut(&mut self.store)).write(ptr, data)
    }

    fn memory_size(&self) -> u64 {
        self.memory.map_or(0, |m| m.data(&self.store).len() as u64)
    }

    fn grow_memory_to(&mut self, bytes: u64) -> bool {
        let Some(memory) = self.memory else { return false };
        let have = memory.data(&self.store).len() as u64;
        if have >= bytes {
            return true;
        }
        memory.grow(&mut self.store, (bytes - have).div_ceil(65_536)).is_ok()
    }

    fn globals(&self, prefix: &str) -> Vec<(String, Val)> {
        self.instance
            .exports(&self.store)
            .filter(|e| e.name().starts_with(prefix))
            .filter_map(|e| {
                let name = e.name().to_string();
                let global = e.into_global()?;
                from_wasmi(&global.get(&self.store)).ok().map(|v| (name, v))
            })
            .collect()
    }

    fn set_global(&mut self, name: &str, value: Val) -> bool {
        match self.instance.get_global(&self.store, name) {
            Some(g) => g.set(&mut self.store, to_wasmi(value)).is_ok(),
            None => false,
        }
    }
}
