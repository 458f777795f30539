//! Snapshot tests over `fixtures/migrate/*` (one fixture per state type, and more): `migrate`
//! output for ASL inputs and the `export` output of that (the same ASL again), `export` output
//! for NEXUS inputs; through the functions the CLI calls.

use crate::common;

use common::{fixtures, parse_yaml, without_name};
use std::sync::Arc;

use nexus_migrate::{export, export_source, migrate, migrate_source};
use nexus_schema::nexus::raise;
use nexus_schema::template::FsResolver;
use serde_json::Value;

fn notes_text(notes: &[nexus_schema::Diagnostic]) -> String {
    notes
        .iter()
        .map(|n| {
            format!(
                "{} {} {:?} at {}: {}",
                n.code, n.name, n.severity, n.pointer, n.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn cases() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures().join("migrate"))
        .expect("fixtures/migrate exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn migrates_each_asl_fixture() {
    let mut count = 0;
    for dir in cases() {
        let input = dir.join("input.asl.json");
        if !input.exists() {
            continue;
        }
        count += 1;
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&input).unwrap();
        let asl: Value = serde_json::from_str(&text).unwrap();
        // The functions `nexus migrate stepfunctions` and `nexus export asl` call.
        let source = format!("{name}.asl.json");
        let found = migrate_source(&source, Arc::from(text.as_str()), None, &FsResolver);
        let [machine] = found.machines.as_slice() else {
            panic!("{name}: {:?}", found.diagnostics)
        };
        let m = &machine.migrated;
        assert_eq!(m.yaml, migrate(&asl, &source).yaml, "{name}");
        // The text reads back to the raised workflow, and exports back to the input.
        let back = parse_yaml(&m.yaml);
        assert_eq!(without_name(back.clone()), raise(&asl).nexus, "{name}");
        let exported = export(&back).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(exported.asl, asl, "{name}");
        assert_eq!(
            migrate(&asl, &format!("{name}.asl.json")).yaml,
            m.yaml,
            "stable"
        );
        insta::assert_snapshot!(
            format!("migrate-{name}"),
            format!("{}\n# Notes\n{}\n", m.yaml, notes_text(&m.notes))
        );
        let out = export_source(&format!("{name}.nexus.yaml"), Arc::from(m.yaml.as_str()))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let [doc] = out.as_slice() else {
            panic!("{name}: {} documents", out.len())
        };
        assert_eq!(doc.exported.asl, asl, "{name}");
        insta::assert_snapshot!(
            format!("export-{name}"),
            format!(
                "{}\n# Notes\n{}\n",
                doc.json,
                notes_text(&doc.exported.notes)
            )
        );
    }
    assert!(count >= 10);
}

#[test]
fn exports_each_nexus_fixture() {
    let mut count = 0;
    for dir in cases() {
        let input = dir.join("input.nexus.yaml");
        if !input.exists() {
            continue;
        }
        count += 1;
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let doc = parse_yaml(&std::fs::read_to_string(&input).unwrap());
        let out = export(&doc).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        insta::assert_snapshot!(
            format!("export-{name}"),
            format!(
                "{}\n# Notes\n{}\n",
                serde_json::to_string_pretty(&out.asl).unwrap(),
                notes_text(&out.notes)
            )
        );
        // Exported ASL migrates and exports again to itself (compensations now explicit).
        let again = export(&parse_yaml(&migrate(&out.asl, "x").yaml)).unwrap();
        assert_eq!(again.asl, out.asl, "{name}");
    }
    assert!(count >= 1);
}

#[test]
fn migrates_the_whole_corpus_to_yaml_that_reads_back() {
    let Some(root) = nexus_testkit::corpus() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let mut count = 0;
    let mut failures = Vec::new();
    let mut files = Vec::new();
    for cat in std::fs::read_dir(root.join("sfn")).unwrap().flatten() {
        for case in std::fs::read_dir(cat.path()).unwrap().flatten() {
            files.push(case.path().join("definition.json"));
        }
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("lint/manifest.json")).unwrap())
            .unwrap();
    for case in manifest["cases"].as_array().unwrap() {
        if let Some(f) = case["file"].as_str() {
            files.push(root.join("lint").join(f));
        }
    }
    files.sort();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(asl) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if !asl.is_object() {
            continue;
        }
        count += 1;
        let m = migrate(&asl, &file.to_string_lossy());
        let back = parse_yaml(&m.yaml);
        if without_name(back.clone()) != raise(&asl).nexus {
            failures.push(format!(
                "{}: YAML reads back differently\n{}",
                file.display(),
                m.yaml
            ));
            continue;
        }
        if nexus_schema::nexus::lower(&back).asl != asl {
            failures.push(format!("{}: does not lower back", file.display()));
        }
    }
    println!(
        "corpus definitions migrated and read back: {count}, failures: {}",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
