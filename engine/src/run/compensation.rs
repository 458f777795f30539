//! NEXUS `compensate` (docs/nexus-yaml.md): when a run fails, the undo actions of the states
//! that completed run in reverse order.

use serde_json::Value;

use crate::catalogue::names;
use crate::compile::plan::{Plan, StateId};
use crate::error::Failure;
use crate::run::exec::{Exec, Step};
use crate::vars::Vars;

/// Runs the compensations of `completed` states, most recent first, each with the failed
/// state's input plus the error at `nexus_error`. A failing compensation ends the execution
/// with its own error.
pub(crate) async fn compensate(
    exec: &Exec<'_>,
    plan: &Plan,
    completed: &[StateId],
    raw: Value,
    failure: &Failure,
    vars: &mut Vars,
    chain: &mut u64,
) -> Result<(), Failure> {
    let Value::Object(mut data) = raw else {
        return Err(Failure::new(
            names::RUNTIME,
            "cannot run compensations: the failed state's input is not an object, so the error cannot be stored at 'nexus_error'",
        ));
    };
    data.insert("nexus_error".into(), failure.error_output());
    let data = Value::Object(data);
    for id in completed.iter().rev() {
        let Some(comp) = plan.states.get(*id).and_then(|s| s.compensate.as_deref()) else {
            continue;
        };
        exec.tick()?;
        if let Step::Fail(f) =
            crate::run::states::run_state(exec, comp, data.clone(), vars, chain, None).await
        {
            return Err(f);
        }
    }
    Ok(())
}
