//! The service's state and its operations on state machines and executions: what the API
//! calls, independent of HTTP. Executions run as tokio tasks on the bundled engine, each with
//! its event log in the data directory; [`Service::recover`] resumes the ones a killed
//! process left running.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use nexus_engine::{Engine, Execution, Handlers, MockConfig, RunError, RunOptions};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::arn::{Partition, check_name, now_ms, parts};
use crate::error::{ApiError, ServeError};
use crate::metrics::Metrics;
use crate::store::{ActivityRecord, ExecutionRecord, MachineRecord, Store};

/// AWS quota: the input or output of an execution or task, in UTF-8 bytes.
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// Settings of a service.
#[derive(Clone)]
pub struct Config {
    /// Region and account of the ARNs.
    pub partition: Partition,
    /// The user's Task handlers (the handlers file of `nexus run`).
    pub handlers: Handlers,
    /// A Step Functions Local mock configuration, used by executions started as
    /// `stateMachineArn#TestCase`.
    pub mock_config: Option<Arc<MockConfig>>,
    /// Run executions on a virtual clock (Wait states take no time) instead of the real one.
    pub virtual_clock: bool,
    /// How long GetActivityTask waits for a task (AWS: 60 seconds).
    pub activity_poll: std::time::Duration,
    /// Force every acknowledged change to stable storage, so that it also survives an
    /// operating-system crash or a power loss (`fdatasync`: slower). Without it, changes
    /// reach the operating system before the operation answers, which a killed process
    /// (`kill -9`) cannot lose. See [`crate::store`].
    pub fsync: bool,
}

/// A message to a Task waiting for its token.
#[derive(Debug)]
pub(crate) enum Signal {
    Success(Value),
    Failure(String, Option<String>),
    Heartbeat,
}

/// How a run ended.
pub(crate) struct Outcome {
    pub(crate) status: String,
    /// Output, JSON text.
    pub(crate) output: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) transitions: u64,
}

impl Outcome {
    fn of(x: Execution) -> Self {
        Self {
            status: x.status.as_str().to_string(),
            output: x.output.map(|o| o.to_string()),
            error: x.error,
            cause: x.cause,
            transitions: x.transitions,
        }
    }
}

/// An execution known to the service.
struct Exec {
    rec: ExecutionRecord,
    /// The run, while it runs.
    task: Option<tokio::task::JoinHandle<()>>,
    /// Becomes true when the execution ends.
    done: watch::Sender<bool>,
}

/// An Express execution about to run.
struct ExpressRun {
    arn: String,
    rec: ExecutionRecord,
    engine: Engine,
    handlers: Handlers,
}

/// A task waiting in an activity's queue.
pub struct QueuedTask {
    /// Its task token.
    pub token: String,
    /// Its input, JSON text.
    pub input: String,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) machines: BTreeMap<String, MachineRecord>,
    pub(crate) activities: BTreeMap<String, ActivityRecord>,
    execs: HashMap<String, Exec>,
    /// Execution ARNs per machine, in start order.
    by_machine: HashMap<String, Vec<String>>,
    /// Tasks waiting for SendTask*: token → channel.
    pub(crate) callbacks: HashMap<String, mpsc::UnboundedSender<Signal>>,
    /// Activity ARN → tasks no worker has taken yet.
    pub(crate) queues: HashMap<String, VecDeque<QueuedTask>>,
}

/// The service.
pub struct Service {
    pub(crate) cfg: Config,
    store: Store,
    state: Mutex<State>,
    /// Prometheus counters.
    pub metrics: Metrics,
    /// Wakes GetActivityTask pollers.
    pub(crate) activity_ready: tokio::sync::Notify,
    names: AtomicU64,
}

/// What StartExecution resolved: the definition to run and where it came from.
struct Target {
    machine: String,
    machine_arn: String,
    version_arn: Option<String>,
    alias_arn: Option<String>,
    definition: String,
    role_arn: String,
    test_case: Option<String>,
}

impl Service {
    /// Opens the data directory and loads what it holds. Call [`Service::recover`] inside
    /// the runtime to resume unfinished executions.
    pub fn open(cfg: Config, data_dir: &std::path::Path) -> Result<Arc<Self>, ServeError> {
        let (store, mut execs) = Store::open(data_dir, cfg.fsync)?;
        let mut st = State::default();
        for m in store.machines()? {
            st.machines.insert(m.name.clone(), m);
        }
        for a in store.activities()? {
            st.activities.insert(a.name.clone(), a);
        }
        execs.sort_by_key(|e| e.start_ms);
        for rec in execs {
            let arn = cfg.partition.execution(&rec.machine, &rec.name);
            st.by_machine
                .entry(rec.machine.clone())
                .or_default()
                .push(arn.clone());
            let (done, _) = watch::channel(rec.status != "RUNNING");
            st.execs.insert(
                arn,
                Exec {
                    rec,
                    task: None,
                    done,
                },
            );
        }
        Ok(Arc::new(Self {
            cfg,
            store,
            state: Mutex::new(st),
            metrics: Metrics::default(),
            activity_ready: tokio::sync::Notify::new(),
            names: AtomicU64::new(0),
        }))
    }

