//! The journal of one execution in its event log ([`crate::eventlog`]), and the replay that
//! resumes an interrupted execution from it.
//!
//! ## What is written
//!
//! An execution starts with an `ExecutionLogStarted` record (the header: SHA-256 of the
//! definition and of the input, the input itself, the execution name, the start time, the
//! clock and the seeds), then every history event, plus these records:
//!
//! | record | written | holds |
//! | --- | --- | --- |
//! | `HandlerInvoked` | before a Task handler is called | the state, the action |
//! | `HandlerReturned` | when it answered | `of` (seq of its `HandlerInvoked`), `result` or `error`/`cause` |
//! | `TimerStarted` | before a real-clock wait (Wait state, retry back-off) | `until_ms` |
//! | `TimerFired` | when the wait is over | `of` |
//! | `MapRunEvent` | for each event of a distributed Map's child executions | `event` |
//! | `ExecutionResumed` | when a resumed execution writes its first new entry | how much was replayed |
//! | `MapRunUpdated` | when a distributed Map's Map Run takes up settings UpdateMapRun changed | `map_run`, the settings |
//! | `RedriveStarted` | when an ended execution is redriven ([`redrive`]), followed by the `ExecutionRedriven` event | `cut_seq`, `from_id`, `offset`, `redrive_count`, `kept` |
//! | `SubRunsKept` | when an attempt of a Parallel or Map state fails | `state` (its [`scope key`](Journal::take_kept)), `map_run`, `redrives`, `runs`: the branches or iterations that succeeded, with their outputs |
//!
//! Entries are written as they happen, each with one `write(2)`, so a process that dies
//! loses nothing it wrote. Unless `RunOptions::event_log_fsync` is off, they are also forced
//! to disk (`fdatasync`, against an operating-system crash or power loss) at the points that
//! decide what a resume redoes: after the header, after every `HandlerReturned` of a handler
//! with effects outside the run (`exec`, `http`, custom handlers; not mocks, which answer the
//! same again), after every `TimerStarted` (so the time already waited counts) and at the end
//! of the execution.
//!
//! ## How a resume works
//!
//! The engine runs the execution again from its start with the logged identity (name, start
//! time, seeds), and *replays*: every event it produces must be the next entry of the log
//! (else the run diverged from the log: an error, never a silent different result); a Task
//! handler whose `HandlerReturned` is logged is not called, its logged answer is used; a timer
//! whose `TimerFired` is logged does not wait. Handlers and timers that wait in a replayed run
//! are released in exactly the order the log records, so concurrent Parallel branches and Map
//! iterations interleave as they did. Once the log is used up, the run goes on live, appending
//! to the same chain: a handler whose call was logged but not its answer is called again
//! (at-least-once), a timer waits only until its logged deadline.
//!
//! Because the states themselves run again, everything derived from the handler answers —
//! state outputs, variables, the context object, retry counts, Map results, compensations in
//! progress — is exactly what the interrupted run had, and so are the final output and the
//! history.
//!
//! ## How a redrive works
//!
//! AWS's RedriveExecution continues an execution that ended FAILED, TIMED_OUT or ABORTED from
//! its unsuccessful step, with the same input, keeping the results and history of the steps
//! that succeeded. [`redrive`] appends a `RedriveStarted` record that *cuts* the log at the
//! entry of the last top-level state the execution entered (the one it failed, timed out or
//! was stopped in), then the `ExecutionRedriven` event. A resume replays the entries before
//! the cut and leaves out the rest of that attempt: the states before the cut are replayed
//! (their handlers are not called again), the unsuccessful state runs again live from its
//! entry (its retry counts start again at zero, as AWS documents) and its events are appended
//! after `ExecutionRedriven`. The ids of the new events go on after the last logged one: the
//! record keeps the engine id of the first re-run event (`from_id`) and what to add to it and
//! every later id (`offset`). `$$.Execution.RedriveCount` counts the redrives the run has
//! passed. The machine's `TimeoutSeconds` counts again from the redrive (AWS: a redrive resets
//! the state machine level timeout to 0).
//!
//! A Parallel or Map state that failed is redriven as AWS documents it ("For workflows that
//! include an Inline Map or Parallel state, RedriveExecution reschedules and redrives only the
//! iterations and branches that failed or aborted"; a Distributed Map's Map Run is redriven:
//! only its unsuccessful child executions run again). Each failed attempt of such a state
//! writes a `SubRunsKept` record with the outputs of its branches or iterations that
//! succeeded; [`redrive`] gathers those of the attempt it cuts off into its `RedriveStarted`
//! record (`kept`, by scope key: the state's path through the branches and iterations that
//! contain it, so it holds at any depth). Once the redriven run passes the record, the state's
//! first attempt takes its kept outputs ([`Journal::take_kept`]) and runs only the other
//! branches or iterations; a Distributed Map emits `MapRunRedriven` (same Map Run ARN, its
//! redrive count) instead of `MapRunStarted`. Everything needed is in the log, so a redrive
//! interrupted by a crash resumes the same way.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Poll, Waker};

use serde_json::{Map, Value, json};

use crate::handlers::HandlerError;
use crate::log::eventlog::{Entry, EventLogWriter, LogLine, OpenError, TornTail};

/// Map Run settings changed by UpdateMapRun; `None` leaves the Map state's own.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MapRunUpdate {
    /// `maxConcurrency` (0: no limit).
    pub max_concurrency: Option<u64>,
    /// `toleratedFailureCount`.
    pub tolerated_failure_count: Option<u64>,
    /// `toleratedFailurePercentage`.
    pub tolerated_failure_percentage: Option<f64>,
}

