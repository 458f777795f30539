//! Byte spans for saphyr's character positions, and the small textual adjustments that make
//! a YAML node's span cover what a reader sees as its value.
//!
//! saphyr's markers count characters (a BOM counts as one); our spans are byte offsets into
//! the original text. Events arrive almost in text order, so a cursor that walks from the
//! previous position converts each marker in amortized O(distance).

use saphyr_parser::Marker;

use crate::location::TextRange;

pub(super) struct Offsets<'a> {
    src: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> Offsets<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Self {
            src,
            ascii: src.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }

    /// The byte offset of character index `target` (clamped to the end of the text).
    pub(super) fn byte(&mut self, target: usize) -> usize {
        if self.ascii {
            return target.min(self.src.len());
        }
        while self.char_pos < target {
            match self.src.get(self.byte_pos..).and_then(|r| r.chars().next()) {
                Some(c) => {
                    self.byte_pos += c.len_utf8();
                    self.char_pos += 1;
                }
                None => break,
            }
        }
        while self.char_pos > target {
            match self
                .src
                .get(..self.byte_pos)
                .and_then(|r| r.chars().next_back())
            {
                Some(c) => {
                    self.byte_pos -= c.len_utf8();
                    self.char_pos -= 1;
                }
                None => break,
            }
        }
        self.byte_pos
    }

    pub(super) fn range(&mut self, start: Marker, end: Marker) -> TextRange {
        let s = self.byte(start.index());
        let e = self.byte(end.index());
        TextRange::new(s, e.max(s))
    }

    /// The span of the character at `m` (empty at the end of the text).
    pub(super) fn char_span(&mut self, m: Marker) -> TextRange {
        let s = self.byte(m.index());
        let len = self
            .src
            .get(s..)
            .and_then(|r| r.chars().next())
            .map_or(0, char::len_utf8);
        TextRange::new(s, s + len)
    }
}

/// `span` without its leading node properties (`!tag`, `&anchor`) and the space after them,
/// so that `!Ref X` → `X` and `&a key` → `key` (YAML 1.2.2 §6.9, node properties).
pub(super) fn strip_properties(src: &str, span: TextRange) -> TextRange {
    let b = src.as_bytes();
    let mut p = span.start;
    while p < span.end && matches!(b.get(p), Some(b'!' | b'&')) {
        while p < span.end && !matches!(b.get(p), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            p += 1;
        }
        loop {
            match b.get(p) {
                Some(b' ' | b'\t' | b'\r' | b'\n') if p < span.end => p += 1,
                // A comment after the properties runs to the end of the line.
                Some(b'#') if p < span.end => {
                    while p < span.end && b.get(p) != Some(&b'\n') {
                        p += 1;
                    }
                }
                _ => break,
            }
        }
    }
    TextRange::new(p.min(span.end), span.end)
}

/// `span` without trailing whitespace: saphyr's span of a quoted key runs on to the `:` when
/// space separates them (`"Type" : x`).
pub(super) fn trim_end(src: &str, span: TextRange) -> TextRange {
    let b = src.as_bytes();
    let mut end = span.end;
    while end > span.start && matches!(b.get(end - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        end -= 1;
    }
    TextRange::new(span.start, end)
}

/// A block scalar's span as saphyr gives it starts at its content and runs over the next
/// line's indentation; widen it to start at the `|` / `>` indicator and trim the trailing
/// whitespace, so it covers what the reader sees.
pub(super) fn block_scalar(src: &str, span: TextRange) -> TextRange {
    let b = src.as_bytes();
    let mut end = span.end;
    while end > span.start && matches!(b.get(end - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        end -= 1;
    }
    // The header line is the last non-blank line before the content.
    let mut p = span.start;
    while p > 0 && matches!(b.get(p - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        p -= 1;
    }
    let line_start = src
        .get(..p)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let header = src.get(line_start..p).unwrap_or_default();
    let header = match header.find(" #") {
        Some(i) => header.get(..i).unwrap_or(header),
        None => header,
    };
    let start = match header.rfind(['|', '>']) {
        Some(i) if line_start + i < span.start => line_start + i,
        _ => span.start,
    };
    TextRange::new(start, end.max(start))
}
