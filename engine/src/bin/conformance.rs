//! Runs the AWS-recorded conformance corpus and prints pass counts per category.
//! Usage: `conformance [CORPUS_DIR] [-v]` (default `../shared/conformance/sfn` relative to
//! the workspace, falling back to `/work/shared/conformance/sfn`).

use std::collections::BTreeMap;
use std::path::PathBuf;

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
        .unwrap_or_else(nexus_engine::conformance::default_root);
    if !root.exists() {
        println!(
            "skipped: conformance corpus not found at {}",
            root.display()
        );
        return;
    }
    let write_gaps = args.iter().any(|a| a == "--write-gaps");
    let mut all = Vec::new();
    let mut per: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for dir in nexus_engine::conformance::case_dirs(&root) {
        if let Some(f) = &filter
            && !dir.to_string_lossy().contains(f.as_str())
        {
            continue;
        }
        let r = nexus_engine::conformance::run_case(&dir);
        all.push(r.clone());
        let e = per.entry(r.category.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.passed);
        e.2 += usize::from(r.history_checked);
        e.3 += usize::from(r.history_passed);
        if verbose && (!r.passed || (r.history_checked && !r.history_passed)) {
            println!("FAIL {}/{}: {}", r.category, r.id, r.detail);
        }
    }
    let mut tot = (0, 0, 0, 0);
    for (cat, (n, p, hc, hp)) in &per {
        println!("{cat:<22} {p:>4}/{n:<4} history {hp:>4}/{hc:<4}");
        tot = (tot.0 + n, tot.1 + p, tot.2 + hc, tot.3 + hp);
    }
    println!(
        "{:<22} {:>4}/{:<4} history {:>4}/{:<4}",
        "TOTAL", tot.1, tot.0, tot.3, tot.2
    );
    if write_gaps {
        let gaps = nexus_engine::conformance::gaps_of(&all);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/KNOWN_GAPS.md");
        let text = nexus_engine::conformance::render_gaps(&all, &gaps);
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(2);
        }
        println!("wrote {path} ({} gaps)", gaps.len());
    }
}
