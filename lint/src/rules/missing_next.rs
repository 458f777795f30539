//! NX204 missing-next.
use serde_json::Value;

use super::next_with_end::has_transition;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds Pass, Task, Wait, Parallel and Map states with neither `Next` nor `"End": true`
    /// (`"End": false` does not count as a transition).
    /// ## Why is this bad?
    /// ASL: every such state names its successor or ends its scope. AWS rejects the definition
    /// (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// The last state of a list that was extended, with `End` removed and no `Next` added.
    pub(crate) struct MissingNext = {
        code: NX204,
        name: "missing-next",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A state has neither `Next` nor `End: true`.",
    }
}

impl Rule for MissingNext {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if !has_transition(&s.kind) || s.obj.is_none() {
                continue;
            }
            // A `Next`/`End` of the wrong type is NX201's; only their absence is ours.
            let next = s.has("Next");
            let end = match s.get("End") {
                Some(Value::Bool(b)) => *b,
                Some(_) => true,
                None => false,
            };
            if !next && !end {
                sink.push(
                    META.at(
                        s.pointer,
                        format!(
                            "{} has neither `{}` nor `{}: true`",
                            s.label(),
                            ctx.field("Next"),
                            ctx.field("End")
                        ),
                    )
                    .on_key()
                    .help(format!(
                        "add `{}` naming the following state, or `{}: true` if the scope ends here",
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
    crate::testing::fixture_snapshots!(NX204);
}
