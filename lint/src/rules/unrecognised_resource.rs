//! NX218 unrecognised-resource.
use nexus_schema::Severity;
use nexus_schema::asl::TaskResource;
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds Task `Resource` ARNs of a service other than Lambda and Step Functions
/// (`arn:aws:sqs:...`, `arn:aws:swf:...`).
/// ## Why is this bad?
/// Step Functions runs Lambda functions, activities and `arn:aws:states:::` integrations; a
/// queue or table ARN as `Resource` is usually meant as a parameter of an integration.
/// ## Example
/// See `fixtures/invalid/NX218-unrecognised-resource/`.
pub(crate) struct UnrecognisedResource;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX218"),
    name: "unrecognised-resource",
    severity: Severity::Warning,
    summary: "A Task `Resource` ARN of a service Step Functions does not run directly.",
    docs: "## What it does\nFinds Task `Resource` ARNs whose service is neither `lambda` nor `states` (for example `arn:aws:sqs:us-east-1:123456789012:orders`).\n## Why is this bad?\nA Task runs a Lambda function, an activity, or a service integration (`arn:aws:states:::sqs:sendMessage` with the queue in `Parameters`/`Arguments`). Such a Resource is well-formed, so this is a warning, but it rarely does what was meant.\n## Example\n`\"Resource\": \"arn:aws:sqs:us-east-1:123456789012:orders\"`.",
    aws_code: Some("INVALID_RESOURCE"),
};

impl Rule for UnrecognisedResource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind != StateKind::Task {
                continue;
            }
            let Some(r) = s.get("Resource").and_then(Value::as_str) else {
                continue;
            };
            if let TaskResource::OtherArn(arn) =
                TaskResource::parse(&crate::view::normalized_resource(r))
                && arn.service != "states"
                && arn.service != "lambda"
                && arn.partition_is_valid()
            {
                sink.push(
                        META.at(s.at("Resource"), format!("`{}` ARNs are not something a Task runs directly", arn.service))
                            .help(format!(
                                "call the service through an integration, e.g. `arn:aws:states:::{}:<action>` or `arn:aws:states:::aws-sdk:{}:<apiAction>`, passing this ARN as a parameter",
                                arn.service, arn.service
                            )),
                    );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX218);
}
