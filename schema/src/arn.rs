//! ARNs, and what a Task `Resource` names: a Lambda function, an activity, or a service
//! integration `arn:<partition>:states:::<service>:<action>[.pattern]`. AWS, "Task workflow
//! state", "Integrating services with Step Functions" (the three integration patterns:
//! request response, `.sync` / `.sync:2`, `.waitForTaskToken`). The lint rules on
//! `Resource` and the policy input read a resource through [`TaskResource::parse`].

use crate::placeholder::has_placeholder;

/// Split `s` on `:`, except inside `${...}` placeholders (CloudFormation/SAM/CDK
/// substitutions such as `${AWS::Partition}` contain colons themselves).
fn split_colons(s: &str) -> Vec<&str> {
    if !s.contains("${") {
        return s.split(':').collect();
    }
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i..i + 2) == Some(b"${") {
            depth += 1;
            i += 2;
            continue;
        }
        match bytes.get(i) {
            Some(b'}') if depth > 0 => depth -= 1,
            Some(b':') if depth == 0 => {
                parts.push(s.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(s.get(start..).unwrap_or_default());
    parts
}

/// AWS partitions Step Functions runs in. A placeholder also passes, since templates
/// substitute the partition at deploy time.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The resource types of `states` ARNs that are not service integrations (IAM "Actions,
/// resources, and condition keys for AWS Step Functions").
const STATES_RESOURCE_TYPES: &[&str] = &[
    "activity",
    "stateMachine",
    "execution",
    "express",
    "mapRun",
    "alias",
    "version",
];

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso*`, or a placeholder.
    pub partition: &'a str,
    /// The AWS service (`lambda`, `states`, ...).
    pub service: &'a str,
    /// The region (empty for service integrations).
    pub region: &'a str,
    /// The account id (empty for service integrations).
    pub account: &'a str,
    /// Everything after the account, colons included.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parse an ARN; `None` when `s` does not have the six parts.
    pub fn parse(s: &'a str) -> Option<Self> {
        let parts = split_colons(s);
        let [arn, partition, service, region, account, ..] = parts.as_slice() else {
            return None;
        };
        if *arn != "arn" || partition.is_empty() || service.is_empty() {
            return None;
        }
        // The resource is the rest of the string after the fifth separator, verbatim.
        let head = arn.len() + partition.len() + service.len() + region.len() + account.len() + 5;
        let resource = s.get(head..)?;
        Some(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// Whether the partition is a known AWS partition or a placeholder.
    pub fn partition_is_valid(&self) -> bool {
        PARTITIONS.contains(&self.partition) || has_placeholder(self.partition)
    }
}

/// How a service integration waits for its work (the suffix of the action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntegrationPattern {
    /// No suffix: call the API and continue with its response.
    RequestResponse,
    /// `.sync`: wait for the job to complete.
    Sync,
    /// `.sync:2`: wait for completion, output as parsed JSON (`states:startExecution`).
    Sync2,
    /// `.waitForTaskToken`: pause until `SendTaskSuccess`/`SendTaskFailure` with the token.
    WaitForTaskToken,
}

impl IntegrationPattern {
    /// The ASL suffix (`""`, `".sync"`, `".sync:2"`, `".waitForTaskToken"`).
    pub fn suffix(&self) -> &'static str {
        match self {
            Self::RequestResponse => "",
            Self::Sync => ".sync",
            Self::Sync2 => ".sync:2",
            Self::WaitForTaskToken => ".waitForTaskToken",
        }
    }
}

/// A service integration resource, `arn:<partition>:states:::<service>:<action>[.pattern]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Integration<'a> {
    /// The partition.
    pub partition: &'a str,
    /// The integrated service: `lambda`, `sqs`, `ecs`, `states`, `aws-sdk`, `http`, ...
    pub service: &'a str,
    /// The action without the pattern suffix: `invoke`, `startExecution`; for `aws-sdk`,
    /// `<sdk-service>:<apiAction>` (e.g. `s3:getObject`).
    pub action: &'a str,
    /// The integration pattern.
    pub pattern: IntegrationPattern,
}

impl Integration<'_> {
    /// For `aws-sdk` integrations: the SDK service and API action (`("s3", "getObject")`).
    pub fn sdk_call(&self) -> Option<(&str, &str)> {
        if self.service == "aws-sdk" {
            self.action.split_once(':')
        } else {
            None
        }
    }
}

