//! Runner for the AWS-recorded conformance corpus (`sfn/<category>/<case>/`): executes each
//! case (plain definitions, Step Functions Local mock configurations, TestState requests),
//! compares status/output/error/cause with `expected.json` and the event history with
//! `history.json`, strictly except where the recording replaced values (see [`compare`]).
//!
//! Cases whose *input* lost a value to a placeholder (`meta.placeholders.input`, e.g. a
//! `<timestamp>` a test computed from the clock) are under-determined: the runner tries one
//! representative of each class of values the placeholder can stand for (for a timestamp:
//! text that is no timestamp, the start time, and a time beyond the longest delay a Wait
//! state accepts, 2^31 - 1 seconds) and
//! accepts the case when one of them reproduces the recording; [`CaseResult::loose_input`]
//! marks such cases and the summary counts them separately.
//!
//! [`run_case_with`] can first pass each definition through another representation (the test
//! suite uses it to run `nexus migrate stepfunctions` output). [`resume::check_case`]
//! interrupts a case's journaled run at many points and resumes it.

mod compare;
pub mod resume;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::handlers::Handlers;
use crate::handlers::mock_config::MockConfig;
use crate::run::engine::{Engine, Execution};
use crate::run::options::RunOptions;
use crate::run::test_state::{TestStateError, TestStateRequest, WRAPPED_STATE_NAME};
use compare::{Loose, Pattern};

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
    /// The case's input held placeholders: it passed for one representative value.
    pub loose_input: bool,
    /// Why it failed (empty when passed).
    pub detail: String,
}

/// A definition made ready for the engine by [`run_case_with`]'s preparation step.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The ASL the engine runs.
    pub definition: Value,
    /// NEXUS `compensate` actions that came with it.
    pub compensations: Vec<nexus_schema::nexus::Compensation>,
}

/// Turns a case's ASL state machine into what the engine runs.
pub type Prepare<'a> = &'a dyn Fn(&Value) -> Result<Prepared, String>;

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

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// `$.a.b` → `["a", "b"]`.
fn simple_path(p: &str) -> Option<Vec<String>> {
    let rest = p.strip_prefix("$.")?;
    Some(rest.split('.').map(String::from).collect())
}

/// What the recording allows to differ, from `meta.json`.
fn looseness(meta: &Value, mocked: bool) -> Loose {
    let mut l = Loose {
        runtime_values: !strings(meta.get("definition_runtime_values")).is_empty(),
        placeholders: strings(meta.pointer("/placeholders/expected"))
            .iter()
            .filter_map(|p| simple_path(p))
            .collect(),
        ..Loose::default()
    };
    for t in strings(meta.get("snapshot_transformers")) {
        if let Some(name) = t.strip_prefix("RegexTransformer->") {
            l.names.push(name.to_string());
        } else if let Some(p) = t
            .strip_prefix("JsonpathTransformer(")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(Pattern::parse)
        {
            l.replaced.push(p);
        }
    }
    if mocked {
        l.skipped = strings(meta.get("localstack_skip_snapshot_verify"))
            .iter()
            .filter_map(|p| Pattern::parse(p))
            .collect();
    }
    l
}

/// The values an input placeholder is tried with (see the module docs).
fn representatives(token: &str, start_ms: i64) -> Vec<Value> {
    let mut out = vec![Value::String(token.to_string())];
    if token == "<timestamp>" {
        let beyond_wait_limit = i64::from(i32::MAX).saturating_add(86_400);
        for secs in [0i64, beyond_wait_limit] {
            let ms = start_ms.saturating_add(secs.saturating_mul(1000));
            out.push(Value::String(crate::clock::format_iso_ms(ms)));
        }
    }
    out
}

/// The inputs to try: the recorded one, or one per combination of representatives.
fn input_candidates(input: &Value, paths: &[String], start_ms: i64) -> Vec<Value> {
    let mut out = vec![input.clone()];
    for p in paths {
        let Some(keys) = simple_path(p) else { continue };
        let ptr: String = keys
            .iter()
            .map(|k| format!("/{}", nexus_schema::pointer::escape(k)))
            .collect();
        let mut next = Vec::new();
        for cand in &out {
            let Some(Value::String(token)) = cand.pointer(&ptr) else {
                next.push(cand.clone());
                continue;
            };
            for r in representatives(token, start_ms) {
                let mut c = cand.clone();
                if let Some(slot) = c.pointer_mut(&ptr) {
                    *slot = r;
                }
                next.push(c);
            }
        }
        out = next;
    }
    out
}

