//! End-to-end tests of the command line's edges (issue #10): a closed pipe, shell
//! completions, a missing input, where whole-workflow findings point, `--format concise`,
//! the order of the GitHub job summary, the JSON summary's counts, SARIF base ids and help,
//! JUnit against Jenkins' schema, the one `$schema` address, and a 3,000-state definition
//! through the human renderer.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup is a failed test"
)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.current_dir(ROOT);
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NEXUS_FORMAT")
        .env("NO_COLOR", "1");
    c
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// An ASL definition with an error (dangling `Next`), a warning (Task without timeout) and a
/// note (no workflow `TimeoutSeconds`), in that order of neither position nor severity.
const MIXED: &str = r#"{
  "Comment": "one finding of each severity",
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Arguments": {"FunctionName": "charge"},
      "QueryLanguage": "JSONata",
      "Next": "Ship"
    },
    "Ship": {"Type": "Pass", "Next": "Gone"}
  }
}
"#;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// A reader that goes away before nexus writes: no panic, no message, the usual exit code.
#[test]
fn a_closed_pipe_ends_quietly() {
    let tmp = tempdir();
    let file = write(tmp.path(), "mixed.asl.json", MIXED);
    let cases: &[(&[&str], i32)] = &[
        (&["rules"], 0),
        (&["schema", "asl"], 0),
        (&["completions", "zsh"], 0),
        (&["lint", "--format", "json", &file], 1),
        (&["run", "-f", "json", &file, "--input", "{}"], 2),
    ];
    for (args, code) in cases {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nexus"))
            .args(*args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before nexus writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _nexus"),
        ("zsh", "#compdef nexus"),
        ("fish", "complete -c nexus"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[nexus]"),
    ] {
        let out = nexus().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker), "{shell}: {text}");
        // Generated from the same definitions as `--help`: subcommands and flags are there.
        assert!(text.contains("lint") && text.contains("fail-on"), "{shell}");
    }
    // The bash script is valid bash.
    let script = nexus()
        .args(["completions", "bash"])
        .output()
        .unwrap()
        .stdout;
    let tmp = tempdir();
    let path = tmp.path().join("nexus.bash");
    std::fs::write(&path, script).unwrap();
    if let Ok(s) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
    {
        assert!(s.success(), "bash -n rejects the completion script");
    }
    nexus()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value"));
}

/// Only the error: no "No problems found in 0 workflow files" beside it, in any format.
#[test]
fn a_missing_input_prints_only_the_error() {
    for format in ["human", "json", "concise"] {
        let out = nexus()
            .args(["lint", "--format", format, "missing.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(out.stdout.is_empty(), "{format}: {:?}", out.stdout);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr.trim_end(),
            "error: no such file or directory: missing.json",
            "{format}"
        );
    }
    // One missing input among good ones still reports the good ones, and fails.
    let out = nexus()
        .args([
            "lint",
            "fixtures/valid/asl/order-pipeline.asl.json",
            "missing.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("1 workflow file")
    );
}

/// A big definition without `TimeoutSeconds`: the NX311 note points at `StartAt`, and its
/// snippet is a few lines, not the document (ASL and NEXUS, plain and nested in a template).
#[test]
fn whole_workflow_findings_point_at_start_at() {
    let tmp = tempdir();
    let mut states = serde_json::Map::new();
    for i in 0..200 {
        let next = if i == 199 {
            serde_json::json!({"Type": "Succeed"})
        } else {
            serde_json::json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
        };
        states.insert(format!("S{i}"), next);
    }
    let asl = serde_json::json!({"Comment": "long", "StartAt": "S0", "States": states});
    let asl_text = serde_json::to_string_pretty(&asl).unwrap();
    let asl_file = write(tmp.path(), "long.asl.json", &asl_text);
    let mut yaml = String::from("version: \"1.0\"\nname: long\nstates:\n");
    for i in 0..200 {
        if i == 199 {
            yaml.push_str(&format!("  - name: S{i}\n    type: succeed\n"));
        } else {
            yaml.push_str(&format!(
                "  - name: S{i}\n    type: pass\n    next: S{}\n",
                i + 1
            ));
        }
    }
    let nexus_file = write(tmp.path(), "long.nexus.yaml", &yaml);
    let start_line = |text: &str, key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key))
            .unwrap()
            + 1
    };
    for (file, line) in [
        (&asl_file, start_line(&asl_text, "\"StartAt\"")),
        (&nexus_file, start_line(&yaml, "states:")),
    ] {
        let out = nexus()
            .args(["lint", "--format", "json", "--select", "NX311", file])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = &json["diagnostics"][0];
        assert_eq!(d["code"], "NX311", "{json}");
        assert_eq!(
            (d["line"].as_u64(), d["end_line"].as_u64()),
            (Some(line as u64), Some(line as u64)),
            "{file}: {d}"
        );
        let human = nexus()
            .args(["lint", "--select", "NX311", file])
            .output()
            .unwrap();
        let lines = String::from_utf8(human.stdout).unwrap().lines().count();
        assert!(lines < 15, "{file}: the snippet has {lines} lines");
    }
}

