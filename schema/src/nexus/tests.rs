//! Unit tests of lowering and raising: the founding example, pointer mapping, issues, sugar.

use serde_json::{Value, json};

use super::*;

/// The founding example of ARCHITECTURE.md, as the YAML loader gives it.
pub(crate) fn founding() -> Value {
    json!({
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
    })
}

fn lambda(name: &str, next: &str) -> Value {
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": name, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "Next": next
    })
}

#[test]
fn lowers_the_founding_example() {
    let l = lower(&founding());
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let mut validate = lambda("validate-user-function", "CheckBalance");
    validate["Retry"] = json!([{
        "ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "IntervalSeconds": 1, "BackoffRate": 2.0
    }]);
    assert_eq!(
        l.asl,
        json!({
            "StartAt": "ValidateUser",
            "States": {
                "ValidateUser": validate,
                "CheckBalance": lambda("check-balance-function", "ExecuteTransfer"),
                "ExecuteTransfer": lambda("execute-transfer-function", "LogTransaction"),
            }
        })
    );
    assert_eq!(
        l.compensations,
        vec![
            Compensation {
                state: "CheckBalance".into(),
                action: "refund-user".into(),
                pointer: "/states/1/on_failure/compensate".into(),
                asl_scope: String::new(),
                retry: Vec::new(),
            },
            Compensation {
                state: "ExecuteTransfer".into(),
                action: "reverse-transfer".into(),
                pointer: "/states/2/on_failure/compensate".into(),
                asl_scope: String::new(),
                retry: Vec::new(),
            },
        ]
    );
}

#[test]
fn maps_asl_pointers_back_to_yaml_nodes() {
    let l = lower(&founding());
    let o = |p: &str| l.origin.to_source(p);
    assert_eq!(o("/States/ExecuteTransfer/Next"), "/states/2/next");
    assert_eq!(o("/States/ExecuteTransfer"), "/states/2");
    assert_eq!(
        o("/States/ValidateUser/Retry/0/MaxAttempts"),
        "/states/0/on_failure/retry"
    );
    assert_eq!(
        o("/States/ValidateUser/Retry/0/BackoffRate"),
        "/states/0/on_failure/backoff"
    );
    assert_eq!(o("/States/ValidateUser/Resource"), "/states/0/action");
    assert_eq!(o("/States/ValidateUser/Type"), "/states/0/action");
    assert_eq!(o("/StartAt"), "/states/0/name");
    assert_eq!(o("/States"), "/states");
}

#[test]
fn maps_nested_scopes_choices_and_payloads() {
    let doc = json!({
        "version": "1.0",
        "start": "C",
        "query_language": "JSONPath",
        "states": [
            {"name": "P", "type": "parallel", "end": true, "branches": [
                {"states": [{"name": "B1", "type": "pass", "result": {"Key.$": "$.x"}, "end": true}]}
            ]},
            {"name": "C", "type": "choice", "default": "P", "choices": [
                {"and": [{"variable": "$.a", "string_equals_path": "$.b"}], "next": "M"}
            ]},
            {"name": "M", "type": "map", "end": true,
             "item_processor": {"processor_config": {"mode": "INLINE"}, "start": "I",
                                "states": [{"name": "I", "type": "succeed"}]},
             "on_failure": {"retry": [{"error_equals": ["X"], "max_attempts": 1}],
                            "catch": [{"error_equals": ["States.ALL"], "next": "P"}]}}
        ]
    });
    let l = lower(&doc);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    let o = |p: &str| l.origin.to_source(p);
    assert_eq!(o("/StartAt"), "/start");
    assert_eq!(o("/QueryLanguage"), "/query_language");
    assert_eq!(
        o("/States/P/Branches/0/States/B1/Result/Key.$"),
        "/states/0/branches/0/states/0/result/Key.$"
    );
    assert_eq!(
        o("/States/P/Branches/0/StartAt"),
        "/states/0/branches/0/states/0/name"
    );
    assert_eq!(
        o("/States/C/Choices/0/And/0/StringEqualsPath"),
        "/states/1/choices/0/and/0/string_equals_path"
    );
    assert_eq!(o("/States/C/Default"), "/states/1/default");
    assert_eq!(
        o("/States/M/ItemProcessor/ProcessorConfig/Mode"),
        "/states/2/item_processor/processor_config/mode"
    );
    assert_eq!(
        o("/States/M/ItemProcessor/States/I/Type"),
        "/states/2/item_processor/states/0/type"
    );
    assert_eq!(
        o("/States/M/Retry/0/ErrorEquals/0"),
        "/states/2/on_failure/retry/0/error_equals/0"
    );
    assert_eq!(
        o("/States/M/Catch/0/Next"),
        "/states/2/on_failure/catch/0/next"
    );
    assert_eq!(
        l.asl["States"]["C"]["Choices"][0]["And"][0]["StringEqualsPath"],
        json!("$.b")
    );
    assert_eq!(l.asl["States"]["M"]["ItemProcessor"]["StartAt"], json!("I"));
}

