//! NX219 unknown-service-integration.
use nexus_schema::arn::{IntegrationPattern, TaskResource};
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::integrations::{self, Known};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks `arn:<partition>:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]` Task
    /// resources against the table of optimized integrations kept in `lint/data/integrations.json`
    /// (service, action, supported patterns), and
    /// `arn:<partition>:states:::aws-sdk:<service>:<apiAction>` resources by form (an AWS SDK
    /// integration supports request-response and `.waitForTaskToken`, not `.sync`).
    /// ## Why is this bad?
    /// AWS ("Integrating optimized services with Step Functions") rejects integrations and patterns
    /// it does not offer (`INVALID_RESOURCE`). `arn:aws:states:::dynamodb:query` does not exist:
    /// the optimized DynamoDB integration has `getItem`, `putItem`, `updateItem` and `deleteItem`;
    /// `query` needs `arn:aws:states:::aws-sdk:dynamodb:query`.
    /// ## Example
    /// `"Resource": "arn:aws:states:::dynamodb:query"`.
    pub(crate) struct UnknownServiceIntegration = {
        code: NX219,
        name: "unknown-service-integration",
        severity: Error,
        aws_code: "INVALID_RESOURCE",
        summary: "A service integration, or integration pattern, that Step Functions does not have.",
    }
}

fn suffix_names(ps: &[IntegrationPattern]) -> String {
    let names: Vec<String> = ps
        .iter()
        .map(|p| match p {
            IntegrationPattern::RequestResponse => "request-response (no suffix)".to_string(),
            other => format!("`{}`", other.suffix()),
        })
        .collect();
    match names.as_slice() {
        [one] => format!("only {one}"),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => "no pattern".to_string(),
    }
}

impl Rule for UnknownServiceIntegration {
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
            let r = crate::view::normalized_resource(r);
            let TaskResource::Integration(i) = TaskResource::parse(&r) else {
                continue;
            };
            // A placeholder in the service or action is filled in at deploy time.
            if crate::view::has_placeholder(i.service) || crate::view::has_placeholder(i.action) {
                continue;
            }
            let at = || s.at("Resource");
            if i.service == "aws-sdk" {
                let well_formed = i.sdk_call().is_some_and(|(svc, api)| {
                    !svc.is_empty()
                        && api.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                        && !api.contains(':')
                });
                if !well_formed {
                    sink.push(
                        META.at(at(), format!("`aws-sdk:{}` is not an AWS SDK integration", i.action))
                            .help("write `arn:aws:states:::aws-sdk:<service>:<apiAction>`, e.g. `aws-sdk:s3:getObject` (the action in camelCase)"),
                    );
                } else if !integrations::sdk_patterns().contains(&i.pattern) {
                    sink.push(
                        META.at(
                            at(),
                            format!(
                                "AWS SDK integrations do not support `{}`",
                                i.pattern.suffix()
                            ),
                        )
                        .help(format!(
                            "AWS SDK integrations support {}",
                            suffix_names(integrations::sdk_patterns())
                        )),
                    );
                }
                continue;
            }
            let (message, help) = match integrations::lookup(i.service, i.action, i.pattern) {
                Known::Yes => continue,
                Known::UnknownService => (
                    format!(
                        "Step Functions has no optimized integration for `{}`",
                        i.service
                    ),
                    format!(
                        "call the API through the AWS SDK integration: `arn:aws:states:::aws-sdk:{}:{}`",
                        i.service, i.action
                    ),
                ),
                Known::UnknownAction(known) => (
                    format!(
                        "the optimized `{}` integration has no action `{}`",
                        i.service, i.action
                    ),
                    format!(
                        "it has {}; for other APIs use `arn:aws:states:::aws-sdk:{}:{}`",
                        known
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        i.service,
                        i.action
                    ),
                ),
                Known::UnsupportedPattern(ps) => (
                    format!(
                        "`{}:{}` does not support `{}`",
                        i.service,
                        i.action,
                        i.pattern.suffix()
                    ),
                    format!("it supports {}", suffix_names(&ps)),
                ),
            };
            sink.push(META.at(at(), message).help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX219);
}
