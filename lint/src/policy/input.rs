//! The `input` document every policy sees: one shape for ASL and NEXUS files alike.
//!
//! It is a documented contract (`nexus schema policy-input`, `docs/policies.md`):
//!
//! - the members of the ASL view's top level (`StartAt`, `States`, `Comment`, ...), copied
//!   as-is, so conftest-era policies written against a plain ASL file keep working;
//! - `file` {path, format, kind}, `workflow` (top-level facts);
//! - `states`: every state at any nesting depth, normalized (AWS defaults applied to retriers,
//!   query language inherited, NEXUS `action` and `compensate` kept);
//! - `edges` and `graph` (state id → successor ids, for `graph.reachable`);
//! - `deployment`: the machine's deployment settings from its template or nexus.toml;
//! - `raw`: the definition as written (the NEXUS YAML for NEXUS files).
//!
//! A state's `id` is its pointer in the ASL view, unique even when names repeat.

use serde_json::{Map, Value, json};

use nexus_schema::Document;
use nexus_schema::ir::{SCOPE_FIELDS, ScopeKind, StateKind, Workflow};

/// AWS defaults of a retrier (ASL, "Retrying after an error": `IntervalSeconds` 1,
/// `MaxAttempts` 3, `BackoffRate` 2.0, `JitterStrategy` `NONE`).
pub(super) const DEFAULT_INTERVAL: u64 = 1;
pub(super) const DEFAULT_MAX_ATTEMPTS: u64 = 3;
pub(super) const DEFAULT_BACKOFF: f64 = 2.0;

/// Build the policy input for one document and its IR.
pub fn build(doc: &Document, ir: &Workflow) -> Value {
    build_with(doc, ir, true)
}

fn build_with(doc: &Document, ir: &Workflow, payload: bool) -> Value {
    let mut top = Map::new();
    if payload && let Some(obj) = doc.asl.as_object() {
        for (k, v) in obj {
            top.insert(k.clone(), v.clone());
        }
    }
    let workflow_ql = doc
        .asl
        .get("QueryLanguage")
        .and_then(Value::as_str)
        .unwrap_or("JSONPath");
    top.extend(build_top(doc));

    let mut states = Vec::new();
    let mut edges = Vec::new();
    let mut graph = Map::new();
    for scope in &ir.scopes {
        let (scope_path, parent_name) = scope_path(ir, scope.id);
        let scope_kind = match scope.kind {
            ScopeKind::Root => "root",
            ScopeKind::Branch(_) => "branch",
            ScopeKind::ItemProcessor => "item_processor",
            ScopeKind::Iterator => "iterator",
        };
        // The query language a scope inherits: its own `QueryLanguage` member wins, then
        // the enclosing state's (ASL: "QueryLanguage ... can be set on ... states").
        let inherited_ql =
            inherited_query_language(doc, ir, scope.id).unwrap_or_else(|| workflow_ql.to_string());
        for &n in &scope.order {
            let node = scope.node(n);
            let def = pointer_get(&doc.asl, &node.pointer).unwrap_or(&Value::Null);
            let mut succ = Vec::new();
            for (edge, target) in scope.transitions(n) {
                let to = scope.node(target);
                succ.push(Value::String(to.pointer.clone()));
                edges.push(json!({
                    "from": node.name, "to": to.name,
                    "from_id": node.pointer, "to_id": to.pointer,
                    "kind": edge_kind(edge.kind),
                    "pointer": edge.pointer,
                }));
            }
            graph.insert(node.pointer.clone(), Value::Array(succ));
            let st = normalize_state(doc, def, node, &inherited_ql, payload);
            let mut st = st;
            if let Some(o) = st.as_object_mut() {
                o.insert(
                    "scope".into(),
                    json!({
                        "id": scope.id,
                        "kind": scope_kind,
                        "path": scope_path,
                        "parent": parent_name,
                        "pointer": scope.pointer,
                    }),
                );
                o.insert("depth".into(), json!(scope_path.len()));
                o.insert(
                    "is_start".into(),
                    json!(scope.start_at.as_deref() == Some(node.name.as_str())),
                );
            }
            states.push(st);
        }
    }
    top.insert("index".into(), index(&states));
    top.insert("states".into(), Value::Array(states));
    top.insert("edges".into(), Value::Array(edges));
    top.insert("graph".into(), Value::Object(graph));
    if payload {
        top.insert("raw".into(), (*doc.raw).clone());
    }
    Value::Object(top)
}

