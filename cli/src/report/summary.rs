//! The Markdown job summary written to `$GITHUB_STEP_SUMMARY` in GitHub Actions: counts per
//! code, then the first findings; errors first, then warnings, then notes, so the cap on
//! listed findings never hides an error behind notes. GitHub rejects a step summary over 1 MiB (the step's summary
//! is then dropped entirely), so the text is capped well below that.

use std::collections::BTreeMap;
use std::io::Write;

use nexus_schema::{Code, Diagnostic, LineIndex, Severity};

use crate::lint_cmd::RunReport;
use crate::report::{meta, region};

/// GitHub's limit for one step's summary.
pub const GITHUB_LIMIT: usize = 1024 * 1024;
/// What nexus allows itself (other tools in the same step may write too).
pub const BUDGET: usize = 256 * 1024;
/// Findings listed individually.
pub const FIRST_FINDINGS: usize = 50;

/// Escape text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
        .replace('<', "&lt;")
}

/// Build the summary, never longer than `budget` bytes.
pub fn markdown(report: &RunReport, budget: usize) -> String {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let checked = report
        .files
        .iter()
        .filter(|f| f.kind.is_some() || !f.diagnostics.is_empty())
        .count();
    let notes = report.count(Severity::Info);
    let mut out = String::from("## nexus lint\n\n");
    if errors + warnings + notes == 0 {
        out.push_str(&format!(
            "No problems found in {checked} checked file(s).\n"
        ));
        return out;
    }
    out.push_str(&format!(
        "**{errors}** error(s), **{warnings}** warning(s) and **{notes}** note(s) in {checked} checked file(s).\n\n"
    ));
    let mut per_code: BTreeMap<Code, (usize, &'static str, Severity)> = BTreeMap::new();
    for d in report.files.iter().flat_map(|f| &f.diagnostics) {
        per_code.entry(d.code).or_insert((0, d.name, d.severity)).0 += 1;
    }
    let rules = meta::rules_used(report);
    let mut codes: Vec<_> = per_code.iter().collect();
    // Stable: codes of one severity stay in code order.
    codes.sort_by_key(|(_, (_, _, severity))| std::cmp::Reverse(*severity));
    out.push_str("| code | name | severity | findings |\n| --- | --- | --- | ---: |\n");
    for (code, (n, name, severity)) in codes {
        let name = match rules
            .iter()
            .find(|r| r.code == *code)
            .and_then(|r| r.help_uri())
        {
            Some(uri) => format!("[`{name}`]({uri})"),
            None => format!("`{name}`"),
        };
        out.push_str(&format!(
            "| {code} | {name} | {} | {n} |\n",
            severity.as_str()
        ));
    }
    out.push_str("\n| location | code | message |\n| --- | --- | --- |\n");
    let total: usize = per_code.values().map(|v| v.0).sum();
    let mut listed = 0;
    let mut findings: Vec<(usize, &Diagnostic)> = report
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.diagnostics.iter().map(move |d| (i, d)))
        .collect();
    // Stable: within a severity, file and position order is kept.
    findings.sort_by_key(|(_, d)| std::cmp::Reverse(d.severity));
    // Line starts of a file, worked out once and only for files with a listed finding.
    let mut indexes: Vec<Option<LineIndex>> = report.files.iter().map(|_| None).collect();
    for (i, d) in findings {
        let (Some(f), Some(slot)) = (report.files.get(i), indexes.get_mut(i)) else {
            continue;
        };
        let lines = slot.get_or_insert_with(|| LineIndex::new(&f.source));
        let at = match d.span.map(|s| region(&f.source, lines, s)) {
            Some(r) => format!("{}:{}:{}", f.path, r.line, r.column),
            None => f.path.clone(),
        };
        let row = format!(
            "| `{}` | {} | {} |\n",
            cell(&at).replace('`', "'"),
            d.code,
            cell(&d.message)
        );
        // Keep room for the closing line.
        if listed >= FIRST_FINDINGS || out.len() + row.len() + 200 > budget {
            break;
        }
        out.push_str(&row);
        listed += 1;
    }
    if listed < total {
        out.push_str(&format!(
            "\n…and {} more (see the annotations or the full log).\n",
            total - listed
        ));
    }
    out
}

/// Append the summary to the file `$GITHUB_STEP_SUMMARY` names, if it is set.
pub fn append_to_step_summary(report: &RunReport) -> std::io::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let existing = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let room = GITHUB_LIMIT.saturating_sub(usize::try_from(existing).unwrap_or(GITHUB_LIMIT));
    let text = markdown(report, BUDGET.min(room));
    if text.len() > room {
        return Ok(());
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}
