//! End-to-end regression tests of issue #12: nothing hangs, aborts or loses a file. Each test
//! failed on the code before the fix (a hang, an abort, a destroyed or leaked file).

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn nexus_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(dir);
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const LOOP: &str = r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% ($f := function($n){ $f($n+1) }; $f(0)) %}","End":true}}}"#;

#[test]
fn timeout_stops_a_runaway_jsonata_expression() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "loop.asl.json", LOOP);
    let started = Instant::now();
    let out = nexus_in(dir.path())
        .args(["run", "loop.asl.json", "--timeout", "1", "--format", "json"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "TIMED_OUT", "{v}");
}

#[test]
fn runaway_jsonata_without_timeout_fails_with_query_evaluation_error() {
    let dir = tempfile::tempdir().unwrap();
    let def = r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $count($distinct([1..3000000])) %}","End":true}}}"#;
    write(dir.path(), "big.asl.json", def);
    let out = nexus_in(dir.path())
        .args(["run", "big.asl.json", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "FAILED", "{v}");
    assert_eq!(v["error"], "States.QueryEvaluationError", "{v}");
}

#[test]
fn event_log_refuses_a_file_that_is_not_a_log_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let def = r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#;
    write(dir.path(), "min.json", def);
    nexus_in(dir.path())
        .args(["run", "min.json", "--event-log", "min.json"])
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("min.json")).unwrap(),
        def
    );
    write(dir.path(), "notes.json", "{\"a\": 1}");
    nexus_in(dir.path())
        .args(["run", "min.json", "--event-log", "notes.json"])
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.json")).unwrap(),
        "{\"a\": 1}"
    );
}

const SAM: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: URI\n";

#[test]
fn template_definition_uri_cannot_leave_the_lint_root() {
    let outer = tempfile::tempdir().unwrap();
    let secret = write(outer.path(), "secret.env", "TOKEN=hunter2\n");
    let root = outer.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    for uri in ["../secret.env".to_string(), secret.display().to_string()] {
        write(&root, "template.yaml", &SAM.replace("URI", &uri));
        nexus_in(&root)
            .args(["lint", "template.yaml"])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("NX030"))
            .stdout(predicate::str::contains("outside the lint root"))
            .stdout(predicate::str::contains("hunter2").not());
    }
    // Allowed explicitly, the file is read (and is not a state machine).
    nexus_in(&root)
        .args(["lint", "template.yaml", "--allow-outside-root"])
        .assert()
        .stdout(predicate::str::contains("outside the lint root").not());
    // Inside the root, a definition in a subfolder is read as before.
    std::fs::create_dir(root.join("sm")).unwrap();
    write(
        &root,
        "sm/def.asl.json",
        r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#,
    );
    write(
        &root,
        "template.yaml",
        &SAM.replace("URI", "sm/def.asl.json"),
    );
    nexus_in(&root)
        .args(["lint", "template.yaml"])
        .assert()
        .success();
}

#[test]
fn lint_reads_standard_input_named_by_stdin_filename() {
    let dir = tempfile::tempdir().unwrap();
    let bad = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}"#;
    nexus_in(dir.path())
        .args([
            "lint",
            "-",
            "--stdin-filename",
            "flows/order.asl.json",
            "--format",
            "json",
        ])
        .write_stdin(bad)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("flows/order.asl.json"));
    let yaml = "version: \"1.0\"\nname: x\nstates:\n  - name: A\n    type: succeed\n";
    nexus_in(dir.path())
        .args(["lint", "-", "--stdin-filename", "x.nexus.yaml"])
        .write_stdin(yaml)
        .assert()
        .success();
    nexus_in(dir.path())
        .args(["lint", "--stdin-filename", "x.json"])
        .assert()
        .code(2);
}

#[test]
fn every_output_option_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.asl.json",
        r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#,
    );
    for (args, out) in [
        (vec!["lint", "ok.asl.json", "-o"], "report.txt"),
        (vec!["graph", "ok.asl.json", "-o"], "graph.mmd"),
        (vec!["run", "ok.asl.json", "--history"], "history.json"),
    ] {
        write(dir.path(), out, "keep me");
        nexus_in(dir.path())
            .args(&args)
            .arg(out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--force"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(out)).unwrap(),
            "keep me"
        );
        nexus_in(dir.path())
            .args(&args)
            .arg(out)
            .arg("--force")
            .assert()
            .success();
        assert_ne!(
            std::fs::read_to_string(dir.path().join(out)).unwrap(),
            "keep me"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_at_the_output_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.asl.json",
        r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#,
    );
    std::os::unix::fs::symlink(dir.path().join("victim.txt"), dir.path().join("out.txt")).unwrap();
    nexus_in(dir.path())
        .args(["lint", "ok.asl.json", "-o", "out.txt"])
        .assert()
        .code(2);
    assert!(!dir.path().join("victim.txt").exists());
}

