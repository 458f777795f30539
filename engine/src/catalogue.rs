//! The catalogue of runtime failures: every error name the engine raises and, for each
//! failure, AWS's cause text, in one place a reader can review against the AWS documentation
//! (ASL specification, Appendix A "Predefined Error Codes"; Developer Guide, "Error handling
//! in Step Functions", "Paths", "Wait", "Map", "Transforming data with JSONata", "Service
//! quotas") and the causes recorded from AWS in `../shared/conformance/sfn`.
//!
//! Every builder returns a [`Failure`]; the state code never formats a cause itself. Causes
//! raised while evaluating a state's own fields are *unlocated* ([`Failure::eval`]): the run
//! loop prefixes them with AWS's "An error occurred while executing the state 'X' (entered at
//! the event id #N). ".
//!
//! Causes of expression evaluation that the linter shares (intrinsic functions, payload
//! template paths, JSONata errors) are worded in `nexus_schema::expr` and reused here
//! ([`payload_path_not_found`], [`jsonata_undefined`]) rather than copied.

use serde_json::Value;

use crate::error::Failure;
use crate::io::{to_compact, type_name};

/// Error names the States Language defines (ASL, Appendix A; AWS error handling guide).
pub(crate) mod names {
    /// A state failed for a reason no other name covers; never retried or caught by `States.ALL`.
    pub(crate) const RUNTIME: &str = "States.Runtime";
    /// A Task ran longer than `TimeoutSeconds` or the execution longer than its timeout.
    pub(crate) const TIMEOUT: &str = "States.Timeout";
    /// A Task sent no heartbeat for longer than `HeartbeatSeconds`.
    pub(crate) const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// A Task's handler failed.
    pub(crate) const TASK_FAILED: &str = "States.TaskFailed";
    /// No Choice rule matched and there is no Default.
    pub(crate) const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// A payload exceeds the 256 KiB quota.
    pub(crate) const DATA_LIMIT: &str = "States.DataLimitExceeded";
    /// A JSONata expression failed or returned an unusable value.
    pub(crate) const QUERY_EVAL: &str = "States.QueryEvaluationError";
    /// A `ResultPath` cannot be applied to the state's input.
    pub(crate) const RESULT_PATH_MATCH: &str = "States.ResultPathMatchFailure";
    /// Matches every error but `States.Runtime` and `States.DataLimitExceeded`.
    pub(crate) const ALL: &str = "States.ALL";
    /// A Map run failed more items than its tolerated failure threshold.
    pub(crate) const TOLERATED: &str = "States.ExceedToleratedFailureThreshold";
    /// A Distributed Map could not read its items through `ItemReader`.
    pub(crate) const ITEM_READER: &str = "States.ItemReaderFailed";
    /// A Distributed Map could not export its results through `ResultWriter`.
    pub(crate) const RESULT_WRITER: &str = "States.ResultWriterFailed";
}

// ---- paths that select nothing ---------------------------------------------------------------

/// `InputPath`, `OutputPath` and `ItemsPath` selecting nothing:
/// Jayway's message with the path in its normalised bracket form,
/// `Invalid path '$.a.b' : No results for path: $['a']['b']`.
pub(crate) fn path_no_results(text: &str) -> Failure {
    let normalized = nexus_schema::expr::jsonpath::parse(text)
        .map(|p| p.normalized())
        .unwrap_or_else(|_| text.to_string());
    Failure::eval(
        names::RUNTIME,
        format!("Invalid path '{text}' : No results for path: {normalized}"),
    )
}

/// A `.$` field of a payload template (`Parameters`, `ResultSelector`, `ItemSelector`,
/// `Arguments`...), or a Fail state's `ErrorPath`/`CausePath`, selecting nothing: `The JSONPath
/// '$.x' specified for the field 'x.$' could not be found in the input '{...}'` (the field is
/// `ErrorPath` or `CausePath` for a Fail state; recorded from AWS for both).
pub(crate) fn payload_path_not_found(path: &str, field: &str, input: &Value) -> Failure {
    let e = nexus_schema::expr::jsonpath::EvalError::NotFound {
        path: path.to_string(),
    };
    Failure::eval(names::RUNTIME, e.cause_for_field(field, input))
}

/// No Choice rule matched and there is no `Default` (recorded from AWS).
pub(crate) fn no_choice_matched() -> Failure {
    Failure::eval(names::NO_CHOICE_MATCHED, "No Matches!")
}

