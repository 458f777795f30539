//! The Tasks the service runs itself, for one execution: `.waitForTaskToken` callbacks
//! (answered by SendTaskSuccess/SendTaskFailure, kept alive by SendTaskHeartbeat), activities
//! (handed to GetActivityTask pollers) and `states:startExecution` child executions (plain,
//! `.sync`, `.sync:2`, `.waitForTaskToken`) on the same service.
//!
//! Everything else goes to the user's handlers. A callback Task whose resource also has a
//! handler (say a Lambda that forwards the token) calls it first, for its effect, then waits
//! for the token, as Step Functions invokes the service and then waits.

use std::sync::{Arc, Weak};

use nexus_engine::handlers::{HandlerFuture, Heartbeat};
use nexus_engine::{Handler, HandlerError, Handlers, TaskRequest};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::service::{QueuedTask, Service, Signal, check_input};

const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// Whether the service runs this Task itself (see the module docs).
pub fn claims(req: &TaskRequest) -> bool {
    req.task_token.is_some()
        || req.resource.starts_with(START_EXECUTION)
        || is_activity(&req.resource)
}

fn is_activity(resource: &str) -> bool {
    crate::service::activity_name(resource).is_ok()
}

/// The service Tasks of one execution.
pub struct ServiceTasks {
    svc: Weak<Service>,
    execution: String,
    user: Handlers,
}

impl ServiceTasks {
    /// For the execution `execution`; `user` are the user's handlers.
    pub fn new(svc: &Arc<Service>, execution: &str, user: Handlers) -> Self {
        Self {
            svc: Arc::downgrade(svc),
            execution: execution.to_string(),
            user,
        }
    }

    fn svc(&self) -> Result<Arc<Service>, HandlerError> {
        self.svc
            .upgrade()
            .ok_or_else(|| HandlerError::new("States.Runtime", "the service is shutting down"))
    }

    async fn run(&self, req: &TaskRequest) -> Result<Value, HandlerError> {
        let svc = self.svc()?;
        if let Some(mode) = req.resource.strip_prefix(START_EXECUTION) {
            return self.child(&svc, req, mode).await;
        }
        if is_activity(&req.resource) {
            return self.activity(&svc, req).await;
        }
        let Some(token) = &req.task_token else {
            return Err(HandlerError::new("States.Runtime", "not a service task"));
        };
        let wait = Callback::open(&svc, token);
        if let Some(h) = self.user.resolve(req) {
            h.invoke(req).await?;
        }
        wait.wait(&req.heartbeat).await
    }

    async fn activity(&self, svc: &Arc<Service>, req: &TaskRequest) -> Result<Value, HandlerError> {
        let name = crate::service::activity_name(&req.resource)
            .map_err(|e| HandlerError::new("States.Runtime", e.message))?;
        if !svc.lock().activities.contains_key(&name) {
            return Err(HandlerError::new(
                "States.Runtime",
                format!("Activity Does Not Exist: '{}'", req.resource),
            ));
        }
        // Derived from the execution, state and invocation: a resumed execution hands the
        // same task out again under the same token.
        let token = format!(
            "{}/activity/{}/{}",
            self.execution, req.state_name, req.invocation
        );
        let wait = Callback::open(svc, &token);
        svc.lock()
            .queues
            .entry(req.resource.clone())
            .or_default()
            .push_back(QueuedTask {
                token: token.clone(),
                input: req.input.to_string(),
            });
        svc.activity_ready.notify_waiters();
        svc.activity_ready.notify_one();
        wait.wait(&req.heartbeat).await
    }

