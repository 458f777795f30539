//! JSONata, the second query language of Step Functions (`"QueryLanguage": "JSONata"`),
//! evaluated with `jsonata-core`, plus the functions Step Functions adds: `$partition`,
//! `$range`, `$hash`, `$random`, `$uuid`, `$parse` (AWS "Transforming data with JSONata in
//! Step Functions"). Compiled only with the cargo feature `jsonata`.

use super::{ExprError, ParseError};
use serde_json::Value;

/// The expression inside a JSONata template string `{% ... %}` (untrimmed), or `None` when
/// `s` is not one. Step Functions requires the braces at the very start and end of the string.
pub fn is_jsonata_template(s: &str) -> Option<&str> {
    s.strip_prefix("{%")
        .and_then(|rest| rest.strip_suffix("%}"))
}

/// Checks that `expr` (the text between `{%` and `%}`) is syntactically valid JSONata.
/// The error offset is a byte offset into `expr`.
pub fn check_syntax(expr: &str) -> Result<(), ParseError> {
    let _ = expr;
    Err(ParseError::new("JSONata support not yet implemented", 0))
}

/// Why a JSONata evaluation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct JsonataError {
    /// The JSONata error code and message as Step Functions shows them, e.g.
    /// `T1006: Attempted to invoke a non-function`.
    pub detail: String,
}

impl JsonataError {
    /// The `States.QueryEvaluationError` Step Functions raises when `expr` in field `field`
    /// (e.g. `Output/result`) fails: `The JSONata expression '...' specified for the field
    /// '...' threw an error during evaluation. T1006: ...`.
    pub fn to_expr_error(&self, expr: &str, field: &str) -> ExprError {
        ExprError::query(format!(
            "The JSONata expression '{expr}' specified for the field '{field}' threw an error during evaluation. {}",
            self.detail
        ))
    }
}

/// Evaluates `expr` against `input` (JSONata's `$`) with the given variable bindings (names
/// without `$`, e.g. `("states", {...})` for `$states`). Returns `Ok(None)` when the result is
/// JSONata's *undefined* (Step Functions turns that into an error for most fields).
pub fn evaluate(
    expr: &str,
    input: &Value,
    bindings: &[(&str, Value)],
) -> Result<Option<Value>, JsonataError> {
    let _ = (expr, input, bindings);
    Err(JsonataError {
        detail: "JSONata support not yet implemented".into(),
    })
}
