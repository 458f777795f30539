//! JSONata, the second query language of Step Functions (`"QueryLanguage": "JSONata"`),
//! evaluated with `jsonata-core`, plus the functions Step Functions adds: `$partition`,
//! `$range`, `$hash`, `$random` (with an optional seed), `$uuid`, `$parse` (AWS "Transforming
//! data with JSONata in Step Functions"). Compiled only with the cargo feature `jsonata`.

use super::{Entropy, ExprError, ParseError, SystemEntropy, json};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError};
use jsonata_core::parser;
use jsonata_core::value::JValue;
use serde_json::Value;

mod refs;
pub use refs::{STEP_FUNCTIONS_BINDINGS, references, variable_references};

/// The expression inside a JSONata template string `{% ... %}` (untrimmed), or `None` when
/// `s` is not one. Step Functions requires the braces at the very start and end of the string.
pub fn is_jsonata_template(s: &str) -> Option<&str> {
    s.strip_prefix("{%")
        .and_then(|rest| rest.strip_suffix("%}"))
}

/// Checks that `expr` (the text between `{%` and `%}`) is syntactically valid JSONata.
///
/// `jsonata-core` reports no positions, so the offset is that of the first non-blank
/// character; the message carries JSONata's code (e.g. `S0203: Expected ")" before end of
/// expression`).
pub fn check_syntax(expr: &str) -> Result<(), ParseError> {
    if expr.trim().is_empty() {
        return Err(ParseError::new("the JSONata expression is empty", 0));
    }
    parser::parse(expr).map(|_| ()).map_err(|e| {
        let offset = expr.len() - expr.trim_start().len();
        ParseError::new(e.to_string(), offset)
    })
}

/// What went wrong in a JSONata evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonataErrorKind {
    /// The expression failed to parse or threw while evaluating.
    Evaluation,
    /// The expression evaluated to something that is not JSON (a function, a regex).
    UnsupportedResult,
}

/// Why a JSONata evaluation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct JsonataError {
    /// The JSONata error code and message as Step Functions shows them, e.g.
    /// `T1006: Attempted to invoke a non-function`.
    pub detail: String,
    /// Which kind of failure this is (decides AWS's wording).
    pub kind: JsonataErrorKind,
}

impl JsonataError {
    fn evaluation(detail: impl Into<String>) -> Self {
        JsonataError {
            detail: detail.into(),
            kind: JsonataErrorKind::Evaluation,
        }
    }

    /// The `States.QueryEvaluationError` Step Functions raises when `expr` in field `field`
    /// (e.g. `Output/result`) fails: `The JSONata expression '...' specified for the field
    /// '...' threw an error during evaluation. T1006: ...`.
    pub fn to_expr_error(&self, expr: &str, field: &str) -> ExprError {
        match self.kind {
            JsonataErrorKind::Evaluation => ExprError::query(format!(
                "The JSONata expression '{expr}' specified for the field '{field}' threw an error during evaluation. {}",
                self.detail
            )),
            JsonataErrorKind::UnsupportedResult => ExprError::query(format!(
                "The JSONata expression '{expr}' specified for the field '{field}' returned an unsupported result type."
            )),
        }
    }
}

/// The `States.QueryEvaluationError` for an expression that evaluated to *undefined* where a
/// value is required: `The JSONata expression '...' specified for the field '...' returned
/// nothing (undefined).`
pub fn undefined_error(expr: &str, field: &str) -> ExprError {
    ExprError::query(format!(
        "The JSONata expression '{expr}' specified for the field '{field}' returned nothing (undefined)."
    ))
}

/// Evaluates `expr` against `input` (JSONata's `$`) with the given variable bindings (names
/// without `$`, e.g. `("states", {...})` for `$states`). Returns `Ok(None)` when the result is
/// JSONata's *undefined* (Step Functions turns that into an error for most fields).
pub fn evaluate(
    expr: &str,
    input: &Value,
    bindings: &[(&str, Value)],
) -> Result<Option<Value>, JsonataError> {
    evaluate_with_entropy(expr, input, bindings, std::sync::Arc::new(SystemEntropy))
}

/// [`evaluate`] with `$uuid()` and unseeded `$random()` drawing from `entropy` (a run that must
/// be reproducible passes a seeded source).
pub fn evaluate_with_entropy(
    expr: &str,
    input: &Value,
    bindings: &[(&str, Value)],
    entropy: std::sync::Arc<dyn Entropy + Send + Sync>,
) -> Result<Option<Value>, JsonataError> {
    let ast = parser::parse(expr).map_err(|e| JsonataError::evaluation(e.to_string()))?;
    let mut context = Context::new();
    for (name, value) in bindings {
        context.bind((*name).to_owned(), JValue::from(value.clone()));
    }
    let mut evaluator = Evaluator::with_context(context);
    register_step_functions_functions(&mut evaluator, entropy)?;
    let result = evaluator
        .evaluate(&ast, &JValue::from(input.clone()))
        .map_err(|e| JsonataError::evaluation(aws_message(e.message())))?;
    from_jvalue(&result)
}