    async fn child(
        &self,
        svc: &Arc<Service>,
        req: &TaskRequest,
        mode: &str,
    ) -> Result<Value, HandlerError> {
        let p = &req.input;
        let machine = p
            .get("StateMachineArn")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                HandlerError::new(
                    "States.Runtime",
                    "states:startExecution needs a StateMachineArn parameter",
                )
            })?;
        let input = match p.get("Input") {
            None | Some(Value::Null) => String::from("{}"),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        // Without a Name the child's is derived from the parent, state and invocation, so a
        // parent re-running this Task after a restart finds the same child.
        let name = match p.get("Name").and_then(Value::as_str) {
            Some(n) => n.to_string(),
            None => nexus_engine::uuid_of(&format!(
                "{}/{}/{}",
                self.execution, req.state_name, req.invocation
            )),
        };
        let wait = match (mode, &req.task_token) {
            (".waitForTaskToken", Some(t)) => Some(Callback::open(svc, t)),
            _ => None,
        };
        let sdk_error = |e: crate::error::ApiError| HandlerError {
            error: format!(
                "StepFunctions.{}Exception",
                e.code.trim_end_matches("Exception")
            ),
            cause: Some(e.message),
        };
        check_input(&input, "input", "InvalidExecutionInput").map_err(sdk_error)?;
        let (arn, start) = svc
            .start_execution(
                machine,
                Some(name),
                Some(input),
                Some(self.execution.clone()),
            )
            .map_err(sdk_error)?;
        match mode {
            "" => Ok(json!({"ExecutionArn": arn, "StartDate": start})),
            ".sync" | ".sync:2" => {
                let rec = svc.wait_done(&arn).await.map_err(sdk_error)?;
                let parse = mode == ".sync:2";
                let data = |t: &str| -> Value {
                    if parse {
                        serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_string()))
                    } else {
                        Value::String(t.to_string())
                    }
                };
                let mut out = json!({
                    "ExecutionArn": arn,
                    "Input": data(&rec.input),
                    "InputDetails": {"Included": true},
                    "Name": rec.name,
                    "StateMachineArn": rec.machine_arn,
                    "StartDate": rec.start_ms,
                    "StopDate": rec.stop_ms,
                    "Status": rec.status,
                });
                if let Value::Object(m) = &mut out {
                    if let Some(o) = &rec.output {
                        m.insert("Output".into(), data(o));
                        m.insert("OutputDetails".into(), json!({"Included": true}));
                    }
                    if let Some(e) = &rec.error {
                        m.insert("Error".into(), e.clone().into());
                    }
                    if let Some(c) = &rec.cause {
                        m.insert("Cause".into(), c.clone().into());
                    }
                }
                if rec.status == "SUCCEEDED" {
                    Ok(out)
                } else {
                    // AWS: a child that does not succeed fails the Task with States.TaskFailed,
                    // the child's description as the cause.
                    Err(HandlerError::new("States.TaskFailed", out.to_string()))
                }
            }
            _ => match wait {
                Some(w) => w.wait(&req.heartbeat).await,
                None => Err(HandlerError::new(
                    "States.Runtime",
                    format!("unsupported resource '{}'", req.resource),
                )),
            },
        }
    }
}

impl Handler for ServiceTasks {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        Box::pin(self.run(req))
    }
}

/// A Task waiting for its token. Dropping it (the Task ended, or the execution was stopped)
/// closes the callback and takes an untaken activity task back out of its queue.
struct Callback {
    svc: Arc<Service>,
    token: String,
    rx: mpsc::UnboundedReceiver<Signal>,
}

impl Callback {
    fn open(svc: &Arc<Service>, token: &str) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        svc.lock().callbacks.insert(token.to_string(), tx);
        Self {
            svc: svc.clone(),
            token: token.to_string(),
            rx,
        }
    }

    /// Waits for SendTaskSuccess or SendTaskFailure. SendTaskHeartbeat beats the request's
    /// heartbeat: the engine fails the Task with `States.HeartbeatTimeout` when beats stop
    /// for `HeartbeatSeconds`, and with `States.Timeout` after `TimeoutSeconds`.
    async fn wait(mut self, heartbeat: &Heartbeat) -> Result<Value, HandlerError> {
        loop {
            match self.rx.recv().await {
                Some(Signal::Success(v)) => return Ok(v),
                Some(Signal::Failure(error, cause)) => return Err(HandlerError { error, cause }),
                Some(Signal::Heartbeat) => heartbeat.beat(),
                None => {
                    return Err(HandlerError::new(
                        "States.Runtime",
                        "the callback was closed",
                    ));
                }
            }
        }
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        let mut st = self.svc.lock();
        st.callbacks.remove(&self.token);
        for q in st.queues.values_mut() {
            q.retain(|t| t.token != self.token);
        }
    }
}
