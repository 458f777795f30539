//! `nexus migrate stepfunctions` (ASL → NEXUS YAML) and `nexus export asl` (NEXUS YAML →
//! plain ASL JSON): inputs, output paths, the never-overwrite rule, `--check`, rendering.
//!
//! The conversions themselves are `nexus_migrate::{migrate_source, export_source}`, the same
//! functions the corpus round-trip tests call. Exit codes follow the contract of the CLI:
//! 0 done, 1 findings (an input with errors, an export that `nexus lint` rejects) or `--check`
//! found a difference, 2 the tool could not do its job (unreadable input, an output file that
//! already exists without `--force`, conflicting flags, an AWS call that failed). Whenever the
//! exit code is not 0, nothing has been written.

mod aws;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use nexus_lint::LintOptions;
use nexus_migrate::{ExportError, SourceMigration, export_source, locate_notes, migrate_source};
use nexus_schema::template::FsResolver;
use nexus_schema::{Diagnostic, DocKind, Severity, TextRange};

use crate::args::{Color, Format};
use crate::lint_cmd::{FileReport, RunReport};
use crate::report;

/// `nexus migrate ...`
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// AWS Step Functions (ASL JSON/YAML, or the state machines of a CloudFormation, SAM or
    /// Serverless template) → NEXUS YAML, lossless, with migration notes (NX4xx) on stderr.
    #[command(after_help = crate::exit_codes::of("migrate stepfunctions"))]
    Stepfunctions(MigrateArgs),
}

/// `nexus export ...`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// NEXUS YAML → plain ASL JSON that Step Functions accepts (`compensate` lowered to
    /// Catch → compensation states → Fail). Refuses, with locations, what has no ASL form or
    /// what `nexus lint` reports as an error.
    #[command(after_help = crate::exit_codes::of("export asl"))]
    Asl(ExportArgs),
}

/// Flags shared by both commands: where notes go and how they look.
#[derive(Debug, Args)]
pub struct NoteFlags {
    /// Format of the notes and errors on standard error (the renderers of `nexus lint`).
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: Format,

    /// Report only warnings and errors (hide informational notes and the summary line).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Colour on standard error: auto (terminal and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// An ASL definition (JSON or YAML), a directory (every definition under it, honouring
    /// .gitignore), a CloudFormation/SAM/Serverless template (every machine in it), or `-`
    /// for standard input.
    #[arg(
        long,
        short = 'i',
        value_name = "F|DIR|-",
        required_unless_present = "arn",
        conflicts_with = "arn"
    )]
    pub input: Option<String>,

    /// Read a deployed state machine with DescribeStateMachine (AWS credentials and region
    /// from the usual environment variables and profile). Needs nexus built with
    /// `--features aws`.
    #[arg(long, value_name = "ARN")]
    pub arn: Option<String>,

    /// Step Functions endpoint for --arn, e.g. a local Step Functions-compatible service
    /// [default: AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL or the profile, else AWS].
    #[arg(long, value_name = "URL", requires = "arn")]
    pub endpoint_url: Option<String>,

    /// Write to this file (one workflow) or directory (several, or a directory input, whose
    /// layout is mirrored; created when missing). Default: standard output, several
    /// workflows as one YAML stream separated by `---`.
    #[arg(long, short = 'o', value_name = "FILE|DIR", conflicts_with = "write")]
    pub output: Option<PathBuf>,

    /// Write `<name>.nexus.yaml` beside each input (`<LogicalId>.nexus.yaml` for the machines
    /// of a template).
    #[arg(long)]
    pub write: bool,

    /// Replace output files that already exist (without it, an existing file is an error
    /// and nothing is written).
    #[arg(long)]
    pub force: bool,

    /// Write nothing; exit with 1 when an output file is missing or differs from what would
    /// be written (for CI).
    #[arg(long)]
    pub check: bool,

    #[command(flatten)]
    pub notes: NoteFlags,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The NEXUS workflow (`-` for standard input).
    #[arg(value_name = "FILE")]
    pub file: String,

    /// Write the ASL to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Replace OUT when it already exists.
    #[arg(long)]
    pub force: bool,

    /// Write nothing; exit with 1 when OUT is missing or differs from what would be written.
    #[arg(long, requires = "output")]
    pub check: bool,

    /// Export even when `nexus lint` reports errors in the workflow (Step Functions will
    /// probably reject the result).
    #[arg(long)]
    pub no_lint: bool,

    #[command(flatten)]
    pub notes: NoteFlags,
}

