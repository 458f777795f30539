//! NX256 half-delimited-jsonata.
use nexus_schema::Severity;

use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds strings of JSONata states that start with `{%` but do not end with `%}`, or the
/// other way round.
/// ## Why is this bad?
/// Step Functions evaluates a string only when it starts with `{%` and ends with `%}`;
/// anything else is a literal. A missing delimiter turns the intended expression into text
/// that flows on unnoticed.
/// ## Example
/// `"Output": "{% $states.input.total %"`.
pub(crate) struct HalfDelimitedJsonata;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX256"),
    name: "half-delimited-jsonata",
    severity: Severity::Warning,
    summary: "A string of a JSONata state has only one of the `{%` `%}` delimiters.",
    docs: "## What it does\nFinds strings of JSONata states that start with `{%` but do not end with `%}`, or end with `%}` but do not start with `{%`.\n## Why is this bad?\nStep Functions evaluates a string only when it starts with `{%` and ends with `%}`; anything else is copied as a literal, so the intended expression silently becomes text.\n## Example\n`\"Output\": \"{% $states.input.total %\"`.",
    aws_code: None,
};

impl Rule for HalfDelimitedJsonata {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for c in &ctx.expr().half_delimited {
            let missing = if c.text.starts_with("{%") {
                "ends without `%}`"
            } else {
                "does not start with `{%`"
            };
            sink.push(
                META.at(
                    &c.pointer,
                    format!("this string looks like a JSONata expression but {missing}"),
                )
                .note("Step Functions evaluates only strings that start with `{%` and end with `%}`; this one is a literal")
                .help("write `{% <expression> %}`, with nothing before `{%` or after `%}`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX256);
}
