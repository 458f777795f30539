//! One file, start to finish: the loader's findings (NX0xx), every rule and policy over each
//! workflow the file holds, template `Metadata` suppressions, all through the same selection,
//! `[severity]` and suppression step. `nexus lint`, `nexus run`, `nexus serve` and editor
//! integrations call [`lint_file`] and get the same findings for the same file.
//!
//! Not here: reading the file and walking directories (the caller's), rendering.

use std::sync::Arc;

use nexus_schema::source::LoadedSource;
use nexus_schema::{Diagnostic, DocKind};

use crate::{LintOptions, lint_deployed, suppress};

nexus_schema::declare_code! {
    /// ## What it does
    /// Reports a file named on the command line that has neither `StartAt` + `States` (ASL)
    /// nor `version` + `states` (NEXUS), and is not a template holding a state machine.
    /// ## Why is this bad?
    /// It was probably meant to be checked; nothing in it was.
    /// ## Example
    /// `nexus lint package.json`.
    pub static NOT_A_WORKFLOW = {
        code: NX006,
        name: "not-a-workflow",
        severity: Warning,
        summary: "A file given explicitly is neither a state machine nor a NEXUS workflow.",
    }
}

/// The findings of one file: the file itself, or a file it refers to (a SAM template's
/// `DefinitionUri`), whose findings are reported against that file.
#[derive(Debug)]
pub struct FileFindings {
    pub path: String,
    pub source: Arc<str>,
    /// Kind of the workflows in the file (`None`: not a workflow, or unreadable).
    pub kind: Option<DocKind>,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings removed by suppressions.
    pub suppressed: usize,
    /// A file a template refers to (SAM `DefinitionUri`), linted with that template's
    /// substitutions and machine type: where the same file is also linted on its own, this
    /// reading is the one AWS deploys.
    pub via_template: bool,
}

