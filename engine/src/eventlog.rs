//! Append-only, SHA-256 hash-chained event log (JSON Lines). Each line is
//! `{"seq": n, "prev": "<hex>", "event": {...}, "hash": "<hex>"}` where
//! `hash = SHA-256(prev || compact JSON of event)` and `prev` of the first line is 64 zeros.
//! Changing, removing or reordering any line breaks the chain, which [`verify`] detects.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

fn chain_hash(prev: &str, event_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(event_json.as_bytes());
    hex(&h.finalize())
}

/// Writes events to a log file, continuing the chain of any lines already there.
pub struct EventLogWriter {
    out: BufWriter<File>,
    prev: String,
    seq: u64,
}

impl std::fmt::Debug for EventLogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLogWriter")
            .field("seq", &self.seq)
            .finish()
    }
}

impl EventLogWriter {
    /// Opens (or creates) `path` for appending. An existing log is verified first so a new
    /// run never extends a broken chain.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let (prev, seq) = if path.exists() {
            let summary = verify(path)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
            (summary.last_hash, summary.entries)
        } else {
            (GENESIS.to_string(), 0)
        };
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            out: BufWriter::new(file),
            prev,
            seq,
        })
    }

    /// Appends one event.
    pub fn append(&mut self, event: &Value) -> std::io::Result<()> {
        let body = serde_json::to_string(event)?;
        let hash = chain_hash(&self.prev, &body);
        self.seq = self.seq.saturating_add(1);
        let line = json!({"seq": self.seq, "prev": self.prev, "event": event, "hash": hash});
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        self.prev = hash;
        Ok(())
    }

    /// Flushes buffered lines to the file.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Result of a successful [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    /// Number of entries.
    pub entries: u64,
    /// Hash of the last entry (the chain head).
    pub last_hash: String,
    /// The events, in order.
    pub events: Vec<Value>,
}

/// Why a log failed verification.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The file could not be read.
    #[error("cannot read event log: {0}")]
    Io(#[from] std::io::Error),
    /// A line is not a well-formed entry.
    #[error("line {line}: malformed entry: {message}")]
    Malformed {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A line's `prev`, `seq` or `hash` does not continue the chain: the log was altered.
    #[error("line {line}: hash chain broken ({what})")]
    Broken {
        /// 1-based line number.
        line: u64,
        /// Which link failed.
        what: &'static str,
    },
}

/// Reads a log and checks every link of the chain.
pub fn verify(path: &Path) -> Result<LogSummary, VerifyError> {
    let reader = BufReader::new(File::open(path)?);
    let mut prev = GENESIS.to_string();
    let mut events = Vec::new();
    let mut n = 0u64;
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        n = n.saturating_add(1);
        let entry: Value = serde_json::from_str(&line).map_err(|e| VerifyError::Malformed {
            line: n,
            message: e.to_string(),
        })?;
        let malformed = |m: &str| VerifyError::Malformed {
            line: n,
            message: m.to_string(),
        };
        let seq = entry
            .get("seq")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed("no seq"))?;
        let p = entry
            .get("prev")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("no prev"))?;
        let h = entry
            .get("hash")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("no hash"))?;
        let ev = entry.get("event").ok_or_else(|| malformed("no event"))?;
        if seq != n {
            return Err(VerifyError::Broken {
                line: n,
                what: "seq",
            });
        }
        if p != prev {
            return Err(VerifyError::Broken {
                line: n,
                what: "prev",
            });
        }
        let body = serde_json::to_string(ev).map_err(|e| malformed(&e.to_string()))?;
        if chain_hash(&prev, &body) != h {
            return Err(VerifyError::Broken {
                line: n,
                what: "hash",
            });
        }
        prev = h.to_string();
        events.push(ev.clone());
    }
    Ok(LogSummary {
        entries: n,
        last_hash: prev,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_tampering() {
        // Removed with everything in it when the test ends, passed or not.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let mut w = EventLogWriter::open(&path).unwrap();
        w.append(&json!({"type": "A"})).unwrap();
        w.append(&json!({"type": "B"})).unwrap();
        w.flush().unwrap();
        drop(w);
        let mut w = EventLogWriter::open(&path).unwrap();
        w.append(&json!({"type": "C"})).unwrap();
        w.flush().unwrap();
        assert_eq!(verify(&path).unwrap().entries, 3);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"B\"", "\"X\"");
        std::fs::write(&path, text).unwrap();
        assert!(matches!(
            verify(&path),
            Err(VerifyError::Broken { line: 2, .. })
        ));
    }
}
