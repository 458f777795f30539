//! `exec` handler: runs a local program (no shell), writes the task input as JSON to its
//! stdin and reads its result as JSON from stdout. Output `{"error": ..., "cause": ...}` or a
//! non-zero exit status is a task failure. A line `nexus:heartbeat` on stderr is a heartbeat
//! (the local `SendTaskHeartbeat`, see [`super::Heartbeat`]); such lines are not kept as
//! the program's error text.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use super::{Handler, HandlerError, HandlerFuture, Heartbeat, TaskRequest};

/// The stderr line by which a program reports that it is alive.
pub(crate) const HEARTBEAT_LINE: &str = "nexus:heartbeat";

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

    /// Waits for the child, killing it (and its process group) once the timeout has passed
    /// or the task was abandoned (`cancelled`: the execution stopped waiting for it).
    fn wait(
        &self,
        mut child: std::process::Child,
        body: Vec<u8>,
        cancelled: &AtomicBool,
        heartbeat: &Heartbeat,
    ) -> Result<std::process::Output, HandlerError> {
        let fail = |cause: String| HandlerError::new("States.TaskFailed", cause);
        // The input goes in on its own thread, inside the timed section: a program that does
        // not read its stdin, or writes much before reading it, cannot block nexus on a full
        // pipe. A program that exits without reading its input is not an error by itself.
        let stdin = child.stdin.take();
        let in_t = std::thread::spawn(move || {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(&body);
            }
        });
        // Drain stdout/stderr on threads so a chatty program cannot block on a full pipe.
        let out = child.stdout.take();
        let err = child.stderr.take();
        let read = |p: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(p) = p {
                    // At most the payload limit, plus one byte to tell that it was exceeded;
                    // the rest is read and dropped so the program is not blocked.
                    let mut p = p;
                    let _ = std::io::Read::read_to_end(
                        &mut std::io::Read::take(&mut p, OUTPUT_CAP),
                        &mut buf,
                    );
                    let _ = std::io::copy(&mut p, &mut std::io::sink());
                }
                buf
            })
        };
        let out_t = read(out.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
        let beat = heartbeat.clone();
        let err_t = std::thread::spawn(move || {
            let mut kept = Vec::new();
            let Some(err) = err else { return kept };
            let mut lines = std::io::BufReader::new(err);
            let mut line = Vec::new();
            loop {
                line.clear();
                match std::io::BufRead::read_until(&mut lines, b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line.trim_ascii() == HEARTBEAT_LINE.as_bytes() => beat.beat(),
                    // Kept up to the cap; the rest is read and dropped.
                    Ok(_) if (kept.len() as u64) < OUTPUT_CAP => kept.extend_from_slice(&line),
                    Ok(_) => {}
                }
            }
            kept
        });
        let start = std::time::Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st,
                Ok(None) if self.timeout.is_some_and(|limit| start.elapsed() >= limit) => {
                    kill_group(&mut child);
                    let limit = self.timeout.unwrap_or_default();
                    return Err(HandlerError::new(
                        "States.Timeout",
                        format!("'{}' ran longer than {limit:?}", self.program),
                    ));
                }
                Ok(None) if cancelled.load(Ordering::Relaxed) => {
                    kill_group(&mut child);
                    return Err(fail(format!("'{}' was abandoned", self.program)));
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(2)),
                Err(e) => {
                    kill_group(&mut child);
                    return Err(fail(format!("'{}' failed: {e}", self.program)));
                }
            }
        };
        // The group may still hold grandchildren that keep the pipes open.
        kill_group(&mut child);
        let _ = in_t.join();
        Ok(std::process::Output {
            status,
            stdout: out_t.join().unwrap_or_default(),
            stderr: err_t.join().unwrap_or_default(),
        })
    }

    fn run_blocking(
        &self,
        input: &Value,
        cancelled: &AtomicBool,
        heartbeat: &Heartbeat,
    ) -> Result<Value, HandlerError> {
        let fail = |cause: String| HandlerError::new("States.TaskFailed", cause);
        let mut cmd = Command::new(&self.program);
        if let Some(d) = &self.dir {
            cmd.current_dir(d);
        }
        cmd.args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        supervise(&mut cmd);
        let body = serde_json::to_vec(input).map_err(|e| fail(e.to_string()))?;
        let child = cmd
            .spawn()
            .map_err(|e| fail(format!("cannot start '{}': {e}", self.program)))?;
        let out = self.wait(child, body, cancelled, heartbeat)?;
        if out.stdout.len() as u64 >= OUTPUT_CAP {
            return Err(HandlerError::new(
                "States.DataLimitExceeded",
                format!(
                    "'{}' printed more than the payload limit of {} bytes",
                    self.program,
                    super::MAX_RESPONSE_BYTES
                ),
            ));
        }
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
        let beat = req.heartbeat.clone();
        Box::pin(async move {
            // Dropping the future (the run timed out or stopped) tells the waiting thread to
            // kill the program, so nothing outlives the execution that started it.
            let cancelled = Arc::new(AtomicBool::new(false));
            let _abandon = Abandon(cancelled.clone());
            match tokio::runtime::Handle::try_current() {
                Ok(h) => h
                    .spawn_blocking(move || this.run_blocking(&input, &cancelled, &beat))
                    .await
                    .unwrap_or_else(|e| Err(HandlerError::new("States.TaskFailed", e.to_string()))),
                Err(_) => this.run_blocking(&input, &cancelled, &beat),
            }
        })
    }
}

/// Most bytes of a program's stdout kept: the payload limit plus one, to tell it was exceeded.
const OUTPUT_CAP: u64 = super::MAX_RESPONSE_BYTES as u64 + 1;

/// Sets its flag when dropped (see [`ExecHandler::invoke`]).
struct Abandon(Arc<AtomicBool>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The program runs in its own process group (so a timeout kills what it started too) and,
/// on Linux, receives SIGKILL when the thread that started it dies — also when nexus is
/// killed with `kill -9`, so a resumed execution never runs a task twice at once.
#[cfg(unix)]
fn supervise(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id();
        // SAFETY: the closure runs in the forked child before `exec`; it calls only the
        // async-signal-safe `prctl` and `getppid`, and allocates nothing.
        #[expect(
            unsafe_code,
            reason = "PR_SET_PDEATHSIG exists only as a pre-exec call"
        )]
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // nexus died between fork and prctl: do not run orphaned.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    return Err(std::io::Error::other("nexus exited"));
                }
                Ok(())
            });
        }
    }
}

#[cfg(not(unix))]
fn supervise(_cmd: &mut Command) {}

/// Kills the program's whole process group (see [`supervise`]), then reaps the program.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: `kill` has no memory effects; a negative pid names the group the child
        // leads (set up by `supervise`), which contains only what the program started.
        #[expect(unsafe_code, reason = "killing a process group has no safe std API")]
        unsafe {
            libc::kill(pid.saturating_neg(), libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
