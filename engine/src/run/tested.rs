//! What a TestState run passes to the tested state and records of it, shared by the state
//! runners and `test_state` (which reads the record back): the mock of a tested Map or
//! Parallel, and the keys under which the failure a catcher handled is recorded.

use serde_json::Value;

use crate::error::Failure;
use crate::handlers::HandlerError;

/// The mock of a tested Map or Parallel state, which is not run (no iteration, no branch):
/// its mocked result or error, and for a Map the iterations that failed
/// (`mapIterationFailureCount`) and what its `ItemReader` reads (`mapItemReaderData`).
#[derive(Debug, Clone)]
pub(crate) struct StateMock {
    pub(crate) outcome: Result<Value, HandlerError>,
    pub(crate) iteration_failures: Option<u64>,
    pub(crate) reader_data: Option<String>,
}

impl StateMock {
    /// The mocked result of the state, or its failure; `tolerance` is a Map's
    /// `(ToleratedFailureCount, ToleratedFailurePercentage)`: past it, the failed
    /// iterations fail the Map.
    pub(crate) fn outcome(
        &self,
        tolerance: Option<(Option<u64>, Option<f64>)>,
    ) -> Result<Value, Failure> {
        let value = match &self.outcome {
            Err(e) => return Err(Failure::plain(Some(e.error.clone()), e.cause.clone())),
            Ok(v) => v,
        };
        let n = value.as_array().map_or(0, Vec::len) as u64;
        // Without a tolerated-failure setting TestState does not fail the Map for the failed
        // iterations it is told of.
        if let (Some(failures), Some((count, pct))) = (self.iteration_failures, tolerance)
            && (count.is_some() || pct.is_some())
            && exceeds_tolerance(failures, n, count, pct)
        {
            return Err(crate::catalogue::tolerated_failure_exceeded());
        }
        Ok(value.clone())
    }
}

/// The failure the catcher of the tested state handled: recorded in the run's inspection
/// under these keys, read back (and taken out) by [`crate::test_state::test_state`].
pub(crate) const CAUGHT_ERROR: &str = "error";
pub(crate) const CAUGHT_CAUSE: &str = "cause";

/// Whether `failures` failed iterations of `n` exceed a Map's `ToleratedFailureCount` and
/// `ToleratedFailurePercentage` (with both set, the Map fails only when both are exceeded).
pub(crate) fn exceeds_tolerance(
    failures: u64,
    n: u64,
    tol_count: Option<u64>,
    tol_pct: Option<f64>,
) -> bool {
    let over_count = tol_count.is_some_and(|c| failures > c);
    let pct = if n == 0 {
        0.0
    } else {
        failures as f64 * 100.0 / n as f64
    };
    let over_pct = tol_pct.is_some_and(|p| pct > p);
    match (tol_count, tol_pct) {
        (Some(_), Some(_)) => over_count && over_pct,
        _ => over_count || over_pct,
    }
}
