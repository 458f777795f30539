//! NX255 invalid-jsonata.

use crate::expr_index::{Parsed, field_name};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Parses every JSONata expression (a string framed by `{%` and `%}`) of a JSONata state, in
    /// any field and at any depth (`Arguments`, `Output`, `Assign`, `Condition`, `Items`, ...),
    /// with `jsonata-core` (cargo feature `jsonata`, on by default). Also reports what AWS
    /// rejects in an expression that parses: a top-level `$`, `$$`, `$.x` or bare field name
    /// (Step Functions evaluates JSONata without a context value:
    /// `UNSUPPORTED_JSONATA_EXPRESSION`), and `$states.errorOutput` outside a Catcher's
    /// `Output` and `Assign`.
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
            let e = match &site.parsed {
                Parsed::Jsonata(Err(e)) => e,
                Parsed::Jsonata(Ok(refs)) => {
                    check_references(ctx, site, refs, sink);
                    continue;
                }
                _ => continue,
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

/// AWS ("Transforming data with JSONata in Step Functions"): an expression has no context
/// value, so a top-level `$`, `$$` or field name is rejected; `$states.errorOutput` exists
/// only in a Catcher's `Output` and `Assign`.
fn check_references(
    ctx: &Context<'_>,
    site: &crate::expr_index::Site<'_>,
    refs: &nexus_schema::expr::JsonataRefs,
    sink: &mut Sink,
) {
    let field = field_name(ctx, site);
    if let Some(r) = &refs.context_reference {
        let mut d = META
            .at(
                &site.pointer,
                format!("`{r}` at the top level of the JSONata in `{field}` refers to no value"),
            )
            .note("Step Functions evaluates JSONata without a context value (UNSUPPORTED_JSONATA_EXPRESSION)")
            .help("read the state input as `$states.input` (`$states.input.field`), the context as `$states.context`");
        d.aws_code = Some("UNSUPPORTED_JSONATA_EXPRESSION");
        sink.push(d);
    }
    if refs.reads_error_output && !in_catcher_output(&site.pointer) {
        sink.push(
            META.at(
                &site.pointer,
                format!("`$states.errorOutput` in `{field}`: it exists only in a Catcher's `Output` and `Assign`"),
            )
            .help("read the error in the `Output` or `Assign` of a `Catch` entry and pass it on"),
        );
    }
}

/// Whether a pointer is inside the `Output` or `Assign` of a catcher (`.../Catch/<i>/Output`).
fn in_catcher_output(pointer: &str) -> bool {
    let tokens: Vec<&str> = pointer.split('/').collect();
    tokens.windows(3).any(|w| {
        matches!(w, ["Catch", i, "Output" | "Assign"] if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX255);
}
