//! `exec` handler: runs a local program (no shell), writes the task input as JSON to its
//! stdin and reads its result as JSON from stdout. Output `{"error": ..., "cause": ...}` or a
//! non-zero exit status is a task failure.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{Handler, HandlerError, HandlerFuture, TaskRequest};

/// Runs `program args...` per invocation.
#[derive(Debug, Clone)]
pub struct ExecHandler {
    program: String,
    args: Vec<String>,
}

impl ExecHandler {
    /// A handler running `program` with `args`.
    pub fn new(program: impl Into<String>, args: Vec<String>) -> Self {
        Self {
            program: program.into(),
            args,
        }
    }

    fn run_blocking(&self, input: &Value) -> Result<Value, HandlerError> {
        let fail = |cause: String| HandlerError::new("States.TaskFailed", cause);
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot start '{}': {e}", self.program)))?;
        if let Some(mut stdin) = child.stdin.take() {
            let body = serde_json::to_vec(input).map_err(|e| fail(e.to_string()))?;
            // A program that exits without reading its input is not an error by itself.
            let _ = stdin.write_all(&body);
        }
        let out = child
            .wait_with_output()
            .map_err(|e| fail(format!("'{}' failed: {e}", self.program)))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let parsed: Option<Value> = if text.trim().is_empty() {
            Some(Value::Null)
        } else {
            serde_json::from_str(text.trim()).ok()
        };
        if let Some(Value::Object(m)) = &parsed
            && let Some(err) = m.get("error").and_then(Value::as_str)
            && m.len() <= 2
            && (m.len() == 1 || m.contains_key("cause"))
        {
            return Err(HandlerError {
                error: err.to_string(),
                cause: m.get("cause").map(|c| match c {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
            });
        }
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(fail(format!(
                "'{}' exited with {}: {}",
                self.program,
                out.status,
                stderr.trim()
            )));
        }
        parsed.ok_or_else(|| fail(format!("'{}' did not print JSON", self.program)))
    }
}

impl Handler for ExecHandler {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let this = self.clone();
        let input = req.input.clone();
        Box::pin(async move {
            match tokio::runtime::Handle::try_current() {
                Ok(h) => h
                    .spawn_blocking(move || this.run_blocking(&input))
                    .await
                    .unwrap_or_else(|e| Err(HandlerError::new("States.TaskFailed", e.to_string()))),
                Err(_) => this.run_blocking(&input),
            }
        })
    }
}
