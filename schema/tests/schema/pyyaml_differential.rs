//! Differential test of the YAML loader against PyYAML (with libyaml's parser), the loader of
//! SAM CLI, cfn-lint and the AWS CLI: every YAML fixture, and the YAML files of the shared
//! conformance corpora, must load in nexus to the same values as in PyYAML whenever PyYAML
//! loads them (a document the ecosystem reads must not be a syntax error in nexus).
//!
//! The oracle is `scripts/pyyaml_dump.py` (PyYAML's parser, the YAML 1.2 core schema's
//! scalars, CloudFormation short tags in long form). Its interpreter is
//! `$NEXUS_PYYAML_PYTHON` (`.ci/run` makes one with `scripts/pyyaml-venv.sh`), else `python3`
//! when it has PyYAML. Without either the test is skipped, except under CI (`CI` set), where
//! that is a failure. `NEXUS_YAML_CORPUS` may name more directories to compare (colon-separated),
//! such as the clones of `bench/real-repos.sh`.
//!
//! Deliberate differences, not failures: nexus rejects duplicate keys (NX002; PyYAML keeps
//! the last), and documents above its nesting and size limits (NX004).

use std::path::{Path, PathBuf};
use std::process::Command;

use nexus_schema::load::{YamlOptions, load_yaml};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> Option<String> {
    if let Ok(p) = std::env::var("NEXUS_PYYAML_PYTHON") {
        return Some(p);
    }
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| "python3".to_string())
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') || name == "node_modules" || name == "target" {
            continue;
        }
        if p.is_dir() {
            yaml_files(&p, out);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(p);
        }
    }
}

#[test]
fn yaml_loads_as_pyyaml_loads_it() {
    let Some(python) = python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide PyYAML: run scripts/pyyaml-venv.sh and set NEXUS_PYYAML_PYTHON"
        );
        eprintln!("skipped: no Python with PyYAML (set NEXUS_PYYAML_PYTHON)");
        return;
    };
    let mut files = Vec::new();
    yaml_files(&root().join("fixtures"), &mut files);
    if let Some(corpus) = nexus_testkit::corpus() {
        yaml_files(&corpus, &mut files);
    }
    if let Ok(extra) = std::env::var("NEXUS_YAML_CORPUS") {
        for dir in extra.split(':').filter(|d| !d.is_empty()) {
            yaml_files(Path::new(dir), &mut files);
        }
    }
    assert!(files.len() > 10, "too few YAML files found: {files:?}");
    let script = root().join("scripts/pyyaml_dump.py");
    let mut failures = Vec::new();
    let (mut compared, mut oracle_rejected) = (0, 0);
    // Batches keep the command line short.
    for batch in files.chunks(200) {
        let out = Command::new(&python)
            .arg(&script)
            .args(batch)
            .output()
            .expect("run the PyYAML oracle");
        assert!(
            out.status.success(),
            "oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).expect("oracle prints UTF-8");
        for line in stdout.lines() {
            let r: Value = serde_json::from_str(line).expect("oracle prints JSON lines");
            let path = r["path"].as_str().unwrap_or_default().to_string();
            if r["ok"] != Value::Bool(true) {
                oracle_rejected += 1;
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let options = YamlOptions {
                cfn_tags: nexus_schema::template::mentions_template(&text),
                ..YamlOptions::default()
            };
            let want = r["docs"].as_array().cloned().unwrap_or_default();
            match load_yaml(&text, &options) {
                Ok(docs) => {
                    if docs
                        .iter()
                        .any(|d| d.issues.iter().any(|i| i.code.as_str() == "NX002"))
                    {
                        continue;
                    }
                    let got: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
                    compared += 1;
                    if got != want {
                        failures.push(format!(
                            "{path}: values differ\n  nexus:  {}\n  PyYAML: {}",
                            Value::Array(got),
                            Value::Array(want)
                        ));
                    }
                }
                Err(d) if matches!(d.code.as_str(), "NX002" | "NX004") => {}
                Err(d) => failures.push(format!(
                    "{path}: PyYAML loads it, nexus reports {} {} at {:?}",
                    d.code, d.message, d.span
                )),
            }
        }
    }
    eprintln!(
        "{compared} YAML files load alike; {oracle_rejected} rejected by PyYAML too (not compared)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
