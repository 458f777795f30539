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

use crate::diagnostic::Diagnostic;
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

/// The NEXUS spelling of an ASL field a message names, where its place is not known:
/// `StartAt` → `start`, every other field its snake_case (`ResultPath` → `result_path`,
/// `CSVHeaders` → `csv_headers`).
pub fn field_name(asl_key: &str) -> String {
    names::nexus_key(names::Ctx::Scope, asl_key)
}

crate::declare_code! {
    /// ## What it does
    /// Reports a NEXUS workflow without the `version` key.
    /// ## Why is this bad?
    /// The format version says how to read the file; without it a future reader cannot tell
    /// NEXUS v1 from a later format.
    /// ## Example
    /// `states:` at the top with no `version: "1.0"`.
    pub static MISSING_VERSION = {
        code: NX010, name: "missing-version", severity: Error,
        summary: "A NEXUS workflow has no `version`.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports a `version` other than `"1.0"`.
    /// ## Why is this bad?
    /// The file may use fields with a meaning this version of nexus does not know.
    /// ## Example
    /// `version: 2`.
    pub static UNSUPPORTED_VERSION = {
        code: NX011, name: "unsupported-version", severity: Error,
        summary: "`version` is not a NEXUS format this tool reads.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports a document, state or `on_failure` that is not a mapping, a `states` that is not a
    /// list, and similar shape errors.
    /// ## Why is this bad?
    /// Nothing below such a node can be read, so the workflow cannot be checked or run.
    /// ## Example
    /// `states: ValidateUser` (a string instead of a list).
    pub static MALFORMED_WORKFLOW = {
        code: NX012, name: "malformed-workflow", severity: Error,
        summary: "A NEXUS node has the wrong shape.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports a state of a `states` list without a string `name`.
    /// ## Why is this bad?
    /// The name is the state's identity in ASL; transitions cannot reach a state without one.
    /// ## Example
    /// `- type: pass` with no `name:`.
    pub static STATE_WITHOUT_NAME = {
        code: NX013, name: "state-without-name", severity: Error,
        summary: "A NEXUS state has no `name`.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports a name used twice in the same `states` list.
    /// ## Why is this bad?
    /// ASL `States` is an object: one of the two states would silently replace the other.
    /// ## Example
    /// Two entries `- name: Charge`.
    pub static DUPLICATE_STATE_NAME = {
        code: NX014, name: "duplicate-state-in-list", severity: Error,
        summary: "Two states of one NEXUS `states` list share a name.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports keys that are not snake_case ASL fields, NEXUS keywords or sugar (for example
    /// `Next` or `on_faliure`). A key that is not snake_case but names an ASL field is an error
    /// with the NEXUS spelling as help; any other non-snake_case key is kept as that ASL field
    /// and reported as a warning.
    /// ## Why is this bad?
    /// A misspelt field is ignored by intent nowhere: it would be dropped or misread.
    /// ## Example
    /// `on_faliure: {retry: 3}`.
    pub static UNKNOWN_FIELD = {
        code: NX015, name: "unknown-nexus-field", severity: Error,
        summary: "A key that is not a NEXUS field.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports sugar that collides with an explicit field (`action` with `resource`,
    /// `on_failure.retry` with `retry`).
    /// ## Why is this bad?
    /// Only one of them can win; which one was meant is unclear.
    /// ## Example
    /// `action: charge` together with `resource: arn:...`.
    pub static CONFLICTING_FIELDS = {
        code: NX016, name: "conflicting-fields", severity: Error,
        summary: "Two NEXUS fields set the same ASL field.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports values such as `retry: "often"` or `backoff: sometimes`.
    /// ## Why is this bad?
    /// Sugar has exactly one documented ASL meaning per value; others cannot be lowered.
    /// ## Example
    /// `backoff: linear`.
    pub static INVALID_SUGAR = {
        code: NX017, name: "invalid-sugar-value", severity: Error,
        summary: "A sugar or extension field has a value with no meaning.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports a `type` other than task, pass, choice, wait, succeed, fail, parallel or map.
    /// ## Why is this bad?
    /// AWS has no such state type; the workflow cannot run.
    /// ## Example
    /// `type: lambda`.
    pub static UNKNOWN_STATE_TYPE = {
        code: NX018, name: "unknown-state-type", severity: Error,
        summary: "`type` is not one of the eight state types.",
    }
}

crate::declare_code! {
    /// ## What it does
    /// Notes a field that is not part of current ASL (`FutureField`), kept as `future_field`
    /// with its value verbatim.
    /// ## Why is this bad?
    /// It is not: the field converts back unchanged. A reader may want to know that nexus does
    /// not check it.
    /// ## Example
    /// `"FutureField": {"A": 1}` becomes `future_field: {A: 1}`.
    pub static UNKNOWN_FIELD_KEPT = {
        code: NX401, name: "unknown-field-kept", severity: Info,
        summary: "migrate: an ASL field this nexus does not know was kept under its snake_case name.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Notes a field kept verbatim under `x_asl` (a key that is not CamelCase such as
    /// `lowercaseField`, or one that would collide with a NEXUS keyword such as `Name`). A whole
    /// state or definition that could not be expressed in NEXUS form is kept the same way, as a
    /// warning; a definition that is not a JSON object is an error.
    /// ## Why is this bad?
    /// It is not: `x_asl` is merged back into the ASL unchanged. The field is simply not in
    /// NEXUS form.
    /// ## Example
    /// `"Name": "x"` on a state becomes `x_asl: {Name: x}`.
    pub static FIELD_KEPT_VERBATIM = {
        code: NX402, name: "field-kept-verbatim", severity: Info,
        summary: "migrate: a field with no NEXUS spelling that converts back unchanged was kept under `x_asl`.",
    }
}

/// Every code this module reports.
pub static CODES: &[&crate::RuleMeta] = &[
    &MISSING_VERSION,
    &UNSUPPORTED_VERSION,
    &MALFORMED_WORKFLOW,
    &STATE_WITHOUT_NAME,
    &DUPLICATE_STATE_NAME,
    &UNKNOWN_FIELD,
    &CONFLICTING_FIELDS,
    &INVALID_SUGAR,
    &UNKNOWN_STATE_TYPE,
    &UNKNOWN_FIELD_KEPT,
    &FIELD_KEPT_VERBATIM,
];

/// The NEXUS format version this module reads and writes.
pub const FORMAT_VERSION: &str = "1.0";

/// The `$id` of the bundled JSON Schema, also the `$schema` URL `nexus migrate` writes into
/// the `yaml-language-server` modeline. `nexus schema nexus` prints the same document. The
/// file in the repository at the release tag of this version: an address that serves this
/// exact schema for as long as the release exists (built from `repository` in Cargo.toml).
pub const SCHEMA_URL: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/raw/v",
    env!("CARGO_PKG_VERSION"),
    "/schema/schemas/nexus.schema.json"
);

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
    /// The compensation's own retry policy, as an ASL `Retry` list (`compensate: {action,
    /// retry, backoff}`); empty when it is not retried.
    pub retry: Vec<Value>,
}

/// The workflow's `on_compensation_failure` hook (a NEXUS extension): the action called once
/// when compensations fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompensationHook {
    /// The action to call (same meaning as `action:`).
    pub action: String,
    /// NEXUS pointer of the `on_compensation_failure` value.
    pub pointer: String,
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
    /// The `on_compensation_failure` hook, if set.
    pub on_compensation_failure: Option<CompensationHook>,
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