/// What a redrive keeps of a failed attempt of a Parallel or Map state: its branches or
/// iterations that succeeded (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Kept {
    /// The Map Run's ARN (a distributed Map).
    pub(crate) map_run: Option<String>,
    /// How many times the state's sub-runs had been redriven when the attempt ran.
    pub(crate) redrives: u64,
    /// By branch or iteration index: the output, and when it started and stopped (ms).
    pub(crate) runs: BTreeMap<usize, (Value, i64, i64)>,
}

impl Kept {
    fn to_json(&self) -> Value {
        json!({
            "map_run": self.map_run,
            "redrives": self.redrives,
            "runs": self.runs.iter().map(|(i, (out, start, stop))| json!({
                "index": i, "output": out, "start_ms": start, "stop_ms": stop,
            })).collect::<Vec<_>>(),
        })
    }

    fn from_json(v: &Value) -> Option<Self> {
        let mut runs = BTreeMap::new();
        for r in v.get("runs")?.as_array()? {
            let i = usize::try_from(r.get("index")?.as_u64()?).ok()?;
            let ms = |k: &str| r.get(k).and_then(Value::as_i64).unwrap_or(0);
            runs.insert(i, (r.get("output")?.clone(), ms("start_ms"), ms("stop_ms")));
        }
        Some(Self {
            map_run: v.get("map_run").and_then(Value::as_str).map(String::from),
            redrives: v.get("redrives").and_then(Value::as_u64).unwrap_or(0),
            runs,
        })
    }
}

/// Kept sub-runs by scope key.
type KeptByKey = HashMap<String, Kept>;

/// Version of the records this engine writes.
const FORMAT: u64 = 1;

/// Why an event log cannot be used for a run or a resume.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log cannot be opened, is in use, or does not verify (tampering, damage).
    #[error(transparent)]
    Open(#[from] OpenError),
    /// `--resume` on a log without any execution.
    #[error("the log holds no execution to resume")]
    NoExecution,
    /// A new execution on a log whose last execution did not finish.
    #[error(
        "the log ends with an unfinished execution ({execution}); resume it, or write the new run to another log"
    )]
    Unfinished {
        /// Its name.
        execution: String,
    },
    /// `--resume` on a log whose last execution finished.
    #[error(
        "the last execution in the log ({execution}) already ended {status}; nothing to resume"
    )]
    Finished {
        /// Its name.
        execution: String,
        /// `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
        status: String,
    },
    /// The logged execution ran another definition.
    #[error(
        "the logged execution ran another definition (sha256 {logged}, this one is {this}); resume it with the definition it started with"
    )]
    OtherDefinition {
        /// Hash in the log.
        logged: String,
        /// Hash of the definition given now.
        this: String,
    },
    /// The input given now is not the logged execution's.
    #[error(
        "the logged execution started with another input (sha256 {logged}, the given one is {given}); leave the input out to use the logged one"
    )]
    OtherInput {
        /// Hash in the log.
        logged: String,
        /// Hash of the input given now.
        given: String,
    },
    /// The clock given now is not the logged execution's.
    #[error("the logged execution ran on the {logged} clock, not the {given} one")]
    OtherClock {
        /// `virtual` or `real`.
        logged: &'static str,
        /// `virtual` or `real`.
        given: &'static str,
    },
    /// A record this engine does not know (a newer format, or an edit that kept the chain).
    #[error("line {line}: {what}")]
    UnknownRecord {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        what: String,
    },
    /// The resumed run did not reproduce the log.
    #[error("cannot resume: {0}")]
    Diverged(String),
    /// A redrive of an execution that did not end unsuccessfully.
    #[error(
        "the last execution in the log ({execution}) is {status}: only a FAILED, TIMED_OUT or ABORTED execution can be redriven"
    )]
    NotRedrivable {
        /// Its name.
        execution: String,
        /// `RUNNING` or `SUCCEEDED`.
        status: String,
    },
}

/// The header of a logged execution.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) definition_sha256: String,
    pub(crate) input_sha256: String,
    pub(crate) input: Value,
    pub(crate) execution_name: String,
    /// The state machine's name (in the context object's ARNs); kept on resume.
    pub(crate) state_machine_name: String,
    pub(crate) start_ms: i64,
    pub(crate) real_clock: bool,
    pub(crate) seed: u64,
    pub(crate) entropy_seed: u64,
}

impl Header {
    fn to_record(&self) -> Value {
        json!({
            "type": "ExecutionLogStarted",
            "format": FORMAT,
            "definition_sha256": self.definition_sha256,
            "input_sha256": self.input_sha256,
            "execution_name": self.execution_name,
            "state_machine_name": self.state_machine_name,
            "start_ms": self.start_ms,
            "clock": if self.real_clock { "real" } else { "virtual" },
            "seed": self.seed,
            "entropy_seed": self.entropy_seed,
            "nexus_version": env!("CARGO_PKG_VERSION"),
            "input": self.input,
        })
    }

    fn from_record(r: &Value, line: u64) -> Result<Self, LogError> {
        let bad = |what: &str| LogError::UnknownRecord {
            line,
            what: format!("execution header: {what}"),
        };
        if r.get("format").and_then(Value::as_u64) != Some(FORMAT) {
            return Err(bad("written in a format this nexus does not read"));
        }
        let s = |k: &str| {
            r.get(k)
                .and_then(Value::as_str)
                .map(String::from)
                .ok_or_else(|| bad(&format!("no `{k}`")))
        };
        let n = |k: &str| {
            r.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| bad(&format!("no `{k}`")))
        };
        Ok(Self {
            definition_sha256: s("definition_sha256")?,
            input_sha256: s("input_sha256")?,
            input: r.get("input").cloned().ok_or_else(|| bad("no `input`"))?,
            execution_name: s("execution_name")?,
            state_machine_name: s("state_machine_name")?,
            start_ms: r
                .get("start_ms")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad("no `start_ms`"))?,
            real_clock: match s("clock")?.as_str() {
                "real" => true,
                "virtual" => false,
                _ => return Err(bad("unknown clock")),
            },
            seed: n("seed")?,
            entropy_seed: n("entropy_seed")?,
        })
    }
}

