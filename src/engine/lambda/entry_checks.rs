//! Deploy time: which functions the fuel rewrite (`instrument.rs`) gives a
//! check at their entry, and what each check charges.
//!
//! Fuel must reach the host however a guest runs forever, and a run can only
//! be endless through a loop or through recursion. Loops always have their
//! check at their header. For recursion it is enough that every cycle of
//! calls passes a check, not that every function has one: a function that
//! no cycle needs checked, called from a known place, runs a bounded number
//! of operators before it returns or reaches a check of its own (a loop, or
//! a checked function it calls), so its caller can charge them at the call,
//! in the caller's own check. QuickJS, the nodejs runtime, is made of many
//! small functions (property lookups, reference counts, allocation) called
//! thousands of times an invocation: this leaves 711 of its 1,644 functions
//! with an entry check (most of them because they are in its tables, as
//! every builtin is), and its JavaScript runs about 5 % faster (10 % with
//! no entry checks at all; docs/benchmarks-functions.md).
//!
//! So a function keeps its entry check when
//!
//! * it can be called from outside the module's direct calls: exported (the
//!   host calls it), the start function, or a possible `call_indirect`
//!   target (named in an element segment or by `ref.func`; a table can only
//!   ever hold such functions, since the ABI passes no function references
//!   in), since no caller knows to charge for it;
//! * or the rest of the functions would have a cycle of direct calls
//!   without a check: in each strongly connected part of the call graph the
//!   largest function (the one whose check costs least next to its work) is
//!   checked, and the rest examined again, until no cycle is left;
//! * or what a call of it costs its caller would pass [`MAX_CHARGED_AT_CALL`]
//!   (a long chain of calls, whose upper bound becomes loose).
//!
//! Every other function is *charged at the call*: a `call` of it costs its
//! caller 1 plus the longest path through its body outside its loops, which
//! itself counts the calls it makes to functions charged at the call. The
//! functions charged at the call have no cycle among them, so those costs
//! are computed callees first.

use wasmparser::{BinaryReaderError, ElementItems, FunctionBody, Operator, Parser, Payload};

/// The most a call of a function without an entry check may charge its
/// caller; a function whose cost would be more is checked itself.
pub const MAX_CHARGED_AT_CALL: u64 = 10_000;

/// What [`plan`] decides, by defined function (index less the function imports).
pub(super) struct Plan {
    /// Whether the function has a check at its entry.
    pub checked: Vec<bool>,
    /// The cost of each of the function's checks, in the order they are
    /// emitted: its entry (emitted only if `checked`), then its loops.
    pub costs: Vec<Vec<u64>>,
}

