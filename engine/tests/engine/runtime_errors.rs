//! Runtime failures as AWS raises and words them (the catalogue in `src/catalogue.rs`), and
//! what AWS enforces at run time: task timeouts and heartbeats on real handler time, the
//! 25,000-event history quota, Standard vs Express, fresh execution names and task tokens.
//! Each case cites the AWS documentation it follows.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nexus_engine::{
    Engine, Execution, ExecutionStatus, Handler, HandlerError, Handlers, MockHandler, RunOptions,
    TaskRequest, WorkflowType,
};
use serde_json::{Value, json};

fn run(def: Value, input: Value) -> Execution {
    run_with(def, input, &Handlers::new(), RunOptions::default())
}

fn run_with(def: Value, input: Value, h: &Handlers, opts: RunOptions) -> Execution {
    Engine::new(&def, opts).unwrap().run(input, h).unwrap()
}

fn cause(x: &Execution) -> &str {
    x.cause.as_deref().unwrap_or_default()
}

// ---- paths that select nothing (Developer Guide, "Paths"; Jayway's normalised path) --------

#[test]
fn input_and_output_paths_print_the_path_in_bracket_form() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "InputPath": "$.a.b[0]", "End": true}}});
    let x = run(def, json!({"a": {}}));
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
    assert!(
        cause(&x).ends_with("Invalid path '$.a.b[0]' : No results for path: $['a']['b'][0]"),
        "{}",
        cause(&x)
    );
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "OutputPath": "$.missing", "End": true}}});
    let x = run(def, json!({"x": 1}));
    assert!(cause(&x).ends_with("Invalid path '$.missing' : No results for path: $['missing']"));
}

#[test]
fn fail_error_path_and_cause_path_name_their_field_and_the_input() {
    // AWS words a Fail state's path like a payload template's `.$` field, not like InputPath:
    // "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the
    // input '...'", the same for CausePath, after the state's own input.
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"Error": "e"}, "Next": "F"},
        "F": {"Type": "Fail", "ErrorPath": "$.err", "Cause": "c"}}});
    let x = run(def, json!({"in": 1}));
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
    assert!(
        cause(&x).ends_with(
            "The JSONPath '$.err' specified for the field 'ErrorPath' could not be found in the input '{\"Error\":\"e\"}'"
        ),
        "{}",
        cause(&x)
    );
    let def = json!({"StartAt": "F", "States": {
        "F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.nope"}}});
    let x = run(def, json!({"e": "E"}));
    assert!(
        cause(&x).ends_with(
            "The JSONPath '$.nope' specified for the field 'CausePath' could not be found in the input '{\"e\":\"E\"}'"
        ),
        "{}",
        cause(&x)
    );
}

#[test]
fn payload_template_paths_name_their_field_and_the_input() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"v.$": "$.nope"}, "End": true}}});
    let x = run(def, json!({"a": 1}));
    assert!(cause(&x).ends_with(
        "The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input '{\"a\":1}'"
    ));
}

#[test]
fn bracket_member_names_with_escapes_read_the_right_member() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"a.$": "$['a\\'b']", "b.$": "$[\"x\\\"y\"]"}, "End": true}}});
    let x = run(def, json!({"a'b": 1, "x\"y": 2}));
    assert_eq!(x.output, Some(json!({"a": 1, "b": 2})));
}

// ---- ResultPath (ASL Appendix A: States.ResultPathMatchFailure) ----------------------------

#[test]
fn result_path_into_a_non_object_is_a_catchable_result_path_match_failure() {
    let pass = |catch: bool| {
        let mut t = json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
            "ResultPath": "$.s.r", "End": true});
        if catch {
            t["Catch"] = json!([{"ErrorEquals": ["States.ResultPathMatchFailure"], "Next": "C"}]);
        }
        json!({"StartAt": "T", "States": {"T": t, "C": {"Type": "Pass", "Result": "caught", "End": true}}})
    };
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(MockHandler::Return(json!(1))));
    let x = run_with(pass(false), json!({"s": "text"}), &h, RunOptions::default());
    assert_eq!(x.error.as_deref(), Some("States.ResultPathMatchFailure"));
    assert!(cause(&x).contains("Unable to apply ResultPath '$.s.r'"));
    let x = run_with(pass(true), json!({"s": "text"}), &h, RunOptions::default());
    assert_eq!(x.output, Some(json!("caught")));
}

