//! `nexus run`'s engine on any JSON definition: compiling fails with an error or gives an
//! engine, and a run ends within its limits (transitions, wall time), never a panic or a hang.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nexus_engine::{Engine, Handlers, RunOptions};
use serde_json::{Value, json};

/// The `nexus` binary's allocator counts per thread, so the JSONata memory budget holds here too.
#[global_allocator]
static ALLOCATOR: nexus_schema::expr::jsonata::CountingAllocator<std::alloc::System> =
    nexus_schema::expr::jsonata::CountingAllocator(std::alloc::System);

fuzz_target!(|data: &[u8]| {
    let Ok(asl) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let opts = RunOptions {
        max_transitions: 300,
        wall_time: Some(Duration::from_secs(5)),
        ..RunOptions::default()
    };
    if let Ok(engine) = Engine::new(&asl, opts) {
        let _ = engine.run(json!({"a": 1, "items": [1, 2, 3]}), &Handlers::new());
    }
});
