//! The engine's own case files, `engine/tests/cases/**/*.yaml` (regorus's
//! `tests/interpreter/cases` are the model): each case is an ASL `definition`, an `input`, and
//! exactly one expectation, `want_output` (the execution SUCCEEDED with this output) or
//! `want_error` (it FAILED, or TIMED_OUT for `States.Timeout`, with this error name; an
//! optional `want_cause` must be contained in the cause). Tasks are answered by `mocks`,
//! keyed by resource ARN or action name: `{return: VALUE}` or `{throw: {error, cause}}`.
//!
//! Written from the AWS Step Functions Developer Guide, so `cargo test` on a fresh clone
//! proves the engine's semantics without the AWS-recorded corpus.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_engine::{Engine, ExecutionStatus, HandlerError, Handlers, MockHandler, RunOptions};
use serde_json::{Map, Value};

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            case_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

fn handlers(mocks: Option<&Value>) -> Result<Handlers, String> {
    let mut h = Handlers::new();
    let Some(mocks) = mocks else { return Ok(h) };
    let mocks = mocks.as_object().ok_or("`mocks` must be a map")?;
    for (key, m) in mocks {
        let mock = if let Some(v) = m.get("return") {
            MockHandler::Return(v.clone())
        } else if let Some(t) = m.get("throw") {
            let error = t.get("error").and_then(Value::as_str).unwrap_or_default();
            MockHandler::Throw(HandlerError {
                error: error.to_owned(),
                cause: t.get("cause").and_then(Value::as_str).map(str::to_owned),
            })
        } else {
            return Err(format!("mock `{key}` needs `return` or `throw`"));
        };
        h.register(key.clone(), Arc::new(mock));
    }
    Ok(h)
}

/// Runs one case; `Err` says how it failed.
fn check(case: &Map<String, Value>) -> Result<(), String> {
    let def = case.get("definition").ok_or("no `definition`")?;
    let input = case
        .get("input")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let want_output = case.get("want_output");
    let want_error = case
        .get("want_error")
        .map(|e| e.as_str().unwrap_or_default());
    if want_output.is_some() == want_error.is_some() {
        return Err("needs exactly one of `want_output` and `want_error`".into());
    }
    let h = handlers(case.get("mocks"))?;
    let engine = match Engine::new(def, RunOptions::default()) {
        Ok(e) => e,
        Err(e) => {
            return match want_error {
                Some("CompileError") => Ok(()),
                _ => Err(format!("does not compile: {e}")),
            };
        }
    };
    let x = engine
        .run(input, &h)
        .map_err(|e| format!("run error: {e}"))?;
    if let Some(want) = want_output {
        if x.status != ExecutionStatus::Succeeded {
            return Err(format!("want output {want}, got {}", x.summary()));
        }
        if x.output.as_ref() != Some(want) {
            return Err(format!(
                "want output {want}, got {}",
                x.output.unwrap_or(Value::Null)
            ));
        }
        return Ok(());
    }
    let want = want_error.unwrap_or_default();
    let status = if want == "States.Timeout" {
        ExecutionStatus::TimedOut
    } else {
        ExecutionStatus::Failed
    };
    if x.status != status || x.error.as_deref() != Some(want) {
        return Err(format!(
            "want {want} ({}), got {}",
            status.as_str(),
            x.summary()
        ));
    }
    if let Some(c) = case.get("want_cause").and_then(Value::as_str)
        && !x.cause.as_deref().unwrap_or_default().contains(c)
    {
        return Err(format!(
            "want a cause containing {c:?}, got {}",
            x.summary()
        ));
    }
    Ok(())
}

#[test]
fn case_files_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files = Vec::new();
    case_files(&root, &mut files);
    files.sort();
    let (mut n, mut failures) = (0, Vec::new());
    for f in &files {
        let name = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let doc: Value = match serde_saphyr::from_str(&text) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{name}: not YAML: {e}"));
                continue;
            }
        };
        let Some(cases) = doc.get("cases").and_then(Value::as_array) else {
            failures.push(format!("{name}: no `cases` list"));
            continue;
        };
        for (i, c) in cases.iter().enumerate() {
            n += 1;
            let note = c.get("note").and_then(Value::as_str).unwrap_or("?");
            let r = c
                .as_object()
                .ok_or_else(|| "a case must be a map".to_owned())
                .and_then(check);
            if let Err(e) = r {
                failures.push(format!("{name} #{i} ({note}): {e}"));
            }
        }
    }
    println!("{n} engine cases in {} files", files.len());
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n >= 80, "only {n} engine cases");
}

#[test]
fn a_case_without_expectation_is_rejected() {
    let case: Value = serde_json::json!({
        "definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
    });
    let r = check(case.as_object().unwrap_or(&Map::new()));
    assert!(r.is_err_and(|e| e.contains("exactly one")));
}
