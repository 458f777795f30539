//! `nexus test [PATH...]`: workflow unit tests (docs/testing.md).
//!
//! Test files (`*.nexus-test.yaml|yml|json`, [`file`]) name a workflow and list cases: an
//! input, mocks per Task state (the shape of Step Functions Local mock configurations, or a
//! test case of one) and expectations. Every case runs on the bundled engine on the virtual
//! clock, in parallel; its history is read back ([`trace`]) and checked ([`check`]). Reports
//! look like `cargo test` (human, with a diff per failed expectation), or JUnit, JSON and
//! GitHub annotations for CI ([`report`]); `--coverage` adds which states, Choice rules,
//! retriers and catchers ran ([`coverage`]); `--update` writes the actual values into the
//! failing expectations ([`update`]); `--from-mock-config` turns a Step Functions Local
//! mock configuration into a test file ([`from_mock`]).
//!
//! Exit: 0 every case passed, 1 a case failed, 2 the tool could not run the tests (a test
//! file or workflow that cannot be read, no test file found among explicit paths).

mod check;
pub(crate) mod coverage;
mod file;
mod from_mock;
mod report;
pub(crate) mod trace;
mod update;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use nexus_engine::{Engine, Execution, Handlers, MockConfig, RunOptions};
use nexus_schema::DocKind;
use serde_json::{Map, Value, json};

pub(crate) use file::load_value;

/// Output formats of `nexus test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Like `cargo test`: one line per case, then each failure with a diff.
    Human,
    /// One JSON document (docs/testing.md, "JSON report").
    Json,
    /// JUnit XML: one test suite per test file, one test case per case.
    Junit,
    /// GitHub Actions annotations at the failing expectations.
    Github,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files or directories searched for `*.nexus-test.yaml|yml|json` (honouring
    /// .gitignore) [default: the current directory].
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Output format [default: github when GITHUB_ACTIONS=true, else human].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<TestFormat>,

    /// Write the actual values into the expectations that failed (snapshot style; review the
    /// change in your diff). Only expectations a case has are rewritten; the rest of the file
    /// is kept byte for byte.
    #[arg(long, conflicts_with = "from_mock_config")]
    pub update: bool,

    /// Report which states, Choice rules, retriers and catchers the cases exercised.
    #[arg(long)]
    pub coverage: bool,

    /// Only run cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    /// Convert the test cases of a Step Functions Local mock configuration into a test file
    /// (needs --workflow); each case's expectations are what the workflow does with its mocks.
    #[arg(long, value_name = "FILE", requires = "workflow")]
    pub from_mock_config: Option<PathBuf>,

    /// With --from-mock-config: the workflow the mock configuration is for.
    #[arg(long, value_name = "FILE")]
    pub workflow: Option<PathBuf>,

    /// With --from-mock-config: which state machine of the configuration [default: its only
    /// one].
    #[arg(long, value_name = "NAME")]
    pub state_machine: Option<String>,

    /// With --from-mock-config: write the test file here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl TestArgs {
    fn effective_format(&self) -> TestFormat {
        self.format.unwrap_or_else(|| {
            if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
                TestFormat::Github
            } else {
                TestFormat::Human
            }
        })
    }
}

/// What a case came to.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Passed,
    Failed(Vec<check::Mismatch>),
    /// The case could not run (its mocks are malformed, the engine refused the input).
    Error(String),
}

/// One case's result.
#[derive(Debug, Clone)]
pub(crate) struct CaseResult {
    pub(crate) name: String,
    /// JSON Pointer of the case in the test file.
    pub(crate) pointer: String,
    pub(crate) outcome: Outcome,
    /// `{"status", "output"|"error", "cause"}` of the execution, when it ran.
    pub(crate) execution: Option<Value>,
    pub(crate) duration: Duration,
}

/// One test file's results.
#[derive(Debug)]
pub(crate) struct FileResult {
    pub(crate) display: String,
    /// The workflow as shown.
    pub(crate) workflow: String,
    /// Why none of its cases ran.
    pub(crate) error: Option<String>,
    pub(crate) cases: Vec<CaseResult>,
    pub(crate) file: Option<file::TestFile>,
    pub(crate) coverage: Option<coverage::Coverage>,
}

