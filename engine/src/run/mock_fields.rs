//! TestState's `mock.fieldValidationMode`: a mocked result of a request-response optimized
//! service integration is checked against the shape of what the integration returns (the
//! API's output shape, `engine/data/integration_outputs.json`, made by
//! `scripts/gen-integration-outputs.py` from the AWS API models). `STRICT` (the default)
//! wants every required field and every present field of the right type; `PRESENT` only the
//! latter; `NONE` nothing. Fields the API does not have are let through (a newer API may have
//! them). Integrations without a bundled shape (AWS SDK integrations, `.sync` and callback
//! patterns, HTTP Tasks) are not checked.

use std::sync::LazyLock;

use serde_json::{Map, Value};

static TABLE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../data/integration_outputs.json")).unwrap_or_default()
});

/// How strictly a mocked result is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldValidation {
    Strict,
    Present,
    None,
}

impl FieldValidation {
    /// The API's `MockResponseValidationMode` (`STRICT` when absent).
    pub(crate) fn parse(v: Option<&Value>) -> Option<Self> {
        match v.map(Value::as_str) {
            None => Some(Self::Strict),
            Some(Some("STRICT")) => Some(Self::Strict),
            Some(Some("PRESENT")) => Some(Self::Present),
            Some(Some("NONE")) => Some(Self::None),
            Some(_) => None,
        }
    }
}

/// `service:action` of a request-response optimized integration resource
/// (`arn:<partition>:states:::<service>:<action>`), if `resource` is one.
fn integration(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("arn:")?;
    let (_, rest) = rest.split_once(':')?;
    let key = rest.strip_prefix("states:::")?;
    (!key.starts_with("aws-sdk:") && !key.contains('.')).then_some(key)
}

/// Checks a mocked `result` of a Task whose `Resource` is `resource`: `Err` carries AWS's
/// message.
pub(crate) fn check(resource: &str, result: &Value, mode: FieldValidation) -> Result<(), String> {
    if mode == FieldValidation::None {
        return Ok(());
    }
    let Some(key) = integration(resource) else {
        return Ok(());
    };
    let Some(root) = TABLE.pointer(&format!("/integrations/{}", key.replace('/', "~1"))) else {
        return Ok(());
    };
    let service = key.split(':').next().unwrap_or_default();
    let (Some(root), Some(Value::Object(shapes))) = (
        root.as_str(),
        TABLE.pointer(&format!("/shapes/{}", service.replace('/', "~1"))),
    ) else {
        return Ok(());
    };
    if !result.is_object() {
        return Err(format!(
            "Mock result must be a valid JSON object, but got '{}' instead",
            crate::io::type_name(result)
        ));
    }
    Checker { shapes, mode }.value(root, result, "")
}

struct Checker<'a> {
    shapes: &'a Map<String, Value>,
    mode: FieldValidation,
}

fn error(message: String) -> String {
    format!("Mock result schema validation error: {message}")
}

impl Checker<'_> {
    fn value(&self, shape: &str, v: &Value, field: &str) -> Result<(), String> {
        let Some(s) = self.shapes.get(shape) else {
            return Ok(());
        };
        let must_be = |what: &str| Err(error(format!("Field '{field}' must be {what}")));
        match s.get("t").and_then(Value::as_str).unwrap_or("") {
            "structure" => {
                let Value::Object(o) = v else {
                    return must_be("an object");
                };
                let members = s.get("m").and_then(Value::as_object);
                if self.mode == FieldValidation::Strict {
                    let required = s.get("r").and_then(Value::as_array).into_iter().flatten();
                    if let Some(missing) = required
                        .filter_map(Value::as_str)
                        .find(|r| !o.contains_key(*r))
                    {
                        return Err(error(format!("Required field '{missing}' is missing")));
                    }
                }
                for (k, item) in o {
                    if let Some(member) = members.and_then(|m| m.get(k)).and_then(Value::as_str) {
                        self.value(member, item, k)?;
                    }
                }
                Ok(())
            }
            "list" => {
                let Value::Array(items) = v else {
                    return must_be("an array");
                };
                let member = s.get("m").and_then(Value::as_str).unwrap_or_default();
                items.iter().try_for_each(|i| self.value(member, i, field))
            }
            "map" => {
                let Value::Object(o) = v else {
                    return must_be("an object");
                };
                let member = s.get("v").and_then(Value::as_str).unwrap_or_default();
                o.values().try_for_each(|i| self.value(member, i, field))
            }
            "string" | "timestamp" => {
                let Value::String(text) = v else {
                    return must_be("a string");
                };
                match s.get("enum").and_then(Value::as_array) {
                    Some(allowed) if !allowed.iter().any(|a| a.as_str() == Some(text)) => {
                        Err(error(format!("Field '{field}' is not an expected value")))
                    }
                    _ => Ok(()),
                }
            }
            "integer" | "long" if !(v.is_i64() || v.is_u64()) => must_be("a number"),
            "float" | "double" if !v.is_number() => must_be("a number"),
            "boolean" if !v.is_boolean() => must_be("a boolean"),
            "blob" if !v.is_string() => must_be("a string"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const START: &str = "arn:aws:states:::states:startExecution";

    #[test]
    fn checks_a_mocked_result_against_the_integrations_output_shape() {
        let strict = |r: &str, v: Value| check(r, &v, FieldValidation::Strict);
        let present = |r: &str, v: Value| check(r, &v, FieldValidation::Present);
        assert_eq!(
            strict(START, json!({})),
            Err(String::from(
                "Mock result schema validation error: Required field 'ExecutionArn' is missing"
            ))
        );
        assert_eq!(present(START, json!({})), Ok(()));
        assert_eq!(
            present(START, json!({"StartDate": true})),
            Err(String::from(
                "Mock result schema validation error: Field 'StartDate' must be a string"
            ))
        );
        assert_eq!(
            strict(
                START,
                json!({"ExecutionArn": "a", "StartDate": "d", "Extra": 1})
            ),
            Ok(())
        );
        let events = "arn:aws:states:::events:putEvents";
        assert_eq!(
            present(
                events,
                json!({"Entries": [{"EventId": "a"}, {"EventId": 2}]})
            ),
            Err(String::from(
                "Mock result schema validation error: Field 'EventId' must be a string"
            ))
        );
        assert_eq!(
            present(events, json!({"FailedEntryCount": 1.5})),
            Err(String::from(
                "Mock result schema validation error: Field 'FailedEntryCount' must be a number"
            ))
        );
        // Step Functions returns a Lambda function's Payload as JSON.
        let lambda = "arn:aws:states:::lambda:invoke";
        assert_eq!(
            strict(lambda, json!({"Payload": {"a": 1}, "StatusCode": 200})),
            Ok(())
        );
        assert_eq!(
            strict(lambda, json!({"StatusCode": "200"})),
            Err(String::from(
                "Mock result schema validation error: Field 'StatusCode' must be a number"
            ))
        );
        // Nothing checked: NONE, AWS SDK integrations, other patterns.
        assert_eq!(check(START, &json!({}), FieldValidation::None), Ok(()));
        assert_eq!(
            strict("arn:aws:states:::aws-sdk:s3:getObject", json!(1)),
            Ok(())
        );
        assert_eq!(strict(&format!("{START}.sync"), json!({})), Ok(()));
        assert!(strict(START, json!([1])).is_err());
    }
}
