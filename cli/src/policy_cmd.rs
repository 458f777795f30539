//! Policy wiring of the CLI: the `nexus lint` policy flags and configuration, and the
//! commands `nexus policy test`, `nexus init` and `nexus schema policy-input`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use nexus_lint::LintOptions;
use nexus_lint::policy::{PolicySet, RegoVersion, testrun};

use crate::args::FailOn;
use crate::config::{self, Config};
use crate::discover::Candidate;

/// Policy and configuration flags of `nexus lint`.
#[derive(Debug, Default, Args)]
pub struct PolicyFlags {
    /// Rego policies (directory, searched recursively, or file) and `*.policies.yaml` rule
    /// lists. Repeatable. Default: `policy/` when it exists (as conftest).
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// JSON/YAML data files (or directories) merged under `data`. Repeatable.
    #[arg(long = "data", value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// Rego packages whose rules run (default `main`). Repeatable.
    #[arg(long = "namespace", value_name = "PACKAGE")]
    pub namespace: Vec<String>,
    /// Run the rules of every Rego package.
    #[arg(long)]
    pub all_namespaces: bool,
    /// Parse every policy as Rego v0 (conftest-era syntax).
    #[arg(long, conflicts_with = "rego_v1")]
    pub rego_v0: bool,
    /// Parse every policy as Rego v1 (default: detected per file).
    #[arg(long)]
    pub rego_v1: bool,
    /// Do not run the bundled NX3xx best-practice pack.
    #[arg(long)]
    pub no_bundled: bool,
    /// Configuration file (default: nexus.toml or .nexus.toml, searched upward).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only these codes (codes, prefixes such as NX3, or names; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Vec<String>,
    /// Never these codes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,
}

/// Everything a lint run needs from flags and configuration.
pub struct Setup {
    pub options: LintOptions,
    pub config: Config,
}

impl Setup {
    /// Drop candidates the configuration excludes (globs relative to its directory).
    pub fn filter(&self, candidates: Vec<Candidate>) -> Vec<Candidate> {
        if self.config.exclude.is_empty() {
            return candidates;
        }
        let base = self
            .config
            .file
            .as_deref()
            .and_then(Path::parent)
            .and_then(|p| std::fs::canonicalize(p).ok());
        candidates
            .into_iter()
            .filter(|c| {
                let rel = base.as_ref().and_then(|b| {
                    std::fs::canonicalize(&c.path)
                        .ok()
                        .and_then(|p| p.strip_prefix(b).ok().map(Path::to_path_buf))
                });
                let rel = rel.unwrap_or_else(|| c.path.clone());
                !self
                    .config
                    .exclude
                    .iter()
                    .any(|g| g.is_match(&rel) || g.is_match(&c.display))
            })
            .collect()
    }

    /// `--fail-on`, else the configuration's, else `error`.
    pub fn fail_on(&self, flag: Option<FailOn>) -> FailOn {
        flag.or(self.config.fail_on).unwrap_or(FailOn::Error)
    }

    /// Configuration suppressions that matched nothing, as warnings on stderr. Returns
    /// their number.
    pub fn report_unused(&self) -> usize {
        let mut n = 0;
        for s in &self.options.suppressions {
            if s.hits() == 0 {
                eprintln!(
                    "warning[NX040]: {} ({}) suppressed nothing",
                    s.origin,
                    s.codes.join(",")
                );
                n += 1;
            }
        }
        n
    }
}

/// Read configuration and policies once for the whole run.
pub fn setup(flags: &PolicyFlags, paths: &[String]) -> Result<Setup, String> {
    let start = paths
        .first()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("."));
    let file = config::find(flags.config.as_deref(), &start);
    let config = config::load(file.as_deref()).map_err(|e| e.to_string())?;
    let mut policy = config.policy.clone();
    if !flags.policy.is_empty() {
        policy.paths = flags.policy.clone();
    } else if policy.paths.is_empty() && Path::new("policy").is_dir() {
        policy.paths = vec![PathBuf::from("policy")];
    }
    policy.data.extend(flags.data.iter().cloned());
    if !flags.namespace.is_empty() {
        policy.namespaces = flags.namespace.clone();
    }
    policy.all_namespaces |= flags.all_namespaces;
    if flags.rego_v0 {
        policy.rego_version = RegoVersion::V0;
    } else if flags.rego_v1 {
        policy.rego_version = RegoVersion::V1;
    }
    policy.bundled &= !flags.no_bundled;
    let set = PolicySet::load(&policy).map_err(|e| format!("policy: {e}"))?;
    let mut selection = config.selection.clone();
    selection.select.extend(flags.select.iter().cloned());
    selection.ignore.extend(flags.ignore.iter().cloned());
    let options = LintOptions {
        policies: Some(Arc::new(set)),
        selection,
        suppressions: config.suppressions.clone(),
        machine_type: config.machine_type,
        template_source: config.template_source,
    };
    Ok(Setup { options, config })
}

/// `nexus policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of `*_test.rego` files (like `opa test` / `conftest verify`).
    #[command(after_help = crate::exit_codes::of("policy test"))]
    Test(PolicyTestArgs),
    /// Print the `input` a policy sees for each workflow of a file (like `conftest parse`).
    #[command(after_help = crate::exit_codes::of("policy input"))]
    Input(PolicyInputArgs),
}

