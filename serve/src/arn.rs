//! Names and ARNs of state machines, executions and activities, and the time formats of the
//! API (epoch seconds in responses, epoch milliseconds inside).

use crate::error::ApiError;

/// Region and account that ARNs are made with.
#[derive(Debug, Clone)]
pub struct Partition {
    /// Region (`us-east-1`).
    pub region: String,
    /// Account id (`123456789012`).
    pub account: String,
}

impl Partition {
    /// `arn:aws:states:<region>:<account>:stateMachine:<name>`.
    pub fn machine(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            self.region, self.account
        )
    }

    /// `arn:aws:states:<region>:<account>:execution:<machine>:<name>`.
    pub fn execution(&self, machine: &str, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:execution:{machine}:{name}",
            self.region, self.account
        )
    }

    /// `arn:aws:states:<region>:<account>:express:<machine>:<name>` (StartSyncExecution).
    pub fn express(&self, machine: &str, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:express:{machine}:{name}",
            self.region, self.account
        )
    }

    /// `arn:aws:states:<region>:<account>:activity:<name>`.
    pub fn activity(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:activity:{name}",
            self.region, self.account
        )
    }
}

/// The parts after `arn:aws:states:<region>:<account>:` of a Step Functions ARN of `kind`
/// (`stateMachine`, `execution`, `activity`), or `InvalidArn`.
pub fn parts<'a>(arn: &'a str, kind: &str) -> Result<Vec<&'a str>, ApiError> {
    let bad = || ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'"));
    let fields: Vec<&str> = arn.split(':').collect();
    match fields.as_slice() {
        ["arn", partition, "states", _region, _account, k, rest @ ..]
            if partition.starts_with("aws") && *k == kind && !rest.is_empty() =>
        {
            if rest.iter().any(|p| p.is_empty()) {
                return Err(bad());
            }
            Ok(rest.to_vec())
        }
        _ => Err(bad()),
    }
}

/// Checks an IAM role ARN (`arn:<partition>:iam::<account>:role/<path/>name`) as
/// Create/UpdateStateMachine do: anything else is `InvalidArn`.
pub fn check_role(arn: &str) -> Result<(), ApiError> {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    match fields.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && !account.is_empty()
                && resource
                    .strip_prefix("role/")
                    .is_some_and(|n| !n.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Resource type not valid in this context: {arn}'"),
        )),
    }
}

/// Checks a state machine, execution or activity name as Step Functions does: 1 to 80
/// characters, none of them whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or control
/// characters. `.` and `..` are refused too: names become folder names in the data directory.
pub fn check_name(name: &str, what: &str) -> Result<(), ApiError> {
    let n = name.chars().count();
    let bad_char = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '<' | '>'
                    | '{'
                    | '}'
                    | '['
                    | ']'
                    | '?'
                    | '*'
                    | '"'
                    | '#'
                    | '%'
                    | '\\'
                    | '^'
                    | '|'
                    | '~'
                    | '`'
                    | '$'
                    | '&'
                    | ','
                    | ';'
                    | ':'
                    | '/'
            )
    };
    if n == 0 || n > 80 || name.chars().any(bad_char) || name == "." || name == ".." {
        return Err(ApiError::new(
            "InvalidName",
            format!("Invalid Name: '{name}' is not a valid {what} name"),
        ));
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A timestamp as the AWS JSON protocol sends it: epoch seconds, fractional.
pub fn epoch(ms: i64) -> serde_json::Value {
    serde_json::Value::from(ms as f64 / 1000.0)
}

/// An RFC 3339 timestamp (history events as the engine logs them) as epoch seconds.
pub fn iso_to_epoch(s: &str) -> Option<serde_json::Value> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    Some(epoch(i64::try_from(ms).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_execution_arns_and_refuses_others() {
        let p = Partition {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        };
        let arn = p.execution("M", "e1");
        assert_eq!(parts(&arn, "execution").ok(), Some(vec!["M", "e1"]));
        assert_eq!(
            parts(&arn, "stateMachine").map_err(|e| e.code),
            Err("InvalidArn")
        );
        assert!(parts("arn:aws:states:us-east-1:1:stateMachine:", "stateMachine").is_err());
        assert!(parts("nope", "stateMachine").is_err());
    }

    #[test]
    fn role_arns_name_an_iam_role() {
        assert!(check_role("arn:aws:iam::123456789012:role/service/orders").is_ok());
        for bad in [
            "orders",
            "arn:aws:iam::123456789012:user/u",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        ] {
            assert_eq!(
                check_role(bad).map_err(|e| e.code),
                Err("InvalidArn"),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_follow_the_aws_character_rules() {
        assert!(check_name("order-123_A.b", "execution").is_ok());
        for bad in ["", "a b", "a:b", "a/b", "..", &"x".repeat(81)] {
            assert_eq!(
                check_name(bad, "execution").map_err(|e| e.code),
                Err("InvalidName"),
                "{bad}"
            );
        }
    }

    #[test]
    fn history_timestamps_become_epoch_seconds() {
        assert_eq!(
            iso_to_epoch("2024-01-01T00:00:00.250Z"),
            Some(serde_json::json!(1_704_067_200.25))
        );
        assert_eq!(iso_to_epoch("yesterday"), None);
    }
}
