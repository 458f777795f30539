//! The test-file format (`*.nexus-test.yaml`, JSON Schema: `nexus schema test`): the workflow
//! under test, then cases with an input, mocks per Task state and expectations. See
//! docs/testing.md for the reference; this module only reads the file, with a location for
//! every mistake in it.

use std::path::{Path, PathBuf};

use nexus_schema::{LineIndex, LocationMap};
use serde_json::{Map, Value};

/// A test file, read.
#[derive(Debug, Clone)]
pub(crate) struct TestFile {
    /// Where it is.
    pub(crate) path: PathBuf,
    /// Its text (kept for `--update`).
    pub(crate) text: String,
    /// JSON Pointer → span of every node.
    pub(crate) locations: LocationMap,
    /// The workflow file, resolved against the test file's folder.
    pub(crate) workflow: PathBuf,
    /// Which machine of a template (logical id or name).
    pub(crate) machine: Option<String>,
    /// A Step Functions Local mock configuration the cases may take test cases from.
    pub(crate) mock_config: Option<PathBuf>,
    /// Name of the state machine in `mock_config` [default: its only one].
    pub(crate) mock_state_machine: Option<String>,
    /// A handlers file (exec, http, mock) for the Tasks no mock answers.
    pub(crate) handlers: Option<PathBuf>,
    /// The cases, in file order.
    pub(crate) cases: Vec<Case>,
}

/// One test case.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// Its name (unique in the file).
    pub(crate) name: String,
    /// JSON Pointer of the case in the file (`/cases/0`).
    pub(crate) pointer: String,
    /// The execution input.
    pub(crate) input: Value,
    /// Inline mocks: Task state name → responses in the mock-configuration shape
    /// (`{"0": {"Return": ...}, "1-2": {"Throw": {...}}}`).
    pub(crate) mocks: Map<String, Value>,
    /// A test case of the file's `mock_config`, which the inline mocks extend.
    pub(crate) mock_test_case: Option<String>,
    /// What must hold.
    pub(crate) expect: Expect,
}

/// A value expectation: exact, partial (a subset of objects, recursively) and by selector
/// (`$...` JSONPath or `/...` JSON Pointer → exact value).
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueExpect {
    pub(crate) exact: Option<Value>,
    pub(crate) partial: Option<Value>,
    pub(crate) at: Vec<(String, Value)>,
}

impl ValueExpect {
    fn is_empty(&self) -> bool {
        self.exact.is_none() && self.partial.is_none() && self.at.is_empty()
    }
}

/// The expectations of a case on the whole execution.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expect {
    pub(crate) status: Option<String>,
    pub(crate) output: ValueExpect,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    /// The exact sequence of states entered.
    pub(crate) path: Option<Vec<String>>,
    pub(crate) visits: Vec<String>,
    pub(crate) never_visits: Vec<String>,
    /// Per state, in file order.
    pub(crate) states: Vec<(String, StateExpect)>,
}

impl Expect {
    fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.output.is_empty()
            && self.error.is_none()
            && self.cause.is_none()
            && self.path.is_none()
            && self.visits.is_empty()
            && self.never_visits.is_empty()
            && self.states.is_empty()
    }
}

/// Expectations on one state.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateExpect {
    /// Which visit (1-based) [default: the last].
    pub(crate) visit: Option<usize>,
    pub(crate) input: ValueExpect,
    pub(crate) output: ValueExpect,
    /// Variables after the state (each named one must have this value).
    pub(crate) variables: Option<Map<String, Value>>,
    /// Retries the state made (summed over the chosen visit).
    pub(crate) retries: Option<u64>,
}

