//! Fail: ends the (sub-)machine with an error and cause, given literally, by path
//! (`ErrorPath`/`CausePath`, which may be intrinsics) or as JSONata.

use serde_json::Value;

use super::Cx;
use crate::compile::plan::TextField;
use crate::error::Failure;
use crate::expr::Scope;
use crate::vars::Vars;

fn text(
    cx: &Cx<'_>,
    f: Option<&TextField>,
    field: &str,
    raw: &Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Option<String>, Failure> {
    let scope = Scope {
        input: raw,
        context: ctx,
        vars,
    };
    let v = match f {
        None => return Ok(None),
        Some(TextField::Lit(s)) => return Ok(Some(s.clone())),
        Some(TextField::Path(p)) => scope.eval(p).ok_or_else(|| {
            crate::catalogue::payload_path_not_found(&p.text, &format!("{field}Path"), raw)
        })?,
        Some(TextField::Intrinsic(i)) => i.eval(&scope)?,
        Some(TextField::Expr(t)) => t.eval(&cx.jenv(vars, raw, ctx, None, None))?,
    };
    match v {
        Value::String(s) => Ok(Some(s)),
        other => Err(crate::catalogue::fail_field_not_string(field, &other)),
    }
}

pub(crate) fn run(
    cx: &Cx<'_>,
    error: Option<&TextField>,
    cause: Option<&TextField>,
    raw: &Value,
    vars: &Vars,
) -> Failure {
    let ctx = cx.context(None, None, None);
    // A Fail state has no InputPath; TestState still reports its input as `afterInputPath`
    // (recorded from AWS) for a JSONPath Fail.
    if cx.state.ql == crate::compile::plan::Ql::JsonPath {
        cx.inspect("afterInputPath", || raw.clone());
    }
    let e = match text(cx, error, "Error", raw, &ctx, vars) {
        Ok(e) => e,
        Err(f) => return f,
    };
    let c = match text(cx, cause, "Cause", raw, &ctx, vars) {
        Ok(c) => c,
        Err(f) => return f,
    };
    Failure::plain(e, c)
}
