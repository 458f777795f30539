//! A small YAML emitter for NEXUS workflows: block style, stable (same value → same bytes),
//! and re-reading to the same value under YAML 1.2 (and, conservatively, under YAML 1.1
//! parsers too: `yes`, `on`, `1_000`, timestamps are quoted).
//!
//! Why not a serde serializer: we want `# ...` comment lines above chosen nodes, literal
//! blocks for multi-line strings, and a quoting rule we can test exhaustively.

use std::collections::HashMap;
use std::fmt::Write;

use nexus_schema::pointer::{push, push_index};
use serde_json::Value;

/// Comment lines to write above the node at a pointer of the emitted value.
pub(crate) type Comments = HashMap<String, Vec<String>>;

/// The value as a YAML document (no `---`), ending with a newline.
pub(crate) fn to_yaml(value: &Value, comments: &Comments) -> String {
    let mut e = Emitter {
        out: String::new(),
        comments,
    };
    match value {
        Value::Object(m) if !m.is_empty() => e.mapping(m, 0, "", false),
        Value::Array(a) if !a.is_empty() => e.sequence(a, 0, ""),
        other => {
            e.out.push_str(&scalar_inline(other));
            e.out.push('\n');
        }
    }
    e.out
}

struct Emitter<'a> {
    out: String,
    comments: &'a Comments,
}

impl Emitter<'_> {
    fn comment_lines(&mut self, ptr: &str, indent: usize) {
        if let Some(lines) = self.comments.get(ptr) {
            for line in lines {
                for part in line.lines() {
                    let _ = writeln!(self.out, "{:indent$}# {part}", "");
                }
            }
        }
    }

    /// `in_item`: the mapping is a sequence item, so its first member shares the `- ` line
    /// (its comments were written above the dash).
    fn mapping(
        &mut self,
        m: &serde_json::Map<String, Value>,
        indent: usize,
        ptr: &str,
        in_item: bool,
    ) {
        for (i, (k, v)) in m.iter().enumerate() {
            let kp = push(ptr, k);
            if i > 0 || !in_item {
                self.comment_lines(&kp, indent);
                self.out.extend(std::iter::repeat_n(' ', indent));
            }
            self.out.push_str(&key(k));
            self.out.push(':');
            self.value_after_key(v, indent, &kp);
        }
    }

    /// What follows `key:` — a scalar on the same line, or a nested block.
    fn value_after_key(&mut self, v: &Value, indent: usize, ptr: &str) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                self.out.push('\n');
                self.mapping(m, indent + 2, ptr, false);
            }
            Value::Array(a) if !a.is_empty() => match flow(a, indent) {
                Some(line) => {
                    self.out.push(' ');
                    self.out.push_str(&line);
                    self.out.push('\n');
                }
                None => {
                    self.out.push('\n');
                    self.sequence(a, indent + 2, ptr);
                }
            },
            Value::String(s) if literal_ok(s) => {
                self.out.push(' ');
                self.literal(s, indent + 2);
            }
            other => {
                self.out.push(' ');
                self.out.push_str(&scalar_inline(other));
                self.out.push('\n');
            }
        }
    }

    fn sequence(&mut self, a: &[Value], indent: usize, ptr: &str) {
        for (i, item) in a.iter().enumerate() {
            let ip = push_index(ptr, i);
            self.comment_lines(&ip, indent);
            if let Value::Object(m) = item
                && let Some(first) = m.keys().next()
            {
                self.comment_lines(&push(&ip, first), indent);
            }
            self.out.extend(std::iter::repeat_n(' ', indent));
            self.out.push('-');
            match item {
                Value::Object(m) if !m.is_empty() => {
                    self.out.push(' ');
                    self.mapping(m, indent + 2, &ip, true);
                }
                Value::Array(inner) if !inner.is_empty() => {
                    self.out.push('\n');
                    self.sequence(inner, indent + 2, &ip);
                }
                Value::String(s) if literal_ok(s) => {
                    self.out.push(' ');
                    self.literal(s, indent + 2);
                }
                other => {
                    self.out.push(' ');
                    self.out.push_str(&scalar_inline(other));
                    self.out.push('\n');
                }
            }
        }
    }

    /// A literal block scalar (`|`, `|-` or `|+`), content at `indent`.
    fn literal(&mut self, s: &str, indent: usize) {
        let trailing = s.len() - s.trim_end_matches('\n').len();
        let chomp = match trailing {
            0 => "-",
            1 => "",
            _ => "+",
        };
        let _ = writeln!(self.out, "|{chomp}");
        let body = if trailing > 0 { &s[..s.len() - 1] } else { s };
        for line in body.split('\n') {
            if line.is_empty() {
                self.out.push('\n');
            } else {
                let _ = writeln!(self.out, "{:indent$}{line}", "");
            }
        }
    }
}

/// A short list of scalars on one line (`[States.ALL]`), when it fits in 80 columns.
fn flow(items: &[Value], indent: usize) -> Option<String> {
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        parts.push(match item {
            Value::Array(_) | Value::Object(_) => return None,
            // Flow indicators end a plain scalar inside `[...]` (YAML 1.2 §7.3.3).
            Value::String(s) if s.contains([',', '[', ']', '{', '}']) || !plain_ok(s) => {
                if s.contains('\n') {
                    return None;
                }
                quoted(s)
            }
            other => scalar_inline(other),
        });
    }
    let line = format!("[{}]", parts.join(", "));
    (indent + line.len() <= 72).then_some(line)
}

