//! The typed Amazon States Language model: every state type and field of current ASL
//! (JSONPath and JSONata), as the ASL spec (states-language.net) and the AWS Step Functions
//! Developer Guide describe them.
//!
//! The model is **lossless**: `serde_json::to_value(&machine)` equals the value it was read
//! from (key order aside). Numbers stay `serde_json::Number` (`2` ≠ `2.0`), fields that may
//! be a literal or a JSONata `"{% ... %}"` string are small enums or `Value`, and every field
//! the model does not type — unknown, misplaced for the state's `Type`, or of the wrong JSON
//! type — is kept in an ordered `extra` map.
//!
//! Reading is **tolerant**: [`StateMachine::from_value`] never fails; it returns the model
//! plus [`ModelIssue`]s (wrong types, missing required fields) with JSON Pointers. The
//! strict path is `Deserialize` / `TryFrom<&Value>`, which fail on the first issue.
//!
//! Not here: semantic rules (Next xor End, X vs XPath, JSONPath-only fields in JSONata
//! states); those are `nexus-lint` rules. The structural JSON Schema is [`asl_json_schema`].

mod choice;
mod machine;
mod map;
mod read;
mod retry;
mod states;
mod task;
mod values;
mod walk;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub use choice::{ChoiceRule, Comparison, ComparisonOperator, OperandKind, RuleExpr};
pub use machine::{Branch, Definition, StateMachine, States};
pub use map::{
    ItemBatcher, ItemReader, MapFields, ProcessorConfig, ReaderConfig, ResultWriter, WriterConfig,
};
pub use retry::{Catcher, Retrier};
pub use states::{
    ChoiceFields, FailFields, ParallelFields, PassFields, State, StateBody, WaitFields,
};
pub use task::{
    Arn, Credentials, Integration, IntegrationPattern, PARTITIONS, Resource, TaskFields,
    TaskResource, is_cfn_intrinsic,
};
pub use values::{
    ExecutionType, JitterStrategy, NumberOrExpr, ProcessorMode, QueryLanguage, is_jsonata,
    jsonata_body,
};
pub use walk::{ScopeRef, StateRef};

pub use crate::ir::{ScopeKind, StateKind};

/// A problem found while reading a definition into the model: a wrong JSON type or a
/// missing required field. The value concerned is kept raw in the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelIssue {
    /// JSON Pointer (RFC 6901) of the offending field, or of the object missing a field.
    pub pointer: String,
    /// What is wrong, one sentence.
    pub message: String,
}

impl std::fmt::Display for ModelIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

impl std::error::Error for ModelIssue {}

/// The bundled JSON Schema (draft 2020-12) of ASL: structure, field names per state type,
/// value types and keyword sets. Semantic rules live in `nexus-lint`.
pub fn asl_json_schema() -> &'static str {
    include_str!("../../schemas/asl.schema.json")
}

/// `Serialize` writes the ASL JSON; `Deserialize` and `TryFrom<&Value>` read strictly (the
/// first [`ModelIssue`] is the error). Use `from_value` to read tolerantly.
macro_rules! serde_via_value {
    ($ty:ty, |$v:ident| $read:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.to_value().serialize(serializer)
            }
        }

        impl TryFrom<&Value> for $ty {
            type Error = ModelIssue;

            fn try_from($v: &Value) -> Result<Self, ModelIssue> {
                let (model, issues): ($ty, Vec<ModelIssue>) = $read;
                match issues.into_iter().next() {
                    Some(issue) => Err(issue),
                    None => Ok(model),
                }
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                <$ty>::try_from(&value).map_err(D::Error::custom)
            }
        }
    };
}

serde_via_value!(StateMachine, |v| StateMachine::from_value(v));
serde_via_value!(Definition, |v| Definition::from_value(v));
serde_via_value!(State, |v| {
    let mut issues = Vec::new();
    (State::from_value(v, "", &mut issues), issues)
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serde_round_trip_and_strict_errors() {
        let v =
            json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 2.0, "End": true}}});
        let m: StateMachine = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&m).unwrap(), v);
        let bad =
            json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": "2", "End": true}}});
        let err = serde_json::from_value::<StateMachine>(bad.clone()).unwrap_err();
        assert!(err.to_string().contains("/States/A/Seconds"), "{err}");
        let issue = StateMachine::try_from(&bad).unwrap_err();
        assert_eq!(issue.pointer, "/States/A/Seconds");
    }

    #[test]
    fn bundled_schema_is_json() {
        let schema: Value = serde_json::from_str(asl_json_schema()).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}
