//! DescribeMapRun and ListMapRuns: the Map Runs of distributed Map states, read from the
//! event logs of their executions. The parent history holds `MapStateStarted` (the item
//! count), `MapRunStarted` (the ARN) and `MapRunSucceeded`/`MapRunFailed` (chained to their
//! `MapRunStarted`); the log's `MapRunEvent` records hold the child executions' iteration
//! events, which give the item counts. A redriven execution continues the same Map Run:
//! `MapRunRedriven` (same ARN, its redrive count) starts its redrive, in which only the child
//! executions that did not succeed run again, as AWS does; a `MapRunStarted` for a known ARN
//! (the run started again whole) also counts as a redrive, with fresh counts. UpdateMapRun keeps
//! its settings in the execution's record, where the running Map Run takes them up.

use std::sync::Arc;

use nexus_engine::eventlog::{self, Entry};
use serde_json::{Value, json};

use crate::arn::{epoch, parts};
use crate::error::ApiError;
use crate::service::Service;
use crate::store::{ExecutionRecord, MapRunSettings};

/// One Map Run as its execution's log tells it.
struct Run {
    arn: String,
    label: String,
    /// Id of its (last) `MapRunStarted` event.
    started_id: u64,
    start_ms: i64,
    stop_ms: Option<i64>,
    status: &'static str,
    total: u64,
    started: u64,
    succeeded: u64,
    failed: u64,
    /// Redrives of the run (`MapRunRedriven`, or a `MapRunStarted` again).
    redrives: u64,
    /// Time of the last redrive.
    redrive_ms: Option<i64>,
}

fn ms_of(ev: &Value) -> i64 {
    ev.get("timestamp")
        .and_then(Value::as_str)
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .and_then(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok())
        .unwrap_or(0)
}

/// The label of a Map Run ARN (`mapRun:<machine>/<label>:<id>`).
fn label_of(arn: &str) -> Option<String> {
    let p = parts(arn, "mapRun").ok()?;
    let (_, label) = p.first()?.split_once('/')?;
    Some(label.to_string())
}

/// The Map Runs of an execution, in start order.
fn runs(log: &std::path::Path) -> Result<Vec<Run>, ApiError> {
    let bytes = match std::fs::read(log) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ApiError::internal(format!("{}: {e}", log.display()))),
    };
    let summary = eventlog::verify_bytes(&bytes)
        .map_err(|e| ApiError::internal(format!("{}: {e}", log.display())))?;
    let mut runs: Vec<Run> = Vec::new();
    let mut length = 0u64;
    for line in &summary.lines {
        match &line.entry {
            Entry::Event(ev) => {
                let ty = ev.get("type").and_then(Value::as_str).unwrap_or_default();
                let id = ev.get("id").and_then(Value::as_u64).unwrap_or(0);
                match ty {
                    "MapStateStarted" => {
                        length = ev
                            .pointer("/mapStateStartedEventDetails/length")
                            .and_then(Value::as_u64)
                            .unwrap_or(0);
                    }
                    "MapRunStarted" => {
                        let Some(arn) = ev
                            .pointer("/mapRunStartedEventDetails/mapRunArn")
                            .and_then(Value::as_str)
                        else {
                            continue;
                        };
                        let ms = ms_of(ev);
                        let fresh = Run {
                            arn: arn.to_string(),
                            label: label_of(arn).unwrap_or_default(),
                            started_id: id,
                            start_ms: ms,
                            stop_ms: None,
                            status: "RUNNING",
                            total: length,
                            started: 0,
                            succeeded: 0,
                            failed: 0,
                            redrives: 0,
                            redrive_ms: None,
                        };
                        match runs.iter_mut().find(|r| r.arn == arn) {
                            // Run again whole (a redrive before partial redrives were
                            // logged): the counts are the new attempt's.
                            Some(r) => {
                                let redrives = r.redrives.saturating_add(1);
                                let first = r.start_ms;
                                *r = fresh;
                                r.redrives = redrives;
                                r.redrive_ms = Some(ms);
                                r.start_ms = first;
                            }
                            None => runs.push(fresh),
                        }
                    }
                    "MapRunRedriven" => {
                        let d = ev.get("mapRunRedrivenEventDetails");
                        let arn = d.and_then(|d| d.get("mapRunArn")).and_then(Value::as_str);
                        if let Some(r) = runs.iter_mut().find(|r| Some(r.arn.as_str()) == arn) {
                            // The children that succeeded stay so; the others run again.
                            r.started = r.succeeded;
                            r.failed = 0;
                            r.started_id = id;
                            r.status = "RUNNING";
                            r.stop_ms = None;
                            r.redrives = d
                                .and_then(|d| d.get("redriveCount"))
                                .and_then(Value::as_u64)
                                .unwrap_or(r.redrives.saturating_add(1));
                            r.redrive_ms = Some(ms_of(ev));
                        }
                    }
                    "MapRunSucceeded" | "MapRunFailed" => {
                        let prev = ev.get("previousEventId").and_then(Value::as_u64);
                        if let Some(r) = runs
                            .iter_mut()
                            .rev()
                            .find(|r| Some(r.started_id) == prev && r.status == "RUNNING")
                        {
                            r.status = if ty == "MapRunSucceeded" {
                                "SUCCEEDED"
                            } else {
                                "FAILED"
                            };
                            r.stop_ms = Some(ms_of(ev));
                        }
                    }
                    "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut"
                    | "ExecutionAborted" => {
                        // The execution ended while the run was open: the run is aborted.
                        for r in runs.iter_mut().filter(|r| r.status == "RUNNING") {
                            r.status = "ABORTED";
                            r.stop_ms = Some(ms_of(ev));
                        }
                    }
                    _ => {}
                }
            }
            Entry::Record(rec) => {
                if rec.get("type").and_then(Value::as_str) != Some("MapRunEvent") {
                    continue;
                }
                let Some(ev) = rec.get("event") else { continue };
                let ty = ev.get("type").and_then(Value::as_str).unwrap_or_default();
                let key = match ty {
                    "MapIterationStarted" => "mapIterationStartedEventDetails",
                    "MapIterationSucceeded" => "mapIterationSucceededEventDetails",
                    "MapIterationFailed" => "mapIterationFailedEventDetails",
                    _ => continue,
                };
                let name = ev
                    .get(key)
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                // The open run of that Map state started last (nested runs of one label
                // cannot be told apart from the log; their counts go to the newest).
                let Some(r) = runs
                    .iter_mut()
                    .rev()
                    .find(|r| r.status == "RUNNING" && r.label == name)
                else {
                    continue;
                };
                match ty {
                    "MapIterationStarted" => r.started = r.started.saturating_add(1),
                    "MapIterationSucceeded" => r.succeeded = r.succeeded.saturating_add(1),
                    _ => r.failed = r.failed.saturating_add(1),
                }
            }
        }
    }
    Ok(runs)
}

