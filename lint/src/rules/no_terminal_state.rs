//! NX104 no-terminal-state.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks that the machine and each Parallel branch and Map processor has at least one terminal
    /// state: `"End": true`, a Succeed or a Fail state.
    /// ## Why is this bad?
    /// An execution of that scope can only fail or loop forever; AWS rejects the definition
    /// (`MISSING_END_STATE`).
    /// ## Example
    /// Two states whose `Next` point at each other, and nothing else.
    pub(crate) struct NoTerminalState = {
        code: NX104,
        name: "no-terminal-state",
        severity: Error,
        aws_code: "MISSING_END_STATE",
        summary: "A machine, branch or processor has no terminal state.",
    }
}

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
