//! End-to-end tests of the `nexus` binary, one test binary (ruff's `tests/cli/main.rs`
//! layout): one link instead of one per file. Built as the `cli` test of nexus-cli
//! (`cli/Cargo.toml`), so cargo sets `CARGO_BIN_EXE_nexus`.

mod cli_polish;
mod deploy_e2e;
mod e2e;
mod hardening_e2e;
mod integrations;
mod migrate_e2e;
mod policy_e2e;
mod run_e2e;
mod serve_sdk_e2e;
mod test_e2e;
