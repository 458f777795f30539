//! Tests of the JSON loader: spans, pointers, duplicates, errors, and equivalence with
//! serde_json over generated, broken and real-world inputs.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::load;
use crate::location::TextRange;

fn text_at(src: &str, r: TextRange) -> &str {
    &src[r.start..r.end]
}

/// Every node of `v` with its pointer and, for object members, its key.
pub(crate) fn walk(
    v: &Value,
    pointer: &str,
    key: Option<&str>,
    out: &mut Vec<(String, Value, Option<String>)>,
) {
    out.push((pointer.to_string(), v.clone(), key.map(str::to_string)));
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &crate::pointer::push_index(pointer, i), None, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                walk(item, &crate::pointer::push(pointer, k), Some(k), out);
            }
        }
        _ => {}
    }
}

/// The location invariants: every node has a location, the value span re-parses to the
/// node, the key span re-parses to the key, and there are no stale extra entries.
fn check_locations(src: &str) {
    let loaded = load(src).unwrap();
    let mut nodes = Vec::new();
    walk(&loaded.value, "", None, &mut nodes);
    assert_eq!(
        loaded.locations.len(),
        nodes.len(),
        "stale locations in {src:?}"
    );
    for (p, v, key) in nodes {
        let loc = loaded
            .locations
            .get(&p)
            .unwrap_or_else(|| panic!("no location for {p:?}"));
        let reparsed: Value = serde_json::from_str(text_at(src, loc.value)).unwrap();
        assert_eq!(reparsed, v, "value span of {p:?}");
        match (loc.key, key) {
            (Some(span), Some(key)) => {
                let written: String = serde_json::from_str(text_at(src, span)).unwrap();
                assert_eq!(written, key, "key span of {p:?}");
            }
            (None, None) => {}
            other => panic!("key location {other:?} at {p:?}"),
        }
    }
}

#[test]
fn records_key_and_value_spans() {
    let src = "{\n  \"StartAt\": \"A\",\n  \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true}},\n  \"L\": [1, [2.5e3], null]\n}";
    let l = load(src).unwrap();
    assert!(l.issues.is_empty());
    let root = l.locations.get("").unwrap();
    assert_eq!(root.key, None);
    assert_eq!(root.value, TextRange::new(0, src.len()));
    let a = l.locations.get("/States/A").unwrap();
    assert_eq!(text_at(src, a.key.unwrap()), "\"A\"");
    assert_eq!(text_at(src, a.value), "{\"Type\": \"Pass\", \"End\": true}");
    assert_eq!(
        text_at(src, l.locations.get("/L/1/0").unwrap().value),
        "2.5e3"
    );
    assert_eq!(l.locations.get("/L/1/0").unwrap().key, None);
    assert_eq!(text_at(src, l.locations.get("/L/2").unwrap().value), "null");
    check_locations(src);
}

#[test]
fn escapes_awkward_keys_in_pointers() {
    let src = r#"{"States": {"a/b": {"x~y": 1}, "~1": 2, "": 3, "a\/c": 4}}"#;
    let l = load(src).unwrap();
    assert_eq!(
        text_at(src, l.locations.get("/States/a~1b/x~0y").unwrap().value),
        "1"
    );
    assert_eq!(
        text_at(src, l.locations.get("/States/~01").unwrap().key.unwrap()),
        "\"~1\""
    );
    assert_eq!(
        text_at(src, l.locations.get("/States/").unwrap().value),
        "3"
    );
    assert_eq!(
        text_at(src, l.locations.get("/States/a~1c").unwrap().key.unwrap()),
        r#""a\/c""#
    );
    check_locations(src);
}

#[test]
fn reports_duplicate_keys_with_both_spans_and_keeps_the_last() {
    let src = r#"{"States": {"A": {"Next": "B", "Type": "Pass", "Next": {"deep": 1}}}}"#;
    let l = load(src).unwrap();
    assert_eq!(l.value, serde_json::from_str::<Value>(src).unwrap());
    assert_eq!(
        l.value["States"]["A"],
        json!({"Next": {"deep": 1}, "Type": "Pass"})
    );
    assert_eq!(l.issues.len(), 1);
    let d = &l.issues[0];
    assert_eq!(d.code, super::DUPLICATE_KEY.code);
    assert_eq!(d.name, "duplicate-key");
    assert_eq!(d.severity, crate::Severity::Error);
    assert_eq!(d.pointer, "/States/A/Next");
    assert_eq!(d.message, "duplicate key `Next` in object at /States/A");
    let second = src.rfind("\"Next\"").unwrap();
    let first = src.find("\"Next\"").unwrap();
    assert_eq!(d.span, Some(TextRange::new(second, second + 6)));
    assert_eq!(d.notes[0].span, Some(TextRange::new(first, first + 6)));
    assert_eq!(d.notes[0].message, "first defined here");
    // The location is the last value's; nothing is left of the replaced one.
    assert_eq!(
        text_at(src, l.locations.get("/States/A/Next").unwrap().value),
        "{\"deep\": 1}"
    );
    check_locations(src);
}

