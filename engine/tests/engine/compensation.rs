//! NEXUS `compensate` (docs/nexus-yaml.md §4) in the engine gives what the plain ASL of
//! `nexus export asl` gives: the same status, error and cause, and the same compensation
//! calls, with the same inputs, in the same order.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use nexus_engine::{
    Engine, Execution, ExecutionStatus, Handler, HandlerError, Handlers, RunOptions, TaskRequest,
    handlers::HandlerFuture,
};
use serde_json::{Value, json};

type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// Records the action and input of every call; fails the actions listed in `fail`, else
/// answers from `inner` (when given) or with `{"Payload": {"done": action}}`.
struct Recorder {
    calls: Calls,
    fail: Vec<&'static str>,
    inner: Option<Handlers>,
}

impl Handler for Recorder {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let payload = req
            .input
            .get("Payload")
            .cloned()
            .unwrap_or(req.input.clone());
        self.calls
            .lock()
            .unwrap()
            .push((req.action.clone(), payload));
        if self.fail.contains(&req.action.as_str()) {
            let e = HandlerError::new("Step.Failed", format!("{} failed", req.action));
            return Box::pin(std::future::ready(Err(e)));
        }
        if let Some(h) = self.inner.as_ref().and_then(|i| i.resolve(req)) {
            return h.invoke(req);
        }
        Box::pin(std::future::ready(Ok(
            json!({"Payload": {"done": req.action}}),
        )))
    }
}

struct Run {
    x: Execution,
    calls: Vec<(String, Value)>,
}

impl Run {
    fn actions(&self) -> Vec<&str> {
        self.calls.iter().map(|(a, _)| a.as_str()).collect()
    }
}

