//! Runs the AWS-recorded intrinsic-function cases (`conformance/sfn/intrinsic_functions`)
//! whose state machine is a chain of JSONPath `Pass` states, with a minimal Pass interpreter
//! built only on the public `nexus_schema::expr` API (InputPath → Parameters → ResultPath →
//! OutputPath), and compares with what AWS returned.
//!
//! Values AWS recorded as placeholders (random numbers, UUIDs, ARNs; see each case's
//! `meta.json`) are compared loosely: the member must exist.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic here is a failing test"
)]

use nexus_schema::expr::{EvalContext, ExprError, NoVariables, jsonpath, template};
use serde_json::{Value, json};
use std::path::Path;

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Applies an `InputPath`/`OutputPath` value: absent → `$`, `null` → `{}`.
fn select(state: &Value, field: &str, value: &Value) -> Result<Value, ExprError> {
    match state.get(field) {
        None => Ok(value.clone()),
        Some(Value::Null) => Ok(json!({})),
        Some(Value::String(p)) => {
            let path = jsonpath::parse(p).map_err(|e| ExprError::runtime(e.message))?;
            path.evaluate(value)
                .map_err(|e| ExprError::runtime(e.cause_for_field(field, value)))
        }
        Some(other) => panic!("unexpected {field}: {other}"),
    }
}

/// Runs a chain of Pass states; `None` when the definition is not such a chain.
fn run(definition: &Value, input: &Value) -> Option<Result<Value, ExprError>> {
    if definition.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata") {
        return None;
    }
    let states = definition.get("States")?.as_object()?;
    if states.values().any(|s| {
        s.get("Type").and_then(Value::as_str) != Some("Pass")
            || (cfg!(not(feature = "jsonata"))
                && s.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata"))
    }) {
        return None;
    }
    let mut name = definition.get("StartAt")?.as_str()?.to_owned();
    let mut value = input.clone();
    loop {
        let state = states.get(&name)?;
        let context = json!({
            "Execution": {"Input": input, "Name": "execution", "Id": "arn:aws:states:us-east-1:000000000000:execution:machine:execution"},
            "StateMachine": {"Name": "machine", "Id": "arn:aws:states:us-east-1:000000000000:stateMachine:machine"},
            "State": {"Name": name, "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": 0},
        });
        let jsonata = state.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
        let step = (|| {
            if jsonata {
                return jsonata_output(state, &value, &context);
            }
            let effective = select(state, "InputPath", &value)?;
            let ctx = EvalContext::new(&effective, &context, &NoVariables);
            let result = match (state.get("Result"), state.get("Parameters")) {
                (Some(result), _) => result.clone(),
                (None, Some(parameters)) => template::eval_template(parameters, &ctx)?,
                (None, None) => effective.clone(),
            };
            let combined = match state.get("ResultPath") {
                Some(Value::Null) => value.clone(),
                None => result,
                Some(Value::String(p)) => {
                    let path = jsonpath::parse(p).map_err(|e| ExprError::runtime(e.message))?;
                    let mut target = value.clone();
                    jsonpath::set(&mut target, &path, result)
                        .map_err(|e| ExprError::runtime(e.cause_for_field("ResultPath", &value)))?;
                    target
                }
                Some(other) => panic!("unexpected ResultPath {other}"),
            };
            select(state, "OutputPath", &combined)
        })();
        match step {
            Err(e) => return Some(Err(e)),
            Ok(out) => value = out,
        }
        match state.get("Next").and_then(Value::as_str) {
            Some(next) => name = next.to_owned(),
            None => return Some(Ok(value)),
        }
    }
}

/// A JSONata Pass state: `Output` (default: the input) with `{% %}` strings evaluated.
#[cfg(feature = "jsonata")]
fn jsonata_output(state: &Value, input: &Value, context: &Value) -> Result<Value, ExprError> {
    use nexus_schema::expr::jsonata;
    fn walk(node: &Value, field: &str, states: &Value) -> Result<Value, ExprError> {
        match node {
            Value::String(s) => match jsonata::is_jsonata_template(s) {
                Some(expr) => {
                    let bindings = [("states", states.clone())];
                    match jsonata::evaluate(expr, &json!(null), &bindings) {
                        Ok(Some(v)) => Ok(v),
                        Ok(None) => Err(jsonata::undefined_error(expr.trim(), field)),
                        Err(e) => Err(e.to_expr_error(expr.trim(), field)),
                    }
                }
                None => Ok(node.clone()),
            },
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), walk(v, &format!("{field}/{k}"), states)?)))
                .collect::<Result<serde_json::Map<_, _>, _>>()
                .map(Value::Object),
            Value::Array(items) => items
                .iter()
                .map(|v| walk(v, field, states))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other.clone()),
        }
    }
    let states = json!({"input": input, "context": context});
    match state.get("Output") {
        Some(output) => walk(output, "Output", &states),
        None => Ok(input.clone()),
    }
}

