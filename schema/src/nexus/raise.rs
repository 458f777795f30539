//! Raising: ASL value → idiomatic NEXUS workflow, losslessly.
//!
//! States keep their `States` order (order carries no meaning in ASL, and authors order them
//! to be read), except that the `StartAt` state comes first, so `start` is written only when
//! `StartAt` names no state (or is missing). Sugar is used
//! only where lowering it gives back exactly the same ASL: every sugar form is checked by
//! lowering it. A field whose snake_case spelling would not come back unchanged goes under
//! `x_asl`, verbatim. As a last resort a state (or the whole document) that would not lower
//! back identically is kept whole under `x_asl`, so `lower(raise(x)).asl == x` always holds.

use serde_json::{Map, Value, json};

use super::lower::{lower, lower_state_alone};
use super::names::{self, Ctx, Kind};
use super::sugar::{self, LAMBDA_INVOKE};
use super::{FIELD_KEPT_VERBATIM, FORMAT_VERSION, Raised, UNKNOWN_FIELD_KEPT};
use crate::QueryLanguage;
use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::pointer::{push, push_index};

/// Raise an ASL definition to a NEXUS workflow, with migration notes (NX401, NX402).
pub fn raise(asl: &Value) -> Raised {
    let mut r = Raiser::default();
    let Some(obj) = asl.as_object() else {
        r.note_as(
            &FIELD_KEPT_VERBATIM,
            Severity::Error,
            "",
            "the ASL definition is not a JSON object; nothing to migrate",
        );
        return Raised {
            nexus: json!({ "version": FORMAT_VERSION }),
            notes: r.notes,
        };
    };
    r.top_ql = QueryLanguage::from_value(obj.get("QueryLanguage")).unwrap_or_default();
    let mut nexus = Value::Object(r.machine(obj, "", Ctx::Top));
    if lower(&nexus).asl != *asl {
        // Safety net; the structured form above is expected to round-trip.
        r.notes.clear();
        r.note_as(
            &FIELD_KEPT_VERBATIM,
            Severity::Warning,
            "/x_asl",
            "the definition could not be expressed in NEXUS form; kept verbatim under `x_asl`",
        );
        nexus = json!({ "version": FORMAT_VERSION, "x_asl": asl });
    }
    Raised {
        nexus,
        notes: r.notes,
    }
}

#[derive(Default)]
struct Raiser {
    notes: Vec<Diagnostic>,
    top_ql: QueryLanguage,
}

impl Raiser {
    fn note(&mut self, code: &'static RuleMeta, ptr: &str, msg: impl Into<String>) {
        self.notes.push(code.at(ptr, msg));
    }

    /// A note at a severity other than the code's default (a state or a whole definition
    /// kept verbatim).
    fn note_as(
        &mut self,
        code: &'static RuleMeta,
        severity: Severity,
        ptr: &str,
        msg: impl Into<String>,
    ) {
        self.notes.push(code.at(ptr, msg).with_severity(severity));
    }

    /// The top level (`Top`) or a branch / item processor (`Scope`).
    fn machine(&mut self, obj: &Map<String, Value>, nx: &str, ctx: Ctx) -> Map<String, Value> {
        let mut out = Map::new();
        let mut x = Map::new();
        if ctx == Ctx::Top {
            out.insert("version".into(), json!(FORMAT_VERSION));
        }
        // A list of states needs every state to be a mapping; otherwise `States` stays
        // verbatim (and `start` cannot default to its first entry).
        let states = obj
            .get("States")
            .and_then(Value::as_object)
            .filter(|m| m.values().all(Value::is_object));
        // `StartAt` first, the others in their `States` order: transitions are explicit, so the
        // order of the list carries no meaning, and `start:` can then be left out.
        let start_name = obj
            .get("StartAt")
            .and_then(Value::as_str)
            .filter(|s| states.is_some_and(|m| m.contains_key(*s)));
        let ordered: Vec<(&String, &Value)> = states.map_or_else(Vec::new, |m| {
            let head = start_name.and_then(|s| m.get_key_value(s));
            head.into_iter()
                .chain(m.iter().filter(|(k, _)| Some(k.as_str()) != start_name))
                .collect()
        });
        let first = ordered.first().map(|(k, _)| *k);
        for (k, v) in obj {
            match k.as_str() {
                "StartAt" => match v {
                    Value::String(s) if Some(s) == first => {}
                    Value::String(_) => {
                        out.insert("start".into(), v.clone());
                    }
                    _ => self.escape(&mut x, nx, k, v),
                },
                "States" => match states {
                    Some(_) => {
                        let sp = push(nx, "states");
                        let list = ordered
                            .iter()
                            .enumerate()
                            .map(|(i, &(name, st))| {
                                let p = push_index(&sp, i);
                                match st.as_object() {
                                    Some(o) => Value::Object(self.state(name, o, &p)),
                                    None => st.clone(),
                                }
                            })
                            .collect();
                        out.insert("states".into(), Value::Array(list));
                    }
                    None => self.escape(&mut x, nx, k, v),
                },
                _ => self.field(ctx, k, v, nx, &mut out, &mut x),
            }
        }
        if !obj.contains_key("StartAt") && first.is_some() {
            // Without this, lowering would default `StartAt` to the first state.
            out.insert("start".into(), Value::Null);
        }
        if !x.is_empty() {
            out.insert("x_asl".into(), Value::Object(x));
        }
        out
    }

