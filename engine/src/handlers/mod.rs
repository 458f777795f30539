//! Task handlers: what a `Task` state's `Resource` does when run locally. A [`Handler`] is
//! resolved by exact resource ARN, then by action name (the last `:`/`/` part of a Lambda ARN,
//! the `FunctionName` of `lambda:invoke`, or a plain action such as `validate-user`). A mock
//! configuration, when given, answers first. A Task with no handler fails with
//! `States.Runtime` naming the action.

mod config;
mod error;
mod exec;
mod http;
pub(crate) mod mock_config;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

pub use config::HandlerConfigError;
pub use error::HandlerError;
pub use exec::ExecHandler;
pub use http::HttpHandler;

use crate::handlers::mock_config::MockConfig;

/// A boxed future returned by handlers.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, HandlerError>> + Send + 'a>>;

/// What a Task hands to its handler.
#[derive(Debug, Clone)]
pub struct TaskRequest {
    /// The state's `Resource`.
    pub resource: String,
    /// The action name derived from the resource (see module docs).
    pub action: String,
    /// Name of the Task state.
    pub state_name: String,
    /// Effective parameters (after InputPath/Parameters or JSONata Arguments).
    pub input: Value,
    /// 0-based invocation number of this state in this execution (retries count).
    pub invocation: u64,
    /// `$$.Task.Token` for `.waitForTaskToken` resources.
    pub task_token: Option<String>,
    /// How a long-running handler reports that it is alive (see [`Heartbeat`]).
    pub heartbeat: Heartbeat,
}

/// The local `SendTaskHeartbeat`: a handler that runs long calls [`Heartbeat::beat`] on its
/// request's `heartbeat` (it may clone it into a thread or task). A Task with
/// `HeartbeatSeconds` fails with `States.HeartbeatTimeout` when the handler neither answers
/// nor beats for that many seconds of real time, and with `States.Timeout` after
/// `TimeoutSeconds` whatever the beats; both on the virtual clock too.
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(Arc<tokio::sync::Notify>);

impl Heartbeat {
    /// Tells the engine the task is still making progress.
    pub fn beat(&self) {
        self.0.notify_one();
    }

    /// Resolves at the next beat (or at once for a beat no one has waited for yet).
    pub(crate) async fn notified(&self) {
        self.0.notified().await;
    }
}

/// Runs one kind of Task.
pub trait Handler: Send + Sync {
    /// Invokes the task.
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a>;

    /// Whether the handler acts on nothing outside the run and answers a request the same
    /// way every time (a mock). With an event log, the answers of all other handlers are
    /// forced to disk before the execution goes on, so a resume never calls them again.
    fn is_pure(&self) -> bool {
        false
    }
}

/// A handler answering with a fixed result or error.
#[derive(Debug, Clone)]
pub enum MockHandler {
    /// Succeed with this value.
    Return(Value),
    /// Fail with this error.
    Throw(HandlerError),
}

impl Handler for MockHandler {
    fn invoke<'a>(&'a self, _req: &'a TaskRequest) -> HandlerFuture<'a> {
        let r = match self {
            MockHandler::Return(v) => Ok(v.clone()),
            MockHandler::Throw(e) => Err(e.clone()),
        };
        Box::pin(std::future::ready(r))
    }

    fn is_pure(&self) -> bool {
        true
    }
}

/// The handler set of a run.
#[derive(Clone, Default)]
pub struct Handlers {
    by_key: HashMap<String, Arc<dyn Handler>>,
    fallback: Option<Arc<dyn Handler>>,
    overriding: Option<Arc<dyn Handler>>,
    mock: Option<(Arc<MockConfig>, String, String)>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handlers")
            .field("keys", &self.by_key.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .field("mock", &self.mock.as_ref().map(|m| (&m.1, &m.2)))
            .finish()
    }
}

impl Handlers {
    /// No handlers: every Task fails with a clear error.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a handler for a resource ARN or action name.
    pub fn register(&mut self, key: impl Into<String>, h: Arc<dyn Handler>) -> &mut Self {
        self.by_key.insert(key.into(), h);
        self
    }

    /// Handler used when nothing else matches.
    pub fn set_fallback(&mut self, h: Arc<dyn Handler>) -> &mut Self {
        self.fallback = Some(h);
        self
    }

    /// Handler answering every Task, before mock configurations and registered handlers
    /// (a TestState `mock`).
    pub fn set_override(&mut self, h: Arc<dyn Handler>) -> &mut Self {
        self.overriding = Some(h);
        self
    }

    /// Answers Tasks from a Step Functions Local mock configuration, for the given state
    /// machine name and test case.
    pub fn set_mock_config(
        &mut self,
        config: Arc<MockConfig>,
        state_machine: impl Into<String>,
        test_case: impl Into<String>,
    ) -> &mut Self {
        self.mock = Some((config, state_machine.into(), test_case.into()));
        self
    }

    /// The mocked answer for this request, if the mock configuration covers the state.
    pub(crate) fn mocked(&self, req: &TaskRequest) -> Option<Result<Value, HandlerError>> {
        if self.overriding.is_some() {
            return None;
        }
        let (cfg, sm, case) = self.mock.as_ref()?;
        cfg.response(sm, case, &req.state_name, req.invocation)
    }

    /// Finds the handler for a request.
    pub(crate) fn resolve(&self, req: &TaskRequest) -> Option<&Arc<dyn Handler>> {
        self.overriding
            .as_ref()
            .or_else(|| self.by_key.get(&req.resource))
            .or_else(|| self.by_key.get(&req.action))
            .or(self.fallback.as_ref())
    }
}

/// The action name of a resource: `FunctionName` of `lambda:invoke` (name part of an ARN),
/// the function name of a Lambda ARN, the service action of an `arn:aws:states:::` resource,
/// or the resource itself.
pub(crate) fn action_name(resource: &str, input: &Value) -> String {
    if resource.starts_with("arn:aws:states:::lambda:invoke")
        && let Some(f) = input.get("FunctionName").and_then(Value::as_str)
    {
        return last_name(f);
    }
    if resource.starts_with("arn:aws:lambda:") {
        return last_name(resource);
    }
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        return rest.to_string();
    }
    resource.to_string()
}

fn last_name(arn: &str) -> String {
    // arn:aws:lambda:region:acct:function:NAME[:alias]
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts
            .get(i.saturating_add(1))
            .copied()
            .unwrap_or(arn)
            .to_string(),
        None => arn.rsplit([':', '/']).next().unwrap_or(arn).to_string(),
    }
}

/// `resourceType` and `resource` of the Task* history events
/// (`arn:aws:states:::lambda:invoke` → `lambda`, `invoke`).
pub(crate) fn resource_parts(resource: &str) -> (String, String) {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::")
        && let Some((svc, action)) = rest.split_once(':')
    {
        return (svc.to_string(), action.to_string());
    }
    if let Some(rest) = resource.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.split(':').collect();
        if let Some(svc) = parts.get(1) {
            return (svc.to_string(), resource.to_string());
        }
    }
    (String::from("nexus"), resource.to_string())
}
