//! Which files `nexus lint` looks at.
//!
//! - A file named on the command line is always checked (and reported when it is not a
//!   workflow).
//! - A directory is walked recursively, honouring `.gitignore`, `.ignore` and hidden-file
//!   rules (the `ignore` crate, as ripgrep does); every `.json`, `.yaml`, `.yml` and `.asl`
//!   file is a candidate and its content decides (`StartAt` + `States`, `version` + `states`, or a
//!   template). A candidate whose text has none of the keys any of those needs is passed over
//!   unparsed (`nexus_schema::source::may_hold_workflow`), so other tools' broken or JSONC
//!   files are not reported; nor is the syntax error of a file whose name does not say ASL or
//!   NEXUS and whose text before the error names no workflow or template key
//!   (`nexus_schema::source::forget_foreign_syntax_error`).
//! - An argument that does not exist and contains `*`, `?`, `[` or `{` is a glob, matched
//!   against the files under its literal prefix.
//!
//! Output order is deterministic: inputs in the order given, files of a directory sorted.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A file to check.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: PathBuf,
    /// The path as shown in output (relative as the user wrote it).
    pub display: String,
    /// Named directly by the user (so "not a workflow" is worth saying).
    pub explicit: bool,
}

/// Extensions a workflow file can have.
fn is_candidate_name(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("json" | "yaml" | "yml" | "asl")
    )
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Expand the command-line inputs into files. Problems (missing paths, bad globs) are
/// returned as messages; the caller treats them as tool failures.
pub fn discover(inputs: &[String]) -> (Vec<Candidate>, Vec<String>) {
    let defaults = [".".to_string()];
    let inputs = if inputs.is_empty() {
        &defaults[..]
    } else {
        inputs
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    // One input names every file once (the walk does not follow symbolic links); several
    // may overlap, so their files are compared by canonical path (a few system calls each).
    let dedup = inputs.len() > 1;
    let mut add = |c: Candidate, out: &mut Vec<Candidate>| {
        if !dedup {
            out.push(c);
            return;
        }
        let key = c.path.canonicalize().unwrap_or_else(|_| c.path.clone());
        if seen.insert(key) {
            out.push(c);
        }
    };
    for input in inputs {
        let path = Path::new(input);
        if path.is_file() {
            add(
                Candidate {
                    path: path.to_path_buf(),
                    display: display(path),
                    explicit: true,
                },
                &mut out,
            );
        } else if path.is_dir() {
            for p in walk(path, is_candidate_name) {
                let d = display(&p);
                add(
                    Candidate {
                        path: p,
                        display: d,
                        explicit: false,
                    },
                    &mut out,
                );
            }
        } else if input.contains(['*', '?', '[', '{']) {
            match glob(input) {
                Ok(files) if files.is_empty() => errors.push(format!("no files match `{input}`")),
                Ok(files) => {
                    for p in files {
                        let d = display(&p);
                        add(
                            Candidate {
                                path: p,
                                display: d,
                                explicit: true,
                            },
                            &mut out,
                        );
                    }
                }
                Err(e) => errors.push(format!("invalid glob `{input}`: {e}")),
            }
        } else {
            errors.push(format!("no such file or directory: {input}"));
        }
    }
    (out, errors)
}

/// Files under `root` accepted by `keep`, sorted, honouring ignore files.
fn walk(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .standard_filters(true)
        // Honour .gitignore even outside a git repository (a fresh tarball, a CI cache).
        .require_git(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| keep(p))
        .collect();
    files.sort_by_cached_key(|p| sort_key(p));
    files
}

/// A key whose byte order is `Path`'s component order for the walk's paths (all under one
/// root, no `.` or empty components): separators become 0, below every byte of a name.
/// Comparing `Path`s parses their components on every comparison, which was a third of
/// linting a directory of a few hundred small files.
fn sort_key(p: &Path) -> Vec<u8> {
    p.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|&b| {
            if std::path::is_separator(b as char) {
                0
            } else {
                b
            }
        })
        .collect()
}

/// Files matching a glob, found under the glob's literal directory prefix.
fn glob(pattern: &str) -> Result<Vec<PathBuf>, globset::Error> {
    let normalized = pattern.strip_prefix("./").unwrap_or(pattern);
    let matcher = globset::GlobBuilder::new(normalized)
        .literal_separator(true)
        .build()?
        .compile_matcher();
    let literal: Vec<&str> = normalized
        .split('/')
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .collect();
    let base = if literal.is_empty() {
        PathBuf::from(".")
    } else {
        PathBuf::from(literal.join("/"))
    };
    Ok(walk(&base, |p| {
        let rel = p.strip_prefix("./").unwrap_or(p);
        matcher.is_match(rel)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_names() {
        assert!(is_candidate_name(Path::new("a/b.asl.json")));
        assert!(is_candidate_name(Path::new("wf.nexus.YML")));
        assert!(!is_candidate_name(Path::new("README.md")));
    }

    /// The sort key orders paths as `Path`'s own comparison does, on names where the two
    /// would differ if separators were compared as `/` (`-`, `.`, space sort below `/`).
    #[test]
    fn sort_key_orders_as_path_components() {
        let names = ["a", "a-b", "a.b", "a b", "a0", "ab", "é", "A", "a~"];
        let mut paths = Vec::new();
        for x in names {
            paths.push(PathBuf::from(format!("root/{x}")));
            for y in names {
                paths.push(PathBuf::from(format!("root/{x}/{y}")));
                paths.push(PathBuf::from(format!("root/{x}/{y}/z.asl.json")));
            }
        }
        let mut by_path = paths.clone();
        by_path.sort();
        let mut by_key = paths;
        by_key.sort_by_cached_key(|p| sort_key(p));
        assert_eq!(by_key, by_path);
    }
}