/// A Choice rule's `Variable` (or `...Path` operand) that selects nothing.
pub(crate) fn choice_invalid_path(text: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "Invalid path '{text}': The choice state's condition path references an invalid value."
        ),
    )
}

/// A Fail state's `Error`/`Cause` (path, intrinsic or JSONata) that is not a string.
pub(crate) fn fail_field_not_string(field: &str, value: &Value) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "The value of the field '{field}' must be a string, but was: {}",
            to_compact(value)
        ),
    )
}

// ---- ResultPath ------------------------------------------------------------------------------

/// A `ResultPath` that cannot be applied (it runs through a value that is not an object, or
/// an array index out of range): `States.ResultPathMatchFailure`, which Catch can handle
/// (ASL, Appendix A).
pub(crate) fn result_path_match_failure(path: &str, input: &Value) -> Failure {
    Failure::eval(
        names::RESULT_PATH_MATCH,
        format!(
            "Unable to apply ResultPath '{path}' to input '{}'",
            to_compact(input)
        ),
    )
}

/// A `ResultPath` that starts at the context object or a variable.
pub(crate) fn result_path_not_input(path: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!("Invalid ResultPath '{path}': must reference the state input"),
    )
}

// ---- Map -------------------------------------------------------------------------------------

/// JSONPath Map whose `ItemsPath` (or input) is not an array. AWS prints a context path with a
/// single `$` here.
pub(crate) fn items_not_array(path_text: &str) -> Failure {
    let shown = path_text
        .strip_prefix('$')
        .filter(|r| r.starts_with('$'))
        .unwrap_or(path_text);
    Failure::eval(
        names::RUNTIME,
        format!("Reference path \"{shown}\" must point to array."),
    )
}

/// JSONata Map without `Items` whose input is not an array.
pub(crate) fn map_input_not_array(input: &Value) -> Failure {
    Failure::eval(
        names::QUERY_EVAL,
        format!(
            "Map state input must be an array but was: {}",
            to_compact(input)
        ),
    )
}

/// The Map run failed more items than `ToleratedFailureCount`/`Percentage` allow.
pub(crate) fn tolerated_failure_exceeded() -> Failure {
    Failure::new(
        names::TOLERATED,
        "The specified tolerated failure threshold was exceeded",
    )
}

// ---- JSONata results ---------------------------------------------------------------------------

/// A JSONata field returned a value of the wrong type:
/// `The JSONata expression '...' specified for the field 'Items' returned an unexpected result
/// type. Expected 'array', but was 'object' for value: {...}`.
pub(crate) fn jsonata_unexpected_type(
    expr: &str,
    field: &str,
    expected: &str,
    value: &Value,
) -> Failure {
    Failure::eval(
        names::QUERY_EVAL,
        format!(
            "The JSONata expression '{expr}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
            type_name(value),
            to_compact(value)
        ),
    )
    .at_field(field)
}

/// A JSONata field that must produce a value returned JSONata's *undefined*.
pub(crate) fn jsonata_undefined(expr: &str, field: &str) -> Failure {
    let e = nexus_schema::expr::jsonata::undefined_error(expr, field);
    Failure::eval(e.name.as_str(), e.cause).at_field(field)
}

// ---- Wait --------------------------------------------------------------------------------------

/// `SecondsPath` selecting nothing (recorded from AWS).
pub(crate) fn seconds_path_missing(path: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!("The SecondsPath parameter does not reference an input value: {path}"),
    )
}

/// `SecondsPath` selecting a negative number (recorded from AWS).
pub(crate) fn seconds_path_negative(path: &str, value: &Value) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "The SecondsPath parameter references a negative value: {path} == {}",
            to_compact(value)
        ),
    )
}

/// `SecondsPath` selecting something that is not an integer (recorded from AWS).
pub(crate) fn seconds_path_not_long(path: &str, value: &Value) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
            to_compact(value)
        ),
    )
}

/// `TimestampPath` selecting nothing.
pub(crate) fn timestamp_path_missing(path: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!("The TimestampPath parameter does not reference an input value: {path}"),
    )
}

/// `TimestampPath` selecting a value that is not an ISO-8601 extended offset date-time
/// (recorded from AWS).
pub(crate) fn timestamp_path_invalid(path: &str, shown: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown}"
        ),
    )
}

