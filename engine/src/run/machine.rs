//! The run loop: one `match` over what each state handler returns (STYLE.md section 6), with
//! the transition and time limits checked on every transition, and the compensations of a
//! failed run started from here.

use std::sync::atomic::Ordering;

use serde_json::Value;

use crate::compile::plan::{Kind, Plan};
use crate::error::Failure;
use crate::run::compensation::{Completed, compensate};
use crate::run::exec::{Exec, PlanFuture, PlanScope, Step};
use crate::vars::Vars;

/// [`run_plan`], boxed.
pub(crate) fn run_plan_boxed<'a>(
    exec: &'a Exec<'a>,
    plan: &'a Plan,
    input: Value,
    vars: &'a mut Vars,
    chain: &'a mut u64,
    scope: PlanScope<'a>,
) -> PlanFuture<'a> {
    Box::pin(run_plan(exec, plan, input, vars, chain, scope))
}

/// Runs the states of `plan` from its start until it succeeds or fails; `scope` says where
/// it runs.
pub(crate) async fn run_plan<'a>(
    exec: &'a Exec<'a>,
    plan: &'a Plan,
    input: Value,
    vars: &'a mut Vars,
    chain: &'a mut u64,
    scope: PlanScope<'a>,
) -> Result<Value, Failure> {
    {
        let mut cur = plan.start;
        let mut input = input;
        // States with a `compensate` action that completed, in completion order.
        let mut completed: Vec<Completed> = Vec::new();
        // The input of a state that follows another was checked as that state's output:
        // the bound found then is known.
        let mut bound: Option<usize> = None;
        loop {
            exec.tick()?;
            let Some(state) = plan.states.get(cur) else {
                return Err(crate::catalogue::internal("transition to a missing state"));
            };
            // A compensation receives the input of the state it undoes.
            let saved =
                (plan.has_compensations && state.compensate.is_some()).then(|| input.clone());
            let step = if crate::run::states::is_sync(&state.kind) {
                crate::run::states::run_state_sync(exec, state, input, vars, chain, bound, scope)
            } else {
                // Boxed: the run loop's own future stays small, and most states never wait.
                Box::pin(crate::run::states::run_state(
                    exec, state, input, vars, chain, bound, scope,
                ))
                .await
            };
            match step {
                Step::Next(id, out, b) => {
                    if let Some(input) = saved {
                        completed.push(Completed {
                            state: cur,
                            input,
                            output: out.clone(),
                        });
                    }
                    input = out;
                    cur = id;
                    bound = Some(b);
                }
                Step::Caught(id, out) => {
                    input = out;
                    cur = id;
                    bound = None;
                }
                Step::Succeed(out) => return Ok(out),
                Step::Fail(f) => {
                    // Compensations start where plain ASL can start them (docs/nexus-yaml.md):
                    // at a Fail state, and at a Task, Parallel or Map failure that a
                    // `States.ALL` catcher could route; not after the execution timed out.
                    let starts = match state.kind {
                        Kind::Fail { .. } => true,
                        Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map(_) => {
                            !crate::compile::retry::is_terminal(f.error.as_deref())
                        }
                        _ => false,
                    };
                    if starts && !completed.is_empty() && !exec.timed_out.load(Ordering::Relaxed) {
                        return Err(compensate(exec, plan, completed, f, vars, chain).await);
                    }
                    return Err(f);
                }
            }
        }
    }
}
