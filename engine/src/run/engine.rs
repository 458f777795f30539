//! The public [`Engine`] and the run loop: one `match` over what each state handler returns,
//! with limits (transitions, execution timeout, wall time) checked on every transition.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

use crate::compile::plan::Plan;
use crate::error::{CompileError, Failure};
use crate::handlers::Handlers;
use crate::log::history::History;
use crate::log::journal::{Header, Journal, ResumeInfo, Stop};
use crate::run::context::ContextBase;
use crate::run::error::RunError;
use crate::run::exec::{Exec, PlanScope};
use crate::run::machine::run_plan;
use crate::run::options::{RunOptions, WorkflowType};
use crate::vars::Vars;

/// Final status of an execution, named as `DescribeExecution` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionStatus {
    /// `SUCCEEDED`.
    Succeeded,
    /// `FAILED`.
    Failed,
    /// `TIMED_OUT` (execution `TimeoutSeconds` or the wall-time limit).
    TimedOut,
}

impl ExecutionStatus {
    /// `SUCCEEDED`, `FAILED` or `TIMED_OUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
        }
    }
}

/// The result of one run.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Final status.
    pub status: ExecutionStatus,
    /// Output when `SUCCEEDED`.
    pub output: Option<Value>,
    /// Error name when not succeeded (absent when a Fail state names none).
    pub error: Option<String>,
    /// Cause when not succeeded.
    pub cause: Option<String>,
    /// GetExecutionHistory-style events (empty when `record_history` is off).
    pub history: Vec<Value>,
    /// Number of state transitions made.
    pub transitions: u64,
    /// What was taken from the event log, when this execution was resumed.
    pub resumed: Option<ResumeInfo>,
    /// A TestState run: the tested state's data-processing steps as TestState's
    /// `inspectionData` names them (`afterInputPath`, `afterParameters`, `result`,
    /// `afterResultSelector`, `afterResultPath`, `afterArguments`, `afterItemsPath`,
    /// `maxConcurrency`, `toleratedFailureCount`, `toleratedFailurePercentage`), as values,
    /// with `errorDetails.catchIndex` and the error and cause of a failure a catcher handled.
    pub inspection: Option<Box<Map<String, Value>>>,
}

impl Execution {
    /// `{"status", "output"}` or `{"status", "error", "cause"}` (absent fields left out), the
    /// shape the conformance corpus records.
    pub fn summary(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), self.status.as_str().into());
        if let Some(o) = &self.output {
            m.insert("output".into(), o.clone());
        }
        if let Some(e) = &self.error {
            m.insert("error".into(), e.clone().into());
        }
        if let Some(c) = &self.cause {
            m.insert("cause".into(), c.clone().into());
        }
        Value::Object(m)
    }

    /// [`Execution::summary`] printed as compact JSON straight from the execution, without
    /// copying the output into a new value first (`nexus run --input-lines` prints one per
    /// execution).
    pub fn write_summary(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        // Statuses are upper-case ASCII words: nothing to escape.
        w.write_all(b"{\"status\":\"")?;
        w.write_all(self.status.as_str().as_bytes())?;
        w.write_all(b"\"")?;
        if let Some(o) = &self.output {
            w.write_all(b",\"output\":")?;
            serde_json::to_writer(&mut w, o)?;
        }
        for (key, text) in [("error", &self.error), ("cause", &self.cause)] {
            if let Some(t) = text {
                write!(w, ",\"{key}\":")?;
                serde_json::to_writer(&mut w, t)?;
            }
        }
        w.write_all(b"}")
    }
}

/// What a TestState call adds to a run.
#[derive(Debug, Default)]
pub(crate) struct TestStateExtras {
    /// The `context` of the request (fields override the generated context object).
    pub(crate) context: Option<Value>,
    /// The mock of the tested state (a Map or Parallel uses it in place of its run).
    pub(crate) mock: Option<crate::run::tested::StateMock>,
    /// The `roleArn` of the request (`$$.Execution.RoleArn`, null when absent).
    pub(crate) role_arn: Option<String>,
}

