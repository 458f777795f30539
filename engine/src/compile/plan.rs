//! Compilation of an ASL definition (`serde_json::Value`) into a [`Plan`]: states by index,
//! transitions resolved to indexes, paths, templates and expressions parsed once. Running
//! never looks a state up by name or re-parses a path.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use nexus_schema::nexus::Compensation;

use crate::compile::choice::ChoiceRule;
use crate::compile::retry::{Catcher, Retrier};
use crate::compile::template::{JTemplate, Template};
use crate::error::CompileError;
use crate::expr::PathRef;

/// Index of a state inside its [`Plan`].
pub(crate) type StateId = usize;

/// The query language of a state (ASL `QueryLanguage`, default JSONPath).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ql {
    JsonPath,
    Jsonata,
}

/// One compiled state machine or sub-machine (Parallel branch, Map processor).
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) states: Vec<State>,
    pub(crate) start: StateId,
    pub(crate) timeout_seconds: Option<u64>,
    /// Whether any state of this (sub-)machine has a NEXUS `compensate` action.
    pub(crate) has_compensations: bool,
    /// Whether any state, at any depth, reads the context object (else it is never built).
    pub(crate) uses_context: bool,
    /// Whether any state, at any depth, is a Task (whose handler may need an async runtime).
    pub(crate) has_tasks: bool,
}

/// Where a state goes when it completes normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    Next(StateId),
    End,
}

/// `InputPath`/`OutputPath`: absent means `$`, `null` means `{}`.
#[derive(Debug, Clone)]
pub(crate) enum PathSel {
    Identity,
    Null,
    Path(PathRef),
}

/// `ResultPath`: absent means `$` (result replaces input), `null` means discard the result.
#[derive(Debug, Clone)]
pub(crate) enum ResultSel {
    Replace,
    Discard,
    Path(PathRef),
}

/// `Assign` in either language.
#[derive(Debug, Clone)]
pub(crate) enum Assign {
    JsonPath(Template),
    Jsonata(JTemplate),
}

/// Data-flow fields shared by state kinds (each kind uses the ones ASL allows it).
#[derive(Debug, Clone)]
pub(crate) struct Io {
    pub(crate) input_path: PathSel,
    pub(crate) output_path: PathSel,
    pub(crate) result_path: ResultSel,
    /// When `OutputPath` selects inside the place `ResultPath` writes to (`ResultPath: $.r`,
    /// `OutputPath: $.r.x`): the rest of `OutputPath` below it (`$.x`), so the output can be
    /// taken from the result without copying the input.
    pub(crate) output_in_result: Option<crate::expr::JsonPath>,
    pub(crate) parameters: Option<Template>,
    pub(crate) result_selector: Option<Template>,
    pub(crate) assign: Option<Assign>,
    pub(crate) arguments: Option<JTemplate>,
    pub(crate) output: Option<JTemplate>,
}

/// A number given literally, by reference path, or as a JSONata expression.
#[derive(Debug, Clone)]
pub(crate) enum Dyn<T> {
    Lit(T),
    Path(PathRef),
    Expr(JTemplate),
}

/// What a `Wait` state waits for.
#[derive(Debug, Clone)]
pub(crate) enum WaitSpec {
    Seconds(Dyn<i64>),
    Timestamp(Dyn<String>),
}

/// A text field of `Fail` (`Error`/`Cause`), literal, by path or intrinsic, or JSONata.
#[derive(Debug, Clone)]
pub(crate) enum TextField {
    Lit(String),
    Path(PathRef),
    Intrinsic(crate::expr::Intrinsic),
    Expr(JTemplate),
}

/// Map-specific configuration.
#[derive(Debug)]
pub(crate) struct MapSpec {
    pub(crate) processor: Arc<Plan>,
    pub(crate) items_path: Option<PathRef>,
    pub(crate) items: Option<ItemsSource>,
    pub(crate) item_selector: Option<Selector>,
    pub(crate) max_concurrency: Option<Dyn<u64>>,
    pub(crate) tolerated_count: Option<Dyn<u64>>,
    pub(crate) tolerated_pct: Option<Dyn<f64>>,
    pub(crate) distributed: bool,
}

