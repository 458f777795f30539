//! The data directory: one JSON record per state machine and activity, each replaced
//! atomically (written to a temporary file, renamed over the old one); the execution index, an
//! append-only JSON Lines file with the whole record of an execution at each change (start,
//! end, stop, redrive); and the engine's hash-chained event log of each execution.
//!
//! ```text
//! <data-dir>/machines/<name>.json
//! <data-dir>/activities/<name>.json
//! <data-dir>/executions.jsonl                      execution records: identity, input, status, result
//! <data-dir>/executions/<machine>/<execution>.jsonl  the event log (history + records)
//! ```
//!
//! The records are the index; the event log is the truth about a run. At start the service
//! reads the index back (the last line of an execution is its record) and rewrites it with one
//! line per execution; an execution whose record still says `RUNNING` is resumed from its log
//! (see `service::Service::recover`). A data directory of an earlier nexus, with a folder per
//! execution (`<execution>/meta.json` and `<execution>/log.jsonl`), is indexed on its first
//! start and its logs moved to their places (one file per execution: creating a folder and
//! a file per execution cost the file system twice what one file does).
//!
//! Durability: every change is written (one `write(2)` per index line or log entry, a rename
//! per record file) before the operation that made it answers, so a process killed at any
//! moment, even by `kill -9`, loses nothing it acknowledged: the operating system has it.
//! With `fsync` ([`Store::open`]), the points that must also survive an operating-system crash
//! or a power loss are forced to stable storage (`fdatasync`, and the folders whose entries
//! changed): a started, stopped or redriven execution, a state machine, an activity, and the
//! event log's own sync points (`nexus_engine::RunOptions::event_log_fsync`).

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ServeError;

/// A stored state machine (the latest revision, its published versions and aliases).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MachineRecord {
    /// Name.
    pub name: String,
    /// The definition, as the client sent it.
    pub definition: String,
    /// `roleArn`.
    pub role_arn: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: String,
    /// Creation time, epoch ms.
    pub created_ms: i64,
    /// Last update, epoch ms.
    #[serde(default)]
    pub updated_ms: Option<i64>,
    /// Revision counter (the `revisionId`).
    #[serde(default)]
    pub revision: u64,
    /// `loggingConfiguration`, kept as sent.
    #[serde(default)]
    pub logging: Option<Value>,
    /// `tracingConfiguration`, kept as sent.
    #[serde(default)]
    pub tracing: Option<Value>,
    /// `encryptionConfiguration`, kept as sent (`None`: the AWS-owned key).
    #[serde(default)]
    pub encryption: Option<Value>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Published versions, oldest first.
    #[serde(default)]
    pub versions: Vec<VersionRecord>,
    /// Aliases by name.
    #[serde(default)]
    pub aliases: BTreeMap<String, AliasRecord>,
    /// Number of the last version published (versions are never renumbered).
    #[serde(default)]
    pub last_version: u64,
}

/// A published version of a state machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRecord {
    /// Its number.
    pub version: u64,
    /// The definition it froze.
    pub definition: String,
    /// `roleArn` it froze.
    pub role_arn: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The revision it was published from.
    pub revision: u64,
    /// Publication time.
    pub created_ms: i64,
}

/// An alias: routes executions to one or two versions by weight.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AliasRecord {
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `(version, weight)` pairs; weights add up to 100.
    pub routing: Vec<(u64, u64)>,
    /// Creation time.
    pub created_ms: i64,
    /// Last update.
    #[serde(default)]
    pub updated_ms: Option<i64>,
}

