//! UpdateMapRun's settings taken up by a running distributed Map ([`MapRunUpdates`]): a
//! raised tolerated failure count lets a Map Run succeed that its own settings would fail, and
//! the change is logged, so a resumed run applies it at the same point without asking again.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use nexus_engine::eventlog;
use nexus_engine::{
    Engine, Handler, HandlerError, Handlers, MapRunUpdate, MapRunUpdates, RunOptions, TaskRequest,
    VirtualClock, handlers::HandlerFuture,
};
use serde_json::{Value, json};

/// Fails the odd items.
struct OddFails;

impl Handler for OddFails {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let out = match req.input.as_u64() {
            Some(n) if n % 2 == 1 => Err(HandlerError::new("Item.Odd", "odd item")),
            _ => Ok(json!({"ok": req.input})),
        };
        Box::pin(std::future::ready(out))
    }
}

/// Answers for every Map Run: two failures tolerated, two children at a time.
#[derive(Debug)]
struct Raised;

impl MapRunUpdates for Raised {
    fn map_run(&self, map_run_arn: &str) -> Option<MapRunUpdate> {
        assert!(map_run_arn.contains(":mapRun:m/Fan:"), "{map_run_arn}");
        Some(MapRunUpdate {
            max_concurrency: Some(2),
            tolerated_failure_count: Some(2),
            tolerated_failure_percentage: None,
        })
    }
}

fn machine() -> Value {
    json!({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {
                              "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:w", "End": true}}},
        "End": true}}})
}

fn opts(log: &Path, updates: Option<Arc<dyn MapRunUpdates>>) -> RunOptions {
    RunOptions {
        state_machine_name: "m".into(),
        execution_name: Some("e".into()),
        clock: Arc::new(VirtualClock::new(1_704_067_200_000)),
        event_log: Some(log.to_path_buf()),
        map_run_updates: updates,
        ..RunOptions::default()
    }
}

fn handlers() -> Handlers {
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(OddFails));
    h
}

#[test]
fn an_updated_tolerance_is_applied_logged_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let items = json!([1, 2, 3, 4]);

    // The Map state's own settings: the first odd item fails the run.
    let plain = dir.path().join("plain.jsonl");
    let x = Engine::new(&machine(), opts(&plain, None))
        .unwrap()
        .run(items.clone(), &handlers())
        .unwrap();
    assert_eq!(x.status.as_str(), "FAILED");

    // Updated: two failures tolerated, and the change is in the log once.
    let log = dir.path().join("updated.jsonl");
    let x = Engine::new(&machine(), opts(&log, Some(Arc::new(Raised))))
        .unwrap()
        .run(items.clone(), &handlers())
        .unwrap();
    assert_eq!(x.status.as_str(), "SUCCEEDED", "{:?}", x.cause);
    let out = x.output.unwrap();
    assert_eq!(out[1], json!({"ok": 2}));
    assert_eq!(out[0]["Error"], "Item.Odd");
    let summary = eventlog::verify(&log).unwrap();
    let updates: Vec<&Value> = summary
        .lines
        .iter()
        .filter_map(|l| match &l.entry {
            eventlog::Entry::Record(r) if r["type"] == "MapRunUpdated" => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 1, "taken up once");
    assert_eq!(updates[0]["tolerated_failure_count"], 2);
    assert_eq!(updates[0]["max_concurrency"], 2);

    // Killed before the Map Run ended: the resume (here with no UpdateMapRun source at all)
    // replays the logged change and ends the same way.
    let text = std::fs::read_to_string(&log).unwrap();
    let cut = text
        .lines()
        .position(|l| l.contains("\"MapRunSucceeded\""))
        .unwrap();
    let kept: String = text.lines().take(cut).map(|l| format!("{l}\n")).collect();
    std::fs::write(&log, kept).unwrap();
    let resumed = Engine::new(&machine(), opts(&log, None))
        .unwrap()
        .resume(None, &handlers())
        .unwrap();
    assert_eq!(resumed.status.as_str(), "SUCCEEDED", "{:?}", resumed.cause);
    assert_eq!(resumed.output.unwrap(), out);
}
