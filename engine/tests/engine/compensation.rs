//! NEXUS `compensate` in the engine gives what the plain ASL of `nexus export asl` gives:
//! the same status, error and cause, and the same compensation calls in the same order.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use nexus_engine::{
    Engine, Execution, Handler, HandlerError, Handlers, RunOptions, TaskRequest,
    handlers::HandlerFuture,
};
use serde_json::{Value, json};

/// Records the action of every call and fails the actions listed in `fail`.
struct Recorder {
    calls: Arc<Mutex<Vec<String>>>,
    fail: Vec<&'static str>,
}

impl Handler for Recorder {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        self.calls.lock().unwrap().push(req.action.clone());
        let r = if self.fail.contains(&req.action.as_str()) {
            Err(HandlerError::new(
                "Step.Failed",
                format!("{} failed", req.action),
            ))
        } else {
            Ok(json!({"Payload": {"done": req.action}}))
        };
        Box::pin(std::future::ready(r))
    }
}

fn run(
    def: &Value,
    comps: &[nexus_schema::nexus::Compensation],
    fail: &[&'static str],
) -> (Execution, Vec<String>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(Recorder {
        calls: calls.clone(),
        fail: fail.to_vec(),
    }));
    let x = Engine::with_compensations(def, comps, RunOptions::default())
        .unwrap()
        .run(json!({"order": 7}), &h)
        .unwrap();
    let c = calls.lock().unwrap().clone();
    (x, c)
}

fn native_and_exported(
    yaml: &str,
    fail: &[&'static str],
) -> ((Execution, Vec<String>), (Execution, Vec<String>)) {
    let loaded = nexus_schema::source::load_source("saga.nexus.yaml", Arc::from(yaml));
    let doc = loaded.documents.first().unwrap();
    let comps = nexus_schema::nexus::lower(&doc.raw).compensations;
    assert!(!comps.is_empty());
    let native = run(&doc.asl, &comps, fail);
    let exported = nexus_migrate::export(&doc.raw).unwrap().asl;
    let plain = run(&exported, &[], fail);
    (native, plain)
}

const SAGA: &str = r#"version: "1.0"
name: saga
states:
  - name: Reserve
    action: reserve
    next: Charge
    on_failure: {compensate: release}
  - name: Charge
    action: charge
    next: Ship
    on_failure: {compensate: refund}
  - name: Ship
    action: ship
    end: true
"#;

#[test]
fn compensations_match_the_exported_saga() {
    for fail in [&["ship"][..], &["charge"][..], &["reserve"][..], &[][..]] {
        let ((n, nc), (p, pc)) = native_and_exported(SAGA, fail);
        assert_eq!(n.status, p.status, "fail {fail:?}");
        assert_eq!(n.error, p.error, "fail {fail:?}");
        assert_eq!(n.cause, p.cause, "fail {fail:?}");
        assert_eq!(nc, pc, "fail {fail:?}");
    }
    let ((_, calls), _) = native_and_exported(SAGA, &["ship"]);
    assert_eq!(calls, ["reserve", "charge", "ship", "refund", "release"]);
}

#[test]
fn a_failing_compensation_fails_with_its_own_error() {
    let ((n, calls), (p, _)) = native_and_exported(SAGA, &["ship", "refund"]);
    assert_eq!(n.cause.as_deref(), Some("refund failed"));
    assert_eq!(n.cause, p.cause);
    assert_eq!(calls, ["reserve", "charge", "ship", "refund"]);
}

#[test]
fn caught_failures_do_not_compensate() {
    let yaml = r#"version: "1.0"
name: saga
states:
  - name: Reserve
    action: reserve
    next: Charge
    on_failure: {compensate: release}
  - name: Charge
    action: charge
    end: true
    on_failure:
      catch:
        - error_equals: [States.ALL]
          next: Fallback
  - name: Fallback
    type: pass
    end: true
"#;
    let ((n, calls), (p, pc)) = native_and_exported(yaml, &["charge"]);
    assert_eq!(n.status, p.status);
    assert_eq!(calls, pc);
    assert_eq!(calls, ["reserve", "charge"]);
}
