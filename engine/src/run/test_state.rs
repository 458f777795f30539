//! The TestState API, locally: one state run on its own with an optional mocked result,
//! context and variables, after the request checks AWS makes, answered with TestState's
//! verdict (TestState API reference; "Using TestState API to test a state"). The CLI's
//! `nexus test-state` and the service's `TestState` operation are adapters over this module.
//!
//! Request checks, in AWS's wording:
//! - `stateName` must be at least one character long, and name a state of the definition;
//! - the definition must be valid (`InvalidDefinition`; a lone state is wrapped in a machine
//!   whose only state is called `StateName`);
//! - Map and Parallel states can only be tested with a `mock`; Pass, Fail and Succeed states
//!   take none; a mock holds `result` or `errorOutput`, not both, and no mock goes with
//!   `revealSecrets`; a mocked `result` is JSON text: an array for a Map (an object when it
//!   has a `ResultWriter`), one item per branch for a Parallel;
//! - `stateConfiguration.mapIterationFailureCount` needs a mock, and no more failures than
//!   mocked iterations;
//! - a Task state run without a mock needs a `roleArn`.
//!
//! The verdict: TestState runs the state once. A failure that one of its retriers handles
//! (given `stateConfiguration.retrierRetryCount` retries so far) is `RETRIABLE`, with the
//! retrier's index and back-off; one a catcher handles is `CAUGHT_ERROR`, with the catcher's
//! index and its `Next` as `nextState`; other failures are `FAILED`. With `inspectionLevel`
//! DEBUG or TRACE the answer carries `inspectionData`: the input, the data-processing steps
//! of the state, the variables and the `errorDetails`.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::handlers::{HandlerError, Handlers, MockHandler};
use crate::run::engine::{Engine, Execution, ExecutionStatus, RunExtras, TestStateExtras};
use crate::run::mock_fields::FieldValidation;
use crate::run::options::RunOptions;
use crate::run::tested::{CAUGHT_CAUSE, CAUGHT_ERROR, StateMock};
use crate::vars::Vars;

pub use crate::run::exec::WRAPPED_STATE_NAME;

/// `inspectionLevel`: how much a TestState answer tells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InspectionLevel {
    /// The status, output, error, cause and next state.
    #[default]
    Info,
    /// Also `inspectionData`: the input and the state's data-processing steps.
    Debug,
    /// Like DEBUG (an HTTP Task's raw request and response are not recorded locally).
    Trace,
}

impl InspectionLevel {
    /// The API's names of the levels.
    pub const NAMES: [&'static str; 3] = ["INFO", "DEBUG", "TRACE"];

    /// Parses the API's name of a level.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "INFO" => Some(Self::Info),
            "DEBUG" => Some(Self::Debug),
            "TRACE" => Some(Self::Trace),
            _ => None,
        }
    }
}

/// `stateConfiguration` of a TestState call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateConfiguration {
    /// Retries the state's matching retrier has made so far.
    pub retrier_retry_count: Option<u64>,
    /// The state inside a mocked Map or Parallel the mocked error comes from.
    pub error_caused_by_state: Option<String>,
    /// Iterations of a mocked Map that failed.
    pub map_iteration_failure_count: Option<u64>,
    /// What a Distributed Map's `ItemReader` reads, as JSON text.
    pub map_item_reader_data: Option<String>,
}

impl StateConfiguration {
    /// Reads the API's `stateConfiguration` object (the constraints botocore and the service
    /// check: counts are integers ≥ 0, `errorCausedByState` 1 to 80 characters).
    pub fn from_json(v: &Value) -> Result<Self, TestStateRejection> {
        let Value::Object(m) = v else {
            return Err(reject(
                VALIDATION,
                "stateConfiguration must be a JSON object",
            ));
        };
        let count = |k: &str| -> Result<Option<u64>, TestStateRejection> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(n) => n.as_u64().map(Some).ok_or_else(|| {
                    reject(
                        VALIDATION,
                        format!(
                            "1 validation error detected: Value '{n}' at 'stateConfiguration.{k}' failed to satisfy constraint: Member must have value greater than or equal to 0"
                        ),
                    )
                }),
            }
        };
        let text = |k: &str| -> Result<Option<String>, TestStateRejection> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(reject(
                    VALIDATION,
                    format!("stateConfiguration.{k} must be a string"),
                )),
            }
        };
        let caused_by = text("errorCausedByState")?;
        if let Some(s) = &caused_by
            && !(1..=80).contains(&s.chars().count())
        {
            return Err(reject(
                VALIDATION,
                format!(
                    "1 validation error detected: Value '{s}' at 'stateConfiguration.errorCausedByState' failed to satisfy constraint: Member must have length between 1 and 80"
                ),
            ));
        }
        Ok(Self {
            retrier_retry_count: count("retrierRetryCount")?,
            error_caused_by_state: caused_by,
            map_iteration_failure_count: count("mapIterationFailureCount")?,
            map_item_reader_data: text("mapItemReaderData")?,
        })
    }
}

/// The parameters of a TestState call.
#[derive(Debug, Clone, Default)]
pub struct TestStateRequest {
    /// A state definition, or a whole state machine when `state_name` is given.
    pub definition: Value,
    /// The state of a whole-machine `definition` to test.
    pub state_name: Option<String>,
    /// The state input.
    pub input: Value,
    /// `{"result": JSON text}` or `{"errorOutput": {"error", "cause"}}`, with an optional
    /// `fieldValidationMode` (`STRICT`, `PRESENT` or `NONE`).
    pub mock: Option<Value>,
    /// Context object fields (`Execution`, `StateMachine`, `State`, ...).
    pub context: Option<Value>,
    /// Variables visible to the state (an object, or its JSON text).
    pub variables: Option<Value>,
    /// `roleArn` of the call.
    pub role_arn: Option<String>,
    /// `inspectionLevel`.
    pub inspection_level: InspectionLevel,
    /// `revealSecrets`.
    pub reveal_secrets: bool,
    /// `stateConfiguration`.
    pub state_configuration: StateConfiguration,
}

/// `ValidationException`.
const VALIDATION: &str = "ValidationException";
/// `InvalidDefinition`.
const INVALID_DEFINITION: &str = "InvalidDefinition";

