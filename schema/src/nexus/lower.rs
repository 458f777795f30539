//! Lowering: NEXUS workflow → ASL value, with a pointer map back to the NEXUS nodes.
//!
//! Lowering never fails: what it cannot give a meaning is reported (NX010..NX018, pointers
//! into the NEXUS document) and, where ASL rules can still say something useful about it,
//! kept verbatim in the ASL view. Extensions (`compensate`, `policies`) go to side tables.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::names::{self, Ctx, Kind};
use super::sugar;
use super::{
    CONFLICTING_FIELDS, Compensation, CompensationHook, DUPLICATE_STATE_NAME, FORMAT_VERSION,
    INVALID_SUGAR, Lowered, MALFORMED_WORKFLOW, MISSING_VERSION, STATE_WITHOUT_NAME, UNKNOWN_FIELD,
    UNKNOWN_STATE_TYPE, UNSUPPORTED_VERSION,
};
use crate::QueryLanguage;
use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::document::PointerMap;
use crate::pointer::{push, push_index};

/// Lower a NEXUS workflow (as loaded from YAML) to its ASL view.
pub fn lower(doc: &Value) -> Lowered {
    let mut l = Lowerer::default();
    let Some(obj) = doc.as_object() else {
        l.issue(
            &MALFORMED_WORKFLOW,
            "",
            "a NEXUS workflow must be a mapping",
        );
        return l.finish(Value::Object(Map::new()), Vec::new());
    };
    match obj.get("version") {
        None => {
            l.issue(&MISSING_VERSION, "", "the workflow has no `version`");
            if let Some(last) = l.issues.last_mut() {
                last.help = Some(format!("add `version: \"{FORMAT_VERSION}\"` at the top"));
            }
        }
        Some(Value::String(s)) if s == FORMAT_VERSION => {}
        Some(v) => {
            let shown = v.to_string();
            l.issue(
                &UNSUPPORTED_VERSION,
                "/version",
                format!("unsupported NEXUS version {shown}; this tool reads \"{FORMAT_VERSION}\""),
            );
        }
    }
    if let Some(name) = obj.get("name")
        && !name.is_string()
    {
        l.issue(
            &INVALID_SUGAR,
            "/name",
            "the workflow `name` must be a string",
        );
    }
    l.top_ql = QueryLanguage::from_value(obj.get("query_language")).unwrap_or_default();
    let mut policies = Vec::new();
    if let Some(p) = obj.get("policies") {
        match p.as_array() {
            Some(list) => policies.extend(list.iter().cloned()),
            None => l.issue(
                &MALFORMED_WORKFLOW,
                "/policies",
                "`policies` must be a list",
            ),
        }
    }
    let asl = l.machine(obj, "", "", Ctx::Top);
    l.finish(Value::Object(asl), policies)
}

/// Lower one state on its own (the raiser's check that a raised state lowers back).
pub(crate) fn lower_state_alone(
    o: &Map<String, Value>,
    name: &str,
    top_ql: QueryLanguage,
) -> Map<String, Value> {
    let mut l = Lowerer {
        top_ql,
        ..Lowerer::default()
    };
    l.state(o, name, "", "", "")
}

/// Where the lowering of a side-table value (a compensation's retriers) pretends to be in the
/// ASL: no ASL node has this pointer.
const SIDE_TABLE: &str = "/~nexus";

/// Fields being built for one ASL object: key, value, and the NEXUS pointer that set it
/// (to name both places when two fields set the same key).
type Fields = Vec<(String, Value, String)>;

#[derive(Default)]
pub(crate) struct Lowerer {
    origin: PointerMap,
    issues: Vec<Diagnostic>,
    compensations: Vec<Compensation>,
    hook: Option<CompensationHook>,
    top_ql: QueryLanguage,
}

impl Lowerer {
    fn finish(self, asl: Value, policies: Vec<Value>) -> Lowered {
        Lowered {
            asl,
            origin: self.origin,
            compensations: self.compensations,
            on_compensation_failure: self.hook,
            policies,
            issues: self.issues,
        }
    }

    fn issue(&mut self, code: &'static RuleMeta, ptr: &str, msg: impl Into<String>) {
        self.issues.push(code.at(ptr, msg));
    }

    fn map(&mut self, asl: &str, nexus: &str) {
        self.origin.insert(asl, nexus);
    }

