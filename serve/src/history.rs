//! Execution histories read from the event logs: GetExecutionHistory (with pagination,
//! `reverseOrder`, `includeExecutionData`), the outcome of a run that ended unrecorded, and
//! the `ExecutionAborted` event StopExecution appends.

use std::path::Path;

use nexus_engine::eventlog::{self, EventLogWriter};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::service::Outcome;

/// The history events of the (only) execution in a log; none when the log does not exist
/// yet (an execution whose first entry is not written).
pub fn events(log: &Path) -> Result<Vec<Value>, ApiError> {
    let bytes = match std::fs::read(log) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ApiError::internal(format!("{}: {e}", log.display()))),
    };
    let summary = eventlog::verify_bytes(&bytes)
        .map_err(|e| ApiError::internal(format!("{}: {e}", log.display())))?;
    Ok(summary.events().cloned().collect())
}

/// How the execution in a log ended, from its terminal event.
pub(crate) fn outcome(log: &Path) -> Option<Outcome> {
    let evs = events(log).ok()?;
    let last = evs.iter().rev().find(|e| {
        matches!(
            e.get("type").and_then(Value::as_str),
            Some(
                "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted"
            )
        )
    })?;
    let ty = last.get("type").and_then(Value::as_str)?;
    let details = |k: &str| last.get(k).cloned().unwrap_or(Value::Null);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let (status, d) = match ty {
        "ExecutionSucceeded" => ("SUCCEEDED", details("executionSucceededEventDetails")),
        "ExecutionFailed" => ("FAILED", details("executionFailedEventDetails")),
        "ExecutionTimedOut" => ("TIMED_OUT", details("executionTimedOutEventDetails")),
        _ => ("ABORTED", details("executionAbortedEventDetails")),
    };
    Some(Outcome {
        status: status.to_string(),
        output: text(&d, "output"),
        error: text(&d, "error"),
        cause: text(&d, "cause"),
        transitions: 0,
    })
}

/// Appends `ExecutionAborted` to an execution's log (its run was cancelled; the log is free),
/// forced to disk with `fsync`.
pub fn append_aborted(
    log: &Path,
    fsync: bool,
    now_ms: i64,
    error: Option<&str>,
    cause: Option<&str>,
) -> Result<(), String> {
    let (mut w, summary) = EventLogWriter::open_with(log, fsync).map_err(|e| e.to_string())?;
    let last = summary
        .events()
        .filter_map(|e| e.get("id").and_then(Value::as_u64))
        .max()
        .unwrap_or(0);
    let mut details = Map::new();
    if let Some(e) = error {
        details.insert("error".into(), e.into());
    }
    if let Some(c) = cause {
        details.insert("cause".into(), c.into());
    }
    let ev = json!({
        "id": last.saturating_add(1),
        "previousEventId": last,
        "timestamp": iso(now_ms),
        "type": "ExecutionAborted",
        "executionAbortedEventDetails": details,
    });
    w.append_event(&ev).map_err(|e| e.to_string())?;
    w.sync().map_err(|e| e.to_string())
}

/// RFC 3339, UTC.
fn iso(ms: i64) -> String {
    let nanos = i128::from(ms).saturating_mul(1_000_000);
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Event fields that carry execution data (left out when `includeExecutionData` is false).
const DATA_FIELDS: [&str; 5] = [
    "input",
    "output",
    "parameters",
    "inputDetails",
    "outputDetails",
];

/// One event as the API returns it: timestamps in epoch seconds, data fields dropped on
/// request.
pub fn to_api(mut ev: Value, include_data: bool) -> Value {
    if let Value::Object(m) = &mut ev {
        if let Some(t) = m.get("timestamp").and_then(Value::as_str)
            && let Some(e) = crate::arn::iso_to_epoch(t)
        {
            m.insert("timestamp".into(), e);
        }
        if !include_data {
            for (_, d) in m.iter_mut() {
                if let Value::Object(details) = d {
                    for k in DATA_FIELDS {
                        details.remove(k);
                    }
                }
            }
        }
    }
    ev
}

/// One page of a list: `(items, nextToken)`. Tokens are the offset of the next item, as
/// text; a token that is not one is `InvalidToken`.
pub fn page<T>(
    items: Vec<T>,
    max_results: Option<u64>,
    default_max: usize,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("nx:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?,
    };
    let max = match max_results {
        None | Some(0) => default_max,
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(1000),
    };
    let end = start.saturating_add(max).min(items.len());
    let next = (end < items.len()).then(|| format!("nx:{end}"));
    let out = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok((out, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_whole_list_and_refuse_forged_tokens() {
        let items: Vec<u32> = (0..7).collect();
        let (a, t) = page(items.clone(), Some(3), 100, None).unwrap_or_default();
        assert_eq!(a, vec![0, 1, 2]);
        let (b, t) = page(items.clone(), Some(3), 100, t.as_deref()).unwrap_or_default();
        assert_eq!(b, vec![3, 4, 5]);
        let (c, t) = page(items.clone(), Some(3), 100, t.as_deref()).unwrap_or_default();
        assert_eq!((c, t), (vec![6], None));
        assert_eq!(
            page(items, None, 100, Some("nx:99")).map_err(|e| e.code),
            Err("InvalidToken")
        );
    }

    #[test]
    fn execution_data_can_be_left_out() {
        let ev = json!({"id": 1, "timestamp": "2024-01-01T00:00:00.000Z", "type": "ExecutionStarted",
            "executionStartedEventDetails": {"input": "{}", "inputDetails": {"truncated": false}, "roleArn": "r"}});
        let out = to_api(ev, false);
        assert_eq!(out["timestamp"], json!(1_704_067_200.0));
        assert_eq!(out["executionStartedEventDetails"], json!({"roleArn": "r"}));
    }
}