impl TestStateRequest {
    /// Reads a TestState request of the API (AWS JSON 1.0 body): `definition`, `input`,
    /// `variables` and `context` are JSON text; `mock` and `stateConfiguration` objects.
    pub fn from_api(req: &Value) -> Result<Self, TestStateRejection> {
        let text = |k: &str| -> Result<Option<&str>, TestStateRejection> {
            match req.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(reject(
                    VALIDATION,
                    format!(
                        "Start of structure or map found where not expected: {k} must be a string"
                    ),
                )),
            }
        };
        let definition = text("definition")?.ok_or_else(|| {
            reject(
                VALIDATION,
                "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null",
            )
        })?;
        let definition: Value = serde_json::from_str(definition).map_err(|e| {
            reject(
                INVALID_DEFINITION,
                format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"),
            )
        })?;
        let json_field = |k: &str,
                          code: &'static str,
                          what: &str|
         -> Result<Option<Value>, TestStateRejection> {
            text(k)?
                .map(|t| {
                    serde_json::from_str(t)
                        .map_err(|e| reject(code, format!("Invalid {what}: {e}")))
                })
                .transpose()
        };
        let inspection_level = match text("inspectionLevel")? {
            None => InspectionLevel::Info,
            Some(l) => InspectionLevel::parse(l).ok_or_else(|| {
                reject(
                    VALIDATION,
                    format!(
                        "1 validation error detected: Value '{l}' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        InspectionLevel::NAMES.join(", ")
                    ),
                )
            })?,
        };
        let state_configuration = match req.get("stateConfiguration") {
            None | Some(Value::Null) => StateConfiguration::default(),
            Some(c) => StateConfiguration::from_json(c)?,
        };
        Ok(Self {
            definition,
            state_name: text("stateName")?.map(String::from),
            input: json_field("input", "InvalidExecutionInput", "input")?
                .unwrap_or_else(|| Value::Object(Map::new())),
            mock: req.get("mock").filter(|m| !m.is_null()).cloned(),
            context: json_field("context", VALIDATION, "context")?,
            variables: json_field("variables", VALIDATION, "variables")?,
            role_arn: text("roleArn")?.map(String::from),
            inspection_level,
            reveal_secrets: req
                .get("revealSecrets")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            state_configuration,
        })
    }
}

/// A TestState call rejected before the state ran (what AWS answers with an API error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct TestStateRejection {
    /// `ValidationException`, `InvalidDefinition`, `InvalidExecutionInput` or (client side)
    /// `ParamValidationError`.
    pub code: &'static str,
    /// The message AWS gives.
    pub message: String,
}

