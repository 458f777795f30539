//! Command-line arguments (clap derive). `nexus --help` is generated from the doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lint, migrate and run AWS Step Functions workflows (ASL) and NEXUS YAML workflows.
#[derive(Debug, Parser)]
#[command(name = "nexus", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find workflow definitions and report problems with exact file:line:column.
    Lint(LintArgs),
    /// List every rule code with its documentation.
    Rules(RulesArgs),
}

/// Output formats of `nexus lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the exact span (colour on a terminal unless NO_COLOR is set).
    Human,
    /// The documented JSON contract (`docs/json-output.md`).
    Json,
}

/// Lowest severity that makes `nexus lint` exit with 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    /// Never fail because of findings (only tool failures exit non-zero).
    Never,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files, directories (searched recursively, honouring .gitignore) or glob patterns.
    /// Defaults to the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Output format.
    #[arg(
        long,
        short = 'f',
        value_enum,
        default_value = "human",
        env = "NEXUS_FORMAT"
    )]
    pub format: Format,

    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,

    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Colour in human output: auto (terminal and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print a Markdown table (for the README) instead of the plain listing.
    #[arg(long)]
    pub markdown: bool,

    /// Show the full documentation of one code.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}
