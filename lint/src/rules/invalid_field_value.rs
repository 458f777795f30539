//! NX201 invalid-field-value.
use nexus_schema::Severity;

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Reports field values of the wrong JSON type, outside their range, or not one of their
/// keywords: `"Seconds": "5"`, `"BackoffRate": 0.5`, `"JitterStrategy": "PARTIAL"`, an empty
/// `ErrorEquals` or `Branches`, `"ToleratedFailurePercentage": 105`.
/// ## Why is this bad?
/// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
/// ## Example
/// See `fixtures/invalid/NX201-invalid-field-value/`.
pub(crate) struct InvalidFieldValue;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX201"),
    name: "invalid-field-value",
    severity: Severity::Error,
    summary: "A field value of the wrong type, out of range, or not one of its keywords.",
    docs: "## What it does\nReports field values that the bundled ASL JSON Schema rejects: the wrong JSON type (`\"Seconds\": \"5\"`), a number out of range (`\"BackoffRate\": 0.5`, `\"TimeoutSeconds\": 0`, `\"ToleratedFailurePercentage\": 105`, `MaxInputBytesPerBatch` over 256 KiB), a keyword that does not exist (`\"JitterStrategy\": \"PARTIAL\"`, `\"Mode\": \"distributed\"`), an unknown state `Type`, an empty `ErrorEquals`, `Choices` or `Branches`. In a definition from a CloudFormation/SAM template, a placeholder such as `${Timeout}` is accepted for any value.\n## Why is this bad?\nAWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).\n## Example\n`\"Retry\": [{\"ErrorEquals\": [\"States.ALL\"], \"BackoffRate\": 0.5}]` (must be at least 1).",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

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