    /// Resumes every execution still `RUNNING` in the data directory (a killed process left
    /// them): each replays its event log and goes on where it stopped. Returns how many.
    pub fn recover(self: &Arc<Self>) -> usize {
        let running: Vec<String> = self
            .lock()
            .execs
            .iter()
            .filter(|(_, e)| e.rec.status == "RUNNING")
            .map(|(a, _)| a.clone())
            .collect();
        for arn in &running {
            self.launch(arn, true);
        }
        running.len()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere; the maps themselves stay consistent
        // (every update is a single insert or field write).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The data directory.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A fresh execution name, UUID-shaped.
    pub(crate) fn fresh_name(&self) -> String {
        let n = self.names.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        nexus_engine::uuid_of(&format!("{nanos}/{n}/{}", std::process::id()))
    }

    // ----------------------------------------------------------------------------------
    // State machines

    /// CreateStateMachine.
    pub fn create_machine(&self, mut rec: MachineRecord) -> Result<Value, ApiError> {
        check_name(&rec.name, "state machine")?;
        crate::validate::check_definition(&rec.definition, rec.kind == "EXPRESS")?;
        let arn = self.cfg.partition.machine(&rec.name);
        let mut st = self.lock();
        if let Some(old) = st.machines.get(&rec.name) {
            // AWS: creating the same machine again is idempotent; a different one conflicts.
            if old.definition == rec.definition && old.role_arn == rec.role_arn {
                return Ok(
                    json!({"stateMachineArn": arn, "creationDate": crate::arn::epoch(old.created_ms)}),
                );
            }
            return Err(ApiError::new(
                "StateMachineAlreadyExists",
                format!("State Machine Already Exists: '{arn}'"),
            ));
        }
        rec.created_ms = now_ms();
        rec.revision = 1;
        self.store
            .put_machine(&rec)
            .map_err(|e| ApiError::internal(format!("cannot store the state machine: {e}")))?;
        let out =
            json!({"stateMachineArn": arn, "creationDate": crate::arn::epoch(rec.created_ms)});
        st.machines.insert(rec.name.clone(), rec);
        Ok(out)
    }

    /// The name of the machine an ARN (machine, version or alias) names, and the qualifier.
    pub(crate) fn machine_of<'a>(
        &self,
        st: &'a State,
        arn: &str,
    ) -> Result<(&'a MachineRecord, Option<String>), ApiError> {
        let p = parts(arn, "stateMachine")?;
        let name = p.first().copied().unwrap_or_default();
        let m = st.machines.get(name).ok_or_else(|| {
            ApiError::new(
                "StateMachineDoesNotExist",
                format!("State Machine Does Not Exist: '{arn}'"),
            )
        })?;
        match p.as_slice() {
            [_] => Ok((m, None)),
            [_, q] => Ok((m, Some((*q).to_string()))),
            _ => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'"))),
        }
    }

