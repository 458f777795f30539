//! NX212 map-without-processor.
use nexus_schema::ir::StateKind;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds Map states with neither `ItemProcessor` nor its legacy name `Iterator` (both at once
    /// is NX205's).
    /// ## Why is this bad?
    /// ASL ("Map State"): the item processor is required; it is the workflow run for each item. AWS
    /// rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `{"Type": "Map", "ItemsPath": "$.items", "End": true}`.
    pub(crate) struct MapWithoutProcessor = {
        code: NX212,
        name: "map-without-processor",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A Map state has neither `ItemProcessor` nor `Iterator`.",
    }
}

impl Rule for MapWithoutProcessor {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind == StateKind::Map
                && s.obj.is_some()
                && !s.has("ItemProcessor")
                && !s.has("Iterator")
            {
                sink.push(
                    META.at(
                        s.pointer,
                        format!("{} has no `{}`", s.label(), ctx.field("ItemProcessor")),
                    )
                    .on_key()
                    .help(format!(
                        "add `{}` with `{}` and `{}`: the states run for each item",
                        ctx.field("ItemProcessor"),
                        ctx.field("StartAt"),
                        ctx.field("States")
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX212);
}
