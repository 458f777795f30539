//! Variable flow (ASL `Assign` and `$name` reads), per scope on the graph IR: which
//! variables may have been assigned when a state is entered, along any path from `StartAt`
//! (every transition counts: `Next`, `Default`, each Choice rule, each catcher).
//!
//! Scope rules (AWS "Passing data between states with variables", Variable scope): states of
//! a Parallel branch or an inline Map iteration see the variables of the enclosing scopes as
//! they were when the Parallel/Map state was entered, and may not assign those; what they
//! assign stays inside. A Distributed Map runs its iterations as child executions, which see
//! no outer variable at all. A state's own `Assign` takes effect when it leaves (on its
//! success exits; a catcher's `Assign` on that catcher's exit), so every expression of a
//! state reads the values from its entry.

use std::collections::HashMap;

use nexus_schema::ir::{EdgeKind, ScopeId, ScopeKind, Workflow};
use petgraph::Direction;
use petgraph::visit::EdgeRef;
use serde_json::Value;

use crate::expr_index::{AssignOn, ExprIndex};

/// A set of variables, as bits over [`VarFlow::names`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VarSet(Vec<u64>);

impl VarSet {
    fn insert(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        if let Some(word) = self.0.get_mut(w) {
            *word |= 1 << b;
        }
    }

    pub(crate) fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Add `other`; `true` when something was new.
    fn union(&mut self, other: &VarSet) -> bool {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let n = *a | *b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }
}

/// The result of the analysis.
#[derive(Debug, Default)]
pub(crate) struct VarFlow {
    /// Every variable name assigned or read anywhere, interned.
    pub names: Vec<String>,
    ids: HashMap<String, usize>,
    /// Per state (index into [`ExprIndex::states`]): variables that may be set on entry;
    /// `None` for states no path from `StartAt` reaches.
    pub entry: Vec<Option<VarSet>>,
    /// Per scope: what its states see of the enclosing scopes on entry.
    pub inherited: Vec<VarSet>,
    /// Per scope: outer variables hidden by a Distributed Map boundary.
    pub hidden: Vec<VarSet>,
    /// Per scope: the Distributed Map state whose iterations it runs (directly or further
    /// out), as an index into the states.
    pub distributed_owner: Vec<Option<usize>>,
}

impl VarFlow {
    /// The id of a variable name, if it occurs anywhere.
    pub(crate) fn id(&self, name: &str) -> Option<usize> {
        self.ids.get(name).copied()
    }

    fn intern(&mut self, name: &str) -> usize {
        if let Some(i) = self.ids.get(name) {
            return *i;
        }
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), i);
        i
    }

    pub(crate) fn build(index: &ExprIndex<'_>, ir: &Workflow) -> Self {
        let mut flow = VarFlow::default();
        let has_vars = index
            .states
            .iter()
            .any(|s| !s.assigns.is_empty() || !s.reads.is_empty());
        flow.entry = vec![None; index.states.len()];
        flow.inherited = vec![VarSet::default(); ir.scopes.len()];
        flow.hidden = vec![VarSet::default(); ir.scopes.len()];
        flow.distributed_owner = vec![None; ir.scopes.len()];
        if !has_vars {
            return flow;
        }
        for s in &index.states {
            for a in &s.assigns {
                flow.intern(a.name);
            }
            for r in &s.reads {
                flow.intern(&r.name);
            }
        }
        // Assignments per state, per exit.
        let mut on_success: Vec<VarSet> = vec![VarSet::default(); index.states.len()];
        let mut on_choice: HashMap<(usize, usize), VarSet> = HashMap::new();
        let mut on_catch: HashMap<(usize, usize), VarSet> = HashMap::new();
        for (i, s) in index.states.iter().enumerate() {
            for a in &s.assigns {
                let id = flow.intern(a.name);
                let set = match a.on {
                    AssignOn::Success => &mut on_success[i],
                    AssignOn::Choice(k) => on_choice.entry((i, k)).or_default(),
                    AssignOn::Catch(k) => on_catch.entry((i, k)).or_default(),
                };
                set.insert(id);
            }
        }
        // Scopes in IR order: a child scope always comes after the scope of its owner, so the
        // owner's entry set is known when the child is analysed.
        for scope in &ir.scopes {
            if let Some((parent, owner)) = scope.parent {
                let owner_state = index.by_node.get(&(parent, owner)).copied();
                let owner_entry = owner_state
                    .and_then(|o| flow.entry.get(o).cloned().flatten())
                    .unwrap_or_default();
                let distributed = owner_state
                    .and_then(|o| index.states.get(o))
                    .is_some_and(|o| is_distributed(o.value, &scope.kind));
                let parent_hidden = flow.hidden.get(parent).cloned().unwrap_or_default();
                let parent_owner = flow.distributed_owner.get(parent).copied().flatten();
                if distributed {
                    let mut hidden = owner_entry;
                    hidden.union(&parent_hidden);
                    flow.hidden[scope.id] = hidden;
                    flow.distributed_owner[scope.id] = owner_state;
                } else {
                    flow.inherited[scope.id] = owner_entry;
                    flow.hidden[scope.id] = parent_hidden;
                    flow.distributed_owner[scope.id] = parent_owner;
                }
            }
            flow.analyse_scope(index, ir, scope.id, &on_success, &on_choice, &on_catch);
        }
        flow
    }

    fn analyse_scope(
        &mut self,
        index: &ExprIndex<'_>,
        ir: &Workflow,
        scope_id: ScopeId,
        on_success: &[VarSet],
        on_choice: &HashMap<(usize, usize), VarSet>,
        on_catch: &HashMap<(usize, usize), VarSet>,
    ) {
        let Some(scope) = ir.scopes.get(scope_id) else {
            return;
        };
        let Some(start) = scope.start() else { return };
        let Some(&start_state) = index.by_node.get(&(scope_id, start)) else {
            return;
        };
        let inherited = self.inherited.get(scope_id).cloned().unwrap_or_default();
        self.entry[start_state] = Some(inherited);
        let mut work = vec![start];
        while let Some(n) = work.pop() {
            let Some(&si) = index.by_node.get(&(scope_id, n)) else {
                continue;
            };
            let Some(entry) = self.entry[si].clone() else {
                continue;
            };
            for e in scope.graph.edges_directed(n, Direction::Outgoing) {
                let mut out = entry.clone();
                match e.weight().kind {
                    EdgeKind::Next | EdgeKind::Default => {
                        out.union(&on_success[si]);
                    }
                    EdgeKind::Choice(k) => {
                        // The state's own `Assign` is included too: the analysis asks what
                        // *may* be set, so erring on the side of "assigned" only hides
                        // findings.
                        out.union(&on_success[si]);
                        if let Some(s) = on_choice.get(&(si, k)) {
                            out.union(s);
                        }
                    }
                    EdgeKind::Catch(k) => {
                        if let Some(s) = on_catch.get(&(si, k)) {
                            out.union(s);
                        }
                    }
                }
                let target = e.target();
                let Some(&ti) = index.by_node.get(&(scope_id, target)) else {
                    continue;
                };
                let changed = match &mut self.entry[ti] {
                    Some(t) => t.union(&out),
                    slot @ None => {
                        *slot = Some(out);
                        true
                    }
                };
                if changed {
                    work.push(target);
                }
            }
        }
    }
}

