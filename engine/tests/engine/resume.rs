//! Resuming interrupted executions from the event log.
//!
//! The crash is simulated in-process: a handler whose N-th call never answers, and a run
//! future that is dropped once it can go no further (everything it wrote to the log stays, as
//! when the process dies). The resumed run must call only the handlers whose answers the log
//! lacks, and end with the output, status and history of an uninterrupted run in which the
//! N-th call was merely slow.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use nexus_engine::eventlog::{self, Entry, EventLogWriter, OpenError, VerifyError};
use nexus_engine::{
    Engine, Execution, Handler, HandlerError, Handlers, LogError, RunError, RunOptions,
    TaskRequest, VirtualClock, handlers::HandlerFuture,
};
use serde_json::{Value, json};

type FailRule = fn(&TaskRequest) -> bool;

/// What the N-th call does.
#[derive(Clone, Copy, PartialEq)]
enum Nth {
    /// Never answers: the run is interrupted there.
    Hang,
    /// Answers on the second poll: an uninterrupted run in which that call is slow.
    Slow,
}

/// Answers every Task, recording `state:input` of each answered call; fails where `fail` says.
struct Counting {
    calls: Arc<Mutex<Vec<String>>>,
    started: AtomicUsize,
    nth: Option<(usize, Nth)>,
    hung: Arc<Mutex<Option<String>>>,
    fail: FailRule,
}

fn key(req: &TaskRequest) -> String {
    format!("{}:{}", req.state_name, req.input)
}

impl Handler for Counting {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let n = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = move || {
            self.calls.lock().unwrap().push(key(req));
            if (self.fail)(req) {
                Err(HandlerError::new(
                    "Flaky.Error",
                    format!("{} failed", req.state_name),
                ))
            } else {
                Ok(json!({"Payload": {"done": req.state_name, "got": req.input}}))
            }
        };
        match self.nth {
            Some((k, Nth::Hang)) if k == n => {
                *self.hung.lock().unwrap() = Some(key(req));
                Box::pin(std::future::pending())
            }
            Some((k, Nth::Slow)) if k == n => {
                let mut polled = false;
                Box::pin(std::future::poll_fn(move |cx| {
                    if polled {
                        Poll::Ready(answer())
                    } else {
                        polled = true;
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                }))
            }
            _ => Box::pin(std::future::ready(answer())),
        }
    }
}

struct Setup {
    handlers: Handlers,
    calls: Arc<Mutex<Vec<String>>>,
    hung: Arc<Mutex<Option<String>>>,
}

fn handlers(nth: Option<(usize, Nth)>, fail: FailRule) -> Setup {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let hung = Arc::new(Mutex::new(None));
    let mut h = Handlers::new();
    h.set_fallback(Arc::new(Counting {
        calls: calls.clone(),
        started: AtomicUsize::new(0),
        nth,
        hung: hung.clone(),
        fail,
    }));
    Setup {
        handlers: h,
        calls,
        hung,
    }
}

fn never(_: &TaskRequest) -> bool {
    false
}

/// Options of one process: a fresh virtual clock, fixed name and seed.
fn opts(log: Option<&Path>) -> RunOptions {
    RunOptions {
        execution_name: Some("exec-1".into()),
        clock: Arc::new(VirtualClock::new(1_704_067_200_000)),
        record_history: true,
        event_log: log.map(Path::to_path_buf),
        seed: 7,
        ..RunOptions::default()
    }
}

struct Machine {
    def: Value,
    comps: Vec<nexus_schema::nexus::Compensation>,
    input: Value,
    fail: FailRule,
}

impl Machine {
    fn asl(def: Value, input: Value) -> Self {
        Self {
            def,
            comps: Vec::new(),
            input,
            fail: never,
        }
    }

    fn engine(&self, log: Option<&Path>) -> Engine {
        Engine::with_compensations(&self.def, &self.comps, opts(log)).unwrap()
    }

