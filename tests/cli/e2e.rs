//! End-to-end tests of the `nexus` binary: one command per scenario, exit code and output
//! checked (assert_cmd), paths relative to the workspace root.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

#[test]
fn valid_fixtures_exit_zero() {
    nexus()
        .args(["lint", "fixtures/valid"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No problems found"));
}

#[test]
fn findings_exit_one_and_name_the_rule() {
    nexus()
        .args([
            "lint",
            "fixtures/invalid/NX103-dangling-transition/dangling-next.asl.json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NX103"))
        .stdout(predicate::str::contains("LogTransaction"));
}

#[test]
fn json_output_follows_the_contract() {
    let out = nexus()
        .args([
            "lint",
            "--format",
            "json",
            "fixtures/invalid/NX101-unknown-start-at/typo.asl.json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["files"][0]["format"], "asl");
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "NX101")
        .expect("an NX101 diagnostic");
    for key in [
        "path",
        "code",
        "severity",
        "message",
        "pointer",
        "line",
        "column",
        "end_line",
        "end_column",
    ] {
        assert!(d.get(key).is_some(), "diagnostic lacks `{key}`: {d}");
    }
    assert_eq!(d["code"], "NX101");
    assert_eq!(d["pointer"], "/StartAt");
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn warnings_fail_only_when_asked() {
    let f = "fixtures/invalid/NX105-no-path-to-end/poll-forever.asl.json";
    nexus().args(["lint", f]).assert().code(0);
    nexus()
        .args(["lint", "--fail-on", "warning", f])
        .assert()
        .code(1);
}

#[test]
fn missing_path_is_a_tool_failure() {
    nexus()
        .args(["lint", "does/not/exist.asl.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}

#[test]
fn explicit_non_workflow_file_is_reported_but_does_not_fail() {
    nexus().args(["lint", "cli/Cargo.toml"]).assert().code(0);
    nexus()
        .args(["lint", "--format", "json", "schema/Cargo.toml"])
        .assert()
        .code(0);
}

/// A directory walk passes over JSON and YAML files that cannot hold a workflow, broken or
/// not (a `tsconfig.json` with comments); named on the command line, the same file is
/// parsed and its syntax error reported.
#[test]
fn walks_skip_other_files_but_explicit_ones_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tsconfig.json"),
        "{ // comments are not JSON\n  \"compilerOptions\": {} }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken-machine.json"),
        "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Succeed\"}}",
    )
    .unwrap();
    let out = nexus()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(!paths.is_empty(), "{v}");
    assert!(
        paths.iter().all(|p| p.ends_with("broken-machine.json")),
        "{v}"
    );
    nexus()
        .args(["lint", "--format", "json"])
        .arg(dir.path().join("tsconfig.json"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NX001"));
}

#[test]
fn globs_expand() {
    nexus()
        .args([
            "lint",
            "fixtures/invalid/NX10[12]-*/*.asl.json",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NX101").and(predicate::str::contains("NX102")));
}

#[test]
fn machine_type_selects_the_express_rules() {
    let file = "fixtures/types/callback.asl.json";
    nexus()
        .args(["lint", "--format", "json", file])
        .assert()
        .stdout(predicate::str::contains("NX220").not());
    nexus()
        .args(["lint", "--type", "express", "--format", "json", file])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"NX220\""))
        .stdout(predicate::str::contains("/States/Approve/Resource"));
    nexus()
        .args(["lint", "--type", "sometimes", file])
        .assert()
        .code(2);
}

#[test]
fn schema_asl_is_the_bundled_schema() {
    let out = nexus().args(["schema", "asl"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(v["$defs"]["taskState"].is_object());
    nexus().args(["schema", "nexus"]).assert().success();
}

#[test]
fn rules_lists_every_code() {
    nexus().arg("rules").assert().success().stdout(
        predicate::str::contains("NX102").and(predicate::str::contains("unreachable-state")),
    );
    let out = nexus().arg("rules").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for m in nexus_lint::registry() {
        assert!(
            text.contains(m.code.as_str()),
            "`nexus rules` lacks {}",
            m.code
        );
        assert!(text.contains(m.name), "`nexus rules` lacks {}", m.name);
    }
    nexus()
        .args(["rules", "NX103"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Why is this bad?"));
}
