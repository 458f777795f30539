//! NX108 fail-without-compensation.
use std::collections::HashSet;

use nexus_schema::DocKind;
use nexus_schema::ir::EdgeKind;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// In a NEXUS workflow, finds Fail states that an execution can reach after a state with
    /// `on_failure.compensate` completed (through `next`, choices or catchers of later states).
    /// ## Why is this bad?
    /// Compensations run when a state fails and no catcher of yours handles the error
    /// (docs/nexus-yaml.md, "compensate"). A path that ends in an explicit Fail state ends the
    /// execution FAILED without undoing the completed steps: the transfer stays made and nobody
    /// is refunded.
    /// ## Example
    /// `ExecuteTransfer` (with `compensate: reverse-transfer`) is followed by `LogTransaction`,
    /// whose catcher goes to a Fail state.
    pub(crate) struct FailWithoutCompensation = {
        code: NX108,
        name: "fail-without-compensation",
        severity: Warning,
        summary: "A Fail state reachable after a compensable step completed.",
    }
}

impl Rule for FailWithoutCompensation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        if ctx.doc.kind != DocKind::Nexus {
            return;
        }
        let comps = nexus_schema::nexus::lower(&ctx.doc.raw).compensations;
        if comps.is_empty() {
            return;
        }
        for scope in &ctx.ir.scopes {
            // The Fail states reachable after each compensable state of this scope completed.
            let mut reached: Vec<(petgraph::stable_graph::NodeIndex, Vec<&str>)> = Vec::new();
            for c in comps.iter().filter(|c| c.asl_scope == scope.pointer) {
                let Some(&start) = scope.names.get(&c.state) else {
                    continue;
                };
                // The state completed: it left by a transition that is not one of its own
                // catchers; from there on, any transition.
                let mut stack: Vec<_> = scope
                    .transitions(start)
                    .into_iter()
                    .filter(|(e, _)| !matches!(e.kind, EdgeKind::Catch(_)))
                    .map(|(_, n)| n)
                    .collect();
                let mut seen = HashSet::new();
                while let Some(n) = stack.pop() {
                    if !seen.insert(n) {
                        continue;
                    }
                    if matches!(scope.node(n).kind, nexus_schema::ir::StateKind::Fail) {
                        match reached.iter_mut().find(|(f, _)| *f == n) {
                            Some((_, states)) => states.push(&c.state),
                            None => reached.push((n, vec![&c.state])),
                        }
                    }
                    stack.extend(scope.transitions(n).into_iter().map(|(_, t)| t));
                }
            }
            for (fail, states) in reached {
                let node = scope.node(fail);
                let list = states
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                sink.push(
                    META.at(
                        node.pointer.clone(),
                        format!(
                            "Fail state `{}` can end the execution after {list} completed, without compensating",
                            node.name
                        ),
                    )
                    .note("compensations run only when a state fails and no catcher handles the error")
                    .help("let the error go uncaught (remove the catcher leading here), or run the undo actions on the way to this state"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX108);
}
