//! Compile phase: an ASL definition (`serde_json::Value`) becomes a [`plan::Plan`], the
//! engine's execution-shaped IR. Nothing here runs a state.

pub(crate) mod choice;
pub(crate) mod plan;
pub(crate) mod retry;
pub(crate) mod template;