/// Lint a loaded file. `explicit`: the user named the file, so a file with no workflow in it
/// is worth a finding (NX006). The first entry is the file's own; the others are files it
/// refers to.
pub fn lint_file(
    path: &str,
    text: Arc<str>,
    loaded: &LoadedSource,
    explicit: bool,
    options: &LintOptions,
) -> Vec<FileFindings> {
    let mut file_level = loaded.diagnostics.clone();
    let kind = loaded
        .documents
        .first()
        .map(|d| d.kind)
        .or_else(|| nexus_schema::source::hint_from_name(path).kind);
    if explicit && loaded.is_unrecognised() {
        // An empty object named on the command line is a definition with nothing in it (a
        // deploy of it fails: "These fields are required: [StartAt, States]"), not some
        // other kind of file.
        let empty_object = text.trim_start_matches('\u{feff}').trim() == "{}";
        let mut d = NOT_A_WORKFLOW.at(
            "",
            if empty_object {
                "this file is an empty object: an ASL state machine needs `StartAt` and `States`"
            } else {
                "this file is neither an ASL state machine (`StartAt` + `States`) nor a NEXUS workflow (`version` + `states`)"
            },
        );
        if empty_object {
            d.severity = nexus_schema::Severity::Error;
        }
        file_level.push(d);
    }
    let sel = &options.selection;
    let mut diagnostics = Vec::new();
    let mut others: Vec<FileFindings> = Vec::new();
    let mut suppressed = 0;
    // The file's loader findings go through the first document of the file itself, where its
    // `nexus:ignore` directives are; with none, only configuration entries can suppress them.
    let host = loaded.documents.iter().position(|d| d.path == path);
    if host.is_none() {
        let mut own = std::mem::take(&mut file_level);
        crate::select(sel, &mut own);
        suppressed += suppress::apply_config(path, &mut own, &options.suppressions);
        diagnostics.extend(own);
    }
    for (i, doc) in loaded.documents.iter().enumerate() {
        // Findings about a file a template refers to are that document's to suppress.
        let mut extra: Vec<Diagnostic> = loaded
            .attached
            .iter()
            .filter(|(j, _)| *j == i)
            .map(|(_, d)| d.clone())
            .collect();
        if Some(i) == host {
            extra.append(&mut file_level);
        }
        let deployed_by = loaded.deployed_by.as_deref().filter(|_| doc.path == path);
        let mut report = lint_deployed(doc, extra, options, deployed_by);
        suppressed += report.suppressed;
        // Template resource `Metadata` suppressions: their own findings (unused, malformed)
        // are about the template file.
        for (_, meta) in loaded.metadata.iter().filter(|(j, _)| *j == i) {
            let mut m = suppress::MetadataSuppressions::read(doc, meta);
            suppressed += m.apply(&mut report.diagnostics);
            let mut own = m.findings(&|code, name| sel.enabled(code, name));
            crate::select(sel, &mut own);
            diagnostics.extend(own);
        }
        let found = report.diagnostics.into_iter();
        if doc.path == path {
            diagnostics.extend(found);
        } else {
            match others.iter_mut().find(|r| r.path == doc.path) {
                Some(r) => r.diagnostics.extend(found),
                None => others.push(FileFindings {
                    path: doc.path.clone(),
                    source: doc.source.clone(),
                    kind: Some(doc.kind),
                    diagnostics: found.collect(),
                    suppressed: 0,
                    via_template: true,
                }),
            }
        }
    }
    crate::sort(&mut diagnostics);
    let mut out = vec![FileFindings {
        path: path.to_string(),
        source: text,
        kind,
        diagnostics,
        suppressed,
        via_template: false,
    }];
    for mut r in others {
        crate::sort(&mut r.diagnostics);
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Selection, suppress::ConfigSuppression};
    use nexus_schema::Severity;
    use nexus_schema::source::load_source;

    fn run(path: &str, text: &str, explicit: bool, options: &LintOptions) -> Vec<FileFindings> {
        let text: Arc<str> = text.into();
        let loaded = load_source(path, text.clone());
        lint_file(path, text, &loaded, explicit, options)
    }

    fn codes(f: &FileFindings) -> Vec<(&str, Severity)> {
        f.diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.severity))
            .collect()
    }

    const DUPLICATE: &str =
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}"#;

    #[test]
    fn loader_codes_obey_ignore_and_severity() {
        let broken = run(
            "x.asl.json",
            "{\"StartAt\": ",
            true,
            &LintOptions::default(),
        );
        assert_eq!(codes(&broken[0]), [("NX001", Severity::Error)]);
        let mut options = LintOptions {
            selection: Selection {
                ignore: vec!["invalid-json".into()],
                ..Selection::default()
            },
            ..LintOptions::default()
        };
        assert!(
            run("x.asl.json", "{\"StartAt\": ", true, &options)[0]
                .diagnostics
                .is_empty()
        );

        // A loader finding about a file that did load (a duplicate key) is re-graded too.
        let plain = run("x.asl.json", DUPLICATE, true, &LintOptions::default());
        assert!(codes(&plain[0]).contains(&("NX002", Severity::Error)));
        options.selection = Selection {
            severity: vec![("NX002".into(), Severity::Warning)],
            ..Selection::default()
        };
        let graded = run("x.asl.json", DUPLICATE, true, &options);
        assert!(codes(&graded[0]).contains(&("NX002", Severity::Warning)));
    }

    #[test]
    fn not_a_workflow_only_for_named_files() {
        let options = LintOptions::default();
        let named = run("package.json", "{\"name\": \"x\"}", true, &options);
        assert_eq!(codes(&named[0]), [("NX006", Severity::Warning)]);
        assert!(
            run("package.json", "{\"name\": \"x\"}", false, &options)[0]
                .diagnostics
                .is_empty()
        );
        let mut quiet = LintOptions::default();
        quiet.selection.select = vec!["NX1".into()];
        assert!(
            run("package.json", "{}", true, &quiet)[0]
                .diagnostics
                .is_empty()
        );
    }

    #[test]
    fn configuration_suppresses_loader_findings() {
        let mut options = LintOptions::default();
        options.suppressions.push(Arc::new(ConfigSuppression {
            codes: vec!["NX001".into()],
            path: None,
            pointer: None,
            reason: "generated file".into(),
            base: std::path::PathBuf::from("."),
            origin: "nexus.toml: ignore[0]".into(),
            hits: Default::default(),
        }));
        let found = run("x.asl.json", "{", true, &options);
        assert!(found[0].diagnostics.is_empty());
        assert_eq!(found[0].suppressed, 1);
        assert_eq!(options.suppressions[0].hits(), 1);
    }

    #[test]
    fn end_of_line_directive_on_the_last_line_suppresses() {
        let options = LintOptions::default();
        let plain = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n    Bogus: 1";
        let unknown = |f: &FileFindings| codes(f).iter().any(|(c, _)| *c == "NX200");
        assert!(unknown(&run("w.asl.yaml", plain, true, &options)[0]));
        // The comment sits after the last node of the document, with and without a final
        // newline, and with trailing comment lines after it.
        for tail in ["", "\n", "\n\n# the end\n"] {
            let text = format!("{plain}  # nexus:ignore NX200 kept for the old runner{tail}");
            let found = run("w.asl.yaml", &text, true, &options);
            assert!(!unknown(&found[0]), "{tail:?}: {:?}", found[0].diagnostics);
            assert_eq!(found[0].suppressed, 1, "{tail:?}");
        }
    }

    #[test]
    fn directives_in_the_document_suppress_its_loader_findings() {
        let options = LintOptions::default();
        let plain = "version: \"1.0\"\nstates:\n  - name: A\n    Comment2: x\n    type: succeed\n";
        let found = run("w.nexus.yaml", plain, true, &options);
        assert!(
            codes(&found[0]).contains(&("NX015", Severity::Warning)),
            "{:?}",
            found[0].diagnostics
        );
        let ignored = plain.replace(
            "Comment2: x",
            "Comment2: x  # nexus:ignore NX015 kept as is",
        );
        let found = run("w.nexus.yaml", &ignored, true, &options);
        assert!(
            !codes(&found[0])
                .iter()
                .any(|(c, _)| *c == "NX015" || *c == "NX040"),
            "{:?}",
            found[0].diagnostics
        );
        assert!(found[0].suppressed >= 1);
    }
}
