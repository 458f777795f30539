//! nexus-engine: runs a workflow with the semantics of AWS Step Functions (JSONPath and JSONata
//! data flow, intrinsic functions, the context object, variables, Choice, Wait on a virtual
//! clock, Parallel, Map, Retry/Catch, Fail/Succeed), with Task handlers (mock configs, local
//! programs, HTTP) and an append-only, hash-chained event log.
//!
//! Depends only on `nexus-schema` (expression languages live there so lint and run agree).