    /// Map an ASL node and everything under it to one NEXUS node (for sugar: the whole
    /// expansion of `action:` comes from that one line).
    fn map_all(&mut self, asl: &str, value: &Value, nexus: &str) {
        self.map(asl, nexus);
        match value {
            Value::Object(m) => {
                for (k, v) in m {
                    self.map_all(&push(asl, k), v, nexus);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.map_all(&push_index(asl, i), v, nexus);
                }
            }
            _ => {}
        }
    }

    /// Add `key` to `out` unless an earlier field already set it (then report both places).
    fn put(&mut self, out: &mut Fields, key: &str, value: Value, nx: &str) {
        if let Some((_, _, first)) = out.iter().find(|(k, _, _)| k == key) {
            let first = first.clone();
            self.issues.push(
                CONFLICTING_FIELDS
                    .at(nx, format!("the ASL field `{key}` is set twice"))
                    .note_at("first set here", first)
                    .help("keep one of the two"),
            );
            return;
        }
        out.push((key.to_string(), value, nx.to_string()));
    }

    /// A state machine: the top level (`ctx = Top`) or a branch / item processor (`Scope`).
    /// `scope_nx` is the NEXUS pointer used for compensations of its states.
    fn machine(
        &mut self,
        obj: &Map<String, Value>,
        nx: &str,
        asl: &str,
        ctx: Ctx,
    ) -> Map<String, Value> {
        let mut out = Fields::new();
        let mut start_seen = false;
        let mut states_at = None;
        let mut first_name = None;
        for (k, v) in obj {
            let kp = push(nx, k);
            match (ctx, k.as_str()) {
                (Ctx::Top, "version" | "name" | "policies") => {}
                (Ctx::Top, "on_compensation_failure") => match v.as_str() {
                    Some(a) => {
                        self.hook = Some(CompensationHook {
                            action: a.to_string(),
                            pointer: kp.clone(),
                        });
                    }
                    None => self.issue(
                        &INVALID_SUGAR,
                        &kp,
                        "`on_compensation_failure` must be an action: a Lambda function name or an ARN",
                    ),
                },
                (_, "start") => {
                    start_seen = true;
                    // `start: null` = no StartAt at all (only raised from ASL that lacks it).
                    if !v.is_null() {
                        self.map(&push(asl, "StartAt"), &kp);
                        self.put(&mut out, "StartAt", v.clone(), &kp);
                    }
                }
                (_, "states") => {
                    let ap = push(asl, "States");
                    self.map(&ap, &kp);
                    let value = match v.as_array() {
                        Some(list) => {
                            let (states, first) = self.states(list, &kp, &ap, asl);
                            first_name = first;
                            Value::Object(states)
                        }
                        None => {
                            self.issue(
                                &MALFORMED_WORKFLOW,
                                &kp,
                                "`states` must be a list of states",
                            );
                            v.clone()
                        }
                    };
                    states_at = Some(out.len());
                    self.put(&mut out, "States", value, &kp);
                }
                (_, "x_asl") => self.x_asl(v, &kp, asl, &mut out),
                _ => self.field(ctx, k, v, &kp, asl, &mut out),
            }
        }
        let has_start = out.iter().any(|(k, _, _)| k == "StartAt");
        if !start_seen
            && !has_start
            && let Some(first) = first_name
        {
            // `start` defaults to the first state of the list.
            let np = push(&push_index(&push(nx, "states"), 0), "name");
            self.map(&push(asl, "StartAt"), &np);
            let at = states_at.unwrap_or(out.len()).min(out.len());
            out.insert(at, ("StartAt".into(), Value::String(first), np));
        }
        out.into_iter().map(|(k, v, _)| (k, v)).collect()
    }