/// Map `Items` (JSONata or literal array).
#[derive(Debug, Clone)]
pub(crate) enum ItemsSource {
    Literal(Value),
    Expr(JTemplate),
}

/// `ItemSelector` / legacy `Parameters` of a Map in either language.
#[derive(Debug, Clone)]
pub(crate) enum Selector {
    JsonPath(Template),
    Jsonata(JTemplate),
}

/// The kind-specific part of a state.
#[derive(Debug)]
pub(crate) enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: Arc<str>,
        timeout: Option<Dyn<u64>>,
        heartbeat: Option<Dyn<u64>>,
    },
    Choice {
        rules: Vec<ChoiceRule>,
        default: Option<StateId>,
    },
    Wait(WaitSpec),
    Succeed,
    Fail {
        error: Option<TextField>,
        cause: Option<TextField>,
    },
    Parallel {
        branches: Vec<Arc<Plan>>,
    },
    Map(Box<MapSpec>),
}

/// One compiled state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) name: Arc<str>,
    pub(crate) ql: Ql,
    pub(crate) kind: Kind,
    pub(crate) io: Io,
    pub(crate) next: Transition,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    /// Whether any field reads the context object (`$$` or `$states.context`), so the
    /// object is only built for states that need it.
    pub(crate) uses_context: bool,
    /// The NEXUS `compensate` action of this state, compiled as the Task that runs it.
    pub(crate) compensate: Option<Box<State>>,
}

/// Whether a text may read the context object: `$$` (JSONPath, intrinsics) or `context`
/// (JSONata `$states.context`). Errs on the side of building it.
fn mentions_context(s: &str) -> bool {
    s.contains("$$") || s.contains("context")
}

/// [`mentions_context`] over every key and string of a value.
fn reads_context(v: &Value) -> bool {
    match v {
        Value::String(s) => mentions_context(s),
        Value::Array(a) => a.iter().any(reads_context),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| mentions_context(k) || reads_context(v)),
        _ => false,
    }
}

/// Escapes a key for a JSON Pointer (RFC 6901).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Compiles a top-level definition.
pub(crate) fn compile(def: &Value, comps: &[Compensation]) -> Result<Plan, CompileError> {
    let obj = def
        .as_object()
        .ok_or_else(|| CompileError::at("", "a state machine definition must be a JSON object"))?;
    let ql = parse_ql(obj.get("QueryLanguage"), "/QueryLanguage")?.unwrap_or(Ql::JsonPath);
    for c in comps {
        let found = def
            .pointer(&format!("{}/States/{}", c.asl_scope, escape(&c.state)))
            .is_some();
        if !found {
            return Err(CompileError::at(
                &c.pointer,
                format!("`compensate` names no state: '{}'", c.state),
            ));
        }
    }
    compile_machine(obj, "", ql, comps)
}

/// The Task a `compensate: ACTION` runs (docs/nexus-yaml.md, "compensate"): a Task as for
/// `action: ACTION` whose result is dropped, so the failed state's input and the error at
/// `nexus_error` flow through every compensation unchanged.
fn compile_compensation(state: &str, action: &str, ql: Ql) -> Result<State, CompileError> {
    use nexus_schema::nexus::sugar::{self, QueryLanguage};
    let sql = match ql {
        Ql::JsonPath => QueryLanguage::JsonPath,
        Ql::Jsonata => QueryLanguage::Jsonata,
    };
    let mut st = Map::new();
    st.insert("Type".into(), Value::from("Task"));
    for (k, v) in sugar::action_fields(action, sql) {
        if k != "OutputPath" && k != "Output" {
            st.insert(k.into(), v);
        }
    }
    match ql {
        Ql::JsonPath => st.insert("ResultPath".into(), Value::Null),
        Ql::Jsonata => st.insert("Output".into(), Value::from("{% $states.input %}")),
    };
    st.insert("End".into(), Value::Bool(true));
    let name = format!("Compensate_{state}");
    compile_state(&name, &st, "", ql, &HashMap::new(), true, &[])
}

