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

use std::hash::BuildHasher;

use hashbrown::HashTable;
use serde_json::{Map, Value};

use self::lex::{Lexer, SyntaxError};
use super::{DUPLICATE_KEY, INVALID_JSON, Loaded};
use crate::diagnostic::{Diagnostic, Note};
use crate::location::{LocationMap, NodeKind, NodeLoc, SpanTree, TextRange};

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 512;

/// Load one JSON text (see [`super::load_json`]).
pub fn load(src: &str) -> Result<Loaded, Diagnostic> {
    // RFC 8259 §8.1: parsers may ignore a BOM. Offsets keep counting it.
    let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
    Parser::new(src, start).run()
}

/// One member of an object being parsed, in the object's insertion order. The members of
/// every open object share one stack ([`Parser::members`]), as the items of every open array
/// share [`Parser::items`]: a container is built once, at its closing bracket, with exactly
/// the room it needs, instead of growing (and rehashing) member by member.
struct Member {
    key: String,
    value: Value,
    /// The span of the key where it first appeared.
    first_key: TextRange,
    /// The tree nodes of the member's current value: `first..end`.
    first: usize,
    end: usize,
}

/// Objects with more members than this index their keys to find duplicates.
const SCAN_MEMBERS: usize = 8;

enum Frame {
    Array {
        /// Where this array's slice of `Parser::items` starts.
        items_base: usize,
        /// Items so far.
        len: usize,
        entry: usize,
        /// An item is being parsed (its index is `len`).
        in_item: bool,
    },
    Object {
        entry: usize,
        /// The value of member `key` is being parsed.
        in_member: bool,
        /// Where this object's slice of `Parser::members` starts.
        members_base: usize,
        /// The key whose value is being parsed, with its span and first entry.
        key: String,
        key_span: TextRange,
        member_entry: usize,
        /// The earlier member (index into `members`) that `key` repeats.
        replacing: Option<usize>,
        /// Key → index into `members`, once the object has more than [`SCAN_MEMBERS`].
        index: Option<HashTable<usize>>,
    },
}

