//! Field names: how an ASL field is spelled in NEXUS YAML and back, and what kind of value
//! each field holds (structure that is converted, or payload that is kept verbatim).
//!
//! The rule (docs/nexus-yaml.md, "Field names"): a NEXUS key is the snake_case of the ASL
//! key (`ResultPath` → `result_path`), except for a few spellings listed in [`OVERRIDES`]
//! (`StartAt` → `start`, top-level `Version` → `asl_version`, `CSVHeaders` → `csv_headers`).
//! Conversion must be reversible, so [`nexus_key`] and [`asl_key`] are inverse on every key
//! the raiser emits; a key that would not come back unchanged (`foo`, `Foo.Bar`, a key that
//! collides with a NEXUS keyword) is kept verbatim under `x_asl` instead.

/// Where in a document a mapping sits; decides its key spelling and the kinds of its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// The workflow root.
    Top,
    /// A nested state machine: a Parallel branch, a Map `ItemProcessor` or `Iterator`.
    Scope,
    /// One state.
    State,
    /// One `Retry` entry.
    Retrier,
    /// One `Catch` entry.
    Catcher,
    /// One Choice rule (top-level or nested in `And`/`Or`/`Not`).
    Rule,
    /// A configuration object: `ItemReader`, `ReaderConfig`, `ItemBatcher`, `ResultWriter`,
    /// `WriterConfig`, `ProcessorConfig`.
    Config,
}

/// What a field's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Kept exactly as written: scalars, payload templates (`Parameters`, `Arguments`,
    /// `ResultSelector`, `ItemSelector`, `Result`, `Assign`, `Output`, `Credentials`,
    /// `BatchInput`, `Items`, ...) and every unknown field.
    Verbatim,
    /// A mapping whose keys are field names of the given context.
    Object(Ctx),
    /// A list of such mappings.
    List(Ctx),
    /// A nested state machine (`ItemProcessor`, `Iterator`).
    Scope,
    /// A list of nested state machines (`Branches`).
    ScopeList,
}

/// The kind of the value of ASL field `key` in a mapping of context `ctx`.
pub(crate) fn kind_of(ctx: Ctx, key: &str) -> Kind {
    match (ctx, key) {
        (Ctx::State, "Branches") => Kind::ScopeList,
        (Ctx::State, "ItemProcessor" | "Iterator") => Kind::Scope,
        (Ctx::State, "Choices") => Kind::List(Ctx::Rule),
        (Ctx::State, "Retry") => Kind::List(Ctx::Retrier),
        (Ctx::State, "Catch") => Kind::List(Ctx::Catcher),
        (Ctx::State, "ItemReader" | "ItemBatcher" | "ResultWriter") => Kind::Object(Ctx::Config),
        (Ctx::Rule, "And" | "Or") => Kind::List(Ctx::Rule),
        (Ctx::Rule, "Not") => Kind::Object(Ctx::Rule),
        (Ctx::Scope, "ProcessorConfig") => Kind::Object(Ctx::Config),
        (Ctx::Config, "ReaderConfig" | "WriterConfig") => Kind::Object(Ctx::Config),
        _ => Kind::Verbatim,
    }
}

/// ASL ↔ NEXUS spellings that the generic snake_case rule does not produce or restore.
/// `(context or None for all, ASL key, NEXUS key)`.
const OVERRIDES: &[(Option<Ctx>, &str, &str)] = &[
    (Some(Ctx::Top), "StartAt", "start"),
    (Some(Ctx::Scope), "StartAt", "start"),
    // `version` is the NEXUS format version, so ASL's own top-level `Version` moves aside.
    (Some(Ctx::Top), "Version", "asl_version"),
    // Acronyms: the generic rule would give back `CsvHeaders`.
    (None, "CSVHeaders", "csv_headers"),
    (None, "CSVHeaderLocation", "csv_header_location"),
    (None, "CSVDelimiter", "csv_delimiter"),
];

/// NEXUS keywords per context: keys with a NEXUS meaning that no ASL field may take.
pub(crate) fn reserved(ctx: Ctx, nexus_key: &str) -> bool {
    if nexus_key == "x_asl" {
        return true;
    }
    match ctx {
        Ctx::Top => matches!(
            nexus_key,
            "version" | "name" | "policies" | "states" | "start" | "on_compensation_failure"
        ),
        Ctx::Scope => matches!(nexus_key, "states" | "start"),
        Ctx::State => matches!(nexus_key, "name" | "type" | "action" | "on_failure"),
        _ => false,
    }
}

/// The NEXUS spelling of ASL key `key` in context `ctx` (not checked for reversibility).
pub(crate) fn nexus_key(ctx: Ctx, key: &str) -> String {
    for (c, asl, nx) in OVERRIDES {
        if *asl == key && c.is_none_or(|c| c == ctx) {
            return (*nx).to_string();
        }
    }
    snake_case(key)
}

/// The ASL spelling of NEXUS key `key` in context `ctx`, or `None` when `key` is not a
/// snake_case name (such keys have no ASL spelling; the lowerer reports them).
pub(crate) fn asl_key(ctx: Ctx, key: &str) -> Option<String> {
    for (c, asl, nx) in OVERRIDES {
        if *nx == key && c.is_none_or(|c| c == ctx) {
            return Some((*asl).to_string());
        }
    }
    if is_snake(key) {
        Some(camel_case(key))
    } else {
        None
    }
}