/// A tool failure: message for stderr, exit 2.
struct Failure(String);

impl<T: Into<String>> From<T> for Failure {
    fn from(s: T) -> Self {
        Failure(s.into())
    }
}

/// One input file (or standard input, or a deployed machine).
struct Input {
    /// The path as shown (and as the loaders see it).
    display: String,
    /// Where it is on disk (`None`: standard input, `--arn`).
    path: Option<PathBuf>,
    /// Its directory relative to a directory input, for mirroring.
    rel_dir: PathBuf,
    text: Arc<str>,
    /// `name:` of the workflow when the file name does not give it (`--arn`).
    name: Option<String>,
}

/// One output document.
struct Planned {
    /// `None`: standard output.
    path: Option<PathBuf>,
    text: String,
    notes: Vec<Diagnostic>,
}

pub fn run_migrate(a: &MigrateArgs) -> u8 {
    match migrate(a) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("error: {msg}");
            2
        }
    }
}

pub fn run_export(a: &ExportArgs) -> u8 {
    match export(a) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("error: {msg}");
            2
        }
    }
}

fn migrate(a: &MigrateArgs) -> Result<u8, Failure> {
    let from_stream = a.arn.is_some() || a.input.as_deref() == Some("-");
    if a.write && from_stream {
        return Err("--write puts the output beside the input file; with standard input or --arn use --output".into());
    }
    if a.check && a.output.is_none() && !a.write {
        return Err("--check compares output files; give --output or --write".into());
    }
    let (inputs, dir_input) = read_inputs(a)?;

    let mut errors = RunReport::default();
    let mut migrated: Vec<(&Input, SourceMigration)> = Vec::new();
    let mut skipped = 0;
    for (input, m) in inputs.iter().zip(migrate_all(&inputs)) {
        if m.failed() {
            errors.files.push(file_report(
                &input.display,
                DocKind::Asl,
                input.text.clone(),
                m.diagnostics,
            ));
            continue;
        }
        if m.machines.is_empty() && !dir_input {
            if m.nexus > 0 {
                return Err(format!(
                    "{} is a NEXUS workflow already (`nexus export asl` turns it into ASL)",
                    input.display
                )
                .into());
            }
            // For `lint` a stray file is worth a warning; here there is nothing to migrate.
            let d = nexus_lint::file::NOT_A_WORKFLOW
                .at(
                    "",
                    "this file holds no ASL state machine (`StartAt` + `States`), nor a template with one",
                )
                .with_severity(Severity::Error);
            errors.files.push(file_report(
                &input.display,
                DocKind::Asl,
                input.text.clone(),
                vec![d],
            ));
            continue;
        }
        if m.machines.is_empty() {
            skipped += 1;
            continue;
        }
        migrated.push((input, m));
    }
    if !errors.files.is_empty() {
        render(&errors, &a.notes, true);
        return Ok(1);
    }

    let total: usize = migrated.iter().map(|(_, m)| m.machines.len()).sum();
    let many = dir_input || total > 1;
    let mut planned = Vec::with_capacity(total);
    for (input, m) in &migrated {
        for machine in &m.machines {
            let file_name = format!("{}.nexus.yaml", output_stem(input, machine, m));
            let path = if a.write {
                let dir = input
                    .path
                    .as_deref()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                Some(dir.join(&file_name))
            } else {
                a.output.as_ref().map(|out| {
                    if many || out.is_dir() || out.to_string_lossy().ends_with(['/', '\\']) {
                        out.join(&input.rel_dir).join(&file_name)
                    } else {
                        out.clone()
                    }
                })
            };
            let mut notes = machine.migrated.notes.clone();
            locate_notes(&machine.migrated.yaml, &mut notes);
            planned.push(Planned {
                path,
                text: machine.migrated.yaml.clone(),
                notes,
            });
        }
    }
    if planned.is_empty() {
        eprintln!("no ASL state machine found ({skipped} file(s) looked at)");
        return Ok(0);
    }
    let mut seen = std::collections::HashSet::new();
    for p in &planned {
        if let Some(path) = &p.path
            && !seen.insert(path.clone())
        {
            return Err(format!(
                "two workflows would be written to {}; migrate them one at a time or use --output DIR",
                path.display()
            )
            .into());
        }
    }
    let written = deliver(&planned, a.force, a.check)?;
    if a.check {
        return Ok(written);
    }
    render_notes(&planned, &a.notes);
    if a.notes.format == Format::Human && !a.notes.quiet {
        let files = planned.iter().filter(|p| p.path.is_some()).count();
        let plural = if total == 1 { "" } else { "s" };
        let mut line = format!("migrated {total} state machine{plural}");
        if files > 0 {
            line.push_str(&format!("; wrote {files} file(s)"));
        }
        if skipped > 0 {
            line.push_str(&format!(
                "; skipped {skipped} file(s) holding no ASL state machine"
            ));
        }
        eprintln!("{line}");
    }
    Ok(0)
}

