//! [`HandlerError`]: how a Task handler (or a mocked response) fails.

/// A task failure: an error name and optional cause (`{"error","cause"}`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {}", cause.as_deref().unwrap_or(""))]
pub struct HandlerError {
    /// Error name matched by Retry/Catch `ErrorEquals`.
    pub error: String,
    /// Human-readable cause.
    pub cause: Option<String>,
}

impl HandlerError {
    /// Builds an error.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            cause: Some(cause.into()),
        }
    }
}
