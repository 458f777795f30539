//! nexus-schema's integration tests, one binary (ruff's `tests/cli/main.rs` layout): one
//! link instead of one per file.

mod asl_gen;
mod asl_schema_corpus;
mod common;
mod expr_corpus_clean;
mod fuzz_expr;
mod intrinsic_conformance;
mod nexus_roundtrip;
mod pyyaml_differential;