    fn run(&self, nth: Option<(usize, Nth)>, log: Option<&Path>) -> (Execution, Vec<String>) {
        let s = handlers(nth, self.fail);
        let x = self
            .engine(log)
            .run(self.input.clone(), &s.handlers)
            .unwrap();
        let calls = s.calls.lock().unwrap().clone();
        (x, calls)
    }

    /// Runs until the N-th handler call hangs and nothing else can go on, then drops the run
    /// (the crash). Returns the calls that were answered and the one that hung.
    fn crash(&self, n: usize, log: &Path) -> (Vec<String>, String) {
        let s = handlers(Some((n, Nth::Hang)), self.fail);
        let engine = self.engine(Some(log));
        {
            let fut = engine.run_async(self.input.clone(), &s.handlers);
            let mut fut = std::pin::pin!(fut);
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
                panic!("call {n} should have interrupted the run: {r:?}");
            }
        }
        let hung = s.hung.lock().unwrap().clone().unwrap();
        let calls = s.calls.lock().unwrap().clone();
        (calls, hung)
    }

    fn resume(&self, log: &Path) -> (Result<Execution, RunError>, Vec<String>) {
        let s = handlers(None, self.fail);
        let r = self.engine(Some(log)).resume(None, &s.handlers);
        let calls = s.calls.lock().unwrap().clone();
        (r, calls)
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// For every N: interrupt at the N-th handler call, resume, and compare with uninterrupted
/// runs. Returns the number of calls of an uninterrupted run.
fn interrupt_everywhere(m: &Machine) -> usize {
    let (plain, plain_calls) = m.run(None, None);
    assert!(!plain_calls.is_empty());
    for n in 1..=plain_calls.len() {
        // Removed with everything in it when the test ends, passed or not.
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("run.log.jsonl");
        let (first, hung) = m.crash(n, &log);
        let (resumed, second) = m.resume(&log);
        let resumed = resumed.unwrap_or_else(|e| panic!("resume after call {n}: {e}"));
        let info = resumed.resumed.clone().unwrap();
        assert_eq!(info.handler_results as usize, first.len(), "call {n}");
        // Output and status are the uninterrupted run's; the history is that of the
        // uninterrupted run in which the interrupted call took its time.
        assert_eq!(resumed.summary(), plain.summary(), "call {n}");
        let (slow, slow_calls) = m.run(Some((n, Nth::Slow)), None);
        assert_eq!(sorted(slow_calls.clone()), sorted(plain_calls.clone()));
        assert_eq!(resumed.history, slow.history, "history after call {n}");
        assert_eq!(resumed.transitions, slow.transitions);
        // Every call answered before the interruption ran exactly once; the interrupted one
        // ran again (at-least-once), and the rest once.
        let mut all = first.clone();
        all.extend(second.iter().cloned());
        assert_eq!(
            sorted(all),
            sorted(plain_calls.clone()),
            "calls, interrupted at {n}"
        );
        assert!(
            second.contains(&hung),
            "call {n} ({hung}) was not made again"
        );
        // The finished log verifies and holds that history.
        let s = eventlog::verify(&log).unwrap();
        assert!(s.torn_tail.is_none());
        let events: Vec<Value> = s.events().cloned().collect();
        assert_eq!(events, slow.history, "logged history after call {n}");
        // Nothing left to resume.
        let (again, calls) = m.resume(&log);
        assert!(
            matches!(
                again,
                Err(RunError::Log {
                    source: LogError::Finished { .. },
                    ..
                })
            ),
            "{again:?}"
        );
        assert!(calls.is_empty());
    }
    plain_calls.len()
}

fn task(name: &str, next: Option<&str>) -> Value {
    let mut t = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": name, "Payload.$": "$"},
        "ResultSelector": {"r.$": "$.Payload.done"},
        "ResultPath": format!("$.{name}"),
    });
    match next {
        Some(n) => t["Next"] = json!(n),
        None => t["End"] = json!(true),
    }
    t
}

