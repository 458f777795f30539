//! [`RunOptions`]: identity of the execution (names and ARNs seen through the context object)
//! and the limits every run is held to.

use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, VirtualClock};

/// Settings of one execution. `Default` gives a virtual clock, AWS's payload limit and
/// generous step/time limits.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Name of the state machine (`$$.StateMachine.Name`).
    pub state_machine_name: String,
    /// Name of the execution (`$$.Execution.Name`); a fresh one is made per run when `None`.
    pub execution_name: Option<String>,
    /// Region used in ARNs.
    pub region: String,
    /// Account id used in ARNs.
    pub account: String,
    /// `$$.Execution.RoleArn`.
    pub role_arn: String,
    /// Maximum number of state transitions: nexus's own guard against endless loops (AWS
    /// bounds executions by history events, [`RunOptions::max_history_events`]).
    pub max_transitions: u64,
    /// Maximum number of history events of a Standard execution (AWS quota "Maximum execution
    /// history size": 25,000 events; reaching it fails the execution). Express executions
    /// have no history and no such quota.
    pub max_history_events: u64,
    /// Standard or Express: the context object (`RedriveCount`, the `:express:` execution
    /// ARN), the duration limit (Express: 5 minutes) and the integration patterns allowed
    /// (Express: request-response only) follow it.
    pub workflow_type: WorkflowType,
    /// Maximum size of a state's input or output in bytes; above it the state fails with
    /// `States.DataLimitExceeded` (AWS quota: 256 KiB).
    pub max_payload_bytes: usize,
    /// Real time allowed for the whole run; exceeded runs end `TIMED_OUT` with `States.Timeout`.
    pub wall_time: Option<std::time::Duration>,
    /// Time source; virtual by default so `Wait` costs nothing.
    pub clock: Arc<dyn Clock>,
    /// Record GetExecutionHistory-style events (cheap; turn off for the fastest runs).
    pub record_history: bool,
    /// Where recorded events go as they happen, instead of [`crate::Execution::history`]
    /// (which then stays empty): `nexus run --history` streams them to its file, so a long
    /// history is neither held in memory nor serialised a second time at the end.
    pub history_sink: Option<Arc<dyn HistorySink>>,
    /// Append events to this JSONL file, SHA-256 hash-chained (see [`crate::eventlog`]).
    pub event_log: Option<PathBuf>,
    /// Force the event log to stable storage (`fdatasync`) at the points that decide what a
    /// resume redoes (default). Off, every entry still reaches the operating system with one
    /// `write(2)` before the run goes on, which a killed process cannot lose, but an
    /// operating-system crash or power loss can (see [`crate::eventlog::EventLogWriter::open_with`]).
    pub event_log_fsync: bool,
    /// Seed for `States.MathRandom`/`States.UUID`-style randomness where the run needs it.
    pub seed: u64,
    /// Prefix of the task tokens (`$$.Task.Token`) of `.waitForTaskToken` Tasks. A service
    /// that routes callbacks of many executions (`nexus serve`) sets one unique per
    /// execution; the rest of a token is the state, its entered event id and the retry, so a
    /// resumed execution hands out the same tokens again.
    pub task_token_prefix: Option<String>,
    /// Where a distributed Map's Map Run looks for the settings UpdateMapRun changed while it
    /// runs (`nexus serve`); `None`: the Map state's own settings throughout.
    pub map_run_updates: Option<Arc<dyn MapRunUpdates>>,
}

/// The settings of running Map Runs that Step Functions' UpdateMapRun changes. A Map Run asks
/// before it starts each child execution and before its failure check at the end; on an event
/// log, every change it sees is logged (`MapRunUpdated`), so a resumed run applies it at the
/// same point instead of asking again.
pub trait MapRunUpdates: Send + Sync + std::fmt::Debug {
    /// What was changed for the Map Run `map_run_arn`, if anything.
    fn map_run(&self, map_run_arn: &str) -> Option<MapRunUpdate>;
}

// Declared with the history that feeds it (the log phase comes after the run phase).
pub use crate::log::history::HistorySink;

// Declared with the journal that logs it (the log phase comes after the run phase).
pub use crate::log::journal::MapRunUpdate;

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            state_machine_name: String::from("StateMachine"),
            execution_name: None,
            region: String::from("us-east-1"),
            account: String::from("123456789012"),
            role_arn: String::from("arn:aws:iam::123456789012:role/nexus-local"),
            max_transitions: 25_000,
            max_history_events: 25_000,
            workflow_type: WorkflowType::Standard,
            max_payload_bytes: 256 * 1024,
            wall_time: None,
            clock: Arc::new(VirtualClock::new(1_704_067_200_000)),
            record_history: true,
            history_sink: None,
            event_log: None,
            event_log_fsync: true,
            seed: 0,
            task_token_prefix: None,
            map_run_updates: None,
        }
    }
}

/// The type of a state machine (`CreateStateMachine`'s `type`; CloudFormation
/// `StateMachineType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkflowType {
    /// `STANDARD`: durable, up to a year, a history of at most 25,000 events.
    #[default]
    Standard,
    /// `EXPRESS`: at most five minutes, request-response integrations only.
    Express,
}

impl WorkflowType {
    /// Longest an execution of this type may run, in milliseconds (AWS "Choosing workflow
    /// type": Express workflows run for up to five minutes).
    pub(crate) fn max_duration_ms(self) -> Option<i64> {
        match self {
            WorkflowType::Standard => None,
            WorkflowType::Express => Some(5 * 60 * 1000),
        }
    }
}

impl RunOptions {
    pub(crate) fn state_machine_arn(&self) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{}",
            self.region, self.account, self.state_machine_name
        )
    }

    /// The id of an express execution (`...:express:<machine>:<name>`), as TestState uses.
    pub(crate) fn express_execution_arn(&self, execution_name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:express:{}:{}",
            self.region, self.account, self.state_machine_name, execution_name
        )
    }

    /// The execution ARN of the configured workflow type.
    pub(crate) fn execution_arn_of_type(&self, execution_name: &str) -> String {
        match self.workflow_type {
            WorkflowType::Standard => self.execution_arn(execution_name),
            WorkflowType::Express => self.express_execution_arn(execution_name),
        }
    }

    pub(crate) fn execution_arn(&self, execution_name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:execution:{}:{}",
            self.region, self.account, self.state_machine_name, execution_name
        )
    }
}