/// Compiles a single state as a one-state machine (TestState API).
pub(crate) fn compile_single(state: &Value, name: &str) -> Result<Plan, CompileError> {
    let obj = state
        .as_object()
        .ok_or_else(|| CompileError::at("", "a state must be a JSON object"))?;
    let ql = parse_ql(obj.get("QueryLanguage"), "/QueryLanguage")?.unwrap_or(Ql::JsonPath);
    let mut names = HashMap::new();
    names.insert(name.to_string(), 0usize);
    let mut st = compile_state(name, obj, "", ql, &names, true, &[])?;
    st.next = Transition::End;
    Ok(Plan {
        states: vec![st],
        start: 0,
        timeout_seconds: None,
        has_compensations: false,
        uses_context: true,
        has_tasks: true,
    })
}

fn compile_machine(
    obj: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
    comps: &[Compensation],
) -> Result<Plan, CompileError> {
    let states = obj
        .get("States")
        .and_then(Value::as_object)
        .ok_or_else(|| CompileError::at(format!("{ptr}/States"), "missing object 'States'"))?;
    let names: HashMap<String, StateId> = states
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let start_name = obj
        .get("StartAt")
        .and_then(Value::as_str)
        .ok_or_else(|| CompileError::at(format!("{ptr}/StartAt"), "missing string 'StartAt'"))?;
    let start = *names.get(start_name).ok_or_else(|| {
        CompileError::at(
            format!("{ptr}/StartAt"),
            format!("StartAt names no state: '{start_name}'"),
        )
    })?;
    let mut out = Vec::with_capacity(states.len());
    for (name, sv) in states {
        let sptr = format!("{ptr}/States/{}", escape(name));
        let so = sv
            .as_object()
            .ok_or_else(|| CompileError::at(&sptr, "a state must be a JSON object"))?;
        let mut st = compile_state(name, so, &sptr, ql, &names, false, comps)?;
        if let Some(c) = comps
            .iter()
            .find(|c| c.asl_scope == ptr && c.state == *name)
        {
            st.compensate = Some(Box::new(compile_compensation(name, &c.action, ql)?));
        }
        out.push(st);
    }
    let has_compensations = out.iter().any(|s| s.compensate.is_some());
    let has_tasks = out.iter().any(|s| {
        s.compensate.is_some()
            || match &s.kind {
                Kind::Task { .. } => true,
                Kind::Parallel { branches } => branches.iter().any(|b| b.has_tasks),
                Kind::Map(m) => m.processor.has_tasks,
                _ => false,
            }
    });
    let uses_context = out.iter().any(|s| {
        s.uses_context
            || match &s.kind {
                Kind::Parallel { branches } => branches.iter().any(|b| b.uses_context),
                Kind::Map(m) => m.processor.uses_context,
                _ => false,
            }
    });
    let timeout_seconds = match obj.get("TimeoutSeconds") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            CompileError::at(
                format!("{ptr}/TimeoutSeconds"),
                "TimeoutSeconds must be a positive integer",
            )
        })?),
    };
    Ok(Plan {
        states: out,
        start,
        timeout_seconds,
        has_compensations,
        uses_context,
        has_tasks,
    })
}

fn parse_ql(v: Option<&Value>, ptr: &str) -> Result<Option<Ql>, CompileError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) if s == "JSONPath" => Ok(Some(Ql::JsonPath)),
        Some(Value::String(s)) if s == "JSONata" => Ok(Some(Ql::Jsonata)),
        Some(_) => Err(CompileError::at(
            ptr,
            "QueryLanguage must be \"JSONPath\" or \"JSONata\"",
        )),
    }
}

