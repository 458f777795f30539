//! Tests of policy loading and evaluation over whole documents.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use nexus_schema::document::PointerMap;
use nexus_schema::ir::Workflow;
use nexus_schema::{
    DocKind, Document, LineIndex, LocationMap, NodeLoc, Severity, SourceFormat, TextRange,
};

use super::*;

fn asl(v: Value) -> Document {
    Document::asl(
        "t.asl.json",
        Arc::from(""),
        SourceFormat::Json,
        v,
        Default::default(),
    )
}

fn run(set: &PolicySet, doc: &Document) -> Vec<Diagnostic> {
    set.evaluate(doc, &Workflow::from_asl(&doc.asl))
}

fn codes(ds: &[Diagnostic]) -> Vec<String> {
    let mut v: Vec<String> = ds.iter().map(|d| d.code.to_string()).collect();
    v.sort();
    v
}

fn temp_dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nexus-policy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

#[test]
fn bundled_pack_reports_with_codes_and_pointers() {
    let set = PolicySet::bundled_only().unwrap();
    let doc = asl(json!({"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge", "Next": "Fan"},
        "Fan": {"Type": "Map", "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 9999999, "End": true}}}, "End": true}
    }}));
    let ds = run(&set, &doc);
    assert_eq!(
        codes(&ds),
        [
            "NX301", "NX303", "NX304", "NX306", "NX307", "NX308", "NX310", "NX311"
        ]
    );
    let nx307 = ds.iter().find(|d| d.code.as_str() == "NX307").unwrap();
    assert_eq!(nx307.pointer, "/States/Charge/Resource");
    assert_eq!(nx307.name, "hard-coded-account-id");
    let nx310 = ds.iter().find(|d| d.code.as_str() == "NX310").unwrap();
    assert_eq!(nx310.pointer, "/States/Fan/ItemProcessor/States/W/Seconds");
    assert_eq!(nx310.severity, Severity::Warning);
}

