//! The intrinsic functions of Amazon States Language (`States.Format`, `States.Array`, ...):
//! parse a call such as `States.Format('Hi {}', $.name)`, check it statically (unknown
//! function, arity, literal argument types) and evaluate it.
//!
//! AWS reference: "Intrinsic functions in Amazon States Language".

mod check;
mod eval;
mod functions;
mod parse;
mod random;
#[cfg(test)]
mod tests;

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

#[cfg(feature = "jsonata")]
pub(crate) use functions::{hash_hex, range_len};
#[cfg(feature = "jsonata")]
pub(crate) use random::java_next_double_bits;

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
    eval::eval_call(call, ctx, None)
}

/// Like [`eval`], for a call written in the template field `field` (e.g. `name.$`), which
/// causes of path failures then name as AWS does.
pub fn eval_in_field(call: &Call, ctx: &EvalContext<'_>, field: &str) -> Result<Value, ExprError> {
    eval::eval_call(call, ctx, Some(field))
}

/// Step Functions allows at most this many nested calls in one field (AWS "Intrinsic
/// functions": "You can nest up to 10 intrinsic functions within a field").
pub const MAX_NESTING: usize = 10;

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

impl Call {
    /// Every path argument of the call and of its nested calls.
    pub fn paths(&self) -> Vec<&jsonpath::Path> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(call) = stack.pop() {
            for arg in call.args.iter().rev() {
                match &arg.kind {
                    ArgKind::Path(p) => out.push(p),
                    ArgKind::Call(inner) => stack.push(inner),
                    _ => {}
                }
            }
        }
        out
    }
}

/// One argument of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The argument.
    pub kind: ArgKind,
    /// Byte offset of the argument's first character.
    pub offset: usize,
    /// The argument as written (for a string literal: with its quotes and escapes, which
    /// `States.Format` needs to tell `\\{}` from a placeholder).
    pub text: String,
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
