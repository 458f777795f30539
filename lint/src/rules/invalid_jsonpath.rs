//! NX250 invalid-jsonpath.

use crate::expr_index::{Parsed, SiteKind, field_name, report};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Parses every JSONPath of a JSONPath state as Step Functions reads it (Jayway dialect:
    /// `$.a-b`, `$['x y']`, `$.a.['b c']`, negative indexes, slices, filters, `$$` context object,
    /// `$name` variables): the `*Path` fields, Choice `Variable`, and values of template keys
    /// ending in `.$`. An intrinsic function where only a path is accepted (anything but
    /// `ErrorPath`/`CausePath`) is reported too. An unquoted word compared in a filter
    /// (`$[?(@.Code==es)]`) is read as a string and reported as a warning: Jayway accepts it
    /// and AWS's own samples use it, but quoting is the documented form.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"ResultPath": ".guid"`, `"InputPath": "bug$.items"`, `"x.$": "$$23"`.
    pub(crate) struct InvalidJsonpath = {
        code: NX250,
        name: "invalid-jsonpath",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A path field or `.$` value is not a valid JSONPath.",
    }
}

impl Rule for InvalidJsonpath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for site in &ctx.expr().sites {
            let e = match &site.parsed {
                Parsed::Path(Err(e)) => e,
                Parsed::Path(Ok(path)) => {
                    for &offset in path.unquoted_literals() {
                        let field = field_name(ctx, site);
                        let mut d = report(
                            ctx,
                            &META,
                            &site.pointer,
                            site.text,
                            Some(offset),
                            format!("the filter in `{field}` compares with an unquoted word"),
                        )
                        .note("Jayway reads it as a string, but only quoted literals are documented JSONPath")
                        .help("quote the literal: `'word'`");
                        // Nobody has shown AWS rejecting it, so it is a warning, not an error.
                        d.severity = nexus_schema::Severity::Warning;
                        sink.push(d);
                    }
                    continue;
                }
                _ => continue,
            };
            let field = field_name(ctx, site);
            let d = match site.kind {
                SiteKind::Field(spec) if !spec.intrinsic && site.text.trim_start().starts_with("States.") => report(
                    ctx,
                    &META,
                    &site.pointer,
                    site.text,
                    None,
                    format!("`{field}` takes a JSONPath, not an intrinsic function"),
                )
                .help("compute the value in `Parameters` or `ResultSelector` (a key ending in `.$`) and point this field at it"),
                SiteKind::Field(_) => report(
                    ctx,
                    &META,
                    &site.pointer,
                    site.text,
                    Some(e.offset),
                    format!("`{field}` is not a valid JSONPath: {}", e.message),
                ),
                _ => report(
                    ctx,
                    &META,
                    &site.pointer,
                    site.text,
                    Some(e.offset),
                    format!("the value of `{field}` is not a valid JSONPath: {}", e.message),
                ),
            };
            sink.push(
                d.note("paths start at `$` (input), `$$` (context object) or `$name` (a variable)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX250);
}
