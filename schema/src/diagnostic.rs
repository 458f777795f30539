//! The plain-data finding every nexus crate reports. Rendering happens in `nexus-cli`.
//!
//! Rules report JSON Pointers; loaders own spans. A rule leaves `span` empty and the lint
//! driver fills it from the document's [`crate::LocationMap`].

use crate::location::TextRange;

/// A stable rule code such as `NX102`. Codes are never reused (see STYLE.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(pub &'static str);

impl Code {
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Which part of the node at `pointer` a finding is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Target {
    /// The value (a wrong `Next` target, a bad number).
    #[default]
    Value,
    /// The member's key (an unknown or forbidden field).
    Key,
}

/// A related place or an explanation attached to a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub message: String,
    /// A related place in the same document, if any.
    pub pointer: Option<String>,
    pub span: Option<TextRange>,
}

impl Note {
    pub fn text(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pointer: None,
            span: None,
        }
    }

    pub fn at(message: impl Into<String>, pointer: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pointer: Some(pointer.into()),
            span: None,
        }
    }

    pub fn at_span(message: impl Into<String>, span: TextRange) -> Self {
        Self {
            message: message.into(),
            pointer: None,
            span: Some(span),
        }
    }
}

/// One finding about the user's document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `NX102`.
    pub code: Code,
    /// Kebab-case name of the problem, e.g. `unreachable-state`.
    pub name: &'static str,
    pub severity: Severity,
    /// What is wrong, one sentence.
    pub message: String,
    /// JSON Pointer into the document as written (`""` = the whole document).
    pub pointer: String,
    pub target: Target,
    /// Byte range in the source; filled in from the LocationMap by the driver.
    pub span: Option<TextRange>,
    /// Why it matters; related places.
    pub notes: Vec<Note>,
    /// What to do about it.
    pub help: Option<String>,
    /// The AWS `ValidateStateMachineDefinition` code this corresponds to, where one exists.
    pub aws_code: Option<&'static str>,
}

impl Diagnostic {
    pub fn new(
        code: Code,
        name: &'static str,
        severity: Severity,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            name,
            severity,
            message: message.into(),
            pointer: pointer.into(),
            target: Target::Value,
            span: None,
            notes: Vec::new(),
            help: None,
            aws_code: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(Note::text(note));
        self
    }

    pub fn note_at(mut self, note: impl Into<String>, pointer: impl Into<String>) -> Self {
        self.notes.push(Note::at(note, pointer));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn on_key(mut self) -> Self {
        self.target = Target::Key;
        self
    }

    pub fn with_span(mut self, span: TextRange) -> Self {
        self.span = Some(span);
        self
    }

    pub fn aws(mut self, code: &'static str) -> Self {
        self.aws_code = Some(code);
        self
    }
}
