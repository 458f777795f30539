//! Human output: miette's graphical report with the source snippet and the exact span.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};
use nexus_schema::{Diagnostic, Severity};

use crate::lint_cmd::{FileReport, RunReport};

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// One diagnostic as miette renders it.
fn render_one(
    handler: &GraphicalReportHandler,
    file: &FileReport,
    d: &Diagnostic,
    out: &mut String,
) {
    let mut md = MietteDiagnostic::new(d.message.clone())
        .with_code(format!("{}({})", d.code, d.name))
        .with_severity(miette_severity(d.severity));
    let mut labels = Vec::new();
    if let Some(span) = d.span {
        let label = if d.pointer.is_empty() {
            "here".to_string()
        } else {
            d.pointer.clone()
        };
        labels.push(LabeledSpan::new_primary_with_span(
            Some(label),
            (span.start, span.len()),
        ));
    }
    let mut help = Vec::new();
    for n in &d.notes {
        match n.span {
            Some(s) if d.span.is_some() => labels.push(LabeledSpan::new_with_span(
                Some(n.message.clone()),
                (s.start, s.len()),
            )),
            _ => help.push(format!("note: {}", n.message)),
        }
    }
    if let Some(h) = &d.help {
        help.push(h.clone());
    }
    if let Some(aws) = d.aws_code {
        help.push(format!("AWS: {aws}"));
    }
    if !help.is_empty() {
        md = md.with_help(help.join("\n"));
    }
    if d.span.is_none() {
        // No snippet to show: say where in words.
        let at = if d.pointer.is_empty() {
            String::new()
        } else {
            format!(" (at {})", d.pointer)
        };
        md.message = format!("{}: {}{at}", file.path, d.message);
    }
    md = md.with_labels(labels);
    let report = Report::new(md)
        .with_source_code(NamedSource::new(file.path.clone(), file.source.to_string()));
    if handler.render_report(out, report.as_ref()).is_err() {
        out.push_str(&format!("{}: {} {}\n", file.path, d.code, d.message));
    }
}

pub fn render(report: &RunReport, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(100);
    let mut out = String::new();
    for file in &report.files {
        for d in &file.diagnostics {
            render_one(&handler, file, d, &mut out);
            out.push('\n');
        }
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let with_findings = report
        .files
        .iter()
        .filter(|f| !f.diagnostics.is_empty())
        .count();
    let checked = report
        .files
        .iter()
        .filter(|f| f.kind.is_some() || !f.diagnostics.is_empty())
        .count();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let notes = report.count(Severity::Info);
    if errors + warnings + notes == 0 {
        out.push_str(&format!(
            "No problems found in {}.\n",
            plural(checked, "workflow file")
        ));
    } else if errors + warnings == 0 {
        out.push_str(&format!(
            "No errors or warnings in {}; {}.\n",
            plural(checked, "workflow file"),
            plural(notes, "note")
        ));
    } else if notes > 0 {
        out.push_str(&format!(
            "Found {}, {} and {} in {} of {} checked.\n",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(notes, "note"),
            plural(with_findings, "file"),
            plural(checked, "file")
        ));
    } else {
        out.push_str(&format!(
            "Found {} and {} in {} of {} checked.\n",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(with_findings, "file"),
            plural(checked, "file")
        ));
    }
    out
}
