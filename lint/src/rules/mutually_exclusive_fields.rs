//! NX205 mutually-exclusive-fields.
use nexus_schema::ir::StateKind;
use serde_json::{Map, Value};

use crate::view::Ql;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Finds pairs of fields of which ASL allows at most one:
    /// `TimeoutSeconds`/`TimeoutSecondsPath`, `HeartbeatSeconds`/`HeartbeatSecondsPath` (Task);
    /// `Error`/`ErrorPath`, `Cause`/`CausePath` (Fail); `MaxConcurrency`/`MaxConcurrencyPath`,
    /// `ToleratedFailurePercentage`/`...Path`, `ToleratedFailureCount`/`...Path`,
    /// `ItemProcessor`/`Iterator`, `ItemSelector`/`Parameters` (Map); `MaxItems`/`MaxItemsPath`
    /// (`ItemReader.ReaderConfig`); `MaxItemsPerBatch`/`...Path`, `MaxInputBytesPerBatch`/`...Path`
    /// (`ItemBatcher`). (Wait's four time fields are NX206's; in a JSONata state a `...Path` field
    /// is NX208's.)
    /// ## Why is this bad?
    /// AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`): a value is either fixed or read
    /// from the input, not both.
    /// ## Example
    /// `"TimeoutSeconds": 20, "TimeoutSecondsPath": "$.timeout"`.
    pub(crate) struct MutuallyExclusiveFields = {
        code: NX205,
        name: "mutually-exclusive-fields",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "Two fields of which ASL allows only one.",
    }
}

const TASK: &[(&str, &str)] = &[
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
];
const FAIL: &[(&str, &str)] = &[("Error", "ErrorPath"), ("Cause", "CausePath")];
const MAP: &[(&str, &str)] = &[
    ("MaxConcurrency", "MaxConcurrencyPath"),
    (
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
    ),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("ItemProcessor", "Iterator"),
    ("ItemSelector", "Parameters"),
];
const READER_CONFIG: &[(&str, &str)] = &[("MaxItems", "MaxItemsPath")];
const BATCHER: &[(&str, &str)] = &[
    ("MaxItemsPerBatch", "MaxItemsPerBatchPath"),
    ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"),
];

fn check_pairs(
    ctx: &Context<'_>,
    sink: &mut Sink,
    obj: &Map<String, Value>,
    ptr: &str,
    pairs: &[(&str, &str)],
    ql: Ql,
) {
    for (a, b) in pairs {
        if !(obj.contains_key(*a) && obj.contains_key(*b)) {
            continue;
        }
        // In JSONata the JSONPath member of the pair is already wrong on its own (NX208).
        if ql == Ql::Jsonata && (b.ends_with("Path") || *b == "Parameters") {
            continue;
        }
        let (fa, fb) = (ctx.field(a), ctx.field(b));
        let help = if *b == "Iterator" {
            format!("`{fb}` is the legacy name of `{fa}`: keep `{fa}`")
        } else if *b == "Parameters" {
            format!("`{fb}` is the legacy name of `{fa}` in a Map state: keep `{fa}`")
        } else {
            format!("give `{fa}` a fixed value, or read it from the input with `{fb}`, not both")
        };
        sink.push(
            META.at(
                nexus_schema::pointer::push(ptr, b),
                format!("`{fb}` and `{fa}` cannot both be set"),
            )
            .on_key()
            .note_at(
                format!("`{fa}` is here"),
                nexus_schema::pointer::push(ptr, a),
            )
            .help(help),
        );
    }
}

impl Rule for MutuallyExclusiveFields {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            let Some(obj) = s.obj else { continue };
            let pairs = match s.kind {
                StateKind::Task => TASK,
                StateKind::Fail => FAIL,
                StateKind::Map => MAP,
                _ => continue,
            };
            check_pairs(ctx, sink, obj, s.pointer, pairs, s.ql);
            if s.kind != StateKind::Map {
                continue;
            }
            let rc = s
                .get("ItemReader")
                .and_then(|r| r.get("ReaderConfig"))
                .and_then(Value::as_object);
            if let Some(rc) = rc {
                let p = format!("{}/ReaderConfig", s.at("ItemReader"));
                check_pairs(ctx, sink, rc, &p, READER_CONFIG, s.ql);
            }
            if let Some(b) = s.get("ItemBatcher").and_then(Value::as_object) {
                check_pairs(ctx, sink, b, &s.at("ItemBatcher"), BATCHER, s.ql);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX205);
}
