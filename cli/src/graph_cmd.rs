//! `nexus graph FILE --format mermaid|dot`: a picture of a state machine.
//!
//! The IR ([`nexus_schema::ir::Workflow`]) is turned into a small drawing model ([`Machine`]):
//! states with unique ids, edges labelled by what made them (Choice conditions, `Default`,
//! Catch errors), Parallel branches and Map processors as nested scopes, and — with
//! `--highlight` — the most severe finding per state. [`mermaid`] and [`dot`] only print it.

mod dot;
mod mermaid;

use std::path::Path;
use std::sync::Arc;

use nexus_lint::{LintOptions, lint};
use nexus_schema::ir::{EdgeKind, Scope, ScopeKind, StateKind, Workflow};
use nexus_schema::source::load_source;
use nexus_schema::{Diagnostic, Document, Severity};
use serde_json::Value;

use crate::args::{GraphArgs, GraphFormat};

/// One machine to draw.
#[derive(Debug)]
pub struct Machine {
    /// Logical id / name when the file holds several machines.
    pub label: Option<String>,
    pub root: Region,
}

/// A scope: the top level, one Parallel branch, or a Map processor.
#[derive(Debug, Default)]
pub struct Region {
    pub states: Vec<State>,
    /// Index into `states` of `StartAt`.
    pub start: Option<usize>,
    pub edges: Vec<Edge>,
}

/// One state.
#[derive(Debug)]
pub struct State {
    /// Unique id within the picture (`s0`, `s1`, ...).
    pub id: String,
    pub name: String,
    pub kind: StateKind,
    pub terminal: bool,
    /// Nested scopes, each with a caption (`Branch 1`, `ItemProcessor`).
    pub children: Vec<(String, Region)>,
    /// The most severe finding on this state, with the codes found (`--highlight`).
    pub finding: Option<(Severity, Vec<String>)>,
}

/// Where an edge goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    State(usize),
    /// A target that names no state of the scope (a dangling transition).
    Missing(String),
}

/// One transition.
#[derive(Debug)]
pub struct Edge {
    pub from: usize,
    pub to: To,
    pub label: Option<String>,
    /// A Catch edge (drawn dashed).
    pub catch: bool,
}

/// Longest a label gets before it is shortened with `…`.
const MAX_LABEL: usize = 60;

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
    t.push('…');
    t
}

/// The ASL comparison operators, as a symbol (ASL spec, "Choice Rules").
fn operator(op: &str) -> Option<&'static str> {
    let base = op.strip_suffix("Path").unwrap_or(op);
    for (suffix, sym) in [
        ("GreaterThanEquals", ">="),
        ("LessThanEquals", "<="),
        ("GreaterThan", ">"),
        ("LessThan", "<"),
        ("Equals", "=="),
        ("Matches", "matches"),
    ] {
        if base.ends_with(suffix)
            && ["String", "Numeric", "Boolean", "Timestamp"]
                .iter()
                .any(|t| base.starts_with(t))
        {
            return Some(sym);
        }
    }
    None
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// A Choice rule as a short expression: `$.status == "ok"`, `!($.a > 1)`, `(x && y)`.
pub fn condition(rule: &Value, depth: usize) -> String {
    if depth > 8 {
        return "…".into();
    }
    // JSONata Choice rules carry one `Condition` string (`{% ... %}`).
    if let Some(c) = rule.get("Condition").and_then(Value::as_str) {
        return c
            .trim()
            .trim_start_matches("{%")
            .trim_end_matches("%}")
            .trim()
            .to_string();
    }
    for (key, join) in [("And", " && "), ("Or", " || ")] {
        if let Some(list) = rule.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list.iter().map(|r| condition(r, depth + 1)).collect();
            return format!("({})", parts.join(join));
        }
    }
    if let Some(inner) = rule.get("Not") {
        return format!("!{}", condition(inner, depth + 1));
    }
    let var = rule.get("Variable").and_then(Value::as_str).unwrap_or("?");
    let Some(obj) = rule.as_object() else {
        return "?".into();
    };
    for (k, v) in obj {
        if k == "Variable" || k == "Next" || k == "Comment" || k == "Assign" || k == "Output" {
            continue;
        }
        if let Some(test) = k.strip_prefix("Is") {
            let negated = v.as_bool() == Some(false);
            return format!(
                "{var} is {}{}",
                if negated { "not " } else { "" },
                test.to_ascii_lowercase()
            );
        }
        if let Some(sym) = operator(k) {
            let rhs = if k.ends_with("Path") {
                v.as_str().unwrap_or("?").to_string()
            } else {
                scalar(v)
            };
            return format!("{var} {sym} {rhs}");
        }
    }
    format!("{var} ?")
}