/// Extras of a run: initial variables and, for TestState, the request's context and mock;
/// for a resume, the journal being replayed.
#[derive(Debug, Default)]
pub(crate) struct RunExtras {
    pub(crate) vars: Vars,
    pub(crate) test_state: Option<TestStateExtras>,
    pub(crate) resume: Option<Arc<Journal>>,
}

/// A compiled state machine, ready to run many times.
pub struct Engine {
    plan: Arc<Plan>,
    opts: RunOptions,
    runtime: OnceLock<tokio::runtime::Runtime>,
    runs: AtomicU64,
    /// SHA-256 of the definition and its compensations (kept in event-log headers); only
    /// computed when the options name an event log.
    definition_sha256: Option<String>,
    /// The NEXUS `on_compensation_failure` hook, compiled.
    saga_hook: Option<Box<crate::compile::plan::State>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("states", &self.plan.states.len())
            .finish()
    }
}

fn definition_sha256(
    definition: &Value,
    comps: &[nexus_schema::nexus::Compensation],
    hook: Option<&str>,
) -> String {
    let comps: Vec<Value> = comps
        .iter()
        .map(|c| json!([c.asl_scope, c.state, c.action, c.retry]))
        .collect();
    let mut v = json!({"definition": definition, "compensations": comps});
    if let (Some(h), Value::Object(m)) = (hook, &mut v) {
        m.insert("on_compensation_failure".into(), h.into());
    }
    crate::log::journal::value_sha256(&v)
}

impl Engine {
    /// Compiles a definition.
    pub fn new(definition: &Value, opts: RunOptions) -> Result<Self, CompileError> {
        Self::with_compensations(definition, &[], opts)
    }

    /// Compiles a definition with NEXUS `compensate` actions (the side table of
    /// [`nexus_schema::nexus::lower`]): when a (sub-)machine ends FAILED at a Fail state or
    /// with a Task, Parallel or Map failure no catcher handles, the compensations of the
    /// states that completed in it run in reverse completion order (docs/nexus-yaml.md).
    pub fn with_compensations(
        definition: &Value,
        compensations: &[nexus_schema::nexus::Compensation],
        opts: RunOptions,
    ) -> Result<Self, CompileError> {
        Self::with_saga(definition, compensations, None, opts)
    }

    /// As [`Engine::with_compensations`], with the workflow's `on_compensation_failure`
    /// action: called once, with `{"error", "failed"}`, when compensations fail.
    pub fn with_saga(
        definition: &Value,
        compensations: &[nexus_schema::nexus::Compensation],
        on_compensation_failure: Option<&str>,
        opts: RunOptions,
    ) -> Result<Self, CompileError> {
        let definition_sha256 = opts
            .event_log
            .is_some()
            .then(|| definition_sha256(definition, compensations, on_compensation_failure));
        let saga_hook = match on_compensation_failure {
            Some(a) => Some(Box::new(crate::compile::compiler::compile_hook(
                definition, a,
            )?)),
            None => None,
        };
        Ok(Self {
            plan: Arc::new(crate::compile::compiler::compile(
                definition,
                compensations,
            )?),
            opts,
            runtime: OnceLock::new(),
            runs: AtomicU64::new(0),
            definition_sha256,
            saga_hook,
        })
    }

    /// Compiles one state as a whole machine (TestState-style single-state runs).
    pub fn single_state(state: &Value, name: &str, opts: RunOptions) -> Result<Self, CompileError> {
        let definition_sha256 = opts
            .event_log
            .is_some()
            .then(|| crate::log::journal::value_sha256(&json!({"state": state, "name": name})));
        Ok(Self {
            plan: Arc::new(crate::compile::compiler::compile_single(state, name)?),
            opts,
            runtime: OnceLock::new(),
            runs: AtomicU64::new(0),
            definition_sha256,
            saga_hook: None,
        })
    }

    /// The options runs use.
    pub fn options(&self) -> &RunOptions {
        &self.opts
    }