/// A literal `Timestamp` that is not an ISO-8601 extended offset date-time (lint reports it
/// before a run; a definition run unlinted fails here).
pub(crate) fn timestamp_invalid(value: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: {value} == {value}"
        ),
    )
}

/// A JSONata `Timestamp` whose value is a string but not an ISO-8601 extended offset
/// date-time: a query evaluation error, as every bad JSONata result is.
pub(crate) fn jsonata_timestamp_invalid(expr: &str, value: &str) -> Failure {
    Failure::eval(
        names::QUERY_EVAL,
        format!(
            "The JSONata expression '{expr}' specified for the field 'Timestamp' returned an unexpected result. The value must be a valid ISO-8601 extended offset date-time format string, but was: {value}"
        ),
    )
    .at_field("Timestamp")
}

/// A JSONata `Seconds` that is not a non-negative integer.
pub(crate) fn jsonata_seconds_invalid(expr: &str, value: &Value) -> Failure {
    jsonata_unexpected_type(expr, "Seconds", "integer", value)
}

/// A delay that does not fit AWS's limit (recorded from AWS).
pub(crate) fn wait_too_long() -> Failure {
    Failure::eval(names::RUNTIME, "Wait state delay is too long.")
}

// ---- numeric fields ------------------------------------------------------------------------
//
// A `...Path` that selects nothing is [`path_no_results`] (recorded from AWS for
// `TimeoutSecondsPath` and `HeartbeatSecondsPath`). A JSONata value of the wrong type is
// [`jsonata_unexpected_type`].

/// A numeric `...Path` field (`MaxConcurrencyPath`, `ToleratedFailureCountPath`,
/// `ToleratedFailurePercentagePath`, `MaxItemsPath`, `MaxItemsPerBatchPath`,
/// `MaxInputBytesPerBatchPath`, `TimeoutSecondsPath`, `HeartbeatSecondsPath`) selecting a value
/// that is not an integer (not a number, for a percentage): `The MaxConcurrencyPath field
/// refers to value "{}" which is not a valid integer: $.limit`, the value as its text (a string
/// unquoted). Recorded from AWS for `MaxConcurrencyPath`, `ToleratedFailureCountPath`,
/// `ToleratedFailurePercentagePath` ("valid float") and `MaxItemsPath`; the same wording is
/// assumed, unconfirmed, for the batcher and Task fields.
pub(crate) fn number_path_not_a_number(
    field: &str,
    path: &str,
    value: &Value,
    float: bool,
) -> Failure {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => to_compact(other),
    };
    let kind = if float { "float" } else { "integer" };
    Failure::eval(
        names::RUNTIME,
        format!(
            "The {field} field refers to value \"{shown}\" which is not a valid {kind}: {path}"
        ),
    )
}

/// A negative `ToleratedFailureCount` (by path or JSONata). Recorded from AWS.
pub(crate) fn tolerated_count_negative() -> Failure {
    Failure::eval(names::RUNTIME, "ToleratedFailureCount cannot be negative.")
}

/// A `ToleratedFailurePercentage` outside 0..=100 (by path or JSONata). Recorded from AWS.
pub(crate) fn tolerated_percentage_out_of_range() -> Failure {
    Failure::eval(
        names::RUNTIME,
        "ToleratedFailurePercentage must be between 0 and 100.",
    )
}

/// A negative `ReaderConfig.MaxItems` (by path or JSONata): the map run fails. Recorded from
/// AWS (no state prefix: AWS raises it from the map run).
pub(crate) fn max_items_negative() -> Failure {
    Failure::new(names::ITEM_READER, "field MaxItems must be positive")
}

/// Any other numeric field of the right type out of its range (`MaxConcurrency` negative,
/// `MaxItemsPerBatch` not positive, `MaxInputBytesPerBatch` above the payload quota,
/// `TimeoutSeconds`/`HeartbeatSeconds` not in 1..=99999999). Own wording, unconfirmed: AWS
/// documents the ranges, and no recorded cause of these was found (AWS documentation,
/// `../shared/conformance/sfn`, LocalStack's AWS-recorded snapshots).
pub(crate) fn number_out_of_range(field: &str, value: &Value, expected: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!("{field} must be {expected}, but was {}.", to_compact(value)),
    )
}