/// The members of the input about the whole document: `file`, `workflow`, `deployment`.
pub(super) fn build_top(doc: &Document) -> Map<String, Value> {
    let workflow_ql = doc
        .asl
        .get("QueryLanguage")
        .and_then(Value::as_str)
        .unwrap_or("JSONPath");
    let mut top = Map::new();
    top.insert(
        "file".into(),
        json!({
            "path": doc.path,
            "format": match doc.format { nexus_schema::SourceFormat::Json => "json", nexus_schema::SourceFormat::Yaml => "yaml" },
            "kind": doc.kind.as_str(),
            "index": doc.index,
            "label": doc.label,
        }),
    );
    top.insert(
        "workflow".into(),
        json!({
            "name": doc.raw.get("name").and_then(Value::as_str).or(doc.label.as_deref()),
            "start_at": doc.asl.get("StartAt"),
            "comment": doc.asl.get("Comment"),
            "query_language": workflow_ql,
            "timeout_seconds": doc.asl.get("TimeoutSeconds"),
            "version": doc.asl.get("Version"),
        }),
    );
    top.insert("deployment".into(), deployment(doc));
    top
}

/// `deployment`: how the machine is deployed (type, role, logging, tracing, encryption), as
/// its template or nexus.toml `[deploy.<name>]` section says (`nexus_schema::deployment`);
/// `null` when nothing says.
pub(super) fn deployment(doc: &Document) -> Value {
    doc.deployment.as_deref().cloned().unwrap_or(Value::Null)
}

pub(super) fn edge_kind(k: nexus_schema::ir::EdgeKind) -> &'static str {
    use nexus_schema::ir::EdgeKind;
    match k {
        EdgeKind::Next => "next",
        EdgeKind::Default => "default",
        EdgeKind::Choice(_) => "choice",
        EdgeKind::Catch(_) => "catch",
    }
}

/// Names (and branch indexes) of the states enclosing a scope, outermost first, and the name
/// of the directly enclosing state.
pub(super) fn scope_path(ir: &Workflow, mut id: usize) -> (Vec<Value>, Option<String>) {
    let mut path = Vec::new();
    let mut parent_name = None;
    while let Some(scope) = ir.scopes.get(id) {
        let Some((pid, pnode)) = scope.parent else {
            break;
        };
        let Some(parent) = ir.scopes.get(pid) else {
            break;
        };
        let name = parent.node(pnode).name.clone();
        if parent_name.is_none() {
            parent_name = Some(name.clone());
        }
        if let ScopeKind::Branch(i) = scope.kind {
            path.push(json!(i));
        }
        path.push(Value::String(name));
        id = pid;
    }
    path.reverse();
    (path, parent_name)
}

pub(super) fn inherited_query_language(
    doc: &Document,
    ir: &Workflow,
    mut id: usize,
) -> Option<String> {
    while let Some(scope) = ir.scopes.get(id) {
        let (pid, pnode) = scope.parent?;
        let parent = ir.scopes.get(pid)?;
        let p = parent.node(pnode);
        if let Some(q) = pointer_get(&doc.asl, &p.pointer)
            .and_then(|v| v.get("QueryLanguage"))
            .and_then(Value::as_str)
        {
            return Some(q.to_string());
        }
        id = pid;
    }
    None
}

/// `value.pointer(p)` that also accepts the empty pointer.
pub(crate) fn pointer_get<'a>(value: &'a Value, p: &str) -> Option<&'a Value> {
    if p.is_empty() {
        Some(value)
    } else {
        value.pointer(p)
    }
}

