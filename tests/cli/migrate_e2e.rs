//! End-to-end tests of `nexus migrate stepfunctions` and `nexus export asl`: every flag, the
//! never-overwrite rule, `--check`, templates, directories, standard input, invalid input,
//! the founding example, a round trip through both commands over the sfn corpus, and (with
//! `--features aws`) `--arn` against a local Step Functions endpoint.

// A failed unwrap in a test is a failing test, not a crash on user input.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(root());
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nexus-migrate-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn s(&self, rel: &str) -> String {
        self.path(rel).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn json(p: impl AsRef<Path>) -> Value {
    serde_json::from_str(&read(p)).unwrap()
}

const TASK: &str = "fixtures/migrate/task-lambda/input.asl.json";
const FOUNDING_FIXED: &str = "fixtures/migrate/founding-example/input.nexus.yaml";
const FOUNDING: &str = "fixtures/examples/payment-reconciliation.nexus.yaml";

// --- migrate: where the output goes -----------------------------------------------------------

#[test]
fn migrates_a_file_to_stdout_with_modeline_header_and_notes() {
    let out = nexus()
        .args(["migrate", "stepfunctions", "--input", TASK])
        .assert()
        .success()
        .stderr(predicate::str::contains("NX404(resource-needs-handler)"))
        .stderr(predicate::str::contains("<stdout>:"))
        .stderr(predicate::str::contains("migrated 1 state machine"))
        .get_output()
        .clone();
    let yaml = String::from_utf8(out.stdout).unwrap();
    let mut lines = yaml.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "# yaml-language-server: $schema={}/raw/v{}/schema/schemas/nexus.schema.json",
                env!("CARGO_PKG_REPOSITORY"),
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("# Migrated from fixtures/migrate/task-lambda/input.asl.json")
    );
    assert!(yaml.contains("\nname: input\n"), "{yaml}");
    assert!(yaml.contains("  - name: Charge\n    # NX404"), "{yaml}");
    // Same input, same bytes.
    let again = nexus()
        .args(["migrate", "stepfunctions", "-q", "-i", TASK])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(again, yaml.as_bytes());
}

#[test]
fn quiet_hides_informational_notes() {
    nexus()
        .args(["migrate", "stepfunctions", "--quiet", "--input", TASK])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn notes_render_as_json() {
    let out = nexus()
        .args([
            "migrate",
            "stepfunctions",
            "--format",
            "json",
            "--input",
            TASK,
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stderr).unwrap();
    let notes = v["diagnostics"].as_array().unwrap();
    let placeholder = notes.iter().find(|d| d["code"] == "NX403").unwrap();
    assert_eq!(placeholder["path"], "<stdout>");
    assert_eq!(placeholder["pointer"], "/states/1/parameters/TopicArn");
    // The line is that of the YAML on stdout.
    let yaml = String::from_utf8(out.stdout).unwrap();
    let line = placeholder["line"].as_u64().unwrap() as usize;
    assert!(
        yaml.lines().nth(line - 1).unwrap().contains("TopicArn:"),
        "{yaml}"
    );
}

#[test]
fn reads_asl_from_stdin_as_json_or_yaml() {
    let asl = read(root().join(TASK));
    let out = nexus()
        .args(["migrate", "stepfunctions", "-q", "--input", "-"])
        .write_stdin(asl)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let yaml = String::from_utf8(out).unwrap();
    assert!(yaml.contains("# Migrated from <stdin>"), "{yaml}");
    assert!(!yaml.contains("\nname:"), "no file name, no name: {yaml}");
    assert!(yaml.contains("action: charge-card"), "{yaml}");
    nexus()
        .args(["migrate", "stepfunctions", "-q", "-i", "-"])
        .write_stdin("StartAt: A\nStates:\n  A:\n    Type: Succeed\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("  - name: A\n    type: succeed\n"));
}

#[test]
fn write_puts_the_output_beside_the_input_and_never_overwrites() {
    let t = TempDir::new();
    std::fs::copy(root().join(TASK), t.path("charge.asl.json")).unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "-q", "--write", "-i"])
        .arg(t.s("charge.asl.json"))
        .assert()
        .success()
        .stdout("");
    let written = read(t.path("charge.nexus.yaml"));
    assert!(written.contains("name: charge\n"), "{written}");

    // Again: the file exists, so nothing is written and the exit code is 2.
    std::fs::write(t.path("charge.nexus.yaml"), "# edited by hand\n").unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "--write", "-i"])
        .arg(t.s("charge.asl.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("refusing to overwrite"))
        .stderr(predicate::str::contains("charge.nexus.yaml"));
    assert_eq!(read(t.path("charge.nexus.yaml")), "# edited by hand\n");

    nexus()
        .args(["migrate", "stepfunctions", "-q", "--write", "--force", "-i"])
        .arg(t.s("charge.asl.json"))
        .assert()
        .success();
    assert_eq!(read(t.path("charge.nexus.yaml")), written);
}

#[test]
fn output_file_is_never_overwritten_without_force() {
    let t = TempDir::new();
    let out = t.s("out.nexus.yaml");
    nexus()
        .args(["migrate", "stepfunctions", "-i", TASK, "-o", &out])
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote 1 file"));
    let first = read(&out);
    std::fs::write(&out, "keep me\n").unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "-i", TASK, "-o", &out])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(read(&out), "keep me\n");
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "-q",
            "--force",
            "-i",
            TASK,
            "-o",
            &out,
        ])
        .assert()
        .success();
    assert_eq!(read(&out), first);
}

