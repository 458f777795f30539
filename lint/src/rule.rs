//! The shape of a rule: static metadata plus a check over one document.

use nexus_schema::Diagnostic;

use crate::Context;

pub use nexus_schema::RuleMeta;

/// Declare a rule: its struct, documented by the `///` lines, and `static META` (the
/// [`RuleMeta`] the rule reports through), with the docs written once for rustdoc and
/// `nexus rules` (oxc's `declare_oxc_lint!`). The `///` lines have the headings
/// "What it does", "Why is this bad?", "Example".
///
/// ```ignore
/// crate::rule::declare_rule! {
///     /// ## What it does
///     /// ...
///     pub(crate) struct UnreachableState = {
///         code: NX102, name: "unreachable-state", severity: Error,
///         aws_code: "UNREACHABLE_STATE",
///         summary: "A state that no path from `StartAt` reaches.",
///     }
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $rule:ident = { $($fields:tt)* }
    ) => {
        $(#[doc = $doc])*
        $vis struct $rule;

        static META: $crate::RuleMeta = nexus_schema::rule_meta! {
            $(#[doc = $doc])*
            $($fields)*
        };
    };
}

pub(crate) use declare_rule;

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
