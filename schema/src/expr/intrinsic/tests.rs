//! Intrinsic function tests: parsing, static checks and evaluation.

use super::*;
use crate::expr::{ErrorName, EvalContext};
use serde_json::json;

fn run(expr: &str, input: Value) -> Result<Value, ExprError> {
    let call = parse(expr).unwrap();
    assert_eq!(check(&call), vec![], "{expr}");
    eval(&call, &EvalContext::with_input(&input))
}

fn ok(expr: &str, input: Value) -> Value {
    run(expr, input).unwrap()
}

fn fails(expr: &str, input: Value) -> ExprError {
    let call = parse(expr).unwrap();
    eval(&call, &EvalContext::with_input(&input)).unwrap_err()
}

#[test]
fn parses_nested_calls_with_offsets() {
    let src = "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit($.a, '/'), 2), $$.Execution.Id)";
    let call = parse(src).unwrap();
    assert_eq!(call.name, "States.Format");
    assert_eq!(call.args.len(), 3);
    let ArgKind::Call(inner) = &call.args[1].kind else {
        panic!("expected a nested call");
    };
    assert_eq!(inner.offset, 23);
    assert_eq!(inner.args[1].kind, ArgKind::Number(2.into()));
    assert!(matches!(&call.args[2].kind, ArgKind::Path(p) if p.as_str() == "$$.Execution.Id"));
}

