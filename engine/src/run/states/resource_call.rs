//! Calls to the handler or mock of a Distributed Map's `ItemReader` or `ResultWriter`
//! resource (`s3:getObject`, `s3:listObjectsV2`, `s3:putObject`...), journaled as Task
//! handler calls are: with an event log, the answer is logged (and forced to disk when the
//! handler acts outside the run), and a resumed run uses the logged answer instead of calling
//! again, so a reader whose data changed, or a writer with effects, is not called twice.

use serde_json::Value;

use super::Cx;
use crate::handlers::{HandlerError, TaskRequest};

/// Calls the handler of `resource` with `input` on behalf of the current state.
pub(crate) async fn call(cx: &Cx<'_>, resource: &str, input: Value) -> Result<Value, HandlerError> {
    let req = TaskRequest {
        resource: resource.to_string(),
        action: crate::handlers::action_name(resource, &input),
        state_name: cx.state.name.to_string(),
        input,
        invocation: cx.exec.next_invocation(&cx.state.name),
        task_token: None,
        heartbeat: crate::handlers::Heartbeat::default(),
    };
    let Some(j) = cx.exec.journal.as_deref() else {
        return invoke(cx, &req).await.0;
    };
    let seq = j.handler_invoked(&req.state_name, &req.action, cx.exec.now());
    match j.gate(seq).await {
        Some(crate::log::journal::Replayed::Handler(o)) => o,
        _ => {
            let (o, pure) = invoke(cx, &req).await;
            j.handler_returned(seq, cx.exec.now(), &o, !pure);
            o
        }
    }
}

/// The answer, and whether it came from a pure source (a mock, or no handler at all).
async fn invoke(cx: &Cx<'_>, req: &TaskRequest) -> (Result<Value, HandlerError>, bool) {
    if let Some(r) = cx.exec.handlers.mocked(req) {
        return (r, true);
    }
    match cx.exec.handlers.resolve(req) {
        Some(h) => (h.invoke(req).await, h.is_pure()),
        None => {
            let (error, cause) =
                crate::catalogue::no_handler(&req.action, &req.state_name, &req.resource);
            (Err(HandlerError::new(error, cause)), true)
        }
    }
}
