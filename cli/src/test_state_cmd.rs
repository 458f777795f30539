//! `nexus test-state FILE --state NAME --input JSON`: the Step Functions TestState API,
//! offline. One state runs on its own (a state of a workflow file, or a file holding a lone
//! state definition) with an optional mock, context object, variables and state
//! configuration, through `nexus_engine::test_state`, which makes AWS's request checks and
//! gives TestState's verdict. The answer is TestState's response body: `status` (`SUCCEEDED`,
//! `FAILED`, `RETRIABLE`, `CAUGHT_ERROR`), `output` (JSON text), `error`, `cause`,
//! `nextState`, and with `--inspection-level DEBUG|TRACE` an `inspectionData`.
//!
//! Exit: 0 `SUCCEEDED`, 1 any other status, 2 the request was rejected (printed as the AWS
//! CLI prints an API error) or the tool could not run.

use std::path::PathBuf;

use clap::Args;
use clap::builder::PossibleValuesParser;
use nexus_engine::RunOptions;
use nexus_engine::test_state::{
    InspectionLevel, StateConfiguration, TestStateError, TestStateRequest, TestStateStatus,
    test_state,
};
use serde_json::{Map, Value};

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

    /// The mock, as TestState takes it: `{"result": JSON text}` or
    /// `{"errorOutput": {"error": ..., "cause": ...}}`, with an optional
    /// `"fieldValidationMode"` (a result may also be given as JSON).
    #[arg(long, value_name = "JSON")]
    pub mock: Option<String>,

    /// How much to report: INFO, or DEBUG and TRACE with `inspectionData`.
    #[arg(long, default_value = "INFO", value_parser = PossibleValuesParser::new(InspectionLevel::NAMES))]
    pub inspection_level: String,

    /// TestState's `stateConfiguration`, as a JSON object: `retrierRetryCount`,
    /// `errorCausedByState`, `mapIterationFailureCount`, `mapItemReaderData`.
    #[arg(long, value_name = "JSON")]
    pub state_configuration: Option<String>,

    /// TestState's `revealSecrets` (no mock may be given with it).
    #[arg(long)]
    pub reveal_secrets: bool,

    /// Variables visible to the state, as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub variables: Option<String>,

    /// Context object fields (`Execution`, `State`, `StateMachine`, ...), as a JSON object.
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,

    /// The role ARN of the call (`$$.Execution.RoleArn`). A Task tested without a mock needs
    /// one, as on AWS, unless `--handlers` answers it locally.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// Handlers file of `nexus run` (action name or Resource ARN → `exec`, `http` or `mock`):
    /// what answers the call of a Task tested without a mock. With it and no `--role-arn`, the
    /// call's role is the local one `nexus run` uses.
    #[arg(long, value_name = "FILE")]
    pub handlers: Option<PathBuf>,

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

fn run_inner(args: &TestStateArgs) -> Result<u8, String> {
    let def = definition(args)?;
    let state_configuration =
        match json_arg("--state-configuration", args.state_configuration.as_ref())? {
            Some(c) => match StateConfiguration::from_json(&c) {
                Ok(c) => c,
                Err(r) => return Ok(rejected(&r)),
            },
            None => StateConfiguration::default(),
        };
    let req = TestStateRequest {
        definition: def,
        state_name: args.state.clone(),
        input: json_arg("--input", args.input.as_ref())?
            .unwrap_or_else(|| Value::Object(Map::new())),
        mock: json_arg("--mock", args.mock.as_ref())?,
        context: json_arg("--context", args.context.as_ref())?,
        variables: json_arg("--variables", args.variables.as_ref())?,
        role_arn: args.role_arn.clone().or_else(|| {
            args.handlers
                .as_ref()
                .map(|_| RunOptions::default().role_arn)
        }),
        inspection_level: InspectionLevel::parse(&args.inspection_level).unwrap_or_default(),
        reveal_secrets: args.reveal_secrets,
        state_configuration,
    };
    let handlers = crate::run_cmd::load_handlers(args.handlers.as_deref())?;
    match test_state(&req, RunOptions::default(), &handlers) {
        Ok(answer) => {
            let out = answer.to_json();
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            Ok(match answer.status {
                TestStateStatus::Succeeded => 0,
                _ => 1,
            })
        }
        Err(TestStateError::Rejected(r)) => Ok(rejected(&r)),
        Err(TestStateError::Run(e)) => Err(e.to_string()),
    }
}

/// Prints a rejected request as the AWS CLI does; exit 2.
fn rejected(r: &nexus_engine::test_state::TestStateRejection) -> u8 {
    if r.code == "ParamValidationError" {
        // A parameter the API's constraints reject never leaves the AWS CLI (botocore checks
        // it first): it prints the message alone.
        eprintln!("{}", r.message);
    } else {
        eprintln!(
            "An error occurred ({}) when calling the TestState operation: {}",
            r.code, r.message
        );
    }
    2
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
