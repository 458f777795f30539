//! `nexus test --coverage`: which states, Choice rules, retriers and catchers of a workflow
//! its tests exercised (in the spirit of `opa test --coverage`), from the traces of the cases.
//!
//! - a state is covered when some case entered it (states of every scope: Parallel branches
//!   and Map processors too; the child executions of a distributed Map keep no history, so
//!   their states stay uncovered);
//! - a Choice rule (or `Default`) when a case went from the Choice state to its `Next`; rules
//!   that share a target are told apart by order, so the first of them gets the credit;
//! - a retrier when a failure matched it and the state ran again;
//! - a catcher when a failure matched it and the state went on to its `Next`.

use serde_json::{Map, Value, json};

use super::file::token;
use super::trace::Trace;

/// One thing that can be covered.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// What it is, for people (`Route Choices[1] -> Refund`).
    pub(crate) label: String,
    /// JSON Pointer in the ASL definition.
    pub(crate) pointer: String,
    pub(crate) covered: bool,
}

/// The coverage of one workflow.
#[derive(Debug, Clone, Default)]
pub(crate) struct Coverage {
    pub(crate) states: Vec<Item>,
    pub(crate) choice_rules: Vec<Item>,
    pub(crate) retriers: Vec<Item>,
    pub(crate) catchers: Vec<Item>,
}

/// Whether an `ErrorEquals` list matches an error (Step Functions, "Error names":
/// `States.ALL` matches every error but the terminal `States.DataLimitExceeded` and
/// `States.Runtime`; `States.TaskFailed` every error except `States.Timeout`).
pub(crate) fn matches(error_equals: &Value, error: Option<&str>) -> bool {
    error_equals.as_array().is_some_and(|l| {
        l.iter()
            .filter_map(Value::as_str)
            .any(|e| match (e, error) {
                ("States.ALL", Some("States.DataLimitExceeded" | "States.Runtime")) => false,
                ("States.ALL", _) => true,
                ("States.TaskFailed", Some(x)) => x != "States.Timeout",
                (e, Some(x)) => e == x,
                (_, None) => false,
            })
    })
}

/// A state of some scope: name, pointer, definition.
struct StateRef<'a> {
    name: &'a str,
    pointer: String,
    def: &'a Map<String, Value>,
}

fn collect<'a>(machine: &'a Value, ptr: &str, out: &mut Vec<StateRef<'a>>) {
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, s) in states {
        let Some(def) = s.as_object() else { continue };
        let p = format!("{ptr}/States/{}", token(name));
        out.push(StateRef {
            name,
            pointer: p.clone(),
            def,
        });
        for (kind, sub) in nexus_schema::ir::nested_scopes(def) {
            collect(sub, &format!("{p}/{}", kind.field_path()), out);
        }
    }
}

fn list<'a>(def: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    def.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn errors_label(e: &Value) -> String {
    e.get("ErrorEquals")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Coverage of `definition` (ASL) by the traces of its cases.
