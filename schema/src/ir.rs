//! The graph IR: one petgraph graph per scope (the top level, each Parallel branch, each Map
//! processor). Nodes are states, edges are transitions, each edge with the pointer of the field
//! that made it. Built from the ASL view of a [`crate::Document`] (NEXUS workflows are lowered
//! to ASL first), and tolerant of malformed input: what cannot be read is simply absent, and
//! the structure rules report it.

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use serde_json::{Map, Value};

use crate::pointer;

/// Index of a scope in [`Workflow::scopes`].
pub type ScopeId = usize;

/// The `Type` of a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StateKind {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
    /// A `Type` nexus does not know (or a missing/non-string one: `""`).
    Unknown(String),
}

impl StateKind {
    pub fn parse(s: &str) -> Self {
        match s {
            "Pass" => Self::Pass,
            "Task" => Self::Task,
            "Choice" => Self::Choice,
            "Wait" => Self::Wait,
            "Succeed" => Self::Succeed,
            "Fail" => Self::Fail,
            "Parallel" => Self::Parallel,
            "Map" => Self::Map,
            other => Self::Unknown(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Pass => "Pass",
            Self::Task => "Task",
            Self::Choice => "Choice",
            Self::Wait => "Wait",
            Self::Succeed => "Succeed",
            Self::Fail => "Fail",
            Self::Parallel => "Parallel",
            Self::Map => "Map",
            Self::Unknown(s) => s,
        }
    }
}

/// What made a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    Next,
    Default,
    /// `Choices[i].Next`.
    Choice(usize),
    /// `Catch[i].Next`.
    Catch(usize),
}

impl EdgeKind {
    pub fn field(&self) -> &'static str {
        match self {
            Self::Next => "Next",
            Self::Default => "Default",
            Self::Choice(_) => "Choices[].Next",
            Self::Catch(_) => "Catch[].Next",
        }
    }
}

/// One state.
#[derive(Clone, Debug)]
pub struct StateNode {
    pub name: String,
    pub kind: StateKind,
    /// Pointer of the state object in the ASL view.
    pub pointer: String,
    /// `End: true`, or a Succeed/Fail state.
    pub terminal: bool,
    /// Nested scopes (Parallel branches in order, or the Map processor).
    pub children: Vec<ScopeId>,
}

/// One transition.
#[derive(Clone, Debug)]
pub struct Edge {
    pub kind: EdgeKind,
    /// Pointer of the field holding the target name.
    pub pointer: String,
}

/// A transition whose target is not a state of the scope.
#[derive(Clone, Debug)]
pub struct Dangling {
    pub from: NodeIndex,
    pub target: String,
    pub kind: EdgeKind,
    pub pointer: String,
}

/// Where a scope sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Root,
    /// `Branches[index]` of a Parallel state.
    Branch(usize),
    /// `ItemProcessor` of a Map state.
    ItemProcessor,
    /// Legacy `Iterator` of a Map state.
    Iterator,
}

impl ScopeKind {
    /// Where a nested scope of this kind sits below its state, as JSON Pointer segments:
    /// `Branches/0`, `ItemProcessor`, `Iterator`; empty for the root.
    pub fn field_path(&self) -> String {
        match self {
            Self::Root => String::new(),
            Self::Branch(i) => format!("Branches/{i}"),
            Self::ItemProcessor => "ItemProcessor".into(),
            Self::Iterator => "Iterator".into(),
        }
    }
}

/// The members of a state that hold nested state machines (Parallel `Branches`, Map
/// `ItemProcessor` and its legacy name `Iterator`).
pub const SCOPE_FIELDS: [&str; 3] = ["Branches", "ItemProcessor", "Iterator"];

