//! Distributed Map `ResultWriter` exports (AWS Developer Guide, "ResultWriter (Map)"): the
//! records of the child executions (Transformation NONE, the default when exporting), the
//! FAILED and PENDING files, the manifest, and exports of runs that fail. The shapes of
//! COMPACT/FLATTEN and the invalid configurations are in `tests/cases/result_writer.yaml`.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use nexus_engine::handlers::HandlerFuture;
use nexus_engine::{Engine, Execution, Handler, Handlers, RunOptions, TaskRequest};
use serde_json::{Value, json};

/// `s3:putObject`: keeps every request.
#[derive(Default)]
struct Bucket {
    puts: Mutex<Vec<Value>>,
}

impl Handler for Bucket {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        self.puts.lock().unwrap().push(req.input.clone());
        Box::pin(std::future::ready(Ok(json!({"ETag": "\"e\""}))))
    }
}

/// A Distributed Map over `$.items` exporting to `out/runs`; a string item fails its child
/// execution with `Bad`.
fn machine(extra: Value) -> Value {
    let mut m = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice",
                    "Choices": [{"Variable": "$", "IsNumeric": true, "Next": "Double"}],
                    "Default": "Bad"},
                "Double": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": true},
                "Bad": {"Type": "Fail", "Error": "Bad", "Cause": "not a number"}
            }
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "out", "Prefix": "runs"}
        },
        "End": true
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut m, extra) {
        m.extend(e);
    }
    json!({"StartAt": "M", "States": {"M": m}})
}

fn run(def: Value, items: Value) -> (Execution, Vec<Value>) {
    let bucket = Arc::new(Bucket::default());
    let mut h = Handlers::new();
    h.register("s3:putObject", bucket.clone());
    let opts = RunOptions {
        execution_name: Some("exec".into()),
        ..RunOptions::default()
    };
    let x = Engine::new(&def, opts)
        .unwrap()
        .run(json!({"items": items}), &h)
        .unwrap();
    let puts = bucket.puts.lock().unwrap().clone();
    (x, puts)
}

/// The files written, by key suffix (`SUCCEEDED_0.json`...), with their bodies parsed.
fn file<'a>(puts: &'a [Value], suffix: &str) -> Option<&'a Value> {
    puts.iter()
        .find(|p| p["Key"].as_str().unwrap().ends_with(suffix))
}

fn body(put: &Value) -> Value {
    serde_json::from_str(put["Body"].as_str().unwrap()).unwrap()
}

