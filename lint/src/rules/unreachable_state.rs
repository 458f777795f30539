//! NX102 unreachable-state.
use nexus_schema::Severity;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds states that no path from `StartAt` can reach.
/// ## Why is this bad?
/// AWS rejects such a definition (`UNREACHABLE_STATE`). It is usually a `Next` that was renamed
/// on one side only, so the intended path is silently skipped.
/// ## Example
/// See `fixtures/invalid/NX102-unreachable-state/`.
pub(crate) struct UnreachableState;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX102"),
    name: "unreachable-state",
    severity: Severity::Error,
    summary: "A state that no path from `StartAt` reaches.",
    docs: "## What it does\nFinds states that no path from `StartAt` can reach, by true graph reachability over `Next`, `Default`, `Choices[].Next` and `Catch[].Next` (a cycle detached from `StartAt` is unreachable).\n## Why is this bad?\nAWS rejects the definition (`UNREACHABLE_STATE`). It is usually a `Next` renamed on one side only, so the intended path is silently skipped.\n## Example\n`A -> C` while `B` still waits for a `Next` pointing at it.",
    aws_code: Some("UNREACHABLE_STATE"),
};

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
