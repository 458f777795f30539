//! nexus-lint's integration tests, one binary (ruff's `tests/cli/main.rs` layout): one link
//! instead of one per file.

#[path = "../../../schema/tests/schema/asl_gen.rs"]
mod asl_gen;
mod asl_rules;
mod conformance;
mod expr_corpus;
mod expr_rules;
mod fuzz_policy_input;
