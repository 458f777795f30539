//! One loaded workflow definition: the source text, the value as written with its locations,
//! and the ASL view every rule, the engine and migrate work on.
//!
//! For an ASL file the ASL view *is* the document. For a NEXUS workflow it is the lowered ASL
//! value, and [`PointerMap`] maps each ASL pointer back to the NEXUS YAML node it came from,
//! so one rule serves both formats and still points at the user's own line.

use std::sync::Arc;

use serde_json::Value;

use crate::location::{LocationMap, TextRange};

/// The syntax a file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    Json,
    Yaml,
}

/// What a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// Amazon States Language (JSON or YAML).
    Asl,
    /// NEXUS YAML workflow.
    Nexus,
}

impl DocKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DocKind::Asl => "asl",
            DocKind::Nexus => "nexus",
        }
    }
}

/// Maps pointers of the ASL view to pointers of the document as written.
///
/// Entries are prefixes: a lookup takes the longest mapped prefix of the ASL pointer and
/// appends the rest unchanged, so only nodes whose path changes need an entry.
#[derive(Clone, Debug, Default)]
pub struct PointerMap {
    /// ASL pointer → source pointer. Empty = identity.
    entries: std::collections::HashMap<String, String>,
}

impl PointerMap {
    pub fn identity() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, asl: impl Into<String>, source: impl Into<String>) {
        self.entries.insert(asl.into(), source.into());
    }

    /// Forgets the entries at `asl` and under it.
    pub fn remove_under(&mut self, asl: &str) {
        self.entries
            .retain(|k, _| !(k == asl || k.strip_prefix(asl).is_some_and(|r| r.starts_with('/'))));
    }

    pub fn is_identity(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The source pointer for an ASL pointer.
    pub fn to_source(&self, asl: &str) -> String {
        if self.entries.is_empty() {
            return asl.to_string();
        }
        let mut end = asl.len();
        loop {
            let prefix = &asl[..end];
            if let Some(src) = self.entries.get(prefix) {
                return format!("{src}{}", &asl[end..]);
            }
            match prefix.rfind('/') {
                Some(i) => end = i,
                None => return asl.to_string(),
            }
        }
    }
}

/// One workflow definition, loaded.
#[derive(Clone, Debug)]
pub struct Document {
    /// The path as the user gave it (or found by discovery), for output.
    pub path: String,
    /// The whole file's text.
    pub source: Arc<str>,
    pub format: SourceFormat,
    pub kind: DocKind,
    /// Index of the YAML document within a multi-document file (0 otherwise).
    pub index: usize,
    /// A name for the definition when a file holds several (template logical id).
    pub label: Option<String>,
    /// Pointer of the definition within the file's value (`""` for a plain definition file).
    pub base: String,
    /// The definition as written (the value at `base`).
    pub raw: Arc<Value>,
    /// Locations of every node of the file, by pointer from the file's root.
    pub locations: Arc<LocationMap>,
    /// The ASL view: `raw` for ASL, the lowered workflow for NEXUS.
    pub asl: Arc<Value>,
    /// ASL-view pointer → pointer relative to `base`.
    pub origin: PointerMap,
    /// The machine type the template declares for this definition (SAM `Type`,
    /// CloudFormation `StateMachineType`, Serverless `type`); `None` for a plain file, whose
    /// type comes from the run's options.
    pub machine_type: Option<crate::MachineType>,
    /// How the machine is deployed, where that is known: the settings a template gives its
    /// state machine resource, or a `[deploy.<name>]` section of nexus.toml. The shape is
    /// that of [`crate::deployment`] (`Type`, `RoleArn`, `LoggingConfiguration`, ...);
    /// policies see it as `input.deployment`. `None` for a plain file with no such settings.
    pub deployment: Option<Arc<serde_json::Value>>,
}

impl Document {
    /// A plain ASL document: the ASL view is the value itself.
    pub fn asl(
        path: impl Into<String>,
        source: Arc<str>,
        format: SourceFormat,
        value: Value,
        locations: Arc<LocationMap>,
    ) -> Self {
        // One value for both views: an ASL document is its own ASL view.
        let value = Arc::new(value);
        Self {
            path: path.into(),
            source,
            format,
            kind: DocKind::Asl,
            index: 0,
            label: None,
            base: String::new(),
            raw: value.clone(),
            locations,
            asl: value,
            origin: PointerMap::identity(),
            machine_type: None,
            deployment: None,
        }
    }

