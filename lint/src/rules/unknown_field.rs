//! NX200 unknown-field.

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Reports keys that ASL does not allow where they are written (checked with the bundled JSON
    /// Schema): misspelt fields (`Retries`), fields of another state type (`Next` in a Choice
    /// state, `ResultSelector` in a Pass state), and unknown keys of retriers, catchers, choice
    /// rules and Map configuration objects. Points at the key and suggests the closest allowed
    /// field.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`). A misspelt optional field would
    /// otherwise be ignored, so the retry or timeout you meant never happens.
    /// ## Example
    /// `"Retries": [...]` in a Task state (did you mean `Retry`?).
    pub(crate) struct UnknownField = {
        code: NX200,
        name: "unknown-field",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A field that ASL does not allow in this object.",
    }
}

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
