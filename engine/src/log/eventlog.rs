//! The durable execution log: append-only JSON Lines, SHA-256 hash-chained.
//!
//! Each line is one entry, written with a single `write(2)`:
//!
//! ```text
//! {"seq":3,"prev":"<64 hex>","event":{...GetExecutionHistory event...},"hash":"<64 hex>"}
//! {"seq":4,"prev":"<64 hex>","record":{"type":"HandlerReturned",...},"hash":"<64 hex>"}
//! ```
//!
//! `hash` is the SHA-256 of the exact bytes of the line before `,"hash":"`, so it covers the
//! sequence number, the previous entry's hash (64 zeros for the first entry) and the body.
//! `event` lines are the execution history; `record` lines are what the engine needs to resume
//! an interrupted execution (the execution header, Task handler results, real-clock timers;
//! `crate::journal` describes them).
//!
//! [`verify`] checks every link. A line that is complete (ends with a newline) but does not
//! check out means the log was altered: an error naming the line and the record. A last line
//! *without* its newline is what a crash in the middle of a write leaves: when its bytes can
//! be the start of the next entry (`{"seq":N,"prev":"<hash of the entry before>","...`), it is
//! reported as a torn tail and dropped, and the entries before it stay usable; any other
//! unterminated line means the file is not this log, and it is refused untouched. A hash chain cannot tell a log
//! cut short at an entry boundary from one that ended there; keep the head hash
//! ([`LogSummary::last_hash`]) elsewhere to detect that.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HASH_KEY: &[u8] = b",\"hash\":\"";
/// Length of what follows the hashed part of a line: `,"hash":"` + 64 hex digits + `"}`.
const TRAILER: usize = 75;

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        s.push(char::from(
            DIGITS.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
        ));
        s.push(char::from(
            DIGITS.get(usize::from(b & 15)).copied().unwrap_or(b'0'),
        ));
    }
    s
}

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What one entry holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A GetExecutionHistory event of an execution.
    Event(Value),
    /// An engine record (`{"type": ..., ...}`): execution header, handler result, timer.
    Record(Value),
}

impl Entry {
    /// `event 7 TaskSucceeded` or `record HandlerReturned`, for messages.
    pub fn describe(&self) -> String {
        match self {
            Entry::Event(e) => format!(
                "event {} {}",
                e.get("id").map(Value::to_string).unwrap_or_default(),
                e.get("type").and_then(Value::as_str).unwrap_or("?")
            ),
            Entry::Record(r) => format!(
                "record {}",
                r.get("type").and_then(Value::as_str).unwrap_or("?")
            ),
        }
    }
}

/// One verified entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// Sequence number (equal to the line number in an intact log).
    pub seq: u64,
    /// The body.
    pub entry: Entry,
}

/// An incomplete last line: the trace of a write the process did not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// Its line number.
    pub line: u64,
    /// Its length in bytes.
    pub bytes: u64,
}

/// Result of a successful [`verify`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogSummary {
    /// Number of valid entries.
    pub entries: u64,
    /// Hash of the last valid entry (the chain head; 64 zeros for an empty log).
    pub last_hash: String,
    /// The valid entries, in order.
    pub lines: Vec<LogLine>,
    /// Length in bytes of the valid prefix (where the next entry goes).
    pub valid_len: u64,
    /// The incomplete last line, if the log ends with one (not part of `lines`).
    pub torn_tail: Option<TornTail>,
}

impl LogSummary {
    /// The history events of every execution in the log, in order.
    pub fn events(&self) -> impl Iterator<Item = &Value> {
        self.lines.iter().filter_map(|l| match &l.entry {
            Entry::Event(e) => Some(e),
            Entry::Record(_) => None,
        })
    }
}

