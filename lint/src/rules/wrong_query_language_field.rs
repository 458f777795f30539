//! NX208 wrong-query-language-field.
use nexus_schema::ir::StateKind;
use nexus_schema::pointer::{push, push_index};
use serde_json::Value;

use crate::view::{self, Ql, StateView};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks every state against its query language (its `QueryLanguage`, else the machine's). In
    /// JSONata states: no `InputPath`, `Parameters`, `ResultSelector`, `ResultPath`, `OutputPath`,
    /// `Result`, no `...Path` field (`TimeoutSecondsPath`, `ItemsPath`, `ErrorPath`,
    /// `ItemReader.ReaderConfig.MaxItemsPath`, ...) and no `Variable`/comparison
    /// operators/`And`/`Or`/`Not` in choice rules. In JSONPath states: no `Arguments`, `Output`,
    /// `Items`, `Condition`, and no `{% ... %}` value in a field that is a number or keyword in
    /// JSONPath (`Seconds`, `TimeoutSeconds`, `MaxConcurrency`, ...).
    /// ## Why is this bad?
    /// AWS ("Transforming data with JSONata"): a JSONata state has `Arguments` and `Output` instead
    /// of the five JSONPath fields, and no `Path` fields; the JSONata fields do not exist in
    /// JSONPath. AWS rejects the definition (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"QueryLanguage": "JSONata"` with `"ResultPath": "$.result"`.
    pub(crate) struct WrongQueryLanguageField = {
        code: NX208,
        name: "wrong-query-language-field",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A field or value of the other query language (JSONPath vs JSONata).",
    }
}

/// JSONPath-only fields of a state, with what a JSONata state uses instead.
const JSONPATH_ONLY: &[(&str, &str)] = &[
    (
        "InputPath",
        "`{% $states.input... %}` in `Arguments` or `Output`",
    ),
    ("Parameters", "`Arguments`"),
    (
        "ResultSelector",
        "`Output` (the result is `$states.result`)",
    ),
    (
        "ResultPath",
        "`Output`, or `Assign` to keep the result in a variable",
    ),
    ("OutputPath", "`Output`"),
    ("Result", "`Output`"),
    (
        "TimeoutSecondsPath",
        "`TimeoutSeconds` with a `{% ... %}` expression",
    ),
    (
        "HeartbeatSecondsPath",
        "`HeartbeatSeconds` with a `{% ... %}` expression",
    ),
    ("SecondsPath", "`Seconds` with a `{% ... %}` expression"),
    ("TimestampPath", "`Timestamp` with a `{% ... %}` expression"),
    ("ErrorPath", "`Error` with a `{% ... %}` expression"),
    ("CausePath", "`Cause` with a `{% ... %}` expression"),
    ("ItemsPath", "`Items`"),
    (
        "MaxConcurrencyPath",
        "`MaxConcurrency` with a `{% ... %}` expression",
    ),
    (
        "ToleratedFailurePercentagePath",
        "`ToleratedFailurePercentage` with a `{% ... %}` expression",
    ),
    (
        "ToleratedFailureCountPath",
        "`ToleratedFailureCount` with a `{% ... %}` expression",
    ),
];
/// JSONata-only fields of a state, with the JSONPath counterpart.
const JSONATA_ONLY: &[(&str, &str)] = &[
    ("Arguments", "`Parameters`"),
    ("Output", "`ResultSelector`/`OutputPath`"),
    ("Items", "`ItemsPath`"),
];
/// Fields that are a number, keyword or object in JSONPath and may be `{% %}` only in JSONata.
const TYPED: &[&str] = &[
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Seconds",
    "Timestamp",
    "MaxConcurrency",
    "ToleratedFailurePercentage",
    "ToleratedFailureCount",
    "ItemSelector",
];
const READER_TYPED: &[&str] = &["MaxItems", "CSVHeaders"];
const BATCHER_TYPED: &[&str] = &["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"];

struct Check<'c, 'a> {
    ctx: &'c Context<'a>,
    s: &'c StateView<'a>,
}