/// Whether the last execution in the log at `path` ran on the real clock; `None` when the log
/// cannot be read or holds no execution (a resume then reports why).
pub fn logged_clock_is_real(path: &std::path::Path) -> Option<bool> {
    let summary = crate::log::eventlog::verify(path).ok()?;
    let h = last_header(&summary.lines)?;
    match &summary.lines.get(h)?.entry {
        Entry::Record(r) => Some(r.get("clock").and_then(Value::as_str) == Some("real")),
        Entry::Event(_) => None,
    }
}

/// SHA-256 of a value's compact JSON.
pub(crate) fn value_sha256(v: &Value) -> String {
    crate::log::eventlog::sha256_hex(crate::io::to_compact(v).as_bytes())
}

/// What a resume found in the log (reported to the user).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeInfo {
    /// Entries of the execution replayed from the log.
    pub replayed: u64,
    /// Task handler answers taken from the log instead of calling the handler again.
    pub handler_results: u64,
    /// The incomplete last line that was dropped, if the log ended with one.
    pub torn_tail: Option<TornTail>,
}

/// What a replayed entry is.
enum Kind {
    Event {
        child: bool,
        ev: Value,
    },
    Invoked {
        state: String,
    },
    Returned(Result<Value, HandlerError>),
    TimerStarted {
        until: i64,
    },
    TimerFired,
    Resumed,
    /// A `RedriveStarted` record: the run passes into the redrive it starts, which keeps
    /// these sub-runs.
    Redriven(KeptByKey),
    /// A `SubRunsKept` record: a failed attempt of the Parallel or Map state `key`.
    SubRunsKept {
        key: String,
        kept: Kept,
    },
    /// A `MapRunUpdated` record: the settings a Map Run took up at this point.
    MapRunUpdated {
        map_run: String,
        update: MapRunUpdate,
    },
}

struct Rec {
    line: u64,
    seq: u64,
    /// For `Returned`/`TimerFired`: the seq of the entry they complete.
    of: u64,
    ms: i64,
    kind: Kind,
    describe: String,
}

/// The answer of a replayed gate.
pub(crate) enum Replayed {
    Handler(Result<Value, HandlerError>),
    Timer,
}

/// Why a journaled run must stop early.
pub(crate) enum Stop {
    /// The run left the log.
    Log(LogError),
    /// The log cannot be written.
    Io(std::io::Error),
}

/// What stopped the journal.
enum Abort {
    Diverged(String),
    Io(std::io::Error),
}

struct State {
    writer: EventLogWriter,
    replay: Vec<Rec>,
    cursor: usize,
    /// Gates waiting for their entry, by the seq they wait for.
    waiting: HashMap<u64, Waker>,
    abort: Option<Abort>,
    /// `ExecutionResumed`, written before the first new entry of a resumed execution.
    marker: Option<Value>,
    /// Redrives replayed so far (all of them once the log is used up).
    redrives: u64,
    /// Event ids of redriven runs.
    id_maps: Vec<IdMap>,
    /// The sub-runs the redrive the run last passed keeps, not yet taken.
    kept: KeptByKey,
    /// When the redrive the run last passed happened (ms).
    redrive_ms: i64,
}

/// From the engine id `.0` on, add `.1` to an event id (the last map whose `.0` an id
/// reaches applies).
type IdMap = (u64, u64);

/// The journal of one execution: appends its entries, and replays them on resume.
pub(crate) struct Journal {
    st: Mutex<State>,
    real_clock: bool,
    entropy: AtomicU64,
    header: Header,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("execution", &self.header.execution_name)
            .finish()
    }
}

/// The log's last execution: the index of its header line, that line, the header, and the
/// lines after it; refused unless the header names this definition.
fn last_execution<'l>(
    lines: &'l [LogLine],
    definition_sha256: &str,
) -> Result<(usize, &'l LogLine, Header, &'l [LogLine]), LogError> {
    let h = last_header(lines).ok_or(LogError::NoExecution)?;
    let (header_line, rest) = match lines.get(h..) {
        Some([first, rest @ ..]) => (first, rest),
        _ => return Err(LogError::NoExecution),
    };
    let Entry::Record(hr) = &header_line.entry else {
        return Err(LogError::NoExecution);
    };
    let header = Header::from_record(hr, header_line.line)?;
    if header.definition_sha256 != definition_sha256 {
        return Err(LogError::OtherDefinition {
            logged: header.definition_sha256,
            this: definition_sha256.to_string(),
        });
    }
    Ok((h, header_line, header, rest))
}

/// Index of the last execution header among the lines.
fn last_header(lines: &[LogLine]) -> Option<usize> {
    lines.iter().rposition(|l| {
        matches!(&l.entry, Entry::Record(r) if r.get("type").and_then(Value::as_str) == Some("ExecutionLogStarted"))
    })
}

fn is_record(l: &LogLine, ty: &str) -> bool {
    matches!(&l.entry, Entry::Record(r) if r.get("type").and_then(Value::as_str) == Some(ty))
}

/// The terminal status of an execution whose entries are `lines`, if it ended (since its
/// last redrive, if it was redriven).
fn ended(lines: &[LogLine]) -> Option<String> {
    let from = lines
        .iter()
        .rposition(|l| is_record(l, "RedriveStarted"))
        .map_or(0, |i| i.saturating_add(1));
    lines.get(from..)?.iter().find_map(|l| match &l.entry {
        Entry::Event(e) => match e.get("type").and_then(Value::as_str)? {
            "ExecutionSucceeded" => Some("SUCCEEDED".to_string()),
            "ExecutionFailed" => Some("FAILED".to_string()),
            "ExecutionTimedOut" => Some("TIMED_OUT".to_string()),
            "ExecutionAborted" => Some("ABORTED".to_string()),
            _ => None,
        },
        Entry::Record(_) => None,
    })
}

