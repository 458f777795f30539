//! Map (inline; distributed runs the same way locally): one iteration of the item processor
//! per item, at most `MaxConcurrency` at a time, results in item order. Tolerated failure
//! thresholds let some iterations fail. A redriven Map runs only the iterations that did not
//! succeed; a redriven distributed Map continues its Map Run (`MapRunRedriven`; see
//! `log::journal`).

use std::sync::Arc;

use serde_json::{Value, json};

use super::number::{NumField, number};
use super::parallel::Redrive;
use super::{ChainCell, Cx, Done};
use crate::compile::plan::{Batcher, ItemsSource, MapSpec, Ql, Selector};
use crate::error::Failure;
use crate::expr::Scope;
use crate::run::exec::PlanScope;
use crate::run::options::MapRunUpdate;
use crate::vars::Vars;

pub(crate) async fn run(
    cx: &Cx<'_>,
    spec: &MapSpec,
    raw: &Value,
    vars: &Vars,
    chain: &mut u64,
) -> Result<Done, Failure> {
    let cell = ChainCell::new(*chain);
    let redrive = Redrive::take(cx);
    let r = super::with_retry(cx, |retry| {
        attempt(cx, spec, raw, vars, &cell, retry, &redrive)
    })
    .await;
    *chain = cell.get();
    r
}

fn non_negative(v: &Value) -> Option<u64> {
    v.as_u64()
}

fn positive(v: &Value) -> Option<u64> {
    v.as_u64().filter(|n| *n > 0)
}

fn percentage(v: &Value) -> Option<f64> {
    v.as_f64().filter(|p| (0.0..=100.0).contains(p))
}

/// Groups the item inputs into `{"Items": [...], "BatchInput": ...}` batches of at most
/// `max_items` items and `max_bytes` bytes of JSON each (AWS, "ItemBatcher (Map)"; without
/// `MaxInputBytesPerBatch` the payload quota bounds a batch).
fn batches(
    cx: &Cx<'_>,
    b: &Batcher,
    inputs: Vec<Value>,
    scope: &Scope<'_>,
    raw: &Value,
) -> Result<Vec<Value>, Failure> {
    let max_items = number(
        cx,
        &NumField {
            field: "MaxItemsPerBatch",
            float: false,
            valid: &positive,
            out_of_range: &|v| {
                crate::catalogue::number_out_of_range("MaxItemsPerBatch", v, "a positive integer")
            },
        },
        b.max_items.as_ref(),
        scope,
        raw,
    )?;
    let quota = cx.exec.opts.max_payload_bytes as u64;
    let max_bytes = number(
        cx,
        &NumField {
            field: "MaxInputBytesPerBatch",
            float: false,
            valid: &|v| positive(v).filter(|n| *n <= quota),
            out_of_range: &|v| {
                crate::catalogue::number_out_of_range(
                    "MaxInputBytesPerBatch",
                    v,
                    &format!("a positive integer no greater than {quota}"),
                )
            },
        },
        b.max_bytes.as_ref(),
        scope,
        raw,
    )?
    .unwrap_or(quota);
    let batch_input = match &b.batch_input {
        None => None,
        Some(Selector::JsonPath(t)) => Some(t.eval(scope)?),
        Some(Selector::Jsonata(t)) => {
            Some(t.eval(&cx.jenv(scope.vars, raw, scope.context, None, None))?)
        }
    };
    // `{"Items":[]}` plus `,"BatchInput":...`; each item adds its JSON and a comma.
    let base = 12u64.saturating_add(
        batch_input
            .as_ref()
            .map_or(0, |v| 14u64.saturating_add(json_len(v))),
    );
    let make = |items: Vec<Value>| {
        let mut m = serde_json::Map::new();
        m.insert("Items".into(), Value::Array(items));
        if let Some(bi) = &batch_input {
            m.insert("BatchInput".into(), bi.clone());
        }
        Value::Object(m)
    };
    let mut out = Vec::new();
    let mut cur: Vec<Value> = Vec::new();
    let mut size = base;
    for (i, item) in inputs.into_iter().enumerate() {
        let add = json_len(&item).saturating_add(u64::from(!cur.is_empty()));
        let full_items = max_items.is_some_and(|m| cur.len() as u64 >= m);
        if !cur.is_empty() && (full_items || size.saturating_add(add) > max_bytes) {
            out.push(make(std::mem::take(&mut cur)));
            size = base;
        }
        let add = json_len(&item);
        if base.saturating_add(add) > max_bytes {
            return Err(crate::catalogue::batch_item_too_large(i, max_bytes));
        }
        size = size
            .saturating_add(add)
            .saturating_add(u64::from(!cur.is_empty()));
        cur.push(item);
    }
    if !cur.is_empty() {
        out.push(make(cur));
    }
    Ok(out)
}

