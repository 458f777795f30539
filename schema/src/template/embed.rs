//! Definitions written as a string inside a template (`DefinitionString`, `Fn::Sub`,
//! `Fn::Join`): parse the string's content as JSON and map every span back into the file.
//!
//! The content of a string node is not the text between its delimiters: JSON escapes (`\"`,
//! `\n`, `\u00e9`), YAML block-scalar indentation and line folding all shift offsets. An
//! [`OffsetMap`] records, piece by piece, where each byte of the content came from. Pieces
//! copied verbatim map exactly; an escape maps to the whole escape sequence. When the source
//! of a string cannot be aligned with its content (a YAML quoted scalar with escapes), the map
//! falls back to the string's own span, so a finding still lands on the right string.

use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::document::SourceFormat;
use crate::load;
use crate::location::{LocationMap, NodeLoc, TextRange};

/// Where one run of content bytes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece {
    /// Byte range in the content.
    content: TextRange,
    /// Byte range in the file.
    source: TextRange,
    /// Copied byte for byte (offsets inside map one to one).
    exact: bool,
}

/// Content offsets → file offsets for a string assembled from one or more string nodes.
#[derive(Clone, Debug, Default)]
pub(crate) struct OffsetMap {
    pieces: Vec<Piece>,
    len: usize,
}

impl OffsetMap {
    /// Append the content of one string node found at `span` in `src` (`value` is its decoded
    /// content). Exact pieces when the source can be aligned, else one piece for the node.
    pub(crate) fn push_string(
        &mut self,
        src: &str,
        span: TextRange,
        value: &str,
        format: SourceFormat,
    ) {
        let base = self.len;
        let pieces = match format {
            SourceFormat::Json => json_pieces(src, span, value),
            SourceFormat::Yaml => aligned_pieces(src, span, value),
        };
        match pieces {
            Some(ps) => self.pieces.extend(ps.into_iter().map(|p| Piece {
                content: p.content.shifted(base),
                ..p
            })),
            None => self.push_opaque(span, value.len()),
        }
        self.len = base + value.len();
    }

    /// Append `len` bytes of content that all come from `span` (a substituted value, an
    /// intrinsic function in a `Fn::Join`, a delimiter).
    pub(crate) fn push_opaque(&mut self, span: TextRange, len: usize) {
        if len > 0 {
            self.pieces.push(Piece {
                content: TextRange::new(self.len, self.len + len),
                source: span,
                exact: false,
            });
        }
        self.len += len;
    }

    fn piece_at(&self, offset: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|p| p.content.end <= offset);
        self.pieces.get(i).or(self.pieces.last())
    }

    /// The file range of a content range.
    pub(crate) fn map(&self, r: TextRange) -> Option<TextRange> {
        let first = self.piece_at(r.start)?;
        let start = if first.exact && r.start >= first.content.start {
            first.source.start + (r.start - first.content.start).min(first.source.len())
        } else {
            first.source.start
        };
        let last_byte = if r.end > r.start { r.end - 1 } else { r.start };
        let last = self.piece_at(last_byte)?;
        let end = if r.end <= r.start {
            start
        } else if last.exact && r.end >= last.content.start {
            last.source.start + (r.end - last.content.start).min(last.source.len())
        } else {
            last.source.end
        };
        Some(TextRange::new(start, end.max(start)))
    }
}

/// Pieces of a JSON string literal at `span` (quotes included), or `None` when the text
/// there does not decode to `value`.
fn json_pieces(src: &str, span: TextRange, value: &str) -> Option<Vec<Piece>> {
    let lit = src.get(span.start..span.end)?;
    let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
    let base = span.start + 1;
    let bytes = inner.as_bytes();
    let mut out = Vec::new();
    let mut decoded = String::with_capacity(inner.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'\\') {
            let (ch, used) = decode_escape(inner, i)?;
            let at = decoded.len();
            decoded.push(ch);
            out.push(Piece {
                content: TextRange::new(at, decoded.len()),
                source: TextRange::new(base + i, base + i + used),
                exact: false,
            });
            i += used;
        } else {
            let run_end = inner.get(i..)?.find('\\').map_or(inner.len(), |k| i + k);
            let at = decoded.len();
            decoded.push_str(inner.get(i..run_end)?);
            out.push(Piece {
                content: TextRange::new(at, decoded.len()),
                source: TextRange::new(base + i, base + run_end),
                exact: true,
            });
            i = run_end;
        }
    }
    (decoded == value).then_some(out)
}