/// The Map state named `label` anywhere in a definition.
fn find_state<'a>(states: &'a Value, label: &str) -> Option<&'a Value> {
    let map = states.as_object()?;
    if let Some(s) = map.get(label) {
        return Some(s);
    }
    map.values().find_map(|s| {
        let nested = ["ItemProcessor", "Iterator"]
            .iter()
            .filter_map(|k| s.get(*k).and_then(|p| p.get("States")))
            .chain(
                s.get("Branches")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|b| b.get("States")),
            )
            .collect::<Vec<_>>();
        nested.into_iter().find_map(|n| find_state(n, label))
    })
}

fn counts(r: &Run, results_written: bool) -> Value {
    let ended = r.succeeded.saturating_add(r.failed);
    let open = r.started.saturating_sub(ended);
    let aborted = if r.status == "ABORTED" { open } else { 0 };
    json!({
        "pending": r.total.saturating_sub(r.started),
        "running": open.saturating_sub(aborted),
        "succeeded": r.succeeded,
        "failed": r.failed,
        "timedOut": 0,
        "aborted": aborted,
        "total": r.total,
        "resultsWritten": if results_written { ended } else { 0 },
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    })
}

fn describe(r: &Run, exec_arn: &str, rec: &ExecutionRecord) -> Value {
    let updated = rec.map_runs.get(&r.arn).copied().unwrap_or_default();
    let def: Value = serde_json::from_str(&rec.definition).unwrap_or(Value::Null);
    let state = def
        .get("States")
        .and_then(|s| find_state(s, &r.label))
        .cloned()
        .unwrap_or(Value::Null);
    let results_written = state.get("ResultWriter").is_some();
    let mut out = json!({
        "mapRunArn": r.arn,
        "executionArn": exec_arn,
        "status": r.status,
        "startDate": epoch(r.start_ms),
        "maxConcurrency": updated.max_concurrency.or_else(|| state.get("MaxConcurrency").and_then(Value::as_u64)).unwrap_or(0),
        "toleratedFailurePercentage": updated.tolerated_failure_percentage.or_else(|| state.get("ToleratedFailurePercentage").and_then(Value::as_f64)).unwrap_or(0.0),
        "toleratedFailureCount": updated.tolerated_failure_count.or_else(|| state.get("ToleratedFailureCount").and_then(Value::as_u64)).unwrap_or(0),
        "itemCounts": counts(r, results_written),
        "executionCounts": counts(r, results_written),
        "redriveCount": r.redrives,
    });
    if let (Value::Object(m), Some(s)) = (&mut out, r.stop_ms) {
        m.insert("stopDate".into(), epoch(s));
    }
    if let (Value::Object(m), Some(s)) = (&mut out, r.redrive_ms) {
        m.insert("redriveDate".into(), epoch(s));
    }
    out
}

