//! Every definition in the AWS-executed corpus was accepted by Step Functions, so none of its
//! JSONPath templates or paths may be reported by `check_template` / `jsonpath::parse`.

use nexus_schema::expr::{jsonpath, template};
use serde_json::Value;

const TEMPLATES: &[&str] = &["Parameters", "ResultSelector", "ItemSelector"];
const PATHS: &[&str] = &["InputPath", "OutputPath", "ResultPath", "ItemsPath"];

/// Walks states (including nested Parallel branches and Map processors) of JSONPath states.
fn walk(node: &Value, pointer: &str, jsonata_default: bool, problems: &mut Vec<String>) {
    let Some(states) = node.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let ptr = format!("{pointer}/States/{name}");
        let jsonata = match state.get("QueryLanguage").and_then(Value::as_str) {
            Some(q) => q == "JSONata",
            None => jsonata_default,
        };
        if !jsonata {
            for field in TEMPLATES {
                if let Some(t) = state.get(*field) {
                    for issue in template::check_template(t, &format!("{ptr}/{field}")) {
                        problems.push(format!("{}: {}", issue.pointer, issue.message));
                    }
                }
            }
            if let Some(Value::Object(assign)) = state.get("Assign") {
                for issue in template::check_template(
                    &Value::Object(assign.clone()),
                    &format!("{ptr}/Assign"),
                ) {
                    problems.push(format!("{}: {}", issue.pointer, issue.message));
                }
            }
            for field in PATHS {
                if let Some(Value::String(p)) = state.get(*field)
                    && let Err(e) = jsonpath::parse(p)
                {
                    problems.push(format!("{ptr}/{field}: {p}: {e}"));
                }
            }
        }
        for branch in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(branch, &ptr, jsonata, problems);
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(p) = state.get(key) {
                walk(p, &ptr, jsonata, problems);
            }
        }
    }
}

#[test]
fn aws_accepted_templates_check_clean() {
    let Some(dir) = nexus_testkit::corpus_dir("sfn") else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let mut problems = Vec::new();
    let mut count = 0;
    for category in std::fs::read_dir(&dir).unwrap() {
        for case in std::fs::read_dir(category.unwrap().path()).unwrap() {
            let def = case.unwrap().path().join("definition.json");
            let Ok(text) = std::fs::read_to_string(&def) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            count += 1;
            let jsonata = value.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
            let mut found = Vec::new();
            walk(&value, "", jsonata, &mut found);
            problems.extend(found.into_iter().map(|p| format!("{}: {p}", def.display())));
        }
    }
    println!("checked {count} definitions, {} problem(s)", problems.len());
    for p in &problems {
        println!("{p}");
    }
    assert!(problems.is_empty());
}
