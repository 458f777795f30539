//! End-to-end tests of policies through the `nexus` binary: conftest v0 and v1 policy
//! directories, `nexus policy test`, suppressions in configuration, `nexus schema` and
//! `nexus init`.

#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails the test loudly"
)]

use assert_cmd::Command;
use predicates::prelude::*;

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

const CHARGE: &str = "fixtures/invalid/NX303-lambda-without-transient-retry/charge.asl.json";

#[test]
fn conftest_v0_policy_directory() {
    let out = nexus()
        .args([
            "lint",
            "--format",
            "json",
            "--no-bundled",
            "--policy",
            "fixtures/policies/conftest-v0",
            "fixtures/invalid/NX301-task-without-timeout/charge.asl.json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "NX901");
    assert_eq!(d["pointer"], "/States/Charge");
    assert_eq!(d["message"], "task Charge needs a timeout");
}

#[test]
fn conftest_v1_policy_directory_points_at_the_field() {
    let out = nexus()
        .args([
            "lint",
            "--format",
            "json",
            "--no-bundled",
            "--policy",
            "fixtures/policies/conftest-v1",
            "fixtures/invalid/NX305-too-few-retries/charge.asl.json",
        ])
        .assert()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["diagnostics"].as_array().unwrap().len(),
        0,
        "Charge retries 3 times: {v}"
    );
    nexus()
        .args([
            "lint",
            "--no-bundled",
            "--policy",
            "fixtures/policies/conftest-v1",
            "--policy",
            "fixtures/policies/conftest-v0",
            "--rego-v1",
            CHARGE,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tasks.rego"));
}

#[test]
fn policy_tests_pass_for_both_styles_and_the_bundled_pack() {
    nexus()
        .args([
            "policy",
            "test",
            "fixtures/policies/conftest-v0",
            "fixtures/policies/conftest-v1",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 passed, 0 failed"));
    nexus()
        .args(["policy", "test", "--bundled", "--coverage"])
        .assert()
        .success()
        .stdout(predicate::str::contains("coverage 100.0%"));
}

#[test]
fn bundled_pack_is_on_by_default_and_configurable() {
    nexus()
        .args(["lint", CHARGE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("NX303"));
    nexus()
        .args(["lint", "--fail-on", "warning", "--ignore", "NX303", CHARGE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found"));
}

#[test]
fn config_suppressions_are_counted_and_unused_ones_reported() {
    let dir = std::env::temp_dir().join(format!("nexus-e2e-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("nexus.toml");
    std::fs::write(&cfg, "[[suppress]]\ncode = \"NX303\"\npath = \"**/charge.asl.json\"\nreason = \"retried by the caller\"\n\n[[suppress]]\ncode = \"NX999\"\nreason = \"stale\"\n").unwrap();
    nexus()
        .args([
            "lint",
            "--config",
            cfg.to_str().unwrap(),
            "--fail-on",
            "warning",
            CHARGE,
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 finding(s) suppressed"))
        .stderr(predicate::str::contains(
            "suppress[1] (NX999) suppressed nothing",
        ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn schema_and_init() {
    nexus()
        .args(["schema", "policy-input"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"retry_count\""));
    let dir = std::env::temp_dir().join(format!("nexus-e2e-init-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("nexus.toml");
    nexus()
        .args(["init", file.to_str().unwrap()])
        .assert()
        .success();
    nexus()
        .args(["init", file.to_str().unwrap()])
        .assert()
        .code(2);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Lines of the findings of one code in `nexus lint --format json` output.
fn lines_of(json: &[u8], code: &str) -> Vec<u64> {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .map(|d| d["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn founding_example_rule_reports_the_two_states_without_three_retries_at_their_lines() {
    // The founding example plus `policies: [{rule: "function.retry_count >= 3"}]`: only
    // ValidateUser retries 3 times, so CheckBalance (line 10) and ExecuteTransfer (line 15)
    // are reported, as errors.
    let out = nexus()
        .args(["lint", "--no-bundled", "--format", "json"])
        .arg("fixtures/policies/founding/payment-reconciliation.nexus.yaml")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(lines_of(&out, "NX900"), [10, 15]);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("task `CheckBalance` does not satisfy `function.retry_count >= 3`"));
    assert!(text.contains("task `ExecuteTransfer` does not satisfy"));
}

#[test]
fn directives_in_comment_fields_and_yaml_comments_suppress_one_state() {
    for file in [
        "fixtures/policies/suppress/legacy.asl.json",
        "fixtures/policies/suppress/legacy.nexus.yaml",
    ] {
        let out = nexus()
            .args(["lint", "--format", "json", file])
            .assert()
            .code(0)
            .stderr(predicate::str::contains("1 finding(s) suppressed"))
            .get_output()
            .stdout
            .clone();
        // `Poll` carries the directive; `Store`, the same mistake without one, still reports.
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let nx301: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "NX301")
            .map(|d| d["message"].as_str().unwrap())
            .collect();
        assert_eq!(nx301, ["task `Store` has no timeout"], "{file}");
    }
}

#[test]
fn a_directive_that_suppresses_nothing_is_reported() {
    let dir = std::env::temp_dir().join(format!("nexus-policy-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("stale.asl.json");
    std::fs::write(
        &f,
        r#"{"StartAt": "A", "TimeoutSeconds": 60, "States": {"A": {"Type": "Pass", "Comment": "nexus:ignore NX301 was a task once", "End": true}}}"#,
    )
    .unwrap();
    let out = nexus()
        .args(["lint", "--format", "json"])
        .arg(&f)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(lines_of(&out.stdout, "NX040"), [1]);
}

#[test]
fn policy_input_prints_what_policies_see() {
    let out = nexus()
        .args(["policy", "input", CHARGE])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["file"]["kind"], "asl");
    assert_eq!(v["states"][0]["name"], "Charge");
    assert_eq!(v["states"][0]["integration"], "lambda");
    assert!(v["states"][0]["strings"].as_array().is_some());
    nexus()
        .args(["policy", "input", "no-such-file.json"])
        .assert()
        .code(2);
}
