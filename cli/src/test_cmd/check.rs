//! Checks a case's expectations against what its execution did, one [`Mismatch`] per
//! expectation that does not hold, each with the value `--update` would write.

use nexus_engine::Execution;
use serde_json::{Map, Value};

use super::file::{Case, StateExpect, ValueExpect, token};
use super::trace::Trace;

/// One expectation that does not hold.
#[derive(Debug, Clone)]
pub(crate) struct Mismatch {
    /// What was expected, as the file spells it (`output`, `states.Charge.retries`).
    pub(crate) what: String,
    /// JSON Pointer of the expectation in the test file.
    pub(crate) pointer: String,
    /// The expected value.
    pub(crate) expected: Value,
    /// What the execution gave (`None`: nothing there).
    pub(crate) actual: Option<Value>,
    /// The value that makes the expectation hold, for `--update` (`None`: it cannot be
    /// written, e.g. a state that was never entered).
    pub(crate) update: Option<Value>,
    /// A sentence when a diff alone would not say it.
    pub(crate) note: Option<String>,
}

/// JSON equality with numbers compared by value (`1` and `1.0` are equal, as in JSON).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// `actual` cut down to the shape of `expected`: the members of objects that `expected`
/// names (recursively), arrays item by item when their lengths agree. A partial
/// expectation holds when the projection equals it, and the diff of the two shows only
/// what was asked for.
pub(crate) fn project(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => Value::Object(
            e.iter()
                .filter_map(|(k, ev)| a.get(k).map(|av| (k.clone(), project(ev, av))))
                .collect(),
        ),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            Value::Array(e.iter().zip(a).map(|(x, y)| project(x, y)).collect())
        }
        _ => actual.clone(),
    }
}

/// Selects with a JSONPath (`$...`, Jayway result shapes as in ASL) or a JSON Pointer.
pub(crate) fn select(selector: &str, v: &Value) -> Option<Value> {
    if selector.starts_with('$') {
        let p = nexus_schema::expr::jsonpath::parse(selector).ok()?;
        p.evaluate(v).ok()
    } else {
        v.pointer(selector).cloned()
    }
}

struct Checker {
    out: Vec<Mismatch>,
}

impl Checker {
    fn push(
        &mut self,
        what: impl Into<String>,
        pointer: String,
        expected: &Value,
        actual: Option<Value>,
        update: Option<Value>,
    ) {
        self.out.push(Mismatch {
            what: what.into(),
            pointer,
            expected: expected.clone(),
            actual,
            update,
            note: None,
        });
    }

    fn note(&mut self, n: String) {
        if let Some(m) = self.out.last_mut() {
            m.note = Some(n);
        }
    }

    /// Checks `ValueExpect` `name` (`output`, `input`) under `ptr` / `what`.
    fn value(
        &mut self,
        e: &ValueExpect,
        name: &str,
        ptr: &str,
        what: &str,
        actual: Option<&Value>,
    ) {
        let label = |suffix: &str| {
            if what.is_empty() {
                format!("{name}{suffix}")
            } else {
                format!("{what}.{name}{suffix}")
            }
        };
        if let Some(x) = &e.exact
            && !actual.is_some_and(|a| json_eq(x, a))
        {
            self.push(
                label(""),
                format!("{ptr}/{name}"),
                x,
                actual.cloned(),
                actual.cloned(),
            );
        }
        if let Some(x) = &e.partial {
            let proj = actual.map(|a| project(x, a));
            if !proj.as_ref().is_some_and(|p| json_eq(x, p)) {
                self.push(
                    label("_partial"),
                    format!("{ptr}/{name}_partial"),
                    x,
                    proj.clone(),
                    proj,
                );
            }
        }
        for (sel, want) in &e.at {
            let got = actual.and_then(|a| select(sel, a));
            if !got.as_ref().is_some_and(|g| json_eq(want, g)) {
                let p = format!("{ptr}/{name}_at/{}", token(sel));
                self.push(
                    label(&format!("_at[{sel}]")),
                    p,
                    want,
                    got.clone(),
                    got.clone(),
                );
                if got.is_none() {
                    self.note(format!("`{sel}` selects nothing in the {name}"));
                }
            }
        }
    }