    /// Runs `f` on the machine an ARN names, under the lock.
    pub(crate) fn with_machine<T>(
        &self,
        arn: &str,
        f: impl FnOnce(&MachineRecord, Option<String>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let st = self.lock();
        let (m, q) = self.machine_of(&st, arn)?;
        f(m, q)
    }

    /// Changes a stored machine under the lock and writes it back.
    pub(crate) fn update_machine<T>(
        &self,
        arn: &str,
        f: impl FnOnce(&mut MachineRecord) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut st = self.lock();
        let name = self.machine_of(&st, arn)?.0.name.clone();
        let Some(m) = st.machines.get_mut(&name) else {
            return Err(ApiError::new(
                "StateMachineDoesNotExist",
                format!("State Machine Does Not Exist: '{arn}'"),
            ));
        };
        let mut copy = m.clone();
        let out = f(&mut copy)?;
        self.store
            .put_machine(&copy)
            .map_err(|e| ApiError::internal(format!("cannot store the state machine: {e}")))?;
        *m = copy;
        Ok(out)
    }

    /// DeleteStateMachine (running executions go on; the machine is gone for new ones).
    pub fn delete_machine(&self, arn: &str) -> Result<(), ApiError> {
        let mut st = self.lock();
        let p = parts(arn, "stateMachine")?;
        let name = p.first().copied().unwrap_or_default().to_string();
        if st.machines.remove(&name).is_some() {
            self.store
                .delete_machine(&name)
                .map_err(|e| ApiError::internal(format!("cannot delete the state machine: {e}")))?;
        }
        Ok(())
    }

    // ----------------------------------------------------------------------------------
    // Executions

    fn target(&self, st: &State, arn: &str) -> Result<Target, ApiError> {
        let (arn, test_case) = match arn.split_once('#') {
            Some((a, case)) => (a, Some(case.to_string())),
            None => (arn, None),
        };
        let (m, q) = self.machine_of(st, arn)?;
        let machine_arn = self.cfg.partition.machine(&m.name);
        let mut t = Target {
            machine: m.name.clone(),
            machine_arn: machine_arn.clone(),
            version_arn: None,
            alias_arn: None,
            definition: m.definition.clone(),
            role_arn: m.role_arn.clone(),
            test_case,
        };
        let Some(q) = q else {
            return Ok(t);
        };
        let version = match q.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                let a = m.aliases.get(&q).ok_or_else(|| {
                    ApiError::new(
                        "ResourceNotFound",
                        format!("Resource not found: '{machine_arn}:{q}'"),
                    )
                })?;
                t.alias_arn = Some(format!("{machine_arn}:{q}"));
                crate::versions::route(&a.routing)
            }
        };
        let v = m
            .versions
            .iter()
            .find(|v| v.version == version)
            .ok_or_else(|| {
                ApiError::new(
                    "ResourceNotFound",
                    format!("Resource not found: '{machine_arn}:{version}'"),
                )
            })?;
        t.version_arn = Some(format!("{machine_arn}:{version}"));
        t.definition = v.definition.clone();
        t.role_arn = v.role_arn.clone();
        Ok(t)
    }

    /// StartExecution: returns the execution ARN and its start time (ms). The same name with
    /// the same input as a running execution gives that execution (AWS: StartExecution is
    /// idempotent for Standard workflows); otherwise a taken name is `ExecutionAlreadyExists`.
    /// `parent` marks a child started by a `states:startExecution` Task: a parent re-running
    /// that Task after a restart gets its child back, whatever its status.
    pub fn start_execution(
        self: &Arc<Self>,
        machine_arn: &str,
        name: Option<String>,
        input: Option<String>,
        parent: Option<String>,
    ) -> Result<(String, i64), ApiError> {
        let input = input.unwrap_or_else(|| String::from("{}"));
        check_input(&input, "input", "InvalidExecutionInput")?;
        let name = name.unwrap_or_else(|| self.fresh_name());
        check_name(&name, "execution")?;
        let mut st = self.lock();
        let t = self.target(&st, machine_arn)?;
        let arn = self.cfg.partition.execution(&t.machine, &name);
        if let Some(e) = st.execs.get(&arn) {
            let same = e.rec.input == input;
            if same && (e.rec.status == "RUNNING" || (parent.is_some() && e.rec.parent == parent)) {
                return Ok((arn, e.rec.start_ms));
            }
            return Err(ApiError::new(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{arn}'"),
            ));
        }
        if let Some(case) = &t.test_case {
            let known = self
                .cfg
                .mock_config
                .as_ref()
                .is_some_and(|c| c.has_test_case(&t.machine, case));
            if !known {
                return Err(ApiError::validation(format!(
                    "The mock configuration has no test case '{case}' for state machine '{}'",
                    t.machine
                )));
            }
        }
        let rec = ExecutionRecord {
            name,
            machine: t.machine.clone(),
            machine_arn: t.machine_arn,
            version_arn: t.version_arn,
            alias_arn: t.alias_arn,
            definition: t.definition,
            role_arn: t.role_arn,
            input,
            start_ms: now_ms(),
            status: String::from("RUNNING"),
            stop_ms: None,
            output: None,
            error: None,
            cause: None,
            parent,
            test_case: t.test_case,
            redrive_count: 0,
            redrive_ms: None,
            map_runs: BTreeMap::new(),
        };
        let ticket = self
            .store
            .create_execution(&rec)
            .map_err(|e| ApiError::internal(format!("cannot store the execution: {e}")))?;
        let start = rec.start_ms;
        st.by_machine
            .entry(t.machine)
            .or_default()
            .push(arn.clone());
        let (done, _) = watch::channel(false);
        st.execs.insert(
            arn.clone(),
            Exec {
                rec,
                task: None,
                done,
            },
        );
        drop(st);
        self.metrics.started.fetch_add(1, Ordering::Relaxed);
        // Forced to disk (with --fsync) outside the lock: other requests go on meanwhile, and
        // starts that come together share one flush. Before the run, so its event log never
        // outlives a record an operating-system crash lost. A failed flush is an error to
        // the client; the execution runs all the same (the operating system has its record)
        // and the same StartExecution again answers it, as a retry does on AWS.
        let synced = self.store.sync(ticket);
        self.launch(&arn, false);
        synced.map_err(|e| {
            ApiError::internal(format!(
                "the execution {arn} started, but its record could not be forced to disk: {e}"
            ))
        })?;
        Ok((arn, start))
    }

    /// Spawns the run of a stored execution (a resume replays its log first).
    fn launch(self: &Arc<Self>, arn: &str, resume: bool) {
        let mut st = self.lock();
        // Not when it was stopped between its start and its launch.
        let Some(e) = st.execs.get_mut(arn).filter(|e| e.rec.status == "RUNNING") else {
            return;
        };
        let svc = self.clone();
        let rec = e.rec.clone();
        let arn_owned = arn.to_string();
        // Spawned under the lock: the run's end takes the lock, so it cannot be recorded
        // before its handle is.
        e.task = Some(tokio::spawn(async move {
            let result = svc.execute(&arn_owned, &rec, resume).await;
            svc.finish(&arn_owned, result);
        }));
    }

    /// Options and handlers of one execution's run.
    fn run_setup(
        self: &Arc<Self>,
        arn: &str,
        rec: &ExecutionRecord,
        log: Option<std::path::PathBuf>,
    ) -> (RunOptions, Handlers) {
        let clock: Arc<dyn nexus_engine::Clock> = if self.cfg.virtual_clock {
            Arc::new(nexus_engine::VirtualClock::new(rec.start_ms))
        } else {
            Arc::new(nexus_engine::RealClock)
        };
        let opts = RunOptions {
            state_machine_name: rec.machine.clone(),
            execution_name: Some(rec.name.clone()),
            region: self.cfg.partition.region.clone(),
            account: self.cfg.partition.account.clone(),
            role_arn: rec.role_arn.clone(),
            clock,
            record_history: log.is_none(),
            event_log: log,
            event_log_fsync: self.store.fsync(),
            task_token_prefix: Some(format!("{arn}/")),
            map_run_updates: Some(Arc::new(crate::map_runs::Updates {
                svc: Arc::downgrade(self),
                execution: arn.to_string(),
            })),
            seed: u64::try_from(rec.start_ms).unwrap_or_default(),
            ..RunOptions::default()
        };
        let mut handlers = self.cfg.handlers.clone();
        if let (Some(cfg), Some(case)) = (&self.cfg.mock_config, &rec.test_case) {
            handlers.set_mock_config(cfg.clone(), rec.machine.clone(), case.clone());
        }
        let tasks = crate::tasks::ServiceTasks::new(self, arn, self.cfg.handlers.clone());
        handlers.set_service(Arc::new(tasks), crate::tasks::claims);
        (opts, handlers)
    }

    async fn execute(
        self: &Arc<Self>,
        arn: &str,
        rec: &ExecutionRecord,
        resume: bool,
    ) -> Result<Outcome, String> {
        let def: Value = serde_json::from_str(&rec.definition)
            .map_err(|e| format!("the stored definition is not JSON: {e}"))?;
        let log = self.store.log_path(&rec.machine, &rec.name);
        let (opts, handlers) = self.run_setup(arn, rec, Some(log.clone()));
        let engine = Engine::new(&def, opts).map_err(|e| e.to_string())?;
        let input: Value = serde_json::from_str(&rec.input).unwrap_or_else(|_| json!({}));
        if resume {
            match engine.resume_async(Some(input.clone()), &handlers).await {
                Ok(x) => return Ok(Outcome::of(x)),
                Err(RunError::Log {
                    source: nexus_engine::LogError::Finished { .. },
                    ..
                }) => {
                    // The run ended but the record was not updated before the process died:
                    // the log has the end.
                    return crate::history::outcome(&log).ok_or_else(|| {
                        String::from("the event log ends without a terminal event")
                    });
                }
                Err(RunError::Log {
                    source: nexus_engine::LogError::NoExecution,
                    ..
                }) => {
                    // Killed between the record and the log's first entry: start it afresh.
                    let _ = std::fs::remove_file(&log);
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        engine
            .run_async(input, &handlers)
            .await
            .map(Outcome::of)
            .map_err(|e| e.to_string())
    }

    /// Records the end of a run.
    fn finish(&self, arn: &str, result: Result<Outcome, String>) {
        let mut st = self.lock();
        let Some(e) = st.execs.get_mut(arn) else {
            return;
        };
        e.task = None;
        let stop = now_ms();
        match result {
            Ok(x) => {
                e.rec.status = x.status;
                e.rec.output = x.output;
                e.rec.error = x.error;
                e.rec.cause = x.cause;
                self.metrics
                    .transitions
                    .fetch_add(x.transitions, Ordering::Relaxed);
            }
            Err(msg) => {
                e.rec.status = String::from("FAILED");
                e.rec.error = Some(String::from("States.Runtime"));
                e.rec.cause = Some(format!("nexus could not run the execution: {msg}"));
            }
        }
        e.rec.stop_ms = Some(stop);
        self.metrics
            .ended(&e.rec.status, stop.saturating_sub(e.rec.start_ms));
        if let Err(err) = self.store.put_execution(&e.rec, false) {
            eprintln!("nexus serve: cannot store the end of {arn}: {err}");
        }
        e.done.send_replace(true);
    }

    /// StopExecution: the run is cancelled, `ExecutionAborted` ends its history.
    pub async fn stop_execution(
        &self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, ApiError> {
        let task = {
            let mut st = self.lock();
            let e = exec_mut(&mut st, arn)?;
            if e.rec.status != "RUNNING" {
                return Err(ApiError::validation(format!(
                    "Execution '{arn}' is not running (status {})",
                    e.rec.status
                )));
            }
            e.task.take()
        };
        if let Some(t) = task {
            t.abort();
            if t.await.is_ok() {
                // It ended on its own before the stop took effect.
                let st = self.lock();
                return Ok(exec_ref(&st, arn)?.rec.stop_ms.unwrap_or_else(now_ms));
            }
        }
        let stop = now_ms();
        let mut st = self.lock();
        let e = exec_mut(&mut st, arn)?;
        let log = self.store.log_path(&e.rec.machine, &e.rec.name);
        if let Err(err) = crate::history::append_aborted(
            &log,
            self.store.fsync(),
            stop,
            error.as_deref(),
            cause.as_deref(),
        ) {
            eprintln!("nexus serve: cannot log the stop of {arn}: {err}");
        }
        e.rec.status = String::from("ABORTED");
        e.rec.stop_ms = Some(stop);
        e.rec.error = error;
        e.rec.cause = cause;
        self.metrics
            .ended("ABORTED", stop.saturating_sub(e.rec.start_ms));
        self.store
            .put_execution(&e.rec, true)
            .map_err(|err| ApiError::internal(format!("cannot store the execution: {err}")))?;
        e.done.send_replace(true);
        Ok(stop)
    }

    /// RedriveExecution: a FAILED, TIMED_OUT or ABORTED Standard execution goes on from its
    /// unsuccessful state, with the same ARN and input; the states that succeeded are not run
    /// again (their logged results are replayed). Returns the redrive time (ms).
    pub fn redrive_execution(self: &Arc<Self>, arn: &str) -> Result<i64, ApiError> {
        let now = now_ms();
        let mut st = self.lock();
        let e = exec_mut(&mut st, arn)?;
        if let Some(reason) = not_redrivable(&e.rec, now) {
            return Err(ApiError::new(
                "ExecutionNotRedrivable",
                format!("Execution '{arn}' cannot be redriven: {reason}"),
            ));
        }
        let before = e.rec.clone();
        let def: Value = serde_json::from_str(&before.definition)
            .map_err(|err| ApiError::internal(format!("stored definition: {err}")))?;
        let log = self.store.log_path(&before.machine, &before.name);
        // The record first: a kill before the log is marked leaves a RUNNING execution whose
        // log ended, which a restart records as it ended (the redrive did not start).
        e.rec.status = String::from("RUNNING");
        e.rec.redrive_count = before.redrive_count.saturating_add(1);
        e.rec.redrive_ms = Some(now);
        e.rec.stop_ms = None;
        e.rec.output = None;
        e.rec.error = None;
        e.rec.cause = None;
        let rec = e.rec.clone();
        let stored = self
            .store
            .put_execution(&rec, true)
            .map_err(|err| ApiError::internal(format!("cannot store the execution: {err}")));
        let prepared = stored.and_then(|()| {
            let (opts, _) = self.run_setup(arn, &rec, Some(log));
            let engine =
                Engine::new(&def, opts).map_err(|err| ApiError::internal(err.to_string()))?;
            engine.redrive().map_err(|err| {
                ApiError::new(
                    "ExecutionNotRedrivable",
                    format!("Execution '{arn}' cannot be redriven: {err}"),
                )
            })
        });
        let e = exec_mut(&mut st, arn)?;
        match prepared {
            Ok(count) => {
                e.rec.redrive_count = count;
                e.done.send_replace(false);
            }
            Err(err) => {
                e.rec = before;
                let _ = self.store.put_execution(&e.rec, true);
                return Err(err);
            }
        }
        drop(st);
        self.metrics.started.fetch_add(1, Ordering::Relaxed);
        self.launch(arn, true);
        Ok(now)
    }

    /// Changes an execution's record under the lock and stores it.
    pub(crate) fn update_execution<T>(
        &self,
        arn: &str,
        f: impl FnOnce(&mut ExecutionRecord) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut st = self.lock();
        let e = exec_mut(&mut st, arn)?;
        let mut copy = e.rec.clone();
        let out = f(&mut copy)?;
        self.store
            .put_execution(&copy, true)
            .map_err(|err| ApiError::internal(format!("cannot store the execution: {err}")))?;
        e.rec = copy;
        Ok(out)
    }

    /// What UpdateMapRun stored for a Map Run of an execution.
    pub(crate) fn map_run_settings(
        &self,
        execution: &str,
        map_run: &str,
    ) -> Option<crate::store::MapRunSettings> {
        let st = self.lock();
        st.execs.get(execution)?.rec.map_runs.get(map_run).copied()
    }

    /// The stored record of an execution.
    pub fn execution(&self, arn: &str) -> Result<ExecutionRecord, ApiError> {
        let st = self.lock();
        Ok(exec_ref(&st, arn)?.rec.clone())
    }

    /// Waits until an execution ends and returns its record.
    pub async fn wait_done(&self, arn: &str) -> Result<ExecutionRecord, ApiError> {
        let mut rx = {
            let st = self.lock();
            exec_ref(&st, arn)?.done.subscribe()
        };
        let _ = rx.wait_for(|d| *d).await;
        self.execution(arn)
    }

    /// Execution records of a machine that `keep` selects, newest first (only those are
    /// copied: a poll for the few running ones does not copy every record).
    pub fn executions_of(
        &self,
        machine: &str,
        keep: impl Fn(&ExecutionRecord) -> bool,
    ) -> Vec<ExecutionRecord> {
        let st = self.lock();
        st.by_machine
            .get(machine)
            .map(|arns| {
                arns.iter()
                    .rev()
                    .filter_map(|a| st.execs.get(a).map(|e| &e.rec))
                    .filter(|r| keep(r))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the machine an ARN (machine, version or alias) names is EXPRESS.
    pub(crate) fn is_express(&self, machine_arn: &str) -> Result<bool, ApiError> {
        let arn = machine_arn.split_once('#').map_or(machine_arn, |(a, _)| a);
        self.with_machine(arn, |m, _| Ok(m.kind == "EXPRESS"))
    }

    /// An Express execution ready to run: its ARN, record and engine. Express executions
    /// keep no history and no record in the data directory (AWS: their history goes to
    /// CloudWatch Logs only; DescribeExecution and GetExecutionHistory do not serve them).
    fn express_run(
        self: &Arc<Self>,
        machine_arn: &str,
        name: Option<String>,
        input: Option<String>,
    ) -> Result<ExpressRun, ApiError> {
        let input = input.unwrap_or_else(|| String::from("{}"));
        check_input(&input, "input", "InvalidExecutionInput")?;
        let name = name.unwrap_or_else(|| self.fresh_name());
        check_name(&name, "execution")?;
        let t = {
            let st = self.lock();
            let t = self.target(&st, machine_arn)?;
            let kind = st.machines.get(&t.machine).map(|m| m.kind.clone());
            if kind.as_deref() != Some("EXPRESS") {
                return Err(ApiError::new(
                    "StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine",
                ));
            }
            t
        };
        let arn = self.cfg.partition.express(&t.machine, &name);
        let rec = ExecutionRecord {
            name,
            machine: t.machine.clone(),
            machine_arn: t.machine_arn.clone(),
            version_arn: t.version_arn,
            alias_arn: t.alias_arn,
            definition: t.definition,
            role_arn: t.role_arn,
            input,
            start_ms: now_ms(),
            status: String::from("RUNNING"),
            stop_ms: None,
            output: None,
            error: None,
            cause: None,
            parent: None,
            test_case: t.test_case,
            redrive_count: 0,
            redrive_ms: None,
            map_runs: BTreeMap::new(),
        };
        let def: Value = serde_json::from_str(&rec.definition)
            .map_err(|e| ApiError::internal(format!("stored definition: {e}")))?;
        let (mut opts, handlers) = self.run_setup(&arn, &rec, None);
        opts.record_history = false;
        // Express semantics in the engine: at most five minutes, request-response
        // integrations only, no `RedriveCount` in the context object.
        opts.workflow_type = nexus_engine::WorkflowType::Express;
        let engine = Engine::new(&def, opts).map_err(|e| ApiError::internal(e.to_string()))?;
        self.metrics.started.fetch_add(1, Ordering::Relaxed);
        Ok(ExpressRun {
            arn,
            rec,
            engine,
            handlers,
        })
    }

    /// StartExecution on an EXPRESS machine: the execution runs in the background and only
    /// its ARN and start date are returned; it is neither described, listed nor kept (AWS:
    /// Express executions are at-least-once, up to five minutes, observable through their
    /// logs only). Each call starts a new execution: Express has no name idempotency.
    pub fn start_express(
        self: &Arc<Self>,
        machine_arn: &str,
        name: Option<String>,
        input: Option<String>,
    ) -> Result<(String, i64), ApiError> {
        let run = self.express_run(machine_arn, name, input)?;
        let out = (run.arn.clone(), run.rec.start_ms);
        let svc = self.clone();
        tokio::spawn(async move {
            let _ = svc.finish_express(run).await;
        });
        Ok(out)
    }

    async fn finish_express(&self, run: ExpressRun) -> Result<nexus_engine::Execution, ApiError> {
        let value: Value = serde_json::from_str(&run.rec.input).unwrap_or_else(|_| json!({}));
        let r = run.engine.run_async(value, &run.handlers).await;
        let stop = now_ms();
        match &r {
            Ok(x) => {
                self.metrics
                    .ended(x.status.as_str(), stop.saturating_sub(run.rec.start_ms));
                self.metrics
                    .transitions
                    .fetch_add(x.transitions, Ordering::Relaxed);
            }
            Err(_) => self
                .metrics
                .ended("FAILED", stop.saturating_sub(run.rec.start_ms)),
        }
        r.map_err(|e| ApiError::internal(e.to_string()))
    }

    /// StartSyncExecution: an Express execution, run to its end without a log.
    pub async fn start_sync(
        self: &Arc<Self>,
        machine_arn: &str,
        name: Option<String>,
        input: Option<String>,
    ) -> Result<Value, ApiError> {
        let run = self.express_run(machine_arn, name, input)?;
        let (arn, rec) = (run.arn.clone(), run.rec.clone());
        let x = self.finish_express(run).await?;
        let stop = now_ms();
        let mut out = json!({
            "executionArn": arn,
            "stateMachineArn": rec.machine_arn,
            "name": rec.name,
            "startDate": crate::arn::epoch(rec.start_ms),
            "stopDate": crate::arn::epoch(stop),
            "status": x.status.as_str(),
            "input": rec.input,
            "inputDetails": {"included": true},
            "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
        });
        if let Value::Object(m) = &mut out {
            if let Some(o) = &x.output {
                m.insert("output".into(), o.to_string().into());
                m.insert("outputDetails".into(), json!({"included": true}));
            }
            if let Some(e) = x.error {
                m.insert("error".into(), e.into());
            }
            if let Some(c) = x.cause {
                m.insert("cause".into(), c.into());
            }
        }
        Ok(out)
    }

    // ----------------------------------------------------------------------------------
    // Activities

    /// CreateActivity (idempotent for an existing name).
    pub fn create_activity(&self, rec: ActivityRecord) -> Result<Value, ApiError> {
        check_name(&rec.name, "activity")?;
        let arn = self.cfg.partition.activity(&rec.name);
        let mut st = self.lock();
        if let Some(old) = st.activities.get(&rec.name) {
            return Ok(
                json!({"activityArn": arn, "creationDate": crate::arn::epoch(old.created_ms)}),
            );
        }
        self.store
            .put_activity(&rec)
            .map_err(|e| ApiError::internal(format!("cannot store the activity: {e}")))?;
        let out = json!({"activityArn": arn, "creationDate": crate::arn::epoch(rec.created_ms)});
        st.activities.insert(rec.name.clone(), rec);
        Ok(out)
    }

    /// DeleteActivity.
    pub fn delete_activity(&self, arn: &str) -> Result<(), ApiError> {
        let name = activity_name(arn)?;
        let mut st = self.lock();
        if st.activities.remove(&name).is_some() {
            self.store
                .delete_activity(&name)
                .map_err(|e| ApiError::internal(format!("cannot delete the activity: {e}")))?;
        }
        Ok(())
    }

    /// GetActivityTask: the oldest waiting task of the activity, waiting up to the poll time
    /// for one; `None` when none came.
    pub async fn get_activity_task(&self, arn: &str) -> Result<Option<QueuedTask>, ApiError> {
        let name = activity_name(arn)?;
        let deadline = tokio::time::Instant::now() + self.cfg.activity_poll;
        loop {
            let notified = self.activity_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = self.lock();
                if !st.activities.contains_key(&name) {
                    return Err(ApiError::new(
                        "ActivityDoesNotExist",
                        format!("Activity Does Not Exist: '{arn}'"),
                    ));
                }
                if let Some(t) = st.queues.get_mut(arn).and_then(VecDeque::pop_front) {
                    return Ok(Some(t));
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(None);
            }
        }
    }

    /// SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.
    pub(crate) fn signal(&self, token: &str, s: Signal) -> Result<(), ApiError> {
        if token.is_empty() || token.len() > 2048 {
            return Err(ApiError::new(
                "InvalidToken",
                "Invalid Token: the token is empty or too long",
            ));
        }
        let st = self.lock();
        match st.callbacks.get(token) {
            Some(tx) if tx.send(s).is_ok() => Ok(()),
            _ if token.starts_with("arn:aws:states:") => Err(ApiError::new(
                "TaskDoesNotExist",
                "Task Does Not Exist: no task is waiting for this token (it ended, timed out or was never issued)",
            )),
            _ => Err(ApiError::new(
                "InvalidToken",
                format!("Invalid Token: '{token}'"),
            )),
        }
    }
}

/// An execution ARN must be a Standard one: AWS does not describe, stop, redrive or give the
/// history of executions of EXPRESS machines.
fn check_execution_arn(arn: &str) -> Result<(), ApiError> {
    if parts(arn, "express").is_ok() {
        return Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Resource type not valid in this context: express' ({arn})"),
        ));
    }
    parts(arn, "execution").map(|_| ())
}

fn exec_ref<'a>(st: &'a State, arn: &str) -> Result<&'a Exec, ApiError> {
    check_execution_arn(arn)?;
    st.execs.get(arn).ok_or_else(|| {
        ApiError::new(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn}'"),
        )
    })
}

fn exec_mut<'a>(st: &'a mut State, arn: &str) -> Result<&'a mut Exec, ApiError> {
    check_execution_arn(arn)?;
    st.execs.get_mut(arn).ok_or_else(|| {
        ApiError::new(
            "ExecutionDoesNotExist",
            format!("Execution Does Not Exist: '{arn}'"),
        )
    })
}

