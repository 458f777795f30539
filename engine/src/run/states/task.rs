//! Task: resolves the resource to a handler (mock config first), emits the Task* events,
//! applies ResultSelector/ResultPath/OutputPath (or JSONata Arguments/Output), under Retry.

use serde_json::{Value, json};

use super::{Cx, Done};
use crate::catalogue::names;
use crate::compile::plan::{Dyn, Ql};
use crate::error::Failure;
use crate::expr::Scope;
use crate::handlers::{HandlerError, TaskRequest};
use crate::vars::Vars;

/// Largest `TimeoutSeconds`/`HeartbeatSeconds` AWS accepts (ASL, Task State: a positive
/// integer; the API caps it at 99999999).
const MAX_TASK_SECONDS: u64 = 99_999_999;

/// `TimeoutSeconds`/`HeartbeatSeconds` (`field`), given literally, by a `...Path` (over the
/// state's raw input) or as JSONata. A value that is not a positive integer in range fails the
/// state.
fn seconds(
    cx: &Cx<'_>,
    field: &str,
    d: Option<&Dyn<u64>>,
    raw: &Value,
    vars: &Vars,
) -> Result<Option<u64>, Failure> {
    if d.is_none() {
        return Ok(None);
    }
    let ctx = cx.context(None, None, None);
    let scope = Scope {
        input: raw,
        context: &ctx,
        vars,
    };
    super::number::number(
        cx,
        &super::number::NumField {
            field,
            float: false,
            valid: &|v| v.as_u64().filter(|n| (1..=MAX_TASK_SECONDS).contains(n)),
            out_of_range: &|v| {
                crate::catalogue::number_out_of_range(
                    field,
                    v,
                    "a positive integer no greater than 99999999",
                )
            },
        },
        d,
        &scope,
        raw,
    )
}

pub(crate) async fn run(
    cx: &Cx<'_>,
    resource: &str,
    timeout: Option<&Dyn<u64>>,
    heartbeat: Option<&Dyn<u64>>,
    raw: &Value,
    vars: &Vars,
    chain: &mut u64,
) -> Result<Done, Failure> {
    // AWS "Choosing workflow type": Express workflows support request-response integrations
    // only (lint reports such a Task too: NX220).
    if cx.exec.opts.workflow_type == crate::run::options::WorkflowType::Express
        && (resource.ends_with(".waitForTaskToken")
            || resource.ends_with(".sync")
            || resource.contains(".sync:"))
    {
        return Err(crate::catalogue::express_unsupported_pattern(resource));
    }
    let timeout_s = seconds(cx, "TimeoutSeconds", timeout, raw, vars)?;
    let heartbeat_s = seconds(cx, "HeartbeatSeconds", heartbeat, raw, vars)?;
    let chain_cell = super::ChainCell::new(*chain);
    let r = super::with_retry(cx, |retry| {
        attempt(
            cx,
            resource,
            timeout_s,
            heartbeat_s,
            raw,
            vars,
            &chain_cell,
            retry,
        )
    })
    .await;
    *chain = chain_cell.get();
    r
}

