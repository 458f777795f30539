//! Choice state: compiled rules (And/Or/Not, the String/Numeric/Boolean/Timestamp operators
//! and their `...Path` forms, the `Is*` tests, JSONata `Condition`) and their evaluation.
//! A comparison whose operand has the wrong type is simply false (ASL, Choice Rules).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::clock::parse_rfc3339_nanos;
use crate::compile::fields::{assign, jtemplate, target};
use crate::compile::plan::{ChoiceRule, Cmp, Cond, IsTest, Ql, Rhs, StateId, Ty};
use crate::compile::template::JTemplate;
use crate::error::{CompileError, Failure};
use crate::expr::{JsonataEnv, PathRef, Scope};

const OPS: &[(&str, Ty, Cmp)] = &[
    ("StringEquals", Ty::Str, Cmp::Eq),
    ("StringLessThan", Ty::Str, Cmp::Lt),
    ("StringGreaterThan", Ty::Str, Cmp::Gt),
    ("StringLessThanEquals", Ty::Str, Cmp::Le),
    ("StringGreaterThanEquals", Ty::Str, Cmp::Ge),
    ("NumericEquals", Ty::Num, Cmp::Eq),
    ("NumericLessThan", Ty::Num, Cmp::Lt),
    ("NumericGreaterThan", Ty::Num, Cmp::Gt),
    ("NumericLessThanEquals", Ty::Num, Cmp::Le),
    ("NumericGreaterThanEquals", Ty::Num, Cmp::Ge),
    ("BooleanEquals", Ty::Bool, Cmp::Eq),
    ("TimestampEquals", Ty::Ts, Cmp::Eq),
    ("TimestampLessThan", Ty::Ts, Cmp::Lt),
    ("TimestampGreaterThan", Ty::Ts, Cmp::Gt),
    ("TimestampLessThanEquals", Ty::Ts, Cmp::Le),
    ("TimestampGreaterThanEquals", Ty::Ts, Cmp::Ge),
];

const IS: &[(&str, IsTest)] = &[
    ("IsNull", IsTest::Null),
    ("IsPresent", IsTest::Present),
    ("IsNumeric", IsTest::Numeric),
    ("IsString", IsTest::Str),
    ("IsBoolean", IsTest::Boolean),
    ("IsTimestamp", IsTest::Timestamp),
];

/// Compiles `Choices` and `Default`.
pub(crate) fn compile(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
    names: &HashMap<String, StateId>,
) -> Result<(Vec<ChoiceRule>, Option<StateId>), CompileError> {
    let list = o
        .get("Choices")
        .and_then(Value::as_array)
        .ok_or_else(|| CompileError::at(format!("{ptr}/Choices"), "missing array 'Choices'"))?;
    let mut rules = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let rp = format!("{ptr}/Choices/{i}");
        let ro = r
            .as_object()
            .ok_or_else(|| CompileError::at(&rp, "a choice rule must be an object"))?;
        let cond = if ql == Ql::Jsonata {
            let c = ro
                .get("Condition")
                .ok_or_else(|| CompileError::at(&rp, "a JSONata choice rule needs Condition"))?;
            Cond::Jsonata(JTemplate::compile(
                c,
                &format!("{rp}/Condition"),
                "Condition",
            )?)
        } else {
            compile_cond(ro, &rp)?
        };
        rules.push(ChoiceRule {
            cond,
            next: target(names, ro.get("Next"), &format!("{rp}/Next"))?,
            assign: assign(ro, &rp, ql)?,
            output: jtemplate(ro, "Output", &rp)?,
        });
    }
    let default = match o.get("Default") {
        None => None,
        Some(d) => Some(target(names, Some(d), &format!("{ptr}/Default"))?),
    };
    Ok((rules, default))
}

fn path_of(o: &Map<String, Value>, key: &str, ptr: &str) -> Result<PathRef, CompileError> {
    let s = o
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| CompileError::at(format!("{ptr}/{key}"), format!("missing {key}")))?;
    PathRef::parse(s).map_err(|e| CompileError::at(format!("{ptr}/{key}"), e))
}

fn compile_cond(o: &Map<String, Value>, ptr: &str) -> Result<Cond, CompileError> {
    for (key, is_and) in [("And", true), ("Or", false)] {
        if let Some(v) = o.get(key) {
            let list = v
                .as_array()
                .ok_or_else(|| CompileError::at(format!("{ptr}/{key}"), "expected an array"))?;
            let mut out = Vec::with_capacity(list.len());
            for (i, c) in list.iter().enumerate() {
                let cp = format!("{ptr}/{key}/{i}");
                let co = c
                    .as_object()
                    .ok_or_else(|| CompileError::at(&cp, "expected an object"))?;
                out.push(compile_cond(co, &cp)?);
            }
            return Ok(if is_and {
                Cond::And(out)
            } else {
                Cond::Or(out)
            });
        }
    }
    if let Some(v) = o.get("Not") {
        let co = v
            .as_object()
            .ok_or_else(|| CompileError::at(format!("{ptr}/Not"), "expected an object"))?;
        return Ok(Cond::Not(Box::new(compile_cond(
            co,
            &format!("{ptr}/Not"),
        )?)));
    }
    let var = path_of(o, "Variable", ptr)?;
    for (name, ty, cmp) in OPS {
        if let Some(v) = o.get(*name) {
            return Ok(Cond::Compare {
                var,
                ty: *ty,
                cmp: *cmp,
                rhs: Rhs::Lit(v.clone()),
            });
        }
        let pkey = format!("{name}Path");
        if o.contains_key(&pkey) {
            return Ok(Cond::Compare {
                var,
                ty: *ty,
                cmp: *cmp,
                rhs: Rhs::Path(path_of(o, &pkey, ptr)?),
            });
        }
    }
    if let Some(v) = o.get("StringMatches") {
        return Ok(Cond::Matches {
            var,
            pattern: Rhs::Lit(v.clone()),
        });
    }
    if o.contains_key("StringMatchesPath") {
        return Ok(Cond::Matches {
            var,
            pattern: Rhs::Path(path_of(o, "StringMatchesPath", ptr)?),
        });
    }
    for (name, test) in IS {
        if let Some(v) = o.get(*name) {
            let expect = v.as_bool().ok_or_else(|| {
                CompileError::at(format!("{ptr}/{name}"), "expected true or false")
            })?;
            return Ok(Cond::Is {
                var,
                test: *test,
                expect,
            });
        }
    }
    Err(CompileError::at(
        ptr,
        "choice rule has no comparison operator",
    ))
}

