//! `--format github`: GitHub Actions workflow commands, which GitHub turns into annotations on
//! the pull request's diff.
//!
//! `::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=NX103::message`
//!
//! - Escaping follows the Actions runner (`toolkit/packages/core/src/command.ts`): in the
//!   message `%` → `%25`, CR → `%0D`, LF → `%0A`; in properties also `:` → `%3A`, `,` → `%2C`.
//! - Columns only when the span is on one line: GitHub ignores or misplaces `col`/`endColumn`
//!   on a multi-line annotation (ruff's renderer documents the same, astral-sh/ruff#11525).
//! - GitHub shows at most 10 annotations of each level per step (see "Limitations" in the
//!   workflow-commands docs); findings beyond that are printed as plain `file:line:col` lines,
//!   and the output says how many went over the limit, so nothing is silently dropped.

use std::collections::HashMap;

use nexus_schema::{LineIndex, Severity};

use crate::lint_cmd::RunReport;
use crate::report::region;

/// Annotations GitHub displays per level and step.
pub const ANNOTATION_LIMIT: usize = 10;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Render a run as workflow commands plus a closing summary line.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let mut shown: HashMap<Severity, usize> = HashMap::new();
    let mut over: HashMap<Severity, usize> = HashMap::new();
    for f in &report.files {
        let lines = LineIndex::new(&f.source);
        for d in &f.diagnostics {
            let r = d.span.map(|s| region(&f.source, &lines, s));
            let mut message = format!("{} ({})", d.message, d.name);
            if let Some(h) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(h);
            }
            let n = shown.entry(d.severity).or_insert(0);
            if *n < ANNOTATION_LIMIT {
                *n += 1;
                let mut props = vec![format!("file={}", escape_property(&f.path))];
                if let Some(r) = r {
                    props.push(format!("line={}", r.line));
                    props.push(format!("endLine={}", r.end_line));
                    if r.line == r.end_line {
                        props.push(format!("col={}", r.column));
                        props.push(format!("endColumn={}", r.end_column));
                    }
                }
                props.push(format!(
                    "title={}",
                    escape_property(&format!("{} {}", d.code, d.name))
                ));
                out.push_str(&format!(
                    "::{} {}::{}\n",
                    command(d.severity),
                    props.join(","),
                    escape_data(&message)
                ));
            } else {
                *over.entry(d.severity).or_insert(0) += 1;
                let at = match r {
                    Some(r) => format!("{}:{}:{}", f.path, r.line, r.column),
                    None => f.path.clone(),
                };
                let first_line = message.lines().next().unwrap_or_default();
                out.push_str(&format!(
                    "{at}: {} {} {}\n",
                    command(d.severity),
                    d.code,
                    first_line
                ));
            }
        }
    }
    let mut levels: Vec<(Severity, usize)> = over.into_iter().collect();
    levels.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
    for (s, n) in levels {
        let what = if n == 1 { "finding" } else { "findings" };
        out.push_str(&format!(
            "nexus: {n} {} {what} over GitHub's limit of {ANNOTATION_LIMIT} annotations per level are listed as plain lines above.\n",
            command(s)
        ));
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let checked = report
        .files
        .iter()
        .filter(|f| f.kind.is_some() || !f.diagnostics.is_empty())
        .count();
    let notes = report.count(Severity::Info);
    out.push_str(&format!(
        "nexus: {errors} error(s), {warnings} warning(s), {notes} note(s) in {checked} checked file(s).\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
