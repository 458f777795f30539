//! JSONata under its budget: any expression returns (a value or an error) within the time
//! budget plus slack for one builtin call, never a panic, a hang or an abort.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use nexus_schema::expr::SystemEntropy;
use nexus_schema::expr::jsonata::{Budget, evaluate_with_budget};
use serde_json::json;

/// The `nexus` binary's allocator counts per thread, so the JSONata memory budget holds here too.
#[global_allocator]
static ALLOCATOR: nexus_schema::expr::jsonata::CountingAllocator<std::alloc::System> =
    nexus_schema::expr::jsonata::CountingAllocator(std::alloc::System);

fuzz_target!(|data: &[u8]| {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    let input = json!({"a": {"b": [1, 2, {"c": "x"}], "s": "hello"}, "n": 3, "list": [3, 1, 2]});
    let budget = Budget {
        time: Duration::from_millis(200),
        ..Budget::DEFAULT
    };
    let started = Instant::now();
    let _ = evaluate_with_budget(
        expr,
        &input,
        &[("states", json!({"input": input.clone()}))],
        Arc::new(SystemEntropy),
        &budget,
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{expr:?} took {:?}",
        started.elapsed()
    );
});
