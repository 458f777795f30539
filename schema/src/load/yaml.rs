//! YAML loader (placeholder until the saphyr loader lands).

use super::{INVALID_YAML, Loaded, YamlOptions};
use crate::diagnostic::{Diagnostic, Severity};

pub fn load(_src: &str, _options: &YamlOptions) -> Result<Vec<Loaded>, Diagnostic> {
    Err(Diagnostic::new(
        INVALID_YAML,
        "invalid-yaml",
        Severity::Error,
        "",
        "YAML loading is not available yet",
    ))
}
