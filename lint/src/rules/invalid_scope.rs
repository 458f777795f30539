//! NX100 invalid-scope.
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks that the machine and every Parallel branch and Map processor is an object with a
    /// string `StartAt` and a non-empty `States` object.
    /// ## Why is this bad?
    /// Without them there is nothing to start; AWS rejects the definition
    /// (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `{"States": {...}}` with no `StartAt`.
    pub(crate) struct InvalidScope = {
        code: NX100,
        name: "invalid-scope",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A machine, branch or processor lacks a string `StartAt` or a non-empty `States` object.",
    }
}

impl Rule for InvalidScope {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for scope in &ctx.ir.scopes {
            let what = match scope.kind {
                nexus_schema::ir::ScopeKind::Root => "the state machine",
                nexus_schema::ir::ScopeKind::Branch(_) => "this Parallel branch",
                _ => "this Map processor",
            };
            let Some(obj) = value_at(&ctx.doc.asl, &scope.pointer) else {
                continue;
            };
            let Some(obj) = obj.as_object() else {
                sink.push(META.at(&scope.pointer, format!("{what} must be an object")));
                continue;
            };
            let (start_at, states) = (ctx.field("StartAt"), ctx.field("States"));
            let has_states = obj
                .get("States")
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty());
            match obj.get("StartAt") {
                // With no states at all, the empty `States` is the finding.
                None if has_states => sink.push(
                    META.at(&scope.pointer, format!("{what} has no `{start_at}`"))
                        .note("AWS: \"These fields are required: [StartAt]\"")
                        .help(format!("add `{start_at}` naming the first state")),
                ),
                None | Some(Value::String(_)) => {}
                Some(_) => sink.push(META.at(
                    format!("{}/StartAt", scope.pointer),
                    format!("`{start_at}` must be a string"),
                )),
            }
            match obj.get("States") {
                None => sink.push(
                    META.at(&scope.pointer, format!("{what} has no `{states}`"))
                        .note(if obj.contains_key("StartAt") {
                            "AWS: \"These fields are required: [States]\""
                        } else {
                            "AWS: \"These fields are required: [StartAt, States]\""
                        })
                        .help(format!("add `{states}`, the object of named states")),
                ),
                Some(Value::Object(m)) if m.is_empty() => sink.push(META.at(
                    format!("{}/States", scope.pointer),
                    format!("`{states}` of {what} is empty"),
                )),
                Some(Value::Object(m)) => {
                    for (name, state) in m {
                        if !state.is_object() {
                            let p = nexus_schema::pointer::push(
                                &format!("{}/States", scope.pointer),
                                name,
                            );
                            sink.push(META.at(p, format!("state `{name}` must be an object")));
                        }
                    }
                }
                Some(_) => sink.push(META.at(
                    format!("{}/States", scope.pointer),
                    format!("`{states}` must be an object"),
                )),
            }
        }
    }
}

/// Fields of the machine object that are never a state's value: a string, number or array
/// under one of these names in the top-level `States` is that field, misplaced.
const MACHINE_FIELDS: [&str; 5] = [
    "QueryLanguage",
    "Comment",
    "TimeoutSeconds",
    "Version",
    "StartAt",
];

/// One mistake, one finding: a machine field written inside the top-level `States`
/// (`"States": {"QueryLanguage": "JSONata", ...}`) is reported once, and the document is
/// checked as if the field stood at the top level, so its follow-on findings (a "state" that
/// is no object and is never reached, JSONata fields in "JSONPath" states) are not reported.
/// Returns the document to check instead, and the findings; `None` when nothing is misplaced.
pub(crate) fn recover_misplaced(
    doc: &nexus_schema::Document,
) -> Option<(nexus_schema::Document, Vec<nexus_schema::Diagnostic>)> {
    if doc.kind != nexus_schema::DocKind::Asl {
        return None;
    }
    let top = doc.asl.as_object()?;
    let states = top.get("States")?.as_object()?;
    let misplaced: Vec<&str> = MACHINE_FIELDS
        .into_iter()
        .filter(|k| states.get(*k).is_some_and(|v| !v.is_object()) && !top.contains_key(*k))
        .collect();
    if misplaced.is_empty() {
        return None;
    }
    let mut asl = doc.asl.as_ref().clone();
    let mut found = Vec::new();
    for key in misplaced {
        let moved = asl
            .get_mut("States")
            .and_then(Value::as_object_mut)
            .and_then(|m| m.shift_remove(key));
        if let (Some(v), Some(obj)) = (moved, asl.as_object_mut()) {
            obj.insert(key.to_string(), v);
        }
        found.push(
            META.at(
                nexus_schema::pointer::push("/States", key),
                format!("`{key}` is a field of the state machine, not a state"),
            )
            .on_key()
            .note("nexus checked the rest as if it stood at the top level")
            .help(format!(
                "`{key}` belongs at the top level: move it out of `States`"
            )),
        );
    }
    let mut fixed = doc.clone();
    fixed.asl = asl.into();
    fixed.raw = fixed.asl.clone();
    Some((fixed, found))
}

/// The value at an RFC 6901 pointer.
pub(crate) fn value_at<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    root.pointer(pointer)
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX100);
}
