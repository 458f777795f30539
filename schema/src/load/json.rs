//! JSON loader: one pass over the text that builds the `serde_json::Value` and, for every
//! node, its JSON Pointer → byte span (key and value), and reports duplicate keys.
//!
//! Why not serde_json alone: it silently keeps the last of duplicate keys (AWS rejects them)
//! and has no spans. The value it builds is the same as serde_json's: the tests compare both
//! over generated and broken inputs. Differences by design: a leading UTF-8 BOM is accepted
//! (offsets still count it), and nesting may go to [`MAX_DEPTH`] levels instead of 128.
//!
//! The parser keeps its own stack instead of recursing, so hostile nesting cannot overflow
//! the thread's stack.

mod lex;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;

use serde_json::{Map, Value};

use self::lex::{Lexer, SyntaxError};
use super::{DUPLICATE_KEY, INVALID_JSON, Loaded};
use crate::diagnostic::{Diagnostic, Note, Severity};
use crate::location::{LocationMap, NodeLoc, TextRange};

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 512;

/// Load one JSON text (see [`super::load_json`]).
pub fn load(src: &str) -> Result<Loaded, Diagnostic> {
    // RFC 8259 §8.1: parsers may ignore a BOM. Offsets keep counting it.
    let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
    Parser::new(src, start).run()
}

/// One node's location, in document order (pre-order), until it goes into the map.
struct Entry {
    /// The pointer, as `pointers[start..end]`: one arena instead of one allocation per node
    /// while parsing (the allocator, not the scanning, dominates the cost of a load).
    pointer: (usize, usize),
    loc: NodeLoc,
    /// False once a later duplicate key replaced the member this node belongs to.
    live: bool,
}

/// One distinct key of an object being parsed, in the object's insertion order (so the i-th
/// member of an object's `members` slice is the i-th key of its `Map`).
struct Member {
    /// The span of the key where it first appeared.
    first_key: TextRange,
    /// The entries of the member's current value: `entries[first..end]`.
    first: usize,
    end: usize,
}

enum Frame {
    Array {
        items: Vec<Value>,
        entry: usize,
        pointer_len: usize,
    },
    Object {
        map: Map<String, Value>,
        entry: usize,
        pointer_len: usize,
        /// Where this object's slice of `Parser::members` starts.
        members_base: usize,
        /// The key whose value is being parsed, with its span and first entry.
        key: String,
        key_span: TextRange,
        member_entry: usize,
        /// Present only after the first duplicate key: key → index into `members`.
        dup_index: Option<HashMap<String, usize>>,
    },
}

struct Parser<'a> {
    lx: Lexer<'a>,
    /// The pointer of the node being parsed; truncated back when a member or item ends.
    pointer: String,
    /// Every entry's pointer, concatenated.
    pointers: String,
    entries: Vec<Entry>,
    dead: usize,
    members: Vec<Member>,
    stack: Vec<Frame>,
    issues: Vec<Diagnostic>,
}

