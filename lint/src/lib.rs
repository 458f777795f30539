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

mod expr_index;
pub mod file;
mod integrations;
pub mod policy;
mod rule;
pub mod rules;
mod schema_pass;
pub mod suppress;
#[cfg(test)]
mod testing;
mod variables;
pub mod view;

pub use rule::{Rule, RuleMeta, Sink};

use std::cell::OnceCell;
use std::sync::Arc;

use nexus_schema::ir::Workflow;
use nexus_schema::{Diagnostic, Document, Severity};

pub use nexus_schema::MachineType;

pub use file::{FileFindings, lint_file};
pub use policy::PolicySet;
pub use suppress::ConfigSuppression;

/// What a lint run checks.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    /// Rego and `rule:` policies (with the bundled pack); `None` runs the Rust rules only.
    pub policies: Option<Arc<PolicySet>>,
    /// Which codes report, and at what severity.
    pub selection: Selection,
    /// Suppressions from the configuration file.
    pub suppressions: Vec<Arc<ConfigSuppression>>,
    /// The state machine type standalone definitions are deployed as (`--type`); a template's
    /// own declaration wins for its machines ([`Context::machine_type`]).
    pub machine_type: MachineType,
    /// Treat every definition as coming from an infrastructure template (configuration
    /// `template_source`): a lone placeholder such as `${Timeout}` is accepted where ASL
    /// wants a number or a boolean. Definitions found inside CloudFormation, SAM and
    /// Serverless templates are template sources anyway.
    pub template_source: bool,
}

/// Which codes report and at what severity (configuration `select`, `ignore`,
/// `[severity]`). Entries are codes, code prefixes (`NX3` = every NX3xx) or rule names.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Empty = everything.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Severity overrides, most specific entry wins (by length of the matching prefix).
    pub severity: Vec<(String, Severity)>,
}

impl Selection {
    fn matches(entry: &str, code: &str, name: &str) -> bool {
        entry == name
            || (!entry.is_empty()
                && code
                    .get(..entry.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(entry)))
    }

    /// Does a code report at all?
    pub fn enabled(&self, code: &str, name: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| Self::matches(s, code, name)))
            && !self.ignore.iter().any(|s| Self::matches(s, code, name))
    }

    /// The configured severity of a code, if any.
    pub fn severity_of(&self, code: &str, name: &str) -> Option<Severity> {
        self.severity
            .iter()
            .filter(|(e, _)| Self::matches(e, code, name))
            .max_by_key(|(e, _)| if e == name { usize::MAX } else { e.len() })
            .map(|(_, s)| *s)
    }
}

/// The findings of one document and how many suppressions removed.
#[derive(Debug, Default)]
pub struct LintReport {
    pub diagnostics: Vec<Diagnostic>,
    pub suppressed: usize,
}

/// Everything a rule may look at.
pub struct Context<'a> {
    pub doc: &'a Document,
    pub ir: &'a Workflow,
    pub options: &'a LintOptions,
    /// A template that deploys this definition file, when the file is linted on its own
    /// (`LoadedSource::deployed_by`): its placeholders are that template's to fill.
    pub deployed_by: Option<&'a str>,
    states: OnceCell<Vec<view::StateView<'a>>>,
    schema: OnceCell<Vec<schema_pass::Finding>>,
    /// The expressions of the document, found on first use (`expr_index`).
    expr: OnceCell<expr_index::ExprIndex<'a>>,
    /// The variable flow, computed on first use (`variables`).
    vars: OnceCell<variables::VarFlow>,
}

impl<'a> Context<'a> {
    /// The type of the machine being checked: what its template declares, else the run's
    /// `--type` (which is for standalone files).
    pub fn machine_type(&self) -> MachineType {
        self.doc.machine_type.unwrap_or(self.options.machine_type)
    }

    pub fn new(doc: &'a Document, ir: &'a Workflow, options: &'a LintOptions) -> Self {
        Self {
            doc,
            ir,
            options,
            deployed_by: None,
            states: OnceCell::new(),
            schema: OnceCell::new(),
            expr: OnceCell::new(),
            vars: OnceCell::new(),
        }
    }

    /// Every expression of the document, parsed (shared by the NX25x rules).
    pub(crate) fn expr(&self) -> &expr_index::ExprIndex<'a> {
        self.expr
            .get_or_init(|| expr_index::ExprIndex::build(&self.doc.asl, self.ir))
    }

    /// Which variables may be set where (shared by the variable rules).
    pub(crate) fn vars(&self) -> &variables::VarFlow {
        self.vars
            .get_or_init(|| variables::VarFlow::build(self.expr(), self.ir))
    }

    /// `text` with every `` `PascalCase` `` ASL field name in backticks spelt as this
    /// document spells it (NEXUS snake_case); unchanged for ASL documents.
    pub fn spell_code(&self, text: &str) -> String {
        if self.doc.kind != nexus_schema::DocKind::Nexus {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        for (i, part) in text.split('`').enumerate() {
            if i > 0 {
                out.push('`');
            }
            let ident = i % 2 == 1
                && part.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && part.chars().all(|c| c.is_ascii_alphanumeric());
            if ident {
                out.push_str(&self.field(part));
            } else {
                out.push_str(part);
            }
        }
        out
    }

    /// Every state of the document with its query language, computed once.
    pub fn states(&self) -> &[view::StateView<'a>] {
        self.states.get_or_init(|| view::states(self))
    }

    /// Whether placeholders stand for any value here: the definition comes from a
    /// CloudFormation/SAM/Serverless template, or the configuration says all do.
    pub fn template_source(&self) -> bool {
        self.options.template_source || self.doc.from_template()
    }

    /// The JSON Schema pass, run once and shared by NX200-NX202.
    pub(crate) fn schema_findings(&self) -> &[schema_pass::Finding] {
        self.schema.get_or_init(|| {
            let spell = |s: &str| self.field(s);
            let mode = match (self.template_source(), self.deployed_by) {
                (true, _) => schema_pass::Placeholders::Filled,
                (false, Some(t)) => schema_pass::Placeholders::FilledBy(t),
                (false, None) => schema_pass::Placeholders::Literal,
            };
            schema_pass::run(&self.doc.asl, mode, &spell)
        })
    }

    /// How the user spells an ASL field in this document: `StartAt` in ASL, `start` in NEXUS
    /// YAML (where every other field is the snake_case of its ASL name).
    pub fn field(&self, asl: &str) -> String {
        if self.doc.kind != nexus_schema::DocKind::Nexus {
            return asl.to_string();
        }
        nexus_schema::nexus::field_name(asl)
    }
}

