//! NX200 unknown-field.
use nexus_schema::Severity;

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Reports keys that ASL does not allow where they are written: misspelt fields (`Retries`),
/// fields of another state type (`Next` in a Choice state, `ResultSelector` in a Pass state),
/// and unknown keys of retriers, catchers, choice rules and Map configuration objects.
/// ## Why is this bad?
/// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`); a misspelt optional field would
/// otherwise be silently ignored by most tools.
/// ## Example
/// See `fixtures/invalid/NX200-unknown-field/`.
pub(crate) struct UnknownField;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX200"),
    name: "unknown-field",
    severity: Severity::Error,
    summary: "A field that ASL does not allow in this object.",
    docs: "## What it does\nReports keys that ASL does not allow where they are written (checked with the bundled JSON Schema): misspelt fields (`Retries`), fields of another state type (`Next` in a Choice state, `ResultSelector` in a Pass state), and unknown keys of retriers, catchers, choice rules and Map configuration objects. Points at the key and suggests the closest allowed field.\n## Why is this bad?\nAWS rejects the definition (`SCHEMA_VALIDATION_FAILED`). A misspelt optional field would otherwise be ignored, so the retry or timeout you meant never happens.\n## Example\n`\"Retries\": [...]` in a Task state (did you mean `Retry`?).",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

impl Rule for UnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        schema_pass::report(ctx, sink, Kind::UnknownField, &META);
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX200);
}