fn run(
    def: &Value,
    comps: &[nexus_schema::nexus::Compensation],
    hook: Option<&str>,
    fail: &[&'static str],
    inner: Option<Handlers>,
    input: &Value,
) -> Run {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut h = Handlers::new();
    h.set_override(Arc::new(Recorder {
        calls: calls.clone(),
        fail: fail.to_vec(),
        inner,
    }));
    let x = Engine::with_saga(def, comps, hook, RunOptions::default())
        .unwrap()
        .run(input.clone(), &h)
        .unwrap();
    let c = calls.lock().unwrap().clone();
    Run { x, calls: c }
}

/// Runs the NEXUS file natively and its exported ASL; asserts they agree; returns the native
/// run.
fn both_with(yaml: &str, fail: &[&'static str], inner: Option<Handlers>, input: &Value) -> Run {
    let loaded = nexus_schema::source::load_source("saga.nexus.yaml", Arc::from(yaml));
    let doc = loaded.documents.first().unwrap();
    let lowered = nexus_schema::nexus::lower(&doc.raw);
    assert!(lowered.issues.is_empty(), "{:?}", lowered.issues);
    assert!(!lowered.compensations.is_empty());
    let hook = lowered.on_compensation_failure.map(|h| h.action);
    let native = run(
        &doc.asl,
        &lowered.compensations,
        hook.as_deref(),
        fail,
        inner.clone(),
        input,
    );
    let exported = nexus_migrate::export(&doc.raw).unwrap().asl;
    let plain = run(&exported, &[], None, fail, inner, input);
    assert_eq!(native.x.status, plain.x.status, "fail {fail:?}");
    assert_eq!(native.x.error, plain.x.error, "fail {fail:?}");
    assert_eq!(native.x.cause, plain.x.cause, "fail {fail:?}");
    assert_eq!(native.x.output, plain.x.output, "fail {fail:?}");
    assert_eq!(native.calls, plain.calls, "fail {fail:?}");
    native
}

fn both(yaml: &str, fail: &[&'static str]) -> Run {
    both_with(yaml, fail, None, &json!({"order": 7}))
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
fn an_uncaught_failure_undoes_the_completed_steps_most_recent_first() {
    let r = both(SAGA, &["ship"]);
    assert_eq!(
        r.actions(),
        ["reserve", "charge", "ship", "refund", "release"]
    );
    assert_eq!(r.x.error.as_deref(), Some("Step.Failed"));
    assert_eq!(r.x.cause.as_deref(), Some("ship failed"));
    assert_eq!(
        both(SAGA, &["charge"]).actions(),
        ["reserve", "charge", "release"]
    );
    assert_eq!(both(SAGA, &["reserve"]).actions(), ["reserve"]);
    let ok = both(SAGA, &[]);
    assert_eq!(ok.x.status, ExecutionStatus::Succeeded);
    assert_eq!(ok.actions(), ["reserve", "charge", "ship"]);
}

#[test]
fn a_compensation_gets_the_input_and_result_of_its_step_and_the_error() {
    let r = both(SAGA, &["ship"]);
    let refund = &r.calls[3].1;
    assert_eq!(
        refund,
        &json!({
            "input": {"done": "reserve"},
            "result": {"done": "charge"},
            "error": {"Error": "Step.Failed", "Cause": "ship failed"}
        })
    );
    let release = &r.calls[4].1;
    assert_eq!(release["input"], json!({"order": 7}));
    assert_eq!(release["result"], json!({"done": "reserve"}));
}

#[test]
fn a_failing_compensation_does_not_stop_the_others_and_is_named() {
    let r = both(SAGA, &["ship", "refund"]);
    assert_eq!(
        r.actions(),
        ["reserve", "charge", "ship", "refund", "release"]
    );
    assert_eq!(r.x.error.as_deref(), Some("Nexus.CompensationFailed"));
    let cause: Value = serde_json::from_str(r.x.cause.as_deref().unwrap()).unwrap();
    assert_eq!(
        cause,
        json!({
            "error": {"Error": "Step.Failed", "Cause": "ship failed"},
            "failed": [{"state": "Charge", "action": "refund",
                        "Error": "Step.Failed", "Cause": "refund failed"}]
        })
    );
    let all = both(SAGA, &["ship", "refund", "release"]);
    let cause: Value = serde_json::from_str(all.x.cause.as_deref().unwrap()).unwrap();
    assert_eq!(cause["failed"].as_array().unwrap().len(), 2);
}

#[test]
fn a_compensation_is_retried_per_its_policy_and_the_hook_is_told() {
    let yaml = r#"version: "1.0"
name: saga
on_compensation_failure: alert-human
states:
  - name: Charge
    action: charge
    next: Ship
    on_failure:
      compensate: {action: refund, retry: 2, backoff: exponential}
  - name: Ship
    action: ship
    end: true
"#;
    let r = both(yaml, &["ship", "refund"]);
    assert_eq!(
        r.actions(),
        [
            "charge",
            "ship",
            "refund",
            "refund",
            "refund",
            "alert-human"
        ]
    );
    let told = &r.calls[5].1;
    assert_eq!(told["error"]["Error"], json!("Step.Failed"));
    assert_eq!(told["failed"][0]["state"], json!("Charge"));
    // The hook's own failure changes nothing.
    let r = both(yaml, &["ship", "refund", "alert-human"]);
    assert_eq!(r.x.error.as_deref(), Some("Nexus.CompensationFailed"));
    // Compensations that succeed call no hook.
    let r = both(yaml, &["ship"]);
    assert_eq!(r.actions(), ["charge", "ship", "refund"]);
    assert_eq!(r.x.error.as_deref(), Some("Step.Failed"));
}

#[test]
fn a_fail_state_compensates_however_it_is_reached() {
    let yaml = r#"version: "1.0"
name: saga
states:
  - name: Reserve
    action: reserve
    next: Charge
    on_failure: {compensate: release}
  - name: Charge
    action: charge
    next: Check
    on_failure:
      catch:
        - error_equals: [States.ALL]
          next: Rejected
  - name: Check
    type: choice
    choices:
      - variable: $.ok
        is_present: true
        next: Done
    default: Rejected
  - name: Done
    type: succeed
  - name: Rejected
    type: fail
    error: Rejected
"#;
    // Caught, then failed: compensated; the run fails with the Fail state's error (no cause).
    let r = both(yaml, &["charge"]);
    assert_eq!(r.actions(), ["reserve", "charge", "release"]);
    assert_eq!(r.x.error.as_deref(), Some("Rejected"));
    assert_eq!(r.x.cause, None);
    assert_eq!(r.calls[2].1["error"], json!({"Error": "Rejected"}));
    // A Choice's default leads there on a normal path: compensated too.
    let r = both(yaml, &[]);
    assert_eq!(r.actions(), ["reserve", "charge", "release"]);
}

#[test]
fn a_caught_failure_that_ends_well_undoes_nothing() {
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
    let r = both(yaml, &["charge"]);
    assert_eq!(r.x.status, ExecutionStatus::Succeeded);
    assert_eq!(r.actions(), ["reserve", "charge"]);
}

#[test]
fn only_the_steps_this_run_completed_are_undone() {
    // Which compensable states completed depends on the path: the export tracks it.
    let yaml = r#"version: "1.0"
name: saga
states:
  - name: Route
    type: choice
    choices:
      - variable: $.order
        numeric_equals: 7
        next: Reserve
    default: Pay
  - name: Reserve
    action: reserve
    next: Pay
    on_failure: {compensate: release}
  - name: Pay
    action: pay
    end: true
"#;
    let r = both_with(yaml, &["pay"], None, &json!({"order": 7}));
    assert_eq!(r.actions(), ["reserve", "pay", "release"]);
    let r = both_with(yaml, &["pay"], None, &json!({"order": 8}));
    assert_eq!(r.actions(), ["pay"]);
}

#[test]
fn a_branch_undoes_its_own_steps_then_the_parallel_fails() {
    let yaml = r#"version: "1.0"
name: saga
states:
  - name: Book
    action: book
    next: Fan
    on_failure: {compensate: unbook}
  - name: Fan
    type: parallel
    end: true
    branches:
      - states:
          - name: A
            action: a
            next: B
            on_failure: {compensate: undo-a}
          - name: B
            action: b
            end: true
"#;
    let r = both(yaml, &["b"]);
    assert_eq!(r.actions(), ["book", "a", "b", "undo-a", "unbook"]);
}

#[test]
fn jsonata_workflows_compensate_alike() {
    let yaml = r#"version: "1.0"
name: saga
query_language: JSONata
states:
  - name: Reserve
    action: reserve
    next: Charge
    on_failure: {compensate: release}
  - name: Charge
    action: charge
    next: Check
    on_failure: {compensate: refund}
  - name: Check
    type: choice
    choices:
      - condition: "{% $states.input.done = 'nothing' %}"
        next: Done
    default: Broken
  - name: Done
    type: succeed
  - name: Broken
    type: fail
    error: "{% 'Broken.' & $states.input.done %}"
    cause: went wrong
"#;
    let r = both(yaml, &["refund"]);
    assert_eq!(r.actions(), ["reserve", "charge", "refund", "release"]);
    assert_eq!(r.x.error.as_deref(), Some("Nexus.CompensationFailed"));
    let cause: Value = serde_json::from_str(r.x.cause.as_deref().unwrap()).unwrap();
    assert_eq!(
        cause["error"],
        json!({"Error": "Broken.charge", "Cause": "went wrong"})
    );
}

/// The bundled payment example (docs/run.md): logging fails after the transfer, its catcher
/// leads to `Rejected`, and the transfer is reversed, then the balance check refunded.
#[test]
fn the_payment_example_reverses_the_transfer_then_refunds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let yaml = std::fs::read_to_string(
        root.join("fixtures/valid/nexus/payment-reconciliation.nexus.yaml"),
    )
    .unwrap();
    let cfg_path = root.join("fixtures/engine/payment-handlers-log-down.yaml");
    let cfg: Value = serde_yaml_ng_or_json(&std::fs::read_to_string(&cfg_path).unwrap());
    let handlers = Handlers::from_config(&cfg, cfg_path.parent().unwrap()).unwrap();
    let r = both_with(
        &yaml,
        &[],
        Some(handlers),
        &json!({"user": "ada", "amount": 25}),
    );
    let by_action: HashMap<&str, usize> = r
        .actions()
        .into_iter()
        .enumerate()
        .map(|(i, a)| (a, i))
        .collect();
    assert_eq!(r.x.error.as_deref(), Some("PaymentRejected"));
    let reverse = by_action["reverse-transfer"];
    let refund = by_action["refund-user"];
    assert!(reverse < refund, "{:?}", r.actions());
    assert_eq!(
        r.actions()[reverse - 1..],
        [
            "log-transaction-function",
            "reverse-transfer",
            "refund-user"
        ]
    );
    assert_eq!(r.calls[reverse].1["result"]["transfer"], json!("T-1"));
}

/// The handlers file is YAML, read with the loader `nexus run` uses.
fn serde_yaml_ng_or_json(text: &str) -> Value {
    let mut docs =
        nexus_schema::load::load_yaml(text, &nexus_schema::load::YamlOptions::default()).unwrap();
    docs.remove(0).value
}
