//! NX257 undefined-variable.
use nexus_schema::Severity;

use crate::expr_index::report;
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Follows every path from `StartAt` (`Next`, `Default`, each Choice rule, each catcher) and
/// reports a variable that a state reads (`$name` in a path, an intrinsic argument or a
/// JSONata expression) when no path to that state can have assigned it: not an earlier
/// state's `Assign` in the same scope, not an enclosing scope's before the Parallel or Map
/// state was entered. A state's own `Assign` does not count: its expressions read the values
/// the variables had when the state was entered.
/// ## Why is this bad?
/// Step Functions accepts the definition, but the read fails at run time
/// (`States.Runtime`, or `States.QueryEvaluationError` in JSONata: "returned nothing").
/// ## Example
/// `"Parameters": {"id.$": "$orderId"}` in the first state, with `orderId` assigned later.
pub(crate) struct UndefinedVariable;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX257"),
    name: "undefined-variable",
    severity: Severity::Warning,
    summary: "A variable is read where no path from the start can have assigned it.",
    docs: "## What it does\nFollows every path from `StartAt` (`Next`, `Default`, each Choice rule, each catcher) and reports a variable read (`$name` in a path, an intrinsic argument or a JSONata expression) that no path to the reading state can have assigned: not an earlier `Assign` of the same scope, not an enclosing scope's before its Parallel or Map state was entered. A state's own `Assign` does not count: its expressions see the values from state entry.\n## Why is this bad?\nStep Functions accepts the definition, but the read fails at run time (`States.Runtime`, or `States.QueryEvaluationError` in JSONata).\n## Example\n`\"Parameters\": {\"id.$\": \"$orderId\"}` in the first state, with `orderId` assigned only later.",
    aws_code: None,
};

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