/// A mistake in a test file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileError(pub(crate) String);

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a file name is a test file's.
pub(crate) fn is_test_file_name(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".nexus-test.yaml", ".nexus-test.yml", ".nexus-test.json"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Reads the text of a JSON or YAML file into one value with its locations.
pub(crate) fn load_value(display: &str, text: &str) -> Result<(Value, LocationMap), FileError> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let loaded = if t.starts_with('{') || t.starts_with('[') {
        nexus_schema::load::load_json(text).map(|l| vec![l])
    } else {
        nexus_schema::load::load_yaml(text, &nexus_schema::load::YamlOptions::default())
    };
    let at = |span: Option<nexus_schema::TextRange>| match span {
        Some(s) => {
            let lc = LineIndex::new(text).line_col(text, s.start);
            format!("{display}:{}:{}", lc.line, lc.column)
        }
        None => display.to_string(),
    };
    match loaded {
        Ok(mut docs) if docs.len() == 1 => {
            let d = docs.remove(0);
            if let Some(issue) = d.issues.first() {
                return Err(FileError(format!("{}: {}", at(issue.span), issue.message)));
            }
            Ok((d.value, d.locations))
        }
        Ok(_) => Err(FileError(format!(
            "{display}: expected exactly one document"
        ))),
        Err(d) => Err(FileError(format!("{}: {}", at(d.span), d.message))),
    }
}

/// Reads a test file.
pub(crate) fn read(path: &Path, display: &str) -> Result<TestFile, FileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| FileError(format!("{display}: cannot read: {e}")))?;
    parse(path, display, text)
}

/// Escapes one JSON Pointer token (RFC 6901).
pub(crate) fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

struct Reader<'a> {
    display: &'a str,
    text: &'a str,
    locations: &'a LocationMap,
    lines: LineIndex,
}

