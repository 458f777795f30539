//! Renderers: one module per output format, all over the same [`crate::lint_cmd::RunReport`].

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod meta;
pub mod sarif;
pub mod summary;

use std::io::IsTerminal;

use nexus_schema::{LineIndex, TextRange};

use crate::args::{Color, Format};
use crate::lint_cmd::RunReport;

/// Render a run in `format`. `threshold`: the lowest severity that fails the run (JUnit
/// marks those findings as failures).
pub fn render(
    format: Format,
    report: &RunReport,
    color: bool,
    threshold: Option<nexus_schema::Severity>,
) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report, threshold),
        Format::Concise => concise::render(report),
    }
}

/// Colour on: `always`, or `auto` with a terminal on stdout and `NO_COLOR` unset or empty.
pub fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// 1-based start and end positions of a span (end is inclusive of the last character:
/// the column of the last character of the span, as editors show a selection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub column_utf16: usize,
    pub end_column_utf16: usize,
}

pub fn region(text: &str, index: &LineIndex, span: TextRange) -> Region {
    let start = index.line_col(text, span.start);
    // The end position is where the span stops (exclusive), which as a 1-based column is
    // one past the last character: the convention of LSP, SARIF and GitHub.
    let end = index.line_col(text, span.end);
    Region {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        column_utf16: start.column_utf16,
        end_column_utf16: end.column_utf16,
    }
}
