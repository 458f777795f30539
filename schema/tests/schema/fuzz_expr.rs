//! Fuzzing that stays (issue #12), on the stable toolchain: property-based generation seeded
//! from the fixtures. The JSON loader against serde_json's verdict and NEXUS lowering/raising
//! have their own generators (`src/load/json/tests.rs`, `tests/nexus_roundtrip.rs`); this file
//! covers the YAML loader, JSONPath, intrinsic functions and JSONata under its budget.
//!
//! Each property asserts that the code returns (a value or an error) without panicking and,
//! for JSONata, within the evaluation budget. `PROPTEST_CASES` scales a run: CI's smoke uses
//! the defaults below; the long run is documented in `docs/fuzzing.md`.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use nexus_schema::expr::jsonata::{Budget, evaluate_with_budget};
use nexus_schema::expr::{EvalContext, SystemEntropy, intrinsic, jsonpath};
use nexus_schema::load::{YamlOptions, load_yaml};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Every fixture text, the seeds the mutations start from.
fn seeds() -> Vec<String> {
    let mut out = Vec::new();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p)
                && text.len() < 64 * 1024
            {
                out.push(text);
            }
        }
    }
    out.sort();
    out
}

/// A seed with a few bytes-level edits (insert, delete, replace), kept valid UTF-8.
fn mutated() -> impl Strategy<Value = String> {
    let seeds = seeds();
    (
        prop::sample::select(seeds),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0u8..3,
                prop::sample::select(vec![
                    '{', '}', '[', ']', ',', ':', '"', '\'', '-', ' ', '\n', '\t', '&', '*', '!',
                    '|', '>', '#', '%', '@', '?', '0', 'a', '\u{feff}', 'é',
                ]),
            ),
            1..8,
        ),
    )
        .prop_map(|(seed, edits)| {
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
            chars.into_iter().collect()
        })
}

fn doc() -> Value {
    json!({"a": {"b": [1, 2, {"c": "x"}], "s": "hello"}, "n": 3, "list": [3, 1, 2], "t": true})
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn yaml_loader_never_panics(text in mutated()) {
        let _ = load_yaml(&text, &YamlOptions::default());
    }

    #[test]
    fn jsonpath_parses_and_evaluates_without_panicking(
        s in "\\$[.\\[\\]a-c0-9*?@()'\" :,=<>!$-]{0,24}",
    ) {
        if let Ok(p) = jsonpath::parse(&s) {
            let _ = p.evaluate(&doc());
        }
    }

    #[test]
    fn intrinsics_parse_and_evaluate_without_panicking(
        f in prop::sample::select(vec![
            "States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
            "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange",
            "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
            "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge",
            "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID",
        ]),
        args in prop::collection::vec(prop::sample::select(vec![
            "$.n", "$.a.s", "$.list", "$.a", "'x'", "'{}'", "'[1,2]'", "1", "-1", "0",
            "1000000000", "2.5", "null", "true", "$$", "'MD5'", "'SHA-256'", "$.missing",
        ]), 0..4),
    ) {
        let text = format!("{f}({})", args.join(", "));
        if let Ok(call) = intrinsic::parse(&text) {
            let input = doc();
            let _ = intrinsic::eval(&call, &EvalContext::with_input(&input));
        }
    }

    #[test]
    fn jsonata_stays_within_its_budget(
        parts in prop::collection::vec(prop::sample::select(vec![
            "$", "a.b", "[1..100000]", "$count(", "$sort(", "$distinct(", "$reverse(",
            "$map(", "$filter(", "function($x){ $x }", "function($x){ $x($x) }", "$pad('x', ",
            "1000000000", ")", "(", ",", "&", "+", "*", "$f", "$f := function($n){ $f($n+1) }",
            ";", "$string(", "$join(", "'a'", "[", "]", "{", "}", ":", "$states.input",
        ]), 1..12),
    ) {
        let expr = parts.concat();
        let budget = Budget { time: Duration::from_millis(200), ..Budget::DEFAULT };
        let started = Instant::now();
        let _ = evaluate_with_budget(
            &expr,
            &doc(),
            &[("states", json!({"input": doc()}))],
            Arc::new(SystemEntropy),
            &budget,
        );
        // The budget plus slack for one builtin call over a bounded input.
        prop_assert!(started.elapsed() < Duration::from_secs(3), "{} took {:?}", expr, started.elapsed());
    }
}
