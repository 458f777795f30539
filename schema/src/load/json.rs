//! JSON loader (placeholder until the span scanner lands: values only, no locations).

use super::{INVALID_JSON, Loaded};
use crate::diagnostic::{Diagnostic, Severity};
use crate::location::{LocationMap, TextRange};

pub fn load(src: &str) -> Result<Loaded, Diagnostic> {
    let text = src.strip_prefix('\u{feff}').unwrap_or(src);
    match serde_json::from_str(text) {
        Ok(value) => Ok(Loaded {
            value,
            locations: LocationMap::new(),
            issues: Vec::new(),
        }),
        Err(e) => Err(Diagnostic::new(
            INVALID_JSON,
            "invalid-json",
            Severity::Error,
            "",
            e.to_string(),
        )
        .with_span(TextRange::new(0, 0))),
    }
}
