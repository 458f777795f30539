//! The full lint over the shared conformance corpora:
//! - no error-level diagnostic on any definition AWS accepted (`sfn/**/definition.json`);
//! - the verdict of every validator test case (`lint/manifest.json`, `expected_verdict`:
//!   "invalid" = at least one error-level diagnostic, "valid" = none), printed as agreement
//!   per sub-corpus. A case may disagree only when it is listed in `data/deviations.md` or,
//!   for expressions, `data/expr-deviations.txt` (the corpus contradicts documented AWS
//!   behaviour; reason and AWS source given). Any other disagreement fails, and so does a
//!   listed case that now agrees (the lists must shrink with the code);
//! - every lint case invalid for a graph reason (`data/graph-invalid-cases.txt`) is caught
//!   by an NX0xx/NX1xx rule.
//!
//! The corpora live outside the repository (`../shared/conformance`); without them the tests
//! say they skipped.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use nexus_lint::{LintOptions, MachineType, lint};
use nexus_schema::source::load_source;
use nexus_schema::{Diagnostic, Severity};

fn check_with(path: &Path, options: &LintOptions) -> Vec<Diagnostic> {
    let text: Arc<str> = std::fs::read_to_string(path).unwrap().into();
    let loaded = load_source(&path.to_string_lossy(), text);
    let mut ds = loaded.diagnostics;
    for doc in &loaded.documents {
        ds.extend(lint(doc, options));
    }
    ds
}

fn errors(ds: &[Diagnostic]) -> Vec<&Diagnostic> {
    ds.iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn summary(ds: &[&Diagnostic]) -> String {
    ds.iter()
        .map(|d| format!("{} {} ({})", d.code, d.message, d.pointer))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn aws_executed_definitions_have_no_errors() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let options = LintOptions::default();
    let mut n = 0;
    let mut bad = Vec::new();
    let mut cats: Vec<_> = std::fs::read_dir(root.join("sfn"))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    cats.sort_by_key(|e| e.path());
    for cat in cats {
        let mut cases: Vec<_> = std::fs::read_dir(cat.path())
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        cases.sort_by_key(|e| e.path());
        for case in cases {
            let def = case.path().join("definition.json");
            if !def.is_file() {
                continue;
            }
            // A TestState case whose definition AWS itself refused is not an accepted one.
            let expected =
                std::fs::read_to_string(case.path().join("expected.json")).unwrap_or_default();
            if expected.contains("InvalidDefinition") {
                continue;
            }
            n += 1;
            // Cases recorded on EXPRESS machines are linted as such.
            let meta: serde_json::Value = std::fs::read_to_string(case.path().join("meta.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            let express = meta["state_machine_type"] == "EXPRESS";
            let opts = LintOptions {
                machine_type: if express {
                    MachineType::Express
                } else {
                    MachineType::Standard
                },
                ..options.clone()
            };
            let ds = check_with(&def, &opts);
            let errs = errors(&ds);
            if !errs.is_empty() {
                bad.push(format!("{}: {}", def.display(), summary(&errs)));
            }
        }
    }
    println!(
        "sfn corpus: {n} accepted definitions, {} with errors",
        bad.len()
    );
    assert!(n >= 500, "expected the AWS-executed definitions, found {n}");
    assert!(
        bad.is_empty(),
        "errors on definitions AWS accepted:\n{}",
        bad.join("\n")
    );
}

/// `| `tool/case` | reason | source |` rows of `data/deviations.md`, and the `tool/case
/// reason` lines of `data/expr-deviations.txt` (whose comments give the AWS sources).
fn deviations() -> HashMap<String, String> {
    let mut out: HashMap<String, String> = include_str!("../data/deviations.md")
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("| `")?;
            let (id, rest) = rest.split_once('`')?;
            Some((id.to_string(), rest.trim_matches(['|', ' ']).to_string()))
        })
        .collect();
    out.extend(listed(include_str!("../data/expr-deviations.txt")));
    out
}

/// `tool/case  reason` lines.
fn listed(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut it = l.splitn(2, char::is_whitespace);
            Some((
                it.next()?.to_string(),
                it.next().unwrap_or("").trim().to_string(),
            ))
        })
        .collect()
}

#[test]
fn validator_cases_agree_with_their_verdicts() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let deviations = deviations();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("lint/manifest.json")).unwrap())
            .unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    // tool -> (agree, total, deviations)
    let mut per_tool: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut deviating = Vec::new();
    for c in cases {
        let tool = c["tool"].as_str().unwrap();
        let id = format!("{tool}/{}", c["case"].as_str().unwrap());
        let file = root.join("lint").join(c["file"].as_str().unwrap());
        let condition = c["verdict_condition"].as_str().unwrap_or("any");
        let options = LintOptions {
            machine_type: if condition.to_ascii_uppercase().contains("EXPRESS") {
                MachineType::Express
            } else {
                MachineType::Standard
            },
            ..LintOptions::default()
        };
        let ds = check_with(&file, &options);
        let errs = errors(&ds);
        let expected = c["expected_verdict"].as_str().unwrap();
        let got = if errs.is_empty() { "valid" } else { "invalid" };
        let entry = per_tool.entry(tool.to_string()).or_default();
        entry.1 += 1;
        let agree = got == expected;
        if agree {
            entry.0 += 1;
        }
        match (agree, deviations.get(&id)) {
            (true, Some(_)) => problems.push(format!(
                "{id} agrees now: remove it from the deviations (data/deviations.md, data/expr-deviations.txt)"
            )),
            (true, None) => {}
            (false, Some(reason)) => {
                entry.2 += 1;
                deviating.push(format!("{id}: {reason}"));
            }
            (false, None) => problems.push(format!(
                "{id}: expected {expected}, nexus says {got}{}",
                if errs.is_empty() {
                    String::new()
                } else {
                    format!(": {}", summary(&errs))
                }
            )),
        }
    }
    let (mut agree_all, mut total_all) = (0, 0);
    for (tool, (agree, total, dev)) in &per_tool {
        println!(
            "lint corpus {tool}: {agree}/{total} agree ({:.1}%); {dev} documented deviations; \
             {}/{total} explained",
            100.0 * *agree as f64 / *total as f64,
            agree + dev
        );
        agree_all += agree;
        total_all += total;
    }
    let explained = agree_all + deviating.len();
    println!(
        "lint corpus total: {agree_all}/{total_all} agree; with documented deviations {explained}/{total_all}"
    );
    println!("documented deviations (AWS behaviour wins):");
    for d in &deviating {
        println!("  {d}");
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn graph_invalid_lint_cases_are_caught_by_graph_rules() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let graph_cases = listed(include_str!("../data/graph-invalid-cases.txt"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("lint/manifest.json")).unwrap())
            .unwrap();
    let mut caught = 0;
    let mut problems = Vec::new();
    for c in manifest["cases"].as_array().unwrap() {
        let id = format!(
            "{}/{}",
            c["tool"].as_str().unwrap(),
            c["case"].as_str().unwrap()
        );
        if !graph_cases.contains_key(&id) {
            continue;
        }
        let file = root.join("lint").join(c["file"].as_str().unwrap());
        let ds = check_with(&file, &LintOptions::default());
        if errors(&ds).iter().any(|d| d.code.as_str() < "NX200") {
            caught += 1;
        } else {
            problems.push(format!(
                "graph-invalid case {id} is not caught by NX0xx/NX1xx"
            ));
        }
    }
    println!(
        "lint corpus: {caught}/{} graph-invalid cases caught",
        graph_cases.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(caught, graph_cases.len());
}
