//! TestState: one state run on its own (the engine's TestState implementation), answered in
//! the API's shape (`status`, `output` as JSON text, `error`, `cause`).

use std::sync::Arc;

use nexus_engine::test_state::{TestStateError, TestStateRequest};
use nexus_engine::{RunOptions, VirtualClock};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::service::Service;

/// Runs a TestState request.
pub async fn test_state(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let text = |k: &str| req.get(k).and_then(Value::as_str).map(String::from);
    let definition =
        text("definition").ok_or_else(|| ApiError::validation("definition is required"))?;
    let definition: Value = serde_json::from_str(&definition).map_err(|e| {
        ApiError::new(
            "InvalidDefinition",
            format!("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {e}'"),
        )
    })?;
    let input = match text("input") {
        Some(t) => serde_json::from_str(&t)
            .map_err(|e| ApiError::new("InvalidExecutionInput", format!("Invalid input: {e}")))?,
        None => Value::Object(Map::new()),
    };
    let r = TestStateRequest {
        definition,
        state_name: text("stateName"),
        input,
        mock: req.get("mock").cloned(),
        context: req.get("context").cloned(),
        variables: req.get("variables").cloned(),
        role_arn: text("roleArn"),
    };
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
        Ok(x) => {
            let mut m = Map::new();
            m.insert("status".into(), x.status.as_str().into());
            if let Some(o) = x.output {
                m.insert("output".into(), o.to_string().into());
            }
            if let Some(e) = x.error {
                m.insert("error".into(), e.into());
            }
            if let Some(c) = x.cause {
                m.insert("cause".into(), c.into());
            }
            Ok(Value::Object(m))
        }
        Err(TestStateError::Rejected(r)) => {
            let code = match r.code.as_str() {
                "InvalidDefinition" => "InvalidDefinition",
                _ => "ValidationException",
            };
            Err(ApiError::new(code, r.message))
        }
        Err(TestStateError::Run(e)) => Err(ApiError::internal(e.to_string())),
    }
}
