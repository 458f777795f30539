//! Evaluation of a parsed rule over JSON values (semantics in the parent module).

use serde_json::{Map, Value};

use super::parse::{BinOp, Expr};

/// Values of the variables a rule may use.
pub(crate) type Scope<'a> = Map<String, Value>;

/// Evaluate to a JSON value. Missing fields are `null`; type mismatches are `null` (in
/// arithmetic) or `false` (in comparisons), never errors: a rule is a predicate over data
/// that may lack any field.
pub(crate) fn eval(e: &Expr, scope: &Scope<'_>) -> Value {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::List(xs) => Value::Array(xs.iter().map(|x| eval(x, scope)).collect()),
        Expr::Var(v) => scope.get(v).cloned().unwrap_or(Value::Null),
        Expr::Field(base, f) => match eval(base, scope) {
            Value::Object(mut o) => o.remove(f).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Expr::Index(base, idx) => match (eval(base, scope), eval(idx, scope)) {
            (Value::Array(a), Value::Number(n)) => {
                let i = n.as_f64().unwrap_or(-1.0);
                if i >= 0.0 && i.fract() == 0.0 {
                    a.into_iter().nth(i as usize).unwrap_or(Value::Null)
                } else {
                    Value::Null
                }
            }
            (Value::Object(mut o), Value::String(k)) => o.remove(&k).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Expr::Not(x) => Value::Bool(!truthy(&eval(x, scope))),
        Expr::Neg(x) => num(&eval(x, scope)).map_or(Value::Null, |n| number(-n)),
        Expr::And(a, b) => Value::Bool(truthy(&eval(a, scope)) && truthy(&eval(b, scope))),
        Expr::Or(a, b) => Value::Bool(truthy(&eval(a, scope)) || truthy(&eval(b, scope))),
        Expr::Bin(op, a, b) => binary(*op, &eval(a, scope), &eval(b, scope)),
        Expr::Call(f, args) => {
            let vals: Vec<Value> = args.iter().map(|a| eval(a, scope)).collect();
            call(f, &vals)
        }
    }
}

/// `false`, `null`, `0`, `""`, `[]` and `{}` are false; everything else is true.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::Number(serde_json::Number::from(f as i64))
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// Deep equality with numbers compared by value (`3 == 3.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    use std::cmp::Ordering::*;
    let arith = |f: fn(f64, f64) -> Option<f64>| match (num(a), num(b)) {
        (Some(x), Some(y)) => f(x, y).map_or(Value::Null, number),
        _ => Value::Null,
    };
    match op {
        BinOp::Eq => Value::Bool(equal(a, b)),
        BinOp::Ne => Value::Bool(!equal(a, b)),
        BinOp::Lt => Value::Bool(order(a, b) == Some(Less)),
        BinOp::Le => Value::Bool(matches!(order(a, b), Some(Less | Equal))),
        BinOp::Gt => Value::Bool(order(a, b) == Some(Greater)),
        BinOp::Ge => Value::Bool(matches!(order(a, b), Some(Greater | Equal))),
        BinOp::In => Value::Bool(match b {
            Value::Array(xs) => xs.iter().any(|x| equal(a, x)),
            Value::String(s) => a.as_str().is_some_and(|n| s.contains(n)),
            Value::Object(o) => a.as_str().is_some_and(|k| o.contains_key(k)),
            _ => false,
        }),
        BinOp::Matches => Value::Bool(match (a, b) {
            (Value::String(s), Value::String(pat)) => globset::Glob::new(pat)
                .map(|g| g.compile_matcher().is_match(s))
                .unwrap_or(false),
            _ => false,
        }),
        BinOp::Add => match (a, b) {
            (Value::String(x), Value::String(y)) => Value::String(format!("{x}{y}")),
            _ => arith(|x, y| Some(x + y)),
        },
        BinOp::Sub => arith(|x, y| Some(x - y)),
        BinOp::Mul => arith(|x, y| Some(x * y)),
        BinOp::Div => arith(|x, y| (y != 0.0).then(|| x / y)),
        BinOp::Rem => arith(|x, y| (y != 0.0).then(|| x % y)),
    }
}

fn call(f: &str, args: &[Value]) -> Value {
    let a = args.first().unwrap_or(&Value::Null);
    let b = args.get(1).unwrap_or(&Value::Null);
    match f {
        "len" => match a {
            Value::Array(x) => number(x.len() as f64),
            Value::Object(x) => number(x.len() as f64),
            Value::String(x) => number(x.chars().count() as f64),
            _ => number(0.0),
        },
        "exists" => Value::Bool(!a.is_null()),
        "lower" => a
            .as_str()
            .map_or(Value::Null, |s| Value::String(s.to_lowercase())),
        "upper" => a
            .as_str()
            .map_or(Value::Null, |s| Value::String(s.to_uppercase())),
        "starts_with" => Value::Bool(
            matches!((a, b), (Value::String(s), Value::String(p)) if s.starts_with(p.as_str())),
        ),
        "ends_with" => Value::Bool(
            matches!((a, b), (Value::String(s), Value::String(p)) if s.ends_with(p.as_str())),
        ),
        "contains" => binary(BinOp::In, b, a),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;
    use serde_json::json;

    fn run(rule: &str, function: Value) -> Value {
        let mut scope = Map::new();
        scope.insert("function".into(), function);
        eval(&parse(rule).unwrap(), &scope)
    }

    #[test]
    fn evaluates_comparisons_and_missing_fields() {
        assert_eq!(
            run("function.retry_count >= 3", json!({"retry_count": 3})),
            json!(true)
        );
        assert_eq!(
            run("function.retry_count >= 3", json!({"retry_count": 0})),
            json!(false)
        );
        assert_eq!(
            run("function.timeout_seconds <= 300", json!({})),
            json!(false)
        );
        assert_eq!(
            run("not exists(function.timeout_seconds)", json!({})),
            json!(true)
        );
        assert_eq!(
            run(
                "function.retry[0].max_attempts * 2 == 6",
                json!({"retry": [{"max_attempts": 3}]})
            ),
            json!(true)
        );
        assert_eq!(
            run(
                "'States.ALL' in function.retry[0].errors",
                json!({"retry": [{"errors": ["States.ALL"]}]})
            ),
            json!(true)
        );
        assert_eq!(
            run(
                "function.action matches 'pay*'",
                json!({"action": "payment-fn"})
            ),
            json!(true)
        );
        assert_eq!(
            run(
                "len(function.catch) > 0 or function.name == \"X\"",
                json!({"name": "X"})
            ),
            json!(true)
        );
        assert_eq!(run("1 / 0", json!({})), Value::Null);
        assert_eq!(
            run(
                "contains(lower(function.name), 'pay')",
                json!({"name": "PayNow"})
            ),
            json!(true)
        );
    }
}