/// What a Task `Resource` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskResource<'a> {
    /// A Lambda function ARN, `arn:<p>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
    Lambda {
        /// The ARN parts.
        arn: Arn<'a>,
        /// The function name.
        function: &'a str,
        /// Version or alias, if given.
        qualifier: Option<&'a str>,
    },
    /// An activity ARN, `arn:<p>:states:<region>:<account>:activity:<name>`.
    Activity {
        /// The ARN parts.
        arn: Arn<'a>,
        /// The activity name.
        name: &'a str,
    },
    /// A service integration.
    Integration(Integration<'a>),
    /// Another ARN (another service, or a shape nexus does not classify).
    OtherArn(Arn<'a>),
    /// The whole resource is one `${...}` placeholder (filled in at deploy time).
    Placeholder(&'a str),
    /// Not an ARN at all.
    Other(&'a str),
}

impl<'a> TaskResource<'a> {
    /// Classify a `Resource` string.
    pub fn parse(s: &'a str) -> Self {
        if s.starts_with("${") && s.ends_with('}') && split_colons(s).len() == 1 {
            return Self::Placeholder(s);
        }
        let Some(arn) = Arn::parse(s) else {
            return Self::Other(s);
        };
        match arn.service {
            "lambda" => {
                let mut parts = split_colons(arn.resource).into_iter();
                match (parts.next(), parts.next(), parts.next(), parts.next()) {
                    (Some("function"), Some(function), qualifier, None) if !function.is_empty() => {
                        Self::Lambda {
                            arn,
                            function,
                            qualifier,
                        }
                    }
                    _ => Self::OtherArn(arn),
                }
            }
            "states" if arn.region.is_empty() && arn.account.is_empty() => {
                match Self::integration(arn.partition, arn.resource) {
                    Some(i) => Self::Integration(i),
                    None => Self::OtherArn(arn),
                }
            }
            "states" => match arn.resource.split_once(':') {
                Some(("activity", name)) if !name.is_empty() => Self::Activity { arn, name },
                // The console exports a deployed machine's integrations with its region and
                // account (`arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject`), and
                // AWS accepts them; the other `states` resource types are not runnable.
                Some((kind, _)) if STATES_RESOURCE_TYPES.contains(&kind) => Self::OtherArn(arn),
                _ => match Self::integration(arn.partition, arn.resource) {
                    Some(i) => Self::Integration(i),
                    None => Self::OtherArn(arn),
                },
            },
            _ => Self::OtherArn(arn),
        }
    }

    fn integration(partition: &'a str, rest: &'a str) -> Option<Integration<'a>> {
        let (service, action) = rest.split_once(':')?;
        let (action, pattern) = if let Some(a) = action.strip_suffix(".sync:2") {
            (a, IntegrationPattern::Sync2)
        } else if let Some(a) = action.strip_suffix(".sync") {
            (a, IntegrationPattern::Sync)
        } else if let Some(a) = action.strip_suffix(".waitForTaskToken") {
            (a, IntegrationPattern::WaitForTaskToken)
        } else {
            (action, IntegrationPattern::RequestResponse)
        };
        if service.is_empty() || action.is_empty() {
            return None;
        }
        Some(Integration {
            partition,
            service,
            action,
            pattern,
        })
    }

    /// The integration, when this is one.
    pub fn integration_ref(&self) -> Option<&Integration<'a>> {
        match self {
            Self::Integration(i) => Some(i),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_lambda_and_activity() {
        let r =
            TaskResource::parse("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:F:prod");
        let TaskResource::Lambda {
            arn,
            function,
            qualifier,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!(
            (arn.partition, function, qualifier),
            ("aws-us-gov", "F", Some("prod"))
        );
        assert!(arn.partition_is_valid());
        let a = TaskResource::parse("arn:aws-cn:states:cn-north-1:123456789012:activity:Act");
        assert!(matches!(a, TaskResource::Activity { name: "Act", .. }));
    }

    #[test]
    fn parses_integrations_and_patterns() {
        let cases = [
            (
                "arn:aws:states:::lambda:invoke",
                "lambda",
                "invoke",
                IntegrationPattern::RequestResponse,
            ),
            (
                "arn:aws:states:::states:startExecution.sync:2",
                "states",
                "startExecution",
                IntegrationPattern::Sync2,
            ),
            (
                "arn:aws-iso-b:states:::ecs:runTask.sync",
                "ecs",
                "runTask",
                IntegrationPattern::Sync,
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "sqs",
                "sendMessage",
                IntegrationPattern::WaitForTaskToken,
            ),
            (
                "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                "aws-sdk",
                "s3:listObjectsV2",
                IntegrationPattern::RequestResponse,
            ),
        ];
        for (s, service, action, pattern) in cases {
            let r = TaskResource::parse(s);
            let i = r.integration_ref().unwrap();
            assert_eq!(
                (i.service, i.action, i.pattern),
                (service, action, pattern),
                "{s}"
            );
        }
        let sdk = TaskResource::parse("arn:aws:states:::aws-sdk:s3:getObject");
        assert_eq!(
            sdk.integration_ref().unwrap().sdk_call(),
            Some(("s3", "getObject"))
        );
    }

    #[test]
    fn tolerates_placeholders() {
        let r = TaskResource::parse("arn:${AWS::Partition}:states:::lambda:invoke");
        let i = r.integration_ref().unwrap();
        assert_eq!(i.partition, "${AWS::Partition}");
        assert_eq!(i.action, "invoke");
        let l = TaskResource::parse(
            "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}",
        );
        assert!(matches!(
            l,
            TaskResource::Lambda {
                function: "${FunctionName}",
                ..
            }
        ));
        assert_eq!(
            TaskResource::parse("${ProcessFunctionArn}"),
            TaskResource::Placeholder("${ProcessFunctionArn}")
        );
        assert!(matches!(
            TaskResource::parse("foo:bar"),
            TaskResource::Other(_)
        ));
        assert!(matches!(
            TaskResource::parse("arn:aws:swf:us-east-1:123456789012:task:X"),
            TaskResource::OtherArn(_)
        ));
    }
}
