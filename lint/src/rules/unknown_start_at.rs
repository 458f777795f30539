//! NX101 unknown-start-at.

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks that `StartAt` (of the machine, each Parallel branch and each Map processor) names a
    /// state of that same scope.
    /// ## Why is this bad?
    /// The execution would have nowhere to begin; AWS rejects the definition
    /// (`MISSING_TRANSITION_TARGET`).
    /// ## Example
    /// `"StartAt": "Validate"` where the state is called `ValidateUser`.
    pub(crate) struct UnknownStartAt = {
        code: NX101,
        name: "unknown-start-at",
        severity: Error,
        aws_code: "MISSING_TRANSITION_TARGET",
        summary: "`StartAt` names no state of its scope.",
    }
}

impl Rule for UnknownStartAt {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for scope in &ctx.ir.scopes {
            let Some(start) = &scope.start_at else {
                continue;
            };
            if scope.names.is_empty() || scope.start().is_some() {
                continue;
            }
            let mut d = META.at(
                format!("{}/StartAt", scope.pointer),
                format!(
                    "`{}` names `{start}`, which is not a state here",
                    ctx.field("StartAt")
                ),
            );
            let names = scope.order.iter().map(|n| scope.graph[*n].name.as_str());
            d = match super::closest_name(start, names) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "name one of the states listed in `{}`",
                    ctx.field("States")
                )),
            };
            sink.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX101);
}