#[derive(Debug, Args)]
pub struct PolicyInputArgs {
    /// A workflow file (ASL, NEXUS YAML or a template).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `nexus policy input FILE`: one JSON document per workflow, one per line when a file holds
/// several (a template, a multi-document YAML file), pretty-printed when it holds one.
pub fn run_input(args: &PolicyInputArgs) -> u8 {
    let display = args.file.display().to_string();
    let text = match nexus_schema::source::read_source_text(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {display}: {e}");
            return 2;
        }
    };
    let loaded = nexus_schema::source::load_source(&display, text.into());
    if loaded.documents.is_empty() {
        for d in &loaded.diagnostics {
            eprintln!("error[{}]: {display}: {}", d.code, d.message);
        }
        if loaded.diagnostics.is_empty() {
            eprintln!("error: {display} holds no state machine or NEXUS workflow");
        }
        return 2;
    }
    let one = loaded.documents.len() == 1;
    for doc in &loaded.documents {
        let ir = nexus_schema::ir::Workflow::from_asl(&doc.asl);
        let input = nexus_lint::policy::input::build(doc, &ir);
        let out = if one {
            serde_json::to_string_pretty(&input)
        } else {
            serde_json::to_string(&input)
        };
        match out {
            Ok(s) => crate::out::outln!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    0
}

#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Directories or files with policies and their tests (default `policy/`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// JSON/YAML data files merged under `data`.
    #[arg(long = "data", value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// Test the bundled NX3xx pack (alone when no PATH is given).
    #[arg(long)]
    pub bundled: bool,
    /// Print line coverage of the policies.
    #[arg(long)]
    pub coverage: bool,
    /// Parse every policy as Rego v0.
    #[arg(long, conflicts_with = "rego_v1")]
    pub rego_v0: bool,
    /// Parse every policy as Rego v1.
    #[arg(long)]
    pub rego_v1: bool,
    /// Show passing tests too.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Run `nexus policy test`: 0 all passed, 1 a test failed, 2 the policies do not load.
pub fn run_test(args: &PolicyTestArgs) -> u8 {
    let mut paths = args.paths.clone();
    if paths.is_empty() && !args.bundled {
        paths.push(PathBuf::from("policy"));
    }
    let options = testrun::TestOptions {
        paths,
        data: args.data.clone(),
        bundled: args.bundled,
        rego_version: if args.rego_v0 {
            RegoVersion::V0
        } else if args.rego_v1 {
            RegoVersion::V1
        } else {
            RegoVersion::Auto
        },
        coverage: args.coverage,
        timeout: None,
    };
    let report = match testrun::run(&options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    for t in &report.tests {
        if !t.passed {
            crate::out::outln!(
                "FAIL {} ({})\n     {}",
                t.rule,
                t.file,
                t.failure.as_deref().unwrap_or("")
            );
        } else if args.verbose {
            crate::out::outln!("PASS {} ({:.1?})", t.rule, t.duration);
        }
    }
    if args.coverage {
        for f in &report.coverage {
            let total = f.covered.len() + f.not_covered.len();
            let pct = if total == 0 {
                100.0
            } else {
                100.0 * f.covered.len() as f64 / total as f64
            };
            crate::out::outln!("coverage {:5.1}% {}", pct, f.path);
            if !f.not_covered.is_empty() {
                crate::out::out!("{}", f.pretty);
            }
        }
    }
    let failed = report.failed();
    crate::out::outln!("{} passed, {} failed", report.tests.len() - failed, failed);
    if report.tests.is_empty() {
        eprintln!("warning: no test_* rules found");
    }
    u8::from(failed > 0)
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write (default ./nexus.toml).
    #[arg(value_name = "FILE", default_value = "nexus.toml")]
    pub file: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `nexus init`: write the commented default configuration.
pub fn run_init(args: &InitArgs) -> u8 {
    match crate::output::write_file(&args.file, config::DEFAULT.as_bytes(), args.force) {
        Ok(()) => {
            crate::out::outln!("wrote {}", args.file.display());
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema: `asl` (Amazon States Language), `nexus` (NEXUS YAML), `policy-input`
    /// (what a Rego policy sees as `input`) or `test` (`*.nexus-test.yaml` test files).
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `nexus schema NAME`: print a bundled JSON Schema.
pub fn run_schema(args: &SchemaArgs) -> u8 {
    match args.name.as_str() {
        "asl" => {
            crate::out::out!("{}", nexus_schema::asl_json_schema());
            0
        }
        "nexus" => {
            crate::out::out!("{}", nexus_schema::nexus::nexus_json_schema());
            0
        }
        "policy-input" => {
            crate::out::out!("{}", nexus_lint::policy::INPUT_SCHEMA);
            0
        }
        "test" => {
            print!("{}", nexus_schema::nexus::test_file_json_schema());
            0
        }
        other => {
            eprintln!("error: no schema `{other}` (available: asl, nexus, policy-input, test)");
            2
        }
    }
}
