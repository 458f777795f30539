//! NX215 heartbeat-not-below-timeout.
use nexus_schema::ir::StateKind;

use crate::view::as_integer;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds Task states with literal `HeartbeatSeconds` and `TimeoutSeconds` where the heartbeat
    /// interval is not smaller than the timeout.
    /// ## Why is this bad?
    /// ASL ("Task State"): if provided, `HeartbeatSeconds` must be smaller than `TimeoutSeconds`.
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"TimeoutSeconds": 60, "HeartbeatSeconds": 60`.
    pub(crate) struct HeartbeatNotBelowTimeout = {
        code: NX215,
        name: "heartbeat-not-below-timeout",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "`HeartbeatSeconds` is not smaller than `TimeoutSeconds`.",
    }
}

impl Rule for HeartbeatNotBelowTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind != StateKind::Task {
                continue;
            }
            let (Some(h), Some(t)) = (
                s.get("HeartbeatSeconds").and_then(as_integer),
                s.get("TimeoutSeconds").and_then(as_integer),
            ) else {
                continue;
            };
            // Values below 1 are NX201's.
            if h >= t && h >= 1 && t >= 1 {
                sink.push(
                    META.at(
                        s.at("HeartbeatSeconds"),
                        format!("`{}` ({h}) must be smaller than `{}` ({t})", ctx.field("HeartbeatSeconds"), ctx.field("TimeoutSeconds")),
                    )
                    .note_at(format!("`{}` is here", ctx.field("TimeoutSeconds")), s.at("TimeoutSeconds"))
                    .help("a heartbeat proves the task is alive before it times out: make it shorter than the timeout"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX215);
}
