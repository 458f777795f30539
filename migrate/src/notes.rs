//! Analysis of a raised workflow for migration notes: placeholders kept as written (NX403)
//! and Task resources the local executor runs only through a handler or mock (NX404).

use nexus_schema::diagnostic::Diagnostic;
use nexus_schema::pointer::{push, push_index};
use serde_json::Value;

use crate::{PLACEHOLDER_KEPT, RESOURCE_NEEDS_HANDLER};

/// Notes about a NEXUS workflow (pointers into it), in document order.
pub(crate) fn analyze(doc: &Value) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
    if let Some(states) = doc.get("states").and_then(Value::as_array) {
        tasks(states, "/states", &mut notes);
    }
    placeholders(doc, "", &mut notes);
    notes
}

/// `${Name}` (CloudFormation `Fn::Sub`, SAM `DefinitionSubstitutions`, Terraform templates):
/// the deploy tool fills these in; nexus keeps them and the user must supply values to run.
fn placeholders(v: &Value, ptr: &str, notes: &mut Vec<Diagnostic>) {
    match v {
        Value::String(s) => {
            if let Some(start) = s.find("${")
                && let Some(len) = s[start..].find('}')
            {
                let name = &s[start..start + len + 1];
                notes.push(PLACEHOLDER_KEPT.at(ptr,
                    format!("placeholder `{name}` kept as written; substitute it before deploying or running"),
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                placeholders(item, &push_index(ptr, i), notes);
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                placeholders(item, &push(ptr, k), notes);
            }
        }
        _ => {}
    }
}

/// Every Task (at any depth) calls something outside the workflow.
fn tasks(states: &[Value], ptr: &str, notes: &mut Vec<Diagnostic>) {
    for (i, st) in states.iter().enumerate() {
        let sp = push_index(ptr, i);
        let Some(o) = st.as_object() else { continue };
        let target = o
            .get("action")
            .map(|a| (a, "action"))
            .or_else(|| o.get("resource").map(|r| (r, "resource")));
        if let Some((Value::String(t), key)) = target {
            notes.push(RESOURCE_NEEDS_HANDLER.at(push(&sp, key),
                format!("`nexus run` calls `{t}` through a handler or a mock (--handlers, --mock-config)"),
            ));
        }
        for scope in ["item_processor", "iterator"] {
            if let Some(inner) = o
                .get(scope)
                .and_then(|s| s.get("states"))
                .and_then(Value::as_array)
            {
                tasks(inner, &push(&push(&sp, scope), "states"), notes);
            }
        }
        if let Some(branches) = o.get("branches").and_then(Value::as_array) {
            for (b, branch) in branches.iter().enumerate() {
                if let Some(inner) = branch.get("states").and_then(Value::as_array) {
                    let bp = push_index(&push(&sp, "branches"), b);
                    tasks(inner, &push(&bp, "states"), notes);
                }
            }
        }
    }
}
