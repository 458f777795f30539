//! The NEXUS YAML v1 format: lowering a workflow to ASL ([`lower`]), raising ASL to an
//! idiomatic workflow ([`raise`]), and the format's JSON Schema ([`nexus_json_schema`]).
//!
//! NEXUS YAML is a readable superset of ASL (docs/nexus-yaml.md is the reference): states are
//! an ordered list, every ASL field has a snake_case spelling, and a few sugar forms
//! (`action`, `on_failure`) each stand for one ASL construct. `lower(raise(x)).asl == x` for
//! every ASL document `x` that is a JSON object.
//!
//! Both directions work on `serde_json::Value`s; loading YAML text is the loaders' job.
//! Lowering here is for linting and running: NEXUS extensions (`compensate`, `policies`) are
//! returned in side tables, not put in the ASL. `nexus-migrate` turns them into plain ASL.

mod lower;
pub(crate) mod names;
mod raise;
pub mod sugar;

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::document::PointerMap;

pub use lower::lower;
pub use names::KNOWN_ASL_FIELDS;

/// The NEXUS YAML spelling of a top-level ASL field (`StartAt` → `start`, `Version` →
/// `asl_version`, `TimeoutSeconds` → `timeout_seconds`): where a finding about a field the
/// workflow lacks points.
pub fn top_level_key(asl_key: &str) -> String {
    names::nexus_key(names::Ctx::Top, asl_key)
}
pub use raise::raise;

/// NX010: the workflow has no `version`.
pub const MISSING_VERSION: Code = Code("NX010");
/// NX011: `version` is not a version this tool reads (`"1.0"`).
pub const UNSUPPORTED_VERSION: Code = Code("NX011");
/// NX012: a node has the wrong shape (the document, a state or `on_failure` is not a mapping,
/// `states` is not a list...).
pub const MALFORMED_WORKFLOW: Code = Code("NX012");
/// NX013: a state has no `name` (or it is not a string).
pub const STATE_WITHOUT_NAME: Code = Code("NX013");
/// NX014: two states of one list have the same name.
pub const DUPLICATE_STATE_NAME: Code = Code("NX014");
/// NX015: a key that is not a NEXUS field (not snake_case, a misspelt keyword, an unknown key
/// of a sugar block).
pub const UNKNOWN_FIELD: Code = Code("NX015");
/// NX016: two fields set the same ASL field (`action` and `resource`, `retry` twice...).
pub const CONFLICTING_FIELDS: Code = Code("NX016");
/// NX017: a sugar or extension field has a value with no meaning (`retry: "x"`).
pub const INVALID_SUGAR: Code = Code("NX017");
/// NX018: `type` is not one of the eight state types.
pub const UNKNOWN_STATE_TYPE: Code = Code("NX018");

/// NX401 (migration note): an ASL field this tool does not know was kept, under its
/// snake_case name.
pub const UNKNOWN_FIELD_KEPT: Code = Code("NX401");
/// NX402 (migration note): a field could not be given a NEXUS spelling that converts back
/// unchanged, so it was kept verbatim under `x_asl`.
pub const FIELD_KEPT_VERBATIM: Code = Code("NX402");

/// Every code this module reports, with its kebab-case name.
pub const CODES: &[(Code, &str)] = &[
    (MISSING_VERSION, "missing-version"),
    (UNSUPPORTED_VERSION, "unsupported-version"),
    (MALFORMED_WORKFLOW, "malformed-workflow"),
    (STATE_WITHOUT_NAME, "state-without-name"),
    (DUPLICATE_STATE_NAME, "duplicate-state-name"),
    (UNKNOWN_FIELD, "unknown-field"),
    (CONFLICTING_FIELDS, "conflicting-fields"),
    (INVALID_SUGAR, "invalid-sugar-value"),
    (UNKNOWN_STATE_TYPE, "unknown-state-type"),
    (UNKNOWN_FIELD_KEPT, "unknown-field-kept"),
    (FIELD_KEPT_VERBATIM, "field-kept-verbatim"),
];

/// The kebab-case name of one of this module's codes.
pub(crate) fn name_of(code: Code) -> &'static str {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("nexus", |(_, n)| n)
}

/// The NEXUS format version this module reads and writes.
pub const FORMAT_VERSION: &str = "1.0";

/// The `$id` of the bundled JSON Schema, also the `$schema` URL `nexus migrate` writes into
/// the `yaml-language-server` modeline. `nexus schema nexus` prints the same document.
pub const SCHEMA_URL: &str = "https://nexus-workflows.dev/schemas/nexus-yaml-v1.schema.json";

/// The JSON Schema (draft 2020-12) of NEXUS YAML v1.
pub fn nexus_json_schema() -> &'static str {
    include_str!("../../schemas/nexus.schema.json")
}

/// The JSON Schema of `nexus test` files (`*.nexus-test.yaml`; docs/testing.md).
pub fn test_file_json_schema() -> &'static str {
    include_str!("../../schemas/nexus-test.schema.json")
}

/// One `compensate` action (a NEXUS extension; not in the lowered ASL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compensation {
    /// The state whose work the action undoes.
    pub state: String,
    /// The action to run (same meaning as `action:`).
    pub action: String,
    /// NEXUS pointer of the `compensate` value.
    pub pointer: String,
    /// ASL pointer of the state machine (or branch / item processor) holding the state:
    /// `""` for the top level, `/States/P/Branches/0` for a branch.
    pub asl_scope: String,
}

/// The result of [`lower`].
#[derive(Clone, Debug, Default)]
pub struct Lowered {
    /// The ASL view of the workflow.
    pub asl: Value,
    /// ASL pointer → NEXUS pointer, for every node whose path changed.
    pub origin: PointerMap,
    /// `compensate` actions, in document order.
    pub compensations: Vec<Compensation>,
    /// The `policies` entries, as written.
    pub policies: Vec<Value>,
    /// NX010..NX018 findings, with pointers into the NEXUS document.
    pub issues: Vec<Diagnostic>,
}

/// The result of [`raise`].
#[derive(Clone, Debug, Default)]
pub struct Raised {
    /// The NEXUS workflow.
    pub nexus: Value,
    /// Migration notes (NX4xx), with pointers into `nexus`.
    pub notes: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests;