#[test]
fn a_sequential_chain_with_variables_and_context_resumes_where_it_stopped() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "a", "Payload.$": "$"},
                "ResultSelector": {"r.$": "$.Payload.done"},
                "Assign": {"fromA.$": "$.r"},
                "ResultPath": "$.a",
                "Next": "Note"
            },
            "Note": {
                "Type": "Pass",
                "Parameters": {
                    "name.$": "$$.Execution.Name",
                    "entered.$": "$$.State.EnteredTime",
                    "v.$": "$fromA",
                    "id.$": "States.UUID()"
                },
                "ResultPath": "$.note",
                "Next": "Pause"
            },
            "Pause": {"Type": "Wait", "Seconds": 30, "Next": "B"},
            "B": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "b", "Payload": {"v.$": "$fromA", "id.$": "$.note.id"}},
                "ResultSelector": {"r.$": "$.Payload.got"},
                "ResultPath": "$.b",
                "Next": "C"
            },
            "C": task("c", Some("D")),
            "D": task("d", Some("E")),
            "E": task("e", None)
        }
    });
    let m = Machine::asl(def, json!({"order": 7}));
    // States.UUID differs between executions: compare runs that draw from the same seed only
    // where the output is compared with a logged run.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let (first, _) = m.crash(3, &log);
    assert_eq!(first.len(), 2);
    let (x, second) = m.resume(&log);
    let x = x.unwrap();
    assert_eq!(second.len(), 3);
    let out = x.output.unwrap();
    // B's input was computed before the interruption; C, D, E after: one UUID throughout.
    assert_eq!(out["note"]["id"], out["b"]["r"]["Payload"]["id"]);
    assert!(first[1].contains(out["note"]["id"].as_str().unwrap()));
}

#[test]
fn jsonata_uuid_and_random_replay_to_the_same_values() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "a", "Payload": {}},
                "Next": "Draw"
            },
            "Draw": {
                "Type": "Pass",
                "Assign": {"id": "{% $uuid() %}", "r": "{% $random() %}"},
                "Next": "B"
            },
            "B": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "b", "Payload": {"id": "{% $id %}", "r": "{% $r %}"}},
                "Next": "C"
            },
            "C": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "c", "Payload": {}},
                "Output": {"id": "{% $id %}", "r": "{% $r %}"},
                "End": true
            }
        }
    });
    let m = Machine::asl(def, json!({}));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let (first, _) = m.crash(3, &log);
    let (x, _) = m.resume(&log);
    let out = x.unwrap().output.unwrap();
    let id = out["id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert!(first[1].contains(id), "{first:?} {out}");
    assert!(first[1].contains(&out["r"].to_string()), "{first:?} {out}");
}

#[test]
fn sequential_chain_every_interruption_point() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "a", "Payload.$": "$"},
                "ResultSelector": {"r.$": "$.Payload.done"},
                "Assign": {"fromA.$": "$.r"},
                "ResultPath": "$.a",
                "Next": "Note"
            },
            "Note": {
                "Type": "Pass",
                "Parameters": {"name.$": "$$.Execution.Name", "entered.$": "$$.State.EnteredTime", "v.$": "$fromA"},
                "ResultPath": "$.note",
                "Next": "Pause"
            },
            "Pause": {"Type": "Wait", "Seconds": 30, "Next": "B"},
            "B": task("b", Some("C")),
            "C": task("c", Some("D")),
            "D": task("d", Some("E")),
            "E": task("e", None)
        }
    });
    assert_eq!(
        interrupt_everywhere(&Machine::asl(def, json!({"order": 7}))),
        5
    );
}

fn flaky(req: &TaskRequest) -> bool {
    req.state_name == "Flaky" && req.invocation < 2
}

