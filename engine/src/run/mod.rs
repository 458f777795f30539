//! Run phase: the [`engine::Engine`] API, the per-execution state ([`exec`]), the run loop
//! ([`machine`]), one module per state kind ([`states`]), NEXUS `compensate`
//! ([`compensation`]), and the TestState API.

pub(crate) mod compensation;
pub(crate) mod context;
pub(crate) mod engine;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod joiner;
pub(crate) mod machine;
pub(crate) mod mock_fields;
pub(crate) mod options;
pub(crate) mod states;
pub mod test_state;
pub(crate) mod tested;