pub(crate) fn measure(definition: &Value, traces: &[&Trace]) -> Coverage {
    let mut states = Vec::new();
    collect(definition, "", &mut states);
    let mut cov = Coverage::default();
    for s in &states {
        let visits: Vec<_> = traces.iter().flat_map(|t| t.visits_of(s.name)).collect();
        cov.states.push(Item {
            label: s.name.to_string(),
            pointer: s.pointer.clone(),
            covered: !visits.is_empty(),
        });
        // Choice rules: the first rule (then Default) whose Next is where a visit went.
        let rules = list(s.def, "Choices");
        if s.def.get("Type").and_then(Value::as_str) == Some("Choice") {
            let mut targets: Vec<(String, String, Option<&str>)> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let next = r.get("Next").and_then(Value::as_str);
                    (
                        format!("{} Choices[{i}] -> {}", s.name, next.unwrap_or("?")),
                        format!("{}/Choices/{i}", s.pointer),
                        next,
                    )
                })
                .collect();
            if let Some(d) = s.def.get("Default").and_then(Value::as_str) {
                targets.push((
                    format!("{} Default -> {d}", s.name),
                    format!("{}/Default", s.pointer),
                    Some(d),
                ));
            }
            let mut covered = vec![false; targets.len()];
            for v in &visits {
                if let Some(n) = &v.next
                    && let Some(i) = targets.iter().position(|t| t.2 == Some(n.as_str()))
                    && let Some(c) = covered.get_mut(i)
                {
                    *c = true;
                }
            }
            for ((label, pointer, _), covered) in targets.into_iter().zip(covered) {
                cov.choice_rules.push(Item {
                    label,
                    pointer,
                    covered,
                });
            }
        }
        let retriers = list(s.def, "Retry");
        let mut used = vec![false; retriers.len()];
        for v in &visits {
            // Each failure but the last of a visit that ran again was retried.
            let retried = usize::try_from(v.retries()).unwrap_or(usize::MAX);
            for e in v.errors.iter().take(retried) {
                if let Some(i) = retriers
                    .iter()
                    .position(|r| {
                        matches(r.get("ErrorEquals").unwrap_or(&Value::Null), e.as_deref())
                    })
                    .or_else(|| (e.is_none() && !retriers.is_empty()).then_some(0))
                    && let Some(u) = used.get_mut(i)
                {
                    *u = true;
                }
            }
        }
        for (i, (r, covered)) in retriers.iter().zip(used).enumerate() {
            cov.retriers.push(Item {
                label: format!("{} Retry[{i}] ({})", s.name, errors_label(r)),
                pointer: format!("{}/Retry/{i}", s.pointer),
                covered,
            });
        }
        let catchers = list(s.def, "Catch");
        let mut used = vec![false; catchers.len()];
        for v in visits.iter().filter(|v| v.failed_last) {
            let Some(next) = &v.next else { continue };
            let error = v.errors.last().cloned().flatten();
            let goes = |c: &Value| c.get("Next").and_then(Value::as_str) == Some(next.as_str());
            if let Some(i) = catchers
                .iter()
                .position(|c| {
                    goes(c)
                        && matches(
                            c.get("ErrorEquals").unwrap_or(&Value::Null),
                            error.as_deref(),
                        )
                })
                .or_else(|| catchers.iter().position(goes))
                && let Some(u) = used.get_mut(i)
            {
                *u = true;
            }
        }
        for (i, (c, covered)) in catchers.iter().zip(used).enumerate() {
            cov.catchers.push(Item {
                label: format!(
                    "{} Catch[{i}] ({}) -> {}",
                    s.name,
                    errors_label(c),
                    c.get("Next").and_then(Value::as_str).unwrap_or("?")
                ),
                pointer: format!("{}/Catch/{i}", s.pointer),
                covered,
            });
        }
    }
    cov
}

fn count(items: &[Item]) -> (usize, usize) {
    (items.iter().filter(|i| i.covered).count(), items.len())
}

fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        // Counts of states fit an f64 exactly.
        (covered as f64) * 100.0 / (total as f64)
    }
}

impl Coverage {
    fn groups(&self) -> [(&'static str, &'static str, &[Item]); 4] {
        [
            ("states", "not entered", &self.states),
            ("choice_rules", "not taken", &self.choice_rules),
            ("retriers", "not used", &self.retriers),
            ("catchers", "not used", &self.catchers),
        ]
    }

    /// Covered and total items over every group.
    pub(crate) fn totals(&self) -> (usize, usize) {
        self.groups().iter().fold((0, 0), |(c, t), (_, _, items)| {
            let (ci, ti) = count(items);
            (c.saturating_add(ci), t.saturating_add(ti))
        })
    }

    /// The text report of one workflow.
    pub(crate) fn render_text(&self, workflow: &str) -> String {
        let (c, t) = self.totals();
        let mut s = format!("coverage: {workflow}  {:.1}% ({c}/{t})\n", percent(c, t));
        for (key, missing, items) in self.groups() {
            let (ci, ti) = count(items);
            if ti == 0 {
                continue;
            }
            s.push_str(&format!("  {:<13} {ci}/{ti}", key.replace('_', " ")));
            let left: Vec<&str> = items
                .iter()
                .filter(|i| !i.covered)
                .map(|i| i.label.as_str())
                .collect();
            if !left.is_empty() {
                s.push_str(&format!("  {missing}: {}", left.join("; ")));
            }
            s.push('\n');
        }
        s
    }

    /// The JSON report of one workflow.
    pub(crate) fn to_json(&self, workflow: &str) -> Value {
        let (c, t) = self.totals();
        let mut m = Map::new();
        m.insert("workflow".into(), workflow.into());
        m.insert("covered".into(), c.into());
        m.insert("total".into(), t.into());
        m.insert(
            "percent".into(),
            json!((percent(c, t) * 10.0).round() / 10.0),
        );
        for (key, _, items) in self.groups() {
            let (ci, ti) = count(items);
            m.insert(
                key.into(),
                json!({
                    "covered": ci,
                    "total": ti,
                    "items": items.iter().map(|i| json!({
                        "name": i.label, "pointer": i.pointer, "covered": i.covered
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_equals_follows_asl() {
        let l = json!(["States.TaskFailed"]);
        assert!(matches(&l, Some("Lambda.ServiceException")));
        assert!(!matches(&l, Some("States.Timeout")));
        assert!(matches(&json!(["States.ALL"]), Some("States.Timeout")));
        assert!(!matches(&json!(["A"]), Some("B")));
    }
}
