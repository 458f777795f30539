//! `nexus.toml` / `.nexus.toml`: which rules and policies run, at what severity, with which
//! data, what is excluded and what is suppressed. Found by walking up from the first path
//! given to `nexus lint` (or the current directory), or named with `--config`. Relative
//! paths inside it are relative to its own directory. `nexus init` writes [`DEFAULT`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use serde::Deserialize;

use nexus_lint::policy::{PolicyOptions, RegoVersion};
use nexus_lint::{ConfigSuppression, Selection};
use nexus_schema::Severity;

/// File names looked for, in order, in each directory.
pub const NAMES: &[&str] = &["nexus.toml", ".nexus.toml"];

/// The configuration `nexus init` writes.
pub const DEFAULT: &str = concat!(
    "# nexus configuration (",
    env!("CARGO_PKG_REPOSITORY"),
    "/blob/v",
    env!("CARGO_PKG_VERSION"),
    "/docs/policies.md)\n",
    r#"# Paths are relative to this file.

# Lowest severity that makes `nexus lint` exit with 1: "error", "warning" or "never".
# fail_on = "error"

# The state machine type the definitions are deployed as: "standard" or "express"
# (Express workflows reject .sync, .waitForTaskToken and activities). `--type` overrides it.
# type = "standard"

# Treat every definition as a CloudFormation/SAM/Terraform template source: a lone
# placeholder such as "${Timeout}" is then accepted where ASL wants a number or boolean.
# (Definitions found inside templates are template sources anyway.)
# template_source = false

# Files and directories (globs) that `nexus lint` skips.
# exclude = ["build/**", "**/node_modules/**"]

# Codes that run: codes, prefixes ("NX3" = every bundled policy) or rule names.
# select = []          # empty: everything
# ignore = []          # e.g. ["NX308"]

# Severity per code, prefix or name: "error", "warning", "info" or "off".
[severity]
# NX304 = "warning"
# task-without-timeout = "error"

[policy]
# Directories or files with Rego policies (conftest-style) and *.policies.yaml rule lists.
# paths = ["policy"]
# data = ["policy/data.yaml"]
# namespaces = ["main"]
# all_namespaces = false
# rego = "auto"         # "auto" detects per file, or "v0" / "v1"
# bundled = true        # the NX3xx best-practice pack
# timeout_ms = 5000     # longest one document's policies may run

# Settings of the bundled pack (visible to Rego as data.nexus.config).
[policy.settings]
# min_retries = 2
# max_wait_seconds = 86400
# state_changing_actions = ["(^|-)(create|update|delete|transfer|charge)(-|$)"]

# How `nexus deploy` deploys a machine (flags override; `nexus deploy` with no FILE deploys
# every section). The section name is the machine's name unless `name` says otherwise.
# [deploy.orders]
# file = "workflows/orders.nexus.yaml"
# role_arn = "arn:aws:iam::123456789012:role/orders"
# type = "standard"
# log_level = "ALL"                  # ALL, ERROR, FATAL or OFF
# log_group_arn = "arn:aws:logs:eu-west-1:123456789012:log-group:orders:*"
# include_execution_data = true
# tracing = true
# kms_key_id = "alias/orders"
# tags = { team = "payments" }
# publish = true
# alias = "live"                     # or "live=new:10": a canary with 10% on the new version
# region = "eu-west-1"

# Accepted findings. Each needs a reason; unused entries are reported.
# [[suppress]]
# code = "NX301"                    # or codes = ["NX301", "NX304"]
# path = "legacy/**/*.asl.json"     # optional glob
# pointer = "/States/PollLegacy"    # optional: the finding's pointer or an ancestor
# reason = "the legacy poller has its own watchdog"
"#
);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    fail_on: Option<String>,
    #[serde(rename = "type")]
    machine_type: Option<String>,
    #[serde(default)]
    template_source: bool,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    policy: RawPolicy,
    #[serde(default)]
    suppress: Vec<RawSuppress>,
    #[serde(default)]
    deploy: BTreeMap<String, crate::deploy_cmd::DeploySection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    paths: Vec<PathBuf>,
    #[serde(default)]
    data: Vec<PathBuf>,
    namespaces: Option<Vec<String>>,
    #[serde(default)]
    all_namespaces: bool,
    rego: Option<String>,
    bundled: Option<bool>,
    timeout_ms: Option<u64>,
    #[serde(default)]
    settings: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    code: Option<String>,
    #[serde(default)]
    codes: Vec<String>,
    path: Option<String>,
    pointer: Option<String>,
    reason: Option<String>,
}

/// A loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (`None`: no file, defaults).
    pub file: Option<PathBuf>,
    pub fail_on: Option<crate::args::FailOn>,
    pub exclude: Vec<globset::GlobMatcher>,
    pub selection: Selection,
    pub policy: PolicyOptions,
    pub suppressions: Vec<Arc<ConfigSuppression>>,
    /// `type`: the state machine type.
    pub machine_type: nexus_lint::MachineType,
    /// `template_source`: placeholders stand for any value in every definition.
    pub template_source: bool,
    /// `[deploy.<name>]` sections: how `nexus deploy` deploys each machine.
    pub deploy: BTreeMap<String, crate::deploy_cmd::DeploySection>,
}

/// A configuration that cannot be used (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The configuration file for a run: `explicit`, or the first of [`NAMES`] found walking up
/// from `start`.
pub fn find(explicit: Option<&Path>, start: &Path) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let start = if start.is_absolute() {
        start.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(start)
    };
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        dir = d.parent();
    }
    None
}