/// The nested state machines of one state, in document order: every element of a Parallel
/// state's `Branches`, then a Map state's `ItemProcessor` and legacy `Iterator`, as written
/// (of any JSON type; a caller that compiles or walks them checks they are objects). The one
/// walk over nested scopes: the IR, lint, migrate, the engine and the CLI descend through it.
pub fn nested_scopes(state: &Map<String, Value>) -> impl Iterator<Item = (ScopeKind, &Value)> {
    scopes_of(
        state.get("Branches"),
        state.get("ItemProcessor"),
        state.get("Iterator"),
    )
}

/// A Map state's item processor: `ItemProcessor`, else the legacy `Iterator` (AWS reads
/// either; both at once is a lint error), with its kind and value as written.
pub fn map_processor(state: &Map<String, Value>) -> Option<(ScopeKind, &Value)> {
    match (state.get("ItemProcessor"), state.get("Iterator")) {
        (Some(p), _) => Some((ScopeKind::ItemProcessor, p)),
        (None, Some(p)) => Some((ScopeKind::Iterator, p)),
        (None, None) => None,
    }
}

/// [`nested_scopes`] over the three members, already looked up.
fn scopes_of<'v>(
    branches: Option<&'v Value>,
    item_processor: Option<&'v Value>,
    iterator: Option<&'v Value>,
) -> impl Iterator<Item = (ScopeKind, &'v Value)> {
    let branches = branches.and_then(Value::as_array).into_iter().flatten();
    branches
        .enumerate()
        .map(|(i, b)| (ScopeKind::Branch(i), b))
        .chain(item_processor.map(|p| (ScopeKind::ItemProcessor, p)))
        .chain(iterator.map(|p| (ScopeKind::Iterator, p)))
}

/// A set of states that transition among themselves.
#[derive(Clone, Debug)]
pub struct Scope {
    pub id: ScopeId,
    pub kind: ScopeKind,
    /// The enclosing scope and the Parallel/Map node owning this scope.
    pub parent: Option<(ScopeId, NodeIndex)>,
    /// Pointer of the object that holds `StartAt` and `States`.
    pub pointer: String,
    /// `StartAt`, when it is a string.
    pub start_at: Option<String>,
    pub graph: StableDiGraph<StateNode, Edge>,
    /// State name → node (the first occurrence, if a name repeats).
    pub names: FastMap<String, NodeIndex>,
    /// Nodes in document order.
    pub order: Vec<NodeIndex>,
    pub dangling: Vec<Dangling>,
}

impl Scope {
    /// The node `StartAt` names, if it exists.
    pub fn start(&self) -> Option<NodeIndex> {
        self.start_at
            .as_ref()
            .and_then(|s| self.names.get(s).copied())
    }

    pub fn node(&self, n: NodeIndex) -> &StateNode {
        &self.graph[n]
    }

    /// Nodes reachable from `StartAt` along any transition.
    pub fn reachable(&self) -> HashSet<NodeIndex> {
        let mut seen = HashSet::new();
        let Some(start) = self.start() else {
            return seen;
        };
        let mut queue = VecDeque::from([start]);
        seen.insert(start);
        while let Some(n) = queue.pop_front() {
            for m in self.graph.neighbors_directed(n, Direction::Outgoing) {
                if seen.insert(m) {
                    queue.push_back(m);
                }
            }
        }
        seen
    }

    /// Nodes, in document order, that no path from `StartAt` reaches. Empty when `StartAt`
    /// names no state (that is its own finding).
    pub fn unreachable(&self) -> Vec<NodeIndex> {
        if self.start().is_none() {
            return Vec::new();
        }
        let seen = self.reachable();
        self.order
            .iter()
            .copied()
            .filter(|n| !seen.contains(n))
            .collect()
    }

