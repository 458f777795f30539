//! NX252 invalid-dynamic-value.
use nexus_schema::expr::json;

use crate::expr_index::{Parsed, SiteKind, report};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks the value of every template key ending in `.$` (`Parameters`, `ResultSelector`,
    /// `ItemSelector`, `Assign`, `ItemReader.Parameters`, `ItemBatcher.BatchInput`, at any depth):
    /// it must be a string holding a path (`$...`) or an intrinsic function (`States.Name(...)`),
    /// with no surrounding spaces.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`: the value must be a valid JSONPath
    /// or a valid intrinsic function call).
    /// ## Example
    /// `"count.$": 23`, `"name.$": "ipsum"`, `"list.$": " States.Array(1)"`.
    pub(crate) struct InvalidDynamicValue = {
        code: NX252,
        name: "invalid-dynamic-value",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A template key ending in `.$` holds something other than a path or an intrinsic function.",
    }
}

impl Rule for InvalidDynamicValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        for bad in &index.non_string_dynamic {
            sink.push(
                META.at(
                    &bad.pointer,
                    format!(
                        "the value of `{}` must be a string holding a JSONPath or an intrinsic function, not a JSON {}",
                        bad.key,
                        json::type_name(bad.value)
                    ),
                )
                .help(format!(
                    "for a literal value, drop the `.$` from the key: `{}`",
                    bad.key.trim_end_matches(".$")
                )),
            );
        }
        for site in &index.sites {
            if site.kind != SiteKind::Dynamic || !matches!(site.parsed, Parsed::Neither) {
                continue;
            }
            let trimmed = site.text.trim();
            let mut d = report(
                ctx,
                &META,
                &site.pointer,
                site.text,
                None,
                format!(
                    "the value of `{}` must be a JSONPath or an intrinsic function",
                    site.field
                ),
            );
            d = if trimmed != site.text
                && (trimmed.starts_with('$') || trimmed.starts_with("States."))
            {
                d.note("Step Functions reads the string as written: surrounding spaces make it neither")
                    .help(format!("write `{trimmed}`"))
            } else {
                d.help(format!(
                    "start it with `$` (a path) or `States.` (an intrinsic function), or drop the `.$` from the key for a literal: `{}`",
                    site.field.trim_end_matches(".$")
                ))
            };
            sink.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX252);
}
