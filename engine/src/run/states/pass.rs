//! Pass: passes its input on, optionally replaced by `Result`/`Parameters` (JSONPath) or
//! `Output` (JSONata).

use serde_json::Value;

use super::{Cx, Done};
use crate::compile::plan::{PathSel, Ql, ResultSel};
use crate::error::Failure;
use crate::expr::Scope;
use crate::vars::Vars;

pub(crate) fn run(
    cx: &Cx<'_>,
    result: Option<&Value>,
    raw: Value,
    vars: &Vars,
) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(None, None, None);
    match st.ql {
        Ql::JsonPath => {
            // With a `Result` and no `Parameters`, the effective input is only evaluated for
            // its errors; with `ResultPath: $` the raw input is not needed afterwards.
            let replaces = matches!(st.io.result_path, ResultSel::Replace);
            let (res, raw) = match (result, &st.io.parameters) {
                (Some(r), None) => {
                    if !matches!(st.io.input_path, PathSel::Identity) {
                        super::input_path(&st.io.input_path, &raw, &ctx, vars)?;
                    }
                    cx.inspect("result", || r.clone());
                    (r.clone(), raw)
                }
                (_, params) => {
                    let inspecting = cx.exec.inspection.is_some();
                    let (eff, raw) = if replaces && result.is_none() && !inspecting {
                        (
                            super::input_path_owned(&st.io.input_path, raw, &ctx, vars)?,
                            Value::Null,
                        )
                    } else {
                        (super::input_path(&st.io.input_path, &raw, &ctx, vars)?, raw)
                    };
                    if result.is_none() {
                        cx.inspect("afterInputPath", || eff.clone());
                    }
                    let eff = match params {
                        Some(t) => t.eval(&Scope {
                            input: &eff,
                            context: &ctx,
                            vars,
                        })?,
                        None => eff,
                    };
                    // With a `Result`, TestState reports it and no input steps (AWS).
                    match result {
                        Some(r) => cx.inspect("result", || r.clone()),
                        None => cx.inspect("afterParameters", || eff.clone()),
                    }
                    (result.cloned().unwrap_or(eff), raw)
                }
            };
            super::inspect_result_steps(cx, &raw, &res);
            let assigned = super::assign(st.io.assign.as_ref(), &res, &ctx, vars)?;
            let out = super::result_path(&st.io.result_path, raw, res)?;
            let output = super::output_path(&st.io.output_path, out, &ctx, vars)?;
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, &raw, &ctx, None, None);
            let assigned = super::assign_jsonata(st.io.assign.as_ref(), &env)?;
            let output = match &st.io.output {
                Some(t) => t.eval(&env)?,
                None => raw,
            };
            Ok(Done {
                output,
                next: None,
                assigned,
            })
        }
    }
}