/// Why [`test_state`] produced no answer.
#[derive(Debug, thiserror::Error)]
pub enum TestStateError {
    /// The request was rejected.
    #[error(transparent)]
    Rejected(#[from] TestStateRejection),
    /// The engine could not run.
    #[error(transparent)]
    Run(#[from] crate::RunError),
}

fn reject(code: &'static str, message: impl Into<String>) -> TestStateRejection {
    TestStateRejection {
        code,
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

/// `status` of a TestState answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStateStatus {
    /// The state completed.
    Succeeded,
    /// The state failed and nothing handled the failure.
    Failed,
    /// The state failed and one of its retriers would retry it.
    Retriable,
    /// The state failed and one of its catchers handled the failure.
    CaughtError,
}

impl TestStateStatus {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Retriable => "RETRIABLE",
            Self::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// The answer to a TestState call.
#[derive(Debug, Clone)]
pub struct TestStateResponse {
    /// The verdict.
    pub status: TestStateStatus,
    /// The state output (absent when it failed unhandled or would be retried).
    pub output: Option<Value>,
    /// The error of a failure.
    pub error: Option<String>,
    /// The cause of a failure.
    pub cause: Option<String>,
    /// The state that comes next (a Choice's pick, a catcher's or the state's `Next`).
    pub next_state: Option<String>,
    /// `inspectionData` (DEBUG and TRACE), in the API's shape: data as JSON text, Map
    /// settings as numbers, `errorDetails` as an object.
    pub inspection_data: Option<Map<String, Value>>,
    /// The run behind the answer (its history, and the engine's own status).
    pub execution: Execution,
}

impl TestStateResponse {
    /// The API's response body: `output` and the data of `inspectionData` as JSON text.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(o) = &self.output {
            m.insert("output".into(), json_text(o));
        }
        if let Some(e) = &self.error {
            m.insert("error".into(), e.clone().into());
        }
        if let Some(c) = &self.cause {
            m.insert("cause".into(), c.clone().into());
        }
        if let Some(d) = &self.inspection_data {
            m.insert("inspectionData".into(), Value::Object(d.clone()));
        }
        if let Some(n) = &self.next_state {
            m.insert("nextState".into(), n.clone().into());
        }
        m.insert("status".into(), self.status.as_str().into());
        Value::Object(m)
    }
}

fn json_text(v: &Value) -> Value {
    Value::String(v.to_string())
}

/// The state to test, found as AWS finds it: `(state, its pointer in the definition)`.
fn select_state(req: &TestStateRequest) -> Result<(Value, String), TestStateRejection> {
    let wrapped = format!("/States/{WRAPPED_STATE_NAME}");
    let Some(name) = &req.state_name else {
        return Ok((req.definition.clone(), wrapped));
    };
    if name.is_empty() {
        // botocore checks the API's length constraint before sending the request.
        return Err(reject(
            "ParamValidationError",
            "Parameter validation failed:\nInvalid length for parameter stateName, value: 0, valid min length: 1",
        ));
    }
    if req.definition.get("States").is_none() {
        // A single state definition: the name only labels it.
        return Ok((req.definition.clone(), wrapped));
    }
    let (mut state, pointer) = find_state(&req.definition, name, "")
        .ok_or_else(|| reject(VALIDATION, "State not found in definition"))?;
    // The state is tested in its machine's query language unless it names its own.
    if let (Some(ql), Value::Object(m)) = (req.definition.get("QueryLanguage"), &mut state)
        && !m.contains_key("QueryLanguage")
    {
        m.insert("QueryLanguage".into(), ql.clone());
    }
    Ok((state, pointer))
}

/// The state called `name` in the `States` of `machine` or of the workflows nested in them
/// (a Map's `ItemProcessor` or `Iterator`, a Parallel's `Branches`), and its JSON Pointer.
fn find_state(machine: &Value, name: &str, at: &str) -> Option<(Value, String)> {
    let states = machine.get("States")?.as_object()?;
    let esc = |s: &str| s.replace('~', "~0").replace('/', "~1");
    if let Some(s) = states.get(name) {
        return Some((s.clone(), format!("{at}/States/{}", esc(name))));
    }
    states.iter().find_map(|(n, s)| {
        let here = format!("{at}/States/{}", esc(n));
        let nested = ["ItemProcessor", "Iterator"]
            .iter()
            .find_map(|k| find_state(s.get(*k)?, name, &format!("{here}/{k}")));
        nested.or_else(|| {
            s.get("Branches")?
                .as_array()?
                .iter()
                .enumerate()
                .find_map(|(i, b)| find_state(b, name, &format!("{here}/Branches/{i}")))
        })
    })
}

fn invalid_definition(what: &str, at: &str) -> TestStateRejection {
    reject(
        INVALID_DEFINITION,
        format!("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {what} at {at}'"),
    )
}

/// The state types of ASL, in the order AWS lists them.
const STATE_TYPES: [&str; 8] = [
    "Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map",
];

fn check_definition(state: &Value, at: &str) -> Result<(), TestStateRejection> {
    if !state.is_object() {
        return Err(invalid_definition("Expected an object", at));
    }
    if !state
        .get("Type")
        .and_then(Value::as_str)
        .is_some_and(|t| STATE_TYPES.contains(&t))
    {
        return Err(invalid_definition(
            &format!(
                "The field 'Type' should have one of these values: [{}]",
                STATE_TYPES.join(", ")
            ),
            &format!("{at}/Type"),
        ));
    }
    if state.get("Type") == Some(&Value::from("Parallel"))
        && let Some(Value::Array(b)) = state.get("Branches")
        && b.is_empty()
    {
        return Err(invalid_definition(
            "Value cannot be empty",
            &format!("{at}/Branches"),
        ));
    }
    Ok(())
}

/// A checked `mock`.
enum Mock {
    None,
    Result(Value),
    Error(HandlerError),
}

/// Whether a Task waits for something outside the call: an activity worker, the end of a job
/// (`.sync`) or a task token (`.waitForTaskToken`).
fn waits(state: &Value) -> bool {
    let resource = state.get("Resource").and_then(Value::as_str).unwrap_or("");
    resource.contains(":activity:")
        || [".sync", ".sync:2", ".waitForTaskToken"]
            .iter()
            .any(|p| resource.ends_with(p))
}

fn check_mock(state: &Value, req: &TestStateRequest) -> Result<Mock, TestStateRejection> {
    let ty = state.get("Type").and_then(Value::as_str).unwrap_or("");
    let composite = ty == "Map" || ty == "Parallel";
    let Some(mock) = &req.mock else {
        if composite {
            return Err(reject(
                INVALID_DEFINITION,
                "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]",
            ));
        }
        // The API reference: "TestState only supports the following when a mock is
        // specified: Activity tasks, .sync or .waitForTaskToken service integration
        // patterns, Parallel, or Map states" (nothing could answer their wait).
        if ty == "Task" && waits(state) {
            return Err(reject(
                VALIDATION,
                "TestState only supports Activity tasks, .sync or .waitForTaskToken service integration patterns when a mock is specified.",
            ));
        }
        return Ok(Mock::None);
    };
    if matches!(ty, "Pass" | "Fail" | "Succeed") {
        return Err(reject(
            VALIDATION,
            format!("State type '{ty}' is not supported when a mock is specified"),
        ));
    }
    if req.reveal_secrets {
        return Err(reject(
            VALIDATION,
            "TestState does not support RevealSecrets when a mock is specified.",
        ));
    }
    let Value::Object(fields) = mock else {
        return Err(reject(VALIDATION, "mock must be a JSON object"));
    };
    let field_validation =
        FieldValidation::parse(fields.get("fieldValidationMode")).ok_or_else(|| {
            let m = fields.get("fieldValidationMode").unwrap_or(&Value::Null);
            reject(
                VALIDATION,
                format!(
                    "1 validation error detected: Value '{}' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]",
                    m.as_str().map_or_else(|| m.to_string(), String::from)
                ),
            )
        })?;
    let (result, error) = (fields.get("result"), fields.get("errorOutput"));
    if result.is_some() && error.is_some() {
        return Err(reject(
            VALIDATION,
            "A test mock should have only one of the following fields: [result, errorOutput].",
        ));
    }
    if let Some(e) = error {
        let e = json_or_text(e);
        let text = |k: &str| e.get(k).and_then(Value::as_str).map(String::from);
        return Ok(Mock::Error(HandlerError {
            error: text("error").unwrap_or_else(|| String::from("States.TaskFailed")),
            cause: text("cause"),
        }));
    }
    let Some(result) = result else {
        return Ok(Mock::None);
    };
    let result = match result {
        Value::String(s) => serde_json::from_str(s)
            .map_err(|_| reject(VALIDATION, "Mocked result must be valid JSON"))?,
        other => other.clone(),
    };
    if ty == "Task"
        && let Some(resource) = state.get("Resource").and_then(Value::as_str)
    {
        crate::run::mock_fields::check(resource, &result, field_validation)
            .map_err(|m| reject(VALIDATION, m))?;
    }
    if ty == "Map" {
        if state.get("ResultWriter").is_some() {
            if !result.is_object() {
                return Err(reject(VALIDATION, "Mocked result must be a JSON object."));
            }
        } else if !result.is_array() {
            return Err(reject(VALIDATION, "Mocked result must be an array."));
        }
    }
    if ty == "Parallel" {
        let Value::Array(items) = &result else {
            return Err(reject(VALIDATION, "Mocked result must be an array."));
        };
        let branches = state
            .get("Branches")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if items.len() != branches {
            return Err(reject(
                VALIDATION,
                "Mocked result must contain the same number of items as number of Parallel branches.",
            ));
        }
    }
    Ok(Mock::Result(result))
}

/// The fields a TestState `context` may give, per section, and whether each is text.
const CONTEXT_FIELDS: [(&str, &[(&str, bool)]); 4] = [
    (
        "Execution",
        &[
            ("Id", true),
            ("Input", false),
            ("Name", true),
            ("RoleArn", true),
            ("StartTime", true),
            ("RedriveCount", false),
            ("RedriveTime", true),
        ],
    ),
    (
        "State",
        &[("EnteredTime", true), ("Name", true), ("RetryCount", false)],
    ),
    ("StateMachine", &[("Id", true), ("Name", true)]),
    ("Task", &[("Token", true)]),
];

/// Checks a request's `context` as AWS does ("Invalid Context object provided: ...").
fn check_context(state: &Value, context: Option<&Value>) -> Result<(), TestStateRejection> {
    let Some(context) = context.map(json_or_text) else {
        return Ok(());
    };
    let invalid = |what: String| {
        reject(
            VALIDATION,
            format!("Invalid Context object provided: {what}"),
        )
    };
    let Value::Object(sections) = &context else {
        return Err(invalid(String::from(
            "the context object must be a JSON object",
        )));
    };
    // `Task` belongs to the callback and `.sync` patterns of a Task state.
    let resource = state.get("Resource").and_then(Value::as_str).unwrap_or("");
    let has_token = state.get("Type").and_then(Value::as_str) == Some("Task")
        && waits(state)
        && !resource.contains(":activity:");
    for (name, fields) in sections {
        if name == "Map" {
            return Err(invalid(String::from(
                "'Map' field is not supported when mocking a Context object",
            )));
        }
        if name == "Task" && !has_token {
            return Err(invalid(String::from(
                "Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
            )));
        }
        let Some((_, allowed)) = CONTEXT_FIELDS.iter().find(|(s, _)| s == name) else {
            return Err(invalid(format!("Field '{name}' is not allowed")));
        };
        let Value::Object(fields) = fields else {
            return Err(invalid(format!("{name} must be an object")));
        };
        for (field, v) in fields {
            let Some((_, text)) = allowed.iter().find(|(f, _)| f == field) else {
                return Err(invalid(format!("Field '{field}' is not allowed")));
            };
            if *text && !v.is_string() {
                return Err(invalid(format!("{name}.{field} must be a string")));
            }
        }
    }
    Ok(())
}

fn check_configuration(
    state: &Value,
    req: &TestStateRequest,
    mock: &Mock,
) -> Result<(), TestStateRejection> {
    let cfg = &req.state_configuration;
    let ty = state.get("Type").and_then(Value::as_str).unwrap_or("");
    // A setting for a kind of state the tested one is not (no AWS recording of these
    // refusals: the wording follows AWS's other stateConfiguration messages).
    let not_for = |field: &str, what: &str| {
        reject(
            VALIDATION,
            format!("TestState does not support {field} when {what}."),
        )
    };
    if cfg.map_iteration_failure_count.is_some() && ty != "Map" {
        return Err(not_for(
            "MapIterationFailureCount",
            "the tested state is not a Map state",
        ));
    }
    if cfg.map_item_reader_data.is_some() && (ty != "Map" || state.get("ItemReader").is_none()) {
        return Err(not_for(
            "MapItemReaderData",
            "the tested state is not a Map state with an ItemReader",
        ));
    }
    if let Some(inner) = &cfg.error_caused_by_state {
        if !matches!(ty, "Map" | "Parallel") || !matches!(mock, Mock::Error(_)) {
            return Err(not_for(
                "ErrorCausedByState",
                "the tested state is not a Map or Parallel state with a mocked errorOutput",
            ));
        }
        let nested = ["ItemProcessor", "Iterator"]
            .iter()
            .filter_map(|k| state.get(*k))
            .chain(
                state
                    .get("Branches")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .any(|w| find_state(w, inner, "").is_some());
        if !nested {
            return Err(reject(
                VALIDATION,
                format!("ErrorCausedByState '{inner}' is not a state of the tested {ty} state."),
            ));
        }
    }
    if let Some(failures) = cfg.map_iteration_failure_count
        && let Mock::Result(Value::Array(items)) = mock
        && failures > items.len() as u64
    {
        return Err(reject(
            VALIDATION,
            "Map iteration failure count must be less than or equal to the number of Map iterations",
        ));
    }
    if matches!(mock, Mock::None)
        && req.role_arn.is_none()
        && state.get("Type").and_then(Value::as_str) == Some("Task")
    {
        return Err(reject(
            VALIDATION,
            "RoleArn must be specified when testing a Task state",
        ));
    }
    Ok(())
}

/// Runs a TestState call: checks the request, runs the state once and gives TestState's
/// verdict. The tested state's Task calls are answered by the mock when one is given, else
/// by `handlers`.
pub fn test_state(
    req: &TestStateRequest,
    opts: RunOptions,
    handlers: &Handlers,
) -> Result<TestStateResponse, TestStateError> {
    let (state, at) = select_state(req)?;
    check_definition(&state, &at)?;
    if req.mock.is_none()
        && req
            .state_configuration
            .map_iteration_failure_count
            .is_some()
    {
        return Err(reject(
            VALIDATION,
            "TestState does not support MapIterationFailureCount when a mock is not specified.",
        )
        .into());
    }
    let mock = check_mock(&state, req)?;
    check_context(&state, req.context.as_ref())?;
    check_configuration(&state, req, &mock)?;
    // TestState runs the state once: its retriers are judged, not run.
    let mut run_state = state.clone();
    if let Value::Object(o) = &mut run_state {
        o.remove("Retry");
    }
    let engine = Engine::single_state(&run_state, WRAPPED_STATE_NAME, opts).map_err(|e| {
        let crate::CompileError::Invalid { pointer, message } = e;
        invalid_definition(&message, &format!("{at}{pointer}"))
    })?;
    // A Task's mock answers its call; a Map's or Parallel's stands for its run.
    let mut mocked = handlers.clone();
    let composite = matches!(
        state.get("Type").and_then(Value::as_str),
        Some("Map" | "Parallel")
    );
    let outcome = match &mock {
        Mock::None => None,
        Mock::Result(r) => Some(Ok(r.clone())),
        Mock::Error(e) => Some(Err(e.clone())),
    };
    let state_mock = match outcome {
        Some(o) if composite => Some(StateMock {
            outcome: o,
            iteration_failures: req.state_configuration.map_iteration_failure_count,
            reader_data: req.state_configuration.map_item_reader_data.clone(),
        }),
        Some(o) => {
            mocked.set_override(Arc::new(match o {
                Ok(r) => MockHandler::Return(r),
                Err(e) => MockHandler::Throw(e),
            }));
            None
        }
        None => None,
    };
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
            mock: state_mock,
            role_arn: req.role_arn.clone(),
        }),
        resume: None,
    };
    let mut exec = engine.run_blocking(req.input.clone(), &mocked, extras)?;
    Ok(verdict(req, &state, &mut exec).into_response(exec))
}