/// Why a log failed verification.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The file could not be read.
    #[error("cannot read the event log: {0}")]
    Io(#[from] std::io::Error),
    /// A complete line is not an entry at all: the log was altered or damaged.
    #[error("line {line}: not a log entry ({message}): the log was altered or damaged")]
    Malformed {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A line's `hash`, `seq` or `prev` does not continue the chain: the log was altered.
    #[error("line {line} ({record}): hash chain broken ({what}): the log was altered")]
    Broken {
        /// 1-based line number.
        line: u64,
        /// The entry, as [`Entry::describe`] names it.
        record: String,
        /// Which link failed: `hash` (the entry's content changed), `seq` or `prev` (an entry
        /// before it was removed, inserted or reordered).
        what: &'static str,
    },
}

impl VerifyError {
    /// The line the error is about.
    pub fn line(&self) -> Option<u64> {
        match self {
            VerifyError::Io(_) => None,
            VerifyError::Malformed { line, .. } | VerifyError::Broken { line, .. } => Some(*line),
        }
    }
}

/// Reads a log and checks every link of the chain.
pub fn verify(path: &Path) -> Result<LogSummary, VerifyError> {
    let bytes = std::fs::read(path)?;
    verify_bytes(&bytes)
}

/// [`verify`] on the bytes of a log.
pub fn verify_bytes(bytes: &[u8]) -> Result<LogSummary, VerifyError> {
    let mut prev = GENESIS.to_string();
    let mut lines = Vec::new();
    let mut n = 0u64;
    let mut offset = 0usize;
    let mut rest = bytes;
    let mut torn_tail = None;
    while !rest.is_empty() {
        n = n.saturating_add(1);
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            // No newline: the last write did not complete, if what is there can be the start
            // of the entry this log would write next. Anything else (a file that is not a log,
            // such as a one-line JSON document) is refused, so opening it never truncates it.
            let expected = format!("{{\"seq\":{n},\"prev\":\"{prev}\",\"");
            if !(rest.starts_with(expected.as_bytes()) || expected.as_bytes().starts_with(rest)) {
                return Err(VerifyError::Malformed {
                    line: n,
                    message: "an unterminated line that does not start the next entry".into(),
                });
            }
            torn_tail = Some(TornTail {
                line: n,
                bytes: rest.len() as u64,
            });
            break;
        };
        let (line, tail) = rest.split_at(end);
        rest = tail.get(1..).unwrap_or_default();
        offset = offset.saturating_add(end).saturating_add(1);
        let (entry, seq, p, h) = parse_line(line, n)?;
        let broken = |what| VerifyError::Broken {
            line: n,
            record: entry.describe(),
            what,
        };
        if h != sha256_hex(body_of(line)) {
            return Err(broken("hash"));
        }
        if seq != n {
            return Err(broken("seq"));
        }
        if p != prev {
            return Err(broken("prev"));
        }
        prev = h;
        lines.push(LogLine {
            line: n,
            seq,
            entry,
        });
    }
    Ok(LogSummary {
        entries: lines.len() as u64,
        last_hash: prev,
        lines,
        valid_len: offset as u64,
        torn_tail,
    })
}

/// The hashed part of a line: everything before `,"hash":"`.
fn body_of(line: &[u8]) -> &[u8] {
    let cut = line.len().saturating_sub(TRAILER);
    line.get(..cut).unwrap_or_default()
}

fn parse_line(line: &[u8], n: u64) -> Result<(Entry, u64, String, String), VerifyError> {
    let malformed = |m: &str| VerifyError::Malformed {
        line: n,
        message: m.to_string(),
    };
    let cut = line.len().saturating_sub(TRAILER);
    let framed = line.len() > TRAILER
        && line.get(cut..).is_some_and(|t| t.starts_with(HASH_KEY))
        && line.ends_with(b"\"}");
    if !framed {
        return Err(malformed("it does not end with its hash"));
    }
    let v: Value = serde_json::from_slice(line).map_err(|e| malformed(&e.to_string()))?;
    let Value::Object(mut o) = v else {
        return Err(malformed("not a JSON object"));
    };
    let seq = o
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("no seq"))?;
    let prev = match o.get("prev") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(malformed("no prev")),
    };
    let hash = match o.get("hash") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(malformed("no hash")),
    };
    let entry = match (o.remove("event"), o.remove("record")) {
        (Some(e), None) => Entry::Event(e),
        (None, Some(r @ Value::Object(_))) => Entry::Record(r),
        _ => return Err(malformed("neither an event nor a record")),
    };
    if o.len() != 3 {
        return Err(malformed("unexpected fields"));
    }
    Ok((entry, seq, prev, hash))
}

