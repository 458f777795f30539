//! NX214 invalid-distributed-map.
use nexus_schema::arn::{IntegrationPattern, TaskResource};
use nexus_schema::ir::StateKind;
use nexus_schema::pointer::push;
use serde_json::Value;

use super::distributed_field_in_inline_map::mode;
use crate::view::{self, StateView};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks Map states: `ProcessorConfig` with `"Mode": "DISTRIBUTED"` needs `ExecutionType`
    /// (`STANDARD` or `EXPRESS`); `ItemReader.Resource` is `arn:<partition>:states:::s3:getObject`
    /// or `...:s3:listObjectsV2`, and `s3:getObject` needs `ReaderConfig.InputType`;
    /// `ResultWriter.Resource` is `...:s3:putObject`; `CSVHeaderLocation: GIVEN` needs
    /// `CSVHeaders`, which `FIRST_ROW` does not take; `MaxItems` is at most 100,000,000; `Label`
    /// has no whitespace or special characters; an `ItemBatcher` holds at least one of
    /// `MaxItemsPerBatch`, `MaxItemsPerBatchPath`, `MaxInputBytesPerBatch`,
    /// `MaxInputBytesPerBatchPath`. (Value types, `MaxInputBytesPerBatch` and
    /// `ToleratedFailurePercentage` ranges are NX201's.)
    /// ## Why is this bad?
    /// AWS ("Distributed Map state", "ItemReader", "ResultWriter", "ItemBatcher",
    /// "ProcessorConfig") documents
    /// these requirements; the definition is rejected (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"ProcessorConfig": {"Mode": "DISTRIBUTED"}` without `ExecutionType`.
    pub(crate) struct InvalidDistributedMap = {
        code: NX214,
        name: "invalid-distributed-map",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A Distributed Map configuration AWS rejects.",
    }
}

/// The limits of an `ItemBatcher`, of which AWS requires at least one.
const BATCH_LIMITS: [&str; 4] = [
    "MaxItemsPerBatch",
    "MaxItemsPerBatchPath",
    "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath",
];

/// AWS quotas: an ItemReader reads at most 100,000,000 items.
const MAX_ITEMS: i128 = 100_000_000;

fn s3_action(v: &Value) -> Result<Option<&str>, ()> {
    let Some(s) = v.as_str() else { return Err(()) };
    // `#{...}` (Serverless) placeholders may hide any part of the ARN.
    if (view::has_placeholder(s) && !s.starts_with("arn:")) || s.contains("#{") {
        return Ok(None);
    }
    match TaskResource::parse(s) {
        TaskResource::Integration(i)
            if i.service == "s3" && i.pattern == IntegrationPattern::RequestResponse =>
        {
            Ok(Some(i.action))
        }
        TaskResource::Placeholder(_) => Ok(None),
        _ => Err(()),
    }
}

fn check_reader(ctx: &Context<'_>, sink: &mut Sink, s: &StateView<'_>, reader: &Value) {
    let p = s.at("ItemReader");
    let f = |x: &str| ctx.field(x);
    let action = reader.get("Resource").map(s3_action);
    if let Some(Err(())) = action {
        sink.push(
            META.at(push(&p, "Resource"), format!("`{}.{}` must be an S3 read action", f("ItemReader"), f("Resource")))
                .help("use `arn:aws:states:::s3:getObject` (a file) or `arn:aws:states:::s3:listObjectsV2` (an object listing)"),
        );
    }
    if let Some(Ok(Some(a))) = action
        && a != "getObject"
        && a != "listObjectsV2"
    {
        sink.push(
            META.at(
                push(&p, "Resource"),
                format!(
                    "`s3:{a}` cannot read items; an `{}` uses `s3:getObject` or `s3:listObjectsV2`",
                    f("ItemReader")
                ),
            )
            .help("use `arn:aws:states:::s3:getObject` or `arn:aws:states:::s3:listObjectsV2`"),
        );
    }
    let rc = reader.get("ReaderConfig");
    let rcp = push(&p, "ReaderConfig");
    if let Some(Ok(Some("getObject"))) = action
        && rc.and_then(|c| c.get("InputType")).is_none()
    {
        sink.push(
            META.at(
                if rc.is_some() { rcp.clone() } else { p.clone() },
                format!(
                    "an `{}` with `s3:getObject` needs `{}.{}`",
                    f("ItemReader"),
                    f("ReaderConfig"),
                    f("InputType")
                ),
            )
            .on_key()
            .help("say how to read the file: CSV, JSON, JSONL, PARQUET or MANIFEST"),
        );
    }
    let Some(rc) = rc.and_then(Value::as_object) else {
        return;
    };
    let location = rc.get("CSVHeaderLocation").and_then(Value::as_str);
    if location == Some("GIVEN") && !rc.contains_key("CSVHeaders") {
        sink.push(
            META.at(
                push(&rcp, "CSVHeaderLocation"),
                format!(
                    "`{}: GIVEN` needs `{}`",
                    f("CSVHeaderLocation"),
                    f("CSVHeaders")
                ),
            )
            .help(format!(
                "list the column names in `{}`, or read them from the file with `FIRST_ROW`",
                f("CSVHeaders")
            )),
        );
    }
    if location != Some("GIVEN") && rc.contains_key("CSVHeaders") {
        sink.push(
            META.at(
                push(&rcp, "CSVHeaders"),
                format!(
                    "`{}` is only used with `{}: GIVEN`",
                    f("CSVHeaders"),
                    f("CSVHeaderLocation")
                ),
            )
            .on_key()
            .help(format!(
                "set `{}: GIVEN`, or remove `{}`",
                f("CSVHeaderLocation"),
                f("CSVHeaders")
            )),
        );
    }
    if let Some(n) = rc.get("MaxItems").and_then(view::as_integer)
        && n > MAX_ITEMS
    {
        sink.push(META.at(
            push(&rcp, "MaxItems"),
            format!("`{}` must be at most 100000000, found {n}", f("MaxItems")),
        ));
    }
}