/// A stored activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// Name.
    pub name: String,
    /// Creation time.
    pub created_ms: i64,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A stored execution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// Name.
    pub name: String,
    /// Name of its state machine.
    pub machine: String,
    /// ARN of what was started: the machine, a version or an alias.
    pub machine_arn: String,
    /// Version ARN when a version ran (directly or through an alias).
    #[serde(default)]
    pub version_arn: Option<String>,
    /// Alias ARN when started through an alias.
    #[serde(default)]
    pub alias_arn: Option<String>,
    /// The definition it runs (a later update of the machine does not change it).
    pub definition: String,
    /// `roleArn`.
    pub role_arn: String,
    /// Input, as sent.
    pub input: String,
    /// Start, epoch ms.
    pub start_ms: i64,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub status: String,
    /// End, epoch ms.
    #[serde(default)]
    pub stop_ms: Option<i64>,
    /// Output (JSON text) when `SUCCEEDED`.
    #[serde(default)]
    pub output: Option<String>,
    /// Error name otherwise.
    #[serde(default)]
    pub error: Option<String>,
    /// Cause otherwise.
    #[serde(default)]
    pub cause: Option<String>,
    /// The execution that started this one (`states:startExecution`).
    #[serde(default)]
    pub parent: Option<String>,
    /// The Step Functions Local mock test case (`stateMachineArn#TestCase`).
    #[serde(default)]
    pub test_case: Option<String>,
    /// Redrives so far.
    #[serde(default)]
    pub redrive_count: u64,
    /// Last redrive, epoch ms.
    #[serde(default)]
    pub redrive_ms: Option<i64>,
    /// UpdateMapRun's settings of this execution's Map Runs, by Map Run ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map_runs: BTreeMap<String, MapRunSettings>,
}

/// What UpdateMapRun changed in a running Map Run; what it left alone stays as the Map
/// state's definition has it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MapRunSettings {
    /// `maxConcurrency` (0: no limit).
    #[serde(default)]
    pub max_concurrency: Option<u64>,
    /// `toleratedFailureCount`.
    #[serde(default)]
    pub tolerated_failure_count: Option<u64>,
    /// `toleratedFailurePercentage`.
    #[serde(default)]
    pub tolerated_failure_percentage: Option<f64>,
}

/// The execution index, in the data directory.
const INDEX: &str = "executions.jsonl";

/// The data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    /// Force durable changes to stable storage.
    fsync: bool,
    /// The execution index, open for appending; one writer at a time, one line per write.
    index: Arc<Mutex<Index>>,
    /// Group commit of the index under `fsync`: the number of lines known to be on stable
    /// storage, and the handle that forces them there. Held while syncing, so a writer whose
    /// line the running sync covers waits for it instead of syncing again.
    synced: Arc<Mutex<(u64, File)>>,
}

/// The execution index, open for appending.
#[derive(Debug)]
struct Index {
    file: File,
    /// Lines written since the service started.
    written: u64,
    /// Its length: where the next line starts.
    len: u64,
}

