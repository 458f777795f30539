//! NX216 invalid-credentials.
use nexus_schema::ir::StateKind;
use nexus_schema::pointer::push;
use serde_json::Value;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks a Task's `Credentials` object: it needs `RoleArn` (a literal, or a JSONata
    /// expression) or, in JSONPath states, `RoleArn.$` (a path), not both, and nothing else. (A
    /// `Credentials` that is not an object is NX201's.)
    /// ## Why is this bad?
    /// AWS ("Task workflow state", cross-account access): `Credentials` holds the role Step
    /// Functions assumes before calling the task. AWS rejects other shapes
    /// (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"Credentials": {"Role": "arn:aws:iam::111122223333:role/Ops"}`.
    pub(crate) struct InvalidCredentials = {
        code: NX216,
        name: "invalid-credentials",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "`Credentials` without a role, or with keys other than `RoleArn`.",
    }
}

impl Rule for InvalidCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind != StateKind::Task {
                continue;
            }
            let Some(c) = s.get("Credentials").and_then(Value::as_object) else {
                continue;
            };
            let p = s.at("Credentials");
            // `Credentials` is payload in NEXUS too: its keys keep their ASL spelling.
            let role = "RoleArn";
            let others: Vec<&String> = c
                .keys()
                .filter(|k| *k != "RoleArn" && *k != "RoleArn.$")
                .collect();
            match (c.contains_key("RoleArn"), c.contains_key("RoleArn.$")) {
                (false, false) => {
                    let mut d = META
                        .at(&p, format!("`{}` of {} has no `{role}`", ctx.field("Credentials"), s.label()))
                        .on_key()
                        .help(format!("add `\"{role}\": \"arn:aws:iam::<account>:role/<name>\"` (or `{role}.$` with a path)"));
                    if !others.is_empty() {
                        let list: Vec<String> = others.iter().map(|k| format!("`{k}`")).collect();
                        d = d.note(format!(
                            "it only has {}, which `{}` does not take",
                            list.join(", "),
                            ctx.field("Credentials")
                        ));
                    }
                    sink.push(d);
                    continue;
                }
                (true, true) => sink.push(
                    META.at(
                        push(&p, "RoleArn.$"),
                        format!("`{role}` and `{role}.$` cannot both be set"),
                    )
                    .on_key()
                    .help("give the role either literally or as a path, not both"),
                ),
                _ => {}
            }
            for k in others {
                sink.push(
                    META.at(
                        push(&p, k),
                        format!(
                            "`{}` takes only `{role}`, not `{k}`",
                            ctx.field("Credentials")
                        ),
                    )
                    .on_key()
                    .help(format!("remove `{k}`")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX216);
}