impl Check<'_, '_> {
    fn wrong_field(&self, sink: &mut Sink, ptr: String, field: &str, instead: &str) {
        let (lang, other) = match self.s.ql {
            Ql::Jsonata => ("JSONPath", "JSONata"),
            Ql::JsonPath => ("JSONata", "JSONPath"),
        };
        let ql = self.ctx.field("QueryLanguage");
        let own = self.s.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
        let switch = match self.s.ql {
            // A JSONata machine cannot have JSONPath states (NX209): no switching back.
            Ql::Jsonata if own && view::machine_ql(&self.ctx.doc.asl) == Ql::JsonPath => {
                format!("; or remove `{ql}: JSONata` from the state")
            }
            Ql::Jsonata => String::new(),
            Ql::JsonPath => format!("; or set `{ql}: JSONata` on the state"),
        };
        sink.push(
            META.at(
                ptr,
                format!(
                    "`{}` is a {lang} field, but {} uses {other}",
                    self.ctx.field(field),
                    self.s.label()
                ),
            )
            .on_key()
            .help(
                self.ctx
                    .spell_code(&format!("{other} states use {instead}{switch}")),
            ),
        );
    }

    /// `ptr` is only spelt out when there is something to report.
    fn jsonata_value(&self, sink: &mut Sink, v: &Value, ptr: &dyn Fn() -> String, field: &str) {
        if view::is_jsonata(v) {
            sink.push(
                META.at(
                    ptr(),
                    format!(
                        "`{}` is a JSONata expression, but {} uses JSONPath",
                        self.ctx.field(field),
                        self.s.label()
                    ),
                )
                .help(
                    if matches!(field, "ItemSelector" | "BatchInput" | "CSVHeaders") {
                        format!(
                            "write the value as JSON, or set `{}: JSONata` on the state",
                            self.ctx.field("QueryLanguage")
                        )
                    } else {
                        format!(
                            "read the value with `{}`, or set `{}: JSONata` on the state",
                            self.ctx.field(&format!("{field}Path")),
                            self.ctx.field("QueryLanguage")
                        )
                    },
                ),
            );
        }
    }

    /// One Choice rule; `ptr` builds its pointer when a finding needs it.
    fn choice_rule(&self, sink: &mut Sink, rule: &Value, ptr: &dyn Fn() -> String, top: bool) {
        let Some(obj) = rule.as_object() else { return };
        for (k, v) in obj {
            let p = || push(&ptr(), k);
            match self.s.ql {
                Ql::Jsonata => {
                    let jsonpath_key = k == "Variable"
                        || matches!(k.as_str(), "And" | "Or" | "Not")
                        || nexus_schema::comparison::ComparisonOperator::parse(k).is_some();
                    if jsonpath_key {
                        self.wrong_field(sink, p(), k, "`Condition` with a `{% ... %}` expression");
                    }
                }
                Ql::JsonPath if k == "Condition" => {
                    self.wrong_field(sink, p(), k, "`Variable` with a comparison operator")
                }
                Ql::JsonPath if k == "Output" && top => {
                    self.wrong_field(sink, p(), k, "the Choice state's `OutputPath`")
                }
                Ql::JsonPath => match k.as_str() {
                    "And" | "Or" => {
                        let p = p();
                        for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                            self.choice_rule(sink, r, &|| push_index(&p, i), false);
                        }
                    }
                    "Not" => {
                        let p = p();
                        self.choice_rule(sink, v, &|| p.clone(), false)
                    }
                    _ => {}
                },
            }
        }
    }
}

/// The members of a state this rule looks into, found in the same pass as the fields.
#[derive(Default)]
struct Parts<'v> {
    catch: Option<&'v Value>,
    choices: Option<&'v Value>,
    item_reader: Option<&'v Value>,
    result_writer: Option<&'v Value>,
    item_batcher: Option<&'v Value>,
}

