//! NX107 state-name-too-long.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds state names longer than 80 Unicode characters.
    /// ## Why is this bad?
    /// AWS limits state names to 80 characters and rejects the definition
    /// (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// A name generated from a long resource identifier.
    pub(crate) struct StateNameTooLong = {
        code: NX107,
        name: "state-name-too-long",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A state name is longer than 80 characters.",
    }
}

/// AWS Step Functions quotas: "Maximum length of state names: 80 Unicode characters".
const MAX_LEN: usize = 80;

impl Rule for StateNameTooLong {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for (scope, n) in ctx.ir.states() {
            let state = scope.node(n);
            let len = state.name.chars().count();
            if len > MAX_LEN {
                sink.push(
                    META.at(
                        &state.pointer,
                        format!("state name is {len} characters long; the limit is {MAX_LEN}"),
                    )
                    .on_key()
                    .help(format!(
                        "shorten the name (and every `{}` that names it)",
                        ctx.field("Next")
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX107);
}
