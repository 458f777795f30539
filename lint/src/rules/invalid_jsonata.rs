//! NX255 invalid-jsonata.

use crate::expr_index::{Parsed, field_name};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Parses every JSONata expression (a string framed by `{%` and `%}`) of a JSONata state, in
    /// any field and at any depth (`Arguments`, `Output`, `Assign`, `Condition`, `Items`, ...),
    /// with `jsonata-core` (cargo feature `jsonata`, on by default).
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`); the expression cannot run.
    /// ## Example
    /// `"Output": "{% $sum($states.input.items %}"` (no closing parenthesis).
    pub(crate) struct InvalidJsonata = {
        code: NX255,
        name: "invalid-jsonata",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A `{% %}` JSONata expression does not parse.",
    }
}

impl Rule for InvalidJsonata {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for site in &ctx.expr().sites {
            let Parsed::Jsonata(Err(e)) = &site.parsed else {
                continue;
            };
            let field = field_name(ctx, site);
            let mut d = META.at(
                &site.pointer,
                format!("invalid JSONata in `{field}`: {}", e.message),
            );
            if site.text.contains("[?(") || (site.text.contains("$.") && site.text.contains('@')) {
                d = d.note(
                    "JSONPath filters (`[?(@...)]`) are not JSONata: write `items[price < 10]`",
                );
            }
            sink.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX255);
}