    /// Runs to completion, blocking the current thread. Must not be called from inside an
    /// async runtime (use [`Engine::run_async`] there).
    pub fn run(&self, input: Value, handlers: &Handlers) -> Result<Execution, RunError> {
        self.run_blocking(input, handlers, RunExtras::default())
    }

    /// Resumes the last execution of the event log in the options ([`RunOptions::event_log`])
    /// where it was interrupted, blocking the current thread: the log is verified, must hold
    /// an unfinished execution of this definition, and is replayed (Task handlers whose
    /// answers it holds are not called again); the run then goes on, appending to the log.
    /// `input`, when given, must be the logged execution's; by default the logged one is used.
    /// The result is the one the uninterrupted execution would have had.
    pub fn resume(&self, input: Option<Value>, handlers: &Handlers) -> Result<Execution, RunError> {
        let (journal, info, input) = self.open_resume(input)?;
        let mut x = self.run_blocking(
            input,
            handlers,
            RunExtras {
                resume: Some(journal),
                ..RunExtras::default()
            },
        )?;
        x.resumed = Some(info);
        Ok(x)
    }

    /// [`Engine::resume`] inside the caller's tokio runtime.
    pub async fn resume_async(
        &self,
        input: Option<Value>,
        handlers: &Handlers,
    ) -> Result<Execution, RunError> {
        let (journal, info, input) = self.open_resume(input)?;
        let mut x = self
            .run_with(
                input,
                handlers,
                RunExtras {
                    resume: Some(journal),
                    ..RunExtras::default()
                },
            )
            .await?;
        x.resumed = Some(info);
        Ok(x)
    }

    /// Prepares the redrive of the last execution of the event log in the options
    /// ([`RunOptions::event_log`]), as AWS's RedriveExecution does: the execution must be of
    /// this definition and have ended FAILED, TIMED_OUT or ABORTED. Appends the
    /// `ExecutionRedriven` event; [`Engine::resume`] (or [`Engine::resume_async`]) then runs
    /// the unsuccessful state again, replaying the steps before it without calling their
    /// handlers. Returns the execution's redrive count. See the journal's documentation.
    pub fn redrive(&self) -> Result<u64, RunError> {
        let path = self.opts.event_log.as_ref().ok_or(RunError::NoEventLog)?;
        let def = self.definition_sha256.as_deref().unwrap_or_default();
        let top: Vec<String> = self
            .plan
            .states
            .iter()
            .map(|s| s.name.to_string())
            .collect();
        let now = self.opts.clock.now_ms();
        crate::log::journal::redrive(path, self.opts.event_log_fsync, def, &top, now).map_err(
            |source| RunError::Log {
                path: path.display().to_string(),
                source,
            },
        )
    }

    fn open_resume(
        &self,
        input: Option<Value>,
    ) -> Result<(Arc<Journal>, ResumeInfo, Value), RunError> {
        let path = self.opts.event_log.as_ref().ok_or(RunError::NoEventLog)?;
        let def = self.definition_sha256.as_deref().unwrap_or_default();
        let (journal, info) = Journal::resume(
            path,
            self.opts.event_log_fsync,
            def,
            input.as_ref(),
            !self.opts.clock.is_virtual(),
        )
        .map_err(|source| RunError::Log {
            path: path.display().to_string(),
            source,
        })?;
        let input = input.unwrap_or_else(|| journal.header().input.clone());
        Ok((Arc::new(journal), info, input))
    }