    /// The `states` list → the ASL `States` object; also returns the first state's name.
    fn states(
        &mut self,
        list: &[Value],
        nx: &str,
        asl: &str,
        asl_scope: &str,
    ) -> (Map<String, Value>, Option<String>) {
        let mut map = Map::new();
        // Name → pointer of its first definition: a map, not a list searched per state, so a
        // large workflow lowers in linear time (issue #12: 50,000 states took 14 s).
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut first = None;
        for (i, item) in list.iter().enumerate() {
            let p = push_index(nx, i);
            let Some(o) = item.as_object() else {
                self.issue(
                    &MALFORMED_WORKFLOW,
                    &p,
                    "a state must be a mapping with a `name`",
                );
                continue;
            };
            let name = match o.get("name") {
                Some(Value::String(s)) => s.clone(),
                Some(_) => {
                    self.issue(
                        &STATE_WITHOUT_NAME,
                        &push(&p, "name"),
                        "a state `name` must be a string",
                    );
                    continue;
                }
                None => {
                    self.issue(&STATE_WITHOUT_NAME, &p, "this state has no `name`");
                    continue;
                }
            };
            if i == 0 {
                first = Some(name.clone());
            }
            if let Some(at) = seen.get(&name) {
                let at = at.clone();
                self.issues.push(
                    DUPLICATE_STATE_NAME
                        .at(
                            push(&p, "name"),
                            format!("a state named `{name}` is already defined in this list"),
                        )
                        .note_at("first defined here", at)
                        .help("state names must be unique; rename one of them"),
                );
                continue;
            }
            seen.insert(name.clone(), push(&p, "name"));
            let ap = push(asl, &name);
            self.map(&ap, &p);
            let state = self.state(o, &name, &p, &ap, asl_scope);
            map.insert(name, Value::Object(state));
        }
        (map, first)
    }

    fn state(
        &mut self,
        o: &Map<String, Value>,
        name: &str,
        nx: &str,
        asl: &str,
        asl_scope: &str,
    ) -> Map<String, Value> {
        let ql = QueryLanguage::of_state(o.get("query_language"), self.top_ql);
        let mut out = Fields::new();
        let action = o.get("action");
        match o.get("type") {
            Some(t) => {
                let tp = push(nx, "type");
                self.map(&push(asl, "Type"), &tp);
                let known = t
                    .as_str()
                    .and_then(|s| names::STATE_TYPES.iter().find(|(_, n)| *n == s));
                let value = match known {
                    Some((asl_name, _)) => json!(asl_name),
                    None => {
                        self.issue(&UNKNOWN_STATE_TYPE, &tp,
                            format!(
                                "unknown state type {t}; expected one of task, pass, choice, wait, succeed, fail, parallel, map"
                            ),
                        );
                        t.clone()
                    }
                };
                if action.is_some() && value != json!("Task") {
                    self.issues.push(
                        CONFLICTING_FIELDS
                            .at(
                                tp.clone(),
                                "`action` makes a state a task, but `type` says otherwise",
                            )
                            .note_at("the action", push(nx, "action")),
                    );
                }
                out.push(("Type".into(), value, tp));
            }
            None if action.is_some() => {
                // `type` defaults to `task` when `action` is present.
                let ap = push(nx, "action");
                self.map(&push(asl, "Type"), &ap);
                out.push(("Type".into(), json!("Task"), ap));
            }
            None => {}
        }
        for (k, v) in o {
            let kp = push(nx, k);
            match k.as_str() {
                "name" | "type" => {}
                "action" => match v.as_str() {
                    Some(a) => {
                        for (key, value) in sugar::action_fields(a, ql) {
                            self.map_all(&push(asl, key), &value, &kp);
                            self.put(&mut out, key, value, &kp);
                        }
                    }
                    None => self.issue(
                        &INVALID_SUGAR,
                        &kp,
                        "`action` must be a string: a Lambda function name or an ARN",
                    ),
                },
                "on_failure" => self.on_failure(v, name, &kp, asl, asl_scope, &mut out),
                "x_asl" => self.x_asl(v, &kp, asl, &mut out),
                _ => self.field(Ctx::State, k, v, &kp, asl, &mut out),
            }
        }
        out.into_iter().map(|(k, v, _)| (k, v)).collect()
    }

