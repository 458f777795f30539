//! NX106 duplicate-state-name.
use nexus_schema::Severity;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds state names used more than once anywhere in the machine, nested scopes included.
/// ## Why is this bad?
/// State names must be unique across the whole state machine; AWS rejects duplicates
/// (`DUPLICATE_STATE_NAME`), and history events would be ambiguous.
/// ## Example
/// See `fixtures/invalid/NX106-duplicate-state-name/`.
pub(crate) struct DuplicateStateName;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX106"),
    name: "duplicate-state-name",
    severity: Severity::Error,
    summary: "A state name is used more than once in the machine (nested scopes included).",
    docs: "## What it does\nFinds state names used more than once anywhere in the state machine, including inside Parallel branches and Map processors.\n## Why is this bad?\nNames must be unique across the whole machine; AWS rejects duplicates (`DUPLICATE_STATE_NAME`), and history events and `$$.State.Name` would be ambiguous.\n## Example\nA `Notify` state both at the top level and inside a Map processor.",
    aws_code: Some("DUPLICATE_STATE_NAME"),
};

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
