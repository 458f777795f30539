//! The limits every run is held to (`RunOptions`): state transitions, wall time and payload
//! size each end a run the way Step Functions ends it, and never hang or panic.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use nexus_engine::{Engine, ExecutionStatus, Handlers, RealClock, RunOptions};
use serde_json::json;

fn endless_loop() -> serde_json::Value {
    json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": "A"}}})
}

#[test]
fn transition_limit_fails_an_endless_loop() {
    let opts = RunOptions {
        max_transitions: 100,
        ..RunOptions::default()
    };
    let x = Engine::new(&endless_loop(), opts)
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
    assert!(
        x.cause
            .unwrap()
            .contains("maximum number of state transitions (100)")
    );
    assert_eq!(x.transitions, 101);
}

#[test]
fn wall_time_limit_times_out_a_real_wait() {
    let def =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let opts = RunOptions {
        wall_time: Some(Duration::from_millis(50)),
        clock: Arc::new(RealClock),
        ..RunOptions::default()
    };
    // The status is the check: without the limit this run would wait an hour.
    let x = Engine::new(&def, opts)
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::TimedOut);
    assert_eq!(x.error.as_deref(), Some("States.Timeout"));
}

#[test]
fn execution_timeout_seconds_times_out_on_the_virtual_clock() {
    let def = json!({"StartAt": "W", "TimeoutSeconds": 10, "States": {
        "W": {"Type": "Wait", "Seconds": 60, "Next": "P"},
        "P": {"Type": "Pass", "End": true}}});
    let x = Engine::new(&def, RunOptions::default())
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::TimedOut);
    assert_eq!(x.error.as_deref(), Some("States.Timeout"));
}

#[test]
fn payload_limit_fails_with_data_limit_exceeded() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let opts = RunOptions {
        max_payload_bytes: 1024,
        ..RunOptions::default()
    };
    let engine = Engine::new(&def, opts).unwrap();
    let small = engine
        .run(json!({"s": "x".repeat(100)}), &Handlers::new())
        .unwrap();
    assert_eq!(small.status, ExecutionStatus::Succeeded);
    let big = engine
        .run(json!({"s": "x".repeat(2000)}), &Handlers::new())
        .unwrap();
    assert_eq!(big.status, ExecutionStatus::Failed);
    assert_eq!(big.error.as_deref(), Some("States.DataLimitExceeded"));
    // AWS's quota by default.
    assert_eq!(RunOptions::default().max_payload_bytes, 256 * 1024);
}

#[test]
fn a_deep_map_is_bounded_by_the_transition_limit() {
    // Every iteration of an inner Map counts: a wide fan-out cannot run forever either.
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "L", "States": {
            "L": {"Type": "Pass", "Next": "L2"},
            "L2": {"Type": "Pass", "Next": "L"}}},
        "End": true}}});
    let opts = RunOptions {
        max_transitions: 1000,
        ..RunOptions::default()
    };
    let x = Engine::new(&def, opts)
        .unwrap()
        .run(json!({"items": [1, 2, 3]}), &Handlers::new())
        .unwrap();
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
}

/// Runs `expr` as the `Output` of a JSONata Pass state under the default limits, and how long
/// the run took.
fn run_jsonata(expr: &str) -> (nexus_engine::Execution, Duration) {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": format!("{{% {expr} %}}"), "End": true}}});
    let started = std::time::Instant::now();
    let x = Engine::new(&def, RunOptions::default())
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
    (x, started.elapsed())
}

