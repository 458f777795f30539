//! NX261 path-without-dollar-suffix.

use crate::expr_index::looks_like_expression;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds a payload-template key of a JSONPath state (`Parameters`, `ResultSelector`,
    /// `ItemSelector`, `Assign`, ...) without `.$` whose string value is a path (`$.x`,
    /// `$$.Execution.Id`, `$var` for an assigned variable) or an intrinsic call. AWS warns with
    /// `NO_DOLLAR`.
    /// ## Why is this bad?
    /// Without `.$` the value is copied as text: the task receives the string `"$.orderId"`, not
    /// the order id.
    /// ## Example
    /// `"Parameters": {"OrderId": "$.orderId"}`.
    pub(crate) struct PathWithoutDollarSuffix = {
        code: NX261,
        name: "path-without-dollar-suffix",
        severity: Warning,
        aws_code: "NO_DOLLAR",
        summary: "A template value looks like a path or intrinsic function, but its key lacks `.$`.",
    }
}

impl Rule for PathWithoutDollarSuffix {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        let assigned = index.assigned_names();
        for c in &index.no_dollar {
            if !looks_like_expression(c.text, &assigned) {
                continue;
            }
            let what = if c.text.starts_with("States.") {
                "an intrinsic function"
            } else {
                "a path"
            };
            sink.push(
                META.at(
                    &c.pointer,
                    format!("`{}` holds {what}, but the key does not end in `.$`, so the text is copied as it is", c.field),
                )
                .on_key()
                .help(format!("rename the key to `{}.$` to evaluate it", c.field)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX261);
}
