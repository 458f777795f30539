//! `nexus deploy FILE`: lint (errors refuse the deploy), export NEXUS to ASL, then create or
//! update the state machine on AWS Step Functions, publish a version and point an alias at
//! it (optionally as a canary). Idempotent: what is deployed is read first and compared with
//! what would be sent (definitions as JSON values, settings field by field), and only the
//! difference is written; `--dry-run` prints that difference and writes nothing.
//!
//! Settings come from flags, else the `[deploy.<name>]` section of nexus.toml, so CI can run
//! `nexus deploy` with none. The AWS calls live in [`aws`] (cargo feature `aws`); everything
//! here (settings, the plan, its rendering) is plain data, tested without AWS.
//!
//! Exit codes: 0 deployed (or nothing to do), 1 lint errors refused the deploy, 2 anything
//! else (bad settings, every AWS error), with what was already changed said plainly.

mod aws;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde_json::{Value, json};

use nexus_schema::{DocKind, Document, Severity};

use crate::lint_cmd::{FileReport, RunReport};

#[derive(Debug, Default, Args)]
pub struct DeployArgs {
    /// The workflow (NEXUS YAML or ASL). Without it, every `[deploy.<name>]` section of
    /// nexus.toml that names a `file` is deployed.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,

    /// Which workflow of FILE when it holds several (its `name`), and which
    /// `[deploy.<name>]` section of nexus.toml applies.
    #[arg(long, value_name = "NAME")]
    pub machine: Option<String>,

    /// The state machine's name [default: the nexus.toml section's, else the workflow's
    /// `name` when it is a valid machine name, else the file name without extensions].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The IAM role the state machine runs as (needed to create it).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// The machine type (fixed at creation: Step Functions cannot change it).
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub machine_type: Option<crate::args::MachineTypeArg>,

    /// Execution logging to CloudWatch Logs: ALL, ERROR, FATAL or OFF.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,

    /// The CloudWatch Logs log group (ARN ending in `:*`) the logs go to; needed unless the
    /// level is OFF.
    #[arg(long, value_name = "ARN")]
    pub log_group_arn: Option<String>,

    /// Include execution input, output and state data in the logs.
    #[arg(long)]
    pub include_execution_data: bool,

    /// Turn AWS X-Ray tracing on (`--tracing`) or off (`--tracing=false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tracing: Option<bool>,

    /// Encrypt with this customer managed KMS key (ARN, key id or alias); `aws-owned` goes
    /// back to the AWS owned key.
    #[arg(long, value_name = "KEY")]
    pub kms_key_id: Option<String>,

    /// How long Step Functions reuses a data key of the KMS key (60 to 900 seconds).
    #[arg(long, value_name = "SECONDS", requires = "kms_key_id")]
    pub kms_data_key_reuse_period_seconds: Option<i32>,

    /// A tag KEY=VALUE (repeatable). Tags are added or changed, never removed.
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,

    /// Publish a version of what was deployed (reused when the current revision already is
    /// one).
    #[arg(long)]
    pub publish: bool,

    /// The description of the published version.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Point alias NAME at the published version (implies --publish); `NAME=new:PERCENT`
    /// sends PERCENT of the executions to the new version and the rest to the version the
    /// alias pointed at before (a canary).
    #[arg(long, value_name = "NAME[=new:PERCENT]")]
    pub alias: Option<String>,

    /// Show what would change (a diff of definition and settings); change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output: human text, or one JSON document for scripts.
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: DeployFormat,

    /// AWS region [default: AWS_REGION, the profile's, ...].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Named profile of the shared AWS config and credentials files [default: AWS_PROFILE].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Step Functions endpoint, e.g. `nexus serve` or LocalStack [default:
    /// AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL, the profile's, else AWS].
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// The configuration file [default: nexus.toml or .nexus.toml, searched upwards from
    /// FILE or the current directory].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DeployFormat {
    #[default]
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    #[value(name = "ALL")]
    All,
    #[value(name = "ERROR")]
    Error,
    #[value(name = "FATAL")]
    Fatal,
    #[value(name = "OFF")]
    Off,
}

impl LogLevel {
    fn as_str(self) -> &'static str {
        match self {
            LogLevel::All => "ALL",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
            LogLevel::Off => "OFF",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "ALL" => LogLevel::All,
            "ERROR" => LogLevel::Error,
            "FATAL" => LogLevel::Fatal,
            "OFF" => LogLevel::Off,
            _ => return None,
        })
    }
}

