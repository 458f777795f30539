//! Payload templates of the JSONPath query language: `Parameters`, `ResultSelector`,
//! `ItemSelector` (and the legacy `Parameters` of Map). A key ending in `.$` holds a path
//! (`$...`, `$$...`, `$name...`) or an intrinsic call; its value replaces the key without the
//! `.$` suffix. Other values are copied as they are; objects and arrays are walked
//! recursively (AWS "Manipulate parameters in Step Functions workflows").

use super::{EvalContext, ExprError, ParseError, intrinsic, jsonpath};
use serde_json::Value;

/// The expression a `*.$` key holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dynamic {
    /// A path: `$.x`, `$$.Execution.Id`, `$var.field`.
    Path(jsonpath::Path),
    /// An intrinsic call: `States.Format(...)`.
    Call(intrinsic::Call),
}

impl Dynamic {
    /// Parses the string value of a `*.$` key: an intrinsic call when it starts with
    /// `States.`, otherwise a path.
    pub fn parse(s: &str) -> Result<Dynamic, ParseError> {
        if intrinsic::looks_like_call(s) {
            intrinsic::parse(s).map(Dynamic::Call)
        } else {
            jsonpath::parse(s).map(Dynamic::Path)
        }
    }

    /// Evaluates the expression; `field` is the key as written (e.g. `name.$`), named in
    /// error causes.
    pub fn evaluate(&self, ctx: &EvalContext<'_>, field: &str) -> Result<Value, ExprError> {
        let _ = (ctx, field);
        Err(ExprError::runtime(
            "template evaluation not yet implemented",
        ))
    }
}

/// One problem in a template, found without evaluating it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateIssue {
    /// JSON Pointer of the offending member (its key), built on the `base_pointer` given to
    /// [`check_template`].
    pub pointer: String,
    /// What is wrong, one sentence.
    pub message: String,
    /// Byte offset into the member's string value, when the problem is inside an expression.
    pub offset_in_string: Option<usize>,
}

/// Checks a template statically: a `*.$` key whose value is not a string, a path or intrinsic
/// call that does not parse or fails [`intrinsic::check`], and two keys of one object that
/// collide once the `.$` suffix is removed (`a` and `a.$`).
pub fn check_template(template: &Value, base_pointer: &str) -> Vec<TemplateIssue> {
    let _ = (template, base_pointer);
    Vec::new()
}

/// Evaluates a template: every `*.$` member becomes the value of its expression under the key
/// without `.$`; everything else is copied, recursing into objects and arrays.
pub fn eval_template(template: &Value, ctx: &EvalContext<'_>) -> Result<Value, ExprError> {
    let _ = ctx;
    Ok(template.clone())
}