/// A NEXUS workflow's `compensate` actions and `on_compensation_failure` hook (empty for ASL).
#[derive(Default)]
pub(crate) struct Saga {
    pub(crate) compensations: Vec<nexus_schema::nexus::Compensation>,
    pub(crate) hook: Option<String>,
}

/// A workflow ready to run the cases of one file.
struct Prepared {
    definition: Value,
    compensations: Saga,
    machine_name: String,
    handlers: Handlers,
    /// The referenced mock configuration and the state machine to take test cases from.
    mock_config: Option<(Value, String)>,
}

fn read_text(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

/// Loads the workflow of a test file (ASL, NEXUS YAML or a template's machine).
pub(crate) fn load_workflow(
    path: &Path,
    machine: Option<&str>,
) -> Result<(Value, Saga, String), String> {
    let display = path.display().to_string();
    let text: Arc<str> = read_text(path)?.into();
    let loaded = nexus_schema::source::load_source(&display, text);
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == nexus_schema::Severity::Error)
    {
        return Err(format!("{display}: {} ({})", d.message, d.code.0));
    }
    let docs = &loaded.documents;
    let doc = match machine {
        Some(m) => docs
            .iter()
            .find(|d| d.label.as_deref() == Some(m))
            .ok_or_else(|| format!("{display} holds no state machine named `{m}`"))?,
        None => match docs.as_slice() {
            [one] => one,
            [] => {
                return Err(format!(
                    "{display} is not a workflow (ASL, NEXUS YAML or a template)"
                ));
            }
            _ => {
                return Err(format!(
                    "{display} holds {} state machines; name one with `machine:`",
                    docs.len()
                ));
            }
        },
    };
    let compensations = match doc.kind {
        DocKind::Nexus => {
            let l = nexus_schema::nexus::lower(&doc.raw);
            Saga {
                compensations: l.compensations,
                hook: l.on_compensation_failure.map(|h| h.action),
            }
        }
        DocKind::Asl => Saga::default(),
    };
    let name = doc.label.clone().unwrap_or_else(|| {
        let stem = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = stem.split('.').next().unwrap_or("").to_string();
        if stem.is_empty() {
            String::from("StateMachine")
        } else {
            stem
        }
    });
    Ok(((*doc.asl).clone(), compensations, name))
}

