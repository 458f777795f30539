//! Run phase: the [`engine::Engine`] API, the run loop, one module per state kind, the
//! compensation of NEXUS `compensate`, and the TestState API.

pub(crate) mod context;
pub(crate) mod engine;
pub(crate) mod joiner;
pub(crate) mod options;
pub(crate) mod states;
pub mod test_state;
pub(crate) mod vars;
