//! The public [`Engine`] and the run loop: one `match` over what each state handler returns,
//! with limits (transitions, execution timeout, wall time) checked on every transition.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

use crate::context::ContextBase;
use crate::error::{CompileError, Failure, RunError, names};
use crate::handlers::Handlers;
use crate::history::History;
use crate::journal::{Header, Journal, ResumeInfo, Stop};
use crate::options::RunOptions;
use crate::plan::{Plan, StateId};
use crate::vars::Vars;

/// What a state handler hands back to the loop (STYLE.md section 6).
pub(crate) enum Step {
    /// Go on at this state with this input, whose serialised size is at most the bound.
    Next(StateId, Value, usize),
    /// A Catcher handled the state's failure and leads here (the state did not complete).
    Caught(StateId, Value),
    Succeed(Value),
    Fail(Failure),
}

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
}

/// What a TestState call adds to a run.
#[derive(Debug, Default)]
pub(crate) struct TestStateExtras {
    /// The `context` of the request (fields override the generated context object).
    pub(crate) context: Option<Value>,
    /// The parsed `mock.result`: the result of the tested state.
    pub(crate) mock: Option<Value>,
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
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("states", &self.plan.states.len())
            .finish()
    }
}

/// Per-execution shared state.
pub(crate) struct Exec<'a> {
    pub(crate) opts: &'a RunOptions,
    pub(crate) handlers: &'a Handlers,
    pub(crate) history: History,
    pub(crate) base: ContextBase,
    transitions: AtomicU64,
    first_entered: AtomicBool,
    /// Task invocations per state name; made on the first Task (most runs of small machines
    /// have none, and a map's hasher costs to set up).
    invocations: Mutex<Option<HashMap<String, u64>>>,
    rng: Mutex<u64>,
    deadline_ms: Option<i64>,
    pub(crate) timed_out: AtomicBool,
    /// Whether Map/Parallel inner failures bubble without the execution-level prefix
    /// (TestState reports them raw).
    pub(crate) test_state: bool,
    /// TestState `mock.result`: the result of the tested Map/Parallel/Task state.
    pub(crate) state_mock: Option<Value>,
    /// The execution's journal in the event log (written, or replayed on resume).
    pub(crate) journal: Option<Arc<Journal>>,
}