#[test]
fn check_reports_missing_and_stale_outputs_and_writes_nothing() {
    let t = TempDir::new();
    let out = t.s("wf.nexus.yaml");
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "--check",
            "-i",
            TASK,
            "-o",
            &out,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would create"));
    assert!(!t.path("wf.nexus.yaml").exists());
    nexus()
        .args(["migrate", "stepfunctions", "-q", "-i", TASK, "-o", &out])
        .assert()
        .success();
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "--check",
            "-i",
            TASK,
            "-o",
            &out,
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("up to date"));
    let edited = read(&out).replace("timeout_seconds: 30", "timeout_seconds: 31");
    std::fs::write(&out, &edited).unwrap();
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "--check",
            "-i",
            TASK,
            "-o",
            &out,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would change"));
    assert_eq!(read(&out), edited, "--check never writes");
    // Without an output file there is nothing to compare with.
    nexus()
        .args(["migrate", "stepfunctions", "--check", "-i", TASK])
        .assert()
        .code(2);
}

#[test]
fn a_directory_is_mirrored_under_the_output_directory() {
    let t = TempDir::new();
    let src = t.path("src");
    std::fs::create_dir_all(src.join("a/b")).unwrap();
    std::fs::copy(root().join(TASK), src.join("a/charge.asl.json")).unwrap();
    std::fs::copy(
        root().join("fixtures/migrate/wait/input.asl.json"),
        src.join("a/b/definition.json"),
    )
    .unwrap();
    // Not workflows, or NEXUS already: left alone.
    std::fs::write(src.join("package.json"), "{\"name\": \"x\"}").unwrap();
    std::fs::copy(root().join(FOUNDING_FIXED), src.join("pay.nexus.yaml")).unwrap();
    let out = t.s("out");
    nexus()
        .args(["migrate", "stepfunctions", "-i"])
        .arg(src.to_string_lossy().as_ref())
        .args(["--output", &out])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "migrated 2 state machines; wrote 2 file(s); skipped 2 file(s) holding no ASL state machine",
        ));
    assert!(t.path("out/a/charge.nexus.yaml").is_file());
    assert!(t.path("out/a/b/definition.nexus.yaml").is_file());
    let mut all: Vec<_> = walk(&t.path("out"));
    all.sort();
    assert_eq!(all.len(), 2, "{all:?}");
    // `--write` next to each input; the NEXUS file in the tree is not migrated again.
    nexus()
        .args(["migrate", "stepfunctions", "-q", "--write", "-i"])
        .arg(src.to_string_lossy().as_ref())
        .assert()
        .success();
    assert!(src.join("a/b/definition.nexus.yaml").is_file());
    assert!(!src.join("pay.nexus.nexus.yaml").exists());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn template_machines_are_named_after_their_logical_ids() {
    let t = TempDir::new();
    let out = t.s("out");
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "-q",
            "-i",
            "fixtures/templates/cfn-sub.yaml",
            "-o",
            &out,
        ])
        .assert()
        .success();
    for id in ["OrderMachine", "AuditMachine", "ReportMachine"] {
        let y = read(t.path(&format!("out/{id}.nexus.yaml")));
        assert!(y.contains(&format!("\nname: {id}\n")), "{y}");
        assert!(
            y.contains(&format!("fixtures/templates/cfn-sub.yaml ({id})")),
            "{y}"
        );
    }
    // Several machines on stdout: one YAML stream.
    let stream = nexus()
        .args([
            "migrate",
            "stepfunctions",
            "-q",
            "-i",
            "fixtures/templates/serverless/serverless.yml",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8(stream)
            .unwrap()
            .contains("name: helloMachine")
    );
    // A SAM template whose DefinitionUri file is missing: an error with its location.
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "-i",
            "fixtures/templates/sam/template.yaml",
            "-o",
            &t.s("sam"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NX030"))
        .stderr(predicate::str::contains("template.yaml:36"));
    assert!(!t.path("sam").exists(), "nothing written");
}

#[test]
fn several_machines_need_a_directory_not_one_file() {
    let t = TempDir::new();
    // `--output` naming a file that does not exist becomes a directory for several outputs.
    let out = t.s("machines");
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "-q",
            "-i",
            "fixtures/templates/cfn.json",
            "-o",
            &out,
        ])
        .assert()
        .success();
    assert!(t.path("machines/StringMachine.nexus.yaml").is_file());
    assert!(t.path("machines/JoinMachine.nexus.yaml").is_file());
}

