//! Runner for the AWS-recorded conformance corpus (`sfn/<category>/<case>/`): executes each
//! case (plain definitions, Step Functions Local mock configurations, TestState single-state
//! requests), compares status/output/error/cause with `expected.json` (exactly, or loosely on
//! the paths `meta.json` lists as placeholders) and the event history with `history.json`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::handlers::{Handlers, MockHandler};
use crate::mock_config::MockConfig;
use crate::options::RunOptions;
use crate::run::Engine;

/// Outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Category folder (`base`, `choice_operators`, ...).
    pub category: String,
    /// Case folder name.
    pub id: String,
    /// Whether status/output/error/cause matched.
    pub passed: bool,
    /// Whether a recorded history was compared.
    pub history_checked: bool,
    /// Whether the history matched (false when not checked).
    pub history_passed: bool,
    /// Why it failed (empty when passed).
    pub detail: String,
}

fn read_json(p: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(p).ok()?;
    serde_json::from_str(&text).ok()
}

/// All case folders under `root` (`root/<category>/<case>`), sorted.
pub fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(cats) = std::fs::read_dir(root) else {
        return out;
    };
    for cat in cats.flatten() {
        if !cat.path().is_dir() {
            continue;
        }
        if let Ok(cases) = std::fs::read_dir(cat.path()) {
            for c in cases.flatten() {
                if c.path().join("definition.json").exists() {
                    out.push(c.path());
                }
            }
        }
    }
    out.sort();
    out
}

/// Runs every case under `root`.
pub fn run_corpus(root: &Path) -> Vec<CaseResult> {
    case_dirs(root).iter().map(|d| run_case(d)).collect()
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs one case folder.
pub fn run_case(dir: &Path) -> CaseResult {
    let category = dir.parent().map(name_of).unwrap_or_default();
    let id = name_of(dir);
    let mut res = CaseResult {
        category: category.clone(),
        id,
        passed: false,
        history_checked: false,
        history_passed: false,
        detail: String::new(),
    };
    let meta = read_json(&dir.join("meta.json")).unwrap_or(Value::Null);
    let Some(expected) = read_json(&dir.join("expected.json")) else {
        res.detail = String::from("no expected.json");
        return res;
    };
    let mut definition = read_json(&dir.join("definition.json")).unwrap_or(Value::Null);
    let mut input = read_json(&dir.join("input.json")).unwrap_or(Value::Object(Map::new()));
    let mut handlers = Handlers::new();
    let mut opts = RunOptions {
        role_arn: String::from("snf_role_arn"),
        ..RunOptions::default()
    };
    let mut single: Option<(String, Value)> = None;
    let mut state_mock: Option<Value> = None;
    if let Some(mc) = read_json(&dir.join("mock_config.json")) {
        let cfg = match mc.get("config").map(MockConfig::parse) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                res.detail = format!("bad mock config: {e}");
                return res;
            }
            None => {
                res.detail = String::from("mock_config.json has no config");
                return res;
            }
        };
        let sm = cfg.state_machines().next().unwrap_or("").to_string();
        let case = mc
            .get("test_case")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(d) = mc.get("definition_in_mocked_run") {
            definition = d.clone();
        }
        if let Some(i) = mc.get("input_in_mocked_run") {
            input = i.clone();
        }
        opts.state_machine_name = sm.clone();
        handlers.set_mock_config(Arc::new(cfg), sm, case);
    }
    let request = read_json(&dir.join("request.json"));
    if let Some(req) = &request {
        let name = req
            .get("stateName")
            .and_then(Value::as_str)
            .unwrap_or("State")
            .to_string();
        if let Some(r) = req.get("mock").and_then(|m| m.get("result")) {
            let v = match r {
                Value::String(s) => serde_json::from_str(s).unwrap_or(r.clone()),
                other => other.clone(),
            };
            handlers.set_fallback(Arc::new(MockHandler::Return(v.clone())));
            state_mock = Some(v);
        }
        if definition.get("Type").is_some() {
            single = Some((name, req.clone()));
        } else if let Some(n) = req.get("stateName").and_then(Value::as_str) {
            // A whole machine tested at one state: run that state alone.
            if let Some(st) = definition.get("States").and_then(|s| s.get(n)) {
                definition = st.clone();
                single = Some((n.to_string(), req.clone()));
            }
        }
    }
    let engine = match &single {
        Some((name, _)) => Engine::single_state(&definition, name, opts),
        None => Engine::new(&definition, opts),
    };
    let engine = match engine {
        Ok(e) => e,
        Err(e) => {
            res.detail = format!("compile error: {e}");
            if expected.get("status").is_none() {
                // API-level validation errors are recorded without a status.
                res.passed = true;
            }
            return res;
        }
    };
    let exec = match &single {
        Some((_, req)) => {
            let vars = req
                .get("variables")
                .and_then(|v| match v {
                    Value::String(s) => serde_json::from_str::<Value>(s).ok(),
                    other => Some(other.clone()),
                })
                .and_then(|v| v.as_object().cloned())
                .map(crate::vars::Vars::from_map)
                .unwrap_or_default();
            let ctx = req.get("context").cloned();
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(engine.run_with(
                    input,
                    &handlers,
                    vars,
                    ctx.as_ref(),
                    state_mock.take(),
                )),
                Err(e) => Err(crate::RunError::Runtime(e)),
            }
        }
        None => engine.run(input, &handlers),
    };
    let exec = match exec {
        Ok(x) => x,
        Err(e) => {
            res.detail = format!("run error: {e}");
            return res;
        }
    };
    let got = exec.summary();
    let placeholders: Vec<String> = meta
        .get("placeholders")
        .and_then(|p| p.get("expected"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let exp = normalise_expected(&expected, single.is_some());
    let mut got_cmp = got.clone();
    let mut exp_cmp = exp.clone();
    for p in &placeholders {
        blank(&mut got_cmp, p);
        blank(&mut exp_cmp, p);
    }
    if got_cmp == exp_cmp {
        res.passed = true;
    } else {
        res.detail = format!(
            "expected {} got {}",
            crate::io::to_compact(&exp),
            crate::io::to_compact(&got)
        );
    }
    if let Some(h) = read_json(&dir.join("history.json")) {
        let exact = meta.get("exact").and_then(Value::as_bool).unwrap_or(false);
        // Normalised Parallel histories lost events when they were sorted; inexact ones had
        // values replaced by placeholders: neither can be compared event by event.
        let normalised = meta
            .get("history_parallel_normalised")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if single.is_none() && exact && !normalised {
            res.history_checked = true;
            match compare_history(&h, &exec.history, normalised) {
                Ok(()) => res.history_passed = true,
                Err(d) => {
                    if res.passed {
                        res.detail = format!("history: {d}");
                    }
                }
            }
        }
    }
    res
}

/// Keeps the fields an execution result has; TestState responses carry more.
fn normalise_expected(e: &Value, test_state: bool) -> Value {
    let mut m = Map::new();
    for k in ["status", "output", "error", "cause"] {
        if let Some(v) = e.get(k) {
            if test_state
                && k == "output"
                && let Value::String(s) = v
            {
                m.insert(k.into(), serde_json::from_str(s).unwrap_or(v.clone()));
                continue;
            }
            m.insert(k.into(), v.clone());
        }
    }
    Value::Object(m)
}

/// Sets the value at a `$.a.b` placeholder path to null in both documents being compared.
fn blank(v: &mut Value, path: &str) {
    let Some(rest) = path.strip_prefix("$.") else {
        return;
    };
    let mut cur = v;
    let parts: Vec<&str> = rest.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let Value::Object(m) = cur else { return };
        if last {
            if let Some(x) = m.get_mut(*p) {
                *x = Value::Null;
            }
            return;
        }
        match m.get_mut(*p) {
            Some(next) => cur = next,
            None => return,
        }
    }
}

