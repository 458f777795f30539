//! Per-execution shared state ([`Exec`]: options, handlers, history, journal, counters,
//! limits) and what a state hands back to the run loop ([`Step`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::compile::plan::{Plan, StateId};
use crate::error::Failure;
use crate::handlers::Handlers;
use crate::log::history::History;
use crate::log::journal::Journal;
use crate::run::context::ContextBase;
use crate::run::options::{RunOptions, WorkflowType};
use crate::vars::Vars;

/// Boxed future of a run of a sub-plan (Parallel branch, Map iteration): their futures must
/// be `dyn`, which a future that contains them cannot name.
pub(crate) type PlanFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, Failure>> + Send + 'a>>;

/// The run loop as the states that run sub-plans reach it. The engine sets it when it builds
/// an execution ([`crate::run::machine::run_plan_boxed`]), so the states do not depend on the
/// loop that calls them.
/// The last argument says where the plan runs ([`PlanScope`]).
pub(crate) type RunPlan = for<'a> fn(
    &'a Exec<'a>,
    &'a Plan,
    Value,
    &'a mut Vars,
    &'a mut u64,
    PlanScope<'a>,
) -> PlanFuture<'a>;

/// Where a plan runs: the machine itself, or branch or iteration `index` of the Parallel or
/// Map state whose scope key is `parent` (see [`crate::run::states::Cx::scope_key`]). Keys
/// name what a redrive keeps; they are only made for a Parallel or Map state with an event
/// log, so a plain iteration costs nothing for them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PlanScope<'a> {
    pub(crate) parent: &'a str,
    pub(crate) index: Option<usize>,
}

/// What a state handler hands back to the loop (STYLE.md section 6).
pub(crate) enum Step {
    /// Go on at this state with this input, whose serialised size is at most the bound.
    Next(StateId, Value, usize),
    /// A Catcher handled the state's failure and leads here (the state did not complete).
    Caught(StateId, Value),
    Succeed(Value),
    Fail(Failure),
}

/// Name of the single state of the machine TestState wraps a state definition in.
pub const WRAPPED_STATE_NAME: &str = "StateName";

/// Per-execution shared state.
pub(crate) struct Exec<'a> {
    pub(crate) opts: &'a RunOptions,
    pub(crate) handlers: &'a Handlers,
    pub(crate) history: History,
    pub(crate) base: ContextBase,
    pub(crate) transitions: AtomicU64,
    pub(crate) first_entered: AtomicBool,
    /// Task invocations per state name; made on the first Task (most runs of small machines
    /// have none, and a map's hasher costs to set up).
    pub(crate) invocations: Mutex<Option<HashMap<String, u64>>>,
    pub(crate) rng: Mutex<u64>,
    pub(crate) deadline_ms: Option<i64>,
    /// The machine's `TimeoutSeconds` in ms, with [`Exec::redriven_deadline`]: the deadline
    /// of a redriven run, which counts from its redrive.
    pub(crate) timeout_ms: Option<i64>,
    /// `(redrives passed, deadline)`: the deadline since the last redrive the run passed.
    pub(crate) redriven_deadline: Mutex<(u64, i64)>,
    /// Set once the execution timed out; shared with the child workflows of a distributed
    /// Map, whose deadline is the execution's.
    pub(crate) timed_out: Arc<AtomicBool>,
    /// Whether Map/Parallel inner failures bubble without the execution-level prefix
    /// (TestState reports them raw).
    pub(crate) test_state: bool,
    /// TestState's mock of the tested Map or Parallel state.
    pub(crate) state_mock: Option<crate::run::tested::StateMock>,
    /// TestState's `inspectionData` steps of the tested state (a TestState run only).
    pub(crate) inspection: Option<Mutex<serde_json::Map<String, Value>>>,
    /// The execution's journal in the event log (written, or replayed on resume).
    pub(crate) journal: Option<Arc<Journal>>,
    /// Runs a sub-plan (Parallel branch, Map iteration).
    pub(crate) run_plan: RunPlan,
    /// `$$.Execution.Name` (empty when nothing needs it).
    pub(crate) exec_name: String,
    /// Task tokens issued so far, shared with the child executions of a distributed Map.
    pub(crate) tokens: Arc<AtomicU64>,
    /// The NEXUS `on_compensation_failure` hook, compiled as the Task that calls it.
    pub(crate) saga_hook: Option<&'a crate::compile::plan::State>,
}

