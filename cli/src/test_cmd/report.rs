//! Reports of `nexus test`: human (like `cargo test`, with a diff per failed expectation),
//! JSON, JUnit XML and GitHub annotations; and the exit code.

use std::time::Duration;

use nexus_schema::LineIndex;
use serde_json::{Value, json};

use super::check::Mismatch;
use super::{CaseResult, FileResult, Outcome};
use crate::report::github::{ANNOTATION_LIMIT, escape_data, escape_property};
use crate::report::junit::escape;

/// `(line, column)` of a pointer in a test file (the nearest enclosing node when the
/// pointer itself is not there, e.g. a `visits` entry of a flow list).
fn place(f: &FileResult, pointer: &str) -> Option<(usize, usize)> {
    let tf = f.file.as_ref()?;
    let span = tf
        .locations
        .value_span(pointer)
        .or_else(|| tf.locations.nearest_value_span(pointer).map(|(_, s)| s))?;
    let lc = LineIndex::new(&tf.text).line_col(&tf.text, span.start);
    Some((lc.line, lc.column))
}

fn located(f: &FileResult, pointer: &str) -> String {
    match place(f, pointer) {
        Some((l, c)) => format!("{}:{l}:{c}", f.display),
        None => f.display.clone(),
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A unified line diff, expected (`-`) against actual (`+`).
pub(crate) fn diff(expected: &Value, actual: Option<&Value>) -> String {
    let e = pretty(expected);
    let a = actual.map_or_else(|| String::from("(nothing)"), pretty);
    let mut out = String::new();
    for change in similar::TextDiff::from_lines(&e, &a).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        out.push(sign);
        out.push_str(change.value().trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

/// One mismatch for people: place, what, diff, note.
fn describe(f: &FileResult, m: &Mismatch) -> String {
    let mut s = format!("{}: {} does not match\n", located(f, &m.pointer), m.what);
    s.push_str("  --- expected\n  +++ actual\n");
    for l in diff(&m.expected, m.actual.as_ref()).lines() {
        s.push_str("  ");
        s.push_str(l);
        s.push('\n');
    }
    if let Some(n) = &m.note {
        s.push_str(&format!("  note: {n}\n"));
    }
    s
}

fn case_id(f: &FileResult, c: &CaseResult) -> String {
    format!("{} :: {}", f.display, c.name)
}

fn counts(results: &[FileResult]) -> (usize, usize, usize) {
    let mut p = (0, 0, 0);
    for f in results {
        if f.error.is_some() {
            p.2 += 1;
        }
        for c in &f.cases {
            match c.outcome {
                Outcome::Passed => p.0 += 1,
                Outcome::Failed(_) => p.1 += 1,
                Outcome::Error(_) => p.2 += 1,
            }
        }
    }
    p
}

/// The human report.
pub(crate) fn human(results: &[FileResult], elapsed: Duration, with_coverage: bool) -> String {
    let total: usize = results.iter().map(|f| f.cases.len()).sum();
    let mut s = format!(
        "running {total} test{} from {} file{}\n",
        if total == 1 { "" } else { "s" },
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    let mut failures = Vec::new();
    for f in results {
        if let Some(e) = &f.error {
            s.push_str(&format!("test {} ... ERROR\n", f.display));
            failures.push((f.display.clone(), format!("{e}\n")));
        }
        for c in &f.cases {
            let word = match &c.outcome {
                Outcome::Passed => "ok",
                Outcome::Failed(_) => "FAILED",
                Outcome::Error(_) => "ERROR",
            };
            s.push_str(&format!("test {} ... {word}\n", case_id(f, c)));
            match &c.outcome {
                Outcome::Passed => {}
                Outcome::Failed(ms) => {
                    let body: String = ms.iter().map(|m| describe(f, m)).collect();
                    failures.push((case_id(f, c), body));
                }
                Outcome::Error(e) => {
                    failures.push((case_id(f, c), format!("{}: {e}\n", located(f, &c.pointer))));
                }
            }
        }
    }
    if !failures.is_empty() {
        s.push_str("\nfailures:\n");
        for (id, body) in &failures {
            s.push_str(&format!("\n---- {id} ----\n{body}"));
        }
        s.push_str("\nfailures:\n");
        for (id, _) in &failures {
            s.push_str(&format!("    {id}\n"));
        }
    }
    if with_coverage {
        s.push('\n');
        for f in results {
            if let Some(c) = &f.coverage {
                s.push_str(&c.render_text(&f.workflow));
            }
        }
    }
    let (passed, failed, errors) = counts(results);
    s.push_str(&format!(
        "\ntest result: {}. {passed} passed; {failed} failed; {errors} errors; finished in {:.2}s\n",
        if failed == 0 && errors == 0 { "ok" } else { "FAILED" },
        elapsed.as_secs_f64()
    ));
    s
}

fn mismatch_json(f: &FileResult, m: &Mismatch) -> Value {
    let (line, column) = place(f, &m.pointer).unzip();
    json!({
        "expectation": m.what,
        "pointer": m.pointer,
        "line": line,
        "column": column,
        "expected": m.expected,
        "actual": m.actual,
        "note": m.note,
    })
}

/// The JSON report (docs/testing.md, "JSON report").
pub(crate) fn json(results: &[FileResult]) -> String {
    let (passed, failed, errors) = counts(results);
    let files: Vec<Value> = results
        .iter()
        .map(|f| {
            let cases: Vec<Value> = f
                .cases
                .iter()
                .map(|c| {
                    let (status, mismatches, error) = match &c.outcome {
                        Outcome::Passed => ("passed", Vec::new(), None),
                        Outcome::Failed(ms) => (
                            "failed",
                            ms.iter().map(|m| mismatch_json(f, m)).collect(),
                            None,
                        ),
                        Outcome::Error(e) => ("error", Vec::new(), Some(e.clone())),
                    };
                    let line = place(f, &c.pointer).map(|p| p.0);
                    json!({
                        "name": c.name,
                        "line": line,
                        "result": status,
                        "execution": c.execution,
                        "mismatches": mismatches,
                        "error": error,
                    })
                })
                .collect();
            let mut o = json!({
                "file": f.display,
                "workflow": f.workflow,
                "error": f.error,
                "cases": cases,
            });
            if let (Some(c), Some(m)) = (&f.coverage, o.as_object_mut()) {
                m.insert("coverage".into(), c.to_json(&f.workflow));
            }
            o
        })
        .collect();
    let doc = json!({
        "version": 1,
        "summary": {"passed": passed, "failed": failed, "errors": errors},
        "files": files,
    });
    format!("{}\n", pretty(&doc))
}

/// JUnit XML: a suite per test file, a test case per case.
pub(crate) fn junit(results: &[FileResult]) -> String {
    let (passed, failed, errors) = counts(results);
    let total = passed + failed + errors;
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nexus test\" tests=\"{total}\" failures=\"{failed}\" errors=\"{errors}\">\n"
    );
    for f in results {
        let fails = f
            .cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
            .count();
        let errs = f
            .cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Error(_)))
            .count()
            + usize::from(f.error.is_some());
        s.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"{errs}\">\n",
            escape(&f.display),
            f.cases.len() + usize::from(f.error.is_some())
        ));
        if let Some(e) = &f.error {
            s.push_str(&format!(
                "    <testcase name=\"{0}\" classname=\"nexus.test\" file=\"{0}\">\n      <error message=\"{1}\"/>\n    </testcase>\n",
                escape(&f.display),
                escape(e)
            ));
        }
        for c in &f.cases {
            s.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
                escape(&c.name),
                escape(&f.display),
                escape(&f.display),
                c.duration.as_secs_f64()
            ));
            match &c.outcome {
                Outcome::Passed => s.push_str("/>\n"),
                Outcome::Failed(ms) => {
                    s.push_str(">\n");
                    let what: Vec<&str> = ms.iter().map(|m| m.what.as_str()).collect();
                    let body: String = ms.iter().map(|m| describe(f, m)).collect();
                    s.push_str(&format!(
                        "      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(&format!("{} does not match", what.join(", "))),
                        escape(&body)
                    ));
                }
                Outcome::Error(e) => {
                    s.push_str(&format!(
                        ">\n      <error message=\"{}\"/>\n    </testcase>\n",
                        escape(e)
                    ));
                }
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

/// Workflow commands, at most [`ANNOTATION_LIMIT`] of them (what GitHub shows per level
/// and step); the rest as plain `file:line:col` lines, so none is silently dropped.
struct Annotations {
    out: String,
    shown: usize,
    over: usize,
}

impl Annotations {
    fn add(&mut self, f: &FileResult, pointer: &str, title: &str, message: &str) {
        let at = place(f, pointer);
        if self.shown >= ANNOTATION_LIMIT {
            self.over += 1;
            self.out
                .push_str(&format!("{}: {title}: {message}\n", located(f, pointer)));
            return;
        }
        self.shown += 1;
        let mut props = format!("file={}", escape_property(&f.display));
        if let Some((l, c)) = at {
            props.push_str(&format!(",line={l},col={c}"));
        }
        self.out.push_str(&format!(
            "::error {props},title={}::{}\n",
            escape_property(title),
            escape_data(message)
        ));
    }
}

/// GitHub Actions annotations, one per failed expectation, then a summary line.
pub(crate) fn github(results: &[FileResult], with_coverage: bool) -> String {
    let mut a = Annotations {
        out: String::new(),
        shown: 0,
        over: 0,
    };
    for f in results {
        if let Some(e) = &f.error {
            a.add(f, "", "nexus test", e);
        }
        for c in &f.cases {
            let title = format!("nexus test: {}", c.name);
            match &c.outcome {
                Outcome::Passed => {}
                Outcome::Failed(ms) => {
                    for m in ms {
                        let mut msg = format!("{} does not match\n", m.what);
                        msg.push_str(&diff(&m.expected, m.actual.as_ref()));
                        if let Some(n) = &m.note {
                            msg.push_str(&format!("note: {n}"));
                        }
                        a.add(f, &m.pointer, &title, msg.trim_end());
                    }
                }
                Outcome::Error(e) => a.add(f, &c.pointer, &title, e),
            }
        }
    }
    let mut s = a.out;
    if a.over > 0 {
        s.push_str(&format!(
            "{} more failure{} than GitHub annotates per step, listed above as plain lines\n",
            a.over,
            if a.over == 1 { "" } else { "s" }
        ));
    }
    if with_coverage {
        for f in results {
            if let Some(c) = &f.coverage {
                s.push_str(&c.render_text(&f.workflow));
            }
        }
    }
    let (passed, failed, errors) = counts(results);
    s.push_str(&format!(
        "nexus test: {passed} passed; {failed} failed; {errors} errors\n"
    ));
    s
}

/// 0 all passed, 1 a case failed, 2 something could not run.
pub(crate) fn exit_code(results: &[FileResult], tool_errors: bool) -> u8 {
    let (_, failed, errors) = counts(results);
    if errors > 0 || tool_errors {
        2
    } else if failed > 0 {
        1
    } else {
        0
    }
}