impl Rule for InvalidDistributedMap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        let f = |x: &str| ctx.field(x);
        for s in ctx.states() {
            if s.kind != StateKind::Map {
                continue;
            }
            let (proc_key, proc) = match s.processor() {
                Some((kind, p)) => (kind.field_path(), Some(p)),
                None => ("ItemProcessor".to_string(), None),
            };
            let config = proc
                .and_then(|p| p.get("ProcessorConfig"))
                .and_then(Value::as_object);
            if let Some(c) = config
                && mode(s) == Some("DISTRIBUTED")
                && !c.contains_key("ExecutionType")
            {
                sink.push(
                        META.at(push(&s.at(&proc_key), "ProcessorConfig"), format!("a Distributed Map needs `{}`", f("ExecutionType")))
                            .on_key()
                            .help(format!("set `{}` to STANDARD or EXPRESS: the type of the child workflow executions", f("ExecutionType"))),
                    );
            }
            if let Some(r) = s.get("ItemReader").filter(|r| r.is_object()) {
                check_reader(ctx, sink, s, r);
            }
            if let Some(res) = s.get("ResultWriter").and_then(|w| w.get("Resource")) {
                let ok = matches!(s3_action(res), Ok(None) | Ok(Some("putObject")));
                if !ok {
                    sink.push(
                        META.at(
                            push(&s.at("ResultWriter"), "Resource"),
                            format!(
                                "`{}.{}` must be `arn:aws:states:::s3:putObject`",
                                f("ResultWriter"),
                                f("Resource")
                            ),
                        )
                        .help("a ResultWriter exports the results to S3 with `s3:putObject`"),
                    );
                }
            }
            // AWS, "ItemBatcher (Map)": "you must specify at least one of" the item and byte
            // limits; an empty batcher is rejected.
            if let Some(b) = s.get("ItemBatcher").and_then(Value::as_object)
                && !BATCH_LIMITS.iter().any(|k| b.contains_key(*k))
            {
                sink.push(
                    META.at(
                        s.at("ItemBatcher"),
                        format!("an `{}` needs at least one batch limit", f("ItemBatcher")),
                    )
                    .on_key()
                    .help(format!(
                        "set `{}` or `{}` (or, in a JSONPath state, their `...Path` forms)",
                        f("MaxItemsPerBatch"),
                        f("MaxInputBytesPerBatch")
                    )),
                );
            }
            if let Some(label) = s.get("Label").and_then(Value::as_str) {
                let bad = label.chars().find(|c| {
                    c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(*c)
                });
                if let (Some(c), false) = (bad, view::has_placeholder(label)) {
                    sink.push(
                        META.at(s.at("Label"), format!("`{}` may not contain {c:?}", f("Label")))
                            .help("a Label is up to 40 letters, digits, `-` and `_`: it names the Map Run and its child executions"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX214);
}
