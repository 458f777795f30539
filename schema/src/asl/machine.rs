//! The state machine and its nested scopes: the top-level object (`StartAt`, `States`,
//! `Comment`, `Version`, `TimeoutSeconds`, `QueryLanguage`), Parallel branches and Map
//! processors (`StartAt`, `States`, `Comment`, and `ProcessorConfig` for `ItemProcessor`),
//! and the ordered `States` map. ASL spec, "Top-level fields"; AWS, "State machine structure".

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::ModelIssue;
use super::map::ProcessorConfig;
use super::read::{Reader, Writer, type_name};
use super::states::State;
use super::values::QueryLanguage;
use crate::pointer;

/// The `States` object: state names to states, in document order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct States {
    entries: Vec<(String, State)>,
    index: HashMap<String, usize>,
}

impl States {
    /// An empty set of states.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a state at the end, replacing (in place) a state of the same name.
    pub fn insert(&mut self, name: impl Into<String>, state: State) {
        let name = name.into();
        if let Some(slot) = self.index.get(&name).and_then(|&i| self.entries.get_mut(i)) {
            slot.1 = state;
            return;
        }
        self.index.insert(name.clone(), self.entries.len());
        self.entries.push((name, state));
    }

    /// The state named `name`.
    pub fn get(&self, name: &str) -> Option<&State> {
        self.index
            .get(name)
            .and_then(|&i| self.entries.get(i))
            .map(|(_, s)| s)
    }

    /// The state named `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut State> {
        let i = *self.index.get(name)?;
        self.entries.get_mut(i).map(|(_, s)| s)
    }

    /// Whether a state of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Names and states in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &State)> {
        self.entries.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// State names in document order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no states.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut out = Self::new();
        for (name, v) in obj {
            let state = State::from_value(v, &pointer::push(ptr, name), issues);
            out.insert(name.clone(), state);
        }
        out
    }

    /// The ASL JSON of the `States` object.
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.entries
                .iter()
                .map(|(n, s)| (n.clone(), s.to_value()))
                .collect(),
        )
    }
}

impl<'a> IntoIterator for &'a States {
    type Item = (&'a str, &'a State);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a State)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Read `StartAt` and `States` (both required) of any scope.
fn read_scope(r: &mut Reader<'_>) -> (Option<String>, Option<States>) {
    r.require("StartAt");
    r.require("States");
    let start_at = r.string("StartAt");
    let states = r.nested("States", States::read);
    (start_at, states)
}

/// A nested scope: a Parallel branch, a Map `ItemProcessor` or a legacy Map `Iterator`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Branch {
    /// `StartAt` (required).
    pub start_at: Option<String>,
    /// `States` (required). `None` when absent or not an object (then kept in `extra`).
    pub states: Option<States>,
    /// `Comment`.
    pub comment: Option<String>,
    /// `ProcessorConfig` (`ItemProcessor` only).
    pub processor_config: Option<ProcessorConfig>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl Branch {
    /// Read a Parallel branch or a legacy `Iterator`.
    pub(crate) fn read_branch(
        obj: &Map<String, Value>,
        ptr: &str,
        issues: &mut Vec<ModelIssue>,
    ) -> Self {
        Self::read(obj, ptr, issues, false)
    }

    /// Read a Map `ItemProcessor` (which may carry `ProcessorConfig`).
    pub(crate) fn read_processor(
        obj: &Map<String, Value>,
        ptr: &str,
        issues: &mut Vec<ModelIssue>,
    ) -> Self {
        Self::read(obj, ptr, issues, true)
    }

    fn read(
        obj: &Map<String, Value>,
        ptr: &str,
        issues: &mut Vec<ModelIssue>,
        processor: bool,
    ) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let (start_at, states) = read_scope(&mut r);
        let comment = r.string("Comment");
        let processor_config = if processor {
            r.nested("ProcessorConfig", ProcessorConfig::read)
        } else {
            None
        };
        Self {
            start_at,
            states,
            comment,
            processor_config,
            extra: r.finish(),
        }
    }

    /// The ASL JSON of this scope.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("Comment", self.comment.clone());
        w.opt(
            "ProcessorConfig",
            self.processor_config
                .as_ref()
                .map(ProcessorConfig::to_value),
        );
        w.opt("StartAt", self.start_at.clone());
        w.opt("States", self.states.as_ref().map(States::to_value));
        Value::Object(w.finish(&self.extra))
    }
}