// --- migrate: bad input ----------------------------------------------------------------------

#[test]
fn invalid_json_is_a_located_diagnostic_and_nothing_is_written() {
    let t = TempDir::new();
    std::fs::write(
        t.path("bad.asl.json"),
        "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\",, \"End\": true}\n  }\n}\n",
    )
    .unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "--write", "-i"])
        .arg(t.s("bad.asl.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NX001"))
        .stderr(predicate::str::contains("bad.asl.json:4:"));
    assert!(!t.path("bad.nexus.yaml").exists());
    let out = nexus()
        .args(["migrate", "stepfunctions", "-f", "json", "-i"])
        .arg(t.s("bad.asl.json"))
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "NX001");
    assert_eq!(v["diagnostics"][0]["line"], 4);
}

#[test]
fn a_broken_file_in_a_directory_stops_the_whole_run() {
    let t = TempDir::new();
    std::fs::create_dir_all(t.path("src")).unwrap();
    std::fs::copy(root().join(TASK), t.path("src/good.asl.json")).unwrap();
    std::fs::write(
        t.path("src/dup.asl.json"),
        "{\"StartAt\": \"A\", \"StartAt\": \"B\", \"States\": {}}",
    )
    .unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "-i"])
        .arg(t.s("src"))
        .args(["-o", &t.s("out")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NX002"));
    assert!(!t.path("out").exists());
}

#[test]
fn not_a_state_machine_and_tool_failures() {
    let t = TempDir::new();
    std::fs::write(t.path("x.json"), "{\"name\": \"package\"}").unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "-i"])
        .arg(t.s("x.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NX006").or(predicate::str::contains("not-a-workflow")));
    nexus()
        .args(["migrate", "stepfunctions", "-i", "no/such/file.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
    nexus()
        .args(["migrate", "stepfunctions", "-i", FOUNDING_FIXED])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nexus export asl"));
    nexus()
        .args(["migrate", "stepfunctions", "--write", "-i", "-"])
        .write_stdin("{}")
        .assert()
        .code(2);
    std::fs::write(t.path("bin.json"), [0xff, 0xfe, 0x00]).unwrap();
    nexus()
        .args(["migrate", "stepfunctions", "-i"])
        .arg(t.s("bin.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not UTF-8"));
}

#[cfg(not(feature = "aws"))]
#[test]
fn arn_needs_the_aws_feature() {
    nexus()
        .args([
            "migrate",
            "stepfunctions",
            "--arn",
            "arn:aws:states:us-east-1:123456789012:stateMachine:Orders",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--features aws"));
}

// --- export ----------------------------------------------------------------------------------

#[test]
fn the_founding_example_exports_to_asl_that_lint_accepts() {
    let t = TempDir::new();
    let out = t.s("payment.asl.json");
    nexus()
        .args(["export", "asl", FOUNDING_FIXED, "-o", &out])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("NX406(compensation-lowered)"));
    let asl = json(&out);
    // The saga: ExecuteTransfer's and LogTransaction's failures go to the one compensation
    // chain, which undoes ExecuteTransfer, then CheckBalance, each if it completed (workflow
    // variables record that); then the original error is raised again.
    let states = &asl["States"];
    assert_eq!(asl["StartAt"], "Saga_Start");
    for failing in ["ExecuteTransfer", "LogTransaction"] {
        assert_eq!(
            states[failing]["Catch"][0]["Next"],
            "Saga_Check_ExecuteTransfer"
        );
    }
    assert_eq!(
        states["Saga_Check_ExecuteTransfer"]["Choices"][0]["Next"],
        "Compensate_ExecuteTransfer"
    );
    assert_eq!(
        states["Compensate_ExecuteTransfer"]["Next"],
        "Saga_Check_CheckBalance"
    );
    assert_eq!(states["Compensate_CheckBalance"]["Next"], "Saga_Raise");
    assert_eq!(states["Saga_Fail"]["Error"], "{% $nexus_error_1.Error %}");
    assert!(states["ValidateUser"].get("Catch").is_none());
    nexus()
        .args(["lint", "--fail-on", "error", &out])
        .assert()
        .success();
    // Stable: the same bytes on stdout.
    let stdout = nexus()
        .args(["export", "asl", "-q", FOUNDING_FIXED])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(stdout).unwrap(), read(&out));
}

#[test]
fn the_founding_example_with_its_dangling_target_is_refused_at_that_line() {
    nexus()
        .args(["export", "asl", FOUNDING])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("NX103(dangling-transition)"))
        .stderr(predicate::str::contains(
            "payment-reconciliation.nexus.yaml:17:11",
        ));
}

