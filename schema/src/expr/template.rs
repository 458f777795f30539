//! Payload templates of the JSONPath query language: `Parameters`, `ResultSelector`,
//! `ItemSelector` (and the legacy `Parameters` of Map). A key ending in `.$` holds a path
//! (`$...`, `$$...`, `$name...`) or an intrinsic call; its value replaces the key without the
//! `.$` suffix. Other values are copied as they are; objects and arrays are walked
//! recursively (AWS "Manipulate parameters in Step Functions workflows").

use super::{EvalContext, ExprError, ParseError, intrinsic, json, jsonpath};
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
        match self {
            Dynamic::Path(path) => path.evaluate_in(ctx).map_err(|e| {
                let input = ctx.root_value(path.root()).unwrap_or(ctx.input);
                ExprError::runtime(e.cause_for_field(field, input))
            }),
            Dynamic::Call(call) => intrinsic::eval_in_field(call, ctx, field),
        }
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
    let mut issues = Vec::new();
    check_node(template, base_pointer, &mut issues);
    issues
}

fn check_node(node: &Value, pointer: &str, issues: &mut Vec<TemplateIssue>) {
    match node {
        Value::Object(map) => {
            let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
            for (key, value) in map {
                let member = crate::pointer::push(pointer, key);
                let target = key.strip_suffix(".$");
                let out_key = target.unwrap_or(key);
                if let Some(previous) = seen.insert(out_key, key) {
                    issues.push(TemplateIssue {
                        pointer: member.clone(),
                        message: format!(
                            "the fields '{previous}' and '{key}' both produce the output field '{out_key}'"
                        ),
                        offset_in_string: None,
                    });
                }
                match (target, value) {
                    (Some(_), Value::String(expr)) => check_expression(expr, &member, issues),
                    (Some(_), other) => issues.push(TemplateIssue {
                        pointer: member,
                        message: format!(
                            "the value of the field '{key}' must be a string holding a path or an intrinsic function, not {} {}",
                            json::type_name(other),
                            json::to_compact_string(other)
                        ),
                        offset_in_string: None,
                    }),
                    (None, nested) => check_node(nested, &member, issues),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_node(item, &crate::pointer::push_index(pointer, i), issues);
            }
        }
        _ => {}
    }
}

fn check_expression(expr: &str, pointer: &str, issues: &mut Vec<TemplateIssue>) {
    match Dynamic::parse(expr) {
        Err(e) => issues.push(TemplateIssue {
            pointer: pointer.to_owned(),
            message: if intrinsic::looks_like_call(expr) {
                format!("invalid intrinsic function: {}", e.message)
            } else {
                format!("invalid JSONPath: {}", e.message)
            },
            offset_in_string: Some(e.offset),
        }),
        Ok(Dynamic::Call(call)) => {
            for e in intrinsic::check(&call) {
                issues.push(TemplateIssue {
                    pointer: pointer.to_owned(),
                    message: e.message,
                    offset_in_string: Some(e.offset),
                });
            }
        }
        Ok(Dynamic::Path(_)) => {}
    }
}

/// Evaluates a template: every `*.$` member becomes the value of its expression under the key
/// without `.$`; everything else is copied, recursing into objects and arrays.
///
/// Failures are `States.Runtime` (a path that selects nothing, a `.$` value that is not a
/// valid expression) or `States.IntrinsicFailure`.
pub fn eval_template(template: &Value, ctx: &EvalContext<'_>) -> Result<Value, ExprError> {
    match template {
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (key, value) in map {
                match key.strip_suffix(".$") {
                    Some(target) => {
                        let Value::String(expr) = value else {
                            return Err(ExprError::runtime(format!(
                                "The value of the field '{key}' must be a string holding a JSONPath or an intrinsic function, but was {}",
                                json::to_compact_string(value)
                            )));
                        };
                        let dynamic = Dynamic::parse(expr).map_err(|e| {
                            ExprError::runtime(format!(
                                "The value '{expr}' of the field '{key}' is not a valid JSONPath or intrinsic function: {}",
                                e.message
                            ))
                        })?;
                        out.insert(target.to_owned(), dynamic.evaluate(ctx, key)?);
                    }
                    None => {
                        out.insert(key.clone(), eval_template(value, ctx)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| eval_template(item, ctx))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests;
