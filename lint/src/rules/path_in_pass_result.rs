//! NX263 path-in-pass-result.

use crate::expr_index::looks_like_expression;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds paths and intrinsic calls inside a Pass state's `Result` (`"Result": {"id.$":
    /// "$.id"}`). AWS warns with `PASS_RESULT_IS_STATIC`.
    /// ## Why is this bad?
    /// `Result` is static JSON: neither `.$` keys nor paths are evaluated there, so the output
    /// holds the text of the path.
    /// ## Example
    /// `"Result": {"orderId.$": "$.orderId"}`; `Parameters` is where paths are evaluated.
    pub(crate) struct PathInPassResult = {
        code: NX263,
        name: "path-in-pass-result",
        severity: Warning,
        aws_code: "PASS_RESULT_IS_STATIC",
        summary: "A Pass state's `Result` holds a path, which is never evaluated there.",
    }
}

impl Rule for PathInPassResult {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        let assigned = index.assigned_names();
        for c in &index.pass_result {
            if !looks_like_expression(c.text, &assigned) {
                continue;
            }
            sink.push(
                META.at(
                    &c.pointer,
                    format!(
                        "a path in `{result}` is never evaluated: `{result}` is static JSON",
                        result = ctx.field("Result")
                    ),
                )
                .help(format!(
                    "use `{}` (with keys ending in `.$`) to build the output from the input",
                    ctx.field("Parameters")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX263);
}
