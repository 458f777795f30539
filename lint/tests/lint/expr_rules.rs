//! The expression rules (NX250-NX263) on documents that fixtures cannot express well:
//! infrastructure-as-code placeholders (which must never be reported), definitions inside
//! CloudFormation templates, and sub-spans inside strings with JSON escapes.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use nexus_lint::{LintOptions, lint};
use nexus_schema::Diagnostic;
use nexus_schema::source::load_source;

fn diagnostics(name: &str, text: &str) -> (Arc<str>, Vec<Diagnostic>) {
    let text: Arc<str> = text.into();
    let loaded = load_source(name, text.clone());
    let mut ds = loaded.diagnostics;
    for doc in &loaded.documents {
        ds.extend(lint(doc, &LintOptions::default()));
    }
    (text, ds)
}

fn expr_codes(ds: &[Diagnostic]) -> Vec<String> {
    ds.iter()
        .filter(|d| ("NX250".."NX300").contains(&d.code.as_str()))
        .map(|d| format!("{} {}", d.code, d.pointer))
        .collect()
}

#[test]
fn placeholders_are_never_reported() {
    let def = r##"{
      "StartAt": "A",
      "States": {
        "A": {
          "Type": "Task",
          "Resource": "${ChargeFunctionArn}",
          "Parameters": {
            "Table": "${TableName}",
            "Key.$": "${KeyPath}",
            "Region": "#{AWS::Region}",
            "Arn.$": "States.Format('arn:${AWS::Partition}:s3:::{}', $.bucket)"
          },
          "ResultPath": "${ResultPathParam}",
          "Next": "B"
        },
        "B": {
          "Type": "Pass",
          "QueryLanguage": "JSONata",
          "Output": {"url": "{% 'https://' & ${Host} & '/x' %}"},
          "Next": "C"
        },
        "C": {"Type": "Fail", "Error": "${ErrorName}", "Cause": "#{Cause}"}
      }
    }"##;
    let (_, ds) = diagnostics("placeholders.asl.json", def);
    assert_eq!(expr_codes(&ds), Vec::<String>::new());
}

#[test]
fn definitions_inside_cloudformation_templates_are_checked_and_placeholders_spared() {
    let template = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionSubstitutions:
        Fn: arn:aws:lambda:us-east-1:123456789012:function:f
      Definition:
        StartAt: A
        States:
          A:
            Type: Task
            Resource: "${Fn}"
            Parameters:
              "id.$": "$.orders[0"
              "fn": "${Fn}"
            End: true
"#;
    let (text, ds) = diagnostics("template.yaml", template);
    let codes = expr_codes(&ds);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert!(codes[0].starts_with("NX250 "), "{codes:?}");
    let d = ds.iter().find(|d| d.code.as_str() == "NX250").unwrap();
    let span = d.span.unwrap();
    // The pointer is into the template, the span at the last character of the path.
    assert_eq!(
        d.pointer,
        "/Resources/Machine/Properties/Definition/States/A/Parameters/id.$"
    );
    assert_eq!(&text[span.start..span.end], "0");
}

#[test]
fn spans_inside_strings_follow_json_escapes() {
    let def = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "States.Format('\u00e9 {}', $.a, \"q\")"}, "End": true}}}"#;
    let (text, ds) = diagnostics("escapes.asl.json", def);
    let d = ds.iter().find(|d| d.code.as_str() == "NX253").unwrap();
    let span = d.span.unwrap();
    // The decoded string has `"q"` at the position of the bad argument; the source has `\"`.
    assert_eq!(&text[span.start..span.end], "\\\"");
}

#[test]
fn jsonpath_and_jsonata_states_are_told_apart() {
    // `.$` has no meaning in a JSONata state, and `{% %}` none in a JSONPath state.
    let def = r#"{
      "StartAt": "A",
      "States": {
        "A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"x.$": "not a path"}, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"y": "{% 1 + %}"}, "End": true}
      }
    }"#;
    let (_, ds) = diagnostics("languages.asl.json", def);
    assert_eq!(expr_codes(&ds), Vec::<String>::new());
}

#[test]
fn variables_follow_choice_and_catch_edges() {
    let def = r#"{
      "StartAt": "Pick",
      "States": {
        "Pick": {
          "Type": "Choice",
          "Choices": [{"Variable": "$.x", "IsPresent": true, "Assign": {"picked": 1}, "Next": "Use"}],
          "Default": "Use"
        },
        "Use": {"Type": "Pass", "Parameters": {"v.$": "$picked"}, "End": true}
      }
    }"#;
    let (_, ds) = diagnostics("choice.asl.json", def);
    // One path (the rule) assigns it, so the read may succeed: no finding.
    assert_eq!(expr_codes(&ds), Vec::<String>::new());
}

#[test]
fn a_large_definition_is_linted_in_linear_time() {
    // 3,000 states, each with a template, a path and an intrinsic: this must stay fast even
    // unoptimised (a quadratic pass would take seconds here).
    let mut states = serde_json::Map::new();
    for i in 0..3000 {
        let next = if i + 1 < 3000 {
            serde_json::json!({"Next": format!("S{}", i + 1)})
        } else {
            serde_json::json!({"End": true})
        };
        let mut s = serde_json::json!({
            "Type": "Pass",
            "Parameters": {"a.$": "$.x", "b.$": "States.Format('{}', $v)", "c": "$.y"},
            "Assign": {"v.$": "$.x"},
            "ResultPath": "$.r"
        });
        for (k, v) in next.as_object().unwrap() {
            s[k] = v.clone();
        }
        states.insert(format!("S{i}"), s);
    }
    let def = serde_json::json!({"StartAt": "S0", "States": states}).to_string();
    let started = std::time::Instant::now();
    let (_, ds) = diagnostics("big.asl.json", &def);
    let took = started.elapsed();
    // S0 reads `$v` before any state assigned it; every `"c": "$.y"` lacks its `.$`.
    let codes = expr_codes(&ds);
    assert_eq!(codes.iter().filter(|c| c.starts_with("NX257")).count(), 1);
    assert_eq!(
        codes.iter().filter(|c| c.starts_with("NX261")).count(),
        3000
    );
    assert!(took.as_secs() < 20, "took {took:?}");
}

#[test]
fn hostile_nesting_is_a_finding_not_a_crash() {
    let deep_filter = format!("$.a[?({}@.b{})]", "(".repeat(50_000), ")".repeat(50_000));
    let deep_not = format!("$.a[?({}@.b)]", "!".repeat(50_000));
    let deep_jsonata = format!("{{% {}1{} %}}", "(".repeat(50_000), ")".repeat(50_000));
    let deep_call = format!("{}1{}", "States.Array(".repeat(10_000), ")".repeat(10_000));
    let def = serde_json::json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"a.$": deep_filter, "b.$": deep_not, "c.$": deep_call}, "Next": "B"},
            "B": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": deep_jsonata, "End": true}
        }
    })
    .to_string();
    let (_, ds) = diagnostics("deep.asl.json", &def);
    // Whatever is reported, the run finishes.
    let _ = expr_codes(&ds);
}
