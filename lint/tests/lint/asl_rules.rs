//! The ASL field rules (NX2xx) as a whole: one problem gives one diagnostic, placeholders in
//! template definitions, `--type express`, spans in NEXUS files.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use nexus_lint::{LintOptions, MachineType, lint};
use nexus_schema::source::load_source;
use nexus_schema::{LineIndex, Severity};
use serde_json::{Value, json};

fn run(path: &str, text: &str, options: &LintOptions) -> Vec<(String, String, Severity)> {
    let text: Arc<str> = text.into();
    let loaded = load_source(path, text);
    let mut out: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.pointer.clone(), d.severity))
        .collect();
    for doc in &loaded.documents {
        for d in lint(doc, options) {
            out.push((d.code.to_string(), d.pointer, d.severity));
        }
    }
    out
}

fn codes(v: Value, options: &LintOptions) -> Vec<String> {
    run("t.asl.json", &v.to_string(), options)
        .into_iter()
        .map(|(c, p, _)| format!("{c} {p}"))
        .collect()
}

fn machine(states: Value) -> Value {
    json!({"StartAt": "A", "States": states})
}

#[test]
fn one_problem_one_diagnostic() {
    let o = LintOptions::default();
    let l = "arn:aws:lambda:us-east-1:123456789012:function:F";
    let cases = [
        (
            machine(
                json!({"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}], "Next": "B"}, "B": {"Type": "Succeed"}}),
            ),
            "NX200 /States/A/Next",
        ),
        (
            machine(
                json!({"A": {"Type": "Task", "Resource": l, "TimeoutSeconds": 0, "End": true}}),
            ),
            "NX201 /States/A/TimeoutSeconds",
        ),
        (
            machine(json!({"A": {"Type": "Wait", "Seconds": "5", "End": true}})),
            "NX201 /States/A/Seconds",
        ),
        (
            machine(json!({"A": {"Type": "Task", "End": true}})),
            "NX202 /States/A",
        ),
        (machine(json!({"A": {"Type": "Pass"}})), "NX204 /States/A"),
        (
            json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Task", "Resource": l,
                "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": true}}}),
            "NX208 /States/A/TimeoutSecondsPath",
        ),
        (
            json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Wait", "SecondsPath": "$.t", "End": true}}}),
            "NX208 /States/A/SecondsPath",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": "{% 5 %}", "End": true}}}),
            "NX208 /States/A/Seconds",
        ),
        (
            machine(json!({"A": {"Type": "Map", "End": true,
                "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}},
                "Iterator": {"StartAt": "C", "States": {"C": {"Type": "Pass", "End": true}}}}})),
            "NX205 /States/A/Iterator",
        ),
        (
            machine(
                json!({"A": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true}}),
            ),
            "NX219 /States/A/Resource",
        ),
        (
            machine(
                json!({"A": {"Type": "Wait", "Timestamp": "2016-12-05 21:29:29Z", "End": true}}),
            ),
            "NX207 /States/A/Timestamp",
        ),
        (
            machine(json!({"A": {"Type": "Pass", "End": true, "Retry": []}})),
            "NX200 /States/A/Retry",
        ),
    ];
    for (doc, want) in cases {
        assert_eq!(codes(doc.clone(), &o), [want], "{doc}");
    }
}

#[test]
fn valid_definitions_are_quiet() {
    let o = LintOptions::default();
    let doc = json!({"Comment": "x", "QueryLanguage": "JSONata", "TimeoutSeconds": 60, "StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f"},
              "TimeoutSeconds": "{% $states.input.t %}", "HeartbeatSeconds": 5,
              "Retry": [{"ErrorEquals": ["States.Timeout"], "BackoffRate": 1.5, "JitterStrategy": "FULL", "MaxDelaySeconds": 10}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed", "Output": "{% $states.errorOutput %}"}],
              "Credentials": {"RoleArn": "arn:aws:iam::123456789012:role/R"}, "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "Items"}], "Default": "Failed"},
        "Items": {"Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": 2,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}},
                  "ItemBatcher": {"MaxInputBytesPerBatch": 262144}, "ToleratedFailurePercentage": 10, "Label": "Items",
                  "Next": "Later"},
        "Later": {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00.5+01:00", "End": true},
        "Failed": {"Type": "Fail", "Error": "{% 'Boom' %}"}
    }});
    assert_eq!(codes(doc, &o), Vec::<String>::new());
}

#[test]
fn placeholders_stand_for_any_value_in_templates() {
    let template = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionSubstitutions:
        Timeout: 30
        Retries: 2
        FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:F
      Definition:
        StartAt: A
        States:
          A:
            Type: Task
            Resource: "${FunctionArn}"
            TimeoutSeconds: "${Timeout}"
            Retry:
              - ErrorEquals: [States.ALL]
                MaxAttempts: "${Retries}"
            End: true
"#;
    let ds = run("template.yaml", template, &LintOptions::default());
    assert!(ds.is_empty(), "{ds:?}");
    // The same definition as a plain file: the placeholder is not a number.
    let plain = json!({"StartAt": "A", "States": {"A": {"Type": "Task",
        "Resource": "${FunctionArn}", "TimeoutSeconds": "${Timeout}", "End": true}}});
    assert_eq!(
        codes(plain.clone(), &LintOptions::default()),
        ["NX201 /States/A/TimeoutSeconds"]
    );
    let marked = LintOptions {
        template_source: true,
        ..LintOptions::default()
    };
    assert_eq!(codes(plain, &marked), Vec::<String>::new());
}

#[test]
fn express_machines_reject_callbacks_jobs_and_activities() {
    let doc = machine(json!({
        "A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Next": "C"},
        "C": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:Act", "Next": "D"},
        "D": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
    }));
    assert_eq!(
        codes(doc.clone(), &LintOptions::default()),
        Vec::<String>::new()
    );
    let express = LintOptions {
        machine_type: MachineType::Express,
        ..LintOptions::default()
    };
    assert_eq!(
        codes(doc, &express),
        [
            "NX220 /States/A/Resource",
            "NX220 /States/B/Resource",
            "NX220 /States/C/Resource"
        ]
    );
}

#[test]
fn nexus_findings_point_at_the_yaml_line() {
    let text = "version: \"1.0\"\nstates:\n  - name: Charge\n    action: charge-function\n    timeout_seconds: 30\n    timeout_seconds_path: $.t\n    retry_policy: none\n    end: true\n";
    let loaded = load_source("w.nexus.yaml", text.into());
    let doc = &loaded.documents[0];
    let ds = lint(doc, &LintOptions::default());
    let index = LineIndex::new(text);
    let at: Vec<(String, usize)> = ds
        .iter()
        .map(|d| {
            (
                d.code.to_string(),
                index.line_col(text, d.span.unwrap().start).line,
            )
        })
        .collect();
    assert!(at.contains(&("NX205".to_string(), 6)), "{at:?}");
    // A snake_case key that is no ASL field is lowered as is and reported at its own line.
    assert!(at.contains(&("NX200".to_string(), 7)), "{at:?}");
}
