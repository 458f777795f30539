//! `export`: compensation lowering in its harder shapes, and errors with locations.

use nexus_migrate::export;
use serde_json::{Value, json};

fn codes(errs: &[nexus_schema::Diagnostic]) -> Vec<(&str, &str)> {
    errs.iter()
        .map(|d| (d.code.as_str(), d.pointer.as_str()))
        .collect()
}

#[test]
fn refuses_workflows_with_errors() {
    let errs = export(&json!({"states": [{"action": "f", "end": true}]})).unwrap_err();
    assert_eq!(codes(&errs), vec![("NX010", ""), ("NX013", "/states/0")]);
}

#[test]
fn refuses_a_compensable_state_in_a_loop() {
    let doc = json!({"version": "1.0", "states": [
        {"name": "Book", "action": "book", "next": "More", "on_failure": {"compensate": "unbook"}},
        {"name": "More", "type": "choice", "choices": [{"variable": "$.again", "boolean_equals": true, "next": "Book"}], "default": "Pay"},
        {"name": "Pay", "action": "pay", "end": true}
    ]});
    let errs = export(&doc).unwrap_err();
    assert_eq!(
        codes(&errs),
        vec![("NX407", "/states/0/on_failure/compensate")]
    );
}

#[test]
fn path_dependent_compensation_is_tracked_by_variables() {
    // Whether Reserve completed depends on the route: its Saga_Done_ records it, and the
    // compensation chain checks the record (docs/nexus-yaml.md §4; NX408 is retired).
    let doc = json!({"version": "1.0", "states": [
        {"name": "Route", "type": "choice", "choices": [{"variable": "$.a", "is_present": true, "next": "Reserve"}], "default": "Pay"},
        {"name": "Reserve", "action": "reserve", "next": "Pay", "on_failure": {"compensate": "release"}},
        {"name": "Pay", "action": "pay", "end": true}
    ]});
    let out = export(&doc).unwrap();
    let st = &out.asl["States"];
    assert_eq!(out.asl["StartAt"], json!("Saga_Start"));
    assert_eq!(
        st["Route"]["Choices"][0]["Next"],
        json!("Saga_Enter_Reserve")
    );
    assert_eq!(st["Reserve"]["Next"], json!("Saga_Done_Reserve"));
    assert_eq!(st["Saga_Done_Reserve"]["Next"], json!("Pay"));
    assert_eq!(
        st["Saga_Done_Reserve"]["Assign"],
        json!({"nexus_saga_1": "{% {'input': $nexus_in_1, 'result': $states.input} %}"})
    );
    let catch = st["Pay"]["Catch"].as_array().unwrap();
    assert_eq!(
        catch[0],
        json!({"ErrorEquals": ["States.ALL"], "Assign": {"nexus_error_1.$": "$"},
               "ResultPath": null, "Next": "Saga_Check_Reserve"})
    );
    assert_eq!(
        st["Saga_Check_Reserve"]["Choices"][0]["Condition"],
        json!("{% $nexus_saga_1 != null %}")
    );
    assert_eq!(
        st["Compensate_Reserve"]["Arguments"],
        json!({"FunctionName": "release", "Payload": "{% $states.input %}"})
    );
    assert_eq!(st["Compensate_Reserve"]["QueryLanguage"], json!("JSONata"));
}

#[test]
fn compensates_inside_a_branch_and_avoids_name_collisions() {
    let doc = json!({"version": "1.0", "query_language": "JSONata", "states": [
        {"name": "Fan", "type": "parallel", "end": true, "branches": [{"states": [
            {"name": "A", "action": "arn:aws:lambda:us-east-1:123456789012:function:a", "next": "B",
             "on_failure": {"compensate": "undo-a"}},
            {"name": "B", "action": "b", "next": "C"},
            {"name": "C", "action": "c", "end": true,
             "on_failure": {"catch": [{"error_equals": ["States.ALL"], "next": "Compensate_A"}]}},
            {"name": "Compensate_A", "type": "pass", "end": true}
        ]}]}
    ]});
    let out = export(&doc).unwrap();
    let branch = &out.asl["States"]["Fan"]["Branches"][0];
    let states = &branch["States"];
    assert_eq!(branch["StartAt"], json!("Saga_Start"));
    // B fails after A completed: caught, A undone, error re-raised.
    let catch = &states["B"]["Catch"][0];
    assert_eq!(catch["Next"], json!("Saga_Check_A"));
    assert_eq!(
        catch["Assign"],
        json!({"nexus_error_1": "{% $states.errorOutput %}"})
    );
    assert_eq!(
        states["Saga_Check_A"]["Choices"][0]["Next"],
        json!("Compensate_A_2")
    );
    assert_eq!(states["Compensate_A_2"]["Next"], json!("Saga_Raise"));
    // Generated JSONata states in a JSONata machine need no QueryLanguage of their own.
    assert_eq!(states["Compensate_A_2"].get("QueryLanguage"), None);
    assert_eq!(
        states["Saga_Fail"]["Error"],
        json!("{% $nexus_error_1.Error %}")
    );
    // C's own catch-all handles every error: no compensation catcher is added.
    assert_eq!(states["C"]["Catch"].as_array().map(Vec::len), Some(1));
    // A itself failing has nothing to undo.
    assert_eq!(states["A"].get("Catch"), None);
    // The top level is untouched.
    assert_eq!(out.asl["States"].as_object().map(|m| m.len()), Some(1));
}

