//! What the ASL field rules (NX2xx) share: every state of the ASL view as a JSON object with
//! its pointer, its `Type` and the query language in effect, computed once per document.
//!
//! Rules read the raw JSON rather than the typed model because they must see what the user
//! wrote even when it has the wrong type (the JSON Schema pass reports the type; the rules
//! then simply skip a value they cannot read).

use serde_json::{Map, Value};

use nexus_schema::ir::{ScopeKind, StateKind, Workflow};

use crate::Context;

/// Query language of a state (ASL `QueryLanguage`).
pub use nexus_schema::QueryLanguage as Ql;

/// One state of the document, at any depth.
#[derive(Clone, Debug)]
pub struct StateView<'a> {
    pub name: &'a str,
    /// Pointer of the state object in the ASL view.
    pub pointer: &'a str,
    pub kind: StateKind,
    /// The state object (`None` when the state is not an object; NX100 reports that).
    pub obj: Option<&'a Map<String, Value>>,
    /// The query language in effect: the state's own `QueryLanguage`, else the machine's.
    /// AWS: nested states do not inherit from their Parallel/Map state.
    pub ql: Ql,
    /// Where the state's scope sits.
    pub scope: ScopeKind,
}

impl<'a> StateView<'a> {
    /// The value of a field of the state.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.and_then(|o| member(o, key))
    }

    /// A Map state's `ItemProcessor` (or legacy `Iterator`), with its kind.
    pub fn processor(&self) -> Option<(ScopeKind, &'a Value)> {
        self.obj.and_then(nexus_schema::ir::map_processor)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Pointer of a field of the state.
    pub fn at(&self, key: &str) -> String {
        nexus_schema::pointer::push(self.pointer, key)
    }

    /// `"Map state `Name`"`, for messages.
    pub fn label(&self) -> String {
        format!("{} state `{}`", self.kind.as_str(), self.name)
    }
}

/// `obj[key]`. States and their parts have a handful of members: comparing the keys is
/// cheaper than hashing the one looked for (serde_json's map hashes with SipHash).
pub fn member<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if obj.len() <= 16 {
        obj.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        obj.get(key)
    }
}

/// The machine's default query language (`QueryLanguage` at the top level).
pub fn machine_ql(asl: &Value) -> Ql {
    Ql::from_value(asl.get("QueryLanguage")).unwrap_or(Ql::JsonPath)
}

/// Every state of the document in document order (a Parallel/Map state before its children).
pub fn states<'a>(ctx: &Context<'a>) -> Vec<StateView<'a>> {
    let asl = &ctx.doc.asl;
    let default = machine_ql(asl);
    let mut out = Vec::with_capacity(ctx.ir.scopes.iter().map(|s| s.order.len()).sum());
    for ((scope, n), found) in ctx.ir.states().zip(state_values(asl, ctx.ir)) {
        let Some((name, v)) = found else {
            continue;
        };
        let node = scope.node(n);
        let obj = v.as_object();
        let ql = Ql::from_value(obj.and_then(|o| o.get("QueryLanguage"))).unwrap_or(default);
        out.push(StateView {
            name,
            pointer: &node.pointer,
            kind: node.kind.clone(),
            obj,
            ql,
            scope: scope.kind.clone(),
        });
    }
    out
}

/// The name (as the document's key) and value of every state of `ir`, in the order of
/// [`Workflow::states`]; `None` where the state is not in `asl`. The IR made one node per
/// member of each `States` object, in order, so a scope's states are read off its `States`
/// object in one pass instead of one pointer lookup per state.
pub(crate) fn state_values<'a>(asl: &'a Value, ir: &Workflow) -> Vec<Option<(&'a str, &'a Value)>> {
    let mut out = Vec::with_capacity(ir.scopes.iter().map(|s| s.order.len()).sum());
    for scope in &ir.scopes {
        let states = asl
            .pointer(&scope.pointer)
            .and_then(|o| o.get("States"))
            .and_then(Value::as_object);
        let mut members = states.map(|m| m.iter());
        for &n in &scope.order {
            let name = scope.node(n).name.as_str();
            let next = members
                .as_mut()
                .and_then(Iterator::next)
                .filter(|(k, _)| k.as_str() == name);
            let found = next.or_else(|| states.and_then(|m| m.get_key_value(name)));
            out.push(found.map(|(k, v)| (k.as_str(), v)));
        }
    }
    out
}

/// Whether `v` is a JSONata expression string `"{% ... %}"`.
pub fn is_jsonata(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with("{%") && s.ends_with("%}") && s.len() >= 4)
}

pub use nexus_schema::placeholder::{has_placeholder, is_placeholder};

/// A `Resource` with Serverless Framework placeholders (`#{AWS::Region}`) written as
/// CloudFormation ones (`${AWS::Region}`), which the ARN reader knows to keep whole.
pub use nexus_schema::placeholder::normalized as normalized_resource;

/// A number as written: integer value if it is one.
pub fn as_integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e30)
                    .map(|f| f as i128)
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_jsonata() {
        assert!(is_jsonata(&Value::from("{% 1 %}")));
        assert!(!is_jsonata(&Value::from("{%")));
        assert!(!is_jsonata(&Value::from("10 %}")));
    }
}