// ---- Wait (ASL, Wait State: ISO-8601 extended offset date-times) ---------------------------

#[test]
fn timestamp_path_values_must_be_extended_offset_date_times() {
    let def = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "TimestampPath": "$.t", "End": true}}});
    for bad in [
        "2024-01-01 00:00:00Z",
        "2024-01-01T00:00:00",
        "2024-13-01T00:00:00Z",
        "2024-01-01T25:00:00Z",
    ] {
        let x = run(def.clone(), json!({"t": bad}));
        assert_eq!(x.error.as_deref(), Some("States.Runtime"), "{bad}");
        assert!(cause(&x).ends_with(&format!(
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == {bad}"
        )));
    }
    let x = run(def, json!({"t": "2024-01-01T00:00:00+01:00"}));
    assert_eq!(x.status, ExecutionStatus::Succeeded);
}

#[test]
fn jsonata_timestamp_and_seconds_failures_are_query_evaluation_errors() {
    let wait = |field: &str, expr: &str| {
        json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
            "W": {"Type": "Wait", field: expr, "End": true}}})
    };
    let x = run(
        wait("Timestamp", "{% $states.input.t %}"),
        json!({"t": "2024-01-01 00:00:00Z"}),
    );
    assert_eq!(x.error.as_deref(), Some("States.QueryEvaluationError"));
    assert!(cause(&x).contains("'$states.input.t' specified for the field 'Timestamp'"));
    let x = run(wait("Timestamp", "{% $states.input.t %}"), json!({"t": 5}));
    assert_eq!(x.error.as_deref(), Some("States.QueryEvaluationError"));
    let x = run(wait("Seconds", "{% $states.input.s %}"), json!({"s": -1}));
    assert_eq!(x.error.as_deref(), Some("States.QueryEvaluationError"));
    assert!(cause(&x).contains(
        "The JSONata expression '$states.input.s' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer'"
    ));
}

// ---- Task timeouts and heartbeats (ASL, Task State: TimeoutSeconds, HeartbeatSeconds) -------

/// Answers after `delay` of real time, beating every `beat` when given.
struct Slow {
    delay: Duration,
    beat: Option<Duration>,
}

impl Handler for Slow {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> nexus_engine::handlers::HandlerFuture<'a> {
        Box::pin(async move {
            let start = tokio::time::Instant::now();
            while start.elapsed() < self.delay {
                let step = self.beat.unwrap_or(self.delay);
                tokio::time::sleep(step.min(self.delay)).await;
                req.heartbeat.beat();
            }
            Ok::<Value, HandlerError>(json!("done"))
        })
    }
}

fn task(extra: Value) -> Value {
    let mut t = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "slow"}, "End": true});
    if let (Value::Object(t), Value::Object(e)) = (&mut t, extra) {
        t.extend(e);
    }
    json!({"StartAt": "T", "States": {"T": t}})
}

fn slow(delay_ms: u64, beat_ms: Option<u64>) -> Handlers {
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(Slow {
        delay: Duration::from_millis(delay_ms),
        beat: beat_ms.map(Duration::from_millis),
    }));
    h
}

#[test]
fn task_timeout_counts_real_handler_time_on_the_virtual_clock() {
    let x = run_with(
        task(json!({"TimeoutSeconds": 1})),
        json!({}),
        &slow(2500, None),
        RunOptions::default(),
    );
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert_eq!(x.error.as_deref(), Some("States.Timeout"));
}

#[test]
fn heartbeats_keep_a_task_alive_and_their_absence_times_it_out() {
    let opts = RunOptions::default;
    let x = run_with(
        task(json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10})),
        json!({}),
        &slow(2200, Some(300)),
        opts(),
    );
    assert_eq!(x.status, ExecutionStatus::Succeeded, "{:?}", x.cause);
    let x = run_with(
        task(json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10})),
        json!({}),
        &slow(2200, None),
        opts(),
    );
    assert_eq!(x.error.as_deref(), Some("States.HeartbeatTimeout"));
}

