//! Pass: passes its input on, optionally replaced by `Result`/`Parameters` (JSONPath) or
//! `Output` (JSONata).

use serde_json::Value;

use super::{Cx, Done};
use crate::error::Failure;
use crate::expr::Scope;
use crate::plan::Ql;
use crate::vars::Vars;

pub(crate) fn run(
    cx: &Cx<'_>,
    result: Option<&Value>,
    raw: &Value,
    vars: &Vars,
) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(None, None, None);
    match st.ql {
        Ql::JsonPath => {
            let eff = super::input_path(&st.io.input_path, raw, &ctx, vars)?;
            let eff = match &st.io.parameters {
                Some(t) => t.eval(&Scope {
                    input: &eff,
                    context: &ctx,
                    vars,
                })?,
                None => eff,
            };
            let res = match result {
                Some(r) => r.clone(),
                None => eff,
            };
            let assigned = super::assign(st.io.assign.as_ref(), &res, &ctx, vars)?;
            let out = super::result_path(&st.io.result_path, raw.clone(), res)?;
            let output = super::output_path(&st.io.output_path, out, &ctx, vars)?;
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, raw, &ctx, None, None);
            let assigned = super::assign_jsonata(st.io.assign.as_ref(), &env)?;
            let output = match &st.io.output {
                Some(t) => t.eval(&env)?,
                None => raw.clone(),
            };
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
    }
}
