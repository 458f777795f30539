//! `nexus lint`: discover, load, check, render, exit.

use std::sync::Arc;

use nexus_lint::LintOptions;
use nexus_schema::source::load_source_with;
use nexus_schema::{Diagnostic, DocKind, Severity};

use crate::args::{FailOn, Format, LintArgs};
use crate::discover::{Candidate, discover};
use crate::report;

/// Everything found in one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: String,
    pub source: Arc<str>,
    /// Kind of the workflows in the file (`None`: not a workflow, or unreadable).
    pub kind: Option<DocKind>,
    pub diagnostics: Vec<Diagnostic>,
    /// The file could not be read at all (a tool failure, exit 2).
    pub io_error: Option<String>,
    /// Findings removed by suppressions.
    pub suppressed: usize,
    /// Linted as the definition a template refers to (SAM `DefinitionUri`), with that
    /// template's substitutions; such a report replaces the file's own (see [`merge_reports`]).
    pub via_template: bool,
}

/// The result of a whole run.
#[derive(Debug, Default)]
pub struct RunReport {
    pub files: Vec<FileReport>,
}

impl RunReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.diagnostics)
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Where texts come from besides the named files.
#[derive(Debug, Default)]
pub struct Reading {
    /// What standard input held, for a `-` path.
    pub stdin: Option<Arc<str>>,
    /// `--allow-outside-root`: templates may read files anywhere.
    pub allow_outside_root: bool,
    /// The `[deploy.<name>]` sections of nexus.toml, whose settings the policies of the
    /// files they name see as `input.deployment`.
    pub deploy: crate::deploy_cmd::SectionFiles,
}

impl Reading {
    fn resolver(&self) -> &'static dyn nexus_schema::template::Resolver {
        if self.allow_outside_root {
            &nexus_schema::template::UnconfinedFsResolver
        } else {
            &nexus_schema::template::FsResolver
        }
    }
}

