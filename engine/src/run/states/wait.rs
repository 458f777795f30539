//! Wait: delays for `Seconds`/`SecondsPath` or until `Timestamp`/`TimestampPath` on the run's
//! clock (instant on the virtual clock). Messages follow AWS's wording for bad values.

use serde_json::Value;

use super::{Cx, Done};
use crate::compile::plan::{Dyn, Ql, WaitSpec};
use crate::error::{Failure, names};
use crate::expr::Scope;
use crate::vars::Vars;

/// Longest delay AWS accepts: the delay in seconds must fit a signed 32-bit integer.
const MAX_DELAY_SECONDS: i64 = i32::MAX as i64;

fn rt(msg: String) -> Failure {
    Failure::eval(names::RUNTIME, msg)
}

pub(crate) async fn run(
    cx: &Cx<'_>,
    spec: &WaitSpec,
    raw: &Value,
    vars: &Vars,
) -> Result<Done, Failure> {
    let st = cx.state;
    let ctx = cx.context(None, None, None);
    let eff = match st.ql {
        Ql::JsonPath => super::input_path(&st.io.input_path, raw, &ctx, vars)?,
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
                    let v = scope.eval(p).ok_or_else(|| {
                        rt(format!(
                            "The SecondsPath parameter does not reference an input value: {}",
                            p.text
                        ))
                    })?;
                    match v.as_i64() {
                        Some(n) if n < 0 => {
                            return Err(rt(format!(
                                "The SecondsPath parameter references a negative value: {} == {}",
                                p.text,
                                crate::io::to_compact(&v)
                            )));
                        }
                        Some(n) => n,
                        None => {
                            return Err(rt(format!(
                                "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                                p.text,
                                crate::io::to_compact(&v)
                            )));
                        }
                    }
                }
                Dyn::Expr(t) => {
                    let env = cx.jenv(vars, raw, &ctx, None, None);
                    let v = t.eval(&env)?;
                    v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                        Failure::eval(
                            names::QUERY_EVAL,
                            format!(
                                "The JSONata expression specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                                crate::io::type_name(&v),
                                crate::io::to_compact(&v)
                            ),
                        )
                        .at_field("Seconds")
                    })?
                }
            };
            if secs > MAX_DELAY_SECONDS {
                return Err(rt(String::from("Wait state delay is too long.")));
            }
            now.saturating_add(secs.saturating_mul(1000))
        }
        WaitSpec::Timestamp(d) => {
            let (text, shown) = match d {
                Dyn::Lit(s) => (s.clone(), None),
                Dyn::Path(p) => {
                    let v = scope.eval(p).ok_or_else(|| {
                        rt(format!(
                            "The TimestampPath parameter does not reference an input value: {}",
                            p.text
                        ))
                    })?;
                    match v {
                        Value::String(s) => (s, Some(p.text.clone())),
                        other => {
                            return Err(rt(format!(
                                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                                p.text,
                                crate::io::to_compact(&other)
                            )));
                        }
                    }
                }
                Dyn::Expr(t) => {
                    let env = cx.jenv(vars, raw, &ctx, None, None);
                    match t.eval(&env)? {
                        Value::String(s) => (s, None),
                        other => {
                            return Err(Failure::eval(
                                names::QUERY_EVAL,
                                format!(
                                    "The JSONata expression specified for the field 'Timestamp' returned an unexpected result type. Expected 'string', but was '{}'",
                                    crate::io::type_name(&other)
                                ),
                            )
                            .at_field("Timestamp"));
                        }
                    }
                }
            };
            let Some(nanos) = crate::clock::parse_rfc3339_nanos(&text) else {
                return Err(rt(match shown {
                    Some(p) => format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {p} == {text}"
                    ),
                    None => {
                        format!("The Timestamp value is not a valid ISO-8601 date-time: {text}")
                    }
                }));
            };
            let ms = i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX);
            if ms.saturating_sub(now) / 1000 > MAX_DELAY_SECONDS {
                return Err(rt(String::from("Wait state delay is too long.")));
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
