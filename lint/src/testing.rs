//! Fixture snapshots for rules: every file under `fixtures/invalid/<CODE>-<name>/` is linted,
//! must report `<CODE>` at least once, and its diagnostics are snapshotted in plain text.
//! Every file under `fixtures/valid/` must report nothing at all.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_schema::LineIndex;
use nexus_schema::source::load_source;

use crate::{LintOptions, lint};

pub(crate) fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// All diagnostics (load + rules) of one fixture file, rendered as plain text.
pub(crate) fn render_file(path: &Path) -> (String, Vec<String>) {
    render_file_with(path, &LintOptions::default())
}

/// [`render_file`] with other options (the bundled policy pack, say).
pub(crate) fn render_file_with(path: &Path, options: &LintOptions) -> (String, Vec<String>) {
    let text: Arc<str> = std::fs::read_to_string(path).unwrap().into();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let loaded = load_source(&name, text.clone());
    let mut diags = loaded.diagnostics;
    for doc in &loaded.documents {
        diags.extend(lint(doc, options));
    }
    let index = LineIndex::new(&text);
    let mut out = String::new();
    let mut codes = Vec::new();
    for d in &diags {
        codes.push(d.code.to_string());
        let pos = d.span.map(|s| {
            let lc = index.line_col(&text, s.start);
            format!("{}:{}", lc.line, lc.column)
        });
        out.push_str(&format!(
            "{} {} [{}] at {} {}\n  {}\n",
            d.code,
            d.severity.as_str(),
            d.name,
            pos.unwrap_or_else(|| "-".into()),
            if d.pointer.is_empty() {
                "/"
            } else {
                &d.pointer
            },
            d.message
        ));
        for n in &d.notes {
            let at = n.span.map(|s| {
                let lc = index.line_col(&text, s.start);
                format!(" ({}:{})", lc.line, lc.column)
            });
            out.push_str(&format!(
                "  note: {}{}\n",
                n.message,
                at.unwrap_or_default()
            ));
        }
        if let Some(h) = &d.help {
            out.push_str(&format!("  help: {h}\n"));
        }
    }
    (format!("# Input\n{text}\n# Diagnostics\n{out}"), codes)
}

/// The snapshot test of one rule.
pub(crate) fn check_rule_fixtures(code: &str) {
    let root = fixtures_root().join("invalid");
    let dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{code}-"))
        })
        .collect();
    assert_eq!(
        dirs.len(),
        1,
        "expected exactly one fixture folder {code}-* in {}",
        root.display()
    );
    let dir = dirs[0].path();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no fixtures", dir.display());
    for file in files {
        let (snap, codes) = render_file(&file);
        assert!(
            codes.iter().any(|c| c == code),
            "{} does not report {code}:\n{snap}",
            file.display()
        );
        let name = format!("{}", file.file_name().unwrap().to_string_lossy());
        insta::with_settings!({snapshot_path => "rules/snapshots", snapshot_suffix => name, prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(code, snap);
        });
    }
}

macro_rules! fixture_snapshots {
    ($code:ident) => {
        #[test]
        fn fixtures_report_this_rule() {
            crate::testing::check_rule_fixtures(stringify!($code));
        }
    };
}
pub(crate) use fixture_snapshots;

#[test]
fn valid_fixtures_report_nothing() {
    let mut stack = vec![fixtures_root().join("valid")];
    let mut n = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let (snap, codes) = render_file(&p);
            assert!(
                codes.is_empty(),
                "valid fixture {} reports:\n{snap}",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n > 0, "no valid fixtures found");
}