fn name_of(lines: &[LogLine], at: usize) -> String {
    match lines.get(at).map(|l| &l.entry) {
        Some(Entry::Record(r)) => r
            .get("execution_name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("unnamed")
            .to_string(),
        _ => String::from("unnamed"),
    }
}

fn event_ms(ev: &Value) -> i64 {
    ev.get("timestamp")
        .and_then(Value::as_str)
        .and_then(crate::clock::parse_rfc3339_nanos)
        .and_then(|n| i64::try_from(n / 1_000_000).ok())
        .unwrap_or(0)
}

fn outcome_record(of: u64, ms: i64, outcome: &Result<Value, HandlerError>) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), "HandlerReturned".into());
    m.insert("ms".into(), ms.into());
    m.insert("of".into(), of.into());
    match outcome {
        Ok(v) => {
            m.insert("result".into(), v.clone());
        }
        Err(e) => {
            m.insert("error".into(), e.error.clone().into());
            if let Some(c) = &e.cause {
                m.insert("cause".into(), c.clone().into());
            }
        }
    }
    Value::Object(m)
}

fn parse_rec(l: &LogLine) -> Result<Rec, LogError> {
    let unknown = |what: String| LogError::UnknownRecord { line: l.line, what };
    let mut rec = Rec {
        line: l.line,
        seq: l.seq,
        of: 0,
        ms: 0,
        kind: Kind::Resumed,
        describe: l.entry.describe(),
    };
    match &l.entry {
        Entry::Event(e) => {
            rec.ms = event_ms(e);
            rec.kind = Kind::Event {
                child: false,
                ev: e.clone(),
            };
        }
        Entry::Record(r) => {
            rec.ms = r.get("ms").and_then(Value::as_i64).unwrap_or(0);
            rec.of = r.get("of").and_then(Value::as_u64).unwrap_or(0);
            let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
            rec.kind = match ty {
                "HandlerInvoked" => Kind::Invoked {
                    state: r
                        .get("state")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                },
                "HandlerReturned" => match (r.get("result"), r.get("error")) {
                    (Some(v), None) => Kind::Returned(Ok(v.clone())),
                    (None, Some(Value::String(e))) => Kind::Returned(Err(HandlerError {
                        error: e.clone(),
                        cause: r.get("cause").and_then(Value::as_str).map(String::from),
                    })),
                    _ => return Err(unknown("HandlerReturned without result or error".into())),
                },
                "TimerStarted" => Kind::TimerStarted {
                    until: r
                        .get("until_ms")
                        .and_then(Value::as_i64)
                        .ok_or_else(|| unknown("TimerStarted without until_ms".into()))?,
                },
                "TimerFired" => Kind::TimerFired,
                "MapRunEvent" => {
                    let ev = r
                        .get("event")
                        .cloned()
                        .ok_or_else(|| unknown("MapRunEvent without event".into()))?;
                    rec.ms = event_ms(&ev);
                    Kind::Event { child: true, ev }
                }
                "ExecutionResumed" => Kind::Resumed,
                "RedriveStarted" => {
                    let mut kept = KeptByKey::new();
                    if let Some(Value::Object(m)) = r.get("kept") {
                        for (k, v) in m {
                            let one = Kept::from_json(v).ok_or_else(|| {
                                unknown(format!("RedriveStarted: bad `kept` of `{k}`"))
                            })?;
                            kept.insert(k.clone(), one);
                        }
                    }
                    Kind::Redriven(kept)
                }
                "SubRunsKept" => Kind::SubRunsKept {
                    key: r
                        .get("state")
                        .and_then(Value::as_str)
                        .ok_or_else(|| unknown("SubRunsKept without state".into()))?
                        .to_string(),
                    kept: Kept::from_json(r)
                        .ok_or_else(|| unknown("SubRunsKept without runs".into()))?,
                },
                "MapRunUpdated" => Kind::MapRunUpdated {
                    map_run: r
                        .get("map_run")
                        .and_then(Value::as_str)
                        .ok_or_else(|| unknown("MapRunUpdated without map_run".into()))?
                        .to_string(),
                    update: MapRunUpdate {
                        max_concurrency: r.get("max_concurrency").and_then(Value::as_u64),
                        tolerated_failure_count: r
                            .get("tolerated_failure_count")
                            .and_then(Value::as_u64),
                        tolerated_failure_percentage: r
                            .get("tolerated_failure_percentage")
                            .and_then(Value::as_f64),
                    },
                },
                other => {
                    return Err(unknown(format!(
                        "record of unknown type `{other}` (written by a newer nexus?)"
                    )));
                }
            };
        }
    }
    Ok(rec)
}

/// Events are equal; on the real clock the timestamps (which a replay takes from the log
/// anyway) are not compared.
fn same_event(logged: &Value, made: &Value, real_clock: bool) -> bool {
    if !real_clock {
        return logged == made;
    }
    match (logged, made) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| k == "timestamp" || b.get(k) == Some(v))
        }
        _ => logged == made,
    }
}

