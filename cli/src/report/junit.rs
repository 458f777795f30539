//! `--format junit`: JUnit XML for CI systems that display test reports (GitLab, Jenkins,
//! Azure Pipelines, CircleCI).
//!
//! One `<testcase>` per checked file; each finding at or above `--fail-on` is a `<failure>`
//! (several per test case, which those systems accept), so the report is red exactly when the
//! exit code is 1. Findings below the threshold are listed in `<system-out>`; an unreadable file
//! is an `<error>`.
//!
//! The shape is the one Jenkins' xUnit plugin validates against (`junit-10.xsd`): `tests`,
//! `failures`, `errors` and `name` on `<testsuite>`; `<testsuites>` takes no `skipped`, and
//! `<testcase>` takes only `name`, `classname`, `time` and `group` (no `file`: the path is the
//! test case's name). A test checks every element and attribute against that schema.

use nexus_schema::{Diagnostic, LineIndex, Severity};

use crate::lint_cmd::{FileReport, RunReport};
use crate::report::region;

/// Escape text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry at
/// all (most C0 controls) become U+FFFD, so a hostile file name cannot break the document.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn line_of(f: &FileReport, lines: &LineIndex, d: &Diagnostic) -> String {
    match d.span.map(|s| region(&f.source, lines, s)) {
        Some(r) => format!("{}:{}:{}", f.path, r.line, r.column),
        None => f.path.clone(),
    }
}

/// Render the run. `threshold`: the lowest severity that counts as a failure (`None`: none do).
pub fn render(report: &RunReport, threshold: Option<Severity>) -> String {
    let fails = |d: &Diagnostic| threshold.is_some_and(|t| d.severity >= t);
    let files: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| f.kind.is_some() || !f.diagnostics.is_empty() || f.io_error.is_some())
        .collect();
    let failures = files
        .iter()
        .filter(|f| f.diagnostics.iter().any(fails))
        .count();
    let errors = files.iter().filter(|f| f.io_error.is_some()).count();
    let mut body = String::new();
    for f in &files {
        let lines = LineIndex::new(&f.source);
        body.push_str(&format!(
            "    <testcase name=\"{0}\" classname=\"nexus.lint\">\n",
            escape(&f.path)
        ));
        if let Some(e) = &f.io_error {
            body.push_str(&format!(
                "      <error type=\"io\" message=\"{}\"/>\n",
                escape(e)
            ));
        }
        let mut out_lines = Vec::new();
        for d in &f.diagnostics {
            let at = line_of(f, &lines, d);
            if fails(d) {
                let mut text = format!(
                    "{at}: {} {} {}: {}",
                    d.severity.as_str(),
                    d.code,
                    d.name,
                    d.message
                );
                if !d.pointer.is_empty() {
                    text.push_str(&format!("\npointer: {}", d.pointer));
                }
                if let Some(h) = &d.help {
                    text.push_str(&format!("\nhelp: {h}"));
                }
                body.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    d.code,
                    escape(&format!("{at}: {} {}", d.code, d.message)),
                    escape(&text)
                ));
            } else {
                out_lines.push(format!(
                    "{at}: {} {} {}",
                    d.severity.as_str(),
                    d.code,
                    d.message
                ));
            }
        }
        if !out_lines.is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(&out_lines.join("\n"))
            ));
        }
        body.push_str("    </testcase>\n");
    }
    let head = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\"",
        files.len()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nexus\" {head}>\n  <testsuite name=\"nexus lint\" {head} skipped=\"0\">\n{body}  </testsuite>\n</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{fffd}"
        );
    }
}
