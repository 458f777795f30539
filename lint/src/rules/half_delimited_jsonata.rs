//! NX256 half-delimited-jsonata.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds strings of JSONata states that start with `{%` but do not end with `%}`, or end with
    /// `%}` but do not start with `{%`.
    /// ## Why is this bad?
    /// Step Functions evaluates a string only when it starts with `{%` and ends with `%}`; anything
    /// else is copied as a literal, so the intended expression silently becomes text.
    /// ## Example
    /// `"Output": "{% $states.input.total %"`.
    pub(crate) struct HalfDelimitedJsonata = {
        code: NX256,
        name: "half-delimited-jsonata",
        severity: Warning,
        summary: "A string of a JSONata state has only one of the `{%` `%}` delimiters.",
    }
}

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