/// `migrate_source` over every input, on all cores, results in input order.
fn migrate_all(inputs: &[Input]) -> Vec<SourceMigration> {
    let one = |input: &Input| {
        migrate_source(
            &input.display,
            input.text.clone(),
            input.name.as_deref(),
            &FsResolver,
        )
    };
    crate::parallel::map_in_order(inputs, one)
}

/// The inputs, and whether the input was a directory.
fn read_inputs(a: &MigrateArgs) -> Result<(Vec<Input>, bool), Failure> {
    if let Some(arn) = &a.arn {
        let described = aws::describe(arn, a.endpoint_url.as_deref())?;
        return Ok((
            vec![Input {
                display: arn.clone(),
                path: None,
                rel_dir: PathBuf::new(),
                text: described.definition.into(),
                name: Some(described.name),
            }],
            false,
        ));
    }
    let input = a.input.as_deref().unwrap_or("-");
    if input == "-" {
        let text = read_stdin()?;
        return Ok((
            vec![Input {
                display: "<stdin>".into(),
                path: None,
                rel_dir: PathBuf::new(),
                text: text.into(),
                name: None,
            }],
            false,
        ));
    }
    let root = Path::new(input);
    if root.is_dir() {
        let (candidates, problems) = crate::discover::discover(&[input.to_string()]);
        if let Some(p) = problems.first() {
            return Err(p.clone().into());
        }
        let mut out = Vec::with_capacity(candidates.len());
        for c in candidates {
            let rel_dir = c
                .path
                .strip_prefix(root)
                .ok()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            out.push(Input {
                text: read_text(&c.path, &c.display)?,
                display: c.display,
                path: Some(c.path),
                rel_dir,
                name: None,
            });
        }
        return Ok((out, true));
    }
    if !root.is_file() {
        return Err(format!("no such file or directory: {input}").into());
    }
    let display = input.strip_prefix("./").unwrap_or(input).to_string();
    Ok((
        vec![Input {
            text: read_text(root, &display)?,
            display,
            path: Some(root.to_path_buf()),
            rel_dir: PathBuf::new(),
            name: None,
        }],
        false,
    ))
}