/// The verdict before it becomes a response.
struct Verdict {
    status: TestStateStatus,
    next_state: Option<String>,
    error: Option<String>,
    cause: Option<String>,
    output: Option<Value>,
    inspection: Option<Map<String, Value>>,
}

impl Verdict {
    fn into_response(self, execution: Execution) -> TestStateResponse {
        TestStateResponse {
            status: self.status,
            output: self.output,
            error: self.error,
            cause: self.cause,
            next_state: self.next_state,
            inspection_data: self.inspection,
            execution,
        }
    }
}

/// The first retrier or catcher of `list` whose `ErrorEquals` matches `error`.
fn first_matching<'a>(list: Option<&'a Value>, error: Option<&str>) -> Option<(usize, &'a Value)> {
    list?.as_array()?.iter().enumerate().find(|(_, r)| {
        let equals: Vec<String> = r
            .get("ErrorEquals")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        crate::compile::retry::matches(&equals, error)
    })
}

/// The back-off before retry number `count` + 1 of a retrier (ASL defaults: 1 s, rate 2.0),
/// capped by its `MaxDelaySeconds`.
fn backoff_seconds(retrier: &Value, count: u64) -> u64 {
    let interval = retrier
        .get("IntervalSeconds")
        .and_then(Value::as_f64)
        .unwrap_or(1.0);
    let rate = retrier
        .get("BackoffRate")
        .and_then(Value::as_f64)
        .unwrap_or(2.0);
    let exp = i32::try_from(count).unwrap_or(i32::MAX);
    let mut secs = interval * rate.powi(exp);
    if let Some(max) = retrier.get("MaxDelaySeconds").and_then(Value::as_f64) {
        secs = secs.min(max);
    }
    // Whole seconds, as the API reports them (saturating for absurd exponents).
    if secs.is_finite() && secs >= 0.0 {
        secs as u64
    } else {
        u64::MAX
    }
}

