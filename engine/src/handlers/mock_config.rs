//! Step Functions Local mock configuration (`MockConfigFile.json`):
//! `StateMachines.<machine>.TestCases.<case>.<state> = <response name>` and
//! `MockedResponses.<response name>.<"0" | "1-2" | ...> = {"Return": ...} | {"Throw": {"Error", "Cause"}}`.
//! Invocation keys are 0-based and may be ranges; `Return` values are the task result.

use std::collections::HashMap;

use serde_json::Value;

use crate::handlers::error::HandlerError;

/// Responses of one mocked response name: inclusive invocation range and outcome.
type Responses = Vec<(u64, u64, Result<Value, HandlerError>)>;

/// State machine → test case → state → response name.
type Machines = HashMap<String, HashMap<String, HashMap<String, String>>>;

/// A parsed mock configuration.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    machines: Machines,
    responses: HashMap<String, Responses>,
}

/// The mock configuration is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mock config {pointer}: {message}")]
pub struct MockConfigError {
    /// JSON Pointer of the bad field.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn err(pointer: impl Into<String>, message: impl Into<String>) -> MockConfigError {
    MockConfigError {
        pointer: pointer.into(),
        message: message.into(),
    }
}

impl MockConfig {
    /// Parses a configuration document.
    pub fn parse(v: &Value) -> Result<Self, MockConfigError> {
        let mut cfg = MockConfig::default();
        let sms = v
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or_else(|| err("/StateMachines", "missing object"))?;
        for (sm, smv) in sms {
            let cases = smv
                .get("TestCases")
                .and_then(Value::as_object)
                .ok_or_else(|| err(format!("/StateMachines/{sm}/TestCases"), "missing object"))?;
            let mut cm = HashMap::new();
            for (case, states) in cases {
                let states = states.as_object().ok_or_else(|| {
                    err(
                        format!("/StateMachines/{sm}/TestCases/{case}"),
                        "expected an object",
                    )
                })?;
                let mut sm_states = HashMap::new();
                for (state, resp) in states {
                    let r = resp.as_str().ok_or_else(|| {
                        err(
                            format!("/StateMachines/{sm}/TestCases/{case}/{state}"),
                            "expected a response name",
                        )
                    })?;
                    sm_states.insert(state.clone(), r.to_string());
                }
                cm.insert(case.clone(), sm_states);
            }
            cfg.machines.insert(sm.clone(), cm);
        }
        if let Some(resps) = v.get("MockedResponses").and_then(Value::as_object) {
            for (name, rv) in resps {
                let ro = rv
                    .as_object()
                    .ok_or_else(|| err(format!("/MockedResponses/{name}"), "expected an object"))?;
                let mut list = Vec::new();
                for (key, body) in ro {
                    let here = format!("/MockedResponses/{name}/{key}");
                    let (a, b) = match key.split_once('-') {
                        Some((a, b)) => (a.trim().parse(), b.trim().parse()),
                        None => (key.trim().parse(), key.trim().parse()),
                    };
                    let (Ok(lo), Ok(hi)) = (a, b) else {
                        return Err(err(here, "invocation key must be N or N-M"));
                    };
                    let outcome = if let Some(r) = body.get("Return") {
                        Ok(r.clone())
                    } else if let Some(t) = body.get("Throw") {
                        Err(HandlerError {
                            error: t
                                .get("Error")
                                .and_then(Value::as_str)
                                .unwrap_or("States.TaskFailed")
                                .to_string(),
                            cause: t.get("Cause").and_then(Value::as_str).map(String::from),
                        })
                    } else {
                        return Err(err(here, "expected Return or Throw"));
                    };
                    list.push((lo, hi, outcome));
                }
                cfg.responses.insert(name.clone(), list);
            }
        }
        Ok(cfg)
    }

    /// Names of the state machines configured.
    pub fn state_machines(&self) -> impl Iterator<Item = &str> {
        self.machines.keys().map(String::as_str)
    }

    /// Whether `sm` has a test case named `case`.
    pub fn has_test_case(&self, sm: &str, case: &str) -> bool {
        self.machines.get(sm).is_some_and(|c| c.contains_key(case))
    }

    /// The mocked outcome of invocation `n` (0-based) of `state`, if configured. Past the last
    /// configured invocation the last response repeats (Step Functions Local behaviour).
    pub fn response(
        &self,
        sm: &str,
        case: &str,
        state: &str,
        n: u64,
    ) -> Option<Result<Value, HandlerError>> {
        let name = self.machines.get(sm)?.get(case)?.get(state)?;
        let list = self.responses.get(name)?;
        if let Some((_, _, o)) = list.iter().find(|(lo, hi, _)| *lo <= n && n <= *hi) {
            return Some(o.clone());
        }
        list.iter()
            .max_by_key(|(_, hi, _)| *hi)
            .map(|(_, _, o)| o.clone())
    }
}
