//! Choice state: picks the `Next` of the first rule that holds, else `Default`, else fails
//! with `States.NoChoiceMatched`. Rule-level `Assign`/`Output` win over the state's own.

use serde_json::Value;

use super::{Cx, Done};
use crate::compile::plan::ChoiceRule;
use crate::compile::plan::{Ql, StateId};
use crate::error::Failure;
use crate::expr::Scope;
use crate::vars::Vars;

pub(crate) fn run(
    cx: &Cx<'_>,
    rules: &[ChoiceRule],
    default: Option<StateId>,
    raw: Value,
    vars: &Vars,
) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(None, None, None);
    let no_match = crate::catalogue::no_choice_matched;
    match st.ql {
        Ql::JsonPath => {
            let eff = super::input_path_owned(&st.io.input_path, raw, &ctx, vars)?;
            cx.inspect("afterInputPath", || eff.clone());
            let scope = Scope {
                input: &eff,
                context: &ctx,
                vars,
            };
            let mut picked: Option<&ChoiceRule> = None;
            for r in rules {
                if r.cond.eval(&scope)? {
                    picked = Some(r);
                    break;
                }
            }
            let next = match picked {
                Some(r) => r.next,
                None => default.ok_or_else(no_match)?,
            };
            let assign = picked
                .and_then(|r| r.assign.as_ref())
                .or(st.io.assign.as_ref());
            let assigned = super::assign(assign, &eff, &ctx, vars)?;
            let output = super::output_path(&st.io.output_path, eff, &ctx, vars)?;
            Ok(Done {
                output,
                next: Some(next),
                assigned,
            })
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, &raw, &ctx, None, None);
            let mut picked: Option<&ChoiceRule> = None;
            for r in rules {
                if r.cond.eval_jsonata(&env)? {
                    picked = Some(r);
                    break;
                }
            }
            let next = match picked {
                Some(r) => r.next,
                None => default.ok_or_else(no_match)?,
            };
            let assign = picked
                .and_then(|r| r.assign.as_ref())
                .or(st.io.assign.as_ref());
            let assigned = super::assign_jsonata(assign, &env)?;
            let output = match picked
                .and_then(|r| r.output.as_ref())
                .or(st.io.output.as_ref())
            {
                Some(t) => t.eval(&env)?,
                None => raw,
            };
            Ok(Done {
                output,
                next: Some(next),
                assigned,
            })
        }
    }
}
