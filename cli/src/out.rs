//! Standard output of every command. Rust ignores SIGPIPE, so a reader that goes away
//! (`nexus rules | head`) turns the next write into an `EPIPE` error, which `println!` answers
//! with a panic (exit 101). Here a closed pipe is not an error: the rest of the output is
//! dropped and the command ends with its usual exit code, as ripgrep and git do.

use std::io::Write;

/// Write `text` to standard output and flush it. `Ok` when the reader closed the pipe; any
/// other failure (a full disk behind a redirect) is returned for the command to report.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

/// [`write_stdout`] for plain listings: a write failure other than a closed pipe is reported
/// on standard error once per call.
pub fn print(text: &str) {
    if let Err(e) = write_stdout(text) {
        eprintln!("error: cannot write to standard output: {e}");
    }
}

/// `println!` that survives a closed pipe (see the module docs).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::print(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that survives a closed pipe (see the module docs).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::print(&format!($($arg)*))
    };
}

pub(crate) use {out, outln};
