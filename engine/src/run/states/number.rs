//! Numeric fields of Map and its reader given literally, by path (`...Path`) or as JSONata,
//! checked against their range with AWS's wording (the catalogue's `number_path_*`).

use serde_json::Value;

use super::Cx;
use crate::compile::plan::Dyn;
use crate::error::Failure;
use crate::expr::Scope;

/// A numeric field given literally, by path (`...Path`) or as JSONata, checked against its
/// range; a path selecting nothing or a value out of range fails with AWS's wording.
#[expect(
    clippy::too_many_arguments,
    reason = "the field's value source, range and wording, all needed for one check"
)]
pub(crate) fn number<T: Copy>(
    cx: &Cx<'_>,
    field: &str,
    d: Option<&Dyn<T>>,
    scope: &Scope<'_>,
    raw: &Value,
    valid: impl Fn(&Value) -> Option<T>,
    expected: &str,
    jsonata_type: &str,
) -> Result<Option<T>, Failure> {
    let Some(d) = d else { return Ok(None) };
    match d {
        Dyn::Lit(n) => Ok(Some(*n)),
        Dyn::Path(p) => {
            let v = scope.eval(p).ok_or_else(|| {
                crate::catalogue::number_path_missing(&format!("{field}Path"), &p.text)
            })?;
            valid(&v).map(Some).ok_or_else(|| {
                crate::catalogue::number_path_invalid(
                    &format!("{field}Path"),
                    &p.text,
                    &v,
                    expected,
                )
            })
        }
        Dyn::Expr(t) => {
            let v = t.eval(&cx.jenv(scope.vars, raw, scope.context, None, None))?;
            valid(&v).map(Some).ok_or_else(|| {
                crate::catalogue::jsonata_unexpected_type(
                    t.as_expr().map(|e| e.text()).unwrap_or_default(),
                    field,
                    jsonata_type,
                    &v,
                )
            })
        }
    }
}
