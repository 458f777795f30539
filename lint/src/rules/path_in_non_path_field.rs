//! NX262 path-in-non-path-field.

use crate::expr_index::looks_like_expression;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds a field of a JSONPath state, Choice rule or Map configuration whose name does not end
    /// in `Path` but whose string value is a path (`"Error": "$.error"`, `"StringEquals":
    /// "$.expected"`). AWS warns with `NO_PATH`.
    /// ## Why is this bad?
    /// The value is taken literally; the `...Path` variant of the field (`ErrorPath`,
    /// `StringEqualsPath`, `SecondsPath`) is the one that evaluates it.
    /// ## Example
    /// `"Cause": "$.message"`.
    pub(crate) struct PathInNonPathField = {
        code: NX262,
        name: "path-in-non-path-field",
        severity: Warning,
        aws_code: "NO_PATH",
        summary: "A field whose name does not end in `Path` holds what looks like a path.",
    }
}

impl Rule for PathInNonPathField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let index = ctx.expr();
        let assigned = index.assigned_names();
        for c in &index.no_path {
            if c.text.starts_with("States.") || !looks_like_expression(c.text, &assigned) {
                continue;
            }
            let field = ctx.field(c.field);
            let path_field = ctx.field(&format!("{}Path", c.field));
            sink.push(
                META.at(
                    &c.pointer,
                    format!("`{field}` holds what looks like a path, but it is taken literally"),
                )
                .help(format!(
                    "to evaluate the path, use `{path_field}` if this field has one"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX262);
}
