//! Resume checks over the corpus: run a case with an event log, cut the log after an entry
//! (what a crash leaves: entries are written in order, as they happen), resume, and require
//! the output, status and history of the uninterrupted run.

use std::path::Path;

use serde_json::Value;

use super::{Case, load_case};
use crate::handlers::Handlers;
use crate::run::engine::Engine;
use crate::run::options::RunOptions;

/// Outcome of [`check_case`].
#[derive(Debug, Clone, Default)]
pub struct ResumeCheck {
    /// Whether the case was checked (TestState requests and cases that do not run are not).
    pub checked: bool,
    /// Cut points tried.
    pub cuts: usize,
    /// Problems, one line each (empty when every cut resumed to the same result).
    pub failures: Vec<String>,
}

fn setup(case: &Case, log: &Path) -> (RunOptions, Handlers) {
    let mut handlers = Handlers::new();
    let mut opts = RunOptions {
        account: String::from("111111111111"),
        role_arn: String::from("snf_role_arn"),
        record_history: true,
        event_log: Some(log.to_path_buf()),
        ..RunOptions::default()
    };
    if let Some((cfg, sm, tc)) = &case.mock {
        opts.state_machine_name = sm.clone();
        handlers.set_mock_config(cfg.clone(), sm.clone(), tc.clone());
    }
    (opts, handlers)
}

/// Runs the case in `dir` with an event log in `scratch`, then resumes it from up to
/// `max_cuts` prefixes of that log (evenly spread over its entries).
pub fn check_case(dir: &Path, scratch: &Path, max_cuts: usize) -> ResumeCheck {
    let mut out = ResumeCheck::default();
    let Ok(case) = load_case(dir) else {
        return out;
    };
    if case.request.is_some() {
        return out;
    }
    let full = scratch.join("full.jsonl");
    let _ = std::fs::remove_file(&full);
    let (opts, handlers) = setup(&case, &full);
    let Ok(engine) = Engine::new(&case.definition, opts) else {
        return out;
    };
    let reference = match engine.run(case.input.clone(), &handlers) {
        Ok(x) => x,
        Err(e) => {
            out.failures.push(format!("journaled run: {e}"));
            return out;
        }
    };
    out.checked = true;
    let Ok(bytes) = std::fs::read(&full) else {
        out.failures.push(String::from("no log written"));
        return out;
    };
    // Entry boundaries after the header and before the execution's last event.
    let ends: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i.saturating_add(1))
        .collect();
    let candidates: Vec<usize> = ends
        .iter()
        .copied()
        .take(ends.len().saturating_sub(1))
        .collect();
    let step = candidates.len().div_ceil(max_cuts.max(1)).max(1);
    for end in candidates.iter().step_by(step) {
        out.cuts = out.cuts.saturating_add(1);
        // A file of its own per cut: a process another test forks while this one holds the
        // log inherits its descriptor (and with it the log's lock) until it execs, and under
        // load that outlives the resume.
        let cut_log = scratch.join(format!("cut-{end}.jsonl"));
        if std::fs::write(&cut_log, bytes.get(..*end).unwrap_or_default()).is_err() {
            out.failures.push(String::from("cannot write the cut log"));
            return out;
        }
        let (opts, handlers) = setup(&case, &cut_log);
        let Ok(engine) = Engine::new(&case.definition, opts) else {
            return out;
        };
        match engine.resume(None, &handlers) {
            Ok(x) => {
                if x.summary() != reference.summary() {
                    out.failures.push(format!(
                        "cut at byte {end}: {} instead of {}",
                        x.summary(),
                        reference.summary()
                    ));
                } else if x.history != reference.history {
                    let at = x
                        .history
                        .iter()
                        .zip(&reference.history)
                        .position(|(a, b)| a != b)
                        .unwrap_or(x.history.len().min(reference.history.len()));
                    out.failures.push(format!(
                        "cut at byte {end}: history differs at event {at}: {:?} instead of {:?}",
                        x.history.get(at).map(Value::to_string),
                        reference.history.get(at).map(Value::to_string)
                    ));
                }
            }
            Err(e) => out.failures.push(format!("cut at byte {end}: {e}")),
        }
        let _ = std::fs::remove_file(&cut_log);
    }
    out
}