    fn on_failure(
        &mut self,
        v: &Value,
        state: &str,
        nx: &str,
        asl: &str,
        asl_scope: &str,
        out: &mut Fields,
    ) {
        let Some(o) = v.as_object() else {
            self.issue(
                &MALFORMED_WORKFLOW,
                nx,
                "`on_failure` must be a mapping {retry, backoff, catch, compensate}",
            );
            return;
        };
        let retry_is_count = o.get("retry").is_some_and(Value::is_u64);
        for (k, val) in o {
            let kp = push(nx, k);
            match k.as_str() {
                "retry" => self.retry(val, o.get("backoff"), &kp, &push(nx, "backoff"), asl, out),
                "backoff" if !retry_is_count => self.issue(
                    &INVALID_SUGAR,
                    &kp,
                    "`backoff` applies to `retry: N` only; write the fields in each retrier",
                ),
                "backoff" => {}
                "catch" => match val {
                    Value::Array(_) => {
                        let ap = push(asl, "Catch");
                        self.map(&ap, &kp);
                        let lowered = self.value(Kind::List(Ctx::Catcher), val, &kp, &ap);
                        self.put(out, "Catch", lowered, &kp);
                    }
                    _ => self.issue(&INVALID_SUGAR, &kp, "`catch` must be a list of catchers"),
                },
                "compensate" => self.compensate(val, state, &kp, asl_scope),
                other => {
                    self.issues.push(
                        UNKNOWN_FIELD
                            .at(kp.clone(), format!("unknown key `{other}` in `on_failure`"))
                            .on_key()
                            .help("`on_failure` takes retry, backoff, catch and compensate"),
                    );
                }
            }
        }
    }

    /// `on_failure.compensate`: an action, or `{action, retry, backoff}` where `retry` and
    /// `backoff` mean what they mean in `on_failure` (the compensation's own retry policy).
    fn compensate(&mut self, val: &Value, state: &str, nx: &str, asl_scope: &str) {
        let (action, retry) = match val {
            Value::String(a) => (a.clone(), Vec::new()),
            Value::Object(o) => {
                let mut fields = Fields::new();
                let retry_is_count = o.get("retry").is_some_and(Value::is_u64);
                for (k, v) in o {
                    let kp = push(nx, k);
                    match k.as_str() {
                        "action" if v.is_string() => {}
                        "action" => self.issue(&INVALID_SUGAR, &kp, "`action` must be a string"),
                        // The retriers are not part of the ASL view: the pointers `retry` maps
                        // are dropped again below.
                        "retry" => self.retry(v, o.get("backoff"), &kp, &push(nx, "backoff"), SIDE_TABLE, &mut fields),
                        "backoff" if !retry_is_count => self.issue(
                            &INVALID_SUGAR,
                            &kp,
                            "`backoff` applies to `retry: N` only; write the fields in each retrier",
                        ),
                        "backoff" => {}
                        other => self.issues.push(
                            UNKNOWN_FIELD
                                .at(kp.clone(), format!("unknown key `{other}` in `compensate`"))
                                .on_key()
                                .help("`compensate` takes action, retry and backoff"),
                        ),
                    }
                }
                self.origin.remove_under(SIDE_TABLE);
                let Some(a) = o.get("action").and_then(Value::as_str) else {
                    self.issue(&INVALID_SUGAR, nx, "`compensate` needs an `action`");
                    return;
                };
                let retry = fields
                    .into_iter()
                    .find(|(k, _, _)| k == "Retry")
                    .and_then(|(_, v, _)| match v {
                        Value::Array(a) => Some(a),
                        _ => None,
                    })
                    .unwrap_or_default();
                (a.to_string(), retry)
            }
            _ => {
                self.issue(
                    &INVALID_SUGAR,
                    nx,
                    "`compensate` must be an action (a Lambda function name or an ARN) or {action, retry, backoff}",
                );
                return;
            }
        };
        self.compensations.push(Compensation {
            state: state.to_string(),
            action,
            pointer: nx.to_string(),
            asl_scope: asl_scope.to_string(),
            retry,
        });
    }

    /// `on_failure.retry`: a count (sugar) or a list of retriers.
    fn retry(
        &mut self,
        val: &Value,
        backoff: Option<&Value>,
        nx: &str,
        backoff_nx: &str,
        asl: &str,
        out: &mut Fields,
    ) {
        let ap = push(asl, "Retry");
        match val {
            Value::Number(n) if n.is_u64() => {
                let r0 = push_index(&ap, 0);
                self.map(&ap, nx);
                self.map(&r0, nx);
                self.map(&push(&r0, "ErrorEquals"), nx);
                self.map(&push(&r0, "MaxAttempts"), nx);
                self.map(&push(&push(&r0, "ErrorEquals"), "0"), nx);
                let mut retrier = sugar::retry_base(val);
                if let Some(b) = backoff {
                    match sugar::backoff_fields(b) {
                        Ok(fields) => {
                            for (key, value, sub) in fields {
                                let src =
                                    sub.map_or(backoff_nx.to_string(), |s| push(backoff_nx, s));
                                self.map(&push(&r0, key), &src);
                                retrier.insert(key.to_string(), value);
                            }
                        }
                        Err(errs) => {
                            for (sub, msg) in errs {
                                let p =
                                    sub.map_or(backoff_nx.to_string(), |s| push(backoff_nx, &s));
                                self.issue(&INVALID_SUGAR, &p, msg);
                            }
                        }
                    }
                }
                self.put(out, "Retry", json!([retrier]), nx);
            }
            Value::Array(_) => {
                self.map(&ap, nx);
                let lowered = self.value(Kind::List(Ctx::Retrier), val, nx, &ap);
                self.put(out, "Retry", lowered, nx);
            }
            _ => self.issue(
                &INVALID_SUGAR,
                nx,
                "`retry` must be a number of attempts or a list of retriers",
            ),
        }
    }

