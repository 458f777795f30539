//! Compilation of an ASL definition (`serde_json::Value`) into a [`Plan`], state by state
//! (Map and Parallel recurse into their own sub-plans).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use nexus_schema::nexus::Compensation;

use crate::compile::fields::*;
use crate::compile::plan::*;
use crate::compile::template::{JTemplate, Template};
use crate::error::CompileError;
use crate::expr::PathRef;
use nexus_schema::pointer::escape;

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

/// The Task a `compensate` action runs (docs/nexus-yaml.md, "compensate"): a Task as for
/// `action: ACTION`, with the compensation's own retry policy. Its input is
/// `{input, result, error}` (see `run::compensation`); its output is not used.
fn compile_compensation(c: &Compensation, ql: Ql) -> Result<Compensate, CompileError> {
    let mut st = action_task(&c.action, ql);
    if !c.retry.is_empty() {
        st.insert("Retry".into(), Value::Array(c.retry.clone()));
    }
    let name = format!("Compensate_{}", c.state);
    Ok(Compensate {
        action: c.action.clone(),
        task: compile_state(&name, &st, "", ql, &HashMap::new(), true, &[])?,
    })
}

/// The Task the `on_compensation_failure` hook runs: a Task as for `action: ACTION`, in the
/// top-level query language.
pub(crate) fn compile_hook(def: &Value, action: &str) -> Result<State, CompileError> {
    let ql = parse_ql(def.get("QueryLanguage"), "/QueryLanguage")?.unwrap_or(Ql::JsonPath);
    let st = action_task(action, ql);
    compile_state(
        "OnCompensationFailure",
        &st,
        "",
        ql,
        &HashMap::new(),
        true,
        &[],
    )
}

/// A one-state Task for `action: ACTION` (NEXUS sugar), ending there. Its output is not
/// wanted, so the sugar's `OutputPath`/`Output` (which would fail on a result without
/// `Payload`) is left out.
fn action_task(action: &str, ql: Ql) -> Map<String, Value> {
    let mut st = Map::new();
    st.insert("Type".into(), Value::from("Task"));
    for (k, v) in nexus_schema::nexus::sugar::action_fields(action, ql) {
        if k != "OutputPath" && k != "Output" {
            st.insert(k.into(), v);
        }
    }
    st.insert("End".into(), Value::Bool(true));
    st
}

/// Compiles a single state as a one-state machine (TestState API).
pub(crate) fn compile_single(state: &Value, name: &str) -> Result<Plan, CompileError> {
    let obj = state
        .as_object()
        .ok_or_else(|| CompileError::at("", "a state must be a JSON object"))?;
    let ql = parse_ql(obj.get("QueryLanguage"), "/QueryLanguage")?.unwrap_or(Ql::JsonPath);
    let mut names = HashMap::new();
    names.insert(name.to_string(), 0usize);
    // The targets of a Choice's rules and of the catchers lead out of the tested state: each
    // becomes a Succeed state of its name, so the run ends there and its history tells which
    // one was taken (TestState's `nextState`).
    let mut exits: Vec<&str> = Vec::new();
    let rules = obj.get("Choices").and_then(Value::as_array);
    let catchers = obj.get("Catch").and_then(Value::as_array);
    let targets = rules
        .into_iter()
        .chain(catchers)
        .flatten()
        .filter_map(|r| r.get("Next"))
        .chain(obj.get("Default"))
        .filter_map(Value::as_str);
    for t in targets {
        if t != name && !exits.contains(&t) {
            exits.push(t);
            names.insert(t.to_string(), exits.len());
        }
    }
    let mut st = compile_state(name, obj, "", ql, &names, true, &[])?;
    st.next = Transition::End;
    let mut states = vec![st];
    let succeed = Map::from_iter([(String::from("Type"), Value::from("Succeed"))]);
    for t in exits {
        states.push(compile_state(t, &succeed, "", ql, &names, true, &[])?);
    }
    Ok(Plan {
        states,
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
            st.compensate = Some(Box::new(compile_compensation(c, ql)?));
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
    let Some((proc_kind, proc)) = nexus_schema::ir::map_processor(o) else {
        return Err(CompileError::at(ptr, "a Map state needs an ItemProcessor"));
    };
    let pptr = format!("{ptr}/{}", proc_kind.field_path());
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
        batcher: compile_batcher(o, ptr, ql)?,
        reader: compile_reader(o, ptr, ql)?,
        writer: compile_writer(o, ptr, ql, distributed)?,
    })
}