/// Resolves a state name to its index.
pub(crate) fn target(
    names: &HashMap<String, StateId>,
    v: Option<&Value>,
    ptr: &str,
) -> Result<StateId, CompileError> {
    let n = v
        .and_then(Value::as_str)
        .ok_or_else(|| CompileError::at(ptr, "expected a state name"))?;
    names
        .get(n)
        .copied()
        .ok_or_else(|| CompileError::at(ptr, format!("no state named '{n}'")))
}

fn path_sel(o: &Map<String, Value>, key: &str, ptr: &str) -> Result<PathSel, CompileError> {
    match o.get(key) {
        None => Ok(PathSel::Identity),
        Some(Value::Null) => Ok(PathSel::Null),
        Some(Value::String(s)) => PathRef::parse(s)
            .map(PathSel::Path)
            .map_err(|e| CompileError::at(format!("{ptr}/{key}"), e)),
        Some(_) => Err(CompileError::at(
            format!("{ptr}/{key}"),
            "expected a path string or null",
        )),
    }
}

pub(crate) fn result_sel(o: &Map<String, Value>, ptr: &str) -> Result<ResultSel, CompileError> {
    match o.get("ResultPath") {
        None => Ok(ResultSel::Replace),
        Some(Value::Null) => Ok(ResultSel::Discard),
        Some(Value::String(s)) => {
            let p =
                PathRef::parse(s).map_err(|e| CompileError::at(format!("{ptr}/ResultPath"), e))?;
            if p.path.is_root() && p.root == crate::expr::Root::Input {
                Ok(ResultSel::Replace)
            } else {
                Ok(ResultSel::Path(p))
            }
        }
        Some(_) => Err(CompileError::at(
            format!("{ptr}/ResultPath"),
            "expected a path string or null",
        )),
    }
}

pub(crate) fn assign(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
) -> Result<Option<Assign>, CompileError> {
    let Some(v) = o.get("Assign") else {
        return Ok(None);
    };
    let p = format!("{ptr}/Assign");
    Ok(Some(match ql {
        Ql::JsonPath => Assign::JsonPath(Template::compile(v, &p)?),
        Ql::Jsonata => Assign::Jsonata(JTemplate::compile(v, &p, "Assign")?),
    }))
}

fn template(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
) -> Result<Option<Template>, CompileError> {
    o.get(key)
        .map(|v| Template::compile(v, &format!("{ptr}/{key}")))
        .transpose()
}

pub(crate) fn jtemplate(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
) -> Result<Option<JTemplate>, CompileError> {
    o.get(key)
        .map(|v| JTemplate::compile(v, &format!("{ptr}/{key}"), key))
        .transpose()
}

fn dyn_num<T>(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
    ql: Ql,
    lit: impl Fn(&Value) -> Option<T>,
) -> Result<Option<Dyn<T>>, CompileError> {
    let here = format!("{ptr}/{key}");
    if let Some(v) = o.get(key) {
        if ql == Ql::Jsonata && v.is_string() {
            return Ok(Some(Dyn::Expr(JTemplate::compile(v, &here, key)?)));
        }
        return lit(v)
            .map(|x| Some(Dyn::Lit(x)))
            .ok_or_else(|| CompileError::at(here, format!("invalid {key}")));
    }
    let pkey = format!("{key}Path");
    if let Some(v) = o.get(&pkey) {
        let s = v
            .as_str()
            .ok_or_else(|| CompileError::at(format!("{ptr}/{pkey}"), "expected a path"))?;
        return PathRef::parse(s)
            .map(|p| Some(Dyn::Path(p)))
            .map_err(|e| CompileError::at(format!("{ptr}/{pkey}"), e));
    }
    Ok(None)
}

