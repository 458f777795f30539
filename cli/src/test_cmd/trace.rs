//! What one execution did, read back from its GetExecutionHistory-style events: the states
//! entered in order, each visit's input, output, task attempts and failures, the transitions
//! between states, and the variables assigned along the way. Expectations and coverage are
//! checked against this, so they see exactly what `nexus run --history` shows.
//!
//! Events point at the event before them in their branch (`previousEventId`); a state's
//! events therefore lead back to its `*StateEntered` event, and a state entered from an open
//! Parallel or Map state is nested in it rather than a transition from it.

use serde_json::{Map, Value};

/// One entry into a state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Visit {
    /// The state's name.
    pub(crate) state: String,
    /// The state input (`stateEnteredEventDetails.input`).
    pub(crate) input: Option<Value>,
    /// The state output, when it exited (`stateExitedEventDetails.output`).
    pub(crate) output: Option<Value>,
    /// Index of the exit event in the history, when it exited.
    exit_seq: Option<usize>,
    /// The visit this one ran inside (a Parallel branch or Map iteration), if any.
    parent: Option<usize>,
    /// Task invocations (`TaskScheduled`, `LambdaFunctionScheduled`, `ActivityScheduled`)
    /// or, for Parallel and Map, runs of the branches (`*StateStarted`).
    pub(crate) attempts: u64,
    /// Errors of the failures this visit recorded, in order (`null` names unknown errors).
    pub(crate) errors: Vec<Option<String>>,
    /// The cause of the last failure, if it had one.
    pub(crate) last_cause: Option<String>,
    /// Whether the last outcome recorded for the visit was a failure (its exit then came
    /// from a Catcher).
    pub(crate) failed_last: bool,
    /// The state entered next at the same level, if any.
    pub(crate) next: Option<String>,
}

impl Visit {
    /// Number of retries: attempts after the first.
    pub(crate) fn retries(&self) -> u64 {
        self.attempts.saturating_sub(1)
    }
}

/// The trace of one execution.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    /// Visits in the order the states were entered.
    pub(crate) visits: Vec<Visit>,
    /// `(history index, assigned variables)` of every exit that assigned any.
    assignments: Vec<(usize, Map<String, Value>)>,
}

/// A JSON text recorded in an event, parsed (events store payloads as compact JSON text).
fn payload(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => {
            Some(serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())))
        }
        other => Some(other.clone()),
    }
}

fn is_scheduled(ty: &str) -> bool {
    matches!(
        ty,
        "TaskScheduled"
            | "LambdaFunctionScheduled"
            | "ActivityScheduled"
            | "ParallelStateStarted"
            | "MapStateStarted"
    )
}

impl Trace {
    /// Reads a history.
    pub(crate) fn from_history(events: &[Value]) -> Trace {
        let mut t = Trace::default();
        // Event id -> the visit it belongs to.
        let mut owner: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
        for (seq, ev) in events.iter().enumerate() {
            let id = ev.get("id").and_then(Value::as_u64).unwrap_or(0);
            let prev = ev
                .get("previousEventId")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let ty = ev.get("type").and_then(Value::as_str).unwrap_or("");
            let prev_owner = owner.get(&prev).copied();
            if ty.ends_with("StateEntered") {
                let d = ev.get("stateEnteredEventDetails");
                let name = d
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let me = t.visits.len();
                let parent = match prev_owner {
                    Some(p) if t.visit_exited(p) => {
                        if let Some(v) = t.visits.get_mut(p) {
                            v.next = Some(name.clone());
                        }
                        t.visits.get(p).and_then(|v| v.parent)
                    }
                    other => other,
                };
                t.visits.push(Visit {
                    state: name,
                    input: payload(d.and_then(|d| d.get("input"))),
                    parent,
                    ..Visit::default()
                });
                owner.insert(id, me);
                continue;
            }
            if ty.ends_with("StateExited") {
                let d = ev.get("stateExitedEventDetails");
                let name = d.and_then(|d| d.get("name")).and_then(Value::as_str);
                let me = t
                    .visits
                    .iter()
                    .rposition(|v| Some(v.state.as_str()) == name && v.exit_seq.is_none());
                if let Some(me) = me
                    && let Some(v) = t.visits.get_mut(me)
                {
                    v.output = payload(d.and_then(|d| d.get("output")));
                    v.exit_seq = Some(seq);
                    owner.insert(id, me);
                }
                if let Some(Value::Object(a)) = d.and_then(|d| d.get("assignedVariables")) {
                    let parsed = a
                        .iter()
                        .map(|(k, v)| (k.clone(), payload(Some(v)).unwrap_or(Value::Null)))
                        .collect();
                    t.assignments.push((seq, parsed));
                }
                continue;
            }
            // Any other event belongs to the innermost open visit its chain leads to.
            let mut o = prev_owner;
            while let Some(v) = o.filter(|v| t.visit_exited(*v)) {
                o = t.visits.get(v).and_then(|x| x.parent);
            }
            let Some(me) = o else { continue };
            owner.insert(id, me);
            let Some(v) = t.visits.get_mut(me) else {
                continue;
            };
            if is_scheduled(ty) {
                v.attempts = v.attempts.saturating_add(1);
            } else if ty.ends_with("Failed") || ty.ends_with("TimedOut") {
                let details = ev
                    .as_object()
                    .and_then(|m| m.iter().find(|(k, _)| k.ends_with("EventDetails")))
                    .map(|(_, d)| d);
                let text = |k: &str| details.and_then(|d| d.get(k)).and_then(Value::as_str);
                let error = text("error").map(String::from).or_else(|| {
                    ty.ends_with("TimedOut")
                        .then(|| String::from("States.Timeout"))
                });
                v.errors.push(error);
                v.last_cause = text("cause").map(String::from);
                v.failed_last = true;
            } else if ty.ends_with("Succeeded") {
                v.failed_last = false;
            }
        }
        t
    }