/// Runs one case folder directly.
pub fn run_case(dir: &Path) -> CaseResult {
    run_case_with(dir, None)
}

/// Runs the state definition of a TestState case through `prepare`: a lone state is wrapped
/// in a one-state machine first and taken out again after.
fn prepare_state(def: &Value, prepare: Prepare<'_>) -> Result<Value, String> {
    if def.get("Type").is_none() {
        return prepare(def).map(|p| p.definition);
    }
    let wrapped = json!({"StartAt": WRAPPED_STATE_NAME, "States": {WRAPPED_STATE_NAME: def}});
    let p = prepare(&wrapped)?;
    p.definition
        .pointer(&format!("/States/{WRAPPED_STATE_NAME}"))
        .cloned()
        .ok_or_else(|| String::from("the prepared machine lost its state"))
}

/// The code and message of a recorded API error, if `expected` is one.
fn recorded_rejection(expected: &Value) -> Option<(String, String)> {
    if let Some(e) = expected.get("Error") {
        let code = e.get("Code")?.as_str()?.to_string();
        let msg = e.get("Message")?.as_str()?.to_string();
        return Some((code, msg));
    }
    let code = expected.get("exception_typename")?.as_str()?.to_string();
    let value = expected.get("exception_value")?.as_str()?;
    // botocore prefixes service errors with the operation.
    let prefix = format!("An error occurred ({code}) when calling the TestState operation: ");
    Some((
        code,
        value.strip_prefix(&prefix).unwrap_or(value).to_string(),
    ))
}

/// What one run of a case produced.
enum Outcome {
    /// The answer in the corpus's terms (status, output, error, cause; a TestState call's
    /// verdict and nextState), and the run behind it.
    Ran(Value, Box<Execution>),
    Rejected(String, String),
    Error(String),
}

/// Everything a case folder holds.
struct Case {
    meta: Value,
    expected: Value,
    definition: Value,
    input: Value,
    mock: Option<(Arc<MockConfig>, String, String)>,
    request: Option<Value>,
}