/// A mapping key: plain when safe, else double-quoted (keys are always one line).
fn key(k: &str) -> String {
    if plain_ok(k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// A scalar (or empty container) on one line.
fn scalar_inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        // serde_json prints floats with a `.` or an exponent (`2.0`, `1e100`), which YAML 1.2
        // reads as floats, and integers without, which it reads as integers.
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if plain_ok(s) {
                s.clone()
            } else {
                quoted(s)
            }
        }
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// YAML `c-printable`, minus the characters some parsers treat as line breaks or BOM.
fn printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// Words YAML 1.1 or 1.2 resolve to null, booleans or special floats.
const RESERVED: &[&str] = &[
    "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
    "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", ".inf",
    ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
    "<<", "=",
];

/// Whether `s` can be written as a plain scalar and read back as this very string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if RESERVED.contains(&s) {
        return false;
    }
    // Indicators that start another kind of node (YAML 1.2 §5.3), and quotes.
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    // Anything that might read as a number, date or time in some YAML version.
    let second = s.chars().nth(1);
    if first.is_ascii_digit()
        || ("+-.".contains(first) && second.is_some_and(|c| c.is_ascii_digit() || c == '.'))
    {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains(":\t") {
        return false;
    }
    s.chars().all(printable)
}

/// Whether `s` reads better, and safely, as a literal block.
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n', '\t'])
        && s.chars().all(|c| c == '\n' || c == '\t' || printable(c))
        // A line of spaces only right before the end would be taken for indentation.
        && !s.split('\n').any(|l| !l.is_empty() && l.trim_start_matches([' ', '\t']).is_empty())
}

/// A double-quoted scalar with YAML escapes.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xFF => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// saphyr (YAML 1.2) → serde_json, for checking that emitted text reads back.
    pub(crate) fn parse(text: &str) -> Value {
        use saphyr::{LoadableYamlNode, Scalar, Yaml};
        fn conv(y: &Yaml) -> Value {
            match y {
                Yaml::Value(Scalar::Null) => Value::Null,
                Yaml::Value(Scalar::Boolean(b)) => json!(b),
                Yaml::Value(Scalar::Integer(i)) => json!(i),
                Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
                Yaml::Value(Scalar::String(s)) => json!(s.as_ref()),
                Yaml::Sequence(items) => Value::Array(items.iter().map(conv).collect()),
                Yaml::Mapping(m) => Value::Object(
                    m.iter()
                        .map(|(k, v)| match conv(k) {
                            Value::String(s) => (s, conv(v)),
                            other => panic!("non-string key {other}"),
                        })
                        .collect(),
                ),
                other => panic!("unexpected node {other:?}"),
            }
        }
        let docs = Yaml::load_from_str(text).unwrap();
        conv(&docs[0])
    }

    fn round(v: &Value) {
        let text = to_yaml(v, &Comments::new());
        assert_eq!(&parse(&text), v, "\n{text}");
    }

    #[test]
    fn quotes_what_would_read_as_something_else() {
        for s in [
            "yes",
            "null",
            "~",
            "1.0",
            "0x1",
            "1e3",
            "-1",
            ".5",
            "*a",
            "&a",
            "!t",
            "%x",
            "@x",
            "`x",
            "a: b",
            "a #b",
            "a:",
            "{% $x %}",
            "- x",
            "",
            " lead",
            "trail ",
            "2024-01-01",
            "\u{85}x",
            "a\u{2028}b",
            "\u{feff}",
            "tab\there",
            "\r\n",
        ] {
            round(&json!({ s: s, "list": [s] }));
        }
        assert_eq!(
            to_yaml(&json!({"a": "$.x", "b": "Payload.$"}), &Comments::new()),
            "a: $.x\nb: Payload.$\n"
        );
    }

    #[test]
    fn writes_multi_line_strings_as_literal_blocks() {
        let v = json!({"a": "x\ny\n", "b": "x\ny", "c": "x\n\n", "d": ["p\n  q"], "e": "x\n \ny"});
        let text = to_yaml(&v, &Comments::new());
        assert!(text.contains("a: |\n  x\n  y\n"), "{text}");
        assert!(text.contains("b: |-\n"), "{text}");
        round(&v);
    }

    #[test]
    fn writes_empty_containers_numbers_and_comments() {
        let v = json!({"m": {}, "l": [], "f": 2.0, "i": 2, "n": null, "s": [{"name": "A", "x": 1}, [1, [2]], []]});
        round(&v);
        let mut c = Comments::new();
        c.insert("/s/0".into(), vec!["about A".into()]);
        c.insert("/s/0/x".into(), vec!["about x".into()]);
        let text = to_yaml(&v, &c);
        assert!(
            text.contains("  # about A\n  - name: A\n    # about x\n    x: 1\n"),
            "{text}"
        );
        round(&json!("top"));
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::from),
            "[ -~\n\t]{0,12}".prop_map(Value::from),
            "(yes|no|1\\.0|0x1|~|null|:|#| #|: |\\*|&|!|%|@|`|-)[a-z ]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                prop::collection::vec((any::<String>(), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn any_value_reads_back(v in any_json()) {
            let text = to_yaml(&v, &Comments::new());
            prop_assert_eq!(parse(&text), v, "{}", text);
        }
    }
}
