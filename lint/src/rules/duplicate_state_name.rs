//! NX106 duplicate-state-name.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds state names used more than once anywhere in the state machine, including inside
    /// Parallel branches and Map processors.
    /// ## Why is this bad?
    /// Names must be unique across the whole machine; AWS rejects duplicates
    /// (`DUPLICATE_STATE_NAME`), and history events and `$$.State.Name` would be ambiguous.
    /// ## Example
    /// A `Notify` state both at the top level and inside a Map processor.
    pub(crate) struct DuplicateStateName = {
        code: NX106,
        name: "duplicate-state-name",
        severity: Error,
        aws_code: "DUPLICATE_STATE_NAME",
        summary: "A state name is used more than once in the machine (nested scopes included).",
    }
}

impl Rule for DuplicateStateName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for dup in &ctx.ir.duplicates {
            let Some((first, rest)) = dup.pointers.split_first() else {
                continue;
            };
            for p in rest {
                sink.push(
                    META.at(p, format!("state name `{}` is already used", dup.name))
                        .on_key()
                        .note_at("first used here", first.clone())
                        .help("state names must be unique across the whole machine, nested branches included; rename one"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX106);
}