/// A `[deploy.<name>]` section of nexus.toml; `<name>` is the machine's default name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploySection {
    /// The workflow file, relative to the configuration file.
    pub file: Option<PathBuf>,
    /// The workflow within the file when it holds several.
    pub machine: Option<String>,
    pub name: Option<String>,
    pub role_arn: Option<String>,
    #[serde(rename = "type")]
    pub machine_type: Option<String>,
    pub log_level: Option<String>,
    pub log_group_arn: Option<String>,
    pub include_execution_data: Option<bool>,
    pub tracing: Option<bool>,
    pub kms_key_id: Option<String>,
    pub kms_data_key_reuse_period_seconds: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub publish: Option<bool>,
    pub description: Option<String>,
    pub alias: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// The files the `[deploy.<name>]` sections of nexus.toml name, so that `nexus lint` shows
/// the policies of those files the settings they are deployed with.
#[derive(Debug, Default)]
pub struct SectionFiles {
    /// (canonical file, section name, section).
    files: Vec<(PathBuf, String, DeploySection)>,
}

impl SectionFiles {
    pub fn new(config: &crate::config::Config) -> Self {
        let base = config
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let files = config
            .deploy
            .iter()
            .filter_map(|(name, s)| {
                let f = std::fs::canonicalize(base.join(s.file.as_ref()?)).ok()?;
                Some((f, name.clone(), s.clone()))
            })
            .collect();
        Self { files }
    }

    /// Give the workflows of `path` (not those of a template, which has its own settings)
    /// the deployment settings of the section that names it. A section whose values are
    /// wrong is left for `nexus deploy` to report.
    pub fn attach(&self, path: &Path, loaded: &mut nexus_schema::source::LoadedSource) {
        if self.files.is_empty() {
            return;
        }
        let Ok(path) = std::fs::canonicalize(path) else {
            return;
        };
        for (file, name, section) in &self.files {
            if *file != path {
                continue;
            }
            for doc in &mut loaded.documents {
                let named = doc.raw.get("name").and_then(Value::as_str);
                if doc.deployment.is_some()
                    || section.machine.as_deref().is_some_and(|m| Some(m) != named)
                {
                    continue;
                }
                let display = doc.path.clone();
                if let Ok(d) = settings(&DeployArgs::default(), section, Some(name), doc, &display)
                {
                    doc.deployment = Some(Arc::new(d.policy_view()));
                }
            }
        }
    }
}

/// Why a deploy stopped: refused by lint (exit 1) or failed (exit 2).
#[derive(Debug)]
pub enum Failure {
    Refused,
    Error(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Error(s)
    }
}

/// Where and how to reach Step Functions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// An alias to point at the published version: all of it, or `weight` percent as a canary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasSpec {
    pub name: String,
    /// Percent of executions routed to the new version (1..=100).
    pub weight: u8,
}

impl AliasSpec {
    /// `NAME` or `NAME=new:PERCENT`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "--alias {s:?}: use NAME (all executions to the new version) or NAME=new:PERCENT (a canary, PERCENT from 1 to 100)"
            )
        };
        let (name, weight) = match s.split_once('=') {
            None => (s, 100),
            Some((name, route)) => {
                let pct = route.strip_prefix("new:").ok_or_else(bad)?;
                let w: u8 = pct.trim_end_matches('%').parse().map_err(|_| bad())?;
                if !(1..=100).contains(&w) {
                    return Err(bad());
                }
                (name, w)
            }
        };
        if !valid_name(name) || name.parse::<u64>().is_ok() {
            return Err(format!(
                "--alias {s:?}: an alias name has 1 to 80 letters, digits, `-` or `_`, and is not a number"
            ));
        }
        Ok(Self {
            name: name.to_string(),
            weight,
        })
    }
}

/// What one deployment should end with.
#[derive(Clone, Debug)]
pub struct Desired {
    /// The workflow file, for messages.
    pub file: String,
    pub name: String,
    /// The ASL definition.
    pub definition: Value,
    pub role_arn: Option<String>,
    /// `STANDARD` or `EXPRESS`.
    pub machine_type: &'static str,
    /// `loggingConfiguration` in the API's shape, when asked for.
    pub logging: Option<Value>,
    /// `tracingConfiguration`, when asked for.
    pub tracing: Option<Value>,
    /// `encryptionConfiguration`, when asked for.
    pub encryption: Option<Value>,
    pub tags: BTreeMap<String, String>,
    pub publish: bool,
    pub description: Option<String>,
    pub alias: Option<AliasSpec>,
    pub connection: Connection,
}

impl Desired {
    /// The definition as sent: pretty JSON, keys in document order.
    pub fn definition_text(&self) -> String {
        nexus_migrate::pretty(&self.definition)
    }

