//! The individual intrinsic functions, on already evaluated arguments. Semantics follow AWS
//! "Intrinsic functions for JSONPath states" (each function's "Input validation"); where the
//! docs are silent, the behaviour recorded from AWS in the conformance corpus decides (for
//! example `States.StringToJson('')` is `null`, `States.StringSplit` drops empty parts).

use super::check::{HASH_ALGORITHMS, MAX_INPUT_CHARS, MAX_RANGE_ITEMS};
use super::random::JavaRandom;
use crate::expr::jsonpath::json_eq;
use crate::expr::{EvalContext, ExprError, json};
use base64::Engine as _;
use serde_json::{Map, Value};

/// A `States.IntrinsicFailure` naming the function.
pub(super) fn invalid(function: &str, detail: impl std::fmt::Display) -> ExprError {
    ExprError::intrinsic(format!("Invalid arguments in {function}: {detail}"))
}

pub(super) fn apply(
    name: &str,
    args: Vec<Value>,
    raw_template: Option<&str>,
    ctx: &EvalContext<'_>,
) -> Result<Value, ExprError> {
    let f = Fn { name };
    match name {
        "States.Format" => f.format(args, raw_template),
        "States.StringToJson" => f.string_to_json(&args),
        "States.JsonToString" => Ok(Value::String(json::to_compact_string(f.arg(&args, 0)?))),
        "States.Array" => Ok(Value::Array(args)),
        "States.ArrayPartition" => f.array_partition(&args),
        "States.ArrayContains" => {
            let items = f.array(&args, 0)?;
            let needle = f.arg(&args, 1)?;
            Ok(Value::Bool(items.iter().any(|v| json_eq(v, needle))))
        }
        "States.ArrayRange" => f.array_range(&args),
        "States.ArrayGetItem" => f.array_get_item(&args),
        "States.ArrayLength" => Ok(Value::from(f.array(&args, 0)?.len())),
        "States.ArrayUnique" => {
            let mut unique: Vec<Value> = Vec::new();
            for item in f.array(&args, 0)? {
                if !unique.iter().any(|u| json_eq(u, item)) {
                    unique.push(item.clone());
                }
            }
            Ok(Value::Array(unique))
        }
        "States.Base64Encode" => {
            let s = f.limited_string(&args, 0)?;
            Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
            ))
        }
        "States.Base64Decode" => f.base64_decode(&args),
        "States.Hash" => f.hash(&args),
        "States.JsonMerge" => f.json_merge(&args),
        "States.MathRandom" => f.math_random(&args, ctx),
        "States.MathAdd" => {
            let a = f.int32(&args, 0)?;
            let b = f.int32(&args, 1)?;
            Ok(Value::from(a + b))
        }
        "States.StringSplit" => {
            let s = f.string(&args, 0)?;
            let delimiters = f.string(&args, 1)?;
            // AWS splits on each character of the second argument and drops empty parts
            // (corpus: `StringSplit('Hello\nWorld', '\n')`; AWS docs example ".+,=").
            let parts = s
                .split(|c: char| delimiters.contains(c))
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(p.to_owned()))
                .collect();
            Ok(Value::Array(parts))
        }
        "States.UUID" => {
            let mut bytes = [0u8; 16];
            let (hi, lo) = bytes.split_at_mut(8);
            hi.copy_from_slice(&ctx.entropy.next_u64().to_le_bytes());
            lo.copy_from_slice(&ctx.entropy.next_u64().to_le_bytes());
            let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
            Ok(Value::String(id.hyphenated().to_string()))
        }
        other => Err(ExprError::intrinsic(format!(
            "The intrinsic function '{other}' is not supported"
        ))),
    }
}

/// Argument access with error messages naming the function.
struct Fn<'n> {
    name: &'n str,
}

