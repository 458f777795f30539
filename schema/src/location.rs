//! Where things are in a source text: byte ranges, the pointer → span map the loaders fill,
//! and the line index renderers use to turn byte offsets into line/column.
//!
//! Spans are byte offsets into the source as loaded (after nothing is stripped: a UTF-8 BOM
//! stays part of the text and offsets count it). Line and column are computed only for output.

use std::collections::HashMap;
use std::sync::OnceLock;

use hashbrown::HashTable;

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
///
/// Two stores behind one lookup. The JSON loader fills a [`SpanTree`]: one entry per node in
/// document order, each knowing its parent and its key (or index), so loading allocates no
/// pointer string per node; the pointer → node index is built on the first lookup, which most
/// documents (those without findings) never make. Other producers (the YAML loader, embedded
/// definitions moved into their template) [`insert`](Self::insert) by pointer; an inserted
/// pointer wins over the tree's node at the same pointer.
#[derive(Clone, Debug, Default)]
pub struct LocationMap {
    tree: SpanTree,
    map: HashMap<String, NodeLoc, foldhash::fast::RandomState>,
}

impl LocationMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            tree: SpanTree::default(),
            map: HashMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// The locations of a document as the JSON loader recorded them.
    pub(crate) fn from_tree(tree: SpanTree) -> Self {
        Self {
            tree,
            map: HashMap::default(),
        }
    }

    pub fn insert(&mut self, pointer: String, loc: NodeLoc) {
        self.map.insert(pointer, loc);
    }

    pub fn get(&self, pointer: &str) -> Option<&NodeLoc> {
        if !self.map.is_empty()
            && let Some(l) = self.map.get(pointer)
        {
            return Some(l);
        }
        let (node, _, whole) = self.tree.find(pointer)?;
        whole.then(|| self.tree.loc(node))
    }

    /// Number of pointers with a location.
    pub fn len(&self) -> usize {
        if self.map.is_empty() {
            return self.tree.live;
        }
        let shadowed = self
            .map
            .keys()
            .filter(|p| self.tree.find(p).is_some_and(|(_, _, whole)| whole))
            .count();
        self.tree.live + self.map.len() - shadowed
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The span of the value at `pointer`.
    pub fn value_span(&self, pointer: &str) -> Option<TextRange> {
        self.get(pointer).map(|l| l.value)
    }

    /// The span of the key at `pointer` (falls back to the value for array items and the root).
    pub fn key_span(&self, pointer: &str) -> Option<TextRange> {
        self.get(pointer).map(|l| l.key.unwrap_or(l.value))
    }

    /// The span at `pointer`, or at the nearest ancestor that has one (a finding about a
    /// missing field points at the object that lacks it).
    pub fn nearest_value_span(&self, pointer: &str) -> Option<(String, TextRange)> {
        // The tree holds every ancestor of a node it holds, so the deepest node it reaches
        // on the way down is the longest prefix it knows.
        let in_tree = self.tree.find(pointer);
        let tree_hit = |(node, len, _): (usize, usize, bool)| {
            (
                pointer.get(..len).unwrap_or_default().to_string(),
                self.tree.loc(node).value,
            )
        };
        if self.map.is_empty() {
            return in_tree.map(tree_hit);
        }
        let mut p = pointer;
        loop {
            if let Some(l) = self.map.get(p) {
                return Some((p.to_string(), l.value));
            }
            if let Some(found) = in_tree
                && found.1 == p.len()
            {
                return Some(tree_hit(found));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// Every pointer with its location, in no particular order. Pointers of the tree are
    /// spelt out here, so this is for whole-document passes, not for lookups.
    pub fn iter(&self) -> impl Iterator<Item = (String, NodeLoc)> + '_ {
        let from_tree = self
            .tree
            .pointers()
            .filter(|(p, _)| self.map.is_empty() || !self.map.contains_key(p));
        from_tree.chain(self.map.iter().map(|(p, l)| (p.clone(), *l)))
    }
}

/// What a node of a [`SpanTree`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Object,
    Array,
    Scalar,
}

/// Where a node sits in its parent.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Root,
    /// Object member: its (unescaped) key is `keys[start..end]` of the tree.
    Key {
        start: usize,
        end: usize,
    },
    /// Array item.
    Index(usize),
}