#[test]
fn concise_is_one_line_per_finding() {
    let tmp = tempdir();
    let file = write(tmp.path(), "mixed.asl.json", MIXED);
    let out = nexus()
        .args(["lint", "--format", "concise", &file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &nexus()
            .args(["lint", "--format", "json", &file])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(text.lines().count(), diagnostics.len(), "{text}");
    for (line, d) in text.lines().zip(diagnostics) {
        let want = format!(
            "{file}:{}:{}: {} {} {}",
            d["line"],
            d["column"],
            d["severity"].as_str().unwrap(),
            d["code"].as_str().unwrap(),
            d["message"].as_str().unwrap()
        );
        assert_eq!(line, want);
    }
    assert!(text.contains(": error NX103 "), "{text}");
}

/// Errors, then warnings, then notes, in the table of codes and in the list of findings.
#[test]
fn job_summary_lists_errors_first() {
    let tmp = tempdir();
    let file = write(tmp.path(), "mixed.asl.json", MIXED);
    let summary = tmp.path().join("summary.md");
    nexus()
        .args(["lint", "--format", "github", &file])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&summary).unwrap();
    let rank = |row: &str| {
        if row.contains("| error |") || row.contains("NX103") || row.contains("NX104") {
            0
        } else if row.contains("| warning |") || row.contains("NX301") {
            1
        } else {
            2
        }
    };
    for table in text.split("\n\n").filter(|t| t.starts_with('|')) {
        let ranks: Vec<i32> = table.lines().skip(2).map(rank).collect();
        assert!(ranks.len() >= 3, "{table}");
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}\n{table}");
        assert_eq!(ranks.first(), Some(&0), "{table}");
        assert_eq!(ranks.last(), Some(&2), "{table}");
    }
}

#[test]
fn json_summary_counts_notes() {
    let tmp = tempdir();
    let file = write(tmp.path(), "mixed.asl.json", MIXED);
    let json: serde_json::Value = serde_json::from_slice(
        &nexus()
            .args(["lint", "--format", "json", &file])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let count = |sev: &str| {
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == sev)
            .count() as u64
    };
    let summary = &json["summary"];
    assert!(count("info") > 0, "{json}");
    assert_eq!(summary["notes"].as_u64(), Some(count("info")));
    assert_eq!(summary["errors"].as_u64(), Some(count("error")));
    assert_eq!(summary["warnings"].as_u64(), Some(count("warning")));
}

#[test]
fn sarif_has_base_ids_help_and_pinned_help_uris() {
    let out = nexus()
        .args(["lint", "--format", "sarif"])
        .arg("fixtures/invalid/NX103-dangling-transition/dangling-next.asl.json")
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &log["runs"][0];
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let cwd = std::path::Path::new(ROOT).canonicalize().unwrap();
    assert!(
        root.trim_end_matches('/')
            .ends_with(cwd.file_name().unwrap().to_str().unwrap()),
        "{root}"
    );
    for result in run["results"].as_array().unwrap() {
        let loc = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uriBaseId"], "%SRCROOT%", "{loc}");
        assert_eq!(
            loc["uri"],
            "fixtures/invalid/NX103-dangling-transition/dangling-next.asl.json"
        );
    }
    let repo = env!("CARGO_PKG_REPOSITORY");
    let rules_md = std::fs::read_to_string(format!("{ROOT}/docs/rules.md")).unwrap();
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let code = rule["id"].as_str().unwrap();
        let anchor = code.to_ascii_lowercase();
        assert_eq!(
            rule["helpUri"].as_str().unwrap(),
            format!(
                "{repo}/blob/v{}/docs/rules.md#{anchor}",
                env!("CARGO_PKG_VERSION")
            )
        );
        // The anchor GitHub makes of a heading `## NX103 ...` / `### NX103`.
        let headings: Vec<String> = rules_md
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').trim().to_ascii_lowercase())
            .collect();
        if headings.iter().any(|h| h.starts_with("nx")) {
            assert!(
                headings
                    .iter()
                    .any(|h| h == &anchor || h.starts_with(&format!("{anchor} "))),
                "docs/rules.md has no heading for {code}"
            );
        }
        let text = rule["help"]["text"].as_str().unwrap();
        let markdown = rule["help"]["markdown"].as_str().unwrap();
        assert!(markdown.contains("## What it does"), "{markdown}");
        assert!(!text.contains("##") && !text.contains('`'), "{text}");
        assert!(text.contains("What it does"), "{text}");
    }
}