/// `ResultWriter` (AWS, "ResultWriter (Map)"): `WriterConfig` alone, `Resource` with
/// `Parameters` (JSONPath) or `Arguments` (JSONata), or all three; never empty.
fn compile_writer(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
    distributed: bool,
) -> Result<Option<Writer>, CompileError> {
    let Some(w) = o.get("ResultWriter") else {
        return Ok(None);
    };
    // An Inline Map has no map run to export; AWS accepts the field there (lint NX213 warns).
    if !distributed {
        return Ok(None);
    }
    let wptr = format!("{ptr}/ResultWriter");
    let wo = w
        .as_object()
        .ok_or_else(|| CompileError::at(&wptr, "ResultWriter must be an object"))?;
    let args_key = match ql {
        Ql::JsonPath => "Parameters",
        Ql::Jsonata => "Arguments",
    };
    let export = match (wo.get("Resource"), wo.get(args_key)) {
        (None, None) => None,
        (Some(Value::String(r)), Some(a)) => {
            let p = format!("{wptr}/{args_key}");
            let sel = match ql {
                Ql::JsonPath => Selector::JsonPath(Template::compile(a, &p)?),
                Ql::Jsonata => Selector::Jsonata(JTemplate::compile(a, &p, args_key)?),
            };
            Some((Arc::from(r.as_str()), sel))
        }
        (Some(Value::String(_)), None) => {
            return Err(CompileError::at(
                &wptr,
                format!("a ResultWriter with a Resource needs {args_key} (Bucket and Prefix)"),
            ));
        }
        (Some(_), _) => {
            return Err(CompileError::at(
                format!("{wptr}/Resource"),
                "Resource must be a string",
            ));
        }
        (None, Some(_)) => {
            return Err(CompileError::at(
                &wptr,
                format!("a ResultWriter with {args_key} needs a Resource (s3:putObject)"),
            ));
        }
    };
    let cptr = format!("{wptr}/WriterConfig");
    let cfg = match wo.get("WriterConfig") {
        None => None,
        Some(Value::Object(c)) => Some(c),
        Some(_) => return Err(CompileError::at(&cptr, "WriterConfig must be an object")),
    };
    if export.is_none() && cfg.is_none() {
        return Err(CompileError::at(
            &wptr,
            "ResultWriter needs WriterConfig, or Resource and Parameters/Arguments, or all three",
        ));
    }
    let field = |name: &str| -> Result<Option<&str>, CompileError> {
        match cfg.and_then(|c| c.get(name)) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(CompileError::at(
                format!("{cptr}/{name}"),
                format!("{name} must be a string"),
            )),
        }
    };
    let transformation = match field("Transformation")? {
        // AWS: NONE when exporting (without WriterConfig); COMPACT, the shape of a Map
        // without ResultWriter, otherwise.
        None if export.is_some() => Transformation::None,
        None => Transformation::Compact,
        Some("NONE") => Transformation::None,
        Some("COMPACT") => Transformation::Compact,
        Some("FLATTEN") => Transformation::Flatten,
        Some(other) => {
            return Err(CompileError::at(
                format!("{cptr}/Transformation"),
                format!("unknown Transformation '{other}' (NONE, COMPACT or FLATTEN)"),
            ));
        }
    };
    let jsonl = match field("OutputType")? {
        None | Some("JSON") => false,
        Some("JSONL") => true,
        Some(other) => {
            return Err(CompileError::at(
                format!("{cptr}/OutputType"),
                format!("unknown OutputType '{other}' (JSON or JSONL)"),
            ));
        }
    };
    Ok(Some(Writer {
        export,
        transformation,
        jsonl,
    }))
}

