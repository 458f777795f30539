//! JSONPath parser: text → [`Path`] with byte offsets.

use super::Path;
use crate::expr::ParseError;

pub(super) fn parse_path(s: &str) -> Result<Path, ParseError> {
    Err(ParseError::new(
        format!("JSONPath parser not yet implemented: {s}"),
        0,
    ))
}