    fn escape(&mut self, x: &mut Map<String, Value>, nx: &str, k: &str, v: &Value) {
        self.note(&FIELD_KEPT_VERBATIM, &push(&push(nx, "x_asl"), k),
            format!("`{k}` has no NEXUS spelling that converts back unchanged; kept verbatim under `x_asl`"),
        );
        x.insert(k.to_string(), v.clone());
    }

    fn state(&mut self, name: &str, o: &Map<String, Value>, nx: &str) -> Map<String, Value> {
        let notes_before = self.notes.len();
        let raised = self.state_form(name, o, nx);
        if lower_state_alone(&raised, name, self.top_ql) == *o {
            return raised;
        }
        // Safety net: keep the state whole.
        self.notes.truncate(notes_before);
        self.note_as(
            &FIELD_KEPT_VERBATIM,
            Severity::Warning,
            &push(nx, "x_asl"),
            format!(
                "state `{name}` could not be expressed in NEXUS form; kept verbatim under `x_asl`"
            ),
        );
        let mut out = Map::new();
        out.insert("name".into(), json!(name));
        out.insert("x_asl".into(), Value::Object(o.clone()));
        out
    }

    fn state_form(&mut self, name: &str, o: &Map<String, Value>, nx: &str) -> Map<String, Value> {
        let ql = QueryLanguage::of_state(o.get("QueryLanguage"), self.top_ql);
        let mut out = Map::new();
        let mut x = Map::new();
        out.insert("name".into(), json!(name));
        let type_name = o.get("Type").and_then(Value::as_str).and_then(|t| {
            names::STATE_TYPES
                .iter()
                .find(|(a, _)| *a == t)
                .map(|(_, n)| *n)
        });
        let (action, consumed) = if type_name == Some("task") {
            action_sugar(o, ql)
        } else {
            (None, Vec::new())
        };
        let mut on_failure = Map::new();
        for (k, v) in o {
            match k.as_str() {
                "Type" => match type_name {
                    Some("task") if action.is_some() => {}
                    Some(t) => {
                        out.insert("type".into(), json!(t));
                    }
                    None => self.escape(&mut x, nx, k, v),
                },
                "Resource" if action.is_some() => {
                    out.insert("action".into(), json!(action));
                }
                key if consumed.contains(&key) => {}
                "Retry" | "Catch" if v.is_array() => {
                    // Placeholder keeps `on_failure` where the first of the two was.
                    out.entry("on_failure").or_insert(Value::Null);
                    let op = push(nx, "on_failure");
                    if k == "Retry" {
                        match retry_sugar(v) {
                            Some((n, backoff)) => {
                                on_failure.insert("retry".into(), n);
                                if let Some(b) = backoff {
                                    on_failure.insert("backoff".into(), b);
                                }
                            }
                            None => {
                                let list = self.list(Ctx::Retrier, v, &push(&op, "retry"));
                                on_failure.insert("retry".into(), list);
                            }
                        }
                    } else {
                        let list = self.list(Ctx::Catcher, v, &push(&op, "catch"));
                        on_failure.insert("catch".into(), list);
                    }
                }
                _ => self.field(Ctx::State, k, v, nx, &mut out, &mut x),
            }
        }
        if !on_failure.is_empty() {
            out.insert("on_failure".into(), Value::Object(on_failure));
        }
        if !x.is_empty() {
            out.insert("x_asl".into(), Value::Object(x));
        }
        out
    }