impl Rule for WrongQueryLanguageField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            let Some(obj) = s.obj else { continue };
            if matches!(s.kind, StateKind::Unknown(_)) {
                continue;
            }
            let c = Check { ctx, s };
            // One pass over the state's members: fields of the wrong language, `{% %}`
            // values of typed fields, and the parts looked into below.
            let mut parts = Parts::default();
            for (k, v) in obj {
                let slot = match k.as_str() {
                    "Catch" => Some(&mut parts.catch),
                    "Choices" => Some(&mut parts.choices),
                    "ItemReader" => Some(&mut parts.item_reader),
                    "ResultWriter" => Some(&mut parts.result_writer),
                    "ItemBatcher" => Some(&mut parts.item_batcher),
                    _ => None,
                };
                if let Some(slot) = slot {
                    *slot = Some(v);
                }
                let wrong = match s.ql {
                    Ql::Jsonata => JSONPATH_ONLY,
                    Ql::JsonPath => JSONATA_ONLY,
                };
                // `Result` is a Pass field only; elsewhere it is NX200's unknown field.
                if let Some((f, instead)) = wrong.iter().find(|(f, _)| *f == k)
                    && (*f != "Result" || s.kind == StateKind::Pass)
                {
                    c.wrong_field(sink, s.at(f), f, instead);
                }
                if s.ql == Ql::JsonPath
                    && let Some(f) = TYPED.iter().find(|f| **f == k)
                {
                    c.jsonata_value(sink, v, &|| s.at(f), f);
                }
            }
            for (i, catcher) in parts
                .catch
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let p = || push_index(&s.at("Catch"), i);
                match s.ql {
                    Ql::Jsonata if catcher.get("ResultPath").is_some() => {
                        c.wrong_field(
                            sink,
                            push(&p(), "ResultPath"),
                            "ResultPath",
                            "`Output` (the error is `$states.errorOutput`)",
                        );
                    }
                    Ql::JsonPath if catcher.get("Output").is_some() => {
                        c.wrong_field(sink, push(&p(), "Output"), "Output", "`ResultPath`");
                    }
                    _ => {}
                }
            }
            for (i, r) in parts
                .choices
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                c.choice_rule(sink, r, &|| push_index(&s.at("Choices"), i), true);
            }
            map_parts(&c, &parts, sink);
        }
    }
}

/// `ItemReader`, `ItemBatcher` and `ResultWriter` of a Map state.
fn map_parts(c: &Check<'_, '_>, parts: &Parts<'_>, sink: &mut Sink) {
    let s = c.s;
    for (part, name) in [
        (parts.item_reader, "ItemReader"),
        (parts.result_writer, "ResultWriter"),
    ] {
        let Some(o) = part.and_then(Value::as_object) else {
            continue;
        };
        match s.ql {
            Ql::Jsonata if o.contains_key("Parameters") => c.wrong_field(
                sink,
                push(&s.at(name), "Parameters"),
                "Parameters",
                "`Arguments`",
            ),
            Ql::JsonPath if o.contains_key("Arguments") => c.wrong_field(
                sink,
                push(&s.at(name), "Arguments"),
                "Arguments",
                "`Parameters`",
            ),
            _ => {}
        }
    }
    let reader_config = parts
        .item_reader
        .and_then(|r| r.get("ReaderConfig"))
        .and_then(Value::as_object);
    let reader_ptr = || format!("{}/ReaderConfig", s.at("ItemReader"));
    let batcher_ptr = || s.at("ItemBatcher");
    let groups: [(_, &dyn Fn() -> String, _); 2] = [
        (reader_config, &reader_ptr, READER_TYPED),
        (
            parts.item_batcher.and_then(Value::as_object),
            &batcher_ptr,
            BATCHER_TYPED,
        ),
    ];
    for (obj, p, typed) in groups {
        let Some(o) = obj else { continue };
        for (k, v) in o {
            match s.ql {
                Ql::Jsonata if k.ends_with("Path") => {
                    let instead = format!(
                        "`{}` with a `{{% ... %}}` expression",
                        k.trim_end_matches("Path")
                    );
                    c.wrong_field(sink, push(&p(), k), k, &instead);
                }
                Ql::JsonPath if typed.contains(&k.as_str()) => {
                    c.jsonata_value(sink, v, &|| push(&p(), k), k)
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    crate::testing::fixture_snapshots!(NX208);
}
