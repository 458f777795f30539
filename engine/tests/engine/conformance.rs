//! Runs the AWS-recorded conformance corpus and checks it against `KNOWN_GAPS.md`: every
//! failing case must be listed there, and every listed case must still fail. Then runs every
//! case again on the NEXUS YAML that `nexus migrate stepfunctions` makes from its definition
//! (lowered back the way `nexus run` loads a `.nexus.yaml`), which must give the same
//! verdict. Prints the pass counts of both.

use std::collections::BTreeSet;
use std::sync::Arc;

use nexus_engine::conformance::{
    CaseResult, Prepared, case_dirs, gaps_of, parse_gaps, render_counts, run_case, run_case_with,
};
use serde_json::Value;

/// ASL → NEXUS YAML text → loaded and lowered as `nexus run` does.
fn via_migrate(asl: &Value) -> Result<Prepared, String> {
    let migrated = nexus_migrate::migrate(asl, "definition.asl.json");
    let loaded =
        nexus_schema::source::load_source("definition.nexus.yaml", Arc::from(migrated.yaml));
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == nexus_schema::Severity::Error)
    {
        return Err(format!("{}: {} at {}", d.code, d.message, d.pointer));
    }
    let doc = loaded
        .documents
        .first()
        .ok_or_else(|| String::from("the migrated YAML holds no workflow"))?;
    Ok(Prepared {
        definition: (*doc.asl).clone(),
        compensations: nexus_schema::nexus::lower(&doc.raw).compensations,
    })
}

fn verdicts(results: &[CaseResult]) -> BTreeSet<(String, bool, bool)> {
    results
        .iter()
        .map(|r| {
            (
                format!("{}/{}", r.category, r.id),
                r.passed,
                !r.history_checked || r.history_passed,
            )
        })
        .collect()
}

#[test]
fn corpus_matches_known_gaps_directly_and_through_migrate() {
    let Some(root) = nexus_testkit::corpus_dir("sfn") else {
        return;
    };
    let dirs = case_dirs(&root);
    let results: Vec<_> = dirs.iter().map(|d| run_case(d)).collect();
    println!("direct:\n{}", render_counts(&results));
    let prepare: &dyn Fn(&Value) -> Result<Prepared, String> = &via_migrate;
    let migrated: Vec<_> = dirs
        .iter()
        .map(|d| run_case_with(d, Some(prepare)))
        .collect();
    println!(
        "via nexus migrate stepfunctions:\n{}",
        render_counts(&migrated)
    );

    let actual: BTreeSet<(String, String)> = gaps_of(&results, &[])
        .into_iter()
        .map(|g| (g.kind, g.case))
        .collect();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/KNOWN_GAPS.md"))
        .unwrap_or_default();
    let listed: BTreeSet<(String, String)> = parse_gaps(&text)
        .into_iter()
        .map(|g| (g.kind, g.case))
        .collect();
    let new_failures: Vec<_> = actual.difference(&listed).collect();
    let fixed: Vec<_> = listed.difference(&actual).collect();
    assert!(
        new_failures.is_empty() && fixed.is_empty(),
        "KNOWN_GAPS.md is out of date (regenerate with `cargo run -p nexus-engine --example conformance -- --write-gaps`)\n\
         failing but not listed: {new_failures:?}\nlisted but passing: {fixed:?}"
    );

    let direct = verdicts(&results);
    let through = verdicts(&migrated);
    let differ: Vec<String> = migrated
        .iter()
        .filter(|r| {
            !direct.contains(&(
                format!("{}/{}", r.category, r.id),
                r.passed,
                !r.history_checked || r.history_passed,
            ))
        })
        .map(|r| format!("{}/{}: {}", r.category, r.id, r.detail))
        .collect();
    assert!(
        direct == through,
        "the migrated workflows do not give the same results:\n{}",
        differ.join("\n")
    );
}
