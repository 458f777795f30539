//! The expression rules (NX250-NX299) over the shared conformance corpora:
//! - no error of theirs on any definition AWS executed (`sfn/**/definition.json`);
//! - every lint case invalid for an expression reason (`data/expr-invalid-cases.txt`) is
//!   caught by one of them, and none reports an error on a case the manifest says is valid,
//!   except the cases listed in `data/expr-deviations.txt` (where the corpus contradicts
//!   documented AWS behaviour; each line says why).
//!
//! The corpora live outside the repository (`../shared/conformance`, or
//! `$NEXUS_CONFORMANCE`, see nexus-testkit); without them the tests say they skipped.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use nexus_lint::{LintOptions, lint};
use nexus_schema::source::load_source;
use nexus_schema::{Diagnostic, Severity};

fn check(path: &Path) -> Vec<Diagnostic> {
    let text: Arc<str> = std::fs::read_to_string(path).unwrap().into();
    let loaded = load_source(&path.to_string_lossy(), text);
    let mut ds = loaded.diagnostics;
    for doc in &loaded.documents {
        ds.extend(lint(doc, &LintOptions::default()));
    }
    ds
}

/// The codes of the expression rules.
fn is_expr_code(d: &Diagnostic) -> bool {
    ("NX250".."NX300").contains(&d.code.as_str())
}

fn expr_errors(ds: &[Diagnostic]) -> Vec<&Diagnostic> {
    ds.iter()
        .filter(|d| d.severity == Severity::Error && is_expr_code(d))
        .collect()
}

/// `tool/case` ids of a data file: one per line, then free text; `#` starts a comment.
fn case_list(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn aws_executed_definitions_have_no_expression_errors() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let mut n = 0;
    let mut bad = Vec::new();
    let mut warnings: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut cats: Vec<_> = std::fs::read_dir(root.join("sfn"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    cats.sort();
    for cat in cats {
        let mut cases: Vec<_> = std::fs::read_dir(&cat)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let def = case.join("definition.json");
            if !def.is_file() {
                continue;
            }
            n += 1;
            let ds = check(&def);
            for d in ds
                .iter()
                .filter(|d| is_expr_code(d) && d.severity != Severity::Error)
            {
                *warnings.entry(d.code.as_str()).or_default() += 1;
            }
            let errs = expr_errors(&ds);
            if !errs.is_empty() {
                bad.push(format!(
                    "{}: {:?}",
                    def.display(),
                    errs.iter()
                        .map(|d| (&d.code, &d.pointer, &d.message))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    println!(
        "sfn corpus: {n} definitions, {} with expression errors; warnings by code: {warnings:?}",
        bad.len()
    );
    assert!(
        n >= 500,
        "expected the 510 AWS-executed definitions, found {n}"
    );
    assert!(
        bad.is_empty(),
        "expression errors on definitions AWS accepted:\n{}",
        bad.join("\n")
    );
}

#[test]
fn expression_invalid_lint_cases_are_caught_and_valid_ones_pass() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let expected = case_list(include_str!("../data/expr-invalid-cases.txt"));
    let deviations = case_list(include_str!("../data/expr-deviations.txt"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("lint/manifest.json")).unwrap())
            .unwrap();
    let (mut caught, mut valid_ok, mut valid_n, mut valid_deviating) = (Vec::new(), 0, 0, 0);
    let mut problems = Vec::new();
    let mut also_caught = Vec::new();
    for c in manifest["cases"].as_array().unwrap() {
        let id = format!(
            "{}/{}",
            c["tool"].as_str().unwrap(),
            c["case"].as_str().unwrap()
        );
        let file = root.join("lint").join(c["file"].as_str().unwrap());
        let ds = check(&file);
        let errs = expr_errors(&ds);
        let deviation = deviations.contains(&id.as_str());
        let summary = || {
            errs.iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        };
        match c["expected_verdict"].as_str() {
            Some("valid") => {
                valid_n += 1;
                if errs.is_empty() {
                    valid_ok += 1;
                } else if deviation {
                    valid_deviating += 1;
                }
                if !errs.is_empty() && !deviation {
                    problems.push(format!(
                        "valid case {id} has expression errors: {:?}",
                        summary()
                    ));
                }
            }
            _ if expected.contains(&id.as_str()) => {
                if errs.is_empty() {
                    problems.push(format!("expression-invalid case {id} is not caught"));
                } else {
                    caught.push(format!("{id}: {:?}", summary()));
                }
            }
            _ if !errs.is_empty() => also_caught.push(format!("{id}: {:?}", summary())),
            _ => {}
        }
    }
    println!(
        "lint corpus: {}/{} expression-invalid cases caught, {valid_ok}/{valid_n} valid cases without expression errors, {valid_deviating} valid cases reported as listed deviations ({} deviations listed in all)",
        caught.len(),
        expected.len(),
        deviations.len()
    );
    for c in &caught {
        println!("  caught {c}");
    }
    for c in &also_caught {
        println!("  also reported (invalid for another reason) {c}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(caught.len(), expected.len());
}