#[test]
fn timeout_seconds_path_values_must_be_positive_integers() {
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(MockHandler::Return(json!(1))));
    let with = |field: &str, input: Value| {
        let mut extra = json!({format!("{field}Path"): "$.t"});
        if field == "HeartbeatSeconds" {
            extra["TimeoutSeconds"] = json!(100);
        }
        run_with(task(extra), input, &h, RunOptions::default())
    };
    for field in ["TimeoutSeconds", "HeartbeatSeconds"] {
        // Not an integer: the wording AWS uses for every numeric `...Path`.
        for (bad, shown) in [
            (json!("10"), "10"),
            (json!({"a": 1}), r#"{"a":1}"#),
            (json!(1.5), "1.5"),
        ] {
            let x = with(field, json!({"t": bad}));
            assert_eq!(x.error.as_deref(), Some("States.Runtime"), "{bad}");
            assert!(
                cause(&x).ends_with(&format!(
                    "The {field}Path field refers to value \"{shown}\" which is not a valid integer: $.t"
                )),
                "{}",
                cause(&x)
            );
        }
        // An integer out of range.
        let x = with(field, json!({"t": 0}));
        assert!(
            cause(&x).ends_with(&format!(
                "{field} must be a positive integer no greater than 99999999, but was 0."
            )),
            "{}",
            cause(&x)
        );
        // Nothing selected (recorded from AWS).
        let x = with(field, json!({}));
        assert!(
            cause(&x).ends_with("Invalid path '$.t' : No results for path: $['t']"),
            "{}",
            cause(&x)
        );
    }
}

/// The numeric `...Path` fields of a Map, with the causes LocalStack's AWS-recorded snapshots
/// (tests/aws/services/stepfunctions/v2/scenarios) hold.
#[test]
fn map_numeric_path_values_fail_with_aws_wording() {
    let map = |extra: Value| {
        let mut m = json!({"Type": "Map", "ItemsPath": "$.Items",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true});
        if let (Value::Object(m), Value::Object(e)) = (&mut m, extra) {
            m.extend(e);
        }
        json!({"StartAt": "MapState", "States": {"MapState": m}})
    };
    let prefix =
        "An error occurred while executing the state 'MapState' (entered at the event id #2). ";
    let cases = [
        (
            "MaxConcurrencyPath",
            json!({}),
            r#"The MaxConcurrencyPath field refers to value "{}" which is not a valid integer: $.v"#,
        ),
        (
            "MaxConcurrencyPath",
            json!("NoNumber"),
            r#"The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.v"#,
        ),
        (
            "ToleratedFailureCountPath",
            json!("NoNumber"),
            r#"The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer: $.v"#,
        ),
        (
            "ToleratedFailureCountPath",
            json!(-1),
            "ToleratedFailureCount cannot be negative.",
        ),
        (
            "ToleratedFailurePercentagePath",
            json!({}),
            r#"The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float: $.v"#,
        ),
        (
            "ToleratedFailurePercentagePath",
            json!(-1.1),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            "ToleratedFailurePercentagePath",
            json!(100.1),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
    ];
    for (field, v, want) in cases {
        let x = run(map(json!({field: "$.v"})), json!({"Items": [0], "v": v}));
        assert_eq!(x.error.as_deref(), Some("States.Runtime"), "{field} {v}");
        assert_eq!(cause(&x), format!("{prefix}{want}"), "{field} {v}");
    }
    // A negative MaxItems ends the map run with States.ItemReaderFailed (recorded from AWS).
    let mut h = Handlers::new();
    h.register(
        "s3:getObject",
        Arc::new(MockHandler::Return(json!({"Body": "[1,2]"}))),
    );
    let reader = json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
        "Parameters": {"Bucket": "b", "Key": "k"},
        "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.v"}}});
    let x = run_with(
        map(reader.clone()),
        json!({"v": -1}),
        &h,
        RunOptions::default(),
    );
    assert_eq!(x.error.as_deref(), Some("States.ItemReaderFailed"));
    assert_eq!(cause(&x), "field MaxItems must be positive");
    let x = run_with(map(reader), json!({"v": 1.5}), &h, RunOptions::default());
    assert_eq!(
        cause(&x),
        format!(
            "{prefix}The MaxItemsPath field refers to value \"1.5\" which is not a valid integer: $.v"
        )
    );
}

