//! Runs the AWS-recorded conformance corpus and checks it against `KNOWN_GAPS.md`: every
//! failing case must be listed there, and every listed case must still fail. Prints the pass
//! counts per category.

use std::collections::{BTreeMap, BTreeSet};

use nexus_engine::conformance::{case_dirs, default_root, gaps_of, parse_gaps, run_case};

#[test]
fn corpus_matches_known_gaps() {
    let root = default_root();
    if !root.exists() {
        println!("skipped: conformance corpus not found");
        return;
    }
    let results: Vec<_> = case_dirs(&root).iter().map(|d| run_case(d)).collect();
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &results {
        let e = per.entry(r.category.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.passed);
    }
    for (cat, (n, p)) in &per {
        println!("{cat:<22} {p:>4}/{n}");
    }
    let passed = results.iter().filter(|r| r.passed).count();
    println!("TOTAL {passed}/{}", results.len());
    let actual: BTreeSet<(String, String)> = gaps_of(&results)
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
        "KNOWN_GAPS.md is out of date (regenerate with `cargo run -p nexus-engine --bin conformance -- --write-gaps`)\n\
         failing but not listed: {new_failures:?}\nlisted but passing: {fixed:?}"
    );
}