#[test]
fn no_lint_exports_what_lint_rejects() {
    let t = TempDir::new();
    let out = t.s("dangling.asl.json");
    nexus()
        .args(["export", "asl", "-q", "--no-lint", FOUNDING, "-o", &out])
        .assert()
        .success();
    assert_eq!(
        json(&out)["States"]["ExecuteTransfer"]["Next"],
        "LogTransaction"
    );
    nexus()
        .args(["lint", &out])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NX103"));
}

#[test]
fn color_always_colours_the_notes() {
    nexus()
        .args(["migrate", "stepfunctions", "--color", "always", "-i", TASK])
        .assert()
        .success()
        .stderr(predicate::str::contains("\u{1b}["));
    nexus()
        .args(["migrate", "stepfunctions", "--color", "never", "-i", TASK])
        .assert()
        .success()
        .stderr(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn export_never_overwrites_without_force_and_checks() {
    let t = TempDir::new();
    let out = t.s("x.asl.json");
    nexus()
        .args(["export", "asl", FOUNDING_FIXED, "--check", "-o", &out])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would create"));
    assert!(!t.path("x.asl.json").exists());
    nexus()
        .args(["export", "asl", "-q", FOUNDING_FIXED, "-o", &out])
        .assert()
        .success();
    let first = read(&out);
    nexus()
        .args(["export", "asl", FOUNDING_FIXED, "--check", "-o", &out])
        .assert()
        .success();
    std::fs::write(&out, "{}").unwrap();
    nexus()
        .args(["export", "asl", FOUNDING_FIXED, "-o", &out])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("refusing to overwrite"));
    nexus()
        .args(["export", "asl", FOUNDING_FIXED, "--check", "-o", &out])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would change"));
    assert_eq!(read(&out), "{}");
    nexus()
        .args(["export", "asl", "-q", "--force", FOUNDING_FIXED, "-o", &out])
        .assert()
        .success();
    assert_eq!(read(&out), first);
}

#[test]
fn constructs_without_an_asl_form_are_errors_with_their_location() {
    let t = TempDir::new();
    let wf = t.path("loop.nexus.yaml");
    std::fs::write(
        &wf,
        "version: \"1.0\"\nstates:\n  - name: Charge\n    action: charge\n    next: Again\n    on_failure:\n      compensate: refund\n  - name: Again\n    type: choice\n    choices:\n      - variable: $.retry\n        boolean_equals: true\n        next: Charge\n    default: Done\n  - name: Done\n    type: succeed\n",
    )
    .unwrap();
    nexus()
        .args(["export", "asl"])
        .arg(wf.to_string_lossy().as_ref())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("NX407"))
        .stderr(predicate::str::contains("loop.nexus.yaml:7:19"));
}

