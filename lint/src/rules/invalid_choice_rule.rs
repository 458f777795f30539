//! NX211 invalid-choice-rule.
use nexus_schema::comparison::ComparisonOperator;
use nexus_schema::ir::StateKind;
use nexus_schema::pointer::{push, push_index};
use serde_json::{Map, Value};

use crate::view::Ql;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks every choice rule, nested ones included. JSONPath: exactly one of a comparison
    /// (`Variable` plus exactly one operator such as `NumericEquals` or `IsPresent`), `And`, `Or`
    /// or `Not`; an operator needs a `Variable`, a `Variable` needs an operator. JSONata: a
    /// top-level rule needs `Condition`. (Operand types are NX201's, timestamps NX207's, nested
    /// `Next` NX200's.)
    /// ## Why is this bad?
    /// ASL ("Choice Rules"): a rule is a single data-test expression or a single Boolean
    /// combination. AWS rejects anything else (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `{"Variable": "$.n", "NumericEquals": 1, "NumericLessThan": 5, "Next": "A"}`.
    pub(crate) struct InvalidChoiceRule = {
        code: NX211,
        name: "invalid-choice-rule",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A choice rule without exactly one test.",
    }
}

/// `ptr` builds the rule's pointer, only for a finding.
fn check_rule(
    ctx: &Context<'_>,
    sink: &mut Sink,
    obj: &Map<String, Value>,
    ptr: &dyn Fn() -> String,
) {
    // One pass over the rule's keys.
    let mut ops: Vec<&str> = Vec::new();
    let mut has = [false; 3];
    let (mut var, mut condition) = (false, false);
    for k in obj.keys() {
        match k.as_str() {
            "And" => has[0] = true,
            "Or" => has[1] = true,
            "Not" => has[2] = true,
            "Variable" => var = true,
            "Condition" => condition = true,
            op if ComparisonOperator::parse(op).is_some() => ops.push(op),
            _ => {}
        }
    }
    let bools: Vec<&str> = ["And", "Or", "Not"]
        .into_iter()
        .zip(has)
        .filter_map(|(k, present)| present.then_some(k))
        .collect();
    let f = |s: &str| format!("`{}`", ctx.field(s));
    let list = |v: &[&str]| v.iter().map(|s| f(s)).collect::<Vec<_>>().join(", ");
    let message = if !bools.is_empty() && (bools.len() > 1 || var || !ops.is_empty()) {
        let mut all: Vec<&str> = bools.clone();
        if var {
            all.push("Variable");
        }
        all.extend(&ops);
        let (first, rest) = all.split_at(1);
        Some((
            format!("a choice rule combines {} with {}", list(first), list(rest)),
            bools[0],
        ))
    } else if ops.len() > 1 {
        Some((
            format!(
                "a choice rule has several comparison operators: {}",
                list(&ops)
            ),
            ops[1],
        ))
    } else if let [op] = ops.as_slice() {
        (!var).then(|| {
            (
                format!("{} needs a `{}` to compare", f(op), ctx.field("Variable")),
                *op,
            )
        })
    } else if var && bools.is_empty() {
        Some((
            format!("`{}` has no comparison operator", ctx.field("Variable")),
            "Variable",
        ))
    } else if bools.is_empty() && !condition {
        Some(("a choice rule tests nothing".to_string(), ""))
    } else {
        None
    };
    if let Some((m, key)) = message {
        let at = if key.is_empty() {
            ptr()
        } else {
            push(&ptr(), key)
        };
        let mut d = META.at(at, m).help(format!(
            "a rule is `{}` with one operator (e.g. `{}`), or one of `{}`, `{}`, `{}` combining nested rules",
            ctx.field("Variable"),
            ctx.field("StringEquals"),
            ctx.field("And"),
            ctx.field("Or"),
            ctx.field("Not")
        ));
        if !key.is_empty() {
            d = d.on_key();
        }
        sink.push(d);
    }
    if bools.is_empty() {
        return;
    }
    for (k, v) in obj {
        match k.as_str() {
            "And" | "Or" => {
                let p = push(&ptr(), k);
                for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                    if let Some(o) = r.as_object() {
                        check_rule(ctx, sink, o, &|| push_index(&p, i));
                    }
                }
            }
            "Not" => {
                if let Some(o) = v.as_object() {
                    let p = push(&ptr(), k);
                    check_rule(ctx, sink, o, &|| p.clone());
                }
            }
            _ => {}
        }
    }
}

impl Rule for InvalidChoiceRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            if s.kind != StateKind::Choice {
                continue;
            }
            let choices = s.get("Choices").and_then(Value::as_array);
            for (i, r) in choices.into_iter().flatten().enumerate() {
                let Some(obj) = r.as_object() else { continue };
                let ptr = || push_index(&s.at("Choices"), i);
                match s.ql {
                    Ql::JsonPath if !obj.contains_key("Condition") => {
                        check_rule(ctx, sink, obj, &ptr)
                    }
                    Ql::JsonPath => {}
                    Ql::Jsonata => {
                        // JSONPath keys in a JSONata rule are NX208's; with none, `Condition` is due.
                        let jsonpath = obj.keys().any(|k| {
                            k == "Variable"
                                || matches!(k.as_str(), "And" | "Or" | "Not")
                                || ComparisonOperator::parse(k).is_some()
                        });
                        if !jsonpath && !obj.contains_key("Condition") {
                            sink.push(
                                META.at(
                                    ptr(),
                                    format!(
                                        "a choice rule of JSONata {} has no `{}`",
                                        s.label(),
                                        ctx.field("Condition")
                                    ),
                                )
                                .help(format!(
                                    "add `{}`: a `{{% ... %}}` expression that is true or false",
                                    ctx.field("Condition")
                                )),
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX211);
}
