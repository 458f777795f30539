//! Intrinsic call evaluation.

use super::Call;
use crate::expr::{EvalContext, ExprError};
use serde_json::Value;

pub(super) fn eval_call(call: &Call, _ctx: &EvalContext<'_>) -> Result<Value, ExprError> {
    Err(ExprError::intrinsic(format!(
        "{} not yet implemented",
        call.name
    )))
}
