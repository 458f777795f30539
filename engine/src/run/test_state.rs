//! The TestState API, locally: one state run on its own with an optional mocked result,
//! context and variables, after the request checks AWS makes (TestState API reference;
//! "Using TestState API to test a state"):
//!
//! - `stateName` must be at least one character long, and name a state of the definition;
//! - Map and Parallel states (and, for AWS, activities, `.sync` and `.waitForTaskToken`
//!   tasks) can only be tested with a `mock`;
//! - a mocked result of a Map or Parallel state must be an array, and for Parallel hold one
//!   item per branch;
//! - the definition must be valid (`InvalidDefinition`, pointing into the machine AWS wraps
//!   the state in, whose only state is called `StateName`).

use std::sync::Arc;

use serde_json::Value;

use crate::handlers::{HandlerError, Handlers, MockHandler};
use crate::run::engine::{Engine, Execution, RunExtras, TestStateExtras};
use crate::run::options::RunOptions;
use crate::vars::Vars;

pub use crate::run::exec::WRAPPED_STATE_NAME;

/// The parameters of a TestState call.
#[derive(Debug, Clone, Default)]
pub struct TestStateRequest {
    /// A state definition, or a whole state machine when `state_name` is given.
    pub definition: Value,
    /// The state of a whole-machine `definition` to test.
    pub state_name: Option<String>,
    /// The state input.
    pub input: Value,
    /// `{"result": ...}` or `{"errorOutput": {"error", "cause"}}` (a JSON string or value).
    pub mock: Option<Value>,
    /// Context object fields (`Execution`, `StateMachine`, `State`, ...).
    pub context: Option<Value>,
    /// Variables visible to the state (an object, or its JSON text).
    pub variables: Option<Value>,
    /// `roleArn` of the call.
    pub role_arn: Option<String>,
}

/// A TestState call rejected before the state ran (what AWS answers with an API error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct TestStateRejection {
    /// `ValidationException`, `InvalidDefinition` or (client side) `ParamValidationError`.
    pub code: String,
    /// The message AWS gives.
    pub message: String,
}

