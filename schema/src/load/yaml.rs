//! YAML loader: saphyr-parser's event stream → one `serde_json::Value` + [`LocationMap`]
//! per document, with byte spans for every key and value.
//!
//! - YAML 1.2 core schema (`yes`/`on` stay strings), anchors and aliases, multi-document
//!   streams, CRLF, a leading BOM.
//! - Keys must be scalars; non-string scalar keys become their JSON text (`1` → `"1"`).
//!   Duplicate keys are issues (NX002), the value keeps the last one.
//! - `<<` merge keys are expanded (explicit keys win; earlier merge sources win over later).
//! - Values with no JSON form (`.nan`, `.inf`, collection keys, recursive aliases) → NX005.
//! - [`YamlLimits`](super::YamlLimits): nesting depth and total expanded nodes (aliases count
//!   each time they are used) → NX004. saphyr's parser is event-driven (no recursion) and
//!   limits flow nesting itself; we never recurse, so no input can overflow the stack.
//! - With `cfn_tags`, CloudFormation short-form tags become their long form.
//!
//! We use the parser's events instead of saphyr's `MarkedYaml` tree: it gives the key spans,
//! the tags and the anchors, and lets the limits stop a document before it is built.

mod build;
mod cfn;
mod offsets;
mod scalar;
#[cfg(test)]
mod tests;

use saphyr_parser::{Event, Parser, ScanError};

use self::build::DocBuilder;
use self::offsets::Offsets;
use super::{INVALID_YAML, Loaded, YAML_LIMIT, YamlOptions};
use crate::diagnostic::Diagnostic;

/// Load a YAML stream (see [`super::load_yaml`]).
pub fn load(src: &str, options: &YamlOptions) -> Result<Vec<Loaded>, Diagnostic> {
    let mut offsets = Offsets::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut docs = Vec::new();
    let mut doc: Option<DocBuilder<'_>> = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| scan_error(&mut offsets, &e))?;
        let range = offsets.range(span.start, span.end);
        match event {
            Event::DocumentStart(_) => doc = Some(DocBuilder::new(src, options)),
            Event::DocumentEnd => {
                if let Some(d) = doc.take() {
                    docs.push(d.finish());
                }
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
            other => {
                if let Some(d) = doc.as_mut() {
                    d.event(other, range)?;
                }
            }
        }
    }
    if let Some(d) = doc.take() {
        docs.push(d.finish());
    }
    Ok(docs)
}

fn scan_error(offsets: &mut Offsets<'_>, e: &ScanError) -> Diagnostic {
    let span = offsets.char_span(*e.marker());
    // saphyr stops flow nesting itself, deeper than any real document.
    if e.info().contains("recursion limit") {
        return YAML_LIMIT
            .at(
                "",
                format!("nesting too deep for the YAML parser ({})", e.info()),
            )
            .with_span(span);
    }
    INVALID_YAML.at("", e.info().to_string()).with_span(span)
}