#[derive(Clone, Debug)]
struct TreeNode {
    loc: NodeLoc,
    parent: usize,
    slot: Slot,
    kind: NodeKind,
    /// False once a later duplicate key replaced the member this node belongs to.
    live: bool,
}

/// The locations of one JSON document as a tree in document order (see [`LocationMap`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanTree {
    nodes: Vec<TreeNode>,
    /// Every member key, concatenated.
    keys: String,
    live: usize,
    /// (parent, key or index) → node, built on the first lookup.
    index: OnceLock<HashTable<usize>>,
    hasher: foldhash::fast::RandomState,
}

impl SpanTree {
    pub(crate) fn with_capacity(nodes: usize) -> Self {
        Self {
            nodes: Vec::with_capacity(nodes),
            ..Self::default()
        }
    }

    /// Add the next node in document order (`parent` is `None` for the root, `key` for an
    /// object member, `index` for an array item); returns its id.
    pub(crate) fn push(
        &mut self,
        parent: Option<(usize, Result<&str, usize>)>,
        loc: NodeLoc,
        kind: NodeKind,
    ) -> usize {
        let (parent, slot) = match parent {
            None => (0, Slot::Root),
            Some((p, Ok(key))) => {
                let start = self.keys.len();
                self.keys.push_str(key);
                (
                    p,
                    Slot::Key {
                        start,
                        end: self.keys.len(),
                    },
                )
            }
            Some((p, Err(i))) => (p, Slot::Index(i)),
        };
        self.nodes.push(TreeNode {
            loc,
            parent,
            slot,
            kind,
            live: true,
        });
        self.live += 1;
        self.nodes.len() - 1
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn set_value_end(&mut self, node: usize, end: usize) {
        if let Some(n) = self.nodes.get_mut(node) {
            n.loc.value.end = end;
        }
    }

    /// Forget nodes `range` (a member whose value a duplicate key replaced).
    pub(crate) fn kill(&mut self, range: std::ops::Range<usize>) {
        for n in self.nodes.get_mut(range).unwrap_or_default() {
            if n.live {
                n.live = false;
                self.live -= 1;
            }
        }
    }

    fn loc(&self, node: usize) -> &NodeLoc {
        static NONE: NodeLoc = NodeLoc {
            key: None,
            value: TextRange { start: 0, end: 0 },
        };
        self.nodes.get(node).map_or(&NONE, |n| &n.loc)
    }

    fn key_of(&self, slot: Slot) -> Result<&str, usize> {
        match slot {
            Slot::Key { start, end } => Ok(self.keys.get(start..end).unwrap_or_default()),
            Slot::Index(i) => Err(i),
            Slot::Root => Err(usize::MAX),
        }
    }

    fn hash(&self, parent: usize, key: Result<&str, usize>) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = self.hasher.build_hasher();
        h.write_usize(parent);
        match key {
            Ok(k) => {
                h.write_u8(0);
                h.write(k.as_bytes());
            }
            Err(i) => {
                h.write_u8(1);
                h.write_usize(i);
            }
        }
        h.finish()
    }

    fn index(&self) -> &HashTable<usize> {
        self.index.get_or_init(|| {
            let mut table = HashTable::with_capacity(self.live);
            for (id, n) in self.nodes.iter().enumerate() {
                if !n.live || matches!(n.slot, Slot::Root) {
                    continue;
                }
                let h = self.hash(n.parent, self.key_of(n.slot));
                table.insert_unique(h, id, |&other| {
                    self.nodes
                        .get(other)
                        .map_or(0, |o| self.hash(o.parent, self.key_of(o.slot)))
                });
            }
            table
        })
    }

    /// The child of `parent` under `key` (member) or `index` (item).
    fn child(&self, parent: usize, key: Result<&str, usize>) -> Option<usize> {
        let h = self.hash(parent, key);
        self.index()
            .find(h, |&id| {
                self.nodes
                    .get(id)
                    .is_some_and(|n| n.parent == parent && self.key_of(n.slot) == key)
            })
            .copied()
    }