/// Why [`test_state`] produced no execution.
#[derive(Debug, thiserror::Error)]
pub enum TestStateError {
    /// The request was rejected.
    #[error(transparent)]
    Rejected(#[from] TestStateRejection),
    /// The engine could not run.
    #[error(transparent)]
    Run(#[from] crate::RunError),
}

fn reject(code: &str, message: impl Into<String>) -> TestStateRejection {
    TestStateRejection {
        code: code.to_string(),
        message: message.into(),
    }
}

/// A JSON text given as a string is parsed; other values are used as they are.
fn json_or_text(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// Checks a request and picks the state to run.
fn select_state(req: &TestStateRequest) -> Result<Value, TestStateRejection> {
    let Some(name) = &req.state_name else {
        return Ok(req.definition.clone());
    };
    if name.is_empty() {
        // botocore checks the API's length constraint before sending the request.
        return Err(reject(
            "ParamValidationError",
            "Parameter validation failed:\nInvalid length for parameter stateName, value: 0, valid min length: 1",
        ));
    }
    match req.definition.get("States") {
        Some(states) => {
            let mut state = states
                .get(name.as_str())
                .cloned()
                .ok_or_else(|| reject("ValidationException", "State not found in definition"))?;
            // The state is tested in its machine's query language unless it names its own.
            if let (Some(ql), Value::Object(m)) = (req.definition.get("QueryLanguage"), &mut state)
                && !m.contains_key("QueryLanguage")
            {
                m.insert("QueryLanguage".into(), ql.clone());
            }
            Ok(state)
        }
        // A single state definition: the name only labels it.
        None => Ok(req.definition.clone()),
    }
}

fn check_definition(state: &Value) -> Result<(), TestStateRejection> {
    let invalid = |what: &str, ptr: &str| {
        reject(
            "InvalidDefinition",
            format!(
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {what} at /States/{WRAPPED_STATE_NAME}{ptr}'"
            ),
        )
    };
    if !state.is_object() {
        return Err(invalid("Expected an object", ""));
    }
    if state.get("Type") == Some(&Value::from("Parallel"))
        && let Some(Value::Array(b)) = state.get("Branches")
        && b.is_empty()
    {
        return Err(invalid("Value cannot be empty", "/Branches"));
    }
    Ok(())
}

fn check_mock(state: &Value, mock: Option<&Value>) -> Result<Option<Value>, TestStateRejection> {
    let ty = state.get("Type").and_then(Value::as_str).unwrap_or("");
    let composite = ty == "Map" || ty == "Parallel";
    let Some(mock) = mock else {
        if composite {
            return Err(reject(
                "InvalidDefinition",
                "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
            ));
        }
        return Ok(None);
    };
    let Some(result) = mock.get("result").map(json_or_text) else {
        return Ok(None);
    };
    if composite {
        let Value::Array(items) = &result else {
            return Err(reject(
                "ValidationException",
                "Mocked result must be an array.",
            ));
        };
        if ty == "Parallel" {
            let branches = state
                .get("Branches")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if items.len() != branches {
                return Err(reject(
                    "ValidationException",
                    "Mocked result must contain the same number of items as number of Parallel branches.",
                ));
            }
        }
    }
    Ok(Some(result))
}

/// Runs a TestState call: checks the request, then runs the state alone. The tested state's
/// Task calls are answered by the mock when one is given, else by `handlers`.
pub fn test_state(
    req: &TestStateRequest,
    opts: RunOptions,
    handlers: &Handlers,
) -> Result<Execution, TestStateError> {
    let state = select_state(req)?;
    check_definition(&state)?;
    let result = check_mock(&state, req.mock.as_ref())?;
    let engine = Engine::single_state(&state, WRAPPED_STATE_NAME, opts).map_err(|e| {
        let crate::CompileError::Invalid { pointer, message } = e;
        reject(
            "InvalidDefinition",
            format!(
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {message} at /States/{WRAPPED_STATE_NAME}{pointer}'"
            ),
        )
    })?;
    let mut mocked = handlers.clone();
    let error_output = req
        .mock
        .as_ref()
        .and_then(|m| m.get("errorOutput"))
        .map(json_or_text);
    if let Some(r) = &result {
        mocked.set_override(Arc::new(MockHandler::Return(r.clone())));
    } else if let Some(e) = error_output {
        let text = |k: &str| e.get(k).and_then(Value::as_str).map(String::from);
        mocked.set_override(Arc::new(MockHandler::Throw(HandlerError {
            error: text("error").unwrap_or_else(|| String::from("States.TaskFailed")),
            cause: text("cause"),
        })));
    }
    let vars = req
        .variables
        .as_ref()
        .map(json_or_text)
        .and_then(|v| v.as_object().cloned())
        .map(Vars::from_map)
        .unwrap_or_default();
    let extras = RunExtras {
        vars,
        test_state: Some(TestStateExtras {
            context: req.context.as_ref().map(json_or_text),
            mock: result,
            role_arn: req.role_arn.clone(),
        }),
        resume: None,
    };
    Ok(engine.run_blocking(req.input.clone(), &mocked, extras)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    fn call(
        definition: Value,
        state_name: Option<&str>,
        mock: Option<Value>,
    ) -> Result<Execution, TestStateError> {
        let req = TestStateRequest {
            definition,
            state_name: state_name.map(String::from),
            input: json!({"a": 1}),
            mock,
            ..TestStateRequest::default()
        };
        test_state(&req, RunOptions::default(), &Handlers::new())
    }

    fn code(r: Result<Execution, TestStateError>) -> String {
        match r {
            Err(TestStateError::Rejected(r)) => r.code,
            Err(e) => format!("error {e}"),
            Ok(x) => format!("ran {}", x.status.as_str()),
        }
    }

    #[test]
    fn a_named_state_is_tested_in_its_machines_query_language() {
        let machine = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "End": true}}});
        let x = call(machine, Some("P"), None).unwrap();
        assert_eq!(x.output, Some(json!(2)));
        // JSONata states have no JSONPath steps to report.
        assert_eq!(x.inspection.as_deref(), Some(&Map::new()));
    }