fn load_case(dir: &Path) -> Result<Case, String> {
    let meta = read_json(&dir.join("meta.json")).unwrap_or(Value::Null);
    let expected = read_json(&dir.join("expected.json")).ok_or("no expected.json")?;
    let mut definition = read_json(&dir.join("definition.json")).unwrap_or(Value::Null);
    let mut input = read_json(&dir.join("input.json")).unwrap_or(Value::Object(Map::new()));
    let mut mock = None;
    if let Some(mc) = read_json(&dir.join("mock_config.json")) {
        let cfg = match mc.get("config").map(MockConfig::parse) {
            Some(Ok(c)) => c,
            Some(Err(e)) => return Err(format!("bad mock config: {e}")),
            None => return Err(String::from("mock_config.json has no config")),
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
        mock = Some((Arc::new(cfg), sm, case));
    }
    Ok(Case {
        meta,
        expected,
        definition,
        input,
        mock,
        request: read_json(&dir.join("request.json")),
    })
}

fn run_once(case: &Case, input: Value, prepare: Option<Prepare<'_>>) -> Outcome {
    let mut handlers = Handlers::new();
    let mut opts = RunOptions {
        // The recorder replaced the account id of every ARN with this one, and the
        // execution role's ARN with this name.
        account: String::from("111111111111"),
        role_arn: String::from("snf_role_arn"),
        ..RunOptions::default()
    };
    if let Some((cfg, sm, tc)) = &case.mock {
        opts.state_machine_name = sm.clone();
        handlers.set_mock_config(cfg.clone(), sm.clone(), tc.clone());
    }
    if let Some(req) = &case.request {
        let definition = match prepare {
            Some(p) => match prepare_state(&case.definition, p) {
                Ok(d) => d,
                Err(e) => return Outcome::Error(format!("prepare: {e}")),
            },
            None => case.definition.clone(),
        };
        let r = TestStateRequest {
            definition,
            state_name: req
                .get("stateName")
                .and_then(Value::as_str)
                .map(String::from),
            input,
            mock: req.get("mock").cloned(),
            context: req.get("context").cloned(),
            variables: req.get("variables").cloned(),
            role_arn: req.get("roleArn").and_then(Value::as_str).map(String::from),
            ..TestStateRequest::default()
        };
        return match crate::run::test_state::test_state(&r, opts, &handlers) {
            Ok(x) => {
                // The answer as the corpus records it: the output parsed, no inspectionData.
                let mut summary = x.to_json();
                if let Value::Object(m) = &mut summary {
                    m.remove("inspectionData");
                    if let Some(o) = &x.output {
                        m.insert("output".into(), o.clone());
                    }
                }
                Outcome::Ran(summary, Box::new(x.execution))
            }
            Err(TestStateError::Rejected(r)) => Outcome::Rejected(r.code.to_string(), r.message),
            Err(TestStateError::Run(e)) => Outcome::Error(format!("run error: {e}")),
        };
    }
    let (definition, comps) = match prepare {
        Some(p) => match p(&case.definition) {
            Ok(x) => (x.definition, x.compensations),
            Err(e) => return Outcome::Error(format!("prepare: {e}")),
        },
        None => (case.definition.clone(), Vec::new()),
    };
    let engine = match Engine::with_compensations(&definition, &comps, opts) {
        Ok(e) => e,
        Err(e) => return Outcome::Error(format!("compile error: {e}")),
    };
    match engine.run(input, &handlers) {
        Ok(x) => Outcome::Ran(x.summary(), Box::new(x)),
        Err(e) => Outcome::Error(format!("run error: {e}")),
    }
}

/// The expected summary with the recorded output in the shape ours has.
fn normalise_expected(e: &Value, test_state: bool) -> Value {
    let mut m = Map::new();
    for k in ["status", "output", "error", "cause", "nextState"] {
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

/// Compares our summary with the recorded one. `$..` patterns see the summary as the
/// execution's closing event (`executionSucceededEventDetails.output`, ...).
fn compare_summary(loose: &Loose, exp: &Value, got: &Value) -> Result<(), String> {
    let (Value::Object(e), Value::Object(g)) = (exp, got) else {
        return Err(String::from("not an object"));
    };
    for k in g.keys() {
        if !e.contains_key(k) {
            return Err(format!("unexpected `{k}`"));
        }
    }
    for (k, ev) in e {
        let event = match (k.as_str(), e.get("status").and_then(Value::as_str)) {
            ("output", _) => "executionSucceededEventDetails",
            (_, Some("TIMED_OUT")) => "executionTimedOutEventDetails",
            _ => "executionFailedEventDetails",
        };
        let mut path = vec![String::new(), k.clone()];
        let mut virt: Vec<String> = if k == "status" {
            path.clone()
        } else {
            ["", "events", "0", event, k.as_str()]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        loose.compare(ev, g.get(k), &mut path, &mut virt)?;
    }
    Ok(())
}

/// Runs one case folder, passing its definition through `prepare` first when given.
pub fn run_case_with(dir: &Path, prepare: Option<Prepare<'_>>) -> CaseResult {
    let category = dir.parent().map(name_of).unwrap_or_default();
    let mut res = CaseResult {
        category,
        id: name_of(dir),
        passed: false,
        history_checked: false,
        history_passed: false,
        loose_input: false,
        detail: String::new(),
    };
    let case = match load_case(dir) {
        Ok(c) => c,
        Err(e) => {
            res.detail = e;
            return res;
        }
    };
    let single = case.request.is_some();
    let loose = looseness(&case.meta, case.mock.is_some());
    let start = RunOptions::default().clock.now_ms();
    let input_placeholders = strings(case.meta.pointer("/placeholders/input"));
    let candidates = input_candidates(&case.input, &input_placeholders, start);
    res.loose_input = candidates.len() > 1;
    let exp = normalise_expected(&case.expected, single);
    let rejection = recorded_rejection(&case.expected);
    let mut first_detail = None;
    let mut matched: Option<Execution> = None;
    for input in candidates {
        let detail = match (run_once(&case, input, prepare), &rejection) {
            (Outcome::Rejected(c, m), Some((ec, em))) if &c == ec && &m == em => {
                res.passed = true;
                return res;
            }
            (Outcome::Rejected(c, m), Some((ec, em))) => {
                format!("rejected with {c}: {m}; expected {ec}: {em}")
            }
            (Outcome::Rejected(c, m), None) => format!("rejected with {c}: {m}"),
            (Outcome::Ran(summary, _), Some((ec, em))) => format!(
                "expected the request to be rejected with {ec}: {em}, got {}",
                crate::io::to_compact(&summary)
            ),
            (Outcome::Error(e), _) => e,
            (Outcome::Ran(summary, x), None) => match compare_summary(&loose, &exp, &summary) {
                Ok(()) => {
                    matched = Some(*x);
                    break;
                }
                Err(d) => format!(
                    "{d}: expected {} got {}",
                    crate::io::to_compact(&exp),
                    crate::io::to_compact(&summary)
                ),
            },
        };
        first_detail.get_or_insert(detail);
    }
    let Some(exec) = matched else {
        res.detail = first_detail.unwrap_or_default();
        return res;
    };
    res.passed = true;
    if let Some(h) = read_json(&dir.join("history.json")) {
        // A TestState call has no history.
        if !single {
            res.history_checked = true;
            let hl = Loose {
                placeholders: Vec::new(),
                ..loose
            };
            match compare_history(&hl, &h, &exec.history) {
                Ok(()) => res.history_passed = true,
                Err(d) => res.detail = format!("history: {d}"),
            }
        }
    }
    res
}

/// Compares histories event by event, ignoring timestamps and role ARNs; a payload the
/// recording stores parsed is compared with ours parsed.
fn compare_history(loose: &Loose, expected: &Value, got: &[Value]) -> Result<(), String> {
    let exp = expected.as_array().cloned().unwrap_or_default();
    let g: Vec<Value> = got.iter().map(norm_event).collect();
    let x: Vec<Value> = exp.iter().map(norm_event).collect();
    // A normalised recording sorted the events of Parallel branches (their order is not
    // deterministic), replaced their ids by `[0]`, and lost some events on the way: events
    // with an id are matched by id, the `[0]` ones as a bag among ours whose ids the
    // recording does not hold; the ids of the last event say how many there were in all.
    let normalised = x.iter().any(|e| e.get("id").is_some_and(Value::is_array));
    if normalised {
        return compare_normalised(loose, &x, &g);
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
        compare_event(loose, i, a, b)?;
    }
    Ok(())
}

fn compare_event(loose: &Loose, i: usize, got: &Value, exp: &Value) -> Result<(), String> {
    let a = align_payloads(got, exp);
    let mut path = vec![String::new(), String::from("events"), i.to_string()];
    let mut virt = path.clone();
    loose
        .compare(exp, Some(&a), &mut path, &mut virt)
        .map_err(|d| {
            format!(
                "event {}: {d}: got {} expected {}",
                i.saturating_add(1),
                crate::io::to_compact(&a),
                crate::io::to_compact(exp)
            )
        })
}

fn compare_normalised(loose: &Loose, x: &[Value], g: &[Value]) -> Result<(), String> {
    let id_of = |e: &Value| e.get("id").and_then(Value::as_u64);
    let total = x.iter().filter_map(id_of).max().unwrap_or(0);
    if u64::try_from(g.len()).ok() != Some(total) {
        return Err(format!(
            "{} events, the recording numbers {total} ({})",
            g.len(),
            types(g)
        ));
    }
    let recorded: std::collections::HashSet<u64> = x.iter().filter_map(id_of).collect();
    let mut bag: Vec<Value> = Vec::new();
    for (i, a) in g.iter().enumerate() {
        match id_of(a) {
            Some(id) if recorded.contains(&id) => {
                let Some(b) = x.iter().find(|b| id_of(b) == Some(id)) else {
                    continue;
                };
                compare_event(loose, i, a, b)?;
            }
            _ => {
                let mut a = a.clone();
                if let Value::Object(m) = &mut a {
                    m.remove("id");
                    m.remove("previousEventId");
                }
                bag.push(a);
            }
        }
    }
    for (i, b) in x.iter().enumerate().filter(|(_, b)| id_of(b).is_none()) {
        let mut b = b.clone();
        if let Value::Object(m) = &mut b {
            m.remove("id");
            m.remove("previousEventId");
        }
        let hit = bag
            .iter()
            .position(|a| compare_event(loose, i, a, &b).is_ok());
        match hit {
            Some(k) => {
                bag.swap_remove(k);
            }
            None => {
                return Err(format!(
                    "no branch event matches {}",
                    crate::io::to_compact(&b)
                ));
            }
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

fn norm_event(e: &Value) -> Value {
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
                    _ => gv.clone(),
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        _ => got.clone(),
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
/// A reason already written for the same gap in `known` (by hand, in `KNOWN_GAPS.md`) is
/// kept; new gaps get the runner's detail.
pub fn gaps_of(results: &[CaseResult], known: &[Gap]) -> Vec<Gap> {
    let reason_of = |kind: &str, case: &str, fallback: String| {
        known
            .iter()
            .find(|g| g.kind == kind && g.case == case)
            .map_or(fallback, |g| g.reason.clone())
    };
    let mut out = Vec::new();
    for r in results {
        let case = format!("{}/{}", r.category, r.id);
        if !r.passed {
            out.push(Gap {
                kind: String::from("result"),
                reason: reason_of("result", &case, one_line(&r.detail)),
                case: case.clone(),
            });
        }
        if r.history_checked && !r.history_passed {
            out.push(Gap {
                kind: String::from("history"),
                reason: reason_of("history", &case, one_line(&r.detail)),
                case,
            });
        }
    }
    out.sort();
    out
}

/// Pass counts per category and in total, one line each, as the runner prints them.
pub fn render_counts(results: &[CaseResult]) -> String {
    use std::collections::BTreeMap;
    let mut per: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for r in results {
        let e = per.entry(r.category.as_str()).or_default();
        let add = |x: &mut usize, b: bool| *x = x.saturating_add(usize::from(b));
        add(&mut e[0], true);
        add(&mut e[1], r.passed);
        add(&mut e[2], r.history_checked);
        add(&mut e[3], r.history_passed);
        add(&mut e[4], r.passed && r.loose_input);
    }
    let mut out = String::new();
    let mut tot = [0usize; 5];
    let line = |name: &str, c: &[usize; 5]| {
        let mut s = format!(
            "{name:<22} {:>4}/{:<4} history {:>4}/{:<4}",
            c[1], c[0], c[3], c[2]
        );
        if c[4] > 0 {
            s.push_str(&format!("  ({} with an input placeholder)", c[4]));
        }
        s.push('\n');
        s
    };
    for (cat, c) in &per {
        out.push_str(&line(cat, c));
        for (t, x) in tot.iter_mut().zip(c.iter()) {
            *t = t.saturating_add(*x);
        }
    }
    out.push_str(&line("TOTAL", &tot));
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
         Generated by `cargo run -p nexus-engine --example conformance -- --write-gaps` from the\n\
         AWS-recorded corpus (`sfn/` of the conformance corpus); reasons written here by hand are\n\
         kept. `tests/conformance.rs` fails when a case not listed here fails, or a listed case\n\
         passes (then regenerate this file). It also runs every case on the output of\n\
         `nexus migrate stepfunctions` and requires the same verdicts.\n\n\
         Values the recording replaced (LocalStack snapshot transformers, `meta.placeholders`)\n\
         are compared loosely there and strictly everywhere else; see\n\
         `engine/src/conformance/compare.rs`. Cases whose input lost a value to a placeholder\n\
         are run with one representative of each class of values it can stand for.\n\n",
    );
    let loose = results.iter().filter(|r| r.passed && r.loose_input).count();
    s.push_str(&format!(
        "Results: {passed}/{} cases match ({loose} of them through an input placeholder). \
         Histories: {hp}/{hc} recorded histories match.\n\n",
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
