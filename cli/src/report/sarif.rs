//! `--format sarif`: SARIF 2.1.0 (OASIS), in the shape GitHub code scanning ingests.
//!
//! - `tool.driver.rules`: one rule per code that has findings (a user policy's codes each get
//!   their own, not one per Rego package as conftest does); `ruleId` = the code, `ruleIndex`
//!   its position.
//! - Regions are 1-based with UTF-16 columns (`columnKind: utf16CodeUnits`, the SARIF default
//!   and what GitHub assumes); `endColumn` is exclusive, as SARIF §3.30.7 defines it.
//! - `partialFingerprints["nexus/v1"]` hashes code, path, pointer and the occurrence number of
//!   that triple, never a line number, so an alert survives edits elsewhere in the file.
//! - The JSON Pointer, state name and template resource go into `properties`.
//!
//! Hand-written with serde_json: the output is small, and `serde-sarif` would add a build-time
//! code generator for a dozen fields.

use std::collections::HashMap;

use nexus_schema::{LineIndex, Severity};
use serde_json::{Map, Value, json};

use crate::lint_cmd::RunReport;
use crate::report::meta::{self, RuleInfo};
use crate::report::region;

/// The SARIF `level` of a severity (SARIF §3.27.10).
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_json(r: &RuleInfo) -> Value {
    let mut rule = json!({
        "id": r.code.as_str(),
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.description()},
        "defaultConfiguration": {"level": level(r.severity)},
    });
    if let Some(obj) = rule.as_object_mut() {
        if let Some(uri) = r.help_uri() {
            obj.insert("helpUri".into(), Value::String(uri));
        }
        if !r.docs.is_empty() {
            obj.insert(
                "help".into(),
                json!({"text": r.docs_text(), "markdown": r.docs}),
            );
        }
    }
    rule
}

/// The base every relative artifact URI is resolved against (SARIF §3.4.4): the directory
/// nexus ran in, which in CI is the checkout. GitHub code scanning resolves `%SRCROOT%`
/// against the repository root itself.
const SRCROOT: &str = "%SRCROOT%";

/// An `artifactLocation`: relative paths name [`SRCROOT`] as their base; a path outside the
/// working directory stays an absolute `file:` URI.
fn artifact_location(uri: &str) -> Value {
    if uri.starts_with('/') {
        json!({"uri": format!("file://{uri}")})
    } else {
        json!({"uri": uri, "uriBaseId": SRCROOT})
    }
}

/// `run.originalUriBaseIds`: [`SRCROOT`] = the working directory as a `file:` URI ending in
/// `/` (SARIF §3.14.14 requires the trailing slash).
fn original_uri_base_ids() -> Value {
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let mut path = meta::encode_uri_path(&cwd);
    if !path.starts_with('/') {
        // A Windows drive path: `file:///C:/...`.
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    json!({SRCROOT: {"uri": format!("file://{path}")}})
}

/// Render a whole run as one SARIF log.
pub fn render(report: &RunReport) -> String {
    let rules = meta::rules_used(report);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.as_str(), i))
        .collect();
    let mut results = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for f in &report.files {
        let lines = LineIndex::new(&f.source);
        let uri = meta::relative_uri(&f.path);
        let artifact = artifact_location(&uri);
        for d in &f.diagnostics {
            let mut physical = Map::new();
            physical.insert("artifactLocation".into(), artifact.clone());
            if let Some(span) = d.span {
                let r = region(&f.source, &lines, span);
                physical.insert(
                    "region".into(),
                    json!({
                        "startLine": r.line,
                        "startColumn": r.column_utf16,
                        "endLine": r.end_line,
                        "endColumn": r.end_column_utf16,
                    }),
                );
            }
            let mut message = d.message.clone();
            if let Some(h) = &d.help {
                message.push_str("\nHelp: ");
                message.push_str(h);
            }
            let occurrence = {
                let n = seen
                    .entry((
                        d.code.as_str().to_string(),
                        f.path.clone(),
                        d.pointer.clone(),
                    ))
                    .or_insert(0);
                *n += 1;
                *n
            };
            let fingerprint =
                meta::fnv1a_hex(&[d.code.as_str(), &uri, &d.pointer, &occurrence.to_string()]);
            let mut properties = Map::new();
            properties.insert("pointer".into(), Value::String(d.pointer.clone()));
            properties.insert("ruleName".into(), Value::String(d.name.to_string()));
            if let Some(s) = meta::state_name(&d.pointer) {
                properties.insert("stateName".into(), Value::String(s));
            }
            if let Some(r) = meta::resource_id(&d.pointer) {
                properties.insert("resource".into(), Value::String(r));
            }
            if let Some(aws) = d.aws_code {
                properties.insert("awsCode".into(), Value::String(aws.to_string()));
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": index.get(d.code.as_str()).copied().unwrap_or(0),
                "level": level(d.severity),
                "message": {"text": message},
                "locations": [{"physicalLocation": Value::Object(physical)}],
                "partialFingerprints": {"nexus/v1": fingerprint},
                "properties": Value::Object(properties),
            });
            let related: Vec<Value> = d
                .notes
                .iter()
                .filter_map(|n| n.span.map(|s| (n, s)))
                .enumerate()
                .map(|(i, (n, s))| {
                    let r = region(&f.source, &lines, s);
                    json!({
                        "id": i,
                        "message": {"text": n.message},
                        "physicalLocation": {
                            "artifactLocation": artifact,
                            "region": {"startLine": r.line, "startColumn": r.column_utf16, "endLine": r.end_line, "endColumn": r.end_column_utf16},
                        }
                    })
                })
                .collect();
            if !related.is_empty()
                && let Some(obj) = result.as_object_mut()
            {
                obj.insert("relatedLocations".into(), Value::Array(related));
            }
            results.push(result);
        }
    }
    let mut driver = json!({
        "name": "nexus",
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
    });
    if let (Some(repo), Some(obj)) = (meta::repository(), driver.as_object_mut()) {
        obj.insert("informationUri".into(), Value::String(repo.to_string()));
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": original_uri_base_ids(),
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