impl Reader<'_> {
    fn err(&self, pointer: &str, message: impl std::fmt::Display) -> FileError {
        let place = match self.locations.value_span(pointer) {
            Some(s) => {
                let lc = self.lines.line_col(self.text, s.start);
                format!("{}:{}:{}", self.display, lc.line, lc.column)
            }
            None => self.display.to_string(),
        };
        let at = if pointer.is_empty() {
            String::new()
        } else {
            format!(" (at {pointer})")
        };
        FileError(format!("{place}: {message}{at}"))
    }

    fn object<'v>(&self, v: &'v Value, ptr: &str) -> Result<&'v Map<String, Value>, FileError> {
        v.as_object()
            .ok_or_else(|| self.err(ptr, "expected a mapping"))
    }

    fn known(&self, m: &Map<String, Value>, ptr: &str, keys: &[&str]) -> Result<(), FileError> {
        for k in m.keys() {
            if !keys.contains(&k.as_str()) {
                return Err(self.err(
                    &format!("{ptr}/{}", token(k)),
                    format!("unknown key `{k}` (expected one of: {})", keys.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn string(&self, v: &Value, ptr: &str) -> Result<String, FileError> {
        v.as_str()
            .map(String::from)
            .ok_or_else(|| self.err(ptr, "expected a string"))
    }

    fn strings(&self, v: &Value, ptr: &str) -> Result<Vec<String>, FileError> {
        let a = v
            .as_array()
            .ok_or_else(|| self.err(ptr, "expected a list of state names"))?;
        a.iter()
            .enumerate()
            .map(|(i, x)| self.string(x, &format!("{ptr}/{i}")))
            .collect()
    }

    fn selectors(&self, v: &Value, ptr: &str) -> Result<Vec<(String, Value)>, FileError> {
        let m = self.object(v, ptr)?;
        let mut out = Vec::new();
        for (sel, want) in m {
            let here = format!("{ptr}/{}", token(sel));
            if sel.starts_with('$') {
                nexus_schema::expr::jsonpath::parse(sel)
                    .map_err(|e| self.err(&here, format!("`{sel}` is not a JSONPath: {e}")))?;
            } else if !(sel.is_empty() || sel.starts_with('/')) {
                return Err(self.err(
                    &here,
                    format!(
                        "selector `{sel}` must be a JSONPath (`$.a.b`) or a JSON Pointer (`/a/b`)"
                    ),
                ));
            }
            out.push((sel.clone(), want.clone()));
        }
        Ok(out)
    }

    fn value_expect(
        &self,
        m: &Map<String, Value>,
        ptr: &str,
        name: &str,
    ) -> Result<ValueExpect, FileError> {
        let at_key = format!("{name}_at");
        Ok(ValueExpect {
            exact: m.get(name).cloned(),
            partial: m.get(&format!("{name}_partial")).cloned(),
            at: match m.get(&at_key) {
                Some(v) => self.selectors(v, &format!("{ptr}/{at_key}"))?,
                None => Vec::new(),
            },
        })
    }

    fn state_expect(&self, v: &Value, ptr: &str) -> Result<StateExpect, FileError> {
        let m = self.object(v, ptr)?;
        self.known(
            m,
            ptr,
            &[
                "visit",
                "input",
                "input_partial",
                "input_at",
                "output",
                "output_partial",
                "output_at",
                "variables",
                "retries",
            ],
        )?;
        let count = |k: &str| -> Result<Option<u64>, FileError> {
            match m.get(k) {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| self.err(&format!("{ptr}/{k}"), "expected a whole number")),
            }
        };
        let visit = count("visit")?;
        if visit == Some(0) {
            return Err(self.err(&format!("{ptr}/visit"), "visits count from 1"));
        }
        Ok(StateExpect {
            visit: visit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            input: self.value_expect(m, ptr, "input")?,
            output: self.value_expect(m, ptr, "output")?,
            variables: match m.get("variables") {
                None => None,
                Some(v) => Some(self.object(v, &format!("{ptr}/variables"))?.clone()),
            },
            retries: count("retries")?,
        })
    }

    fn expect(&self, v: &Value, ptr: &str) -> Result<Expect, FileError> {
        let m = self.object(v, ptr)?;
        self.known(
            m,
            ptr,
            &[
                "status",
                "output",
                "output_partial",
                "output_at",
                "error",
                "cause",
                "path",
                "visits",
                "never_visits",
                "states",
            ],
        )?;
        let status = match m.get("status") {
            None => None,
            Some(s) => {
                let s = self.string(s, &format!("{ptr}/status"))?;
                if !["SUCCEEDED", "FAILED", "TIMED_OUT"].contains(&s.as_str()) {
                    return Err(self.err(
                        &format!("{ptr}/status"),
                        format!("status `{s}` is not SUCCEEDED, FAILED or TIMED_OUT"),
                    ));
                }
                Some(s)
            }
        };
        let opt_string = |k: &str| -> Result<Option<String>, FileError> {
            m.get(k)
                .map(|v| self.string(v, &format!("{ptr}/{k}")))
                .transpose()
        };
        let list = |k: &str| -> Result<Vec<String>, FileError> {
            m.get(k)
                .map(|v| self.strings(v, &format!("{ptr}/{k}")))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let mut states = Vec::new();
        if let Some(s) = m.get("states") {
            let sp = format!("{ptr}/states");
            for (name, se) in self.object(s, &sp)? {
                states.push((
                    name.clone(),
                    self.state_expect(se, &format!("{sp}/{}", token(name)))?,
                ));
            }
        }
        Ok(Expect {
            status,
            output: self.value_expect(m, ptr, "output")?,
            error: opt_string("error")?,
            cause: opt_string("cause")?,
            path: m
                .get("path")
                .map(|v| self.strings(v, &format!("{ptr}/path")))
                .transpose()?,
            visits: list("visits")?,
            never_visits: list("never_visits")?,
            states,
        })
    }

    /// One mocked response in the test-file spelling (`return`/`throw`) or the mock
    /// configuration's (`Return`/`Throw`), as the configuration's.
    fn response(&self, v: &Value, ptr: &str) -> Result<Value, FileError> {
        let m = self.object(v, ptr)?;
        self.known(m, ptr, &["return", "throw", "Return", "Throw"])?;
        if m.len() != 1 {
            return Err(self.err(ptr, "a response is exactly one of `return` or `throw`"));
        }
        if let Some(r) = m.get("return").or_else(|| m.get("Return")) {
            return Ok(serde_json::json!({"Return": r}));
        }
        let t = m
            .get("throw")
            .or_else(|| m.get("Throw"))
            .unwrap_or(&Value::Null);
        let tp = format!(
            "{ptr}/{}",
            if m.contains_key("throw") {
                "throw"
            } else {
                "Throw"
            }
        );
        let tm = self.object(t, &tp)?;
        self.known(tm, &tp, &["error", "cause", "Error", "Cause"])?;
        let field = |a: &str, b: &str| -> Result<Option<String>, FileError> {
            match tm.get(a).or_else(|| tm.get(b)) {
                None => Ok(None),
                Some(v) => self.string(v, &format!("{tp}/{a}")).map(Some),
            }
        };
        let mut out = Map::new();
        out.insert(
            "Error".into(),
            field("error", "Error")?
                .unwrap_or_else(|| String::from("States.TaskFailed"))
                .into(),
        );
        if let Some(c) = field("cause", "Cause")? {
            out.insert("Cause".into(), c.into());
        }
        Ok(serde_json::json!({ "Throw": out }))
    }

    /// A state's mock: one response (every invocation), a list (one per invocation, the
    /// last repeating), or a mock configuration's invocation map (`"0"`, `"1-2"`).
    fn mock(&self, v: &Value, ptr: &str) -> Result<Value, FileError> {
        let mut out = Map::new();
        match v {
            Value::Array(list) => {
                if list.is_empty() {
                    return Err(self.err(ptr, "a list of responses must not be empty"));
                }
                for (i, r) in list.iter().enumerate() {
                    out.insert(i.to_string(), self.response(r, &format!("{ptr}/{i}"))?);
                }
            }
            Value::Object(m)
                if !m.is_empty()
                    && m.keys()
                        .all(|k| k.chars().all(|c| c.is_ascii_digit() || c == '-')) =>
            {
                for (k, r) in m {
                    out.insert(k.clone(), self.response(r, &format!("{ptr}/{}", token(k)))?);
                }
            }
            other => {
                out.insert(String::from("0"), self.response(other, ptr)?);
            }
        }
        Ok(Value::Object(out))
    }

    fn case(&self, v: &Value, ptr: &str, index: usize) -> Result<Case, FileError> {
        let m = self.object(v, ptr)?;
        self.known(
            m,
            ptr,
            &["name", "input", "mocks", "mock_test_case", "expect"],
        )?;
        let name = match m.get("name") {
            Some(n) => self.string(n, &format!("{ptr}/name"))?,
            None => format!("case {}", index.saturating_add(1)),
        };
        let mut mocks = Map::new();
        if let Some(ms) = m.get("mocks") {
            let mp = format!("{ptr}/mocks");
            for (state, mv) in self.object(ms, &mp)? {
                mocks.insert(
                    state.clone(),
                    self.mock(mv, &format!("{mp}/{}", token(state)))?,
                );
            }
        }
        let expect = match m.get("expect") {
            Some(e) => self.expect(e, &format!("{ptr}/expect"))?,
            None => Expect::default(),
        };
        if expect.is_empty() {
            return Err(self.err(
                ptr,
                format!("case `{name}` expects nothing: give it an `expect` (or write `expect: {{status: SUCCEEDED}}` and run `nexus test --update`)"),
            ));
        }
        Ok(Case {
            name,
            pointer: ptr.to_string(),
            input: m
                .get("input")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new())),
            mocks,
            mock_test_case: m
                .get("mock_test_case")
                .map(|v| self.string(v, &format!("{ptr}/mock_test_case")))
                .transpose()?,
            expect,
        })
    }
}

/// Parses the text of a test file.
pub(crate) fn parse(path: &Path, display: &str, text: String) -> Result<TestFile, FileError> {
    let (value, locations) = load_value(display, &text)?;
    let r = Reader {
        display,
        text: &text,
        locations: &locations,
        lines: LineIndex::new(&text),
    };
    let m = r.object(&value, "")?;
    r.known(
        m,
        "",
        &[
            "workflow",
            "machine",
            "mock_config",
            "mock_state_machine",
            "handlers",
            "cases",
        ],
    )?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let rel = |k: &str| -> Result<Option<PathBuf>, FileError> {
        m.get(k)
            .map(|v| r.string(v, &format!("/{k}")).map(|s| dir.join(s)))
            .transpose()
    };
    let workflow = rel("workflow")?.ok_or_else(|| {
        r.err(
            "",
            "a test file names its workflow: `workflow: path/to/machine.asl.json`",
        )
    })?;
    let cases_v = m
        .get("cases")
        .ok_or_else(|| r.err("", "a test file has a list of `cases`"))?;
    let list = cases_v
        .as_array()
        .ok_or_else(|| r.err("/cases", "expected a list of cases"))?;
    let mut cases: Vec<Case> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let case = r.case(c, &format!("/cases/{i}"), i)?;
        if cases.iter().any(|x| x.name == case.name) {
            return Err(r.err(
                &format!("/cases/{i}/name"),
                format!("two cases are named `{}`", case.name),
            ));
        }
        if case.mock_test_case.is_some() && !m.contains_key("mock_config") {
            return Err(r.err(
                &format!("/cases/{i}/mock_test_case"),
                "`mock_test_case` needs a `mock_config` at the top of the file",
            ));
        }
        cases.push(case);
    }
    let opt = |k: &str| -> Result<Option<String>, FileError> {
        m.get(k).map(|v| r.string(v, &format!("/{k}"))).transpose()
    };
    Ok(TestFile {
        path: path.to_path_buf(),
        workflow,
        machine: opt("machine")?,
        mock_config: rel("mock_config")?,
        mock_state_machine: opt("mock_state_machine")?,
        handlers: rel("handlers")?,
        cases,
        locations,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<TestFile, FileError> {
        parse(
            Path::new("dir/t.nexus-test.yaml"),
            "t.nexus-test.yaml",
            text.to_string(),
        )
    }

    #[test]
    fn reads_cases_mocks_and_expectations() {
        let f = p("workflow: wf.asl.json\ncases:\n  - name: ok\n    input: {a: 1}\n    mocks:\n      Charge:\n        - throw: {error: Busy}\n        - return: {ok: true}\n      Ship: {return: 1}\n    expect:\n      status: SUCCEEDED\n      output_at: {\"$.a\": 1, \"/b\": 2}\n      states:\n        Charge: {retries: 1}\n").unwrap();
        assert_eq!(f.workflow, Path::new("dir/wf.asl.json"));
        let c = &f.cases[0];
        assert_eq!(
            c.mocks["Charge"],
            serde_json::json!({"0": {"Throw": {"Error": "Busy"}}, "1": {"Return": {"ok": true}}})
        );
        assert_eq!(c.mocks["Ship"], serde_json::json!({"0": {"Return": 1}}));
        assert_eq!(c.expect.output.at.len(), 2);
        assert_eq!(c.expect.states[0].1.retries, Some(1));
    }

    #[test]
    fn mistakes_have_a_place() {
        let e = p("workflow: wf.asl.json\ncases:\n  - name: x\n    expect: {stauts: SUCCEEDED}\n")
            .unwrap_err();
        assert!(e.0.starts_with("t.nexus-test.yaml:4:"), "{e}");
        assert!(e.0.contains("unknown key `stauts`"), "{e}");
        let e = p("workflow: wf.asl.json\ncases:\n  - name: x\n").unwrap_err();
        assert!(e.0.contains("expects nothing"), "{e}");
        let e =
            p("workflow: wf.asl.json\ncases:\n  - name: x\n    expect: {output_at: {a.b: 1}}\n")
                .unwrap_err();
        assert!(e.0.contains("JSON Pointer"), "{e}");
    }
}
