//! `nexus run FILE --input JSON`: execute a workflow (ASL or NEXUS YAML) on the bundled
//! engine, with Step Functions semantics, and print the result.
//!
//! The file is linted first (Rust rules only): a definition with errors is not run (exit 2).
//! NEXUS workflows run on their lowered ASL with `compensate` in effect. Tasks are answered,
//! in this order, by a Step Functions Local mock configuration (`--mock-config` +
//! `--test-case`) and by the handlers file (`--handlers`); a Task nothing answers fails with
//! `States.Runtime` naming its action. With `--event-log` the execution is written durably;
//! `--resume` continues an interrupted one from that log (docs/run.md, "Event log and
//! resume"). Exit: 0 `SUCCEEDED`, 1 `FAILED`/`TIMED_OUT`, 2 the tool could not run the
//! workflow (including a log that does not verify or does not fit), 3 `FAILED` with
//! `Nexus.CompensationFailed` (some compensations failed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use nexus_engine::{Engine, Execution, ExecutionStatus, Handlers, MockConfig, RunOptions};
use nexus_schema::{DocKind, Document, Severity};
use serde_json::Value;

/// Output formats of `nexus run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// The status, then the output (or error and cause), for people.
    Human,
    /// `{"status":"SUCCEEDED","output":...}` or `{"status":...,"error":...,"cause":...}`.
    Json,
}

/// Time source of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClockArg {
    /// Wait states and retry back-off take no time; timestamps still move forward.
    Virtual,
    /// Wait for real.
    Real,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The workflow: ASL (`.asl.json`, `.asl.yaml`), NEXUS YAML (`.nexus.yaml`) or a template
    /// holding state machines.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The execution input, as JSON text.
    #[arg(long, value_name = "JSON", conflicts_with = "input_file")]
    pub input: Option<String>,

    /// Read the execution input from this file (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,

    /// Run once per line of this JSON Lines file (each line an input), printing one JSON
    /// result per line; exit 0 only when every execution succeeded.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["input", "input_file", "history"])]
    pub input_lines: Option<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: RunFormat,

    /// Handlers file (YAML or JSON): action name or Resource ARN → `exec`, `http` or `mock`.
    #[arg(long, value_name = "FILE")]
    pub handlers: Option<PathBuf>,

    /// Step Functions Local mock configuration (`StateMachines.<name>.TestCases.<case>`).
    #[arg(long, value_name = "FILE", requires = "test_case")]
    pub mock_config: Option<PathBuf>,

    /// The test case of the mock configuration to use.
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    pub test_case: Option<String>,

    /// State machine of the mock configuration [default: its only one, else the workflow's
    /// name].
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    pub state_machine: Option<String>,

    /// Clock of the run [default: virtual; with --resume, the logged execution's].
    #[arg(long, value_enum)]
    pub clock: Option<ClockArg>,

    /// Write the execution history (GetExecutionHistory events) to this file as JSON.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// Replace the `--history` file when it already exists.
    #[arg(long, requires = "history")]
    pub force: bool,

    /// Write the execution durably to this SHA-256 hash-chained JSON Lines log (verified
    /// before use); an interrupted execution resumes from it with --resume.
    #[arg(long, value_name = "FILE")]
    pub event_log: Option<PathBuf>,

    /// Resume the unfinished execution of --event-log where it was interrupted: Tasks whose
    /// results the log holds are not run again. The input defaults to the logged one.
    #[arg(long, requires = "event_log", conflicts_with_all = ["input_lines", "name"])]
    pub resume: bool,

    /// Execution name (`$$.Execution.Name`) [default: a fresh UUID per run].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Which machine to run when the file holds several (logical id or name).
    #[arg(long, value_name = "NAME")]
    pub machine: Option<String>,

    /// Most state transitions allowed (nexus's guard against endless loops).
    #[arg(long, value_name = "N", default_value_t = 25_000)]
    pub max_transitions: u64,

    /// Most history events a Standard execution may have; reaching it fails the execution
    /// (AWS quota: 25,000 events; Express executions have none).
    #[arg(long, value_name = "N", default_value_t = 25_000)]
    pub max_events: u64,

    /// Workflow type: Express runs have the `:express:` execution ARN, no `RedriveCount`, a
    /// 5-minute limit and no `.sync`/`.waitForTaskToken` [default: the type the template
    /// declares, else standard].
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub machine_type: Option<crate::args::MachineTypeArg>,

    /// Real time allowed for the whole run, in seconds; past it the run ends TIMED_OUT.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,

    /// Run even when `nexus lint` reports errors in the definition.
    #[arg(long)]
    pub skip_lint: bool,
}