fn normalize_state(
    doc: &Document,
    def: &Value,
    node: &nexus_schema::ir::StateNode,
    inherited_ql: &str,
    payload: bool,
) -> Value {
    let ptr = &node.pointer;
    let resource = def.get("Resource").and_then(Value::as_str);
    let params = def.get("Parameters").or_else(|| def.get("Arguments"));
    let function_name = lambda_function_name(resource, params);
    let (retry, retry_count) = retriers(def, ptr);
    let catch = catchers(def, ptr);
    let has_catch_all = catch.iter().any(|c| errors_contain(c, "States.ALL"));
    let (action, compensation) = action_and_compensation(doc, ptr);
    let integration = integration(resource);
    let mut out = json!({
        "id": ptr,
        "name": node.name,
        "kind": node.kind.as_str(),
        "type": def.get("Type"),
        "pointer": ptr,
        "source_pointer": doc.source_pointer(ptr),
        "comment": def.get("Comment"),
        "resource": resource,
        "action": action,
        "integration": integration,
        "function_name": function_name,
        "wait_for_task_token": resource.is_some_and(|r| r.ends_with(".waitForTaskToken")),
        "is_activity": resource.is_some_and(is_activity_arn),
        "next": def.get("Next"),
        "end": def.get("End").and_then(Value::as_bool).unwrap_or(false),
        "terminal": node.terminal,
        "retry": retry,
        "retry_count": retry_count,
        "catch": catch,
        "has_catch_all": has_catch_all,
        "timeout_seconds": def.get("TimeoutSeconds"),
        "timeout_seconds_path": def.get("TimeoutSecondsPath"),
        "heartbeat_seconds": def.get("HeartbeatSeconds"),
        "heartbeat_seconds_path": def.get("HeartbeatSecondsPath"),
        "max_concurrency": def.get("MaxConcurrency"),
        "max_concurrency_path": def.get("MaxConcurrencyPath"),
        "seconds": def.get("Seconds"),
        "compensation": compensation,
        "query_language": def.get("QueryLanguage").and_then(Value::as_str).unwrap_or(inherited_ql),
        "is_task": node.kind == StateKind::Task,
    });
    if payload && let Some(o) = out.as_object_mut() {
        o.insert("definition".into(), def.clone());
        o.insert("strings".into(), own_strings(def));
    }
    out
}

