//! `nexus test-state FILE --state NAME --input JSON`: the Step Functions TestState API,
//! offline. One state runs on its own (a state of a workflow file, or a file holding a lone
//! state definition) with an optional mocked result, context object and variables, through
//! `nexus_engine::test_state`, which makes AWS's request checks. The answer has TestState's
//! response shape: `status`, `output` (JSON text), `error`, `cause`, `nextState`, and with
//! `--inspection-level DEBUG|TRACE` an `inspectionData`: `input`, the data-processing steps
//! the engine recorded for the state (`afterInputPath`, `afterParameters`, `afterArguments`,
//! `result`, `afterResultSelector`, `afterResultPath`, `afterItemsPath`, and a Map's
//! `maxConcurrency` and tolerated failures), `variables` and `errorDetails`.
//!
//! Exit: 0 `SUCCEEDED`, 1 `FAILED`, 2 the request was rejected (printed as the AWS CLI prints
//! an API error) or the tool could not run.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use nexus_engine::test_state::{TestStateError, TestStateRequest, test_state};
use nexus_engine::{Execution, ExecutionStatus, Handlers, RunOptions};
use serde_json::{Map, Value};

/// `inspectionLevel` of TestState.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum InspectionLevel {
    /// The state's output, status and next state.
    Info,
    /// Also the input and the data-processing steps (`inspectionData`).
    Debug,
    /// Like DEBUG (the HTTP request and response of an HTTP Task are not recorded offline).
    Trace,
}

#[derive(Debug, Args)]
pub struct TestStateArgs {
    /// A workflow (ASL, NEXUS YAML, template) or a file holding one state definition.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The state to test (needed when FILE is a whole workflow).
    #[arg(long, value_name = "NAME")]
    pub state: Option<String>,

    /// The state input, as JSON text [default: {}].
    #[arg(long, value_name = "JSON")]
    pub input: Option<String>,

    /// The mock, as TestState takes it: `{"result": ...}` or
    /// `{"errorOutput": {"error": ..., "cause": ...}}` (values may be JSON text).
    #[arg(long, value_name = "JSON")]
    pub mock: Option<String>,

    /// How much to report.
    #[arg(long, value_enum, default_value = "INFO")]
    pub inspection_level: InspectionLevel,

    /// Variables visible to the state, as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub variables: Option<String>,

    /// Context object fields (`Execution`, `State`, `StateMachine`, ...), as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,

    /// The role ARN of the call (`$$.Execution.RoleArn`).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Which machine of a template holding several (logical id or name).
    #[arg(long, value_name = "NAME")]
    pub machine: Option<String>,
}

fn json_arg(flag: &str, text: Option<&String>) -> Result<Option<Value>, String> {
    text.map(|t| serde_json::from_str(t).map_err(|e| format!("{flag} is not JSON: {e}")))
        .transpose()
}

/// The definition to send: a lone state as it is, else the workflow's ASL.
fn definition(args: &TestStateArgs) -> Result<Value, String> {
    let display = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {display}: {e}"))?;
    let (value, _) = crate::test_cmd::load_value(&display, &text).map_err(|e| e.0)?;
    if value.get("Type").is_some_and(Value::is_string) && value.get("States").is_none() {
        return Ok(value);
    }
    let (asl, _, _) = crate::test_cmd::load_workflow(&args.file, args.machine.as_deref())?;
    if args.state.is_none() {
        return Err(format!(
            "{display} is a workflow: name the state to test with --state"
        ));
    }
    Ok(asl)
}

/// The payload of the first event of type `ty` under `details`/`key`, as JSON text.
fn text(v: &Value) -> Value {
    Value::String(serde_json::to_string(v).unwrap_or_default())
}

/// What the tested state came to, in TestState's terms.
struct Verdict {
    status: &'static str,
    next_state: Option<String>,
    error: Option<String>,
    cause: Option<String>,
    /// `inspectionData.errorDetails`.
    error_details: Option<Value>,
}

/// The first of `list` (`Retry` or `Catch`) whose `ErrorEquals` matches `error`, and that
/// leads to `next` when given.
fn first_matching(
    list: Option<&Value>,
    error: Option<&str>,
    next: Option<&str>,
) -> Option<(usize, Value)> {
    list?.as_array()?.iter().enumerate().find_map(|(i, r)| {
        let goes = next.is_none_or(|n| r.get("Next").and_then(Value::as_str) == Some(n));
        (goes && crate::test_cmd::coverage::matches(r.get("ErrorEquals")?, error))
            .then(|| (i, r.clone()))
    })
}