fn brief(v: &Value) -> String {
    let mut s = crate::io::to_compact(v);
    if s.len() > 300 {
        let mut cut = 300;
        while !s.is_char_boundary(cut) {
            cut = cut.saturating_sub(1);
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

impl Journal {
    /// Starts the log of a new execution at `path` (created if needed). The log's last
    /// execution, if any, must have ended.
    pub(crate) fn create(
        path: &std::path::Path,
        fsync: bool,
        header: Header,
    ) -> Result<Self, LogError> {
        let (mut writer, summary) = EventLogWriter::open_with(path, fsync)?;
        if let Some(h) = last_header(&summary.lines) {
            let rest = summary.lines.get(h..).unwrap_or_default();
            if ended(rest).is_none() {
                return Err(LogError::Unfinished {
                    execution: name_of(&summary.lines, h),
                });
            }
        }
        let io = |e: std::io::Error| LogError::Open(OpenError::Io(e));
        writer.append_record(&header.to_record()).map_err(io)?;
        writer.sync().map_err(io)?;
        Ok(Self::with(writer, Vec::new(), header, None))
    }

    /// Opens the log at `path` to resume its last execution: verifies the chain, checks that
    /// the execution is of this definition (and input, when one is given) and has not ended.
    pub(crate) fn resume(
        path: &std::path::Path,
        fsync: bool,
        definition_sha256: &str,
        input: Option<&Value>,
        real_clock: bool,
    ) -> Result<(Self, ResumeInfo), LogError> {
        let (writer, summary) = EventLogWriter::open_with(path, fsync)?;
        let (h, header_line, header, rest) = last_execution(&summary.lines, definition_sha256)?;
        if let Some(i) = input {
            let given = value_sha256(i);
            if given != header.input_sha256 {
                return Err(LogError::OtherInput {
                    logged: header.input_sha256,
                    given,
                });
            }
        } else if value_sha256(&header.input) != header.input_sha256 {
            return Err(LogError::UnknownRecord {
                line: header_line.line,
                what: "the logged input does not match its hash".into(),
            });
        }
        if header.real_clock != real_clock {
            let name = |r: bool| if r { "real" } else { "virtual" };
            return Err(LogError::OtherClock {
                logged: name(header.real_clock),
                given: name(real_clock),
            });
        }
        if let Some(status) = ended(rest) {
            return Err(LogError::Finished {
                execution: name_of(&summary.lines, h),
                status,
            });
        }
        let (replay, id_maps) = effective(rest)?;
        let info = ResumeInfo {
            replayed: replay.len() as u64,
            handler_results: replay
                .iter()
                .filter(|r| matches!(r.kind, Kind::Returned(_)))
                .count() as u64,
            torn_tail: summary.torn_tail,
        };
        let marker = json!({
            "type": "ExecutionResumed",
            "replayed": info.replayed,
            "torn_tail_bytes": info.torn_tail.map_or(0, |t| t.bytes),
            "wall_time": crate::clock::format_iso_ms(crate::clock::Clock::now_ms(&crate::clock::RealClock)),
        });
        let mut j = Self::with(writer, replay, header, Some(marker));
        if let Ok(st) = j.st.get_mut() {
            st.id_maps = id_maps;
        }
        Ok((j, info))
    }

    fn with(
        writer: EventLogWriter,
        replay: Vec<Rec>,
        header: Header,
        marker: Option<Value>,
    ) -> Self {
        Self {
            st: Mutex::new(State {
                writer,
                replay,
                cursor: 0,
                waiting: HashMap::new(),
                abort: None,
                marker,
                redrives: 0,
                id_maps: Vec::new(),
                kept: KeptByKey::new(),
                redrive_ms: 0,
            }),
            real_clock: header.real_clock,
            entropy: AtomicU64::new(header.entropy_seed),
            header,
        }
    }

    /// The logged (or just written) header.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    fn lock(&self) -> Option<std::sync::MutexGuard<'_, State>> {
        self.st.lock().ok()
    }

    /// Whether entries of the log are still to be replayed (the run is not live yet).
    pub(crate) fn replaying(&self) -> bool {
        self.lock().is_some_and(|mut s| {
            s.skip_markers();
            s.cursor < s.replay.len()
        })
    }

    /// While replaying on the real clock: the time of the next logged entry, which is what
    /// the interrupted run's clock said at this point.
    pub(crate) fn replay_now(&self) -> Option<i64> {
        if !self.real_clock {
            return None;
        }
        let mut s = self.lock()?;
        s.skip_markers();
        let c = s.cursor;
        s.replay.get(c).map(|r| r.ms)
    }

    /// Records a history event (`child`: of a distributed Map's child execution). Returns the
    /// event to keep in the history: the logged one when replaying.
    pub(crate) fn event(&self, child: bool, mut ev: Value) -> Option<Value> {
        let mut s = self.lock()?;
        if s.abort.is_some() {
            return None;
        }
        s.skip_markers();
        if !child && !s.id_maps.is_empty() {
            s.map_ids(&mut ev);
        }
        let c = s.cursor;
        if let Some(rec) = s.replay.get(c) {
            return match &rec.kind {
                Kind::Event {
                    child: logged_child,
                    ev: logged,
                } if *logged_child == child && same_event(logged, &ev, self.real_clock) => {
                    let logged = logged.clone();
                    s.advance();
                    Some(logged)
                }
                _ => {
                    let msg = format!(
                        "line {} of the log is {}, but the resumed run produced {} {}",
                        rec.line,
                        match &rec.kind {
                            Kind::Event { ev, .. } => format!("{} {}", rec.describe, brief(ev)),
                            _ => rec.describe.clone(),
                        },
                        if child { "map-run event" } else { "event" },
                        brief(&ev)
                    );
                    s.diverge(msg);
                    None
                }
            };
        }
        let r = if child {
            s.write_record(&json!({"type": "MapRunEvent", "event": ev}))
        } else {
            s.write_event(&ev)
        };
        r.map(|_| ev)
    }

    /// How many times the execution has been redriven at this point of the run, and when the
    /// last of those redrives happened (ms).
    pub(crate) fn redrive(&self) -> (u64, i64) {
        self.lock().map_or((0, 0), |mut s| {
            s.skip_markers();
            (s.redrives, s.redrive_ms)
        })
    }

    /// The sub-runs of the Parallel or Map state at scope key `key` that the redrive the run
    /// has passed keeps, if any (taken: the state's first attempt in the redriven run uses
    /// them, later attempts run everything, as a retry does).
    pub(crate) fn take_kept(&self, key: &str) -> Option<Kept> {
        let mut s = self.lock()?;
        s.skip_markers();
        if s.kept.is_empty() {
            return None;
        }
        s.kept.remove(key)
    }

    /// Records a failed attempt of the Parallel or Map state at scope key `key` and the
    /// sub-runs it completed (what a redrive keeps). Replaying, the logged record is passed.
    pub(crate) fn sub_runs_failed(&self, key: &str, kept: &Kept, ms: i64) {
        let Some(mut s) = self.lock() else { return };
        if s.abort.is_some() {
            return;
        }
        s.skip_markers();
        let c = s.cursor;
        if let Some(rec) = s.replay.get(c) {
            if matches!(&rec.kind, Kind::SubRunsKept { key: logged, .. } if logged == key) {
                s.advance();
            }
            // A log written before these records existed has none here: nothing to replay.
            return;
        }
        let mut r = kept.to_json();
        if let Value::Object(m) = &mut r {
            m.insert("type".into(), "SubRunsKept".into());
            m.insert("ms".into(), ms.into());
            m.insert("state".into(), key.into());
        }
        let _ = s.write_record(&r);
    }

    /// Records that a Task handler is about to be called; returns the seq its answer refers
    /// to.
    pub(crate) fn handler_invoked(&self, state: &str, action: &str, ms: i64) -> u64 {
        let Some(mut s) = self.lock() else { return 0 };
        if s.abort.is_some() {
            return 0;
        }
        s.skip_markers();
        let c = s.cursor;
        if let Some(rec) = s.replay.get(c) {
            if matches!(&rec.kind, Kind::Invoked { state: logged } if logged == state) {
                let seq = rec.seq;
                s.advance();
                return seq;
            }
            let msg = format!(
                "line {} of the log is {}, but the resumed run calls the handler of state '{state}'",
                rec.line, rec.describe
            );
            s.diverge(msg);
            return 0;
        }
        s.write_record(
            &json!({"type": "HandlerInvoked", "ms": ms, "state": state, "action": action}),
        )
        .unwrap_or(0)
    }

    /// Records a handler's answer; synced to disk when the handler acts outside the run.
    pub(crate) fn handler_returned(
        &self,
        of: u64,
        ms: i64,
        outcome: &Result<Value, HandlerError>,
        durable: bool,
    ) {
        let Some(mut s) = self.lock() else { return };
        if s.write_record(&outcome_record(of, ms, outcome)).is_some() && durable {
            s.sync();
        }
    }

    /// Records the start of a real-clock wait until `until`; returns its seq and the deadline
    /// to keep (the logged one when replaying).
    pub(crate) fn timer_started(&self, until: i64, ms: i64) -> (u64, i64) {
        let Some(mut s) = self.lock() else {
            return (0, until);
        };
        if s.abort.is_some() {
            return (0, until);
        }
        s.skip_markers();
        let c = s.cursor;
        if let Some(rec) = s.replay.get(c) {
            if let Kind::TimerStarted { until: logged } = rec.kind {
                let seq = rec.seq;
                s.advance();
                return (seq, logged);
            }
            let msg = format!(
                "line {} of the log is {}, but the resumed run starts a timer",
                rec.line, rec.describe
            );
            s.diverge(msg);
            return (0, until);
        }
        let seq = s
            .write_record(&json!({"type": "TimerStarted", "ms": ms, "until_ms": until}))
            .unwrap_or(0);
        s.sync();
        (seq, until)
    }

    /// The UpdateMapRun settings of the Map Run `map_run` from this point of the run on, given
    /// those it had (`last`). Replaying, the logged `MapRunUpdated` record for it, if it is the
    /// next entry (else `last`: the run saw no change here); live, what `current` answers,
    /// logged (at `ms`) when it differs from `last` (no answer keeps `last`).
    pub(crate) fn map_run_update(
        &self,
        map_run: &str,
        last: MapRunUpdate,
        ms: i64,
        current: impl FnOnce() -> Option<MapRunUpdate>,
    ) -> MapRunUpdate {
        let Some(mut s) = self.lock() else {
            return last;
        };
        if s.abort.is_some() {
            return last;
        }
        s.skip_markers();
        let c = s.cursor;
        if let Some(rec) = s.replay.get(c) {
            if let Kind::MapRunUpdated {
                map_run: logged,
                update,
            } = &rec.kind
                && logged == map_run
            {
                let update = *update;
                s.advance();
                return update;
            }
            return last;
        }
        // No answer (no source, or nothing changed there) keeps what the run has taken up.
        let Some(now) = current().filter(|now| *now != last) else {
            return last;
        };
        let _ = s.write_record(&json!({
            "type": "MapRunUpdated",
            "ms": ms,
            "map_run": map_run,
            "max_concurrency": now.max_concurrency,
            "tolerated_failure_count": now.tolerated_failure_count,
            "tolerated_failure_percentage": now.tolerated_failure_percentage,
        }));
        now
    }

    /// Records that the wait of `of` is over.
    pub(crate) fn timer_fired(&self, of: u64, ms: i64) {
        if let Some(mut s) = self.lock() {
            let _ = s.write_record(&json!({"type": "TimerFired", "ms": ms, "of": of}));
        }
    }

    /// Completes when the log says the handler call or timer `of` ended (with its answer), or
    /// with `None` once the log is used up (then it happens live).
    pub(crate) fn gate(&self, of: u64) -> Gate<'_> {
        Gate { j: self, of }
    }

    /// Why the run must stop now, if it must: the run left the log, or the log cannot be
    /// written. With `pending`, also when no waiting handler or timer can take the next logged
    /// entry (the run would otherwise wait forever).
    pub(crate) fn check(&self, pending: bool) -> Option<Stop> {
        let mut s = self.lock()?;
        match s.abort.take() {
            Some(Abort::Diverged(m)) => {
                s.abort = Some(Abort::Diverged(m.clone()));
                return Some(Stop::Log(LogError::Diverged(m)));
            }
            Some(Abort::Io(e)) => {
                let kind = e.kind();
                let msg = e.to_string();
                s.abort = Some(Abort::Io(e));
                return Some(Stop::Io(std::io::Error::new(kind, msg)));
            }
            None => {}
        }
        if !pending {
            return None;
        }
        s.skip_markers();
        let c = s.cursor;
        let rec = s.replay.get(c)?;
        let awaited = matches!(rec.kind, Kind::Returned(_) | Kind::TimerFired)
            && s.waiting.contains_key(&rec.of);
        if awaited {
            return None;
        }
        let msg = format!(
            "the resumed run cannot reach line {} of the log ({}): it went another way",
            rec.line, rec.describe
        );
        s.diverge(msg.clone());
        Some(Stop::Log(LogError::Diverged(msg)))
    }

    /// After the run's body ended: every logged entry must have been replayed.
    pub(crate) fn check_done(&self) -> Option<LogError> {
        let mut s = self.lock()?;
        s.skip_markers();
        let c = s.cursor;
        let rec = s.replay.get(c)?;
        Some(LogError::Diverged(format!(
            "the resumed run ended before line {} of the log ({})",
            rec.line, rec.describe
        )))
    }

    /// Forces everything written to disk; returns the first write error, if any.
    pub(crate) fn finish(&self) -> Option<std::io::Error> {
        let mut s = self.lock()?;
        s.sync();
        match s.abort.take() {
            Some(Abort::Io(e)) => Some(e),
            other => {
                s.abort = other;
                None
            }
        }
    }
}

/// The entries a resume replays from the entries `rest` of an execution (after its header):
/// each `RedriveStarted` record drops the entries from its cut on (the unsuccessful part of
/// the attempt it redrives) and its `ExecutionRedriven` event. Also returns the id maps of
/// the redrives.
fn effective(rest: &[LogLine]) -> Result<(Vec<Rec>, Vec<IdMap>), LogError> {
    let mut replay: Vec<Rec> = Vec::new();
    let mut maps = Vec::new();
    let mut redriven_event = false;
    for l in rest {
        if let Entry::Record(r) = &l.entry
            && r.get("type").and_then(Value::as_str) == Some("RedriveStarted")
        {
            let n = |k: &str| {
                r.get(k)
                    .and_then(Value::as_u64)
                    .ok_or_else(|| LogError::UnknownRecord {
                        line: l.line,
                        what: format!("RedriveStarted without `{k}`"),
                    })
            };
            let cut = n("cut_seq")?;
            maps.push((n("from_id")?, n("offset")?));
            replay.retain(|x| x.seq < cut);
            replay.push(parse_rec(l)?);
            redriven_event = true;
            continue;
        }
        if redriven_event
            && let Entry::Event(e) = &l.entry
            && e.get("type").and_then(Value::as_str) == Some("ExecutionRedriven")
        {
            redriven_event = false;
            continue;
        }
        replay.push(parse_rec(l)?);
    }
    Ok((replay, maps))
}

/// Prepares the redrive of the last execution of the log at `path` (see the module
/// documentation): it must be of this definition and have ended FAILED, TIMED_OUT or
/// ABORTED. `top_states` are the names of the machine's top-level states. Appends the
/// `RedriveStarted` record and the `ExecutionRedriven` event (forced to disk); a resume then
/// runs the redrive. Returns the execution's redrive count.
pub(crate) fn redrive(
    path: &std::path::Path,
    fsync: bool,
    definition_sha256: &str,
    top_states: &[String],
    now_ms: i64,
) -> Result<u64, LogError> {
    let (mut writer, summary) = EventLogWriter::open_with(path, fsync)?;
    let (h, _, _, rest) = last_execution(&summary.lines, definition_sha256)?;
    let status = ended(rest).unwrap_or_else(|| String::from("RUNNING"));
    if status == "RUNNING" || status == "SUCCEEDED" {
        return Err(LogError::NotRedrivable {
            execution: name_of(&summary.lines, h),
            status,
        });
    }
    let (replay, maps) = effective(rest)?;
    // The events of the attempt, in engine ids (1, 2, ...: the engine numbers them in order).
    let events: Vec<(u64, &Value)> = replay
        .iter()
        .filter_map(|r| match &r.kind {
            Kind::Event { child: false, ev } => Some((r.seq, ev)),
            _ => None,
        })
        .collect();
    let is_top_entry = |ev: &Value| {
        ev.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("StateEntered"))
            && ev
                .get("stateEnteredEventDetails")
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .is_some_and(|n| top_states.iter().any(|s| s == n))
    };
    // Cut at the last top-level state entered; without one (the execution failed before its
    // first state), right after ExecutionStarted.
    let (cut_index, cut_seq) = match events.iter().rposition(|(_, ev)| is_top_entry(ev)) {
        Some(i) => (i, events.get(i).map_or(0, |e| e.0)),
        None => {
            let after = events.get(1).map(|e| e.0);
            let fallback = replay
                .iter()
                .map(|r| r.seq)
                .find(|seq| after.is_none_or(|a| *seq >= a))
                .unwrap_or(u64::MAX);
            (1, after.unwrap_or(fallback))
        }
    };
    // What the redrive keeps: the sub-runs the redrive before kept (not run again since, or
    // taken and recorded again), then those of the failed attempts the cut drops, later
    // records of a state replacing earlier ones.
    let mut kept = replay
        .iter()
        .rev()
        .find_map(|r| match &r.kind {
            Kind::Redriven(k) if r.seq < cut_seq => Some(k.clone()),
            _ => None,
        })
        .unwrap_or_default();
    // A state's attempt is preceded by the records of the states inside it; those written
    // before its previous record are of an older attempt (a Retry ran it again) and go.
    let mut written: HashMap<String, usize> = HashMap::new();
    for (n, r) in replay.iter().filter(|r| r.seq >= cut_seq).enumerate() {
        if let Kind::SubRunsKept { key, kept: k } = &r.kind {
            if let Some(prev) = written.get(key).copied() {
                let inside = format!("{key}/");
                kept.retain(|k2, _| {
                    !k2.starts_with(&inside) || written.get(k2).is_some_and(|at| *at > prev)
                });
            }
            written.insert(key.clone(), n);
            kept.insert(key.clone(), k.clone());
        }
    }
    let kept: Map<String, Value> = kept.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    let from_id = u64::try_from(cut_index)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let last_id = summary
        .events()
        .filter_map(|e| e.get("id").and_then(Value::as_u64))
        .max()
        .unwrap_or(0);
    let count = u64::try_from(maps.len())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let io = |e: std::io::Error| LogError::Open(OpenError::Io(e));
    writer
        .append_record(&json!({
            "type": "RedriveStarted",
            "ms": now_ms,
            "cut_seq": cut_seq,
            "from_id": from_id,
            "offset": last_id.saturating_add(2).saturating_sub(from_id),
            "redrive_count": count,
            "kept": kept,
        }))
        .map_err(io)?;
    writer
        .append_event(&json!({
            "id": last_id.saturating_add(1),
            "previousEventId": last_id,
            "timestamp": crate::clock::format_iso_ms(now_ms),
            "type": "ExecutionRedriven",
            "executionRedrivenEventDetails": {"redriveCount": count},
        }))
        .map_err(io)?;
    writer.sync().map_err(io)?;
    Ok(count)
}