#[test]
fn export_reads_stdin_and_refuses_what_is_not_nexus() {
    let yaml = read(root().join(FOUNDING_FIXED));
    let out = nexus()
        .args(["export", "asl", "-q", "-"])
        .write_stdin(yaml)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["StartAt"], "Saga_Start");
    assert_eq!(v["States"]["Saga_Start"]["Next"], "ValidateUser");
    nexus()
        .args(["export", "asl", TASK])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("plain ASL already"));
    nexus()
        .args(["export", "asl", "-"])
        .write_stdin("version: \"1.0\"\nstates: {}\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("NX012"));
}

// --- both ways -------------------------------------------------------------------------------

/// Every fixture of `fixtures/migrate/*/input.asl.json`: migrate, export, same JSON value.
#[test]
fn fixtures_round_trip_through_both_commands() {
    let t = TempDir::new();
    let mut count = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("fixtures/migrate"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let input = dir.join("input.asl.json");
        if !input.exists() {
            continue;
        }
        count += 1;
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let yaml = t.s(&format!("{name}.nexus.yaml"));
        nexus()
            .args(["migrate", "stepfunctions", "-q", "-i"])
            .arg(&input)
            .args(["-o", &yaml])
            .assert()
            .success();
        // `--no-lint`: this is about losslessness; `odd-fields` keeps fields AWS would reject
        // (NX200), which the lint gate of `export` refuses on purpose.
        let back = nexus()
            .args(["export", "asl", "-q", "--no-lint", &yaml])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let back: Value = serde_json::from_slice(&back).unwrap();
        assert_eq!(back, json(&input), "{name}");
    }
    assert!(count >= 10);
}

