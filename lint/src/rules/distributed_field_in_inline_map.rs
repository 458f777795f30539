//! NX213 distributed-field-in-inline-map.
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::view::StateView;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds `ItemReader`, `ItemBatcher`, `ResultWriter`, `ToleratedFailurePercentage(Path)`,
    /// `ToleratedFailureCount(Path)` and `Label` on a Map state whose
    /// `ItemProcessor.ProcessorConfig.Mode` is not `DISTRIBUTED` (Inline is the default).
    /// ## Why is this bad?
    /// AWS documents these fields for the Distributed Map state; an Inline Map runs its iterations
    /// inside the execution, without child workflow executions to batch, tolerate or label. AWS
    /// accepts the definition, so this is a warning: usually `"Mode": "DISTRIBUTED"` was forgotten.
    /// ## Example
    /// A Map with `ItemReader` reading a CSV from S3 but no `ProcessorConfig`.
    pub(crate) struct DistributedFieldInInlineMap = {
        code: NX213,
        name: "distributed-field-in-inline-map",
        severity: Warning,
        summary: "A Distributed Map field on a Map state in Inline mode.",
    }
}

const FIELDS: [&str; 8] = [
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "Label",
];

/// `ProcessorConfig.Mode` of a Map state (`ItemProcessor`, or the legacy `Iterator`).
pub(crate) fn mode<'a>(s: &StateView<'a>) -> Option<&'a str> {
    s.processor()
        .and_then(|(_, p)| p.get("ProcessorConfig"))
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
}

impl Rule for DistributedFieldInInlineMap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind != StateKind::Map || mode(s) == Some("DISTRIBUTED") {
                continue;
            }
            for f in FIELDS.iter().filter(|f| s.has(f)) {
                sink.push(
                    META.at(
                        s.at(f),
                        format!(
                            "`{}` is a Distributed Map field, but {} runs in Inline mode",
                            ctx.field(f),
                            s.label()
                        ),
                    )
                    .on_key()
                    .help(format!(
                        "set `{}.{}.{}: DISTRIBUTED`, or remove `{}`",
                        ctx.field("ItemProcessor"),
                        ctx.field("ProcessorConfig"),
                        ctx.field("Mode"),
                        ctx.field(f)
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX213);
}
