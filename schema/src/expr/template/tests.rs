//! Template tests: static checks with pointers and offsets, and evaluation.

use super::*;
use crate::expr::ErrorName;
use serde_json::json;

#[test]
fn evaluates_paths_intrinsics_and_nested_values() {
    let input = json!({"a": 1, "list": [{"id": 1}, {"id": 2}], "name": "x"});
    let context = json!({"Execution": {"Id": "arn:1"}});
    let mut vars = serde_json::Map::new();
    vars.insert("v".into(), json!("var"));
    let ctx = EvalContext::new(&input, &context, &vars);
    let template = json!({
        "static": {"k": [1, {"deep.$": "$.a"}]},
        "all.$": "$",
        "ids.$": "$.list[*].id",
        "exec.$": "$$.Execution.Id",
        "var.$": "$v",
        "greeting.$": "States.Format('hi {}', $.name)",
        "plain": "$.a"
    });
    assert_eq!(
        eval_template(&template, &ctx).unwrap(),
        json!({
            "static": {"k": [1, {"deep": 1}]},
            "all": input,
            "ids": [1, 2],
            "exec": "arn:1",
            "var": "var",
            "greeting": "hi x",
            "plain": "$.a"
        })
    );
}

#[test]
fn names_the_field_when_a_path_is_missing() {
    let input = json!({"a": 1});
    let err = eval_template(
        &json!({"x": {"b.$": "$.b"}}),
        &EvalContext::with_input(&input),
    )
    .unwrap_err();
    assert_eq!(err.name, ErrorName::Runtime);
    assert_eq!(
        err.cause,
        "The JSONPath '$.b' specified for the field 'b.$' could not be found in the input '{\"a\":1}'"
    );
}

#[test]
fn reports_static_problems_with_pointers() {
    let template = json!({
        "ok.$": "$.a",
        "num.$": 5,
        "bad.$": "$.a[",
        "fn.$": "States.ArrayRange(1, 2)",
        "dup": 1,
        "dup.$": "$.x",
        "nested": [{"p.$": "nope"}]
    });
    let issues = check_template(&template, "/States/S/Parameters");
    let got: Vec<(&str, Option<usize>)> = issues
        .iter()
        .map(|i| (i.pointer.as_str(), i.offset_in_string))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/States/S/Parameters/num.$", None),
            ("/States/S/Parameters/bad.$", Some(4)),
            ("/States/S/Parameters/fn.$", Some(0)),
            ("/States/S/Parameters/dup.$", None),
            ("/States/S/Parameters/nested/0/p.$", Some(0)),
        ],
        "{issues:#?}"
    );
    assert!(issues[3].message.contains("'dup' and 'dup.$'"));
}
