//! Intrinsic call evaluation: arguments are evaluated left to right (nested calls first), then
//! the function runs on plain JSON values.

use super::{ArgKind, Call, check, functions};
use crate::expr::{EvalContext, ExprError, json, jsonpath};
use serde_json::Value;

pub(super) fn eval_call(
    call: &Call,
    ctx: &EvalContext<'_>,
    field: Option<&str>,
) -> Result<Value, ExprError> {
    let Some(sig) = check::signature(&call.name) else {
        return Err(ExprError::intrinsic(format!(
            "The intrinsic function '{}' is not supported",
            call.name
        )));
    };
    let n = call.args.len();
    if n < sig.min || sig.max.is_some_and(|max| n > max) {
        return Err(functions::invalid(
            &call.name,
            format!(
                "expected {} argument(s) but got {n}",
                arity_text(sig.min, sig.max)
            ),
        ));
    }
    let mut values = Vec::with_capacity(n);
    for arg in &call.args {
        values.push(match &arg.kind {
            ArgKind::String(s) => Value::String(s.clone()),
            ArgKind::Number(num) => Value::Number(num.clone()),
            ArgKind::Bool(b) => Value::Bool(*b),
            ArgKind::Null => Value::Null,
            ArgKind::Path(path) => eval_path(path, ctx, field)?,
            ArgKind::Call(inner) => eval_call(inner, ctx, field)?,
        });
    }
    // States.Format needs to know which braces of a literal template were escaped.
    let raw_template = match (call.name.as_str(), call.args.first()) {
        ("States.Format", Some(first)) if matches!(first.kind, ArgKind::String(_)) => {
            Some(first.text.as_str())
        }
        _ => None,
    };
    functions::apply(&call.name, values, raw_template, ctx)
}

fn arity_text(min: usize, max: Option<usize>) -> String {
    match max {
        Some(max) if max == min => min.to_string(),
        Some(max) => format!("{min} to {max}"),
        None => format!("at least {min}"),
    }
}

fn eval_path(
    path: &jsonpath::Path,
    ctx: &EvalContext<'_>,
    field: Option<&str>,
) -> Result<Value, ExprError> {
    path.evaluate_in(ctx).map_err(|e| {
        let input = ctx.root_value(path.root()).unwrap_or(ctx.input);
        match field {
            Some(field) => ExprError::runtime(e.cause_for_field(field, input)),
            None => ExprError::runtime(match e {
                jsonpath::EvalError::NotFound { path } => format!(
                    "The JSONPath '{path}' could not be found in the input '{}'",
                    json::to_compact_string(input)
                ),
                other => other.to_string(),
            }),
        }
    })
}
