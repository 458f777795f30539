//! NX257 undefined-variable.

use crate::expr_index::report;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Follows every path from `StartAt` (`Next`, `Default`, each Choice rule, each catcher) and
    /// reports a variable read (`$name` in a path, an intrinsic argument or a JSONata expression)
    /// that no path to the reading state can have assigned: not an earlier `Assign` of the same
    /// scope, not an enclosing scope's before its Parallel or Map state was entered. A state's own
    /// `Assign` does not count: its expressions see the values from state entry.
    /// ## Why is this bad?
    /// Step Functions accepts the definition, but the read fails at run time (`States.Runtime`, or
    /// `States.QueryEvaluationError` in JSONata).
    /// ## Example
    /// `"Parameters": {"id.$": "$orderId"}` in the first state, with `orderId` assigned only later.
    pub(crate) struct UndefinedVariable = {
        code: NX257,
        name: "undefined-variable",
        severity: Warning,
        summary: "A variable is read where no path from the start can have assigned it.",
    }
}

impl Rule for UndefinedVariable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        let flow = ctx.vars();
        let assigned = index.assigned_names();
        for (i, state) in index.states.iter().enumerate() {
            let Some(Some(entry)) = flow.entry.get(i) else {
                // Unreachable states are NX102's finding.
                continue;
            };
            for read in &state.reads {
                let Some(id) = flow.id(&read.name) else {
                    continue;
                };
                let hidden = flow.hidden.get(state.scope).is_some_and(|h| h.contains(id));
                if entry.contains(id) || hidden || read.name == "states" {
                    continue;
                }
                let assigned_somewhere = assigned.contains(read.name.as_str());
                let mut d = report(
                    ctx,
                    &META,
                    &read.pointer,
                    read.text,
                    read.text.find(&format!("${}", read.name)),
                    format!(
                        "`${}` is read here, but no path from the start assigns it before this state",
                        read.name
                    ),
                );
                d = if assigned_somewhere {
                    d.note("it is assigned only later, in another branch, or in a scope this state cannot see")
                } else {
                    d.note("no `Assign` of this workflow sets it")
                };
                sink.push(d.help(
                    "assign it in an earlier state, or read it from the state input instead",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX257);
}