#[cfg(not(feature = "jsonata"))]
fn jsonata_output(_: &Value, input: &Value, _: &Value) -> Result<Value, ExprError> {
    Ok(input.clone())
}

/// Member paths (within the output) whose recorded value is a placeholder.
fn loose_paths(meta: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let placeholders = meta
        .pointer("/placeholders/expected")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|p| p.strip_prefix("$.output"));
    let transformers = meta
        .get("snapshot_transformers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|t| t.strip_prefix("JsonpathTransformer(")?.strip_suffix(')'))
        .filter_map(|p| p.rsplit_once(".output").map(|(_, rest)| rest));
    for p in placeholders.chain(transformers) {
        out.push(
            p.split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        );
    }
    out
}

/// Replacement strings AWS recordings use for generated values (`RegexTransformer->X`).
fn regex_placeholders(meta: &Value) -> Vec<String> {
    meta.get("snapshot_transformers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|t| t.strip_prefix("RegexTransformer->"))
        .map(str::to_owned)
        .collect()
}

fn matches(
    got: &Value,
    expected: &Value,
    path: &mut Vec<String>,
    loose: &[Vec<String>],
    regex: &[String],
) -> bool {
    if loose.iter().any(|l| l == path) {
        return true;
    }
    if let (Value::String(_), Value::String(e)) = (got, expected)
        && regex.contains(e)
    {
        return true;
    }
    match (got, expected) {
        (Value::Object(g), Value::Object(e)) => {
            g.len() == e.len()
                && e.iter().all(|(k, ev)| {
                    g.get(k).is_some_and(|gv| {
                        path.push(k.clone());
                        let ok = matches(gv, ev, path, loose, regex);
                        path.pop();
                        ok
                    })
                })
        }
        (Value::Array(g), Value::Array(e)) => {
            g.len() == e.len()
                && g.iter()
                    .zip(e)
                    .all(|(gv, ev)| matches(gv, ev, path, loose, regex))
        }
        (Value::Number(g), Value::Number(e)) => g.as_f64() == e.as_f64(),
        _ => got == expected,
    }
}

#[test]
fn intrinsic_function_cases_match_aws() {
    let Some(dir) = nexus_testkit::corpus_dir("sfn/intrinsic_functions") else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("definition.json").is_file())
        .collect();
    cases.sort();
    let (mut passed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let definition = read(&case.join("definition.json"));
        let input = read(&case.join("input.json"));
        let expected = read(&case.join("expected.json"));
        let meta = if case.join("meta.json").is_file() {
            read(&case.join("meta.json"))
        } else {
            json!({})
        };
        let Some(result) = run(&definition, &input) else {
            skipped += 1;
            continue;
        };
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let status = expected.get("status").and_then(Value::as_str).unwrap_or("");
        let ok = match (&result, status) {
            (Ok(output), "SUCCEEDED") => {
                let want = expected.get("output").cloned().unwrap_or(Value::Null);
                matches(
                    output,
                    &want,
                    &mut Vec::new(),
                    &loose_paths(&meta),
                    &regex_placeholders(&meta),
                )
            }
            (Err(e), "FAILED") => {
                expected.get("error").and_then(Value::as_str) == Some(e.name.as_str())
                    && expected
                        .get("cause")
                        .and_then(Value::as_str)
                        .is_some_and(|c| c.ends_with(&e.cause))
            }
            _ => false,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{name}: got {result:?}, expected {expected}"));
        }
    }
    let run_count = cases.len() - skipped;
    println!(
        "intrinsic conformance: {passed}/{run_count} passed ({skipped} of {} skipped: not a Pass chain)",
        cases.len()
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ from AWS",
        failures.len()
    );
}
