//! The engine's own case files, `engine/tests/cases/**/*.yaml` (regorus's
//! `tests/interpreter/cases` are the model): each case is an ASL `definition`, an `input`, and
//! exactly one expectation, `want_output` (the execution SUCCEEDED with this output) or
//! `want_error` (it FAILED, or TIMED_OUT for `States.Timeout`, with this error name; an
//! optional `want_cause` must be contained in the cause). Tasks are answered by `mocks`,
//! keyed by resource ARN or action name: `{return: VALUE}` or `{throw: {error, cause}}`.
//! An optional `want_calls`, keyed like `mocks`, lists the inputs each mock must have been
//! called with, in order (what a `ResultWriter` wrote, for example). In expectations, `RUNID`
//! stands for the id of the run's Distributed Map run, taken from the `mapRun:` ARN the run
//! produced (its format is still checked: `...:mapRun:<machine>/<state>:RUNID`).
//!
//! Written from the AWS Step Functions Developer Guide, so `cargo test` on a fresh clone
//! proves the engine's semantics without the AWS-recorded corpus.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nexus_engine::handlers::HandlerFuture;
use nexus_engine::{
    Engine, ExecutionStatus, Handler, HandlerError, Handlers, MockHandler, RunOptions, TaskRequest,
};
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

/// The inputs a mock was called with.
type Calls = Arc<Mutex<Vec<Value>>>;

/// A mock that records the input of every call.
struct Recording {
    mock: MockHandler,
    calls: Calls,
}

impl Handler for Recording {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        if let Ok(mut c) = self.calls.lock() {
            c.push(req.input.clone());
        }
        self.mock.invoke(req)
    }

    fn is_pure(&self) -> bool {
        true
    }
}

fn handlers(mocks: Option<&Value>) -> Result<(Handlers, Vec<(String, Calls)>), String> {
    let mut h = Handlers::new();
    let mut calls = Vec::new();
    let Some(mocks) = mocks else {
        return Ok((h, calls));
    };
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
        let c = Calls::default();
        calls.push((key.clone(), c.clone()));
        h.register(key.clone(), Arc::new(Recording { mock, calls: c }));
    }
    Ok((h, calls))
}

/// Compares the recorded calls with `want_calls`.
fn check_calls(
    want: Option<&Value>,
    calls: &[(String, Calls)],
    actual: &str,
) -> Result<(), String> {
    let Some(want) = want else { return Ok(()) };
    let want = with_run_id(want, actual);
    let want = want.as_object().ok_or("`want_calls` must be a map")?;
    for (key, inputs) in want {
        let got = calls
            .iter()
            .find(|(k, _)| k == key)
            .ok_or_else(|| format!("`want_calls` names `{key}`, which is not a mock"))?;
        let got = Value::Array(got.1.lock().map(|c| c.clone()).unwrap_or_default());
        if got != *inputs {
            return Err(format!("want calls of {key}: {inputs}, got {got}"));
        }
    }
    Ok(())
}

/// The map run id in `text` (the UUID after `mapRun:<machine>/<state>:`), if any.
fn map_run_id(text: &str) -> Option<&str> {
    let rest = &text[text.find("mapRun:")? + "mapRun:".len()..];
    let id = &rest[rest.find(':')? + 1..];
    id.get(..36)
}

/// `want` with `RUNID` replaced by the map run id found in `actual`.
fn with_run_id(want: &Value, actual: &str) -> Value {
    let text = want.to_string();
    match map_run_id(actual) {
        Some(id) if text.contains("RUNID") => {
            serde_json::from_str(&text.replace("RUNID", id)).unwrap_or_else(|_| want.clone())
        }
        _ => want.clone(),
    }
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
    let (h, calls) = handlers(case.get("mocks"))?;
    // A fixed execution name: map run ARNs and ResultWriter keys derive from it.
    let opts = RunOptions {
        execution_name: Some("case".into()),
        ..RunOptions::default()
    };
    let engine = match Engine::new(def, opts) {
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
    // The printed summary is the summary, whatever the case ends with.
    let mut printed = Vec::new();
    x.write_summary(&mut printed)
        .map_err(|e| format!("write_summary: {e}"))?;
    if printed != serde_json::to_vec(&x.summary()).map_err(|e| e.to_string())? {
        return Err(format!(
            "write_summary printed {} for {}",
            String::from_utf8_lossy(&printed),
            x.summary()
        ));
    }
    if let Some(want) = want_output {
        if x.status != ExecutionStatus::Succeeded {
            return Err(format!("want output {want}, got {}", x.summary()));
        }
        let actual = actual_text(&x, &calls);
        let want = &with_run_id(want, &actual);
        if x.output.as_ref() != Some(want) {
            return Err(format!(
                "want output {want}, got {}",
                x.output.unwrap_or(Value::Null)
            ));
        }
        return check_calls(case.get("want_calls"), &calls, &actual);
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
    check_calls(case.get("want_calls"), &calls, &actual_text(&x, &calls))
}

/// The run's output and every recorded call, as text (where `RUNID` is looked up).
fn actual_text(x: &nexus_engine::Execution, calls: &[(String, Calls)]) -> String {
    let mut t = x.output.as_ref().map(Value::to_string).unwrap_or_default();
    for (_, c) in calls {
        if let Ok(c) = c.lock() {
            t.push_str(&Value::Array(c.clone()).to_string());
        }
    }
    t
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