    /// [`Engine::run_with`] on this engine's own runtime.
    pub(crate) fn run_blocking(
        &self,
        input: Value,
        handlers: &Handlers,
        extras: RunExtras,
    ) -> Result<Execution, RunError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(RunError::NestedRuntime);
        }
        // A machine without Tasks, on the virtual clock and without a wall-time limit, never
        // waits for anything: its run completes on the first poll, without a runtime. Should
        // it not, the runtime below takes the same future over.
        let mut fut = std::pin::pin!(self.run_with(input, handlers, extras));
        if !self.plan.has_tasks && self.opts.clock.is_virtual() && self.opts.wall_time.is_none() {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            if let std::task::Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
                return r;
            }
        }
        // One current-thread runtime per engine, built on first use: a run that never waits
        // completes on its first poll, so block_on costs next to nothing per execution.
        let rt = match self.runtime.get() {
            Some(rt) => rt,
            None => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(RunError::Runtime)?;
                let _ = self.runtime.set(rt);
                self.runtime
                    .get()
                    .ok_or_else(|| RunError::Runtime(std::io::Error::other("runtime lost")))?
            }
        };
        rt.block_on(fut)
    }

    /// Runs to completion inside the caller's tokio runtime.
    pub async fn run_async(
        &self,
        input: Value,
        handlers: &Handlers,
    ) -> Result<Execution, RunError> {
        self.run_with(input, handlers, RunExtras::default()).await
    }

    /// The journal of a new execution, when the options name an event log.
    fn new_journal(
        &self,
        input: &Value,
        exec_name: &str,
        start: i64,
    ) -> Result<Option<Arc<Journal>>, RunError> {
        let Some(path) = &self.opts.event_log else {
            return Ok(None);
        };
        let header = Header {
            definition_sha256: self.definition_sha256.clone().unwrap_or_default(),
            input_sha256: crate::log::journal::value_sha256(input),
            input: input.clone(),
            execution_name: exec_name.to_string(),
            state_machine_name: self.opts.state_machine_name.clone(),
            start_ms: start,
            real_clock: !self.opts.clock.is_virtual(),
            seed: self.opts.seed,
            entropy_seed: nexus_schema::expr::Entropy::next_u64(&nexus_schema::expr::SystemEntropy),
        };
        Journal::create(path, self.opts.event_log_fsync, header)
            .map(|j| Some(Arc::new(j)))
            .map_err(|source| RunError::Log {
                path: path.display().to_string(),
                source,
            })
    }

    /// Runs with the extras of a TestState call (initial variables, context override,
    /// mocked state result) or of a resume.
    pub(crate) async fn run_with(
        &self,
        input: Value,
        handlers: &Handlers,
        extras: RunExtras,
    ) -> Result<Execution, RunError> {
        let RunExtras {
            vars,
            test_state,
            resume,
        } = extras;
        // A resumed execution is the logged one: its name, start time, seeds and (virtual)
        // clock come from the log.
        let resumed_opts = resume.as_ref().map(|j| {
            let h = j.header();
            let clock: Arc<dyn crate::clock::Clock> = if h.real_clock {
                self.opts.clock.clone()
            } else {
                Arc::new(crate::clock::VirtualClock::new(h.start_ms))
            };
            RunOptions {
                execution_name: Some(h.execution_name.clone()),
                state_machine_name: h.state_machine_name.clone(),
                seed: h.seed,
                clock,
                ..self.opts.clone()
            }
        });
        let opts = resumed_opts.as_ref().unwrap_or(&self.opts);
        self.runs.fetch_add(1, Ordering::Relaxed);
        // The context object (names, ARNs, a copy of the input) is only built when a state
        // reads it: most executions never do.
        let needs_context = self.plan.uses_context || test_state.is_some();
        // Every execution has a name of its own, as StartExecution gives one (a UUID) when
        // the caller names none: idempotency keys built from `$$.Execution.Id` and task
        // tokens must not collide between runs.
        let exec_name =
            if needs_context || resume.is_some() || opts.event_log.is_some() || self.plan.has_tasks
            {
                opts.execution_name
                    .clone()
                    .unwrap_or_else(fresh_execution_name)
            } else {
                String::new()
            };
        let start = match &resume {
            Some(j) => j.header().start_ms,
            None => opts.clock.now_ms(),
        };
        let journal = match resume {
            Some(j) => Some(j),
            None => self.new_journal(&input, &exec_name, start)?,
        };
        let (base, state_mock, is_test_state) = match test_state {
            None if !needs_context => (ContextBase::unused(), None, false),
            None => (
                ContextBase::new(
                    &opts.execution_arn_of_type(&exec_name),
                    &exec_name,
                    &input,
                    &opts.role_arn,
                    &crate::clock::format_iso_ms(start),
                    &opts.state_machine_arn(),
                    &opts.state_machine_name,
                    opts.workflow_type == WorkflowType::Express,
                ),
                None,
                false,
            ),
            Some(ts) => (
                ContextBase::for_test_state(
                    &opts.express_execution_arn(&exec_name),
                    &exec_name,
                    &input,
                    ts.role_arn.as_deref(),
                    &crate::clock::format_iso_ms(start),
                    &opts.state_machine_arn(),
                    &opts.state_machine_name,
                    ts.context.as_ref(),
                ),
                ts.mock,
                true,
            ),
        };
        let timeout_ms = {
            let own = self.plan.timeout_seconds.map(|t| {
                i64::try_from(t)
                    .unwrap_or(i64::MAX / 2)
                    .saturating_mul(1000)
            });
            // The shorter of the machine's TimeoutSeconds and the type's limit.
            match (own, opts.workflow_type.max_duration_ms()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        let exec = Exec {
            run_plan: crate::run::machine::run_plan_boxed,
            opts,
            handlers,
            history: History::new(
                opts.record_history,
                journal.clone(),
                false,
                opts.history_sink.clone(),
            ),
            base,
            transitions: AtomicU64::new(0),
            first_entered: AtomicBool::new(true),
            invocations: Mutex::new(None),
            rng: Mutex::new(opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            deadline_ms: timeout_ms.map(|ms| start.saturating_add(ms)),
            timeout_ms,
            redriven_deadline: Mutex::new((0, 0)),
            timed_out: Arc::new(AtomicBool::new(false)),
            test_state: is_test_state,
            state_mock,
            inspection: is_test_state.then(|| Mutex::new(Map::new())),
            journal,
            exec_name: exec_name.clone(),
            tokens: Arc::new(AtomicU64::new(0)),
            saga_hook: self.saga_hook.as_deref(),
        };
        let log_error = |stop: Stop| {
            let path = opts
                .event_log
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            match stop {
                Stop::Log(source) => RunError::Log { path, source },
                Stop::Io(source) => RunError::EventLog { path, source },
            }
        };
        let started = exec.history.emit(0, "ExecutionStarted", start, || {
            Some((
                "executionStartedEventDetails",
                json!({
                    "input": crate::io::to_compact(&input),
                    "inputDetails": {"truncated": false},
                    "roleArn": opts.role_arn,
                }),
            ))
        });
        let mut chain = started;
        let mut vars = vars;
        // Set when the deadline stops the run inside a state.
        let interrupted = AtomicBool::new(false);
        let result = match (&exec.journal, opts.wall_time, exec.deadline_ms) {
            (None, None, None) => {
                run_plan(
                    &exec,
                    &self.plan,
                    input,
                    &mut vars,
                    &mut chain,
                    PlanScope::default(),
                )
                .await
            }
            // The rarer, larger futures are boxed: the future of a plain run stays small.
            (None, _, _) => {
                let body = run_plan(
                    &exec,
                    &self.plan,
                    input,
                    &mut vars,
                    &mut chain,
                    PlanScope::default(),
                );
                let body = with_deadline(&exec, &interrupted, body);
                Box::pin(with_wall_time(&exec, body)).await
            }
            (Some(j), _, _) => {
                let body = run_plan(
                    &exec,
                    &self.plan,
                    input,
                    &mut vars,
                    &mut chain,
                    PlanScope::default(),
                );
                let body = with_deadline(&exec, &interrupted, body);
                let r = Box::pin(with_wall_time(&exec, journaled(j, body))).await;
                let r = match r {
                    Ok(Ok(v)) => Ok(v),
                    Ok(Err(stop)) => return Err(log_error(stop)),
                    Err(f) => Err(f),
                };
                if let Some(stop) = j.check(false) {
                    return Err(log_error(stop));
                }
                if let Some(e) = j.check_done() {
                    return Err(log_error(Stop::Log(e)));
                }
                r
            }
        };
        let now = exec.now();
        let (status, output, error, cause) = match result {
            Ok(out) => {
                exec.history.emit(chain, "ExecutionSucceeded", now, || {
                    Some((
                        "executionSucceededEventDetails",
                        json!({"output": crate::io::to_compact(&out), "outputDetails": {"truncated": false}}),
                    ))
                });
                (ExecutionStatus::Succeeded, Some(out), None, None)
            }
            Err(f) if exec.timed_out.load(Ordering::Relaxed) => {
                // Stopped inside a state, the event follows the last one the run wrote.
                let prev = if interrupted.load(Ordering::Relaxed) {
                    exec.history.count()
                } else {
                    chain
                };
                exec.history.emit(prev, "ExecutionTimedOut", now, || {
                    Some((
                        "executionTimedOutEventDetails",
                        crate::log::history::error_details(f.error.as_deref(), f.cause.as_deref()),
                    ))
                });
                let (e, c) = f.into_parts();
                (ExecutionStatus::TimedOut, None, e, c)
            }
            Err(f) => {
                exec.history.emit(chain, "ExecutionFailed", now, || {
                    Some((
                        "executionFailedEventDetails",
                        crate::log::history::error_details(f.error.as_deref(), f.cause.as_deref()),
                    ))
                });
                let (e, c) = f.into_parts();
                (ExecutionStatus::Failed, None, e, c)
            }
        };
        let history = exec.history.finish();
        if let Some(j) = &exec.journal
            && let Some(source) = j.finish()
        {
            return Err(log_error(Stop::Io(source)));
        }
        Ok(Execution {
            status,
            output,
            error,
            cause,
            history,
            transitions: exec.transitions.load(Ordering::Relaxed),
            resumed: None,
            inspection: exec
                .inspection
                .and_then(|m| m.into_inner().ok())
                .map(Box::new),
        })
    }
}

/// A fresh execution name: a version-4 UUID, as StartExecution names an execution the caller
/// leaves unnamed. Drawn from a per-process random seed and a counter (no system call per
/// run).
fn fresh_execution_name() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED
        .get_or_init(|| nexus_schema::expr::Entropy::next_u64(&nexus_schema::expr::SystemEntropy));
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    // splitmix64: two well-mixed words from (seed, n).
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let a = mix(seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    let b = mix(a ^ seed.rotate_left(17));
    // RFC 9562 version 4: version nibble 4, variant bits 10.
    let a = (a & !0xF000) | 0x4000;
    let b = (b & !(0xC000 << 48)) | (0x8000 << 48);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// The run's body under the wall-time limit of the options, if any.
async fn with_wall_time<T>(
    exec: &Exec<'_>,
    body: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    match exec.opts.wall_time {
        Some(limit) => {
            // `None` only for a limit beyond the clock's range: no deadline in practice.
            let at = std::time::Instant::now().checked_add(limit);
            let mut body = std::pin::pin!(body);
            // Expressions and transitions inside the body see the deadline (see `tick`).
            let body = std::future::poll_fn(|cx| {
                let _deadline = at.map(|at| crate::expr::use_wall_deadline((at, limit)));
                body.as_mut().poll(cx)
            });
            match tokio::time::timeout(limit, body).await {
                // A failure caused by the deadline (an expression stopped by it) is the
                // timeout, whatever error the state reported.
                Ok(Err(_)) if at.is_some_and(|at| std::time::Instant::now() >= at) => {
                    exec.timed_out.store(true, Ordering::Relaxed);
                    Err(crate::catalogue::wall_time(limit))
                }
                Ok(r) => r,
                Err(_) => {
                    exec.timed_out.store(true, Ordering::Relaxed);
                    Err(crate::catalogue::wall_time(limit))
                }
            }
        }
        None => body.await,
    }
}

/// The run's body under the execution's deadline (`TimeoutSeconds`, or the Express limit).
/// AWS ends an execution `TIMED_OUT` at its deadline whatever it is waiting for: a Wait, a
/// retry back-off, a Task handler, a `.waitForTaskToken` callback, an activity. Transitions
/// check the deadline themselves ([`Exec::tick`]) and, on the virtual clock, a wait that would
/// pass it ends there ([`Exec::sleep_until`]); while the run waits for anything else, a timer
/// set to the time left stops it: on the real clock at the deadline, on the virtual clock
/// after the time left in real time (the time spent in handlers is real), the clock then
/// moved to the deadline. Replaying a log, the timer starts once the run is live: the
/// replayed part already happened in time.
async fn with_deadline<T>(
    exec: &Exec<'_>,
    interrupted: &AtomicBool,
    body: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let mut body = std::pin::pin!(body);
    // (deadline, virtual time it was set at, timer)
    let mut timer: Option<(i64, i64, std::pin::Pin<Box<tokio::time::Sleep>>)> = None;
    let stop = || {
        exec.timed_out.store(true, Ordering::Relaxed);
        interrupted.store(true, Ordering::Relaxed);
        Err(crate::catalogue::execution_timeout())
    };
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(r) = body.as_mut().poll(cx) {
            return std::task::Poll::Ready(r);
        }
        // A wait stopped at the deadline on the virtual clock (see `Exec::sleep_until`).
        if exec.timed_out.load(Ordering::Relaxed) {
            return std::task::Poll::Ready(stop());
        }
        // Outside a runtime (a run polled once, see `run_blocking`) there is no timer: the
        // runtime that takes the run over polls again.
        if exec.journal.as_ref().is_some_and(|j| j.replaying())
            || tokio::runtime::Handle::try_current().is_err()
        {
            return std::task::Poll::Pending;
        }
        let Some(end) = exec.deadline() else {
            return std::task::Poll::Pending;
        };
        let clock = &exec.opts.clock;
        let at = if clock.is_virtual() { exec.now() } else { 0 };
        if timer.as_ref().is_none_or(|(e, a, _)| *e != end || *a != at) {
            let left = end.saturating_sub(exec.now()).max(0);
            let left = std::time::Duration::from_millis(u64::try_from(left).unwrap_or(0));
            timer = Some((end, at, Box::pin(tokio::time::sleep(left))));
        }
        let fired = timer
            .as_mut()
            .is_some_and(|(_, _, t)| t.as_mut().poll(cx).is_ready());
        if !fired {
            return std::task::Poll::Pending;
        }
        if clock.is_virtual() {
            // The virtual clock moves when asked to sleep (the future is ready).
            drop(clock.sleep_until(end));
        }
        std::task::Poll::Ready(stop())
    })
    .await
}

/// The run's body with a journal: `States.UUID` and unseeded `States.MathRandom` draw from the
/// logged seed (so a replay computes the same values), and the run stops as soon as it leaves
/// the log it replays or the log cannot be written.
async fn journaled<T>(
    j: &Arc<Journal>,
    body: impl std::future::Future<Output = Result<T, Failure>>,
) -> Result<Result<T, Stop>, Failure> {
    let mut body = std::pin::pin!(body);
    std::future::poll_fn(|cx| {
        let r = {
            let _entropy = crate::expr::use_entropy(j.clone());
            body.as_mut().poll(cx)
        };
        match r {
            std::task::Poll::Ready(Ok(v)) => std::task::Poll::Ready(Ok(Ok(v))),
            std::task::Poll::Ready(Err(f)) => match j.check(false) {
                Some(stop) => std::task::Poll::Ready(Ok(Err(stop))),
                None => std::task::Poll::Ready(Err(f)),
            },
            std::task::Poll::Pending => match j.check(true) {
                Some(stop) => std::task::Poll::Ready(Ok(Err(stop))),
                None => std::task::Poll::Pending,
            },
        }
    })
    .await
}