/// AWS: executions can be redriven for 14 days after they end.
const REDRIVABLE_MS: i64 = 14 * 24 * 3600 * 1000;
/// AWS: the maximum open time of a Standard execution, one year.
const MAX_OPEN_MS: i64 = 365 * 24 * 3600 * 1000;

/// Why an execution cannot be redriven now (AWS's `redriveStatusReason` texts), or `None`
/// when it can.
pub(crate) fn not_redrivable(rec: &ExecutionRecord, now: i64) -> Option<&'static str> {
    match rec.status.as_str() {
        "RUNNING" => Some("Execution is RUNNING and cannot be redriven"),
        "SUCCEEDED" => Some("Execution is SUCCEEDED and cannot be redriven"),
        _ if now.saturating_sub(rec.start_ms) > MAX_OPEN_MS => {
            Some("Execution has exceeded the max execution time")
        }
        _ if rec
            .stop_ms
            .is_some_and(|s| now.saturating_sub(s) > REDRIVABLE_MS) =>
        {
            Some("Execution redrivable period exceeded")
        }
        _ => None,
    }
}

/// The name in an activity ARN.
pub(crate) fn activity_name(arn: &str) -> Result<String, ApiError> {
    match parts(arn, "activity")?.as_slice() {
        [name] => Ok((*name).to_string()),
        _ => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'"))),
    }
}