    /// Nodes from which some terminal state can be reached (terminals included). A state with
    /// a transition to a missing state, or with no transition at all (neither `Next` nor
    /// `End`), counts as possibly terminating: where it really leads is unknown, and the
    /// missing target or transition is a finding of its own.
    pub fn can_terminate(&self) -> HashSet<NodeIndex> {
        let mut seen: HashSet<NodeIndex> = self
            .order
            .iter()
            .copied()
            .filter(|n| {
                self.graph[*n].terminal
                    || self
                        .graph
                        .edges_directed(*n, Direction::Outgoing)
                        .next()
                        .is_none()
            })
            .collect();
        seen.extend(self.dangling.iter().map(|d| d.from));
        let mut queue: VecDeque<NodeIndex> = seen.iter().copied().collect();
        while let Some(n) = queue.pop_front() {
            for m in self.graph.neighbors_directed(n, Direction::Incoming) {
                if seen.insert(m) {
                    queue.push_back(m);
                }
            }
        }
        seen
    }

    /// Outgoing transitions of `n`, in the order they were written.
    pub fn transitions(&self, n: NodeIndex) -> Vec<(&Edge, NodeIndex)> {
        let mut v: Vec<_> = self
            .graph
            .edges_directed(n, Direction::Outgoing)
            .map(|e| (e.weight(), e.target()))
            .collect();
        v.sort_by_key(|(e, _)| e.pointer.clone());
        v
    }

    pub fn has_terminal(&self) -> bool {
        self.order.iter().any(|n| self.graph[*n].terminal)
    }
}

/// A state name that occurs more than once in the whole machine.
#[derive(Clone, Debug)]
pub struct Duplicate {
    pub name: String,
    /// Pointers of every occurrence, in document order.
    pub pointers: Vec<String>,
}

/// The IR of one workflow.
#[derive(Clone, Debug, Default)]
pub struct Workflow {
    /// `scopes[0]` is the top level.
    pub scopes: Vec<Scope>,
    /// State names used more than once anywhere in the machine (including nesting).
    pub duplicates: Vec<Duplicate>,
}

impl Workflow {
    /// Build the IR from an ASL value (the top-level object with `StartAt` and `States`).
    pub fn from_asl(root: &Value) -> Self {
        let mut wf = Workflow::default();
        let mut seen_names: Vec<(&str, ScopeId, NodeIndex)> = Vec::new();
        wf.build_scope(
            root,
            String::new(),
            ScopeKind::Root,
            None,
            &mut seen_names,
            0,
        );
        wf.duplicates = wf.find_duplicates(&seen_names);
        wf
    }

    /// State names used more than once, in order of first use, each with every pointer.
    fn find_duplicates(&self, seen: &[(&str, ScopeId, NodeIndex)]) -> Vec<Duplicate> {
        let mut count: FastMap<&str, usize> = FastMap::default();
        count.reserve(seen.len());
        for (name, _, _) in seen {
            *count.entry(name).or_insert(0) += 1;
        }
        if count.len() == seen.len() {
            return Vec::new();
        }
        let mut out: Vec<Duplicate> = Vec::new();
        let mut group: FastMap<&str, usize> = FastMap::default();
        for (name, scope, n) in seen {
            if count.get(name).is_none_or(|&c| c < 2) {
                continue;
            }
            let g = *group.entry(name).or_insert_with(|| {
                out.push(Duplicate {
                    name: name.to_string(),
                    pointers: Vec::new(),
                });
                out.len() - 1
            });
            if let (Some(d), Some(s)) = (out.get_mut(g), self.scopes.get(*scope)) {
                d.pointers.push(s.graph[*n].pointer.clone());
            }
        }
        out
    }

    pub fn root(&self) -> Option<&Scope> {
        self.scopes.first()
    }

    /// Every state of every scope: (scope, node).
    pub fn states(&self) -> impl Iterator<Item = (&Scope, NodeIndex)> {
        self.scopes
            .iter()
            .flat_map(|s| s.order.iter().map(move |n| (s, *n)))
    }

    /// Nesting limit: deeper definitions are not walked further (AWS itself caps the
    /// definition size at 1 MB, so this only guards the stack against hostile input).
    const MAX_DEPTH: usize = 64;