    /// The settings as the policy input's `deployment` (`nexus_schema::deployment`).
    pub fn policy_view(&self) -> Value {
        let cap = |v: &Option<Value>| v.as_ref().map_or(Value::Null, capitalise);
        json!({
            "Source": nexus_schema::deployment::Origin::Config.as_str(),
            "Pointer": Value::Null,
            "Type": self.machine_type,
            "RoleArn": self.role_arn,
            "Role": Value::Null,
            "LoggingConfiguration": cap(&self.logging),
            "TracingConfiguration": cap(&self.tracing),
            "EncryptionConfiguration": cap(&self.encryption),
        })
    }
}

/// The API's camelCase member names → CloudFormation's PascalCase (`logGroupArn` →
/// `LogGroupArn`), recursively.
fn capitalise(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = c
                        .next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default();
                    (key, capitalise(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(capitalise).collect()),
        other => other.clone(),
    }
}

/// A version of the machine, as far as deploy needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionInfo {
    pub arn: String,
    pub definition: String,
    pub role_arn: String,
    pub revision_id: Option<String>,
}

/// What is deployed now.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployed {
    pub arn: String,
    pub definition: String,
    pub role_arn: String,
    pub machine_type: String,
    pub logging: Value,
    pub tracing: Value,
    pub encryption: Value,
    pub revision_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The newest published version.
    pub latest_version: Option<VersionInfo>,
    /// The alias asked for, when it exists: (version ARN, weight) pairs.
    pub alias: Option<Vec<(String, u8)>>,
}

/// One setting that changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The API member (`roleArn`, `loggingConfiguration`, ...).
    pub field: &'static str,
    pub before: Value,
    pub after: Value,
}

/// A version an alias routes to: the one this deploy publishes, or an existing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionRef {
    New,
    Existing(String),
}

/// What publishing does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publish {
    No,
    /// The current revision is published already: that version is used.
    Reuse(String),
    /// A new version is published (with the create/update when there is one).
    New,
}

/// What happens to the alias.
#[derive(Clone, Debug, PartialEq)]
pub struct AliasPlan {
    pub name: String,
    pub exists: bool,
    pub before: Vec<(String, u8)>,
    pub after: Vec<(VersionRef, u8)>,
    /// Whether anything changes.
    pub change: bool,
    /// Something the user should know (a canary with nothing to compare against).
    pub note: Option<String>,
}

/// Everything one deployment would do.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub create: bool,
    pub changes: Vec<Change>,
    /// Unified diff of the deployed and the new definition (pretty JSON), when they differ.
    pub definition_diff: Option<String>,
    /// Tags to add or change.
    pub tags: BTreeMap<String, String>,
    pub publish: Publish,
    pub alias: Option<AliasPlan>,
}

impl Plan {
    /// Whether anything at all would be written.
    pub fn is_noop(&self) -> bool {
        !self.create
            && self.changes.is_empty()
            && self.tags.is_empty()
            && !matches!(self.publish, Publish::New)
            && self.alias.as_ref().is_none_or(|a| !a.change)
    }
}

/// Whether every member `want` sets is the same in `have` (objects recursively; arrays of
/// the same length, element by element). Settings left out keep the deployed value.
fn covers(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| covers(h.get(k).unwrap_or(&Value::Null), wv)),
        (Value::Array(h), Value::Array(w)) => {
            h.len() == w.len() && h.iter().zip(w).all(|(h, w)| covers(h, w))
        }
        (h, w) => h == w,
    }
}

