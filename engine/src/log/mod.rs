//! Log phase: the durable, hash-chained event log (format and verification), the journal
//! that writes it during a run and replays it on resume, and the execution history.

pub mod eventlog;
pub(crate) mod history;
pub(crate) mod journal;
