//! `--format json`: the documented machine-readable contract (docs/json-output.md).
//!
//! ```text
//! {"version":1,
//!  "files":[{"path":...,"format":"asl|nexus"}],
//!  "diagnostics":[{"path","code","severity","message","pointer","line","column","end_line","end_column", ...}],
//!  "summary":{"files":N,"errors":N,"warnings":N,"notes":N}}
//! ```

use nexus_schema::{LineIndex, Severity};
use serde_json::{Value, json};

use crate::lint_cmd::RunReport;
use crate::report::region;

pub fn render(report: &RunReport) -> String {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for f in &report.files {
        if f.kind.is_none() && f.diagnostics.is_empty() {
            continue;
        }
        files.push(json!({"path": f.path, "format": f.kind.map(|k| k.as_str())}));
        // Line starts are only needed to place findings.
        let index = LineIndex::new(if f.diagnostics.is_empty() {
            ""
        } else {
            &f.source
        });
        for d in &f.diagnostics {
            let r = d.span.map(|s| region(&f.source, &index, s));
            let mut o = json!({
                "path": f.path,
                "code": d.code.as_str(),
                "name": d.name,
                "severity": d.severity.as_str(),
                "message": d.message,
                "pointer": d.pointer,
                "line": r.map(|r| r.line),
                "column": r.map(|r| r.column),
                "end_line": r.map(|r| r.end_line),
                "end_column": r.map(|r| r.end_column),
            });
            if let Some(obj) = o.as_object_mut() {
                if let Some(h) = &d.help {
                    obj.insert("help".into(), Value::String(h.clone()));
                }
                if !d.notes.is_empty() {
                    let notes: Vec<Value> = d
                        .notes
                        .iter()
                        .map(|n| {
                            let r = n.span.map(|s| region(&f.source, &index, s));
                            json!({"message": n.message, "pointer": n.pointer, "line": r.map(|r| r.line), "column": r.map(|r| r.column)})
                        })
                        .collect();
                    obj.insert("notes".into(), Value::Array(notes));
                }
                if let Some(aws) = d.aws_code {
                    obj.insert("aws_code".into(), Value::String(aws.into()));
                }
            }
            diagnostics.push(o);
        }
    }
    let doc = json!({
        "version": 1,
        "files": files,
        "diagnostics": diagnostics,
        "summary": {
            "files": files.len(),
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "notes": report.count(Severity::Info),
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