#[test]
fn replaced_subtrees_leave_no_stale_locations() {
    let src = r#"{"a": {"x": [1, {"y": 2}]}, "b": 0, "a": {"z": 3}, "a": 4}"#;
    let l = load(src).unwrap();
    assert_eq!(l.issues.len(), 2);
    assert!(l.locations.get("/a/x").is_none());
    assert!(l.locations.get("/a/x/1/y").is_none());
    assert!(l.locations.get("/a/z").is_none());
    assert_eq!(l.issues[1].message, "duplicate key `a` in the root object");
    // Both notes point at the first occurrence.
    assert_eq!(l.issues[1].notes[0].span, Some(TextRange::new(1, 4)));
    check_locations(src);
}

#[test]
fn many_duplicates_are_linear() {
    let mut src = String::from("{");
    for i in 0..20_000 {
        src.push_str(&format!("\"k{}\": {i},", i % 10_000));
    }
    src.push_str("\"end\": 0}");
    let l = load(&src).unwrap();
    assert_eq!(l.issues.len(), 10_000);
    // Like serde_json: first position, last value (the object is large enough to be indexed).
    let expected: Value = serde_json::from_str(&src).unwrap();
    assert_eq!(
        serde_json::to_string(&l.value).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
    check_locations(&src);
}

#[test]
fn skips_bom_but_counts_it_and_accepts_crlf() {
    let src = "\u{feff}{\r\n  \"a\": [true,\r\n false]\r\n}\r\n";
    let l = load(src).unwrap();
    assert_eq!(l.value, json!({"a": [true, false]}));
    assert_eq!(l.locations.get("").unwrap().value.start, 3);
    assert_eq!(
        text_at(src, l.locations.get("/a/1").unwrap().value),
        "false"
    );
}

#[test]
fn converts_numbers_like_serde_json() {
    for t in [
        "0",
        "-0",
        "-0.0",
        "1",
        "-1",
        "123456789012345678",
        "1234567890123456789",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "1e3",
        "1E-3",
        "2.5e+10",
        "0.1",
        "1e308",
        "123456789012345678901234567890",
        "4.9e-324",
        "-1234567890.0987654321e-5",
    ] {
        let ours = load(t).unwrap().value;
        let theirs: Value = serde_json::from_str(t).unwrap();
        assert_eq!(ours, theirs, "{t}");
        assert_eq!(ours.to_string(), theirs.to_string(), "{t}");
    }
}

fn err(src: &str) -> crate::Diagnostic {
    let e = load(src).unwrap_err();
    assert_eq!(e.code, super::INVALID_JSON.code);
    assert_eq!(e.name, "invalid-json");
    e
}

#[test]
fn syntax_errors_are_precise() {
    let cases: &[(&str, &str, usize)] = &[
        (
            r#"{"a": 1 "b": 2}"#,
            "expected `,` or `}` after object member, found `\"`",
            8,
        ),
        (
            "[1 2]",
            "expected `,` or `]` after array item, found `2`",
            3,
        ),
        (r#"{"a": "x"#, "unterminated string", 6),
        ("{\"a\": \"x\ny\"}", "control character U+000A", 8),
        (
            "[1] x",
            "expected the end of the text after the JSON value, found `x`",
            4,
        ),
        ("", "unexpected end of input: expected a JSON value", 0),
        ("{\"a\" 1}", "expected `:` after object key, found `1`", 5),
        ("{1: 2}", "expected a string key or `}`, found `1`", 1),
        ("{\"a\": 1,}", "expected a string key, found `}`", 8),
        ("[1,]", "expected a JSON value, found `]`", 3),
        ("[01]", "leading zeros are not allowed in numbers", 2),
        (
            "[1.]",
            "expected a digit after the decimal point, found `]`",
            3,
        ),
        ("-", "unexpected end of input: expected a digit", 1),
        ("tru", "unexpected end of input: expected `true`", 3),
        ("nul1", "expected `null`, found `1`", 3),
        (r#""\x""#, "invalid escape sequence `\\x`", 1),
        (
            r#""\u12G4""#,
            "invalid `\\u` escape: expected 4 hexadecimal digits",
            5,
        ),
        (r#""\uD800""#, "lone leading surrogate `\\uD800`", 1),
        (
            r#""\uD800\u0041""#,
            "lone leading surrogate `\\uD800`: `\\u0041` is not",
            1,
        ),
        (r#""\uDC00""#, "lone trailing surrogate `\\uDC00`", 1),
        ("1e400", "invalid number `1e400`: number out of range", 0),
        (
            "[\"a\", \u{feff}]",
            "expected a JSON value, found a byte order mark",
            6,
        ),
    ];
    for (src, msg, at) in cases {
        let e = err(src);
        assert!(e.message.starts_with(msg), "{src:?}: {}", e.message);
        assert_eq!(e.span.unwrap().start, *at, "{src:?}: {}", e.message);
        assert!(
            serde_json::from_str::<Value>(src.trim_start_matches('\u{feff}')).is_err(),
            "{src:?}"
        );
    }
}

#[test]
fn errors_carry_the_pointer_of_the_enclosing_node() {
    assert_eq!(
        err(r#"{"States": {"A": {"Type" "Pass"}}}"#).pointer,
        "/States/A"
    );
    assert_eq!(err(r#"{"a": [1, 2 3]}"#).pointer, "/a");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let e = err(&deep);
    assert!(e.message.starts_with("nesting too deep"), "{}", e.message);
    assert_eq!(e.span.unwrap().start, super::MAX_DEPTH);
    let deep_obj = "{\"a\":".repeat(100_000);
    assert!(err(&deep_obj).message.starts_with("nesting too deep"));
    let ok = format!(
        "{}{}",
        "[".repeat(super::MAX_DEPTH),
        "]".repeat(super::MAX_DEPTH)
    );
    let l = load(&ok).unwrap();
    assert_eq!(l.locations.len(), super::MAX_DEPTH);
}

#[test]
fn strings_decode_escapes() {
    let src = r#"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\uD83D\uDE00", "é😀", "\u0000"]"#;
    let l = load(src).unwrap();
    assert_eq!(l.value, serde_json::from_str::<Value>(src).unwrap());
    check_locations(src);
}

// --- equivalence with serde_json -----------------------------------------------------------

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z]{1,6}",
        Just("a/b".to_string()),
        Just("~".to_string()),
        Just("~1/~0".to_string()),
        Just(String::new()),
        any::<String>(),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        (-1000i32..1000, -30i32..30).prop_map(|(m, e)| json!(f64::from(m) * 10f64.powi(e))),
        any::<String>().prop_map(Value::String),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((arb_key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Serialize with whitespace, escapes and duplicate members chosen by `choices`.
struct Writer<'c> {
    choices: &'c [u8],
    i: usize,
    out: String,
    dups: usize,
}

impl Writer<'_> {
    fn pick(&mut self) -> u8 {
        let c = self
            .choices
            .get(self.i % self.choices.len().max(1))
            .copied()
            .unwrap_or(0);
        self.i += 1;
        c
    }

    fn ws(&mut self) {
        const WS: [&str; 8] = ["", "", "", " ", "\n", "\r\n", "\t", "  \r\n  "];
        let w = WS[usize::from(self.pick()) % WS.len()];
        self.out.push_str(w);
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let mode = self.pick() % 8;
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if (c as u32) < 0x20 || mode == 0 => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        self.out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                '/' if mode == 1 => self.out.push_str("\\/"),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, v: &Value) {
        self.ws();
        match v {
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.value(item);
                }
                self.ws();
                self.out.push(']');
            }
            Value::Object(map) => {
                self.out.push('{');
                let dup = self.pick().is_multiple_of(10) && !map.is_empty();
                if dup {
                    // A first occurrence whose value the real one replaces.
                    let (k, _) = map.iter().next().unwrap();
                    self.dups += 1;
                    self.ws();
                    self.string(&k.clone());
                    self.out.push_str(": [0, {\"stale\": 1}],");
                }
                for (i, (k, item)) in map.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(k);
                    self.ws();
                    self.out.push(':');
                    self.value(item);
                }
                self.ws();
                self.out.push('}');
            }
            scalar => self.out.push_str(&scalar.to_string()),
        }
        self.ws();
    }
}

fn write(v: &Value, choices: &[u8]) -> (String, usize) {
    let mut w = Writer {
        choices,
        i: 0,
        out: String::new(),
        dups: 0,
    };
    w.value(v);
    (w.out, w.dups)
}

fn same_as_serde(src: &str) {
    let ours = load(src);
    // A leading BOM is the one input we accept by design and serde_json rejects.
    let theirs = serde_json::from_str::<Value>(src.strip_prefix('\u{feff}').unwrap_or(src));
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(&a.value, b, "{src:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "accept/reject differs on {src:?}: ours {:?} serde {:?}",
            ours.map(|l| l.value),
            theirs
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_match_serde_json(v in arb_value(), choices in prop::collection::vec(any::<u8>(), 1..64)) {
        let (src, dups) = write(&v, &choices);
        let l = load(&src).unwrap();
        prop_assert_eq!(&l.value, &serde_json::from_str::<Value>(&src).unwrap());
        // Not `== v`: serde_json's default float parsing may be 1 ULP off the written value.
        prop_assert_eq!(l.issues.len(), dups);
        check_locations(&src);
    }

    #[test]
    fn broken_documents_match_serde_json(
        v in arb_value(),
        choices in prop::collection::vec(any::<u8>(), 1..32),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(vec![
            '{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '1', '-', '+', '.', 'e', 'E',
            't', 'f', 'n', 'u', 'D', '8', 'x', '\u{1}', '\u{7f}', 'é', '\u{feff}',
        ])), 1..4),
    ) {
        let (src, _) = write(&v, &choices);
        let mut chars: Vec<char> = src.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 if i < chars.len() => { chars.remove(i); }
                1 if i < chars.len() => chars[i] = c,
                _ => chars.insert(i, c),
            }
        }
        let broken: String = chars.into_iter().collect();
        same_as_serde(&broken);
        if load(&broken).is_ok() {
            check_locations(&broken);
        }
    }

    #[test]
    fn arbitrary_text_matches_serde_json(s in "[\\[\\]{}\",:0-9eE.+\\-tfnrul\\\\ a]{0,24}") {
        same_as_serde(&s);
    }
}

#[test]
fn conformance_corpus_round_trips() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let root = root.as_path();
    let mut stack = vec![root.to_path_buf()];
    let (mut files, mut rejected, mut nodes, mut dups) = (0, 0, 0, 0);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let Ok(src) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let ours = load(&src);
                let theirs = serde_json::from_str::<Value>(src.trim_start_matches('\u{feff}'));
                match (&ours, &theirs) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(&a.value, b, "{}", path.display());
                        check_locations(&src);
                        nodes += a.locations.len();
                        dups += a.issues.len();
                    }
                    (Err(_), Err(_)) => rejected += 1,
                    _ => panic!(
                        "accept/reject differs on {}: {:?}",
                        path.display(),
                        ours.err()
                    ),
                }
                files += 1;
            }
        }
    }
    println!(
        "conformance: {files} files ({rejected} rejected by both), {nodes} nodes, {dups} duplicate keys"
    );
    assert!(files > 0);
}