struct Parser<'a> {
    lx: Lexer<'a>,
    /// Every node's location, in document order.
    tree: SpanTree,
    members: Vec<Member>,
    items: Vec<Value>,
    stack: Vec<Frame>,
    issues: Vec<Diagnostic>,
    hasher: foldhash::fast::RandomState,
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
            tree: SpanTree::with_capacity(guess),
            members: Vec::new(),
            items: Vec::new(),
            stack: Vec::new(),
            issues: Vec::new(),
            hasher: Default::default(),
        }
    }

    /// The pointer of the node being parsed, or of the container between its members:
    /// spelt out from the stack only when a message needs it.
    fn pointer(&self) -> String {
        let mut p = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Array {
                    len, in_item: true, ..
                } => {
                    p.push('/');
                    p.push_str(itoa(*len).as_str());
                }
                Frame::Object {
                    key,
                    in_member: true,
                    ..
                } => push_token(&mut p, key),
                _ => break,
            }
        }
        p
    }

    fn syntax(&self, e: SyntaxError) -> Diagnostic {
        INVALID_JSON.at(self.pointer(), e.message).with_span(e.span)
    }

    fn run(mut self) -> Result<Loaded, Diagnostic> {
        let mut step = Step::Value(None);
        loop {
            step = match step {
                Step::Value(key) => self.value(key).map_err(|e| self.syntax(e))?,
                Step::Done(value, entry) => {
                    self.tree.set_value_end(entry, self.lx.pos);
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
        let open = self.lx.peek();
        let kind = match open {
            Some(b'{') => NodeKind::Object,
            Some(b'[') => NodeKind::Array,
            _ => NodeKind::Scalar,
        };
        let parent = match self.stack.last() {
            Some(Frame::Array { len, entry, .. }) => Some((*entry, Err(*len))),
            Some(Frame::Object { key: k, entry, .. }) => Some((*entry, Ok(k.as_str()))),
            None => None,
        };
        let loc = NodeLoc {
            key,
            value: TextRange::new(start, start),
        };
        let entry = self.tree.push(parent, loc, kind);
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
        if open == Some(b'[') {
            if self.lx.peek() == Some(b']') {
                self.lx.pos += 1;
                return Ok(Step::Done(Value::Array(Vec::new()), entry));
            }
            self.stack.push(Frame::Array {
                items_base: self.items.len(),
                len: 0,
                entry,
                in_item: true,
            });
            return Ok(Step::Value(None));
        }
        match self.lx.peek() {
            Some(b'}') => {
                self.lx.pos += 1;
                Ok(Step::Done(Value::Object(Map::new()), entry))
            }
            Some(b'"') => {
                self.stack.push(Frame::Object {
                    entry,
                    in_member: false,
                    members_base: self.members.len(),
                    key: String::new(),
                    key_span: TextRange::default(),
                    member_entry: 0,
                    replacing: None,
                    index: None,
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
        let entries = self.tree.len();
        let Some(Frame::Object {
            in_member,
            members_base,
            key: frame_key,
            key_span: frame_key_span,
            member_entry,
            replacing,
            index,
            ..
        }) = self.stack.last_mut()
        else {
            return Err(self
                .lx
                .error_at(key_start, "internal error: key outside an object"));
        };
        let own = self.members.get(*members_base..).unwrap_or_default();
        // Small objects (nearly all of ASL) are cheaper to scan than to hash.
        let seen = if own.len() <= SCAN_MEMBERS {
            own.iter()
                .position(|m| m.key == key)
                .map(|i| *members_base + i)
        } else {
            let hasher = &self.hasher;
            let members = &self.members;
            let table = index.get_or_insert_with(|| {
                let mut t = HashTable::with_capacity(own.len() * 2);
                for (i, m) in own.iter().enumerate() {
                    t.insert_unique(hasher.hash_one(&m.key), *members_base + i, |&j| {
                        members.get(j).map_or(0, |m| hasher.hash_one(&m.key))
                    });
                }
                t
            });
            table
                .find(hasher.hash_one(&key), |&i| {
                    members.get(i).is_some_and(|m| m.key == key)
                })
                .copied()
        };
        let duplicate = seen.and_then(|i| self.members.get(i)).map(|m| m.first_key);
        *replacing = seen;
        *frame_key = key;
        *frame_key_span = key_span;
        *member_entry = entries;
        *in_member = true;
        if let Some(first_key) = duplicate {
            let pointer = self.pointer();
            let container = parent_pointer(&pointer);
            let place = if container.is_empty() {
                "the root object".to_string()
            } else {
                format!("object at {container}")
            };
            let key = crate::pointer::last(&pointer).unwrap_or_default();
            let mut d = DUPLICATE_KEY.at(pointer.clone(),
                format!("duplicate key `{key}` in {place}"),
            )
            .on_key()
            .with_span(key_span)
            .help("remove one of them: JSON parsers disagree on which one wins, and AWS rejects the definition");
            d.notes.push(Note::at_span("first defined here", first_key));
            self.issues.push(d);
        }
        Ok(Step::Value(Some(key_span)))
    }

    /// Give a completed value to the container on top of the stack, then read `,` or the
    /// closing bracket.
    fn attach(&mut self, value: Value) -> Result<Step, SyntaxError> {
        let end_of_value = self.tree.len();
        match self.stack.last_mut() {
            Some(Frame::Array { len, in_item, .. }) => {
                self.items.push(value);
                *len += 1;
                *in_item = false;
                self.lx.skip_ws();
                match self.lx.peek() {
                    Some(b',') => {
                        self.lx.pos += 1;
                        *in_item = true;
                        Ok(Step::Value(None))
                    }
                    Some(b']') => {
                        self.lx.pos += 1;
                        match self.stack.pop() {
                            Some(Frame::Array {
                                items_base, entry, ..
                            }) => {
                                let items: Vec<Value> = self.items.drain(items_base..).collect();
                                Ok(Step::Done(Value::Array(items), entry))
                            }
                            _ => Err(self.lx.error_at(self.lx.pos, "internal error: lost array")),
                        }
                    }
                    _ => Err(self.lx.unexpected("expected `,` or `]` after array item")),
                }
            }
            Some(Frame::Object {
                in_member,
                key,
                key_span,
                member_entry,
                replacing,
                index,
                ..
            }) => {
                *in_member = false;
                let key = std::mem::take(key);
                match replacing.take().and_then(|i| self.members.get_mut(i)) {
                    Some(m) => {
                        // serde_json (IndexMap insert) keeps the first position and the last
                        // value; the replaced value's locations must not outlive it.
                        self.tree.kill(m.first..m.end);
                        m.first = *member_entry;
                        m.end = end_of_value;
                        m.value = value;
                    }
                    None => {
                        let at = self.members.len();
                        if let Some(table) = index.as_mut() {
                            let hasher = &self.hasher;
                            let members = &self.members;
                            table.insert_unique(hasher.hash_one(&key), at, |&j| {
                                members.get(j).map_or(0, |m| hasher.hash_one(&m.key))
                            });
                        }
                        self.members.push(Member {
                            key,
                            value,
                            first_key: *key_span,
                            first: *member_entry,
                            end: end_of_value,
                        });
                    }
                }
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
                                entry,
                                members_base,
                                ..
                            }) => {
                                let mut map = Map::with_capacity(
                                    self.members.len().saturating_sub(members_base),
                                );
                                for m in self.members.drain(members_base..) {
                                    map.insert(m.key, m.value);
                                }
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
        Ok(Loaded {
            value,
            locations: LocationMap::from_tree(self.tree),
            issues: self.issues,
        })
    }
}

pub(crate) use crate::pointer::push_token;

/// `"/a/b"` → `"/a"`, `""` → `""`.
fn parent_pointer(pointer: &str) -> &str {
    crate::pointer::parent(pointer).unwrap_or_default()
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
