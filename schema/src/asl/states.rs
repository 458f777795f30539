//! One state: the fields every state type shares, and the fields of each type.
//! ASL spec, "States" and "Common State Fields"; AWS, "Discovering workflow states".
//!
//! A state reads only the fields ASL allows for its `Type`; any other field (misplaced or
//! unknown) stays in [`State::extra`] verbatim, where the JSON Schema and the rules find it.

use serde_json::{Map, Value};

use super::ModelIssue;
use super::choice::ChoiceRule;
use super::machine::Branch;
use super::map::MapFields;
use super::read::{Reader, Writer, type_name};
use super::retry::{Catcher, Retrier};
use super::task::TaskFields;
use super::values::{NumberOrExpr, QueryLanguage};
use crate::ir::{ScopeKind, StateKind};

/// One state of a state machine (or of a Parallel branch / Map processor).
///
/// The shared fields are here; a field is `Some` only when the state's `Type` allows it and
/// it was written with the right JSON type. `Option<Option<String>>` fields distinguish an
/// absent field (`None`) from an explicit `null` (`Some(None)`).
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// `Comment`.
    pub comment: Option<String>,
    /// `QueryLanguage`: overrides the machine's default for this state.
    pub query_language: Option<QueryLanguage>,
    /// `InputPath` (JSONPath; not Fail).
    pub input_path: Option<Option<String>>,
    /// `OutputPath` (JSONPath; not Fail).
    pub output_path: Option<Option<String>>,
    /// `Parameters` (JSONPath; Pass, Task, Parallel, Map): the payload template.
    pub parameters: Option<Value>,
    /// `ResultSelector` (JSONPath; Task, Parallel, Map).
    pub result_selector: Option<Value>,
    /// `ResultPath` (JSONPath; Pass, Task, Parallel, Map).
    pub result_path: Option<Option<String>>,
    /// `Arguments` (JSONata; Task, Parallel): an object or a `{% ... %}` expression.
    pub arguments: Option<Value>,
    /// `Output` (JSONata; not Fail).
    pub output: Option<Value>,
    /// `Assign`: variables to set (not Succeed, Fail).
    pub assign: Option<Map<String, Value>>,
    /// `Next` (Pass, Task, Wait, Parallel, Map).
    pub next: Option<String>,
    /// `End` (Pass, Task, Wait, Parallel, Map).
    pub end: Option<bool>,
    /// `Retry` (Task, Parallel, Map).
    pub retry: Option<Vec<Retrier>>,
    /// `Catch` (Task, Parallel, Map).
    pub catch: Option<Vec<Catcher>>,
    /// The type and the fields only that type has.
    pub body: StateBody,
    /// Fields the model does not type for this `Type`, and typed fields of the wrong JSON
    /// type, as written.
    pub extra: Map<String, Value>,
}

/// The `Type` of a state with the fields only that type has.
#[derive(Clone, Debug, PartialEq)]
pub enum StateBody {
    /// `Pass`.
    Pass(PassFields),
    /// `Task`.
    Task(TaskFields),
    /// `Choice`.
    Choice(ChoiceFields),
    /// `Wait`.
    Wait(WaitFields),
    /// `Succeed` (no own fields).
    Succeed,
    /// `Fail`.
    Fail(FailFields),
    /// `Parallel`.
    Parallel(ParallelFields),
    /// `Map`.
    Map(Box<MapFields>),
    /// A missing or unknown `Type`: `type_value` is the raw `Type` (if any), and every other
    /// field stays in [`State::extra`].
    Unknown {
        /// The raw `Type`, when present.
        type_value: Option<Value>,
    },
    /// The state is not a JSON object; the value is kept as written.
    NotAnObject(Value),
}

/// Fields of a Pass state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassFields {
    /// `Result` (JSONPath): a fixed output, any JSON value.
    pub result: Option<Value>,
}