fn text_field(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
    ql: Ql,
) -> Result<Option<TextField>, CompileError> {
    if let Some(v) = o.get(key) {
        let here = format!("{ptr}/{key}");
        if ql == Ql::Jsonata {
            return Ok(Some(TextField::Expr(JTemplate::compile(v, &here, key)?)));
        }
        let s = v
            .as_str()
            .ok_or_else(|| CompileError::at(here, format!("{key} must be a string")))?;
        return Ok(Some(TextField::Lit(s.to_string())));
    }
    let pkey = format!("{key}Path");
    if let Some(v) = o.get(&pkey) {
        let here = format!("{ptr}/{pkey}");
        let s = v
            .as_str()
            .ok_or_else(|| CompileError::at(&here, "expected a path or intrinsic"))?;
        if s.starts_with('$') {
            return PathRef::parse(s)
                .map(|p| Some(TextField::Path(p)))
                .map_err(|e| CompileError::at(here, e));
        }
        return crate::expr::Intrinsic::parse(s)
            .map(|f| Some(TextField::Intrinsic(f)))
            .map_err(|e| CompileError::at(here, e));
    }
    Ok(None)
}

fn compile_state(
    name: &str,
    o: &Map<String, Value>,
    ptr: &str,
    top_ql: Ql,
    names: &HashMap<String, StateId>,
    single: bool,
    comps: &[Compensation],
) -> Result<State, CompileError> {
    let ql = parse_ql(o.get("QueryLanguage"), &format!("{ptr}/QueryLanguage"))?.unwrap_or(top_ql);
    let ty = o
        .get("Type")
        .and_then(Value::as_str)
        .ok_or_else(|| CompileError::at(format!("{ptr}/Type"), "missing string 'Type'"))?;
    let next = if o.get("End").and_then(Value::as_bool) == Some(true) || single {
        Transition::End
    } else if let Some(n) = o.get("Next") {
        Transition::Next(target(names, Some(n), &format!("{ptr}/Next"))?)
    } else {
        Transition::End
    };
    let output_path = path_sel(o, "OutputPath", ptr)?;
    let result_path = result_sel(o, ptr)?;
    let output_in_result = match (&result_path, &output_path) {
        (ResultSel::Path(r), PathSel::Path(op))
            if r.root == crate::expr::Root::Input && op.root == crate::expr::Root::Input =>
        {
            op.path.strip_prefix(&r.path)
        }
        _ => None,
    };
    let io = Io {
        input_path: path_sel(o, "InputPath", ptr)?,
        output_path,
        result_path,
        output_in_result,
        parameters: if ty == "Map" {
            None
        } else {
            template(o, "Parameters", ptr)?
        },
        result_selector: template(o, "ResultSelector", ptr)?,
        assign: assign(o, ptr, ql)?,
        arguments: jtemplate(o, "Arguments", ptr)?,
        output: jtemplate(o, "Output", ptr)?,
    };
    let kind = match ty {
        "Pass" => Kind::Pass {
            result: o.get("Result").cloned(),
        },
        "Task" => Kind::Task {
            resource: o
                .get("Resource")
                .and_then(Value::as_str)
                .ok_or_else(|| CompileError::at(format!("{ptr}/Resource"), "missing Resource"))?
                .into(),
            timeout: dyn_num(o, "TimeoutSeconds", ptr, ql, Value::as_u64)?,
            heartbeat: dyn_num(o, "HeartbeatSeconds", ptr, ql, Value::as_u64)?,
        },
        "Choice" => {
            let (rules, default) = crate::compile::choice::compile(o, ptr, ql, names)?;
            Kind::Choice { rules, default }
        }
        "Wait" => {
            if let Some(d) = dyn_num(o, "Seconds", ptr, ql, Value::as_i64)? {
                Kind::Wait(WaitSpec::Seconds(d))
            } else if let Some(d) =
                dyn_num(o, "Timestamp", ptr, ql, |v| v.as_str().map(String::from))?
            {
                Kind::Wait(WaitSpec::Timestamp(d))
            } else {
                return Err(CompileError::at(
                    ptr,
                    "a Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath",
                ));
            }
        }
        "Succeed" => Kind::Succeed,
        "Fail" => Kind::Fail {
            error: text_field(o, "Error", ptr, ql)?,
            cause: text_field(o, "Cause", ptr, ql)?,
        },
        "Parallel" => {
            let bs = o
                .get("Branches")
                .and_then(Value::as_array)
                .ok_or_else(|| CompileError::at(format!("{ptr}/Branches"), "missing Branches"))?;
            let mut branches = Vec::with_capacity(bs.len());
            for (i, b) in bs.iter().enumerate() {
                let bp = format!("{ptr}/Branches/{i}");
                let bo = b
                    .as_object()
                    .ok_or_else(|| CompileError::at(&bp, "a branch must be an object"))?;
                branches.push(Arc::new(compile_machine(bo, &bp, top_ql, comps)?));
            }
            Kind::Parallel { branches }
        }
        "Map" => Kind::Map(Box::new(compile_map(o, ptr, ql, top_ql, comps)?)),
        other => {
            return Err(CompileError::at(
                format!("{ptr}/Type"),
                format!("unknown state type '{other}'"),
            ));
        }
    };
    let retry = crate::compile::retry::compile_retry(o, ptr)?;
    let catch = crate::compile::retry::compile_catch(o, ptr, ql, names)?;
    let uses_context = o
        .iter()
        .any(|(k, v)| mentions_context(k) || reads_context(v));
    Ok(State {
        name: name.into(),
        ql,
        kind,
        io,
        next,
        retry,
        catch,
        uses_context,
        compensate: None,
    })
}

