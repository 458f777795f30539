//! NX102 unreachable-state.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds states that no path from `StartAt` can reach, by true graph reachability over `Next`,
    /// `Default`, `Choices[].Next` and `Catch[].Next` (a cycle detached from `StartAt` is
    /// unreachable).
    /// ## Why is this bad?
    /// AWS rejects the definition (`UNREACHABLE_STATE`). It is usually a `Next` renamed on one side
    /// only, so the intended path is silently skipped.
    /// ## Example
    /// `A -> C` while `B` still waits for a `Next` pointing at it.
    pub(crate) struct UnreachableState = {
        code: NX102,
        name: "unreachable-state",
        severity: Error,
        aws_code: "UNREACHABLE_STATE",
        summary: "A state that no path from `StartAt` reaches.",
    }
}

impl Rule for UnreachableState {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for scope in &ctx.ir.scopes {
            for n in scope.unreachable() {
                let state = scope.node(n);
                sink.push(
                    META.at(
                        &state.pointer,
                        format!("state `{}` can never run", state.name),
                    )
                    .on_key()
                    .note(format!(
                        "no transition from `{}` reaches it",
                        ctx.field("StartAt")
                    ))
                    .help(format!(
                        "point a `{}`, `{}` or `{}` at it, or delete it",
                        ctx.field("Next"),
                        ctx.field("Default"),
                        ctx.field("Catch")
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX102);
}