/// `index`: the states and strings a policy usually looks for, listed once so that a rule
/// iterates its candidates instead of every state (each step of a Rego `some x in xs` costs
/// thousands of instructions on regorus's virtual machine, issue 18):
///
/// - `by_kind`: state `kind` -> indexes into `states`, in order;
/// - `arns`: every string of `strings` in ARN form (`arn:partition:service:region:account:resource`,
///   six or more `:`-separated parts) as `{state, path, value, partition, service, region,
///   account, resource}` (`resource` is the rest, colons included);
/// - `with_retry`, `with_catch`: indexes into `states` of the states with a retrier, a catcher;
/// - `string_keys`: object key -> indexes into `states` (in order, once each) of the states
///   with a `strings` entry whose path ends in that key.
///
/// `state` is an index into `states`, `path` the entry's path below that state. Lists of
/// indexes, not copies of the entries, so the index costs little memory.
/// [`super::rego_input`] builds the same value directly.
fn index(states: &[Value]) -> Value {
    let mut by_kind = Map::new();
    let mut arns = Vec::new();
    let mut by_key = Map::new();
    let (mut with_retry, mut with_catch) = (Vec::new(), Vec::new());
    for (i, st) in states.iter().enumerate() {
        let non_empty = |k: &str| {
            st.get(k)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        if non_empty("retry") {
            with_retry.push(json!(i));
        }
        if non_empty("catch") {
            with_catch.push(json!(i));
        }
        if let Some(kind) = st.get("kind").and_then(Value::as_str) {
            let list = by_kind.entry(kind.to_string()).or_insert_with(|| json!([]));
            if let Some(a) = list.as_array_mut() {
                a.push(json!(i));
            }
        }
        let strings = st.get("strings").and_then(Value::as_array);
        for entry in strings.into_iter().flatten() {
            let (Some(path), Some(value)) = (
                entry.get("path"),
                entry.get("value").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some([partition, service, region, account, resource]) = arn_parts(value) {
                arns.push(json!({
                    "state": i, "path": path, "value": value, "partition": partition,
                    "service": service, "region": region, "account": account,
                    "resource": resource,
                }));
            }
            let key = path
                .as_array()
                .and_then(|p| p.last())
                .and_then(Value::as_str);
            if let Some(key) = key {
                let list = by_key.entry(key.to_string()).or_insert_with(|| json!([]));
                if let Some(a) = list.as_array_mut()
                    && a.last() != Some(&json!(i))
                {
                    a.push(json!(i));
                }
            }
        }
    }
    json!({
        "by_kind": by_kind, "with_retry": with_retry, "with_catch": with_catch, "arns": arns,
        "string_keys": by_key,
    })
}

/// The parts after `arn:` of a string in ARN form (see [`index`]): partition, service,
/// region, account and the resource (the rest).
pub(super) fn arn_parts(s: &str) -> Option<[&str; 5]> {
    let mut parts = s.strip_prefix("arn:")?.splitn(5, ':');
    let mut next = || parts.next();
    let out = [next()?, next()?, next()?, next()?, next()?];
    Some(out)
}

/// Every string of a state's own fields, with its path below the state: what policies that
/// search values (ARNs, secrets) iterate instead of `walk`ing the definition, which is much
/// slower in Rego and would visit nested machines once per enclosing state. The members that
/// hold nested machines ([`SCOPE_FIELDS`]) are left out: their states are entries of `states`
/// of their own.
fn own_strings(def: &Value) -> Value {
    fn visit(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Value>) {
        match v {
            Value::String(s) => out.push(json!({"path": path.clone(), "value": s})),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(json!(i));
                    visit(x, path, out);
                    path.pop();
                }
            }
            Value::Object(o) => {
                let mut keys: Vec<(&String, &Value)> = o.iter().collect();
                keys.sort_by(|a, b| a.0.cmp(b.0));
                for (k, x) in keys {
                    path.push(json!(k));
                    visit(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    // Keys in sorted order (the order Rego sees objects in), so the list is the same however
    // the input was built.
    let mut out = Vec::new();
    if let Some(o) = def.as_object() {
        let mut path = Vec::new();
        let mut keys: Vec<(&String, &Value)> = o.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in keys
            .into_iter()
            .filter(|(k, _)| !SCOPE_FIELDS.contains(&k.as_str()))
        {
            path.push(json!(k));
            visit(v, &mut path, &mut out);
            path.pop();
        }
    }
    Value::Array(out)
}

/// A state's NEXUS `action` (null in ASL files) and `compensation` ({action, pointer} of
/// its `on_failure.compensate`, null without one).
pub(super) fn action_and_compensation(doc: &Document, ptr: &str) -> (Value, Value) {
    let raw_state = source_state(doc, ptr);
    let action = if doc.kind == nexus_schema::DocKind::Nexus {
        raw_state
            .as_ref()
            .and_then(|(_, v)| v.get("action"))
            .cloned()
    } else {
        None
    };
    let compensation = raw_state.and_then(|(sp, v)| {
        let c = v.get("on_failure")?.get("compensate")?;
        Some(json!({"action": c, "pointer": format!("{}{sp}/on_failure/compensate", doc.base)}))
    });
    (
        action.unwrap_or(Value::Null),
        compensation.unwrap_or(Value::Null),
    )
}

/// The state as written: its source pointer (relative to the document) and value.
fn source_state<'a>(doc: &'a Document, asl_ptr: &str) -> Option<(String, &'a Value)> {
    let sp = doc.origin.to_source(asl_ptr);
    pointer_get(&doc.raw, &sp).map(|v| (sp, v))
}

fn errors_contain(c: &Value, name: &str) -> bool {
    c.get("errors")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|e| e.as_str() == Some(name)))
}

/// Retriers with AWS defaults applied; and the largest `max_attempts` (0 without retriers).
fn retriers(def: &Value, ptr: &str) -> (Vec<Value>, u64) {
    let mut out = Vec::new();
    let mut max = 0;
    for (i, r) in def
        .get("Retry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let attempts = r
            .get("MaxAttempts")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_MAX_ATTEMPTS);
        max = max.max(attempts);
        out.push(json!({
            "errors": r.get("ErrorEquals").cloned().unwrap_or_else(|| json!([])),
            "max_attempts": attempts,
            "interval_seconds": r.get("IntervalSeconds").and_then(Value::as_u64).unwrap_or(DEFAULT_INTERVAL),
            "backoff_rate": r.get("BackoffRate").and_then(Value::as_f64).unwrap_or(DEFAULT_BACKOFF),
            "max_delay_seconds": r.get("MaxDelaySeconds"),
            "jitter_strategy": r.get("JitterStrategy").and_then(Value::as_str).unwrap_or("NONE"),
            "pointer": format!("{ptr}/Retry/{i}"),
        }));
    }
    (out, max)
}

fn catchers(def: &Value, ptr: &str) -> Vec<Value> {
    def.get("Catch")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "errors": c.get("ErrorEquals").cloned().unwrap_or_else(|| json!([])),
                "next": c.get("Next"),
                "result_path": c.get("ResultPath"),
                "pointer": format!("{ptr}/Catch/{i}"),
            })
        })
        .collect()
}

