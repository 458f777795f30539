//! Succeed: ends the (sub-)machine successfully with its input (after InputPath/OutputPath,
//! or JSONata `Output`).

use serde_json::Value;

use super::{Cx, Done};
use crate::compile::plan::Ql;
use crate::error::Failure;
use crate::vars::Vars;

pub(crate) fn run(cx: &Cx<'_>, raw: Value, vars: &Vars) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(None, None, None);
    let output = match st.ql {
        Ql::JsonPath => {
            let eff = super::input_path_owned(&st.io.input_path, raw, &ctx, vars)?;
            cx.inspect("afterInputPath", || eff.clone());
            super::output_path(&st.io.output_path, eff, &ctx, vars)?
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, &raw, &ctx, None, None);
            match &st.io.output {
                Some(t) => t.eval(&env)?,
                None => raw,
            }
        }
    };
    Ok(Done {
        output,
        next: None,
        assigned: None,
    })
}