    /// Walk `pointer` down from the root: the deepest node reached, the length of the
    /// pointer prefix that names it, and whether that is the whole pointer. `None` when the
    /// tree is empty or the pointer is not one (no leading `/`).
    fn find(&self, pointer: &str) -> Option<(usize, usize, bool)> {
        if !self.nodes.first().is_some_and(|n| n.live) {
            return None;
        }
        if pointer.is_empty() {
            return Some((0, 0, true));
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = 0;
        let mut len = 0;
        for token in rest.split('/') {
            let kind = self.nodes.get(node).map(|n| n.kind);
            let next = match kind {
                Some(NodeKind::Object) => {
                    unescape_token(token).and_then(|t| self.child(node, Ok(t.as_ref())))
                }
                Some(NodeKind::Array) => array_index(token).and_then(|i| self.child(node, Err(i))),
                _ => None,
            };
            match next {
                Some(n) => {
                    node = n;
                    len += 1 + token.len();
                }
                None => return Some((node, len, false)),
            }
        }
        Some((node, len, true))
    }

    /// Every live node with its pointer.
    fn pointers(&self) -> impl Iterator<Item = (String, NodeLoc)> + '_ {
        let mut spelt: Vec<String> = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let p = match self.key_of(n.slot) {
                _ if matches!(n.slot, Slot::Root) => String::new(),
                Ok(k) => crate::pointer::push(spelt.get(n.parent).map_or("", |s| s), k),
                Err(i) => crate::pointer::push_index(spelt.get(n.parent).map_or("", |s| s), i),
            };
            spelt.push(p);
        }
        spelt
            .into_iter()
            .zip(&self.nodes)
            .filter(|(_, n)| n.live)
            .map(|(p, n)| (p, n.loc))
    }
}

/// A reference token unescaped (`~1` → `/`, `~0` → `~`); `None` for any other `~`, which
/// no written pointer contains.
fn unescape_token(token: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !token.contains('~') {
        return Some(std::borrow::Cow::Borrowed(token));
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(std::borrow::Cow::Owned(out))
}

/// An array index as pointers spell it: decimal, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    let canonical = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    if canonical { token.parse().ok() } else { None }
}

/// Byte offset → (line, column) for one source text. Lines are 1-based; a line ends at `\n`
/// (a preceding `\r` belongs to the line ending, not the text).
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Byte offsets of UTF-8 continuation bytes, ascending (empty for ASCII text): a column
    /// is the bytes before the offset on its line minus these, found by binary search, so
    /// locating a finding does not re-read its line. Counting the characters of the line up
    /// to each finding made a minified (one-line) definition quadratic in its findings
    /// (issue 18: 25,000 states, 112 s).
    continuation: Vec<usize>,
    /// Byte offsets of the lead bytes of 4-byte sequences (two UTF-16 code units each).
    astral: Vec<usize>,
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
        // `match_indices` of a char searches with memchr, several bytes at a time.
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let (mut continuation, mut astral) = (Vec::new(), Vec::new());
        if !text.is_ascii() {
            for (i, b) in text.bytes().enumerate() {
                if b & 0xC0 == 0x80 {
                    continuation.push(i);
                } else if b >= 0xF0 {
                    astral.push(i);
                }
            }
        }
        Self {
            starts,
            continuation,
            astral,
        }
    }

    /// Entries of an ascending list in `start..end`.
    fn count_in(list: &[usize], start: usize, end: usize) -> usize {
        list.partition_point(|&i| i < end) - list.partition_point(|&i| i < start)
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
        // A BOM at the very start is not a visible column.
        let bom = '\u{feff}'.len_utf8();
        let start = if start == 0 && end >= bom && text.starts_with('\u{feff}') {
            bom
        } else {
            start
        };
        let chars =
            end.saturating_sub(start) - Self::count_in(&self.continuation, start, end.max(start));
        LineCol {
            line: line0 + 1,
            column: chars + 1,
            column_utf16: chars + Self::count_in(&self.astral, start, end.max(start)) + 1,
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

    /// The counted columns equal counting the line's characters, at every byte offset.
    #[test]
    fn columns_equal_counting_the_line() {
        let text = "\u{feff}a\u{e9}\n\u{1F600}b\u{4e2d}\r\n\u{1F600}\u{1F600}c\nplain\n";
        let idx = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let at = offset.min(text.len());
            let mut end = at;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
            let prefix = &text[start..end];
            let prefix = prefix.strip_prefix('\u{feff}').unwrap_or(prefix);
            let got = idx.line_col(text, offset);
            assert_eq!(got.column, prefix.chars().count() + 1, "offset {offset}");
            assert_eq!(
                got.column_utf16,
                prefix.encode_utf16().count() + 1,
                "offset {offset}"
            );
        }
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
