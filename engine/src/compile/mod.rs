//! Compile phase: an ASL definition (`serde_json::Value`) becomes a [`plan::Plan`], the
//! engine's execution-shaped IR. Nothing here runs a state. `plan` holds the types only;
//! `compiler` compiles states, `fields` the fields they share, `retry` and `choice` their
//! kind-specific parts, `template` payload templates.

pub(crate) mod choice;
pub(crate) mod compiler;
pub(crate) mod fields;
pub(crate) mod plan;
pub(crate) mod retry;
pub(crate) mod template;
