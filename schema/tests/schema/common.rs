//! Shared helpers for the conformance-corpus tests: locating the corpus and listing cases.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::path::Path;

use serde_json::Value;

/// One definition from the corpus.
pub struct Case {
    /// Path relative to the corpus root.
    pub name: String,
    pub value: Value,
    /// `valid`/`invalid` for lint cases; `None` for the AWS-executed sfn cases.
    pub verdict: Option<String>,
    /// For sfn cases: AWS rejected the definition itself (expected.json records a
    /// `SCHEMA_VALIDATION_FAILED` error), so it is not an accepted definition.
    pub aws_rejected: bool,
}

fn read_json(p: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(p).ok()?;
    serde_json::from_str(&text).ok()
}

/// Every `sfn/<category>/<case>/definition.json`, sorted.
pub fn sfn_cases(root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut cats: Vec<_> = std::fs::read_dir(root.join("sfn"))
        .expect("sfn/ is readable")
        .flatten()
        .collect();
    cats.sort_by_key(|e| e.path());
    for cat in cats {
        let Ok(cases) = std::fs::read_dir(cat.path()) else {
            continue;
        };
        let mut cases: Vec<_> = cases.flatten().collect();
        cases.sort_by_key(|e| e.path());
        for case in cases {
            let def = case.path().join("definition.json");
            let Some(value) = read_json(&def) else {
                continue;
            };
            let expected =
                std::fs::read_to_string(case.path().join("expected.json")).unwrap_or_default();
            out.push(Case {
                name: def
                    .strip_prefix(root)
                    .expect("case under root")
                    .display()
                    .to_string(),
                value,
                verdict: None,
                aws_rejected: expected.contains("SCHEMA_VALIDATION_FAILED"),
            });
        }
    }
    out
}

/// Every lint case of `lint/manifest.json` whose file parses as JSON.
pub fn lint_cases(root: &Path) -> Vec<Case> {
    let manifest = read_json(&root.join("lint/manifest.json")).expect("lint/manifest.json parses");
    let mut out = Vec::new();
    for c in manifest["cases"].as_array().expect("manifest has cases") {
        let file = c["file"].as_str().expect("case has a file");
        let Some(value) = read_json(&root.join("lint").join(file)) else {
            continue;
        };
        out.push(Case {
            name: format!("lint/{file}"),
            value,
            verdict: c["expected_verdict"].as_str().map(str::to_string),
            aws_rejected: false,
        });
    }
    out
}
