//! Fuzzing that stays (issue #12): the Rego input builder and the whole lint (rules and the
//! bundled policies) over random ASL machines (the shared generator) and over mutated fixture
//! texts. The oracle: no panic, the input is an object naming every top-level state, and every
//! finding's pointer resolves in the document's location map or has none. `PROPTEST_CASES`
//! scales a run (docs/fuzzing.md).

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use nexus_lint::{LintOptions, PolicySet, lint};
use nexus_schema::ir::Workflow;
use nexus_schema::source::load_source;
use proptest::prelude::*;
use serde_json::Value;

use crate::asl_gen::top_machine;

fn options() -> &'static LintOptions {
    static OPTIONS: OnceLock<LintOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| LintOptions {
        policies: Some(Arc::new(PolicySet::bundled_only().unwrap())),
        ..LintOptions::default()
    })
}

/// Build the policy input and lint every document of `text` named `path`.
fn check(path: &str, text: &str) -> Result<(), TestCaseError> {
    let loaded = load_source(path, Arc::from(text));
    for doc in &loaded.documents {
        let ir = Workflow::from_asl(&doc.asl);
        let input = nexus_lint::policy::input::build(doc, &ir);
        prop_assert!(input.is_object(), "policy input is not an object: {input}");
        if let Some(states) = doc.asl.get("States").and_then(Value::as_object) {
            for name in states.keys() {
                prop_assert!(
                    input
                        .to_string()
                        .contains(&serde_json::to_string(name).unwrap()),
                    "state {name:?} missing from the policy input"
                );
            }
        }
        for d in lint(doc, options()) {
            if let Some(span) = d.span {
                prop_assert!(
                    span.start <= span.end && span.end <= doc.source.len(),
                    "{} span {span:?} outside the {} bytes of {path}",
                    d.code,
                    doc.source.len()
                );
            }
        }
    }
    Ok(())
}

/// Every fixture ASL/NEXUS text under 64 KiB, the seeds of the mutations.
fn seeds() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p)
                && text.len() < 64 * 1024
                && (p
                    .extension()
                    .is_some_and(|x| x == "json" || x == "yaml" || x == "yml"))
            {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                out.push((name, text));
            }
        }
    }
    out.sort();
    out
}

fn mutated() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(seeds()),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0u8..3,
                prop::sample::select(vec![
                    '{', '}', '[', ']', ',', ':', '"', '-', ' ', '\n', '0', 'a', '$', '.', '~', '/',
                ]),
            ),
            1..6,
        ),
    )
        .prop_map(|((name, seed), edits)| {
            let mut chars: Vec<char> = seed.chars().collect();
            for (at, op, c) in edits {
                let i = at.index(chars.len() + 1);
                match op {
                    0 if i < chars.len() => {
                        chars.remove(i);
                    }
                    1 if i < chars.len() => chars[i] = c,
                    _ => chars.insert(i, c),
                }
            }
            (name, chars.into_iter().collect())
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn policy_input_and_lint_hold_on_generated_machines(asl in top_machine()) {
        check("generated.asl.json", &serde_json::to_string_pretty(&asl).unwrap())?;
    }

    #[test]
    fn policy_input_and_lint_hold_on_mutated_fixtures((name, text) in mutated()) {
        check(&name, &text)?;
    }
}