/// jsonata-core appends the offending token to some messages that jsonata-js (and so Step
/// Functions, corpus `test_math_random_seeded`) prints bare: `T1006: Attempted to invoke a
/// non-function`, not `...: $randomSeeded`.
fn aws_message(message: &str) -> String {
    const BARE: &[&str] = &["T1006: Attempted to invoke a non-function"];
    for bare in BARE {
        if message
            .strip_prefix(bare)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(": "))
        {
            return (*bare).to_owned();
        }
    }
    message.to_owned()
}

/// JSONata's value as JSON. Whole numbers become integers (`1`, not `1.0`), as Step Functions
/// prints them.
fn from_jvalue(v: &JValue) -> Result<Option<Value>, JsonataError> {
    let unsupported = || JsonataError {
        detail: "the result is not a JSON value".into(),
        kind: JsonataErrorKind::UnsupportedResult,
    };
    Ok(Some(match v {
        JValue::Undefined => return Ok(None),
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n)
            .ok_or_else(|| JsonataError::evaluation(format!("D1001: Number out of range: {n}")))?,
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                // Undefined members vanish from arrays, as in jsonata-js.
                if let Some(v) = from_jvalue(item)? {
                    out.push(v);
                }
            }
            Value::Array(out)
        }
        JValue::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, item) in map.iter() {
                if let Some(v) = from_jvalue(item)? {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        _ => return Err(unsupported()),
    }))
}

fn number(n: f64) -> Option<Value> {
    if !n.is_finite() {
        return None;
    }
    // 2^53: beyond it an f64 is not an exact integer anyway.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        return Some(Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Value::Number)
}

fn host_error(function: &str, detail: impl std::fmt::Display) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("${function}: {detail}"))
}

fn json_arg(function: &str, args: &[JValue], i: usize) -> Result<Value, EvaluatorError> {
    let v = args
        .get(i)
        .ok_or_else(|| host_error(function, format!("missing argument {}", i + 1)))?;
    from_jvalue(v)
        .map_err(|e| host_error(function, e.detail))?
        .ok_or_else(|| host_error(function, format!("argument {} is undefined", i + 1)))
}

fn int_arg(function: &str, args: &[JValue], i: usize) -> Result<i64, EvaluatorError> {
    match json_arg(function, args, i)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| host_error(function, format!("argument {} must be an integer", i + 1))),
        other => Err(host_error(
            function,
            format!(
                "argument {} must be an integer, but was {}",
                i + 1,
                json::type_name(&other)
            ),
        )),
    }
}

fn to_jvalue(v: Value) -> JValue {
    JValue::from(v)
}

