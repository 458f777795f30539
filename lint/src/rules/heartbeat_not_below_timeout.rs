//! NX215 heartbeat-not-below-timeout.
use nexus_schema::Severity;
use nexus_schema::ir::StateKind;

use crate::view::as_integer;
use crate::{Context, Rule, RuleMeta, Sink};

/// ## What it does
/// Finds Task states whose `HeartbeatSeconds` is not smaller than their `TimeoutSeconds`.
/// ## Why is this bad?
/// The heartbeat could never fire before the timeout; AWS rejects the definition.
/// ## Example
/// See `fixtures/invalid/NX215-heartbeat-not-below-timeout/`.
pub(crate) struct HeartbeatNotBelowTimeout;

static META: RuleMeta = RuleMeta {
    code: nexus_schema::Code("NX215"),
    name: "heartbeat-not-below-timeout",
    severity: Severity::Error,
    summary: "`HeartbeatSeconds` is not smaller than `TimeoutSeconds`.",
    docs: "## What it does\nFinds Task states with literal `HeartbeatSeconds` and `TimeoutSeconds` where the heartbeat interval is not smaller than the timeout.\n## Why is this bad?\nASL (\"Task State\"): if provided, `HeartbeatSeconds` must be smaller than `TimeoutSeconds`. AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).\n## Example\n`\"TimeoutSeconds\": 60, \"HeartbeatSeconds\": 60`.",
    aws_code: Some("SCHEMA_VALIDATION_FAILED"),
};

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
