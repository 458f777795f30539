//! nexus-lint's integration tests, one binary (ruff's `tests/cli/main.rs` layout): one link
//! instead of one per file.

mod asl_rules;
mod conformance;
mod expr_corpus;
mod expr_rules;
