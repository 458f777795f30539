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

use crate::diagnostic::{Code, Diagnostic};
use crate::location::LocationMap;

/// NX001: the text is not valid JSON.
pub const INVALID_JSON: Code = Code("NX001");
/// NX002: an object has the same key twice.
pub const DUPLICATE_KEY: Code = Code("NX002");
/// NX003: the text is not valid YAML.
pub const INVALID_YAML: Code = Code("NX003");
/// NX004: a YAML document exceeds a safety limit (nesting depth, alias expansion, size).
pub const YAML_LIMIT: Code = Code("NX004");
/// NX005: a YAML construct with no JSON meaning (non-string key, merge key, NaN...).
pub const UNSUPPORTED_YAML: Code = Code("NX005");

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
