//! A Distributed Map's `ResultWriter` (AWS, "ResultWriter (Map)"), run locally.
//!
//! Each child execution (one per item or batch) gives a *record*, as AWS writes it:
//! `ExecutionArn`, `Name`, `StateMachineArn`, `Input` and `Output` (JSON text, with
//! `InputDetails`/`OutputDetails` `{"Included": true}`), `Status`, `StartDate`, `StopDate`,
//! `RedriveCount`, and for a succeeded one `RedriveStatus` `NOT_REDRIVABLE`; a failed one has
//! `Error`/`Cause` instead of `Output`. `WriterConfig.Transformation` shapes what is kept:
//! - `NONE`: the records;
//! - `COMPACT`: the outputs (a failed execution keeps its record, as AWS documents);
//! - `FLATTEN`: the outputs, an array output giving its items one by one (failed: the record).
//!
//! Without a `Resource` the shaped results are the Map's result. With one, they are exported
//! through the handler or mock of the `Resource` (`s3:putObject`, called with `Bucket`, `Key`
//! and `Body`, the S3 PutObject request): under `<Prefix>/<map run id>/`, one file per status
//! that has executions, `SUCCEEDED_0.json`, `FAILED_0.json` (executions that failed) and
//! `PENDING_0.json` (items never started because the run stopped at a failure), each a JSON
//! array or, with `OutputType` `JSONL`, JSON Lines (the file name stays `.json`, as on AWS),
//! then `manifest.json` listing them (`DestinationBucket`, `MapRunArn`, `ResultFiles` with the
//! `Key` and `Size` of each file per status). The Map's result is then
//! `{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": ".../manifest.json"}}`.
//! The results are exported when the run fails too (its failure is the state's error then);
//! a write that fails is `States.ResultWriterFailed`. Writes are journaled like Task calls.
//!
//! Own choices where AWS documents nothing: a pending record holds only `Input`,
//! `InputDetails` and `Status`; a failed record has no `RedriveStatus`; child execution names
//! are UUIDs derived from the map run ARN and the index (so a replay gives the same ones).

use serde_json::{Map, Value, json};

use super::Cx;
use crate::clock::format_iso_ms;
use crate::compile::plan::{Selector, Transformation, Writer};
use crate::error::Failure;
use crate::expr::Scope;
use crate::io::to_compact;
use crate::vars::Vars;

/// One child execution of the map run.
pub(crate) struct Child {
    /// The execution's input (the item after `ItemSelector`, or the batch).
    pub(crate) input: Value,
    /// Its outcome with its start and stop times (epoch ms); `None` when it never started.
    pub(crate) outcome: Option<(Result<Value, Failure>, i64, i64)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Succeeded,
    Failed,
    Pending,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::Pending => "PENDING",
        }
    }
}

/// A UUID-shaped name from a hash of `seed` (the shape AWS gives child executions and map
/// runs), so a re-run derives the same one.
pub fn uuid_of(seed: &str) -> String {
    let h = crate::log::eventlog::sha256_hex(seed.as_bytes());
    let g = |a: usize, b: usize| h.get(a..b).unwrap_or("0");
    format!(
        "{}-{}-{}-{}-{}",
        g(0, 8),
        g(8, 12),
        g(12, 16),
        g(16, 20),
        g(20, 32)
    )
}

/// The record AWS keeps of one child execution.
fn record(run_arn: &str, index: usize, child: &Child) -> Value {
    let mut m = Map::new();
    let Some((outcome, start, stop)) = &child.outcome else {
        m.insert("Input".into(), to_compact(&child.input).into());
        m.insert("InputDetails".into(), json!({"Included": true}));
        m.insert("Status".into(), "PENDING".into());
        return Value::Object(m);
    };
    // `arn:aws:states:R:A:mapRun:M/L:ID` → the child's `...:execution:M/L:NAME`.
    let (head, tail) = run_arn.split_once(":mapRun:").unwrap_or((run_arn, ""));
    let machine = tail.rsplit_once(':').map_or(tail, |(m, _)| m);
    let name = uuid_of(&format!("{run_arn}#{index}"));
    m.insert(
        "ExecutionArn".into(),
        format!("{head}:execution:{machine}:{name}").into(),
    );
    m.insert("Input".into(), to_compact(&child.input).into());
    m.insert("InputDetails".into(), json!({"Included": true}));
    m.insert("Name".into(), name.into());
    let status = match outcome {
        Ok(out) => {
            m.insert("Output".into(), to_compact(out).into());
            m.insert("OutputDetails".into(), json!({"Included": true}));
            Status::Succeeded
        }
        Err(f) => {
            if let Value::Object(e) = f.error_output() {
                m.extend(e);
            }
            Status::Failed
        }
    };
    m.insert("RedriveCount".into(), 0.into());
    if status == Status::Succeeded {
        m.insert("RedriveStatus".into(), "NOT_REDRIVABLE".into());
        m.insert(
            "RedriveStatusReason".into(),
            "Execution is SUCCEEDED and cannot be redriven".into(),
        );
    }
    m.insert("StartDate".into(), format_iso_ms(*start).into());
    m.insert(
        "StateMachineArn".into(),
        format!("{head}:stateMachine:{machine}").into(),
    );
    m.insert("Status".into(), status.name().into());
    m.insert("StopDate".into(), format_iso_ms(*stop).into());
    // AWS writes the fields in alphabetical order (`Cause` and `Error` first).
    m.sort_keys();
    Value::Object(m)
}