impl<'a> Exec<'a> {
    /// An execution context for the child workflow of a distributed Map: same options,
    /// handlers and context, its own (unrecorded) history, as AWS keeps map-run events out of
    /// the parent history.
    pub(crate) fn child(&self) -> Exec<'a> {
        Exec {
            opts: self.opts,
            handlers: self.handlers,
            history: History::new(false, self.journal.clone(), true),
            base: self.base.clone(),
            transitions: AtomicU64::new(0),
            first_entered: AtomicBool::new(false),
            invocations: Mutex::new(None),
            rng: Mutex::new(self.rand01().to_bits() | 1),
            deadline_ms: self.deadline_ms,
            timed_out: AtomicBool::new(false),
            test_state: self.test_state,
            state_mock: None,
            journal: self.journal.clone(),
        }
    }

    /// The execution's time. Replaying on the real clock, it is the time the interrupted run
    /// logged at this point.
    #[inline]
    pub(crate) fn now(&self) -> i64 {
        if let Some(j) = &self.journal
            && let Some(ms) = j.replay_now()
        {
            return ms;
        }
        self.opts.clock.now_ms()
    }

    /// Waits on the execution's clock until `deadline_ms` (Wait states, retry back-off). On
    /// the real clock with an event log, the wait is logged: a resumed run does not wait again
    /// for a wait the log shows over, and waits only until the logged deadline for one it
    /// interrupted.
    pub(crate) async fn sleep_until(&self, deadline_ms: i64) {
        let clock = &self.opts.clock;
        let Some(j) = self.journal.as_deref().filter(|_| !clock.is_virtual()) else {
            return clock.sleep_until(deadline_ms).await;
        };
        let (seq, until) = j.timer_started(deadline_ms, self.now());
        if j.gate(seq).await.is_some() {
            return;
        }
        clock.sleep_until(until).await;
        j.timer_fired(seq, self.now());
    }

    /// `previousEventId` of a StateEntered event: the very first state of the execution
    /// points at 0, as in AWS histories.
    pub(crate) fn entered_prev(&self, chain: u64) -> u64 {
        // One execution is one future, polled by one thread at a time: plain loads and stores
        // suffice for its counters (and cost less than read-modify-write instructions).
        if self.first_entered.load(Ordering::Relaxed) {
            self.first_entered.store(false, Ordering::Relaxed);
            0
        } else {
            chain
        }
    }

    /// Counts a transition and enforces the limits.
    #[inline]
    pub(crate) fn tick(&self) -> Result<(), Failure> {
        let n = self.transitions.load(Ordering::Relaxed).saturating_add(1);
        self.transitions.store(n, Ordering::Relaxed);
        if n > self.opts.max_transitions {
            return Err(Failure::new(
                names::RUNTIME,
                format!(
                    "The execution exceeded the maximum number of state transitions ({}).",
                    self.opts.max_transitions
                ),
            ));
        }
        if let Some(d) = self.deadline_ms
            && self.now() > d
        {
            self.timed_out.store(true, Ordering::Relaxed);
            return Err(Failure::plain(Some(names::TIMEOUT.to_string()), None));
        }
        // A run that never yields (no Task, virtual clock) is not stopped by the timer of
        // `with_wall_time`: the transitions check the limit themselves.
        if let Some((at, limit)) = crate::expr::wall_deadline()
            && std::time::Instant::now() >= at
        {
            self.timed_out.store(true, Ordering::Relaxed);
            return Err(wall_time_exceeded(limit));
        }
        Ok(())
    }

    /// 0-based invocation number of a Task state (mock configs key responses by it).
    pub(crate) fn next_invocation(&self, state: &str) -> u64 {
        match self.invocations.lock() {
            Ok(mut m) => {
                let c = m
                    .get_or_insert_with(HashMap::new)
                    .entry(state.to_string())
                    .or_insert(0);
                let n = *c;
                *c = n.saturating_add(1);
                n
            }
            Err(_) => 0,
        }
    }

    /// Deterministic pseudo-random number in [0, 1) (jitter), from the run's seed.
    pub(crate) fn rand01(&self) -> f64 {
        match self.rng.lock() {
            Ok(mut s) => {
                // xorshift64*: small, fast, reproducible.
                let mut x = *s;
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                *s = x;
                (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
            }
            Err(_) => 0.5,
        }
    }
}

/// Boxed future of [`run_plan`], for Parallel branches and Map iterations (their futures
/// must be `dyn`, which a future that contains them cannot name).
pub(crate) type PlanFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, Failure>> + Send + 'a>>;

/// [`run_plan`], boxed.
pub(crate) fn run_plan_boxed<'a>(
    exec: &'a Exec<'a>,
    plan: &'a Plan,
    input: Value,
    vars: &'a mut Vars,
    chain: &'a mut u64,
) -> PlanFuture<'a> {
    Box::pin(run_plan(exec, plan, input, vars, chain))
}

