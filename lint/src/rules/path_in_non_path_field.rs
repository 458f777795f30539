//! NX262 path-in-non-path-field.
use nexus_schema::Severity;

use crate::expr_index::looks_like_expression;
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds a field of a JSONPath state, Choice rule or Map configuration whose name does not end
/// in `Path` but whose string value is a path (`"Error": "$.error"`, `"StringEquals":
/// "$.expected"`, `"Seconds": "$.delay"`). AWS reports this as the warning `NO_PATH`.
/// ## Why is this bad?
/// The value is taken literally: the Fail state's error is the text `$.error`, the Choice
/// compares against the text `$.expected`. The path variant of the field (`ErrorPath`,
/// `StringEqualsPath`, `SecondsPath`) evaluates it.
/// ## Example
/// `"Cause": "$.message"`.
pub(crate) struct PathInNonPathField;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX262"),
    name: "path-in-non-path-field",
    severity: Severity::Warning,
    summary: "A field whose name does not end in `Path` holds what looks like a path.",
    docs: "## What it does\nFinds a field of a JSONPath state, Choice rule or Map configuration whose name does not end in `Path` but whose string value is a path (`\"Error\": \"$.error\"`, `\"StringEquals\": \"$.expected\"`). AWS warns with `NO_PATH`.\n## Why is this bad?\nThe value is taken literally; the `...Path` variant of the field (`ErrorPath`, `StringEqualsPath`, `SecondsPath`) is the one that evaluates it.\n## Example\n`\"Cause\": \"$.message\"`.",
    aws_code: Some("NO_PATH"),
};

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
