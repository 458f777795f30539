//! `compensate` → plain ASL: the saga spelled out with workflow variables, Catch, Choice,
//! Task and Fail states, so that the exported ASL behaves as `nexus run` runs the NEXUS file.
//!
//! Meaning (docs/nexus-yaml.md, "compensate"): when a state machine (the top level, a
//! Parallel branch, a Map iteration) ends FAILED at a Fail state or with a Task, Parallel or
//! Map failure no catcher of the user's handles, the compensations of its completed states run
//! most recent first, each with `{input, result, error}`, retried per its own policy; a
//! failing one does not stop the others. Then the machine fails with the original error, or
//! with `Nexus.CompensationFailed` naming every failed compensation (after calling the
//! `on_compensation_failure` hook).
//!
//! Per state machine, with `k` a number of its own and `n` one per compensable state
//! (variables are numbered so that no two scopes share a name):
//! - `Saga_Start` (first state) sets `$nexus_saga_n` to null, `$nexus_error_k` to null and
//!   `$nexus_failed_k` to `[]`;
//! - every edge into a compensable state `S` goes through `Saga_Enter_S`, which keeps the
//!   input in `$nexus_in_n`; every normal edge out of it through `Saga_Done_S` (one per
//!   target), which sets `$nexus_saga_n` to `{input, result}` (result: the state's output);
//! - each Task/Parallel/Map state after which a compensable state may have completed gets a
//!   last catcher `States.ALL` that keeps the error output in `$nexus_error_k`; each such Fail
//!   state becomes a Pass of the same name that keeps its `Error`/`Cause` there;
//! - both go to `Saga_Compensate`: for each compensable state, most recent first, a Choice
//!   that runs `Compensate_S` if `$nexus_saga_n` is set (a failure is appended to
//!   `$nexus_failed_k` by its catcher), then `Saga_Raise`, which picks the Fail to end with.
//!
//! Generated states use JSONata (allowed per state in a JSONPath machine). A compensable state
//! inside a loop (NX407) is refused: one variable per state keeps only its last run.

use std::collections::{BTreeMap, HashMap, HashSet};

use nexus_schema::QueryLanguage;
use nexus_schema::diagnostic::Diagnostic;
use nexus_schema::nexus::sugar;
use nexus_schema::nexus::{Compensation, CompensationHook};
use serde_json::{Map, Value, json};

use crate::{COMPENSATION_IN_LOOP, COMPENSATION_LOWERED};