/// Runs the states of `plan` from its start until it succeeds or fails.
pub(crate) async fn run_plan<'a>(
    exec: &'a Exec<'a>,
    plan: &'a Plan,
    input: Value,
    vars: &'a mut Vars,
    chain: &'a mut u64,
) -> Result<Value, Failure> {
    {
        let mut cur = plan.start;
        let mut input = input;
        // States with a `compensate` action that completed, in completion order.
        let mut completed: Vec<StateId> = Vec::new();
        // The input of a state that follows another was checked as that state's output:
        // the bound found then is known.
        let mut bound: Option<usize> = None;
        loop {
            exec.tick()?;
            let Some(state) = plan.states.get(cur) else {
                return Err(Failure::new(
                    names::RUNTIME,
                    "transition to a missing state",
                ));
            };
            // Only Task, Parallel and Map failures start compensations (docs/nexus-yaml.md):
            // keep their input, which the compensations receive.
            let saved = (!completed.is_empty()
                && matches!(
                    state.kind,
                    crate::plan::Kind::Task { .. }
                        | crate::plan::Kind::Parallel { .. }
                        | crate::plan::Kind::Map(_)
                ))
            .then(|| input.clone());
            let step = if crate::states::is_sync(&state.kind) {
                crate::states::run_state_sync(exec, state, input, vars, chain, bound)
            } else {
                // Boxed: the run loop's own future stays small, and most states never wait.
                Box::pin(crate::states::run_state(
                    exec, state, input, vars, chain, bound,
                ))
                .await
            };
            match step {
                Step::Next(id, out, b) => {
                    if plan.has_compensations && state.compensate.is_some() {
                        completed.push(cur);
                    }
                    input = out;
                    cur = id;
                    bound = Some(b);
                }
                Step::Caught(id, out) => {
                    input = out;
                    cur = id;
                    bound = None;
                }
                Step::Succeed(out) => return Ok(out),
                Step::Fail(f) => {
                    if let Some(raw) = saved
                        && !exec.timed_out.load(Ordering::Relaxed)
                    {
                        compensate(exec, plan, &completed, raw, &f, vars, chain).await?;
                    }
                    return Err(f);
                }
            }
        }
    }
}

/// Runs the compensations of `completed` states, most recent first, each with the failed
/// state's input plus the error at `nexus_error`. A failing compensation ends the execution
/// with its own error.
async fn compensate(
    exec: &Exec<'_>,
    plan: &Plan,
    completed: &[StateId],
    raw: Value,
    failure: &Failure,
    vars: &mut Vars,
    chain: &mut u64,
) -> Result<(), Failure> {
    let Value::Object(mut data) = raw else {
        return Err(Failure::new(
            names::RUNTIME,
            "cannot run compensations: the failed state's input is not an object, so the error cannot be stored at 'nexus_error'",
        ));
    };
    data.insert("nexus_error".into(), failure.error_output());
    let data = Value::Object(data);
    for id in completed.iter().rev() {
        let Some(comp) = plan.states.get(*id).and_then(|s| s.compensate.as_deref()) else {
            continue;
        };
        exec.tick()?;
        if let Step::Fail(f) =
            crate::states::run_state(exec, comp, data.clone(), vars, chain, None).await
        {
            return Err(f);
        }
    }
    Ok(())
}

fn definition_sha256(definition: &Value, comps: &[nexus_schema::nexus::Compensation]) -> String {
    let comps: Vec<Value> = comps
        .iter()
        .map(|c| json!([c.asl_scope, c.state, c.action]))
        .collect();
    crate::journal::value_sha256(&json!({"definition": definition, "compensations": comps}))
}

impl Engine {
    /// Compiles a definition.
    pub fn new(definition: &Value, opts: RunOptions) -> Result<Self, CompileError> {
        Self::with_compensations(definition, &[], opts)
    }

    /// Compiles a definition with NEXUS `compensate` actions (the side table of
    /// [`nexus_schema::nexus::lower`]): when a Task, Parallel or Map state fails and no
    /// catcher handles the error, the compensations of the states that completed before it
    /// in the same (sub-)machine run in reverse completion order, then the failure goes on.
    pub fn with_compensations(
        definition: &Value,
        compensations: &[nexus_schema::nexus::Compensation],
        opts: RunOptions,
    ) -> Result<Self, CompileError> {
        let definition_sha256 = opts
            .event_log
            .is_some()
            .then(|| definition_sha256(definition, compensations));
        Ok(Self {
            plan: Arc::new(crate::plan::compile(definition, compensations)?),
            opts,
            runtime: OnceLock::new(),
            runs: AtomicU64::new(0),
            definition_sha256,
        })
    }