/// `arn:<partition>:states:<region>:<account>:activity:<name>`.
pub(super) fn is_activity_arn(r: &str) -> bool {
    let parts: Vec<&str> = r.splitn(7, ':').collect();
    parts.len() >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
}

/// What a Task's `Resource` calls: `lambda`, `activity`, `aws-sdk`, `service` (an optimized
/// integration `arn:aws:states:::svc:action`), `other` or null.
fn integration(resource: Option<&str>) -> Value {
    integration_kind(resource).map_or(Value::Null, |k| Value::String(k.into()))
}

/// [`integration`] as a plain string.
pub(super) fn integration_kind(resource: Option<&str>) -> Option<&'static str> {
    let r = resource?;
    let parts: Vec<&str> = r.splitn(7, ':').collect();
    let kind = match parts.as_slice() {
        ["arn", _, "lambda", ..] => "lambda",
        ["arn", _, "states", _, _, "activity", ..] => "activity",
        ["arn", _, "states", "", "", svc, ..] if svc.starts_with("lambda") => "lambda",
        ["arn", _, "states", "", "", "aws-sdk", ..] => "aws-sdk",
        ["arn", _, "states", "", "", ..] => "service",
        _ => "other",
    };
    Some(kind)
}

/// The Lambda function a Task invokes: the ARN's function name, or `FunctionName` of the
/// `lambda:invoke` integration (its ARN or plain name; `.$` dynamic names are unknown).
pub(super) fn lambda_function_name(resource: Option<&str>, params: Option<&Value>) -> Value {
    let Some(r) = resource else {
        return Value::Null;
    };
    if r.starts_with("arn:") && r.split(':').nth(2) == Some("lambda") {
        return r
            .split(':')
            .nth(6)
            .map_or(Value::Null, |n| Value::String(n.to_string()));
    }
    if r.contains(":states:::lambda:invoke")
        && let Some(f) = params
            .and_then(|p| p.get("FunctionName"))
            .and_then(Value::as_str)
    {
        let name = if f.starts_with("arn:") {
            f.split(':').nth(6).unwrap_or(f)
        } else {
            f
        };
        return Value::String(name.to_string());
    }
    Value::Null
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn doc(v: Value) -> Document {
        Document::asl(
            "x.asl.json",
            Arc::from(""),
            nexus_schema::SourceFormat::Json,
            v,
            Default::default(),
        )
    }

    #[test]
    fn normalizes_nested_states_with_defaults() {
        let d = doc(
            json!({"StartAt": "P", "QueryLanguage": "JSONata", "States": {
                "P": {"Type": "Parallel", "Next": "L", "Branches": [
                    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                      "Arguments": {"FunctionName": "charge"}, "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}}}
                ]},
                "L": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:log", "End": true}
            }}),
        );
        let ir = Workflow::from_asl(&d.asl);
        let input = build(&d, &ir);
        assert_eq!(input["StartAt"], "P");
        let states = input["states"].as_array().unwrap();
        assert_eq!(states.len(), 3);
        let t = states.iter().find(|s| s["name"] == "T").unwrap();
        assert_eq!(t["scope"]["path"], json!(["P", 0]));
        assert_eq!(t["scope"]["parent"], "P");
        assert_eq!(t["retry"][0]["max_attempts"], 3);
        assert_eq!(t["retry"][0]["backoff_rate"], 2.0);
        assert_eq!(t["retry_count"], 3);
        assert_eq!(t["integration"], "lambda");
        assert_eq!(t["function_name"], "charge");
        assert_eq!(t["query_language"], "JSONata");
        let l = states.iter().find(|s| s["name"] == "L").unwrap();
        assert_eq!(l["function_name"], "log");
        assert_eq!(l["retry_count"], 0);
        assert_eq!(input["graph"]["/States/P"], json!(["/States/L"]));
        assert_eq!(input["edges"][0]["kind"], "next");
    }
}