    /// Whether this definition sits in (or is referred to by) an infrastructure template:
    /// CloudFormation, SAM or Serverless Framework. Such documents name their machine with
    /// the template's logical id (`label`); placeholders in them are filled in at deploy time.
    pub fn from_template(&self) -> bool {
        self.kind == DocKind::Asl && self.label.is_some()
    }

    /// The pointer into the file (from its root) for a pointer into the ASL view.
    pub fn source_pointer(&self, asl_pointer: &str) -> String {
        let rel = self.origin.to_source(asl_pointer);
        format!("{}{}", self.base, rel)
    }

    /// The span in the file for a pointer into the ASL view: the exact node when it exists,
    /// else the nearest ancestor that does.
    pub fn span_of(&self, asl_pointer: &str, key: bool) -> Option<TextRange> {
        let p = self.source_pointer(asl_pointer);
        if let Some(loc) = self.locations.get(&p) {
            if !key {
                return Some(loc.value);
            }
            // A NEXUS state is a list item, so it has no key: its `name` stands for it (one
            // line, so GitHub annotations keep their columns).
            return Some(loc.key.unwrap_or_else(|| {
                self.locations
                    .get(&format!("{p}/name"))
                    .map_or(loc.value, |n| n.value)
            }));
        }
        self.locations.nearest_value_span(&p).map(|(_, s)| s)
    }

    /// Where a finding about the definition as a whole points: the `StartAt` key (NEXUS:
    /// `start`, else `states`), one line, rather than the whole definition, which on a large
    /// file would make a snippet of thousands of lines. The whole definition only when it has
    /// none of these keys.
    pub fn anchor_span(&self) -> Option<TextRange> {
        let keys: &[&str] = match self.kind {
            DocKind::Asl => &["/StartAt"],
            DocKind::Nexus => &["/start", "/states"],
        };
        keys.iter()
            .find_map(|k| {
                let l = self.locations.get(&format!("{}{k}", self.base))?;
                Some(l.key.unwrap_or(l.value))
            })
            .or_else(|| {
                self.locations
                    .nearest_value_span(&self.base)
                    .map(|(_, s)| s)
            })
    }

    /// Whether `span` covers the whole definition (a finding about a missing top-level
    /// field resolves to its nearest ancestor, the definition itself).
    pub fn is_whole_definition(&self, span: TextRange) -> bool {
        self.locations
            .get(&self.base)
            .is_some_and(|l| l.value == span)
    }
}

impl Document {
    /// The file range of `range`, a byte range into `value`, the decoded string at
    /// `asl_pointer`: the exact characters when the source can be aligned with the string
    /// (JSON escapes are followed; YAML plain and quoted scalars without escapes), otherwise
    /// the whole string's span (a YAML escape, a definition embedded in a template string).
    /// `None` when the pointer has no location of its own.
    pub fn string_range(
        &self,
        asl_pointer: &str,
        value: &str,
        range: TextRange,
    ) -> Option<TextRange> {
        let span = self.locations.get(&self.source_pointer(asl_pointer))?.value;
        let mut map = crate::template::embed::OffsetMap::default();
        map.push_string(&self.source, span, value, self.format);
        map.map(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_map_uses_longest_prefix() {
        let mut m = PointerMap::identity();
        m.insert("/States/A", "/states/0");
        m.insert("/States/A/Retry", "/states/0/on_failure/retry");
        assert_eq!(m.to_source("/States/A/Next"), "/states/0/Next");
        assert_eq!(
            m.to_source("/States/A/Retry/0"),
            "/states/0/on_failure/retry/0"
        );
        assert_eq!(m.to_source("/StartAt"), "/StartAt");
    }

    #[test]
    fn string_ranges_follow_json_escapes() {
        let text = r#"{"Comment": "x\ty$.a[", "StartAt": "B", "States": {"B": {"Type": "Pass", "End": true, "Comment": "plain"}}}"#;
        let loaded = crate::source::load_source("t.asl.json", text.into());
        let doc = &loaded.documents[0];
        let value = "x\ty$.a[";
        let at = value.find('[').unwrap_or_default();
        let r = doc
            .string_range("/Comment", value, TextRange::new(at, at + 1))
            .unwrap_or_default();
        assert_eq!(&text[r.start..r.end], "[");
        let r = doc
            .string_range("/States/B/Comment", "plain", TextRange::new(1, 3))
            .unwrap_or_default();
        assert_eq!(&text[r.start..r.end], "la");
    }
}
