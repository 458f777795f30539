//! The JSON Schema pass: the bundled ASL schema (nexus-schema `asl_json_schema`, draft
//! 2020-12) run with the `jsonschema` crate, its errors turned into nexus findings.
//!
//! The validator is compiled once per process. Its errors are never shown raw: each becomes a
//! finding of one of three kinds (reported by NX200 `unknown-field`, NX201
//! `invalid-field-value`, NX202 `missing-required-field`) with our own sentence and a pointer
//! at the exact key or value. An `anyOf` failure is reported through the alternative that
//! matches the value's JSON type ("must be at least 1"), or as the list of what would be
//! accepted ("must be an integer or a JSONata expression"), never as a dump.
//!
//! Division of labour, so that one problem gives one diagnostic:
//! - missing/empty `StartAt`/`States`, non-object states and branches: NX100;
//! - state names (length, emptiness) and transition targets: NX1xx;
//! - the syntax of paths (`InputPath`, `Variable`, `*Path`, `ErrorPath`...): the expression
//!   rules, so schema `pattern` errors on paths are dropped here;
//! - timestamps (`format`): NX207; cross-field rules (Next xor End, X vs XPath, query
//!   language): their own NX2xx rules, which the schema does not attempt.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use nexus_schema::pointer;

use crate::view::{self, Ql};

/// What a schema finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A key the object does not allow (`additionalProperties`).
    UnknownField,
    /// A value of the wrong type, outside its range, not one of its keywords.
    InvalidValue,
    /// A required field is absent.
    MissingField,
    /// A placeholder where ASL wants another type, in a definition linted without the
    /// template that deploys it (and fills the placeholder).
    TemplatePlaceholder,
}

/// What a placeholder string (`${Timeout}`) in a typed field stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placeholders<'a> {
    /// The document comes from an infrastructure template: any value, filled at deploy time.
    Filled,
    /// A definition file linted on its own, which the named template deploys.
    FilledBy(&'a str),
    /// Nothing fills it: it is the string it looks like.
    Literal,
}

/// One finding of the schema pass (pointer into the ASL view).
#[derive(Clone, Debug)]
pub(crate) struct Finding {
    pub kind: Kind,
    pub pointer: String,
    pub message: String,
    pub help: Option<String>,
    /// The finding is about the member's key, not its value.
    pub on_key: bool,
}

/// The validator of the bundled ASL schema, generated at build time by jsonschema's
/// `validator` macro: nothing to compile at run time (compiling the schema and its draft
/// 2020-12 meta-schema was most of a `nexus run` of a small machine). The schema file is
/// tracked, so editing it rebuilds this crate; `tests::generated_validator_agrees_with_the_runtime_one`
/// checks it against a validator compiled at run time.
#[jsonschema::validator(path = "../schema/schemas/asl.schema.json", draft = Draft202012)]
struct AslSchema;

/// What converting errors needs besides the validator: built only when a document has errors.
struct Compiled {
    schema: Value,
    /// Every field name the schema knows anywhere (to tell "misplaced" from "unknown").
    all_fields: HashSet<String>,
    /// Field name → the state types whose definition allows it.
    state_types_of: HashMap<String, Vec<&'static str>>,
}

const STATE_DEFS: [(&str, &str); 8] = [
    ("passState", "Pass"),
    ("taskState", "Task"),
    ("choiceState", "Choice"),
    ("waitState", "Wait"),
    ("succeedState", "Succeed"),
    ("failState", "Fail"),
    ("parallelState", "Parallel"),
    ("mapState", "Map"),
];

fn compiled() -> Option<&'static Compiled> {
    static COMPILED: OnceLock<Option<Compiled>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(nexus_schema::asl_json_schema()).ok()?;
            let mut all_fields = HashSet::new();
            collect_properties(&schema, &mut all_fields);
            let mut state_types_of: HashMap<String, Vec<&'static str>> = HashMap::new();
            for (def, ty) in STATE_DEFS {
                let props = schema
                    .pointer(&format!("/$defs/{def}/properties"))
                    .and_then(Value::as_object);
                for k in props.into_iter().flat_map(|p| p.keys()) {
                    state_types_of.entry(k.clone()).or_default().push(ty);
                }
            }
            Some(Compiled {
                schema,
                all_fields,
                state_types_of,
            })
        })
        .as_ref()
}