/// The Map Run an ARN names and the record of the execution that started it.
fn find(svc: &Arc<Service>, arn: &str) -> Result<(Run, ExecutionRecord), ApiError> {
    let p = parts(arn, "mapRun")?;
    let machine = p
        .first()
        .and_then(|m| m.split_once('/'))
        .map(|(m, _)| m.to_string())
        .ok_or_else(|| ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'")))?;
    for rec in svc.executions_of(&machine, |_| true) {
        let log = svc.store().log_path(&rec.machine, &rec.name);
        // Cheap test first: most logs do not name the run.
        let Ok(bytes) = std::fs::read(&log) else {
            continue;
        };
        if !bytes.windows(arn.len()).any(|w| w == arn.as_bytes()) {
            continue;
        }
        if let Some(r) = runs(&log)?.into_iter().find(|r| r.arn == arn) {
            return Ok((r, rec));
        }
    }
    Err(ApiError::new(
        "ResourceNotFound",
        format!("Resource not found: '{arn}'"),
    ))
}

/// DescribeMapRun.
pub(crate) fn describe_map_run(svc: &Arc<Service>, arn: &str) -> Result<Value, ApiError> {
    let (r, rec) = find(svc, arn)?;
    let exec_arn = svc.cfg.partition.execution(&rec.machine, &rec.name);
    Ok(describe(&r, &exec_arn, &rec))
}

/// UpdateMapRun (API reference): changes `maxConcurrency`, `toleratedFailureCount` and
/// `toleratedFailurePercentage` of a running Map Run; the run applies them from then on
/// (iterations it starts next, the failure check at its end). At least one must be given;
/// the settings are kept with the execution, so DescribeMapRun and a restarted service see them.
pub(crate) fn update_map_run(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req
        .get("mapRunArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::validation(
                "1 validation error detected: Value null at 'mapRunArn' failed to satisfy constraint: Member must not be null",
            )
        })?
        .to_string();
    let whole = |k: &str| -> Result<Option<u64>, ApiError> {
        match req.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                ApiError::validation(format!(
                    "1 validation error detected: Value '{v}' at '{k}' failed to satisfy constraint: Member must have value greater than or equal to 0"
                ))
            }),
        }
    };
    let settings = MapRunSettings {
        max_concurrency: whole("maxConcurrency")?,
        tolerated_failure_count: whole("toleratedFailureCount")?,
        tolerated_failure_percentage: match req.get("toleratedFailurePercentage") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|p| (0.0..=100.0).contains(p))
                    .ok_or_else(|| {
                        ApiError::validation(format!(
                            "1 validation error detected: Value '{v}' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100"
                        ))
                    })?,
            ),
        },
    };
    if settings == MapRunSettings::default() {
        return Err(ApiError::validation(
            "UpdateMapRun needs at least one of maxConcurrency, toleratedFailureCount and toleratedFailurePercentage",
        ));
    }
    let (run, rec) = find(svc, &arn)?;
    if run.status != "RUNNING" {
        return Err(ApiError::validation(format!(
            "Map Run '{arn}' is {}: only a running Map Run can be updated",
            run.status
        )));
    }
    let exec_arn = svc.cfg.partition.execution(&rec.machine, &rec.name);
    svc.update_execution(&exec_arn, |e| {
        let s = e.map_runs.entry(arn.clone()).or_default();
        if settings.max_concurrency.is_some() {
            s.max_concurrency = settings.max_concurrency;
        }
        if settings.tolerated_failure_count.is_some() {
            s.tolerated_failure_count = settings.tolerated_failure_count;
        }
        if settings.tolerated_failure_percentage.is_some() {
            s.tolerated_failure_percentage = settings.tolerated_failure_percentage;
        }
        Ok(())
    })?;
    Ok(json!({}))
}

/// ListMapRuns: the Map Runs an execution started, in start order.
pub(crate) fn list_map_runs(svc: &Arc<Service>, exec_arn: &str) -> Result<Vec<Value>, ApiError> {
    let rec = svc.execution(exec_arn)?;
    let log = svc.store().log_path(&rec.machine, &rec.name);
    let machine_arn = svc.cfg.partition.machine(&rec.machine);
    Ok(runs(&log)?
        .into_iter()
        .map(|r| {
            let mut v = json!({
                "executionArn": exec_arn,
                "mapRunArn": r.arn,
                "stateMachineArn": format!("{machine_arn}/{}", r.label),
                "startDate": epoch(r.start_ms),
            });
            if let (Value::Object(m), Some(s)) = (&mut v, r.stop_ms) {
                m.insert("stopDate".into(), epoch(s));
            }
            v
        })
        .collect())
}

/// The settings UpdateMapRun stored for the Map Runs of one execution, as its run asks for
/// them (the engine's [`nexus_engine::MapRunUpdates`]).
pub(crate) struct Updates {
    pub(crate) svc: std::sync::Weak<Service>,
    pub(crate) execution: String,
}

impl std::fmt::Debug for Updates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updates")
            .field("execution", &self.execution)
            .finish()
    }
}

impl nexus_engine::MapRunUpdates for Updates {
    fn map_run(&self, map_run_arn: &str) -> Option<nexus_engine::MapRunUpdate> {
        let s = self
            .svc
            .upgrade()?
            .map_run_settings(&self.execution, map_run_arn)?;
        Some(nexus_engine::MapRunUpdate {
            max_concurrency: s.max_concurrency,
            tolerated_failure_count: s.tolerated_failure_count,
            tolerated_failure_percentage: s.tolerated_failure_percentage,
        })
    }
}
