//! How a state machine is deployed, in one shape whatever declared it: a CloudFormation
//! `AWS::StepFunctions::StateMachine`, a SAM `AWS::Serverless::StateMachine`, a Serverless
//! Framework `stepFunctions.stateMachines.<name>`, or a `[deploy.<name>]` section of
//! nexus.toml (built by the CLI). Policies see it as `input.deployment`
//! (`docs/policies.md`):
//!
//! ```json
//! { "Source": "cloudformation" | "sam" | "serverless" | "nexus.toml",
//!   "Pointer": "/Resources/Orders/Properties",
//!   "Type": "STANDARD" | "EXPRESS",
//!   "RoleArn": "arn:..." | {"Fn::GetAtt": ["OrdersRole", "Arn"]} | null,
//!   "Role": {"LogicalId": "OrdersRole", "AssumeRolePolicyDocument": {...}} | null,
//!   "LoggingConfiguration": {"Level": "ALL", "IncludeExecutionData": true, "Destinations": [...]} | null,
//!   "TracingConfiguration": {"Enabled": true} | null,
//!   "EncryptionConfiguration": {"Type": "CUSTOMER_MANAGED_KMS_KEY", "KmsKeyId": "...", ...} | null }
//! ```
//!
//! Member names are CloudFormation's (which are the API's, capitalised); values are kept as
//! written, so an intrinsic function (`{"Ref": ...}`) stays visible to a policy as such.
//! `Role` is the IAM role resource of the same template that `RoleArn` names (`Fn::GetAtt`,
//! `Ref`), so a policy can read its trust policy.

use serde_json::{Map, Value, json};

/// Where deployment settings came from (`Source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    CloudFormation,
    Sam,
    Serverless,
    /// A `[deploy.<name>]` section of nexus.toml.
    Config,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::CloudFormation => "cloudformation",
            Origin::Sam => "sam",
            Origin::Serverless => "serverless",
            Origin::Config => "nexus.toml",
        }
    }
}

/// The settings of a CloudFormation or SAM state machine resource (`props`: its
/// `Properties`, at pointer `at`); `resources` is the template's `Resources`.
pub fn from_cfn(props: &Map<String, Value>, sam: bool, at: &str, resources: &Value) -> Value {
    let get = |k: &str| props.get(k).cloned().unwrap_or(Value::Null);
    let (role, logging, tracing, ty) = if sam {
        ("Role", "Logging", "Tracing", "Type")
    } else {
        (
            "RoleArn",
            "LoggingConfiguration",
            "TracingConfiguration",
            "StateMachineType",
        )
    };
    let role_arn = get(role);
    let machine_type = props
        .get(ty)
        .and_then(Value::as_str)
        .map_or_else(|| "STANDARD".to_string(), str::to_ascii_uppercase);
    // SAM without `Role` creates a role itself, trusted by states.amazonaws.com only.
    json!({
        "Source": if sam { Origin::Sam } else { Origin::CloudFormation }.as_str(),
        "Pointer": at,
        "Type": machine_type,
        "RoleArn": role_arn,
        "Role": role_resource(&role_arn, resources),
        "LoggingConfiguration": get(logging),
        "TracingConfiguration": get(tracing),
        "EncryptionConfiguration": get("EncryptionConfiguration"),
    })
}

/// The settings of a Serverless Framework machine (`serverless-step-functions`: `type`,
/// `role`, `loggingConfig`, `tracingConfig`, `encryptionConfig`), in CloudFormation's shape;
/// `resources` is the file's `resources.Resources`.
pub fn from_serverless(machine: &Value, at: &str, resources: &Value) -> Value {
    let role_arn = machine.get("role").cloned().unwrap_or(Value::Null);
    let machine_type = machine
        .get("type")
        .and_then(Value::as_str)
        .map_or_else(|| "STANDARD".to_string(), str::to_ascii_uppercase);
    let logging = machine.get("loggingConfig").map_or(Value::Null, |l| {
        json!({
            "Level": l.get("level").cloned().unwrap_or(Value::Null),
            "IncludeExecutionData": l.get("includeExecutionData").cloned().unwrap_or(Value::Null),
            "Destinations": l.get("destinations").cloned().unwrap_or(Value::Null),
        })
    });
    let tracing = machine.get("tracingConfig").map_or(
        Value::Null,
        |t| json!({"Enabled": t.get("enabled").cloned().unwrap_or(Value::Null)}),
    );
    let encryption = machine.get("encryptionConfig").map_or(Value::Null, |e| {
        json!({
            "Type": e.get("type").cloned().unwrap_or(Value::Null),
            "KmsKeyId": e.get("kmsKeyId").cloned().unwrap_or(Value::Null),
            "KmsDataKeyReusePeriodSeconds": e.get("kmsDataKeyReusePeriodSeconds").cloned().unwrap_or(Value::Null),
        })
    });
    json!({
        "Source": Origin::Serverless.as_str(),
        "Pointer": at,
        "Type": machine_type,
        "RoleArn": role_arn,
        "Role": role_resource(&role_arn, resources),
        "LoggingConfiguration": logging,
        "TracingConfiguration": tracing,
        "EncryptionConfiguration": encryption,
    })
}

