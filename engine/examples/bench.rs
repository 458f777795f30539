//! Micro-benchmark: a 1,000-state Pass chain, and 1,000 small executions of one engine.
//! `cargo run --release -p nexus-engine --example bench`

use std::time::Instant;

use nexus_engine::{Engine, Handlers, RunOptions};
use serde_json::{Map, Value, json};

fn chain(n: usize) -> Value {
    let mut states = Map::new();
    for i in 0..n {
        let mut s = json!({"Type": "Pass", "Result": {"i": i}, "ResultPath": "$.last"});
        if i + 1 < n {
            s["Next"] = json!(format!("S{}", i + 1));
        } else {
            s["End"] = json!(true);
        }
        states.insert(format!("S{i}"), s);
    }
    json!({"StartAt": "S0", "States": states})
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let handlers = Handlers::new();
    for record in [true, false] {
        let opts = RunOptions {
            record_history: record,
            ..RunOptions::default()
        };
        let def = chain(1000);
        let t = Instant::now();
        let engine = Engine::new(&def, opts.clone())?;
        let compile = t.elapsed();
        let t = Instant::now();
        let x = engine.run(json!({"k": 1}), &handlers)?;
        let run = t.elapsed();
        println!(
            "W1 1000 Pass states (history={record}): compile {compile:?}, run {run:?} ({:?}/transition), status {}",
            run / 1000,
            x.status.as_str()
        );
        let small = Engine::new(&chain(3), opts)?;
        let t = Instant::now();
        for i in 0..1000 {
            small.run(json!({"i": i}), &handlers)?;
        }
        println!(
            "1000 executions of a 3-state machine (history={record}): {:?}",
            t.elapsed()
        );
    }
    Ok(())
}
