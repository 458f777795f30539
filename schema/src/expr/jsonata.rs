//! JSONata, the second query language of Step Functions (`"QueryLanguage": "JSONata"`),
//! evaluated with `jsonata-core`, plus the functions Step Functions adds: `$partition`,
//! `$range`, `$hash`, `$random` (with an optional seed), `$uuid`, `$parse` (AWS "Transforming
//! data with JSONata in Step Functions"). Compiled only with the cargo feature `jsonata`.

use super::{Entropy, ExprError, ParseError, SystemEntropy, json};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::parser;
use jsonata_core::value::JValue;
use serde_json::Value;

mod refs;
pub use refs::{STEP_FUNCTIONS_BINDINGS, references, variable_references};

/// The global allocator a program installs for [`Budget::memory`] to hold: it counts, per
/// thread, the bytes allocated and not yet freed, around the allocator it wraps.
pub use jsonata_core::limits::CountingAllocator;

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

/// The budget of one JSONata evaluation. An expression that exceeds it fails with
/// `States.QueryEvaluationError` (its detail names the limit), as an expression that throws
/// does: a workflow can neither hang nor exhaust memory in one field (issue #12; documented in
/// `docs/run.md`). jsonata-core checks time and cancellation at every node it evaluates and
/// every callback a higher-order function makes, so even a tail-recursive loop stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Wall-clock time one evaluation may take (JSONata `D1012`).
    pub time: std::time::Duration,
    /// An instant the evaluation must not run past either (the run's wall-time limit, so
    /// `nexus run --timeout` holds inside an expression); the earlier of the two applies.
    pub deadline: Option<std::time::Instant>,
    /// Deepest evaluation nesting, about three levels per non-tail recursive call (`D1011`).
    pub depth: usize,
    /// Longest sequence a range, path, map or filter may build (`D2015`).
    pub sequence: usize,
    /// Longest string, in bytes of UTF-8, the evaluation may build: `&`, `$join`, `$string`,
    /// `$replace`, `$pad` and the result of every step (`U1004`, checked before the string is
    /// allocated where its size is known in advance; the patched jsonata-core in
    /// `vendor/jsonata-core`). Stops `$s & $s` doubling in a loop at this size.
    pub string_bytes: usize,
    /// Largest value, in bytes of its compact JSON text, an evaluation may return or pass to
    /// a Step Functions function: JSONata shares values, so `[$a, $a]` nested forty times is
    /// small in memory and a terabyte written out.
    pub result_bytes: usize,
    /// Most memory, in bytes, one evaluation may hold at once (`U1005`), checked at every step
    /// where the program's global allocator is [`CountingAllocator`] (the `nexus` binary's
    /// is): strings and sequences within their limits still multiply
    /// (`[1..100000].($s & $)` holds 100,000 copies of `$s`).
    pub memory: usize,
}

impl Budget {
    /// The budget of every evaluation unless a caller says otherwise. Step Functions caps a
    /// state's input and output at 256 KiB, so no honest expression builds a sequence of a
    /// million items or a string of a million characters; ten seconds is orders of
    /// magnitude above what an expression over such a payload needs.
    pub const DEFAULT: Budget = Budget {
        time: std::time::Duration::from_secs(10),
        deadline: None,
        depth: 3_000,
        sequence: 1_000_000,
        string_bytes: 4 * 1024 * 1024,
        result_bytes: 16 * 1024 * 1024,
        memory: 256 * 1024 * 1024,
    };

