//! NX201 invalid-field-value.

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Reports field values that the bundled ASL JSON Schema rejects: the wrong JSON type
    /// (`"Seconds": "5"`), a number out of range (`"BackoffRate": 0.5`, `"TimeoutSeconds": 0`,
    /// `"ToleratedFailurePercentage": 105`, `MaxInputBytesPerBatch` over 256 KiB), a keyword that
    /// does not exist (`"JitterStrategy": "PARTIAL"`, `"Mode": "distributed"`), an unknown state
    /// `Type`, an empty `ErrorEquals`, `Choices` or `Branches`. In a definition from a
    /// CloudFormation/SAM template, a placeholder such as `${Timeout}` is accepted for any value.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5}]` (must be at least 1).
    pub(crate) struct InvalidFieldValue = {
        code: NX201,
        name: "invalid-field-value",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A field value of the wrong type, out of range, or not one of its keywords.",
    }
}

impl Rule for InvalidFieldValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        schema_pass::report(ctx, sink, Kind::InvalidValue, &META);
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX201);
}
