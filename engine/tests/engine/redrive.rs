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
            "Count": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount",
                                                     "execution.$": "$$.Execution"},
                      "ResultPath": "$.before", "Next": "Flaky"},
            "Flaky": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:b",
                      "Retry": [{"ErrorEquals": ["Flaky.Down"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                      "ResultPath": "$.flaky", "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount",
                                                     "execution.$": "$$.Execution"},
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
    // `$$.Execution.RedriveTime`: when the last redrive happened (the timestamp of its
    // ExecutionRedriven event).
    let last_redrive = events(&log)
        .into_iter()
        .rfind(|e| e["type"] == "ExecutionRedriven")
        .unwrap();
    assert_eq!(
        out["after"]["execution"]["RedriveTime"],
        last_redrive["timestamp"]
    );
    assert!(
        out["before"]["execution"].get("RedriveTime").is_none(),
        "no RedriveTime before a redrive: {}",
        out["before"]
    );

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

/// Answers every Task with its state name and input; fails a call whose input is listed in
/// `broken` (or whose state is, for inputs that are not listed), and logs every call as
/// `state:input`.
struct Partial {
    broken: Arc<Mutex<Vec<Value>>>,
    calls: Arc<Mutex<Vec<String>>>,
}

impl Handler for Partial {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let input = req.input.clone();
        self.calls
            .lock()
            .unwrap()
            .push(format!("{}:{}", req.state_name, input));
        let broken = self.broken.lock().unwrap();
        let out = if broken.contains(&input) || broken.contains(&json!(req.state_name)) {
            Err(HandlerError::new("Partial.Down", "down for this input"))
        } else {
            Ok(json!({"by": req.state_name, "input": input}))
        };
        Box::pin(std::future::ready(out))
    }
}

struct PartialSetup {
    handlers: Handlers,
    broken: Arc<Mutex<Vec<Value>>>,
    calls: Arc<Mutex<Vec<String>>>,
}

fn partial(broken: Vec<Value>) -> PartialSetup {
    let broken = Arc::new(Mutex::new(broken));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(Partial {
        broken: broken.clone(),
        calls: calls.clone(),
    }));
    PartialSetup {
        handlers: h,
        broken,
        calls,
    }
}

impl PartialSetup {
    fn fix(&self) {
        self.broken.lock().unwrap().clear();
    }
    /// The calls so far, sorted (concurrent branches and iterations interleave), and cleared.
    fn take_calls(&self) -> Vec<String> {
        let mut c = std::mem::take(&mut *self.calls.lock().unwrap());
        c.sort();
        c
    }
}

fn task(next: Option<&str>) -> Value {
    let mut t = json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f"});
    match next {
        Some(n) => t["Next"] = json!(n),
        None => t["End"] = json!(true),
    }
    t
}

/// Runs `machine` on `input` (it must fail), fixes the handlers, redrives and resumes.
/// Returns the calls of the first run and of the redrive, and the redriven execution.
fn fail_then_redrive(
    machine: &Value,
    input: Value,
    s: &PartialSetup,
    log: &Path,
) -> (Vec<String>, Vec<String>, nexus_engine::Execution) {
    let engine = || Engine::new(machine, opts(log)).unwrap();
    let first = engine().run(input, &s.handlers).unwrap();
    assert_eq!(first.status.as_str(), "FAILED", "{:?}", first.cause);
    let before = s.take_calls();
    s.fix();
    assert_eq!(engine().redrive().unwrap(), 1);
    let done = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{:?}", done.cause);
    (before, s.take_calls(), done)
}

