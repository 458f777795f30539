//! The limits every run is held to (`RunOptions`): state transitions, wall time and payload
//! size each end a run the way Step Functions ends it, and never hang or panic.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use nexus_engine::{Engine, ExecutionStatus, Handlers, RealClock, RunOptions};
use serde_json::json;

fn endless_loop() -> serde_json::Value {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": "A"}}})
}

#[test]
fn transition_limit_fails_an_endless_loop() {
    let opts = RunOptions {
        max_transitions: 100,
        ..RunOptions::default()
    };
    let x = Engine::new(&endless_loop(), opts)
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
    assert!(
        x.cause
            .unwrap()
            .contains("maximum number of state transitions (100)")
    );
    assert_eq!(x.transitions, 101);
}

#[test]
fn wall_time_limit_times_out_a_real_wait() {
    let def =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let opts = RunOptions {
        wall_time: Some(Duration::from_millis(50)),
        clock: Arc::new(RealClock),
        ..RunOptions::default()
    };
    // The status is the check: without the limit this run would wait an hour.
    let x = Engine::new(&def, opts)
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::TimedOut);
    assert_eq!(x.error.as_deref(), Some("States.Timeout"));
}

#[test]
fn execution_timeout_seconds_times_out_on_the_virtual_clock() {
    let def = json!({"StartAt": "W", "TimeoutSeconds": 10, "States": {
        "W": {"Type": "Wait", "Seconds": 60, "Next": "P"},
        "P": {"Type": "Pass", "End": true}}});
    let x = Engine::new(&def, RunOptions::default())
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::TimedOut);
    assert_eq!(x.error.as_deref(), Some("States.Timeout"));
}

#[test]
fn payload_limit_fails_with_data_limit_exceeded() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let opts = RunOptions {
        max_payload_bytes: 1024,
        ..RunOptions::default()
    };
    let engine = Engine::new(&def, opts).unwrap();
    let small = engine
        .run(json!({"s": "x".repeat(100)}), &Handlers::new())
        .unwrap();
    assert_eq!(small.status, ExecutionStatus::Succeeded);
    let big = engine
        .run(json!({"s": "x".repeat(2000)}), &Handlers::new())
        .unwrap();
    assert_eq!(big.status, ExecutionStatus::Failed);
    assert_eq!(big.error.as_deref(), Some("States.DataLimitExceeded"));
    // AWS's quota by default.
    assert_eq!(RunOptions::default().max_payload_bytes, 256 * 1024);
}

#[test]
fn a_deep_map_is_bounded_by_the_transition_limit() {
    // Every iteration of an inner Map counts: a wide fan-out cannot run forever either.
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "L", "States": {
            "L": {"Type": "Pass", "Next": "L2"},
            "L2": {"Type": "Pass", "Next": "L"}}},
        "End": true}}});
    let opts = RunOptions {
        max_transitions: 1000,
        ..RunOptions::default()
    };
    let x = Engine::new(&def, opts)
        .unwrap()
        .run(json!({"items": [1, 2, 3]}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
}
