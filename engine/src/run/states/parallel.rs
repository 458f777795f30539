//! Parallel: runs every branch on the same input; the output is the array of branch outputs
//! in branch order. The first branch failure fails the state with that branch's error.

use std::sync::Arc;

use serde_json::Value;

use super::{ChainCell, Cx, Done};
use crate::compile::plan::{Plan, Ql};
use crate::error::Failure;
use crate::expr::Scope;
use crate::vars::Vars;

pub(crate) async fn run(
    cx: &Cx<'_>,
    branches: &[Arc<Plan>],
    raw: &Value,
    vars: &Vars,
    chain: &mut u64,
) -> Result<Done, Failure> {
    let cell = ChainCell::new(*chain);
    let r = super::with_retry(cx, |retry| attempt(cx, branches, raw, vars, &cell, retry)).await;
    *chain = cell.get();
    r
}

async fn attempt(
    cx: &Cx<'_>,
    branches: &[Arc<Plan>],
    raw: &Value,
    vars: &Vars,
    chain: &ChainCell,
    retry: u64,
) -> Result<Done, Failure> {
    let ctx = cx.context(Some(retry), None, None);
    let input = cx.effective_parameters(raw, &ctx, vars)?;
    if let Some(m) = &cx.exec.state_mock {
        // TestState with a mock: the branches are not run.
        let result = m.outcome(None)?;
        return finish(cx, result, raw, &ctx, vars);
    }
    let started = cx.emit(chain.get(), "ParallelStateStarted", || None);
    chain.set(started);
    let outer = Arc::new(vars.clone());
    let last_event = ChainCell::new(started);
    let exec = cx.exec;
    let results = crate::run::joiner::run_bounded(
        branches.len(),
        || 0,
        |i| {
            let plan = branches.get(i).cloned();
            let input = input.clone();
            let outer = outer.clone();
            let last_event = &last_event;
            Box::pin(async move {
                let Some(plan) = plan else {
                    return (
                        Err(Failure::new(
                            crate::catalogue::names::RUNTIME,
                            "missing branch",
                        )),
                        0,
                    );
                };
                let mut bvars = Vars::with_parent(outer);
                let mut bchain = started;
                let r = (exec.run_plan)(exec, &plan, input, &mut bvars, &mut bchain).await;
                if bchain > last_event.get() {
                    last_event.set(bchain);
                }
                (r, bchain)
            })
        },
        |(r, _)| r.is_err(),
    )
    .await;
    let mut outputs = Vec::with_capacity(results.len());
    for slot in results {
        match slot {
            Some((Ok(v), _)) => outputs.push(v),
            Some((Err(f), last)) => {
                chain.set(last);
                return Err(f);
            }
            None => {}
        }
    }
    // As for Map: ParallelStateSucceeded and the Exited event both follow the last branch
    // event (the ids of AWS's histories leave room for exactly this event there).
    cx.emit(last_event.get(), "ParallelStateSucceeded", || None);
    chain.set(last_event.get());
    let result = Value::Array(outputs);
    finish(cx, result, raw, &ctx, vars)
}

/// ResultSelector → Assign → ResultPath → OutputPath (or JSONata Assign/Output) on the
/// collected result of a Parallel or Map state.
pub(crate) fn finish(
    cx: &Cx<'_>,
    result: Value,
    raw: &Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Done, Failure> {
    let st = cx.state;
    match st.ql {
        Ql::JsonPath => {
            let res = match &st.io.result_selector {
                Some(t) => t.eval(&Scope {
                    input: &result,
                    context: ctx,
                    vars,
                })?,
                None => result,
            };
            super::inspect_result_steps(cx, raw, &res);
            let assigned = super::assign(st.io.assign.as_ref(), &res, ctx, vars)?;
            let output = super::result_then_output(&st.io, raw, res, ctx, vars)?;
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, raw, ctx, Some(&result), None);
            let assigned = super::assign_jsonata(st.io.assign.as_ref(), &env)?;
            let output = match &st.io.output {
                Some(t) => t.eval(&env)?,
                None => result,
            };
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
    }
}
