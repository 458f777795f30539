//! CloudFormation short-form intrinsic tags (`!Ref X`, `!Sub s`, `!GetAtt a.b`, ...) and the
//! long-form key each becomes. Source: AWS CloudFormation User Guide, "Intrinsic function
//! reference" (every function lists its `!Short` YAML form), and "Condition functions".

/// The long-form key for a short-form tag suffix (`Ref` → `Ref`, `Sub` → `Fn::Sub`), or
/// `None` when the tag is not a CloudFormation intrinsic.
pub(super) fn long_form(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "Ref" => "Ref",
        // `!Condition` is the short form of the `{"Condition": name}` condition reference.
        "Condition" => "Condition",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "FindInMap" => "Fn::FindInMap",
        "GetAtt" => "Fn::GetAtt",
        "GetAZs" => "Fn::GetAZs",
        "ImportValue" => "Fn::ImportValue",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "Sub" => "Fn::Sub",
        "Transform" => "Fn::Transform",
        "ToJsonString" => "Fn::ToJsonString",
        "Length" => "Fn::Length",
        "And" => "Fn::And",
        "Equals" => "Fn::Equals",
        "If" => "Fn::If",
        "Not" => "Fn::Not",
        "Or" => "Fn::Or",
        _ => return None,
    })
}

/// `!GetAtt Resource.Attribute` is the string form of `["Resource", "Attribute"]`; the
/// attribute may itself contain dots (`Outputs.Name`), so split at the first one only.
pub(super) fn split_get_att(s: &str) -> Option<(&str, &str)> {
    s.split_once('.')
}