fn prepare(f: &file::TestFile) -> Result<Prepared, String> {
    let (definition, compensations, machine_name) =
        load_workflow(&f.workflow, f.machine.as_deref())?;
    let handlers = match &f.handlers {
        Some(p) => {
            let (cfg, _) = load_value(&p.display().to_string(), &read_text(p)?).map_err(|e| e.0)?;
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Handlers::from_config(&cfg, dir).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => Handlers::new(),
    };
    let mock_config = match &f.mock_config {
        Some(p) => {
            let (cfg, _) = load_value(&p.display().to_string(), &read_text(p)?).map_err(|e| e.0)?;
            MockConfig::parse(&cfg).map_err(|e| format!("{}: {e}", p.display()))?;
            let names: Vec<String> = cfg
                .get("StateMachines")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let sm = match (&f.mock_state_machine, names.as_slice()) {
                (Some(s), _) if names.contains(s) => s.clone(),
                (None, [one]) => one.clone(),
                (None, _) if names.contains(&machine_name) => machine_name.clone(),
                _ => {
                    return Err(format!(
                        "{}: choose its state machine with `mock_state_machine:` (it has: {})",
                        p.display(),
                        names.join(", ")
                    ));
                }
            };
            Some((cfg, sm))
        }
        None => None,
    };
    Ok(Prepared {
        definition,
        compensations,
        machine_name,
        handlers,
        mock_config,
    })
}

/// Name of the state machine and test case of the mock configuration made for a case.
const MOCK_MACHINE: &str = "nexus-test";
const MOCK_CASE: &str = "case";

/// The mock configuration of one case: the referenced test case, with the inline mocks on
/// top.
fn case_mocks(prep: &Prepared, case: &file::Case) -> Result<Option<MockConfig>, String> {
    if case.mocks.is_empty() && case.mock_test_case.is_none() {
        return Ok(None);
    }
    let mut states = Map::new();
    let mut responses = Map::new();
    if let Some(tc) = &case.mock_test_case {
        let Some((cfg, sm)) = &prep.mock_config else {
            return Err(String::from("`mock_test_case` needs a `mock_config`"));
        };
        let m = cfg
            .pointer(&format!(
                "/StateMachines/{}/TestCases/{}",
                file::token(sm),
                file::token(tc)
            ))
            .and_then(Value::as_object)
            .ok_or_else(|| format!("the mock configuration has no test case `{tc}` for `{sm}`"))?;
        states.extend(m.clone());
        if let Some(r) = cfg.get("MockedResponses").and_then(Value::as_object) {
            responses.extend(r.clone());
        }
    }
    for (state, resp) in &case.mocks {
        // A name no mock configuration can already use: it holds a character AWS forbids in
        // names.
        let name = format!("nexus-test<{state}>");
        states.insert(state.clone(), Value::String(name.clone()));
        responses.insert(name, resp.clone());
    }
    let cfg = json!({
        "StateMachines": {MOCK_MACHINE: {"TestCases": {MOCK_CASE: states}}},
        "MockedResponses": responses,
    });
    MockConfig::parse(&cfg).map(Some).map_err(|e| e.to_string())
}

/// An execution name from a case name (`$$.Execution.Name`: 1-80 characters, no spaces or
/// brackets), so reruns give the same context object.
fn execution_name(case: &str) -> String {
    let s: String = case
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    if s.is_empty() {
        String::from("test")
    } else {
        s
    }
}

/// Runs one case: the execution and its trace, or why it could not run.
pub(crate) fn execute(
    prep_def: &Value,
    saga: &Saga,
    machine_name: &str,
    handlers: &Handlers,
    mocks: Option<MockConfig>,
    case_name: &str,
    input: Value,
) -> Result<(Execution, trace::Trace), String> {
    let opts = RunOptions {
        state_machine_name: machine_name.to_string(),
        execution_name: Some(execution_name(case_name)),
        record_history: true,
        ..RunOptions::default()
    };
    let engine = Engine::with_saga(prep_def, &saga.compensations, saga.hook.as_deref(), opts)
        .map_err(|e| format!("cannot run the workflow: {e}"))?;
    let mut h = handlers.clone();
    if let Some(m) = mocks {
        h.set_mock_config(Arc::new(m), MOCK_MACHINE, MOCK_CASE);
    }
    let exec = engine.run(input, &h).map_err(|e| e.to_string())?;
    let trace = trace::Trace::from_history(&exec.history);
    Ok((exec, trace))
}

fn run_case(prep: &Prepared, case: &file::Case) -> (CaseResult, Option<trace::Trace>) {
    let started = Instant::now();
    let ran = case_mocks(prep, case).and_then(|m| {
        execute(
            &prep.definition,
            &prep.compensations,
            &prep.machine_name,
            &prep.handlers,
            m,
            &case.name,
            case.input.clone(),
        )
    });
    let (outcome, execution, trace) = match ran {
        Ok((exec, trace)) => {
            let mismatches = check::check(case, &exec, &trace);
            let outcome = if mismatches.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Failed(mismatches)
            };
            (outcome, Some(exec.summary()), Some(trace))
        }
        Err(e) => (Outcome::Error(e), None, None),
    };
    (
        CaseResult {
            name: case.name.clone(),
            pointer: case.pointer.clone(),
            outcome,
            execution,
            duration: started.elapsed(),
        },
        trace,
    )
}

/// Test files among the inputs: every file named on the command line, and the test files in
/// directories and globs.
fn discover(paths: &[String]) -> (Vec<crate::discover::Candidate>, Vec<String>) {
    let (cands, errors) = crate::discover::discover(paths);
    let cands = cands
        .into_iter()
        .filter(|c| {
            file::is_test_file_name(&c.path) || paths.iter().any(|p| Path::new(p) == c.path)
        })
        .collect();
    (cands, errors)
}

