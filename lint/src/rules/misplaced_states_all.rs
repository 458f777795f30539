//! NX210 misplaced-states-all.
use nexus_schema::Severity;
use nexus_schema::pointer::{push, push_index};
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Checks that `States.ALL` stands alone in its `ErrorEquals` and only in the last retrier
/// or catcher.
/// ## Why is this bad?
/// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`); retriers or catchers after a
/// catch-all could never match.
/// ## Example
/// See `fixtures/invalid/NX210-misplaced-states-all/`.
pub(crate) struct MisplacedStatesAll;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX210"),
    name: "misplaced-states-all",
    severity: Severity::Error,
    summary: "`States.ALL` is not alone in `ErrorEquals`, or not in the last retrier/catcher.",
    docs: "## What it does\nChecks every `Retry` and `Catch` list: `States.ALL` must be the only name in its `ErrorEquals`, and the retrier or catcher holding it must be the last of its list.\n## Why is this bad?\nASL (\"Error names\"): the reserved name `States.ALL` must appear alone in an `ErrorEquals` array and in the last retrier or catcher. Anything after a catch-all could never match. AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).\n## Example\n`\"Catch\": [{\"ErrorEquals\": [\"States.ALL\"], \"Next\": \"Fail\"}, {\"ErrorEquals\": [\"States.Timeout\"], \"Next\": \"Retry\"}]`.",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

impl Rule for MisplacedStatesAll {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            for list in ["Retry", "Catch"] {
                let Some(items) = s.get(list).and_then(Value::as_array) else {
                    continue;
                };
                let what = if list == "Retry" {
                    "retrier"
                } else {
                    "catcher"
                };
                for (i, item) in items.iter().enumerate() {
                    let Some(names) = item.get("ErrorEquals").and_then(Value::as_array) else {
                        continue;
                    };
                    let Some(pos) = names.iter().position(|n| n.as_str() == Some("States.ALL"))
                    else {
                        continue;
                    };
                    let ee = push(&push_index(&s.at(list), i), "ErrorEquals");
                    if names.len() > 1 {
                        sink.push(
                            META.at(push_index(&ee, pos), format!("`States.ALL` must be alone in `{}`", ctx.field("ErrorEquals")))
                                .help("it already matches every error: remove the other names, or move them to a retrier/catcher before this one"),
                        );
                    }
                    if i + 1 < items.len() {
                        sink.push(
                            META.at(
                                push_index(&ee, pos),
                                format!(
                                    "a {what} with `States.ALL` must be the last of `{}`",
                                    ctx.field(list)
                                ),
                            )
                            .note_at(
                                format!("this {what} after it can never match"),
                                push_index(&s.at(list), i + 1),
                            )
                            .help(format!("move the catch-all {what} to the end of the list")),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX210);
}
