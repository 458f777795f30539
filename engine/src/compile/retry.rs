//! `Retry` and `Catch`: compiled retriers and catchers, error-name matching (`States.ALL`,
//! `States.TaskFailed` wildcards) and back-off delays.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::catalogue::names;
use crate::compile::fields::{assign, jtemplate, result_sel, target};
use crate::compile::plan::{Catcher, Ql, Retrier, StateId};
use crate::error::CompileError;

fn error_equals(o: &Map<String, Value>, ptr: &str) -> Result<Vec<String>, CompileError> {
    o.get("ErrorEquals")
        .and_then(Value::as_array)
        .ok_or_else(|| CompileError::at(format!("{ptr}/ErrorEquals"), "missing ErrorEquals"))?
        .iter()
        .map(|e| {
            e.as_str()
                .map(String::from)
                .ok_or_else(|| CompileError::at(format!("{ptr}/ErrorEquals"), "expected strings"))
        })
        .collect()
}

/// Compiles `Retry` (ASL defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0).
pub(crate) fn compile_retry(
    o: &Map<String, Value>,
    ptr: &str,
) -> Result<Vec<Retrier>, CompileError> {
    let Some(list) = o.get("Retry") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| CompileError::at(format!("{ptr}/Retry"), "Retry must be an array"))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let rp = format!("{ptr}/Retry/{i}");
        let ro = r
            .as_object()
            .ok_or_else(|| CompileError::at(&rp, "a retrier must be an object"))?;
        out.push(Retrier {
            error_equals: error_equals(ro, &rp)?,
            interval_seconds: ro
                .get("IntervalSeconds")
                .and_then(Value::as_f64)
                .unwrap_or(1.0),
            max_attempts: ro.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3),
            backoff_rate: ro.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0),
            max_delay_seconds: ro.get("MaxDelaySeconds").and_then(Value::as_f64),
            full_jitter: ro.get("JitterStrategy").and_then(Value::as_str) == Some("FULL"),
        });
    }
    Ok(out)
}

/// Compiles `Catch`.
pub(crate) fn compile_catch(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
    names: &HashMap<String, StateId>,
) -> Result<Vec<Catcher>, CompileError> {
    let Some(list) = o.get("Catch") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| CompileError::at(format!("{ptr}/Catch"), "Catch must be an array"))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let cp = format!("{ptr}/Catch/{i}");
        let co = c
            .as_object()
            .ok_or_else(|| CompileError::at(&cp, "a catcher must be an object"))?;
        out.push(Catcher {
            error_equals: error_equals(co, &cp)?,
            next: target(names, co.get("Next"), &format!("{cp}/Next"))?,
            result_path: result_sel(co, &cp)?,
            assign: assign(co, &cp, ql)?,
            output: jtemplate(co, "Output", &cp)?,
        });
    }
    Ok(out)
}

/// Whether an `ErrorEquals` list matches `error`. `States.ALL` matches every error except the
/// terminal `States.DataLimitExceeded` and `States.Runtime`; `States.TaskFailed` also matches
/// everything but `States.Timeout` (AWS developer guide, "Error names").
pub(crate) fn matches(list: &[String], error: Option<&str>) -> bool {
    let terminal = is_terminal(error);
    list.iter().any(|e| {
        Some(e.as_str()) == error
            || (e == names::ALL && !terminal)
            || (e == names::TASK_FAILED && !terminal && error != Some(names::TIMEOUT))
    })
}

/// Whether `error` is one `States.ALL` does not match (ASL, "Errors": `States.Runtime` and
/// `States.DataLimitExceeded` are not retried or caught by it).
pub(crate) fn is_terminal(error: Option<&str>) -> bool {
    error == Some(names::DATA_LIMIT) || error == Some(names::RUNTIME)
}

impl Retrier {
    /// Delay in milliseconds before retry number `attempt` (0-based), with back-off, cap and
    /// optional full jitter drawn from `rand01` in [0, 1).
    pub(crate) fn delay_ms(&self, attempt: u64, rand01: f64) -> i64 {
        let exp = i32::try_from(attempt).unwrap_or(i32::MAX);
        let mut secs = self.interval_seconds * self.backoff_rate.powi(exp);
        if let Some(cap) = self.max_delay_seconds {
            secs = secs.min(cap);
        }
        if self.full_jitter {
            secs *= rand01;
        }
        if !secs.is_finite() || secs < 0.0 {
            return 0;
        }
        // Capped at a year, far beyond any execution's lifetime.
        (secs.min(31_536_000.0) * 1000.0) as i64
    }
}
