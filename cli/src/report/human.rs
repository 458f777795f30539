//! Human output: miette's graphical report with the source snippet and the exact span.

use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Report, SourceCode, SourceSpan, SpanContents,
};
use nexus_schema::{Diagnostic, LineIndex, Severity};

use crate::lint_cmd::{FileReport, RunReport};

/// One file's text as miette reads it, shared by all of that file's findings. miette's own
/// `SourceCode` for a string scans from the first byte to the span for every snippet, and a
/// `NamedSource` per finding copied the whole text: rendering was quadratic in a file with
/// many findings. Here the text is shared (`Arc`), and a snippet reads only its window of
/// lines, found through the file's [`LineIndex`].
#[derive(Clone)]
struct SharedSource {
    name: String,
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl SourceCode for SharedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = &*self.text;
        let end = span.offset().saturating_add(span.len());
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // 0-based first line of the window, and the 0-based line after its last.
        let first = (self.lines.line_col(text, span.offset()).line - 1)
            .saturating_sub(context_lines_before);
        let after_last = self.lines.line_col(text, end).line + context_lines_after;
        let start = self.lines.line_start(first + 1).unwrap_or(0);
        let stop = self.lines.line_start(after_last + 1).unwrap_or(text.len());
        let window = text.as_bytes().get(start..stop).unwrap_or_default();
        let local = SourceSpan::new((span.offset() - start).into(), span.len());
        let c = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + start).into(), c.span().len()),
            c.line() + first,
            c.column(),
            c.line_count() + first,
        )))
    }
}

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
    source: &SharedSource,
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
    let report = Report::new(md).with_source_code(source.clone());
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
        if file.diagnostics.is_empty() {
            continue;
        }
        let source = SharedSource {
            name: file.path.clone(),
            text: file.source.clone(),
            lines: Arc::new(LineIndex::new(&file.source)),
        };
        for d in &file.diagnostics {
            render_one(&handler, file, &source, d, &mut out);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The snippet of a finding deep in a large file is read from its own lines only, with
    /// the line and column of the whole file.
    #[test]
    fn a_snippet_reads_only_its_window() {
        let text: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        let offset = text.find("line 77777").unwrap();
        let source = SharedSource {
            name: "big.json".into(),
            text: text.clone().into(),
            lines: Arc::new(LineIndex::new(&text)),
        };
        let c = source
            .read_span(&SourceSpan::new(offset.into(), 4), 1, 1)
            .unwrap();
        assert_eq!(
            std::str::from_utf8(c.data()).unwrap(),
            "line 77776\nline 77777\nline 77778\n"
        );
        assert_eq!(c.line(), 77776);
        assert_eq!(c.name(), Some("big.json"));
        // The same contents miette reads from the whole text, scanning from its start.
        let whole = text
            .read_span(&SourceSpan::new(offset.into(), 4), 1, 1)
            .unwrap();
        assert_eq!(whole.data(), c.data());
        assert_eq!(whole.span(), c.span());
        assert_eq!((whole.line(), whole.column()), (c.line(), c.column()));
        assert!(
            source
                .read_span(&SourceSpan::new(text.len().into(), 1), 1, 1)
                .is_err()
        );
    }
}
