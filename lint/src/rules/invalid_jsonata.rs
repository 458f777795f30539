//! NX255 invalid-jsonata.
use nexus_schema::Severity;

use crate::expr_index::{Parsed, field_name};
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Parses every JSONata expression (a string framed by `{%` and `%}`) of a JSONata state,
/// in any field and at any depth (`Arguments`, `Output`, `Assign`, `Condition`, `Items`,
/// timeouts, ...), with `jsonata-core`. The Step Functions bindings (`$states`, variables,
/// `$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) are names like any other
/// to the parser.
/// ## Why is this bad?
/// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`); the expression cannot run.
/// ## Example
/// `"Output": "{% $sum($states.input.items %}"` (no closing parenthesis).
pub(crate) struct InvalidJsonata;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX255"),
    name: "invalid-jsonata",
    severity: Severity::Error,
    summary: "A `{% %}` JSONata expression does not parse.",
    docs: "## What it does\nParses every JSONata expression (a string framed by `{%` and `%}`) of a JSONata state, in any field and at any depth (`Arguments`, `Output`, `Assign`, `Condition`, `Items`, ...), with `jsonata-core` (cargo feature `jsonata`, on by default).\n## Why is this bad?\nAWS rejects the definition (`SCHEMA_VALIDATION_FAILED`); the expression cannot run.\n## Example\n`\"Output\": \"{% $sum($states.input.items %}\"` (no closing parenthesis).",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

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
