//! Intrinsic call parser.

use super::Call;
use crate::expr::ParseError;

pub(super) fn parse_call(s: &str) -> Result<Call, ParseError> {
    Err(ParseError::new(
        format!("intrinsic parser not yet implemented: {s}"),
        0,
    ))
}
