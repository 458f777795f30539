//! nexus-serve: a Step Functions–compatible local service (`nexus serve`) over the bundled
//! engine. SDKs and the AWS CLI talk to it unchanged with `--endpoint-url`: the AWS JSON 1.0
//! protocol (`POST /`, `X-Amz-Target: AWSStepFunctions.<Operation>`), AWS's error shape and
//! statuses, state machines with versions and aliases, executions (durable, with their event
//! logs), callbacks, activities and child executions, and `/metrics`.
//!
//! Durable: every state machine, activity and execution is a record in the data directory,
//! and every execution writes the engine's hash-chained event log; a service killed at any
//! moment resumes its running executions when it starts again ([`Service::recover`]).
//!
//! Request signatures are accepted, not verified: bind it to 127.0.0.1 (the default).

mod api;
pub mod arn;
mod error;
mod history;
mod http;
mod map_runs;
mod metrics;
mod service;
pub mod store;
mod tasks;
mod test_state;
mod validate;
mod versions;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use error::{ApiError, ServeError};
pub use metrics::Metrics;
pub use service::{Config, MAX_PAYLOAD, Service};

/// What `nexus serve` runs with.
pub struct ServeOptions {
    /// Address to listen on (port 0 picks a free one).
    pub addr: SocketAddr,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Service settings.
    pub config: Config,
    /// Called once listening, with the bound address and the number of resumed executions.
    pub on_ready: Box<dyn FnOnce(SocketAddr, usize) + Send>,
}

/// Runs the service until the process ends.
pub fn run(opts: ServeOptions) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    rt.block_on(async move {
        let svc = Service::open(opts.config, &opts.data_dir)?;
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: opts.addr.to_string(),
                source,
            })?;
        let bound = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: opts.addr.to_string(),
            source,
        })?;
        let resumed = svc.recover();
        (opts.on_ready)(bound, resumed);
        http::serve(listener, svc).await;
        Ok(())
    })
}