/// Compare `desired` with `deployed` (`None`: no machine of that name) and say what to do.
pub fn plan(desired: &Desired, deployed: Option<&Deployed>) -> Result<Plan, String> {
    let wants_version = desired.publish || desired.alias.is_some();
    let Some(d) = deployed else {
        if desired.role_arn.is_none() {
            return Err(format!(
                "creating state machine `{}` needs an execution role: give --role-arn (or `role_arn` in [deploy.{}] of nexus.toml)",
                desired.name, desired.name
            ));
        }
        let alias = desired
            .alias
            .as_ref()
            .map(|a| alias_plan(a, None, &VersionRef::New));
        return Ok(Plan {
            create: true,
            changes: Vec::new(),
            definition_diff: None,
            tags: BTreeMap::new(),
            publish: if wants_version {
                Publish::New
            } else {
                Publish::No
            },
            alias,
        });
    };
    if d.machine_type != desired.machine_type {
        return Err(format!(
            "state machine `{}` is {} and cannot become {}: Step Functions fixes the type at creation (delete it first, or deploy under another --name)",
            desired.name, d.machine_type, desired.machine_type
        ));
    }
    let mut changes = Vec::new();
    let deployed_def: Option<Value> = serde_json::from_str(&d.definition).ok();
    let mut definition_diff = None;
    if deployed_def.as_ref() != Some(&desired.definition) {
        let before = deployed_def
            .as_ref()
            .map_or_else(|| d.definition.clone(), nexus_migrate::pretty);
        definition_diff = Some(unified_diff(
            &before,
            &desired.definition_text(),
            &desired.file,
        ));
        changes.push(Change {
            field: "definition",
            before: Value::Null,
            after: Value::Null,
        });
    }
    if let Some(role) = &desired.role_arn
        && *role != d.role_arn
    {
        changes.push(Change {
            field: "roleArn",
            before: d.role_arn.clone().into(),
            after: role.clone().into(),
        });
    }
    for (field, have, want) in [
        ("loggingConfiguration", &d.logging, &desired.logging),
        ("tracingConfiguration", &d.tracing, &desired.tracing),
        (
            "encryptionConfiguration",
            &d.encryption,
            &desired.encryption,
        ),
    ] {
        if let Some(want) = want
            && !covers(have, want)
        {
            changes.push(Change {
                field,
                before: have.clone(),
                after: want.clone(),
            });
        }
    }
    let tags: BTreeMap<String, String> = desired
        .tags
        .iter()
        .filter(|(k, v)| d.tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let publish = if !wants_version {
        Publish::No
    } else if !changes.is_empty() {
        Publish::New
    } else {
        match &d.latest_version {
            Some(v) if version_is_current(v, d) => Publish::Reuse(v.arn.clone()),
            _ => Publish::New,
        }
    };
    let new_ref = match &publish {
        Publish::Reuse(arn) => VersionRef::Existing(arn.clone()),
        _ => VersionRef::New,
    };
    let alias = desired
        .alias
        .as_ref()
        .map(|a| alias_plan(a, d.alias.as_deref(), &new_ref));
    Ok(Plan {
        create: false,
        changes,
        definition_diff,
        tags,
        publish,
        alias,
    })
}

/// Whether version `v` froze the machine's current revision (same revision id where both
/// have one, else the same definition and role).
fn version_is_current(v: &VersionInfo, d: &Deployed) -> bool {
    if let (Some(a), Some(b)) = (&v.revision_id, &d.revision_id) {
        return a == b;
    }
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
    v.role_arn == d.role_arn
        && parse(&v.definition).is_some()
        && parse(&v.definition) == parse(&d.definition)
}

fn alias_plan(spec: &AliasSpec, before: Option<&[(String, u8)]>, new: &VersionRef) -> AliasPlan {
    let before_list: Vec<(String, u8)> = before.map(<[_]>::to_vec).unwrap_or_default();
    let is_new = |arn: &str| matches!(new, VersionRef::Existing(a) if a == arn);
    let mut note = None;
    let after = if spec.weight == 100 {
        vec![(new.clone(), 100)]
    } else {
        // The version that keeps the rest: the alias's heaviest route that is not the new one.
        let mut old: Vec<&(String, u8)> = before_list.iter().filter(|(a, _)| !is_new(a)).collect();
        old.sort_by_key(|r| std::cmp::Reverse(r.1));
        match old.first() {
            Some((arn, _)) => vec![
                (VersionRef::Existing(arn.clone()), 100 - spec.weight),
                (new.clone(), spec.weight),
            ],
            None => {
                note = Some(format!(
                    "alias `{}` has no earlier version to keep {}% of the executions, so all of them go to the new version",
                    spec.name,
                    100 - spec.weight
                ));
                vec![(new.clone(), 100)]
            }
        }
    };
    let same = before.is_some_and(|b| {
        let mut have: Vec<(String, u8)> = b.to_vec();
        let mut want: Vec<(String, u8)> = after
            .iter()
            .filter_map(|(r, w)| match r {
                VersionRef::Existing(a) => Some((a.clone(), *w)),
                VersionRef::New => None,
            })
            .collect();
        if want.len() != after.len() {
            return false;
        }
        have.sort();
        want.sort();
        have == want
    });
    AliasPlan {
        name: spec.name.clone(),
        exists: before.is_some(),
        before: before_list,
        after,
        change: !same,
        note,
    }
}

fn unified_diff(before: &str, after: &str, file: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header("deployed", file)
        .to_string()
}

/// A Step Functions name: 1 to 80 characters, letters, digits, `-` and `_`.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What a finished (or failed) deployment reports.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub arn: Option<String>,
    pub version_arn: Option<String>,
    /// Steps completed, in order (`created`, `updated`, `tagged`, `published version`,
    /// `alias ... updated`).
    pub done: Vec<String>,
    /// The final alias routing (version ARN, weight).
    pub alias_routing: Vec<(String, u8)>,
    pub alias_arn: Option<String>,
}

/// One deployment: the plan, and (unless a dry run) its outcome or failure.
struct Report {
    desired: Desired,
    plan: Option<Plan>,
    outcome: Outcome,
    error: Option<String>,
}

