//! Parallel: runs every branch on the same input; the output is the array of branch outputs
//! in branch order. The first branch failure fails the state with that branch's error. A
//! redriven Parallel runs only the branches that did not succeed (see `log::journal`).

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{ChainCell, Cx, Done};
use crate::compile::plan::{Plan, Ql};
use crate::error::Failure;
use crate::expr::Scope;
use crate::log::journal::Kept;
use crate::run::exec::PlanScope;
use crate::vars::Vars;

pub(crate) async fn run(
    cx: &Cx<'_>,
    branches: &[Arc<Plan>],
    raw: &Value,
    vars: &Vars,
    chain: &mut u64,
) -> Result<Done, Failure> {
    let cell = ChainCell::new(*chain);
    let redrive = Redrive::take(cx);
    let r = super::with_retry(cx, |retry| {
        attempt(cx, branches, raw, vars, &cell, retry, &redrive)
    })
    .await;
    *chain = cell.get();
    r
}

/// The redrive of a Parallel or Map state: the sub-runs the redrive keeps (for its first
/// attempt in the redriven run), and how many redrives its sub-runs have had.
pub(crate) struct Redrive {
    pub(crate) key: String,
    /// `None` until a redrive hands something over (most runs: no lock to take; boxed, so
    /// the state's future stays small).
    kept: Option<Box<Mutex<Option<Kept>>>>,
    /// Redrives of the sub-runs including this run's (0: not redriven).
    pub(crate) count: u64,
}

impl Redrive {
    /// What the redrive the run has passed keeps of the state `cx` runs, if anything.
    pub(crate) fn take(cx: &Cx<'_>) -> Self {
        let key = cx.scope_key();
        let kept = cx.exec.journal.as_ref().and_then(|j| j.take_kept(&key));
        Self {
            key,
            count: kept.as_ref().map_or(0, |k| k.redrives.saturating_add(1)),
            kept: kept.map(|k| Box::new(Mutex::new(Some(k)))),
        }
    }

    /// What this attempt keeps (the first attempt only).
    pub(crate) fn kept(&self) -> Option<Kept> {
        self.kept
            .as_ref()
            .and_then(|m| m.lock().ok().and_then(|mut k| k.take()))
    }

    /// Logs a failed attempt with the sub-runs that completed (see `log::journal`).
    pub(crate) fn failed(
        &self,
        cx: &Cx<'_>,
        map_run: Option<&str>,
        runs: std::collections::BTreeMap<usize, (Value, i64, i64)>,
    ) {
        if let Some(j) = &cx.exec.journal {
            let kept = Kept {
                map_run: map_run.map(String::from),
                redrives: self.count,
                runs,
            };
            j.sub_runs_failed(&self.key, &kept, cx.exec.now());
        }
    }
}

async fn attempt(
    cx: &Cx<'_>,
    branches: &[Arc<Plan>],
    raw: &Value,
    vars: &Vars,
    chain: &ChainCell,
    retry: u64,
    redrive: &Redrive,
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
    let mut kept = redrive.kept().map(|k| k.runs);
    let key = &redrive.key;
    let results = crate::run::joiner::run_bounded(
        branches.len(),
        || 0,
        |i| {
            let plan = branches.get(i).cloned();
            let input = input.clone();
            let outer = outer.clone();
            let last_event = &last_event;
            // A branch that succeeded before the redrive is not run again (its own small
            // future: the branch's stays as small as without a redrive).
            if let Some(kept) = kept.as_mut()
                && let Some((out, _, _)) = kept.remove(&i)
            {
                let done: crate::run::joiner::Boxed<'_, _> =
                    Box::pin(std::future::ready((Ok(out), started)));
                return done;
            }
            let scope = PlanScope {
                parent: key,
                index: Some(i),
            };
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
                let r = (exec.run_plan)(exec, &plan, input, &mut bvars, &mut bchain, scope).await;
                if bchain > last_event.get() {
                    last_event.set(bchain);
                }
                (r, bchain)
            })
        },
        |(r, _)| r.is_err(),
    )
    .await;
    if results.iter().any(|slot| matches!(slot, Some((Err(_), _)))) {
        // The first failed branch fails the state; a redrive keeps those that succeeded.
        let ms = cx.exec.now();
        let mut failure = None;
        let mut done = std::collections::BTreeMap::new();
        for (i, slot) in results.into_iter().enumerate() {
            match slot {
                Some((Ok(v), _)) => {
                    done.insert(i, (v, ms, ms));
                }
                Some((Err(f), last)) if failure.is_none() => failure = Some((f, last)),
                _ => {}
            }
        }
        redrive.failed(cx, None, done);
        if let Some((f, last)) = failure {
            chain.set(last);
            return Err(f);
        }
        return Err(crate::catalogue::internal("a failed branch went missing"));
    }
    let mut outputs = Vec::with_capacity(results.len());
    for slot in results {
        if let Some((Ok(v), _)) = slot {
            outputs.push(v);
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