    /// `x_asl`: ASL fields kept verbatim, merged into the object being built.
    fn x_asl(&mut self, v: &Value, nx: &str, asl: &str, out: &mut Fields) {
        let Some(o) = v.as_object() else {
            self.issue(
                &MALFORMED_WORKFLOW,
                nx,
                "`x_asl` must be a mapping of ASL fields",
            );
            return;
        };
        for (k, val) in o {
            let kp = push(nx, k);
            self.map(&push(asl, k), &kp);
            self.put(out, k, val.clone(), &kp);
        }
    }

    /// One ordinary field: the snake_case key becomes the ASL key, the value is lowered by
    /// its kind.
    fn field(&mut self, ctx: Ctx, k: &str, v: &Value, nx: &str, asl: &str, out: &mut Fields) {
        let ak = match names::asl_key(ctx, k) {
            Some(ak) => {
                let canonical = names::nexus_key(ctx, &ak);
                if canonical != k {
                    self.issues.push(
                        UNKNOWN_FIELD
                            .at(nx, format!("`{k}` is not a NEXUS field name"))
                            .on_key()
                            .help(format!("write `{canonical}`")),
                    );
                }
                ak
            }
            None => {
                self.issues.push(
                    UNKNOWN_FIELD
                        .at(nx, format!(
                            "`{k}` is not a snake_case NEXUS field; kept as the ASL field `{k}`"
                        ))
                        .with_severity(Severity::Warning)
                    .on_key()
                    .help(format!(
                        "write `{}`, or put ASL fields that must keep their spelling under `x_asl`",
                        names::snake_case(k)
                    )),
                );
                k.to_string()
            }
        };
        let ap = push(asl, &ak);
        self.map(&ap, nx);
        let lowered = self.value(names::kind_of(ctx, &ak), v, nx, &ap);
        self.put(out, &ak, lowered, nx);
    }

    /// Lower a field value by kind. Values of the wrong shape are kept verbatim, so the ASL
    /// rules report them in their own words.
    fn value(&mut self, kind: Kind, v: &Value, nx: &str, asl: &str) -> Value {
        match (kind, v) {
            (Kind::Object(ctx), Value::Object(o)) => Value::Object(self.object(ctx, o, nx, asl)),
            (Kind::List(ctx), Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let (np, ap) = (push_index(nx, i), push_index(asl, i));
                        self.map(&ap, &np);
                        match item {
                            Value::Object(o) => Value::Object(self.object(ctx, o, &np, &ap)),
                            other => other.clone(),
                        }
                    })
                    .collect(),
            ),
            (Kind::Scope, Value::Object(o)) => Value::Object(self.machine(o, nx, asl, Ctx::Scope)),
            (Kind::ScopeList, Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let (np, ap) = (push_index(nx, i), push_index(asl, i));
                        self.map(&ap, &np);
                        match item {
                            Value::Object(o) => {
                                Value::Object(self.machine(o, &np, &ap, Ctx::Scope))
                            }
                            other => other.clone(),
                        }
                    })
                    .collect(),
            ),
            _ => v.clone(),
        }
    }

    fn object(
        &mut self,
        ctx: Ctx,
        o: &Map<String, Value>,
        nx: &str,
        asl: &str,
    ) -> Map<String, Value> {
        let mut out = Fields::new();
        for (k, v) in o {
            let kp = push(nx, k);
            if k == "x_asl" {
                self.x_asl(v, &kp, asl, &mut out);
            } else {
                self.field(ctx, k, v, &kp, asl, &mut out);
            }
        }
        out.into_iter().map(|(k, v, _)| (k, v)).collect()
    }
}
