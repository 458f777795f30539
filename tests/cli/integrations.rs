//! End-to-end tests of where nexus runs: the machine-readable formats (SARIF, GitHub
//! annotations and job summary, JUnit), `nexus graph`, definitions inside IaC templates, and
//! the GitHub Action's script. Every format has one snapshot over the same findings.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup is a failed test"
)]

use std::path::Path;

use assert_cmd::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The same findings for every format: an error with a "did you mean", a dangling Catch inside
/// a Parallel branch, warnings, and a file without findings.
const INPUTS: &[&str] = &[
    "fixtures/invalid/NX103-dangling-transition/dangling-next.asl.json",
    "fixtures/invalid/NX103-dangling-transition/out-of-branch.asl.json",
    "fixtures/invalid/NX105-no-path-to-end/poll-forever.asl.json",
    "fixtures/valid/asl/order-pipeline.asl.json",
    "fixtures/templates/cfn-sub.yaml",
];

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(ROOT);
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NEXUS_FORMAT")
        .env("NO_COLOR", "1");
    c
}

/// Run `nexus lint --format F` over [`INPUTS`]; stdout with machine-specific parts redacted.
/// The bundled best-practice pack is off: these snapshots are about the formats, and the
/// pack has its own fixtures.
fn lint_output(format: &str) -> String {
    let out = nexus()
        .args(["lint", "--no-bundled", "--format", format])
        .args(INPUTS)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    redact(&String::from_utf8(out.stdout).unwrap())
}

fn redact(s: &str) -> String {
    let root = Path::new(ROOT).canonicalize().unwrap();
    s.replace(&root.to_string_lossy().to_string(), "[ROOT]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn snapshot_human() {
    insta::assert_snapshot!(lint_output("human"));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!(lint_output("json"));
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!(lint_output("sarif"));
}

#[test]
fn snapshot_github() {
    insta::assert_snapshot!(lint_output("github"));
}

#[test]
fn snapshot_junit() {
    insta::assert_snapshot!(lint_output("junit"));
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(format!("{ROOT}/tests/data/sarif-2.1.0.schema.json")).unwrap();
    // The schema (2.1.0-rtm.5, as npm's @microsoft/jest-sarif ships it) has a stray `]` in the
    // `language` patterns, which ECMA-262 tolerates and Rust's regex engine rejects when the
    // validator checks the schema itself. Fix those patterns in memory; nexus never writes a
    // `language`, so the fix cannot hide a problem in our output.
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(text.contains(bad));
    let schema: serde_json::Value =
        serde_json::from_str(&text.replace(bad, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#)).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn sarif_validates_against_the_schema_and_has_what_github_needs() {
    let out = nexus()
        .args([
            "lint",
            "--format",
            "sarif",
            "fixtures/invalid",
            "fixtures/templates",
        ])
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        assert!(r["partialFingerprints"]["nexus/v1"].as_str().unwrap().len() == 16);
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            !uri.starts_with('/') && !uri.starts_with("./"),
            "repo-relative uri: {uri}"
        );
    }
    // Fingerprints are unique within the run.
    let mut fps: Vec<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["nexus/v1"].as_str().unwrap())
        .collect();
    let n = fps.len();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), n, "duplicate fingerprints");
}

#[test]
fn sarif_fingerprints_do_not_depend_on_lines() {
    let tmp = tempdir();
    let dir = tmp.path().to_path_buf();
    let original = std::fs::read_to_string(format!(
        "{ROOT}/fixtures/invalid/NX103-dangling-transition/dangling-next.asl.json"
    ))
    .unwrap();
    let a = dir.join("a.asl.json");
    std::fs::write(&a, &original).unwrap();
    let fp = |path: &Path| {
        let out = nexus()
            .args(["lint", "--format", "sarif"])
            .arg(path)
            .output()
            .unwrap();
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect::<Vec<_>>()
    };
    let before = fp(&a);
    std::fs::write(&a, format!("\n\n\n{original}")).unwrap();
    assert_eq!(before, fp(&a));
}

/// A temporary folder, removed (with its contents) when the returned guard is dropped.
fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("nexus-integrations-")
        .tempdir()
        .unwrap()
}

#[test]
fn github_format_is_the_default_inside_github_actions() {
    let out = nexus()
        .env("GITHUB_ACTIONS", "true")
        .args(["lint"])
        .args(INPUTS)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("::"), "{stdout}");
    assert!(stdout.contains("::error file="), "{stdout}");
    // An explicit format wins.
    let out = nexus()
        .env("GITHUB_ACTIONS", "true")
        .args(["lint", "--format", "json"])
        .args(INPUTS)
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().starts_with('{'));
}