struct Builder<'a> {
    doc: &'a Document,
    wf: &'a Workflow,
    findings: &'a [Diagnostic],
    /// Prepended to every state id: Mermaid and DOT ids are global to the picture, so the
    /// machines of one template need distinct ones.
    prefix: String,
    next_id: usize,
}

impl Builder<'_> {
    /// The most severe finding whose pointer is inside `state_pointer` but not inside a
    /// nested state (nested states get their own colour).
    fn finding(&self, state_pointer: &str) -> Option<(Severity, Vec<String>)> {
        let src = self.doc.source_pointer(state_pointer);
        let mut best: Option<(Severity, Vec<String>)> = None;
        for d in self.findings {
            let inside = d.pointer == src
                || d.pointer
                    .strip_prefix(&src)
                    .is_some_and(|r| r.starts_with('/'));
            if !inside {
                continue;
            }
            // A finding inside a nested state belongs to that state (it gets its own colour).
            let rest = d.pointer.get(src.len()..).unwrap_or_default();
            if rest.to_ascii_lowercase().contains("/states/") {
                continue;
            }
            let e = best.get_or_insert((d.severity, Vec::new()));
            e.0 = e.0.max(d.severity);
            if !e.1.contains(&d.code.to_string()) {
                e.1.push(d.code.to_string());
            }
        }
        best
    }

    fn region(&mut self, scope: &Scope) -> Region {
        let mut region = Region::default();
        let mut index = std::collections::HashMap::new();
        for (i, n) in scope.order.iter().enumerate() {
            index.insert(*n, i);
        }
        for n in &scope.order {
            let node = scope.node(*n);
            let id = format!("{}s{}", self.prefix, self.next_id);
            self.next_id += 1;
            let mut children = Vec::new();
            for c in &node.children {
                let Some(child) = self.wf.scopes.get(*c) else {
                    continue;
                };
                let caption = match child.kind {
                    ScopeKind::Branch(i) => format!("Branch {}", i + 1),
                    ScopeKind::ItemProcessor => "ItemProcessor".to_string(),
                    ScopeKind::Iterator => "Iterator".to_string(),
                    ScopeKind::Root => String::new(),
                };
                children.push((caption, self.region(child)));
            }
            region.states.push(State {
                id,
                name: node.name.clone(),
                kind: node.kind.clone(),
                terminal: node.terminal,
                children,
                finding: self.finding(&node.pointer),
            });
        }
        region.start = scope.start().and_then(|s| index.get(&s).copied());
        for n in &scope.order {
            let Some(&from) = index.get(n) else { continue };
            let state_value = self.doc.asl.pointer(&scope.node(*n).pointer);
            let mut edges: Vec<(EdgeKind, To)> = scope
                .transitions(*n)
                .into_iter()
                .filter_map(|(e, t)| index.get(&t).map(|t| (e.kind, To::State(*t))))
                .collect();
            edges.extend(
                scope
                    .dangling
                    .iter()
                    .filter(|d| d.from == *n)
                    .map(|d| (d.kind, To::Missing(d.target.clone()))),
            );
            edges.sort_by_key(|(k, _)| match k {
                EdgeKind::Next => (0, 0),
                EdgeKind::Choice(i) => (1, *i),
                EdgeKind::Default => (2, 0),
                EdgeKind::Catch(i) => (3, *i),
            });
            for (kind, to) in edges {
                let (label, catch) = match kind {
                    EdgeKind::Next => (None, false),
                    EdgeKind::Default => (Some("Default".to_string()), false),
                    EdgeKind::Choice(i) => {
                        let rule = state_value
                            .and_then(|s| s.get("Choices"))
                            .and_then(|c| c.get(i));
                        (
                            Some(shorten(
                                &rule.map_or_else(|| "?".into(), |r| condition(r, 0)),
                            )),
                            false,
                        )
                    }
                    EdgeKind::Catch(i) => {
                        let errors: Vec<&str> = state_value
                            .and_then(|s| s.get("Catch"))
                            .and_then(|c| c.get(i))
                            .and_then(|c| c.get("ErrorEquals"))
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        (Some(shorten(&format!("catch {}", errors.join(", ")))), true)
                    }
                };
                region.edges.push(Edge {
                    from,
                    to,
                    label,
                    catch,
                });
            }
        }
        region
    }
}