#[test]
fn keeps_the_users_catchers_first_and_notes_policies() {
    let doc = json!({"version": "1.0", "policies": ["require-timeouts"], "states": [
        {"name": "A", "action": "a", "next": "B", "on_failure": {"compensate": "arn:aws:states:::aws-sdk:s3:deleteObject"}},
        {"name": "B", "action": "b", "end": true,
         "on_failure": {"catch": [{"error_equals": ["Timeout"], "next": "Handle"}]}},
        {"name": "Handle", "type": "fail", "error": "Timeout"}
    ]});
    let out = export(&doc).unwrap();
    let catch = out.asl["States"]["B"]["Catch"].as_array().unwrap();
    assert_eq!(catch.len(), 2);
    assert_eq!(catch[0]["ErrorEquals"], json!(["Timeout"]));
    assert_eq!(catch[1]["Assign"], json!({"nexus_error_1.$": "$"}));
    // The Fail state reached after A completed runs the compensations first.
    let handle = &out.asl["States"]["Handle"];
    assert_eq!(handle["Type"], json!("Pass"));
    assert_eq!(
        handle["Assign"],
        json!({"nexus_error_1": {"Error": "Timeout"}})
    );
    let comp = &out.asl["States"]["Compensate_A"];
    assert_eq!(
        comp["Resource"],
        json!("arn:aws:states:::aws-sdk:s3:deleteObject")
    );
    let note_codes: Vec<&str> = out.notes.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(note_codes, vec!["NX405", "NX406"]);
}

mod random {
    use super::*;
    use proptest::prelude::*;

    /// Follow the compensation catcher of `state` to `Saga_Raise`; the actions its chain can
    /// run, in order.
    fn compensations_run(states: &Value, state: &str) -> Option<Vec<String>> {
        let catcher = states[state]["Catch"]
            .as_array()?
            .iter()
            .find(|c| c["ErrorEquals"] == json!(["States.ALL"]))?;
        let mut at = catcher["Next"].as_str()?.to_string();
        let mut run = Vec::new();
        loop {
            let st = &states[at.as_str()];
            match (st["Type"].as_str()?, at.as_str()) {
                ("Choice", "Saga_Raise") => return Some(run),
                ("Choice", _) => at = st["Choices"][0]["Next"].as_str()?.to_string(),
                ("Task", _) => {
                    run.push(st["Arguments"]["FunctionName"].as_str()?.to_string());
                    at = st["Next"].as_str()?.to_string();
                }
                _ => return None,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// A chain of tasks, some compensable: when task k fails, exactly the compensations
        /// of the compensable tasks before k run, most recent first, then the error re-raises.
        #[test]
        fn linear_sagas_undo_completed_steps_in_reverse(flags in prop::collection::vec(any::<bool>(), 1..8)) {
            let n = flags.len();
            let states: Vec<Value> = flags
                .iter()
                .enumerate()
                .map(|(i, &comp)| {
                    let mut s = json!({"name": format!("S{i}"), "action": format!("do-{i}")});
                    if i + 1 < n {
                        s["next"] = json!(format!("S{}", i + 1));
                    } else {
                        s["end"] = json!(true);
                    }
                    if comp {
                        s["on_failure"] = json!({"compensate": format!("undo-{i}")});
                    }
                    s
                })
                .collect();
            let out = export(&json!({"version": "1.0", "states": states})).unwrap();
            let asl_states = &out.asl["States"];
            for k in 0..n {
                // The chain holds every compensation of the machine, most recent first; the
                // ones of steps that did not complete are skipped at run time.
                let all: Vec<String> = (0..n).rev().filter(|&i| flags[i]).map(|i| format!("undo-{i}")).collect();
                let before = (0..k).any(|i| flags[i]);
                let expected = if before { all } else { Vec::new() };
                let got = compensations_run(asl_states, &format!("S{k}"));
                if expected.is_empty() {
                    prop_assert_eq!(got, None);
                } else {
                    prop_assert_eq!(got, Some(expected));
                }
            }
            // Every transition lands on a state of the machine.
            let names = asl_states.as_object().unwrap();
            for st in names.values() {
                for next in std::iter::once(&st["Next"]).chain(st["Catch"].as_array().into_iter().flatten().map(|c| &c["Next"])) {
                    if let Some(t) = next.as_str() {
                        prop_assert!(names.contains_key(t), "dangling {}", t);
                    }
                }
            }
        }
    }
}