#[test]
fn retries_keep_their_attempt_count_and_spent_back_off() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": task("a", Some("Flaky")),
            "Flaky": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "flaky", "Payload.$": "$$.State.RetryCount"},
                "Retry": [{"ErrorEquals": ["Flaky.Error"], "IntervalSeconds": 3, "MaxAttempts": 2, "BackoffRate": 2}],
                "ResultPath": "$.flaky",
                "Next": "B"
            },
            "B": task("b", None)
        }
    });
    let mut m = Machine::asl(def, json!({}));
    m.fail = flaky;
    assert_eq!(interrupt_everywhere(&m), 5);
    // One more failure than MaxAttempts allows: the execution fails the same way resumed.
    m.fail = |r| r.state_name == "Flaky";
    assert_eq!(interrupt_everywhere(&m), 4);
}

#[test]
fn parallel_branches_resume_each_at_its_own_point() {
    let branch = |p: &str| {
        json!({
            "StartAt": format!("{p}1"),
            "States": {
                format!("{p}1"): task(&format!("{p}1"), Some(&format!("{p}2"))),
                format!("{p}2"): task(&format!("{p}2"), None)
            }
        })
    };
    let def = json!({
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [branch("x"), branch("y"), branch("z")],
                "Next": "After"
            },
            "After": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "after", "Payload.$": "$"},
                "End": true
            }
        }
    });
    assert_eq!(interrupt_everywhere(&Machine::asl(def, json!({"k": 1}))), 7);
}

fn map_def(mode: &str) -> Value {
    json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": mode, "ExecutionType": "STANDARD"},
                    "StartAt": "M1",
                    "States": {
                        "M1": task("m1", Some("Even")),
                        "Even": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$.v", "NumericGreaterThan": 2, "Next": "M2"}],
                            "Default": "Skip"
                        },
                        "M2": task("m2", None),
                        "Skip": {"Type": "Succeed"}
                    }
                },
                "Next": "Done"
            },
            "Done": task("done", None)
        }
    })
}

#[test]
fn map_iterations_already_done_are_not_redone() {
    let input = json!({"items": [1, 2, 3, 4, 5]});
    assert_eq!(
        interrupt_everywhere(&Machine::asl(map_def("INLINE"), input.clone())),
        9
    );
    assert_eq!(
        interrupt_everywhere(&Machine::asl(map_def("DISTRIBUTED"), input)),
        9
    );
}

#[test]
fn compensations_in_progress_resume_without_undoing_twice() {
    let yaml = r#"version: "1.0"
name: saga
states:
  - name: Reserve
    action: reserve
    next: Charge
    on_failure: {compensate: release}
  - name: Charge
    action: charge
    next: Ship
    on_failure: {compensate: refund}
  - name: Ship
    action: ship
    end: true
"#;
    let loaded = nexus_schema::source::load_source("saga.nexus.yaml", Arc::from(yaml));
    let doc = loaded.documents.first().unwrap();
    let m = Machine {
        def: (*doc.asl).clone(),
        comps: nexus_schema::nexus::lower(&doc.raw).compensations,
        input: json!({"order": 7}),
        fail: |r| r.state_name == "Ship",
    };
    // reserve, charge, ship (fails), refund, release.
    assert_eq!(interrupt_everywhere(&m), 5);
}

