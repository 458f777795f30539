//! Serverless Framework (`serverless-step-functions` plugin): `stepFunctions.stateMachines.
//! <name>.definition`, an object in `serverless.yml`, or a JSON string.
//!
//! The framework's own variables (`${self:...}`, `${opt:stage}`, `${file(...)}`) are resolved
//! by the framework at deploy time; nexus checks the definition as written and leaves them be.

use serde_json::Value;

use super::embed::{self, OffsetMap};
use super::{Extracted, FileCtx, data_document, embedded_asl_view};
use crate::document::{DocKind, Document, PointerMap};
use crate::pointer;

pub(super) fn extract(ctx: &FileCtx<'_>, value: &Value, out: &mut Extracted) {
    let Some(machines) = value
        .pointer("/stepFunctions/stateMachines")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, machine) in machines {
        let first_doc = out.documents.len();
        let base = pointer::from_tokens([
            "stepFunctions",
            "stateMachines",
            name.as_str(),
            "definition",
        ]);
        match machine.get("definition") {
            Some(def @ Value::Object(_)) => {
                out.documents.push(data_document(ctx, &base, def, name))
            }
            Some(Value::String(s)) if s.trim_start().starts_with('{') => {
                let mut map = OffsetMap::default();
                map.push_string(
                    &ctx.text,
                    ctx.locations.value_span(&base).unwrap_or_default(),
                    s,
                    ctx.format,
                );
                match embed::parse(s, &map, &base, &ctx.locations) {
                    Ok(e) => {
                        let asl = embedded_asl_view(&e);
                        out.diagnostics.extend(e.issues);
                        out.documents.push(Document {
                            path: ctx.path.to_string(),
                            source: ctx.text.clone(),
                            format: ctx.format,
                            kind: DocKind::Asl,
                            index: ctx.index,
                            label: Some(name.clone()),
                            base,
                            asl: asl.into(),
                            raw: e.value.into(),
                            locations: e.locations,
                            origin: PointerMap::identity(),
                            machine_type: None,
                            deployment: None,
                        });
                    }
                    Err(d) => out.diagnostics.push(d),
                }
            }
            // `${file(...)}` and other framework variables: resolved at deploy time.
            _ => {}
        }
        // The plugin's `type: EXPRESS` (default STANDARD).
        let declared = machine
            .get("type")
            .and_then(Value::as_str)
            .and_then(crate::MachineType::parse);
        let deployment = std::sync::Arc::new(crate::deployment::from_serverless(
            machine,
            &pointer::from_tokens(["stepFunctions", "stateMachines", name.as_str()]),
            value
                .pointer("/resources/Resources")
                .unwrap_or(&Value::Null),
        ));
        for d in &mut out.documents[first_doc..] {
            d.machine_type = declared;
            d.deployment = Some(deployment.clone());
        }
    }
}