/// Runs every case of every file.
fn run_all(
    args: &TestArgs,
    files: Vec<(String, Result<file::TestFile, String>)>,
) -> Vec<FileResult> {
    let mut results: Vec<FileResult> = Vec::new();
    let mut preps: Vec<Option<Prepared>> = Vec::new();
    for (display, f) in files {
        match f.and_then(|mut f| {
            if let Some(flt) = &args.filter {
                f.cases.retain(|c| c.name.contains(flt.as_str()));
            }
            prepare(&f).map(|p| (f, p))
        }) {
            Ok((f, p)) => {
                results.push(FileResult {
                    display,
                    workflow: f.workflow.display().to_string(),
                    error: None,
                    cases: Vec::new(),
                    file: Some(f),
                    coverage: None,
                });
                preps.push(Some(p));
            }
            Err(e) => {
                results.push(FileResult {
                    display,
                    workflow: String::new(),
                    error: Some(e),
                    cases: Vec::new(),
                    file: None,
                    coverage: None,
                });
                preps.push(None);
            }
        }
    }
    let jobs: Vec<(usize, usize)> = results
        .iter()
        .enumerate()
        .flat_map(|(fi, r)| {
            let n = r.file.as_ref().map_or(0, |f| f.cases.len());
            (0..n).map(move |ci| (fi, ci))
        })
        .collect();
    let done = crate::parallel::map_in_order(&jobs, |&(fi, ci)| {
        let prep = preps.get(fi).and_then(Option::as_ref);
        let case = results
            .get(fi)
            .and_then(|r| r.file.as_ref())
            .and_then(|f| f.cases.get(ci));
        match (prep, case) {
            (Some(p), Some(c)) => Some(run_case(p, c)),
            _ => None,
        }
    });
    let mut traces: Vec<Vec<trace::Trace>> = results.iter().map(|_| Vec::new()).collect();
    for (&(fi, _), r) in jobs.iter().zip(done) {
        let Some((res, tr)) = r else { continue };
        if let Some(f) = results.get_mut(fi) {
            f.cases.push(res);
        }
        if let (Some(t), Some(list)) = (tr, traces.get_mut(fi)) {
            list.push(t);
        }
    }
    if args.coverage {
        for ((r, p), t) in results.iter_mut().zip(&preps).zip(&traces) {
            if let Some(p) = p {
                let refs: Vec<&trace::Trace> = t.iter().collect();
                r.coverage = Some(coverage::measure(&p.definition, &refs));
            }
        }
    }
    results
}

fn write_out(text: &str) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the report: {e}");
            2
        }
        _ => 0,
    }
}

pub fn run(args: &TestArgs) -> u8 {
    if let Some(mock) = &args.from_mock_config {
        return from_mock::run(args, mock);
    }
    let started = Instant::now();
    let (cands, errors) = discover(&args.paths);
    for e in &errors {
        eprintln!("error: {e}");
    }
    if cands.is_empty() {
        if errors.is_empty() && args.paths.is_empty() {
            eprintln!("no test files (*.nexus-test.yaml) found");
            return 0;
        }
        if errors.is_empty() {
            eprintln!("error: no test files (*.nexus-test.yaml) among the given paths");
        }
        return 2;
    }
    let files: Vec<(String, Result<file::TestFile, String>)> = cands
        .iter()
        .map(|c| {
            (
                c.display.clone(),
                file::read(&c.path, &c.display).map_err(|e| e.0),
            )
        })
        .collect();
    let mut results = run_all(args, files);
    let mut updated = 0usize;
    if args.update {
        match update::apply(&mut results) {
            Ok(n) => updated = n,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let format = args.effective_format();
    let text = match format {
        TestFormat::Human => report::human(&results, started.elapsed(), args.coverage),
        TestFormat::Json => report::json(&results),
        TestFormat::Junit => report::junit(&results),
        TestFormat::Github => report::github(&results, args.coverage),
    };
    if write_out(&text) == 2 {
        return 2;
    }
    if updated > 0 {
        eprintln!(
            "updated {updated} expectation{}; review the change before committing it",
            if updated == 1 { "" } else { "s" }
        );
    }
    report::exit_code(&results, !errors.is_empty())
}
