//! NX251 non-reference-path.
use nexus_schema::expr::jsonpath::Root;

use crate::expr_index::{
    Parsed, SimpleRoot, SiteKind, field_name, has_placeholder, report, uses_jayway_function,
};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks that `ResultPath`, `ItemsPath`, Choice `Variable` and `...Path` comparisons, and the
    /// Wait/Task/Map/Fail `*Path` fields hold a Reference Path: no `@ .. , : ? *`, no `length()`
    /// (AWS "Reference Paths"). `ResultPath` must also start at `$`: it writes into the state
    /// input, not into `$$` or a variable.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"ResultPath": "$.items[*]"`, `"ItemsPath": "$..orders"`, `"ResultPath": "$result"`.
    pub(crate) struct NonReferencePath = {
        code: NX251,
        name: "non-reference-path",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A field that names one node holds a path that can select several, or a `ResultPath` that does not start at `$`.",
    }
}

impl Rule for NonReferencePath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for site in &ctx.expr().sites {
            let SiteKind::Field(spec) = site.kind else {
                continue;
            };
            if !spec.reference {
                continue;
            }
            // Where the path starts, and the first step that is not a Reference Path step.
            let (root, violation) = match &site.parsed {
                Parsed::Simple(root) => (*root, None),
                Parsed::Path(Ok(path)) => {
                    let root = match path.root() {
                        Root::Input => SimpleRoot::Input,
                        Root::Context => SimpleRoot::Context,
                        Root::Variable(v) => SimpleRoot::Variable(v),
                    };
                    (root, path.reference_violation())
                }
                // A Jayway function such as `.max()`: valid JSONPath, but not a Reference Path.
                Parsed::Unchecked
                    if uses_jayway_function(site.text) && !has_placeholder(site.text) =>
                {
                    let field = field_name(ctx, site);
                    sink.push(report(
                        ctx,
                        &META,
                        &site.pointer,
                        site.text,
                        None,
                        format!("`{field}` must be a Reference Path, which selects one node: path functions are not allowed"),
                    ));
                    continue;
                }
                _ => continue,
            };
            if spec.write && root != SimpleRoot::Input {
                let what = match root {
                    SimpleRoot::Context => "the context object `$$`",
                    _ => "a variable",
                };
                let field = field_name(ctx, site);
                sink.push(
                    report(
                        ctx,
                        &META,
                        &site.pointer,
                        site.text,
                        Some(0),
                        format!("`{field}` must start at `$` (the state input); it cannot write to {what}"),
                    )
                    .help("to keep a value for later states, use `Assign`"),
                );
                continue;
            }
            if let Some((offset, what)) = violation {
                let field = field_name(ctx, site);
                sink.push(
                    report(
                        ctx,
                        &META,
                        &site.pointer,
                        site.text,
                        Some(offset),
                        format!("`{field}` must be a Reference Path, which selects one node: {what} is not allowed"),
                    )
                    .note("Reference Paths allow only `.name`, `['name']` and `[index]` steps"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX251);
}