#[test]
fn exported_records_hold_each_child_execution() {
    let (x, puts) = run(
        machine(json!({"ToleratedFailureCount": 1})),
        json!([1, "x", 3]),
    );
    assert_eq!(x.summary()["status"], "SUCCEEDED", "{}", x.summary());
    let out = x.output.unwrap();
    let run_arn = out["MapRunArn"].as_str().unwrap().to_string();
    assert!(run_arn.starts_with("arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/M:"));
    let run_id = run_arn.rsplit(':').next().unwrap();
    let manifest_key = format!("runs/{run_id}/manifest.json");
    assert_eq!(
        out["ResultWriterDetails"],
        json!({"Bucket": "out", "Key": manifest_key})
    );
    // Two files then the manifest, all in the bucket of the Parameters.
    assert_eq!(puts.len(), 3);
    assert!(puts.iter().all(|p| p["Bucket"] == "out"));
    assert_eq!(puts[2]["Key"], manifest_key.as_str());

    let ok = body(file(&puts, "/SUCCEEDED_0.json").unwrap());
    let ok = ok.as_array().unwrap();
    assert_eq!(ok.len(), 2);
    let r = &ok[0];
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ExecutionArn",
            "Input",
            "InputDetails",
            "Name",
            "Output",
            "OutputDetails",
            "RedriveCount",
            "RedriveStatus",
            "RedriveStatusReason",
            "StartDate",
            "StateMachineArn",
            "Status",
            "StopDate"
        ]
    );
    let name = r["Name"].as_str().unwrap();
    assert_eq!(name.len(), 36, "a UUID: {name}");
    assert_eq!(
        r["ExecutionArn"],
        format!("arn:aws:states:us-east-1:123456789012:execution:StateMachine/M:{name}")
    );
    assert_eq!(
        r["StateMachineArn"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine/M"
    );
    // Input and Output are JSON text, as AWS writes them.
    assert_eq!(r["Input"], "1");
    assert_eq!(r["Output"], r#"{"n":1}"#);
    assert_eq!(r["InputDetails"], json!({"Included": true}));
    assert_eq!(r["Status"], "SUCCEEDED");
    assert_eq!(r["StartDate"], "2024-01-01T00:00:00.000Z");
    assert_eq!(ok[1]["Input"], "3");
    assert_ne!(ok[1]["Name"], r["Name"]);

    let failed = body(file(&puts, "/FAILED_0.json").unwrap());
    let f = &failed[0];
    assert_eq!(f["Status"], "FAILED");
    assert_eq!(f["Error"], "Bad");
    assert_eq!(f["Cause"], "not a number");
    assert_eq!(f["Input"], r#""x""#);
    assert!(f.get("Output").is_none());
    assert_eq!(
        f.as_object().unwrap().keys().next().map(String::as_str),
        Some("Cause"),
        "fields in alphabetical order"
    );
    assert!(file(&puts, "/PENDING_0.json").is_none());

    let manifest = body(&puts[2]);
    let size = |suffix: &str| file(&puts, suffix).unwrap()["Body"].as_str().unwrap().len();
    assert_eq!(
        manifest,
        json!({
            "DestinationBucket": "out",
            "MapRunArn": run_arn,
            "ResultFiles": {
                "FAILED": [{"Key": format!("runs/{run_id}/FAILED_0.json"), "Size": size("/FAILED_0.json")}],
                "PENDING": [],
                "SUCCEEDED": [{"Key": format!("runs/{run_id}/SUCCEEDED_0.json"), "Size": size("/SUCCEEDED_0.json")}]
            }
        })
    );
}

#[test]
fn a_failed_run_is_exported_with_its_pending_items_and_fails() {
    // One at a time: the failure of the second item stops the run before the last two.
    let (x, puts) = run(machine(json!({"MaxConcurrency": 1})), json!([1, "x", 3, 4]));
    assert_eq!(x.error.as_deref(), Some("Bad"), "{}", x.summary());
    let pending = body(file(&puts, "/PENDING_0.json").unwrap());
    assert_eq!(
        pending,
        json!([
            {"Input": "3", "InputDetails": {"Included": true}, "Status": "PENDING"},
            {"Input": "4", "InputDetails": {"Included": true}, "Status": "PENDING"}
        ])
    );
    assert_eq!(
        body(file(&puts, "/FAILED_0.json").unwrap())[0]["Error"],
        "Bad"
    );
    assert_eq!(
        body(file(&puts, "/SUCCEEDED_0.json").unwrap())[0]["Input"],
        "1"
    );
    let manifest = body(file(&puts, "/manifest.json").unwrap());
    assert_eq!(
        manifest["ResultFiles"]["PENDING"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn a_run_over_its_failure_threshold_is_exported_and_fails() {
    let (x, puts) = run(
        machine(json!({"ToleratedFailurePercentage": 10})),
        json!([1, "x", "y"]),
    );
    assert_eq!(
        x.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(
        body(file(&puts, "/FAILED_0.json").unwrap())
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(file(&puts, "/manifest.json").is_some());
}

#[test]
fn without_export_a_failed_child_keeps_its_record_under_compact() {
    // AWS: "If a child workflow execution fails, Step Functions returns its execution result
    // unchanged", as with Transformation NONE.
    let mut def = machine(json!({"ToleratedFailureCount": 1}));
    def["States"]["M"]["ResultWriter"] = json!({"WriterConfig": {"Transformation": "COMPACT"}});
    let (x, puts) = run(def, json!([1, "x"]));
    assert!(puts.is_empty());
    let out = x.output.unwrap();
    assert_eq!(out[0], json!({"n": 1}));
    assert_eq!(out[1]["Status"], "FAILED");
    assert_eq!(out[1]["Error"], "Bad");
}
