//! NX260 invalid-variable-name.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks the name of every variable an `Assign` sets (in JSONPath states, the key without
    /// `.$`): an identifier (a letter or `_`, then letters, digits or `_`; Unicode
    /// ID_Start/ID_Continue), at most 80 characters, not the reserved `states`.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`); a name like `my-var` could never be
    /// read back (`$my-var` is `$my` minus `var`).
    /// ## Example
    /// `"Assign": {"order-id.$": "$.id"}`, `"Assign": {"states": 1}`.
    pub(crate) struct InvalidVariableName = {
        code: NX260,
        name: "invalid-variable-name",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "An `Assign` sets a variable whose name is not an identifier, too long, or reserved.",
    }
}

/// The longest variable name Step Functions accepts.
const MAX_NAME: usize = 80;

fn problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first = chars.next()?;
    if name == "states" {
        return Some(
            "`states` is reserved: `$states` is the variable Step Functions provides in JSONata"
                .into(),
        );
    }
    if name.chars().count() > MAX_NAME {
        return Some(format!("a variable name has at most {MAX_NAME} characters"));
    }
    if !(first.is_alphabetic() || first == '_') {
        return Some(format!(
            "a variable name starts with a letter or `_`, not `{first}`"
        ));
    }
    // ASCII punctuation and blanks can never continue an identifier; other Unicode
    // characters are left to AWS (Unicode ID_Continue is wider than `is_alphanumeric`).
    let bad = name.chars().find(|c| {
        !(c.is_alphanumeric()
            || *c == '_'
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()))
    })?;
    Some(format!(
        "a variable name holds only letters, digits and `_`, not `{bad}`"
    ))
}

impl Rule for InvalidVariableName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for state in &ctx.expr().states {
            for a in &state.assigns {
                let msg = if a.name.is_empty() {
                    Some("a variable name cannot be empty".to_owned())
                } else {
                    problem(a.name)
                };
                if let Some(msg) = msg {
                    sink.push(
                        META.at(
                            &a.pointer,
                            format!("`{}` is not a valid variable name: {msg}", a.name),
                        )
                        .on_key(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn accepts_identifiers() {
        for ok in ["x", "_x", "orderId", "var_constant_1", "名前", "café"] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "my-var",
            "1x",
            "a.b",
            "x.$",
            "a b",
            "states",
            &"n".repeat(81),
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
    }

    crate::testing::fixture_snapshots!(NX260);
}