#[allow(clippy::too_many_arguments)]
async fn attempt(
    cx: &Cx<'_>,
    resource: &str,
    timeout_s: Option<u64>,
    heartbeat_s: Option<u64>,
    raw: &Value,
    vars: &Vars,
    chain: &super::ChainCell,
    retry: u64,
) -> Result<Done, Failure> {
    let st = cx.state;
    let token = resource.ends_with(".waitForTaskToken").then(|| {
        let token = cx.exec.task_token(&st.name);
        match cx.exec.opts.task_token_prefix.as_deref() {
            Some(prefix) => format!("{prefix}{token}"),
            None => token,
        }
    });
    let ctx = cx.context(Some(retry), None, token.as_deref());
    let params = cx.effective_parameters(raw, &ctx, vars)?;
    let (rtype, rname) = crate::handlers::resource_parts(resource);
    // A Lambda function ARN as the resource (not the `lambda:invoke` integration) has its
    // own event family in AWS histories: LambdaFunctionScheduled/Started/Succeeded/Failed.
    let lambda_arn = rtype == "lambda" && !resource.contains(":states:::");
    // Callback and run-a-job integrations report the submission of the request before the
    // task's end (TaskSubmitted).
    let submits = resource.ends_with(".waitForTaskToken")
        || resource.ends_with(".sync")
        || resource.contains(".sync:");
    let region = cx.exec.opts.region.clone();
    let id = if lambda_arn {
        cx.emit(chain.get(), "LambdaFunctionScheduled", || {
            let mut d = json!({
                "input": crate::io::to_compact(&params),
                "inputDetails": {"truncated": false},
                "resource": resource,
            });
            if let (Some(t), Value::Object(m)) = (timeout_s, &mut d) {
                m.insert("timeoutInSeconds".into(), t.into());
            }
            Some(("lambdaFunctionScheduledEventDetails", d))
        })
    } else {
        cx.emit(chain.get(), "TaskScheduled", || {
            let mut d = json!({
                "parameters": crate::io::to_compact(&params),
                "region": region,
                "resource": rname,
                "resourceType": rtype,
            });
            if let (Some(t), Value::Object(m)) = (timeout_s, &mut d) {
                m.insert("timeoutInSeconds".into(), t.into());
            }
            if let (Some(h), Value::Object(m)) = (heartbeat_s, &mut d) {
                m.insert("heartbeatInSeconds".into(), h.into());
            }
            Some(("taskScheduledEventDetails", d))
        })
    };
    chain.set(id);
    let id = if lambda_arn {
        cx.emit(chain.get(), "LambdaFunctionStarted", || None)
    } else {
        cx.emit(chain.get(), "TaskStarted", || {
            Some((
                "taskStartedEventDetails",
                json!({"resource": rname, "resourceType": rtype}),
            ))
        })
    };
    chain.set(id);
    if submits {
        // Locally the request is handed to the handler in one step: nothing is known about
        // the service's answer to the submission itself.
        let id = cx.emit(chain.get(), "TaskSubmitted", || {
            Some((
                "taskSubmittedEventDetails",
                json!({
                    "output": "{}",
                    "outputDetails": {"truncated": false},
                    "resource": rname,
                    "resourceType": rtype,
                }),
            ))
        });
        chain.set(id);
    }
    let req = TaskRequest {
        resource: resource.to_string(),
        action: crate::handlers::action_name(resource, &params),
        state_name: st.name.to_string(),
        input: params,
        invocation: cx.exec.next_invocation(&st.name),
        task_token: token.clone(),
        heartbeat: crate::handlers::Heartbeat::default(),
    };
    let outcome = match cx.exec.journal.as_deref() {
        None => invoke(cx, &req, timeout_s, heartbeat_s).await.0,
        Some(j) => {
            let seq = j.handler_invoked(&req.state_name, &req.action, cx.exec.now());
            match j.gate(seq).await {
                Some(crate::log::journal::Replayed::Handler(o)) => o,
                _ => {
                    let (o, pure) = invoke(cx, &req, timeout_s, heartbeat_s).await;
                    j.handler_returned(seq, cx.exec.now(), &o, !pure);
                    o
                }
            }
        }
    };
    let result = match outcome {
        Ok(v) => v,
        Err(e) => {
            let id = if lambda_arn {
                let ty = if e.error == names::TIMEOUT {
                    (
                        "LambdaFunctionTimedOut",
                        "lambdaFunctionTimedOutEventDetails",
                    )
                } else {
                    ("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails")
                };
                cx.emit(chain.get(), ty.0, || {
                    Some((
                        ty.1,
                        crate::log::history::error_details(Some(&e.error), e.cause.as_deref()),
                    ))
                })
            } else {
                let ty = if e.error == names::TIMEOUT || e.error == names::HEARTBEAT_TIMEOUT {
                    ("TaskTimedOut", "taskTimedOutEventDetails")
                } else {
                    ("TaskFailed", "taskFailedEventDetails")
                };
                cx.emit(chain.get(), ty.0, || {
                    let mut d =
                        crate::log::history::error_details(Some(&e.error), e.cause.as_deref());
                    if let Value::Object(m) = &mut d {
                        m.insert("resource".into(), rname.clone().into());
                        m.insert("resourceType".into(), rtype.clone().into());
                    }
                    Some((ty.1, d))
                })
            };
            chain.set(id);
            return Err(Failure::plain(Some(e.error), e.cause));
        }
    };
    if crate::io::size_bound(&result, cx.exec.opts.max_payload_bytes).is_none() {
        return Err(crate::catalogue::data_limit(&st.name));
    }
    let id = if lambda_arn {
        cx.emit(chain.get(), "LambdaFunctionSucceeded", || {
            Some((
                "lambdaFunctionSucceededEventDetails",
                json!({
                    "output": crate::io::to_compact(&result),
                    "outputDetails": {"truncated": false},
                }),
            ))
        })
    } else {
        cx.emit(chain.get(), "TaskSucceeded", || {
            Some((
                "taskSucceededEventDetails",
                json!({
                    "output": crate::io::to_compact(&result),
                    "outputDetails": {"truncated": false},
                    "resource": rname,
                    "resourceType": rtype,
                }),
            ))
        })
    };
    chain.set(id);
    cx.inspect("result", || result.clone());
    match st.ql {
        Ql::JsonPath => {
            let res = match &st.io.result_selector {
                Some(t) => t.eval(&Scope {
                    input: &result,
                    context: &ctx,
                    vars,
                })?,
                None => result,
            };
            super::inspect_result_steps(cx, raw, &res);
            let assigned = super::assign(st.io.assign.as_ref(), &res, &ctx, vars)?;
            let output = super::result_then_output(&st.io, raw, res, &ctx, vars)?;
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, raw, &ctx, Some(&result), None);
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

/// Calls the handler of a Task; also says whether the answer came from a pure source (a mock
/// configuration, a mock handler, or no handler at all).
async fn invoke(
    cx: &Cx<'_>,
    req: &TaskRequest,
    timeout_s: Option<u64>,
    heartbeat_s: Option<u64>,
) -> (Result<Value, HandlerError>, bool) {
    if let Some(r) = cx.exec.handlers.mocked(req) {
        // Mocked Lambda responses are whole Invoke responses; a plain function ARN resource
        // yields only the function's Payload (Step Functions Local mock semantics).
        if req.resource.starts_with("arn:aws:lambda:")
            && let Ok(Value::Object(m)) = &r
            && m.contains_key("StatusCode")
            && let Some(p) = m.get("Payload")
        {
            return (Ok(p.clone()), true);
        }
        return (r, true);
    }
    let Some(h) = cx.exec.handlers.resolve(req) else {
        let (error, cause) =
            crate::catalogue::no_handler(&req.action, &req.state_name, &req.resource);
        return (Err(HandlerError::new(error, cause)), true);
    };
    let pure = h.is_pure();
    // A handler's time is real time on either clock (ARCHITECTURE, Engine: "real time spent
    // in handlers still counts"): TimeoutSeconds and HeartbeatSeconds are enforced on it.
    let r = if timeout_s.is_none() && heartbeat_s.is_none() {
        h.invoke(req).await
    } else {
        bounded(h.invoke(req), &req.heartbeat, timeout_s, heartbeat_s).await
    };
    (r, pure)
}

/// Runs a handler's future under `TimeoutSeconds` (States.Timeout) and `HeartbeatSeconds`
/// (States.HeartbeatTimeout: no [`crate::handlers::Heartbeat::beat`] for that long).
async fn bounded(
    fut: crate::handlers::HandlerFuture<'_>,
    heartbeat: &crate::handlers::Heartbeat,
    timeout_s: Option<u64>,
    heartbeat_s: Option<u64>,
) -> Result<Value, HandlerError> {
    let far = std::time::Duration::from_secs(MAX_TASK_SECONDS);
    let limit = timeout_s.map_or(far, std::time::Duration::from_secs);
    let deadline = tokio::time::Instant::now()
        .checked_add(limit)
        .unwrap_or_else(tokio::time::Instant::now);
    let beat_every = heartbeat_s.map_or(far, std::time::Duration::from_secs);
    let as_error = |f: Failure| {
        let (error, cause) = f.into_parts();
        HandlerError {
            error: error.unwrap_or_default(),
            cause,
        }
    };
    let mut fut = fut;
    loop {
        let beat_deadline = tokio::time::Instant::now()
            .checked_add(beat_every)
            .unwrap_or(deadline);
        tokio::select! {
            r = &mut fut => return r,
            () = tokio::time::sleep_until(deadline) => {
                return Err(as_error(crate::catalogue::task_timeout()));
            }
            () = tokio::time::sleep_until(beat_deadline) => {
                return Err(as_error(crate::catalogue::heartbeat_timeout()));
            }
            () = heartbeat.notified() => {}
        }
    }
}