    #[test]
    fn records_the_data_steps_of_the_tested_state_as_aws_reports_them() {
        let steps = |state: Value| {
            let x = call(state, None, None).unwrap();
            let m = x.inspection.map(|b| *b).unwrap_or_default();
            m.keys().cloned().collect::<Vec<_>>().join(",")
        };
        // Recorded from AWS (TestState, DEBUG): a Pass reports every JSONPath step, a Pass with
        // a `Result` only the result and after it, Succeed and Fail their input step.
        assert_eq!(
            steps(json!({"Type": "Pass", "End": true})),
            "afterInputPath,afterParameters,afterResultSelector,afterResultPath"
        );
        assert_eq!(
            steps(
                json!({"Type": "Pass", "Parameters": {"p.$": "$.a"}, "Result": {"r": 1}, "End": true})
            ),
            "result,afterResultSelector,afterResultPath"
        );
        assert_eq!(steps(json!({"Type": "Succeed"})), "afterInputPath");
        assert_eq!(
            steps(json!({"Type": "Fail", "Error": "E"})),
            "afterInputPath"
        );
        let x = call(
            json!({"Type": "Pass", "InputPath": "$", "Parameters": {"b.$": "$.a"}, "ResultPath": "$.r", "End": true}),
            None,
            None,
        )
        .unwrap();
        let m = x.inspection.map(|b| *b).unwrap_or_default();
        assert_eq!(m["afterParameters"], json!({"b": 1}));
        assert_eq!(m["afterResultPath"], json!({"a": 1, "r": {"b": 1}}));
        // A Task: its input steps, the result and what follows it.
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"x.$": "$.a"}, "ResultSelector": {"y.$": "$.v"}, "End": true});
        let x = call(task, None, Some(json!({"result": "{\"v\": 5}"}))).unwrap();
        let m = x.inspection.map(|b| *b).unwrap_or_default();
        assert_eq!(m["afterParameters"], json!({"x": 1}));
        assert_eq!(m["result"], json!({"v": 5}));
        assert_eq!(m["afterResultSelector"], json!({"y": 5}));
        // Outside TestState nothing is recorded.
        let plain = Engine::new(
            &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
            RunOptions::default(),
        )
        .unwrap()
        .run(json!({}), &Handlers::new())
        .unwrap();
        assert_eq!(plain.inspection, None);
    }

    #[test]
    fn checks_requests_as_aws_does() {
        let machine = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        assert_eq!(
            code(call(machine.clone(), Some(""), None)),
            "ParamValidationError"
        );
        assert_eq!(
            code(call(machine.clone(), Some("Q"), None)),
            "ValidationException"
        );
        assert_eq!(code(call(machine, Some("P"), None)), "ran SUCCEEDED");
        let parallel = json!({"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]});
        assert_eq!(
            code(call(parallel.clone(), None, None)),
            "InvalidDefinition"
        );
        assert_eq!(
            code(call(
                parallel.clone(),
                None,
                Some(json!({"result": {"x": 1}}))
            )),
            "ValidationException"
        );
        assert_eq!(
            code(call(
                parallel.clone(),
                None,
                Some(json!({"result": "[1, 2]"}))
            )),
            "ValidationException"
        );
        let ok = call(parallel, None, Some(json!({"result": "[1]"}))).unwrap();
        assert_eq!(ok.output, Some(json!([1])));
        let task =
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
        let failed = call(
            task,
            None,
            Some(json!({"errorOutput": {"error": "E", "cause": "C"}})),
        )
        .unwrap();
        assert_eq!(failed.error.as_deref(), Some("E"));
        assert_eq!(failed.cause.as_deref(), Some("C"));
    }
}
