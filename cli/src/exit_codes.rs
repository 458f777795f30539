//! The exit codes of every command, declared once: `nexus --help` prints the whole table,
//! `nexus <command> --help` its own row, and `docs/architecture.md` ("Exit codes") holds the
//! same table (a test keeps the two equal).

/// `(command, meaning of each code)`, in the order of `nexus --help`.
pub const EXIT_CODES: &[(&str, &str)] = &[
    (
        "lint",
        "0 no finding at or above --fail-on (default error); 1 such findings; 2 nexus could not do its job (unreadable file, bad configuration)",
    ),
    ("rules", "0 printed; 2 no such rule"),
    (
        "run",
        "0 the execution SUCCEEDED; 1 it FAILED or TIMED_OUT; 2 nexus could not run it (unreadable file, input that is not JSON, bad handlers or mock file, an event log that does not verify or does not fit, lint errors); 3 it FAILED and some NEXUS compensations failed too (Nexus.CompensationFailed)",
    ),
    (
        "serve",
        "0 stopped cleanly; 2 could not start or serve (bad handlers or mock file, address or data directory unusable)",
    ),
    (
        "log verify/show",
        "0 the log verifies; 1 it does not verify; 2 it cannot be read",
    ),
    (
        "graph",
        "0 drawn; 2 unreadable file, or no (such) state machine in it",
    ),
    (
        "test",
        "0 every case passed; 1 a case failed; 2 something could not run",
    ),
    (
        "test-state",
        "0 the state's status is SUCCEEDED; 1 another status (FAILED, CAUGHT_ERROR, RETRIABLE); 2 the request was rejected or could not run",
    ),
    (
        "policy test",
        "0 all tests passed; 1 a test failed; 2 the policies do not load",
    ),
    ("policy input", "0 printed; 2 unreadable file"),
    (
        "init",
        "0 written; 2 could not write (a file exists without --force)",
    ),
    ("schema", "0 printed; 2 no such schema"),
    (
        "migrate stepfunctions",
        "0 migrated (and written); 1 an input has errors (nothing written), or with --check an output would change; 2 nexus could not do its job",
    ),
    (
        "export asl",
        "0 exported (and written); 1 the workflow has errors or no ASL form (nothing written), or with --check the output would change; 2 nexus could not do its job",
    ),
    (
        "deploy",
        "0 deployed, or nothing to do; 1 lint errors refused the deploy; 2 anything else (an AWS error, a nexus built without the aws feature)",
    ),
    ("completions", "0 printed; 2 could not write"),
];

/// The table as `nexus --help` prints it after the commands.
pub fn all() -> String {
    let mut s = String::from("Exit codes:\n");
    for (cmd, codes) in EXIT_CODES {
        s.push_str(&format!("  {cmd}: {codes}\n"));
    }
    s
}

/// One command's row, for `nexus <command> --help`.
pub fn of(command: &str) -> String {
    EXIT_CODES
        .iter()
        .find(|(c, _)| *c == command)
        .map(|(_, codes)| format!("Exit codes: {codes}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::EXIT_CODES;

    /// The table as `docs/architecture.md` holds it (Markdown).
    fn markdown() -> String {
        let mut s = String::from("| command | exit codes |\n| --- | --- |\n");
        for (cmd, codes) in EXIT_CODES {
            s.push_str(&format!("| `nexus {cmd}` | {codes} |\n"));
        }
        s
    }

    /// docs/architecture.md holds the table (`NEXUS_UPDATE_DOCS=1` rewrites it).
    #[test]
    fn architecture_md_lists_every_exit_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let table = markdown();
        if std::env::var_os("NEXUS_UPDATE_DOCS").is_some() {
            let start = text.find("| command | exit codes |");
            let end = start.and_then(|s| {
                text[s..]
                    .find("\n\n")
                    .map(|e| s + e + 1)
                    .or(Some(text.len()))
            });
            let new = match (start, end) {
                (Some(s), Some(e)) => format!("{}{table}{}", &text[..s], &text[e..]),
                _ => format!("{text}\n## Exit codes\n\n{table}"),
            };
            std::fs::write(&path, new).unwrap_or_default();
            return;
        }
        assert!(
            text.contains(&table),
            "docs/architecture.md lacks the current exit-code table; run NEXUS_UPDATE_DOCS=1 cargo test -p nexus-cli exit_codes"
        );
    }

    #[test]
    fn every_command_has_a_row() {
        use clap::CommandFactory;
        for c in crate::args::Cli::command().get_subcommands() {
            let name = c.get_name();
            assert!(
                super::EXIT_CODES
                    .iter()
                    .any(|(cmd, _)| cmd.split(' ').next() == Some(name)),
                "no exit codes for `nexus {name}`"
            );
        }
    }
}