/// `ItemReader`: resource, parameters and `ReaderConfig`.
fn compile_reader(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
) -> Result<Option<Reader>, CompileError> {
    let Some(r) = o.get("ItemReader") else {
        return Ok(None);
    };
    let rptr = format!("{ptr}/ItemReader");
    let ro = r
        .as_object()
        .ok_or_else(|| CompileError::at(&rptr, "ItemReader must be an object"))?;
    let resource = ro
        .get("Resource")
        .and_then(Value::as_str)
        .ok_or_else(|| CompileError::at(format!("{rptr}/Resource"), "missing string 'Resource'"))?;
    let params = match (ql, ro.get("Parameters"), ro.get("Arguments")) {
        (Ql::JsonPath, Some(v), _) => Some(Selector::JsonPath(Template::compile(
            v,
            &format!("{rptr}/Parameters"),
        )?)),
        (Ql::Jsonata, _, Some(v)) => Some(Selector::Jsonata(JTemplate::compile(
            v,
            &format!("{rptr}/Arguments"),
            "Arguments",
        )?)),
        _ => None,
    };
    let empty = Map::new();
    let cfg = ro
        .get("ReaderConfig")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let cptr = format!("{rptr}/ReaderConfig");
    let csv_headers = match cfg.get("CSVHeaderLocation").and_then(Value::as_str) {
        Some("GIVEN") => Some(
            cfg.get("CSVHeaders")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|h| h.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .ok_or_else(|| {
                    CompileError::at(
                        format!("{cptr}/CSVHeaders"),
                        "CSVHeaderLocation GIVEN needs a CSVHeaders list",
                    )
                })?,
        ),
        _ => None,
    };
    let csv_delimiter = match cfg.get("CSVDelimiter").and_then(Value::as_str) {
        None | Some("COMMA") => ',',
        Some("PIPE") => '|',
        Some("SEMICOLON") => ';',
        Some("SPACE") => ' ',
        Some("TAB") => '\t',
        Some(other) => {
            return Err(CompileError::at(
                format!("{cptr}/CSVDelimiter"),
                format!("unknown CSVDelimiter '{other}'"),
            ));
        }
    };
    Ok(Some(Reader {
        resource: Arc::from(resource),
        params,
        input_type: cfg
            .get("InputType")
            .and_then(Value::as_str)
            .map(String::from),
        max_items: dyn_num(cfg, "MaxItems", &cptr, ql, Value::as_u64)?,
        csv_headers,
        csv_delimiter,
    }))
}

/// `ItemBatcher`: its numbers as literals, paths or JSONata, and `BatchInput` as a payload
/// template (JSONPath) or JSONata template.
fn compile_batcher(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
) -> Result<Option<Batcher>, CompileError> {
    let Some(b) = o.get("ItemBatcher") else {
        return Ok(None);
    };
    let bptr = format!("{ptr}/ItemBatcher");
    let bo = b
        .as_object()
        .ok_or_else(|| CompileError::at(&bptr, "ItemBatcher must be an object"))?;
    let batch_input = match bo.get("BatchInput") {
        None => None,
        Some(v) => {
            let p = format!("{bptr}/BatchInput");
            Some(match ql {
                Ql::JsonPath => Selector::JsonPath(Template::compile(v, &p)?),
                Ql::Jsonata => Selector::Jsonata(JTemplate::compile(v, &p, "BatchInput")?),
            })
        }
    };
    Ok(Some(Batcher {
        max_items: dyn_num(bo, "MaxItemsPerBatch", &bptr, ql, Value::as_u64)?,
        max_bytes: dyn_num(bo, "MaxInputBytesPerBatch", &bptr, ql, Value::as_u64)?,
        batch_input,
    }))
}
