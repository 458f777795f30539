//! Walking a state machine: every scope (top level, Parallel branches, Map processors) and
//! every state at any depth, with its JSON Pointer and the query language in effect.

use super::machine::{Branch, Definition, StateMachine, States};
use super::states::State;
use super::values::QueryLanguage;
use crate::ir::ScopeKind;
use crate::pointer;

/// One scope of a state machine.
#[derive(Clone, Debug)]
pub struct ScopeRef<'a> {
    /// Index in the list [`StateMachine::scopes`] returns; the top level is 0.
    pub id: usize,
    /// Where the scope sits.
    pub kind: ScopeKind,
    /// The enclosing scope and the name of the Parallel/Map state owning this one.
    pub parent: Option<(usize, &'a str)>,
    /// Pointer of the object holding `StartAt` and `States` (`""` for the top level).
    pub pointer: String,
    /// `StartAt`.
    pub start_at: Option<&'a str>,
    /// `States` (`None` when missing or malformed).
    pub states: Option<&'a States>,
    /// The branch object (`None` for the top level).
    pub branch: Option<&'a Branch>,
}

/// One state found while walking, at any depth.
#[derive(Clone, Debug)]
pub struct StateRef<'a> {
    /// The state's name (its key in `States`; `""` for a single-state definition).
    pub name: &'a str,
    /// The state.
    pub state: &'a State,
    /// Pointer of the state object, e.g. `/States/Map/ItemProcessor/States/Inner`.
    pub pointer: String,
    /// Index of the scope holding the state (see [`StateMachine::scopes`]).
    pub scope: usize,
    /// Nesting depth: 0 for top-level states.
    pub depth: usize,
    /// The query language in effect for this state.
    pub query_language: QueryLanguage,
}

struct Walker<'a> {
    default_ql: QueryLanguage,
    scopes: Vec<ScopeRef<'a>>,
    states: Vec<StateRef<'a>>,
}

impl<'a> Walker<'a> {
    fn scope(&mut self, scope: ScopeRef<'a>, depth: usize) {
        let id = scope.id;
        let base = scope.pointer.clone();
        let states = scope.states;
        self.scopes.push(scope);
        for (name, state) in states.into_iter().flat_map(States::iter) {
            let ptr = pointer::push(&pointer::push(&base, "States"), name);
            self.state(name, state, ptr, id, depth);
        }
    }

    fn state(&mut self, name: &'a str, state: &'a State, ptr: String, scope: usize, depth: usize) {
        self.states.push(StateRef {
            name,
            state,
            pointer: ptr.clone(),
            scope,
            depth,
            query_language: state.query_language(self.default_ql),
        });
        for (kind, rel, branch) in state.children() {
            let child = ScopeRef {
                id: self.scopes.len(),
                kind,
                parent: Some((scope, name)),
                pointer: format!("{ptr}/{rel}"),
                start_at: branch.start_at.as_deref(),
                states: branch.states.as_ref(),
                branch: Some(branch),
            };
            self.scope(child, depth + 1);
        }
    }
}

impl StateMachine {
    /// Every scope, top level first, then nested ones depth-first in document order.
    pub fn scopes(&self) -> Vec<ScopeRef<'_>> {
        self.walker().scopes
    }

    /// Every state at any depth, depth-first in document order (a Parallel/Map state comes
    /// right before the states of its branches).
    pub fn walk(&self) -> Vec<StateRef<'_>> {
        self.walker().states
    }

    fn walker(&self) -> Walker<'_> {
        let mut w = Walker {
            default_ql: self.default_query_language(),
            scopes: Vec::new(),
            states: Vec::new(),
        };
        let root = ScopeRef {
            id: 0,
            kind: ScopeKind::Root,
            parent: None,
            pointer: String::new(),
            start_at: self.start_at.as_deref(),
            states: self.states.as_ref(),
            branch: None,
        };
        w.scope(root, 0);
        w
    }

    /// The state at `pointer` (as [`StateMachine::walk`] reports it).
    pub fn state_at(&self, pointer: &str) -> Option<&State> {
        self.walk()
            .into_iter()
            .find(|s| s.pointer == pointer)
            .map(|s| s.state)
    }
}

impl Definition {
    /// Every state at any depth (see [`StateMachine::walk`]); a single-state definition
    /// yields that state, named `""`, at pointer `""`, then its nested states.
    pub fn walk(&self) -> Vec<StateRef<'_>> {
        match self {
            Self::Machine(m) => m.walk(),
            Self::State(s) => {
                let mut w = Walker {
                    default_ql: QueryLanguage::default(),
                    scopes: Vec::new(),
                    states: Vec::new(),
                };
                w.state("", s, String::new(), 0, 0);
                w.states
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_nested_scopes_with_pointers_and_query_language() {
        let v = json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
            "M": {"Type": "Map", "QueryLanguage": "JSONPath", "End": true,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "P", "States": {
                      "P": {"Type": "Parallel", "End": true, "Branches": [
                          {"StartAt": "a/b", "States": {"a/b": {"Type": "Succeed"}}}]}}}},
            "After": {"Type": "Succeed"}}});
        let (m, issues) = StateMachine::from_value(&v);
        assert!(issues.is_empty(), "{issues:?}");
        let walked: Vec<_> = m
            .walk()
            .into_iter()
            .map(|s| (s.pointer, s.depth, s.query_language))
            .collect();
        assert_eq!(
            walked,
            [
                ("/States/M".to_string(), 0, QueryLanguage::JsonPath),
                (
                    "/States/M/ItemProcessor/States/P".to_string(),
                    1,
                    QueryLanguage::Jsonata
                ),
                (
                    "/States/M/ItemProcessor/States/P/Branches/0/States/a~1b".to_string(),
                    2,
                    QueryLanguage::Jsonata
                ),
                ("/States/After".to_string(), 0, QueryLanguage::Jsonata),
            ]
        );
        let scopes = m.scopes();
        assert_eq!(scopes.len(), 3);
        assert_eq!(scopes[2].kind, ScopeKind::Branch(0));
        assert_eq!(scopes[2].parent, Some((1, "P")));
        assert_eq!(scopes[1].pointer, "/States/M/ItemProcessor");
        assert!(m.state_at("/States/M/ItemProcessor/States/P").is_some());
    }
}
