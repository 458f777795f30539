//! The machine's `TimeoutSeconds` inside a state: AWS ends the execution `TIMED_OUT` at its
//! deadline whatever it waits for (a Wait, a retry back-off, a Task handler, a callback), at
//! any depth, not only between states.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use nexus_engine::{
    Engine, Execution, Handler, HandlerError, Handlers, RealClock, RunOptions, TaskRequest,
    VirtualClock, handlers::HandlerFuture,
};
use serde_json::{Value, json};

const START: i64 = 1_704_067_200_000;

/// Never answers (a callback nobody sends, a hung service).
struct Hung;

impl Handler for Hung {
    fn invoke<'a>(&'a self, _req: &'a TaskRequest) -> HandlerFuture<'a> {
        Box::pin(std::future::pending())
    }
}

/// Always fails.
struct Down;

impl Handler for Down {
    fn invoke<'a>(&'a self, _req: &'a TaskRequest) -> HandlerFuture<'a> {
        Box::pin(std::future::ready(Err(HandlerError::new(
            "Svc.Down", "down",
        ))))
    }
}

fn handlers(h: impl Handler + 'static) -> Handlers {
    let mut hs = Handlers::new();
    hs.set_fallback(Arc::new(h));
    hs
}

fn run(machine: &Value, opts: RunOptions, h: &Handlers) -> Execution {
    let opts = RunOptions {
        record_history: true,
        ..opts
    };
    Engine::new(machine, opts)
        .unwrap()
        .run(json!({}), h)
        .unwrap()
}

fn virtual_opts() -> RunOptions {
    RunOptions {
        clock: Arc::new(VirtualClock::new(START)),
        ..RunOptions::default()
    }
}

fn types(e: &Execution) -> Vec<&str> {
    e.history
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect()
}

/// Checks the run timed out with `ExecutionTimedOut` as its last event, at `at_ms`.
fn timed_out_at(e: &Execution, at_ms: i64) {
    assert_eq!(e.status.as_str(), "TIMED_OUT", "{:?}", types(e));
    assert_eq!(e.error.as_deref(), Some("States.Timeout"));
    let last = e.history.last().unwrap();
    assert_eq!(last["type"], "ExecutionTimedOut");
    let want =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000).unwrap();
    let got = time::OffsetDateTime::parse(
        last["timestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(got, want, "{last}");
    // It follows the last event the run wrote.
    let ids: Vec<u64> = e
        .history
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        last["previousEventId"].as_u64(),
        ids.iter().rev().nth(1).copied()
    );
}

#[test]
fn a_wait_past_the_deadline_times_out_at_the_deadline() {
    let machine = json!({
        "TimeoutSeconds": 10,
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 60, "Next": "P"},
            "P": {"Type": "Pass", "End": true}
        }
    });
    let e = run(&machine, virtual_opts(), &Handlers::new());
    timed_out_at(&e, START + 10_000);
    assert_eq!(
        types(&e),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    );
}

#[test]
fn a_retry_back_off_past_the_deadline_times_out_at_the_deadline() {
    let machine = json!({
        "TimeoutSeconds": 30,
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 20,
                             "MaxAttempts": 5, "BackoffRate": 2}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                  "End": true},
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    let e = run(&machine, virtual_opts(), &handlers(Down));
    // Attempts at 0 s and 20 s; the next would be at 60 s: the deadline (30 s) comes first,
    // and a Catch does not catch an execution timeout.
    timed_out_at(&e, START + 30_000);
    let scheduled = types(&e)
        .iter()
        .filter(|t| t.ends_with("Scheduled"))
        .count();
    assert_eq!(scheduled, 2);
}