fn status_of(child: &Child) -> Status {
    match &child.outcome {
        None => Status::Pending,
        Some((Ok(_), _, _)) => Status::Succeeded,
        Some((Err(_), _, _)) => Status::Failed,
    }
}

/// Appends what `Transformation` keeps of child execution `index` (its record is built only
/// when kept).
fn shape(t: Transformation, run_arn: &str, index: usize, child: &Child, out: &mut Vec<Value>) {
    match (&child.outcome, t) {
        (Some((Ok(v), _, _)), Transformation::Compact) => out.push(v.clone()),
        (Some((Ok(Value::Array(items)), _, _)), Transformation::Flatten) => {
            out.extend(items.iter().cloned());
        }
        (Some((Ok(v), _, _)), Transformation::Flatten) => out.push(v.clone()),
        _ => out.push(record(run_arn, index, child)),
    }
}

/// The Map's result from its child executions: the shaped results, or (exporting) where
/// they were written.
pub(crate) async fn finish(
    cx: &Cx<'_>,
    w: &Writer,
    run_arn: &str,
    children: &[Child],
    scope: &Scope<'_>,
    raw: &Value,
    vars: &Vars,
) -> Result<Value, Failure> {
    let Some((resource, params)) = &w.export else {
        // Not exported: the results in item order (a run that stopped early has failed, and
        // its output is not used).
        let mut all = Vec::new();
        for (i, c) in children.iter().enumerate() {
            if status_of(c) != Status::Pending {
                shape(w.transformation, run_arn, i, c, &mut all);
            }
        }
        return Ok(Value::Array(all));
    };
    let mut shaped: [Vec<Value>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (i, c) in children.iter().enumerate() {
        let slot = match status_of(c) {
            Status::Succeeded => 0,
            Status::Failed => 1,
            Status::Pending => 2,
        };
        if let Some(v) = shaped.get_mut(slot) {
            shape(w.transformation, run_arn, i, c, v);
        }
    }
    let params = match params {
        Selector::JsonPath(t) => t.eval(scope)?,
        Selector::Jsonata(t) => t.eval(&cx.jenv(vars, raw, scope.context, None, None))?,
    };
    let bucket = match params.get("Bucket") {
        Some(Value::String(b)) => b.clone(),
        other => {
            return Err(crate::catalogue::result_writer_failed(&format!(
                "Bucket must be a string, but was {}",
                other.map_or_else(|| String::from("missing"), to_compact)
            )));
        }
    };
    let prefix = match params.get("Prefix") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(p)) => p.trim_end_matches('/').to_string(),
        Some(other) => {
            return Err(crate::catalogue::result_writer_failed(&format!(
                "Prefix must be a string, but was {}",
                to_compact(other)
            )));
        }
    };
    let run_id = run_arn.rsplit(':').next().unwrap_or(run_arn);
    let dir = if prefix.is_empty() {
        run_id.to_string()
    } else {
        format!("{prefix}/{run_id}")
    };
    // The manifest lists the statuses in AWS's (alphabetical) order.
    let mut files = Map::new();
    for s in ["FAILED", "PENDING", "SUCCEEDED"] {
        files.insert(s.into(), Value::Array(Vec::new()));
    }
    for (slot, status) in [Status::Succeeded, Status::Failed, Status::Pending]
        .into_iter()
        .enumerate()
    {
        let mut listed = Vec::new();
        let values = shaped.get(slot).map(Vec::as_slice).unwrap_or_default();
        if !values.is_empty() {
            let body = if w.jsonl {
                values
                    .iter()
                    .map(|v| format!("{}\n", to_compact(v)))
                    .collect::<String>()
            } else {
                to_compact(&Value::Array(values.to_vec()))
            };
            let key = format!("{dir}/{}_0.json", status.name());
            let size = body.len();
            put(cx, resource, &bucket, &key, body).await?;
            listed.push(json!({"Key": key, "Size": size}));
        }
        files.insert(status.name().into(), Value::Array(listed));
    }
    let manifest = json!({
        "DestinationBucket": bucket,
        "MapRunArn": run_arn,
        "ResultFiles": files,
    });
    let key = format!("{dir}/manifest.json");
    put(cx, resource, &bucket, &key, to_compact(&manifest)).await?;
    Ok(json!({
        "MapRunArn": run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": key},
    }))
}

/// One `PutObject` through the writer's handler.
async fn put(
    cx: &Cx<'_>,
    resource: &str,
    bucket: &str,
    key: &str,
    body: String,
) -> Result<(), Failure> {
    let input = json!({"Bucket": bucket, "Key": key, "Body": body});
    super::resource_call::call(cx, resource, input)
        .await
        .map(|_| ())
        .map_err(|e| {
            crate::catalogue::result_writer_failed(&match e.cause {
                Some(c) => format!("{}: {c}", e.error),
                None => e.error,
            })
        })
}
