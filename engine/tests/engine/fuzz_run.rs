//! Fuzzing that stays (issue #12): `nexus run`'s engine on random ASL machines (the shared
//! generator of `schema/tests/schema/asl_gen.rs`: every state type, nested Parallel and Map,
//! retriers, catchers, Choice rules, odd payload keys). The oracle: compiling either fails
//! with an error or gives an engine, and a run ends (SUCCEEDED, FAILED or TIMED_OUT, or a run
//! error) within its limits, never a panic or a hang. Tasks have no handler, so they fail
//! the way an unanswered resource does; inputs vary. `PROPTEST_CASES` scales a run.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use nexus_engine::{Engine, Handlers, RunOptions};
use proptest::prelude::*;
use serde_json::{Value, json};

#[path = "../../../schema/tests/schema/asl_gen.rs"]
mod asl_gen;

fn input() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!({}),
        json!({"a": 1, "b": [1, 2, 3], "s": "x", "flag": true}),
        json!([1, 2, 3]),
        json!({"items": [{"id": 1}, {"id": 2}], "n": -1.5}),
        Value::Null,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn generated_machines_compile_or_fail_cleanly_and_runs_end(
        asl in asl_gen::top_machine(),
        input in input(),
    ) {
        let opts = RunOptions {
            max_transitions: 300,
            wall_time: Some(Duration::from_secs(10)),
            ..RunOptions::default()
        };
        let Ok(engine) = Engine::new(&asl, opts) else {
            return Ok(());
        };
        if let Ok(x) = engine.run(input, &Handlers::new()) {
            prop_assert!(x.transitions <= 301, "{} transitions", x.transitions);
            prop_assert!(
                x.error.is_some() || x.status.as_str() == "SUCCEEDED",
                "{} without an error",
                x.status.as_str()
            );
        }
    }
}