#[test]
fn a_redriven_parallel_runs_only_its_failed_branch() {
    // AWS RedriveExecution: "For workflows that include an Inline Map or Parallel state,
    // RedriveExecution reschedules and redrives only the iterations and branches that failed
    // or aborted."
    let machine = json!({
        "StartAt": "Par",
        "States": {
            "Par": {"Type": "Parallel", "Next": "After", "Branches": [
                {"StartAt": "Good", "States": {"Good": task(None)}},
                {"StartAt": "Bad", "States": {"Bad": task(Some("BadToo"))
                    , "BadToo": task(None)}},
                {"StartAt": "Fine", "States": {"Fine": task(None)}}
            ]},
            "After": {"Type": "Pass", "End": true}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = partial(vec![json!("Bad")]);
    let (before, after, done) = fail_then_redrive(&machine, json!(1), &s, &log);
    // Bad's failure stopped the state before Fine started (branches run in order here).
    assert_eq!(before, ["Bad:1", "Good:1"]);
    // The branch that succeeded is not called again; the failed one runs from its start, and
    // the aborted one runs.
    assert_eq!(
        after,
        ["Bad:1", "BadToo:{\"by\":\"Bad\",\"input\":1}", "Fine:1"]
    );
    let out = done.output.unwrap();
    assert_eq!(out[0]["by"], "Good");
    assert_eq!(out[1]["by"], "BadToo");
    assert_eq!(out[2]["by"], "Fine");
    // The redriven part of the history schedules only the failed branch's Tasks.
    let evs = events(&log);
    let t = types(&evs);
    let at = t.iter().position(|x| x == "ExecutionRedriven").unwrap();
    let entered: Vec<&str> = evs[at..]
        .iter()
        .filter_map(|e| e["stateEnteredEventDetails"]["name"].as_str())
        .collect();
    assert_eq!(entered, ["Par", "Bad", "BadToo", "Fine", "After"]);
}

#[test]
fn a_redriven_inline_map_runs_only_its_failed_iterations() {
    // One failure tolerated, two happen: every iteration runs, the state fails, and the
    // redrive runs only the two that failed.
    let machine = json!({
        "StartAt": "Map",
        "States": {
            "Map": {"Type": "Map", "MaxConcurrency": 3, "ToleratedFailureCount": 1, "End": true,
                    "ItemProcessor": {"StartAt": "Work", "States": {"Work": task(None)}}}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = partial(vec![json!(3), json!(7)]);
    let items: Vec<Value> = (0..10).map(|i| json!(i)).collect();
    let (before, after, done) = fail_then_redrive(&machine, json!(items), &s, &log);
    let mut all: Vec<String> = (0..10).map(|i| format!("Work:{i}")).collect();
    all.sort();
    assert_eq!(before, all);
    assert_eq!(after, ["Work:3", "Work:7"]);
    let out = done.output.unwrap();
    let by: Vec<i64> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["input"].as_i64().unwrap())
        .collect();
    assert_eq!(
        by,
        (0..10).collect::<Vec<i64>>(),
        "results stay in item order"
    );
    // Only the re-run iterations appear after the redrive.
    let evs = events(&log);
    let at = evs
        .iter()
        .position(|e| e["type"] == "ExecutionRedriven")
        .unwrap();
    let rerun: Vec<u64> = evs[at..]
        .iter()
        .filter(|e| e["type"] == "MapIterationStarted")
        .map(|e| {
            e["mapIterationStartedEventDetails"]["index"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(rerun, [3, 7]);
}

#[test]
fn a_redrive_keeps_what_succeeded_at_any_depth_and_after_a_crash() {
    // A Parallel inside a Map iteration: item 1's second branch fails. The redrive runs only
    // that branch of that iteration.
    let machine = json!({
        "StartAt": "Map",
        "States": {
            "Map": {"Type": "Map", "MaxConcurrency": 1, "End": true,
                    "ItemProcessor": {"StartAt": "Par", "States": {
                        "Par": {"Type": "Parallel", "End": true, "Branches": [
                            {"StartAt": "A", "States": {"A": task(None)}},
                            {"StartAt": "B", "States": {"B": task(None)}}
                        ]}
                    }}}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = partial(vec![json!("B")]);
    let engine = || Engine::new(&machine, opts(&log)).unwrap();
    // Item 0 succeeds in full; item 1's B fails (its A succeeds); item 2 never starts.
    s.broken.lock().unwrap().clear();
    let first = {
        struct OnlyItemOne(PartialSetup);
        impl Handler for OnlyItemOne {
            fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
                self.0
                    .calls
                    .lock()
                    .unwrap()
                    .push(format!("{}:{}", req.state_name, req.input));
                let out = if req.state_name == "B" && req.input == json!(1) {
                    Err(HandlerError::new("Partial.Down", "item 1"))
                } else {
                    Ok(json!({"by": req.state_name, "input": req.input}))
                };
                Box::pin(std::future::ready(out))
            }
        }
        let inner = partial(vec![]);
        let calls = inner.calls.clone();
        let mut h = Handlers::new();
        h.set_fallback(Arc::new(OnlyItemOne(inner)));
        let r = engine().run(json!([0, 1, 2]), &h).unwrap();
        let mut c = calls.lock().unwrap().clone();
        c.sort();
        assert_eq!(c, ["A:0", "A:1", "B:0", "B:1"]);
        r
    };
    assert_eq!(first.status.as_str(), "FAILED");
    assert_eq!(engine().redrive().unwrap(), 1);
    let done = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{:?}", done.cause);
    assert_eq!(s.take_calls(), ["A:2", "B:1", "B:2"]);
    let want = json!([
        [{"by": "A", "input": 0}, {"by": "B", "input": 0}],
        [{"by": "A", "input": 1}, {"by": "B", "input": 1}],
        [{"by": "A", "input": 2}, {"by": "B", "input": 2}]
    ]);
    assert_eq!(done.output, Some(want.clone()));

    // Killed in the middle of the redrive (the log cut after the answer of item 1's B): the
    // resume replays what the redrive did and calls only what it had not.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let redrive_at = lines
        .iter()
        .position(|l| l.contains("\"RedriveStarted\""))
        .unwrap();
    let returned = lines
        .iter()
        .enumerate()
        .skip(redrive_at)
        .find(|(_, l)| l.contains("\"HandlerReturned\""))
        .map(|(i, _)| i)
        .unwrap();
    let kept: String = lines[..=returned]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&log, kept).unwrap();
    let again = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(again.status.as_str(), "SUCCEEDED", "{:?}", again.cause);
    assert_eq!(s.take_calls(), ["A:2", "B:2"]);
    assert_eq!(again.output, Some(want));
}

#[test]
fn a_redriven_distributed_map_redrives_its_map_run() {
    let machine = json!({
        "StartAt": "Map",
        "States": {
            "Map": {"Type": "Map", "MaxConcurrency": 1, "End": true,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Work", "States": {"Work": task(None)}}}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let s = partial(vec![json!(2)]);
    let (before, after, done) = fail_then_redrive(&machine, json!([0, 1, 2, 3, 4]), &s, &log);
    assert_eq!(before, ["Work:0", "Work:1", "Work:2"]);
    assert_eq!(after, ["Work:2", "Work:3", "Work:4"]);
    let out: Vec<i64> = done
        .output
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["input"].as_i64().unwrap())
        .collect();
    assert_eq!(out, [0, 1, 2, 3, 4]);
    // The parent history: the same Map Run, redriven once.
    let evs = events(&log);
    let started: Vec<&Value> = evs
        .iter()
        .filter(|e| e["type"] == "MapRunStarted")
        .collect();
    let redriven: Vec<&Value> = evs
        .iter()
        .filter(|e| e["type"] == "MapRunRedriven")
        .collect();
    assert_eq!(started.len(), 1);
    assert_eq!(redriven.len(), 1);
    let d = &redriven[0]["mapRunRedrivenEventDetails"];
    assert_eq!(
        d["mapRunArn"],
        started[0]["mapRunStartedEventDetails"]["mapRunArn"]
    );
    assert_eq!(d["redriveCount"], 1);
    let t = types(&evs);
    assert_eq!(t.last().map(String::as_str), Some("ExecutionSucceeded"));
    assert!(t.contains(&"MapRunSucceeded".to_string()));
}

#[test]
fn a_redrive_keeps_nothing_from_an_attempt_a_retry_replaced() {
    // Attempt 1 of the Map fails in item 1's Parallel (its A succeeds); the retry (attempt 2)
    // fails in item 0 before item 1 starts. Item 1 was aborted in the last attempt: the
    // redrive runs it whole, A included (what attempt 1 kept of it is stale).
    struct Script(Arc<Mutex<Vec<String>>>);
    impl Handler for Script {
        fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
            let call = format!("{}:{}", req.state_name, req.input);
            let mut calls = self.0.lock().unwrap();
            let seen = calls.iter().filter(|c| **c == call).count();
            calls.push(call.clone());
            let fail = match call.as_str() {
                // First attempt: item 1's B fails.
                "B:1" => seen == 0,
                // Retry: item 0's A fails (it succeeded the first time).
                "A:0" => seen == 1,
                _ => false,
            };
            let out = if fail {
                Err(HandlerError::new("Script.Fail", call))
            } else {
                Ok(json!({"by": req.state_name, "input": req.input}))
            };
            Box::pin(std::future::ready(out))
        }
    }
    let machine = json!({
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
                  "Retry": [{"ErrorEquals": ["Script.Fail"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                  "ItemProcessor": {"StartAt": "Par", "States": {
                      "Par": {"Type": "Parallel", "End": true, "Branches": [
                          {"StartAt": "A", "States": {"A": task(None)}},
                          {"StartAt": "B", "States": {"B": task(None)}}
                      ]}
                  }}}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(Script(calls.clone())));
    let engine = || Engine::new(&machine, opts(&log)).unwrap();
    let first = engine().run(json!([0, 1]), &h).unwrap();
    assert_eq!(first.status.as_str(), "FAILED", "{:?}", first.cause);
    let mut c = std::mem::take(&mut *calls.lock().unwrap());
    c.sort();
    // Attempt 1: A:0 B:0 A:1 B:1 (fails); attempt 2: A:0 (fails, B:0 never starts).
    assert_eq!(c, ["A:0", "A:0", "A:1", "B:0", "B:1"]);
    engine().redrive().unwrap();
    let s = partial(vec![]);
    let done = engine().resume(None, &s.handlers).unwrap();
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{:?}", done.cause);
    // Item 0 runs again whole (nothing of it succeeded in the last attempt), and so does
    // item 1: A:1 succeeded only in the replaced attempt.
    assert_eq!(s.take_calls(), ["A:0", "A:1", "B:0", "B:1"]);
}