#[test]
fn conftest_v0_and_v1_policies_with_exceptions_and_locators() {
    let v0 = r#"package main

deny[msg] {
  some name
  s := input.States[name]
  s.Type == "Pass"
  msg := {"msg": sprintf("no Pass states (%s)", [name]), "path": ["States", name, "Type"], "code": "NX901"}
}

warn_naming[msg] {
  s := input.states[_]
  not startswith(s.name, "Step")
  msg := sprintf("state %s is not named Step*", [s.name])
}

violation_skipped[msg] { msg := "never reported" }

exception[rules] { rules := ["skipped"] }
"#;
    let v1 = r#"package checks.extra
import rego.v1

deny contains {"msg": "start must be a task", "state": input.StartAt, "field": "Type"} if {
	input.States[input.StartAt].Type != "Task"
}
"#;
    let dir = temp_dir(
        "conftest",
        &[
            ("v0.rego", v0),
            ("v1.rego", v1),
            (
                "v1_test.rego",
                "package checks.extra\nimport rego.v1\ntest_x if true\n",
            ),
        ],
    );
    let doc = asl(
        json!({"StartAt": "A", "TimeoutSeconds": 1, "States": {"A": {"Type": "Pass", "End": true}}}),
    );
    let only_main = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        ..Default::default()
    })
    .unwrap();
    let ds = run(&only_main, &doc);
    assert_eq!(codes(&ds), ["NX900", "NX901"]);
    let deny = ds.iter().find(|d| d.code.as_str() == "NX901").unwrap();
    assert_eq!(deny.pointer, "/States/A/Type");
    assert_eq!(deny.severity, Severity::Error);
    let warn = ds.iter().find(|d| d.code.as_str() == "NX900").unwrap();
    assert_eq!(warn.severity, Severity::Warning);
    assert_eq!(warn.name, "main.warn_naming");

    let all = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        all_namespaces: true,
        ..Default::default()
    })
    .unwrap();
    let ds = run(&all, &doc);
    let extra = ds
        .iter()
        .find(|d| d.message == "start must be a task")
        .unwrap();
    assert_eq!(extra.pointer, "/States/A/Type");

    // Forcing the wrong syntax version fails with the file named.
    let err = PolicySet::load(&PolicyOptions {
        paths: vec![dir.join("v0.rego")],
        rego_version: RegoVersion::V1,
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("v0.rego"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_runaway_policy_is_stopped_with_a_diagnostic() {
    let slow = "package main\nimport rego.v1\ndeny contains x if { some i in numbers.range(1, 20000); some j in numbers.range(1, 20000); x := i + j; x < 0 }\n";
    let dir = temp_dir("slow", &[("slow.rego", slow)]);
    let set = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        timeout: std::time::Duration::from_millis(200),
        ..Default::default()
    })
    .unwrap();
    let start = std::time::Instant::now();
    let ds = run(
        &set,
        &asl(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})),
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(codes(&ds), ["NX043"], "{ds:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_builtin_asked_for_a_huge_result_is_refused_with_a_diagnostic() {
    // Before: one call allocated 24 GB before the timer could look.
    let huge = "package main\nimport rego.v1\ndeny contains \"x\" if { x := numbers.range(1, 1000000000); count(x) > 0 }\nwarn contains \"y\" if { y := numbers.range_step(0, 1000000000000, 3); count(y) > 0 }\n";
    let dir = temp_dir("huge", &[("huge.rego", huge)]);
    let set = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        ..Default::default()
    })
    .unwrap();
    let start = std::time::Instant::now();
    let ds = run(
        &set,
        &asl(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})),
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(codes(&ds), ["NX043", "NX043"], "{ds:?}");
    assert!(
        ds.iter()
            .all(|d| d.message.contains("over the limit of 1000000")),
        "{ds:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bounded_ranges_keep_opa_semantics() {
    let ranges = "package main\nimport rego.v1\ndeny contains msg if {\n  numbers.range(1, 3) == [1, 2, 3]\n  numbers.range(3, 1) == [3, 2, 1]\n  numbers.range(-1, -1) == [-1]\n  numbers.range_step(1, 10, 3) == [1, 4, 7, 10]\n  numbers.range_step(10, 1, 4) == [10, 6, 2]\n  numbers.range_step(0, 5, 2) == [0, 2, 4]\n  msg := \"all ranges match\"\n}\n";
    let dir = temp_dir("ranges", &[("ranges.rego", ranges)]);
    let set = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        ..Default::default()
    })
    .unwrap();
    let ds = run(
        &set,
        &asl(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})),
    );
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert!(ds[0].message.contains("all ranges match"), "{ds:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_recursive_function_is_refused_when_loading() {
    // Before: the stack overflowed and the process aborted (exit 134).
    let direct = "package main\nimport rego.v1\nf(x) := y if { y := f(x) }\ndeny contains \"x\" if { f(1) }\n";
    let mutual = "package main\nimport rego.v1\nf(x) := y if { y := g(x) }\ng(x) := y if { y := f(x) }\ndeny contains \"x\" if { g(1) }\n";
    for (name, text) in [("direct", direct), ("mutual", mutual)] {
        let dir = temp_dir(name, &[("rec.rego", text)]);
        let err = PolicySet::load(&PolicyOptions {
            paths: vec![dir.clone()],
            bundled: false,
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(err, PolicyError::Recursion { .. }), "{err}");
        assert!(err.to_string().contains("main.f"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn mutually_recursive_rules_are_refused_when_loading() {
    // Before: the stack overflowed and the process aborted.
    let rules =
        "package main\nimport rego.v1\na if { b }\nb if { a }\ndeny contains \"x\" if { a }\n";
    let dir = temp_dir("rules", &[("rec.rego", rules)]);
    let err = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("main.a -> main.b -> main.a"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The founding example, as the NEXUS loader presents it: the YAML value, its ASL view and
/// the pointer map. Locations are those of the three `- name:` items.
fn founding_example() -> Document {
    let text = include_str!("../../../fixtures/examples/payment-reconciliation.nexus.yaml");
    let raw = json!({"version": "1.0", "name": "Payment Reconciliation", "states": [
        {"name": "ValidateUser", "action": "validate-user-function", "next": "CheckBalance", "on_failure": {"retry": 3, "backoff": "exponential"}},
        {"name": "CheckBalance", "action": "check-balance-function", "next": "ExecuteTransfer", "on_failure": {"compensate": "refund-user"}},
        {"name": "ExecuteTransfer", "action": "execute-transfer-function", "next": "LogTransaction", "on_failure": {"compensate": "reverse-transfer"}}
    ], "policies": [{"name": "payment-retries", "rule": "function.retry_count >= 3", "severity": "error"}]});
    let task = |f: &str, next: &str| json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": f}, "Next": next});
    let mut validate = task("validate-user-function", "CheckBalance");
    validate["Retry"] =
        json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "BackoffRate": 2.0}]);
    let asl = json!({"StartAt": "ValidateUser", "QueryLanguage": "JSONata", "States": {
        "ValidateUser": validate,
        "CheckBalance": task("check-balance-function", "ExecuteTransfer"),
        "ExecuteTransfer": task("execute-transfer-function", "LogTransaction")
    }});
    let mut origin = PointerMap::identity();
    let mut locations = LocationMap::new();
    for (i, name) in ["ValidateUser", "CheckBalance", "ExecuteTransfer"]
        .iter()
        .enumerate()
    {
        origin.insert(format!("/States/{name}"), format!("/states/{i}"));
        let start = text.find(&format!("- name: {name}")).unwrap() + 2;
        locations.insert(
            format!("/states/{i}"),
            NodeLoc {
                key: None,
                value: TextRange::new(start, start + 10),
            },
        );
    }
    Document {
        path: "payment-reconciliation.nexus.yaml".into(),
        source: Arc::from(text),
        format: SourceFormat::Yaml,
        kind: DocKind::Nexus,
        index: 0,
        label: Some("Payment Reconciliation".into()),
        base: String::new(),
        raw: Arc::new(raw),
        locations: Arc::new(locations),
        asl: Arc::new(asl),
        origin,
        machine_type: None,
        deployment: None,
    }
}

#[test]
fn founding_rule_reports_the_two_states_without_three_retries_at_their_lines() {
    let doc = founding_example();
    let set = PolicySet::load(&PolicyOptions {
        bundled: false,
        ..Default::default()
    })
    .unwrap();
    let ds = run(&set, &doc);
    let index = LineIndex::new(&doc.source);
    let found: Vec<(String, usize)> = ds
        .iter()
        .map(|d| {
            (
                d.pointer.clone(),
                index.line_col(&doc.source, d.span.unwrap().start).line,
            )
        })
        .collect();
    assert_eq!(
        found,
        [("/states/1".to_string(), 10), ("/states/2".to_string(), 15)]
    );
    assert!(
        ds[0]
            .message
            .contains("task `CheckBalance` does not satisfy `function.retry_count >= 3`"),
        "{}",
        ds[0].message
    );
    assert_eq!(ds[0].notes[0].message, "function.retry_count is 0");
    assert_eq!(ds[0].code.as_str(), "NX900");
}

#[test]
fn nexus_input_keeps_actions_and_compensations() {
    let doc = founding_example();
    let input = input::build(&doc, &Workflow::from_asl(&doc.asl));
    assert_eq!(input["states"][2]["action"], "execute-transfer-function");
    assert_eq!(
        input["states"][2]["compensation"]["action"],
        "reverse-transfer"
    );
    assert_eq!(
        input["states"][2]["compensation"]["pointer"],
        "/states/2/on_failure/compensate"
    );
    assert_eq!(input["states"][0]["retry_count"], 3);
    assert_eq!(input["file"]["kind"], "nexus");
    // The bundled NX309 is quiet: both state-changing actions have a compensation.
    let set = PolicySet::bundled_only().unwrap();
    assert!(!codes(&run(&set, &doc)).contains(&"NX309".to_string()));
}

#[test]
fn bad_inline_rules_are_reported_at_the_entry() {
    let mut doc = founding_example();
    Arc::make_mut(&mut doc.raw)["policies"] =
        json!([{"rule": "function.retry_count = 3"}, "some-named-policy", {"name": "no-rule"}]);
    let set = PolicySet::load(&PolicyOptions {
        bundled: false,
        ..Default::default()
    })
    .unwrap();
    let ds = run(&set, &doc);
    assert_eq!(ds.len(), 2, "{ds:?}");
    assert_eq!(ds[0].pointer, "/policies/0/rule");
    assert!(ds[0].message.contains("column 22"), "{}", ds[0].message);
    assert_eq!(ds[1].pointer, "/policies/2");
}

#[test]
fn rule_files_are_loaded_from_policy_dirs() {
    let dir = temp_dir(
        "rules",
        &[(
            "team.policies.yaml",
            "policies:\n  - name: short-timeouts\n    rule: \"state.kind != 'Task' or state.timeout_seconds <= 300\"\n    severity: warning\n    code: NX905\n    message: \"{name} may run too long\"\n",
        )],
    );
    let set = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        ..Default::default()
    })
    .unwrap();
    let doc = asl(
        json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}}),
    );
    let ds = run(&set, &doc);
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].code.as_str(), "NX905");
    assert_eq!(ds[0].message, "A may run too long");
    assert_eq!(ds[0].pointer, "/States/A");
    std::fs::write(dir.join("bad.policies.yaml"), "- rule: \"function.x >\"\n").unwrap();
    let err = PolicySet::load(&PolicyOptions {
        paths: vec![dir.clone()],
        bundled: false,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("bad.policies.yaml: policies[0].rule"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn clean_document_passes_the_bundled_pack() {
    let set = PolicySet::bundled_only().unwrap();
    let doc = asl(
        json!({"StartAt": "Charge", "TimeoutSeconds": 600, "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "charge"},
                "TimeoutSeconds": 30,
                "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "MaxAttempts": 3}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}], "End": true},
            "Failed": {"Type": "Fail"}
        }}),
    );
    assert_eq!(codes(&run(&set, &doc)), Vec::<String>::new());
}

/// Every bundled code has `fixtures/invalid/<CODE>-<name>/`; each file there reports that
/// code with the pack on (NEXUS files once the YAML loader is available), and
/// `fixtures/valid/` stays silent with the pack on.
#[test]
fn bundled_fixtures_report_their_code_and_valid_ones_stay_clean() {
    use nexus_schema::source::load_source;
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"));
    let yaml_available = nexus_schema::load::load_yaml("a: 1\n", &Default::default()).is_ok();
    let options = crate::LintOptions {
        policies: Some(Arc::new(PolicySet::bundled_only().unwrap())),
        ..Default::default()
    };
    let lint_file = |p: &std::path::Path| {
        let text: Arc<str> = std::fs::read_to_string(p).unwrap().into();
        let loaded = load_source(&p.display().to_string(), text);
        let mut ds = loaded.diagnostics;
        for doc in &loaded.documents {
            ds.extend(crate::lint(doc, &options));
        }
        ds
    };
    for m in bundled::metas() {
        let dir = root.join(format!("invalid/{}-{}", m.code, m.name));
        assert!(
            dir.is_dir(),
            "bundled code {} has no fixture folder {}",
            m.code,
            dir.display()
        );
        let mut checked = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.to_string_lossy().ends_with(".yaml") && !yaml_available {
                continue;
            }
            let ds = lint_file(&p);
            assert!(
                ds.iter().any(|d| d.code == m.code),
                "{} does not report {}: {ds:#?}",
                p.display(),
                m.code
            );
            assert!(
                ds.iter().all(|d| d.code.as_str().starts_with("NX3")),
                "{} reports more than policies: {ds:#?}",
                p.display()
            );
            let (snap, _) = crate::testing::render_file_with(&p, &options);
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            insta::with_settings!({snapshot_path => "snapshots", snapshot_suffix => name, prepend_module_to_snapshot => false, omit_expression => true}, {
                insta::assert_snapshot!(m.code.as_str(), snap);
            });
            checked += 1;
        }
        assert!(
            checked > 0 || !yaml_available,
            "{} has no fixtures",
            dir.display()
        );
    }
    let mut stack = vec![root.join("valid")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if yaml_available || !p.to_string_lossy().ends_with(".yaml") {
                let ds = lint_file(&p);
                assert!(
                    ds.is_empty(),
                    "valid fixture {} reports: {ds:#?}",
                    p.display()
                );
            }
        }
    }
    // Every code a bundled file may report is registered.
    for f in bundled::FILES {
        for c in f.codes {
            assert!(
                bundled::meta(c).is_some(),
                "{} reports unregistered {c}",
                f.name
            );
            assert!(f.source.contains(c), "{} does not mention {c}", f.name);
        }
    }
}