fn chain() -> Machine {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": task("a", Some("B")),
            "B": task("b", Some("C")),
            "C": task("c", None)
        }
    });
    Machine::asl(def, json!({"n": 1}))
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn an_edited_record_is_tampering_named_by_line() {
    let m = chain();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    m.crash(3, &log);
    let mut ls = lines(&log);
    // The answer of the first call, changed after the fact.
    let i = ls
        .iter()
        .position(|l| l.contains("\"HandlerReturned\""))
        .unwrap();
    ls[i] = ls[i].replace("\"done\":\"A\"", "\"done\":\"Z\"");
    std::fs::write(&log, ls.join("\n") + "\n").unwrap();
    let (r, calls) = m.resume(&log);
    let e = r.unwrap_err();
    let line = (i + 1) as u64;
    assert!(
        matches!(&e, RunError::Log { source: LogError::Open(OpenError::Verify(VerifyError::Broken { line: l, what: "hash", record })), .. } if *l == line && record == "record HandlerReturned"),
        "{e}"
    );
    assert!(e.to_string().contains(&format!("line {line}")), "{e}");
    assert!(calls.is_empty());
    // A removed line breaks the chain at the next one.
    let mut ls = lines(&log);
    ls[i] = ls[i].replace("\"done\":\"Z\"", "\"done\":\"A\"");
    ls.remove(i);
    std::fs::write(&log, ls.join("\n") + "\n").unwrap();
    let e = m.resume(&log).0.unwrap_err();
    assert!(
        matches!(
            &e,
            RunError::Log {
                source: LogError::Open(OpenError::Verify(VerifyError::Broken { what: "seq", .. })),
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_rewritten_chain_that_verifies_still_does_not_replay() {
    // Someone rewrote the log and recomputed every hash: the chain verifies, but the run does
    // not produce what the log says, and the resume stops instead of going on.
    let m = chain();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    m.crash(3, &log);
    let s = eventlog::verify(&log).unwrap();
    let forged = dir.path().join("forged.jsonl");
    let (mut w, _) = EventLogWriter::open(&forged).unwrap();
    for l in &s.lines {
        match &l.entry {
            Entry::Event(e) if e["type"] == "TaskStateEntered" && e["id"] == 2 => {
                let mut e = e.clone();
                e["stateEnteredEventDetails"]["name"] = json!("Elsewhere");
                w.append_event(&e).unwrap();
            }
            Entry::Event(e) => {
                w.append_event(e).unwrap();
            }
            Entry::Record(r) => {
                w.append_record(r).unwrap();
            }
        }
    }
    drop(w);
    let (r, calls) = m.resume(&forged);
    let e = r.unwrap_err();
    assert!(
        matches!(&e, RunError::Log { source: LogError::Diverged(msg), .. } if msg.contains("line 3")),
        "{e}"
    );
    assert!(calls.is_empty());
}

#[test]
fn a_torn_last_record_is_dropped_not_tampering() {
    let m = chain();
    let (plain, plain_calls) = m.run(None, None);
    for cut in [5usize, 40, 120] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.jsonl");
        let (first, _) = m.crash(3, &log);
        // The process died in the middle of its last write.
        let bytes = std::fs::read(&log).unwrap();
        let last_len = bytes[..bytes.len() - 1]
            .iter()
            .rev()
            .position(|b| *b == b'\n')
            .unwrap()
            + 1;
        let cut = cut.min(last_len - 1);
        std::fs::write(&log, &bytes[..bytes.len() - cut]).unwrap();
        let (r, second) = m.resume(&log);
        let x = r.unwrap();
        assert_eq!(x.summary(), plain.summary());
        assert!(x.resumed.unwrap().torn_tail.is_some());
        let mut all = first.clone();
        all.extend(second);
        assert_eq!(sorted(all), sorted(plain_calls.clone()));
        let s = eventlog::verify(&log).unwrap();
        assert!(s.torn_tail.is_none());
        assert_eq!(
            s.events().cloned().collect::<Vec<_>>(),
            plain.history,
            "cut {cut}"
        );
    }
}

#[test]
fn a_log_of_another_definition_or_input_is_refused() {
    let m = chain();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    m.crash(2, &log);
    let mut other = chain();
    other.def["States"]["C"]["ResultPath"] = json!("$.other");
    let (r, calls) = other.resume(&log);
    assert!(
        matches!(
            r,
            Err(RunError::Log {
                source: LogError::OtherDefinition { .. },
                ..
            })
        ),
        "{r:?}"
    );
    assert!(calls.is_empty());
    let s = handlers(None, never);
    let r = m
        .engine(Some(&log))
        .resume(Some(json!({"n": 2})), &s.handlers);
    assert!(
        matches!(
            r,
            Err(RunError::Log {
                source: LogError::OtherInput { .. },
                ..
            })
        ),
        "{r:?}"
    );
    // A new execution may not bury the unfinished one.
    let r = m.engine(Some(&log)).run(json!({"n": 1}), &s.handlers);
    assert!(
        matches!(
            r,
            Err(RunError::Log {
                source: LogError::Unfinished { .. },
                ..
            })
        ),
        "{r:?}"
    );
    // The same input given again is accepted.
    let x = m
        .engine(Some(&log))
        .resume(Some(json!({"n": 1})), &s.handlers)
        .unwrap();
    assert_eq!(x.summary(), m.run(None, None).0.summary());
    // An empty log holds nothing to resume.
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    assert!(matches!(
        m.resume(&empty).0,
        Err(RunError::Log {
            source: LogError::NoExecution,
            ..
        })
    ));
}

fn real_opts(log: &Path) -> RunOptions {
    RunOptions {
        execution_name: Some("real-1".into()),
        clock: Arc::new(nexus_engine::RealClock),
        record_history: true,
        event_log: Some(log.to_path_buf()),
        ..RunOptions::default()
    }
}

/// Starts the run on the real clock and drops it after `after`.
fn interrupt_real(def: &Value, log: &Path, after: std::time::Duration, fail: FailRule) -> usize {
    let s = handlers(None, fail);
    let engine = Engine::new(def, real_opts(log)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let r = rt.block_on(async {
        tokio::time::timeout(after, engine.run_async(json!({}), &s.handlers)).await
    });
    assert!(r.is_err(), "the run should still be waiting");
    s.calls.lock().unwrap().len()
}

fn ms_of(ev: &Value) -> i128 {
    let t = ev["timestamp"].as_str().unwrap();
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
        .unwrap()
        .unix_timestamp_nanos()
        / 1_000_000
}

#[test]
fn a_real_clock_wait_resumes_with_only_the_rest_of_its_time() {
    let def = json!({
        "StartAt": "A",
        "States": {
            "A": task("a", Some("Pause")),
            "Pause": {"Type": "Wait", "Seconds": 2, "Next": "B"},
            "B": task("b", None)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    assert_eq!(
        interrupt_real(&def, &log, std::time::Duration::from_millis(900), never),
        1
    );
    let s = handlers(None, never);
    let x = Engine::new(&def, real_opts(&log))
        .unwrap()
        .resume(None, &s.handlers)
        .unwrap();
    assert_eq!(x.status.as_str(), "SUCCEEDED");
    assert_eq!(s.calls.lock().unwrap().len(), 1, "only B runs again");
    // The engine's own times, not a stopwatch around the test: the wait ends at its logged
    // deadline (2 s after it was entered), not 2 s after the resume, which came 0.9 s or more
    // after it was entered.
    let at = |ty: &str| x.history.iter().find(|e| e["type"] == ty).unwrap();
    let waited = ms_of(at("WaitStateExited")) - ms_of(at("WaitStateEntered"));
    assert!((2_000..2_900).contains(&waited), "{waited} ms");
}

#[test]
fn a_real_clock_retry_back_off_resumes_with_only_the_rest_of_its_time() {
    let def = json!({
        "StartAt": "Flaky",
        "States": {
            "Flaky": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "flaky", "Payload": {}},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 1}],
                "End": true
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let fail_first: FailRule = |r| r.invocation == 0;
    assert_eq!(
        interrupt_real(
            &def,
            &log,
            std::time::Duration::from_millis(900),
            fail_first
        ),
        1
    );
    let s = handlers(None, fail_first);
    let x = Engine::new(&def, real_opts(&log))
        .unwrap()
        .resume(None, &s.handlers)
        .unwrap();
    assert_eq!(x.status.as_str(), "SUCCEEDED", "{:?}", x.cause);
    assert_eq!(s.calls.lock().unwrap().len(), 1, "only the retry runs");
    let failed = x
        .history
        .iter()
        .find(|e| e["type"] == "TaskFailed")
        .unwrap();
    let again = x
        .history
        .iter()
        .filter(|e| e["type"] == "TaskScheduled")
        .nth(1)
        .unwrap();
    // The back-off ends at its logged deadline, not 2 s after the resume (engine times).
    let backoff = ms_of(again) - ms_of(failed);
    assert!((2_000..2_900).contains(&backoff), "{backoff} ms");
}

#[test]
fn every_corpus_case_resumes_from_any_point_to_the_same_result() {
    let Some(root) = nexus_testkit::corpus_dir("sfn") else {
        return;
    };
    // Logs of pure runs are only synced at their start and end; tmpfs keeps that cheap.
    let base = Path::new("/dev/shm");
    let scratch = if base.is_dir() {
        tempfile::tempdir_in(base).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let (mut cases, mut cuts) = (0, 0);
    let mut failures = Vec::new();
    for dir in nexus_engine::conformance::case_dirs(&root) {
        let r = nexus_engine::conformance::resume::check_case(&dir, scratch.path(), 12);
        if r.checked {
            cases += 1;
            cuts += r.cuts;
        }
        for f in r.failures {
            failures.push(format!("{}: {f}", dir.display()));
        }
    }
    println!("resumed {cases} corpus cases from {cuts} cut points");
    assert!(cases > 400, "{cases}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Answers after a real delay that depends on the call, so concurrent calls finish in an order
/// the clock decides; records answered calls.
struct Slow {
    calls: Arc<Mutex<Vec<String>>>,
}

impl Handler for Slow {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let k = key(req);
        let ms = 3 + (k.bytes().map(u64::from).sum::<u64>() * 7) % 23;
        Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            self.calls.lock().unwrap().push(k);
            Ok(json!({"Payload": {"done": req.state_name, "got": req.input}}))
        })
    }
}

#[test]
fn concurrent_iterations_interrupted_by_real_time_replay_in_their_logged_order() {
    let def = json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 4,
                "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "StartAt": "M1",
                    "States": {"M1": task("m1", Some("M2")), "M2": task("m2", None)}
                },
                "ResultPath": "$.each",
                "Next": "Fan"
            },
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "P1", "States": {"P1": task("p1", Some("P2")), "P2": task("p2", None)}},
                    {"StartAt": "Q1", "States": {"Q1": task("q1", None)}}
                ],
                "End": true
            }
        }
    });
    let input = json!({"items": [1, 2, 3, 4, 5, 6, 7, 8]});
    let engine = |log: &Path| Engine::new(&def, opts(Some(log))).unwrap();
    let slow = || {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut h = Handlers::new();
        h.set_fallback(Arc::new(Slow {
            calls: calls.clone(),
        }));
        (h, calls)
    };
    let dir = tempfile::tempdir().unwrap();
    let (h, all) = slow();
    let full = engine(&dir.path().join("full.jsonl"))
        .run(input.clone(), &h)
        .unwrap();
    let all = sorted(all.lock().unwrap().clone());
    assert_eq!(all.len(), 19, "{}", full.summary());
    let mut resumed = 0;
    for (i, after) in [10u64, 25, 40, 60, 80].into_iter().enumerate() {
        let log = dir.path().join(format!("cut{i}.jsonl"));
        let (h, first) = slow();
        let e = engine(&log);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let r = rt.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_millis(after),
                e.run_async(input.clone(), &h),
            )
            .await
        });
        let first = first.lock().unwrap().clone();
        let (h, second) = slow();
        let x = match r {
            Ok(done) => done.unwrap(),
            Err(_) => {
                resumed += 1;
                engine(&log).resume(None, &h).unwrap()
            }
        };
        let second = second.lock().unwrap().clone();
        println!(
            "after {after} ms: {} calls answered, {} after resuming",
            first.len(),
            second.len()
        );
        assert_eq!(x.summary(), full.summary(), "interrupted after {after} ms");
        for c in &first {
            assert!(!second.contains(c), "{c} ran again after {after} ms");
        }
        let mut both = first.clone();
        both.extend(second);
        let mut both = sorted(both);
        both.dedup();
        assert_eq!(both, all, "after {after} ms");
        let s = eventlog::verify(&log).unwrap();
        assert_eq!(s.events().count(), full.history.len());
    }
    // The run takes about 100 ms of handler time: most cuts fall inside it.
    assert!(resumed >= 3, "{resumed}");
}