    fn options(&self) -> EvaluatorOptions {
        let now = std::time::Instant::now();
        let left = self.deadline.map_or(self.time, |d| {
            d.saturating_duration_since(now).min(self.time)
        });
        EvaluatorOptions {
            // At least 1 ms: jsonata-core reads 0 as "already expired" too, but say so plainly.
            timeout_ms: Some(u64::try_from(left.as_millis()).unwrap_or(u64::MAX).max(1)),
            max_stack_depth: Some(self.depth),
            max_sequence_length: Some(self.sequence),
            max_string_length: Some(self.string_bytes),
            max_memory_bytes: Some(self.memory),
            cancel: None,
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::DEFAULT
    }
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
    evaluate_with_budget(expr, input, bindings, entropy, &Budget::DEFAULT)
}

/// [`evaluate_with_entropy`] under `budget` instead of [`Budget::DEFAULT`].
pub fn evaluate_with_budget(
    expr: &str,
    input: &Value,
    bindings: &[(&str, Value)],
    entropy: std::sync::Arc<dyn Entropy + Send + Sync>,
    budget: &Budget,
) -> Result<Option<Value>, JsonataError> {
    let ast = parser::parse(expr).map_err(|e| JsonataError::evaluation(e.to_string()))?;
    let mut context = Context::new();
    for (name, value) in bindings {
        context.bind((*name).to_owned(), JValue::from(value.clone()));
    }
    let mut evaluator = Evaluator::with_options(context, budget.options());
    register_step_functions_functions(&mut evaluator, entropy, budget.result_bytes)?;
    register_bounded_builtins(&mut evaluator, budget.string_bytes)?;
    let result = evaluator
        .evaluate(&ast, &JValue::from(input.clone()))
        .map_err(|e| JsonataError::evaluation(aws_message(e.message())))?;
    from_jvalue(&result, budget.result_bytes)
}

/// Builtins whose result size an argument chooses, replaced by versions that refuse a result
/// over the budget before allocating it (`$pad('x', 1e9)` built 2.6 GB).
fn register_bounded_builtins(ev: &mut Evaluator, max_bytes: usize) -> Result<(), JsonataError> {
    ev.register_fn_override("pad", move |args: &[JValue]| pad(args, max_bytes))
        .map_err(|e| JsonataError::evaluation(e.message()))
}

/// JSONata `$pad(str, width [, char])`: a positive width pads on the right, a negative one on
/// the left, with `char` (default a space) repeated; widths are counted in characters, the
/// budget in bytes.
fn pad(args: &[JValue], max_bytes: usize) -> Result<JValue, EvaluatorError> {
    if args.is_empty() || args.len() > 3 {
        return Err(EvaluatorError::EvaluationError(
            "T0410: $pad takes 2 or 3 arguments".into(),
        ));
    }
    let string = match args.first() {
        Some(JValue::String(s)) => s.clone(),
        Some(JValue::Null) => return Ok(JValue::Null),
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(_) => {
            return Err(EvaluatorError::TypeError(
                "T0410: Argument 1 of function \"pad\" does not match function signature".into(),
            ));
        }
    };
    let width = match args.get(1) {
        // jsonata-js truncates the width; NaN pads nothing.
        Some(JValue::Number(n)) if n.is_finite() => n.trunc(),
        Some(JValue::Number(_) | JValue::Undefined) | None => return Ok(JValue::String(string)),
        Some(_) => {
            return Err(EvaluatorError::TypeError(
                "T0410: Argument 2 of function \"pad\" does not match function signature".into(),
            ));
        }
    };
    let fill: Vec<char> = match args.get(2) {
        Some(JValue::String(s)) if !s.is_empty() => s.chars().collect(),
        _ => vec![' '],
    };
    let len = string.chars().count();
    let abs = width.abs();
    if abs <= len as f64 {
        return Ok(JValue::String(string));
    }
    // Every character takes at least one byte: a width over the budget is refused before any
    // counting (and before `abs as usize` could saturate).
    if abs > max_bytes as f64 {
        return Err(pad_over_budget(abs, max_bytes));
    }
    let needed = (abs as usize).saturating_sub(len);
    let fill_bytes: usize = fill.iter().map(|c| c.len_utf8()).sum();
    let partial: usize = fill
        .iter()
        .take(needed % fill.len())
        .map(|c| c.len_utf8())
        .sum();
    let bytes = string.len() + needed / fill.len() * fill_bytes + partial;
    if bytes > max_bytes {
        return Err(pad_over_budget(abs, max_bytes));
    }
    let padding: String = fill.iter().cycle().take(needed).collect();
    Ok(JValue::from(if width < 0.0 {
        format!("{padding}{string}")
    } else {
        format!("{string}{padding}")
    }))
}

fn pad_over_budget(width: f64, max_bytes: usize) -> EvaluatorError {
    host_error(
        "pad",
        format!(
            "the result would be {width} characters wide, over the evaluation budget of {max_bytes} bytes"
        ),
    )
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

/// JSONata's value as JSON, refused once its compact JSON text would pass `max_bytes` (counted
/// as it is converted, so a value that shares one sub-value a billion times stops early).
/// Whole numbers become integers (`1`, not `1.0`), as Step Functions prints them.
fn from_jvalue(v: &JValue, max_bytes: usize) -> Result<Option<Value>, JsonataError> {
    let mut left = max_bytes;
    convert(v, &mut left).map_err(|e| match e {
        Convert::Error(e) => e,
        Convert::TooLarge => JsonataError::evaluation(format!(
            "the result is larger than the evaluation budget of {max_bytes} bytes of JSON"
        )),
    })
}

enum Convert {
    Error(JsonataError),
    TooLarge,
}

/// Takes `n` bytes from what is `left` of the size budget.
fn spend(left: &mut usize, n: usize) -> Result<(), Convert> {
    *left = left.checked_sub(n).ok_or(Convert::TooLarge)?;
    Ok(())
}

fn convert(v: &JValue, left: &mut usize) -> Result<Option<Value>, Convert> {
    let unsupported = || {
        Convert::Error(JsonataError {
            detail: "the result is not a JSON value".into(),
            kind: JsonataErrorKind::UnsupportedResult,
        })
    };
    Ok(Some(match v {
        JValue::Undefined => return Ok(None),
        JValue::Null => {
            spend(left, 4)?;
            Value::Null
        }
        JValue::Bool(b) => {
            spend(left, 5)?;
            Value::Bool(*b)
        }
        JValue::Number(n) => {
            // A number's text is 1 to 24 bytes; a lower bound keeps the count cheap.
            spend(left, 1)?;
            number(*n).ok_or_else(|| {
                Convert::Error(JsonataError::evaluation(format!(
                    "D1001: Number out of range: {n}"
                )))
            })?
        }
        JValue::String(s) => {
            spend(left, s.len().saturating_add(2))?;
            Value::String(s.to_string())
        }
        JValue::Array(items) => {
            spend(left, 2)?;
            let mut out = Vec::with_capacity(items.len().min(*left));
            for item in items.iter() {
                // Undefined members vanish from arrays, as in jsonata-js.
                if let Some(v) = convert(item, left)? {
                    spend(left, 1)?;
                    out.push(v);
                }
            }
            Value::Array(out)
        }
        JValue::Object(map) => {
            spend(left, 2)?;
            let mut out = serde_json::Map::new();
            for (k, item) in map.iter() {
                if let Some(v) = convert(item, left)? {
                    spend(left, k.len().saturating_add(4))?;
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

fn json_arg(
    function: &str,
    args: &[JValue],
    i: usize,
    max_bytes: usize,
) -> Result<Value, EvaluatorError> {
    let v = args
        .get(i)
        .ok_or_else(|| host_error(function, format!("missing argument {}", i + 1)))?;
    from_jvalue(v, max_bytes)
        .map_err(|e| host_error(function, e.detail))?
        .ok_or_else(|| host_error(function, format!("argument {} is undefined", i + 1)))
}

fn int_arg(
    function: &str,
    args: &[JValue],
    i: usize,
    max_bytes: usize,
) -> Result<i64, EvaluatorError> {
    match json_arg(function, args, i, max_bytes)? {
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

/// Registers the functions Step Functions adds to JSONata; an argument converted to JSON may
/// have at most `max` bytes ([`Budget::result_bytes`]).
fn register_step_functions_functions(
    ev: &mut Evaluator,
    entropy: std::sync::Arc<dyn Entropy + Send + Sync>,
    max: usize,
) -> Result<(), JsonataError> {
    let reg = |e: EvaluatorError| JsonataError::evaluation(e.message());
    ev.register_fn("partition", move |args: &[JValue]| {
        let items = match json_arg("partition", args, 0, max)? {
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
        let size = usize::try_from(int_arg("partition", args, 1, max)?)
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
    ev.register_fn("range", move |args: &[JValue]| {
        let start = int_arg("range", args, 0, max)?;
        let end = int_arg("range", args, 1, max)?;
        let step = int_arg("range", args, 2, max)?;
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
    ev.register_fn("hash", move |args: &[JValue]| {
        let data = match json_arg("hash", args, 0, max)? {
            Value::String(s) => s,
            other => json::to_compact_string(&other),
        };
        let algorithm = match json_arg("hash", args, 1, max)? {
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
                let seed = int_arg("random", args, 0, max)?;
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
    ev.register_fn("parse", move |args: &[JValue]| {
        let text = match json_arg("parse", args, 0, max)? {
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
    use std::sync::Arc;

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

    fn budget_error(expr: &str, budget: &Budget) -> String {
        let started = std::time::Instant::now();
        let err = evaluate_with_budget(expr, &json!({}), &[], Arc::new(SystemEntropy), budget)
            .unwrap_err();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{expr} took {:?}",
            started.elapsed()
        );
        assert_eq!(err.kind, JsonataErrorKind::Evaluation);
        err.detail
    }

    #[test]
    fn runaway_expressions_stop_within_the_budget() {
        let budget = Budget {
            time: std::time::Duration::from_millis(300),
            ..Budget::DEFAULT
        };
        // A tail call loops without nesting: only the clock stops it.
        let d = budget_error("($f := function($n){ $f($n+1) }; $f(0))", &budget);
        assert!(d.starts_with("D1012"), "{d}");
        let d = budget_error("function($x){$x($x)}(function($x){$x($x)})", &budget);
        assert!(d.starts_with("D1012") || d.starts_with("D1011"), "{d}");
        // Non-tail recursion runs into the depth limit long before the stack ends.
        let d = budget_error("($f := function($n){ 1 + $f($n+1) }; $f(0))", &budget);
        assert!(d.starts_with("D1011"), "{d}");
        for big in [
            "$distinct([1..3000000])",
            "$sort([1..2000000], function($a,$b){$a<$b})",
            "$reduce([1..10000000], function($a, $b){$a + $b})",
        ] {
            let d = budget_error(big, &budget);
            assert!(d.starts_with("D2015"), "{big}: {d}");
        }
        // Found by the libFuzzer target `jsonata` (docs/fuzzing.md): bounds far apart overflowed
        // the range's size (a panic; `[-1e19..1e19]` wrapped to 0 and looped 2^64 times).
        for far in [
            "-52..85555555555555555555555555555555555555555",
            "[-1e19..1e19]",
        ] {
            let d = budget_error(far, &budget);
            assert!(d.starts_with("D2014"), "{far}: {d}");
        }
        let d = budget_error("$pad('x', 1000000000)", &budget);
        assert!(d.contains("evaluation budget"), "{d}");
        // A deadline earlier than the time budget wins.
        let deadline = Budget {
            deadline: Some(std::time::Instant::now() + std::time::Duration::from_millis(50)),
            ..Budget::DEFAULT
        };
        let d = budget_error("($f := function($n){ $f($n+1) }; $f(0))", &deadline);
        assert!(d.starts_with("D1012"), "{d}");
    }

    #[test]
    fn bounded_pad_keeps_jsonata_semantics() {
        assert_eq!(eval("$pad('foo', 5)", json!({})), Some(json!("foo  ")));
        assert_eq!(
            eval("$pad('foo', -5, '#')", json!({})),
            Some(json!("##foo"))
        );
        assert_eq!(
            eval("$pad('foo', 8, '-+')", json!({})),
            Some(json!("foo-+-+-"))
        );
        assert_eq!(eval("$pad('foo', 2)", json!({})), Some(json!("foo")));
        assert_eq!(eval("$pad('é', 3.7)", json!({})), Some(json!("é  ")));
        assert_eq!(eval("$pad(nothing, 3)", json!({})), None);
        assert!(evaluate("$pad(1, 3)", &json!({}), &[]).is_err());
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
