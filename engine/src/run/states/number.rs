//! Numeric fields given literally, by path (`...Path`) or as JSONata (Map's
//! `MaxConcurrency`, `ToleratedFailure*`, `ItemBatcher` and `ReaderConfig` limits, Task's
//! `TimeoutSeconds`/`HeartbeatSeconds`), checked as AWS checks them: first the type (an
//! integer, or any number for a percentage), then the range, each failure with the
//! catalogue's wording.

use serde_json::Value;

use super::Cx;
use crate::compile::plan::Dyn;
use crate::error::Failure;
use crate::expr::Scope;

/// What a numeric field accepts.
pub(crate) struct NumField<'f, T> {
    /// The field's name without `Path` (`MaxConcurrency`).
    pub(crate) field: &'f str,
    /// Whether any number is of the right type (a percentage); else only integers are.
    pub(crate) float: bool,
    /// The value, when it is in range.
    pub(crate) valid: &'f dyn Fn(&Value) -> Option<T>,
    /// The failure for a value of the right type out of range.
    pub(crate) out_of_range: &'f dyn Fn(&Value) -> Failure,
}

/// The value of a numeric field, `None` when the field is absent.
pub(crate) fn number<T: Copy>(
    cx: &Cx<'_>,
    spec: &NumField<'_, T>,
    d: Option<&Dyn<T>>,
    scope: &Scope<'_>,
    raw: &Value,
) -> Result<Option<T>, Failure> {
    let Some(d) = d else { return Ok(None) };
    let of_type = |v: &Value| {
        if spec.float {
            v.is_number()
        } else {
            v.is_i64() || v.is_u64()
        }
    };
    match d {
        Dyn::Lit(n) => Ok(Some(*n)),
        Dyn::Path(p) => {
            let v = scope
                .eval(p)
                .ok_or_else(|| crate::catalogue::path_no_results(&p.text))?;
            if !of_type(&v) {
                return Err(crate::catalogue::number_path_not_a_number(
                    &format!("{}Path", spec.field),
                    &p.text,
                    &v,
                    spec.float,
                ));
            }
            (spec.valid)(&v)
                .map(Some)
                .ok_or_else(|| (spec.out_of_range)(&v))
        }
        Dyn::Expr(t) => {
            let v = t.eval(&cx.jenv(scope.vars, raw, scope.context, None, None))?;
            if !of_type(&v) {
                return Err(crate::catalogue::jsonata_unexpected_type(
                    t.as_expr().map(|e| e.text()).unwrap_or_default(),
                    spec.field,
                    if spec.float { "number" } else { "integer" },
                    &v,
                ));
            }
            (spec.valid)(&v)
                .map(Some)
                .ok_or_else(|| (spec.out_of_range)(&v))
        }
    }
}
