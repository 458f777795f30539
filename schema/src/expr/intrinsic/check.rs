//! Static checks of intrinsic calls: what can be known before any input exists. The rules are
//! the "Input validation" paragraphs of AWS "Intrinsic functions for JSONPath states".

use super::{Arg, ArgKind, Call, CheckError, MAX_NESTING};

/// What an argument position accepts. Only literals can be judged statically; a path or a
/// nested call is accepted everywhere (its value is only known at run time), except where AWS
/// requires a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Param {
    Any,
    String,
    Number,
    Integer,
    PositiveInteger,
    NonNegativeInteger,
    Array,
    Object,
    /// `States.JsonMerge`'s third argument: AWS supports only `false` (shallow merge).
    FalseOnly,
    HashAlgorithm,
    /// `States.JsonToString`: "This argument must be a Path".
    PathOnly,
}

/// Arity and parameter kinds of one function; `rest` repeats for any further arguments.
pub(super) struct Signature {
    pub(super) min: usize,
    pub(super) max: Option<usize>,
    pub(super) params: &'static [Param],
    pub(super) rest: Param,
}

/// The hash algorithms `States.Hash` accepts.
pub(super) const HASH_ALGORITHMS: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// `States.Base64Encode`, `Base64Decode` and `Hash` accept at most this many characters.
pub(super) const MAX_INPUT_CHARS: usize = 10_000;

/// `States.ArrayRange` may produce at most this many items.
pub(super) const MAX_RANGE_ITEMS: usize = 1_000;

pub(super) fn signature(name: &str) -> Option<Signature> {
    use Param::*;
    let sig = |min, max, params, rest| Signature {
        min,
        max,
        params,
        rest,
    };
    Some(match name {
        "States.Format" => sig(1, None, &[String], Any),
        "States.StringToJson" => sig(1, Some(1), &[String], Any),
        "States.JsonToString" => sig(1, Some(1), &[PathOnly], Any),
        "States.Array" => sig(0, None, &[], Any),
        "States.ArrayPartition" => sig(2, Some(2), &[Array, PositiveInteger], Any),
        "States.ArrayContains" => sig(2, Some(2), &[Array, Any], Any),
        "States.ArrayRange" => sig(3, Some(3), &[Integer, Integer, Integer], Any),
        "States.ArrayGetItem" => sig(2, Some(2), &[Array, NonNegativeInteger], Any),
        "States.ArrayLength" => sig(1, Some(1), &[Array], Any),
        "States.ArrayUnique" => sig(1, Some(1), &[Array], Any),
        "States.Base64Encode" => sig(1, Some(1), &[String], Any),
        "States.Base64Decode" => sig(1, Some(1), &[String], Any),
        "States.Hash" => sig(2, Some(2), &[Any, HashAlgorithm], Any),
        "States.JsonMerge" => sig(3, Some(3), &[Object, Object, FalseOnly], Any),
        "States.MathRandom" => sig(2, Some(3), &[Number, Number, Integer], Any),
        "States.MathAdd" => sig(2, Some(2), &[Number, Number], Any),
        "States.StringSplit" => sig(2, Some(2), &[String, String], Any),
        "States.UUID" => sig(0, Some(0), &[], Any),
        _ => return None,
    })
}

pub(super) fn check_call(call: &Call) -> Vec<CheckError> {
    let mut out = Vec::new();
    check_at_depth(call, 1, &mut out);
    out
}

fn check_at_depth(call: &Call, depth: usize, out: &mut Vec<CheckError>) {
    if depth == MAX_NESTING + 1 {
        out.push(CheckError {
            message: format!(
                "intrinsic functions are nested more than {MAX_NESTING} deep, which Step Functions rejects"
            ),
            offset: call.offset,
        });
    }
    match signature(&call.name) {
        None => out.push(CheckError {
            message: unknown_function_message(&call.name),
            offset: call.offset,
        }),
        Some(sig) => check_signature(call, &sig, out),
    }
    for arg in &call.args {
        if let ArgKind::Call(inner) = &arg.kind {
            check_at_depth(inner, depth + 1, out);
        }
    }
}

fn unknown_function_message(name: &str) -> String {
    let close = super::FUNCTION_NAMES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name));
    match close {
        Some(known) => format!("unknown intrinsic function '{name}'; did you mean '{known}'?"),
        None => format!("unknown intrinsic function '{name}'"),
    }
}

fn expected_count(sig: &Signature) -> String {
    match sig.max {
        Some(max) if max == sig.min => match max {
            0 => "no arguments".into(),
            1 => "exactly 1 argument".into(),
            n => format!("exactly {n} arguments"),
        },
        Some(max) => format!("{} to {max} arguments", sig.min),
        None if sig.min == 1 => "at least 1 argument".into(),
        None => format!("at least {} arguments", sig.min),
    }
}