/// Reads the run of the tested state: its exit, whether it failed, and what its retriers
/// and catchers make of a failure.
fn verdict(req: &TestStateRequest, state: &Value, exec: &mut Execution) -> Verdict {
    let mut steps = exec.inspection.take().map(|b| *b).unwrap_or_default();
    let caught_error = steps.remove(CAUGHT_ERROR);
    let caught_cause = steps.remove(CAUGHT_CAUSE);
    let mut details = match steps.remove("errorDetails") {
        Some(Value::Object(d)) => d,
        _ => Map::new(),
    };
    let exit = exit_state(exec);
    let (mut status, error, cause, mut output, mut next_state) = match exec.status {
        ExecutionStatus::Succeeded if caught_error.is_some() || caught_cause.is_some() => (
            TestStateStatus::CaughtError,
            caught_error.and_then(|v| v.as_str().map(String::from)),
            caught_cause.and_then(|v| v.as_str().map(String::from)),
            exec.output.clone(),
            exit,
        ),
        ExecutionStatus::Succeeded => {
            let next = exit.or_else(|| {
                (state.get("Type").and_then(Value::as_str) != Some("Choice"))
                    .then(|| state.get("Next").and_then(Value::as_str).map(String::from))
                    .flatten()
            });
            (
                TestStateStatus::Succeeded,
                None,
                None,
                exec.output.clone(),
                next,
            )
        }
        _ => (
            TestStateStatus::Failed,
            exec.error.clone(),
            exec.cause.clone(),
            None,
            None,
        ),
    };
    if status != TestStateStatus::Succeeded
        && let Some((i, r)) = first_matching(state.get("Retry"), error.as_deref())
    {
        let max_attempts = r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3);
        let count = req.state_configuration.retrier_retry_count.unwrap_or(0);
        details.insert("retryIndex".into(), i.into());
        if count < max_attempts {
            details.remove("catchIndex");
            details.insert(
                "retryBackoffIntervalSeconds".into(),
                backoff_seconds(r, count).into(),
            );
            status = TestStateStatus::Retriable;
            output = None;
            next_state = None;
        }
    }
    let inspection = (req.inspection_level != InspectionLevel::Info).then(|| {
        let mut d = Map::new();
        d.insert("input".into(), json_text(&req.input));
        for (step, v) in steps {
            let shown = match step.as_str() {
                "maxConcurrency" | "toleratedFailureCount" | "toleratedFailurePercentage" => v,
                _ => json_text(&v),
            };
            d.insert(step, shown);
        }
        if let Some(vars) = req
            .variables
            .as_ref()
            .map(json_or_text)
            .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        {
            d.insert("variables".into(), json_text(&vars));
        }
        if !details.is_empty() {
            d.insert("errorDetails".into(), Value::Object(details));
        }
        d
    });
    Verdict {
        status,
        next_state,
        error,
        cause,
        output,
        inspection,
    }
}