fn collect_properties(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                out.extend(props.keys().cloned());
            }
            for x in m.values() {
                collect_properties(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_properties(x, out)),
        _ => {}
    }
}

/// Run the schema over the ASL view. `placeholders`: what a placeholder string in a typed
/// field stands for. `spell` turns an ASL field name into the document's own spelling (NEXUS
/// snake_case).
pub(crate) fn run(
    asl: &Value,
    placeholders: Placeholders<'_>,
    spell: &dyn Fn(&str) -> String,
) -> Vec<Finding> {
    // Most documents are valid: the short-circuiting check is several times cheaper than
    // collecting errors.
    let mut out = Vec::new();
    if AslSchema::is_valid(asl) {
        return out;
    }
    let Some(c) = compiled() else {
        return out;
    };
    let conv = Conv {
        c,
        asl,
        placeholders,
        spell,
    };
    for e in AslSchema::iter_errors(asl) {
        conv.convert(&e, &mut out);
    }
    out
}

struct Conv<'a> {
    c: &'static Compiled,
    asl: &'a Value,
    placeholders: Placeholders<'a>,
    spell: &'a dyn Fn(&str) -> String,
}

/// Name of the `$defs` entry a schema location is in (`/$defs/seconds/anyOf/0` → `seconds`).
fn def_of(schema_path: &str) -> Option<&str> {
    schema_path
        .strip_prefix("/$defs/")
        .map(|r| r.split('/').next().unwrap_or(r))
}

/// Defs whose `pattern` checks path syntax (the expression rules' business).
const PATH_DEFS: [&str; 3] = ["referencePath", "resultPath", "pathOrIntrinsic"];

fn json_type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "an array",
        JsonType::Object => "an object",
    }
}

