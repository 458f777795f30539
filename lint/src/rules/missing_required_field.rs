//! NX202 missing-required-field.

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Reports objects without a field ASL requires: a state without `Type`, a Task without
    /// `Resource`, a Choice without `Choices`, a Parallel without `Branches`, a retrier or catcher
    /// without `ErrorEquals`, a catcher or top-level choice rule without `Next`. (`StartAt` and
    /// `States` are NX100's.)
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"Catch": [{"ErrorEquals": ["States.ALL"]}]` (where does the caught error go?).
    pub(crate) struct MissingRequiredField = {
        code: NX202,
        name: "missing-required-field",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "An object lacks a field ASL requires.",
    }
}

impl Rule for MissingRequiredField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        schema_pass::report(ctx, sink, Kind::MissingField, &META);
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX202);
}