/// Element and attribute rules of Jenkins' xUnit `junit-10.xsd` (jenkinsci/xunit-plugin):
/// element name -> (required attributes, optional attributes, allowed children).
fn junit10_rule(
    name: &str,
) -> Option<(
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
)> {
    Some(match name {
        "testsuites" => (
            &[],
            &["name", "time", "tests", "failures", "errors"],
            &["testsuite"],
        ),
        "testsuite" => (
            &["name", "tests", "failures", "errors"],
            &[
                "group",
                "time",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
            ],
            &[
                "testsuite",
                "properties",
                "testcase",
                "system-out",
                "system-err",
            ],
        ),
        "testcase" => (
            &["name"],
            &["time", "classname", "group"],
            &[
                "skipped",
                "error",
                "failure",
                "rerunFailure",
                "rerunError",
                "flakyFailure",
                "flakyError",
                "system-out",
                "system-err",
            ],
        ),
        "failure" | "error" | "skipped" => (&[], &["type", "message"], &[]),
        "system-out" | "system-err" => (&[], &[], &[]),
        "properties" => (&[], &[], &["property"]),
        "property" => (&["name", "value"], &[], &[]),
        _ => return None,
    })
}

fn check_junit10(node: roxmltree::Node<'_, '_>, problems: &mut Vec<String>) {
    let name = node.tag_name().name();
    let Some((required, optional, children)) = junit10_rule(name) else {
        problems.push(format!("element <{name}> is not in junit-10.xsd"));
        return;
    };
    for a in node.attributes() {
        if !required.contains(&a.name()) && !optional.contains(&a.name()) {
            problems.push(format!("<{name}> has attribute `{}`", a.name()));
        }
    }
    for r in required {
        if node.attribute(*r).is_none() {
            problems.push(format!("<{name}> lacks required `{r}`"));
        }
    }
    for c in node.children().filter(roxmltree::Node::is_element) {
        if !children.contains(&c.tag_name().name()) {
            problems.push(format!("<{name}> contains <{}>", c.tag_name().name()));
        }
        check_junit10(c, problems);
    }
}

#[test]
fn junit_is_valid_against_jenkins_junit10() {
    let tmp = tempdir();
    let file = write(tmp.path(), "mixed.asl.json", MIXED);
    let bad = write(tmp.path(), "broken.asl.json", "{\"StartAt\": ");
    for fail_on in ["error", "warning", "never"] {
        let out = nexus()
            .args([
                "lint",
                "--format",
                "junit",
                "--fail-on",
                fail_on,
                &file,
                &bad,
            ])
            .arg("fixtures/valid/asl/order-pipeline.asl.json")
            .output()
            .unwrap();
        let xml = String::from_utf8(out.stdout).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "testsuites");
        let mut problems = Vec::new();
        check_junit10(doc.root_element(), &mut problems);
        assert!(problems.is_empty(), "{problems:?}\n{xml}");
        let cases = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(cases, 3, "{xml}");
    }
}

