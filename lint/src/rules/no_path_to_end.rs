//! NX105 no-path-to-end.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds states, reachable from `StartAt`, from which no path leads to a terminal state (`End:
    /// true`, Succeed, Fail).
    /// ## Why is this bad?
    /// Once an execution enters such a loop it can only run until an error or the execution timeout
    /// ends it (a Standard workflow may run for a year, billed per transition).
    /// ## Example
    /// `Poll -> Wait -> Poll` with no Choice leading out.
    pub(crate) struct NoPathToEnd = {
        code: NX105,
        name: "no-path-to-end",
        severity: Warning,
        summary: "A state from which no terminal state can be reached (an infinite loop).",
    }
}

impl Rule for NoPathToEnd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for scope in &ctx.ir.scopes {
            // Without any terminal state NX104 already says it all.
            if !scope.has_terminal() {
                continue;
            }
            let ends = scope.can_terminate();
            let reachable = scope.reachable();
            for &n in &scope.order {
                if reachable.contains(&n) && !ends.contains(&n) {
                    let state = scope.node(n);
                    sink.push(
                        META.at(&state.pointer, format!("no terminal state can be reached from `{}`", state.name))
                            .on_key()
                            .note("every path from here loops back without reaching `End`, Succeed or Fail")
                            .help("add a Choice with a way out of the loop, or a timeout"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX105);
}