/// Expressions whose result grows geometrically or multiplies bounded pieces: each stops at
/// the evaluation budget with `States.QueryEvaluationError` in about a second at most (debug
/// build), long before memory runs out (issue #12: before the budget bounded strings, results
/// and memory, `$s & $s` doubled until the 10 s time limit or the machine's memory ended it).
/// U1004 is the string limit, U1005 the memory limit, D2015 the sequence limit.
#[test]
fn jsonata_growth_stops_at_the_evaluation_budget() {
    let cases = [
        // String doubling, by recursion and by $reduce: refused before the 8 MiB string.
        (
            r#"($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $f("x", 40))"#,
            "U1004",
        ),
        (
            r#"$reduce([1..40], function($a, $b){ $a & $a }, "x")"#,
            "U1004",
        ),
        // One string joined, stringified or substituted many times over: refused before
        // the result is allocated.
        (
            r#"($s := $pad("", 1000000, "x"); $join([1..100000].($s)))"#,
            "U1004",
        ),
        (
            r#"($f := function($a, $n){ $n = 0 ? $a : $f({"l": $a, "r": $a}, $n - 1) }; "" & $f(1, 40))"#,
            "U1004",
        ),
        (
            r#"$replace($pad("", 1000, "a"), "a", $pad("", 1000000, "b"))"#,
            "U1004",
        ),
        (
            r#"$replace($pad("", 1000, "a"), /a/, $pad("", 1000000, "b"))"#,
            "U1004",
        ),
        // A value that holds one string 100,000 times is small in memory and 100 GB as JSON.
        (
            r#"($s := $pad("", 1000000, "x"); $merge([1..100000].{$string($): $s}))"#,
            "bytes of JSON",
        ),
        // Bounded strings and sequences, many of them: the memory limit.
        (
            r#"($s := $pad("", 1000000, "x"); $count([1..100000].($s & $)))"#,
            "U1005",
        ),
        ("$count([1..1000000].([1..1000000]))", "U1005"),
        (
            r#"($f := function($a, $n){ $n = 0 ? $a : $f([$a, $a], $n - 1) }; $f(["x"], 40))"#,
            "U1005",
        ),
        (
            r#"($f := function($a, $n){ $n = 0 ? $a : $f([$a, $a], $n - 1) }; $string($f([1], 40)))"#,
            "U1005",
        ),
        // A sequence appended to itself.
        (
            "$count($reduce([1..40], function($a, $b){ $append($a, $a) }, [1]))",
            "D2015",
        ),
    ];
    for (expr, code) in cases {
        let (x, took) = run_jsonata(expr);
        assert_eq!(x.status, ExecutionStatus::Failed, "{expr}");
        assert_eq!(
            x.error.as_deref(),
            Some("States.QueryEvaluationError"),
            "{expr}: {:?}",
            x.cause
        );
        let cause = x.cause.unwrap_or_default();
        assert!(cause.contains(code), "{expr}: {cause}");
        // Each took at most 1.2 s on a loaded 2-core machine (the memory-limit cases build
        // their 256 MiB first); the slack is for a busier CI runner.
        assert!(took < Duration::from_secs(5), "{expr} took {took:?}");
    }
}

/// The budget leaves honest expressions alone: a string built piece by piece up to the
/// payload limit, a join of many short strings, a large but bounded object.
#[test]
fn jsonata_budget_keeps_honest_growth() {
    for (expr, len) in [
        (
            r#"$length($reduce([1..20000], function($a, $b){ $a & "0123456789" }, ""))"#,
            200_000,
        ),
        (
            r#"$length($join([1..20000].($string($ % 10)), ""))"#,
            20_000,
        ),
        (
            r#"$length($string($merge([1..10000].{$string($): "v"})))"#,
            // {"1":"v",...}: keys 1..10000 (38,894 digits), six more bytes each (quotes, colon,
            // "v"), 9,999 commas and the braces.
            38_894 + 6 * 10_000 + 9_999 + 2,
        ),
    ] {
        let (x, _) = run_jsonata(expr);
        assert_eq!(
            x.status,
            ExecutionStatus::Succeeded,
            "{expr}: {:?}",
            x.cause
        );
        assert_eq!(x.output, Some(json!(len)), "{expr}");
    }
}

/// A one-shot HTTP server on 127.0.0.1 that answers the first request with a 200 header and
/// then `body(stream)`; its URL.
fn http_server(body: fn(&mut std::net::TcpStream)) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/task", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        let _ = s.read(&mut [0u8; 4096]);
        if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            .is_ok()
        {
            body(&mut s);
        }
    });
    url
}

fn run_http(url: String, timeout: Duration) -> (nexus_engine::Execution, Duration) {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}});
    let mut handlers = Handlers::new();
    handlers.set_fallback(Arc::new(
        nexus_engine::HttpHandler::new(url).timeout(timeout),
    ));
    let opts = RunOptions {
        clock: Arc::new(RealClock),
        ..RunOptions::default()
    };
    let started = std::time::Instant::now();
    let x = Engine::new(&def, opts)
        .unwrap()
        .run(json!({}), &handlers)
        .unwrap();
    (x, started.elapsed())
}

/// An endpoint that streams without end is cut off at the payload limit (issue #12: 1.1 GB
/// were read in 3 s): the server here stops after 32 MiB, which an uncapped read would take
/// whole and then fail to parse.
#[test]
fn http_handler_caps_a_streaming_response_at_the_payload_limit() {
    let url = http_server(|s| {
        use std::io::Write;
        let chunk = [b' '; 64 * 1024];
        for _ in 0..512 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let (x, took) = run_http(url, Duration::from_secs(30));
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(
        x.error.as_deref(),
        Some("States.DataLimitExceeded"),
        "{:?}",
        x.cause
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// A server that drips its answer a byte at a time cannot hold the task past the handler's
/// timeout: one deadline covers the whole response (issue #12: the read timeout was per read,
/// so the drip never timed out). The server drips for 6 s; the timeout is 1 s.
#[test]
fn http_handler_times_out_a_dripping_response_within_one_deadline() {
    let url = http_server(|s| {
        use std::io::Write;
        for _ in 0..60 {
            if s.write_all(b" ").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let (x, took) = run_http(url, Duration::from_secs(1));
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(x.error.as_deref(), Some("States.Timeout"), "{:?}", x.cause);
    assert!(took < Duration::from_secs(4), "took {took:?}");
}