#[test]
fn github_annotations_beyond_the_limit_become_plain_lines() {
    let out = nexus()
        .args(["lint", "--format", "github", "fixtures/invalid"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let annotations = stdout.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(annotations, 10, "{stdout}");
    assert!(
        stdout.contains("over GitHub's limit of 10 annotations per level"),
        "{stdout}"
    );
}

#[test]
fn github_step_summary_is_appended() {
    let tmp = tempdir();
    let dir = tmp.path().to_path_buf();
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    nexus()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["lint", "--format", "github"])
        .args(INPUTS)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("# earlier step\n## nexus lint"), "{text}");
    assert!(text.contains("| NX103 |"), "{text}");
    assert!(text.len() < 1024 * 1024);
}

#[test]
fn junit_follows_fail_on() {
    let out = nexus()
        .args(["lint", "--format", "junit", "--fail-on", "never"])
        .args(INPUTS)
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(!xml.contains("<failure"), "{xml}");
    assert!(xml.contains("<system-out>"), "{xml}");
    assert_eq!(out.status.code(), Some(0));
}

// --- nexus graph ----------------------------------------------------------------------------

fn graph(args: &[&str]) -> String {
    let out = nexus().arg("graph").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn graph_mermaid_snapshot() {
    insta::assert_snapshot!(graph(&["fixtures/examples/order-pipeline.asl.json"]));
}

#[test]
fn graph_dot_snapshot() {
    insta::assert_snapshot!(graph(&[
        "--format",
        "dot",
        "fixtures/examples/order-pipeline.asl.json"
    ]));
}

#[test]
fn graph_highlight_snapshots() {
    let f = "fixtures/invalid/NX103-dangling-transition/out-of-branch.asl.json";
    insta::assert_snapshot!("graph_highlight_mermaid", graph(&["--highlight", f]));
    insta::assert_snapshot!(
        "graph_highlight_dot",
        graph(&["--highlight", "-f", "dot", f])
    );
}

#[test]
fn graph_dot_renders_with_graphviz() {
    let has_dot = std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_dot {
        eprintln!("skipped: Graphviz `dot` is not on PATH");
        return;
    }
    let tmp = tempdir();
    let dir = tmp.path().to_path_buf();
    let dot = dir.join("g.dot");
    let png = dir.join("g.png");
    nexus()
        .args(["graph", "--format", "dot", "--highlight", "-o"])
        .arg(&dot)
        .arg("fixtures/invalid/NX103-dangling-transition/out-of-branch.asl.json")
        .assert()
        .success();
    let status = std::process::Command::new("dot")
        .arg("-Tpng")
        .arg(&dot)
        .arg("-o")
        .arg(&png)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}

// --- IaC templates --------------------------------------------------------------------------

/// Findings as (path, line, code, pointer) from `--format json`.
fn findings(args: &[&str]) -> Vec<(String, u64, String, String)> {
    let out = nexus()
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["code"].as_str().unwrap().to_string(),
                d["pointer"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn templates_in_a_directory_are_found_and_point_into_the_template() {
    let found = findings(&["fixtures/templates"]);
    let has = |path: &str, line: u64, code: &str| {
        found
            .iter()
            .any(|f| f.0 == path && f.1 == line && f.2 == code)
    };
    // CloudFormation YAML, `DefinitionString: !Sub |`: the dangling `Next` on its own line.
    assert!(
        has("fixtures/templates/cfn-sub.yaml", 43, "NX103"),
        "{found:#?}"
    );
    // CloudFormation YAML, `Definition` as data: unreachable state and undefined placeholder.
    assert!(
        has("fixtures/templates/cfn-sub.yaml", 64, "NX102"),
        "{found:#?}"
    );
    assert!(
        has("fixtures/templates/cfn-sub.yaml", 62, "NX031"),
        "{found:#?}"
    );
    // `Fn::Sub` list form: an unresolvable name and an unused variable.
    assert!(
        has("fixtures/templates/cfn-sub.yaml", 75, "NX031"),
        "{found:#?}"
    );
    assert!(
        has("fixtures/templates/cfn-sub.yaml", 77, "NX032"),
        "{found:#?}"
    );
    // SAM: inline definition, `DefinitionUri` (findings in that file, once), a missing file.
    assert!(
        has("fixtures/templates/sam/template.yaml", 30, "NX102"),
        "{found:#?}"
    );
    assert!(
        has("fixtures/templates/sam/template.yaml", 17, "NX032"),
        "{found:#?}"
    );
    assert!(
        has("fixtures/templates/sam/template.yaml", 36, "NX030"),
        "{found:#?}"
    );
    let ship: Vec<_> = found
        .iter()
        .filter(|f| f.0.ends_with("order.asl.json") && f.2 == "NX031")
        .collect();
    assert_eq!(ship.len(), 1, "{found:#?}");
    assert_eq!(ship[0].1, 12);
    // Serverless Framework.
    assert!(
        has("fixtures/templates/serverless/serverless.yml", 26, "NX103"),
        "{found:#?}"
    );
    // JSON template: DefinitionString with escapes, and Fn::Join.
    assert!(has("fixtures/templates/cfn.json", 8, "NX103"), "{found:#?}");
    assert!(
        has("fixtures/templates/cfn.json", 18, "NX103"),
        "{found:#?}"
    );
}

#[test]
fn template_findings_in_github_format_name_the_template_line() {
    let out = nexus()
        .args([
            "lint",
            "--format",
            "github",
            "fixtures/templates/cfn-sub.yaml",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("::error file=fixtures/templates/cfn-sub.yaml,line=43,endLine=43,col=23,endColumn=30,title=NX103 dangling-transition::"),
        "{stdout}"
    );
}

#[test]
fn graph_draws_every_machine_of_a_template() {
    insta::assert_snapshot!(
        "graph_template_mermaid",
        graph(&["--highlight", "fixtures/templates/cfn-sub.yaml"])
    );
    let one = graph(&[
        "--machine",
        "AuditMachine",
        "-f",
        "dot",
        "fixtures/templates/cfn-sub.yaml",
    ]);
    assert!(
        one.contains("label=\"Record\"") && !one.contains("label=\"Store\""),
        "{one}"
    );
}

// --- GitHub Action and pre-commit -----------------------------------------------------------

#[test]
fn action_script_runs_as_github_would_run_it() {
    let tmp = tempdir();
    let dir = tmp.path().to_path_buf();
    let summary = dir.join("summary.md");
    let output = dir.join("output");
    let sarif = dir.join("nexus.sarif");
    let out = std::process::Command::new("bash")
        .arg("scripts/github-action.sh")
        .current_dir(ROOT)
        .env("NEXUS", env!("CARGO_BIN_EXE_nexus"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env(
            "INPUT_PATHS",
            "fixtures/templates/cfn-sub.yaml\n  fixtures/templates/serverless\n",
        )
        .env("INPUT_ARGS", "--fail-on 'error'")
        .env("INPUT_SARIF_FILE", &sarif)
        .env_remove("NEXUS_FORMAT")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("::error file=fixtures/templates/serverless/serverless.yml,line=26"),
        "{stdout}"
    );
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.contains("exit-code=1"), "{outputs}");
    // The counts are those of the JSON report of the same run.
    let json: serde_json::Value = serde_json::from_slice(
        &nexus()
            .args(["lint", "-f", "json", "fixtures/templates/cfn-sub.yaml"])
            .arg("fixtures/templates/serverless")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for key in ["errors", "warnings", "notes"] {
        let want = format!("{key}={}\n", json["summary"][key]);
        assert!(outputs.contains(&want), "{want} in {outputs}");
    }
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        summary.matches("## nexus lint").count(),
        1,
        "the SARIF run adds no summary: {summary}"
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert!(sarif_validator().is_valid(&log));
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
}

/// `working-directory`, paths with spaces one per line, and quoted `args`.
#[test]
fn action_script_takes_paths_with_spaces_args_and_a_working_directory() {
    let tmp = tempdir();
    let dir = tmp.path().join("my repo");
    std::fs::create_dir_all(dir.join("state machines")).unwrap();
    std::fs::write(
        dir.join("state machines/order flow.asl.json"),
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Gone"}}}"#,
    )
    .unwrap();
    let output = tmp.path().join("output");
    let out = std::process::Command::new("bash")
        .arg(format!("{ROOT}/scripts/github-action.sh"))
        .env("NEXUS", env!("CARGO_BIN_EXE_nexus"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "")
        .env("GITHUB_OUTPUT", &output)
        .env("INPUT_WORKING_DIRECTORY", &dir)
        .env("INPUT_PATHS", "state machines/order flow.asl.json\n")
        .env("INPUT_ARGS", "--format \"concise\" --fail-on never")
        .env_remove("NEXUS_FORMAT")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("state machines/order flow.asl.json:"),
        "{stdout}"
    );
    assert!(stdout.contains(": error NX103 "), "{stdout}");
    let outputs = std::fs::read_to_string(&output).unwrap();
    let errors = stdout.lines().filter(|l| l.contains(": error ")).count();
    assert!(
        outputs.contains(&format!("exit-code=0\nerrors={errors}\n")),
        "{outputs}"
    );
}

/// The action's `test` input runs `nexus test` after the lint: a failing case fails the step
/// (the worse of the two exit codes) and is annotated; `test-exit-code` says which part failed.
#[test]
fn action_script_runs_workflow_tests_when_asked() {
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::write(
        dir.join("hello.asl.json"),
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"greeting": "hi"}, "End": true}}}"#,
    )
    .unwrap();
    let run = |expected: &str| {
        std::fs::write(
            dir.join("hello.nexus-test.yaml"),
            format!(
                "workflow: hello.asl.json\ncases:\n  - name: greets\n    expect:\n      status: SUCCEEDED\n      output: {{greeting: {expected}}}\n"
            ),
        )
        .unwrap();
        let output = dir.join(format!("output-{expected}"));
        let out = std::process::Command::new("bash")
            .arg(format!("{ROOT}/scripts/github-action.sh"))
            .env("NEXUS", env!("CARGO_BIN_EXE_nexus"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", "")
            .env("GITHUB_OUTPUT", &output)
            .env("INPUT_WORKING_DIRECTORY", dir)
            .env("INPUT_PATHS", "hello.asl.json")
            .env("INPUT_ARGS", "--no-bundled")
            .env("INPUT_TEST", "true")
            .output()
            .unwrap();
        let outputs = std::fs::read_to_string(&output).unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            outputs,
        )
    };
    let (code, stdout, outputs) = run("hi");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        outputs.contains("exit-code=0\n") && outputs.contains("test-exit-code=0\n"),
        "{outputs}"
    );
    let (code, stdout, outputs) = run("bye");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        outputs.contains("exit-code=0\n") && outputs.contains("test-exit-code=1\n"),
        "{outputs}"
    );
    assert!(
        stdout.contains("::error file=hello.nexus-test.yaml"),
        "{stdout}"
    );
}