/// Build the drawing model of one document (findings: lint output for `--highlight`);
/// `prefix` goes before every state id.
pub fn machine(doc: &Document, findings: &[Diagnostic], prefix: &str) -> Machine {
    let wf = Workflow::from_asl(&doc.asl);
    let mut b = Builder {
        doc,
        wf: &wf,
        findings,
        prefix: prefix.to_string(),
        next_id: 0,
    };
    let root = wf.root().map(|s| b.region(s)).unwrap_or_default();
    Machine {
        label: doc.label.clone(),
        root,
    }
}

/// Draw the machines of `docs` in `format`.
pub fn render(docs: &[Document], format: GraphFormat, highlight: bool) -> String {
    let machines: Vec<Machine> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let findings = if highlight {
                lint(d, &LintOptions::default())
            } else {
                Vec::new()
            };
            let prefix = if docs.len() > 1 {
                format!("m{i}_")
            } else {
                String::new()
            };
            machine(d, &findings, &prefix)
        })
        .collect();
    match format {
        GraphFormat::Mermaid => mermaid::render(&machines),
        GraphFormat::Dot => dot::render(&machines),
    }
}

pub fn run(args: &GraphArgs) -> u8 {
    let text: Arc<str> = match nexus_schema::source::read_source_text(Path::new(&args.file)) {
        Ok(t) => t.into(),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file);
            return 2;
        }
    };
    let loaded = load_source(&args.file, text);
    let mut docs = loaded.documents;
    if let Some(name) = &args.machine {
        docs.retain(|d| d.label.as_deref() == Some(name.as_str()));
        if docs.is_empty() {
            eprintln!("error: {} holds no state machine named `{name}`", args.file);
            return 2;
        }
    }
    if docs.is_empty() {
        for d in &loaded.diagnostics {
            eprintln!("error: {}: {} {}", args.file, d.code, d.message);
        }
        eprintln!("error: {} holds no state machine to draw", args.file);
        return 2;
    }
    let picture = render(&docs, args.format, args.highlight);
    let written = match &args.output {
        Some(p) => crate::output::write_file(p, picture.as_bytes(), args.force)
            .map_err(std::io::Error::other),
        None => crate::out::write_stdout(&picture),
    };
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write the picture: {e}");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_read_like_expressions() {
        let r = json!({"And": [
            {"Variable": "$.status", "StringEquals": "ok"},
            {"Not": {"Variable": "$.n", "NumericGreaterThanPath": "$.max"}},
            {"Variable": "$.x", "IsPresent": false}
        ], "Next": "A"});
        assert_eq!(
            condition(&r, 0),
            "($.status == \"ok\" && !$.n > $.max && $.x is not present)"
        );
        assert_eq!(
            condition(&json!({"Condition": "{% $x > 1 %}", "Next": "A"}), 0),
            "$x > 1"
        );
    }
}
