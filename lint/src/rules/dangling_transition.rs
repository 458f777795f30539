//! NX103 dangling-transition.
use nexus_schema::ir::ScopeKind;

use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks that every `Next`, `Default`, `Choices[].Next` and `Catch[].Next` names a state of
    /// the same scope (transitions out of a Parallel branch or a Map processor are errors).
    /// ## Why is this bad?
    /// AWS rejects the definition (`MISSING_TRANSITION_TARGET`). The usual cause is a renamed or
    /// deleted state.
    /// ## Example
    /// `"Next": "LogTransaction"` with no state of that name.
    pub(crate) struct DanglingTransition = {
        code: NX103,
        name: "dangling-transition",
        severity: Error,
        aws_code: "MISSING_TRANSITION_TARGET",
        summary: "A transition names no state of its scope.",
    }
}

impl Rule for DanglingTransition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for scope in &ctx.ir.scopes {
            for dangling in &scope.dangling {
                let from = &scope.node(dangling.from).name;
                let mut d = META.at(
                    &dangling.pointer,
                    format!(
                        "`{}` of state `{from}` names `{}`, which is not a state here",
                        dangling.kind.field(),
                        dangling.target
                    ),
                );
                // Is it a state of another scope? Then the jump crosses a branch boundary.
                let elsewhere = ctx
                    .ir
                    .scopes
                    .iter()
                    .find(|s| s.id != scope.id && s.names.contains_key(&dangling.target));
                if let Some(other) = elsewhere {
                    let place = match (&scope.kind, &other.kind) {
                        (ScopeKind::Root, _) => {
                            "inside a Parallel branch or Map processor".to_string()
                        }
                        (ScopeKind::Branch(i), _) => format!("outside this Parallel branch ({i})"),
                        _ => "outside this Map processor".to_string(),
                    };
                    if let Some(&n) = other.names.get(&dangling.target) {
                        d = d.note_at(
                            format!("`{}` is defined {place}", dangling.target),
                            other.node(n).pointer.clone(),
                        );
                    }
                    d = d.help("transitions cannot cross a Parallel branch or Map processor; end the branch instead and continue after the Parallel/Map state");
                } else {
                    let names = scope.order.iter().map(|n| scope.graph[*n].name.as_str());
                    d = match super::closest_name(&dangling.target, names) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help(format!(
                            "add a state named `{}` or point at an existing one",
                            dangling.target
                        )),
                    };
                }
                sink.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX103);
}