fn dir_error(path: &Path, source: std::io::Error) -> ServeError {
    ServeError::DataDir {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    /// Opens (creating) the data directory and reads the execution records back, in no
    /// particular order. `fsync`: force durable changes to stable storage (see the module
    /// documentation).
    pub fn open(root: &Path, fsync: bool) -> Result<(Self, Vec<ExecutionRecord>), ServeError> {
        for sub in ["machines", "activities", "executions"] {
            let d = root.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| dir_error(&d, e))?;
        }
        let path = root.join(INDEX);
        let mut legacy = Vec::new();
        let (records, rewrite) = match std::fs::read(&path) {
            Ok(bytes) => read_index(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                (legacy_executions(root, &mut legacy)?, true)
            }
            Err(e) => return Err(dir_error(&path, e)),
        };
        if rewrite {
            let mut text = Vec::new();
            for r in &records {
                serde_json::to_writer(&mut text, r).map_err(|e| dir_error(&path, e.into()))?;
                text.push(b'\n');
            }
            // Always synced: it replaces the only copy of every record (once per start).
            replace_file(&path, &text, true).map_err(|e| dir_error(&path, e))?;
        }
        // Indexed: the old folders' records are no longer read.
        for dir in legacy {
            let _ = std::fs::remove_file(dir.join("meta.json"));
            let _ = std::fs::remove_dir(&dir);
        }
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| dir_error(&path, e))?;
        let syncer = file.try_clone().map_err(|e| dir_error(&path, e))?;
        let len = file.metadata().map_err(|e| dir_error(&path, e))?.len();
        Ok((
            Self {
                root: root.to_path_buf(),
                fsync,
                index: Arc::new(Mutex::new(Index {
                    file,
                    written: 0,
                    len,
                })),
                synced: Arc::new(Mutex::new((0, syncer))),
            },
            records,
        ))
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn machine_path(&self, name: &str) -> PathBuf {
        self.root.join("machines").join(format!("{name}.json"))
    }

    fn activity_path(&self, name: &str) -> PathBuf {
        self.root.join("activities").join(format!("{name}.json"))
    }

    /// Folder of the executions of a machine.
    fn machine_dir(&self, machine: &str) -> PathBuf {
        self.root.join("executions").join(machine)
    }

    /// The event log of an execution.
    pub fn log_path(&self, machine: &str, name: &str) -> PathBuf {
        self.machine_dir(machine).join(format!("{name}.jsonl"))
    }

    /// Whether durable changes are forced to stable storage.
    pub fn fsync(&self) -> bool {
        self.fsync
    }

    /// Stores a state machine.
    pub fn put_machine(&self, m: &MachineRecord) -> std::io::Result<()> {
        write_atomic(&self.machine_path(&m.name), m, self.fsync)
    }

    /// Removes a state machine record.
    pub fn delete_machine(&self, name: &str) -> std::io::Result<()> {
        remove(&self.machine_path(name))
    }

    /// Stores an activity.
    pub fn put_activity(&self, a: &ActivityRecord) -> std::io::Result<()> {
        write_atomic(&self.activity_path(&a.name), a, self.fsync)
    }

    /// Removes an activity record.
    pub fn delete_activity(&self, name: &str) -> std::io::Result<()> {
        remove(&self.activity_path(name))
    }

    /// Stores the record of a new execution: the folder of its machine's event logs, then
    /// its line in the index. Returns the line's ticket for [`Store::sync`], which must
    /// force it to disk before the start is acknowledged (a start must survive a crash); the
    /// caller syncs after releasing its own locks, so concurrent starts share one flush.
    pub fn create_execution(&self, e: &ExecutionRecord) -> std::io::Result<u64> {
        let dir = self.machine_dir(&e.machine);
        match std::fs::create_dir(&dir) {
            Ok(()) if self.fsync => File::open(self.root.join("executions"))?.sync_all()?,
            Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => return Err(err),
            _ => {}
        }
        self.append(e)
    }

    /// Stores an execution record (a new line in the index); `durable` forces it to disk
    /// before returning when the store syncs (a stop or a redrive must survive a crash; an
    /// end is also in the event log, which the engine synced).
    pub fn put_execution(&self, e: &ExecutionRecord, durable: bool) -> std::io::Result<()> {
        let ticket = self.append(e)?;
        if durable {
            self.sync(ticket)?;
        }
        Ok(())
    }

    /// Appends a record to the index; returns its ticket (the number of lines written).
    fn append(&self, e: &ExecutionRecord) -> std::io::Result<u64> {
        let mut line = serde_json::to_vec(e)?;
        line.push(b'\n');
        let mut ix = self.index.lock().unwrap_or_else(|p| p.into_inner());
        // One write: a process killed in the middle leaves a torn last line, which the next
        // start drops (the operation it recorded had not answered). A write that fails part
        // way (a full disk) is cut off, so the next line does not continue it.
        if let Err(e) = ix.file.write_all(&line) {
            let _ = ix.file.set_len(ix.len);
            return Err(e);
        }
        ix.len = ix.len.saturating_add(line.len() as u64);
        ix.written = ix.written.saturating_add(1);
        Ok(ix.written)
    }

    /// With `fsync`, forces the index to stable storage up to the line of `ticket` (and
    /// every line written before the flush starts: one flush serves every writer waiting
    /// for it). Without, nothing to do: the line reached the operating system when written.
    pub fn sync(&self, ticket: u64) -> std::io::Result<()> {
        if !self.fsync {
            return Ok(());
        }
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        if synced.0 >= ticket {
            return Ok(());
        }
        let upto = self.index.lock().unwrap_or_else(|p| p.into_inner()).written;
        synced.1.sync_data()?;
        synced.0 = upto;
        Ok(())
    }

    /// Every stored state machine.
    pub fn machines(&self) -> Result<Vec<MachineRecord>, ServeError> {
        read_all(&self.root.join("machines"))
    }

    /// Every stored activity.
    pub fn activities(&self) -> Result<Vec<ActivityRecord>, ServeError> {
        read_all(&self.root.join("activities"))
    }
}