// ---- quotas (Developer Guide, "Service quotas": 25,000 history events) -----------------------

#[test]
fn a_standard_execution_fails_at_25000_history_events() {
    // A counting loop: each round is a Pass and a Choice (four events); 10,000 rounds make
    // 40,000 events, far fewer than 25,000 transitions would stop.
    let def = json!({"StartAt": "Inc", "States": {
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericLessThan": 10000, "Next": "Inc"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    let opts = RunOptions {
        max_transitions: 1_000_000,
        record_history: false,
        ..RunOptions::default()
    };
    let x = run_with(def.clone(), json!({"n": 0}), &Handlers::new(), opts.clone());
    assert_eq!(x.status, ExecutionStatus::Failed);
    assert!(cause(&x).contains("maximum number of history events (25000)"));
    // Express executions keep no history and have no such quota.
    let opts = RunOptions {
        workflow_type: WorkflowType::Express,
        ..opts
    };
    let x = run_with(def, json!({"n": 0}), &Handlers::new(), opts);
    assert_eq!(x.status, ExecutionStatus::Succeeded);
}

// ---- Standard vs Express (Developer Guide, "Context object", "Choosing workflow type") ------

#[test]
fn express_context_has_an_express_arn_and_no_redrive_count() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"e.$": "$$.Execution"}, "End": true}}});
    let std_x = run(def.clone(), json!({}));
    let e = &std_x.output.unwrap()["e"];
    assert_eq!(e["RedriveCount"], json!(0));
    assert!(e["Id"].as_str().unwrap().contains(":execution:"));
    let opts = RunOptions {
        workflow_type: WorkflowType::Express,
        ..RunOptions::default()
    };
    let x = run_with(def, json!({}), &Handlers::new(), opts);
    let e = &x.output.unwrap()["e"];
    assert!(e.get("RedriveCount").is_none());
    assert!(e["Id"].as_str().unwrap().contains(":express:"));
}

#[test]
fn express_executions_time_out_after_five_minutes_and_reject_callbacks() {
    let opts = || RunOptions {
        workflow_type: WorkflowType::Express,
        ..RunOptions::default()
    };
    let def = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 301, "Next": "P"},
        "P": {"Type": "Pass", "End": true}}});
    let x = run_with(def, json!({}), &Handlers::new(), opts());
    assert_eq!(x.status, ExecutionStatus::TimedOut);
    let def = task(json!({"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"}));
    let x = run_with(def, json!({}), &slow(1, None), opts());
    assert_eq!(x.error.as_deref(), Some("States.Runtime"));
    assert!(cause(&x).contains("Express state machines do not support"));
}

// ---- identity (API StartExecution: a name is generated when none is given) -----------------

/// Records the task tokens it is given.
struct Tokens(Mutex<Vec<String>>);

impl Handler for Tokens {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> nexus_engine::handlers::HandlerFuture<'a> {
        if let (Ok(mut v), Some(t)) = (self.0.lock(), &req.task_token) {
            v.push(t.clone());
        }
        Box::pin(std::future::ready(Ok(json!({}))))
    }
}

