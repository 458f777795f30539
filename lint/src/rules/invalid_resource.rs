//! NX217 invalid-resource.
use nexus_schema::arn::{Arn, TaskResource};
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::view;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks each Task `Resource` string: it must be an ARN
    /// (`arn:<partition>:<service>:<region>:<account>:<resource>`) in a known partition (`aws`,
    /// `aws-cn`, `aws-us-gov`, `aws-iso*`, `aws-eusc`); a Lambda function ARN names a function
    /// (letters, digits, `-`, `_`) and optionally a version or alias (`$LATEST`, `1`, `prod`); a
    /// `states` ARN is an activity (`arn:aws:states:<region>:<account>:activity:<name>`) or a
    /// service integration (`arn:aws:states:<region>?:<account>?:<service>:<action>`; the console
    /// exports deployed machines with region and account filled in). Placeholders
    /// (`${FunctionArn}`, `arn:${AWS::Partition}:...`) are accepted.
    /// ## Why is this bad?
    /// AWS ("Discover service integration patterns"): a Resource value is a URI that conforms to
    /// the ARN format. Anything else is rejected (`INVALID_RESOURCE`).
    /// ## Example
    /// `"Resource": "arn:aws:lambda:us-east-1:123456789012:function:Charge:"` (empty alias).
    pub(crate) struct InvalidResource = {
        code: NX217,
        name: "invalid-resource",
        severity: Error,
        aws_code: "INVALID_RESOURCE",
        summary: "A Task `Resource` that is not a valid Lambda, activity or service-integration ARN.",
    }
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && (view::has_placeholder(s)
            || s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

/// What is wrong with a `Resource`, if anything.
pub(crate) fn problem(s: &str) -> Option<(String, String)> {
    let partition = |arn: &Arn<'_>| {
        (!arn.partition_is_valid()).then(|| {
            (
                format!("`{}` is not an AWS partition", arn.partition),
                "use aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f or aws-eusc (or `${AWS::Partition}`)".to_string(),
            )
        })
    };
    let normalized = view::normalized_resource(s);
    let s: &str = &normalized;
    match TaskResource::parse(s) {
        TaskResource::Placeholder(_) => None,
        TaskResource::Other(_) if view::has_placeholder(s) => None,
        TaskResource::Other(_) => Some((
            format!("`{s}` is not an ARN"),
            "a Task runs a Lambda function (`arn:aws:lambda:<region>:<account>:function:<name>`), an activity, or a service integration (`arn:aws:states:::<service>:<action>`)".to_string(),
        )),
        TaskResource::Lambda { arn, function, qualifier } => partition(&arn).or_else(|| {
            if !name_ok(function) {
                return Some((format!("`{function}` is not a Lambda function name"), "function names use letters, digits, `-` and `_`".into()));
            }
            match qualifier {
                Some(q) if q != "$LATEST" && !name_ok(q) => Some((
                    if q.is_empty() { "the Lambda ARN ends with `:` but names no version or alias".to_string() } else { format!("`{q}` is not a Lambda version or alias") },
                    "write `function:<name>` or `function:<name>:<version|alias|$LATEST>`".into(),
                )),
                _ => None,
            }
        }),
        TaskResource::Activity { arn, name } => partition(&arn).or_else(|| {
            (name.chars().any(char::is_whitespace) && !view::has_placeholder(name))
                .then(|| (format!("`{name}` is not an activity name"), "activity names have no whitespace".into()))
        }),
        TaskResource::Integration(i) => {
            partition(&Arn { partition: i.partition, service: "states", region: "", account: "", resource: "" })
        }
        // A placeholder may stand for any part (`function:${Name}:${Alias}`).
        TaskResource::OtherArn(_) if view::has_placeholder(s) => None,
        TaskResource::OtherArn(arn) if arn.service == "states" || arn.service == "lambda" => partition(&arn).or(Some((
            format!("`{s}` is neither a Lambda function, an activity nor a service integration"),
            "Lambda: `arn:aws:lambda:<region>:<account>:function:<name>`; activity: `arn:aws:states:<region>:<account>:activity:<name>`; integration: `arn:aws:states:::<service>:<action>`".to_string(),
        ))),
        TaskResource::OtherArn(arn) => partition(&arn),
    }
}

impl Rule for InvalidResource {
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
            if let Some((message, help)) = problem(r) {
                sink.push(META.at(s.at("Resource"), message).help(help));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn judges_resources() {
        for ok in [
            "arn:aws:lambda:us-east-1:123456789012:function:F",
            "arn:aws:lambda:us-east-1:123456789012:function:F:$LATEST",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:F:prod",
            "arn:aws:states:us-east-1:123456789012:activity:A",
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject",
            "arn:aws:states:eu-west-1:123456789012:lambda:invoke.waitForTaskToken",
            "arn:${AWS::Partition}:states:::sqs:sendMessage",
            "${FunctionArn}",
            "arn:aws:lambda:#{AWS::Region}:#{AWS::AccountId}:function:${self:service}-charge",
            "arn:aws:lambda:us-east-1:123456789012:function:${Name}:${Alias}:x",
            "arn:aws:swf:us-east-1:123456789012:task:X",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "foo:bar",
            "${lambdaArn",
            "arn:aws:lambda:us-east-1:1:function:F:",
            "arn:aws:lambda:us-east-1:1:function:F:$*#$7485",
            "arn:aws:lambda:us-east-1:1:layer:L",
            "arn:aws:states:us-east-1:1:stateMachine:M",
            "arn:amazon:states:::lambda:invoke",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }
}

#[cfg(test)]
mod fixture_tests {
    crate::testing::fixture_snapshots!(NX217);
}
