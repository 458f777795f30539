//! Error types: [`CompileError`] (the definition cannot be turned into a plan) and the
//! internal [`Failure`] (a States.* or user error
//! raised inside a workflow, which Retry/Catch may handle).

use thiserror::Error;

/// The definition could not be compiled into an executable plan.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// A field is missing, has the wrong type or an invalid value.
    #[error("{pointer}: {message}")]
    Invalid {
        /// JSON Pointer into the definition (e.g. `/States/Charge/Next`).
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl CompileError {
    pub(crate) fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// A failure raised while running a state: an error name plus an optional cause, exactly as
/// Step Functions reports them (`States.Runtime`, `States.TaskFailed`, user-defined names...).
///
/// Boxed: results carrying it move through every state's code, and failures are rare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure(Box<FailureData>);

/// The fields of a [`Failure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FailureData {
    /// `None` when a Fail state names no error (AWS then reports no error at all).
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    /// Raised by evaluating the state's own fields: the cause still needs AWS's prefix
    /// "An error occurred while executing the state 'X' (entered at the event id #N). ".
    pub(crate) unlocated: bool,
    /// Field the evaluation failed in (`Assign/result`), for the EvaluationFailed event.
    pub(crate) location: Option<String>,
}

impl std::ops::Deref for Failure {
    type Target = FailureData;
    fn deref(&self) -> &FailureData {
        &self.0
    }
}

impl std::ops::DerefMut for Failure {
    fn deref_mut(&mut self) -> &mut FailureData {
        &mut self.0
    }
}

impl Failure {
    /// The error name and cause, taken out.
    pub(crate) fn into_parts(self) -> (Option<String>, Option<String>) {
        let d = *self.0;
        (d.error, d.cause)
    }

    pub(crate) fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self(Box::new(FailureData {
            error: Some(error.into()),
            cause: Some(cause.into()),
            unlocated: false,
            location: None,
        }))
    }

    /// A failure with an optional cause (Fail state, task errors).
    pub(crate) fn plain(error: Option<String>, cause: Option<String>) -> Self {
        Self(Box::new(FailureData {
            error,
            cause,
            unlocated: false,
            location: None,
        }))
    }

    /// A failure found while evaluating a state's fields; the runner adds the state prefix.
    pub(crate) fn eval(error: impl Into<String>, tail: impl Into<String>) -> Self {
        let mut f = Self::new(error, tail);
        f.unlocated = true;
        f
    }

    /// Records the field the evaluation failed in.
    pub(crate) fn at_field(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Adds AWS's prefix naming the state and the id of its StateEntered event.
    pub(crate) fn locate(&mut self, state: &str, entered_id: u64) {
        if self.unlocated {
            self.unlocated = false;
            let tail = self.cause.take().unwrap_or_default();
            self.cause = Some(format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered_id}). {tail}"
            ));
        }
    }

    /// `{"Error": ..., "Cause": ...}`: the error output a Catcher passes on (ASL, Catch).
    pub(crate) fn error_output(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(e) = &self.error {
            m.insert("Error".into(), e.clone().into());
        }
        if let Some(c) = &self.cause {
            m.insert("Cause".into(), c.clone().into());
        }
        serde_json::Value::Object(m)
    }
}