/// Appends entries to a log, continuing its chain. The file is locked (advisory, exclusive)
/// while the writer lives, so two runs cannot interleave their entries.
pub struct EventLogWriter {
    file: File,
    prev: String,
    seq: u64,
    line: Vec<u8>,
    /// Whether [`EventLogWriter::sync`] forces entries to stable storage.
    fsync: bool,
}

impl std::fmt::Debug for EventLogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLogWriter")
            .field("seq", &self.seq)
            .finish()
    }
}

/// Why a log could not be opened for writing.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Reading, locking, truncating or creating failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Another process holds the log.
    #[error("the log is in use by another process")]
    Locked,
    /// The existing content does not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl EventLogWriter {
    /// Opens (or creates) `path` for appending. The existing content is verified first so a
    /// run never extends a broken chain; a torn last line is cut off (it is reported in the
    /// returned summary). [`EventLogWriter::sync`] forces entries to stable storage.
    pub fn open(path: &Path) -> Result<(Self, LogSummary), OpenError> {
        Self::open_with(path, true)
    }

    /// [`EventLogWriter::open`], saying whether the log is forced to stable storage. Every
    /// entry reaches the operating system with one `write(2)` either way, so a process killed
    /// at any moment (even `kill -9`) loses nothing it wrote; `fsync` also makes the new file's
    /// directory entry, a cut torn tail and every [`EventLogWriter::sync`] reach the disk
    /// (`fdatasync`), so an operating-system crash or a power loss loses nothing synced
    /// either. With `fsync` false, [`EventLogWriter::sync`] does nothing.
    pub fn open_with(path: &Path, fsync: bool) -> Result<(Self, LogSummary), OpenError> {
        let created = fsync && !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(OpenError::Locked),
            Err(std::fs::TryLockError::Error(e)) => return Err(OpenError::Io(e)),
        }
        if created {
            // The new directory entry must survive a crash too.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && let Ok(d) = File::open(dir)
            {
                let _ = d.sync_all();
            }
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let summary = verify_bytes(&bytes)?;
        if summary.torn_tail.is_some() {
            file.set_len(summary.valid_len)?;
            if fsync {
                file.sync_data()?;
            }
        }
        Ok((
            Self {
                file,
                prev: summary.last_hash.clone(),
                seq: summary.entries,
                line: Vec::new(),
                fsync,
            },
            summary,
        ))
    }

    /// Appends a history event; returns its sequence number.
    pub fn append_event(&mut self, event: &Value) -> std::io::Result<u64> {
        self.append("event", event)
    }

    /// Appends an engine record; returns its sequence number.
    pub fn append_record(&mut self, record: &Value) -> std::io::Result<u64> {
        self.append("record", record)
    }

    fn append(&mut self, key: &str, body: &Value) -> std::io::Result<u64> {
        let seq = self.seq.saturating_add(1);
        let line = &mut self.line;
        line.clear();
        write!(
            line,
            "{{\"seq\":{seq},\"prev\":\"{}\",\"{key}\":",
            self.prev
        )?;
        serde_json::to_writer(&mut *line, body)?;
        let hash = sha256_hex(line);
        line.extend_from_slice(HASH_KEY);
        line.extend_from_slice(hash.as_bytes());
        line.extend_from_slice(b"\"}\n");
        // One write per entry: a process that dies leaves whole entries, or a torn last one.
        self.file.write_all(line)?;
        self.seq = seq;
        self.prev = hash;
        Ok(seq)
    }

    /// Forces what was written to stable storage (`fdatasync`), when the writer was opened
    /// to (see [`EventLogWriter::open_with`]).
    pub fn sync(&mut self) -> std::io::Result<()> {
        if self.fsync {
            self.file.sync_data()
        } else {
            Ok(())
        }
    }

    /// Sequence number of the last entry.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Hash of the last entry.
    pub fn head(&self) -> &str {
        &self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trailer_length_matches_the_format() {
        assert_eq!(TRAILER, HASH_KEY.len() + 64 + 2);
    }

    fn write_three(path: &Path) {
        let (mut w, s) = EventLogWriter::open(path).unwrap();
        assert_eq!(s.entries, 0);
        w.append_event(&json!({"id": 1, "type": "A"})).unwrap();
        w.append_record(&json!({"type": "B"})).unwrap();
        drop(w);
        let (mut w, s) = EventLogWriter::open(path).unwrap();
        assert_eq!(s.entries, 2);
        w.append_event(&json!({"id": 2, "type": "C"})).unwrap();
        w.sync().unwrap();
    }

    #[test]
    fn detects_tampering_and_names_the_entry() {
        // Removed with everything in it when the test ends, passed or not.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        write_three(&path);
        let s = verify(&path).unwrap();
        assert_eq!(s.entries, 3);
        assert_eq!(s.events().count(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"B\"", "\"X\"")).unwrap();
        let e = verify(&path).unwrap_err();
        assert!(
            matches!(&e, VerifyError::Broken { line: 2, what: "hash", record } if record == "record X"),
            "{e}"
        );
        // Removing an entry breaks the next one's links.
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
        let e = verify(&path).unwrap_err();
        assert!(
            matches!(
                &e,
                VerifyError::Broken {
                    line: 2,
                    what: "seq",
                    ..
                }
            ),
            "{e}"
        );
        // A complete line that is not an entry is damage, not a torn write.
        std::fs::write(&path, format!("{}\nnot json\n", lines[0])).unwrap();
        assert!(matches!(
            verify(&path),
            Err(VerifyError::Malformed { line: 2, .. })
        ));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_cut_off_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        write_three(&path);
        let full = std::fs::read(&path).unwrap();
        let whole = verify(&path).unwrap();
        // Cut the last entry in the middle, as a crash during its write would.
        let cut = full.len() - 20;
        std::fs::write(&path, &full[..cut]).unwrap();
        let s = verify(&path).unwrap();
        assert_eq!(s.entries, 2);
        assert_eq!(s.torn_tail.map(|t| t.line), Some(3));
        assert_eq!(s.lines, whole.lines[..2]);
        let (mut w, s2) = EventLogWriter::open(&path).unwrap();
        assert_eq!(s2.torn_tail, s.torn_tail);
        w.append_event(&json!({"id": 2, "type": "D"})).unwrap();
        drop(w);
        let s = verify(&path).unwrap();
        assert_eq!(s.entries, 3);
        assert!(s.torn_tail.is_none());
    }

    #[test]
    fn a_file_that_is_not_a_log_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.json");
        for content in [
            &b"{\"StartAt\":\"A\",\"States\":{}}"[..],
            b"x",
            b"{\"seq\":2,\"prev\":\"",
        ] {
            std::fs::write(&path, content).unwrap();
            assert!(
                matches!(
                    EventLogWriter::open(&path),
                    Err(OpenError::Verify(VerifyError::Malformed { line: 1, .. }))
                ),
                "{}",
                String::from_utf8_lossy(content)
            );
            assert_eq!(std::fs::read(&path).unwrap(), content);
        }
        // After verified entries, an unterminated line that cannot be the next entry is
        // damage as well, not a torn write.
        let log = dir.path().join("log.jsonl");
        write_three(&log);
        let mut bytes = std::fs::read(&log).unwrap();
        bytes.extend_from_slice(b"hello");
        std::fs::write(&log, &bytes).unwrap();
        assert!(matches!(
            EventLogWriter::open(&log),
            Err(OpenError::Verify(VerifyError::Malformed { line: 4, .. }))
        ));
        assert_eq!(std::fs::read(&log).unwrap(), bytes);
    }

    #[test]
    fn a_first_entry_torn_in_its_header_is_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        std::fs::write(&path, "{\"seq\":1,\"prev\":\"0000").unwrap();
        let (_w, s) = EventLogWriter::open(&path).unwrap();
        assert_eq!(s.entries, 0);
        assert_eq!(s.torn_tail.map(|t| t.line), Some(1));
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_lives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let (_w, _) = EventLogWriter::open(&path).unwrap();
        assert!(matches!(
            EventLogWriter::open(&path),
            Err(OpenError::Locked)
        ));
    }
}