/// Check one file; the first report is the file's own, the others are files it refers to
/// (a SAM template's `DefinitionUri`), whose findings are reported against those files.
pub fn check_file_all(c: &Candidate, options: &LintOptions, reading: &Reading) -> Vec<FileReport> {
    let read = match (&reading.stdin, c.path.as_os_str() == "-") {
        (Some(text), true) => Ok(text.as_bytes().to_vec()),
        _ => nexus_schema::source::read_source(&c.path),
    };
    let text: Arc<str> = match read {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => s.into(),
            Err(e) => {
                return vec![FileReport {
                    path: c.display.clone(),
                    source: "".into(),
                    kind: None,
                    diagnostics: Vec::new(),
                    io_error: Some(format!(
                        "not UTF-8 text (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    )),
                    suppressed: 0,
                    via_template: false,
                }];
            }
        },
        Err(e) => {
            return vec![FileReport {
                path: c.display.clone(),
                source: "".into(),
                kind: None,
                diagnostics: Vec::new(),
                io_error: Some(e.to_string()),
                suppressed: 0,
                via_template: false,
            }];
        }
    };
    // A file found by a directory walk that cannot hold a workflow is reported as a file
    // with nothing in it, as parsing it would have (and a syntax error in someone else's
    // `tsconfig.json` is not ours to report).
    if !c.explicit && !nexus_schema::source::may_hold_workflow(&c.display, &text) {
        return vec![FileReport {
            path: c.display.clone(),
            source: text,
            kind: nexus_schema::source::hint_from_name(&c.display).kind,
            diagnostics: Vec::new(),
            io_error: None,
            suppressed: 0,
            via_template: false,
        }];
    }
    let mut loaded = load_source_with(&c.display, text.clone(), reading.resolver());
    reading.deploy.attach(&c.path, &mut loaded);
    if !c.explicit {
        nexus_schema::source::forget_foreign_syntax_error(&c.display, &text, &mut loaded);
    }
    check_source(c, text, &loaded, options)
}

/// [`check_file_all`] on a file already read and loaded (`nexus run` lints what it runs).
pub fn check_source(
    c: &Candidate,
    text: Arc<str>,
    loaded: &nexus_schema::source::LoadedSource,
    options: &LintOptions,
) -> Vec<FileReport> {
    nexus_lint::lint_file(&c.display, text, loaded, c.explicit, options)
        .into_iter()
        .map(|f| FileReport {
            path: f.path,
            source: f.source,
            kind: f.kind,
            diagnostics: f.diagnostics,
            io_error: None,
            suppressed: f.suppressed,
            via_template: f.via_template,
        })
        .collect()
}

/// Fold reports of the same file into one, dropping findings reported twice, keeping
/// first-seen order. A definition file both found by discovery and referred to by a template
/// keeps the template's findings only: linted alone, its `${...}` placeholders would be
/// reported as the wrong types that substitution fixes. Reports are found by path in a map:
/// linear in the number of files (a monorepo has tens of thousands).
fn merge_reports(reports: Vec<FileReport>) -> Vec<FileReport> {
    fold_by_key(reports, |r| r.path.clone(), merge_into)
}

/// Folds `r` (a later report of the same file) into `o`.
fn merge_into(o: &mut FileReport, r: FileReport) {
    if r.via_template && !o.via_template {
        // A definition file found by the walk and also read through a template: the
        // template's reading (with its `DefinitionSubstitutions`, its machine type) is the
        // one AWS deploys, so the file's own findings give way to it.
        o.diagnostics = r.diagnostics;
        o.via_template = true;
        o.kind = o.kind.or(r.kind);
        o.suppressed += r.suppressed;
    } else if o.via_template && !r.via_template {
        o.io_error = o.io_error.take().or(r.io_error);
        o.suppressed += r.suppressed;
    } else {
        for d in r.diagnostics {
            if !o.diagnostics.contains(&d) {
                o.diagnostics.push(d);
            }
        }
        nexus_lint::sort(&mut o.diagnostics);
        o.kind = o.kind.or(r.kind);
        o.io_error = o.io_error.take().or(r.io_error);
        o.suppressed += r.suppressed;
    }
}

/// Folds items with equal keys into the first of them, keeping first-seen order: one key per
/// item and one map look-up each.
fn fold_by_key<T, K: std::hash::Hash + Eq>(
    items: Vec<T>,
    mut key: impl FnMut(&T) -> K,
    mut merge: impl FnMut(&mut T, T),
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut index: std::collections::HashMap<K, usize> =
        std::collections::HashMap::with_capacity(items.len());
    for item in items {
        match index.entry(key(&item)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                if let Some(first) = out.get_mut(*e.get()) {
                    merge(first, item);
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(out.len());
                out.push(item);
            }
        }
    }
    out
}

/// Runs at least this large show a progress bar (when standard error is a terminal).
const PROGRESS_MIN_FILES: usize = 32;

/// A progress bar on standard error, only for large runs on a terminal: CI logs and pipes
/// stay clean, and indicatif itself draws nothing when stderr is not a terminal.
fn progress(total: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if total < PROGRESS_MIN_FILES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} linting {pos}/{len} files [{bar:30}] {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Check all files, in parallel, keeping the input order in the result.
pub fn check_all(candidates: &[Candidate], options: &LintOptions, reading: &Reading) -> RunReport {
    let bar = progress(candidates.len());
    let reports = crate::parallel::map_in_order(candidates, |c| {
        let r = check_file_all(c, options, reading);
        if let Some(b) = &bar {
            b.inc(1);
        }
        r
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    RunReport {
        files: merge_reports(reports.into_iter().flatten().collect()),
    }
}

pub fn run(args: &LintArgs) -> u8 {
    let mut setup = match crate::policy_cmd::setup(&args.policy, &args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Some(t) = args.machine_type {
        setup.options.machine_type = t.into();
    }
    let mut reading = Reading {
        stdin: None,
        allow_outside_root: args.allow_outside_root,
        deploy: crate::deploy_cmd::SectionFiles::new(&setup.config),
    };
    // `-`: one document from standard input, named by `--stdin-filename`.
    let (named, from_stdin): (Vec<String>, bool) = {
        let stdin = args.paths.iter().filter(|p| *p == "-").count();
        if stdin > 1 {
            eprintln!("error: `-` (standard input) can be given only once");
            return 2;
        }
        (
            args.paths.iter().filter(|p| *p != "-").cloned().collect(),
            stdin == 1,
        )
    };
    if !from_stdin && args.stdin_filename.is_some() {
        eprintln!("error: --stdin-filename needs `-` among the paths");
        return 2;
    }
    let (mut candidates, errors) = if from_stdin && named.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        discover(&named)
    };
    if from_stdin {
        let text = match nexus_schema::source::read_source_from(std::io::stdin())
            .map(String::from_utf8)
        {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => {
                eprintln!(
                    "error: cannot read standard input: not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                );
                return 2;
            }
            Err(e) => {
                eprintln!("error: cannot read standard input: {e}");
                return 2;
            }
        };
        reading.stdin = Some(text.into());
        candidates.push(Candidate {
            path: "-".into(),
            display: args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".into()),
            explicit: true,
        });
    }
    let candidates = setup.filter(candidates);
    for e in &errors {
        eprintln!("error: {e}");
    }
    // Nothing to check because the inputs are wrong: the error is the whole answer (a report
    // of "no problems in 0 files" beside it reads like a pass).
    if candidates.is_empty() && !errors.is_empty() {
        return 2;
    }
    let options: &LintOptions = &setup.options;
    let report = check_all(&candidates, options, &reading);
    setup.report_unused();
    let suppressed: usize = report.files.iter().map(|f| f.suppressed).sum();
    if suppressed > 0 {
        eprintln!("{suppressed} finding(s) suppressed");
    }
    let mut tool_failed = !errors.is_empty();
    for f in &report.files {
        if let Some(e) = &f.io_error {
            eprintln!("error: cannot read {}: {e}", f.path);
            tool_failed = true;
        }
    }
    let color = report::use_color(args.color);
    let format = args.effective_format();
    let fail_on = setup.fail_on(args.fail_on);
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    let rendered = report::render(format, &report, color, threshold);
    if format == Format::Github
        && let Err(e) = report::summary::append_to_step_summary(&report)
    {
        eprintln!("warning: cannot write the job summary: {e}");
    }
    let written = match &args.output {
        Some(path) => crate::output::write_file(path, rendered.as_bytes(), args.force)
            .map_err(std::io::Error::other),
        None => crate::out::write_stdout(&rendered),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the report: {e}");
        return 2;
    }
    if tool_failed {
        return 2;
    }
    let failing = match fail_on {
        FailOn::Error => report.count(Severity::Error) > 0,
        FailOn::Warning => report.count(Severity::Error) + report.count(Severity::Warning) > 0,
        FailOn::Never => false,
    };
    u8::from(failing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(path: &str, suppressed: usize) -> FileReport {
        FileReport {
            path: path.into(),
            source: Arc::from(""),
            kind: None,
            diagnostics: Vec::new(),
            io_error: None,
            suppressed,
            via_template: false,
        }
    }

    #[test]
    fn reports_of_one_file_fold_into_the_first_keeping_order() {
        let merged = merge_reports(vec![
            report("a.json", 1),
            report("b.json", 2),
            report("a.json", 4),
            report("c.json", 8),
            report("b.json", 16),
        ]);
        let got: Vec<(&str, usize)> = merged
            .iter()
            .map(|r| (r.path.as_str(), r.suppressed))
            .collect();
        assert_eq!(got, [("a.json", 5), ("b.json", 18), ("c.json", 8)]);
    }

    #[test]
    fn folding_takes_one_key_per_item_and_merges_each_duplicate_once() {
        // Linear: one key (one map look-up) per item, whatever the number of distinct keys
        // (a linear search per item made 40,000 files take 41 s).
        let n = 10_000usize;
        let items: Vec<usize> = (0..n).chain(0..n / 2).collect();
        let mut keys = 0usize;
        let mut merges = 0usize;
        let out = fold_by_key(
            items,
            |i| {
                keys += 1;
                *i
            },
            |a, b| {
                merges += 1;
                assert_eq!(*a, b);
            },
        );
        assert_eq!(keys, n + n / 2);
        assert_eq!(merges, n / 2);
        assert_eq!(out, (0..n).collect::<Vec<_>>());
    }
}