/// How a template of `origin` (a `Source` value) spells a deployment member
/// (`LoggingConfiguration` → SAM `Logging`, Serverless `loggingConfig`), to point at it.
pub fn source_key(origin: &str, member: &str) -> Option<&'static str> {
    let keys: [&'static str; 5] = match origin {
        "cloudformation" => [
            "StateMachineType",
            "RoleArn",
            "LoggingConfiguration",
            "TracingConfiguration",
            "EncryptionConfiguration",
        ],
        "sam" => [
            "Type",
            "Role",
            "Logging",
            "Tracing",
            "EncryptionConfiguration",
        ],
        "serverless" => [
            "type",
            "role",
            "loggingConfig",
            "tracingConfig",
            "encryptionConfig",
        ],
        _ => return None,
    };
    let i = [
        "Type",
        "RoleArn",
        "LoggingConfiguration",
        "TracingConfiguration",
        "EncryptionConfiguration",
    ]
    .iter()
    .position(|m| *m == member)?;
    Some(keys[i])
}

/// The `AWS::IAM::Role` resource a role ARN refers to (`Fn::GetAtt: [Id, Arn]`,
/// `Fn::GetAtt: Id.Arn`, `Ref: Id`), as `{LogicalId, AssumeRolePolicyDocument}`.
fn role_resource(role_arn: &Value, resources: &Value) -> Value {
    let id = match role_arn {
        Value::Object(o) => match (o.get("Fn::GetAtt"), o.get("Ref")) {
            (Some(Value::Array(a)), _) => a.first().and_then(Value::as_str),
            (Some(Value::String(s)), _) => s.split('.').next(),
            (_, Some(Value::String(s))) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    };
    let Some((id, res)) = id.and_then(|id| Some((id, resources.get(id)?))) else {
        return Value::Null;
    };
    if res.get("Type").and_then(Value::as_str) != Some("AWS::IAM::Role") {
        return Value::Null;
    }
    json!({
        "LogicalId": id,
        "AssumeRolePolicyDocument": res
            .pointer("/Properties/AssumeRolePolicyDocument")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudformation_settings_and_the_role_they_name() {
        let resources = json!({
            "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}}
        });
        let props = json!({
            "RoleArn": {"Fn::GetAtt": "R.Arn"},
            "StateMachineType": "EXPRESS",
            "TracingConfiguration": {"Enabled": true}
        });
        let d = from_cfn(
            props.as_object().unwrap(),
            false,
            "/Resources/M/Properties",
            &resources,
        );
        assert_eq!(d["Type"], "EXPRESS");
        assert_eq!(d["Role"]["LogicalId"], "R");
        assert_eq!(
            d["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
            "*"
        );
        assert_eq!(d["TracingConfiguration"]["Enabled"], true);
        assert_eq!(d["LoggingConfiguration"], Value::Null);
    }

    #[test]
    fn sam_and_serverless_names_map_to_cloudformation_ones() {
        let props = json!({"Logging": {"Level": "ALL"}, "Role": {"Ref": "Nope"}});
        let d = from_cfn(props.as_object().unwrap(), true, "", &json!({}));
        assert_eq!(d["Source"], "sam");
        assert_eq!(d["Type"], "STANDARD");
        assert_eq!(d["LoggingConfiguration"]["Level"], "ALL");
        assert_eq!(d["Role"], Value::Null);
        let m = json!({"type": "express", "loggingConfig": {"level": "ERROR", "includeExecutionData": true}, "tracingConfig": {"enabled": false}});
        let d = from_serverless(&m, "", &json!({}));
        assert_eq!(d["Type"], "EXPRESS");
        assert_eq!(d["LoggingConfiguration"]["IncludeExecutionData"], true);
        assert_eq!(d["TracingConfiguration"]["Enabled"], false);
    }
}