impl nexus_schema::expr::Entropy for Journal {
    fn next_u64(&self) -> u64 {
        // splitmix64 over the logged seed: a replay draws the same values in the same order.
        let mut z = self
            .entropy
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl State {
    fn skip_markers(&mut self) {
        loop {
            match self.replay.get(self.cursor) {
                Some(Rec {
                    kind: Kind::Resumed,
                    ..
                }) => {}
                Some(Rec {
                    kind: Kind::Redriven(kept),
                    ms,
                    ..
                }) => {
                    self.kept = kept.clone();
                    self.redrive_ms = *ms;
                    self.redrives = self.redrives.saturating_add(1);
                }
                _ => break,
            }
            self.cursor = self.cursor.saturating_add(1);
        }
    }

    /// Gives an event of a redriven run the ids it has in the log.
    fn map_ids(&self, ev: &mut Value) {
        let map = |id: u64| {
            self.id_maps
                .iter()
                .rev()
                .find(|(from, _)| id >= *from)
                .map_or(id, |(_, off)| id.saturating_add(*off))
        };
        if let Value::Object(m) = ev {
            for k in ["id", "previousEventId"] {
                if let Some(n) = m.get(k).and_then(Value::as_u64) {
                    m.insert(k.into(), map(n).into());
                }
            }
        }
    }

    fn advance(&mut self) {
        self.cursor = self.cursor.saturating_add(1);
        self.skip_markers();
        for w in self.waiting.values() {
            w.wake_by_ref();
        }
    }

    fn diverge(&mut self, msg: String) {
        if self.abort.is_none() {
            self.abort = Some(Abort::Diverged(msg));
        }
        for w in self.waiting.values() {
            w.wake_by_ref();
        }
    }

    fn before_write(&mut self) -> bool {
        if self.abort.is_some() {
            return false;
        }
        if let Some(m) = self.marker.take()
            && let Err(e) = self.writer.append_record(&m)
        {
            self.abort = Some(Abort::Io(e));
            return false;
        }
        true
    }

    fn write_event(&mut self, ev: &Value) -> Option<u64> {
        if !self.before_write() {
            return None;
        }
        match self.writer.append_event(ev) {
            Ok(seq) => Some(seq),
            Err(e) => {
                self.abort = Some(Abort::Io(e));
                None
            }
        }
    }

    fn write_record(&mut self, r: &Value) -> Option<u64> {
        if !self.before_write() {
            return None;
        }
        match self.writer.append_record(r) {
            Ok(seq) => Some(seq),
            Err(e) => {
                self.abort = Some(Abort::Io(e));
                None
            }
        }
    }

    fn sync(&mut self) {
        if self.abort.is_none()
            && let Err(e) = self.writer.sync()
        {
            self.abort = Some(Abort::Io(e));
        }
    }
}

/// See [`Journal::gate`].
pub(crate) struct Gate<'j> {
    j: &'j Journal,
    of: u64,
}

impl std::future::Future for Gate<'_> {
    type Output = Option<Replayed>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let Some(mut s) = self.j.lock() else {
            return Poll::Ready(None);
        };
        if s.abort.is_some() {
            // The run stops at the end of this poll (see `Journal::check`).
            return Poll::Pending;
        }
        s.skip_markers();
        let c = s.cursor;
        let Some(rec) = s.replay.get(c) else {
            s.waiting.remove(&self.of);
            return Poll::Ready(None);
        };
        if rec.of == self.of {
            let out = match &rec.kind {
                Kind::Returned(o) => Some(Replayed::Handler(o.clone())),
                Kind::TimerFired => Some(Replayed::Timer),
                _ => None,
            };
            if let Some(out) = out {
                s.waiting.remove(&self.of);
                s.advance();
                return Poll::Ready(Some(out));
            }
        }
        s.waiting.insert(self.of, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Gate<'_> {
    fn drop(&mut self) {
        if let Some(mut s) = self.j.lock() {
            s.waiting.remove(&self.of);
        }
    }
}