fn check_signature(call: &Call, sig: &Signature, out: &mut Vec<CheckError>) {
    let n = call.args.len();
    if n < sig.min || sig.max.is_some_and(|max| n > max) {
        let offset = call
            .args
            .get(sig.max.unwrap_or(n))
            .map_or(call.offset, |a| a.offset);
        out.push(CheckError {
            message: format!(
                "{} takes {}, but {n} {} given",
                call.name,
                expected_count(sig),
                if n == 1 { "was" } else { "were" }
            ),
            offset,
        });
    }
    for (i, arg) in call.args.iter().enumerate() {
        let param = sig.params.get(i).copied().unwrap_or(sig.rest);
        if let Some(message) = check_param(param, arg) {
            out.push(CheckError {
                message: format!("argument {} of {}: {message}", i + 1, call.name),
                offset: arg.offset,
            });
        }
    }
    match call.name.as_str() {
        "States.Format" => check_format(call, out),
        "States.ArrayRange" => check_range(call, out),
        _ => {}
    }
}

/// A description of a literal's type for messages.
fn literal_type(kind: &ArgKind) -> Option<&'static str> {
    match kind {
        ArgKind::String(_) => Some("a string"),
        ArgKind::Number(_) => Some("a number"),
        ArgKind::Bool(_) => Some("a boolean"),
        ArgKind::Null => Some("null"),
        ArgKind::Path(_) | ArgKind::Call(_) => None,
    }
}

fn check_param(param: Param, arg: &Arg) -> Option<String> {
    let found = literal_type(&arg.kind)?;
    let number = match &arg.kind {
        ArgKind::Number(n) => n.as_f64(),
        _ => None,
    };
    let integer = number.filter(|f| f.fract() == 0.0);
    let wrong = |what: &str| Some(format!("expected {what}, found {found}"));
    match param {
        Param::Any => None,
        Param::String => (!matches!(arg.kind, ArgKind::String(_)))
            .then(|| format!("expected a string, found {found}")),
        Param::Number => number
            .is_none()
            .then(|| format!("expected a number, found {found}")),
        Param::Integer => match (number, integer) {
            (None, _) => wrong("an integer"),
            (Some(_), None) => Some(format!("expected an integer, found {}", arg.text)),
            _ => None,
        },
        Param::PositiveInteger => match integer {
            Some(i) if i > 0.0 => None,
            _ if number.is_some() => {
                Some(format!("expected a positive integer, found {}", arg.text))
            }
            _ => wrong("a positive integer"),
        },
        Param::NonNegativeInteger => match integer {
            Some(i) if i >= 0.0 => None,
            _ if number.is_some() => Some(format!(
                "expected a non-negative integer, found {}",
                arg.text
            )),
            _ => wrong("a non-negative integer"),
        },
        Param::Array => wrong("an array (a path or an intrinsic function returning one)"),
        Param::Object => wrong("a JSON object (a path or an intrinsic function returning one)"),
        Param::FalseOnly => match arg.kind {
            ArgKind::Bool(false) => None,
            ArgKind::Bool(true) => {
                Some("deep merging is not supported; the third argument must be false".into())
            }
            _ => wrong("the boolean false"),
        },
        Param::HashAlgorithm => match &arg.kind {
            ArgKind::String(s) if HASH_ALGORITHMS.contains(&s.as_str()) => None,
            ArgKind::String(s) => Some(format!(
                "unsupported hash algorithm '{s}'; expected one of {}",
                HASH_ALGORITHMS.join(", ")
            )),
            _ => wrong("a hash algorithm name"),
        },
        Param::PathOnly => wrong("a path"),
    }
}

/// The placeholders `{}` of a `States.Format` template written as a literal, skipping
/// escaped braces (`\{`, `\}`). `raw` is the literal as written, quotes included.
pub(super) fn count_placeholders_raw(raw: &str) -> usize {
    let inner = raw
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(raw);
    let mut count = 0;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                count += 1;
            }
            _ => {}
        }
    }
    count
}

fn check_format(call: &Call, out: &mut Vec<CheckError>) {
    let Some(template) = call.args.first() else {
        return;
    };
    if !matches!(template.kind, ArgKind::String(_)) {
        return;
    }
    let placeholders = count_placeholders_raw(&template.text);
    let values = call.args.len() - 1;
    if placeholders != values {
        out.push(CheckError {
            message: format!(
                "States.Format: the template has {placeholders} placeholder{} '{{}}' but {values} value{} {} given",
                if placeholders == 1 { "" } else { "s" },
                if values == 1 { "" } else { "s" },
                if values == 1 { "is" } else { "are" },
            ),
            offset: template.offset,
        });
    }
}

fn check_range(call: &Call, out: &mut Vec<CheckError>) {
    let ints: Vec<i64> = call
        .args
        .iter()
        .filter_map(|a| match &a.kind {
            ArgKind::Number(n) => n.as_i64(),
            _ => None,
        })
        .collect();
    let [start, end, step] = ints.as_slice() else {
        return;
    };
    let Some(step_arg) = call.args.get(2) else {
        return;
    };
    if *step == 0 {
        out.push(CheckError {
            message: "States.ArrayRange: the step must not be 0".into(),
            offset: step_arg.offset,
        });
        return;
    }
    let count = super::functions::range_len(*start, *end, *step);
    if count > MAX_RANGE_ITEMS as u128 {
        out.push(CheckError {
            message: format!(
                "States.ArrayRange would create {count} items; at most {MAX_RANGE_ITEMS} are allowed"
            ),
            offset: call.offset,
        });
    }
}
