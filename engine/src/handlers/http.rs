//! `http` handler: POSTs the task input as JSON to a URL and takes the JSON response body as
//! the result. A non-2xx status, or a body `{"error": ..., "cause": ...}`, is a task failure.
//! Plain `http://` only (local services); kept dependency-free on purpose. A long-running
//! server sends heartbeats as interim `HTTP/1.1 102 Processing` responses (any 1xx before the
//! final response counts, RFC 9110 §15.2), each the local `SendTaskHeartbeat`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use super::{Handler, HandlerError, HandlerFuture, Heartbeat, TaskRequest};

/// POSTs to `url` per invocation.
#[derive(Debug, Clone)]
pub struct HttpHandler {
    url: String,
    timeout: Duration,
}

impl HttpHandler {
    /// A handler posting to `url` (must start with `http://`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            timeout: Duration::from_secs(60),
        }
    }

    /// Gives up (the task fails with `States.Timeout`) when connecting, sending and reading
    /// the whole response take longer than `t` together.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    fn post_blocking(&self, input: &Value, heartbeat: &Heartbeat) -> Result<Value, HandlerError> {
        let fail = |cause: String| HandlerError::new("States.TaskFailed", cause);
        let rest = self.url.strip_prefix("http://").ok_or_else(|| {
            fail(format!(
                "unsupported URL '{}': only http:// is supported",
                self.url
            ))
        })?;
        let (hostport, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let addr = if hostport.contains(':') {
            hostport.to_string()
        } else {
            format!("{hostport}:80")
        };
        let body = serde_json::to_vec(input).map_err(|e| fail(e.to_string()))?;
        // One deadline for the whole exchange: a server that drips its answer a byte at a
        // time cannot hold the task past `timeout`.
        let started = std::time::Instant::now();
        let left = || self.timeout.saturating_sub(started.elapsed());
        let timed_out = || {
            HandlerError::new(
                "States.Timeout",
                format!("{} did not answer within {:?}", self.url, self.timeout),
            )
        };
        let mut stream = connect(&addr, self.timeout)
            .map_err(|e| fail(format!("cannot connect to {addr}: {e}")))?;
        let _ = stream.set_read_timeout(Some(left().max(Duration::from_millis(1))));
        let _ = stream.set_write_timeout(Some(left().max(Duration::from_millis(1))));
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(&body))
            .map_err(|e| fail(format!("POST {} failed: {e}", self.url)))?;
        let mut resp = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let left = left();
            if left.is_zero() {
                return Err(timed_out());
            }
            let _ = stream.set_read_timeout(Some(left));
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    resp.extend_from_slice(chunk.get(..n).unwrap_or_default());
                    strip_interim(&mut resp, heartbeat);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(timed_out());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(format!("reading {} failed: {e}", self.url))),
            }
            if resp.len() > RESPONSE_CAP {
                return Err(HandlerError::new(
                    "States.DataLimitExceeded",
                    format!(
                        "{} answered more than the payload limit of {} bytes",
                        self.url,
                        super::MAX_RESPONSE_BYTES
                    ),
                ));
            }
        }
        let text = String::from_utf8_lossy(&resp);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| fail(String::from("malformed HTTP response")))?;
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| fail(String::from("malformed HTTP status line")))?;
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_string()
        };
        let parsed: Option<Value> = if body.trim().is_empty() {
            Some(Value::Null)
        } else {
            serde_json::from_str(body.trim()).ok()
        };
        if let Some(Value::Object(m)) = &parsed
            && let Some(err) = m.get("error").and_then(Value::as_str)
            && m.len() <= 2
        {
            return Err(HandlerError {
                error: err.to_string(),
                cause: m.get("cause").and_then(Value::as_str).map(String::from),
            });
        }
        if !(200..300).contains(&status) {
            return Err(fail(format!(
                "{} answered HTTP {status}: {}",
                self.url,
                body.trim()
            )));
        }
        parsed.ok_or_else(|| fail(format!("{} did not answer JSON", self.url)))
    }
}

/// Removes the complete interim (1xx) responses at the start of `resp`, one heartbeat each.
fn strip_interim(resp: &mut Vec<u8>, heartbeat: &Heartbeat) {
    while resp.starts_with(b"HTTP/1.1 1") || resp.starts_with(b"HTTP/1.0 1") {
        let Some(end) = resp.windows(4).position(|w| w == b"\r\n\r\n") else {
            return;
        };
        resp.drain(..end.saturating_add(4));
        heartbeat.beat();
    }
}

/// Most bytes of a whole response read: the payload limit plus room for the status line,
/// headers and chunk framing.
const RESPONSE_CAP: usize = super::MAX_RESPONSE_BYTES + 64 * 1024;

/// Connects to the first address of `addr` that answers within `timeout`.
fn connect(addr: &str, timeout: Duration) -> std::io::Result<TcpStream> {
    use std::net::ToSocketAddrs;
    let mut last = std::io::Error::other("no address");
    for a in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&a, timeout.max(Duration::from_millis(1))) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size_line, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size_line.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let Some(chunk) = after.get(..size) else {
            out.push_str(after);
            break;
        };
        out.push_str(chunk);
        rest = after.get(size..).unwrap_or("").trim_start_matches("\r\n");
    }
    out
}

impl Handler for HttpHandler {
    fn invoke<'a>(&'a self, req: &'a TaskRequest) -> HandlerFuture<'a> {
        let this = self.clone();
        let input = req.input.clone();
        let beat = req.heartbeat.clone();
        Box::pin(async move {
            match tokio::runtime::Handle::try_current() {
                Ok(h) => h
                    .spawn_blocking(move || this.post_blocking(&input, &beat))
                    .await
                    .unwrap_or_else(|e| Err(HandlerError::new("States.TaskFailed", e.to_string()))),
                Err(_) => this.post_blocking(&input, &beat),
            }
        })
    }
}