/// Throughput of the loader on a synthetic ~5 MB ASL definition. Run with
/// `cargo test -p nexus-schema --release -- --ignored json_throughput --nocapture`.
#[test]
#[ignore = "benchmark: run in release mode"]
fn json_throughput() {
    let mut states = serde_json::Map::new();
    let mut i = 0;
    for _ in 0..10 {
        for _ in 0..1000 {
            states.insert(
                format!("Step {i}"),
                json!({
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f", "Payload.$": "$"},
                    "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 1.5}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail", "ResultPath": "$.error"}],
                    "ResultPath": "$.r",
                    "Next": format!("Step {}", i + 1),
                    "Comment": "a comment with \"escapes\" \\ and unicode é"
                }),
            );
            i += 1;
        }
    }
    let src =
        serde_json::to_string_pretty(&json!({"StartAt": "Step 0", "States": states})).unwrap();
    let mb = src.len() as f64 / 1e6;
    let runs = 10;
    // Parse time and drop time separately: the allocator dominates both.
    let (mut ours, mut ours_drop, mut serde, mut serde_drop) = (0.0, 0.0, 0.0, 0.0);
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let l = std::hint::black_box(load(&src).unwrap());
        ours += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        drop(l);
        ours_drop += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let v = std::hint::black_box(serde_json::from_str::<Value>(&src).unwrap());
        serde += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        drop(v);
        serde_drop += t.elapsed().as_secs_f64();
    }
    let runs = f64::from(runs);
    let (ours, ours_drop, serde, serde_drop) = (
        ours / runs,
        ours_drop / runs,
        serde / runs,
        serde_drop / runs,
    );
    println!(
        "{mb:.1} MB: load_json {:.1} ms ({:.0} MB/s) + drop {:.1} ms; serde_json::Value {:.1} ms ({:.0} MB/s) + drop {:.1} ms",
        ours * 1e3,
        mb / ours,
        ours_drop * 1e3,
        serde * 1e3,
        mb / serde,
        serde_drop * 1e3,
    );
}