/// An S3 object whose content changes: each `getObject` counts, and a `putObject` is kept.
struct Store {
    items: Value,
    reads: AtomicUsize,
    writes: Mutex<Vec<Value>>,
}

impl Store {
    fn new(items: Value) -> Arc<Self> {
        Arc::new(Self {
            items,
            reads: AtomicUsize::new(0),
            writes: Mutex::new(Vec::new()),
        })
    }
}

impl Handler for Store {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let r = if req.action == "s3:getObject" {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(json!({"Body": self.items.to_string()}))
        } else {
            self.writes.lock().unwrap().push(req.input.clone());
            Ok(json!({}))
        };
        Box::pin(std::future::ready(r))
    }
}

/// A Distributed Map that reads its items from S3 and exports its results, then a Task.
fn reading_and_writing_map() -> Machine {
    let def = json!({
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "Parameters": {"Bucket": "in", "Key": "items.json"},
                    "ReaderConfig": {"InputType": "JSON"}
                },
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Work",
                    "States": {"Work": task("Work", None)}
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "out", "Prefix": "p"},
                    "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSON"}
                },
                "ResultPath": "$.written",
                "Next": "After"
            },
            "After": task("After", None)
        }
    });
    Machine::asl(def, json!({}))
}

/// Handlers of one process: the Tasks (the N-th hangs) and the store.
fn with_store(nth: Option<(usize, Nth)>, store: &Arc<Store>) -> Setup {
    let mut s = handlers(nth, never);
    s.handlers
        .register("s3:getObject", store.clone())
        .register("s3:putObject", store.clone());
    s
}

