//! NEXUS `compensate` (docs/nexus-yaml.md, "compensate"): when a (sub-)machine ends FAILED at
//! a Fail state or with an uncaught Task, Parallel or Map failure, the undo actions of its
//! completed states run, most recent first; a failing one does not stop the others, and the
//! execution's error then names every compensation that failed.

use serde_json::{Map, Value, json};

use crate::compile::plan::{Plan, StateId};
use crate::error::Failure;
use crate::run::exec::{Exec, PlanScope, Step};
use crate::vars::Vars;

/// The error of an execution whose compensations failed (its cause is the JSON of
/// [`compensation_failed`]).
pub const COMPENSATION_FAILED: &str = "Nexus.CompensationFailed";

/// A state with a `compensate` action that completed: what its compensation receives.
pub(crate) struct Completed {
    pub(crate) state: StateId,
    pub(crate) input: Value,
    pub(crate) output: Value,
}

/// Runs the compensations of `completed` states, most recent first. Each receives
/// `{"input": the state's input, "result": its output, "error": {"Error", "Cause"}}` and is
/// retried per its own policy. Returns the failure the (sub-)machine ends with: `failure`
/// itself when every compensation succeeded, else [`compensation_failed`] (after calling the
/// `on_compensation_failure` hook, whose own failure changes nothing).
pub(crate) async fn compensate(
    exec: &Exec<'_>,
    plan: &Plan,
    completed: Vec<Completed>,
    failure: Failure,
    vars: &mut Vars,
    chain: &mut u64,
) -> Failure {
    let error = failure.error_output();
    let mut failed = Vec::new();
    for c in completed.into_iter().rev() {
        let Some(st) = plan.states.get(c.state) else {
            continue;
        };
        let Some(comp) = st.compensate.as_deref() else {
            continue;
        };
        if let Err(f) = exec.tick() {
            return f;
        }
        let input = json!({"input": c.input, "result": c.output, "error": error});
        if let Step::Fail(f) = crate::run::states::run_state(
            exec,
            &comp.task,
            input,
            vars,
            chain,
            None,
            PlanScope::default(),
        )
        .await
        {
            if exec.timed_out.load(std::sync::atomic::Ordering::Relaxed) {
                return f;
            }
            let mut m = Map::new();
            m.insert("state".into(), st.name.to_string().into());
            m.insert("action".into(), comp.action.clone().into());
            if let Value::Object(e) = f.error_output() {
                m.extend(e);
            }
            failed.push(Value::Object(m));
        }
    }
    if failed.is_empty() {
        return failure;
    }
    let report = json!({"error": error, "failed": failed});
    if let Some(hook) = exec.saga_hook {
        // The hook is told; its own failure is not an error of the run (the run fails anyway).
        let _ = crate::run::states::run_state(
            exec,
            hook,
            report.clone(),
            vars,
            chain,
            None,
            PlanScope::default(),
        )
        .await;
    }
    compensation_failed(&report)
}

/// `Nexus.CompensationFailed` with `{"error": the original error, "failed": [{"state",
/// "action", "Error", "Cause"}...]}` as its cause, in compact JSON.
pub(crate) fn compensation_failed(report: &Value) -> Failure {
    Failure::new(COMPENSATION_FAILED, report.to_string())
}