    fn visit_exited(&self, v: usize) -> bool {
        self.visits.get(v).is_some_and(|x| x.exit_seq.is_some())
    }

    /// The names of the states entered, in order (nested states included where they ran).
    pub(crate) fn path(&self) -> Vec<String> {
        self.visits.iter().map(|v| v.state.clone()).collect()
    }

    /// The visits of one state, in order.
    pub(crate) fn visits_of<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'a Visit> {
        self.visits.iter().filter(move |v| v.state == state)
    }

    /// The variables assigned up to and including the exit of `visit` (later values win).
    pub(crate) fn variables_after(&self, visit: &Visit) -> Map<String, Value> {
        let mut vars = Map::new();
        let Some(until) = visit.exit_seq else {
            return vars;
        };
        for (seq, a) in &self.assignments {
            if *seq > until {
                break;
            }
            for (k, v) in a {
                vars.insert(k.clone(), v.clone());
            }
        }
        vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: u64, prev: u64, ty: &str, details: Option<(&str, Value)>) -> Value {
        let mut m = json!({"id": id, "previousEventId": prev, "type": ty});
        if let (Some((k, v)), Some(o)) = (details, m.as_object_mut()) {
            o.insert(k.into(), v);
        }
        m
    }

    #[test]
    fn reads_visits_retries_transitions_and_variables() {
        let h = vec![
            ev(1, 0, "ExecutionStarted", None),
            ev(
                2,
                0,
                "TaskStateEntered",
                Some((
                    "stateEnteredEventDetails",
                    json!({"name": "A", "input": "{\"x\":1}"}),
                )),
            ),
            ev(3, 2, "TaskScheduled", None),
            ev(
                4,
                3,
                "TaskFailed",
                Some(("taskFailedEventDetails", json!({"error": "Boom"}))),
            ),
            ev(5, 4, "TaskScheduled", None),
            ev(6, 5, "TaskSucceeded", None),
            ev(
                7,
                6,
                "TaskStateExited",
                Some((
                    "stateExitedEventDetails",
                    json!({"name": "A", "output": "2", "assignedVariables": {"v": "\"s\""}}),
                )),
            ),
            ev(
                8,
                7,
                "ParallelStateEntered",
                Some((
                    "stateEnteredEventDetails",
                    json!({"name": "P", "input": "2"}),
                )),
            ),
            ev(9, 8, "ParallelStateStarted", None),
            ev(
                10,
                9,
                "PassStateEntered",
                Some((
                    "stateEnteredEventDetails",
                    json!({"name": "B", "input": "2"}),
                )),
            ),
            ev(
                11,
                10,
                "PassStateExited",
                Some((
                    "stateExitedEventDetails",
                    json!({"name": "B", "output": "3"}),
                )),
            ),
            ev(12, 11, "ParallelStateSucceeded", None),
            ev(
                13,
                12,
                "ParallelStateExited",
                Some((
                    "stateExitedEventDetails",
                    json!({"name": "P", "output": "[3]"}),
                )),
            ),
            ev(
                14,
                13,
                "SucceedStateEntered",
                Some((
                    "stateEnteredEventDetails",
                    json!({"name": "S", "input": "[3]"}),
                )),
            ),
        ];
        let t = Trace::from_history(&h);
        assert_eq!(t.path(), ["A", "P", "B", "S"]);
        let a = t.visits_of("A").next().unwrap();
        assert_eq!(a.retries(), 1);
        assert_eq!(a.errors, [Some(String::from("Boom"))]);
        assert_eq!(a.next.as_deref(), Some("P"));
        assert_eq!(a.input, Some(json!({"x": 1})));
        assert_eq!(
            t.variables_after(a),
            json!({"v": "s"}).as_object().cloned().unwrap()
        );
        let p = t.visits_of("P").next().unwrap();
        assert_eq!(p.next.as_deref(), Some("S"));
        assert_eq!(p.output, Some(json!([3])));
        // B ran inside P: no transition from B, and P's success is P's, not B's.
        assert_eq!(t.visits_of("B").next().unwrap().next, None);
        assert!(!p.failed_last);
    }
}
