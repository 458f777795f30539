//! The plain-data finding every nexus crate reports. Rendering happens in `nexus-cli`.
//!
//! Rules report JSON Pointers; loaders own spans. A rule leaves `span` empty and the lint
//! driver fills it from the document's [`crate::LocationMap`].
//!
//! Every code is declared once, as a [`RuleMeta`] beside the code that reports it (loader
//! codes in [`crate::load`], NEXUS codes in [`crate::nexus`], template codes in
//! [`crate::template`], rules and policies in `nexus-lint`, migration notes in
//! `nexus-migrate`), with [`declare_code!`](crate::declare_code): its `///` docs are the
//! documentation `nexus rules` prints. A diagnostic takes its code, name, severity and AWS code
//! from that declaration ([`RuleMeta::at`]); only user policies, whose codes exist at run time
//! only, build one from parts ([`Diagnostic::dynamic`]).

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

/// The declaration of a code: what `nexus rules` shows and what every diagnostic of the code
/// carries. Declared with [`declare_code!`](crate::declare_code) (or `declare_rule!` in
/// `nexus-lint`), so the docs are written once.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: Code,
    /// Kebab-case name of the problem (not the fix): `unreachable-state`.
    pub name: &'static str,
    /// The default severity (configuration `[severity]` may change it).
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Markdown with the headings "What it does", "Why is this bad?", "Example", as written in
    /// the declaration's `///` lines (each may start with the space after `///`; read it
    /// through [`RuleMeta::docs`]).
    pub docs: &'static str,
    /// The AWS `ValidateStateMachineDefinition` code this code matches, if any.
    pub aws_code: Option<&'static str>,
}

impl RuleMeta {
    /// A diagnostic of this code at `pointer`.
    pub fn at(&'static self, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::dynamic(self.code, self.name, self.severity, pointer, message);
        d.aws_code = self.aws_code;
        d
    }

    /// The documentation as Markdown: the declaration's `///` lines without their leading
    /// space, a paragraph or list item wrapped over several lines joined into one line (as
    /// Markdown reads it, and as terminals and SARIF viewers wrap it themselves).
    pub fn docs(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        // Whether the last line written is text that a soft-wrapped next line continues.
        let mut open = false;
        let mut fenced = false;
        for raw in self.docs.lines() {
            let line = raw.strip_prefix(' ').unwrap_or(raw);
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") {
                fenced = !fenced;
            }
            let starts_block = fenced
                || trimmed.is_empty()
                || trimmed.starts_with("```")
                || line.starts_with('#')
                || line.starts_with('|')
                || line.starts_with("- ")
                || line.starts_with("* ")
                || line.starts_with(|c: char| c.is_ascii_digit()) && line.contains(". ");
            if open && !starts_block {
                out.push(' ');
                out.push_str(trimmed);
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line);
            open =
                !(fenced || trimmed.is_empty() || line.starts_with('#') || line.starts_with('|'));
        }
        out.truncate(out.trim_end().len());
        out
    }
}

/// Declare a code beside the code that reports it; the `///` lines are its documentation
/// (headings "What it does", "Why is this bad?", "Example"), written once for rustdoc and
/// `nexus rules` alike (oxc's `declare_oxc_lint!`).
///
/// ```
/// nexus_schema::declare_code! {
///     /// ## What it does
///     /// Reports JSON syntax errors.
///     /// ## Why is this bad?
///     /// AWS rejects the definition.
///     /// ## Example
///     /// `{"StartAt": "A",}`.
///     pub static INVALID_JSON = {
///         code: NX001, name: "invalid-json", severity: Error,
///         summary: "The file is not valid JSON.",
///     }
/// }
/// assert_eq!(INVALID_JSON.name, "invalid-json");
/// ```
#[macro_export]
macro_rules! declare_code {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $id:ident = { $($fields:tt)* }
    ) => {
        $(#[doc = $doc])*
        $vis static $id: $crate::RuleMeta = $crate::rule_meta! {
            $(#[doc = $doc])*
            $($fields)*
        };
    };
}

/// The [`RuleMeta`] value of a declaration (the body of [`declare_code!`] and `declare_rule!`):
/// `code`, `name`, `severity`, an optional `aws_code`, `summary`, in that order.
#[doc(hidden)]
#[macro_export]
macro_rules! rule_meta {
    (
        $(#[doc = $doc:literal])*
        code: $code:ident,
        name: $name:literal,
        severity: $severity:ident,
        $(aws_code: $aws:literal,)?
        summary: $summary:literal $(,)?
    ) => {
        $crate::RuleMeta {
            code: $crate::Code(stringify!($code)),
            name: $name,
            severity: $crate::Severity::$severity,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            aws_code: $crate::rule_meta!(@aws $($aws)?),
        }
    };
    (@aws) => { None };
    (@aws $aws:literal) => { Some($aws) };
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
    /// A diagnostic of a code known only at run time (a user policy's code and name). Every
    /// code nexus itself reports is declared and reported through [`RuleMeta::at`].
    pub fn dynamic(
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

    /// The same finding at another severity than its code's default (where one code covers
    /// cases of different weight; configuration `[severity]` overrides this too).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
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