/// Rewrite `asl` in place; returns notes, or the errors that make the export impossible.
pub(crate) fn lower_compensations(
    asl: &mut Value,
    comps: &[Compensation],
    hook: Option<&CompensationHook>,
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
    let mut vars = 0usize;
    for (k, (scope, list)) in by_scope.into_iter().enumerate() {
        let Some(machine) = asl.pointer_mut(scope).and_then(Value::as_object_mut) else {
            continue;
        };
        let mut s = Scope {
            k: k.saturating_add(1),
            top_ql,
            hook,
            taken: &mut taken,
            generated: Vec::new(),
        };
        match s.rewrite(machine, &list, &mut vars) {
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

/// A JSONata string literal for `s` (JSON's quoting is JSONata's).
fn lit(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

struct Scope<'a> {
    /// This scope's number, in its variable names.
    k: usize,
    top_ql: QueryLanguage,
    hook: Option<&'a CompensationHook>,
    taken: &'a mut HashSet<String>,
    generated: Vec<(String, Value)>,
}

/// One compensable state of the scope.
struct Comp<'c> {
    idx: usize,
    c: &'c Compensation,
    /// Its variable number.
    n: usize,
}

impl Scope<'_> {
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

    /// A generated state: in JSONata, said so when the machine's default is JSONPath.
    fn add(&mut self, name: &str, mut st: Map<String, Value>) {
        if self.top_ql == QueryLanguage::JsonPath {
            st.insert("QueryLanguage".into(), json!("JSONata"));
        }
        self.generated.push((name.to_string(), Value::Object(st)));
    }

    fn error_var(&self) -> String {
        format!("nexus_error_{}", self.k)
    }

    fn failed_var(&self) -> String {
        format!("nexus_failed_{}", self.k)
    }

    fn rewrite(
        &mut self,
        machine: &mut Map<String, Value>,
        comps: &[&Compensation],
        vars: &mut usize,
    ) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        let Some(states) = machine.get("States").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let start = machine
            .get("StartAt")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let names: Vec<String> = states.keys().cloned().collect();
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
                    COMPENSATION_IN_LOOP
                        .at(
                            &comp.pointer,
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
        let Some(&s0) = index.get(start.as_str()) else {
            return Ok(Vec::new());
        };

        // Forward data-flow: the compensable states that may have completed on reaching each
        // state (a state completes on its normal edges, not on its catch edges).
        let n = names.len();
        let mut seen = vec![false; n];
        let mut may: Vec<HashSet<usize>> = vec![HashSet::new(); n];
        seen[s0] = true;
        let mut work = vec![s0];
        while let Some(s) = work.pop() {
            let mut out = may[s].clone();
            if compensable.contains_key(&s) {
                out.insert(s);
            }
            let succ = normal[s]
                .iter()
                .map(|&t| (t, &out))
                .chain(catch[s].iter().map(|&t| (t, &may[s])))
                .map(|(t, set)| (t, set.clone()))
                .collect::<Vec<_>>();
            for (t, set) in succ {
                let before = may[t].len();
                may[t].extend(set);
                if !seen[t] || may[t].len() != before {
                    seen[t] = true;
                    work.push(t);
                }
            }
        }

        // Most recent first: `a` before `b` when `a` is reachable from `b` (no loops here).
        let mut order: Vec<usize> = compensable.keys().copied().collect();
        order.sort_by(|a, b| {
            let a_after_b = reach.get(b).is_some_and(|r| r.contains(a));
            let b_after_a = reach.get(a).is_some_and(|r| r.contains(b));
            b_after_a.cmp(&a_after_b).then(a.cmp(b))
        });
        let list: Vec<Comp<'_>> = order
            .iter()
            .filter_map(|&i| {
                let c = compensable.get(&i)?;
                *vars = vars.saturating_add(1);
                Some(Comp {
                    idx: i,
                    c,
                    n: *vars,
                })
            })
            .collect();

        // Which states start the compensations.
        let mut catchers: Vec<usize> = Vec::new();
        let mut fails: Vec<usize> = Vec::new();
        for (s, name) in names.iter().enumerate() {
            if may[s].is_empty() {
                continue;
            }
            let st = &states[name.as_str()];
            match st.get("Type").and_then(Value::as_str) {
                Some("Task" | "Parallel" | "Map") if !catches_everything(st) => catchers.push(s),
                Some("Fail") => fails.push(s),
                _ => {}
            }
        }

        let compensate = self.chain(&list);
        let mut enter: HashMap<usize, String> = HashMap::new();
        for c in &list {
            let name = self.unique(&format!("Saga_Enter_{}", c.c.state));
            let mut st = Map::new();
            st.insert("Type".into(), json!("Pass"));
            st.insert(
                "Comment".into(),
                json!(format!(
                    "NEXUS compensation: keeps the input of `{}`",
                    c.c.state
                )),
            );
            st.insert(
                "Assign".into(),
                json!({format!("nexus_in_{}", c.n): "{% $states.input %}"}),
            );
            st.insert("Next".into(), json!(c.c.state));
            self.add(&name, st);
            enter.insert(c.idx, name);
        }
        let start_name = self.unique("Saga_Start");
        let mut init = Map::new();
        for c in &list {
            init.insert(format!("nexus_saga_{}", c.n), Value::Null);
        }
        init.insert(self.error_var(), Value::Null);
        init.insert(self.failed_var(), json!([]));
        let first = enter.get(&s0).cloned().unwrap_or(start.clone());
        let mut st = Map::new();
        st.insert("Type".into(), json!("Pass"));
        st.insert(
            "Comment".into(),
            json!("NEXUS compensation: no step completed yet"),
        );
        st.insert("Assign".into(), Value::Object(init));
        st.insert("Next".into(), json!(first));
        self.add(&start_name, st);

        // `Saga_Done_S`, one per target of S's normal edges.
        let mut done: HashMap<(usize, String), String> = HashMap::new();
        for c in &list {
            for &t in &normal[c.idx] {
                let target = names[t].clone();
                let key = (c.idx, target.clone());
                if done.contains_key(&key) {
                    continue;
                }
                let name = self.unique(&format!("Saga_Done_{}", c.c.state));
                let mut st = Map::new();
                st.insert("Type".into(), json!("Pass"));
                st.insert(
                    "Comment".into(),
                    json!(format!("NEXUS compensation: `{}` completed", c.c.state)),
                );
                st.insert(
                    "Assign".into(),
                    json!({format!("nexus_saga_{}", c.n): format!(
                        "{{% {{'input': $nexus_in_{}, 'result': $states.input}} %}}",
                        c.n
                    )}),
                );
                // Into the target's own `Saga_Enter_` when it is compensable too.
                let next = enter.get(&t).cloned().unwrap_or(target);
                st.insert("Next".into(), json!(next));
                self.add(&name, st);
                done.insert(key, name);
            }
        }

        let states = match machine.get_mut("States").and_then(Value::as_object_mut) {
            Some(s) => s,
            None => return Ok(Vec::new()),
        };
        // Redirect the edges: out of a compensable state through its `Saga_Done_`, into one
        // through its `Saga_Enter_`.
        for (s, name) in names.iter().enumerate() {
            let Some(st) = states.get_mut(name).and_then(Value::as_object_mut) else {
                continue;
            };
            let comp_here = compensable.contains_key(&s);
            let retarget = |target: &str, normal_edge: bool| -> Option<String> {
                let &t = index.get(target)?;
                if normal_edge && comp_here {
                    return done.get(&(s, target.to_string())).cloned();
                }
                enter.get(&t).cloned()
            };
            for key in ["Next", "Default"] {
                if let Some(t) = st.get(key).and_then(Value::as_str)
                    && let Some(new) = retarget(t, true)
                {
                    st.insert(key.into(), json!(new));
                }
            }
            for (list_key, normal_edge) in [("Choices", true), ("Catch", false)] {
                if let Some(items) = st.get_mut(list_key).and_then(Value::as_array_mut) {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        if let Some(t) = item.get("Next").and_then(Value::as_str)
                            && let Some(new) = retarget(t, normal_edge)
                        {
                            item.insert("Next".into(), json!(new));
                        }
                    }
                }
            }
        }
        machine.insert("StartAt".into(), json!(start_name));
        let states = match machine.get_mut("States").and_then(Value::as_object_mut) {
            Some(s) => s,
            None => return Ok(Vec::new()),
        };
        let error_var = self.error_var();
        for &s in &catchers {
            let Some(st) = states.get_mut(&names[s]).and_then(Value::as_object_mut) else {
                continue;
            };
            let ql = QueryLanguage::of_state(st.get("QueryLanguage"), self.top_ql);
            let catcher = match ql {
                // The data is left as it was (the chain reads variables), so lint's NX313
                // (catch-discards-input) has nothing to say about the generated catcher.
                QueryLanguage::JsonPath => json!({
                    "ErrorEquals": ["States.ALL"],
                    "Assign": {format!("{error_var}.$"): "$"},
                    "ResultPath": null,
                    "Next": compensate
                }),
                QueryLanguage::Jsonata => json!({
                    "ErrorEquals": ["States.ALL"],
                    "Assign": {error_var.clone(): "{% $states.errorOutput %}"},
                    "Next": compensate
                }),
            };
            match st.get_mut("Catch").and_then(Value::as_array_mut) {
                Some(list) => list.push(catcher),
                None => {
                    st.insert("Catch".into(), json!([catcher]));
                }
            }
        }
        for &s in &fails {
            let Some(st) = states.get_mut(&names[s]).and_then(Value::as_object_mut) else {
                continue;
            };
            // The Fail state's own fields, evaluated as the Fail state would (`$` = its input).
            let mut err = Map::new();
            for (field, path) in [("Error", "ErrorPath"), ("Cause", "CausePath")] {
                if let Some(v) = st.get(field) {
                    err.insert(field.into(), v.clone());
                } else if let Some(p) = st.get(path) {
                    err.insert(format!("{field}.$"), p.clone());
                }
            }
            let mut pass = Map::new();
            pass.insert("Type".into(), json!("Pass"));
            if let Some(q) = st.get("QueryLanguage") {
                pass.insert("QueryLanguage".into(), q.clone());
            }
            pass.insert(
                "Comment".into(),
                json!(match st.get("Comment").and_then(Value::as_str) {
                    Some(c) => format!(
                        "{c} (NEXUS compensation: this Fail state runs the compensations first)"
                    ),
                    None =>
                        "NEXUS compensation: this Fail state runs the compensations first".into(),
                }),
            );
            pass.insert("Assign".into(), json!({error_var.clone(): err}));
            pass.insert("Next".into(), json!(compensate));
            *st = pass;
        }
        for (name, value) in self.generated.drain(..) {
            states.insert(name, value);
        }

        let notes = comps
            .iter()
            .map(|c| {
                let idx = index.get(c.state.as_str()).copied();
                let mut from: Vec<String> = catchers
                    .iter()
                    .chain(&fails)
                    .filter(|&&s| idx.is_some_and(|i| may[s].contains(&i)))
                    .map(|&s| format!("`{}`", names[s]))
                    .collect();
                from.sort();
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

    /// The compensation chain of the scope (most recent first), then `Saga_Raise`; returns
    /// the name of its first state.
    fn chain(&mut self, list: &[Comp<'_>]) -> String {
        let raise = self.raise();
        let (ev, fv) = (self.error_var(), self.failed_var());
        let mut next = raise;
        for c in list.iter().rev() {
            let state = &c.c.state;
            let check = self.unique(&format!("Saga_Check_{state}"));
            let task = self.unique(&format!("Compensate_{state}"));
            let mut t = Map::new();
            t.insert("Type".into(), json!("Task"));
            t.insert(
                "Comment".into(),
                json!(format!("NEXUS compensation: undoes `{state}`")),
            );
            for (k, v) in sugar::action_fields(&c.c.action, QueryLanguage::Jsonata) {
                // The compensation's result is not wanted (and may have no `Payload`).
                if k != "Output" {
                    t.insert(k.into(), v);
                }
            }
            if !c.c.retry.is_empty() {
                t.insert("Retry".into(), Value::Array(c.c.retry.clone()));
            }
            t.insert(
                "Catch".into(),
                json!([{
                    "ErrorEquals": ["States.ALL"],
                    "Assign": {fv.clone(): format!(
                        "{{% $append(${fv}, [$merge([{{'state': {}, 'action': {}}}, $states.errorOutput])]) %}}",
                        lit(state),
                        lit(&c.c.action)
                    )},
                    "Next": next
                }]),
            );
            t.insert("Next".into(), json!(next));
            self.add(&task, t);
            let mut ch = Map::new();
            ch.insert("Type".into(), json!("Choice"));
            ch.insert(
                "Comment".into(),
                json!(format!("NEXUS compensation: did `{state}` complete?")),
            );
            ch.insert(
                "Choices".into(),
                json!([{
                    "Condition": format!("{{% $nexus_saga_{} != null %}}", c.n),
                    "Output": format!(
                        "{{% {{'input': $nexus_saga_{n}.input, 'result': $nexus_saga_{n}.result, 'error': ${ev}}} %}}",
                        n = c.n
                    ),
                    "Next": task
                }]),
            );
            ch.insert("Default".into(), json!(next));
            self.add(&check, ch);
            next = check;
        }
        next
    }

    /// `Saga_Raise`: `Nexus.CompensationFailed` (after the hook) when a compensation failed,
    /// else the original error, with or without its `Error` and `Cause` as it had them.
    fn raise(&mut self) -> String {
        let (ev, fv) = (self.error_var(), self.failed_var());
        let raise = self.unique("Saga_Raise");
        let failed = self.unique("Saga_CompensationFailed");
        self.add(
            &failed,
            obj(json!({
                "Type": "Fail",
                "Comment": "NEXUS compensation: some compensations failed",
                "Error": "Nexus.CompensationFailed",
                "Cause": format!("{{% $string({{'error': ${ev}, 'failed': ${fv}}}) %}}")
            })),
        );
        let on_failed = match self.hook {
            Some(h) => {
                let name = self.unique("OnCompensationFailure");
                let mut t = Map::new();
                t.insert("Type".into(), json!("Task"));
                t.insert(
                    "Comment".into(),
                    json!("NEXUS on_compensation_failure: told which compensations failed"),
                );
                for (k, v) in sugar::action_fields(&h.action, QueryLanguage::Jsonata) {
                    if k != "Output" {
                        t.insert(k.into(), v);
                    }
                }
                // The hook's own failure changes nothing: the run fails as it would anyway.
                t.insert(
                    "Catch".into(),
                    json!([{"ErrorEquals": ["States.ALL"], "Next": failed}]),
                );
                t.insert("Next".into(), json!(failed));
                self.add(&name, t);
                name
            }
            None => failed,
        };
        let mut choices = vec![json!({
            "Condition": format!("{{% $count(${fv}) > 0 %}}"),
            "Output": format!("{{% {{'error': ${ev}, 'failed': ${fv}}} %}}"),
            "Next": on_failed
        })];
        let variants = [
            (
                "Saga_Fail",
                Some(format!("$exists(${ev}.Error) and $exists(${ev}.Cause)")),
                true,
                true,
            ),
            (
                "Saga_Fail_NoCause",
                Some(format!("$exists(${ev}.Error)")),
                true,
                false,
            ),
            (
                "Saga_Fail_NoError",
                Some(format!("$exists(${ev}.Cause)")),
                false,
                true,
            ),
            ("Saga_Fail_Bare", None, false, false),
        ];
        let mut default = String::new();
        for (base, cond, error, cause) in variants {
            let name = self.unique(base);
            let mut f = Map::new();
            f.insert("Type".into(), json!("Fail"));
            f.insert(
                "Comment".into(),
                json!("NEXUS compensation: re-raise the original error"),
            );
            if error {
                f.insert("Error".into(), json!(format!("{{% ${ev}.Error %}}")));
            }
            if cause {
                f.insert("Cause".into(), json!(format!("{{% ${ev}.Cause %}}")));
            }
            self.add(&name, f);
            match cond {
                Some(c) => choices.push(json!({"Condition": format!("{{% {c} %}}"), "Next": name})),
                None => default = name,
            }
        }
        let mut ch = Map::new();
        ch.insert("Type".into(), json!("Choice"));
        ch.insert(
            "Comment".into(),
            json!("NEXUS compensation: fail with the original error, or say which compensations failed"),
        );
        ch.insert("Choices".into(), Value::Array(choices));
        ch.insert("Default".into(), json!(default));
        self.add(&raise, ch);
        raise
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
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
        n.dedup();
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
