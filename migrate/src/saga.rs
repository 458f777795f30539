//! `compensate` → plain ASL: the saga pattern spelled out with Catch, Task and Fail states.
//!
//! Meaning (docs/nexus-yaml.md, "compensate"): when a state fails and no catcher of the
//! user's handles the error, the compensations of the states that completed before it run in
//! reverse completion order, then the execution fails with the original error.
//!
//! Per state machine (top level, each Parallel branch, each Map processor):
//! 1. a forward data-flow over `Next`/`Default`/`Choices`/`Catch` edges finds, for each
//!    state, the compensable states that completed on *every* path to it and on *some* path;
//!    where the two differ, plain ASL cannot know what to undo (NX408);
//! 2. each Task/Parallel/Map state with completed compensable states gets a last catcher
//!    `States.ALL` that stores the error at `$.nexus_error` and goes to the chain
//!    `Compensate_<C3>` → `Compensate_<C2>` → ... → `Saga_Fail` (chains share their tails);
//! 3. `Saga_Fail` re-raises the caught `Error` and `Cause`.
//!
//! A compensable state inside a loop (NX407) is refused: how many of its runs completed
//! cannot be known without state ASL does not have.

use std::collections::{BTreeMap, HashMap, HashSet};

use nexus_schema::QueryLanguage;
use nexus_schema::diagnostic::Diagnostic;
use nexus_schema::document::PointerMap;
use nexus_schema::nexus::Compensation;
use nexus_schema::nexus::sugar;
use nexus_schema::pointer::push;
use serde_json::{Map, Value, json};

use crate::{COMPENSATION_IN_LOOP, COMPENSATION_LOWERED, COMPENSATION_PATH_DEPENDENT};

/// Where the caught error is kept while compensations run.
const ERROR_FIELD: &str = "nexus_error";

/// Rewrite `asl` in place; returns notes, or the errors that make the export impossible.
pub(crate) fn lower_compensations(
    asl: &mut Value,
    comps: &[Compensation],
    origin: &PointerMap,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let top_ql = QueryLanguage::from_value(asl.get("QueryLanguage")).unwrap_or_default();
    let mut taken = HashSet::new();
    all_names(asl, &mut taken);
    let mut by_scope: Vec<(&str, Vec<&Compensation>)> = Vec::new();
    for c in comps {
        match by_scope.iter_mut().find(|(s, _)| *s == c.asl_scope) {
            Some((_, list)) => list.push(c),
            None => by_scope.push((&c.asl_scope, vec![c])),
        }
    }
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for (scope, list) in by_scope {
        let Some(machine) = asl.pointer_mut(scope).and_then(Value::as_object_mut) else {
            continue;
        };
        let mut s = Scope {
            scope,
            top_ql,
            origin,
            taken: &mut taken,
            generated: Vec::new(),
            chains: HashMap::new(),
            fail_state: None,
        };
        match s.rewrite(machine, &list) {
            Ok(mut n) => notes.append(&mut n),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(errors)
    }
}

/// Every state name of the machine, at any depth (generated names must not collide).
fn all_names(machine: &Value, out: &mut HashSet<String>) {
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, st) in states {
        out.insert(name.clone());
        let nested = st
            .as_object()
            .into_iter()
            .flat_map(nexus_schema::ir::nested_scopes);
        for (_, inner) in nested {
            all_names(inner, out);
        }
    }
}

struct Scope<'a> {
    scope: &'a str,
    top_ql: QueryLanguage,
    origin: &'a PointerMap,
    taken: &'a mut HashSet<String>,
    generated: Vec<(String, Value)>,
    /// Chain (compensable states, most recent first) → name of its first state.
    chains: HashMap<Vec<String>, String>,
    fail_state: Option<String>,
}