/// The whole sfn corpus in one `migrate` process (a directory input), then every output
/// back through `export`.
#[test]
fn the_sfn_corpus_round_trips_through_both_commands() {
    let Some(corpus) = nexus_testkit::corpus_dir("sfn") else {
        return;
    };
    let t = TempDir::new();
    nexus()
        .args(["migrate", "stepfunctions", "-q", "-i"])
        .arg(&corpus)
        .args(["-o", &t.s("out")])
        .assert()
        .success();
    let (mut count, mut single_states) = (0, 0);
    let mut failures = Vec::new();
    let mut inputs = walk(&corpus);
    inputs.retain(|p| p.file_name().is_some_and(|n| n == "definition.json"));
    inputs.sort();
    for input in &inputs {
        let rel = input.parent().unwrap().strip_prefix(&corpus).unwrap();
        let yaml = t.path("out").join(rel).join("definition.nexus.yaml");
        let original = json(input);
        if original.get("StartAt").is_none() {
            // TestState definitions hold one state, not a state machine: nothing to migrate.
            assert!(!yaml.exists(), "{}", rel.display());
            single_states += 1;
            continue;
        }
        count += 1;
        let out = nexus()
            .args(["export", "asl", "-q"])
            .arg(&yaml)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{}: export failed: {}",
                rel.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let back: Value = serde_json::from_slice(&out.stdout).unwrap();
        if back != original {
            failures.push(format!("{}: differs", rel.display()));
        }
    }
    println!(
        "sfn state machines through `nexus migrate` + `nexus export`: {count}, failures: {} \
         ({single_states} single-state TestState definitions skipped)",
        failures.len()
    );
    assert!(count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- --arn against a local endpoint (cargo feature `aws`) --------------------------------------

#[cfg(feature = "aws")]
mod aws {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Duration;

    const ARN: &str = "arn:aws:states:eu-west-1:123456789012:stateMachine:Orders";

    /// What the endpoint saw.
    struct Seen {
        target: String,
        authorization: String,
        body: Value,
    }

    /// A one-request Step Functions endpoint (AWS JSON 1.0 protocol) on 127.0.0.1: answers
    /// the first request with `status` and `body`, reports what it saw, and stops.
    fn endpoint(status: &str, body: Value) -> (String, mpsc::Receiver<Seen>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        let status = status.to_string();
        std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut target, mut authorization, mut len) = (String::new(), String::new(), 0);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                let value = value.trim().to_string();
                match name.to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = value,
                    "authorization" => authorization = value,
                    "content-length" => len = value.parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut buf = vec![0; len];
            let _ = reader.read_exact(&mut buf);
            let text = body.to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.flush();
            let _ = tx.send(Seen {
                target,
                authorization,
                body: serde_json::from_slice(&buf).unwrap_or(Value::Null),
            });
        });
        (url, rx)
    }

    /// The client sees only what the test sets: fixed keys, no profile, no metadata service.
    fn aws_nexus() -> Command {
        let mut c = nexus();
        for v in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_SFN",
            "AWS_SESSION_TOKEN",
            "AWS_DEFAULT_REGION",
        ] {
            c.env_remove(v);
        }
        c.env("AWS_ACCESS_KEY_ID", "AKIDNEXUSTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent/nexus-test/config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/nexus-test/credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1");
        c
    }

    fn described() -> Value {
        let definition = read(root().join(TASK));
        serde_json::json!({
            "stateMachineArn": ARN,
            "name": "Orders",
            "status": "ACTIVE",
            "definition": definition,
            "roleArn": "arn:aws:iam::123456789012:role/sfn",
            "type": "STANDARD",
            "creationDate": 1.7e9,
        })
    }

    #[test]
    fn reads_a_deployed_machine_through_describe_state_machine() {
        let (url, seen) = endpoint("200 OK", described());
        let out = aws_nexus()
            .args([
                "migrate",
                "stepfunctions",
                "-q",
                "--arn",
                ARN,
                "--endpoint-url",
                &url,
            ])
            .timeout(Duration::from_secs(60))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let yaml = String::from_utf8(out).unwrap();
        assert!(yaml.contains(&format!("# Migrated from {ARN}")), "{yaml}");
        assert!(yaml.contains("\nname: Orders\n"), "{yaml}");
        assert!(yaml.contains("action: charge-card"), "{yaml}");
        let seen = seen.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(seen.target, "AWSStepFunctions.DescribeStateMachine");
        assert_eq!(seen.body["stateMachineArn"], ARN);
        // Signed with the environment's keys, for the machine's own region.
        assert!(
            seen.authorization.contains("Credential=AKIDNEXUSTEST/")
                && seen.authorization.contains("/eu-west-1/states/"),
            "{}",
            seen.authorization
        );
    }

    #[test]
    fn honours_the_endpoint_from_the_environment() {
        let (url, seen) = endpoint("200 OK", described());
        let t = TempDir::new();
        let out = t.s("orders.nexus.yaml");
        aws_nexus()
            .env("AWS_ENDPOINT_URL_SFN", &url)
            .args(["migrate", "stepfunctions", "-q", "--arn", ARN, "-o", &out])
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
        assert!(read(&out).contains("name: Orders"));
        assert!(seen.recv_timeout(Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn a_service_error_is_a_tool_failure() {
        let (url, _seen) = endpoint(
            "400 Bad Request",
            serde_json::json!({"__type": "com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist", "message": "State Machine Does Not Exist"}),
        );
        aws_nexus()
            .args([
                "migrate",
                "stepfunctions",
                "--arn",
                ARN,
                "--endpoint-url",
                &url,
            ])
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("StateMachineDoesNotExist"));
    }
}