/// A whole state machine definition (the top-level object).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateMachine {
    /// `Comment`.
    pub comment: Option<String>,
    /// `StartAt` (required): the first state.
    pub start_at: Option<String>,
    /// `States` (required). `None` when absent or not an object (then kept in `extra`).
    pub states: Option<States>,
    /// `Version`: the ASL version, `"1.0"`.
    pub version: Option<String>,
    /// `TimeoutSeconds`: the maximum run time of an execution.
    pub timeout_seconds: Option<Number>,
    /// `QueryLanguage`: the default for every state (`JSONPath` when absent).
    pub query_language: Option<QueryLanguage>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl StateMachine {
    /// Read a definition tolerantly: never fails; wrong types and missing required fields
    /// become [`ModelIssue`]s with JSON Pointers, and the offending values are kept raw so
    /// [`StateMachine::to_value`] gives the input back. A root that is not an object is
    /// an issue and yields an empty machine.
    pub fn from_value(value: &Value) -> (Self, Vec<ModelIssue>) {
        let mut issues = Vec::new();
        let Value::Object(obj) = value else {
            issues.push(ModelIssue {
                pointer: String::new(),
                message: format!(
                    "a state machine definition must be an object, found {}",
                    type_name(value)
                ),
            });
            return (Self::default(), issues);
        };
        let machine = Self::read(obj, &mut issues);
        (machine, issues)
    }

    fn read(obj: &Map<String, Value>, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, "", issues);
        let (start_at, states) = read_scope(&mut r);
        let comment = r.string("Comment");
        let version = r.string("Version");
        let timeout_seconds = r.number("TimeoutSeconds");
        let query_language = r.keyword(
            "QueryLanguage",
            &QueryLanguage::expected(),
            QueryLanguage::parse,
        );
        Self {
            comment,
            start_at,
            states,
            version,
            timeout_seconds,
            query_language,
            extra: r.finish(),
        }
    }

    /// The ASL JSON of this machine.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("Comment", self.comment.clone());
        w.opt("Version", self.version.clone());
        w.opt("QueryLanguage", self.query_language);
        w.opt("TimeoutSeconds", self.timeout_seconds.clone());
        w.opt("StartAt", self.start_at.clone());
        w.opt("States", self.states.as_ref().map(States::to_value));
        Value::Object(w.finish(&self.extra))
    }

    /// The machine's default query language (`JSONPath` when not given).
    pub fn default_query_language(&self) -> QueryLanguage {
        self.query_language.unwrap_or_default()
    }

    /// The top-level states (empty when `States` is missing or malformed).
    pub fn top_states(&self) -> impl Iterator<Item = (&str, &State)> {
        self.states.iter().flat_map(States::iter)
    }
}

/// What a definition file holds: a whole state machine, or a single state (the TestState
/// API accepts "the definition of the state or state machine", and tools store such
/// single-state definitions too).
#[derive(Clone, Debug, PartialEq)]
pub enum Definition {
    /// A state machine.
    Machine(Box<StateMachine>),
    /// A lone state.
    State(Box<State>),
}

impl Definition {
    /// A definition is a single state when its root has `Type` but neither `States` nor
    /// `StartAt`; otherwise it is read as a state machine.
    pub fn from_value(value: &Value) -> (Self, Vec<ModelIssue>) {
        let is_state = value.as_object().is_some_and(|o| {
            o.contains_key("Type") && !o.contains_key("States") && !o.contains_key("StartAt")
        });
        if is_state {
            let mut issues = Vec::new();
            let state = State::from_value(value, "", &mut issues);
            (Self::State(Box::new(state)), issues)
        } else {
            let (m, issues) = StateMachine::from_value(value);
            (Self::Machine(Box::new(m)), issues)
        }
    }

    /// The ASL JSON.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Machine(m) => m.to_value(),
            Self::State(s) => s.to_value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_document_order_of_states() {
        let v = json!({"StartAt": "b", "States": {
            "b": {"Type": "Pass", "Next": "a"}, "a": {"Type": "Succeed"}, "c/~x": {"Type": "Fail"}
        }});
        let (m, issues) = StateMachine::from_value(&v);
        assert!(issues.is_empty());
        let names: Vec<_> = m.top_states().map(|(n, _)| n).collect();
        assert_eq!(names, ["b", "a", "c/~x"]);
        assert_eq!(m.to_value(), v);
    }

    #[test]
    fn reports_missing_and_mistyped_top_level_fields() {
        let v = json!({"States": [], "TimeoutSeconds": "60", "QueryLanguage": "jsonata"});
        let (m, issues) = StateMachine::from_value(&v);
        assert_eq!(m.to_value(), v);
        let got: Vec<_> = issues
            .iter()
            .map(|i| (i.pointer.as_str(), i.message.as_str()))
            .collect();
        assert_eq!(got[0], ("", "missing required field `StartAt`"));
        assert_eq!(got[1].0, "/States");
        assert_eq!(got[2].0, "/TimeoutSeconds");
        assert_eq!(got[3].0, "/QueryLanguage");
        assert!(got[3].1.contains("\"JSONata\""));
        let (_, issues) = StateMachine::from_value(&json!(3));
        assert_eq!(issues[0].pointer, "");
    }

    #[test]
    fn nested_issues_carry_full_pointers() {
        let v = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Wait", "Seconds": "5", "End": true}}}]}}});
        let (m, issues) = StateMachine::from_value(&v);
        assert_eq!(m.to_value(), v);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].pointer, "/States/P/Branches/0/States/X/Seconds");
    }

    #[test]
    fn recognizes_single_state_definitions() {
        let v = json!({"Type": "Pass", "Result": 1, "End": true});
        let (d, issues) = Definition::from_value(&v);
        assert!(issues.is_empty());
        assert!(matches!(d, Definition::State(_)));
        assert_eq!(d.to_value(), v);
    }
}