fn invalid_path(p: &PathRef) -> Failure {
    crate::catalogue::choice_invalid_path(&p.text)
}

impl Cond {
    /// Evaluates a JSONPath-mode condition.
    pub(crate) fn eval(&self, scope: &Scope<'_>) -> Result<bool, Failure> {
        Ok(match self {
            Cond::And(cs) => {
                for c in cs {
                    if !c.eval(scope)? {
                        return Ok(false);
                    }
                }
                true
            }
            Cond::Or(cs) => {
                for c in cs {
                    if c.eval(scope)? {
                        return Ok(true);
                    }
                }
                false
            }
            Cond::Not(c) => !c.eval(scope)?,
            Cond::Is { var, test, expect } => {
                let v = scope.eval(var);
                let r = match (test, &v) {
                    (IsTest::Present, v) => v.is_some(),
                    (_, None) => false,
                    (IsTest::Null, Some(v)) => v.is_null(),
                    (IsTest::Numeric, Some(v)) => v.is_number(),
                    (IsTest::Str, Some(v)) => v.is_string(),
                    (IsTest::Boolean, Some(v)) => v.is_boolean(),
                    (IsTest::Timestamp, Some(v)) => {
                        v.as_str().and_then(parse_rfc3339_nanos).is_some()
                    }
                };
                r == *expect
            }
            Cond::Compare { var, ty, cmp, rhs } => {
                let left = scope.eval(var).ok_or_else(|| invalid_path(var))?;
                let right = match rhs {
                    Rhs::Lit(v) => v.clone(),
                    Rhs::Path(p) => scope.eval(p).ok_or_else(|| invalid_path(p))?,
                };
                compare(&left, &right, *ty, *cmp)
            }
            Cond::Matches { var, pattern } => {
                let left = scope.eval(var).ok_or_else(|| invalid_path(var))?;
                let pat = match pattern {
                    Rhs::Lit(v) => v.clone(),
                    Rhs::Path(p) => scope.eval(p).ok_or_else(|| invalid_path(p))?,
                };
                match (left.as_str(), pat.as_str()) {
                    (Some(s), Some(p)) => string_matches(s, p),
                    _ => false,
                }
            }
            Cond::Jsonata(t) => {
                // Evaluated by the caller with a JSONata environment.
                let _ = t;
                false
            }
        })
    }

    /// Evaluates a JSONata `Condition`; it must produce a Boolean.
    pub(crate) fn eval_jsonata(&self, env: &JsonataEnv<'_>) -> Result<bool, Failure> {
        match self {
            Cond::Jsonata(t) => match t.eval(env)? {
                Value::Bool(b) => Ok(b),
                other => Err(crate::catalogue::jsonata_unexpected_type(
                    t.as_expr().map(|e| e.text()).unwrap_or_default(),
                    "Condition",
                    "boolean",
                    &other,
                )),
            },
            _ => Ok(false),
        }
    }
}

fn compare(l: &Value, r: &Value, ty: Ty, cmp: Cmp) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match ty {
        Ty::Str => match (l, r) {
            (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
            _ => None,
        },
        Ty::Num => match (l, r) {
            (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => a
                    .as_f64()
                    .zip(b.as_f64())
                    .and_then(|(x, y)| x.partial_cmp(&y)),
            },
            _ => None,
        },
        Ty::Bool => match (l, r) {
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        },
        Ty::Ts => match (l.as_str(), r.as_str()) {
            (Some(a), Some(b)) => parse_rfc3339_nanos(a)
                .zip(parse_rfc3339_nanos(b))
                .map(|(x, y)| x.cmp(&y)),
            _ => None,
        },
    };
    match ord {
        None => false,
        Some(o) => match cmp {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        },
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub(crate) fn string_matches(s: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Star,
        Ch(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some(n) => toks.push(Tok::Ch(n)),
                None => toks.push(Tok::Ch('\\')),
            },
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Ch(c)),
        }
    }
    let text: Vec<char> = s.chars().collect();
    // Classic greedy wildcard matching with backtracking to the last star.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < text.len() {
        match toks.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, ti));
                pi = pi.saturating_add(1);
            }
            Some(Tok::Ch(c)) if text.get(ti) == Some(c) => {
                ti = ti.saturating_add(1);
                pi = pi.saturating_add(1);
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp.saturating_add(1);
                    ti = st.saturating_add(1);
                    star = Some((sp, ti));
                }
                None => return false,
            },
        }
    }
    while toks.get(pi) == Some(&Tok::Star) {
        pi = pi.saturating_add(1);
    }
    pi == toks.len()
}

#[cfg(test)]
mod tests {
    use super::string_matches;

    #[test]
    fn wildcard_matching_with_escapes() {
        assert!(string_matches("log-2024.txt", "log-*.txt"));
        assert!(string_matches("a*b", "a\\*b"));
        assert!(!string_matches("axb", "a\\*b"));
        assert!(string_matches("", "*"));
        assert!(!string_matches("abc", "ab"));
    }
}