/// A tool failure: printed as `error: ...`, exit 2.
struct Fail(String);

impl<T: std::fmt::Display> From<T> for Fail {
    fn from(e: T) -> Self {
        Fail(e.to_string())
    }
}

fn read_text(path: &Path) -> Result<String, Fail> {
    nexus_schema::source::read_source_text(path)
        .map_err(|e| Fail(format!("cannot read {}: {e}", path.display())))
}

/// Parses a JSON or YAML file into a value (JSON when it looks like JSON).
fn read_data(path: &Path) -> Result<Value, Fail> {
    parse_data(&read_text(path)?).map_err(|e| Fail(format!("{}: {e}", path.display())))
}

/// Parses JSON or YAML text holding one document into a value.
fn parse_data(text: &str) -> Result<Value, String> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let loaded = if t.starts_with('{') || t.starts_with('[') {
        nexus_schema::load::load_json(text).map(|l| vec![l])
    } else {
        nexus_schema::load::load_yaml(text, &nexus_schema::load::YamlOptions::default())
    };
    match loaded {
        Ok(mut docs) if docs.len() == 1 => Ok(docs.remove(0).value),
        Ok(_) => Err(String::from("expected exactly one document")),
        Err(d) => Err(d.message),
    }
}

/// `--type`, else the type the template declares for the machine (CloudFormation
/// `StateMachineType`, SAM `Type`, Serverless Framework `type`), else Standard.
fn workflow_type(args: &RunArgs, doc: &nexus_schema::Document) -> nexus_engine::WorkflowType {
    use nexus_engine::WorkflowType;
    if let Some(t) = args.machine_type {
        return match t {
            crate::args::MachineTypeArg::Standard => WorkflowType::Standard,
            crate::args::MachineTypeArg::Express => WorkflowType::Express,
        };
    }
    // The definition sits in the machine's properties (`.../Properties/Definition`, or
    // `.../<machine>/definition` in serverless.yml): its parent holds the type.
    let Some(owner) = nexus_schema::pointer::parent(&doc.base).filter(|_| !doc.base.is_empty())
    else {
        return WorkflowType::Standard;
    };
    let declared = parse_data(&doc.source).ok().and_then(|root| {
        let props = root.pointer(owner)?;
        ["StateMachineType", "Type", "type"].iter().find_map(|k| {
            props
                .get(*k)
                .and_then(Value::as_str)
                .map(str::to_ascii_uppercase)
        })
    });
    match declared.as_deref() {
        Some("EXPRESS") => WorkflowType::Express,
        _ => WorkflowType::Standard,
    }
}

/// The input given with --input or --input-file, if any.
fn input_of(args: &RunArgs) -> Result<Option<Value>, Fail> {
    let (text, what) = match (&args.input, &args.input_file) {
        (Some(t), _) => (t.clone(), String::from("--input")),
        (None, Some(p)) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            (s, String::from("standard input"))
        }
        (None, Some(p)) => (read_text(p)?, p.display().to_string()),
        (None, None) => return Ok(None),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Fail(format!("{what} is not JSON: {e}")))
}