/// `instrument::region_costs`: the cost of each fuel check of a body, given
/// what each `call` operator costs (by the callee's index).
pub(super) type RegionCosts = fn(&FunctionBody<'_>, &dyn Fn(u32) -> u64) -> Result<Vec<u64>, BinaryReaderError>;

/// Decides, for every function of `module`, whether it keeps its entry check
/// and what every check charges (see the module docs). `region_costs` is
/// `instrument::region_costs`, given the cost of each `call` operator.
pub(super) fn plan(
    module: &[u8],
    func_imports: u32,
    region_costs: RegionCosts,
) -> Result<Plan, BinaryReaderError> {
    let mut bodies: Vec<FunctionBody<'_>> = Vec::new();
    let mut outside: Vec<u32> = Vec::new();
    let mut calls: Vec<Vec<u32>> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    let defined = |f: u32| f.checked_sub(func_imports);
    let ref_funcs = |ops: wasmparser::OperatorsReader<'_>, outside: &mut Vec<u32>| -> Result<(), BinaryReaderError> {
        for op in ops {
            if let Operator::RefFunc { function_index } = op? {
                outside.push(function_index);
            }
        }
        Ok(())
    };
    for payload in Parser::new(0).parse_all(module) {
        match payload? {
            Payload::ExportSection(section) => {
                for export in section {
                    let export = export?;
                    if matches!(export.kind, wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact) {
                        outside.push(export.index);
                    }
                }
            }
            Payload::StartSection { func, .. } => outside.push(func),
            Payload::ElementSection(section) => {
                for element in section {
                    match element?.items {
                        ElementItems::Functions(funcs) => {
                            for f in funcs {
                                outside.push(f?);
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                ref_funcs(expr?.get_operators_reader(), &mut outside)?;
                            }
                        }
                    }
                }
            }
            Payload::GlobalSection(section) => {
                for global in section {
                    ref_funcs(global?.init_expr.get_operators_reader(), &mut outside)?;
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut callees = Vec::new();
                let mut size = 0u64;
                for op in body.get_operators_reader()? {
                    size += 1;
                    match op? {
                        Operator::Call { function_index } => {
                            if let Some(f) = defined(function_index) {
                                callees.push(f);
                            }
                        }
                        Operator::RefFunc { function_index } => outside.push(function_index),
                        _ => {}
                    }
                }
                callees.sort_unstable();
                callees.dedup();
                calls.push(callees);
                sizes.push(size);
                bodies.push(body);
            }
            _ => {}
        }
    }

    let n = bodies.len();
    let mut checked = vec![false; n];
    for f in outside.into_iter().filter_map(defined) {
        if let Some(c) = checked.get_mut(f as usize) {
            *c = true;
        }
    }
    break_cycles(&calls, &sizes, &mut checked);

    // Costs, callees first: a call of a function charged at the call costs
    // 1 and its entry region; of any other function (or an import), 1.
    let mut at_call = vec![0u64; n];
    let mut costs: Vec<Vec<u64>> = vec![Vec::new(); n];
    // With no cycle left, every part is one function, found callees first.
    let unchecked: Vec<usize> = (0..n).filter(|&f| !checked[f]).collect();
    for f in parts(&calls, &checked, &unchecked).into_iter().flatten() {
        let c = region_costs(&bodies[f], &|callee| call_cost(&at_call, func_imports, callee))?;
        if c[0] > MAX_CHARGED_AT_CALL {
            checked[f] = true;
        } else {
            at_call[f] = c[0];
        }
        costs[f] = c;
    }
    for f in 0..n {
        if costs[f].is_empty() {
            costs[f] = region_costs(&bodies[f], &|callee| call_cost(&at_call, func_imports, callee))?;
        }
    }
    Ok(Plan { checked, costs })
}

/// What a `call` of function `callee` (module numbering) charges its caller.
fn call_cost(at_call: &[u64], func_imports: u32, callee: u32) -> u64 {
    1 + callee.checked_sub(func_imports).and_then(|f| at_call.get(f as usize)).copied().unwrap_or(0)
}

/// Marks functions `checked` until every cycle of calls has a checked one:
/// in each strongly connected part, the largest function, then again in
/// what is left of the part.
fn break_cycles(calls: &[Vec<u32>], sizes: &[u64], checked: &mut [bool]) {
    // More than one function, or one that calls itself.
    let cyclic = |part: &Vec<usize>| part.len() > 1 || calls[part[0]].binary_search(&(part[0] as u32)).is_ok();
    let all: Vec<usize> = (0..calls.len()).filter(|&f| !checked[f]).collect();
    let mut work: Vec<Vec<usize>> = parts(calls, checked, &all).into_iter().filter(cyclic).collect();
    while let Some(part) = work.pop() {
        let Some(&largest) = part.iter().max_by_key(|&&f| (sizes[f], f)) else { continue };
        checked[largest] = true;
        let rest: Vec<usize> = part.into_iter().filter(|&f| f != largest).collect();
        work.extend(parts(calls, checked, &rest).into_iter().filter(cyclic));
    }
}

/// The strongly connected parts of the call graph among `nodes` (skipping
/// checked functions), each after every part it calls into (callees
/// first). Tarjan's algorithm, without recursion (a module has thousands of
/// functions, and this may run on a browser's stack).
fn parts(calls: &[Vec<u32>], checked: &[bool], nodes: &[usize]) -> Vec<Vec<usize>> {
    const NONE: u32 = u32::MAX;
    let n = calls.len();
    let mut member = vec![false; n];
    for &f in nodes {
        member[f] = true;
    }
    let live = |f: usize| member[f] && !checked[f];
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0u32;
    let mut parts = Vec::new();
    // (function, position in its callees)
    let mut path: Vec<(usize, usize)> = Vec::new();
    for &root in nodes {
        if !live(root) || index[root] != NONE {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        path.push((root, 0));
        while let Some(&mut (f, ref mut at)) = path.last_mut() {
            if let Some(&g) = calls[f].get(*at) {
                *at += 1;
                let g = g as usize;
                if g >= n || !live(g) {
                    continue;
                }
                if index[g] == NONE {
                    index[g] = next;
                    low[g] = next;
                    next += 1;
                    stack.push(g);
                    on_stack[g] = true;
                    path.push((g, 0));
                } else if on_stack[g] {
                    low[f] = low[f].min(index[g]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[f]);
            }
            if low[f] == index[f] {
                let mut part = Vec::new();
                while let Some(g) = stack.pop() {
                    on_stack[g] = false;
                    part.push(g);
                    if g == f {
                        break;
                    }
                }
                parts.push(part);
            }
        }
    }
    parts
}