/// Load a configuration file (or the defaults when `path` is `None`).
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    let raw: Raw = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    let invalid = |message: String| ConfigError::Invalid {
        path: shown.clone(),
        message,
    };

    let fail_on = match raw.fail_on.as_deref() {
        None => None,
        Some("error") => Some(crate::args::FailOn::Error),
        Some("warning") => Some(crate::args::FailOn::Warning),
        Some("never") => Some(crate::args::FailOn::Never),
        Some(other) => {
            return Err(invalid(format!(
                "fail_on = {other:?}: use \"error\", \"warning\" or \"never\""
            )));
        }
    };
    let machine_type = match raw.machine_type.as_deref() {
        None => nexus_lint::MachineType::Standard,
        Some(t) => nexus_lint::MachineType::parse(t)
            .ok_or_else(|| invalid(format!("type = {t:?}: use \"standard\" or \"express\"")))?,
    };
    let glob = |g: &str| {
        globset::Glob::new(g)
            .map(|g| g.compile_matcher())
            .map_err(|e| invalid(format!("bad glob {g:?}: {e}")))
    };
    let exclude = raw
        .exclude
        .iter()
        .map(|g| glob(g))
        .collect::<Result<Vec<_>, _>>()?;

    let mut selection = Selection {
        select: raw.select,
        ignore: raw.ignore,
        severity: Vec::new(),
    };
    for (code, sev) in raw.severity {
        if sev.eq_ignore_ascii_case("off") {
            selection.ignore.push(code);
            continue;
        }
        let s = Severity::parse(&sev).ok_or_else(|| {
            invalid(format!(
                "severity of {code} = {sev:?}: use error, warning, info or off"
            ))
        })?;
        selection.severity.push((code, s));
    }

    let rego_version = match raw.policy.rego.as_deref() {
        None | Some("auto") => RegoVersion::Auto,
        Some("v0") => RegoVersion::V0,
        Some("v1") => RegoVersion::V1,
        Some(other) => {
            return Err(invalid(format!(
                "policy.rego = {other:?}: use \"auto\", \"v0\" or \"v1\""
            )));
        }
    };
    let defaults = PolicyOptions::default();
    let policy = PolicyOptions {
        paths: raw.policy.paths.iter().map(|p| base.join(p)).collect(),
        data: raw.policy.data.iter().map(|p| base.join(p)).collect(),
        namespaces: raw.policy.namespaces.unwrap_or(defaults.namespaces),
        all_namespaces: raw.policy.all_namespaces,
        rego_version,
        bundled: raw.policy.bundled.unwrap_or(true),
        settings: raw.policy.settings,
        timeout: raw
            .policy
            .timeout_ms
            .map_or(defaults.timeout, Duration::from_millis),
    };

    let mut suppressions = Vec::new();
    for (i, s) in raw.suppress.into_iter().enumerate() {
        let mut codes = s.codes;
        codes.extend(s.code);
        if codes.is_empty() {
            return Err(invalid(format!("suppress[{i}] names no `code`")));
        }
        let reason = s
            .reason
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| invalid(format!("suppress[{i}] has no `reason`")))?;
        let path = s.path.as_deref().map(glob).transpose()?;
        let base = std::fs::canonicalize(&base).unwrap_or_else(|_| base.clone());
        suppressions.push(Arc::new(ConfigSuppression {
            codes,
            path,
            pointer: s.pointer,
            reason,
            base,
            origin: format!("{shown}: suppress[{i}]"),
            hits: AtomicUsize::new(0),
        }));
    }
    Ok(Config {
        file: Some(path.to_path_buf()),
        fail_on,
        exclude,
        selection,
        policy,
        suppressions,
        machine_type,
        template_source: raw.template_source,
        deploy: raw.deploy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_loads() {
        let dir = std::env::temp_dir().join(format!("nexus-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("nexus.toml");
        std::fs::write(&p, DEFAULT).unwrap();
        let c = load(Some(&p)).unwrap();
        assert!(c.policy.bundled);
        std::fs::write(&p, "fail_on = \"warning\"\n[severity]\nNX304 = \"off\"\nNX301 = \"error\"\n[policy.settings]\nmin_retries = 3\n[[suppress]]\ncode = \"NX301\"\nreason = \"x\"\n").unwrap();
        let c = load(Some(&p)).unwrap();
        assert_eq!(c.selection.ignore, ["NX304"]);
        assert_eq!(c.policy.settings["min_retries"], 3);
        assert_eq!(c.suppressions.len(), 1);
        std::fs::write(&p, "[[suppress]]\ncode = \"NX301\"\n").unwrap();
        assert!(
            load(Some(&p))
                .unwrap_err()
                .to_string()
                .contains("no `reason`")
        );
        std::fs::write(&p, "unknown_key = 1\n").unwrap();
        assert!(load(Some(&p)).is_err());
        std::fs::write(&p, "type = \"express\"\ntemplate_source = true\n").unwrap();
        let c = load(Some(&p)).unwrap();
        assert_eq!(c.machine_type, nexus_lint::MachineType::Express);
        assert!(c.template_source);
        std::fs::write(&p, "type = \"serverless\"\n").unwrap();
        assert!(load(Some(&p)).unwrap_err().to_string().contains("standard"));
        assert_eq!(find(None, &dir), Some(p));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