/// The virtual machine gives the interpreter's findings, on every fixture and on the shared
/// corpora (when present), with the bundled pack and the conftest-style user policies.
#[test]
fn virtual_machine_agrees_with_the_interpreter() {
    use nexus_schema::source::load_source;
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let options = PolicyOptions {
        paths: vec![
            root.join("fixtures/policies/conftest-v0"),
            root.join("fixtures/policies/conftest-v1"),
        ],
        all_namespaces: true,
        ..Default::default()
    };
    let vm = PolicySet::load(&options).unwrap();
    assert!(vm.on_vm(), "the policies compile for the RVM");
    let interp = PolicySet::interpreted(&options).unwrap();
    // The bundled pack alone runs the program compiled at build time; compiled here (with
    // `--data`, which takes the run-time path) it must find the same.
    let prebuilt = PolicySet::bundled_only().unwrap();
    assert!(prebuilt.on_vm());
    let empty_data =
        std::env::temp_dir().join(format!("nexus-empty-data-{}.json", std::process::id()));
    std::fs::write(&empty_data, "{}").unwrap();
    let compiled_here = PolicySet::load(&PolicyOptions {
        data: vec![empty_data.clone()],
        ..Default::default()
    })
    .unwrap();
    let _ = std::fs::remove_file(&empty_data);
    let mut files = Vec::new();
    let mut stack = vec![root.join("fixtures")];
    stack.extend(nexus_testkit::corpus());
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut docs = 0;
    for p in &files {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let loaded = load_source(&p.display().to_string(), Arc::from(text));
        for doc in &loaded.documents {
            let ir = Workflow::from_asl(&doc.asl);
            let a = vm.evaluate(doc, &ir);
            let b = interp.evaluate(doc, &ir);
            assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "{}: the RVM and the interpreter disagree",
                p.display()
            );
            let c = prebuilt.evaluate(doc, &ir);
            let d = compiled_here.evaluate(doc, &ir);
            assert_eq!(
                format!("{c:?}"),
                format!("{d:?}"),
                "{}: the pack compiled at build time and at run time disagree",
                p.display()
            );
            docs += 1;
        }
    }
    println!("RVM and interpreter agree on {docs} documents");
    assert!(docs > 50);
}

/// The build script compiled the pack this binary embeds (a stale or failed build-time
/// compile would silently cost every run the compile).
#[test]
fn the_bundled_pack_comes_compiled() {
    let (program, packages) = rego::prebuilt_bundled().expect("lint/build.rs compiled the pack");
    let rules: usize = packages.iter().map(|p| p.rules.len()).sum();
    assert_eq!(packages.len(), bundled::FILES.len());
    assert!(rules >= bundled::FILES.len());
    assert_eq!(
        program.entry_points.len(),
        rules + packages.iter().filter(|p| p.exception.is_some()).count()
    );
}