/// The records of an index file, the last line of each execution winning, and whether the
/// file should be rewritten (it holds older lines, or a torn last one).
fn read_index(path: &Path, bytes: &[u8]) -> Result<(Vec<ExecutionRecord>, bool), ServeError> {
    let mut records: Vec<ExecutionRecord> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    let mut lines = 0usize;
    let mut rest = bytes;
    let mut torn = false;
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            // An unterminated last line: the write of a killed process. What it recorded
            // had not been acknowledged.
            torn = true;
            break;
        };
        let (line, tail) = rest.split_at(end);
        rest = tail.get(1..).unwrap_or_default();
        lines = lines.saturating_add(1);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let r: ExecutionRecord = serde_json::from_slice(line).map_err(|e| ServeError::Record {
            path: format!("{}:{lines}", path.display()),
            message: e.to_string(),
        })?;
        match at.get(&(r.machine.clone(), r.name.clone())) {
            Some(&i) => {
                if let Some(slot) = records.get_mut(i) {
                    *slot = r;
                }
            }
            None => {
                at.insert((r.machine.clone(), r.name.clone()), records.len());
                records.push(r);
            }
        }
    }
    let rewrite = torn || lines != records.len();
    Ok((records, rewrite))
}

/// The execution records of a data directory written before the index: one folder per
/// execution with its `meta.json` and `log.jsonl`. Each log is moved to its place
/// ([`Store::log_path`]); the folders to remove once the index is written are added to
/// `folders`.
fn legacy_executions(
    root: &Path,
    folders: &mut Vec<PathBuf>,
) -> Result<Vec<ExecutionRecord>, ServeError> {
    let base = root.join("executions");
    let mut out = Vec::new();
    for machine in list_dir(&base)? {
        if !machine.is_dir() {
            continue;
        }
        for exec in list_dir(&machine)? {
            let meta = exec.join("meta.json");
            if !meta.is_file() {
                continue;
            }
            let rec: ExecutionRecord = read_record(&meta)?;
            let old = exec.join("log.jsonl");
            if old.is_file() {
                let new = base.join(&rec.machine).join(format!("{}.jsonl", rec.name));
                std::fs::rename(&old, &new).map_err(|e| dir_error(&old, e))?;
            }
            out.push(rec);
            folders.push(exec);
        }
    }
    Ok(out)
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, ServeError> {
    let rd = std::fs::read_dir(dir).map_err(|e| dir_error(dir, e))?;
    let mut out = Vec::new();
    for entry in rd {
        out.push(entry.map_err(|e| dir_error(dir, e))?.path());
    }
    out.sort();
    Ok(out)
}

fn read_record<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ServeError> {
    let bytes = std::fs::read(path).map_err(|e| dir_error(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| ServeError::Record {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn read_all<T: for<'de> Deserialize<'de>>(dir: &Path) -> Result<Vec<T>, ServeError> {
    list_dir(dir)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| read_record(&p))
        .collect()
}

fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Replaces `path` with the JSON of `value`: a temporary file in the same folder, renamed over
/// it, so a reader (or a crash) sees the old record or the new one, never a mix.
pub fn write_atomic<T: Serialize>(path: &Path, value: &T, durable: bool) -> std::io::Result<()> {
    replace_file(path, &serde_json::to_vec(value)?, durable)
}

/// Replaces `path` with `bytes` as [`write_atomic`] does; `durable` forces the new content
/// and the rename to stable storage.
fn replace_file(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_data()?;
        }
    }
    std::fs::rename(&tmp, path)?;
    if durable && let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
impl ExecutionRecord {
    /// A record of the execution `name` of `machine`, started at 1 ms, with `status` and
    /// nothing else set: the starting point of the store's and the service's tests.
    pub(crate) fn for_test(machine: &str, name: &str, status: &str) -> Self {
        ExecutionRecord {
            name: name.into(),
            machine: machine.into(),
            machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
            version_arn: None,
            alias_arn: None,
            definition: "{}".into(),
            role_arn: "r".into(),
            input: "{}".into(),
            start_ms: 1,
            status: status.into(),
            stop_ms: None,
            output: None,
            error: None,
            cause: None,
            parent: None,
            test_case: None,
            redrive_count: 0,
            redrive_ms: None,
            map_runs: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(machine: &str, name: &str, status: &str) -> ExecutionRecord {
        ExecutionRecord::for_test(machine, name, status)
    }

    fn statuses(mut v: Vec<ExecutionRecord>) -> Vec<(String, String)> {
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v.into_iter().map(|r| (r.name, r.status)).collect()
    }

    fn index_lines(root: &Path) -> usize {
        std::fs::read_to_string(root.join(INDEX))
            .unwrap()
            .lines()
            .count()
    }

    #[test]
    fn the_last_line_of_an_execution_is_its_record_and_a_start_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let (s, none) = Store::open(dir.path(), false).unwrap();
        assert!(none.is_empty());
        s.create_execution(&rec("m", "a", "RUNNING")).unwrap();
        s.create_execution(&rec("m", "b", "RUNNING")).unwrap();
        s.put_execution(&rec("m", "a", "SUCCEEDED"), false).unwrap();
        assert!(s.machine_dir("m").is_dir());
        assert_eq!(index_lines(dir.path()), 3);
        drop(s);
        let (_, got) = Store::open(dir.path(), true).unwrap();
        assert_eq!(
            statuses(got),
            [
                ("a".into(), "SUCCEEDED".into()),
                ("b".into(), "RUNNING".into())
            ]
        );
        assert_eq!(index_lines(dir.path()), 2);
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = Store::open(dir.path(), false).unwrap();
        s.create_execution(&rec("m", "a", "RUNNING")).unwrap();
        drop(s);
        let whole = serde_json::to_string(&rec("m", "a", "SUCCEEDED")).unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(INDEX))
            .unwrap();
        f.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        drop(f);
        let (s, got) = Store::open(dir.path(), false).unwrap();
        assert_eq!(statuses(got), [("a".into(), "RUNNING".into())]);
        // The next line starts on a line of its own.
        s.put_execution(&rec("m", "a", "FAILED"), false).unwrap();
        drop(s);
        let (_, got) = Store::open(dir.path(), false).unwrap();
        assert_eq!(statuses(got), [("a".into(), "FAILED".into())]);
    }

    #[test]
    fn a_damaged_complete_line_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = Store::open(dir.path(), false).unwrap();
        s.create_execution(&rec("m", "a", "RUNNING")).unwrap();
        drop(s);
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(INDEX))
            .unwrap();
        f.write_all(b"{\"name\": 3}\n").unwrap();
        drop(f);
        let e = Store::open(dir.path(), false).unwrap_err().to_string();
        assert!(e.contains("executions.jsonl:2"), "{e}");
    }

    #[test]
    fn a_data_directory_with_a_folder_per_execution_is_indexed_and_its_logs_moved() {
        let dir = tempfile::tempdir().unwrap();
        let e = dir.path().join("executions").join("m").join("old");
        std::fs::create_dir_all(&e).unwrap();
        write_atomic(&e.join("meta.json"), &rec("m", "old", "SUCCEEDED"), false).unwrap();
        std::fs::write(e.join("log.jsonl"), "the log\n").unwrap();
        let (s, got) = Store::open(dir.path(), false).unwrap();
        assert_eq!(statuses(got), [("old".into(), "SUCCEEDED".into())]);
        assert_eq!(index_lines(dir.path()), 1);
        assert_eq!(
            std::fs::read_to_string(s.log_path("m", "old")).unwrap(),
            "the log\n"
        );
        assert!(!e.exists());
        // Indexed once: the index is what counts from then on.
        let (_, got) = Store::open(dir.path(), false).unwrap();
        assert_eq!(statuses(got), [("old".into(), "SUCCEEDED".into())]);
    }
}
