//! The built-in rules, one file each (STYLE.md §3). Adding a rule: write the file, add it to
//! [`all`], add `fixtures/invalid/<CODE>-<name>/`.

use nexus_schema::{Code, Severity};

use crate::rule::{Rule, RuleMeta};

mod dangling_transition;
mod duplicate_state_name;
mod invalid_scope;
mod no_path_to_end;
mod no_terminal_state;
mod state_name_too_long;
mod unknown_start_at;
mod unreachable_state;

/// Every rule, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &invalid_scope::InvalidScope,
        &unknown_start_at::UnknownStartAt,
        &unreachable_state::UnreachableState,
        &dangling_transition::DanglingTransition,
        &no_terminal_state::NoTerminalState,
        &no_path_to_end::NoPathToEnd,
        &duplicate_state_name::DuplicateStateName,
        &state_name_too_long::StateNameTooLong,
    ]
}

macro_rules! load_meta {
    ($id:ident, $code:expr, $name:expr, $summary:expr, $docs:expr) => {
        load_meta!($id, $code, $name, Severity::Error, $summary, $docs);
    };
    ($id:ident, $code:expr, $name:expr, $severity:expr, $summary:expr, $docs:expr) => {
        static $id: RuleMeta = RuleMeta {
            code: $code,
            name: $name,
            severity: $severity,
            summary: $summary,
            docs: $docs,
            aws_code: None,
        };
    };
}

load_meta!(
    INVALID_JSON,
    nexus_schema::load::INVALID_JSON,
    "invalid-json",
    "The file is not valid JSON.",
    "## What it does\nReports JSON syntax errors at the byte where parsing stopped.\n## Why is this bad?\nAWS rejects the definition before looking at it.\n## Example\n`{\"StartAt\": \"A\",}` (trailing comma)."
);
load_meta!(
    DUPLICATE_KEY,
    nexus_schema::load::DUPLICATE_KEY,
    "duplicate-key",
    "An object has the same key twice.",
    "## What it does\nReports every key that repeats within one object, naming both places.\n## Why is this bad?\nAWS rejects duplicate keys; many JSON parsers silently keep the last one, so what you review is not what runs.\n## Example\nTwo `\"Next\"` members in one state."
);
load_meta!(
    INVALID_YAML,
    nexus_schema::load::INVALID_YAML,
    "invalid-yaml",
    "The file is not valid YAML.",
    "## What it does\nReports YAML syntax errors where the parser stopped.\n## Why is this bad?\nNothing in the file can be checked or run.\n## Example\nA tab used for indentation."
);
load_meta!(
    YAML_LIMIT,
    nexus_schema::load::YAML_LIMIT,
    "yaml-limit-exceeded",
    "A YAML document is nested too deeply or expands to too many nodes.",
    "## What it does\nStops loading documents that nest deeper than 256 levels or expand (through aliases) to more than 1,000,000 nodes.\n## Why is this bad?\nSuch documents (\"billion laughs\") exhaust memory or the stack; no real workflow needs them.\n## Example\nNine levels of aliases, each repeating the previous one ten times."
);
load_meta!(
    UNSUPPORTED_YAML,
    nexus_schema::load::UNSUPPORTED_YAML,
    "unsupported-yaml",
    "A YAML construct has no JSON meaning.",
    "## What it does\nReports YAML that cannot become JSON: a mapping used as a key, `.nan`, `.inf`.\n## Why is this bad?\nA workflow is JSON data; such a node cannot be deployed or run.\n## Example\n`? [a, b] : c`."
);
load_meta!(
    NOT_A_WORKFLOW,
    NOT_A_WORKFLOW_CODE,
    "not-a-workflow",
    Severity::Warning,
    "A file given explicitly is neither a state machine nor a NEXUS workflow.",
    "## What it does\nReports a file named on the command line that has neither `StartAt` + `States` (ASL) nor `version` + `states` (NEXUS).\n## Why is this bad?\nIt was probably meant to be checked; nothing in it was.\n## Example\n`nexus lint package.json`."
);

/// NX006: a file named explicitly is not a workflow.
pub const NOT_A_WORKFLOW_CODE: Code = Code("NX006");

/// The metadata of NX006 (`not-a-workflow`), for the loader in the CLI.
pub fn not_a_workflow() -> &'static RuleMeta {
    &NOT_A_WORKFLOW
}

/// Metadata of the codes the loaders report (they are not rules, but `nexus rules` lists them).
pub fn load_codes() -> Vec<&'static RuleMeta> {
    vec![
        &INVALID_JSON,
        &DUPLICATE_KEY,
        &INVALID_YAML,
        &YAML_LIMIT,
        &UNSUPPORTED_YAML,
        &NOT_A_WORKFLOW,
    ]
}

/// State names of `scope`, for "did you mean" notes.
pub(crate) fn closest_name<'a>(
    target: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&target.to_lowercase(), &c.to_lowercase());
        let limit = (target.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_is_consistent() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for m in crate::registry() {
            assert!(codes.insert(m.code), "code {} used twice", m.code);
            assert!(names.insert(m.name), "name {} used twice", m.name);
            assert!(
                m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                m.name
            );
            for h in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(m.docs.contains(h), "{} docs lack `{h}`", m.code);
            }
        }
        for r in all() {
            let m = r.meta();
            let dir = format!("{root}/fixtures/invalid/{}-{}", m.code, m.name);
            assert!(
                std::path::Path::new(&dir).is_dir(),
                "rule {} has no fixture folder {dir}",
                m.code
            );
        }
        // Every file in this folder is registered.
        let here = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules");
        let files = std::fs::read_dir(here)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                let n = e.file_name().to_string_lossy().to_string();
                n.ends_with(".rs") && n != "mod.rs"
            });
        assert_eq!(
            files.count(),
            all().len(),
            "a file in lint/src/rules is not registered in all()"
        );
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            closest_name("LogTransacton", ["LogTransaction", "Other"].into_iter()),
            Some("LogTransaction")
        );
        assert_eq!(closest_name("Zzz", ["LogTransaction"].into_iter()), None);
    }
}