fn found(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) if s.chars().count() <= 40 => format!("string `{s:?}`"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl Conv<'_> {
    fn sp(&self, asl: &str) -> String {
        (self.spell)(asl)
    }

    /// The field a pointer names, for messages: `` `BackoffRate` ``, or `` entries of `ErrorEquals` ``.
    fn field(&self, ptr: &str) -> String {
        let toks = pointer::tokens(ptr);
        match toks.as_slice() {
            [] => "the definition".into(),
            [.., parent, last] if last.parse::<usize>().is_ok() => {
                format!("entries of `{}`", self.sp(parent))
            }
            [.., last] => format!("`{}`", self.sp(last)),
        }
    }

    /// What the object at `ptr` is: "Task state `Charge`", "a retrier", "the state machine".
    fn object(&self, ptr: &str) -> String {
        let toks = pointer::tokens(ptr);
        let n = toks.len();
        let last = toks.last().map(String::as_str);
        let parent = n
            .checked_sub(2)
            .and_then(|i| toks.get(i))
            .map(String::as_str);
        match (parent, last) {
            (_, None) => "the state machine".into(),
            (Some("States"), Some(name)) => {
                match self
                    .asl
                    .pointer(ptr)
                    .and_then(|s| s.get("Type"))
                    .and_then(Value::as_str)
                {
                    Some(t) => format!("{t} state `{name}`"),
                    None => format!("state `{name}`"),
                }
            }
            (Some(list @ ("Retry" | "Catch" | "Choices")), Some(i)) => {
                let state = pointer::parent(ptr)
                    .and_then(pointer::parent)
                    .unwrap_or_default();
                format!("`{}[{i}]` of {}", self.sp(list), self.object(state))
            }
            (Some("And" | "Or"), Some(_)) | (_, Some("Not")) => "a nested choice rule".into(),
            (Some("Branches"), Some(_)) => "a Parallel branch".into(),
            (_, Some(key)) => format!("`{}`", self.sp(key)),
        }
    }

    /// The query language of the state enclosing `ptr` (to leave JSONata out of what a
    /// JSONPath state could write, and the other way round).
    fn ql_at(&self, ptr: &str) -> Ql {
        let toks = pointer::tokens(ptr);
        let default = view::machine_ql(self.asl);
        // The innermost `States/<name>` on the way down.
        let mut best = None;
        for i in 0..toks.len().saturating_sub(1) {
            if toks.get(i).is_some_and(|t| t == "States") {
                best = Some(pointer::from_tokens(toks.iter().take(i + 2)));
            }
        }
        let state = best.and_then(|p| self.asl.pointer(&p));
        Ql::of_state(state.and_then(|s| s.get("QueryLanguage")), default)
    }

    /// Whether the value at `ptr` is a placeholder the finding is not about: accepted in a
    /// template's definition, reported as [`Kind::TemplatePlaceholder`] (once) in a
    /// definition file a template deploys.
    fn placeholder(&self, v: &Value, ptr: &str, out: &mut Vec<Finding>) -> bool {
        let Some(text) = v.as_str().filter(|s| view::is_placeholder(s)) else {
            return false;
        };
        match self.placeholders {
            Placeholders::Filled => true,
            Placeholders::Literal => false,
            Placeholders::FilledBy(template) => {
                let seen = out
                    .iter()
                    .any(|f| f.kind == Kind::TemplatePlaceholder && f.pointer == ptr);
                if !seen {
                    out.push(Finding {
                        kind: Kind::TemplatePlaceholder,
                        pointer: ptr.to_string(),
                        message: format!(
                            "{} is `{text}`, which `{template}` fills in at deploy time; linted on its own, its value is unknown",
                            self.field(ptr)
                        ),
                        help: Some(format!(
                            "lint `{template}` to check this definition with its `DefinitionSubstitutions`"
                        )),
                        on_key: false,
                    });
                }
                true
            }
        }
    }

    fn push(&self, out: &mut Vec<Finding>, kind: Kind, pointer: String, message: String) {
        out.push(Finding {
            kind,
            pointer,
            message,
            help: None,
            on_key: false,
        });
    }

    fn convert(&self, e: &ValidationError<'_>, out: &mut Vec<Finding>) {
        let ptr = e.instance_path().as_str();
        let inst: &Value = e.instance();
        let toks = pointer::tokens(ptr);
        let last = toks.last().map(String::as_str);
        let parent = toks
            .len()
            .checked_sub(2)
            .and_then(|i| toks.get(i))
            .map(String::as_str);
        // Nodes NX100 owns: the machine, a state, a branch or processor that is no object.
        let scope_node = toks.is_empty()
            || parent == Some("States")
            || parent == Some("Branches")
            || matches!(last, Some("ItemProcessor" | "Iterator" | "States"));
        let name_field = matches!(last, Some("Next" | "StartAt" | "Default"));
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let def_props = e
                    .schema_path()
                    .as_str()
                    .strip_suffix("/additionalProperties")
                    .and_then(|d| self.c.schema.pointer(&format!("{d}/properties")))
                    .and_then(Value::as_object);
                for key in unexpected {
                    out.push(self.unknown_field(ptr, key, def_props));
                }
            }
            ValidationErrorKind::Required { property } => {
                let Some(prop) = property.as_str() else {
                    return;
                };
                if matches!(prop, "StartAt" | "States") {
                    return;
                }
                let what = self.object(ptr);
                let p = self.sp(prop);
                let help = match prop {
                    "Type" => {
                        "add `Type`: Pass, Task, Choice, Wait, Succeed, Fail, Parallel or Map"
                            .to_string()
                    }
                    "Resource" => format!(
                        "add `{p}`: the ARN of a Lambda function, an activity or a service integration"
                    ),
                    "Next" => format!("add `{p}`: the state to go to"),
                    "ErrorEquals" => {
                        format!("add `{p}`: the error names to match, e.g. [\"States.ALL\"]")
                    }
                    "Choices" => format!(
                        "add `{p}`: at least one choice rule with `{}`",
                        self.sp("Next")
                    ),
                    "Branches" => {
                        format!(
                            "add `{p}`: at least one branch with `{}` and `{}`",
                            self.sp("StartAt"),
                            self.sp("States")
                        )
                    }
                    _ => format!("add `{p}`"),
                };
                out.push(Finding {
                    kind: Kind::MissingField,
                    pointer: ptr.to_string(),
                    message: format!("{what} has no `{p}`"),
                    help: Some(help),
                    on_key: parent == Some("States"),
                });
            }
            ValidationErrorKind::Type { kind } => {
                if scope_node || self.placeholder(inst, ptr, out) {
                    return;
                }
                let expected = match kind {
                    TypeKind::Single(t) => json_type_name(*t).to_string(),
                    TypeKind::Multiple(ts) => or_list(
                        &ts.iter()
                            .map(|t| json_type_name(t).to_string())
                            .collect::<Vec<_>>(),
                    ),
                };
                let field = self.field(ptr);
                let msg = if field.starts_with("entries") {
                    format!(
                        "{field} must be {}s, found {}",
                        expected.trim_start_matches("an ").trim_start_matches("a "),
                        found(inst)
                    )
                } else {
                    format!("{field} must be {expected}, found {}", found(inst))
                };
                self.push(out, Kind::InvalidValue, ptr.to_string(), msg);
            }
            ValidationErrorKind::Enum { options } => {
                if self.placeholder(inst, ptr, out) {
                    return;
                }
                let opts: Vec<String> = options
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| match o {
                        Value::String(s) => format!("`{s}`"),
                        other => format!("`{other}`"),
                    })
                    .collect();
                let msg = if let (Some("Type"), Some(_), Some(t)) = (last, parent, inst.as_str()) {
                    format!("unknown state type `{t}`")
                } else {
                    format!(
                        "{} must be one of {}, found {}",
                        self.field(ptr),
                        or_list(&opts),
                        found(inst)
                    )
                };
                let mut f = Finding {
                    kind: Kind::InvalidValue,
                    pointer: ptr.to_string(),
                    message: msg,
                    help: None,
                    on_key: false,
                };
                if let Some(s) = inst.as_str() {
                    let bare: Vec<&str> = options
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    if let Some(close) = crate::rules::closest_name(s, bare.iter().copied()) {
                        f.help = Some(format!("did you mean `{close}`?"));
                    } else if last == Some("Type") {
                        f.help = Some(format!("use one of {}", or_list(&opts)));
                    }
                }
                out.push(f);
            }
            ValidationErrorKind::Minimum { limit } => self.push(
                out,
                Kind::InvalidValue,
                ptr.to_string(),
                format!(
                    "{} must be at least {limit}, found {}",
                    self.field(ptr),
                    found(inst)
                ),
            ),
            ValidationErrorKind::ExclusiveMinimum { limit } => self.push(
                out,
                Kind::InvalidValue,
                ptr.to_string(),
                format!(
                    "{} must be greater than {limit}, found {}",
                    self.field(ptr),
                    found(inst)
                ),
            ),
            ValidationErrorKind::Maximum { limit } => self.push(
                out,
                Kind::InvalidValue,
                ptr.to_string(),
                format!(
                    "{} must be at most {limit}, found {}",
                    self.field(ptr),
                    found(inst)
                ),
            ),
            ValidationErrorKind::ExclusiveMaximum { limit } => self.push(
                out,
                Kind::InvalidValue,
                ptr.to_string(),
                format!(
                    "{} must be less than {limit}, found {}",
                    self.field(ptr),
                    found(inst)
                ),
            ),
            ValidationErrorKind::MinItems { .. } | ValidationErrorKind::MinProperties { .. } => {
                if last == Some("States") {
                    return;
                }
                let mut f = Finding {
                    kind: Kind::InvalidValue,
                    pointer: ptr.to_string(),
                    message: format!("{} must not be empty", self.field(ptr)),
                    help: None,
                    on_key: false,
                };
                f.help = match last {
                    Some("ErrorEquals") => {
                        Some("list the error names to match, e.g. [\"States.ALL\"]".into())
                    }
                    Some("Branches") => Some(format!(
                        "add at least one branch with `{}` and `{}`",
                        self.sp("StartAt"),
                        self.sp("States")
                    )),
                    Some("Choices") => Some("add at least one choice rule".into()),
                    _ => None,
                };
                out.push(f);
            }
            ValidationErrorKind::MaxLength { limit } => {
                // State names (keys of `States`) and name references are NX106's. The
                // generated validator reports a key's error as itself, the runtime one wraps it
                // in `PropertyNames` (ignored below).
                if name_field || e.schema_path().as_str().contains("/propertyNames/") {
                    return;
                }
                self.push(
                    out,
                    Kind::InvalidValue,
                    ptr.to_string(),
                    format!(
                        "{} must be at most {limit} characters long",
                        self.field(ptr)
                    ),
                );
            }
            ValidationErrorKind::MinLength { .. } => {
                if name_field {
                    return;
                }
                self.push(
                    out,
                    Kind::InvalidValue,
                    ptr.to_string(),
                    format!("{} must not be empty", self.field(ptr)),
                );
            }
            ValidationErrorKind::MaxItems { limit } => self.push(
                out,
                Kind::InvalidValue,
                ptr.to_string(),
                format!("{} must have at most {limit} entries", self.field(ptr)),
            ),
            ValidationErrorKind::MaxProperties { .. } => {}
            ValidationErrorKind::AnyOf { context } => self.any_of(e, context, out),
            // State names (NX107), path syntax (expression rules), timestamps (NX207).
            ValidationErrorKind::PropertyNames { .. }
            | ValidationErrorKind::Pattern { .. }
            | ValidationErrorKind::Format { .. }
            | ValidationErrorKind::Constant { .. } => {}
            _ => self.push(
                out,
                Kind::InvalidValue,
                ptr.to_string(),
                format!(
                    "{} does not fit the ASL schema (`{}`)",
                    self.field(ptr),
                    e.kind().keyword()
                ),
            ),
        }
    }

    fn unknown_field(
        &self,
        obj_ptr: &str,
        key: &str,
        def_props: Option<&serde_json::Map<String, Value>>,
    ) -> Finding {
        let what = self.object(obj_ptr);
        let k = self.sp(key);
        let allowed: BTreeSet<&str> = def_props
            .into_iter()
            .flat_map(|p| p.keys().map(String::as_str))
            .collect();
        let is_state = pointer::tokens(obj_ptr)
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|t| t == "States");
        let (message, help) = if self.c.all_fields.contains(key) {
            let help = if is_state {
                self.c.state_types_of.get(key).map(|types| {
                    let mut ts: Vec<String> = types.iter().map(|t| t.to_string()).collect();
                    ts.dedup();
                    format!(
                        "`{k}` belongs in {} states",
                        or_list(&ts).replace(" or ", " and ")
                    )
                })
            } else {
                None
            };
            (
                format!("`{k}` is not allowed in {what}"),
                help.or(Some(format!("remove `{k}`"))),
            )
        } else {
            let close = crate::rules::closest_name(key, allowed.iter().copied()).or_else(|| {
                // `Retries` → `Retry`: a shared stem of four letters or more.
                let lk = key.to_ascii_lowercase();
                allowed
                    .iter()
                    .copied()
                    .map(|a| {
                        let la = a.to_ascii_lowercase();
                        (
                            lk.bytes()
                                .zip(la.bytes())
                                .take_while(|(x, y)| x == y)
                                .count(),
                            a,
                        )
                    })
                    .filter(|(n, a)| *n >= 4 && *n * 2 >= a.len().max(key.len()))
                    .max_by_key(|(n, _)| *n)
                    .map(|(_, a)| a)
            });
            (
                format!("unknown field `{k}` in {what}"),
                Some(match close {
                    Some(c) => format!("did you mean `{}`?", self.sp(c)),
                    None => format!("remove `{k}`, or check its spelling"),
                }),
            )
        };
        Finding {
            kind: Kind::UnknownField,
            pointer: pointer::push(obj_ptr, key),
            message,
            help,
            on_key: true,
        }
    }

    /// Report an `anyOf` failure through the alternative that fits the value's JSON type, or
    /// as the list of accepted forms.
    fn any_of(
        &self,
        e: &ValidationError<'_>,
        context: &[Vec<ValidationError<'static>>],
        out: &mut Vec<Finding>,
    ) {
        let ptr = e.instance_path().as_str();
        let inst: &Value = e.instance();
        if self.placeholder(inst, ptr, out) {
            return;
        }
        let last = pointer::last(ptr);
        if matches!(last.as_deref(), Some("ItemProcessor" | "Iterator")) {
            return;
        }
        let same = |x: &ValidationError<'_>| x.instance_path().as_str() == ptr;
        let type_failed = |alt: &[ValidationError<'static>]| {
            alt.iter()
                .any(|x| same(x) && matches!(x.kind(), ValidationErrorKind::Type { .. }))
        };
        let is_pattern_of = |alt: &[ValidationError<'static>], defs: &[&str]| {
            alt.iter().any(|x| {
                same(x)
                    && matches!(x.kind(), ValidationErrorKind::Pattern { .. })
                    && def_of(x.schema_path().as_str()).is_some_and(|d| defs.contains(&d))
            })
        };
        let matched: Vec<&Vec<ValidationError<'static>>> =
            context.iter().filter(|alt| !type_failed(alt)).collect();
        // A path of the right type but bad syntax: the expression rules report it.
        if matched.iter().any(|alt| is_pattern_of(alt, &PATH_DEFS)) {
            return;
        }
        if let [alt] = matched.as_slice()
            && !is_pattern_of(alt, &["jsonata"])
        {
            for x in alt.iter() {
                self.convert(x, out);
            }
            return;
        }
        let ql = self.ql_at(ptr);
        let mut forms = Vec::new();
        for alt in context {
            let def = alt
                .iter()
                .find(|x| same(x))
                .map(|x| x.schema_path().as_str());
            let form = match def.and_then(def_of) {
                Some("jsonata") if ql == Ql::JsonPath => continue,
                Some("jsonata") => "a JSONata expression `{% ... %}`".to_string(),
                Some("cfnIntrinsic") => "a CloudFormation intrinsic function".to_string(),
                _ => match alt.iter().find(|x| same(x)).map(|x| x.kind()) {
                    Some(ValidationErrorKind::Type {
                        kind: TypeKind::Single(t),
                    }) => json_type_name(*t).to_string(),
                    _ => continue,
                },
            };
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        if forms.is_empty() {
            return;
        }
        let mut f = Finding {
            kind: Kind::InvalidValue,
            pointer: ptr.to_string(),
            message: format!(
                "{} must be {}, found {}",
                self.field(ptr),
                or_list(&forms),
                found(inst)
            ),
            help: None,
            on_key: false,
        };
        if inst.as_str().is_some_and(view::is_placeholder) {
            f.help = Some(
                "a placeholder is filled in at deploy time; nexus accepts it here when the definition comes from a CloudFormation/SAM template (or `template_source = true` in nexus.toml)".into(),
            );
        } else if ql == Ql::JsonPath
            && last
                .as_deref()
                .is_some_and(|l| self.c.all_fields.contains(&format!("{l}Path")))
            && context.iter().any(|alt| {
                alt.iter()
                    .any(|x| same(x) && def_of(x.schema_path().as_str()) == Some("jsonata"))
            })
            && inst.is_string()
        {
            f.help = Some(format!(
                "a computed value needs `{}` in a JSONPath state, or `{}: JSONata` with a `{{% ... %}}` expression",
                self.sp(&format!("{}Path", last.unwrap_or_default())),
                self.sp("QueryLanguage")
            ));
        }
        out.push(f);
    }
}

/// Push the findings of one kind as diagnostics of `meta` (NX200-NX202 share this).
pub(crate) fn report(
    ctx: &crate::Context<'_>,
    sink: &mut crate::Sink,
    kind: Kind,
    meta: &'static crate::RuleMeta,
) {
    for f in ctx.schema_findings().iter().filter(|f| f.kind == kind) {
        let mut d = meta.at(&f.pointer, f.message.clone());
        if f.on_key {
            d = d.on_key();
        }
        if let Some(h) = &f.help {
            d = d.help(h.clone());
        }
        sink.push(d);
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use jsonschema::error::ValidationErrorKind;
    use serde_json::{Value, json};

    use super::AslSchema;

    /// Every error as (instance path, schema path, kind), sorted (the two validators may visit
    /// siblings in another order; findings are sorted by location afterwards). A key's error,
    /// which the runtime validator wraps in `PropertyNames`, is shown as itself; `anyOf`
    /// alternatives are shown the same way, recursively.
    fn errors<'a>(it: impl Iterator<Item = jsonschema::ValidationError<'a>>) -> Vec<String> {
        let mut v: Vec<String> = it.map(|e| show(&e)).collect();
        v.sort();
        v
    }

    fn show(e: &jsonschema::ValidationError<'_>) -> String {
        let kind = match e.kind() {
            ValidationErrorKind::PropertyNames { error } => return show(error),
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                let alts: Vec<Vec<String>> = context
                    .iter()
                    .map(|alt| alt.iter().map(show).collect())
                    .collect();
                format!("{} {alts:?}", e.kind().keyword())
            }
            k => format!("{k:?}"),
        };
        format!(
            "{} {} {kind}",
            e.instance_path().as_str(),
            e.schema_path().as_str(),
        )
    }

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                json_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }

    /// The build-time validator gives the same verdicts and the same errors (paths and kinds,
    /// which the conversion to findings reads) as one compiled at run time from the same
    /// schema, over the repository's fixtures, the shared corpora when present, and
    /// hand-made invalid documents.
    #[test]
    fn generated_validator_agrees_with_the_runtime_one() {
        let schema: Value = serde_json::from_str(nexus_schema::asl_json_schema()).unwrap();
        let runtime = jsonschema::draft202012::new(&schema).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        json_files(&root.join("../fixtures"), &mut files);
        if let Some(corpus) = nexus_testkit::corpus() {
            json_files(&corpus, &mut files);
        }
        let mut docs: Vec<Value> = files
            .iter()
            .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
            .collect();
        docs.extend([
            json!({}),
            json!([]),
            json!({"StartAt": 1, "States": {"A": {"Type": "Pass", "End": "yes", "X": 1}}}),
            json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": -1, "Next": 2}}}),
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "x",
                "Retry": [{"ErrorEquals": [], "BackoffRate": 0.5, "JitterStrategy": "SOME"}],
                "End": true}}}),
            json!({"StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "X"},
                "StartAt": "B", "States": {"B": {"Type": "Choice", "Choices": [{}]}}},
                "ToleratedFailurePercentage": 101, "End": true}}}),
        ]);
        let (mut invalid, mut valid, mut differ) = (0, 0, 0);
        for doc in &docs {
            let generated = AslSchema::is_valid(doc);
            assert_eq!(generated, runtime.is_valid(doc), "verdicts differ on {doc}");
            if generated {
                valid += 1;
                continue;
            }
            invalid += 1;
            let (g, r) = (
                errors(AslSchema::iter_errors(doc)),
                errors(runtime.iter_errors(doc)),
            );
            if g != r {
                differ += 1;
                println!("errors differ on {doc}\n  generated: {g:?}\n  runtime:   {r:?}");
            }
        }
        println!("{valid} valid and {invalid} invalid documents; errors differ on {differ}");
        assert_eq!(differ, 0);
        assert!(invalid >= 6, "too few invalid documents: {invalid}");
    }
}