#[test]
fn pre_commit_hook_matches_workflow_files_and_templates() {
    let hooks = std::fs::read_to_string(format!("{ROOT}/.pre-commit-hooks.yaml")).unwrap();
    let pattern = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("files: "))
        .unwrap();
    // The python hook declares the pattern (`&files`), the system hook refers to it.
    let pattern = pattern.strip_prefix("&files ").unwrap_or(pattern);
    // pre-commit matches `files` with Python's `re.search`; check with Python itself.
    let cases = [
        ("wf/order.asl.json", true),
        ("a/b.nexus.yml", true),
        ("infra/template.yaml", true),
        ("serverless.yml", true),
        ("stacks/api.template.json", true),
        ("package.json", false),
        ("docs/README.md", false),
    ];
    let script = "import re, sys\np = sys.argv[1]\nfor a in sys.argv[2:]:\n    print(1 if re.search(p, a) else 0)";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(pattern)
        .args(cases.iter().map(|c| c.0))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let got: Vec<bool> = String::from_utf8(o.stdout)
                .unwrap()
                .lines()
                .map(|l| l == "1")
                .collect();
            let want: Vec<bool> = cases.iter().map(|c| c.1).collect();
            assert_eq!(got, want, "{cases:?}");
        }
        _ => eprintln!("skipped: python3 not available to check the `files` regex"),
    }
    // A partial file list (what pre-commit passes) is linted file by file.
    nexus()
        .args(["lint", "fixtures/templates/sam/template.yaml"])
        .assert()
        .code(1);
}

#[test]
fn template_metadata_suppressions_apply_and_report_stale_or_malformed_entries() {
    let out = nexus()
        .args([
            "lint",
            "--format",
            "json",
            "fixtures/templates/metadata/template.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2 finding(s) suppressed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // NX102 (unreachable `Rollback`) and NX312 (Choice without Default) are suppressed; the
    // stale NX301 entry (line 12) and the entry without a reason (line 13) are reported.
    assert_eq!(
        found,
        [("NX040".to_string(), 12), ("NX041".to_string(), 13)]
    );
}
