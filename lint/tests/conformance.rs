//! Graph and structure rules (NX0xx/NX1xx) over the shared conformance corpora:
//! - no error on any of the definitions AWS executed (`sfn/**/definition.json`);
//! - every lint case invalid for a graph reason (`data/graph-invalid-cases.txt`) is caught;
//! - no NX1xx error on a case the manifest says is valid.
//!
//! The corpora live outside the repository (`../shared/conformance`); without them the tests
//! say they skipped.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_lint::{LintOptions, lint};
use nexus_schema::source::load_source;
use nexus_schema::{Diagnostic, Severity};

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    if p.is_dir() {
        Some(p)
    } else {
        println!("skipped: conformance corpus not found at {}", p.display());
        None
    }
}

fn check(path: &Path) -> Vec<Diagnostic> {
    let text: Arc<str> = std::fs::read_to_string(path).unwrap().into();
    let loaded = load_source(&path.to_string_lossy(), text);
    let mut ds = loaded.diagnostics;
    for doc in &loaded.documents {
        ds.extend(lint(doc, &LintOptions::default()));
    }
    ds
}

fn graph_errors(ds: &[Diagnostic]) -> Vec<&Diagnostic> {
    ds.iter()
        .filter(|d| d.severity == Severity::Error && d.code.as_str() < "NX200")
        .collect()
}

#[test]
fn aws_executed_definitions_have_no_graph_errors() {
    let Some(root) = corpus() else { return };
    let mut n = 0;
    let mut bad = Vec::new();
    for cat in std::fs::read_dir(root.join("sfn"))
        .unwrap()
        .filter_map(Result::ok)
    {
        for case in std::fs::read_dir(cat.path())
            .unwrap()
            .filter_map(Result::ok)
        {
            let def = case.path().join("definition.json");
            if !def.is_file() {
                continue;
            }
            n += 1;
            let ds = check(&def);
            let errs = graph_errors(&ds);
            if !errs.is_empty() {
                bad.push(format!(
                    "{}: {:?}",
                    def.display(),
                    errs.iter()
                        .map(|d| (&d.code, &d.message))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    println!(
        "sfn corpus: {n} definitions, {} with graph/structure errors",
        bad.len()
    );
    assert!(
        n >= 500,
        "expected the 510 AWS-executed definitions, found {n}"
    );
    assert!(
        bad.is_empty(),
        "graph errors on definitions AWS accepted:\n{}",
        bad.join("\n")
    );
}

#[test]
fn graph_invalid_lint_cases_are_caught_and_valid_ones_pass() {
    let Some(root) = corpus() else { return };
    let list = include_str!("data/graph-invalid-cases.txt");
    let graph_cases: Vec<&str> = list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("lint/manifest.json")).unwrap())
            .unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    let (mut caught, mut valid_ok, mut valid_n) = (0, 0, 0);
    let mut problems = Vec::new();
    for c in cases {
        let id = format!(
            "{}/{}",
            c["tool"].as_str().unwrap(),
            c["case"].as_str().unwrap()
        );
        let file = root.join("lint").join(c["file"].as_str().unwrap());
        let ds = check(&file);
        let errs = graph_errors(&ds);
        match c["expected_verdict"].as_str() {
            Some("valid") => {
                valid_n += 1;
                if errs.is_empty() {
                    valid_ok += 1;
                } else {
                    problems.push(format!(
                        "valid case {id} has graph errors: {:?}",
                        errs.iter().map(|d| &d.message).collect::<Vec<_>>()
                    ));
                }
            }
            _ if graph_cases.contains(&id.as_str()) => {
                if errs.is_empty() {
                    problems.push(format!("graph-invalid case {id} is not caught"));
                } else {
                    caught += 1;
                }
            }
            _ => {}
        }
    }
    println!(
        "lint corpus: {caught}/{} graph-invalid cases caught, {valid_ok}/{valid_n} valid cases without graph errors",
        graph_cases.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(caught, graph_cases.len());
}