impl<'a> Exec<'a> {
    /// An execution context for the child workflow of a distributed Map: same options,
    /// handlers and context, its own (unrecorded) history, as AWS keeps map-run events out of
    /// the parent history.
    pub(crate) fn child(&self) -> Exec<'a> {
        Exec {
            opts: self.opts,
            handlers: self.handlers,
            history: History::new(false, self.journal.clone(), true, None),
            base: self.base.clone(),
            transitions: AtomicU64::new(0),
            first_entered: AtomicBool::new(false),
            invocations: Mutex::new(None),
            rng: Mutex::new(self.rand01().to_bits() | 1),
            deadline_ms: self.deadline_ms,
            timeout_ms: self.timeout_ms,
            redriven_deadline: Mutex::new(self.redriven_deadline.lock().map_or((0, 0), |d| *d)),
            timed_out: self.timed_out.clone(),
            test_state: self.test_state,
            state_mock: None,
            inspection: None,
            journal: self.journal.clone(),
            run_plan: self.run_plan,
            exec_name: self.exec_name.clone(),
            tokens: self.tokens.clone(),
            saga_hook: self.saga_hook,
        }
    }

    /// A task token (`$$.Task.Token`) unique within the execution, and, as the execution
    /// name is, across executions.
    pub(crate) fn task_token(&self, state: &str) -> String {
        let n = self.tokens.fetch_add(1, Ordering::Relaxed);
        format!("{}:{state}:{n}", self.exec_name)
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
    ///
    /// A wait that would end after the execution's deadline ends at the deadline on the
    /// virtual clock, where the execution times out (it never returns: the run is stopped,
    /// see `engine::with_deadline`); on the real clock the deadline's own timer stops it.
    pub(crate) async fn sleep_until(&self, deadline_ms: i64) {
        let clock = &self.opts.clock;
        if clock.is_virtual()
            && let Some(end) = self.deadline()
            && deadline_ms > end
        {
            clock.sleep_until(end).await;
            self.timed_out.store(true, Ordering::Relaxed);
            return std::future::pending().await;
        }
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
            return Err(crate::catalogue::transition_limit(
                self.opts.max_transitions,
            ));
        }
        // AWS "Service quotas": a Standard execution's history holds at most 25,000 events;
        // reaching the quota fails the execution. Express executions keep no history.
        if self.opts.workflow_type == WorkflowType::Standard
            && self.history.count() >= self.opts.max_history_events
        {
            return Err(crate::catalogue::history_limit(
                self.opts.max_history_events,
            ));
        }
        if self.timed_out.load(Ordering::Relaxed) {
            return Err(crate::catalogue::execution_timeout());
        }
        if let Some(d) = self.deadline()
            && self.now() > d
        {
            self.timed_out.store(true, Ordering::Relaxed);
            return Err(crate::catalogue::execution_timeout());
        }
        // A run that never yields (no Task, virtual clock) is not stopped by the timer of
        // `with_wall_time`: the transitions check the limit themselves.
        if let Some((at, limit)) = crate::expr::wall_deadline()
            && std::time::Instant::now() >= at
        {
            self.timed_out.store(true, Ordering::Relaxed);
            return Err(crate::catalogue::wall_time(limit));
        }
        Ok(())
    }

    /// The execution's deadline (`TimeoutSeconds`, or the Express limit). AWS "Redriving
    /// executions": "When you redrive an execution, the state machine level timeout, if
    /// defined, is reset to 0", so once the run has passed a redrive, the deadline counts
    /// from the moment it did (on a replay, the time the log gives that moment).
    pub(crate) fn deadline(&self) -> Option<i64> {
        let d = self.deadline_ms?;
        let (Some(j), Some(timeout)) = (&self.journal, self.timeout_ms) else {
            return Some(d);
        };
        let (n, redriven_ms) = j.redrive();
        if n == 0 {
            return Some(d);
        }
        let Ok(mut at) = self.redriven_deadline.lock() else {
            return Some(d);
        };
        if at.0 != n {
            // On the real clock the redrive's logged time (a redrive resumed after a restart
            // keeps its deadline); on the virtual clock, the run's own time at that point.
            let from = if self.opts.clock.is_virtual() {
                self.now()
            } else {
                redriven_ms
            };
            *at = (n, from.saturating_add(timeout));
        }
        Some(at.1)
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