/// The NEXUS key for ASL `key` when the spelling comes back unchanged and is not a NEXUS
/// keyword; `None` means the field must go under `x_asl`.
pub(crate) fn reversible_nexus_key(ctx: Ctx, key: &str) -> Option<String> {
    let nx = nexus_key(ctx, key);
    if reserved(ctx, &nx) || asl_key(ctx, &nx).as_deref() != Some(key) {
        None
    } else {
        Some(nx)
    }
}

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`.
pub(crate) fn is_snake(key: &str) -> bool {
    let mut chars = key.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let mut prev_underscore = false;
    for c in chars {
        match c {
            'a'..='z' | '0'..='9' => prev_underscore = false,
            '_' if !prev_underscore => prev_underscore = true,
            _ => return false,
        }
    }
    !prev_underscore
}

/// `ResultPath` → `result_path`, `CSVHeaders` → `csv_headers`, `S3Bucket` → `s3_bucket`.
/// An underscore goes before an upper-case letter that follows a lower-case letter or a
/// digit, or that starts a new word after an acronym (`CSVHeaders`: before `H`).
pub(crate) fn snake_case(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = if i > 0 { chars.get(i - 1) } else { None };
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `result_path` → `ResultPath`: each `_`-separated word capitalised.
pub(crate) fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for word in key.split('_') {
        let mut cs = word.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    out
}

/// Every field name of current ASL (all contexts): fields outside this list are reported as
/// unknown by migration notes (they are still kept).
#[rustfmt::skip]
pub const KNOWN_ASL_FIELDS: &[&str] = &[
    // top level and nested state machines
    "Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage",
    "ProcessorConfig",
    // common state fields
    "Type", "Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters",
    "ResultSelector", "Arguments", "Output", "Assign", "Retry", "Catch",
    // Task
    "Resource", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials",
    // Pass
    "Result",
    // Choice
    "Choices", "Default",
    // Wait
    "Seconds", "SecondsPath", "Timestamp", "TimestampPath",
    // Fail
    "Error", "ErrorPath", "Cause", "CausePath",
    // Parallel / Map
    "Branches", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector",
    "MaxConcurrency", "MaxConcurrencyPath", "ItemReader", "ItemBatcher", "ResultWriter",
    "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath", "Label",
    // ProcessorConfig, ItemReader, ItemBatcher, ResultWriter
    "Mode", "ExecutionType", "ReaderConfig", "InputType", "CSVHeaderLocation", "CSVHeaders",
    "CSVDelimiter", "MaxItems", "MaxItemsPath", "ManifestType", "MaxItemsPerBatch",
    "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput",
    "WriterConfig", "OutputType", "Transformation",
    // Retry / Catch
    "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
    "JitterStrategy",
    // Choice rules
    "Variable", "And", "Or", "Not", "Condition", "StringEquals", "StringEqualsPath",
    "StringLessThan", "StringLessThanPath", "StringGreaterThan", "StringGreaterThanPath",
    "StringLessThanEquals", "StringLessThanEqualsPath", "StringGreaterThanEquals",
    "StringGreaterThanEqualsPath", "StringMatches", "NumericEquals", "NumericEqualsPath",
    "NumericLessThan", "NumericLessThanPath", "NumericGreaterThan", "NumericGreaterThanPath",
    "NumericLessThanEquals", "NumericLessThanEqualsPath", "NumericGreaterThanEquals",
    "NumericGreaterThanEqualsPath", "BooleanEquals", "BooleanEqualsPath", "TimestampEquals",
    "TimestampEqualsPath", "TimestampLessThan", "TimestampLessThanPath", "TimestampGreaterThan",
    "TimestampGreaterThanPath", "TimestampLessThanEquals", "TimestampLessThanEqualsPath",
    "TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath", "IsNull", "IsPresent",
    "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
];

/// The eight ASL state types and their NEXUS spelling.
pub(crate) const STATE_TYPES: &[(&str, &str)] = &[
    ("Task", "task"),
    ("Pass", "pass"),
    ("Choice", "choice"),
    ("Wait", "wait"),
    ("Succeed", "succeed"),
    ("Fail", "fail"),
    ("Parallel", "parallel"),
    ("Map", "map"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_fields_round_trip_in_every_context() {
        for ctx in [
            Ctx::Top,
            Ctx::Scope,
            Ctx::State,
            Ctx::Retrier,
            Ctx::Catcher,
            Ctx::Rule,
            Ctx::Config,
        ] {
            for key in KNOWN_ASL_FIELDS {
                let nx = nexus_key(ctx, key);
                assert_eq!(asl_key(ctx, &nx).as_deref(), Some(*key), "{ctx:?} {key}");
            }
        }
    }

    #[test]
    fn snake_case_examples() {
        assert_eq!(snake_case("ResultPath"), "result_path");
        assert_eq!(snake_case("CSVHeaders"), "csv_headers");
        assert_eq!(snake_case("TimeoutSecondsPath"), "timeout_seconds_path");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(camel_case("s3_bucket"), "S3Bucket");
        assert_eq!(nexus_key(Ctx::Top, "Version"), "asl_version");
        assert_eq!(nexus_key(Ctx::State, "Version"), "version");
    }

    #[test]
    fn irreversible_keys_are_escaped() {
        assert_eq!(reversible_nexus_key(Ctx::State, "foo"), None);
        assert_eq!(reversible_nexus_key(Ctx::State, "Foo.Bar"), None);
        assert_eq!(reversible_nexus_key(Ctx::State, "Name"), None);
        assert_eq!(reversible_nexus_key(Ctx::Top, "Start"), None);
        assert_eq!(
            reversible_nexus_key(Ctx::State, "FutureField").as_deref(),
            Some("future_field")
        );
        assert!(is_snake("a1_b2"));
        assert!(!is_snake("a__b"));
        assert!(!is_snake("a_"));
    }
}
