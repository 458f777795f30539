//! The data directory: one JSON record per state machine, activity and execution, each
//! replaced atomically (written to a temporary file, forced to disk, renamed), plus the
//! engine's hash-chained event log of each execution.
//!
//! ```text
//! <data-dir>/machines/<name>.json
//! <data-dir>/activities/<name>.json
//! <data-dir>/executions/<machine>/<execution>/meta.json   identity, input, status, result
//! <data-dir>/executions/<machine>/<execution>/log.jsonl   the event log (history + records)
//! ```
//!
//! The records are the index; the event log is the truth about a run. At start the service
//! reads every record back; an execution whose record still says `RUNNING` is resumed from its
//! log (see `service::Service::recover`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// The data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

fn dir_error(path: &Path, source: std::io::Error) -> ServeError {
    ServeError::DataDir {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    /// Opens (creating) the data directory.
    pub fn open(root: &Path) -> Result<Self, ServeError> {
        for sub in ["machines", "activities", "executions"] {
            let d = root.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| dir_error(&d, e))?;
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
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

    /// Folder of an execution.
    pub fn execution_dir(&self, machine: &str, name: &str) -> PathBuf {
        self.root.join("executions").join(machine).join(name)
    }

    /// The event log of an execution.
    pub fn log_path(&self, machine: &str, name: &str) -> PathBuf {
        self.execution_dir(machine, name).join("log.jsonl")
    }

    /// Stores a state machine.
    pub fn put_machine(&self, m: &MachineRecord) -> std::io::Result<()> {
        write_atomic(&self.machine_path(&m.name), m, true)
    }

    /// Removes a state machine record.
    pub fn delete_machine(&self, name: &str) -> std::io::Result<()> {
        remove(&self.machine_path(name))
    }

    /// Stores an activity.
    pub fn put_activity(&self, a: &ActivityRecord) -> std::io::Result<()> {
        write_atomic(&self.activity_path(&a.name), a, true)
    }

    /// Removes an activity record.
    pub fn delete_activity(&self, name: &str) -> std::io::Result<()> {
        remove(&self.activity_path(name))
    }

    /// Stores an execution record; `durable` forces it to disk before returning (a start
    /// must survive a crash; an end is also in the event log, which the engine synced).
    pub fn put_execution(&self, e: &ExecutionRecord, durable: bool) -> std::io::Result<()> {
        let dir = self.execution_dir(&e.machine, &e.name);
        std::fs::create_dir_all(&dir)?;
        write_atomic(&dir.join("meta.json"), e, durable)
    }

    /// Every stored state machine.
    pub fn machines(&self) -> Result<Vec<MachineRecord>, ServeError> {
        read_all(&self.root.join("machines"))
    }

    /// Every stored activity.
    pub fn activities(&self) -> Result<Vec<ActivityRecord>, ServeError> {
        read_all(&self.root.join("activities"))
    }

    /// Every stored execution (in no particular order).
    pub fn executions(&self) -> Result<Vec<ExecutionRecord>, ServeError> {
        let base = self.root.join("executions");
        let mut out = Vec::new();
        for machine in list_dir(&base)? {
            if !machine.is_dir() {
                continue;
            }
            for exec in list_dir(&machine)? {
                let meta = exec.join("meta.json");
                if meta.is_file() {
                    out.push(read_record(&meta)?);
                }
            }
        }
        Ok(out)
    }
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
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(&serde_json::to_vec(value)?)?;
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
