//! Redriving an execution that ended FAILED, TIMED_OUT or ABORTED (AWS RedriveExecution):
//! the log is cut at the unsuccessful state, the states before it are replayed without
//! calling their handlers, the unsuccessful one runs again (retries counted afresh), and the
//! history goes on after `ExecutionRedriven` with ids that follow the logged ones.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use nexus_engine::eventlog;
use nexus_engine::{
    Engine, Handler, HandlerError, Handlers, LogError, RunError, RunOptions, TaskRequest,
    VirtualClock, handlers::HandlerFuture,
};
use serde_json::{Value, json};

/// Answers every Task with its state name; the state `Flaky` fails while `broken` is set.
struct Flaky {
    broken: Arc<AtomicBool>,
    calls: Arc<Mutex<Vec<String>>>,
}

impl Handler for Flaky {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        self.calls.lock().unwrap().push(req.state_name.clone());
        let out = if req.state_name == "Flaky" && self.broken.load(Ordering::SeqCst) {
            Err(HandlerError::new("Flaky.Down", "the service is down"))
        } else {
            Ok(json!({"by": req.state_name, "input": req.input}))
        };
        Box::pin(std::future::ready(out))
    }
}

struct Setup {
    handlers: Handlers,
    broken: Arc<AtomicBool>,
    calls: Arc<Mutex<Vec<String>>>,
}

fn setup() -> Setup {
    let broken = Arc::new(AtomicBool::new(true));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(Flaky {
        broken: broken.clone(),
        calls: calls.clone(),
    }));
    Setup {
        handlers: h,
        broken,
        calls,
    }
}

fn opts(log: &Path) -> RunOptions {
    RunOptions {
        execution_name: Some("exec-1".into()),
        clock: Arc::new(VirtualClock::new(1_704_067_200_000)),
        event_log: Some(log.to_path_buf()),
        seed: 7,
        ..RunOptions::default()
    }
}

fn machine() -> Value {
    json!({
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:a",
                      "ResultPath": "$.first", "Next": "Count"},
            "Count": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount"},
                      "ResultPath": "$.before", "Next": "Flaky"},
            "Flaky": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:b",
                      "Retry": [{"ErrorEquals": ["Flaky.Down"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                      "ResultPath": "$.flaky", "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount"},
                      "ResultPath": "$.after", "End": true}
        }
    })
}

fn events(log: &Path) -> Vec<Value> {
    eventlog::verify(log).unwrap().events().cloned().collect()
}

fn types(evs: &[Value]) -> Vec<String> {
    evs.iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_failed_execution_goes_on_from_its_failed_state() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = setup();
    // A fresh engine (and virtual clock) per process, as after a restart.
    let engine = || Engine::new(&machine(), opts(&log)).unwrap();
    let first = engine().run(json!({"n": 1}), &s.handlers).unwrap();
    assert_eq!(first.status.as_str(), "FAILED");
    assert_eq!(first.error.as_deref(), Some("Flaky.Down"));
    // First, then Flaky twice (one retry).
    assert_eq!(*s.calls.lock().unwrap(), ["First", "Flaky", "Flaky"]);
    let failed_events = events(&log);
    let last_id = failed_events.last().unwrap()["id"].as_u64().unwrap();

    // Still failing: the redrive runs Flaky again with a fresh retry count, and fails.
    s.calls.lock().unwrap().clear();
    assert_eq!(engine().redrive().unwrap(), 1);
    let again = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(again.status.as_str(), "FAILED");
    assert_eq!(*s.calls.lock().unwrap(), ["Flaky", "Flaky"]);

    // Fixed: the second redrive succeeds; First is never called again.
    s.broken.store(false, Ordering::SeqCst);
    s.calls.lock().unwrap().clear();
    assert_eq!(engine().redrive().unwrap(), 2);
    let done = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{:?}", done.cause);
    assert_eq!(*s.calls.lock().unwrap(), ["Flaky"]);
    let out = done.output.unwrap();
    assert_eq!(out["first"]["by"], "First");
    assert_eq!(out["flaky"]["by"], "Flaky");
    // States before the cut saw the redrive count of their time, the ones after the last.
    assert_eq!(out["before"]["redrives"], 0);
    assert_eq!(out["after"]["redrives"], 2);

    // The history keeps every attempt; ids go on after each ExecutionRedriven.
    let evs = events(&log);
    assert_eq!(
        evs.get(..failed_events.len()),
        Some(failed_events.as_slice())
    );
    let ids: Vec<u64> = evs.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    let want: Vec<u64> = (1..=ids.len() as u64).collect();
    assert_eq!(ids, want, "ids are consecutive: {:?}", types(&evs));
    let redriven: Vec<&Value> = evs
        .iter()
        .filter(|e| e["type"] == "ExecutionRedriven")
        .collect();
    assert_eq!(redriven.len(), 2);
    assert_eq!(redriven[0]["id"].as_u64(), Some(last_id + 1));
    assert_eq!(
        redriven[1]["executionRedrivenEventDetails"]["redriveCount"],
        2
    );
    let t = types(&evs);
    let after_first = t.iter().position(|x| x == "ExecutionRedriven").unwrap();
    assert_eq!(t[after_first + 1], "TaskStateEntered");
    assert_eq!(
        evs[after_first + 1]["stateEnteredEventDetails"]["name"],
        "Flaky"
    );
    assert_eq!(t.last().map(String::as_str), Some("ExecutionSucceeded"));
    for e in &evs {
        assert!(e["previousEventId"].as_u64().unwrap() < e["id"].as_u64().unwrap());
    }
}

