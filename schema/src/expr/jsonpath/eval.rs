//! JSONPath evaluation with Jayway result shapes, and assignment for `ResultPath`.

use super::{EvalError, Path};
use serde_json::Value;

pub(super) fn evaluate(path: &Path, _root: &Value) -> Result<Value, EvalError> {
    Err(EvalError::NotFound {
        path: path.source.clone(),
    })
}

/// Writes `value` at `path` inside `target`, as `ResultPath` does: `$` replaces the whole
/// target, missing intermediate members are created as objects, an existing member is
/// overwritten. The path must be a reference path rooted at `$`.
pub fn set(_target: &mut Value, path: &Path, _value: Value) -> Result<(), EvalError> {
    Err(EvalError::CannotSet {
        path: path.source.clone(),
        reason: "not yet implemented".into(),
    })
}
