//! The bundled ASL JSON Schema against the conformance corpora: it accepts every definition
//! AWS accepted and every case the validators' suites call valid, and rejects what it can
//! of the invalid ones (most of those need semantic rules, which are Rust code).

use crate::common;

use nexus_schema::asl_json_schema;
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(asl_json_schema()).expect("bundled schema is JSON");
    jsonschema::draft202012::new(&schema).expect("bundled schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn accepts_accepted_and_rejects_rejected_definitions() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let v = validator();
    let mut failures = Vec::new();
    let sfn = common::sfn_cases(&root);
    let (mut accepted, mut rejected) = (0, 0);
    for case in &sfn {
        let errs = errors(&v, &case.value);
        match (case.aws_rejected, errs.is_empty()) {
            (false, true) => accepted += 1,
            (true, false) => rejected += 1,
            (false, false) => failures.push(format!("{}: {}", case.name, errs.join("; "))),
            (true, true) => {
                failures.push(format!("{}: AWS rejected it, schema accepts", case.name))
            }
        }
    }
    let lint = common::lint_cases(&root);
    let (mut valid_ok, mut invalid_total, mut invalid_rejected) = (0, 0, 0);
    for case in &lint {
        let errs = errors(&v, &case.value);
        match case.verdict.as_deref() {
            Some("valid") if errs.is_empty() => valid_ok += 1,
            Some("valid") => failures.push(format!("{}: {}", case.name, errs.join("; "))),
            _ => {
                invalid_total += 1;
                invalid_rejected += usize::from(!errs.is_empty());
            }
        }
    }
    println!(
        "sfn: {accepted} accepted, {rejected} AWS-rejected also rejected (of {}); lint: {valid_ok} valid accepted; \
         {invalid_rejected}/{invalid_total} invalid rejected",
        sfn.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn names_unknown_and_misplaced_fields() {
    let v = validator();
    let doc = json!({"StartAt": "A", "States": {
        "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "B"}], "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retries": [], "End": true}
    }});
    let errs = errors(&v, &doc);
    assert!(
        errs.iter()
            .any(|e| e.starts_with("/States/A:") && e.contains("'Next'")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("/States/B:") && e.contains("'Retries'")),
        "{errs:?}"
    );
}

#[test]
fn checks_value_types_and_keywords() {
    let v = validator();
    let bad = [
        json!({"StartAt": "A", "States": {"A": {"Type": "Task", "End": true}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": "5", "End": true}}}),
        json!({"StartAt": "A", "QueryLanguage": "jsonata", "States": {"A": {"Type": "Succeed"}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"], "JitterStrategy": "PARTIAL"}]}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "distributed"}, "StartAt": "B",
                "States": {"B": {"Type": "Succeed"}}}}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "$var", "End": true}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [], "End": true}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Sleep"}}}),
    ];
    for doc in &bad {
        assert!(!errors(&v, doc).is_empty(), "accepted: {doc}");
    }
    let good = [
        json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Wait",
            "Seconds": "{% $states.input.delay %}", "End": true}}}),
        json!({"Type": "Pass", "Result": 1, "End": true}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Task",
            "Resource": {"Fn::GetAtt": ["Fn", "Arn"]}, "End": true}}}),
    ];
    for doc in &good {
        assert!(
            errors(&v, doc).is_empty(),
            "rejected: {doc}: {:?}",
            errors(&v, doc)
        );
    }
}
