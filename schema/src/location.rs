//! Where things are in a source text: byte ranges, the pointer → span map the loaders fill,
//! and the line index renderers use to turn byte offsets into line/column.
//!
//! Spans are byte offsets into the source as loaded (after nothing is stripped: a UTF-8 BOM
//! stays part of the text and offsets count it). Line and column are computed only for output.

use std::collections::HashMap;

/// A half-open byte range `[start, end)` into a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same range moved `by` bytes to the right (for documents embedded in a larger file).
    pub fn shifted(self, by: usize) -> Self {
        Self::new(self.start + by, self.end + by)
    }
}

/// Where one node of a document is: its value, and for object members the key too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLoc {
    /// The key of the member (quotes included for JSON), `None` for the root and array items.
    pub key: Option<TextRange>,
    /// The whole value (for containers: from the opening to the closing bracket).
    pub value: TextRange,
}

/// JSON Pointer (RFC 6901) → location, for every node of one loaded document.
#[derive(Clone, Debug, Default)]
pub struct LocationMap {
    map: HashMap<String, NodeLoc, foldhash::fast::RandomState>,
}

impl LocationMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            map: HashMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    pub fn insert(&mut self, pointer: String, loc: NodeLoc) {
        self.map.insert(pointer, loc);
    }

    pub fn get(&self, pointer: &str) -> Option<&NodeLoc> {
        self.map.get(pointer)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The span of the value at `pointer`.
    pub fn value_span(&self, pointer: &str) -> Option<TextRange> {
        self.map.get(pointer).map(|l| l.value)
    }

    /// The span of the key at `pointer` (falls back to the value for array items and the root).
    pub fn key_span(&self, pointer: &str) -> Option<TextRange> {
        self.map.get(pointer).map(|l| l.key.unwrap_or(l.value))
    }

    /// The span at `pointer`, or at the nearest ancestor that has one (a finding about a
    /// missing field points at the object that lacks it).
    pub fn nearest_value_span(&self, pointer: &str) -> Option<(String, TextRange)> {
        let mut p = pointer;
        loop {
            if let Some(l) = self.map.get(p) {
                return Some((p.to_string(), l.value));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &NodeLoc)> {
        self.map.iter()
    }
}

/// Byte offset → (line, column) for one source text. Lines are 1-based; a line ends at `\n`
/// (a preceding `\r` belongs to the line ending, not the text).
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

/// A position for output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in Unicode scalar values (what editors and GitHub show).
    pub column: usize,
    /// 1-based column in UTF-16 code units (what SARIF's `utf16CodeUnits` means).
    pub column_utf16: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// Line and column of byte `offset` in `text` (the text this index was built from).
    /// Offsets past the end or inside a UTF-8 sequence are clamped to a valid position.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line0 = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line0).copied().unwrap_or(0);
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = text.get(start..end).unwrap_or("");
        // A BOM at the very start is not a visible column.
        let prefix = if start == 0 {
            prefix.strip_prefix('\u{feff}').unwrap_or(prefix)
        } else {
            prefix
        };
        LineCol {
            line: line0 + 1,
            column: prefix.chars().count() + 1,
            column_utf16: prefix.encode_utf16().count() + 1,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_columns_in_chars_and_utf16() {
        let text = "ab\n\u{e9}\u{1F600}x\r\nz";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.line_col(text, 0),
            LineCol {
                line: 1,
                column: 1,
                column_utf16: 1
            }
        );
        let x = text.find('x').unwrap_or_default();
        assert_eq!(
            idx.line_col(text, x),
            LineCol {
                line: 2,
                column: 3,
                column_utf16: 4
            }
        );
        let z = text.find('z').unwrap_or_default();
        assert_eq!(
            idx.line_col(text, z),
            LineCol {
                line: 3,
                column: 1,
                column_utf16: 1
            }
        );
    }

    #[test]
    fn bom_is_not_a_column() {
        let text = "\u{feff}{}";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 3).column, 1);
    }

    #[test]
    fn nearest_span_walks_up() {
        let mut m = LocationMap::new();
        m.insert(
            "/States".into(),
            NodeLoc {
                key: None,
                value: TextRange::new(1, 9),
            },
        );
        assert_eq!(
            m.nearest_value_span("/States/A/Next").map(|x| x.1),
            Some(TextRange::new(1, 9))
        );
        assert_eq!(m.nearest_value_span("/Other"), None);
    }
}
