//! Errors of the service: [`ApiError`] is what a client sees (AWS JSON 1.0 error shape and
//! HTTP status); [`ServeError`] is why the service itself could not start.

use serde_json::json;

/// An error answer: `{"__type": ..., "message": ...}` with an HTTP status, as Step Functions
/// sends them (client errors are 400, the service's own failures 500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The error code (`StateMachineDoesNotExist`, `InvalidArn`, ...).
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// HTTP status.
    pub status: u16,
}

impl ApiError {
    /// A client error (HTTP 400).
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: 400,
        }
    }

    /// `ValidationException`: a parameter breaks a constraint of the API.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// A failure of the service itself (HTTP 500), such as a data directory it cannot write.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalFailure",
            message: message.into(),
            status: 500,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        json!({"__type": self.code, "message": self.message}).to_string()
    }
}

/// Why `nexus serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data directory cannot be created or read.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A stored record does not parse.
    #[error("{path}: {message}")]
    Record {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The async runtime cannot be built.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
}