/// Standard input as text, bounded like a file ([`nexus_schema::source::read_source`]).
fn read_stdin() -> Result<String, Failure> {
    let bytes = nexus_schema::source::read_source_from(std::io::stdin())
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        Failure(format!(
            "cannot read standard input: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn read_text(path: &Path, display: &str) -> Result<Arc<str>, Failure> {
    let bytes = nexus_schema::source::read_source(path)
        .map_err(|e| format!("cannot read {display}: {e}"))?;
    String::from_utf8(bytes).map(Into::into).map_err(|e| {
        Failure(format!(
            "cannot read {display}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The output file name without `.nexus.yaml`: the logical id of a template's machine, the
/// input's stem otherwise (`-2`, `-3` for further documents of a multi-document YAML file).
fn output_stem(input: &Input, machine: &nexus_migrate::Machine, m: &SourceMigration) -> String {
    if let Some(label) = &machine.label {
        return sanitize(label);
    }
    let stem = match &input.name {
        Some(n) => sanitize(n),
        None => file_stem(&input.display),
    };
    if m.machines.len() > 1 {
        format!("{stem}-{}", machine.index + 1)
    } else {
        stem
    }
}

/// A file name from a logical id or machine name: letters, digits, `.`, `_`, `-`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `dir/order.asl.json` → `order`; `dir/definition.json` → `definition`.
fn file_stem(display: &str) -> String {
    let file = Path::new(display)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| "workflow".into());
    let lower = file.to_ascii_lowercase();
    for ext in [
        ".asl.json",
        ".asl.yaml",
        ".asl.yml",
        ".json",
        ".yaml",
        ".yml",
    ] {
        if lower.ends_with(ext) && file.len() > ext.len() {
            return file[..file.len() - ext.len()].to_string();
        }
    }
    file
}

/// Write (or with `check`, compare) the planned outputs. Returns the exit code for `--check`
/// (0 up to date, 1 something would change); otherwise 0.
fn deliver(planned: &[Planned], force: bool, check: bool) -> Result<u8, Failure> {
    if check {
        let mut stale = 0;
        for p in planned {
            let Some(path) = &p.path else { continue };
            match std::fs::read(path) {
                Ok(old) if old == p.text.as_bytes() => {}
                Ok(_) => {
                    stale += 1;
                    eprintln!("would change: {}", path.display());
                }
                Err(_) => {
                    stale += 1;
                    eprintln!("would create: {}", path.display());
                }
            }
        }
        if stale == 0 {
            eprintln!("{} file(s) up to date", planned.len());
        }
        return Ok(u8::from(stale > 0));
    }
    crate::output::check_overwrite(planned.iter().filter_map(|p| p.path.as_deref()), force)?;
    // Every file is staged before the first one replaces anything (crate::output).
    let files: Vec<(&Path, &[u8])> = planned
        .iter()
        .filter_map(|p| p.path.as_deref().map(|path| (path, p.text.as_bytes())))
        .collect();
    crate::output::write_all_atomic(&files)?;
    let mut stdout_text = String::new();
    for p in planned {
        match &p.path {
            Some(_) => {}
            None => {
                if !stdout_text.is_empty() {
                    stdout_text.push_str("---\n");
                }
                stdout_text.push_str(&p.text);
            }
        }
    }
    write_stdout(&stdout_text)?;
    Ok(0)
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    if text.is_empty() {
        return Ok(());
    }
    crate::out::write_stdout(text)
        .map_err(|e| format!("cannot write to standard output: {e}").into())
}

/// Migration notes, one report per output file; documents on standard output share one
/// report whose source is the whole stream (so line numbers are those of the stream).
fn render_notes(planned: &[Planned], flags: &NoteFlags) {
    let mut run = RunReport::default();
    let mut stream = String::new();
    let mut stream_notes = Vec::new();
    for p in planned {
        let keep = |d: &&Diagnostic| !flags.quiet || d.severity != Severity::Info;
        match &p.path {
            Some(path) => run.files.push(file_report(
                &path.display().to_string(),
                DocKind::Nexus,
                p.text.clone().into(),
                p.notes.iter().filter(keep).cloned().collect(),
            )),
            None => {
                if !stream.is_empty() {
                    stream.push_str("---\n");
                }
                let offset = stream.len();
                stream_notes.extend(p.notes.iter().filter(keep).cloned().map(|mut d| {
                    d.span = d
                        .span
                        .map(|s| TextRange::new(s.start + offset, s.end + offset));
                    d
                }));
                stream.push_str(&p.text);
            }
        }
    }
    if !stream.is_empty() {
        run.files.push(file_report(
            "<stdout>",
            DocKind::Nexus,
            stream.into(),
            stream_notes,
        ));
    }
    render(&run, flags, false);
}

fn file_report(
    path: &str,
    kind: DocKind,
    source: Arc<str>,
    mut diagnostics: Vec<Diagnostic>,
) -> FileReport {
    nexus_lint::sort(&mut diagnostics);
    FileReport {
        path: path.to_string(),
        source,
        kind: Some(kind),
        diagnostics,
        io_error: None,
        suppressed: 0,
        via_template: false,
    }
}

/// Render on standard error. Human output with nothing to say stays silent unless `always`.
fn render(run: &RunReport, flags: &NoteFlags, always: bool) {
    let any = run.files.iter().any(|f| !f.diagnostics.is_empty());
    if flags.format == Format::Human && !any && !always {
        return;
    }
    let color = match flags.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = report::render(flags.format, run, color, Some(Severity::Error));
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

fn export(a: &ExportArgs) -> Result<u8, Failure> {
    let (display, text): (String, Arc<str>) = if a.file == "-" {
        let text = read_stdin()?;
        ("<stdin>".into(), text.into())
    } else {
        let path = Path::new(&a.file);
        if !path.is_file() {
            return Err(format!("no such file: {}", a.file).into());
        }
        let display = a.file.strip_prefix("./").unwrap_or(&a.file).to_string();
        let text = read_text(path, &display)?;
        (display, text)
    };
    let docs = match export_source(&display, text.clone()) {
        Ok(docs) => docs,
        Err(ExportError::Invalid(ds)) => {
            let run = RunReport {
                files: vec![file_report(&display, DocKind::Nexus, text, ds)],
            };
            render(&run, &a.notes, true);
            return Ok(1);
        }
        Err(ExportError::NotNexus(msg)) => return Err(msg.into()),
    };
    let [doc] = docs.as_slice() else {
        return Err(format!(
            "{display} holds {} workflows; `nexus export asl` writes one ASL definition, so split the file",
            docs.len()
        )
        .into());
    };
    // What Step Functions would reject (NX1xx structure, NX2xx fields), at the NEXUS lines.
    let errors: Vec<Diagnostic> = if a.no_lint {
        Vec::new()
    } else {
        nexus_lint::lint(&doc.document, &LintOptions::default())
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    };
    if !errors.is_empty() {
        let run = RunReport {
            files: vec![file_report(&display, DocKind::Nexus, text, errors)],
        };
        render(&run, &a.notes, true);
        return Ok(1);
    }
    let planned = [Planned {
        path: a.output.clone(),
        text: doc.json.clone(),
        notes: doc.exported.notes.clone(),
    }];
    if let Some(out) = &a.output
        && out.is_dir()
    {
        return Err(format!("{} is a directory; give a file name", out.display()).into());
    }
    let code = deliver(&planned, a.force, a.check)?;
    if a.check {
        return Ok(code);
    }
    // Export notes point into the NEXUS input, so they are shown against it.
    let keep = |d: &&Diagnostic| !a.notes.quiet || d.severity != Severity::Info;
    let run = RunReport {
        files: vec![file_report(
            &display,
            DocKind::Nexus,
            text,
            doc.exported.notes.iter().filter(keep).cloned().collect(),
        )],
    };
    render(&run, &a.notes, false);
    Ok(0)
}
