//! NX209 query-language-downgrade.
use serde_json::Value;

use crate::view::{Ql, machine_ql};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds states (at any depth) with `"QueryLanguage": "JSONPath"` in a state machine whose
    /// top-level `QueryLanguage` is `JSONata`.
    /// ## Why is this bad?
    /// AWS ("State machine structure"): when the top level is JSONPath, single states may opt in to
    /// JSONata, but a top-level JSONata machine cannot be reverted to a mix of JSONata and JSONPath
    /// states. The definition is rejected (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `{"QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath",
    /// ...}}}`.
    pub(crate) struct QueryLanguageDowngrade = {
        code: NX209,
        name: "query-language-downgrade",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A JSONPath state in a machine whose `QueryLanguage` is JSONata.",
    }
}

impl Rule for QueryLanguageDowngrade {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        if machine_ql(&ctx.doc.asl) != Ql::Jsonata {
            return;
        }
        let field = ctx.field("QueryLanguage");
        for s in ctx.states() {
            if s.get("QueryLanguage").and_then(Value::as_str) == Some("JSONPath") {
                sink.push(
                    META.at(
                        s.at("QueryLanguage"),
                        format!("{} uses JSONPath, but the state machine's `{field}` is JSONata", s.label()),
                    )
                    .note_at(format!("the machine sets `{field}` here"), "/QueryLanguage")
                    .help(format!(
                        "convert the state to JSONata, or make the machine JSONPath and set `{field}: JSONata` on the states that use it"
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX209);
}
