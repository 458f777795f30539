//! TestState: the engine's TestState (request checks, one run of the state, the verdict)
//! answered in the API's shape: `status`, `output` (JSON text), `error`, `cause`,
//! `nextState` and, at `inspectionLevel` DEBUG or TRACE, `inspectionData`.

use std::sync::Arc;

use nexus_engine::test_state::{TestStateError, TestStateRequest};
use nexus_engine::{RunOptions, VirtualClock};
use serde_json::Value;

use crate::error::ApiError;
use crate::service::Service;

/// Runs a TestState request.
pub async fn test_state(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let r = TestStateRequest::from_api(req).map_err(|r| ApiError::new(r.code, r.message))?;
    let opts = RunOptions {
        region: svc.cfg.partition.region.clone(),
        account: svc.cfg.partition.account.clone(),
        clock: Arc::new(VirtualClock::starting_now()),
        ..RunOptions::default()
    };
    let handlers = svc.cfg.handlers.clone();
    // The engine's TestState blocks on a runtime of its own, which cannot start on a thread
    // of the service's runtime (not even a blocking-pool one): a plain thread runs it.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(nexus_engine::test_state::test_state(&r, opts, &handlers));
    });
    let done = rx
        .await
        .map_err(|_| ApiError::internal("the TestState run ended without an answer"))?;
    match done {
        Ok(answer) => Ok(answer.to_json()),
        // A client-side constraint (botocore's) is the service's ValidationException.
        Err(TestStateError::Rejected(r)) if r.code == "ParamValidationError" => {
            Err(ApiError::validation(r.message))
        }
        Err(TestStateError::Rejected(r)) => Err(ApiError::new(r.code, r.message)),
        Err(TestStateError::Run(e)) => Err(ApiError::internal(e.to_string())),
    }
}
