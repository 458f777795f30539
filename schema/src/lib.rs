//! nexus-schema: the document model every other nexus crate shares.
//!
//! - [`load`]: JSON and YAML loaders that record where every node came from
//!   ([`location::LocationMap`], JSON Pointer → byte span) and reject duplicate keys.
//! - [`asl`]: the typed Amazon States Language model (every state type and field).
//! - [`nexus`]: the NEXUS YAML v1 model and its lowering to / raising from ASL.
//! - [`ir`]: the petgraph IR, one graph per scope, built from either format.
//! - [`expr`]: the expression languages of ASL (JSONPath, intrinsic functions, payload templates).
//! - [`diagnostic`]: the plain-data finding every crate reports.
//! - [`template`]: state machines inside CloudFormation, SAM and Serverless Framework templates.
//!
//! Not here: rendering (that is `nexus-cli`), rules (`nexus-lint`), execution (`nexus-engine`).

pub mod asl;
pub mod diagnostic;
pub mod document;
pub mod expr;
pub mod ir;
pub mod load;
pub mod location;
pub mod nexus;
pub mod pointer;
pub mod source;
pub mod template;

pub use diagnostic::{Code, Diagnostic, Note, RuleMeta, Severity, Target};
pub use document::{DocKind, Document, SourceFormat};
pub use location::{LineIndex, LocationMap, NodeLoc, TextRange};