/// The state the run left the tested state for: the last one entered, when it is not the
/// tested state (the exits of a Choice and of the catchers are states of their own).
fn exit_state(exec: &Execution) -> Option<String> {
    exec.history
        .iter()
        .rev()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("SucceedStateEntered"))
        .find_map(|e| {
            e.pointer("/stateEnteredEventDetails/name")
                .and_then(Value::as_str)
                .filter(|n| *n != WRAPPED_STATE_NAME)
                .map(String::from)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(definition: Value, mock: Option<Value>) -> TestStateRequest {
        TestStateRequest {
            definition,
            input: json!({"a": 1}),
            mock,
            role_arn: Some(String::from("arn:aws:iam::111111111111:role/r")),
            inspection_level: InspectionLevel::Debug,
            ..TestStateRequest::default()
        }
    }

    fn answer(req: &TestStateRequest) -> Result<TestStateResponse, TestStateError> {
        test_state(req, RunOptions::default(), &Handlers::new())
    }

    fn call(
        definition: Value,
        state_name: Option<&str>,
        mock: Option<Value>,
    ) -> Result<TestStateResponse, TestStateError> {
        let mut req = request(definition, mock);
        req.state_name = state_name.map(String::from);
        answer(&req)
    }

    fn rejection(r: Result<TestStateResponse, TestStateError>) -> (String, String) {
        match r {
            Err(TestStateError::Rejected(r)) => (r.code.to_string(), r.message),
            Err(e) => (String::from("run error"), e.to_string()),
            Ok(x) => (String::from("ran"), x.status.as_str().to_string()),
        }
    }

    fn code(r: Result<TestStateResponse, TestStateError>) -> String {
        rejection(r).0
    }

    fn steps(x: &TestStateResponse) -> String {
        x.inspection_data
            .as_ref()
            .map(|m| {
                let mut k: Vec<_> = m.keys().cloned().collect();
                k.sort();
                k.join(",")
            })
            .unwrap_or_default()
    }

    const LAMBDA: &str = "arn:aws:states:::lambda:invoke";

    #[test]
    fn a_named_state_is_tested_in_its_machines_query_language() {
        let machine = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "Next": "Q"},
            "Q": {"Type": "Succeed"}}});
        let x = call(machine, Some("P"), None).unwrap();
        assert_eq!(x.output, Some(json!(2)));
        assert_eq!(x.next_state.as_deref(), Some("Q"));
        // JSONata states have no JSONPath steps to report: only the input.
        assert_eq!(steps(&x), "input");
        assert_eq!(x.to_json()["output"], json!("2"));
    }

    #[test]
    fn reports_the_data_steps_of_the_tested_state_as_aws_does() {
        // Recorded from AWS (TestState, DEBUG): a Pass reports every JSONPath step, a Pass
        // with a `Result` only the result and after it, Succeed and Fail their input step.
        let of = |state: Value| steps(&call(state, None, None).unwrap());
        assert_eq!(
            of(json!({"Type": "Pass", "End": true})),
            "afterInputPath,afterParameters,afterResultPath,afterResultSelector,input"
        );
        assert_eq!(
            of(
                json!({"Type": "Pass", "Parameters": {"p.$": "$.a"}, "Result": {"r": 1}, "End": true})
            ),
            "afterResultPath,afterResultSelector,input,result"
        );
        assert_eq!(of(json!({"Type": "Succeed"})), "afterInputPath,input");
        let x = call(
            json!({"Type": "Pass", "InputPath": "$", "Parameters": {"b.$": "$.a"}, "ResultPath": "$.r", "End": true}),
            None,
            None,
        )
        .unwrap();
        let d = x.inspection_data.clone().unwrap();
        // Data as JSON text, as the API answers it.
        assert_eq!(d["input"], json!("{\"a\":1}"));
        assert_eq!(d["afterParameters"], json!("{\"b\":1}"));
        assert_eq!(d["afterResultPath"], json!("{\"a\":1,\"r\":{\"b\":1}}"));
        // INFO: no inspectionData at all.
        let mut info = request(json!({"Type": "Pass", "End": true}), None);
        info.inspection_level = InspectionLevel::Info;
        let x = answer(&info).unwrap();
        assert!(x.inspection_data.is_none());
        assert!(x.to_json().get("inspectionData").is_none());
        // A Task: its input steps, the result and what follows it.
        let task = json!({"Type": "Task", "Resource": LAMBDA,
            "Parameters": {"x.$": "$.a"}, "ResultSelector": {"y.$": "$.v"}, "End": true});
        let x = call(task, None, Some(json!({"result": "{\"v\": 5}"}))).unwrap();
        let d = x.inspection_data.unwrap();
        assert_eq!(d["afterParameters"], json!("{\"x\":1}"));
        assert_eq!(d["result"], json!("{\"v\":5}"));
        assert_eq!(d["afterResultSelector"], json!("{\"y\":5}"));
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
    fn a_choice_answers_the_state_it_picked() {
        let choice = json!({"Type": "Choice", "Default": "D",
            "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "One"}]});
        let x = call(choice.clone(), None, None).unwrap();
        assert_eq!(x.status, TestStateStatus::Succeeded);
        assert_eq!(x.next_state.as_deref(), Some("One"));
        let mut other = request(choice, None);
        other.input = json!({"a": 2});
        assert_eq!(answer(&other).unwrap().next_state.as_deref(), Some("D"));
    }

    #[test]
    fn a_failure_is_retriable_caught_or_failed() {
        let task = |extra: Value| {
            let mut t = json!({"Type": "Task", "Resource": LAMBDA, "Next": "After"});
            if let (Value::Object(t), Value::Object(e)) = (&mut t, extra) {
                t.extend(e);
            }
            t
        };
        let boom = Some(json!({"errorOutput": {"error": "Boom", "cause": "C"}}));
        // Nothing handles it.
        let x = call(task(json!({})), None, boom.clone()).unwrap();
        assert_eq!(x.status, TestStateStatus::Failed);
        assert_eq!(
            (x.error.as_deref(), x.cause.as_deref()),
            (Some("Boom"), Some("C"))
        );
        assert_eq!((x.output.as_ref(), x.next_state.as_ref()), (None, None));
        // A catcher: the second one matches.
        let catching = task(json!({"Catch": [
            {"ErrorEquals": ["Other"], "Next": "A"},
            {"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.err"}]}));
        let x = call(catching.clone(), None, boom.clone()).unwrap();
        assert_eq!(x.status, TestStateStatus::CaughtError);
        assert_eq!(x.next_state.as_deref(), Some("Handler"));
        assert_eq!(x.error.as_deref(), Some("Boom"));
        assert_eq!(
            x.output,
            Some(json!({"a": 1, "err": {"Error": "Boom", "Cause": "C"}}))
        );
        let d = x.inspection_data.unwrap();
        assert_eq!(d["errorDetails"], json!({"catchIndex": 1}));
        // A retrier before the catcher: RETRIABLE, with its back-off for the next attempt.
        let retrying = task(json!({
            "Retry": [{"ErrorEquals": ["Nope"]},
                      {"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3, "MaxDelaySeconds": 10}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]}));
        let mut req = request(retrying, boom);
        let x = answer(&req).unwrap();
        assert_eq!(x.status, TestStateStatus::Retriable);
        assert_eq!((x.output.as_ref(), x.next_state.as_ref()), (None, None));
        let d = x.inspection_data.unwrap();
        assert_eq!(
            d["errorDetails"],
            json!({"retryIndex": 1, "retryBackoffIntervalSeconds": 2})
        );
        // Two retries made: 2 * 3^2 = 18 s, capped at MaxDelaySeconds.
        req.state_configuration.retrier_retry_count = Some(2);
        let d = answer(&req).unwrap().inspection_data.unwrap();
        assert_eq!(d["errorDetails"]["retryBackoffIntervalSeconds"], json!(10));
        // The retrier is spent: the catcher takes the failure.
        req.state_configuration.retrier_retry_count = Some(3);
        let x = answer(&req).unwrap();
        assert_eq!(x.status, TestStateStatus::CaughtError);
        assert_eq!(
            x.inspection_data.clone().unwrap()["errorDetails"],
            json!({"retryIndex": 1, "catchIndex": 0})
        );
        assert_eq!(x.to_json()["status"], json!("CAUGHT_ERROR"));
    }

    #[test]
    fn a_mocked_map_fails_past_its_tolerated_failures() {
        let map = |tolerance: Value| {
            let mut m = json!({"Type": "Map", "End": true, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                "States": {"I": {"Type": "Pass", "End": true}}}});
            if let (Value::Object(m), Value::Object(t)) = (&mut m, tolerance) {
                m.extend(t);
            }
            m
        };
        let mocked = Some(json!({"result": "[1, 2, 3, 4]"}));
        let with = |state: Value, failures: u64| {
            let mut req = request(state, mocked.clone());
            req.input = json!([1, 2, 3, 4]);
            req.state_configuration.map_iteration_failure_count = Some(failures);
            answer(&req)
        };
        let x = with(map(json!({"ToleratedFailureCount": 1})), 1).unwrap();
        assert_eq!(x.status, TestStateStatus::Succeeded);
        assert_eq!(x.output, Some(json!([1, 2, 3, 4])));
        let x = with(map(json!({"ToleratedFailureCount": 1})), 2).unwrap();
        assert_eq!(x.status, TestStateStatus::Failed);
        assert_eq!(
            x.error.as_deref(),
            Some("States.ExceedToleratedFailureThreshold")
        );
        // 2 of 4 is 50 %: within a 50 % tolerance.
        let x = with(map(json!({"ToleratedFailurePercentage": 50})), 2).unwrap();
        assert_eq!(x.status, TestStateStatus::Succeeded);
        // No tolerance set: the count alone does not fail the Map.
        assert_eq!(
            with(map(json!({})), 2).unwrap().status,
            TestStateStatus::Succeeded
        );
        assert_eq!(
            rejection(with(map(json!({})), 5)),
            (
                String::from(VALIDATION),
                String::from(
                    "Map iteration failure count must be less than or equal to the number of Map iterations"
                )
            )
        );
        // A mocked error fails the Map itself.
        let mut req = request(
            map(json!({})),
            Some(json!({"errorOutput": {"error": "E", "cause": "C"}})),
        );
        req.input = json!([1]);
        let x = answer(&req).unwrap();
        assert_eq!(
            (x.status, x.error.as_deref()),
            (TestStateStatus::Failed, Some("E"))
        );
    }

    #[test]
    fn a_mocked_distributed_map_reads_the_given_reader_data() {
        let map = json!({"Type": "Map", "End": true, "MaxConcurrency": 2,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"}},
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}});
        let with = |mock: Value, data: Option<&str>| {
            let mut req = request(map.clone(), Some(mock));
            req.input = json!({"Bucket": "b", "Key": "k"});
            req.state_configuration.map_item_reader_data = data.map(String::from);
            answer(&req)
        };
        let x = with(json!({"result": "[1, 4]"}), Some("[1, 2]")).unwrap();
        assert_eq!(x.status, TestStateStatus::Succeeded);
        assert_eq!(x.output, Some(json!([1, 4])));
        // The mocked error is the Map's, not its reader's: the reader still reads the data.
        let x = with(
            json!({"errorOutput": {"error": "MockException", "cause": "C"}}),
            Some("[1, 2]"),
        )
        .unwrap();
        assert_eq!(
            (x.status, x.error.as_deref()),
            (TestStateStatus::Failed, Some("MockException"))
        );
        assert_eq!(x.inspection_data.unwrap()["maxConcurrency"], json!(2));
        // Without the data the reader calls S3, which no handler answers here.
        let x = with(json!({"result": "[]"}), None).unwrap();
        assert_eq!(x.error.as_deref(), Some("States.ItemReaderFailed"));
    }

    #[test]
    fn a_given_context_object_is_the_whole_context() {
        let pass = json!({"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": true});
        let with = |context: Value| {
            let mut req = request(pass.clone(), None);
            req.context = Some(context);
            answer(&req)
        };
        let x = with(json!({"Execution": {"Name": "e"}, "State": {}})).unwrap();
        assert_eq!(
            x.output,
            Some(json!({"c": {"Execution": {"Name": "e"}, "State": {}}}))
        );
        assert_eq!(with(json!({})).unwrap().output, Some(json!({"c": {}})));
        // Without one, the context object is made as for an express execution.
        let x = call(pass.clone(), None, None).unwrap();
        let c = &x.output.unwrap()["c"];
        assert!(
            c["Execution"]["Id"].as_str().unwrap().contains(":express:"),
            "{c}"
        );
        assert_eq!(c["State"]["Name"], json!(WRAPPED_STATE_NAME));
        let refused = |context: Value| rejection(with(context)).1;
        assert_eq!(
            refused(json!({"Map": {}})),
            "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"
        );
        assert_eq!(
            refused(json!({"Pokedex": {}})),
            "Invalid Context object provided: Field 'Pokedex' is not allowed"
        );
        assert_eq!(
            refused(json!({"Execution": {"Id": 1}})),
            "Invalid Context object provided: Execution.Id must be a string"
        );
        assert_eq!(
            refused(json!({"Task": {"Token": "t"}})),
            "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"
        );
        // A callback Task may be given its token.
        let callback = json!({"Type": "Task", "End": true,
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}}});
        let mut req = request(callback, Some(json!({"result": "{}"})));
        req.context = Some(json!({"Task": {"Token": "abc"}}));
        let x = answer(&req).unwrap();
        assert_eq!(
            x.inspection_data.unwrap()["afterParameters"],
            json!("{\"QueueUrl\":\"q\",\"MessageBody\":{\"t\":\"abc\"}}")
        );
    }

    #[test]
    fn a_state_of_a_nested_workflow_can_be_named() {
        let machine = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "Inner", "States": {
                "Inner": {"Type": "Pass", "Result": "in", "End": true}}}}}});
        let x = call(machine, Some("Inner"), None).unwrap();
        assert_eq!(x.output, Some(json!("in")));
        let parallel = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Nope"}}}]}}});
        assert_eq!(
            rejection(call(parallel, Some("B"), None)).1,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/P/Branches/0/States/B/Type'"
        );
    }

    #[test]
    fn checks_requests_as_aws_does() {
        let machine = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true},
            "Bad": {"Type": "Pas"}}});
        assert_eq!(
            code(call(machine.clone(), Some(""), None)),
            "ParamValidationError"
        );
        assert_eq!(code(call(machine.clone(), Some("Q"), None)), VALIDATION);
        assert_eq!(
            rejection(call(machine.clone(), Some("Bad"), None)).1,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/Bad/Type'"
        );
        assert_eq!(code(call(machine, Some("P"), None)), "ran");
        let parallel = json!({"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}]});
        assert_eq!(code(call(parallel.clone(), None, None)), INVALID_DEFINITION);
        let not_array = call(
            parallel.clone(),
            None,
            Some(json!({"result": "{\"x\": 1}"})),
        );
        assert_eq!(rejection(not_array).1, "Mocked result must be an array.");
        assert_eq!(
            code(call(
                parallel.clone(),
                None,
                Some(json!({"result": "[1, 2]"}))
            )),
            VALIDATION
        );
        let ok = call(parallel, None, Some(json!({"result": "[1]"}))).unwrap();
        assert_eq!(ok.output, Some(json!([1])));
        let pass = json!({"Type": "Pass", "End": true});
        assert_eq!(
            rejection(call(pass, None, Some(json!({"result": "1"})))).1,
            "State type 'Pass' is not supported when a mock is specified"
        );
        let task = json!({"Type": "Task", "Resource": LAMBDA, "End": true});
        assert_eq!(
            rejection(call(
                task.clone(),
                None,
                Some(json!({"result": "1", "errorOutput": {"error": "E"}}))
            ))
            .1,
            "A test mock should have only one of the following fields: [result, errorOutput]."
        );
        assert_eq!(
            rejection(call(
                task.clone(),
                None,
                Some(json!({"result": "not JSON"}))
            ))
            .1,
            "Mocked result must be valid JSON"
        );
        let mut secret = request(task.clone(), Some(json!({"result": "1"})));
        secret.reveal_secrets = true;
        assert_eq!(
            rejection(answer(&secret)).1,
            "TestState does not support RevealSecrets when a mock is specified."
        );
        let mut unmocked = request(task.clone(), None);
        unmocked.role_arn = None;
        assert_eq!(
            rejection(answer(&unmocked)).1,
            "RoleArn must be specified when testing a Task state"
        );
        let callback = json!({"Type": "Task", "End": true,
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody.$": "$$.Task.Token"}});
        assert_eq!(
            rejection(call(callback.clone(), None, None)).1,
            "TestState only supports Activity tasks, .sync or .waitForTaskToken service integration patterns when a mock is specified."
        );
        assert_eq!(
            code(call(callback, None, Some(json!({"result": "{}"})))),
            "ran"
        );
        let mut wrong = request(task.clone(), Some(json!({"result": "{}"})));
        wrong.state_configuration.map_iteration_failure_count = Some(0);
        assert_eq!(
            rejection(answer(&wrong)).1,
            "TestState does not support MapIterationFailureCount when the tested state is not a Map state."
        );
        let map = json!({"Type": "Map", "End": true, "ItemProcessor": {
            "StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}});
        let failing = |inner: &str, mock: Value| {
            let mut r = request(map.clone(), Some(mock));
            r.input = json!([1]);
            r.state_configuration.error_caused_by_state = Some(inner.to_string());
            answer(&r)
        };
        let boom = json!({"errorOutput": {"error": "E"}});
        assert_eq!(code(failing("Inner", boom.clone())), "ran");
        assert_eq!(
            rejection(failing("Elsewhere", boom)).1,
            "ErrorCausedByState 'Elsewhere' is not a state of the tested Map state."
        );
        assert_eq!(code(failing("Inner", json!({"result": "[]"}))), VALIDATION);
        let mut counted = request(task, None);
        counted.state_configuration.map_iteration_failure_count = Some(1);
        assert_eq!(
            rejection(answer(&counted)).1,
            "TestState does not support MapIterationFailureCount when a mock is not specified."
        );
    }

    #[test]
    fn reads_api_requests() {
        let r = TestStateRequest::from_api(&json!({
            "definition": "{\"Type\": \"Pass\", \"End\": true}",
            "input": "{\"a\": 1}",
            "inspectionLevel": "TRACE",
            "variables": "{\"v\": 2}",
            "revealSecrets": true,
            "stateConfiguration": {"retrierRetryCount": 2, "errorCausedByState": "S"}
        }))
        .unwrap();
        assert_eq!(r.input, json!({"a": 1}));
        assert_eq!(r.inspection_level, InspectionLevel::Trace);
        assert_eq!(r.variables, Some(json!({"v": 2})));
        assert!(r.reveal_secrets);
        assert_eq!(r.state_configuration.retrier_retry_count, Some(2));
        assert_eq!(
            r.state_configuration.error_caused_by_state.as_deref(),
            Some("S")
        );
        let bad = |v: Value| TestStateRequest::from_api(&v).unwrap_err().code.to_string();
        assert_eq!(bad(json!({})), VALIDATION);
        assert_eq!(bad(json!({"definition": "{"})), INVALID_DEFINITION);
        assert_eq!(
            bad(json!({"definition": "{}", "inspectionLevel": "ALL"})),
            VALIDATION
        );
        assert_eq!(
            bad(json!({"definition": "{}", "stateConfiguration": {"retrierRetryCount": -1}})),
            VALIDATION
        );
        assert_eq!(
            bad(json!({"definition": "{}", "input": "{"})),
            "InvalidExecutionInput"
        );
    }
}
