//! In-process benchmark on the peer workloads (`../shared/peers/workloads`): W1 a chain of
//! 1,000 Pass states, W2 a Map over 1,000 items with a Choice inside, W3 1,000 sequential
//! executions of a 5-state machine. Checks every output against the expected one and prints
//! one JSON line per workload (median of `--reps` runs).
//!
//! `cargo run --release -p nexus-engine --example bench -- [WORKLOAD_DIR] [--reps N] [--history]`
//!
//! It runs with the allocator of the `nexus` binary (mimalloc), so it measures the engine as
//! `nexus run` ships it (a program embedding the library runs with its own allocator).

use std::path::{Path, PathBuf};
use std::time::Instant;

use nexus_engine::{Engine, Handlers, RunOptions};

/// As in `cli/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use serde_json::{Value, json};

fn read(p: &Path) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&std::fs::read_to_string(p)?)?)
}

fn lines(p: &Path) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    std::fs::read_to_string(p)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Ok(serde_json::from_str(l)?))
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .enumerate()
        .find(|(i, a)| {
            let after_flag = i
                .checked_sub(1)
                .and_then(|p| args.get(p))
                .is_some_and(|p| p == "--reps" || p == "--only");
            !a.starts_with('-') && !after_flag
        })
        .map(|(_, a)| a)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/peers/workloads"
            ))
        });
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let history = args.iter().any(|a| a == "--history");
    let only: Option<&String> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1));
    let handlers = Handlers::new();
    let opts = RunOptions {
        record_history: history,
        ..RunOptions::default()
    };
    for wl in ["W1", "W2", "W3"] {
        if only.is_some_and(|o| !o.split(',').any(|x| x == wl)) {
            continue;
        }
        let def = read(&dir.join(format!("{wl}.json")))?;
        let t = Instant::now();
        let engine = Engine::new(&def, opts.clone())?;
        let create_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut times = Vec::with_capacity(reps);
        let mut transitions = 0u64;
        let mut ok = true;
        if wl == "W3" {
            let inputs = lines(&dir.join("W3.inputs.jsonl"))?;
            let expected = lines(&dir.join("W3.expected.jsonl"))?;
            for _ in 0..reps {
                // The inputs are handed over as they are (like the peers' drivers, which pass
                // their parsed objects): copies are made before the clock starts.
                let batch = inputs.clone();
                let t = Instant::now();
                let mut outs = Vec::with_capacity(inputs.len());
                transitions = 0;
                for i in batch {
                    let x = engine.run(i, &handlers)?;
                    transitions += x.transitions;
                    outs.push(x.output.unwrap_or(Value::Null));
                }
                times.push(t.elapsed().as_secs_f64() * 1e3);
                ok &= outs == expected;
            }
            let total = median(times);
            let n = inputs.len() as f64;
            println!(
                "{}",
                json!({"peer": "nexus", "wl": wl, "ok": ok, "create_ms": create_ms,
                       "total_ms": total, "exec_per_s": n * 1e3 / total,
                       "us_per_exec": total * 1e3 / n,
                       "us_per_transition": total * 1e3 / transitions as f64,
                       "transitions": transitions, "history": history})
            );
        } else {
            let input = read(&dir.join(format!("{wl}.input.json")))?;
            let expected = read(&dir.join(format!("{wl}.expected.json")))?;
            for _ in 0..reps {
                let input = input.clone();
                let t = Instant::now();
                let x = engine.run(input, &handlers)?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
                transitions = x.transitions;
                ok &= x.output.as_ref() == Some(&expected);
            }
            let exec = median(times);
            println!(
                "{}",
                json!({"peer": "nexus", "wl": wl, "ok": ok, "create_ms": create_ms,
                       "exec_ms": exec, "us_per_transition": exec * 1e3 / transitions as f64,
                       "transitions": transitions, "history": history})
            );
        }
    }
    Ok(())
}