fn json_len(v: &Value) -> u64 {
    serde_json::to_vec(v).map_or(0, |b| b.len() as u64)
}

fn items_of(
    cx: &Cx<'_>,
    spec: &MapSpec,
    raw: &Value,
    eff: &Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Vec<Value>, Failure> {
    match cx.state.ql {
        Ql::JsonPath => {
            let (v, path_text) = match (&spec.items, &spec.items_path) {
                (Some(ItemsSource::Literal(v)), _) => (v.clone(), String::from("$")),
                (_, Some(p)) => {
                    let scope = Scope {
                        input: eff,
                        context: ctx,
                        vars,
                    };
                    let v = scope
                        .eval(p)
                        .ok_or_else(|| crate::catalogue::path_no_results(&p.text))?;
                    (v, p.text.to_string())
                }
                _ => (eff.clone(), String::from("$")),
            };
            match v {
                Value::Array(a) => {
                    cx.inspect("afterItemsPath", || Value::Array(a.clone()));
                    Ok(a)
                }
                _ => Err(crate::catalogue::items_not_array(&path_text)),
            }
        }
        Ql::Jsonata => match &spec.items {
            Some(ItemsSource::Expr(t)) => {
                let env = cx.jenv(vars, raw, ctx, None, None);
                match t.eval(&env)? {
                    Value::Array(a) => Ok(a),
                    other => Err(crate::catalogue::jsonata_unexpected_type(
                        t.as_expr().map(|e| e.text()).unwrap_or_default(),
                        "Items",
                        "array",
                        &other,
                    )),
                }
            }
            Some(ItemsSource::Literal(Value::Array(a))) => Ok(a.clone()),
            _ => match raw {
                Value::Array(a) => Ok(a.clone()),
                other => Err(crate::catalogue::map_input_not_array(other)),
            },
        },
    }
}

async fn attempt(
    cx: &Cx<'_>,
    spec: &MapSpec,
    raw: &Value,
    vars: &Vars,
    chain: &ChainCell,
    retry: u64,
    redrive: &Redrive,
) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(Some(retry), None, None);
    let eff = match st.ql {
        Ql::JsonPath => {
            let eff = super::input_path(&st.io.input_path, raw, &ctx, vars)?;
            cx.inspect("afterInputPath", || eff.clone());
            eff
        }
        Ql::Jsonata => raw.clone(),
    };
    let scope = Scope {
        input: &eff,
        context: &ctx,
        vars,
    };
    let items = match &spec.reader {
        Some(r) => super::item_reader::read_items(cx, r, raw, &scope, vars).await?,
        None => items_of(cx, spec, raw, &eff, &ctx, vars)?,
    };
    let max_conc = number(
        cx,
        &NumField {
            field: "MaxConcurrency",
            float: false,
            valid: &non_negative,
            out_of_range: &|v| {
                crate::catalogue::number_out_of_range("MaxConcurrency", v, "a non-negative integer")
            },
        },
        spec.max_concurrency.as_ref(),
        &scope,
        raw,
    )?
    .unwrap_or(0);
    let tol_count = number(
        cx,
        &NumField {
            field: "ToleratedFailureCount",
            float: false,
            valid: &non_negative,
            out_of_range: &|_| crate::catalogue::tolerated_count_negative(),
        },
        spec.tolerated_count.as_ref(),
        &scope,
        raw,
    )?;
    let tol_pct = number(
        cx,
        &NumField {
            field: "ToleratedFailurePercentage",
            float: true,
            valid: &percentage,
            out_of_range: &|_| crate::catalogue::tolerated_percentage_out_of_range(),
        },
        spec.tolerated_pct.as_ref(),
        &scope,
        raw,
    )?;
    cx.inspect("maxConcurrency", || max_conc.into());
    if let Some(n) = tol_count {
        cx.inspect("toleratedFailureCount", || n.into());
    }
    if let Some(p) = tol_pct {
        cx.inspect("toleratedFailurePercentage", || p.into());
    }
    // Item inputs are computed up front so a selector error fails the state before any
    // iteration starts.
    let mut inputs = Vec::with_capacity(items.len());
    match &spec.item_selector {
        None => inputs = items,
        Some(sel) => {
            for (i, item) in items.iter().enumerate() {
                let ictx = cx.context(Some(retry), Some((i, item)), None);
                inputs.push(match sel {
                    Selector::JsonPath(t) => t.eval(&Scope {
                        input: &eff,
                        context: &ictx,
                        vars,
                    })?,
                    Selector::Jsonata(t) => t.eval(&cx.jenv(vars, raw, &ictx, None, None))?,
                });
            }
        }
    }
    if let Some(b) = &spec.batcher {
        inputs = batches(cx, b, inputs, &scope, raw)?;
    }
    if let Some(m) = &cx.exec.state_mock {
        // TestState with a mock: the iterations are not run.
        let result = m.outcome(Some((tol_count, tol_pct)))?;
        return super::parallel::finish(cx, result, raw, &ctx, vars);
    }
    let n = inputs.len();
    let started = cx.emit(chain.get(), "MapStateStarted", || {
        Some(("mapStateStartedEventDetails", json!({"length": n})))
    });
    chain.set(started);
    let outer = Arc::new(vars.clone());
    let last_done = ChainCell::new(0);
    // A distributed Map runs its items in a child workflow (a "map run"): the parent history
    // shows MapRunStarted/MapRunSucceeded instead of the iterations.
    let child = spec.distributed.then(|| cx.exec.child());
    let mut run_arn = None;
    let kept = redrive.kept();
    if spec.distributed {
        let o = cx.exec.opts;
        // AWS: `mapRun:<machine>/<label>:<id>`, the id unique per map run; derived from the
        // execution and the state's entry so a replay (and a redrive, which continues the
        // same map run) gives the same ARN.
        let arn = kept
            .as_ref()
            .and_then(|k| k.map_run.clone())
            .unwrap_or_else(|| {
                format!(
                    "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
                    o.region,
                    o.account,
                    o.state_machine_name,
                    st.name,
                    super::result_writer::uuid_of(&format!(
                        "{}/{}/{}",
                        o.execution_name.as_deref().unwrap_or(&cx.exec.exec_name),
                        st.name,
                        cx.entered_id
                    ))
                )
            });
        // A redrive continues the Map Run: only its unsuccessful child executions run.
        let id = if kept.is_some() {
            cx.emit(chain.get(), "MapRunRedriven", || {
                Some((
                    "mapRunRedrivenEventDetails",
                    json!({"mapRunArn": arn, "redriveCount": redrive.count}),
                ))
            })
        } else {
            cx.emit(chain.get(), "MapRunStarted", || {
                Some(("mapRunStartedEventDetails", json!({"mapRunArn": arn})))
            })
        };
        chain.set(id);
        run_arn = Some(arn);
    }
    // UpdateMapRun: the settings a distributed Map's run has taken up so far. It asks for them
    // once before its first child and again as each child ends (in `stop_on`, which the joiner
    // calls for every result before it starts more); between two asks there is always a logged
    // event, so a replay takes up a logged change at the same point.
    let updated = std::sync::Mutex::new(MapRunUpdate::default());
    let refresh = || -> MapRunUpdate {
        let Some(arn) = &run_arn else {
            return MapRunUpdate::default();
        };
        let source = cx.exec.opts.map_run_updates.as_ref();
        let Ok(mut last) = updated.lock() else {
            return MapRunUpdate::default();
        };
        *last = match &cx.exec.journal {
            Some(j) => j.map_run_update(arn, *last, cx.exec.now(), || {
                source.and_then(|s| s.map_run(arn))
            }),
            None => source.and_then(|s| s.map_run(arn)).unwrap_or(*last),
        };
        *last
    };
    let taken_up = || updated.lock().map(|u| *u).unwrap_or_default();
    let tolerates = |u: &MapRunUpdate| {
        tol_count.is_some()
            || tol_pct.is_some()
            || u.tolerated_failure_count.is_some()
            || u.tolerated_failure_percentage.is_some()
    };
    let run_chain = chain.get();
    let exec = child.as_ref().unwrap_or(cx.exec);
    let name = st.name.clone();
    // The ResultWriter's records show each child execution's input.
    let kept_inputs = spec.writer.as_ref().map(|_| inputs.clone());
    let mut inputs = inputs;
    let mut kept = kept.map(|k| k.runs);
    let key = &redrive.key;
    refresh();
    let limit = || {
        let conc = taken_up().max_concurrency.unwrap_or(max_conc);
        usize::try_from(conc).unwrap_or(0)
    };
    let results = crate::run::joiner::run_bounded(
        n,
        limit,
        |i| {
            let plan = spec.processor.clone();
            let input = inputs.get_mut(i).map(std::mem::take).unwrap_or(Value::Null);
            let outer = outer.clone();
            let name = name.clone();
            let last_done = &last_done;
            // An iteration that succeeded before the redrive is not run again (its own small
            // future: the iteration's stays as small as without a redrive).
            if let Some(kept) = kept.as_mut()
                && let Some((out, start_ms, stop_ms)) = kept.remove(&i)
            {
                let done: crate::run::joiner::Boxed<'_, _> =
                    Box::pin(std::future::ready((Ok(out), start_ms, stop_ms)));
                return done;
            }
            let scope = PlanScope {
                parent: key,
                index: Some(i),
            };
            Box::pin(async move {
                let start_ms = exec.now();
                let it_started =
                    exec.history
                        .emit(chain.get(), "MapIterationStarted", exec.now(), || {
                            Some((
                                "mapIterationStartedEventDetails",
                                json!({"index": i, "name": &*name}),
                            ))
                        });
                let mut ivars = Vars::with_parent(outer);
                let mut ichain = it_started;
                let r = (exec.run_plan)(exec, &plan, input, &mut ivars, &mut ichain, scope).await;
                chain.set(ichain);
                let (ty, key) = if r.is_ok() {
                    ("MapIterationSucceeded", "mapIterationSucceededEventDetails")
                } else {
                    ("MapIterationFailed", "mapIterationFailedEventDetails")
                };
                let id = exec.history.emit(ichain, ty, exec.now(), || {
                    Some((key, json!({"index": i, "name": &*name})))
                });
                if r.is_ok() {
                    last_done.set(id);
                }
                (r, start_ms, exec.now())
            })
        },
        |(r, _, _)| {
            let u = refresh();
            r.is_err() && !tolerates(&u)
        },
    )
    .await;
    let u = taken_up();
    let (tol_count, tol_pct) = (
        u.tolerated_failure_count.or(tol_count),
        u.tolerated_failure_percentage.or(tol_pct),
    );
    let tolerates = tolerates(&u);
    let mut outputs = Vec::with_capacity(n);
    let mut failures = 0u64;
    let mut first_failure: Option<Failure> = None;
    let mut children = Vec::new();
    // What a redrive keeps if the state fails: the iterations that succeeded.
    let any_failed =
        cx.exec.journal.is_some() && results.iter().any(|r| matches!(r, Some((Err(_), _, _))));
    let mut done = std::collections::BTreeMap::new();
    for (i, r) in results.into_iter().enumerate() {
        let Some((r, start_ms, stop_ms)) = r else {
            if let Some(kept) = &kept_inputs {
                children.push(super::result_writer::Child {
                    input: kept.get(i).cloned().unwrap_or(Value::Null),
                    outcome: None,
                });
            }
            continue;
        };
        match &r {
            Err(f) => {
                failures = failures.saturating_add(1);
                first_failure.get_or_insert_with(|| f.clone());
            }
            Ok(v) if any_failed => {
                done.insert(i, (v.clone(), start_ms, stop_ms));
            }
            Ok(_) => {}
        }
        match &kept_inputs {
            // With a ResultWriter, the writer shapes the results from the children.
            Some(kept) => children.push(super::result_writer::Child {
                input: kept.get(i).cloned().unwrap_or(Value::Null),
                outcome: Some((r, start_ms, stop_ms)),
            }),
            None => outputs.push(match r {
                Ok(v) => v,
                Err(f) => f.error_output(),
            }),
        }
    }
    if spec.distributed {
        let ty = if first_failure.is_some() && !tolerates {
            "MapRunFailed"
        } else {
            "MapRunSucceeded"
        };
        let id = cx.emit(run_chain, ty, || None);
        chain.set(id);
        last_done.set(id);
    }
    let failed = match first_failure {
        Some(f) if !tolerates => Some(f),
        Some(_) => crate::run::tested::exceeds_tolerance(failures, n as u64, tol_count, tol_pct)
            .then(crate::catalogue::tolerated_failure_exceeded),
        None => None,
    };
    let result = match (&spec.writer, &run_arn) {
        (Some(w), Some(run_arn)) if failed.is_none() || w.export.is_some() => {
            // An exported run is written even when it failed (its failure is the error).
            super::result_writer::finish(cx, w, run_arn, &children, &scope, raw, vars).await?
        }
        _ => Value::Array(outputs),
    };
    if let Some(f) = failed {
        redrive.failed(cx, run_arn.as_deref(), done);
        return Err(f);
    }
    let last = match last_done.get() {
        0 => started,
        id => id,
    };
    cx.emit(last, "MapStateSucceeded", || None);
    chain.set(last);
    super::parallel::finish(cx, result, raw, &ctx, vars)
}
