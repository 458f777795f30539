//! Error handling fields of Task, Parallel and Map states: `Retry` (retriers) and `Catch`
//! (catchers). ASL spec, "Error Handling"; AWS, "Handling errors in Step Functions workflows".

use serde_json::{Map, Number, Value};

use super::ModelIssue;
use super::read::{Reader, Writer};
use super::values::JitterStrategy;

/// One element of `Retry`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals` (required, non-empty): error names this retrier matches;
    /// `States.ALL` matches every error and must then be alone and in the last retrier.
    pub error_equals: Option<Vec<String>>,
    /// `IntervalSeconds`: delay before the first retry (default 1).
    pub interval_seconds: Option<Number>,
    /// `MaxAttempts`: retries before giving up (default 3; 0 = never retry).
    pub max_attempts: Option<Number>,
    /// `BackoffRate`: multiplier of the delay per attempt (default 2.0, at least 1.0).
    pub backoff_rate: Option<Number>,
    /// `MaxDelaySeconds`: upper bound of any retry interval.
    pub max_delay_seconds: Option<Number>,
    /// `JitterStrategy`: `FULL` or `NONE` (default).
    pub jitter_strategy: Option<JitterStrategy>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl Retrier {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        r.require("ErrorEquals");
        let out = Self {
            error_equals: r.string_list("ErrorEquals"),
            interval_seconds: r.number("IntervalSeconds"),
            max_attempts: r.number("MaxAttempts"),
            backoff_rate: r.number("BackoffRate"),
            max_delay_seconds: r.number("MaxDelaySeconds"),
            jitter_strategy: r.keyword(
                "JitterStrategy",
                &JitterStrategy::expected(),
                JitterStrategy::parse,
            ),
            comment: r.string("Comment"),
            extra: Map::new(),
        };
        Self {
            extra: r.finish(),
            ..out
        }
    }

    /// The ASL JSON of this retrier.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("ErrorEquals", self.error_equals.clone());
        w.opt("IntervalSeconds", self.interval_seconds.clone());
        w.opt("MaxAttempts", self.max_attempts.clone());
        w.opt("BackoffRate", self.backoff_rate.clone());
        w.opt("MaxDelaySeconds", self.max_delay_seconds.clone());
        w.opt("JitterStrategy", self.jitter_strategy);
        w.opt("Comment", self.comment.clone());
        Value::Object(w.finish(&self.extra))
    }

    /// Whether this retrier matches `error` by name (`States.ALL` matches every name).
    pub fn matches(&self, error: &str) -> bool {
        error_list_matches(self.error_equals.as_deref(), error)
    }
}

/// One element of `Catch`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catcher {
    /// `ErrorEquals` (required, non-empty).
    pub error_equals: Option<Vec<String>>,
    /// `Next` (required): the state to go to.
    pub next: Option<String>,
    /// `ResultPath` (JSONPath): where to put the error output; `null` discards it.
    pub result_path: Option<Option<String>>,
    /// `Output` (JSONata): the state output on this path.
    pub output: Option<Value>,
    /// `Assign`: variables to set when this catcher fires.
    pub assign: Option<Map<String, Value>>,
    /// `Comment`.
    pub comment: Option<String>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

impl Catcher {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        r.require("ErrorEquals");
        r.require("Next");
        let out = Self {
            error_equals: r.string_list("ErrorEquals"),
            next: r.string("Next"),
            result_path: r.nullable_string("ResultPath"),
            output: r.value("Output"),
            assign: r.object("Assign"),
            comment: r.string("Comment"),
            extra: Map::new(),
        };
        Self {
            extra: r.finish(),
            ..out
        }
    }

    /// The ASL JSON of this catcher.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("ErrorEquals", self.error_equals.clone());
        w.opt("Next", self.next.clone());
        w.nullable("ResultPath", &self.result_path);
        w.opt("Output", self.output.clone());
        w.opt("Assign", self.assign.clone());
        w.opt("Comment", self.comment.clone());
        Value::Object(w.finish(&self.extra))
    }

    /// Whether this catcher matches `error` by name (see [`Retrier::matches`]).
    pub fn matches(&self, error: &str) -> bool {
        error_list_matches(self.error_equals.as_deref(), error)
    }
}

/// ASL, "Error names": `States.ALL` is a wildcard matching any error name. That some
/// errors (`States.Runtime`) are never retried is an execution rule the engine applies.
fn error_list_matches(list: Option<&[String]>, error: &str) -> bool {
    list.is_some_and(|l| l.iter().any(|e| e == error || e == "States.ALL"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_wrong_typed_fields_raw() {
        let v =
            json!({"ErrorEquals": ["States.ALL"], "MaxAttempts": "3", "JitterStrategy": "SOME"});
        let mut issues = Vec::new();
        let r = Retrier::read(v.as_object().unwrap(), "/States/A/Retry/0", &mut issues);
        assert_eq!(r.to_value(), v);
        let ptrs: Vec<_> = issues.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/States/A/Retry/0/MaxAttempts",
                "/States/A/Retry/0/JitterStrategy"
            ]
        );
        assert!(r.matches("Lambda.Unknown"));
    }

    #[test]
    fn catcher_requires_next() {
        let v = json!({"ErrorEquals": ["X"], "ResultPath": null});
        let mut issues = Vec::new();
        let c = Catcher::read(v.as_object().unwrap(), "/C", &mut issues);
        assert_eq!(c.result_path, Some(None));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].pointer, "/C");
        assert!(issues[0].message.contains("`Next`"));
    }
}
