//! NX202 missing-required-field.
use nexus_schema::Severity;

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Reports objects without a field ASL requires: a state without `Type`, a Task without
/// `Resource`, a Choice without `Choices`, a Parallel without `Branches`, a retrier or catcher
/// without `ErrorEquals`, a catcher or top-level choice rule without `Next`.
/// ## Why is this bad?
/// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
/// ## Example
/// See `fixtures/invalid/NX202-missing-required-field/`.
pub(crate) struct MissingRequiredField;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX202"),
    name: "missing-required-field",
    severity: Severity::Error,
    summary: "An object lacks a field ASL requires.",
    docs: "## What it does\nReports objects without a field ASL requires: a state without `Type`, a Task without `Resource`, a Choice without `Choices`, a Parallel without `Branches`, a retrier or catcher without `ErrorEquals`, a catcher or top-level choice rule without `Next`. (`StartAt` and `States` are NX100's.)\n## Why is this bad?\nAWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).\n## Example\n`\"Catch\": [{\"ErrorEquals\": [\"States.ALL\"]}]` (where does the caught error go?).",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

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