/// Compares histories, ignoring timestamps, role ARNs and the truncation flags; an expected
/// input/output stored parsed is compared with ours parsed.
pub fn compare_history(expected: &Value, got: &[Value], normalised: bool) -> Result<(), String> {
    let exp = expected.as_array().cloned().unwrap_or_default();
    let mut g: Vec<Value> = got.iter().map(|e| norm_event(e, &Value::Null)).collect();
    let mut x: Vec<Value> = exp.iter().map(|e| norm_event(e, &Value::Null)).collect();
    if normalised {
        let key = |v: &Value| crate::io::to_compact(v.get("type").unwrap_or(&Value::Null));
        g.sort_by_key(key);
        x.sort_by_key(key);
        for v in g.iter_mut().chain(x.iter_mut()) {
            if let Value::Object(m) = v {
                m.remove("id");
                m.remove("previousEventId");
            }
        }
    }
    if g.len() != x.len() {
        return Err(format!(
            "{} events, expected {} ({})",
            g.len(),
            x.len(),
            types(&g)
        ));
    }
    for (i, (a, b)) in g.iter().zip(x.iter()).enumerate() {
        let a = align_payloads(a, b);
        if &a != b {
            return Err(format!(
                "event {}: got {} expected {}",
                i + 1,
                crate::io::to_compact(&a),
                crate::io::to_compact(b)
            ));
        }
    }
    Ok(())
}

