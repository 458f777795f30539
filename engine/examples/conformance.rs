//! Runs the AWS-recorded conformance corpus and prints pass counts per category.
//!
//! Usage: `cargo run --release -p nexus-engine --example conformance -- [CORPUS_DIR] [-v]
//! [--only=TEXT] [--write-gaps]`. The corpus defaults to `sfn/` of the conformance corpus
//! (`nexus_testkit::corpus`: `$NEXUS_CONFORMANCE`, else `../shared/conformance`). `-v` prints every miss with its
//! reason; `--write-gaps` rewrites `engine/KNOWN_GAPS.md` (reasons already written there are
//! kept). The same corpus run through `nexus migrate stepfunctions` first is part of
//! `cargo test -p nexus-engine --test engine conformance -- --nocapture`.

use std::path::PathBuf;

use nexus_engine::conformance::{self, CaseResult};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let filter = args
        .iter()
        .find(|a| a.starts_with("--only="))
        .map(|a| a.trim_start_matches("--only=").to_string());
    let root = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .or_else(|| nexus_testkit::corpus_dir("sfn"));
    let Some(root) = root else {
        return;
    };
    let write_gaps = args.iter().any(|a| a == "--write-gaps");
    let mut all: Vec<CaseResult> = Vec::new();
    for dir in conformance::case_dirs(&root) {
        if let Some(f) = &filter
            && !dir.to_string_lossy().contains(f.as_str())
        {
            continue;
        }
        let r = conformance::run_case(&dir);
        if verbose && (!r.passed || (r.history_checked && !r.history_passed)) {
            println!("FAIL {}/{}: {}", r.category, r.id, r.detail);
        }
        all.push(r);
    }
    print!("{}", conformance::render_counts(&all));
    if write_gaps {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/KNOWN_GAPS.md");
        let old = std::fs::read_to_string(path).unwrap_or_default();
        let gaps = conformance::gaps_of(&all, &conformance::parse_gaps(&old));
        let text = conformance::render_gaps(&all, &gaps);
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(2);
        }
        println!("wrote {path} ({} gaps)", gaps.len());
    }
}