impl Fn<'_> {
    fn arg<'v>(&self, args: &'v [Value], i: usize) -> Result<&'v Value, ExprError> {
        args.get(i)
            .ok_or_else(|| invalid(self.name, format!("missing argument {}", i + 1)))
    }

    fn type_error(&self, i: usize, expected: &str, found: &Value) -> ExprError {
        invalid(
            self.name,
            format!(
                "argument {} must be {expected}, but was {} {}",
                i + 1,
                json::type_name(found),
                json::to_compact_string(found)
            ),
        )
    }

    fn string<'v>(&self, args: &'v [Value], i: usize) -> Result<&'v str, ExprError> {
        match self.arg(args, i)? {
            Value::String(s) => Ok(s),
            other => Err(self.type_error(i, "a string", other)),
        }
    }

    fn limited_string<'v>(&self, args: &'v [Value], i: usize) -> Result<&'v str, ExprError> {
        let s = self.string(args, i)?;
        if s.chars().count() > MAX_INPUT_CHARS {
            return Err(invalid(
                self.name,
                format!("the input string exceeds {MAX_INPUT_CHARS} characters"),
            ));
        }
        Ok(s)
    }

    fn array<'v>(&self, args: &'v [Value], i: usize) -> Result<&'v Vec<Value>, ExprError> {
        match self.arg(args, i)? {
            Value::Array(a) => Ok(a),
            other => Err(self.type_error(i, "an array", other)),
        }
    }

    fn object<'v>(&self, args: &'v [Value], i: usize) -> Result<&'v Map<String, Value>, ExprError> {
        match self.arg(args, i)? {
            Value::Object(o) => Ok(o),
            other => Err(self.type_error(i, "a JSON object", other)),
        }
    }

    fn number(&self, args: &[Value], i: usize) -> Result<f64, ExprError> {
        match self.arg(args, i)? {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| self.type_error(i, "a number", &Value::Number(n.clone()))),
            other => Err(self.type_error(i, "a number", other)),
        }
    }

    /// An argument that must be an integer (no rounding).
    fn integer(&self, args: &[Value], i: usize) -> Result<i64, ExprError> {
        let v = self.arg(args, i)?;
        match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .ok_or_else(|| self.type_error(i, "an integer", v)),
            _ => Err(self.type_error(i, "an integer", v)),
        }
    }

    /// A number rounded to the nearest integer the way Java's `Math.round` does (AWS: "If you
    /// specify a non-integer value ... Step Functions will round it off to the nearest
    /// integer"), within the 32-bit range AWS documents for `States.MathAdd`.
    fn int32(&self, args: &[Value], i: usize) -> Result<i64, ExprError> {
        let rounded = (self.number(args, i)? + 0.5).floor();
        if rounded < f64::from(i32::MIN) || rounded > f64::from(i32::MAX) {
            return Err(invalid(
                self.name,
                format!(
                    "argument {} must be between {} and {}",
                    i + 1,
                    i32::MIN,
                    i32::MAX
                ),
            ));
        }
        Ok(rounded as i64)
    }

    fn format(&self, args: Vec<Value>, raw_template: Option<&str>) -> Result<Value, ExprError> {
        let mut args = args.into_iter();
        let template = match args.next() {
            Some(Value::String(s)) => s,
            Some(other) => return Err(self.type_error(0, "a string", &other)),
            None => return Err(invalid(self.name, "missing the template argument")),
        };
        let values: Vec<Value> = args.collect();
        // Pieces of the template: literal text and placeholders. For a literal template the
        // raw text tells escaped braces (`\{`) from placeholders; a template read from the
        // input has no escapes.
        let mut out = String::new();
        let mut used = 0usize;
        let push_value = |out: &mut String, used: &mut usize| -> Result<(), ExprError> {
            let v = values.get(*used).ok_or_else(|| {
                invalid(
                    self.name,
                    format!(
                        "the template has more placeholders than the {} value(s) given",
                        values.len()
                    ),
                )
            })?;
            out.push_str(&format_value(v));
            *used += 1;
            Ok(())
        };
        match raw_template {
            Some(raw) => {
                let inner = raw
                    .strip_prefix('\'')
                    .and_then(|r| r.strip_suffix('\''))
                    .unwrap_or(raw);
                let mut chars = inner.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some(e @ ('\'' | '{' | '}' | '\\')) => out.push(e),
                            Some(e) => {
                                out.push('\\');
                                out.push(e);
                            }
                            None => out.push('\\'),
                        },
                        '{' if chars.peek() == Some(&'}') => {
                            chars.next();
                            push_value(&mut out, &mut used)?;
                        }
                        c => out.push(c),
                    }
                }
            }
            None => {
                let mut rest = template.as_str();
                while let Some(at) = rest.find("{}") {
                    out.push_str(rest.get(..at).unwrap_or(""));
                    push_value(&mut out, &mut used)?;
                    rest = rest.get(at + 2..).unwrap_or("");
                }
                out.push_str(rest);
            }
        }
        if used != values.len() {
            return Err(invalid(
                self.name,
                format!(
                    "the template has {used} placeholder(s) but {} value(s) were given",
                    values.len()
                ),
            ));
        }
        Ok(Value::String(out))
    }

    fn string_to_json(&self, args: &[Value]) -> Result<Value, ExprError> {
        let s = self.string(args, 0)?;
        // Recorded from AWS: an empty (or blank) string gives null.
        if s.trim().is_empty() {
            return Ok(Value::Null);
        }
        let parsed: Value = serde_json::from_str(s)
            .map_err(|e| invalid(self.name, format!("the string is not valid JSON ({e})")))?;
        Ok(normalize_negative_zero(parsed))
    }

    fn array_partition(&self, args: &[Value]) -> Result<Value, ExprError> {
        let items = self.array(args, 0)?;
        let size = self.integer(args, 1)?;
        let size = usize::try_from(size)
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| invalid(self.name, "the chunk size must be a positive integer"))?;
        Ok(Value::Array(
            items
                .chunks(size)
                .map(|c| Value::Array(c.to_vec()))
                .collect(),
        ))
    }

    fn array_range(&self, args: &[Value]) -> Result<Value, ExprError> {
        let start = self.integer(args, 0)?;
        let end = self.integer(args, 1)?;
        let step = self.integer(args, 2)?;
        if step == 0 {
            return Err(invalid(self.name, "the step must not be 0"));
        }
        let count = range_len(start, end, step);
        if count > MAX_RANGE_ITEMS as u128 {
            return Err(invalid(
                self.name,
                format!(
                    "the range would have {count} items; at most {MAX_RANGE_ITEMS} are allowed"
                ),
            ));
        }
        let mut out = Vec::new();
        let mut v = start;
        for _ in 0..count {
            out.push(Value::from(v));
            v = v.saturating_add(step);
        }
        Ok(Value::Array(out))
    }

    fn array_get_item(&self, args: &[Value]) -> Result<Value, ExprError> {
        let items = self.array(args, 0)?;
        let index = self.integer(args, 1)?;
        usize::try_from(index)
            .ok()
            .and_then(|i| items.get(i))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    self.name,
                    format!(
                        "index {index} is out of bounds for an array of {} item(s)",
                        items.len()
                    ),
                )
            })
    }

    fn base64_decode(&self, args: &[Value]) -> Result<Value, ExprError> {
        let s = self.limited_string(args, 0)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(|e| invalid(self.name, format!("the input is not valid base64 ({e})")))?;
        String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|_| invalid(self.name, "the decoded data is not valid UTF-8 text"))
    }

    fn hash(&self, args: &[Value]) -> Result<Value, ExprError> {
        let data = match self.arg(args, 0)? {
            Value::String(s) => s.clone(),
            other => json::to_compact_string(other),
        };
        if data.chars().count() > MAX_INPUT_CHARS {
            return Err(invalid(
                self.name,
                format!("the input data exceeds {MAX_INPUT_CHARS} characters"),
            ));
        }
        let algorithm = self.string(args, 1)?;
        hash_hex(&data, algorithm)
            .map(Value::String)
            .ok_or_else(|| {
                invalid(
                    self.name,
                    format!(
                        "unsupported hash algorithm '{algorithm}'; expected one of {}",
                        HASH_ALGORITHMS.join(", ")
                    ),
                )
            })
    }

    fn json_merge(&self, args: &[Value]) -> Result<Value, ExprError> {
        let left = self.object(args, 0)?;
        let right = self.object(args, 1)?;
        match self.arg(args, 2)? {
            Value::Bool(false) => {}
            Value::Bool(true) => {
                return Err(invalid(
                    self.name,
                    "deep merging is not supported; use false",
                ));
            }
            other => return Err(self.type_error(2, "the boolean false", other)),
        }
        // Shallow merge: members of the second object replace those of the first.
        let mut merged = left.clone();
        for (k, v) in right {
            merged.insert(k.clone(), v.clone());
        }
        Ok(Value::Object(merged))
    }

    fn math_random(&self, args: &[Value], ctx: &EvalContext<'_>) -> Result<Value, ExprError> {
        let start = self.int32(args, 0)?;
        let end = self.int32(args, 1)?;
        if end <= start {
            return Err(invalid(
                self.name,
                format!("the end ({end}) must be greater than the start ({start})"),
            ));
        }
        let span = end - start;
        // Start inclusive, end exclusive.
        let offset = if args.len() > 2 {
            let seed = self.int32(args, 2)?;
            let bound =
                i32::try_from(span).map_err(|_| invalid(self.name, "the range is too large"))?;
            i64::from(JavaRandom::new(seed).next_int(bound))
        } else {
            let span = u64::try_from(span).unwrap_or(1).max(1);
            i64::try_from(ctx.entropy.next_u64() % span).unwrap_or(0)
        };
        Ok(Value::from(start + offset))
    }
}

/// How `States.Format` renders one value: strings as they are, other scalars as JSON, arrays
/// and objects the way the JVM's `toString` does (`[a, b]`, `{k=v}`), as recorded from AWS.
fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(format_value).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", format_value(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => json::to_compact_string(other),
    }
}

/// JSON `-0` parses to the float `-0.0`; AWS returns `0`.
fn normalize_negative_zero(v: Value) -> Value {
    match v {
        Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => Value::from(0),
        other => other,
    }
}

/// Number of items `States.ArrayRange(start, end, step)` yields (end inclusive).
pub(crate) fn range_len(start: i64, end: i64, step: i64) -> u128 {
    let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step));
    if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
        return 0;
    }
    let count = (end - start) / step + 1;
    u128::try_from(count).unwrap_or(0)
}

/// Lower-case hex digest of `data` (UTF-8) with one of [`HASH_ALGORITHMS`], or `None` for
/// another algorithm name.
pub(crate) fn hash_hex(data: &str, algorithm: &str) -> Option<String> {
    use sha2::Digest as _;
    let bytes = data.as_bytes();
    let digest: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}
