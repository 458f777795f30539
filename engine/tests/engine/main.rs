//! The engine's integration tests, one binary (ruff's `tests/cli/main.rs` layout): one link
//! instead of one per file, which is most of their build time on a small machine.

mod cases;
mod compensation;
mod conformance;
mod execution_timeout;
mod fuzz_run;
mod limits;
mod map_run_updates;
mod module_graph;
mod redrive;
mod result_writer;
mod resume;
mod runtime_errors;

/// What the `nexus` binary counts with (around mimalloc there), so a JSONata evaluation is held
/// to its memory budget here as in a real run (`limits::jsonata_growth_*`).
#[global_allocator]
static ALLOCATOR: nexus_schema::expr::jsonata::CountingAllocator<std::alloc::System> =
    nexus_schema::expr::jsonata::CountingAllocator(std::alloc::System);