/// An input or output must be JSON text of at most 256 KiB.
pub(crate) fn check_input(text: &str, what: &str, code: &'static str) -> Result<(), ApiError> {
    if text.len() > MAX_PAYLOAD {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{what}' failed to satisfy constraint: Member must have length less than or equal to {MAX_PAYLOAD}"
        )));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| ApiError::new(code, format!("Invalid {what}: {e}")))
}

impl Service {
    /// Open callbacks and running executions, for `/metrics`.
    pub fn gauges(&self) -> (usize, usize) {
        let st = self.lock();
        let running = st
            .execs
            .values()
            .filter(|e| e.rec.status == "RUNNING")
            .count();
        (st.callbacks.len(), running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(status: &str, start_ms: i64, stop_ms: Option<i64>) -> ExecutionRecord {
        ExecutionRecord {
            start_ms,
            stop_ms,
            ..ExecutionRecord::for_test("m", "e", status)
        }
    }

    #[test]
    fn only_recent_unsuccessful_executions_are_redrivable() {
        let day = 24 * 3600 * 1000;
        let now = 400 * day;
        assert_eq!(
            not_redrivable(&rec("FAILED", now - day, Some(now - 1)), now),
            None
        );
        assert_eq!(
            not_redrivable(&rec("ABORTED", now - day, Some(now - day)), now),
            None
        );
        assert_eq!(
            not_redrivable(&rec("TIMED_OUT", now - day, Some(now - 13 * day)), now),
            None
        );
        assert_eq!(
            not_redrivable(&rec("FAILED", now - 20 * day, Some(now - 15 * day)), now),
            Some("Execution redrivable period exceeded")
        );
        assert_eq!(
            not_redrivable(&rec("FAILED", now - 366 * day, Some(now - day)), now),
            Some("Execution has exceeded the max execution time")
        );
        assert!(not_redrivable(&rec("SUCCEEDED", now, Some(now)), now).is_some());
        assert!(not_redrivable(&rec("RUNNING", now, None), now).is_some());
    }
}