/// A Map whose iterations are child executions (`ProcessorConfig.Mode: DISTRIBUTED`).
fn is_distributed(map_state: &serde_json::Map<String, Value>, kind: &ScopeKind) -> bool {
    if !matches!(kind, ScopeKind::ItemProcessor | ScopeKind::Iterator) {
        return false;
    }
    map_state
        .get(&kind.field_path())
        .and_then(|p| p.get("ProcessorConfig"))
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flow(v: &Value) -> (ExprIndex<'_>, VarFlow) {
        let ir = Workflow::from_asl(v);
        let idx = ExprIndex::build(v, &ir);
        let f = VarFlow::build(&idx, &ir);
        (idx, f)
    }

    fn entry_names(idx: &ExprIndex<'_>, f: &VarFlow, state: &str) -> Vec<String> {
        let i = idx
            .states
            .iter()
            .position(|s| s.pointer.ends_with(&format!("/{state}")))
            .unwrap_or(usize::MAX);
        let Some(Some(set)) = f.entry.get(i) else {
            return vec!["<unreached>".into()];
        };
        f.names
            .iter()
            .enumerate()
            .filter(|(k, _)| set.contains(*k))
            .map(|(_, n)| n.clone())
            .collect()
    }

    #[test]
    fn assignments_flow_along_every_exit() {
        let v = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn", "Assign": {"ok": 1},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"err": 1}, "Next": "H"}],
                  "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"x.$": "$ok"}, "End": true},
            "H": {"Type": "Pass", "Parameters": {"x.$": "$err"}, "End": true},
            "U": {"Type": "Pass", "End": true}
        }});
        let (idx, f) = flow(&v);
        assert_eq!(entry_names(&idx, &f, "B"), ["ok"]);
        assert_eq!(entry_names(&idx, &f, "H"), ["err"]);
        assert_eq!(entry_names(&idx, &f, "U"), ["<unreached>"]);
    }

    #[test]
    fn inner_scopes_inherit_unless_distributed() {
        let v = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
                  "StartAt": "In", "States": {"In": {"Type": "Pass", "Parameters": {"y.$": "$x"}, "End": true}}},
                  "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"y.$": "$x"}, "End": true}}}], "End": true}
        }});
        let (idx, f) = flow(&v);
        assert!(entry_names(&idx, &f, "In").is_empty());
        assert_eq!(entry_names(&idx, &f, "B"), ["x"]);
        let x = f.id("x").unwrap_or(usize::MAX);
        assert!(f.hidden[1].contains(x));
        assert!(!f.hidden[2].contains(x));
    }
}
