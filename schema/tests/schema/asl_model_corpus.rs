//! The ASL model against the conformance corpora: reading then serializing gives back every
//! definition exactly, and AWS-accepted definitions read without model issues.

use crate::common;

use nexus_schema::asl::{Definition, StateMachine};

#[test]
fn round_trips_every_corpus_definition() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let sfn = common::sfn_cases(&root);
    let lint = common::lint_cases(&root);
    assert!(sfn.len() >= 500, "sfn corpus incomplete: {}", sfn.len());
    let mut machines = 0;
    let mut single_states = 0;
    let mut failures = Vec::new();
    for case in sfn.iter().chain(&lint) {
        let (def, _) = Definition::from_value(&case.value);
        match &def {
            Definition::Machine(_) => machines += 1,
            Definition::State(_) => single_states += 1,
        }
        if serde_json::to_value(&def).unwrap() != case.value {
            failures.push(case.name.clone());
        }
        // Reading as a machine is lossless too, whatever the root holds.
        let (m, _) = StateMachine::from_value(&case.value);
        if case.value.is_object() && m.to_value() != case.value {
            failures.push(format!("{} (as machine)", case.name));
        }
    }
    println!(
        "round-tripped {} sfn + {} lint definitions ({machines} machines, {single_states} single states)",
        sfn.len(),
        lint.len()
    );
    assert!(failures.is_empty(), "not lossless: {failures:#?}");
}

#[test]
fn aws_accepted_definitions_have_no_model_issues() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    let lint = common::lint_cases(&root);
    let valid_lint = lint
        .iter()
        .filter(|c| c.verdict.as_deref() == Some("valid"));
    for case in common::sfn_cases(&root)
        .iter()
        .filter(|c| !c.aws_rejected)
        .chain(valid_lint)
    {
        let (_, issues) = Definition::from_value(&case.value);
        checked += 1;
        if !issues.is_empty() {
            failures.push(format!("{}: {}", case.name, issues[0]));
        }
    }
    let invalid: Vec<_> = lint
        .iter()
        .filter(|c| c.verdict.as_deref() == Some("invalid"))
        .collect();
    let flagged = invalid
        .iter()
        .filter(|c| !Definition::from_value(&c.value).1.is_empty())
        .count();
    println!(
        "{checked} accepted definitions read without issues; model issues on {flagged}/{} invalid lint cases",
        invalid.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