/// Registers the functions Step Functions adds to JSONata.
fn register_step_functions_functions(
    ev: &mut Evaluator,
    entropy: std::sync::Arc<dyn Entropy + Send + Sync>,
) -> Result<(), JsonataError> {
    let reg = |e: EvaluatorError| JsonataError::evaluation(e.message());
    ev.register_fn("partition", |args: &[JValue]| {
        let items = match json_arg("partition", args, 0)? {
            Value::Array(items) => items,
            other => {
                return Err(host_error(
                    "partition",
                    format!(
                        "the first argument must be an array, but was {}",
                        json::type_name(&other)
                    ),
                ));
            }
        };
        let size = usize::try_from(int_arg("partition", args, 1)?)
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| host_error("partition", "the chunk size must be a positive integer"))?;
        Ok(to_jvalue(Value::Array(
            items
                .chunks(size)
                .map(|c| Value::Array(c.to_vec()))
                .collect(),
        )))
    })
    .map_err(reg)?;
    ev.register_fn("range", |args: &[JValue]| {
        let start = int_arg("range", args, 0)?;
        let end = int_arg("range", args, 1)?;
        let step = int_arg("range", args, 2)?;
        if step == 0 {
            return Err(host_error("range", "the step must not be 0"));
        }
        let count = super::intrinsic::range_len(start, end, step);
        if count > 1000 {
            return Err(host_error(
                "range",
                "the range would have more than 1000 items",
            ));
        }
        let mut out = Vec::new();
        let mut v = start;
        for _ in 0..count {
            out.push(Value::from(v));
            v = v.saturating_add(step);
        }
        Ok(to_jvalue(Value::Array(out)))
    })
    .map_err(reg)?;
    ev.register_fn("hash", |args: &[JValue]| {
        let data = match json_arg("hash", args, 0)? {
            Value::String(s) => s,
            other => json::to_compact_string(&other),
        };
        let algorithm = match json_arg("hash", args, 1)? {
            Value::String(s) => s,
            _ => return Err(host_error("hash", "the algorithm must be a string")),
        };
        super::intrinsic::hash_hex(&data, &algorithm)
            .map(JValue::from)
            .ok_or_else(|| host_error("hash", format!("unsupported hash algorithm '{algorithm}'")))
    })
    .map_err(reg)?;
    let random_entropy = entropy.clone();
    ev.register_fn_override("random", move |args: &[JValue]| {
        // AWS: `$random([seed])`, a number in [0, 1); the same seed gives the same number.
        let bits = match args.first() {
            None | Some(JValue::Undefined) => random_entropy.next_u64() >> 11,
            Some(_) => {
                let seed = int_arg("random", args, 0)?;
                super::intrinsic::java_next_double_bits(seed)
            }
        };
        Ok(JValue::from(bits as f64 / (1u64 << 53) as f64))
    })
    .map_err(reg)?;
    ev.register_fn("uuid", move |_args: &[JValue]| {
        let mut bytes = [0u8; 16];
        let (hi, lo) = bytes.split_at_mut(8);
        hi.copy_from_slice(&entropy.next_u64().to_le_bytes());
        lo.copy_from_slice(&entropy.next_u64().to_le_bytes());
        Ok(JValue::from(
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .hyphenated()
                .to_string(),
        ))
    })
    .map_err(reg)?;
    ev.register_fn("parse", |args: &[JValue]| {
        let text = match json_arg("parse", args, 0)? {
            Value::String(s) => s,
            other => {
                return Err(host_error(
                    "parse",
                    format!(
                        "the argument must be a string, but was {}",
                        json::type_name(&other)
                    ),
                ));
            }
        };
        serde_json::from_str::<Value>(&text)
            .map(to_jvalue)
            .map_err(|e| host_error("parse", format!("the string is not valid JSON ({e})")))
    })
    .map_err(reg)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(expr: &str, input: Value) -> Option<Value> {
        evaluate(expr, &input, &[("states", json!({"input": input.clone()}))]).unwrap()
    }

    #[test]
    fn recognises_templates_and_checks_syntax() {
        assert_eq!(is_jsonata_template("{% $x %}"), Some(" $x "));
        assert_eq!(is_jsonata_template(" {% $x %}"), None);
        assert!(check_syntax("$states.input.a + 1").is_ok());
        let err = check_syntax("  (1 + ").unwrap_err();
        assert_eq!(err.offset, 2);
        assert!(err.message.contains("S0"), "{}", err.message);
    }

    #[test]
    fn evaluates_with_bindings_and_integer_output() {
        assert_eq!(eval("$states.input.a * 2", json!({"a": 2})), Some(json!(4)));
        assert_eq!(eval("a / 4", json!({"a": 2})), Some(json!(0.5)));
        assert_eq!(eval("$doesNotExist", json!({})), None);
        assert_eq!(
            eval("{'x': [1, 2][$ > 1]}", json!({})),
            Some(json!({"x": 2}))
        );
    }

    #[test]
    fn has_the_step_functions_functions() {
        assert_eq!(
            eval("$partition([1,2,3], 2)", json!({})),
            Some(json!([[1, 2], [3]]))
        );
        assert_eq!(eval("$range(1, 9, 4)", json!({})), Some(json!([1, 5, 9])));
        assert_eq!(
            eval("$hash('abc', 'MD5')", json!({})),
            Some(json!("900150983cd24fb0d6963f7d28e17f72"))
        );
        assert_eq!(
            eval("$parse('{\"a\": [1]}')", json!({})),
            Some(json!({"a": [1]}))
        );
        let r = eval("$random()", json!({})).unwrap().as_f64().unwrap();
        assert!((0.0..1.0).contains(&r));
        assert_eq!(eval("$random(7)", json!({})), eval("$random(7)", json!({})));
        let id = eval("$uuid()", json!({})).unwrap();
        assert_eq!(id.as_str().unwrap().len(), 36);
    }

    #[test]
    fn maps_errors_to_query_evaluation_error() {
        let err = evaluate("$randomSeeded(1)", &json!({}), &[]).unwrap_err();
        assert_eq!(err.detail, "T1006: Attempted to invoke a non-function");
        let e = err.to_expr_error("$randomSeeded(1)", "Output/x");
        assert_eq!(e.name, super::super::ErrorName::QueryEvaluationError);
        assert!(e.cause.ends_with(
            "threw an error during evaluation. T1006: Attempted to invoke a non-function"
        ));
        let err = evaluate("function($x){$x}", &json!({}), &[]).unwrap_err();
        assert_eq!(err.kind, JsonataErrorKind::UnsupportedResult);
    }
}
