//! NX218 unrecognised-resource.
use nexus_schema::arn::TaskResource;
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds Task `Resource` ARNs whose service is neither `lambda` nor `states` (for example
    /// `arn:aws:sqs:us-east-1:123456789012:orders`).
    /// ## Why is this bad?
    /// A Task runs a Lambda function, an activity, or a service integration
    /// (`arn:aws:states:::sqs:sendMessage` with the queue in `Parameters`/`Arguments`). Such a
    /// Resource is well-formed, so this is a warning, but it rarely does what was meant.
    /// ## Example
    /// `"Resource": "arn:aws:sqs:us-east-1:123456789012:orders"`.
    pub(crate) struct UnrecognisedResource = {
        code: NX218,
        name: "unrecognised-resource",
        severity: Warning,
        aws_code: "INVALID_RESOURCE",
        summary: "A Task `Resource` ARN of a service Step Functions does not run directly.",
    }
}

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
