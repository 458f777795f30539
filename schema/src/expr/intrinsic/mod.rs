//! The intrinsic functions of Amazon States Language (`States.Format`, `States.Array`, ...):
//! parse a call such as `States.Format('Hi {}', $.name)`, check it statically (unknown
//! function, arity, literal argument types) and evaluate it.
//!
//! AWS reference: "Intrinsic functions in Amazon States Language".

mod check;
mod eval;
mod functions;
mod parse;

use super::{EvalContext, ExprError, ParseError, jsonpath};
use serde_json::Value;

/// Every intrinsic function Step Functions knows, by full name.
pub const FUNCTION_NAMES: &[&str] = &[
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// `true` when `s` looks like an intrinsic call (starts with `States.` after optional spaces)
/// rather than a path; template values use this to decide which parser applies.
pub fn looks_like_call(s: &str) -> bool {
    s.trim_start().starts_with("States.")
}

/// Parses an intrinsic function call. Offsets in errors and in the returned tree are byte
/// offsets into `s`.
pub fn parse(s: &str) -> Result<Call, ParseError> {
    parse::parse_call(s)
}

/// Static checks of a parsed call (and its nested calls): unknown function, argument count,
/// and the types of literal arguments. Arguments that are paths are not checked (their type is
/// only known at run time).
pub fn check(call: &Call) -> Vec<CheckError> {
    check::check_call(call)
}

/// Evaluates a call against `ctx`. Failures are `States.IntrinsicFailure` (bad arguments) or
/// `States.Runtime` (a path argument that selects nothing), with AWS's cause wording.
pub fn eval(call: &Call, ctx: &EvalContext<'_>) -> Result<Value, ExprError> {
    eval::eval_call(call, ctx)
}

/// A parsed intrinsic function call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// Function name as written, e.g. `States.Format`.
    pub name: String,
    /// Byte offset of the name.
    pub offset: usize,
    /// The arguments in order.
    pub args: Vec<Arg>,
}

/// One argument of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The argument.
    pub kind: ArgKind,
    /// Byte offset of the argument's first character.
    pub offset: usize,
}

/// The kinds of argument an intrinsic call accepts.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgKind {
    /// A single-quoted string literal, escapes already resolved.
    String(String),
    /// A number literal.
    Number(serde_json::Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A path: `$.x`, `$$.Execution.Id`, `$var`.
    Path(jsonpath::Path),
    /// A nested call.
    Call(Box<Call>),
}

/// A problem [`check`] found, at a byte offset into the expression string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    /// What is wrong, one sentence.
    pub message: String,
    /// Byte offset of the offending function name or argument.
    pub offset: usize,
}
