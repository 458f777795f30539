//! End-to-end tests of `nexus run`: handlers (exec, http, mock), mock configurations, the
//! virtual clock, the history file, NEXUS compensations and exit codes. Every file a test
//! writes lives in its own temporary folder, removed when the test ends.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn json_out(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap()
}

const ONE_TASK: &str = r#"{
  "StartAt": "Greet",
  "States": {
    "Greet": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "greet", "Payload.$": "$"},
      "OutputPath": "$.Payload",
      "End": true
    }
  }
}"#;

#[cfg(unix)]
#[test]
fn exec_handler_runs_a_program_with_json_in_and_out() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Reads the task input (the lambda:invoke parameters) and answers a Lambda-shaped result.
    let script = write(
        dir.path(),
        "greet.sh",
        "#!/bin/sh\nread input\nprintf '{\"Payload\": {\"seen\": %s}}' \"$input\"\n",
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let wf = write(dir.path(), "one.asl.json", ONE_TASK);
    let handlers = write(
        dir.path(),
        "handlers.yaml",
        "greet:\n  exec: [./greet.sh]\n",
    );
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .args([
            "--input",
            r#"{"who":"ada"}"#,
            "--format",
            "json",
            "--handlers",
        ])
        .arg(&handlers)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out),
        json!({"status": "SUCCEEDED", "output": {"seen": {"FunctionName": "greet", "Payload": {"who": "ada"}}}})
    );
}

#[cfg(unix)]
#[test]
fn exec_handler_failures_are_task_errors() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let error = write(
        dir.path(),
        "error.sh",
        "#!/bin/sh\necho '{\"error\": \"Greeting.Refused\", \"cause\": \"not today\"}'\n",
    );
    let crash = write(dir.path(), "crash.sh", "#!/bin/sh\necho oops >&2\nexit 3\n");
    for p in [&error, &crash] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let wf = write(dir.path(), "one.asl.json", ONE_TASK);
    for (script, want_error, want_cause) in [
        ("./error.sh", "Greeting.Refused", "not today"),
        ("./crash.sh", "States.TaskFailed", "oops"),
    ] {
        let handlers = write(
            dir.path(),
            "handlers.yaml",
            &format!("greet:\n  exec: [{script}]\n"),
        );
        let out = nexus()
            .arg("run")
            .arg(&wf)
            .args(["--format", "json", "--handlers"])
            .arg(&handlers)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let v = json_out(&out);
        assert_eq!(v["status"], "FAILED");
        assert_eq!(v["error"], want_error);
        assert!(v["cause"].as_str().unwrap().contains(want_cause), "{v}");
    }
}

/// Answers `n` POSTs with `{"Payload": <request body>}`; returns the port.
fn serve(n: usize) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for stream in listener.incoming().take(n) {
            let mut stream = stream.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as many body bytes as Content-Length says.
            let (head, body_start) = loop {
                let k = stream.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..k]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&buf[..i]).to_string(), i + 4);
                }
            };
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            while buf.len() < body_start + len {
                let k = stream.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..k]);
            }
            let body = String::from_utf8_lossy(&buf[body_start..body_start + len]).to_string();
            seen.push(format!("{}\n{body}", head.lines().next().unwrap()));
            let reply = format!("{{\"Payload\": {body}}}");
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            )
            .unwrap();
        }
        seen
    });
    (port, handle)
}

#[test]
fn http_handler_posts_the_task_input() {
    let dir = tempfile::tempdir().unwrap();
    let (port, server) = serve(1);
    let wf = write(dir.path(), "one.asl.json", ONE_TASK);
    let handlers = write(
        dir.path(),
        "handlers.json",
        &format!(r#"{{"greet": {{"http": "http://127.0.0.1:{port}/greet"}}}}"#),
    );
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .args(["--input", r#"{"n":1}"#, "-f", "json", "--handlers"])
        .arg(&handlers)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out)["output"],
        json!({"FunctionName": "greet", "Payload": {"n": 1}})
    );
    let seen = server.join().unwrap();
    assert!(seen[0].starts_with("POST /greet HTTP/1.1"), "{seen:?}");
}

#[test]
fn mock_config_answers_per_invocation_and_retries_use_them() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "retry.asl.json",
        r#"{"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "flaky"},
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 3}],
            "ResultSelector": {"status.$": "$.Payload.status"},
            "End": true}}}"#,
    );
    let mock = write(
        dir.path(),
        "mock.json",
        r#"{"StateMachines": {"retry": {"TestCases": {"Flaky": {"Call": "flaky"}}}},
            "MockedResponses": {"flaky": {
              "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
              "2": {"Return": {"StatusCode": 200, "Payload": {"status": "ok"}}}}}}"#,
    );
    let history = dir.path().join("history.json");
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .args(["-f", "json", "--test-case", "Flaky", "--mock-config"])
        .arg(&mock)
        .arg("--history")
        .arg(&history)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out),
        json!({"status": "SUCCEEDED", "output": {"status": "ok"}})
    );
    let events: Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.iter().filter(|t| **t == "TaskFailed").count(), 2);
    assert_eq!(types.first(), Some(&"ExecutionStarted"));
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"));
    // An unknown test case is a usage error.
    nexus()
        .arg("run")
        .arg(&wf)
        .args(["--test-case", "Nope", "--mock-config"])
        .arg(&mock)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no test case `Nope`"));
}

