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
        let ka = (a.span.map(|s| s.start).unwrap_or(usize::MAX), a.code, &a.pointer, &a.message);
        let kb = (b.span.map(|s| s.start).unwrap_or(usize::MAX), b.code, &b.pointer, &b.message);
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
