//! Command-line arguments (clap derive). `nexus --help` is generated from the doc comments.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// Lint, migrate and run AWS Step Functions workflows (ASL) and NEXUS YAML workflows.
#[derive(Debug, Parser)]
#[command(
    name = "nexus",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_long_help = crate::exit_codes::all(),
    // A flag given twice takes its last value (`nexus lint $ARGS --format json`): the
    // GitHub Action adds its own flags after the user's `args`.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find workflow definitions and report problems with exact file:line:column.
    #[command(after_help = crate::exit_codes::of("lint"))]
    Lint(LintArgs),
    /// List every rule code with its documentation.
    #[command(after_help = crate::exit_codes::of("rules"))]
    Rules(RulesArgs),
    /// Run a workflow locally with AWS Step Functions semantics (see docs/run.md).
    #[command(after_help = crate::exit_codes::of("run"))]
    Run(crate::run_cmd::RunArgs),
    /// Serve the Step Functions API on 127.0.0.1 over the bundled engine (AWS SDKs and CLI
    /// work with `--endpoint-url`); durable in a data directory.
    #[command(after_help = crate::exit_codes::of("serve"))]
    Serve(crate::serve_cmd::ServeArgs),
    /// Read-only checks of an event log (`nexus log verify|show FILE`).
    #[command(subcommand, after_help = crate::exit_codes::of("log verify/show"))]
    Log(crate::serve_cmd::LogCommand),
    /// Draw a picture of a state machine (Mermaid or Graphviz DOT).
    #[command(after_help = crate::exit_codes::of("graph"))]
    Graph(GraphArgs),
    /// Run workflow unit tests (`*.nexus-test.yaml`: mocks, expectations, coverage; see
    /// docs/testing.md).
    #[command(after_help = crate::exit_codes::of("test"))]
    Test(crate::test_cmd::TestArgs),
    /// Test one state on its own, like the Step Functions TestState API, offline.
    #[command(after_help = crate::exit_codes::of("test-state"))]
    TestState(crate::test_state_cmd::TestStateArgs),
    /// Work with Rego policies.
    #[command(subcommand)]
    Policy(crate::policy_cmd::PolicyCommand),
    /// Write a commented default nexus.toml.
    #[command(after_help = crate::exit_codes::of("init"))]
    Init(crate::policy_cmd::InitArgs),
    /// Print a bundled JSON Schema.
    #[command(after_help = crate::exit_codes::of("schema"))]
    Schema(crate::policy_cmd::SchemaArgs),
    /// Migrate workflows to NEXUS YAML (`nexus migrate stepfunctions --input F|DIR|-`).
    #[command(subcommand)]
    Migrate(crate::migrate_cmd::MigrateCommand),
    /// Export NEXUS YAML to plain ASL (`nexus export asl F`).
    #[command(subcommand)]
    Export(crate::migrate_cmd::ExportCommand),
    /// Lint, export and create or update the state machine on AWS Step Functions, with
    /// versions and aliases (a canary with `--alias live=new:10`); idempotent, `--dry-run`
    /// shows the diff. Needs a nexus built with the `aws` feature (release binaries are).
    #[command(after_help = crate::exit_codes::of("deploy"))]
    Deploy(crate::deploy_cmd::DeployArgs),
    /// Print shell completions (`nexus completions bash > ~/.local/share/bash-completion/completions/nexus`).
    #[command(after_help = crate::exit_codes::of("completions"))]
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `nexus completions SHELL`: the completion script, generated from these argument
/// definitions, so it never lags behind a new flag.
pub fn run_completions(args: &CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "nexus", &mut script);
    match crate::out::write_stdout(&String::from_utf8_lossy(&script)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write the completions: {e}");
            2
        }
    }
}

/// Output formats of `nexus lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the exact span (colour on a terminal unless NO_COLOR is set).
    Human,
    /// The documented JSON contract (`docs/json-output.md`).
    Json,
    /// SARIF 2.1.0, as GitHub code scanning accepts it.
    Sarif,
    /// GitHub Actions workflow commands (annotations); the default when GITHUB_ACTIONS=true.
    Github,
    /// JUnit XML: one test case per file, one failure per finding.
    Junit,
    /// One line per finding: `path:line:col: severity CODE message`.
    Concise,
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
    /// Defaults to the current directory. `-` reads one document from standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// The file name standard input (`-`) stands for: it decides the format (`.json`,
    /// `.yaml`, `.nexus.yaml`, a template) and is shown in messages [default: <stdin>].
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Let templates read `DefinitionUri` files outside the lint root (the working
    /// directory, or the template's own directory when it lies elsewhere). Off by default,
    /// so a template cannot make the report show an arbitrary file.
    #[arg(long)]
    pub allow_outside_root: bool,

    /// Output format [default: github when GITHUB_ACTIONS=true, else human].
    #[arg(long, short = 'f', value_enum, env = "NEXUS_FORMAT")]
    pub format: Option<Format>,

    /// Exit with 1 when a finding at or above this severity is reported [default: error, or
    /// `fail_on` of the configuration].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the `--output` file when it already exists.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Colour in human output: auto (terminal and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,

    /// The state machine type the definitions are deployed as: Express workflows reject
    /// `.sync`, `.waitForTaskToken` and activities [default: standard, or `type` of the
    /// configuration].
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub machine_type: Option<MachineTypeArg>,

    #[command(flatten)]
    pub policy: crate::policy_cmd::PolicyFlags,
}

/// State machine types (`--type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MachineTypeArg {
    Standard,
    Express,
}

impl From<MachineTypeArg> for nexus_lint::MachineType {
    fn from(t: MachineTypeArg) -> Self {
        match t {
            MachineTypeArg::Standard => Self::Standard,
            MachineTypeArg::Express => Self::Express,
        }
    }
}

impl LintArgs {
    /// The format asked for, else the one the environment suggests: GitHub annotations inside
    /// GitHub Actions (which sets `GITHUB_ACTIONS=true` for every step), human otherwise.
    pub fn effective_format(&self) -> Format {
        self.format.unwrap_or_else(|| {
            if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
                Format::Github
            } else {
                Format::Human
            }
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print the Markdown reference (one section per code, as in docs/rules.md) instead of
    /// the plain listing.
    #[arg(long)]
    pub markdown: bool,

    /// Show the full documentation of one code.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

/// Picture formats of `nexus graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid `stateDiagram-v2` (renders on GitHub inside a ```mermaid block).
    Mermaid,
    /// Graphviz DOT (`dot -Tpng`).
    Dot,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The workflow file (ASL JSON/YAML, NEXUS YAML, or a template holding state machines).
    #[arg(value_name = "FILE")]
    pub file: String,

    /// Picture format.
    #[arg(long, short = 'f', value_enum, default_value = "mermaid")]
    pub format: GraphFormat,

    /// Write the picture to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Replace OUT when it already exists.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Colour the states that have lint findings (red: error, amber: warning).
    #[arg(long)]
    pub highlight: bool,

    /// Which machine to draw when the file holds several (logical id or name); default: all.
    #[arg(long, value_name = "NAME")]
    pub machine: Option<String>,
}
