//! NX108 fail-without-compensation.

use std::collections::HashSet;

use nexus_schema::ir::{EdgeKind, Scope, StateKind};
use nexus_schema::{DocKind, Document};
use petgraph::stable_graph::NodeIndex;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// In a NEXUS workflow, finds a Parallel or Map state whose branches (or item processor) have
    /// steps with `compensate`, but which has no `compensate` of its own, when the machine
    /// holding it can still end FAILED after it completed: a Fail state, or a Task, Parallel or
    /// Map state that no `States.ALL` catcher of its own covers, comes after it.
    /// ## Why is this bad?
    /// Compensations run when the machine that holds the completed steps ends FAILED
    /// (docs/nexus-yaml.md, "compensate"). A branch that succeeded has ended: when the workflow
    /// fails later, the branch's steps are never undone — the seats stay booked, the transfer
    /// made. Failures inside the branch, and Fail states of the top level after top-level steps,
    /// are compensated and not reported.
    /// ## Example
    /// A Parallel whose branch runs `Reserve` (`compensate: release`), followed by a `Charge`
    /// that can fail: give the Parallel `compensate: release-all`.
    pub(crate) struct FailWithoutCompensation = {
        code: NX108,
        name: "fail-without-compensation",
        severity: Warning,
        summary: "A workflow can end FAILED after a branch's compensable steps completed, without undoing them.",
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
        let compensable = |scope: &Scope, n: NodeIndex| {
            let name = &scope.node(n).name;
            comps
                .iter()
                .any(|c| c.asl_scope == scope.pointer && &c.state == name)
        };
        for scope in &ctx.ir.scopes {
            for &n in &scope.order {
                let node = scope.node(n);
                if !matches!(node.kind, StateKind::Parallel | StateKind::Map)
                    || compensable(scope, n)
                {
                    continue;
                }
                // Compensable steps anywhere inside (their own machines undo them only when
                // those machines fail).
                let inner: Vec<&str> = ctx
                    .ir
                    .scopes
                    .iter()
                    .filter(|s| inside(ctx, s, scope, n))
                    .flat_map(|s| {
                        comps
                            .iter()
                            .filter(|c| c.asl_scope == s.pointer)
                            .map(|c| c.state.as_str())
                    })
                    .collect();
                if inner.is_empty() {
                    continue;
                }
                let Some(fails) = fails_after(ctx.doc, scope, n) else {
                    continue;
                };
                let list = inner
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                sink.push(
                    META.at(
                        &node.pointer,
                        format!(
                            "when the workflow fails at `{fails}` after `{}` completed, {list} inside it {} not undone",
                            node.name,
                            if inner.len() == 1 { "is" } else { "are" }
                        ),
                    )
                    .on_key()
                    .note("a branch's compensations run only when that branch fails; once it has succeeded, nothing undoes its steps")
                    .help(format!(
                        "give `{}` its own `compensate` action that undoes its branches' work",
                        node.name
                    )),
                );
            }
        }
    }
}

/// Whether scope `s` is nested (at any depth) in state `n` of scope `outer`.
fn inside(ctx: &Context<'_>, s: &Scope, outer: &Scope, n: NodeIndex) -> bool {
    let mut cur = s.parent;
    while let Some((sid, node)) = cur {
        if sid == outer.id && node == n {
            return true;
        }
        cur = ctx
            .ir
            .scopes
            .iter()
            .find(|x| x.id == sid)
            .and_then(|x| x.parent);
    }
    false
}

/// The first state, after `n` completed, at which the machine can end FAILED: a Fail state,
/// or a Task/Parallel/Map state without a `States.ALL` catcher.
fn fails_after(doc: &Document, scope: &Scope, n: NodeIndex) -> Option<String> {
    let mut stack: Vec<NodeIndex> = scope
        .transitions(n)
        .into_iter()
        .filter(|(e, _)| !matches!(e.kind, EdgeKind::Catch(_)))
        .map(|(_, t)| t)
        .collect();
    let mut seen = HashSet::new();
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        let node = scope.node(t);
        let can_fail = match node.kind {
            StateKind::Fail => true,
            StateKind::Task | StateKind::Parallel | StateKind::Map => {
                !catches_all(doc, &node.pointer)
            }
            _ => false,
        };
        if can_fail {
            return Some(node.name.clone());
        }
        stack.extend(scope.transitions(t).into_iter().map(|(_, x)| x));
    }
    None
}

fn catches_all(doc: &Document, pointer: &str) -> bool {
    doc.asl
        .pointer(&format!("{pointer}/Catch"))
        .and_then(serde_json::Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("ErrorEquals")
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|e| e.iter().any(|x| x == "States.ALL"))
            })
        })
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX108);
}