    /// Compiles one state as a whole machine (TestState-style single-state runs).
    pub fn single_state(state: &Value, name: &str, opts: RunOptions) -> Result<Self, CompileError> {
        let definition_sha256 = opts
            .event_log
            .is_some()
            .then(|| crate::journal::value_sha256(&json!({"state": state, "name": name})));
        Ok(Self {
            plan: Arc::new(crate::plan::compile_single(state, name)?),
            opts,
            runtime: OnceLock::new(),
            runs: AtomicU64::new(0),
            definition_sha256,
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

    fn open_resume(
        &self,
        input: Option<Value>,
    ) -> Result<(Arc<Journal>, ResumeInfo, Value), RunError> {
        let path = self.opts.event_log.as_ref().ok_or(RunError::NoEventLog)?;
        let def = self.definition_sha256.as_deref().unwrap_or_default();
        let (journal, info) =
            Journal::resume(path, def, input.as_ref(), !self.opts.clock.is_virtual()).map_err(
                |source| RunError::Log {
                    path: path.display().to_string(),
                    source,
                },
            )?;
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
            input_sha256: crate::journal::value_sha256(input),
            input: input.clone(),
            execution_name: exec_name.to_string(),
            state_machine_name: self.opts.state_machine_name.clone(),
            start_ms: start,
            real_clock: !self.opts.clock.is_virtual(),
            seed: self.opts.seed,
            entropy_seed: nexus_schema::expr::Entropy::next_u64(&nexus_schema::expr::SystemEntropy),
        };
        Journal::create(path, header)
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
        let n = self.runs.fetch_add(1, Ordering::Relaxed);
        // The context object (names, ARNs, a copy of the input) is only built when a state
        // reads it: most executions never do.
        let needs_context = self.plan.uses_context || test_state.is_some();
        let exec_name = if needs_context || resume.is_some() || opts.event_log.is_some() {
            opts.execution_name
                .clone()
                .unwrap_or_else(|| format!("exec-{:08x}-{n}", opts.seed as u32))
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
                    &opts.execution_arn(&exec_name),
                    &exec_name,
                    &input,
                    &opts.role_arn,
                    &crate::clock::format_iso_ms(start),
                    &opts.state_machine_arn(),
                    &opts.state_machine_name,
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
        let exec = Exec {
            opts,
            handlers,
            history: History::new(opts.record_history, journal.clone(), false),
            base,
            transitions: AtomicU64::new(0),
            first_entered: AtomicBool::new(true),
            invocations: Mutex::new(None),
            rng: Mutex::new(opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            deadline_ms: self.plan.timeout_seconds.map(|t| {
                start.saturating_add(
                    i64::try_from(t)
                        .unwrap_or(i64::MAX / 2)
                        .saturating_mul(1000),
                )
            }),
            timed_out: AtomicBool::new(false),
            test_state: is_test_state,
            state_mock,
            journal,
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
        let result = match (&exec.journal, opts.wall_time) {
            (None, None) => run_plan(&exec, &self.plan, input, &mut vars, &mut chain).await,
            // The rarer, larger futures are boxed: the future of a plain run stays small.
            (None, Some(_)) => {
                let body = run_plan(&exec, &self.plan, input, &mut vars, &mut chain);
                Box::pin(with_wall_time(&exec, body)).await
            }
            (Some(j), _) => {
                let body = run_plan(&exec, &self.plan, input, &mut vars, &mut chain);
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
                exec.history.emit(chain, "ExecutionTimedOut", now, || {
                    Some((
                        "executionTimedOutEventDetails",
                        crate::history::error_details(f.error.as_deref(), f.cause.as_deref()),
                    ))
                });
                let (e, c) = f.into_parts();
                (ExecutionStatus::TimedOut, None, e, c)
            }
            Err(f) => {
                exec.history.emit(chain, "ExecutionFailed", now, || {
                    Some((
                        "executionFailedEventDetails",
                        crate::history::error_details(f.error.as_deref(), f.cause.as_deref()),
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
        })
    }
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
                    Err(wall_time_exceeded(limit))
                }
                Ok(r) => r,
                Err(_) => {
                    exec.timed_out.store(true, Ordering::Relaxed);
                    Err(wall_time_exceeded(limit))
                }
            }
        }
        None => body.await,
    }
}

/// The failure of a run stopped by its wall-time limit.
fn wall_time_exceeded(limit: std::time::Duration) -> Failure {
    Failure::new(
        names::TIMEOUT,
        format!("The execution exceeded the wall-time limit of {limit:?}."),
    )
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
