//! NX220 not-supported-in-express.
use nexus_schema::arn::{IntegrationPattern, TaskResource};
use nexus_schema::ir::{ScopeKind, StateKind};
use serde_json::Value;

use crate::{Context, MachineType, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// When the machine is an Express workflow (declared so by its template: SAM `Type: EXPRESS`,
    /// CloudFormation `StateMachineType: EXPRESS`, Serverless `type: EXPRESS`; for a plain file
    /// `nexus lint --type express`, or `type = "express"` in nexus.toml), and inside the item processor of a Distributed Map whose `ExecutionType` is
    /// `EXPRESS`, finds Task states using the Run a Job (`.sync`, `.sync:2`) or Wait for Callback
    /// (`.waitForTaskToken`) patterns, and activities.
    /// ## Why is this bad?
    /// AWS ("Integrating optimized services with Step Functions"): Express Workflows only support
    /// request-response integrations; activities are not supported either ("Choosing workflow
    /// type"). The definition is rejected.
    /// ## Example
    /// `"Resource": "arn:aws:states:::states:startExecution.sync:2"` in an Express machine.
    pub(crate) struct NotSupportedInExpress = {
        code: NX220,
        name: "not-supported-in-express",
        severity: Error,
        aws_code: "INVALID_RESOURCE",
        summary: "A `.sync`, `.waitForTaskToken` or activity Task in an Express workflow.",
    }
}

impl Rule for NotSupportedInExpress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let machine_express = ctx.machine_type() == MachineType::Express;
        // Item processors whose child executions are Express workflows.
        let mut express_scopes: Vec<String> = Vec::new();
        for s in ctx.states() {
            if s.kind != StateKind::Map {
                continue;
            }
            // Both `ItemProcessor` and `Iterator` when both are written (NX mutually-exclusive
            // reports that): the IR walks both.
            let nested = s.obj.into_iter().flat_map(nexus_schema::ir::nested_scopes);
            for (kind, p) in nested.filter(|(k, _)| !matches!(k, ScopeKind::Branch(_))) {
                let Some(c) = p.get("ProcessorConfig") else {
                    continue;
                };
                if c.get("Mode").and_then(Value::as_str) == Some("DISTRIBUTED")
                    && c.get("ExecutionType").and_then(Value::as_str) == Some("EXPRESS")
                {
                    express_scopes.push(format!("{}/{}/", s.pointer, kind.field_path()));
                }
            }
        }
        for s in ctx.states() {
            if s.kind != StateKind::Task {
                continue;
            }
            let child = express_scopes
                .iter()
                .any(|p| s.pointer.starts_with(p.as_str()));
            if !machine_express && !child {
                continue;
            }
            let Some(r) = s.get("Resource").and_then(Value::as_str) else {
                continue;
            };
            let r = crate::view::normalized_resource(r);
            let what = match TaskResource::parse(&r) {
                TaskResource::Activity { .. } => "activities".to_string(),
                TaskResource::Integration(i)
                    if i.pattern != IntegrationPattern::RequestResponse =>
                {
                    format!("the `{}` integration pattern", i.pattern.suffix())
                }
                _ => continue,
            };
            let whose = if child && !machine_express {
                "the child executions of this Distributed Map are Express workflows"
            } else {
                "this is an Express workflow"
            };
            sink.push(
                META.at(s.at("Resource"), format!("Express workflows do not support {what}; {whose}"))
                    .help("use a request-response integration (no suffix), or run this part as a Standard workflow"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX220);
}