/// Reads the run of the tested state: which exit it took (a Choice target or a catcher's
/// `Next`), whether a catcher or (on AWS, which does not retry in TestState) a retrier
/// handled its failure.
fn verdict(exec: &Execution, state: &Value) -> Verdict {
    let trace = crate::test_cmd::trace::Trace::from_history(&exec.history);
    let tested = trace.visits.first();
    let exit = tested.and_then(|v| v.next.clone());
    let failure = match (tested, exec.status) {
        (Some(v), ExecutionStatus::Succeeded) if v.failed_last => {
            Some((v.errors.last().cloned().flatten(), v.last_cause.clone()))
        }
        (_, ExecutionStatus::Succeeded) => None,
        _ => Some((exec.error.clone(), exec.cause.clone())),
    };
    let Some((error, cause)) = failure else {
        let next_state = exit.or_else(|| {
            (state.get("Type").and_then(Value::as_str) != Some("Choice"))
                .then(|| state.get("Next").and_then(Value::as_str).map(String::from))
                .flatten()
        });
        return Verdict {
            status: "SUCCEEDED",
            next_state,
            error: None,
            cause: None,
            error_details: None,
        };
    };
    // The state ran without its retriers; a failure one of them matches is RETRIABLE.
    if let Some((i, r)) = first_matching(state.get("Retry"), error.as_deref(), None)
        && r.get("MaxAttempts").and_then(Value::as_u64) != Some(0)
    {
        let interval = r
            .get("IntervalSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        return Verdict {
            status: "RETRIABLE",
            next_state: None,
            error,
            cause,
            error_details: Some(
                serde_json::json!({"retryIndex": i, "retryBackoffIntervalSeconds": interval}),
            ),
        };
    }
    if exec.status == ExecutionStatus::Succeeded {
        let caught = first_matching(state.get("Catch"), error.as_deref(), exit.as_deref());
        return Verdict {
            status: "CAUGHT_ERROR",
            next_state: exit,
            error,
            cause,
            error_details: caught.map(|(i, _)| serde_json::json!({"catchIndex": i})),
        };
    }
    Verdict {
        status: "FAILED",
        next_state: None,
        error,
        cause,
        error_details: None,
    }
}

/// The TestState response for an execution of `state`.
pub(crate) fn response(
    exec: &Execution,
    state: &Value,
    req: &TestStateRequest,
    level: InspectionLevel,
) -> Value {
    let v = verdict(exec, state);
    let mut m = Map::new();
    if v.status != "RETRIABLE"
        && let Some(o) = &exec.output
    {
        m.insert("output".into(), text(o));
    }
    if let Some(e) = &v.error {
        m.insert("error".into(), e.clone().into());
    }
    if let Some(c) = &v.cause {
        m.insert("cause".into(), c.clone().into());
    }
    if level != InspectionLevel::Info {
        let mut d = Map::new();
        d.insert("input".into(), text(&req.input));
        // The steps the engine recorded, as TestState answers them: the Map settings as
        // numbers, every data step as JSON text.
        for (step, v) in exec.inspection.as_deref().into_iter().flatten() {
            let shown = match step.as_str() {
                "maxConcurrency" | "toleratedFailureCount" | "toleratedFailurePercentage" => {
                    v.clone()
                }
                _ => text(v),
            };
            d.insert(step.clone(), shown);
        }
        if let Some(vars) = req
            .variables
            .as_ref()
            .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        {
            d.insert("variables".into(), text(vars));
        }
        if let Some(e) = v.error_details {
            d.insert("errorDetails".into(), e);
        }
        m.insert("inspectionData".into(), Value::Object(d));
    }
    if let Some(n) = v.next_state {
        m.insert("nextState".into(), n.into());
    }
    m.insert("status".into(), v.status.into());
    Value::Object(m)
}

/// The request with the tested state's `Retry` removed: TestState runs a state once and
/// reports a failure a retrier would handle as `RETRIABLE`.
fn without_retry(mut req: TestStateRequest) -> TestStateRequest {
    let state = match (&req.state_name, req.definition.get("States").is_some()) {
        (Some(n), true) => req
            .definition
            .get_mut("States")
            .and_then(|s| s.get_mut(n.as_str())),
        _ => Some(&mut req.definition),
    };
    if let Some(Value::Object(o)) = state {
        o.remove("Retry");
    }
    req
}

fn run_inner(args: &TestStateArgs) -> Result<u8, String> {
    let def = definition(args)?;
    let req = TestStateRequest {
        definition: def,
        state_name: args.state.clone(),
        input: json_arg("--input", args.input.as_ref())?
            .unwrap_or_else(|| Value::Object(Map::new())),
        mock: json_arg("--mock", args.mock.as_ref())?,
        context: json_arg("--context", args.context.as_ref())?,
        variables: json_arg("--variables", args.variables.as_ref())?,
        role_arn: args.role_arn.clone(),
    };
    let state = match (&req.state_name, req.definition.get("States")) {
        (Some(n), Some(states)) => states.get(n.as_str()).cloned().unwrap_or(Value::Null),
        _ => req.definition.clone(),
    };
    let run_req = without_retry(req.clone());
    match test_state(&run_req, RunOptions::default(), &Handlers::new()) {
        Ok(exec) => {
            let out = response(&exec, &state, &req, args.inspection_level);
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            Ok(match out.get("status").and_then(Value::as_str) {
                Some("SUCCEEDED") => 0,
                _ => 1,
            })
        }
        // A parameter the API's constraints reject never leaves the AWS CLI (botocore checks
        // it first): it prints the message alone.
        Err(TestStateError::Rejected(r)) if r.code == "ParamValidationError" => {
            eprintln!("{}", r.message);
            Ok(2)
        }
        Err(TestStateError::Rejected(r)) => {
            eprintln!(
                "An error occurred ({}) when calling the TestState operation: {}",
                r.code, r.message
            );
            Ok(2)
        }
        Err(TestStateError::Run(e)) => Err(e.to_string()),
    }
}

pub fn run(args: &TestStateArgs) -> u8 {
    match run_inner(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