// ---- limits ----------------------------------------------------------------------------------

/// A Distributed Map's `ItemReader` could not give items: its handler failed, or what it
/// returned cannot be read as the `InputType`. Own wording: AWS documents the error name.
pub(crate) fn item_reader_failed(what: &str) -> Failure {
    Failure::new(names::ITEM_READER, format!("ItemReader: {what}"))
}

/// A Distributed Map's `ResultWriter` could not export the results: its `Bucket`/`Prefix`
/// are not strings, or its handler failed. Own wording: AWS documents the error name
/// ("ResultWriter (Map)"), not the cause.
pub(crate) fn result_writer_failed(what: &str) -> Failure {
    Failure::new(names::RESULT_WRITER, format!("ResultWriter: {what}"))
}

/// An item that alone makes a Distributed Map batch larger than `MaxInputBytesPerBatch`.
/// Own wording: AWS documents the limit, not the message.
pub(crate) fn batch_item_too_large(index: usize, max_bytes: u64) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "The item at index {index} does not fit in a batch of at most {max_bytes} bytes (MaxInputBytesPerBatch)."
        ),
    )
}

/// A state input, output or task result above the payload quota (256 KiB).
pub(crate) fn data_limit(what: &str) -> Failure {
    Failure::new(
        names::DATA_LIMIT,
        format!(
            "The state/task '{what}' returned a result with a size exceeding the maximum number of bytes service limit."
        ),
    )
}

/// The execution made more state transitions than `--max-transitions` allows (nexus's own
/// guard against endless loops).
pub(crate) fn transition_limit(limit: u64) -> Failure {
    Failure::new(
        names::RUNTIME,
        format!("The execution exceeded the maximum number of state transitions ({limit})."),
    )
}

/// The execution history reached its quota of events (AWS Standard: 25,000; "Service quotas",
/// "Maximum execution history size").
pub(crate) fn history_limit(limit: u64) -> Failure {
    Failure::new(
        names::RUNTIME,
        format!(
            "The execution reached the maximum number of history events ({limit}). Continue the work in a new execution (for example by starting it from a Task) to stay under this quota."
        ),
    )
}

/// The execution ran longer than its `TimeoutSeconds`, or an Express execution longer than
/// five minutes (no cause, as AWS reports it).
pub(crate) fn execution_timeout() -> Failure {
    Failure::plain(Some(names::TIMEOUT.to_string()), None)
}

/// The run exceeded nexus's own wall-time limit (`--wall-time`).
pub(crate) fn wall_time(limit: std::time::Duration) -> Failure {
    Failure::new(
        names::TIMEOUT,
        format!("The execution exceeded the wall-time limit of {limit:?}."),
    )
}

// ---- tasks -----------------------------------------------------------------------------------

/// A Task ran longer than its `TimeoutSeconds` (AWS reports no cause).
pub(crate) fn task_timeout() -> Failure {
    Failure::plain(Some(names::TIMEOUT.to_string()), None)
}

/// A Task sent no heartbeat within `HeartbeatSeconds` (AWS reports no cause).
pub(crate) fn heartbeat_timeout() -> Failure {
    Failure::plain(Some(names::HEARTBEAT_TIMEOUT.to_string()), None)
}

/// An Express workflow cannot use the `.sync` or `.waitForTaskToken` integration patterns
/// (AWS "Choosing workflow type": Express supports Request Response only).
pub(crate) fn express_unsupported_pattern(resource: &str) -> Failure {
    Failure::eval(
        names::RUNTIME,
        format!(
            "Express state machines do not support the integration pattern of resource '{resource}': only Request Response is available (no .sync, no .waitForTaskToken)."
        ),
    )
}

/// A Task whose action no handler, mock configuration or service resolves (nexus only).
pub(crate) fn no_handler(action: &str, state: &str, resource: &str) -> (String, String) {
    (
        names::RUNTIME.to_string(),
        format!(
            "No handler for action '{action}' (Task state '{state}', Resource '{resource}'): add it to the handlers file (--handlers) or to the test case of a mock configuration (--mock-config)"
        ),
    )
}

// ---- engine invariants (never expected) ------------------------------------------------------

/// The plan names a state that does not exist (a compiler bug, never a user error).
pub(crate) fn internal(what: &str) -> Failure {
    Failure::new(names::RUNTIME, format!("nexus internal error: {what}"))
}