/// Picks the document to run.
fn pick<'d>(docs: &'d [Document], machine: Option<&str>, file: &str) -> Result<&'d Document, Fail> {
    match machine {
        Some(m) => docs
            .iter()
            .find(|d| d.label.as_deref() == Some(m))
            .ok_or_else(|| Fail(format!("{file} holds no state machine named `{m}`"))),
        None => match docs {
            [one] => Ok(one),
            [] => Err(Fail(format!(
                "{file} is neither an ASL state machine (`StartAt` + `States`) nor a NEXUS workflow (`version` + `states`)"
            ))),
            many => Err(Fail(format!(
                "{file} holds {} state machines; choose one with --machine ({})",
                many.len(),
                many.iter()
                    .filter_map(|d| d.label.as_deref())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

/// The name the run gives the state machine: the NEXUS `name` / template label, else the
/// file stem.
fn machine_name(doc: &Document, file: &Path) -> String {
    if let Some(l) = &doc.label {
        return l.clone();
    }
    let stem = file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.split('.').next().unwrap_or("").to_string();
    if stem.is_empty() {
        String::from("StateMachine")
    } else {
        stem
    }
}

/// Colour on standard error: a terminal, and NO_COLOR unset.
fn stderr_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Lints the loaded file with the Rust rules (no Rego policies: `LintOptions::default()`);
/// `Some(code)` when it has errors and must not run.
fn lint_gate(
    args: &RunArgs,
    display: &str,
    text: &Arc<str>,
    loaded: &nexus_schema::source::LoadedSource,
) -> Option<u8> {
    let cand = crate::discover::Candidate {
        path: args.file.clone(),
        display: display.to_string(),
        explicit: true,
    };
    let mut options = nexus_lint::LintOptions::default();
    if let Some(t) = args.machine_type {
        options.machine_type = t.into();
    }
    let mut reports = crate::lint_cmd::check_source(&cand, text.clone(), loaded, &options);
    for r in &mut reports {
        r.diagnostics.retain(|d| d.severity == Severity::Error);
    }
    reports.retain(|r| !r.diagnostics.is_empty());
    if reports.is_empty() {
        return None;
    }
    let report = crate::lint_cmd::RunReport { files: reports };
    match args.format {
        RunFormat::Human => {
            eprint!("{}", crate::report::human::render(&report, stderr_color()));
            eprintln!("error: {display} has errors; not running it (--skip-lint runs it anyway)");
        }
        RunFormat::Json => crate::out::outln!("{}", crate::report::json::render(&report)),
    }
    Some(2)
}

/// The handlers of a handlers file (`--handlers`), none without one.
pub(crate) fn load_handlers(path: Option<&Path>) -> Result<Handlers, String> {
    match path {
        Some(p) => {
            let cfg = read_data(p).map_err(|Fail(m)| m)?;
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Handlers::from_config(&cfg, dir).map_err(|e| format!("{}: {e}", p.display()))
        }
        None => Ok(Handlers::new()),
    }
}

/// A Step Functions Local mock configuration file.
pub(crate) fn load_mock_config(path: &Path) -> Result<MockConfig, String> {
    MockConfig::parse(&read_data(path).map_err(|Fail(m)| m)?)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn handlers_of(args: &RunArgs, sm_default: &str) -> Result<Handlers, Fail> {
    let mut handlers = load_handlers(args.handlers.as_deref()).map_err(Fail)?;
    if let (Some(p), Some(case)) = (&args.mock_config, &args.test_case) {
        let cfg = load_mock_config(p).map_err(Fail)?;
        let names: Vec<String> = cfg.state_machines().map(String::from).collect();
        let sm = match &args.state_machine {
            Some(s) => s.clone(),
            None if names.len() == 1 => names.first().cloned().unwrap_or_default(),
            None => sm_default.to_string(),
        };
        if !names.contains(&sm) {
            return Err(Fail(format!(
                "{}: no state machine `{sm}` (it has: {}); choose one with --state-machine",
                p.display(),
                names.join(", ")
            )));
        }
        if !cfg.has_test_case(&sm, case) {
            return Err(Fail(format!(
                "{}: state machine `{sm}` has no test case `{case}`",
                p.display()
            )));
        }
        handlers.set_mock_config(Arc::new(cfg), sm, case.clone());
    }
    Ok(handlers)
}

fn render(exec: &Execution, format: RunFormat, elapsed: std::time::Duration) -> String {
    match format {
        RunFormat::Json => format!("{}\n", exec.summary()),
        RunFormat::Human => {
            let mut s = format!(
                "{} after {} state transition{} ({:.1} ms)\n",
                exec.status.as_str(),
                exec.transitions,
                if exec.transitions == 1 { "" } else { "s" },
                elapsed.as_secs_f64() * 1000.0
            );
            match &exec.output {
                Some(o) => {
                    s.push_str(&serde_json::to_string_pretty(o).unwrap_or_default());
                    s.push('\n');
                }
                None => {
                    if let Some(e) = &exec.error {
                        s.push_str(&format!("error: {e}\n"));
                    }
                    if let Some(c) = &exec.cause {
                        s.push_str(&format!("cause: {c}\n"));
                    }
                }
            }
            s
        }
    }
}

fn run_inner(args: &RunArgs) -> Result<u8, Fail> {
    let display = args.file.display().to_string();
    let text: Arc<str> = read_text(&args.file)?.into();
    let input = input_of(args)?;
    let loaded = nexus_schema::source::load_source(&display, text.clone());
    let fatal = loaded
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    if fatal && !args.skip_lint {
        return Ok(lint_gate(args, &display, &text, &loaded).unwrap_or(2));
    }
    let doc = pick(&loaded.documents, args.machine.as_deref(), &display)?;
    if !args.skip_lint
        && let Some(code) = lint_gate(args, &display, &text, &loaded)
    {
        return Ok(code);
    }
    let (compensations, hook) = match doc.kind {
        DocKind::Nexus => {
            let l = nexus_schema::nexus::lower(&doc.raw);
            (l.compensations, l.on_compensation_failure.map(|h| h.action))
        }
        DocKind::Asl => (Vec::new(), None),
    };
    let name = machine_name(doc, &args.file);
    // A resumed execution keeps the clock it started on (a different one is an error).
    let clock_arg = match (args.clock, &args.event_log) {
        (Some(c), _) => c,
        (None, Some(log)) if args.resume => match nexus_engine::logged_clock_is_real(log) {
            Some(true) => ClockArg::Real,
            _ => ClockArg::Virtual,
        },
        (None, _) => ClockArg::Virtual,
    };
    let clock: Arc<dyn nexus_engine::Clock> = match clock_arg {
        ClockArg::Virtual => Arc::new(nexus_engine::VirtualClock::starting_now()),
        ClockArg::Real => Arc::new(nexus_engine::RealClock),
    };
    let wall_time = match args.timeout {
        Some(t) if t > 0.0 => match std::time::Duration::try_from_secs_f64(t) {
            Ok(d) => Some(d),
            Err(_) => return Err(Fail(String::from("--timeout is too large"))),
        },
        Some(_) => return Err(Fail(String::from("--timeout must be a positive number"))),
        None => None,
    };
    // Checked (and its temporary opened) before the run: a refused path wastes no run.
    let history = match &args.history {
        Some(h) => Some(Arc::new(HistoryFile::create(h, args.force)?)),
        None => None,
    };
    let opts = RunOptions {
        state_machine_name: name.clone(),
        execution_name: args.name.clone(),
        max_transitions: args.max_transitions,
        max_history_events: args.max_events,
        workflow_type: workflow_type(args, doc),
        wall_time,
        clock,
        record_history: history.is_some(),
        history_sink: history
            .clone()
            .map(|h| h as Arc<dyn nexus_engine::HistorySink>),
        event_log: args.event_log.clone(),
        ..RunOptions::default()
    };
    let handlers = handlers_of(args, &name)?;
    let engine = Engine::with_saga(&doc.asl, &compensations, hook.as_deref(), opts)
        .map_err(|e| Fail(format!("{display}: cannot run: {e}")))?;
    if let Some(p) = &args.input_lines {
        return run_lines(&engine, &handlers, p);
    }
    let started = std::time::Instant::now();
    let exec = if args.resume {
        engine.resume(input, &handlers)?
    } else {
        engine.run(
            input.unwrap_or_else(|| Value::Object(serde_json::Map::new())),
            &handlers,
        )?
    };
    let elapsed = started.elapsed();
    if let Some(info) = &exec.resumed {
        let log = args
            .event_log
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        eprintln!(
            "resumed from {log}: {} logged entr{} replayed, {} task result{} reused",
            info.replayed,
            if info.replayed == 1 { "y" } else { "ies" },
            info.handler_results,
            if info.handler_results == 1 { "" } else { "s" }
        );
        if let Some(t) = info.torn_tail {
            eprintln!(
                "note: dropped the incomplete last line of {log} (line {}, {} bytes): the interrupted write of one entry",
                t.line, t.bytes
            );
        }
    }
    if let Some(h) = history {
        h.commit()?;
    }
    if let Err(e) = crate::out::write_stdout(&render(&exec, args.format, elapsed)) {
        return Err(Fail(format!("cannot write the result: {e}")));
    }
    Ok(exit_code(&exec))
}

/// The `--history` file, written while the run goes: a JSON array of the events, as
/// `serde_json::to_string_pretty` prints the whole history (two-space indent, a final
/// newline), committed atomically at the end.
#[derive(Debug)]
struct HistoryFile(std::sync::Mutex<HistoryOut>);

#[derive(Debug)]
struct HistoryOut {
    file: Option<crate::output::StreamedFile>,
    events: u64,
    error: Option<std::io::Error>,
}

impl HistoryFile {
    fn create(path: &Path, force: bool) -> Result<Self, Fail> {
        let file = crate::output::StreamedFile::create(path, force).map_err(Fail)?;
        Ok(Self(std::sync::Mutex::new(HistoryOut {
            file: Some(file),
            events: 0,
            error: None,
        })))
    }

    /// Closes the array and puts the file in place.
    fn commit(&self) -> Result<(), Fail> {
        let mut g = self
            .0
            .lock()
            .map_err(|_| Fail(String::from("cannot write the history")))?;
        let out = &mut *g;
        let Some(mut file) = out.file.take() else {
            return Ok(());
        };
        if let Some(e) = out.error.take() {
            return Err(Fail(format!("cannot write the history: {e}")));
        }
        let tail: &[u8] = if out.events == 0 { b"[]\n" } else { b"\n]\n" };
        file.write_all(tail)
            .map_err(|e| Fail(format!("cannot write the history: {e}")))?;
        file.commit().map_err(Fail)
    }
}

impl nexus_engine::HistorySink for HistoryFile {
    fn event(&self, event: &Value) {
        let Ok(mut g) = self.0.lock() else {
            return;
        };
        let out = &mut *g;
        if out.error.is_some() {
            return;
        }
        let Some(file) = out.file.as_mut() else {
            return;
        };
        let head: &[u8] = if out.events == 0 { b"[\n  " } else { b",\n  " };
        let r = file.write_all(head).and_then(|()| {
            let mut ser =
                serde_json::Serializer::with_formatter(&mut *file, ElementFormatter::new());
            serde::Serialize::serialize(event, &mut ser).map_err(std::io::Error::from)
        });
        out.events = out.events.saturating_add(1);
        if let Err(e) = r {
            out.error = Some(e);
        }
    }
}

/// serde_json's pretty printer (two-space indent) for an element of a top-level array: its
/// lines sit one level in. serde_json's own `PrettyFormatter` always starts at level 0.
struct ElementFormatter {
    level: usize,
    has_value: bool,
}

impl ElementFormatter {
    fn new() -> Self {
        Self {
            level: 1,
            has_value: false,
        }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level = self.level.saturating_add(1);
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            self.newline(w, true)?;
        }
        w.write_all(bracket)
    }

    fn newline<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ElementFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// 0 `SUCCEEDED`; 3 `FAILED` with compensations that failed (the undo is incomplete: someone
/// must look); 1 otherwise.
fn exit_code(exec: &Execution) -> u8 {
    match exec.status {
        ExecutionStatus::Succeeded => 0,
        ExecutionStatus::Failed
            if exec.error.as_deref() == Some(nexus_engine::COMPENSATION_FAILED) =>
        {
            3
        }
        ExecutionStatus::Failed | ExecutionStatus::TimedOut => 1,
    }
}

/// `--input-lines`: one execution per input line, one JSON summary per line.
fn run_lines(engine: &Engine, handlers: &Handlers, path: &Path) -> Result<u8, Fail> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        read_text(path)?
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut all_ok = true;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let input: Value = serde_json::from_str(line).map_err(|e| {
            Fail(format!(
                "{} line {}: not JSON: {e}",
                path.display(),
                i.saturating_add(1)
            ))
        })?;
        let exec = engine.run(input, handlers)?;
        all_ok &= exec.status == ExecutionStatus::Succeeded;
        if let Err(e) = exec
            .write_summary(&mut out)
            .and_then(|()| out.write_all(b"\n"))
        {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                break;
            }
            return Err(Fail(format!("cannot write the result: {e}")));
        }
    }
    if let Err(e) = out.flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(Fail(format!("cannot write the result: {e}")));
    }
    Ok(if all_ok { 0 } else { 1 })
}

pub fn run(args: &RunArgs) -> u8 {
    match run_inner(args) {
        Ok(code) => code,
        Err(Fail(msg)) => {
            eprintln!("error: {msg}");
            2
        }
    }
}
