//! nexus-schema: the document model every other nexus crate shares.
//!
//! The pipeline, as built (each reader makes one pass over the raw `serde_json::Value`; there
//! is no typed ASL model on the path):
//!
//! ```text
//! source text --source::load_source--> Document { asl: Value, LocationMap, kind, format }
//!     (JSON/YAML loaders record pointer -> span; NEXUS YAML is lowered to its ASL value by
//!      nexus::lower; a CloudFormation/SAM/Serverless template yields one Document per
//!      state machine, template::*)
//! Document.asl --ir::Workflow::from_asl--> graph IR (one scope per Parallel branch and Map
//!     processor) --nexus-lint rules, JSON Schema, Rego--> Diagnostics (pointers; spans from
//!     the LocationMap)
//! Document.asl --nexus-engine compile--> Plan (the engine's execution-shaped IR) --run-->
//!     events, output or error
//! ASL Value <--nexus::raise / nexus::lower--> NEXUS YAML Value (nexus-migrate emits the text)
//! ```
//!
//! - [`source`]: from a file's text to [`Document`]s (syntax and kind detection).
//! - [`load`]: JSON and YAML loaders that record where every node came from
//!   ([`location::LocationMap`], JSON Pointer → byte span) and reject duplicate keys.
//! - [`nexus`]: NEXUS YAML v1, its lowering to and raising from ASL, its codes.
//! - [`ir`]: the petgraph IR, one graph per scope, built from the ASL value.
//! - [`expr`]: the expression languages of ASL (JSONPath, intrinsic functions, JSONata).
//! - [`asl_json_schema`]: the bundled JSON Schema of ASL (structure; semantics are lint rules).
//! - [`arn`]: ARNs and what a Task `Resource` names (Lambda, activity, service integration).
//! - [`comparison`]: the comparison operators of JSONPath Choice rules.
//! - [`keywords`]: [`QueryLanguage`] and [`MachineType`], read the same way by every crate.
//! - [`diagnostic`]: the plain-data finding every crate reports, and [`RuleMeta`], the one
//!   declaration of each code ([`declare_code!`]).
//! - [`template`]: state machines inside CloudFormation, SAM and Serverless Framework templates.
//! - [`placeholder`], [`pointer`]: deploy-time placeholders and JSON Pointers, one definition
//!   each for every crate.
//!
//! Not here: rendering (that is `nexus-cli`), rules (`nexus-lint`), execution (`nexus-engine`).

pub mod arn;
pub mod comparison;
pub mod deployment;
pub mod diagnostic;
pub mod document;
pub mod expr;
pub mod ir;
pub mod keywords;
pub mod load;
pub mod location;
pub mod nexus;
pub mod placeholder;
pub mod pointer;
pub mod source;
pub mod template;

pub use diagnostic::{Code, Diagnostic, Note, RuleMeta, Severity, Target};
pub use document::{DocKind, Document, SourceFormat};
pub use keywords::{MachineType, QueryLanguage};
pub use location::{LineIndex, LocationMap, NodeLoc, TextRange};

/// The bundled JSON Schema (draft 2020-12) of ASL: structure, field names per state type,
/// value types and keyword sets. Semantic rules live in `nexus-lint`.
pub fn asl_json_schema() -> &'static str {
    include_str!("../schemas/asl.schema.json")
}
