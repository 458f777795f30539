//! The engine's integration tests, one binary (ruff's `tests/cli/main.rs` layout): one link
//! instead of one per file, which is most of their build time on a small machine.

mod cases;
mod compensation;
mod conformance;
mod fuzz_run;
mod limits;
mod map_run_updates;
mod module_graph;
mod redrive;
mod resume;
mod runtime_errors;