#[test]
fn a_deadline_inside_a_parallel_branch_or_a_map_iteration_times_the_execution_out() {
    for inner in [
        json!({"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Quick", "States": {"Quick": {"Type": "Pass", "End": true}}},
            {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 100, "End": true}}}
        ]}),
        json!({"Type": "Map", "End": true, "ItemsPath": "$.items",
               "ItemProcessor": {"StartAt": "Long", "States": {
                   "Long": {"Type": "Wait", "SecondsPath": "$", "End": true}}}}),
        json!({"Type": "Map", "End": true, "ItemsPath": "$.items",
               "ItemProcessor": {
                   "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                   "StartAt": "Long", "States": {
                   "Long": {"Type": "Wait", "SecondsPath": "$", "End": true}}}}),
    ] {
        let machine = json!({
            "TimeoutSeconds": 5,
            "StartAt": "Prep",
            "States": {
                "Prep": {"Type": "Pass", "Result": {"items": [1, 100]}, "Next": "Inner"},
                "Inner": inner
            }
        });
        let e = run(&machine, virtual_opts(), &Handlers::new());
        assert_eq!(e.status.as_str(), "TIMED_OUT", "{inner}: {:?}", types(&e));
        let last = e.history.last().unwrap();
        assert_eq!(last["type"], "ExecutionTimedOut", "{inner}");
        assert!(
            last["timestamp"]
                .as_str()
                .unwrap()
                .starts_with("2024-01-01T00:00:05"),
            "{inner}: {last}"
        );
    }
}

#[test]
fn a_task_handler_that_never_answers_times_out_on_either_clock() {
    let machine = json!({
        "TimeoutSeconds": 1,
        "StartAt": "Callback",
        "States": {
            "Callback": {"Type": "Task",
                         "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                         "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
                         "End": true}
        }
    });
    let h = handlers(Hung);
    // The virtual clock: the handler's time is real, the clock then stands at the deadline.
    let t0 = Instant::now();
    let e = run(&machine, virtual_opts(), &h);
    let took = t0.elapsed();
    timed_out_at(&e, START + 1_000);
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(
        types(&e),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "ExecutionTimedOut"
        ]
    );
    // The real clock.
    let opts = RunOptions {
        clock: Arc::new(RealClock),
        ..RunOptions::default()
    };
    let t0 = Instant::now();
    let e = run(&machine, opts, &h);
    let took = t0.elapsed();
    assert_eq!(e.status.as_str(), "TIMED_OUT");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn a_run_within_its_timeout_is_not_cut_short() {
    let machine = json!({
        "TimeoutSeconds": 10,
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 10, "Next": "P"},
            "P": {"Type": "Pass", "Result": "done", "End": true}
        }
    });
    let e = run(&machine, virtual_opts(), &Handlers::new());
    assert_eq!(e.status.as_str(), "SUCCEEDED", "{:?}", types(&e));
}

#[test]
fn a_redrive_resumed_after_a_restart_keeps_its_deadline() {
    // Real clock: the redrive's deadline counts from the redrive (its logged time), not from
    // the moment a restarted process resumes it.
    let machine = json!({
        "TimeoutSeconds": 2,
        "StartAt": "Callback",
        "States": {
            "Callback": {"Type": "Task",
                         "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                         "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
                         "End": true}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log.jsonl");
    let opts = || RunOptions {
        clock: Arc::new(RealClock),
        event_log: Some(log.clone()),
        execution_name: Some("e".into()),
        ..RunOptions::default()
    };
    let h = handlers(Hung);
    let engine = || Engine::new(&machine, opts()).unwrap();
    assert_eq!(
        engine().run(json!({}), &h).unwrap().status.as_str(),
        "TIMED_OUT"
    );
    engine().redrive().unwrap();
    // The process that redrove it died; another resumes it 1.5 s later.
    std::thread::sleep(Duration::from_millis(1500));
    let t0 = Instant::now();
    let e = engine().resume(None, &h).unwrap();
    let took = t0.elapsed();
    assert_eq!(e.status.as_str(), "TIMED_OUT");
    assert!(took < Duration::from_millis(1300), "{took:?}");
}
