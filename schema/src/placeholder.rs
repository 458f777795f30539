//! Deploy-time placeholders in a definition: CloudFormation/SAM `${Name}`, `${AWS::Region}`
//! (also the ASL view of an intrinsic function, `${Ref:Param}`, see [`crate::template`]),
//! Terraform `${var}` and Serverless Framework `#{AWS::Region}`. The deploy tool replaces
//! them before Step Functions sees the definition, so checks that would reject the raw text
//! accept it. The one definition of what counts as a placeholder, for every crate.

use std::borrow::Cow;

/// The two ways a placeholder opens.
pub(crate) const OPENERS: [&str; 2] = ["${", "#{"];

/// Whether `s` is nothing but one placeholder (`${Timeout}`, `#{AWS::Region}`): a value that
/// may stand for a number or a boolean once substituted.
pub fn is_placeholder(s: &str) -> bool {
    let inner = OPENERS
        .iter()
        .find_map(|open| s.strip_prefix(open))
        .and_then(|r| r.strip_suffix('}'));
    inner.is_some_and(|i| !i.is_empty() && !i.contains('}') && !i.contains('{'))
}

/// Whether `s` contains a placeholder anywhere (`arn:${AWS::Partition}:states:::sqs:...`): an
/// opener with a `}` after it.
pub fn has_placeholder(s: &str) -> bool {
    OPENERS.iter().any(|open| {
        s.match_indices(open).any(|(i, _)| {
            s.get(i + open.len()..)
                .is_some_and(|rest| rest.contains('}'))
        })
    })
}

/// `s` with Serverless Framework placeholders (`#{AWS::Region}`) written as CloudFormation
/// ones (`${AWS::Region}`), for readers that know only the latter (the ARN reader).
pub fn normalized(s: &str) -> Cow<'_, str> {
    if s.contains("#{") {
        Cow::Owned(s.replace("#{", "${"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_whole_placeholders() {
        assert!(is_placeholder("${Timeout}"));
        assert!(is_placeholder("#{AWS::Region}"));
        assert!(is_placeholder("${Ref:Param}"));
        assert!(!is_placeholder("${a}${b}"));
        assert!(!is_placeholder("${}"));
        assert!(!is_placeholder("x${a}"));
    }

    #[test]
    fn finds_placeholders_inside_strings() {
        assert!(has_placeholder("a${b}c"));
        assert!(has_placeholder("${Foo}"));
        assert!(has_placeholder(
            "arn:${AWS::Partition}:states:::sqs:sendMessage"
        ));
        assert!(has_placeholder(
            "arn:aws:lambda:#{AWS::Region}:1:function:f"
        ));
        assert!(!has_placeholder("a${b"));
        assert!(!has_placeholder("${lambdaArn"));
        assert!(!has_placeholder("$.a{"));
        assert!(!has_placeholder("States.Format('{}', $.a)"));
        // A `}` before the opener closes nothing.
        assert!(!has_placeholder("}${a"));
    }

    #[test]
    fn writes_serverless_placeholders_the_cloudformation_way() {
        assert_eq!(
            normalized("arn:#{AWS::Partition}:x"),
            "arn:${AWS::Partition}:x"
        );
        assert!(matches!(normalized("arn:aws:x"), Cow::Borrowed(_)));
    }
}
