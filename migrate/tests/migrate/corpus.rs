//! The promises of `nexus migrate stepfunctions` / `nexus export asl`, through the functions
//! the CLI calls (`migrate_source`: ASL text → NEXUS YAML text; `export_source`: NEXUS YAML
//! text → ASL JSON text, with the same loaders as `nexus lint`):
//!
//! - round trip: migrate then export gives back a JSON value equal to the original (key
//!   order aside), for every `definition.json` of the sfn corpus, every case of the lint
//!   corpus, and random machines (proptest);
//! - every migrated workflow lints with no error-level diagnostic (the sfn corpus was accepted
//!   by AWS); for the lint corpus and random machines, migration changes no verdict: the
//!   migrated workflow has exactly the error codes (as many of each) of the original.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use crate::asl_gen;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_lint::{LintOptions, lint};
use nexus_migrate::{export, export_source, migrate, migrate_source};
use nexus_schema::template::FsResolver;
use nexus_schema::{Document, Severity, SourceFormat};
use proptest::prelude::*;
use serde_json::Value;

/// Migrate then export `text` (a file called `name`) through the CLI's functions.
/// Returns the exported value, or what went wrong.
fn round_trip(name: &str, text: &str) -> Result<Value, String> {
    let m = migrate_source(name, Arc::from(text), None, &FsResolver);
    if m.failed() {
        return Err(format!("migrate: {:?}", m.diagnostics));
    }
    let [machine] = m.machines.as_slice() else {
        return Err(format!("{} machines", m.machines.len()));
    };
    let yaml = &machine.migrated.yaml;
    let out = export_source("workflow.nexus.yaml", Arc::from(yaml.as_str()))
        .map_err(|e| format!("export: {e:?}\n{yaml}"))?;
    let [doc] = out.as_slice() else {
        return Err(format!("{} exported documents", out.len()));
    };
    // The JSON text the CLI writes reads back to the same value.
    let reread: Value = serde_json::from_str(&doc.json).map_err(|e| e.to_string())?;
    if reread != doc.exported.asl {
        return Err("the exported JSON text reads back differently".into());
    }
    Ok(reread)
}

/// Codes of the error-level findings of `nexus lint` on an ASL value, sorted.
fn errors_of_asl(asl: &Value) -> Vec<String> {
    let doc = Document::asl(
        "x.asl.json",
        Arc::from(asl.to_string()),
        SourceFormat::Json,
        asl.clone(),
        Arc::default(),
    );
    let mut codes: Vec<String> = lint(&doc, &LintOptions::default())
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code.to_string())
        .collect();
    codes.sort();
    codes
}

/// Codes of the error-level findings of `nexus lint` on a migrated workflow, loaded from its
/// YAML text as `nexus lint` loads a `.nexus.yaml` file, sorted. Every one has a location.
fn errors_of_migrated(yaml: &str) -> Vec<String> {
    let loaded = nexus_schema::source::load_source("w.nexus.yaml", Arc::from(yaml));
    let mut found: Vec<nexus_schema::Diagnostic> = loaded.diagnostics.clone();
    for doc in &loaded.documents {
        found.extend(lint(doc, &LintOptions::default()));
    }
    let errors: Vec<_> = found
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(
        errors.iter().all(|d| d.span.is_some()),
        "every error on a migrated workflow has a location in its YAML: {errors:?}"
    );
    let mut codes: Vec<String> = errors.into_iter().map(|d| d.code.to_string()).collect();
    codes.sort();
    codes
}

fn sfn_definitions(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for cat in std::fs::read_dir(root.join("sfn")).unwrap().flatten() {
        for case in std::fs::read_dir(cat.path()).unwrap().flatten() {
            let def = case.path().join("definition.json");
            if def.is_file() {
                files.push(def);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn sfn_corpus_round_trips_and_lints_clean() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let (mut machines, mut single_states) = (0, 0);
    let mut failures = Vec::new();
    for file in sfn_definitions(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();
        let name = file.to_string_lossy();
        if original.get("StartAt").is_none() {
            // A TestState definition: one state, not a machine. `migrate_source` finds no
            // machine in it; the value-level functions still convert it both ways.
            single_states += 1;
            assert!(
                migrate_source(&name, Arc::from(text.as_str()), None, &FsResolver)
                    .machines
                    .is_empty()
            );
            let yaml = migrate(&original, &name).yaml;
            let loaded = nexus_schema::load::load_yaml(&yaml, &Default::default()).unwrap();
            match export(&loaded[0].value) {
                Ok(e) if e.asl == original => {}
                other => failures.push(format!("{name}: single state: {other:?}")),
            }
            continue;
        }
        machines += 1;
        match round_trip(&name, &text) {
            Ok(back) if back == original => {}
            Ok(back) => failures.push(format!("{name}: differs\n{back}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        let m = migrate_source(&name, Arc::from(text.as_str()), None, &FsResolver);
        let errors = errors_of_migrated(&m.machines[0].migrated.yaml);
        if !errors.is_empty() {
            failures.push(format!(
                "{name}: migrated workflow has lint errors {errors:?}"
            ));
        }
    }
    println!(
        "sfn corpus: {machines} state machines migrated, exported back identically and lint-clean; \
         {single_states} single-state definitions converted both ways; failures: {}",
        failures.len()
    );
    assert!(machines > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn lint_corpus_round_trips_without_changing_a_verdict() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("lint/manifest.json")).unwrap())
            .unwrap();
    let (mut valid, mut invalid, mut not_machines, mut originally_erroneous) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        let Some(file) = case["file"].as_str() else {
            continue;
        };
        let path = root.join("lint").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(original) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let is_valid = case["expected_verdict"] == "valid";
        let m = migrate_source(file, Arc::from(text.as_str()), None, &FsResolver);
        if m.machines.is_empty() {
            // Not `StartAt` + `States` (some invalid cases): nothing the CLI migrates.
            assert!(!is_valid, "{file}: a valid case must migrate");
            not_machines += 1;
            continue;
        }
        if is_valid {
            valid += 1;
        } else {
            invalid += 1;
        }
        match round_trip(file, &text) {
            Ok(back) if back == original => {}
            Ok(back) => failures.push(format!("{file}: differs\n{back}")),
            Err(e) => failures.push(format!("{file}: {e}")),
        }
        let before = errors_of_asl(&original);
        if !before.is_empty() {
            originally_erroneous += 1;
        }
        let after = errors_of_migrated(&m.machines[0].migrated.yaml);
        if before != after {
            failures.push(format!(
                "{file}: lint verdict changed by migration\nbefore: {before:?}\nafter: {after:?}"
            ));
        }
    }
    println!(
        "lint corpus: {valid} valid and {invalid} invalid state machines round-tripped with \
         unchanged lint error codes ({originally_erroneous} had errors before migrating); \
         {not_machines} invalid cases are not state machines; failures: {}",
        failures.len()
    );
    assert!(valid > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_machines_round_trip_through_text(asl in asl_gen::top_machine()) {
        let text = serde_json::to_string_pretty(&asl).unwrap();
        let back = round_trip("random.asl.json", &text);
        prop_assert_eq!(back.as_ref(), Ok(&asl));
        let m = migrate_source("random.asl.json", Arc::from(text.as_str()), None, &FsResolver);
        prop_assert_eq!(errors_of_migrated(&m.machines[0].migrated.yaml), errors_of_asl(&asl));
    }
}
