//! NX258 outer-variable-assigned.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Reports an `Assign` inside a Parallel branch or an inline Map iteration that sets a variable
    /// the enclosing scope may already have set when the Parallel or Map state was entered.
    /// ## Why is this bad?
    /// Inner scopes can read the variables of outer scopes but not assign them (AWS "Passing data
    /// between states with variables", Variable scope); the assignment fails. Values for later
    /// states leave a Parallel or Map through its output.
    /// ## Example
    /// `total` assigned before a Map and again by a state of its `ItemProcessor`.
    pub(crate) struct OuterVariableAssigned = {
        code: NX258,
        name: "outer-variable-assigned",
        severity: Error,
        summary: "A state inside a Parallel branch or Map iteration assigns a variable of an enclosing scope.",
    }
}

impl Rule for OuterVariableAssigned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        let flow = ctx.vars();
        for state in &index.states {
            let Some(inherited) = flow.inherited.get(state.scope) else {
                continue;
            };
            for a in &state.assigns {
                if !flow.id(a.name).is_some_and(|id| inherited.contains(id)) {
                    continue;
                }
                let mut d = META
                    .at(
                        &a.pointer,
                        format!("`{}` belongs to an enclosing scope; a state inside a Parallel branch or Map iteration cannot assign it", a.name),
                    )
                    .on_key();
                // Point at an outer assignment for context.
                let outer = ancestors(ctx, state.scope).into_iter().find_map(|scope| {
                    index
                        .states
                        .iter()
                        .filter(|s| s.scope == scope)
                        .flat_map(|s| s.assigns.iter())
                        .find(|o| o.name == a.name)
                });
                if let Some(o) = outer {
                    d = d.note_at("assigned in the enclosing scope here", &o.pointer);
                }
                sink.push(d.help(
                    "use another name inside, and return the value through the state's output",
                ));
            }
        }
    }
}

/// The scopes enclosing `scope`, innermost first.
fn ancestors(ctx: &Context<'_>, scope: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = ctx.ir.scopes.get(scope).and_then(|s| s.parent);
    while let Some((parent, _)) = cur {
        out.push(parent);
        cur = ctx.ir.scopes.get(parent).and_then(|s| s.parent);
    }
    out
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX258);
}