#[cfg(unix)]
#[test]
fn exec_handler_that_never_reads_a_large_input_times_out() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "sleepy.sh", "#!/bin/sh\nsleep 30\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        dir.path(),
        "handlers.yaml",
        "sleepy:\n  exec: [./sleepy.sh]\n  timeout_seconds: 1\n",
    );
    write(
        dir.path(),
        "task.asl.json",
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"sleepy","Payload.$":"$"},"End":true}}}"#,
    );
    // 200 KB: more than a pipe buffer holds.
    let input = format!("{{\"blob\":\"{}\"}}", "x".repeat(200_000));
    write(dir.path(), "input.json", &input);
    let started = Instant::now();
    let out = nexus_in(dir.path())
        .args([
            "run",
            "task.asl.json",
            "--handlers",
            "handlers.yaml",
            "--input-file",
            "input.json",
            "--format",
            "json",
        ])
        .timeout(Duration::from_secs(25))
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "FAILED", "{v}");
    assert_eq!(v["error"], "States.Timeout", "{v}");
}

/// A valid definition a little over the 16 MiB bound (`MAX_SOURCE_BYTES`), padded with a
/// long `Comment`: every command refuses it with NX007 before parsing, none loads it.
fn oversized_definition(dir: &Path) -> PathBuf {
    let pad = "x".repeat(nexus_schema::source::MAX_SOURCE_BYTES);
    let def = format!(
        r#"{{"Comment":"{pad}","StartAt":"P","States":{{"P":{{"Type":"Pass","End":true}}}}}}"#
    );
    write(dir, "huge.asl.json", &def)
}

#[test]
fn every_command_refuses_a_file_over_the_size_bound_with_nx007() {
    let dir = tempfile::tempdir().unwrap();
    let huge = oversized_definition(dir.path());
    for args in [
        vec!["lint", "huge.asl.json"],
        vec![
            "migrate",
            "stepfunctions",
            "--input",
            "huge.asl.json",
            "-o",
            "out.nexus.yaml",
        ],
        vec!["run", "huge.asl.json"],
        vec!["graph", "huge.asl.json"],
    ] {
        let out = nexus_in(dir.path())
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{args:?}: {all}");
        assert!(all.contains("NX007"), "{args:?}: {all}");
        assert!(all.contains("16 MiB"), "{args:?}: {all}");
    }
    assert!(!dir.path().join("out.nexus.yaml").exists());
    // Standard input has the same bound.
    let out = nexus_in(dir.path())
        .args([
            "lint",
            "-",
            "--stdin-filename",
            "x.asl.json",
            "--format",
            "json",
        ])
        .pipe_stdin(&huge)
        .unwrap()
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("NX007"));
    // A NEXUS workflow as large is refused by export.
    let mut yaml = String::from("version: \"1.0\"\nstates:\n  - name: A\n    type: succeed\n");
    yaml.push_str(&format!(
        "# {}\n",
        "y".repeat(nexus_schema::source::MAX_SOURCE_BYTES)
    ));
    write(dir.path(), "huge.nexus.yaml", &yaml);
    let out = nexus_in(dir.path())
        .args(["export", "asl", "huge.nexus.yaml"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("NX007"), "{all}");
}

/// `kill -9` of `nexus run` takes its exec handler down with it (PR_SET_PDEATHSIG): before,
/// the handler ran on, so a resumed execution could run the same task twice at once.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_run_takes_its_exec_handler_down() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "slow.sh",
        "#!/bin/sh\ntouch started\nsleep 2\ntouch survived\n",
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        dir.path(),
        "handlers.yaml",
        "slow:\n  exec: [./slow.sh]\n  timeout_seconds: 30\n",
    );
    write(
        dir.path(),
        "task.asl.json",
        r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"slow"},"End":true}}}"#,
    );
    let mut run = std::process::Command::new(assert_cmd::cargo::cargo_bin("nexus"))
        .current_dir(dir.path())
        .args(["run", "task.asl.json", "--handlers", "handlers.yaml"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !dir.path().join("started").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the handler never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    // The handler would have written `survived` 2 s after it started.
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        !dir.path().join("survived").exists(),
        "the handler outlived nexus"
    );
}
