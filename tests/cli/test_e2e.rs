//! End-to-end tests of `nexus test` (the bundled examples, every expectation kind failing
//! with a readable diff, the report formats, coverage numbers, `--update`,
//! `--from-mock-config`) and of `nexus test-state` (the `test_state/` cases of the
//! conformance corpus). Files a test writes live in its own temporary folder.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn nexus_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(dir);
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

fn nexus() -> Command {
    nexus_in(&root())
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A folder holding the router fixture workflow and the given test file.
fn scratch(test_file: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/testing/router.asl.json"),
        dir.path().join("router.asl.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("t.nexus-test.yaml"), test_file).unwrap();
    dir
}

/// One case where every kind of expectation fails.
const FAILING: &str = r#"workflow: router.asl.json
cases:
  - name: every expectation kind fails
    input: {id: 1}
    mocks:
      Load:
        - throw: {error: Busy}
        - return: {Payload: {id: 1, kind: a}}
    expect:
      status: FAILED
      output: {id: 1, kind: a, route: went b}
      output_partial: {kind: b}
      output_at: {$.id: 2, /missing: 1}
      error: Broken
      cause: load failed
      path: [Load, Route, B]
      visits: [B]
      never_visits: [A]
      states:
        Load: {retries: 0, input: {id: 9}, output_partial: {kind: b}}
        A: {variables: {route: b}}
        Other: {output: {}}
"#;

fn run_failing(format: &str) -> String {
    let dir = scratch(FAILING);
    let out = nexus_in(dir.path())
        .args(["test", "t.nexus-test.yaml", "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"finished in \d+\.\d+s", "finished in [TIME]");
    s.add_filter(r#"time="\d+\.\d+""#, r#"time="[TIME]""#);
    s
}

#[test]
fn bundled_examples_pass() {
    let out = nexus()
        .args(["test", "fixtures/examples"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("7 passed; 0 failed"), "{text}");
}

#[test]
fn every_expectation_kind_fails_with_a_diff() {
    let json: Value = serde_json::from_str(&run_failing("json")).unwrap();
    let ms = json
        .pointer("/files/0/cases/0/mismatches")
        .unwrap()
        .as_array()
        .unwrap();
    let kinds: Vec<&str> = ms
        .iter()
        .map(|m| m["expectation"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "status",
            "output",
            "output_partial",
            "output_at[$.id]",
            "output_at[/missing]",
            "error",
            "cause",
            "path",
            "visits",
            "never_visits",
            "states.Load.input",
            "states.Load.output_partial",
            "states.Load.retries",
            "states.A.variables",
            "states.Other",
        ]
    );
    // Each points at its line in the test file.
    assert_eq!(ms[0]["line"], json!(10));
    assert_eq!(ms[12]["actual"], json!(1));
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("test_human_failure", run_failing("human"));
    });
}

#[test]
fn report_formats() {
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("test_junit", run_failing("junit"));
        insta::assert_snapshot!("test_github", run_failing("github"));
        insta::assert_snapshot!("test_json", run_failing("json"));
    });
}

#[test]
fn coverage_of_the_router_fixture() {
    let out = nexus()
        .args(["test", "fixtures/testing", "--coverage", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = v.pointer("/files/0/coverage").unwrap();
    let counts = |k: &str| (c[k]["covered"].clone(), c[k]["total"].clone());
    assert_eq!(counts("states"), (json!(5), json!(6)));
    assert_eq!(counts("choice_rules"), (json!(2), json!(3)));
    assert_eq!(counts("retriers"), (json!(1), json!(2)));
    assert_eq!(counts("catchers"), (json!(1), json!(1)));
    assert_eq!(
        (c["covered"].clone(), c["total"].clone()),
        (json!(9), json!(12))
    );
    assert_eq!(c["percent"], json!(75.0));
    let human = nexus()
        .args(["test", "fixtures/testing", "--coverage"])
        .output()
        .unwrap();
    let text = stdout(&human);
    assert!(
        text.contains("states        5/6  not entered: Other"),
        "{text}"
    );
    assert!(
        text.contains("retriers      1/2  not used: Load Retry[1] (States.Timeout)"),
        "{text}"
    );
}

#[test]
fn update_rewrites_failing_expectations_and_keeps_the_rest() {
    let file = "# keep this comment\nworkflow: router.asl.json\ncases:\n  - name: snap\n    input: {id: 1}\n    mocks:\n      Load: {return: {Payload: {id: 1, kind: a}}}\n    expect:\n      status: FAILED   # old\n      output:\n        id: 0\n      path: [Load]\n      states:\n        Load: {retries: 3}\n";
    let dir = scratch(file);
    let out = nexus_in(dir.path())
        .args(["test", "t.nexus-test.yaml", "--update"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let after = std::fs::read_to_string(dir.path().join("t.nexus-test.yaml")).unwrap();
    assert!(after.starts_with("# keep this comment\n"), "{after}");
    assert!(after.contains("status: \"SUCCEEDED\"   # old"), "{after}");
    assert!(
        after.contains("{\"id\":1,\"kind\":\"a\",\"route\":\"went a\"}"),
        "{after}"
    );
    assert!(
        after.contains("path: [\"Load\",\"Route\",\"A\"]"),
        "{after}"
    );
    assert!(after.contains("Load: {retries: 0}"), "{after}");
    let again = nexus_in(dir.path()).args(["test"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[test]
fn converts_a_mock_configuration() {
    let dir = scratch("workflow: router.asl.json\ncases: []\n");
    std::fs::write(
        dir.path().join("mock.json"),
        json!({
            "StateMachines": {"Router": {"TestCases": {
                "HappyA": {"Load": "LoadA"},
                "Gone": {"Load": "LoadGone"}
            }}},
            "MockedResponses": {
                "LoadA": {"0": {"Return": {"Payload": {"kind": "a"}}}},
                "LoadGone": {"0-3": {"Throw": {"Error": "Gone", "Cause": "x"}}}
            }
        })
        .to_string(),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let out = nexus_in(dir.path())
        .args([
            "test",
            "--from-mock-config",
            "mock.json",
            "--workflow",
            "router.asl.json",
            "-o",
            "out/router.nexus-test.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("out/router.nexus-test.yaml")).unwrap();
    assert!(text.contains("workflow: \"../router.asl.json\""), "{text}");
    assert!(text.contains("mock_test_case: \"HappyA\""), "{text}");
    assert!(text.contains("error: \"Broken\""), "{text}");
    let run = nexus_in(dir.path()).args(["test", "out"]).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    assert!(stdout(&run).contains("2 passed"), "{}", stdout(&run));
}

#[test]
fn test_file_mistakes_are_located() {
    let dir = scratch(
        "workflow: router.asl.json\ncases:\n  - name: x\n    expect: {stauts: SUCCEEDED}\n",
    );
    let out = nexus_in(dir.path()).args(["test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(text.contains("t.nexus-test.yaml:4:"), "{text}");
    assert!(text.contains("unknown key `stauts`"), "{text}");
}

#[test]
fn the_schema_is_published() {
    let out = nexus().args(["schema", "test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for f in [
        "fixtures/testing/router.nexus-test.yaml",
        "fixtures/examples/order-pipeline.nexus-test.yaml",
    ] {
        let text = std::fs::read_to_string(root().join(f)).unwrap();
        let docs = nexus_schema::load::load_yaml(&text, &Default::default()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&docs[0].value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{f}: {errors:?}");
    }
    let bad = json!({"workflow": "x", "cases": [{"expect": {"stauts": "SUCCEEDED"}}]});
    assert!(!validator.is_valid(&bad));
}

/// `$.a.b` placeholders of a recorded response, as pointer tokens.
fn placeholder_paths(meta: &Value) -> Vec<Vec<String>> {
    meta.pointer("/placeholders/expected")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .filter_map(|p| p.strip_prefix("$."))
                .map(|p| p.split('.').map(String::from).collect())
                .collect()
        })
        .unwrap_or_default()
}

fn remove_at(v: &mut Value, path: &[String]) {
    let Some((last, head)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for k in head {
        match cur.get_mut(k.as_str()) {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(o) = cur.as_object_mut() {
        o.remove(last.as_str());
    }
}

/// A JSON text parsed; other values as they are.
fn parsed(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

fn check_test_state_case(dir: &Path) -> Result<(), String> {
    let read = |n: &str| -> Option<Value> {
        std::fs::read_to_string(dir.join(n))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
    };
    let req = read("request.json").unwrap_or(Value::Null);
    let expected = read("expected.json").ok_or("no expected.json")?;
    let meta = read("meta.json").unwrap_or(Value::Null);
    let mut cmd = nexus();
    cmd.arg("test-state").arg(dir.join("definition.json"));
    if let Some(s) = req.get("stateName").and_then(Value::as_str) {
        cmd.arg(format!("--state={s}"));
    }
    if let Some(i) = read("input.json") {
        cmd.arg("--input").arg(i.to_string());
    }
    for (k, flag) in [
        ("mock", "--mock"),
        ("context", "--context"),
        ("variables", "--variables"),
    ] {
        if let Some(v) = req.get(k) {
            cmd.arg(flag).arg(v.to_string());
        }
    }
    if let Some(l) = req.get("inspectionLevel").and_then(Value::as_str) {
        cmd.args(["--inspection-level", l]);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let err = String::from_utf8_lossy(&out.stderr);
    let rejection = match (expected.get("Error"), expected.get("exception_value")) {
        (Some(e), _) => Some(format!(
            "An error occurred ({}) when calling the TestState operation: {}",
            e["Code"].as_str().unwrap_or(""),
            e["Message"].as_str().unwrap_or("")
        )),
        (None, Some(v)) => Some(v.as_str().unwrap_or("").to_string()),
        _ => None,
    };
    if let Some(r) = rejection {
        return if out.status.code() == Some(2) && err.trim_end() == r {
            Ok(())
        } else {
            Err(format!(
                "expected `{r}`, got exit {:?}: {err}",
                out.status.code()
            ))
        };
    }
    let got: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {err}"))?;
    let mut want = json!({});
    let mut have = json!({});
    for k in ["status", "error", "cause", "nextState", "output"] {
        if let Some(v) = expected.get(k) {
            want[k] = parsed(v);
        }
        if let Some(v) = got.get(k) {
            have[k] = parsed(v);
        }
    }
    for p in placeholder_paths(&meta) {
        remove_at(&mut want, &p);
        remove_at(&mut have, &p);
    }
    if want != have {
        return Err(format!("expected {want}, got {have}"));
    }
    // The inspection data we report must be what AWS reported, no step more or less.
    if let Some(Value::Object(ours)) = got.get("inspectionData") {
        let theirs = expected
            .get("inspectionData")
            .ok_or("unexpected inspectionData")?;
        if let Some(missing) = theirs
            .as_object()
            .and_then(|t| t.keys().find(|k| !ours.contains_key(*k)))
        {
            return Err(format!("inspectionData.{missing} is missing"));
        }
        for (k, v) in ours {
            let t = theirs
                .get(k)
                .ok_or_else(|| format!("inspectionData.{k} is not in the recording"))?;
            if parsed(v) != parsed(t) {
                return Err(format!("inspectionData.{k}: expected {t}, got {v}"));
            }
        }
    } else if expected.get("inspectionData").is_some() {
        return Err(String::from("no inspectionData"));
    }
    Ok(())
}

#[test]
fn test_state_conformance_cases_pass_through_the_cli() {
    let Some(corpus) = nexus_testkit::corpus_dir("sfn/test_state") else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        panic!("cannot read {}", corpus.display());
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    dirs.sort();
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            check_test_state_case(d)
                .err()
                .map(|e| format!("{}: {e}", d.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(!dirs.is_empty());
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn mocks_answer_tasks_in_map_iterations_and_parallel_branches() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nested.asl.json"),
        json!({
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "Prices", "States": {"Prices": {
                            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                            "ItemProcessor": {"StartAt": "Price", "States": {"Price": {
                                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                "Parameters": {"FunctionName": "price", "Payload.$": "$"},
                                "OutputPath": "$.Payload", "End": true}}},
                            "End": true}}},
                        {"StartAt": "Stock", "States": {"Stock": {
                            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "stock"}, "ResultSelector": {"n.$": "$.Payload"},
                            "End": true}}}
                    ],
                    "End": true
                }
            }
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("nested.nexus-test.yaml"),
        "workflow: nested.asl.json\ncases:\n  - name: each iteration gets the next response\n    input: {items: [a, b]}\n    mocks:\n      Price: [{return: {Payload: 1}}, {return: {Payload: 2}}]\n      Stock: {return: {Payload: 7}}\n    expect:\n      output: [[1, 2], {n: 7}]\n      states:\n        Price: {visit: 1, input: a, output: 1}\n        Stock: {output: {n: 7}}\n      visits: [Prices, Price, Stock]\n",
    )
    .unwrap();
    let out = nexus_in(dir.path()).args(["test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 passed"), "{}", stdout(&out));
}

fn test_state(args: &[&str]) -> (Option<i32>, Value) {
    let out = nexus()
        .args(["test-state", "fixtures/testing/router.asl.json"])
        .args(args)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), v)
}

#[test]
fn test_state_takes_the_state_configuration_and_refuses_what_aws_refuses() {
    let busy = r#"{"errorOutput":{"error":"Busy","cause":"later"}}"#;
    let retried = |count: &str| {
        test_state(&[
            "--state",
            "Load",
            "--mock",
            busy,
            "--inspection-level",
            "DEBUG",
            "--state-configuration",
            &format!(r#"{{"retrierRetryCount": {count}}}"#),
        ])
    };
    // One retry made: the next waits IntervalSeconds × BackoffRate (2.0 by default) = 10 s.
    let (code, v) = retried("1");
    assert_eq!(code, Some(1));
    assert_eq!(v["status"], "RETRIABLE");
    assert_eq!(
        v["inspectionData"]["errorDetails"],
        json!({"retryIndex": 0, "retryBackoffIntervalSeconds": 10})
    );
    // Its two retries spent: the catcher takes the failure.
    let (_, v) = retried("2");
    assert_eq!(v["status"], "CAUGHT_ERROR");
    assert_eq!(v["nextState"], "Broken");
    assert_eq!(
        v["inspectionData"]["errorDetails"],
        json!({"retryIndex": 0, "catchIndex": 0})
    );
    let refused = |args: &[&str]| {
        let out = nexus()
            .args(["test-state", "fixtures/testing/router.asl.json"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    };
    assert_eq!(
        refused(&["--state", "Load", "--mock", busy, "--reveal-secrets"]),
        (
            Some(2),
            String::from(
                "An error occurred (ValidationException) when calling the TestState operation: TestState does not support RevealSecrets when a mock is specified."
            )
        )
    );
    assert_eq!(
        refused(&["--state", "A", "--mock", r#"{"result":"{}"}"#]).1,
        "An error occurred (ValidationException) when calling the TestState operation: State type 'Pass' is not supported when a mock is specified"
    );
    assert_eq!(
        refused(&["--state", "Load"]).1,
        "An error occurred (ValidationException) when calling the TestState operation: RoleArn must be specified when testing a Task state"
    );
    let (code, err) = refused(&[
        "--state",
        "Load",
        "--mock",
        busy,
        "--state-configuration",
        r#"{"retrierRetryCount": -1}"#,
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("stateConfiguration.retrierRetryCount"),
        "{err}"
    );
}

#[test]
fn test_state_reports_choice_targets_catches_and_retries() {
    let (code, v) = test_state(&["--state", "Route", "--input", r#"{"kind":"b"}"#]);
    assert_eq!(code, Some(0));
    assert_eq!(
        v,
        json!({"output": "{\"kind\":\"b\"}", "nextState": "B", "status": "SUCCEEDED"})
    );
    let gone = r#"{"errorOutput":{"error":"Gone","cause":"no such id"}}"#;
    let (code, v) = test_state(&[
        "--state",
        "Load",
        "--input",
        r#"{"id":1}"#,
        "--mock",
        gone,
        "--inspection-level",
        "DEBUG",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(v["status"], "CAUGHT_ERROR");
    assert_eq!(v["nextState"], "Broken");
    assert_eq!(
        (v["error"].clone(), v["cause"].clone()),
        (json!("Gone"), json!("no such id"))
    );
    assert_eq!(
        v["inspectionData"]["errorDetails"],
        json!({"catchIndex": 0})
    );
    assert_eq!(
        parsed(&v["output"]),
        json!({"id": 1, "error": {"Error": "Gone", "Cause": "no such id"}})
    );
    let busy = r#"{"errorOutput":{"error":"Busy","cause":"later"}}"#;
    let (_, v) = test_state(&[
        "--state",
        "Load",
        "--mock",
        busy,
        "--inspection-level",
        "TRACE",
    ]);
    assert_eq!(v["status"], "RETRIABLE");
    assert_eq!(
        v["inspectionData"]["errorDetails"],
        json!({"retryIndex": 0, "retryBackoffIntervalSeconds": 5})
    );
    assert!(
        v.get("output").is_none() && v.get("nextState").is_none(),
        "{v}"
    );
    let ok = r#"{"result":"{\"Payload\":{\"kind\":\"a\"}}"}"#;
    let (code, v) = test_state(&["--state", "Load", "--mock", ok]);
    assert_eq!(code, Some(0));
    assert_eq!(
        v,
        json!({"output": "{\"kind\":\"a\"}", "nextState": "Route", "status": "SUCCEEDED"})
    );
}

#[test]
fn test_state_answers_an_unmocked_task_from_a_handlers_file() {
    let dir = tempfile::tempdir().unwrap();
    let handlers = dir.path().join("handlers.yaml");
    // A lambda:invoke result, as Lambda answers it: the function's value under `Payload`.
    std::fs::write(
        &handlers,
        "load:\n  mock: {return: {StatusCode: 200, Payload: {kind: a}}}\n",
    )
    .unwrap();
    let handlers = handlers.to_str().unwrap();
    // Neither a mock nor a handlers file: refused as AWS refuses it.
    let (code, _) = test_state(&["--state", "Load", "--input", "{}"]);
    assert_eq!(code, Some(2));
    // The handlers file answers the call; the role is the local one.
    let (code, v) = test_state(&["--state", "Load", "--input", "{}", "--handlers", handlers]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["status"], "SUCCEEDED");
    assert_eq!(v["nextState"], "Route");
    // OutputPath `$.Payload` keeps the function's value.
    let out: Value = serde_json::from_str(v["output"].as_str().unwrap()).unwrap();
    assert_eq!(out, json!({"kind": "a"}));
}
