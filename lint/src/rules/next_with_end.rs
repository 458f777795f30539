//! NX203 next-with-end.
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds Pass, Task, Wait, Parallel and Map states that have both `Next` and `"End": true`.
    /// ## Why is this bad?
    /// ASL: a state has exactly one of `Next` and `End`. AWS rejects the definition
    /// (`SCHEMA_VALIDATION_FAILED`), and a reader cannot tell whether the state was meant to end
    /// its scope or to continue.
    /// ## Example
    /// `{"Type": "Task", "Resource": "...", "Next": "Wait", "End": true}`.
    pub(crate) struct NextWithEnd = {
        code: NX203,
        name: "next-with-end",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A state has both `Next` and `End: true`.",
    }
}

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
