//! Wait: delays for `Seconds`/`SecondsPath` or until `Timestamp`/`TimestampPath` on the run's
//! clock (instant on the virtual clock). Messages follow AWS's wording for bad values.

use serde_json::Value;

use super::{Cx, Done};
use crate::catalogue as cat;
use crate::compile::plan::{Dyn, Ql, WaitSpec};
use crate::error::Failure;
use crate::expr::Scope;
use crate::vars::Vars;

/// Longest delay AWS accepts: the delay in seconds must fit a signed 32-bit integer.
const MAX_DELAY_SECONDS: i64 = i32::MAX as i64;

pub(crate) async fn run(
    cx: &Cx<'_>,
    spec: &WaitSpec,
    raw: &Value,
    vars: &Vars,
) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(None, None, None);
    let eff = match st.ql {
        Ql::JsonPath => {
            let eff = super::input_path(&st.io.input_path, raw, &ctx, vars)?;
            cx.inspect("afterInputPath", || eff.clone());
            eff
        }
        Ql::Jsonata => raw.clone(),
    };
    let scope = Scope {
        input: &eff,
        context: &ctx,
        vars,
    };
    // From the moment the state was entered: the same instant on the virtual clock, and
    // what a resumed run must count from on the real one.
    let now = cx.entered_ms;
    let deadline = match spec {
        WaitSpec::Seconds(d) => {
            let secs = match d {
                Dyn::Lit(s) => *s,
                Dyn::Path(p) => {
                    let v = scope
                        .eval(p)
                        .ok_or_else(|| cat::seconds_path_missing(&p.text))?;
                    match v.as_i64() {
                        Some(n) if n < 0 => return Err(cat::seconds_path_negative(&p.text, &v)),
                        Some(n) => n,
                        None => return Err(cat::seconds_path_not_long(&p.text, &v)),
                    }
                }
                Dyn::Expr(t) => {
                    let env = cx.jenv(vars, raw, &ctx, None, None);
                    let v = t.eval(&env)?;
                    v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                        cat::jsonata_seconds_invalid(
                            t.as_expr().map(|e| e.text()).unwrap_or_default(),
                            &v,
                        )
                    })?
                }
            };
            if secs > MAX_DELAY_SECONDS {
                return Err(cat::wait_too_long());
            }
            now.saturating_add(secs.saturating_mul(1000))
        }
        WaitSpec::Timestamp(d) => {
            // Each source has its own failure: a path AWS's States.Runtime wording, a JSONata
            // expression a States.QueryEvaluationError (as every bad JSONata result is).
            let parsed = match d {
                Dyn::Lit(s) => crate::clock::parse_iso8601_offset_nanos(s)
                    .ok_or_else(|| cat::timestamp_invalid(s))?,
                Dyn::Path(p) => {
                    let v = scope
                        .eval(p)
                        .ok_or_else(|| cat::timestamp_path_missing(&p.text))?;
                    v.as_str()
                        .and_then(crate::clock::parse_iso8601_offset_nanos)
                        .ok_or_else(|| {
                            let shown = match &v {
                                Value::String(s) => s.clone(),
                                other => crate::io::to_compact(other),
                            };
                            cat::timestamp_path_invalid(&p.text, &shown)
                        })?
                }
                Dyn::Expr(t) => {
                    let env = cx.jenv(vars, raw, &ctx, None, None);
                    let expr = t.as_expr().map(|e| e.text()).unwrap_or_default();
                    match t.eval(&env)? {
                        Value::String(s) => crate::clock::parse_iso8601_offset_nanos(&s)
                            .ok_or_else(|| cat::jsonata_timestamp_invalid(expr, &s))?,
                        other => {
                            return Err(cat::jsonata_unexpected_type(
                                expr,
                                "Timestamp",
                                "string",
                                &other,
                            ));
                        }
                    }
                }
            };
            let ms = i64::try_from(parsed / 1_000_000).unwrap_or(i64::MAX);
            if ms.saturating_sub(now) / 1000 > MAX_DELAY_SECONDS {
                return Err(cat::wait_too_long());
            }
            ms
        }
    };
    cx.exec.sleep_until(deadline).await;
    match st.ql {
        Ql::JsonPath => {
            let assigned = super::assign(st.io.assign.as_ref(), &eff, &ctx, vars)?;
            Ok(Done {
                output: super::output_path(&st.io.output_path, eff, &ctx, vars)?,
                next: None,
                assigned,
            })
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, raw, &ctx, None, None);
            let assigned = super::assign_jsonata(st.io.assign.as_ref(), &env)?;
            let out = match &st.io.output {
                Some(t) => t.eval(&env)?,
                None => raw.clone(),
            };
            Ok(Done {
                output: out,
                next: None,
                assigned,
            })
        }
    }
}