    fn build_scope<'v>(
        &mut self,
        obj: &'v Value,
        ptr: String,
        kind: ScopeKind,
        parent: Option<(ScopeId, NodeIndex)>,
        seen_names: &mut Vec<(&'v str, ScopeId, NodeIndex)>,
        depth: usize,
    ) -> ScopeId {
        let id = self.scopes.len();
        let start_at = obj
            .get("StartAt")
            .and_then(Value::as_str)
            .map(str::to_string);
        let states = obj.get("States").and_then(Value::as_object);
        self.scopes.push(Scope {
            id,
            kind,
            parent,
            pointer: ptr,
            start_at,
            graph: StableDiGraph::with_capacity(states.map_or(0, |s| s.len()), 0),
            names: FastMap::default(),
            order: Vec::new(),
            dangling: Vec::new(),
        });
        let Some(states) = states else {
            return id;
        };
        let mut states_ptr = self.scopes[id].pointer.clone();
        states_ptr.push_str("/States");

        // Nodes first, so transitions can be resolved in any order.
        let mut nodes = Vec::with_capacity(states.len());
        let scope = &mut self.scopes[id];
        scope.names.reserve(states.len());
        scope.order.reserve(states.len());
        for (name, state) in states {
            let fields = StateFields::of(state);
            let kind = StateKind::parse(fields.kind.and_then(Value::as_str).unwrap_or(""));
            let terminal = matches!(kind, StateKind::Succeed | StateKind::Fail)
                || fields.end.and_then(Value::as_bool) == Some(true);
            let node = StateNode {
                name: name.clone(),
                kind,
                pointer: pointer::push(&states_ptr, name),
                terminal,
                children: Vec::new(),
            };
            let n = scope.graph.add_node(node);
            scope.order.push(n);
            scope.names.entry(name.clone()).or_insert(n);
            seen_names.push((name.as_str(), id, n));
            nodes.push((n, fields));
        }

        for (n, fields) in &nodes {
            let scope = &mut self.scopes[id];
            let sptr = scope.graph[*n].pointer.as_str();
            let at = |field: &str| {
                let mut p = String::with_capacity(sptr.len() + field.len() + 1);
                p.push_str(sptr);
                p.push('/');
                p.push_str(field);
                p
            };
            let mut edges: Vec<(&str, EdgeKind, String)> = Vec::new();
            if let Some(t) = fields.next.and_then(Value::as_str) {
                edges.push((t, EdgeKind::Next, at("Next")));
            }
            if let Some(t) = fields.default.and_then(Value::as_str) {
                edges.push((t, EdgeKind::Default, at("Default")));
            }
            if let Some(choices) = fields.choices.and_then(Value::as_array) {
                for (i, c) in choices.iter().enumerate() {
                    if let Some(t) = c.get("Next").and_then(Value::as_str) {
                        edges.push((t, EdgeKind::Choice(i), at(&format!("Choices/{i}/Next"))));
                    }
                }
            }
            if let Some(catchers) = fields.catch.and_then(Value::as_array) {
                for (i, c) in catchers.iter().enumerate() {
                    if let Some(t) = c.get("Next").and_then(Value::as_str) {
                        edges.push((t, EdgeKind::Catch(i), at(&format!("Catch/{i}/Next"))));
                    }
                }
            }
            for (target, kind, eptr) in edges {
                match scope.names.get(target) {
                    Some(&m) => {
                        scope.graph.add_edge(
                            *n,
                            m,
                            Edge {
                                kind,
                                pointer: eptr,
                            },
                        );
                    }
                    None => scope.dangling.push(Dangling {
                        from: *n,
                        target: target.to_string(),
                        kind,
                        pointer: eptr,
                    }),
                }
            }

            if depth >= Self::MAX_DEPTH {
                continue;
            }
            if fields.branches.is_none()
                && fields.item_processor.is_none()
                && fields.iterator.is_none()
            {
                continue;
            }
            let sptr = scope.graph[*n].pointer.clone();
            let mut children = Vec::new();
            for (kind, sub) in scopes_of(fields.branches, fields.item_processor, fields.iterator) {
                // A processor that is not an object is reported by the rules, not walked.
                if !matches!(kind, ScopeKind::Branch(_)) && !sub.is_object() {
                    continue;
                }
                let c = self.build_scope(
                    sub,
                    format!("{sptr}/{}", kind.field_path()),
                    kind,
                    Some((id, *n)),
                    seen_names,
                    depth + 1,
                );
                children.push(c);
            }
            self.scopes[id].graph[*n].children = children;
        }
        id
    }
}