    fn list(&mut self, ctx: Ctx, v: &Value, nx: &str) -> Value {
        match v {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Value::Object(o) => Value::Object(self.object(ctx, o, &push_index(nx, i))),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn object(&mut self, ctx: Ctx, o: &Map<String, Value>, nx: &str) -> Map<String, Value> {
        let mut out = Map::new();
        let mut x = Map::new();
        for (k, v) in o {
            self.field(ctx, k, v, nx, &mut out, &mut x);
        }
        if !x.is_empty() {
            out.insert("x_asl".into(), Value::Object(x));
        }
        out
    }

    fn field(
        &mut self,
        ctx: Ctx,
        k: &str,
        v: &Value,
        nx: &str,
        out: &mut Map<String, Value>,
        x: &mut Map<String, Value>,
    ) {
        let Some(nk) = names::reversible_nexus_key(ctx, k) else {
            self.escape(x, nx, k, v);
            return;
        };
        let fp = push(nx, &nk);
        if !names::KNOWN_ASL_FIELDS.contains(&k) {
            self.note(
                &UNKNOWN_FIELD_KEPT,
                &fp,
                format!("`{k}` is not a field of current ASL; kept as `{nk}`"),
            );
        }
        let raised = match (names::kind_of(ctx, k), v) {
            (Kind::Object(c), Value::Object(o)) => Value::Object(self.object(c, o, &fp)),
            (Kind::List(c), Value::Array(_)) => self.list(c, v, &fp),
            (Kind::Scope, Value::Object(o)) => Value::Object(self.machine(o, &fp, Ctx::Scope)),
            (Kind::ScopeList, Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Value::Object(o) => {
                            Value::Object(self.machine(o, &push_index(&fp, i), Ctx::Scope))
                        }
                        other => other.clone(),
                    })
                    .collect(),
            ),
            _ => v.clone(),
        };
        out.insert(nk, raised);
    }
}

/// `action:` for a Task, when lowering it gives back exactly the Task's fields: the Lambda
/// pattern (function name not an ARN), else any `arn:` resource. Returns the action and the
/// ASL fields it replaces (besides `Type` and `Resource`).
fn action_sugar(o: &Map<String, Value>, ql: QueryLanguage) -> (Option<String>, Vec<&'static str>) {
    let Some(resource) = o.get("Resource").and_then(Value::as_str) else {
        return (None, Vec::new());
    };
    if resource == LAMBDA_INVOKE {
        let payload_key = match ql {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        let function = o
            .get(payload_key)
            .and_then(|p| p.get("FunctionName"))
            .and_then(Value::as_str);
        if let Some(f) = function
            && !f.starts_with("arn:")
        {
            let fields = sugar::action_fields(f, ql);
            if fields.iter().all(|(k, v)| o.get(*k) == Some(v)) {
                let consumed = fields.iter().map(|(k, _)| *k).collect();
                return (Some(f.to_string()), consumed);
            }
        }
    }
    if resource.starts_with("arn:") {
        return (Some(resource.to_string()), vec!["Resource"]);
    }
    (None, Vec::new())
}

/// `retry: N` (and `backoff`) for a single `States.ALL` retrier whose fields the sugar
/// reproduces exactly.
fn retry_sugar(v: &Value) -> Option<(Value, Option<Value>)> {
    let [Value::Object(r)] = v.as_array()?.as_slice() else {
        return None;
    };
    if r.get("ErrorEquals") != Some(&json!(["States.ALL"])) {
        return None;
    }
    let n = r.get("MaxAttempts").filter(|n| n.is_u64())?;
    let mut rest = Map::new();
    for (k, val) in r {
        match k.as_str() {
            "ErrorEquals" | "MaxAttempts" => {}
            "IntervalSeconds" => {
                rest.insert("interval".into(), val.clone());
            }
            "BackoffRate" => {
                rest.insert("rate".into(), val.clone());
            }
            "MaxDelaySeconds" => {
                rest.insert("max_delay".into(), val.clone());
            }
            "JitterStrategy" => {
                rest.insert("jitter".into(), sugar::jitter_sugar(val));
            }
            _ => return None,
        }
    }
    let backoff = if rest.is_empty() {
        None
    } else if rest == *json!({"interval": 1, "rate": 2.0}).as_object()? {
        Some(json!("exponential"))
    } else if rest == *json!({"interval": 1, "rate": 1.0}).as_object()? {
        Some(json!("fixed"))
    } else {
        Some(Value::Object(rest))
    };
    // Check: the sugar lowers to this very retrier.
    let mut back = sugar::retry_base(n);
    if let Some(b) = &backoff {
        for (key, value, _) in sugar::backoff_fields(b).ok()? {
            back.insert(key.to_string(), value);
        }
    }
    (back == *r).then_some((n.clone(), backoff))
}
