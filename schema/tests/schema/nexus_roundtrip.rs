//! `lower(raise(x)).asl == x` over the conformance corpora and over random ASL machines.

use std::path::Path;

use nexus_schema::nexus::{lower, raise};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::asl_gen;
use asl_gen::top_machine;

/// Round-trip one definition; returns a failure description.
fn check(asl: &Value) -> Result<(), String> {
    let raised = raise(asl);
    let lowered = lower(&raised.nexus);
    if lowered.asl != *asl {
        return Err(format!(
            "round trip differs\nraised: {}\nlowered: {}",
            raised.nexus, lowered.asl
        ));
    }
    if !lowered.issues.is_empty() {
        return Err(format!("raised workflow has issues: {:?}", lowered.issues));
    }
    // Every node of the ASL view maps back to a node that exists in the NEXUS document.
    let mut pointers = Vec::new();
    all_pointers(asl, String::new(), &mut pointers);
    for p in pointers {
        let src = lowered.origin.to_source(&p);
        if raised.nexus.pointer(&src).is_none() {
            return Err(format!(
                "ASL pointer {p} maps to {src}, which does not exist"
            ));
        }
    }
    if let Some(n) = raised
        .notes
        .iter()
        .find(|n| n.message.contains("could not be expressed"))
    {
        return Err(format!("fell back to x_asl: {}", n.message));
    }
    Ok(())
}

fn all_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                all_pointers(item, nexus_schema::pointer::push(&at, k), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                all_pointers(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn read(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

#[test]
fn round_trips_every_sfn_definition() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let mut count = 0;
    let mut failures = Vec::new();
    let mut categories: Vec<_> = std::fs::read_dir(root.join("sfn"))
        .unwrap()
        .flatten()
        .collect();
    categories.sort_by_key(|e| e.path());
    for cat in categories {
        let mut cases: Vec<_> = std::fs::read_dir(cat.path()).unwrap().flatten().collect();
        cases.sort_by_key(|e| e.path());
        for case in cases {
            let def = case.path().join("definition.json");
            let Some(asl) = read(&def) else { continue };
            count += 1;
            if let Err(e) = check(&asl) {
                failures.push(format!("{}: {e}", def.display()));
            }
        }
    }
    println!(
        "sfn definitions round-tripped: {count}, failures: {}",
        failures.len()
    );
    assert!(count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn round_trips_every_lint_case() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let manifest = read(&root.join("lint/manifest.json")).unwrap();
    let (mut valid, mut invalid, mut invalid_ok) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        let Some(file) = case["file"].as_str() else {
            continue;
        };
        let Some(asl) = read(&root.join("lint").join(file)) else {
            continue;
        };
        if case["expected_verdict"] == "valid" {
            valid += 1;
            if let Err(e) = check(&asl) {
                failures.push(format!("{file}: {e}"));
            }
        } else {
            // Invalid definitions must not panic; most still round-trip.
            invalid += 1;
            if asl.is_object() && lower(&raise(&asl).nexus).asl == asl {
                invalid_ok += 1;
            }
        }
    }
    println!(
        "lint cases round-tripped: {valid} valid (failures: {}), {invalid_ok}/{invalid} invalid",
        failures.len()
    );
    assert!(valid > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        invalid_ok, invalid,
        "invalid object definitions should round-trip too"
    );
}

// ---------------------------------------------------------------------------------------------
// Random ASL machines.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_machines_round_trip(asl in top_machine()) {
        prop_assert_eq!(check(&asl), Ok(()));
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema.

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn founding_example_validates_against_the_schema() {
    let schema: Value = serde_json::from_str(nexus_schema::nexus::nexus_json_schema()).unwrap();
    assert_eq!(schema["$id"], json!(nexus_schema::nexus::SCHEMA_URL));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let founding = json!({
        "version": "1.0",
        "name": "Payment Reconciliation",
        "states": [
            {"name": "ValidateUser", "action": "validate-user-function", "next": "CheckBalance",
             "on_failure": {"retry": 3, "backoff": "exponential"}},
            {"name": "CheckBalance", "action": "check-balance-function", "next": "ExecuteTransfer",
             "on_failure": {"compensate": "refund-user"}},
            {"name": "ExecuteTransfer", "action": "execute-transfer-function", "next": "LogTransaction",
             "on_failure": {"compensate": "reverse-transfer"}}
        ]
    });
    assert_eq!(schema_errors(&validator, &founding), Vec::<String>::new());
    let bad = json!({"states": [{"name": "A", "type": "tsak", "on_failure": {"retry": "x"}}]});
    assert!(schema_errors(&validator, &bad).len() >= 3);
}

#[test]
fn every_raised_sfn_definition_validates_against_the_schema() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let schema: Value = serde_json::from_str(nexus_schema::nexus::nexus_json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut count = 0;
    let mut failures = Vec::new();
    for cat in std::fs::read_dir(root.join("sfn")).unwrap().flatten() {
        for case in std::fs::read_dir(cat.path()).unwrap().flatten() {
            let def = case.path().join("definition.json");
            let Some(asl) = read(&def) else { continue };
            if asl.get("States").is_none() {
                // A single state for the TestState API, not a workflow.
                continue;
            }
            count += 1;
            let errors = schema_errors(&validator, &raise(&asl).nexus);
            if !errors.is_empty() {
                failures.push(format!("{}: {}", def.display(), errors.join("; ")));
            }
        }
    }
    println!(
        "raised sfn definitions validated: {count}, failures: {}",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