/// One JSON escape at byte `i` of `s` (which starts with `\`): the character and the bytes used.
fn decode_escape(s: &str, i: usize) -> Option<(char, usize)> {
    let c = *s.as_bytes().get(i + 1)?;
    let simple = match c {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Some((ch, 2));
    }
    if c != b'u' {
        return None;
    }
    let hex = |at: usize| {
        s.get(at..at + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let hi = hex(i + 2)?;
    if (0xD800..0xDC00).contains(&hi) {
        // A surrogate pair: `\uD83D\uDE00`.
        if s.get(i + 6..i + 8) != Some("\\u") {
            return None;
        }
        let lo = hex(i + 8)?;
        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?);
        return char::from_u32(cp).map(|ch| (ch, 12));
    }
    char::from_u32(hi).map(|ch| (ch, 6))
}

/// Align `value` with the YAML source at `span`: every content character must appear in the
/// source in order, and only whitespace (indentation, folded line breaks) and — before the
/// first character — a block-scalar header or an opening quote may be skipped. Escapes and
/// doubled quotes fail the alignment, and the caller falls back to the whole node.
fn aligned_pieces(src: &str, span: TextRange, value: &str) -> Option<Vec<Piece>> {
    let text = src.get(span.start..span.end)?;
    let mut out: Vec<Piece> = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut content_at = 0;
    let mut started = false;
    for (k, c) in value.char_indices() {
        loop {
            let Some(&(i, s)) = chars.peek() else {
                // The node's span ends before trailing whitespace of the content (the final
                // line break a block scalar keeps): nothing left to place.
                return value
                    .get(k..)
                    .is_some_and(|rest| rest.trim().is_empty())
                    .then_some(out);
            };
            chars.next();
            if s == c {
                let (cs, ss) = (content_at, span.start + i);
                let (ce, se) = (cs + c.len_utf8(), ss + s.len_utf8());
                match out.last_mut() {
                    Some(p) if p.content.end == cs && p.source.end == ss => {
                        p.content.end = ce;
                        p.source.end = se;
                    }
                    _ => out.push(Piece {
                        content: TextRange::new(cs, ce),
                        source: TextRange::new(ss, se),
                        exact: true,
                    }),
                }
                content_at = ce;
                started = true;
                break;
            }
            let skippable = s.is_whitespace() || (!started && "|>-+'\"0123456789".contains(s));
            if !skippable {
                return None;
            }
        }
    }
    Some(out)
}

/// Replace `${...}` placeholders that stand outside JSON strings (`"TimeoutSeconds": ${T}`)
/// with `0` padded by spaces, so the content parses as JSON and keeps every offset.
/// Placeholders inside strings stay as written (they are valid string text).
#[cfg(test)]
pub(crate) fn mask_placeholders(content: &str) -> String {
    mask_placeholders_at(content).0
}

/// [`mask_placeholders`], also returning where each masked placeholder started and its text.
fn mask_placeholders_at(content: &str) -> (String, Vec<(usize, String)>) {
    let mut masked = Vec::new();
    let bytes = content.as_bytes();
    let mut out = bytes.to_vec();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'\\') if in_string => i += 2,
            Some(b'"') => {
                in_string = !in_string;
                i += 1;
            }
            Some(b'$') if !in_string && bytes.get(i + 1) == Some(&b'{') => {
                match content.get(i..).and_then(|r| r.find('}')) {
                    Some(close) => {
                        if let Some(text) = content.get(i..=i + close) {
                            masked.push((i, text.to_string()));
                        }
                        for (k, b) in out.iter_mut().enumerate().skip(i).take(close + 1) {
                            *b = if k == i { b'0' } else { b' ' };
                        }
                        i += close + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes replaced whole placeholders (which start and end on ASCII), so this is
    // still UTF-8; fall back to the content itself if that reasoning were ever wrong.
    let text = String::from_utf8(out).unwrap_or_else(|_| content.to_string());
    (text, masked)
}

/// A definition parsed out of a string, with its locations in file coordinates.
pub(crate) struct Embedded {
    pub value: Value,
    /// The file's map plus an entry under `base` for every node of the definition.
    pub locations: Arc<LocationMap>,
    /// Duplicate keys and the like, spans in the file, pointers from the file root.
    pub issues: Vec<Diagnostic>,
    /// Placeholders written outside strings (`"TimeoutSeconds": ${T}`), masked as `0` in
    /// `value`: pointer within the definition and the placeholder text. The ASL view shows
    /// them as the placeholder string, so rules know the value comes at deploy time.
    pub placeholders: Vec<(String, String)>,
}

fn relocate(d: &mut Diagnostic, base: &str, map: &OffsetMap) {
    d.pointer = format!("{base}{}", d.pointer);
    d.span = d.span.and_then(|s| map.map(s));
    for n in &mut d.notes {
        n.pointer = n.pointer.take().map(|p| format!("{base}{p}"));
        n.span = n.span.and_then(|s| map.map(s));
    }
}

/// Parse `content` (assembled through `map`) as a JSON definition placed at pointer `base`.
/// A syntax error comes back as the loader's diagnostic, moved into the file.
pub(crate) fn parse(
    content: &str,
    map: &OffsetMap,
    base: &str,
    file_locations: &LocationMap,
) -> Result<Embedded, Diagnostic> {
    let (masked, masked_at) = mask_placeholders_at(content);
    let loaded = match load::load_json(&masked) {
        Ok(l) => l,
        Err(mut d) => {
            relocate(&mut d, base, map);
            return Err(d);
        }
    };
    let mut locations = file_locations.clone();
    let mut placeholders = Vec::new();
    for (p, loc) in loaded.locations.iter() {
        if let Some((_, text)) = masked_at.iter().find(|(at, _)| *at == loc.value.start) {
            placeholders.push((p.clone(), text.clone()));
        }
        let value = map.map(loc.value).unwrap_or_default();
        let key = loc.key.and_then(|k| map.map(k));
        locations.insert(format!("{base}{p}"), NodeLoc { key, value });
    }
    let mut issues = loaded.issues;
    for d in &mut issues {
        relocate(d, base, map);
    }
    Ok(Embedded {
        value: loaded.value,
        locations: Arc::new(locations),
        issues,
        placeholders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_map_to_their_sequences() {
        let src = r#"{"D": "{\"A\": \"\u00e9x\"}"}"#;
        let start = src.find("\"{").unwrap();
        let span = TextRange::new(start, src.len() - 1);
        let value = "{\"A\": \"\u{e9}x\"}";
        let mut m = OffsetMap::default();
        m.push_string(src, span, value, SourceFormat::Json);
        // `A` (content 2..3) is the `A` in the file.
        let a = m.map(TextRange::new(2, 3)).unwrap();
        assert_eq!(&src[a.start..a.end], "A");
        // `é` maps to the whole `\u00e9`.
        let e_at = value.find('\u{e9}').unwrap();
        let e = m.map(TextRange::new(e_at, e_at + 2)).unwrap();
        assert_eq!(&src[e.start..e.end], "\\u00e9");
        // The key `"A"` with its escaped quotes.
        let k = m.map(TextRange::new(1, 4)).unwrap();
        assert_eq!(&src[k.start..k.end], "\\\"A\\\"");
    }

    #[test]
    fn yaml_block_scalars_align_and_quoted_escapes_fall_back() {
        let src = "D: |\n  {\"StartAt\": \"A\",\n   \"States\": {}}\n";
        let value = "{\"StartAt\": \"A\",\n \"States\": {}}\n";
        let span = TextRange::new(3, src.len());
        let mut m = OffsetMap::default();
        m.push_string(src, span, value, SourceFormat::Yaml);
        let at = value.find("\"States\"").unwrap();
        let r = m.map(TextRange::new(at, at + 8)).unwrap();
        assert_eq!(&src[r.start..r.end], "\"States\"");

        let src = "D: \"{\\\"A\\\": 1}\"";
        let value = "{\"A\": 1}";
        let span = TextRange::new(3, src.len());
        let mut m = OffsetMap::default();
        m.push_string(src, span, value, SourceFormat::Yaml);
        assert_eq!(m.map(TextRange::new(1, 4)), Some(span));
    }

    #[test]
    fn placeholders_outside_strings_are_masked_in_place() {
        let c = r#"{"T": ${Timeout}, "R": "${Arn}"}"#;
        let m = mask_placeholders(c);
        assert_eq!(m.len(), c.len());
        assert_eq!(m, r#"{"T": 0         , "R": "${Arn}"}"#);
        let v: Value = serde_json::from_str(&m).unwrap();
        assert_eq!(v["T"], 0);
        let (_, at) = mask_placeholders_at(c);
        assert_eq!(at, [(6, "${Timeout}".to_string())]);
    }
}
