//! NX254 duplicate-template-field.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds two keys of one payload-template object that produce the same output field once the
    /// `.$` suffix is removed (`"channel"` and `"channel.$"`), at any depth of `Parameters`,
    /// `ResultSelector`, `ItemSelector`, `Assign` and the other templates of JSONPath states.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`): only one of the two values could
    /// reach the output.
    /// ## Example
    /// `"Parameters": {"type": "mrkdwn", "type.$": "$.kind"}`.
    pub(crate) struct DuplicateTemplateField = {
        code: NX254,
        name: "duplicate-template-field",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "Two template keys name the same field once `.$` is removed.",
    }
}

impl Rule for DuplicateTemplateField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for c in &ctx.expr().collisions {
            let field = c.key.trim_end_matches(".$");
            sink.push(
                META.at(
                    &c.pointer,
                    format!(
                        "`{}` and `{}` both produce the field `{field}`",
                        c.previous, c.key
                    ),
                )
                .on_key()
                .note_at(format!("`{}` is here", c.previous), &c.previous_pointer)
                .help("keep one of them: `.$` evaluates the value as a path, without it the value is copied"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX254);
}
