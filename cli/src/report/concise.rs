//! `--format concise`: one line per finding, `path:line:col: severity CODE message`, the
//! shape compilers, editors' problem matchers and `grep` understand. Nothing else is printed,
//! so the line count is the finding count.

use nexus_schema::LineIndex;

use crate::lint_cmd::RunReport;
use crate::report::region;

pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for f in &report.files {
        if f.diagnostics.is_empty() {
            continue;
        }
        let lines = LineIndex::new(&f.source);
        for d in &f.diagnostics {
            let at = match d.span.map(|s| region(&f.source, &lines, s)) {
                Some(r) => format!("{}:{}:{}", f.path, r.line, r.column),
                None => f.path.clone(),
            };
            // One line, whatever the message holds.
            let message = d.message.replace(['\r', '\n'], " ");
            out.push_str(&format!(
                "{at}: {} {} {message}\n",
                d.severity.as_str(),
                d.code
            ));
        }
    }
    out
}
