//! Test support shared by every nexus crate's tests: a `[dev-dependencies]` entry only,
//! never a dependency of a shipped crate.
//!
//! [`corpus`] is the one locator of the AWS-recorded conformance corpus (the folder holding
//! `sfn/` and `lint/`, described in its README). It is looked for at the path in
//! `$NEXUS_CONFORMANCE` when that variable is set, else at `../shared/conformance` next to the
//! workspace. A test that needs it and finds it absent says it skipped, unless the variable is
//! set: then the corpus was asked for by name and its absence is a failure. `.ci/run` sets the
//! variable, so CI cannot pass by skipping the corpus.

use std::path::PathBuf;

/// The one environment variable naming the conformance corpus.
pub const CORPUS_VAR: &str = "NEXUS_CONFORMANCE";

/// The conformance corpus root (with `sfn/` and `lint/`), or `None` when it is absent and was
/// not asked for; prints the skip line then, so every skipping test says so the same way.
///
/// # Panics
/// When `$NEXUS_CONFORMANCE` is set and names no directory (CI must not skip the corpus).
#[must_use]
pub fn corpus() -> Option<PathBuf> {
    match std::env::var_os(CORPUS_VAR) {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_dir(),
                "{CORPUS_VAR}={} names no directory: the conformance corpus is required here",
                p.display()
            );
            Some(p)
        }
        None => {
            let p = default_location();
            if p.is_dir() {
                Some(p)
            } else {
                println!(
                    "skipped: conformance corpus not found at {} (set {CORPUS_VAR} to require it)",
                    p.display()
                );
                None
            }
        }
    }
}

/// A part of the corpus (`"sfn"`, `"lint"`, `"sfn/intrinsic_functions"`), as [`corpus`].
///
/// # Panics
/// When the corpus is required (see [`corpus`]) and the part is missing from it.
#[must_use]
pub fn corpus_dir(part: &str) -> Option<PathBuf> {
    let p = corpus()?.join(part);
    assert!(
        p.is_dir(),
        "the conformance corpus at hand has no {part}/: {}",
        p.display()
    );
    Some(p)
}

/// `../shared/conformance` next to the workspace root (this crate sits one level below it).
fn default_location() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_location_is_next_to_the_workspace() {
        let p = super::default_location();
        assert!(p.ends_with("../../shared/conformance"), "{}", p.display());
        assert!(
            p.parent()
                .and_then(|p| p.parent())
                .and_then(|p| p.parent())
                .is_some_and(|ws| ws.join("Cargo.toml").is_file()),
            "{}",
            p.display()
        );
    }
}