#[test]
fn virtual_clock_makes_a_year_long_wait_instant() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "wait.asl.json",
        r#"{"StartAt": "Year", "States": {
            "Year": {"Type": "Wait", "Seconds": 31536000, "Next": "When"},
            "When": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime", "started.$": "$$.Execution.StartTime"}, "End": true}}}"#,
    );
    let history = dir.path().join("h.json");
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .args(["-f", "json", "--history"])
        .arg(&history)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_out(&out);
    let year = |k: &str| {
        v["output"][k].as_str().unwrap()[..4]
            .parse::<i32>()
            .unwrap()
    };
    // A year of virtual time passed between the start and the Pass state.
    let (s, e) = (year("started"), year("entered"));
    assert!(e == s + 1, "{v}");
    let events: Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "WaitStateExited")
    );
}

#[test]
fn nexus_compensations_run_in_reverse_then_the_error_stands() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "saga.nexus.yaml",
        r#"version: "1.0"
name: saga
states:
  - name: Reserve
    action: reserve
    next: Charge
    on_failure:
      compensate: release
  - name: Charge
    action: charge
    next: Ship
    on_failure:
      compensate: refund
  - name: Ship
    action: ship
    end: true
"#,
    );
    let handlers = write(
        dir.path(),
        "handlers.yaml",
        r#"reserve: {mock: {return: {Payload: {reserved: true}}}}
charge: {mock: {return: {Payload: {charged: true}}}}
ship: {mock: {throw: {error: Ship.NoTruck, cause: all trucks out}}}
release: {mock: {return: {}}}
refund: {mock: {return: {}}}
"#,
    );
    let history = dir.path().join("h.json");
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .args(["-f", "json", "--handlers"])
        .arg(&handlers)
        .arg("--history")
        .arg(&history)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out),
        json!({"status": "FAILED", "error": "Ship.NoTruck", "cause": "all trucks out"})
    );
    let events: Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let entered: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "TaskStateEntered")
        .map(|e| e["stateEnteredEventDetails"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        entered,
        [
            "Reserve",
            "Charge",
            "Ship",
            "Compensate_Charge",
            "Compensate_Reserve"
        ]
    );
    // Each compensation sees the input and result of the step it undoes, and the error.
    let comp_input = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["stateEnteredEventDetails"]["name"] == "Compensate_Charge")
        .map(|e| {
            e["stateEnteredEventDetails"]["input"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    let comp_input: Value = serde_json::from_str(&comp_input).unwrap();
    assert_eq!(comp_input["input"], json!({"reserved": true}));
    assert_eq!(comp_input["result"], json!({"charged": true}));
    assert_eq!(comp_input["error"]["Error"], "Ship.NoTruck");
}

#[test]
fn failed_compensations_are_named_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "saga.nexus.yaml",
        r#"version: "1.0"
name: saga
states:
  - name: Charge
    action: charge
    next: Ship
    on_failure:
      compensate: refund
  - name: Ship
    action: ship
    end: true
"#,
    );
    let handlers = write(
        dir.path(),
        "handlers.yaml",
        r#"charge: {mock: {return: {Payload: {charged: true}}}}
ship: {mock: {throw: {error: Ship.NoTruck, cause: all trucks out}}}
refund: {mock: {throw: {error: Refund.Down, cause: bank closed}}}
"#,
    );
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .args(["-f", "json", "--handlers"])
        .arg(&handlers)
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let v = json_out(&out);
    assert_eq!(v["error"], "Nexus.CompensationFailed");
    let cause: Value = serde_json::from_str(v["cause"].as_str().unwrap()).unwrap();
    assert_eq!(
        cause,
        json!({"error": {"Error": "Ship.NoTruck", "Cause": "all trucks out"},
               "failed": [{"state": "Charge", "action": "refund",
                           "Error": "Refund.Down", "Cause": "bank closed"}]})
    );
}