#[test]
fn every_run_has_a_fresh_execution_name_and_unique_task_tokens() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"}, "End": true}}});
    let engine = Engine::new(&def, RunOptions::default()).unwrap();
    let a = engine
        .run(json!({}), &Handlers::new())
        .unwrap()
        .output
        .unwrap();
    let b = engine
        .run(json!({}), &Handlers::new())
        .unwrap()
        .output
        .unwrap();
    assert_ne!(a, b);
    let named = RunOptions {
        execution_name: Some("mine".into()),
        ..RunOptions::default()
    };
    let c = run_with(def, json!({}), &Handlers::new(), named);
    assert!(c.output.unwrap()["id"].as_str().unwrap().ends_with(":mine"));

    let cb = json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"MessageBody.$": "$$.Task.Token"}});
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "A", "States": {
            "A": cb.clone().as_object().cloned().map(|mut m| { m.insert("Next".into(), json!("B")); Value::Object(m) }).unwrap(),
            "B": cb.as_object().cloned().map(|mut m| { m.insert("End".into(), json!(true)); Value::Object(m) }).unwrap()}},
        "End": true}}});
    let seen = Arc::new(Tokens(Mutex::new(Vec::new())));
    let mut h = Handlers::new();
    h.set_fallback(seen.clone());
    let engine = Engine::new(&def, RunOptions::default()).unwrap();
    for _ in 0..2 {
        let x = engine.run(json!({"items": [1, 2, 3]}), &h).unwrap();
        assert_eq!(x.status, ExecutionStatus::Succeeded, "{:?}", x.cause);
    }
    let mut tokens = seen.0.lock().unwrap().clone();
    assert_eq!(tokens.len(), 12);
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 12, "task tokens repeat");
}

/// A handlers set whose only handler runs `sh -c script` (the exec handler).
#[cfg(unix)]
fn sh(script: &str) -> Handlers {
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(nexus_engine::ExecHandler::new(
        "sh",
        vec!["-c".into(), script.into()],
    )));
    h
}

#[cfg(unix)]
#[test]
fn an_exec_handler_beats_with_a_stderr_line() {
    // 2 s of work with HeartbeatSeconds 1: alive while it prints `nexus:heartbeat`.
    let beating = "cat >/dev/null; for i in 1 2 3 4 5 6 7; do echo nexus:heartbeat >&2; sleep 0.3; done; echo '{\"ok\":1}'";
    let x = run_with(
        task(json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10})),
        json!({}),
        &sh(beating),
        RunOptions::default(),
    );
    assert_eq!(x.status, ExecutionStatus::Succeeded, "{:?}", x.cause);
    let silent = "cat >/dev/null; sleep 2; echo '{\"ok\":1}'";
    let x = run_with(
        task(json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10})),
        json!({}),
        &sh(silent),
        RunOptions::default(),
    );
    assert_eq!(x.error.as_deref(), Some("States.HeartbeatTimeout"));
    // Heartbeat lines are not the program's error text.
    let failing = "cat >/dev/null; echo nexus:heartbeat >&2; echo boom >&2; exit 3";
    let x = run_with(
        task(json!({})),
        json!({}),
        &sh(failing),
        RunOptions::default(),
    );
    assert_eq!(x.error.as_deref(), Some("States.TaskFailed"));
    assert!(cause(&x).ends_with(": boom"), "{}", cause(&x));
}

/// A one-shot HTTP server on 127.0.0.1: sends `interim` 102 responses `gap` apart, then 200.
fn http_server(interim: usize, gap: Duration) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // Read the whole request (head and body): closing a socket with unread data resets it.
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).unwrap_or(0);
            req.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&req).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len: usize = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if req.len() >= end + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        for _ in 0..interim {
            std::thread::sleep(gap);
            let _ = s.write_all(b"HTTP/1.1 102 Processing\r\n\r\n");
        }
        std::thread::sleep(gap);
        let body = b"{\"ok\":1}";
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(body);
        let _ = s.shutdown(std::net::Shutdown::Write);
    });
    format!("http://{addr}/work")
}

#[test]
fn an_http_handler_beats_with_interim_102_responses() {
    let handlers = |url: String| {
        let mut h = Handlers::new();
        h.set_fallback(Arc::new(nexus_engine::HttpHandler::new(url)));
        h
    };
    let def = task(json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10}));
    let x = run_with(
        def.clone(),
        json!({}),
        &handlers(http_server(5, Duration::from_millis(400))),
        RunOptions::default(),
    );
    assert_eq!(x.status, ExecutionStatus::Succeeded, "{:?}", x.cause);
    assert_eq!(x.output, Some(json!({"ok": 1})));
    let x = run_with(
        def,
        json!({}),
        &handlers(http_server(0, Duration::from_millis(1800))),
        RunOptions::default(),
    );
    assert_eq!(x.error.as_deref(), Some("States.HeartbeatTimeout"));
}