fn types(v: &[Value]) -> String {
    v.iter()
        .filter_map(|e| e.get("type").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(",")
}

fn norm_event(e: &Value, _: &Value) -> Value {
    let mut e = e.clone();
    if let Value::Object(m) = &mut e {
        m.remove("timestamp");
        for (_, d) in m.iter_mut() {
            if let Value::Object(dm) = d {
                dm.remove("roleArn");
            }
        }
    }
    e
}

/// Where the expected event stores a payload parsed, parse ours too.
fn align_payloads(got: &Value, exp: &Value) -> Value {
    match (got, exp) {
        (Value::Object(g), Value::Object(x)) => {
            let mut out = Map::new();
            for (k, gv) in g {
                let v = match (gv, x.get(k)) {
                    (Value::String(s), Some(xv)) if !xv.is_string() => {
                        serde_json::from_str(s).unwrap_or(gv.clone())
                    }
                    // Raw JSON text as the user wrote it (spacing differs): compare parsed.
                    (Value::String(s), Some(Value::String(xs))) => {
                        match (
                            serde_json::from_str::<Value>(s),
                            serde_json::from_str::<Value>(xs),
                        ) {
                            (Ok(a), Ok(b)) if a == b => Value::String(xs.clone()),
                            _ => gv.clone(),
                        }
                    }
                    (Value::Object(_), Some(xv)) => align_payloads(gv, xv),
                    (Value::Object(inner), None) => Value::Object(inner.clone()),
                    _ => gv.clone(),
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        _ => got.clone(),
    }
}

/// The corpus location: `../shared/conformance/sfn` next to the workspace, else
/// `/work/shared/conformance/sfn`.
pub fn default_root() -> PathBuf {
    let near = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/sfn"
    ));
    if near.exists() {
        near
    } else {
        PathBuf::from("/work/shared/conformance/sfn")
    }
}

/// One line of `KNOWN_GAPS.md`: `- result|history `category/case` — reason`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    /// `result` or `history`.
    pub kind: String,
    /// `category/case`.
    pub case: String,
    /// Why it misses.
    pub reason: String,
}

/// The gaps the results show: every failing result and every mismatching recorded history.
pub fn gaps_of(results: &[CaseResult]) -> Vec<Gap> {
    let mut out = Vec::new();
    for r in results {
        let case = format!("{}/{}", r.category, r.id);
        if !r.passed {
            out.push(Gap {
                kind: String::from("result"),
                case: case.clone(),
                reason: classify(r),
            });
        }
        if r.history_checked && !r.history_passed {
            out.push(Gap {
                kind: String::from("history"),
                case,
                reason: if r.passed {
                    one_line(&r.detail)
                } else {
                    String::from("result already differs")
                },
            });
        }
    }
    out.sort();
    out
}

fn one_line(s: &str) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() > 160 {
        let mut t: String = s.chars().take(160).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

fn classify(r: &CaseResult) -> String {
    let d = &r.detail;
    if d.contains("not yet implemented") || d.contains("JSONata support") {
        return String::from(
            "needs nexus_schema::expr bodies (intrinsics / JSONata / JSONPath filters) still stubbed on branch expr",
        );
    }
    if d.contains("<timestamp>") {
        return String::from("recorded input had its timestamp replaced by a placeholder");
    }
    if r.category == "test_state" && d.starts_with("expected {}") {
        return String::from(
            "TestState API request validation (mock/stateName checks) not implemented",
        );
    }
    if r.category == "local_mocking" {
        return format!("mocked service integration: {}", one_line(d));
    }
    one_line(d)
}

/// Parses `KNOWN_GAPS.md` entries.
pub fn parse_gaps(text: &str) -> Vec<Gap> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- ") else {
            continue;
        };
        let Some((kind, rest)) = rest.split_once(' ') else {
            continue;
        };
        if kind != "result" && kind != "history" {
            continue;
        }
        let rest = rest.trim_start_matches('`');
        let Some((case, reason)) = rest.split_once('`') else {
            continue;
        };
        out.push(Gap {
            kind: kind.to_string(),
            case: case.to_string(),
            reason: reason.trim_start_matches(" — ").trim().to_string(),
        });
    }
    out.sort();
    out
}

/// Renders `KNOWN_GAPS.md`.
pub fn render_gaps(results: &[CaseResult], gaps: &[Gap]) -> String {
    let passed = results.iter().filter(|r| r.passed).count();
    let hc = results.iter().filter(|r| r.history_checked).count();
    let hp = results.iter().filter(|r| r.history_passed).count();
    let mut s = String::from(
        "# Known conformance gaps of nexus-engine\n\n\
         Generated by `cargo run -p nexus-engine --bin conformance -- --write-gaps` from the\n\
         AWS-recorded corpus (`../shared/conformance/sfn`). `tests/conformance.rs` fails when a\n\
         case not listed here fails, or a listed case passes (then regenerate this file).\n\n",
    );
    s.push_str(&format!(
        "Results: {passed}/{} cases match. Histories: {hp}/{hc} recorded exact histories match.\n\n",
        results.len()
    ));
    for kind in ["result", "history"] {
        s.push_str(&format!("## {kind}\n\n"));
        for g in gaps.iter().filter(|g| g.kind == kind) {
            s.push_str(&format!("- {} `{}` — {}\n", g.kind, g.case, g.reason));
        }
        s.push('\n');
    }
    s
}