#[test]
fn a_task_without_handler_names_its_action() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(dir.path(), "one.asl.json", ONE_TASK);
    nexus()
        .arg("run")
        .arg(&wf)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAILED"))
        .stdout(predicate::str::contains("No handler for action 'greet'"));
}

#[test]
fn invalid_definitions_and_inputs_exit_two_without_running() {
    let dir = tempfile::tempdir().unwrap();
    nexus()
        .args([
            "run",
            "fixtures/invalid/NX103-dangling-transition/dangling-next.asl.json",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("NX103"))
        .stderr(predicate::str::contains("not running it"));
    let wf = write(
        dir.path(),
        "pass.asl.json",
        r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
    );
    nexus()
        .arg("run")
        .arg(&wf)
        .args(["--input", "{not json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--input is not JSON"));
    let bad_handlers = write(dir.path(), "h.yaml", "greet: {shell: 'rm -rf /'}\n");
    nexus()
        .arg("run")
        .arg(&wf)
        .arg("--handlers")
        .arg(&bad_handlers)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("handler `greet`"));
}

#[test]
fn fail_states_exit_one_and_human_output_shows_error_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "fail.asl.json",
        r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "because"}}}"#,
    );
    nexus()
        .arg("run")
        .arg(&wf)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAILED after 1 state transition"))
        .stdout(predicate::str::contains("error: Nope"))
        .stdout(predicate::str::contains("cause: because"));
}

#[test]
fn input_file_and_succeeded_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.json", r#"{"a": [1, 2, 3]}"#);
    let wf = write(
        dir.path(),
        "sum.asl.json",
        r#"{"StartAt": "S", "States": {"S": {"Type": "Pass",
            "Parameters": {"n.$": "States.ArrayLength($.a)"}, "End": true}}}"#,
    );
    let out = nexus()
        .arg("run")
        .arg(&wf)
        .arg("--input-file")
        .arg(&input)
        .args(["-f", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out),
        json!({"status": "SUCCEEDED", "output": {"n": 3}})
    );
}

/// The example of README.md's "Local execution" section.
#[test]
fn readme_example_runs() {
    nexus()
        .args([
            "run",
            "fixtures/valid/nexus/payment-reconciliation.nexus.yaml",
            "--handlers",
            "fixtures/engine/payment-handlers.yaml",
            "--input",
            r#"{"user":"ada","amount":25}"#,
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "SUCCEEDED after 4 state transitions",
        ))
        .stdout(predicate::str::contains(r#""logged": true"#));
    nexus()
        .args([
            "run",
            "fixtures/valid/nexus/payment-reconciliation.nexus.yaml",
            "--handlers",
            "fixtures/engine/payment-handlers-log-down.yaml",
            "--input",
            r#"{"user":"ada","amount":25}"#,
            "-f",
            "json",
        ])
        .assert()
        .code(1)
        .stdout("{\"status\":\"FAILED\",\"error\":\"PaymentRejected\"}\n");
}

/// Four Lambda tasks a → b → c → d, each answered by `step.sh NAME`, which appends NAME to
/// `calls.txt`; the first time `c` runs it kills nexus (its parent) with SIGKILL.
#[cfg(unix)]
fn killable_chain(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let script = write(
        dir,
        "step.sh",
        "#!/bin/sh\ncat > /dev/null\necho \"$1\" >> calls.txt\n\
         if [ \"$1\" = c ] && [ ! -e killed ]; then touch killed; kill -9 $PPID; sleep 2; fi\n\
         printf '{\"Payload\": {\"%s\": true}}' \"$1\"\n",
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let names = ["a", "b", "c", "d"];
    let mut states = serde_json::Map::new();
    for (i, n) in names.iter().enumerate() {
        let mut s = json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": n, "Payload.$": "$"},
            "ResultSelector": {"v.$": "$.Payload"},
            "ResultPath": format!("$.{n}"),
        });
        match names.get(i + 1) {
            Some(next) => s["Next"] = json!(next),
            None => s["End"] = json!(true),
        }
        states.insert(n.to_string(), s);
    }
    let wf = write(
        dir,
        "chain.asl.json",
        &json!({"StartAt": "a", "States": states}).to_string(),
    );
    let handlers = write(
        dir,
        "handlers.yaml",
        &names
            .iter()
            .map(|n| format!("{n}:\n  exec: [./step.sh, {n}]\n"))
            .collect::<String>(),
    );
    (wf, handlers)
}

#[cfg(unix)]
#[test]
fn a_killed_run_resumes_from_its_event_log_without_rerunning_finished_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let (wf, handlers) = killable_chain(dir.path());
    let log = dir.path().join("run.log.jsonl");
    let run = || {
        let mut c = nexus();
        c.arg("run")
            .arg(&wf)
            .arg("--handlers")
            .arg(&handlers)
            .arg("--event-log")
            .arg(&log)
            .args(["-f", "json"]);
        c
    };
    // The process dies (SIGKILL) while task c runs.
    let killed = run().args(["--input", r#"{"order":7}"#]).output().unwrap();
    assert!(!killed.status.success());
    let calls = || std::fs::read_to_string(dir.path().join("calls.txt")).unwrap();
    assert_eq!(calls(), "a\nb\nc\n");
    let out = run()
        .arg("--resume")
        .assert()
        .success()
        .stderr(predicate::str::contains("2 task results reused"))
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out),
        json!({"status": "SUCCEEDED", "output": {"order": 7,
            "a": {"v": {"a": true}}, "b": {"v": {"b": true}},
            "c": {"v": {"c": true}}, "d": {"v": {"d": true}}}})
    );
    // a and b ran once; c, interrupted, ran again (at-least-once); then d.
    assert_eq!(calls(), "a\nb\nc\nc\nd\n");
    // Resuming a finished execution is an error, and so is starting a new one over an
    // unfinished log (checked in the engine tests); the log verifies.
    run()
        .arg("--resume")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already ended SUCCEEDED"));
    assert_eq!(calls(), "a\nb\nc\nc\nd\n");
}