#[test]
fn item_reader_reads_and_result_writer_writes_are_replayed_not_redone() {
    let m = reading_and_writing_map();
    let items = json!([{"n": 1}, {"n": 2}, {"n": 3}]);
    // Uninterrupted: three Work calls, then After.
    let plain_store = Store::new(items.clone());
    let s = with_store(None, &plain_store);
    let plain = m.engine(None).run(m.input.clone(), &s.handlers).unwrap();
    assert_eq!(
        plain.summary()["status"],
        "SUCCEEDED",
        "{}",
        plain.summary()
    );
    assert_eq!(plain_store.reads.load(Ordering::SeqCst), 1);
    assert_eq!(plain_store.writes.lock().unwrap().len(), 2);
    // Interrupted at the second item, then at After (the writes are done by then).
    for n in [2, 4] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("run.log.jsonl");
        let first_store = Store::new(items.clone());
        let s = with_store(Some((n, Nth::Hang)), &first_store);
        let engine = m.engine(Some(&log));
        {
            let fut = engine.run_async(m.input.clone(), &s.handlers);
            let mut fut = std::pin::pin!(fut);
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending(), "call {n}");
        }
        assert_eq!(first_store.reads.load(Ordering::SeqCst), 1);
        // The object changed since: the resumed run must go on with what was read.
        let second_store = Store::new(json!([{"n": 7}, {"n": 8}, {"n": 9}]));
        let s = with_store(None, &second_store);
        let x = m.engine(Some(&log)).resume(None, &s.handlers).unwrap();
        assert_eq!(x.summary(), plain.summary(), "call {n}");
        assert_eq!(second_store.reads.load(Ordering::SeqCst), 0, "call {n}");
        // Each write happened once, in one process or the other.
        let mut writes = first_store.writes.lock().unwrap().clone();
        writes.extend(second_store.writes.lock().unwrap().iter().cloned());
        assert_eq!(writes, *plain_store.writes.lock().unwrap(), "call {n}");
        if n == 4 {
            assert!(second_store.writes.lock().unwrap().is_empty());
        }
    }
}