/// Fields of a Choice state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChoiceFields {
    /// `Choices` (required, non-empty).
    pub choices: Option<Vec<ChoiceRule>>,
    /// `Default`: the state to go to when no rule matches.
    pub default: Option<String>,
}

/// Fields of a Wait state (exactly one of them must be given).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WaitFields {
    /// `Seconds`: a non-negative integer, or a JSONata expression.
    pub seconds: Option<NumberOrExpr>,
    /// `SecondsPath` (JSONPath).
    pub seconds_path: Option<String>,
    /// `Timestamp`: an RFC 3339 timestamp, or a JSONata expression.
    pub timestamp: Option<String>,
    /// `TimestampPath` (JSONPath).
    pub timestamp_path: Option<String>,
}

/// Fields of a Fail state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FailFields {
    /// `Error`: the error name (literal or JSONata).
    pub error: Option<String>,
    /// `ErrorPath` (JSONPath or intrinsic).
    pub error_path: Option<String>,
    /// `Cause`: a human-readable message (literal or JSONata).
    pub cause: Option<String>,
    /// `CausePath` (JSONPath or intrinsic).
    pub cause_path: Option<String>,
}

/// Fields of a Parallel state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParallelFields {
    /// `Branches` (required, non-empty): each a `StartAt` + `States` scope.
    pub branches: Option<Vec<Branch>>,
}

/// Which shared fields a state type allows (ASL spec, "Common State Fields" table, and AWS
/// "JSONata" / "variables" pages for `Arguments`, `Output`, `Assign`).
struct Allowed {
    io_paths: bool,
    parameters: bool,
    result_selector: bool,
    result_path: bool,
    arguments: bool,
    output: bool,
    assign: bool,
    transition: bool,
    errors: bool,
}

fn allowed(kind: &StateKind) -> Allowed {
    use StateKind as K;
    let k = kind;
    Allowed {
        io_paths: !matches!(k, K::Fail),
        parameters: matches!(k, K::Pass | K::Task | K::Parallel | K::Map),
        result_selector: matches!(k, K::Task | K::Parallel | K::Map),
        result_path: matches!(k, K::Pass | K::Task | K::Parallel | K::Map),
        arguments: matches!(k, K::Task | K::Parallel),
        output: !matches!(k, K::Fail),
        assign: !matches!(k, K::Succeed | K::Fail),
        transition: matches!(k, K::Pass | K::Task | K::Wait | K::Parallel | K::Map),
        errors: matches!(k, K::Task | K::Parallel | K::Map),
    }
}

impl State {
    /// Read one state at `pointer` (its `/States/<name>` pointer), tolerantly.
    pub fn from_value(value: &Value, pointer: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let Value::Object(obj) = value else {
            issues.push(ModelIssue {
                pointer: pointer.to_string(),
                message: format!("a state must be an object, found {}", type_name(value)),
            });
            return Self::bare(StateBody::NotAnObject(value.clone()), Map::new());
        };
        Self::read(obj, pointer, issues)
    }

