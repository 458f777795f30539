//! Workflow variables (`Assign`). A scope owns the variables assigned in it and can read those
//! of the scope it was started from: a Map iteration or Parallel branch sees the outer
//! variables as they were when the state started, and its own assignments stay inside it
//! (AWS developer guide, "Variable scope").

use std::sync::Arc;

use serde_json::{Map, Value};

/// Variables visible in one scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vars {
    own: Map<String, Value>,
    parent: Option<Arc<Vars>>,
}

impl Vars {
    /// A nested scope reading `parent` (a frozen snapshot shared by all iterations).
    pub(crate) fn with_parent(parent: Arc<Vars>) -> Self {
        Self {
            own: Map::new(),
            parent: Some(parent),
        }
    }

    /// Looks a variable up, innermost scope first.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match self.own.get(name) {
            Some(v) => Some(v),
            None => self.parent.as_deref().and_then(|p| p.get(name)),
        }
    }

    /// Stores a batch of assignments. Every value of a batch was evaluated before any is
    /// stored, so `Assign` entries cannot see each other (AWS: "evaluated as a group").
    pub(crate) fn assign(&mut self, batch: Map<String, Value>) {
        for (k, v) in batch {
            self.own.insert(k, v);
        }
    }

    /// All visible variables, outer first then inner (inner wins), for JSONata bindings.
    pub(crate) fn flatten(&self) -> Map<String, Value> {
        let mut out = match &self.parent {
            Some(p) => p.flatten(),
            None => Map::new(),
        };
        for (k, v) in &self.own {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    /// Replaces this scope's own variables (used when a test supplies initial variables).
    pub(crate) fn from_map(own: Map<String, Value>) -> Self {
        Self { own, parent: None }
    }
}
