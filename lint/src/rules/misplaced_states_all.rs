//! NX210 misplaced-states-all.
use nexus_schema::pointer::{push, push_index};
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks every `Retry` and `Catch` list: `States.ALL` must be the only name in its
    /// `ErrorEquals`, and the retrier or catcher holding it must be the last of its list.
    /// ## Why is this bad?
    /// ASL ("Error names"): the reserved name `States.ALL` must appear alone in an `ErrorEquals`
    /// array and in the last retrier or catcher. Anything after a catch-all could never match. AWS
    /// rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail"}, {"ErrorEquals":
    /// ["States.Timeout"], "Next": "Retry"}]`.
    pub(crate) struct MisplacedStatesAll = {
        code: NX210,
        name: "misplaced-states-all",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "`States.ALL` is not alone in `ErrorEquals`, or not in the last retrier/catcher.",
    }
}

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