/// Hash map with a fast, per-process seeded hasher (state names are short keys).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The fields of a state the IR reads, found in one pass over its members (cheaper than a
/// hash lookup per field: a state has a handful of members).
#[derive(Default)]
struct StateFields<'v> {
    kind: Option<&'v Value>,
    end: Option<&'v Value>,
    next: Option<&'v Value>,
    default: Option<&'v Value>,
    choices: Option<&'v Value>,
    catch: Option<&'v Value>,
    branches: Option<&'v Value>,
    item_processor: Option<&'v Value>,
    iterator: Option<&'v Value>,
}

impl<'v> StateFields<'v> {
    fn of(state: &'v Value) -> Self {
        let mut f = Self::default();
        for (k, v) in state.as_object().into_iter().flatten() {
            let slot = match k.as_str() {
                "Type" => &mut f.kind,
                "End" => &mut f.end,
                "Next" => &mut f.next,
                "Default" => &mut f.default,
                "Choices" => &mut f.choices,
                "Catch" => &mut f.catch,
                "Branches" => &mut f.branches,
                "ItemProcessor" => &mut f.item_processor,
                "Iterator" => &mut f.iterator,
                _ => continue,
            };
            *slot = Some(v);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(scope: &Scope, ns: &[NodeIndex]) -> Vec<String> {
        ns.iter().map(|n| scope.graph[*n].name.clone()).collect()
    }

    #[test]
    fn detached_cycle_is_unreachable() {
        let v = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "End": true},
            "B": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Pass", "Next": "B"}
        }});
        let wf = Workflow::from_asl(&v);
        let root = &wf.scopes[0];
        assert_eq!(names(root, &root.unreachable()), ["B", "C"]);
        let term = root.can_terminate();
        assert!(!term.contains(&root.names["B"]));
        assert!(term.contains(&root.names["A"]));
    }

    #[test]
    fn nested_scopes_and_duplicates() {
        let v = json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "P"}}},
                {"StartAt": "Y", "States": {"Y": {"Type": "Succeed"}}}
            ]},
            "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Y", "States": {"Y": {"Type": "Succeed"}}}}
        }});
        let wf = Workflow::from_asl(&v);
        assert_eq!(wf.scopes.len(), 4);
        assert_eq!(
            wf.scopes[1].dangling.len(),
            1,
            "a branch cannot go back to its Parallel"
        );
        assert_eq!(
            wf.scopes[1].dangling[0].pointer,
            "/States/P/Branches/0/States/X/Next"
        );
        assert_eq!(wf.duplicates.len(), 1);
        assert_eq!(
            wf.duplicates[0].pointers,
            [
                "/States/P/Branches/1/States/Y",
                "/States/M/ItemProcessor/States/Y"
            ]
        );
    }

    #[test]
    fn escapes_state_names_in_pointers() {
        let v = json!({"StartAt": "a/b", "States": {"a/b": {"Type": "Pass", "Next": "c~d"}}});
        let wf = Workflow::from_asl(&v);
        assert_eq!(wf.scopes[0].dangling[0].pointer, "/States/a~1b/Next");
    }
}
