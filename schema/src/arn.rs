//! The Task state's own fields, and what its `Resource` names: a Lambda function, an
//! activity, or a service integration `arn:<partition>:states:::<service>:<action>[.pattern]`.
//! AWS, "Task workflow state", "Integrating services with Step Functions" (the three
//! integration patterns: request response, `.sync` / `.sync:2`, `.waitForTaskToken`).

use serde_json::{Map, Value};

use super::ModelIssue;
use super::read::{Reader, Writer};
use super::values::NumberOrExpr;

/// Fields of a Task state (the fields common to all states live on [`super::State`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskFields {
    /// `Resource` (required): the ARN of the work to do.
    pub resource: Option<Resource>,
    /// `TimeoutSeconds`: the task fails with `States.Timeout` after this long (default 99999999).
    pub timeout_seconds: Option<NumberOrExpr>,
    /// `TimeoutSecondsPath` (JSONPath).
    pub timeout_seconds_path: Option<String>,
    /// `HeartbeatSeconds`: maximum time between heartbeats; less than `TimeoutSeconds`.
    pub heartbeat_seconds: Option<NumberOrExpr>,
    /// `HeartbeatSecondsPath` (JSONPath).
    pub heartbeat_seconds_path: Option<String>,
    /// `Credentials`: the role to assume for the task (cross-account tasks).
    pub credentials: Option<Credentials>,
}

impl TaskFields {
    pub(crate) fn read(r: &mut Reader<'_>) -> Self {
        r.require("Resource");
        Self {
            resource: r.field(
                "Resource",
                "a string or a CloudFormation intrinsic function (`Ref`, `Fn::*`)",
                Resource::from_value,
            ),
            timeout_seconds: r.number_or_expr("TimeoutSeconds"),
            timeout_seconds_path: r.string("TimeoutSecondsPath"),
            heartbeat_seconds: r.number_or_expr("HeartbeatSeconds"),
            heartbeat_seconds_path: r.string("HeartbeatSecondsPath"),
            credentials: r.nested("Credentials", Credentials::read),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.opt("Resource", self.resource.clone().map(Value::from));
        w.opt("TimeoutSeconds", self.timeout_seconds.clone());
        w.opt("TimeoutSecondsPath", self.timeout_seconds_path.clone());
        w.opt("HeartbeatSeconds", self.heartbeat_seconds.clone());
        w.opt("HeartbeatSecondsPath", self.heartbeat_seconds_path.clone());
        w.opt(
            "Credentials",
            self.credentials.as_ref().map(Credentials::to_value),
        );
    }

    /// The `Resource` ARN, when it is a string.
    pub fn resource_arn(&self) -> Option<&str> {
        match &self.resource {
            Some(Resource::Arn(s)) => Some(s),
            _ => None,
        }
    }

    /// What `Resource` names (`None` when it is absent or not a string).
    pub fn resource_kind(&self) -> Option<TaskResource<'_>> {
        self.resource_arn().map(TaskResource::parse)
    }
}

/// A Task `Resource` as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    /// The usual form: an ARN (or URI) string.
    Arn(String),
    /// A CloudFormation intrinsic function object (`{"Ref": ...}`, `{"Fn::GetAtt": ...}`,
    /// `{"Fn::Sub": ...}`), as found in definitions embedded in CloudFormation/SAM templates;
    /// CloudFormation replaces it with the ARN at deploy time.
    CfnIntrinsic(Map<String, Value>),
}

impl Resource {
    /// A string, or a one-key object whose key is `Ref` or `Fn::<name>`.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Some(Self::Arn(s.clone())),
            Value::Object(o) if is_cfn_intrinsic(o) => Some(Self::CfnIntrinsic(o.clone())),
            _ => None,
        }
    }
}

/// Whether `o` is a CloudFormation intrinsic function call: exactly one key, `Ref` or
/// `Fn::<name>` (CloudFormation User Guide, "Intrinsic function reference").
pub fn is_cfn_intrinsic(o: &Map<String, Value>) -> bool {
    o.len() == 1 && o.keys().all(|k| k == "Ref" || k.starts_with("Fn::"))
}

impl From<Resource> for Value {
    fn from(r: Resource) -> Self {
        match r {
            Resource::Arn(s) => Value::String(s),
            Resource::CfnIntrinsic(o) => Value::Object(o),
        }
    }
}

/// `Credentials`: `RoleArn` (a literal or JSONata string) or `RoleArn.$` (a JSONPath).
/// The ASL spec makes it a payload template, so other keys are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Credentials {
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `RoleArn.$`: a path or intrinsic giving the role ARN.
    pub role_arn_path: Option<String>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl Credentials {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let role_arn = r.string("RoleArn");
        let role_arn_path = r.string("RoleArn.$");
        Self {
            role_arn,
            role_arn_path,
            extra: r.finish(),
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("RoleArn", self.role_arn.clone());
        w.opt("RoleArn.$", self.role_arn_path.clone());
        Value::Object(w.finish(&self.extra))
    }
}

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

use crate::placeholder::has_placeholder;

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