/// Check one document with every rule. The returned diagnostics carry pointers into the file
/// as written (not the ASL view) and their spans, sorted by position.
pub fn lint(doc: &Document, options: &LintOptions) -> Vec<Diagnostic> {
    lint_report(doc, options).diagnostics
}

/// [`lint`], also counting the findings that suppressions removed. Order: rules, policies,
/// selection and severities, then suppressions (so a directive can only hide what would
/// have been reported).
pub fn lint_report(doc: &Document, options: &LintOptions) -> LintReport {
    lint_report_with(doc, Vec::new(), options)
}

/// [`lint_report`] with findings the loader made about the document (`found`, already
/// located), which go through the same selection, severities and suppressions.
pub fn lint_report_with(
    doc: &Document,
    found: Vec<Diagnostic>,
    options: &LintOptions,
) -> LintReport {
    lint_deployed(doc, found, options, None)
}

/// [`lint_report_with`] for a definition file linted on its own that `deployed_by` (a
/// template) deploys.
pub(crate) fn lint_deployed(
    doc: &Document,
    found: Vec<Diagnostic>,
    options: &LintOptions,
    deployed_by: Option<&str>,
) -> LintReport {
    let recovered = rules::recover_misplaced(doc);
    let (doc, mut out) = match &recovered {
        Some((fixed, misplaced)) => (fixed, misplaced.clone()),
        None => (doc, Vec::new()),
    };
    let ir = Workflow::from_asl(&doc.asl);
    let mut ctx = Context::new(doc, &ir, options);
    ctx.deployed_by = deployed_by;
    let mut sink = Sink::default();
    for rule in rules::all() {
        rule.check(&ctx, &mut sink);
    }
    out.extend(sink.into_diagnostics());
    for d in &mut out {
        locate(doc, d);
    }
    if let Some(p) = &options.policies {
        out.extend(p.evaluate(doc, &ir));
    }
    out.extend(found);
    let sel = &options.selection;
    select(sel, &mut out);
    let enabled = |code: &str, name: &str| sel.enabled(code, name);
    let suppressed = suppress::apply(doc, &mut out, &options.suppressions, &enabled);
    sort(&mut out);
    LintReport {
        diagnostics: out,
        suppressed,
    }
}

/// Drop the findings the selection turns off; give the others their configured severity.
pub(crate) fn select(sel: &Selection, ds: &mut Vec<Diagnostic>) {
    ds.retain(|d| sel.enabled(d.code.as_str(), d.name));
    for d in ds {
        if let Some(s) = sel.severity_of(d.code.as_str(), d.name) {
            d.severity = s;
        }
    }
}

/// Turn a diagnostic's ASL-view pointer (and its notes' pointers) into file pointers and spans.
pub fn locate(doc: &Document, d: &mut Diagnostic) {
    if d.span.is_none() {
        d.span = doc.span_of(&d.pointer, d.target == nexus_schema::Target::Key);
        // About the workflow as a whole: its `StartAt`, not every line of the definition.
        if d.span.is_some_and(|s| doc.is_whole_definition(s)) {
            d.span = doc.anchor_span();
        }
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

/// Every code `nexus lint` can report, in code order: loader, NEXUS and template codes
/// (declared in nexus-schema beside the code that reports them), [`file::NOT_A_WORKFLOW`],
/// the rules, the policy and suppression codes. (`nexus rules` adds the migration codes of
/// nexus-migrate.)
pub fn registry() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = nexus_schema::load::CODES.to_vec();
    v.extend(nexus_schema::nexus::CODES);
    v.extend(nexus_schema::template::CODES);
    v.push(&file::NOT_A_WORKFLOW);
    v.extend(rules::all().iter().map(|r| r.meta()));
    v.extend(policy::metas());
    v.extend(suppress::metas());
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
        let options = LintOptions::default();
        let ctx = Context::new(&doc, &ir, &options);
        assert_eq!(ctx.field("StartAt"), "start");
        assert_eq!(ctx.field("TimeoutSecondsPath"), "timeout_seconds_path");
        assert_eq!(ctx.field("CSVHeaders"), "csv_headers");
        assert_eq!(ctx.field("End"), "end");
    }
}