pub fn run(args: &DeployArgs) -> u8 {
    match run_inner(args) {
        Ok(code) => code,
        Err(Failure::Refused) => 1,
        Err(Failure::Error(e)) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn run_inner(args: &DeployArgs) -> Result<u8, Failure> {
    if !aws::AVAILABLE {
        return Err(Failure::Error(aws::MISSING.to_string()));
    }
    let start = args
        .file
        .as_deref()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("."));
    let config_file = crate::config::find(args.config.as_deref(), &start);
    let config = crate::config::load(config_file.as_deref()).map_err(|e| e.to_string())?;
    let base = config_file
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let jobs = jobs(args, &config.deploy, &base)?;
    let setup = crate::policy_cmd::setup(
        &crate::policy_cmd::PolicyFlags {
            config: config_file.clone(),
            ..Default::default()
        },
        &[],
    )?;
    let mut reports = Vec::new();
    let mut code = 0;
    for (file, section_name, section) in jobs {
        let desired = match prepare(
            args,
            &file,
            section_name.as_deref(),
            &section,
            &setup.options,
        ) {
            Ok(d) => d,
            Err(Failure::Refused) => {
                code = code.max(1);
                continue;
            }
            Err(Failure::Error(e)) => return Err(Failure::Error(e)),
        };
        let mut report = Report {
            desired,
            plan: None,
            outcome: Outcome::default(),
            error: None,
        };
        match aws::deploy(&report.desired, args.dry_run) {
            Ok((plan, outcome)) => {
                report.plan = Some(plan);
                report.outcome = outcome;
            }
            Err((plan, outcome, e)) => {
                report.plan = plan;
                report.outcome = outcome;
                report.error = Some(e);
                code = 2;
            }
        }
        reports.push(report);
    }
    render(args, &reports);
    Ok(code)
}

/// The deployments to run: (file, section name, section), flags not yet applied.
fn jobs(
    args: &DeployArgs,
    sections: &BTreeMap<String, DeploySection>,
    base: &Path,
) -> Result<Vec<(String, Option<String>, DeploySection)>, String> {
    let section_file = |s: &DeploySection| s.file.as_ref().map(|f| base.join(f));
    let same_file = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b))
    {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    match (&args.file, &args.machine) {
        (Some(file), machine) => {
            let by_key = machine.as_ref().and_then(|m| sections.get_key_value(m));
            let chosen = match by_key {
                Some((k, s)) => Some((k.clone(), s.clone())),
                None => {
                    let matching: Vec<(&String, &DeploySection)> = sections
                        .iter()
                        .filter(|(_, s)| {
                            section_file(s).is_some_and(|f| same_file(&f, Path::new(file)))
                        })
                        .filter(|(_, s)| {
                            machine.is_none() || s.machine.as_ref() == machine.as_ref()
                        })
                        .collect();
                    match matching.as_slice() {
                        [] => None,
                        [(k, s)] => Some(((*k).clone(), (*s).clone())),
                        many => {
                            return Err(format!(
                                "{file} is named by several [deploy.*] sections of nexus.toml ({}); pick one with --machine NAME",
                                many.iter()
                                    .map(|(k, _)| k.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                    }
                }
            };
            Ok(vec![match chosen {
                Some((k, s)) => (file.clone(), Some(k), s),
                None => (file.clone(), None, DeploySection::default()),
            }])
        }
        (None, Some(machine)) => {
            let s = sections.get(machine).ok_or_else(|| {
                format!("no FILE given and nexus.toml has no [deploy.{machine}] section")
            })?;
            let f = section_file(s).ok_or_else(|| {
                format!("[deploy.{machine}] of nexus.toml names no `file` (or give FILE)")
            })?;
            Ok(vec![(
                f.display().to_string(),
                Some(machine.clone()),
                s.clone(),
            )])
        }
        (None, None) => {
            if sections.is_empty() {
                return Err(
                    "nothing to deploy: give a FILE, or add a [deploy.<name>] section with a `file` to nexus.toml"
                        .into(),
                );
            }
            sections
                .iter()
                .map(|(k, s)| {
                    let f = section_file(s)
                        .ok_or_else(|| format!("[deploy.{k}] of nexus.toml names no `file`"))?;
                    Ok((f.display().to_string(), Some(k.clone()), s.clone()))
                })
                .collect()
        }
    }
}

/// Settings (flags over the section), then load, lint and export the workflow.
fn prepare(
    args: &DeployArgs,
    file: &str,
    section_name: Option<&str>,
    section: &DeploySection,
    options: &nexus_lint::LintOptions,
) -> Result<Desired, Failure> {
    let display = file.strip_prefix("./").unwrap_or(file).to_string();
    let text: Arc<str> = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {display}: {e}"))?
        .into();
    let loaded = nexus_schema::source::load_source(&display, text.clone());
    let machine = args.machine.clone().or_else(|| section.machine.clone());
    let doc = pick(&display, &loaded.documents, machine.as_deref())?;
    let settings = settings(args, section, section_name, doc, &display)?;
    // Lint what is deployed, with its deployment settings visible to the policies.
    let mut doc = doc.clone();
    doc.deployment = Some(Arc::new(settings.policy_view()));
    let one = nexus_schema::source::LoadedSource {
        documents: vec![doc.clone()],
        diagnostics: loaded.diagnostics.clone(),
        ..Default::default()
    };
    let findings = nexus_lint::lint_file(&display, text, &one, true, options);
    let errors = findings
        .iter()
        .flat_map(|f| &f.diagnostics)
        .any(|d| d.severity == Severity::Error);
    let shown: Vec<FileReport> = findings
        .into_iter()
        .map(|f| FileReport {
            path: f.path,
            source: f.source,
            kind: f.kind,
            diagnostics: f.diagnostics,
            io_error: None,
            suppressed: f.suppressed,
            via_template: f.via_template,
        })
        .collect();
    if shown.iter().any(|f| !f.diagnostics.is_empty()) {
        let run = RunReport { files: shown };
        let color = {
            use std::io::IsTerminal;
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        };
        eprint!(
            "{}",
            crate::report::render(
                crate::args::Format::Human,
                &run,
                color,
                Some(Severity::Error)
            )
        );
    }
    if errors {
        eprintln!("error: {display}: lint errors (above) refuse the deploy; nothing was deployed");
        return Err(Failure::Refused);
    }
    let definition = match doc.kind {
        DocKind::Asl => (*doc.asl).clone(),
        DocKind::Nexus => match nexus_migrate::export(&doc.raw) {
            Ok(e) => e.asl,
            Err(ds) => {
                let msgs: Vec<String> = ds
                    .iter()
                    .map(|d| format!("{}: {}", d.code, d.message))
                    .collect();
                return Err(Failure::Error(format!(
                    "{display}: cannot export to ASL: {}",
                    msgs.join("; ")
                )));
            }
        },
    };
    Ok(Desired {
        definition,
        ..settings
    })
}

/// The workflow of the file to deploy.
fn pick<'a>(
    display: &str,
    docs: &'a [Document],
    machine: Option<&str>,
) -> Result<&'a Document, String> {
    if docs.iter().any(Document::from_template) {
        return Err(format!(
            "{display} is a CloudFormation/SAM/Serverless template: deploy it with its own tool (its `${{...}}` substitutions are filled in then); `nexus lint` checks it, deployment settings included"
        ));
    }
    let name_of = |d: &Document| {
        d.raw
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| d.label.clone())
    };
    match (docs, machine) {
        ([], _) => Err(format!(
            "{display} holds no workflow (an ASL state machine has `StartAt` and `States`, a NEXUS workflow `version` and `states`)"
        )),
        ([one], None) => Ok(one),
        (_, Some(m)) => docs
            .iter()
            .find(|d| name_of(d).as_deref() == Some(m))
            .or_else(|| (docs.len() == 1).then(|| &docs[0]))
            .ok_or_else(|| format!("{display} holds no workflow named `{m}`")),
        (many, None) => Err(format!(
            "{display} holds {} workflows; pick one with --machine NAME ({})",
            many.len(),
            many.iter()
                .filter_map(name_of)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Flags over the nexus.toml section over defaults. The definition is filled in later.
fn settings(
    args: &DeployArgs,
    section: &DeploySection,
    section_name: Option<&str>,
    doc: &Document,
    display: &str,
) -> Result<Desired, String> {
    let where_ = |key: &str| match section_name {
        Some(s) => format!("`{key}` of [deploy.{s}]"),
        None => format!("--{}", key.replace('_', "-")),
    };
    let name = match args.name.clone().or_else(|| section.name.clone()) {
        Some(n) => n,
        None => section_name
            .map(str::to_string)
            .or_else(|| {
                doc.raw
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| valid_name(n))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| {
                Path::new(display)
                    .file_name()
                    .map(|f| f.to_string_lossy().to_string())
                    .unwrap_or_default()
                    .split('.')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }),
    };
    if !valid_name(&name) {
        return Err(format!(
            "`{name}` is not a valid state machine name (1 to 80 letters, digits, `-` or `_`): give --name"
        ));
    }
    let machine_type = match (args.machine_type, section.machine_type.as_deref()) {
        (Some(crate::args::MachineTypeArg::Express), _) => "EXPRESS",
        (Some(crate::args::MachineTypeArg::Standard), _) => "STANDARD",
        (None, Some(t)) if t.eq_ignore_ascii_case("express") => "EXPRESS",
        (None, Some(t)) if t.eq_ignore_ascii_case("standard") => "STANDARD",
        (None, Some(t)) => {
            return Err(format!(
                "{} = {t:?}: use \"standard\" or \"express\"",
                where_("type")
            ));
        }
        (None, None) => "STANDARD",
    };
    let level = match (args.log_level, section.log_level.as_deref()) {
        (Some(l), _) => Some(l),
        (None, Some(l)) => Some(LogLevel::parse(l).ok_or_else(|| {
            format!(
                "{} = {l:?}: use ALL, ERROR, FATAL or OFF",
                where_("log_level")
            )
        })?),
        (None, None) => None,
    };
    let group = args
        .log_group_arn
        .clone()
        .or_else(|| section.log_group_arn.clone());
    let include = args.include_execution_data || section.include_execution_data == Some(true);
    let logging = match (level, &group) {
        (None, None) if !include => None,
        (None, _) => {
            return Err(
                "--log-group-arn and --include-execution-data need a log level: give --log-level ALL, ERROR or FATAL"
                    .into(),
            );
        }
        (Some(LogLevel::Off), _) => Some(json!({"level": "OFF", "includeExecutionData": include})),
        (Some(l), Some(g)) => Some(json!({
            "level": l.as_str(),
            "includeExecutionData": include,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": g}}],
        })),
        (Some(l), None) => {
            return Err(format!(
                "logging at level {} needs a CloudWatch Logs destination: give --log-group-arn (an `arn:aws:logs:...:log-group:NAME:*`)",
                l.as_str()
            ));
        }
    };
    let tracing = args
        .tracing
        .or(section.tracing)
        .map(|on| json!({"enabled": on}));
    let key = args
        .kms_key_id
        .clone()
        .or_else(|| section.kms_key_id.clone());
    let reuse = args
        .kms_data_key_reuse_period_seconds
        .or(section.kms_data_key_reuse_period_seconds);
    if let Some(r) = reuse
        && !(60..=900).contains(&r)
    {
        return Err(format!(
            "the KMS data key reuse period is {r} seconds: Step Functions accepts 60 to 900"
        ));
    }
    let encryption = key.map(|k| {
        if k == "aws-owned" {
            json!({"type": "AWS_OWNED_KEY"})
        } else {
            let mut e = json!({"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": k});
            if let Some(r) = reuse {
                e["kmsDataKeyReusePeriodSeconds"] = r.into();
            }
            e
        }
    });
    let mut tags = section.tags.clone();
    for t in &args.tags {
        let (k, v) = t
            .split_once('=')
            .ok_or_else(|| format!("--tag {t:?}: use KEY=VALUE"))?;
        if k.is_empty() {
            return Err(format!("--tag {t:?}: the key is empty"));
        }
        tags.insert(k.to_string(), v.to_string());
    }
    let alias = args
        .alias
        .as_deref()
        .or(section.alias.as_deref())
        .map(AliasSpec::parse)
        .transpose()?;
    let publish = args.publish || section.publish == Some(true) || alias.is_some();
    let pick = |flag: &Option<String>, sec: &Option<String>| flag.clone().or_else(|| sec.clone());
    Ok(Desired {
        file: display.to_string(),
        name,
        definition: Value::Null,
        role_arn: pick(&args.role_arn, &section.role_arn),
        machine_type,
        logging,
        tracing,
        encryption,
        tags,
        publish,
        description: pick(&args.description, &section.description),
        alias,
        connection: Connection {
            region: pick(&args.region, &section.region),
            profile: pick(&args.profile, &section.profile),
            endpoint_url: pick(&args.endpoint_url, &section.endpoint_url),
        },
    })
}

/// The version number at the end of a version ARN.
fn version_number(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

fn routing_text(routes: &[(String, u8)]) -> String {
    routes
        .iter()
        .map(|(a, w)| format!("version {} {w}%", version_number(a)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn planned_routing_text(routes: &[(VersionRef, u8)]) -> String {
    routes
        .iter()
        .map(|(r, w)| match r {
            VersionRef::New => format!("new version {w}%"),
            VersionRef::Existing(a) => format!("version {} {w}%", version_number(a)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn human(report: &Report, dry_run: bool) -> String {
    let d = &report.desired;
    let mut out = String::new();
    let Some(plan) = &report.plan else {
        return out;
    };
    if report.error.is_some() {
        // The error itself goes to standard error; here only what did happen.
        for step in &report.outcome.done {
            out.push_str(&format!("{}: {step}\n", d.file));
        }
        return out;
    }
    let target = report
        .outcome
        .arn
        .clone()
        .unwrap_or_else(|| format!("`{}`", d.name));
    let verb = |now: &str, would: &str| {
        if dry_run {
            would.to_string()
        } else {
            now.to_string()
        }
    };
    if plan.is_noop() {
        out.push_str(&format!(
            "{}: {target} is up to date; nothing {}\n",
            d.file,
            if dry_run { "would change" } else { "changed" }
        ));
    } else if plan.create {
        out.push_str(&format!(
            "{}: {} {} state machine {target}\n",
            d.file,
            verb("created", "would create"),
            d.machine_type
        ));
    } else if plan.changes.is_empty() {
        // Only tags, a version or the alias change: the machine itself is not updated.
        out.push_str(&format!("{}: {target} unchanged\n", d.file));
    } else {
        out.push_str(&format!(
            "{}: {} {target}\n",
            d.file,
            verb("updated", "would update")
        ));
    }
    for c in &plan.changes {
        if c.field == "definition" {
            continue;
        }
        out.push_str(&format!("  {}: {} -> {}\n", c.field, c.before, c.after));
    }
    for (k, v) in &plan.tags {
        out.push_str(&format!("  tag {k}={v}\n"));
    }
    if let Some(diff) = &plan.definition_diff {
        out.push_str("  definition:\n");
        for line in diff.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    match (&plan.publish, &report.outcome.version_arn) {
        (Publish::New, Some(v)) => {
            out.push_str(&format!("  published version {}: {v}\n", version_number(v)))
        }
        (Publish::New, None) => out.push_str(&format!(
            "  {} a new version\n",
            verb("publishes", "would publish")
        )),
        (Publish::Reuse(v), _) => out.push_str(&format!(
            "  version {} already holds this revision: {v}\n",
            version_number(v)
        )),
        (Publish::No, _) => {}
    }
    if let Some(a) = &plan.alias {
        if let Some(n) = &a.note {
            out.push_str(&format!("  note: {n}\n"));
        }
        if !a.change {
            out.push_str(&format!(
                "  alias {}: unchanged ({})\n",
                a.name,
                routing_text(&a.before)
            ));
        } else if !dry_run && !report.outcome.alias_routing.is_empty() {
            out.push_str(&format!(
                "  alias {} {}: {}\n",
                a.name,
                if a.exists { "updated" } else { "created" },
                routing_text(&report.outcome.alias_routing)
            ));
        } else {
            let before = if a.exists {
                format!("{} -> ", routing_text(&a.before))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "  alias {} {}: {before}{}\n",
                a.name,
                verb(
                    if a.exists { "update" } else { "create" },
                    if a.exists {
                        "would update"
                    } else {
                        "would create"
                    }
                ),
                planned_routing_text(&a.after)
            ));
        }
    }
    out
}

fn json_report(report: &Report) -> Value {
    let d = &report.desired;
    let plan = report.plan.as_ref();
    let action = match plan {
        None => "failed",
        Some(p) if p.create => "create",
        Some(p) if p.is_noop() => "none",
        Some(_) => "update",
    };
    json!({
        "file": d.file,
        "name": d.name,
        "type": d.machine_type,
        "arn": report.outcome.arn,
        "action": action,
        "changes": plan.map(|p| p.changes.iter().map(|c| json!({"field": c.field, "before": c.before, "after": c.after})).collect::<Vec<_>>()),
        "definition_diff": plan.and_then(|p| p.definition_diff.clone()),
        "tags": plan.map(|p| &p.tags),
        "version": plan.map(|p| match &p.publish {
            Publish::No => Value::Null,
            Publish::Reuse(a) => json!({"arn": a, "published": false}),
            Publish::New => json!({"arn": report.outcome.version_arn, "published": true}),
        }),
        "alias": plan.and_then(|p| p.alias.as_ref()).map(|a| json!({
            "name": a.name,
            "arn": report.outcome.alias_arn,
            "action": if !a.change { "none" } else if a.exists { "update" } else { "create" },
            "before": a.before.iter().map(|(v, w)| json!({"version_arn": v, "weight": w})).collect::<Vec<_>>(),
            "after": a.after.iter().map(|(v, w)| json!({"version_arn": match v { VersionRef::New => report.outcome.version_arn.clone(), VersionRef::Existing(x) => Some(x.clone()) }, "weight": w})).collect::<Vec<_>>(),
            "note": a.note,
        })),
        "done": report.outcome.done,
        "error": report.error,
    })
}

fn render(args: &DeployArgs, reports: &[Report]) {
    match args.format {
        DeployFormat::Json => {
            let doc = json!({
                "dry_run": args.dry_run,
                "deployments": reports.iter().map(json_report).collect::<Vec<_>>(),
            });
            crate::out::outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        DeployFormat::Human => {
            for r in reports {
                crate::out::out!("{}", human(r, args.dry_run));
            }
        }
    }
    for r in reports {
        if let Some(e) = &r.error {
            eprintln!("error: {}: {e}", r.desired.file);
        }
    }
}

#[cfg(test)]
mod tests;
