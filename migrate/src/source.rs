//! Text in, text out: what `nexus migrate stepfunctions` and `nexus export asl` do with one
//! file, through the same loaders as `nexus lint` (so a syntax error has the same location and
//! a template yields the same machines). The CLI adds only files, flags and rendering; the
//! corpus tests call these functions, so they test the code path users run.

use std::sync::Arc;

use nexus_schema::diagnostic::{Diagnostic, Severity, Target};
use nexus_schema::location::LocationMap;
use nexus_schema::source::load_source_with;
use nexus_schema::template::{Resolver, UNDEFINED_SUBSTITUTION, UNUSED_SUBSTITUTION};
use nexus_schema::{DocKind, Document};
use serde_json::Value;

use crate::{Exported, Migrated, export, migrate_as};

/// One state machine of a migrated file.
#[derive(Clone, Debug)]
pub struct Machine {
    /// The file the definition's text is in (a SAM `DefinitionUri` file, else the input).
    pub path: String,
    /// The template's logical id (or `serverless.yml` key) when the input is a template.
    pub label: Option<String>,
    /// Index of the YAML document within the input (0 for JSON).
    pub index: usize,
    /// The NEXUS YAML text and its notes (pointers into it, no spans).
    pub migrated: Migrated,
}

/// The result of [`migrate_source`].
#[derive(Clone, Debug, Default)]
pub struct SourceMigration {
    /// The machines found, in file order. Empty when `diagnostics` has an error.
    pub machines: Vec<Machine>,
    /// Problems of the input itself (syntax errors, duplicate keys, unreadable template
    /// definitions), spans into the input text.
    pub diagnostics: Vec<Diagnostic>,
    /// NEXUS workflows found in the input (already migrated; left alone).
    pub nexus: usize,
    /// The input is a CloudFormation, SAM or Serverless Framework template.
    pub template: bool,
}

impl SourceMigration {
    /// Whether the input had an error-level problem (then nothing was migrated).
    pub fn failed(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Migrate every ASL state machine of a file: a definition (JSON or YAML, several YAML
/// documents allowed) or a template holding state machines.
///
/// `path` names the input in headers and decides the syntax by its extension, as for
/// `nexus lint` (`<stdin>`: JSON when the text starts with `{`, else YAML). `name` is the
/// workflow's `name:` for a plain definition (default: the file's stem); machines of a
/// template are named after their logical id.
pub fn migrate_source(
    path: &str,
    text: Arc<str>,
    name: Option<&str>,
    resolver: &dyn Resolver,
) -> SourceMigration {
    let loaded = load_source_with(path, text, resolver);
    let mut out = SourceMigration {
        // Substitution checks are findings for `nexus lint`; migration keeps placeholders
        // as written and notes them (NX403).
        diagnostics: loaded
            .diagnostics
            .into_iter()
            .filter(|d| d.code != UNDEFINED_SUBSTITUTION.code && d.code != UNUSED_SUBSTITUTION.code)
            .collect(),
        template: loaded
            .documents
            .iter()
            .any(|d| d.kind == DocKind::Asl && d.label.is_some()),
        ..SourceMigration::default()
    };
    if out.failed() {
        return out;
    }
    let asl_docs = loaded
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::Asl)
        .count();
    for doc in &loaded.documents {
        if doc.kind == DocKind::Nexus {
            out.nexus += 1;
            continue;
        }
        let (source, name) = match &doc.label {
            Some(label) => (format!("{} ({label})", doc.path), Some(label.clone())),
            None if asl_docs > 1 => (
                format!("{} (document {})", doc.path, doc.index + 1),
                Some(format!("{}-{}", crate::stem(&doc.path), doc.index + 1)),
            ),
            None => (doc.path.clone(), name.map(str::to_string)),
        };
        // The ASL view: for a template, intrinsic functions become the `${...}` strings
        // CloudFormation puts there; for a definition file it is the value as written.
        let migrated = migrate_as(&doc.asl, &source, name.as_deref());
        out.machines.push(Machine {
            path: doc.path.clone(),
            label: doc.label.clone(),
            index: doc.index,
            migrated,
        });
    }
    out
}

/// One exported workflow.
#[derive(Clone, Debug)]
pub struct ExportedDoc {
    /// The NEXUS document as loaded (for linting its ASL view with locations).
    pub document: Document,
    /// Plain ASL and the export notes, spans into the input text.
    pub exported: Exported,
    /// The ASL as pretty JSON (2-space indent, keys in document order), ending in a newline.
    pub json: String,
}

/// Why [`export_source`] produced nothing.
#[derive(Clone, Debug)]
pub enum ExportError {
    /// The input has errors (syntax, NEXUS structure, constructs with no ASL form), with
    /// spans into the input text.
    Invalid(Vec<Diagnostic>),
    /// The input holds no NEXUS workflow (the message says what it is instead).
    NotNexus(String),
}

/// Export every NEXUS workflow of a file to plain ASL.
pub fn export_source(path: &str, text: Arc<str>) -> Result<Vec<ExportedDoc>, ExportError> {
    let loaded = nexus_schema::source::load_source(path, text);
    let errors: Vec<Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(ExportError::Invalid(errors));
    }
    let docs: Vec<&Document> = loaded
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::Nexus)
        .collect();
    if docs.is_empty() {
        let what = if loaded.documents.is_empty() {
            "no workflow (a NEXUS workflow has `version` and `states`)"
        } else {
            "an ASL state machine, not a NEXUS workflow (it is plain ASL already)"
        };
        return Err(ExportError::NotNexus(format!("{path} holds {what}")));
    }
    let mut out = Vec::with_capacity(docs.len());
    let mut errors = Vec::new();
    for doc in docs {
        match export(&doc.raw) {
            Ok(mut exported) => {
                for n in &mut exported.notes {
                    locate(n, &doc.locations);
                }
                let json = pretty(&exported.asl);
                out.push(ExportedDoc {
                    document: doc.clone(),
                    exported,
                    json,
                });
            }
            Err(mut ds) => {
                for d in &mut ds {
                    locate(d, &doc.locations);
                }
                errors.extend(ds);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ExportError::Invalid(errors))
    }
}

/// Pretty JSON with a final newline. Same value → same bytes (`preserve_order`).
pub fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

/// Fill in the span of a diagnostic whose pointer is into a document with `locations`: the
/// node itself (its key when the diagnostic is about the key), else its nearest ancestor.
pub fn locate(d: &mut Diagnostic, locations: &LocationMap) {
    if d.span.is_some() {
        return;
    }
    d.span = match locations.get(&d.pointer) {
        Some(l) if d.target == Target::Key => Some(l.key.unwrap_or(l.value)),
        Some(l) => Some(l.value),
        None => locations.nearest_value_span(&d.pointer).map(|(_, s)| s),
    };
}

/// Spans for migration notes: the emitted YAML is loaded again (it is ours, so it loads) and
/// each note's pointer resolved in it.
pub fn locate_notes(yaml: &str, notes: &mut [Diagnostic]) {
    let options = nexus_schema::load::YamlOptions::default();
    if let Ok(docs) = nexus_schema::load::load_yaml(yaml, &options)
        && let Some(doc) = docs.first()
    {
        for n in notes {
            locate(n, &doc.locations);
        }
    }
}
