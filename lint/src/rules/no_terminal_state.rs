//! NX104 no-terminal-state.
use nexus_schema::Severity;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Checks that each scope has at least one terminal state (`End: true`, Succeed or Fail).
/// ## Why is this bad?
/// An execution of such a scope can only end by failing or by running forever; AWS rejects it
/// (`MISSING_END_STATE`... reported by the console as "no terminal state").
/// ## Example
/// See `fixtures/invalid/NX104-no-terminal-state/`.
pub(crate) struct NoTerminalState;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX104"),
    name: "no-terminal-state",
    severity: Severity::Error,
    summary: "A machine, branch or processor has no terminal state.",
    docs: "## What it does\nChecks that the machine and each Parallel branch and Map processor has at least one terminal state: `\"End\": true`, a Succeed or a Fail state.\n## Why is this bad?\nAn execution of that scope can only fail or loop forever; AWS rejects the definition (`MISSING_END_STATE`).\n## Example\nTwo states whose `Next` point at each other, and nothing else.",
    aws_code: Some("MISSING_END_STATE"),
};

impl Rule for NoTerminalState {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for scope in &ctx.ir.scopes {
            if scope.order.is_empty() || scope.has_terminal() {
                continue;
            }
            // A state with neither `Next` nor `End` may be the intended end: NX204 says so
            // precisely, this rule would only repeat it.
            let dead_end = scope.order.iter().any(|n| {
                super::next_with_end::has_transition(&scope.node(*n).kind)
                    && scope.transitions(*n).is_empty()
                    && !scope.dangling.iter().any(|d| d.from == *n)
            });
            if dead_end {
                continue;
            }
            sink.push(
                META.at(
                    format!("{}/States", scope.pointer),
                    "no state here ends the execution",
                )
                .on_key()
                .note(format!(
                    "a terminal state has `{}: true` or is a Succeed or Fail state",
                    ctx.field("End")
                ))
                .help(format!(
                    "set `{}: true` on the last state, or add a Succeed state",
                    ctx.field("End")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX104);
}
