//! nexus-lint: the rules nexus checks a workflow against.
//!
//! Every rule sees the same two things: the [`Document`] (the ASL view of an ASL or NEXUS
//! file, with its locations) and its graph IR ([`Workflow`]). Rules report JSON Pointers into
//! the ASL view; [`lint`] maps them back to the file as written and fills in the spans, so
//! one rule serves `.asl.json`, `.asl.yaml` and `.nexus.yaml` alike.
//!
//! Code ranges (STYLE.md §2): NX0xx load and parse, NX1xx graph and structure, NX2xx ASL
//! field rules, NX3xx bundled policies, NX4xx migration notes, NX9xx user policies.
//!
//! Not here: loading files (nexus-schema), rendering and exit codes (nexus-cli).

mod rule;
pub mod rules;
#[cfg(test)]
mod testing;

pub use rule::{Rule, RuleMeta, Sink};

use nexus_schema::ir::Workflow;
use nexus_schema::{Diagnostic, Document};

/// What a lint run checks.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {}

/// Everything a rule may look at.
pub struct Context<'a> {
    pub doc: &'a Document,
    pub ir: &'a Workflow,
}

impl Context<'_> {
    /// How the user spells an ASL field in this document: `StartAt` in ASL, `start` in NEXUS
    /// YAML (where every other field is the snake_case of its ASL name).
    pub fn field(&self, asl: &str) -> String {
        if self.doc.kind != nexus_schema::DocKind::Nexus {
            return asl.to_string();
        }
        if asl == "StartAt" {
            return "start".to_string();
        }
        let mut out = String::with_capacity(asl.len() + 4);
        let chars: Vec<char> = asl.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if c.is_ascii_uppercase() {
                let prev_lower = i > 0
                    && chars
                        .get(i - 1)
                        .is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                let prev_upper = i > 0 && chars.get(i - 1).is_some_and(|p| p.is_ascii_uppercase());
                if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(*c);
            }
        }
        out
    }
}

/// Check one document with every rule. The returned diagnostics carry pointers into the file
/// as written (not the ASL view) and their spans, sorted by position.
pub fn lint(doc: &Document, _options: &LintOptions) -> Vec<Diagnostic> {
    let ir = Workflow::from_asl(&doc.asl);
    let ctx = Context { doc, ir: &ir };
    let mut sink = Sink::default();
    for rule in rules::all() {
        rule.check(&ctx, &mut sink);
    }
    let mut out = sink.into_diagnostics();
    for d in &mut out {
        locate(doc, d);
    }
    sort(&mut out);
    out
}

/// Turn a diagnostic's ASL-view pointer (and its notes' pointers) into file pointers and spans.
pub fn locate(doc: &Document, d: &mut Diagnostic) {
    if d.span.is_none() {
        d.span = doc.span_of(&d.pointer, d.target == nexus_schema::Target::Key);
    }
    d.pointer = doc.source_pointer(&d.pointer);
    for n in &mut d.notes {
        if let Some(p) = n.pointer.take() {
            if n.span.is_none() {
                n.span = doc.span_of(&p, false);
            }
            n.pointer = Some(doc.source_pointer(&p));
        }
    }
}

/// Order diagnostics by position, then code (stable output for snapshots and CI logs).
pub fn sort(ds: &mut [Diagnostic]) {
    ds.sort_by(|a, b| {
        let ka = (
            a.span.map(|s| s.start).unwrap_or(usize::MAX),
            a.code,
            &a.pointer,
            &a.message,
        );
        let kb = (
            b.span.map(|s| s.start).unwrap_or(usize::MAX),
            b.code,
            &b.pointer,
            &b.message,
        );
        ka.cmp(&kb)
    });
}

/// Metadata of every rule nexus has, in code order.
pub fn registry() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = rules::all().iter().map(|r| r.meta()).collect();
    v.extend(rules::load_codes());
    v.sort_by_key(|m| m.code);
    v
}

#[cfg(test)]
mod field_tests {
    use super::*;

    #[test]
    fn spells_fields_the_nexus_way() {
        let mut doc = Document::asl(
            "x",
            "".into(),
            nexus_schema::SourceFormat::Yaml,
            serde_json::Value::Null,
            Default::default(),
        );
        doc.kind = nexus_schema::DocKind::Nexus;
        let ir = Workflow::default();
        let ctx = Context { doc: &doc, ir: &ir };
        assert_eq!(ctx.field("StartAt"), "start");
        assert_eq!(ctx.field("TimeoutSecondsPath"), "timeout_seconds_path");
        assert_eq!(ctx.field("CSVHeaders"), "csv_headers");
        assert_eq!(ctx.field("End"), "end");
    }
}
