//! The shape of a rule: static metadata plus a check over one document.

use nexus_schema::{Code, Diagnostic, Severity};

use crate::Context;

/// What `nexus rules` shows and what every diagnostic of the rule carries.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: Code,
    /// Kebab-case name of the problem (not the fix): `unreachable-state`.
    pub name: &'static str,
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Markdown with the headings "What it does", "Why is this bad?", "Example".
    pub docs: &'static str,
    /// The AWS `ValidateStateMachineDefinition` code this rule matches, if any.
    pub aws_code: Option<&'static str>,
}

impl RuleMeta {
    /// A diagnostic of this rule at `pointer` (a pointer into the ASL view).
    pub fn at(&'static self, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::new(self.code, self.name, self.severity, pointer, message);
        d.aws_code = self.aws_code;
        d
    }
}

/// A check over one document.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &Context<'_>, sink: &mut Sink);
}

/// Collects what rules report.
#[derive(Default)]
pub struct Sink {
    diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}