/// What the value loop does next.
enum Step {
    /// Parse a value at the current pointer; its key span if it is an object member.
    Value(Option<TextRange>),
    /// A value is complete; hand it to its container.
    Done(Value, usize),
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, start: usize) -> Self {
        // ASL documents run at roughly one node per 20 bytes.
        let guess = src.len() / 20 + 1;
        Self {
            lx: Lexer::new(src, start),
            pointer: String::with_capacity(128),
            pointers: String::with_capacity(guess * 24),
            entries: Vec::with_capacity(guess),
            dead: 0,
            members: Vec::new(),
            stack: Vec::new(),
            issues: Vec::new(),
        }
    }

    fn syntax(&self, e: SyntaxError) -> Diagnostic {
        Diagnostic::new(
            INVALID_JSON,
            "invalid-json",
            Severity::Error,
            self.pointer.clone(),
            e.message,
        )
        .with_span(e.span)
    }

    fn run(mut self) -> Result<Loaded, Diagnostic> {
        let mut step = Step::Value(None);
        loop {
            step = match step {
                Step::Value(key) => self.value(key).map_err(|e| self.syntax(e))?,
                Step::Done(value, entry) => {
                    if let Some(e) = self.entries.get_mut(entry) {
                        e.loc.value.end = self.lx.pos;
                    }
                    if self.stack.is_empty() {
                        return self.finish(value);
                    }
                    self.attach(value).map_err(|e| self.syntax(e))?
                }
            };
        }
    }

    /// Start a value: a scalar completes at once, a non-empty container pushes a frame.
    fn value(&mut self, key: Option<TextRange>) -> Result<Step, SyntaxError> {
        self.lx.skip_ws();
        let start = self.lx.pos;
        let entry = self.entries.len();
        let p0 = self.pointers.len();
        self.pointers.push_str(&self.pointer);
        self.entries.push(Entry {
            pointer: (p0, self.pointers.len()),
            loc: NodeLoc {
                key,
                value: TextRange::new(start, start),
            },
            live: true,
        });
        let open = self.lx.peek();
        if !matches!(open, Some(b'{' | b'[')) {
            let v = self.lx.scalar()?;
            return Ok(Step::Done(v, entry));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.lx.error_at(
                start,
                format!("nesting too deep: more than {MAX_DEPTH} levels of arrays and objects"),
            ));
        }
        self.lx.pos += 1;
        self.lx.skip_ws();
        let pointer_len = self.pointer.len();
        if open == Some(b'[') {
            if self.lx.peek() == Some(b']') {
                self.lx.pos += 1;
                return Ok(Step::Done(Value::Array(Vec::new()), entry));
            }
            self.stack.push(Frame::Array {
                items: Vec::new(),
                entry,
                pointer_len,
            });
            self.pointer.push_str("/0");
            return Ok(Step::Value(None));
        }
        match self.lx.peek() {
            Some(b'}') => {
                self.lx.pos += 1;
                Ok(Step::Done(Value::Object(Map::new()), entry))
            }
            Some(b'"') => {
                self.stack.push(Frame::Object {
                    map: Map::new(),
                    entry,
                    pointer_len,
                    members_base: self.members.len(),
                    key: String::new(),
                    key_span: TextRange::default(),
                    member_entry: 0,
                    dup_index: None,
                });
                self.member_key()
            }
            _ => Err(self.lx.unexpected("expected a string key or `}`")),
        }
    }

    /// Parse `"key" :` of the next member of the object on top of the stack.
    fn member_key(&mut self) -> Result<Step, SyntaxError> {
        if self.lx.peek() != Some(b'"') {
            return Err(self.lx.unexpected("expected a string key"));
        }
        let key_start = self.lx.pos;
        let key = self.lx.string()?.into_owned();
        let key_span = TextRange::new(key_start, self.lx.pos);
        self.lx.skip_ws();
        if self.lx.peek() != Some(b':') {
            return Err(self.lx.unexpected("expected `:` after object key"));
        }
        self.lx.pos += 1;
        let Some(Frame::Object {
            map,
            pointer_len,
            members_base,
            key: frame_key,
            key_span: frame_key_span,
            member_entry,
            dup_index,
            ..
        }) = self.stack.last_mut()
        else {
            return Err(self
                .lx
                .error_at(key_start, "internal error: key outside an object"));
        };
        self.pointer.truncate(*pointer_len);
        push_token(&mut self.pointer, &key);
        if map.contains_key(&key) {
            // The first duplicate in this object: index its keys (they are in insertion
            // order, like its members) so later lookups are O(1) even for hostile input.
            let index = dup_index.get_or_insert_with(|| {
                map.keys()
                    .enumerate()
                    .map(|(i, k)| (k.clone(), *members_base + i))
                    .collect()
            });
            if let Some(first) = index.get(&key).and_then(|&i| self.members.get(i)) {
                let container = self.pointer.get(..*pointer_len).unwrap_or_default();
                let place = if container.is_empty() {
                    "the root object".to_string()
                } else {
                    format!("object at {container}")
                };
                let mut d = Diagnostic::new(
                    DUPLICATE_KEY,
                    "duplicate-key",
                    Severity::Error,
                    self.pointer.clone(),
                    format!("duplicate key `{key}` in {place}"),
                )
                .on_key()
                .with_span(key_span)
                .help("remove one of them: JSON parsers disagree on which one wins, and AWS rejects the definition");
                d.notes
                    .push(Note::at_span("first defined here", first.first_key));
                self.issues.push(d);
            }
        }
        *frame_key = key;
        *frame_key_span = key_span;
        *member_entry = self.entries.len();
        Ok(Step::Value(Some(key_span)))
    }

    /// Give a completed value to the container on top of the stack, then read `,` or the
    /// closing bracket.
    fn attach(&mut self, value: Value) -> Result<Step, SyntaxError> {
        let end_of_value = self.entries.len();
        match self.stack.last_mut() {
            Some(Frame::Array {
                items, pointer_len, ..
            }) => {
                items.push(value);
                let next_index = items.len();
                self.pointer.truncate(*pointer_len);
                self.lx.skip_ws();
                match self.lx.peek() {
                    Some(b',') => {
                        self.lx.pos += 1;
                        self.pointer.push('/');
                        self.pointer.push_str(itoa(next_index).as_str());
                        Ok(Step::Value(None))
                    }
                    Some(b']') => {
                        self.lx.pos += 1;
                        match self.stack.pop() {
                            Some(Frame::Array { items, entry, .. }) => {
                                Ok(Step::Done(Value::Array(items), entry))
                            }
                            _ => Err(self.lx.error_at(self.lx.pos, "internal error: lost array")),
                        }
                    }
                    _ => Err(self.lx.unexpected("expected `,` or `]` after array item")),
                }
            }
            Some(Frame::Object {
                map,
                pointer_len,
                members_base,
                key,
                key_span,
                member_entry,
                dup_index,
                ..
            }) => {
                let key = std::mem::take(key);
                let replaced = match dup_index.as_ref().and_then(|ix| ix.get(&key)) {
                    Some(&i) if map.contains_key(&key) => Some(i),
                    _ => None,
                };
                if let Some(i) = replaced {
                    // serde_json (IndexMap insert) keeps the first position and the last
                    // value; the replaced value's locations must not outlive it.
                    if let Some(m) = self.members.get_mut(i) {
                        for e in self.entries.get_mut(m.first..m.end).unwrap_or_default() {
                            if e.live {
                                e.live = false;
                                self.dead += 1;
                            }
                        }
                        m.first = *member_entry;
                        m.end = end_of_value;
                    }
                } else {
                    if let Some(ix) = dup_index.as_mut() {
                        ix.insert(key.clone(), self.members.len());
                    }
                    debug_assert_eq!(self.members.len(), *members_base + map.len());
                    self.members.push(Member {
                        first_key: *key_span,
                        first: *member_entry,
                        end: end_of_value,
                    });
                }
                map.insert(key, value);
                self.pointer.truncate(*pointer_len);
                self.lx.skip_ws();
                match self.lx.peek() {
                    Some(b',') => {
                        self.lx.pos += 1;
                        self.lx.skip_ws();
                        self.member_key()
                    }
                    Some(b'}') => {
                        self.lx.pos += 1;
                        match self.stack.pop() {
                            Some(Frame::Object {
                                map,
                                entry,
                                members_base,
                                ..
                            }) => {
                                self.members.truncate(members_base);
                                Ok(Step::Done(Value::Object(map), entry))
                            }
                            _ => Err(self.lx.error_at(self.lx.pos, "internal error: lost object")),
                        }
                    }
                    _ => Err(self
                        .lx
                        .unexpected("expected `,` or `}` after object member")),
                }
            }
            None => Err(self
                .lx
                .error_at(self.lx.pos, "internal error: no container")),
        }
    }

    fn finish(mut self, value: Value) -> Result<Loaded, Diagnostic> {
        self.lx.skip_ws();
        if !self.lx.at_end() {
            let e = self
                .lx
                .unexpected("expected the end of the text after the JSON value");
            return Err(self.syntax(e));
        }
        let mut locations = LocationMap::with_capacity(self.entries.len() - self.dead);
        for e in self.entries {
            if e.live {
                let pointer = self
                    .pointers
                    .get(e.pointer.0..e.pointer.1)
                    .unwrap_or_default();
                locations.insert(pointer.to_string(), e.loc);
            }
        }
        Ok(Loaded {
            value,
            locations,
            issues: self.issues,
        })
    }
}

/// Append `/` and the RFC 6901 escaped `key` (`~` → `~0`, `/` → `~1`).
pub(crate) fn push_token(pointer: &mut String, key: &str) {
    pointer.push('/');
    if key.contains(['~', '/']) {
        pointer.push_str(&crate::pointer::escape(key));
    } else {
        pointer.push_str(key);
    }
}

/// A small decimal formatter for array indexes (avoids `format!` in the hot loop).
fn itoa(mut n: usize) -> Digits {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    Digits { buf, start: i }
}

struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        std::str::from_utf8(self.buf.get(self.start..).unwrap_or_default()).unwrap_or_default()
    }
}