#[test]
fn parses_literals_and_escapes() {
    let call =
        parse(r"States.Array('it\'s \{x\} \\', -1.5e2, true, false, null, $v.x[0])").unwrap();
    let kinds: Vec<_> = call.args.iter().map(|a| a.kind.clone()).collect();
    assert_eq!(kinds[0], ArgKind::String(r"it's {x} \".into()));
    assert_eq!(
        kinds[1],
        ArgKind::Number(serde_json::Number::from_f64(-150.0).unwrap())
    );
    assert_eq!(
        kinds[2..5],
        [ArgKind::Bool(true), ArgKind::Bool(false), ArgKind::Null]
    );
    assert!(matches!(&kinds[5], ArgKind::Path(p) if p.as_str() == "$v.x[0]"));
    // Brackets and parens inside a path argument do not end it.
    let call = parse("States.Array($.a['x,y)'], $.b.length())").unwrap();
    assert_eq!(call.args.len(), 2);
}

#[test]
fn reports_syntax_errors_with_offsets() {
    for (src, offset) in [
        ("Format('x')", 0),
        ("States.Format('x'", 17),
        ("States.Format('x)", 14),
        ("States.Format('x',)", 18),
        ("States.Format(\"x\")", 14),
        ("States.Format(foo)", 14),
        ("States.Array($.a[)", 17),
        ("States.Array(1) x", 16),
        ("States.Array(1 2)", 15),
    ] {
        let err = parse(src).unwrap_err();
        assert_eq!(err.offset, offset, "{src}: {}", err.message);
    }
}

#[test]
fn checks_names_arity_and_literal_types() {
    let cases = [
        ("States.Foo()", "unknown intrinsic function"),
        ("States.format('x')", "did you mean 'States.Format'"),
        ("States.UUID(1)", "takes no arguments"),
        ("States.ArrayRange(1, 2)", "exactly 3 arguments"),
        ("States.ArrayRange(1, 2.5, 1)", "expected an integer"),
        ("States.ArrayRange(1, 5000, 1)", "at most 1000"),
        ("States.ArrayRange(1, 5, 0)", "must not be 0"),
        ("States.ArrayPartition($.a, 0)", "positive integer"),
        ("States.ArrayGetItem($.a, -1)", "non-negative"),
        ("States.ArrayLength('abc')", "expected an array"),
        ("States.Hash($.a, 'SHA-999')", "unsupported hash algorithm"),
        ("States.JsonMerge($.a, $.b, true)", "deep merging"),
        ("States.JsonToString('x')", "expected a path"),
        (
            "States.Format('{} {}', $.a)",
            "2 placeholders '{}' but 1 value",
        ),
        ("States.Format(1)", "expected a string"),
    ];
    for (src, needle) in cases {
        let errors = check(&parse(src).unwrap());
        assert!(
            errors.iter().any(|e| e.message.contains(needle)),
            "{src}: {errors:?}"
        );
    }
    assert_eq!(
        check(&parse(r"States.Format('\{}', $.a, $.b)").unwrap()).len(),
        1
    );
    assert_eq!(
        check(&parse(r"States.Format('\{\} {}', $.a)").unwrap()),
        vec![]
    );
    let deep = "States.Array(".repeat(11) + &")".repeat(11);
    assert!(
        check(&parse(&deep).unwrap())[0]
            .message
            .contains("nested more than 10")
    );
}

#[test]
fn evaluates_every_function() {
    let input = json!({
        "arr": [1, 2, 2, {"a": 1}, {"a": 1}], "s": "Hello World", "n": 5, "obj": {"x": 1},
        "t": "Hi {}!", "b64": "SGVsbG8gV29ybGQ=", "f": 2.5
    });
    let i = || input.clone();
    assert_eq!(
        ok("States.Format('{} is {}', $.s, $.n)", i()),
        json!("Hello World is 5")
    );
    assert_eq!(ok("States.Format($.t, $.obj)", i()), json!("Hi {x=1}!"));
    assert_eq!(
        ok(r"States.Format('\{\}{}', $.arr)", i()),
        json!("{}[1, 2, 2, {a=1}, {a=1}]")
    );
    assert_eq!(
        ok("States.Format('{}{}', null, 1.5)", i()),
        json!("null1.5")
    );
    assert_eq!(
        ok("States.StringToJson('{\"a\": [1]}')", i()),
        json!({"a": [1]})
    );
    assert_eq!(ok("States.StringToJson('')", i()), Value::Null);
    assert_eq!(ok("States.JsonToString($.obj)", i()), json!("{\"x\":1}"));
    assert_eq!(ok("States.Array()", i()), json!([]));
    assert_eq!(ok("States.Array(1, 'a', $.n)", i()), json!([1, "a", 5]));
    assert_eq!(
        ok("States.ArrayPartition($.arr, 2)", i()),
        json!([[1, 2], [2, {"a": 1}], [{"a": 1}]])
    );
    assert_eq!(ok("States.ArrayContains($.arr, $.obj)", i()), json!(false));
    assert_eq!(ok("States.ArrayContains($.arr, 2.0)", i()), json!(true));
    assert_eq!(
        ok("States.ArrayRange(1, 9, 2)", i()),
        json!([1, 3, 5, 7, 9])
    );
    assert_eq!(ok("States.ArrayRange(5, 1, -2)", i()), json!([5, 3, 1]));
    assert_eq!(ok("States.ArrayRange(5, 1, 2)", i()), json!([]));
    assert_eq!(ok("States.ArrayGetItem($.arr, 3)", i()), json!({"a": 1}));
    assert_eq!(ok("States.ArrayLength($.arr)", i()), json!(5));
    assert_eq!(
        ok("States.ArrayUnique($.arr)", i()),
        json!([1, 2, {"a": 1}])
    );
    assert_eq!(
        ok("States.Base64Encode($.s)", i()),
        json!("SGVsbG8gV29ybGQ=")
    );
    assert_eq!(ok("States.Base64Decode($.b64)", i()), json!("Hello World"));
    assert_eq!(
        ok("States.Hash('Hash this string', 'SHA-256')", i()),
        json!("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")
    );
    assert_eq!(
        ok("States.Hash('abc', 'MD5')", i()),
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        ok("States.Hash('abc', 'SHA-1')", i()),
        json!("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        ok(
            "States.JsonMerge($.obj, States.StringToJson('{\"x\":2,\"y\":{\"z\":1}}'), false)",
            i()
        ),
        json!({"x": 2, "y": {"z": 1}})
    );
    assert_eq!(ok("States.MathAdd($.n, -1)", i()), json!(4));
    assert_eq!(ok("States.MathAdd($.f, 0)", i()), json!(3));
    assert_eq!(ok("States.MathAdd(-2.5, 0)", i()), json!(-2));
    assert_eq!(
        ok("States.StringSplit('a,b,,c', ',')", i()),
        json!(["a", "b", "c"])
    );
    assert_eq!(
        ok("States.StringSplit('This.is+a,test=string', '.+,=')", i()),
        json!(["This", "is", "a", "test", "string"])
    );
    let uuid = ok("States.UUID()", i());
    assert!(
        uuid::Uuid::parse_str(uuid.as_str().unwrap())
            .unwrap()
            .get_version_num()
            == 4
    );
}

#[test]
fn math_random_is_in_range_and_deterministic_with_a_seed() {
    for _ in 0..50 {
        let v = ok("States.MathRandom(-3, 4)", json!({})).as_i64().unwrap();
        assert!((-3..4).contains(&v));
    }
    let a = ok("States.MathRandom(0, 999, 3)", json!({}));
    assert_eq!(a, json!(239));
    assert_eq!(ok("States.MathRandom(0, 999, 3)", json!({})), a);
}

#[test]
fn reports_runtime_failures() {
    let input = json!({"arr": [1], "s": "x"});
    for (src, needle) in [
        ("States.ArrayGetItem($.arr, 5)", "out of bounds"),
        (
            "States.ArrayLength($.s)",
            "must be an array, but was string \"x\"",
        ),
        ("States.StringToJson('{')", "not valid JSON"),
        ("States.Base64Decode('***')", "not valid base64"),
        ("States.Format($.s, 1)", "placeholder"),
        ("States.MathRandom(5, 5)", "greater than"),
        ("States.MathAdd(3000000000, 1)", "between"),
    ] {
        let err = fails(src, input.clone());
        assert_eq!(err.name, ErrorName::IntrinsicFailure, "{src}");
        assert!(err.cause.contains(needle), "{src}: {}", err.cause);
    }
    let err = fails("States.Array($.missing)", input.clone());
    assert_eq!(err.name, ErrorName::Runtime);
    assert_eq!(
        err.cause,
        "The JSONPath '$.missing' could not be found in the input '{\"arr\":[1],\"s\":\"x\"}'"
    );
    let call = parse("States.Array($.missing)").unwrap();
    let err = eval_in_field(&call, &EvalContext::with_input(&input), "r.$").unwrap_err();
    assert!(
        err.cause
            .starts_with("The JSONPath '$.missing' specified for the field 'r.$'")
    );
}

#[test]
fn lists_path_arguments_at_any_depth() {
    let call =
        parse("States.Format('{} {}', $.a, States.ArrayGetItem($v.list, $$.Map.Item.Index))")
            .unwrap();
    let mut paths: Vec<&str> = call.paths().iter().map(|p| p.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["$$.Map.Item.Index", "$.a", "$v.list"]);
}