#[test]
fn a_succeeded_execution_cannot_be_redriven() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = setup();
    s.broken.store(false, Ordering::SeqCst);
    // A fresh engine (and virtual clock) per process, as after a restart.
    let engine = || Engine::new(&machine(), opts(&log)).unwrap();
    assert_eq!(
        engine()
            .run(json!({}), &s.handlers)
            .unwrap()
            .status
            .as_str(),
        "SUCCEEDED"
    );
    let e = engine().redrive().unwrap_err();
    assert!(
        matches!(
            &e,
            RunError::Log {
                source: LogError::NotRedrivable { status, .. },
                ..
            } if status == "SUCCEEDED"
        ),
        "{e}"
    );
}

#[test]
fn a_redrive_interrupted_by_a_crash_resumes_as_a_redrive() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = setup();
    // A fresh engine (and virtual clock) per process, as after a restart.
    let engine = || Engine::new(&machine(), opts(&log)).unwrap();
    assert_eq!(
        engine()
            .run(json!({}), &s.handlers)
            .unwrap()
            .status
            .as_str(),
        "FAILED"
    );
    engine().redrive().unwrap();
    // Killed right after the redrive was logged: the resume after the restart runs it.
    s.broken.store(false, Ordering::SeqCst);
    let done = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(done.status.as_str(), "SUCCEEDED");
    // Once ended, a resume finds nothing to do, and a new redrive is refused.
    assert!(matches!(
        engine().resume(None, &s.handlers),
        Err(RunError::Log {
            source: LogError::Finished { .. },
            ..
        })
    ));
    assert!(engine().redrive().is_err());
}

#[test]
fn a_timed_out_execution_gets_its_whole_timeout_again_when_redriven() {
    // AWS "Redriving executions": the state machine level timeout is reset to 0 by a redrive.
    // 15 s allowed; the two Waits take 20 s, so the first attempt times out after `Second`;
    // the redrive runs `Second` again (10 s) within a fresh 15 s.
    let machine = json!({
        "TimeoutSeconds": 15,
        "StartAt": "First",
        "States": {
            "First": {"Type": "Wait", "Seconds": 10, "Next": "Second"},
            "Second": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
            "Done": {"Type": "Pass", "Result": "done", "End": true}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = setup();
    let engine = || Engine::new(&machine, opts(&log)).unwrap();
    let first = engine().run(json!({}), &s.handlers).unwrap();
    assert_eq!(first.status.as_str(), "TIMED_OUT");
    assert_eq!(engine().redrive().unwrap(), 1);
    let done = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{:?}", done.cause);
    assert_eq!(done.output, Some(json!("done")));
    let t = types(&events(&log));
    let redriven = t.iter().position(|x| x == "ExecutionRedriven").unwrap();
    assert_eq!(t[redriven - 1], "ExecutionTimedOut");
    assert_eq!(
        t.iter().filter(|x| *x == "WaitStateEntered").count(),
        3,
        "First once, Second in both attempts: {t:?}"
    );

    // The reset is a fresh budget, not none: a redriven run that is too slow times out again.
    let slow = json!({
        "TimeoutSeconds": 5,
        "StartAt": "Long",
        "States": {
            "Long": {"Type": "Wait", "Seconds": 10, "Next": "After"},
            "After": {"Type": "Pass", "End": true}
        }
    });
    let log2 = dir.path().join("slow.log.jsonl");
    let engine = || Engine::new(&slow, opts(&log2)).unwrap();
    assert_eq!(
        engine()
            .run(json!({}), &s.handlers)
            .unwrap()
            .status
            .as_str(),
        "TIMED_OUT"
    );
    engine().redrive().unwrap();
    assert_eq!(
        engine().resume(None, &s.handlers).unwrap().status.as_str(),
        "TIMED_OUT"
    );
}