    fn bare(body: StateBody, extra: Map<String, Value>) -> Self {
        Self {
            comment: None,
            query_language: None,
            input_path: None,
            output_path: None,
            parameters: None,
            result_selector: None,
            result_path: None,
            arguments: None,
            output: None,
            assign: None,
            next: None,
            end: None,
            retry: None,
            catch: None,
            body,
            extra,
        }
    }

    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        r.require("Type");
        let type_value = obj.get("Type");
        let kind = type_value
            .and_then(Value::as_str)
            .map(StateKind::parse)
            .unwrap_or(StateKind::Unknown(String::new()));
        if let StateKind::Unknown(name) = &kind {
            if let Some(v) = type_value {
                let message = match v.as_str() {
                    Some(_) => format!(
                        "unknown state type `{name}` (expected Pass, Task, Choice, Wait, \
                         Succeed, Fail, Parallel or Map)"
                    ),
                    None => format!("`Type` must be a string, found {}", type_name(v)),
                };
                r.issue(crate::pointer::push(ptr, "Type"), message);
            }
            let type_value = type_value.cloned();
            return Self::bare(StateBody::Unknown { type_value }, r.finish());
        }
        // `Type` is consumed: it is implied by the body.
        let _ = r.string("Type");
        let a = allowed(&kind);
        let comment = r.string("Comment");
        let query_language = r.keyword(
            "QueryLanguage",
            &QueryLanguage::expected(),
            QueryLanguage::parse,
        );
        let body = match kind {
            StateKind::Pass => StateBody::Pass(PassFields {
                result: r.value("Result"),
            }),
            StateKind::Task => StateBody::Task(TaskFields::read(&mut r)),
            StateKind::Choice => {
                r.require("Choices");
                StateBody::Choice(ChoiceFields {
                    choices: r.nested_list("Choices", ChoiceRule::read),
                    default: r.string("Default"),
                })
            }
            StateKind::Wait => StateBody::Wait(WaitFields {
                seconds: r.number_or_expr("Seconds"),
                seconds_path: r.string("SecondsPath"),
                timestamp: r.string("Timestamp"),
                timestamp_path: r.string("TimestampPath"),
            }),
            StateKind::Succeed => StateBody::Succeed,
            StateKind::Fail => StateBody::Fail(FailFields {
                error: r.string("Error"),
                error_path: r.string("ErrorPath"),
                cause: r.string("Cause"),
                cause_path: r.string("CausePath"),
            }),
            StateKind::Parallel => {
                r.require("Branches");
                StateBody::Parallel(ParallelFields {
                    branches: r.nested_list("Branches", Branch::read_branch),
                })
            }
            StateKind::Map => StateBody::Map(Box::new(MapFields::read(&mut r))),
            StateKind::Unknown(_) => StateBody::Unknown { type_value: None },
        };
        let state = Self {
            comment,
            query_language,
            input_path: a.io_paths.then(|| r.nullable_string("InputPath")).flatten(),
            output_path: a
                .io_paths
                .then(|| r.nullable_string("OutputPath"))
                .flatten(),
            parameters: a.parameters.then(|| r.value("Parameters")).flatten(),
            result_selector: a
                .result_selector
                .then(|| r.value("ResultSelector"))
                .flatten(),
            result_path: a
                .result_path
                .then(|| r.nullable_string("ResultPath"))
                .flatten(),
            arguments: a.arguments.then(|| r.value("Arguments")).flatten(),
            output: a.output.then(|| r.value("Output")).flatten(),
            assign: a.assign.then(|| r.object("Assign")).flatten(),
            next: a.transition.then(|| r.string("Next")).flatten(),
            end: a.transition.then(|| r.boolean("End")).flatten(),
            retry: a
                .errors
                .then(|| r.nested_list("Retry", Retrier::read))
                .flatten(),
            catch: a
                .errors
                .then(|| r.nested_list("Catch", Catcher::read))
                .flatten(),
            body,
            extra: Map::new(),
        };
        Self {
            extra: r.finish(),
            ..state
        }
    }

    /// The ASL JSON of this state (exactly the value it was read from, up to key order).
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        match &self.body {
            StateBody::NotAnObject(v) => return v.clone(),
            StateBody::Unknown { type_value } => w.opt("Type", type_value.clone()),
            _ => w.put("Type", self.kind().as_str()),
        }
        w.opt("Comment", self.comment.clone());
        w.opt("QueryLanguage", self.query_language);
        match &self.body {
            StateBody::Pass(p) => w.opt("Result", p.result.clone()),
            StateBody::Task(t) => t.write(&mut w),
            StateBody::Choice(c) => {
                w.list("Choices", &c.choices, ChoiceRule::to_value);
                w.opt("Default", c.default.clone());
            }
            StateBody::Wait(wf) => {
                w.opt("Seconds", wf.seconds.clone());
                w.opt("SecondsPath", wf.seconds_path.clone());
                w.opt("Timestamp", wf.timestamp.clone());
                w.opt("TimestampPath", wf.timestamp_path.clone());
            }
            StateBody::Fail(f) => {
                w.opt("Error", f.error.clone());
                w.opt("ErrorPath", f.error_path.clone());
                w.opt("Cause", f.cause.clone());
                w.opt("CausePath", f.cause_path.clone());
            }
            StateBody::Parallel(p) => w.list("Branches", &p.branches, Branch::to_value),
            StateBody::Map(m) => m.write(&mut w),
            StateBody::Succeed | StateBody::Unknown { .. } | StateBody::NotAnObject(_) => {}
        }
        w.nullable("InputPath", &self.input_path);
        w.opt("Parameters", self.parameters.clone());
        w.opt("Arguments", self.arguments.clone());
        w.opt("ResultSelector", self.result_selector.clone());
        w.nullable("ResultPath", &self.result_path);
        w.nullable("OutputPath", &self.output_path);
        w.opt("Output", self.output.clone());
        w.opt("Assign", self.assign.clone());
        w.list("Retry", &self.retry, Retrier::to_value);
        w.list("Catch", &self.catch, Catcher::to_value);
        w.opt("Next", self.next.clone());
        w.opt("End", self.end);
        Value::Object(w.finish(&self.extra))
    }

    /// The state's `Type` (`Unknown` for a missing, non-string or unknown `Type`).
    pub fn kind(&self) -> StateKind {
        match &self.body {
            StateBody::Pass(_) => StateKind::Pass,
            StateBody::Task(_) => StateKind::Task,
            StateBody::Choice(_) => StateKind::Choice,
            StateBody::Wait(_) => StateKind::Wait,
            StateBody::Succeed => StateKind::Succeed,
            StateBody::Fail(_) => StateKind::Fail,
            StateBody::Parallel(_) => StateKind::Parallel,
            StateBody::Map(_) => StateKind::Map,
            StateBody::Unknown { type_value } => StateKind::Unknown(
                type_value
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            StateBody::NotAnObject(_) => StateKind::Unknown(String::new()),
        }
    }

    /// `Next`, when given.
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// Whether the state ends its scope: `End: true`, or a Succeed or Fail state.
    pub fn end(&self) -> bool {
        self.end == Some(true) || matches!(self.body, StateBody::Succeed | StateBody::Fail(_))
    }

    /// The query language in effect: this state's `QueryLanguage`, else the machine's
    /// (`machine_default`). AWS: a state without `QueryLanguage` uses the top-level one;
    /// nested states do not inherit from their Parallel/Map state.
    pub fn query_language(&self, machine_default: QueryLanguage) -> QueryLanguage {
        self.query_language.unwrap_or(machine_default)
    }

    /// Every state name this state can transition to, with the ASL field that says so:
    /// `Next`, `Default`, `Choices/<i>/Next`, `Catch/<i>/Next` (relative pointers).
    pub fn transitions(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        if let Some(n) = &self.next {
            out.push(("Next".to_string(), n.as_str()));
        }
        if let Some(choice) = self.as_choice() {
            for (i, rule) in choice.choices.iter().flatten().enumerate() {
                if let Some(n) = &rule.next {
                    out.push((format!("Choices/{i}/Next"), n.as_str()));
                }
            }
            if let Some(d) = &choice.default {
                out.push(("Default".to_string(), d.as_str()));
            }
        }
        for (i, c) in self.catch.iter().flatten().enumerate() {
            if let Some(n) = &c.next {
                out.push((format!("Catch/{i}/Next"), n.as_str()));
            }
        }
        out
    }

    /// The Task fields, for a Task state.
    pub fn as_task(&self) -> Option<&TaskFields> {
        match &self.body {
            StateBody::Task(t) => Some(t),
            _ => None,
        }
    }

    /// The Choice fields, for a Choice state.
    pub fn as_choice(&self) -> Option<&ChoiceFields> {
        match &self.body {
            StateBody::Choice(c) => Some(c),
            _ => None,
        }
    }

    /// The Map fields, for a Map state.
    pub fn as_map(&self) -> Option<&MapFields> {
        match &self.body {
            StateBody::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The Parallel fields, for a Parallel state.
    pub fn as_parallel(&self) -> Option<&ParallelFields> {
        match &self.body {
            StateBody::Parallel(p) => Some(p),
            _ => None,
        }
    }

    /// The nested scopes of this state, with where they sit and their pointers relative to
    /// the state: `Branches/<i>`, `ItemProcessor`, `Iterator`.
    pub fn children(&self) -> Vec<(ScopeKind, String, &Branch)> {
        let mut out = Vec::new();
        if let Some(p) = self.as_parallel() {
            for (i, b) in p.branches.iter().flatten().enumerate() {
                out.push((ScopeKind::Branch(i), format!("Branches/{i}"), b));
            }
        }
        if let Some(m) = self.as_map() {
            if let Some(p) = &m.item_processor {
                out.push((ScopeKind::ItemProcessor, "ItemProcessor".to_string(), p));
            }
            if let Some(p) = &m.iterator {
                out.push((ScopeKind::Iterator, "Iterator".to_string(), p));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> (State, Vec<ModelIssue>) {
        let mut issues = Vec::new();
        let s = State::from_value(&v, "/States/S", &mut issues);
        assert_eq!(s.to_value(), v, "round trip");
        (s, issues)
    }

    #[test]
    fn misplaced_fields_stay_in_extra() {
        let (s, issues) =
            read(json!({"Type": "Choice", "Choices": [], "Next": "X", "ResultPath": "$.a"}));
        assert!(issues.is_empty());
        assert_eq!(s.next, None);
        assert!(s.extra.contains_key("Next") && s.extra.contains_key("ResultPath"));
        assert_eq!(s.kind(), StateKind::Choice);
    }

    #[test]
    fn reports_wrong_types_at_their_pointer() {
        let (s, issues) =
            read(json!({"Type": "Task", "End": "yes", "TimeoutSeconds": "10", "Retry": {}}));
        let got: Vec<_> = issues.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(
            got,
            [
                "/States/S",
                "/States/S/TimeoutSeconds",
                "/States/S/End",
                "/States/S/Retry"
            ]
        );
        assert!(issues[0].message.contains("`Resource`"));
        assert_eq!(s.end, None);
        assert!(!s.end());
    }

    #[test]
    fn unknown_type_keeps_everything() {
        let (s, issues) = read(json!({"Type": "Sleep", "Seconds": 3, "Next": "X"}));
        assert_eq!(s.kind(), StateKind::Unknown("Sleep".into()));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].pointer, "/States/S/Type");
        let (_, issues) = read(json!({"Next": "X"}));
        assert_eq!(issues[0].message, "missing required field `Type`");
        let (s, issues) = read(json!(["not", "a", "state"]));
        assert!(matches!(s.body, StateBody::NotAnObject(_)));
        assert_eq!(issues[0].pointer, "/States/S");
    }

    #[test]
    fn transitions_and_jsonata_numbers() {
        let (s, issues) = read(json!({
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "QueryLanguage": "JSONata", "TimeoutSeconds": "{% $t %}",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}], "Next": "Done"
        }));
        assert!(issues.is_empty(), "{issues:?}");
        let t = s.as_task().unwrap();
        assert_eq!(
            t.timeout_seconds.as_ref().unwrap().as_expr(),
            Some("{% $t %}")
        );
        assert_eq!(
            s.transitions(),
            [
                ("Next".to_string(), "Done"),
                ("Catch/0/Next".to_string(), "Fallback")
            ]
        );
        assert_eq!(
            s.query_language(QueryLanguage::JsonPath),
            QueryLanguage::Jsonata
        );
    }
}
