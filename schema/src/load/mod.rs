//! Loaders: bytes → `serde_json::Value` plus a [`LocationMap`] (JSON Pointer → byte span),
//! in one pass, rejecting what AWS rejects (duplicate keys) with both locations named.
//!
//! - [`json`]: an own scanner over the text (RFC 8259; a UTF-8 BOM is skipped), serde_json
//!   for the values.
//! - [`yaml`]: saphyr's marked YAML 1.2 (anchors, aliases, multi-document streams), with
//!   limits on nesting depth and alias expansion.

pub mod json;
pub mod yaml;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::location::LocationMap;

crate::declare_code! {
    /// ## What it does
    /// Reports JSON syntax errors at the byte where parsing stopped.
    /// ## Why is this bad?
    /// AWS rejects the definition before looking at it.
    /// ## Example
    /// `{"StartAt": "A",}` (trailing comma).
    pub static INVALID_JSON = {
        code: NX001, name: "invalid-json", severity: Error,
        summary: "The file is not valid JSON.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports every key that repeats within one object, naming both places.
    /// ## Why is this bad?
    /// AWS rejects duplicate keys; many JSON parsers silently keep the last one, so what you
    /// review is not what runs.
    /// ## Example
    /// Two `"Next"` members in one state.
    pub static DUPLICATE_KEY = {
        code: NX002, name: "duplicate-key", severity: Error,
        summary: "An object has the same key twice.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports YAML syntax errors where the parser stopped.
    /// ## Why is this bad?
    /// Nothing in the file can be checked or run.
    /// ## Example
    /// A tab used for indentation.
    pub static INVALID_YAML = {
        code: NX003, name: "invalid-yaml", severity: Error,
        summary: "The file is not valid YAML.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Stops loading documents that nest deeper than 256 levels or expand (through aliases) to
    /// more than 1,000,000 nodes.
    /// ## Why is this bad?
    /// Such documents ("billion laughs") exhaust memory or the stack; no real workflow needs
    /// them.
    /// ## Example
    /// Nine levels of aliases, each repeating the previous one ten times.
    pub static YAML_LIMIT = {
        code: NX004, name: "yaml-limit-exceeded", severity: Error,
        summary: "A YAML document is nested too deeply or expands to too many nodes.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports YAML that cannot become JSON: a mapping used as a key, a merge key, `.nan`,
    /// `.inf`.
    /// ## Why is this bad?
    /// A workflow is JSON data; such a node cannot be deployed or run.
    /// ## Example
    /// `? [a, b] : c`.
    pub static UNSUPPORTED_YAML = {
        code: NX005, name: "unsupported-yaml", severity: Error,
        summary: "A YAML construct has no JSON meaning.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Refuses a file larger than 16 MiB (a definition, NEXUS workflow or template, read by
    /// `lint`, `migrate`, `export`, `run`, `graph`), before parsing it.
    /// ## Why is this bad?
    /// AWS Step Functions accepts definitions up to 1 MB; loading costs about 40 bytes of
    /// memory per byte of text, so a file many times that size would take gigabytes and
    /// cannot be deployed anyway.
    /// ## Example
    /// A generated definition with 100,000 states (40 MB).
    pub static FILE_TOO_LARGE = {
        code: NX007, name: "file-too-large", severity: Error,
        summary: "The file is larger than nexus reads (16 MiB; AWS accepts definitions up to 1 MB).",
    }
}

/// Every code the loaders report.
pub static CODES: &[&crate::RuleMeta] = &[
    &INVALID_JSON,
    &DUPLICATE_KEY,
    &INVALID_YAML,
    &YAML_LIMIT,
    &UNSUPPORTED_YAML,
    &FILE_TOO_LARGE,
];

/// One loaded document.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub value: Value,
    /// Pointers are relative to this document's root.
    pub locations: LocationMap,
    /// Non-fatal findings (duplicate keys: the value keeps the last occurrence).
    pub issues: Vec<Diagnostic>,
}

/// Limits that keep hostile YAML from hanging the run or overflowing the stack.
#[derive(Clone, Copy, Debug)]
pub struct YamlLimits {
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Most nodes one document may expand to (aliases count again each time they are used).
    pub max_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_nodes: 1_000_000,
        }
    }
}

/// Options for the YAML loader.
#[derive(Clone, Copy, Debug, Default)]
pub struct YamlOptions {
    pub limits: YamlLimits,
    /// Turn CloudFormation short-form tags (`!Ref X`, `!Sub s`, `!GetAtt a.b`, `!Join [...]`,
    /// ...) into their long JSON form (`{"Ref": "X"}`, `{"Fn::Sub": "s"}`, ...).
    pub cfn_tags: bool,
}

/// Load a JSON text. A syntax error is fatal (`Err`); duplicate keys are issues.
pub fn load_json(src: &str) -> Result<Loaded, Diagnostic> {
    json::load(src)
}

/// Load a YAML stream: one [`Loaded`] per document. A syntax error or an exceeded limit is
/// fatal for the whole stream (`Err`), since later documents cannot be located reliably.
pub fn load_yaml(src: &str, options: &YamlOptions) -> Result<Vec<Loaded>, Diagnostic> {
    yaml::load(src, options)
}
