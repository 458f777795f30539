//! nexus-migrate's integration tests, one binary (ruff's `tests/cli/main.rs` layout): one
//! link instead of one per file.

// Shared with nexus-schema's round-trip test.
#[path = "../../../schema/tests/schema/asl_gen.rs"]
mod asl_gen;
mod common;
mod corpus;
mod export;
mod fixtures;
