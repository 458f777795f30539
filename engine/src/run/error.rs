//! [`RunError`]: the engine could not run at all (as opposed to the workflow failing).

use thiserror::Error;

/// The engine could not do its job (as opposed to the workflow failing, which is a normal
/// [`crate::Execution`] with status `FAILED`).
#[derive(Debug, Error)]
pub enum RunError {
    /// [`crate::Engine::run`] was called from inside an async runtime; use `run_async` there.
    #[error("Engine::run called from within an async runtime; use Engine::run_async instead")]
    NestedRuntime,
    /// The tokio runtime could not be created.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The event log could not be written.
    #[error("event log {path}: {source}")]
    EventLog {
        /// Path of the log file.
        path: String,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The event log cannot be used: it does not verify, it is in use, it holds an unfinished
    /// execution (for a new run), or (for a resume) it holds no unfinished execution of this
    /// definition, or the resumed run did not reproduce it.
    #[error("event log {path}: {source}")]
    Log {
        /// Path of the log file.
        path: String,
        /// What is wrong.
        #[source]
        source: crate::log::journal::LogError,
    },
    /// [`crate::Engine::resume`] without an event log in the options.
    #[error("nothing to resume from: no event log is set")]
    NoEventLog,
}
