//! `nexus serve`: the Step Functions API on the bundled engine (nexus-serve), and
//! `nexus log verify|show FILE`: read-only checks of an event log.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use nexus_engine::eventlog::{self, Entry};
use nexus_serve::arn::Partition;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one; the address is printed on standard error).
    #[arg(long, short = 'p', default_value_t = 8083)]
    pub port: u16,

    /// Address to bind. Request signatures are accepted, not verified: keep the default
    /// (loopback) unless the network is trusted.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,

    /// Where state machines, executions and their event logs are kept [default: the user's
    /// data directory, `$XDG_DATA_HOME/nexus/serve` or `~/.local/share/nexus/serve`].
    #[arg(long, value_name = "DIR", env = "NEXUS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Handlers file (YAML or JSON) for Task resources, as `nexus run --handlers`.
    #[arg(long, value_name = "FILE")]
    pub handlers: Option<PathBuf>,

    /// Step Functions Local mock configuration: executions started with
    /// `stateMachineArn#TestCase` answer their Tasks from it.
    #[arg(long, value_name = "FILE")]
    pub mock_config: Option<PathBuf>,

    /// Run executions on a virtual clock (Wait states and retry back-off take no time).
    #[arg(long)]
    pub virtual_clock: bool,

    /// Region in ARNs.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,

    /// Account id in ARNs.
    #[arg(long, default_value = "123456789012")]
    pub account: String,

    /// How long GetActivityTask waits for a task, in seconds (AWS: 60).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub activity_poll: u64,

    /// Force every acknowledged change (started, stopped and redriven executions, event-log
    /// sync points, state machines, activities) to stable storage, so that it also survives
    /// an operating-system crash or a power loss; slower. Without it, every change reaches
    /// the operating system before the request answers, which a killed server (even
    /// `kill -9`) cannot lose.
    #[arg(long)]
    pub fsync: bool,
}

fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("nexus").join("serve")
}

pub fn run(args: ServeArgs) -> u8 {
    let handlers = match crate::run_cmd::load_handlers(args.handlers.as_deref()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mock_config = match args
        .mock_config
        .as_deref()
        .map(crate::run_cmd::load_mock_config)
    {
        None => None,
        Some(Ok(c)) => Some(Arc::new(c)),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let shown = data_dir.display().to_string();
    let opts = nexus_serve::ServeOptions {
        addr: SocketAddr::new(args.host, args.port),
        data_dir,
        config: nexus_serve::Config {
            partition: Partition {
                region: args.region,
                account: args.account,
            },
            handlers,
            mock_config,
            virtual_clock: args.virtual_clock,
            activity_poll: std::time::Duration::from_secs(args.activity_poll),
            fsync: args.fsync,
        },
        on_ready: Box::new(move |addr, resumed| {
            eprintln!("nexus serve: listening on http://{addr} (data in {shown})");
            if resumed > 0 {
                eprintln!(
                    "nexus serve: resumed {resumed} unfinished execution{}",
                    if resumed == 1 { "" } else { "s" }
                );
            }
        }),
    };
    match nexus_serve::run(opts) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// `nexus log ...`.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Verify every link of an event log's hash chain and print the head hash (exit 1 when
    /// the log was altered or damaged).
    Verify(LogArgs),
    /// Print the entries of an event log (after verifying it), one per line.
    Show(LogShowArgs),
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The event log (JSON Lines).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct LogShowArgs {
    /// The event log (JSON Lines).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Print the history events as one JSON array (GetExecutionHistory's `events`) instead
    /// of a line per entry.
    #[arg(long)]
    pub json: bool,
}

pub fn run_log(cmd: &LogCommand) -> u8 {
    let file = match cmd {
        LogCommand::Verify(a) => &a.file,
        LogCommand::Show(a) => &a.file,
    };
    let summary = match eventlog::verify(file) {
        Ok(s) => s,
        Err(eventlog::VerifyError::Io(e)) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return 2;
        }
        Err(e) => {
            eprintln!("{}: does not verify: {e}", file.display());
            return 1;
        }
    };
    match cmd {
        LogCommand::Verify(_) => {
            println!(
                "{}: ok, {} entr{}, head {}",
                file.display(),
                summary.entries,
                if summary.entries == 1 { "y" } else { "ies" },
                summary.last_hash
            );
        }
        LogCommand::Show(a) if a.json => {
            let events: Vec<&serde_json::Value> = summary.events().collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&events).unwrap_or_default()
            );
        }
        LogCommand::Show(_) => {
            for l in &summary.lines {
                let body = match &l.entry {
                    Entry::Event(e) | Entry::Record(e) => e.to_string(),
                };
                println!("{:>5} {:<40} {body}", l.seq, l.entry.describe());
            }
            println!("head {}", summary.last_hash);
        }
    }
    if let Some(t) = summary.torn_tail {
        eprintln!(
            "note: line {} ({} bytes) is an incomplete write (a crash mid-entry); it is not part of the log",
            t.line, t.bytes
        );
    }
    0
}
