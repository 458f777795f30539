//! NX253 invalid-intrinsic-function.
use nexus_schema::expr::intrinsic;

use crate::expr_index::{Parsed, SiteKind, field_name, report};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Parses every intrinsic function call (nested calls, single-quoted strings with the `\'` `\{`
    /// `\}` `\\` escapes) and checks it statically: the function exists, argument count, literal
    /// argument types, `States.Hash` algorithms, `States.Format` placeholders against values,
    /// `States.ArrayRange` size, nesting of at most 10 calls; in `ErrorPath`/`CausePath`, a
    /// function that returns a string.
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`), or the call fails at run time with
    /// `States.IntrinsicFailure`.
    /// ## Example
    /// `"x.$": "States.Xyz($.a)"`, `"sum.$": "States.MathAdd(1, '-1')"`.
    pub(crate) struct InvalidIntrinsicFunction = {
        code: NX253,
        name: "invalid-intrinsic-function",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "An intrinsic function call does not parse, names no function, or has wrong arguments.",
    }
}

/// The intrinsic functions whose result can be a Fail state's `Error` or `Cause` (AWS Toolkit
/// language service, `INTRINSIC_FUNC_REGEX_STRING_RETURN`; AWS Fail state: "ErrorPath ... a
/// reference path or an intrinsic function that returns a string").
const STRING_RESULTS: &[&str] = &[
    "States.Format",
    "States.JsonToString",
    "States.ArrayGetItem",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.UUID",
];

impl Rule for InvalidIntrinsicFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for site in &ctx.expr().sites {
            if !matches!(site.parsed, Parsed::Call(_)) {
                continue;
            }
            let field = field_name(ctx, site);
            match &site.parsed {
                Parsed::Call(Err(e)) => sink.push(report(
                    ctx,
                    &META,
                    &site.pointer,
                    site.text,
                    Some(e.offset),
                    format!("invalid intrinsic function in `{field}`: {}", e.message),
                )),
                Parsed::Call(Ok(call)) => {
                    if let SiteKind::Field(spec) = site.kind
                        && spec.intrinsic
                        && !STRING_RESULTS.contains(&call.name.as_str())
                        && intrinsic::FUNCTION_NAMES.contains(&call.name.as_str())
                    {
                        sink.push(
                            report(
                                ctx,
                                &META,
                                &site.pointer,
                                site.text,
                                Some(call.offset),
                                format!(
                                    "`{field}` needs a string, and {} does not return one",
                                    call.name
                                ),
                            )
                            .help(format!(
                                "use one of {}, or wrap the value in States.Format('{{}}', ...)",
                                STRING_RESULTS.join(", ")
                            )),
                        );
                    }
                    for e in intrinsic::check(call) {
                        let mut d = report(
                            ctx,
                            &META,
                            &site.pointer,
                            site.text,
                            Some(e.offset),
                            format!("{} (in `{field}`)", e.message),
                        );
                        if e.message.starts_with("unknown intrinsic function") {
                            d = d.note(format!(
                                "the intrinsic functions are {}",
                                intrinsic::FUNCTION_NAMES.join(", ")
                            ));
                        }
                        sink.push(d);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX253);
}
