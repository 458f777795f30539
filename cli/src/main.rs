//! `nexus`: policy-as-code linter and AWS Step Functions migration toolchain.
//!
//! This crate is the only one that knows about the terminal: argument parsing, file
//! discovery, renderers (human, JSON, SARIF, GitHub, JUnit), pictures and exit codes (the
//! table of every command: [`exit_codes`]).

mod args;
mod config;
// Without the `aws` feature only the refusal is reachable; the plan (plain data, unit-tested
// in every build) is called by the AWS side alone.
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
mod deploy_cmd;
mod discover;
mod exit_codes;
mod graph_cmd;
mod lint_cmd;
mod migrate_cmd;
mod out;
mod output;
mod parallel;
mod policy_cmd;
mod report;
mod rules_cmd;
mod run_cmd;
mod serve_cmd;
mod test_cmd;
mod test_state_cmd;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// mimalloc instead of the system allocator: a lint run allocates and frees millions of small
/// values (JSON nodes, pointers, Rego values); measured on `bench/lint-peers.sh`. Counted per
/// thread, so a JSONata evaluation can be held to its memory budget (`Budget::memory`).
#[global_allocator]
static ALLOCATOR: nexus_schema::expr::jsonata::CountingAllocator<mimalloc::MiMalloc> =
    nexus_schema::expr::jsonata::CountingAllocator(mimalloc::MiMalloc);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Lint(a) => lint_cmd::run(&a),
        Command::Rules(a) => rules_cmd::run(&a),
        Command::Run(a) => run_cmd::run(&a),
        Command::Serve(a) => serve_cmd::run(a),
        Command::Log(c) => serve_cmd::run_log(&c),
        Command::Graph(a) => graph_cmd::run(&a),
        Command::Test(a) => test_cmd::run(&a),
        Command::TestState(a) => test_state_cmd::run(&a),
        Command::Policy(policy_cmd::PolicyCommand::Test(a)) => policy_cmd::run_test(&a),
        Command::Policy(policy_cmd::PolicyCommand::Input(a)) => policy_cmd::run_input(&a),
        Command::Init(a) => policy_cmd::run_init(&a),
        Command::Schema(a) => policy_cmd::run_schema(&a),
        Command::Migrate(migrate_cmd::MigrateCommand::Stepfunctions(a)) => {
            migrate_cmd::run_migrate(&a)
        }
        Command::Export(migrate_cmd::ExportCommand::Asl(a)) => migrate_cmd::run_export(&a),
        Command::Deploy(a) => deploy_cmd::run(&a),
        Command::Completions(a) => args::run_completions(&a),
    };
    ExitCode::from(code)
}