/// `$schema` of NEXUS YAML: one address, the schema file at this version's release tag, the
/// same in the schema's `$id`, `nexus migrate` output, the README and the docs.
#[test]
fn schema_urls_are_one_pinned_address() {
    let url = format!(
        "{}/raw/v{}/schema/schemas/nexus.schema.json",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    );
    let schema: serde_json::Value =
        serde_json::from_slice(&nexus().args(["schema", "nexus"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(schema["$id"], url);
    assert!(std::path::Path::new(&format!("{ROOT}/schema/schemas/nexus.schema.json")).is_file());
    let migrated = nexus()
        .args([
            "migrate",
            "stepfunctions",
            "--input",
            "fixtures/valid/asl/order-pipeline.asl.json",
        ])
        .output()
        .unwrap();
    let migrated = String::from_utf8(migrated.stdout).unwrap();
    assert!(
        migrated.starts_with(&format!("# yaml-language-server: $schema={url}\n")),
        "{migrated}"
    );
    let mut docs = vec![format!("{ROOT}/README.md")];
    for e in std::fs::read_dir(format!("{ROOT}/docs")).unwrap() {
        docs.push(e.unwrap().path().to_string_lossy().into_owned());
    }
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(at) = line.find("$schema=http") {
                assert_eq!(&line[at + 8..], url, "{doc}:{}", i + 1);
            }
        }
    }
    // `nexus init` links the docs of the same repository at the same tag.
    let tmp = tempdir();
    nexus()
        .current_dir(tmp.path())
        .arg("init")
        .assert()
        .success();
    let toml = std::fs::read_to_string(tmp.path().join("nexus.toml")).unwrap();
    assert!(
        toml.contains(&format!(
            "{}/blob/v{}/docs/",
            env!("CARGO_PKG_REPOSITORY"),
            env!("CARGO_PKG_VERSION")
        )),
        "{toml}"
    );
}

/// The project's address is declared once (workspace `repository` in Cargo.toml): every
/// link to this repository in the docs, the Action, the workflows, the hooks and the schemas
/// names the same owner, and every `uses: <owner>/nexus@<ref>` pins this version's tag.
#[test]
fn the_project_address_is_the_same_everywhere() {
    let repo = env!("CARGO_PKG_REPOSITORY");
    let path = repo
        .strip_prefix("https://github.com/")
        .expect("the repository is a GitHub address");
    assert!(
        !path.contains("OWNER") && path.split('/').count() == 2,
        "{repo}"
    );
    let name = path.rsplit('/').next().unwrap();
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    let mut files = vec![
        format!("{ROOT}/README.md"),
        format!("{ROOT}/action.yml"),
        format!("{ROOT}/.pre-commit-hooks.yaml"),
        format!("{ROOT}/pyproject.toml"),
        format!("{ROOT}/python/pyproject.toml"),
        format!("{ROOT}/schema/schemas/nexus.schema.json"),
        format!("{ROOT}/schema/schemas/asl.schema.json"),
        format!("{ROOT}/lint/src/schemas/policy-input.schema.json"),
    ];
    for dir in ["docs", ".github/workflows", "scripts"] {
        for e in std::fs::read_dir(format!("{ROOT}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                files.push(p.to_string_lossy().into_owned());
            }
        }
    }
    let mut links = 0;
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let at = format!("{file}:{}", i + 1);
            // `github.com/<owner>/<name>` where <name> is this project's.
            for (pos, _) in line.match_indices("github.com/") {
                let rest = &line[pos + "github.com/".len()..];
                let mut seg =
                    rest.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)));
                let (owner, repo_name) = (seg.next().unwrap_or(""), seg.next().unwrap_or(""));
                if repo_name == name {
                    links += 1;
                    if format!("{owner}/{repo_name}") != path {
                        problems.push(format!("{at}: github.com/{owner}/{repo_name}"));
                    }
                }
            }
            // `uses: <owner>/<name>@<ref>` (a remote use of this Action).
            if let Some(pos) = line.find("uses: ") {
                let used = line[pos + "uses: ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                if let Some((action, at_ref)) = used.split_once('@')
                    && action.rsplit('/').next() == Some(name)
                {
                    links += 1;
                    if action != path || at_ref != tag {
                        problems.push(format!("{at}: uses: {used} (want {path}@{tag})"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // README (pre-commit repo, `uses:`, release downloads, `$schema`), the docs and the
    // schemas' `$id`s: a scan that finds nothing is not checking anything.
    assert!(links >= 10, "only {links} links to {repo} found");
}

/// A 3,000-state definition with a finding on every Task: the human report shares one copy of
/// the file and reads each snippet from its own lines (it used to copy and rescan the whole
/// file per finding).
#[test]
fn human_output_of_a_3000_state_definition_is_linear() {
    let tmp = tempdir();
    let mut states = serde_json::Map::new();
    for i in 0..3000 {
        let mut s = serde_json::json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": format!("f{i}"), "Payload.$": "$"},
        });
        if i == 2999 {
            s["End"] = true.into();
        } else {
            s["Next"] = format!("S{}", i + 1).into();
        }
        states.insert(format!("S{i}"), s);
    }
    let asl = serde_json::json!({"StartAt": "S0", "TimeoutSeconds": 60, "States": states});
    let file = write(
        tmp.path(),
        "big.asl.json",
        &serde_json::to_string_pretty(&asl).unwrap(),
    );
    let json: serde_json::Value = serde_json::from_slice(
        &nexus()
            .args(["lint", "--format", "json", &file])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let findings = json["diagnostics"].as_array().unwrap().len();
    assert!(findings >= 3000, "{findings} findings");
    let start = Instant::now();
    let out = nexus()
        .args(["lint", "--format", "human", &file])
        .output()
        .unwrap();
    let took = start.elapsed();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("NX301(").count(), 3000);
    // Quadratic rendering took minutes here in a debug build; linear takes seconds even on a
    // busy machine.
    assert!(took < Duration::from_secs(60), "human output took {took:?}");
}