fn compile_map(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
    top_ql: Ql,
    comps: &[Compensation],
) -> Result<MapSpec, CompileError> {
    let (proc_key, proc) = match (o.get("ItemProcessor"), o.get("Iterator")) {
        (Some(p), _) => ("ItemProcessor", p),
        (None, Some(p)) => ("Iterator", p),
        (None, None) => {
            return Err(CompileError::at(ptr, "a Map state needs an ItemProcessor"));
        }
    };
    let pptr = format!("{ptr}/{proc_key}");
    let po = proc
        .as_object()
        .ok_or_else(|| CompileError::at(&pptr, "ItemProcessor must be an object"))?;
    let distributed = po
        .get("ProcessorConfig")
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED");
    let processor = Arc::new(compile_machine(po, &pptr, top_ql, comps)?);
    let items_path = match o.get("ItemsPath") {
        Some(Value::String(s)) => {
            Some(PathRef::parse(s).map_err(|e| CompileError::at(format!("{ptr}/ItemsPath"), e))?)
        }
        _ => None,
    };
    let items = match o.get("Items") {
        None => None,
        Some(v) if ql == Ql::Jsonata && v.is_string() => Some(ItemsSource::Expr(
            JTemplate::compile(v, &format!("{ptr}/Items"), "Items")?,
        )),
        Some(v) if ql == Ql::Jsonata => Some(ItemsSource::Expr(JTemplate::compile(
            v,
            &format!("{ptr}/Items"),
            "Items",
        )?)),
        Some(v) => Some(ItemsSource::Literal(v.clone())),
    };
    let sel_key = if o.contains_key("ItemSelector") {
        Some("ItemSelector")
    } else if o.contains_key("Parameters") {
        Some("Parameters")
    } else {
        None
    };
    let item_selector = match sel_key {
        None => None,
        Some(k) => {
            let v = o.get(k).unwrap_or(&Value::Null);
            let p = format!("{ptr}/{k}");
            Some(match ql {
                Ql::JsonPath => Selector::JsonPath(Template::compile(v, &p)?),
                Ql::Jsonata => Selector::Jsonata(JTemplate::compile(v, &p, k)?),
            })
        }
    };
    Ok(MapSpec {
        processor,
        items_path,
        items,
        item_selector,
        max_concurrency: dyn_num(o, "MaxConcurrency", ptr, ql, Value::as_u64)?,
        tolerated_count: dyn_num(o, "ToleratedFailureCount", ptr, ql, Value::as_u64)?,
        tolerated_pct: dyn_num(o, "ToleratedFailurePercentage", ptr, ql, Value::as_f64)?,
        distributed,
    })
}