#[cfg(unix)]
#[test]
fn a_tampered_or_foreign_event_log_is_refused_with_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let (wf, handlers) = killable_chain(dir.path());
    let log = dir.path().join("run.log.jsonl");
    let killed = nexus()
        .arg("run")
        .arg(&wf)
        .arg("--handlers")
        .arg(&handlers)
        .arg("--event-log")
        .arg(&log)
        .output()
        .unwrap();
    assert!(!killed.status.success());
    // Another definition.
    let other = write(
        dir.path(),
        "other.asl.json",
        r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
    );
    nexus()
        .arg("run")
        .arg(&other)
        .arg("--event-log")
        .arg(&log)
        .arg("--resume")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("another definition"));
    // An edited entry: the error names its line.
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("TaskSucceeded"))
        .unwrap();
    let edited: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == line {
                l.replacen("\\\"a\\\":true", "\\\"a\\\":false", 1)
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    assert_ne!(edited, text);
    std::fs::write(&log, edited).unwrap();
    nexus()
        .arg("run")
        .arg(&wf)
        .arg("--handlers")
        .arg(&handlers)
        .arg("--event-log")
        .arg(&log)
        .arg("--resume")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "line {} (event",
            line + 1
        )))
        .stderr(predicate::str::contains("the log was altered"));
    // --resume needs a log.
    nexus().arg("run").arg(&wf).arg("--resume").assert().code(2);
}

#[test]
fn history_is_streamed_in_id_order_pretty_printed_and_kept_for_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    // Two branches run concurrently: their events still reach the file in id order.
    let wf = write(
        dir.path(),
        "par.asl.json",
        r#"{"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "Boom", "Branches": [
              {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
              {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "End": true}}}]},
            "Boom": {"Type": "Fail", "Error": "Broke", "Cause": "on purpose"}}}"#,
    );
    let history = dir.path().join("h.json");
    nexus()
        .arg("run")
        .arg(&wf)
        .arg("--history")
        .arg(&history)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&history).unwrap();
    let events: Vec<Value> = serde_json::from_str(&text).unwrap();
    // Byte for byte what printing the whole array at once gives.
    assert_eq!(text, serde_json::to_string_pretty(&events).unwrap() + "\n");
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    assert_eq!(events.last().unwrap()["type"], "ExecutionFailed");
    // A refused path is refused before anything runs, and the file is left as it was.
    nexus()
        .arg("run")
        .arg(&wf)
        .arg("--history")
        .arg(&history)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("refusing to overwrite"));
    assert_eq!(std::fs::read_to_string(&history).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "a temporary was left"
    );
}
