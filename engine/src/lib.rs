//! nexus-engine: runs a workflow with the semantics of AWS Step Functions (JSONPath and JSONata
//! data flow, intrinsic functions, the context object, variables, Choice, Wait on a virtual
//! clock, Parallel, Map, Retry/Catch, Fail/Succeed), with Task handlers (mock configs, local
//! programs, HTTP) and a durable, hash-chained event log from which an interrupted execution
//! resumes ([`Engine::resume`]).
//!
//! Depends only on `nexus-schema` (expression languages live there so lint and run agree).
//!
//! The entry point is [`Engine`]: compile a definition once into a plan, then run it as often as
//! needed with [`Engine::run`] (blocking) or [`Engine::run_async`].
// The engine runs untrusted workflows: no input may make it panic (STYLE.md section 7).
#![deny(clippy::unwrap_used)] // a malformed definition or input must become a States.* error
#![deny(clippy::expect_used)] // same reason as unwrap_used
#![deny(clippy::panic)] // a workflow may fail, the engine may not
#![deny(clippy::indexing_slicing)] // indexes come from user data (Choice, Map, ItemsPath)
#![deny(clippy::arithmetic_side_effects)] // counts, sizes and times come from user data

mod catalogue;
mod clock;
mod compile;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod expr;
pub mod handlers;
mod io;
mod log;
mod run;
mod vars;

pub use log::eventlog;
pub use run::test_state;

pub use clock::{Clock, RealClock, VirtualClock};
pub use error::CompileError;
pub use handlers::mock_config::{MockConfig, MockConfigError};
pub use handlers::{
    ExecHandler, Handler, HandlerConfigError, HandlerError, Handlers, Heartbeat, HttpHandler,
    MockHandler, TaskRequest,
};
pub use log::journal::{LogError, ResumeInfo, logged_clock_is_real};
pub use run::compensation::COMPENSATION_FAILED;
pub use run::engine::{Engine, Execution, ExecutionStatus};
pub use run::error::RunError;
pub use run::options::{HistorySink, MapRunUpdate, MapRunUpdates, RunOptions, WorkflowType};
pub use run::states::result_writer::uuid_of;