    fn state(&mut self, name: &str, e: &StateExpect, trace: &Trace, ptr: &str) {
        let visits: Vec<_> = trace.visits_of(name).collect();
        let what = format!("states.{name}");
        let chosen = match e.visit {
            Some(n) => visits.get(n.saturating_sub(1)).copied(),
            None => visits.last().copied(),
        };
        let Some(v) = chosen else {
            let expected = Value::String(match e.visit {
                Some(n) => format!("visit {n} of `{name}`"),
                None => format!("`{name}` entered"),
            });
            self.push(what, ptr.to_string(), &expected, None, None);
            self.note(format!(
                "the state was entered {} time{}",
                visits.len(),
                if visits.len() == 1 { "" } else { "s" }
            ));
            return;
        };
        self.value(&e.input, "input", ptr, &what, v.input.as_ref());
        self.value(&e.output, "output", ptr, &what, v.output.as_ref());
        if let Some(want) = &e.variables {
            let vars = trace.variables_after(v);
            let got: Map<String, Value> = want
                .keys()
                .filter_map(|k| vars.get(k).map(|x| (k.clone(), x.clone())))
                .collect();
            let want_v = Value::Object(want.clone());
            let got_v = Value::Object(got);
            if !json_eq(&want_v, &got_v) {
                let p = format!("{ptr}/variables");
                self.push(
                    format!("{what}.variables"),
                    p,
                    &want_v,
                    Some(got_v.clone()),
                    Some(got_v),
                );
            }
        }
        if let Some(r) = e.retries
            && r != v.retries()
        {
            let got = Value::from(v.retries());
            self.push(
                format!("{what}.retries"),
                format!("{ptr}/retries"),
                &Value::from(r),
                Some(got.clone()),
                Some(got),
            );
        }
    }
}

/// The mismatches of one case (empty: it passed).
pub(crate) fn check(case: &Case, exec: &Execution, trace: &Trace) -> Vec<Mismatch> {
    let e = &case.expect;
    let base = format!("{}/expect", case.pointer);
    let mut c = Checker { out: Vec::new() };
    let status = Value::from(exec.status.as_str());
    if let Some(s) = &e.status
        && status.as_str() != Some(s.as_str())
    {
        c.push(
            "status",
            format!("{base}/status"),
            &Value::from(s.as_str()),
            Some(status.clone()),
            Some(status),
        );
        if let Some(err) = &exec.error {
            c.note(format!(
                "the execution failed with {err}{}",
                exec.cause
                    .as_deref()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            ));
        }
    }
    c.value(&e.output, "output", &base, "", exec.output.as_ref());
    for (k, want, got) in [
        ("error", &e.error, &exec.error),
        ("cause", &e.cause, &exec.cause),
    ] {
        if let Some(w) = want
            && got.as_deref() != Some(w.as_str())
        {
            let g = got.clone().map(Value::String);
            c.push(
                k,
                format!("{base}/{k}"),
                &Value::from(w.as_str()),
                g.clone(),
                g,
            );
        }
    }
    let path = trace.path();
    if let Some(p) = &e.path
        && *p != path
    {
        let got = Value::from(path.clone());
        c.push(
            "path",
            format!("{base}/path"),
            &Value::from(p.clone()),
            Some(got.clone()),
            Some(got),
        );
    }
    for (i, s) in e.visits.iter().enumerate() {
        if !path.contains(s) {
            c.push(
                "visits",
                format!("{base}/visits/{i}"),
                &Value::from(s.as_str()),
                None,
                None,
            );
            c.note(format!("`{s}` was never entered"));
        }
    }
    for (i, s) in e.never_visits.iter().enumerate() {
        if path.contains(s) {
            c.push(
                "never_visits",
                format!("{base}/never_visits/{i}"),
                &Value::from(s.as_str()),
                Some(Value::from(s.as_str())),
                None,
            );
            c.note(format!("`{s}` was entered"));
        }
    }
    for (name, se) in &e.states {
        c.state(name, se, trace, &format!("{base}/states/{}", token(name)));
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_projection_keeps_what_was_asked() {
        let e = json!({"a": {"b": 1}, "l": [{"x": 1}]});
        let a = json!({"a": {"b": 1.0, "c": 2}, "l": [{"x": 1, "y": 2}], "z": 0});
        assert!(json_eq(&e, &project(&e, &a)));
        let a2 = json!({"a": {"c": 2}, "l": []});
        assert_eq!(project(&e, &a2), json!({"a": {}, "l": []}));
    }

    #[test]
    fn selectors_take_jsonpath_and_pointers() {
        let v = json!({"a": [{"b": 1}, {"b": 2}]});
        assert_eq!(select("$.a[1].b", &v), Some(json!(2)));
        assert_eq!(select("$.a[*].b", &v), Some(json!([1, 2])));
        assert_eq!(select("/a/0/b", &v), Some(json!(1)));
        assert_eq!(select("/nope", &v), None);
    }
}
