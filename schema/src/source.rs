//! From a file's text to [`Document`]s: pick the syntax (JSON/YAML) and the kind (ASL/NEXUS)
//! from the name and the content, load with locations, lower NEXUS to its ASL view.
//!
//! Detection, in order: `*.asl.json|yaml|yml` and `*.asl` (JSON or YAML by content) are ASL, `*.nexus.yaml|yml` are NEXUS; other
//! `.json`/`.yaml`/`.yml` files are ASL when the document has a string `StartAt` or an object
//! `States` (one without the other is an ASL document missing a required field), NEXUS
//! when it has `version` and `states`, and otherwise not a workflow (skipped by discovery,
//! reported when the user named the file). A file that is none of these but a CloudFormation,
//! SAM or Serverless Framework template yields one document per state machine inside it
//! ([`crate::template`]); YAML that mentions a template is loaded with CloudFormation's short
//! tags (`!Sub`, `!Ref`, `!GetAtt`) turned into their long form.

use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::document::{DocKind, Document, SourceFormat};
use crate::load::{self, YamlOptions};
use crate::template;

/// The largest file nexus reads as a definition, NEXUS workflow or template: 16 MiB, sixteen
/// times the 1 MB AWS Step Functions accepts for a definition (AWS "Quotas": maximum
/// definition size), and about 40,000 states of `bench/gen-definition.py`. Loading costs about
/// 40 bytes of memory per byte of text, so the bound keeps a run under about 700 MB. A larger
/// file is refused with [`load::FILE_TOO_LARGE`] (NX007); `docs/run.md` states the limit.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;

/// Reads a definition, workflow or template file, at most a few bytes past
/// [`MAX_SOURCE_BYTES`]: a larger file is not read whole (a 10 GB file costs no time or
/// memory); what was read is enough for [`load_source`] to refuse it with NX007.
pub fn read_source(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    read_source_from(std::fs::File::open(path)?)
}

/// [`read_source`] for any reader (standard input).
pub fn read_source_from(reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut buf = Vec::new();
    // Up to 4 bytes over: a UTF-8 character the bound cuts in two still leaves a valid
    // prefix longer than the limit, so an oversized file is reported as NX007 and not as a
    // UTF-8 error at the cut.
    reader
        .take(MAX_SOURCE_BYTES as u64 + 4)
        .read_to_end(&mut buf)?;
    if buf.len() > MAX_SOURCE_BYTES {
        let valid = std::str::from_utf8(&buf).map_or_else(|e| e.valid_up_to(), str::len);
        if valid > MAX_SOURCE_BYTES {
            buf.truncate(valid);
        }
    }
    Ok(buf)
}