#[test]
fn reports_structural_problems_at_their_yaml_node() {
    let doc = json!({
        "states": [
            {"action": "f", "end": true},
            {"name": "A", "action": "f", "resource": "arn:x", "end": true},
            {"name": "A", "type": "pass", "end": true},
            {"name": "B", "type": "Task", "end": true, "ResultPath": "$.x",
             "on_failure": {"retry": "many", "circuit": 1, "compensate": 3}},
            {"name": "C", "action": "f", "end": true, "on_failure": {"retry": [], "backoff": "fixed"}},
            {"name": "D", "type": "pass", "start_at": "x", "end": true}
        ],
        "start_at": "D"
    });
    let l = lower(&doc);
    let got: Vec<(&str, &str)> = l
        .issues
        .iter()
        .map(|d| (d.code.as_str(), d.pointer.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("NX010", ""),
            ("NX013", "/states/0"),
            ("NX016", "/states/1/resource"),
            ("NX014", "/states/2/name"),
            ("NX018", "/states/3/type"),
            ("NX015", "/states/3/ResultPath"),
            ("NX017", "/states/3/on_failure/retry"),
            ("NX015", "/states/3/on_failure/circuit"),
            ("NX017", "/states/3/on_failure/compensate"),
            ("NX017", "/states/4/on_failure/backoff"),
            ("NX015", "/start_at"),
        ]
    );
    // The non-snake key is still lowered, so the ASL rules see it.
    assert_eq!(l.asl["States"]["B"]["ResultPath"], json!("$.x"));
}

#[test]
fn action_sugar_follows_the_query_language() {
    let doc = json!({"version": "1.0", "query_language": "JSONata", "states": [
        {"name": "A", "action": "f", "end": true},
        {"name": "B", "action": "arn:aws:lambda:us-east-1:123456789012:function:g", "end": true}
    ]});
    let l = lower(&doc);
    assert_eq!(
        l.asl["States"]["A"],
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
               "Output": "{% $states.result.Payload %}", "End": true})
    );
    assert_eq!(
        l.asl["States"]["B"]["Resource"],
        json!("arn:aws:lambda:us-east-1:123456789012:function:g")
    );
    let raised = raise(&l.asl);
    assert_eq!(raised.nexus["states"][0]["action"], json!("f"));
    assert_eq!(lower(&raised.nexus).asl, l.asl);
}

#[test]
fn raises_idiomatic_sugar() {
    let mut a = lambda("validate-user-function", "B");
    a["Retry"] = json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "IntervalSeconds": 1, "BackoffRate": 2.0}]);
    let asl = json!({"Comment": "c", "StartAt": "A", "States": {
        "A": a,
        "B": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "q"},
              "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 5, "JitterStrategy": "FULL"}],
              "End": true},
        "Odd": {"Type": "Pass", "foo": 1, "FutureField": {"A": 1}, "End": true}
    }});
    let r = raise(&asl);
    assert_eq!(
        r.nexus,
        json!({"version": "1.0", "comment": "c", "states": [
            {"name": "A", "action": "validate-user-function", "next": "B",
             "on_failure": {"retry": 3, "backoff": "exponential"}},
            {"name": "B", "action": "arn:aws:states:::sqs:sendMessage", "parameters": {"QueueUrl": "q"},
             "on_failure": {"retry": 2, "backoff": {"interval": 5, "jitter": "full"}}, "end": true},
            {"name": "Odd", "type": "pass", "future_field": {"A": 1}, "end": true, "x_asl": {"foo": 1}}
        ]})
    );
    let codes: Vec<&str> = r.notes.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, vec!["NX402", "NX401"]);
    assert_eq!(lower(&r.nexus).asl, asl);
}

#[test]
fn puts_the_start_state_first_and_keeps_start_only_when_needed() {
    let asl = json!({"StartAt": "B", "States": {"A": {"Type": "Succeed"}, "C": {"Type": "Succeed"}, "B": {"Type": "Pass", "Next": "A"}}});
    let r = raise(&asl);
    assert!(r.nexus.get("start").is_none(), "{}", r.nexus);
    let names: Vec<&str> = r.nexus["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["B", "A", "C"],
        "StartAt first, then the States order"
    );
    assert_eq!(lower(&r.nexus).asl, asl);
    // A `StartAt` that names no state cannot come first: it stays explicit.
    let dangling = json!({"StartAt": "Z", "States": {"A": {"Type": "Succeed"}}});
    let r = raise(&dangling);
    assert_eq!(r.nexus["start"], json!("Z"));
    assert_eq!(lower(&r.nexus).asl, dangling);
    let no_start = json!({"States": {"A": {"Type": "Succeed"}}});
    let r = raise(&no_start);
    assert_eq!(r.nexus["start"], Value::Null);
    assert_eq!(lower(&r.nexus).asl, no_start);
}
