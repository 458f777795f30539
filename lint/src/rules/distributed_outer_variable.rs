//! NX259 distributed-outer-variable.

use crate::expr_index::report;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Reports a state of a Distributed Map's `ItemProcessor` (`ProcessorConfig.Mode: DISTRIBUTED`)
    /// that reads a variable assigned outside that Map and not inside it.
    /// ## Why is this bad?
    /// Distributed Map iterations run as child workflow executions, which cannot see the parent
    /// execution's variables (AWS "Passing data between states with variables", Variable scope);
    /// the read fails.
    /// ## Example
    /// `"Parameters": {"bucket.$": "$bucket"}` inside the processor, `bucket` assigned before the
    /// Map.
    pub(crate) struct DistributedOuterVariable = {
        code: NX259,
        name: "distributed-outer-variable",
        severity: Error,
        summary: "A state of a Distributed Map's processor reads a variable of the parent execution.",
    }
}

impl Rule for DistributedOuterVariable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        let flow = ctx.vars();
        for (i, state) in index.states.iter().enumerate() {
            let Some(Some(entry)) = flow.entry.get(i) else {
                continue;
            };
            let Some(hidden) = flow.hidden.get(state.scope) else {
                continue;
            };
            for read in &state.reads {
                let Some(id) = flow.id(&read.name) else {
                    continue;
                };
                if entry.contains(id) || !hidden.contains(id) {
                    continue;
                }
                let mut d = report(
                    ctx,
                    &META,
                    &read.pointer,
                    read.text,
                    read.text.find(&format!("${}", read.name)),
                    format!(
                        "`${}` is a variable of the parent execution; the iterations of a Distributed Map cannot read it",
                        read.name
                    ),
                );
                let owner = flow
                    .distributed_owner
                    .get(state.scope)
                    .copied()
                    .flatten()
                    .and_then(|o| index.states.get(o));
                if let Some(o) = owner {
                    d = d.note_at("the Distributed Map", &o.pointer);
                }
                sink.push(d.help(format!(
                    "pass the value in through `{}` (e.g. `\"{name}.$\": \"${name}\"`) and read it from the iteration's input",
                    ctx.field("ItemSelector"),
                    name = read.name
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX259);
}