/// [`read_source`] as text; an error names the invalid UTF-8 byte.
pub fn read_source_text(path: &std::path::Path) -> std::io::Result<String> {
    String::from_utf8(read_source(path)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The NX007 finding for a text over [`MAX_SOURCE_BYTES`], if it is.
pub fn too_large(text: &str) -> Option<Diagnostic> {
    (text.len() > MAX_SOURCE_BYTES).then(|| {
        load::FILE_TOO_LARGE
            .at(
                "",
                format!(
                    "the file is larger than {} MiB, the most nexus reads; AWS Step Functions accepts definitions up to 1 MB",
                    MAX_SOURCE_BYTES >> 20
                ),
            )
            .with_span(crate::location::TextRange::new(0, 0))
            .help("split the workflow (a Map or Parallel branch, or a child state machine run with `states:startExecution.sync`)")
    })
}

/// What the file name says about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameHint {
    pub format: Option<SourceFormat>,
    pub kind: Option<DocKind>,
}

/// Read the syntax and kind that a file name implies.
pub fn hint_from_name(path: &str) -> NameHint {
    let lower = path.to_ascii_lowercase();
    let format = if lower.ends_with(".json") {
        Some(SourceFormat::Json)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(SourceFormat::Yaml)
    } else {
        None
    };
    let kind = if [".asl.json", ".asl.yaml", ".asl.yml", ".asl"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        Some(DocKind::Asl)
    } else if [".nexus.yaml", ".nexus.yml"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        Some(DocKind::Nexus)
    } else {
        None
    };
    NameHint { format, kind }
}

/// Whether a file can hold a workflow or a template, judged from its name and a scan of its
/// text, before any parsing: every document nexus reads has a `States`/`states` key (ASL,
/// NEXUS), a `Resources` key (CloudFormation, SAM) or a `stepFunctions` key (Serverless),
/// and a key can only hide its letters behind an escape (`\u0053tates` in JSON or YAML,
/// `\x53` and `\U00000053` in YAML).
/// Directory walks use it to pass over the other JSON and YAML files of a repository
/// (`package.json`, fixtures, recorded outputs) without parsing them.
pub fn may_hold_workflow(path: &str, text: &str) -> bool {
    hint_from_name(path).kind.is_some()
        || text.contains("tates")
        || text.contains("Resources")
        || text.contains("stepFunctions")
        || ["\\u", "\\U", "\\x"].iter().any(|e| text.contains(e))
}

/// Whether `text` holds `key` where a key stands: after a line start, `{`, `,` or a quote,
/// and followed (past an optional closing quote and blanks) by `:`.
fn names_key(text: &str, key: &str) -> bool {
    text.match_indices(key).any(|(at, _)| {
        let before = text.get(..at).and_then(|b| b.chars().next_back());
        let key_start = matches!(
            before,
            None | Some('{' | ',' | '"' | '\'' | '\n' | ' ' | '\t')
        );
        let after = text.get(at + key.len()..).unwrap_or("");
        let after = after.strip_prefix(['"', '\'']).unwrap_or(after);
        key_start && after.trim_start_matches([' ', '\t']).starts_with(':')
    })
}

/// For a file a directory walk found: forget its syntax error unless the file was meant to
/// be read by nexus, that is its name says ASL or NEXUS, or the text before the error names
/// a key of a workflow (`StartAt`, `States`, `states`) or template (`Resources`,
/// `stepFunctions`). Other tools' JSON (an `example-workflow.json` whose prose mentions
/// states) is not ours to report.
pub fn forget_foreign_syntax_error(path: &str, text: &str, loaded: &mut LoadedSource) {
    let syntax =
        |d: &Diagnostic| d.code == load::INVALID_JSON.code || d.code == load::INVALID_YAML.code;
    if hint_from_name(path).kind.is_some()
        || !loaded.documents.is_empty()
        || !loaded.diagnostics.iter().any(syntax)
    {
        return;
    }
    let upto = loaded
        .diagnostics
        .iter()
        .filter(|d| syntax(d))
        .filter_map(|d| d.span.map(|s| s.start))
        .min()
        .unwrap_or(text.len());
    let prefix = text.get(..upto).unwrap_or(text);
    let ours = ["StartAt", "States", "states", "Resources", "stepFunctions"]
        .iter()
        .any(|k| names_key(prefix, k));
    if !ours {
        loaded.diagnostics.clear();
    }
}

/// What the content of one document looks like.
pub fn sniff(value: &Value) -> Option<DocKind> {
    let obj = value.as_object()?;
    // A string `StartAt` or an object `States` alone is still an ASL document, one missing a
    // required field (AWS: SCHEMA_VALIDATION_FAILED "These fields are required: [...]").
    if obj.get("StartAt").is_some_and(Value::is_string)
        || obj.get("States").is_some_and(Value::is_object)
    {
        Some(DocKind::Asl)
    } else if obj.contains_key("version") && obj.contains_key("states") {
        Some(DocKind::Nexus)
    } else {
        None
    }
}

/// The result of loading one file.
#[derive(Debug, Default)]
pub struct LoadedSource {
    /// The workflows found, in file order.
    pub documents: Vec<Document>,
    /// File-level findings (syntax errors, duplicate keys, NEXUS structure), spans set.
    pub diagnostics: Vec<Diagnostic>,
    /// Documents in the file that are not workflows (by content), e.g. other YAML documents.
    pub skipped: usize,
    /// Findings about a document whose text is another file (a SAM `DefinitionUri`), by index
    /// into `documents`; their spans are in that document's `source`.
    pub attached: Vec<(usize, Diagnostic)>,
    /// The template resource `Metadata` of a document (index into `documents`), where nexus
    /// suppressions can be read from.
    pub metadata: Vec<(usize, template::ResourceMetadata)>,
    /// For a definition file holding a placeholder: a template next to it (or in a parent
    /// directory) that deploys it, whose `DefinitionSubstitutions` fill the placeholders
    /// ([`template::template_deploying`]).
    pub deployed_by: Option<String>,
}

impl LoadedSource {
    /// True when the file held nothing nexus recognises and no error explains why.
    pub fn is_unrecognised(&self) -> bool {
        self.documents.is_empty() && self.diagnostics.is_empty()
    }
}

/// Load a file's text. `path` is used for detection and kept for output; files a template
/// refers to (SAM `DefinitionUri`) are read from the file system, relative to `path`.
pub fn load_source(path: &str, text: Arc<str>) -> LoadedSource {
    load_source_with(path, text, &template::FsResolver)
}

/// [`load_source`] with a custom way to read the files a template refers to.
pub fn load_source_with(
    path: &str,
    text: Arc<str>,
    resolver: &dyn template::Resolver,
) -> LoadedSource {
    let mut out = load_only(path, text.clone(), resolver);
    // Only a definition file on its own, with a placeholder in it, is worth the search.
    if out
        .documents
        .iter()
        .any(|d| d.path == path && !d.from_template())
        && crate::placeholder::OPENERS.iter().any(|o| text.contains(o))
    {
        out.deployed_by = template::template_deploying(path, resolver);
    }
    out
}

/// [`load_source_with`] without looking for a template that deploys the file (what
/// [`template::template_deploying`] loads its candidates with).
pub(crate) fn load_only(
    path: &str,
    text: Arc<str>,
    resolver: &dyn template::Resolver,
) -> LoadedSource {
    let hint = hint_from_name(path);
    let format = hint.format.unwrap_or_else(|| {
        // No telling extension: JSON if it starts like JSON, YAML otherwise.
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            SourceFormat::Json
        } else {
            SourceFormat::Yaml
        }
    });
    let mut out = LoadedSource::default();
    if let Some(d) = too_large(&text) {
        out.diagnostics.push(d);
        return out;
    }
    let loaded = match format {
        SourceFormat::Json => load::load_json(&text).map(|l| vec![l]),
        SourceFormat::Yaml => {
            let options = YamlOptions {
                cfn_tags: hint.kind.is_none() && template::mentions_template(&text),
                ..YamlOptions::default()
            };
            load::load_yaml(&text, &options)
        }
    };
    let docs = match loaded {
        Ok(docs) => docs,
        // A file whose name promises nothing and that does not parse is simply not ours.
        Err(_) if hint.format.is_none() => return out,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    for (index, doc) in docs.into_iter().enumerate() {
        out.diagnostics.extend(doc.issues);
        let kind = match hint.kind.or_else(|| sniff(&doc.value)) {
            Some(k) => k,
            None => {
                match template::detect(&doc.value) {
                    Some(t) => {
                        let ctx = template::FileCtx {
                            path,
                            text: text.clone(),
                            format,
                            index,
                            locations: Arc::new(doc.locations),
                        };
                        let found = template::extract(&ctx, &doc.value, t, resolver);
                        let offset = out.documents.len();
                        out.documents.extend(found.documents);
                        out.diagnostics.extend(found.diagnostics);
                        out.attached
                            .extend(found.attached.into_iter().map(|(i, d)| (i + offset, d)));
                        out.metadata
                            .extend(found.metadata.into_iter().map(|(i, m)| (i + offset, m)));
                    }
                    None => out.skipped += 1,
                }
                continue;
            }
        };
        let locations = Arc::new(doc.locations);
        match kind {
            DocKind::Asl => {
                let mut d = Document::asl(path, text.clone(), format, doc.value, locations);
                d.index = index;
                out.documents.push(d);
            }
            DocKind::Nexus => {
                let lowered = crate::nexus::lower(&doc.value);
                for mut issue in lowered.issues {
                    if issue.span.is_none() {
                        issue.span = locations
                            .get(&issue.pointer)
                            .map(|l| {
                                if issue.target == crate::Target::Key {
                                    l.key.unwrap_or(l.value)
                                } else {
                                    l.value
                                }
                            })
                            .or_else(|| locations.nearest_value_span(&issue.pointer).map(|x| x.1));
                    }
                    out.diagnostics.push(issue);
                }
                out.documents.push(Document {
                    path: path.to_string(),
                    source: text.clone(),
                    format,
                    kind: DocKind::Nexus,
                    index,
                    label: doc
                        .value
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    base: String::new(),
                    raw: doc.value.into(),
                    locations,
                    asl: lowered.asl.into(),
                    origin: lowered.origin,
                    machine_type: None,
                    deployment: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_text_over_the_bound_before_parsing() {
        let mut text = String::from("{\"StartAt\":\"A\",\"States\":{}}");
        assert!(too_large(&text).is_none());
        text.push_str(&" ".repeat(MAX_SOURCE_BYTES));
        let loaded = load_source("big.asl.json", text.into());
        assert!(loaded.documents.is_empty());
        let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [load::FILE_TOO_LARGE.code]);
    }

    #[test]
    fn bounded_read_stops_past_the_bound_on_a_character_boundary() {
        // 'é' is two bytes: the bound falls inside one, the read still ends on a whole one.
        let big = "é".repeat(MAX_SOURCE_BYTES / 2 + 10);
        let read = read_source_from(big.as_bytes()).unwrap();
        assert!(read.len() > MAX_SOURCE_BYTES && read.len() <= MAX_SOURCE_BYTES + 4);
        let text = String::from_utf8(read).unwrap();
        assert!(too_large(&text).is_some());
        // At the bound exactly, everything is read.
        let fits = "a".repeat(MAX_SOURCE_BYTES);
        assert_eq!(
            read_source_from(fits.as_bytes()).unwrap().len(),
            MAX_SOURCE_BYTES
        );
    }

    /// The pre-parse filter never turns away a document `load_source` would find, and does
    /// turn away the usual other files.
    #[test]
    fn may_hold_workflow_keeps_every_kind_of_document() {
        let kept = [
            ("m.json", r#"{"StartAt": "A", "States": {}}"#),
            ("w.yaml", "version: '1.0'\nstates: []\n"),
            (
                "t.yaml",
                "Resources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: m.asl.json\n",
            ),
            (
                "serverless.yml",
                "service: s\nstepFunctions:\n  stateMachines:\n    m:\n      definition: {StartAt: A, States: {A: {Type: Succeed}}}\n",
            ),
            ("e.json", r#"{"StartAt": "A", "\u0053tates": {}}"#),
            ("e.yaml", "StartAt: A\n\"\\x53tates\": {}\n"),
            ("named.asl.json", "{}"),
            ("named.nexus.yaml", ""),
        ];
        for (path, text) in kept {
            assert!(may_hold_workflow(path, text), "{path}: {text}");
        }
        for (path, text) in kept.iter().take(6) {
            let loaded = load_source(path, Arc::from(*text));
            assert!(
                !loaded.documents.is_empty()
                    || !loaded.diagnostics.is_empty()
                    || !loaded.attached.is_empty(),
                "{path} is a document load_source reads: {loaded:?}"
            );
        }
        let passed = [
            ("package.json", r#"{"name": "x", "version": "1.0.0"}"#),
            ("tsconfig.json", "{ // comments\n \"compilerOptions\": {} }"),
            (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
        ];
        for (path, text) in passed {
            assert!(!may_hold_workflow(path, text), "{path}: {text}");
        }
    }
}
