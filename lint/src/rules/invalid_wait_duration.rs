//! NX206 invalid-wait-duration.
use nexus_schema::ir::StateKind;

use crate::view::Ql;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks that each Wait state has exactly one of `Seconds`, `SecondsPath`, `Timestamp` and
    /// `TimestampPath` (in JSONata states: `Seconds` or `Timestamp`).
    /// ## Why is this bad?
    /// ASL: a Wait state waits for a duration or until a moment, given exactly one way. AWS rejects
    /// a Wait state with none or several (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `{"Type": "Wait", "Seconds": 10, "SecondsPath": "$.delay", "Next": "Go"}`.
    pub(crate) struct InvalidWaitDuration = {
        code: NX206,
        name: "invalid-wait-duration",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A Wait state without exactly one of `Seconds`, `SecondsPath`, `Timestamp`, `TimestampPath`.",
    }
}

const FIELDS: [&str; 4] = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"];

impl Rule for InvalidWaitDuration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind != StateKind::Wait || s.obj.is_none() {
                continue;
            }
            let present: Vec<&str> = FIELDS.iter().copied().filter(|f| s.has(f)).collect();
            // In JSONata the `...Path` fields are wrong on their own (NX208).
            let counted: Vec<&str> = present
                .iter()
                .copied()
                .filter(|f| s.ql == Ql::JsonPath || !f.ends_with("Path"))
                .collect();
            if present.is_empty() {
                let names: Vec<String> = FIELDS
                    .iter()
                    .map(|f| format!("`{}`", ctx.field(f)))
                    .collect();
                sink.push(
                    META.at(
                        s.pointer,
                        format!("{} says neither how long nor until when to wait", s.label()),
                    )
                    .on_key()
                    .help(format!("add one of {}", names.join(", "))),
                );
            } else if counted.len() > 1 {
                let first = counted[0];
                for extra in &counted[1..] {
                    sink.push(
                        META.at(
                            s.at(extra),
                            format!(
                                "{} has both `{}` and `{}`",
                                s.label(),
                                ctx.field(first),
                                ctx.field(extra)
                            ),
                        )
                        .on_key()
                        .note_at(format!("`{}` is here", ctx.field(first)), s.at(first))
                        .help("a Wait state takes exactly one time field; remove the others"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX206);
}
