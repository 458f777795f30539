//! NX203 next-with-end.
use nexus_schema::Severity;
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds states that have both `Next` and `"End": true`.
/// ## Why is this bad?
/// ASL requires exactly one of them; AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
/// Which one was meant is a guess: the state after it, or the end of the scope.
/// ## Example
/// See `fixtures/invalid/NX203-next-with-end/`.
pub(crate) struct NextWithEnd;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX203"),
    name: "next-with-end",
    severity: Severity::Error,
    summary: "A state has both `Next` and `End: true`.",
    docs: "## What it does\nFinds Pass, Task, Wait, Parallel and Map states that have both `Next` and `\"End\": true`.\n## Why is this bad?\nASL: a state has exactly one of `Next` and `End`. AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`), and a reader cannot tell whether the state was meant to end its scope or to continue.\n## Example\n`{\"Type\": \"Task\", \"Resource\": \"...\", \"Next\": \"Wait\", \"End\": true}`.",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

/// The state types that leave through `Next`/`End` (ASL spec, "Transitions").
pub(crate) fn has_transition(kind: &StateKind) -> bool {
    matches!(
        kind,
        StateKind::Pass | StateKind::Task | StateKind::Wait | StateKind::Parallel | StateKind::Map
    )
}

impl Rule for NextWithEnd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if !has_transition(&s.kind) {
                continue;
            }
            if s.get("Next").is_some_and(Value::is_string)
                && s.get("End") == Some(&Value::Bool(true))
            {
                sink.push(
                    META.at(
                        s.at("End"),
                        format!(
                            "{} has both `{}` and `{}: true`",
                            s.label(),
                            ctx.field("Next"),
                            ctx.field("End")
                        ),
                    )
                    .on_key()
                    .note_at(format!("`{}` is here", ctx.field("Next")), s.at("Next"))
                    .help(format!(
                        "keep `{}` to continue, or `{}: true` to end the scope, not both",
                        ctx.field("Next"),
                        ctx.field("End")
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX203);
}
