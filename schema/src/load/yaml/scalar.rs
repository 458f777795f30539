//! YAML 1.2 core schema scalar resolution (YAML 1.2.2 §10.3.2, "Tag Resolution"): which
//! plain scalars are null, booleans, integers and floats, and what JSON value each becomes.
//! `yes`/`no`/`on`/`off` stay strings: they are YAML 1.1 booleans, not 1.2.

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};

/// Why a scalar has no JSON form (reported as NX005).
pub(super) type Unsupported = String;

/// The JSON value of one scalar, given its style and tag. Tags outside the core schema
/// (`!Ref`, `!custom`) do not change the value: the caller decides what to do with them.
pub(super) fn resolve(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, Unsupported> {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            return resolve_core_tag(text, &tag.suffix);
        }
        // The non-specific tag `!` forces a string (YAML 1.2.2 §6.9.1).
        if tag.handle == "!" && tag.suffix.is_empty() {
            return Ok(Value::String(text.to_string()));
        }
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    resolve_plain(text)
}

/// An explicitly tagged scalar: `!!str 1`, `!!int "3"`, ...
fn resolve_core_tag(text: &str, suffix: &str) -> Result<Value, Unsupported> {
    let wrong = || format!("`{text}` is not a valid `!!{suffix}`");
    match suffix {
        "str" => Ok(Value::String(text.to_string())),
        "null" => is_null(text).then_some(Value::Null).ok_or_else(wrong),
        "bool" => as_bool(text).map(Value::Bool).ok_or_else(wrong),
        "int" => as_int(text).ok_or_else(wrong)?,
        "float" => match as_float(text) {
            Some(v) => v,
            None => match as_int(text) {
                Some(Ok(Value::Number(n))) => n
                    .as_f64()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(wrong),
                _ => Err(wrong()),
            },
        },
        // Anything else (`!!binary`, `!!timestamp`, ...) keeps its text.
        _ => Ok(Value::String(text.to_string())),
    }
}

fn resolve_plain(text: &str) -> Result<Value, Unsupported> {
    if is_null(text) {
        return Ok(Value::Null);
    }
    if let Some(b) = as_bool(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(v) = as_int(text) {
        return v;
    }
    if let Some(v) = as_float(text) {
        return v;
    }
    Ok(Value::String(text.to_string()))
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn as_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`. `None`: not an integer; `Some(Err)`: an
/// integer with no JSON form. Decimal integers beyond 64 bits become floats, as JSON parsers
/// (serde_json included) make them.
fn as_int(text: &str) -> Option<Result<Value, Unsupported>> {
    let radix = |digits: &str, radix: u32| {
        let ok = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
        ok.then(|| {
            u64::from_str_radix(digits, radix)
                .map(|n| Value::Number(n.into()))
                .map_err(|_| format!("integer `{text}` does not fit in 64 bits"))
        })
    };
    if let Some(d) = text.strip_prefix("0o") {
        return radix(d, 8);
    }
    if let Some(d) = text.strip_prefix("0x") {
        return radix(d, 16);
    }
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or_default()),
        Some(b'+') => (false, text.get(1..).unwrap_or_default()),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    let value = if negative {
        unsigned.parse::<i64>().ok().map(Number::from)
    } else {
        unsigned.parse::<u64>().ok().map(Number::from)
    };
    Some(match value {
        Some(n) => Ok(Value::Number(n)),
        None => float_value(unsigned, text),
    })
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `.inf`, `.nan` and their cases.
fn as_float(text: &str) -> Option<Result<Value, Unsupported>> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(Err(format!("`{text}` has no JSON representation")));
    }
    let b = body.as_bytes();
    let mut i = 0;
    let int_digits = count_digits(b, &mut i);
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(b, &mut i);
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        if count_digits(b, &mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    Some(float_value(text.strip_prefix('+').unwrap_or(text), text))
}

fn count_digits(b: &[u8], i: &mut usize) -> usize {
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    *i - start
}

fn float_value(number: &str, text: &str) -> Result<Value, Unsupported> {
    number
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| format!("`{text}` is out of range for a JSON number"))
}

/// The string a scalar key becomes: strings as they are, other scalars as their JSON text
/// (`1` → `"1"`, `true` → `"true"`, `~` → `"null"`).
pub(super) fn key_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plain(s: &str) -> Value {
        resolve(s, ScalarStyle::Plain, None).unwrap()
    }

    #[test]
    fn resolves_the_core_schema() {
        for (text, want) in [
            ("~", json!(null)),
            ("", json!(null)),
            ("Null", json!(null)),
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("yes", json!("yes")),
            ("off", json!("off")),
            ("12", json!(12)),
            ("+12", json!(12)),
            ("-12", json!(-12)),
            ("0o17", json!(15)),
            ("0x1F", json!(31)),
            ("0x", json!("0x")),
            ("1.5", json!(1.5)),
            ("-.5", json!(-0.5)),
            ("1.", json!(1.0)),
            ("1e3", json!(1000.0)),
            ("6.02E+23", json!(6.02e23)),
            ("1_000", json!("1_000")),
            ("18446744073709551616", json!(18446744073709551616.0)),
            ("2001-12-14", json!("2001-12-14")),
            ("e3", json!("e3")),
            (".", json!(".")),
            (
                "arn:aws:states:::lambda:invoke",
                json!("arn:aws:states:::lambda:invoke"),
            ),
        ] {
            assert_eq!(plain(text), want, "{text}");
        }
        assert_eq!(
            resolve("12", ScalarStyle::DoubleQuoted, None).unwrap(),
            json!("12")
        );
    }

    #[test]
    fn rejects_values_without_a_json_form() {
        for text in [".nan", ".inf", "-.Inf", "1e400", "0xFFFFFFFFFFFFFFFFF"] {
            assert!(resolve(text, ScalarStyle::Plain, None).is_err(), "{text}");
        }
    }

    #[test]
    fn honours_core_tags() {
        let tag = |s: &str| Tag {
            handle: "tag:yaml.org,2002:".into(),
            suffix: s.into(),
        };
        assert_eq!(
            resolve("12", ScalarStyle::Plain, Some(&tag("str"))).unwrap(),
            json!("12")
        );
        assert_eq!(
            resolve("12", ScalarStyle::DoubleQuoted, Some(&tag("int"))).unwrap(),
            json!(12)
        );
        assert_eq!(
            resolve("12", ScalarStyle::Plain, Some(&tag("float"))).unwrap(),
            json!(12.0)
        );
        assert!(resolve("x", ScalarStyle::Plain, Some(&tag("int"))).is_err());
        let bang = Tag {
            handle: "!".into(),
            suffix: String::new(),
        };
        assert_eq!(
            resolve("true", ScalarStyle::Plain, Some(&bang)).unwrap(),
            json!("true")
        );
    }
}
