//! JSON text the way Step Functions writes it: compact (no spaces), members in document
//! order, non-ASCII characters unescaped. Used wherever a value becomes a string that the user
//! can see (`States.JsonToString`, `States.Format`, error causes).

use serde_json::Value;

/// `value` as compact JSON text, as `States.JsonToString` renders it.
pub fn to_compact_string(value: &Value) -> String {
    // serde_json's compact writer matches Step Functions' output for everything the corpus
    // shows (member order kept by `preserve_order`, `1.5`, `"a\"b"`, no spaces).
    serde_json::to_string(value).unwrap_or_default()
}

/// The JSON type name of `value` as Step Functions' messages spell it: `null`, `boolean`,
/// `number`, `string`, `array`, `object`.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