impl Scope<'_> {
    fn state_ptr(&self, name: &str) -> String {
        self.origin
            .to_source(&push(&push(self.scope, "States"), name))
    }

    fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn rewrite(
        &mut self,
        machine: &mut Map<String, Value>,
        comps: &[&Compensation],
    ) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        let Some(states) = machine.get("States").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let start = machine
            .get("StartAt")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let names: Vec<&String> = states.keys().collect();
        let index: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let (normal, catch) = edges(states, &index);
        let compensable: BTreeMap<usize, &Compensation> = comps
            .iter()
            .filter_map(|c| index.get(c.state.as_str()).map(|&i| (i, *c)))
            .collect();
        let reach: HashMap<usize, HashSet<usize>> = compensable
            .keys()
            .map(|&c| (c, reachable(&normal[c], &normal, &catch)))
            .collect();

        let mut errors = Vec::new();
        for (&c, comp) in &compensable {
            if reach.get(&c).is_some_and(|r| r.contains(&c)) {
                errors.push(
                    COMPENSATION_IN_LOOP.at(&comp.pointer,
                        format!(
                            "state `{}` is in a loop, so its compensation has no plain-ASL form",
                            comp.state
                        ),
                    )
                    .help(
                        "move the loop into a Map or a nested workflow, or drop `compensate` here",
                    ),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        // Forward data-flow: completed compensable states on every path (must) / some path (may).
        let n = names.len();
        let Some(&s0) = index.get(start) else {
            return Ok(Vec::new());
        };
        let mut must: Vec<Option<HashSet<usize>>> = vec![None; n];
        let mut may: Vec<HashSet<usize>> = vec![HashSet::new(); n];
        must[s0] = Some(HashSet::new());
        let mut work = vec![s0];
        while let Some(s) = work.pop() {
            let Some(in_must) = must[s].clone() else {
                continue;
            };
            let in_may = may[s].clone();
            let mut out_must = in_must.clone();
            let mut out_may = in_may.clone();
            if compensable.contains_key(&s) {
                out_must.insert(s);
                out_may.insert(s);
            }
            let succ = normal[s]
                .iter()
                .map(|&t| (t, &out_must, &out_may))
                .chain(catch[s].iter().map(|&t| (t, &in_must, &in_may)));
            for (t, m, y) in succ {
                let new_must = match &must[t] {
                    None => m.clone(),
                    Some(old) => old.intersection(m).copied().collect(),
                };
                let new_may: HashSet<usize> = may[t].union(y).copied().collect();
                if must[t].as_ref() != Some(&new_must) || may[t] != new_may {
                    must[t] = Some(new_must);
                    may[t] = new_may;
                    work.push(t);
                }
            }
        }

        let mut catches: Vec<(String, Vec<String>)> = Vec::new();
        for (s, name) in names.iter().enumerate() {
            let (Some(m), y) = (&must[s], &may[s]) else {
                continue;
            };
            if y.is_empty() || !can_catch(&states[name.as_str()]) {
                continue;
            }
            if m != y {
                let mut extra: Vec<&str> = y.difference(m).map(|&i| names[i].as_str()).collect();
                extra.sort_unstable();
                errors.push(
                    COMPENSATION_PATH_DEPENDENT.at(self.state_ptr(name),
                        format!(
                            "when `{name}` fails, whether {} completed depends on the path taken; plain ASL cannot tell which compensations to run",
                            extra.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .help("make every path to this state pass the same compensable states"),
                );
                continue;
            }
            if catches_everything(&states[name.as_str()]) {
                continue; // the user's own catcher handles every error: not an uncaught failure
            }
            // Most recent first: `a` before `b` in the chain when `a` is reachable from `b`.
            let mut chain: Vec<usize> = m.iter().copied().collect();
            chain.sort_by(|a, b| {
                let a_after_b = reach.get(b).is_some_and(|r| r.contains(a));
                let b_after_a = reach.get(a).is_some_and(|r| r.contains(b));
                b_after_a.cmp(&a_after_b).then(a.cmp(b))
            });
            catches.push((
                (*name).clone(),
                chain.iter().map(|&i| names[i].clone()).collect(),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let actions: HashMap<&str, &str> = comps
            .iter()
            .map(|c| (c.state.as_str(), c.action.as_str()))
            .collect();
        let mut plan = Vec::new();
        for (state, chain) in &catches {
            let first = self.chain(chain, &actions);
            plan.push((state.clone(), first));
        }
        let Some(states) = machine.get_mut("States").and_then(Value::as_object_mut) else {
            return Ok(Vec::new());
        };
        for (state, first) in &plan {
            let Some(st) = states.get_mut(state).and_then(Value::as_object_mut) else {
                continue;
            };
            let ql = QueryLanguage::of_state(st.get("QueryLanguage"), self.top_ql);
            let catcher = match ql {
                QueryLanguage::JsonPath => json!({
                    "ErrorEquals": ["States.ALL"],
                    "ResultPath": format!("$.{ERROR_FIELD}"),
                    "Next": first
                }),
                QueryLanguage::Jsonata => json!({
                    "ErrorEquals": ["States.ALL"],
                    "Output": format!("{{% $merge([$states.input, {{'{ERROR_FIELD}': $states.errorOutput}}]) %}}"),
                    "Next": first
                }),
            };
            match st.get_mut("Catch").and_then(Value::as_array_mut) {
                Some(list) => list.push(catcher),
                None => {
                    st.insert("Catch".into(), json!([catcher]));
                }
            }
        }
        for (name, value) in self.generated.drain(..) {
            states.insert(name, value);
        }
        let notes = comps
            .iter()
            .map(|c| {
                let from: Vec<String> = catches
                    .iter()
                    .filter(|(_, chain)| chain.contains(&c.state))
                    .map(|(s, _)| format!("`{s}`"))
                    .collect();
                let msg = if from.is_empty() {
                    format!(
                        "no state can fail after `{}` completes, so its compensation never runs",
                        c.state
                    )
                } else {
                    format!(
                        "compensation of `{}` runs when {} fail{}",
                        c.state,
                        from.join(", "),
                        if from.len() == 1 { "s" } else { "" }
                    )
                };
                COMPENSATION_LOWERED.at(&c.pointer, msg)
            })
            .collect();
        Ok(notes)
    }

    /// The first state of the compensation chain for `chain` (most recent first).
    fn chain(&mut self, chain: &[String], actions: &HashMap<&str, &str>) -> String {
        if let Some(name) = self.chains.get(chain) {
            return name.clone();
        }
        let Some((head, rest)) = chain.split_first() else {
            return self.fail_state();
        };
        let next = self.chain(rest, actions);
        let name = self.unique(&format!("Compensate_{head}"));
        let action = actions.get(head.as_str()).copied().unwrap_or_default();
        let mut st = Map::new();
        st.insert("Type".into(), json!("Task"));
        st.insert(
            "Comment".into(),
            json!(format!(
                "NEXUS compensation: undoes `{head}` after a failure"
            )),
        );
        for (k, v) in sugar::action_fields(action, self.top_ql) {
            // The action's result is not wanted: the input (holding the error) flows on.
            if k != "OutputPath" && k != "Output" {
                st.insert(k.into(), v);
            }
        }
        match self.top_ql {
            QueryLanguage::JsonPath => st.insert("ResultPath".into(), Value::Null),
            QueryLanguage::Jsonata => st.insert("Output".into(), json!("{% $states.input %}")),
        };
        st.insert("Next".into(), json!(next));
        self.generated.push((name.clone(), Value::Object(st)));
        self.chains.insert(chain.to_vec(), name.clone());
        name
    }

    fn fail_state(&mut self) -> String {
        if let Some(f) = &self.fail_state {
            return f.clone();
        }
        let name = self.unique("Saga_Fail");
        let st = match self.top_ql {
            QueryLanguage::JsonPath => json!({
                "Type": "Fail",
                "Comment": "NEXUS compensation: re-raise the original error",
                "ErrorPath": format!("$.{ERROR_FIELD}.Error"),
                "CausePath": format!("$.{ERROR_FIELD}.Cause")
            }),
            QueryLanguage::Jsonata => json!({
                "Type": "Fail",
                "Comment": "NEXUS compensation: re-raise the original error",
                "Error": format!("{{% $states.input.{ERROR_FIELD}.Error %}}"),
                "Cause": format!("{{% $states.input.{ERROR_FIELD}.Cause %}}")
            }),
        };
        self.generated.push((name.clone(), st));
        self.fail_state = Some(name.clone());
        name
    }
}

/// Normal edges (`Next`, `Default`, `Choices[].Next`) and catch edges, by state index.
fn edges(
    states: &Map<String, Value>,
    index: &HashMap<&str, usize>,
) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let target = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|n| index.get(n).copied())
    };
    let mut normal = Vec::with_capacity(states.len());
    let mut catch = Vec::with_capacity(states.len());
    for st in states.values() {
        let mut n: Vec<usize> = Vec::new();
        n.extend(target(st.get("Next")));
        n.extend(target(st.get("Default")));
        if let Some(choices) = st.get("Choices").and_then(Value::as_array) {
            n.extend(choices.iter().filter_map(|c| target(c.get("Next"))));
        }
        let c: Vec<usize> = st
            .get("Catch")
            .and_then(Value::as_array)
            .map(|cs| cs.iter().filter_map(|c| target(c.get("Next"))).collect())
            .unwrap_or_default();
        normal.push(n);
        catch.push(c);
    }
    (normal, catch)
}

/// States reachable from `from` over all edges.
fn reachable(from: &[usize], normal: &[Vec<usize>], catch: &[Vec<usize>]) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut work: Vec<usize> = from.to_vec();
    while let Some(s) = work.pop() {
        if seen.insert(s) {
            work.extend(normal.get(s).into_iter().flatten());
            work.extend(catch.get(s).into_iter().flatten());
        }
    }
    seen
}

/// States that may carry a `Catch` (ASL: Task, Parallel, Map).
fn can_catch(st: &Value) -> bool {
    matches!(
        st.get("Type").and_then(Value::as_str),
        Some("Task" | "Parallel" | "Map")
    )
}

/// Whether one of the state's own catchers already handles every error.
fn catches_everything(st: &Value) -> bool {
    st.get("Catch").and_then(Value::as_array).is_some_and(|cs| {
        cs.iter().any(|c| {
            c.get("ErrorEquals")
                .and_then(Value::as_array)
                .is_some_and(|e| e.iter().any(|x| x == "States.ALL"))
        })
    })
}
