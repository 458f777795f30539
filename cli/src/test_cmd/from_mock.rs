//! `nexus test --from-mock-config FILE --workflow WF`: turns the test cases of a Step
//! Functions Local mock configuration into a test file. Each case keeps using the
//! configuration (`mock_config` + `mock_test_case`), so there is one source of mocks; its
//! expectations are what the workflow does with those mocks now (status, output or
//! error/cause, path), for a person to review. Mock configurations hold no inputs: every
//! case starts with `input: {}`; set the real ones and run `nexus test --update`.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use nexus_engine::{Handlers, MockConfig};
use serde_json::Value;

use super::TestArgs;

/// `target` relative to the folder `from` (both made absolute first).
fn relative(target: &Path, from: &Path) -> PathBuf {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (t, f) = (abs(target), abs(from));
    let tc: Vec<Component> = t.components().collect();
    let fc: Vec<Component> = f.components().collect();
    let common = tc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..fc.len() {
        out.push("..");
    }
    for c in tc.iter().skip(common) {
        out.push(c.as_os_str());
    }
    out
}

/// A path as a YAML scalar, forward slashes.
fn path_text(p: &Path) -> String {
    serde_json::to_string(&p.to_string_lossy().replace('\\', "/")).unwrap_or_default()
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn convert(args: &TestArgs, mock: &Path) -> Result<String, String> {
    let workflow = args
        .workflow
        .as_deref()
        .ok_or("--from-mock-config needs --workflow")?;
    let text = std::fs::read_to_string(mock)
        .map_err(|e| format!("cannot read {}: {e}", mock.display()))?;
    let (cfg_v, _) = super::load_value(&mock.display().to_string(), &text).map_err(|e| e.0)?;
    let cfg = MockConfig::parse(&cfg_v).map_err(|e| format!("{}: {e}", mock.display()))?;
    let names: Vec<String> = cfg.state_machines().map(String::from).collect();
    let sm = match (&args.state_machine, names.as_slice()) {
        (Some(s), _) if names.contains(s) => s.clone(),
        (None, [one]) => one.clone(),
        _ => {
            return Err(format!(
                "{}: choose a state machine with --state-machine (it has: {})",
                mock.display(),
                names.join(", ")
            ));
        }
    };
    let cases: Vec<String> = cfg_v
        .pointer(&format!(
            "/StateMachines/{}/TestCases",
            super::file::token(&sm)
        ))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let (definition, comps, machine_name) = super::load_workflow(workflow, None)?;
    let here = args
        .output
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let cfg = Arc::new(cfg);
    let mut out = format!(
        "# Converted from {} by `nexus test --from-mock-config`.\n# Mock configurations hold no inputs: set each case's `input`, then run\n# `nexus test --update` and review the expectations it writes.\nworkflow: {}\nmock_config: {}\nmock_state_machine: {}\ncases:\n",
        mock.display(),
        path_text(&relative(workflow, &here)),
        path_text(&relative(mock, &here)),
        json(&Value::from(sm.as_str())),
    );
    for case in cases {
        let mut handlers = Handlers::new();
        handlers.set_mock_config(cfg.clone(), sm.clone(), case.clone());
        let (exec, trace) = super::execute(
            &definition,
            &comps,
            &machine_name,
            &handlers,
            None,
            &case,
            Value::Object(serde_json::Map::new()),
        )?;
        let name = json(&Value::from(case.as_str()));
        out.push_str(&format!(
            "  - name: {name}\n    mock_test_case: {name}\n    input: {{}}\n    expect:\n      status: {}\n",
            exec.status.as_str()
        ));
        if let Some(o) = &exec.output {
            out.push_str(&format!("      output: {}\n", json(o)));
        }
        if let Some(e) = &exec.error {
            out.push_str(&format!(
                "      error: {}\n",
                json(&Value::from(e.as_str()))
            ));
        }
        if let Some(c) = &exec.cause {
            out.push_str(&format!(
                "      cause: {}\n",
                json(&Value::from(c.as_str()))
            ));
        }
        out.push_str(&format!(
            "      path: {}\n",
            json(&Value::from(trace.path()))
        ));
    }
    Ok(out)
}

pub(crate) fn run(args: &TestArgs, mock: &Path) -> u8 {
    let text = match convert(args, mock) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match &args.output {
        Some(p) => match super::update::write_atomic(p, &text) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        },
        None => super::write_out(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative(Path::new("/a/b/c.json"), Path::new("/a/d")),
            Path::new("../b/c.json")
        );
        assert_eq!(
            relative(Path::new("/a/c.json"), Path::new("/a")),
            Path::new("c.json")
        );
    }
}
