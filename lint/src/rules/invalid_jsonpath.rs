//! NX250 invalid-jsonpath.
use nexus_schema::Severity;

use crate::expr_index::{Parsed, SiteKind, field_name, report};
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Parses every JSONPath of a JSONPath state the way Step Functions does (the Jayway dialect:
/// `$.a-b`, `$['x y']`, `$.a.['b c']`, negative indexes, slices, filters, `$$` for the
/// context object, `$name` for variables): the `*Path` fields, Choice `Variable`, and the
/// values of template keys ending in `.$`. Also reports an intrinsic function in a field that
/// only takes a path (everything but `ErrorPath` and `CausePath`).
/// ## Why is this bad?
/// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`: "must be a valid JSONPath").
/// An unquoted word in a filter (`$[?(@.Code==es)]`) is read as a string and only warned
/// about: Jayway accepts it and AWS's own samples use it.
/// ## Example
/// `"ResultPath": ".guid"`, `"InputPath": "bug$.items"`, `"x.$": "$$23"`.
pub(crate) struct InvalidJsonpath;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX250"),
    name: "invalid-jsonpath",
    severity: Severity::Error,
    summary: "A path field or `.$` value is not a valid JSONPath.",
    docs: "## What it does\nParses every JSONPath of a JSONPath state as Step Functions reads it (Jayway dialect: `$.a-b`, `$['x y']`, `$.a.['b c']`, negative indexes, slices, filters, `$$` context object, `$name` variables): the `*Path` fields, Choice `Variable`, and values of template keys ending in `.$`. An intrinsic function where only a path is accepted (anything but `ErrorPath`/`CausePath`) is reported too. An unquoted word compared in a filter (`$[?(@.Code==es)]`) is read as a string and reported as a warning (quote it).\n## Why is this bad?\nAWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).\n## Example\n`\"ResultPath\": \".guid\"`, `\"InputPath\": \"bug$.items\"`, `\"x.$\": \"$$23\"`.",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

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
                        d.severity = Severity::Warning;
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
