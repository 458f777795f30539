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
    dir: Option<std::path::PathBuf>,
    timeout: Option<std::time::Duration>,
}

impl ExecHandler {
    /// A handler running `program` with `args`.
    pub fn new(program: impl Into<String>, args: Vec<String>) -> Self {
        Self {
            program: program.into(),
            args,
            dir: None,
            timeout: None,
        }
    }

    /// Runs the program in `dir`.
    pub fn current_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Kills the program when it runs longer than `t` (real time); the task then fails with
    /// `States.Timeout`.
    pub fn timeout(mut self, t: std::time::Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Waits for the child, killing it once the timeout has passed.
    fn wait(&self, mut child: std::process::Child) -> Result<std::process::Output, HandlerError> {
        let fail = |cause: String| HandlerError::new("States.TaskFailed", cause);
        let Some(limit) = self.timeout else {
            return child
                .wait_with_output()
                .map_err(|e| fail(format!("'{}' failed: {e}", self.program)));
        };
        // Drain stdout/stderr on threads so a chatty program cannot block on a full pipe.
        let out = child.stdout.take();
        let err = child.stderr.take();
        let read = |p: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = p {
                    let _ = std::io::Read::read_to_end(&mut p, &mut buf);
                }
                buf
            })
        };
        let out_t = read(out.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
        let err_t = read(err.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
        let start = std::time::Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st,
                Ok(None) if start.elapsed() >= limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(HandlerError::new(
                        "States.Timeout",
                        format!("'{}' ran longer than {limit:?}", self.program),
                    ));
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(2)),
                Err(e) => return Err(fail(format!("'{}' failed: {e}", self.program))),
            }
        };
        Ok(std::process::Output {
            status,
            stdout: out_t.join().unwrap_or_default(),
            stderr: err_t.join().unwrap_or_default(),
        })
    }

    fn run_blocking(&self, input: &Value) -> Result<Value, HandlerError> {
        let fail = |cause: String| HandlerError::new("States.TaskFailed", cause);
        let mut cmd = Command::new(&self.program);
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        let mut child = cmd
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
        let out = self.wait(child)?;
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
