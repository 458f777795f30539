//! One YAML document, event by event → `serde_json::Value` + locations: the mapping and
//! sequence frames, keys (duplicates, merge keys), anchors and aliases, CloudFormation tags,
//! and the limits. An explicit stack, never recursion, so depth is bounded by
//! [`YamlLimits::max_depth`](super::super::YamlLimits) and not by the thread's stack.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, ScalarStyle, Tag};
use serde_json::{Map, Value};

use super::offsets::{block_scalar, strip_properties, trim_end};
use super::{cfn, scalar};
use crate::diagnostic::{Diagnostic, Note};
use crate::load::{DUPLICATE_KEY, Loaded, UNSUPPORTED_YAML, YAML_LIMIT, YamlOptions};
use crate::location::{LocationMap, NodeLoc, TextRange};

struct Entry {
    pointer: String,
    loc: NodeLoc,
    /// False once the node is gone: replaced by a duplicate key, or moved by a merge.
    live: bool,
}

/// A completed anchored node, kept for its aliases.
struct Anchor {
    value: Value,
    /// Its entries (the node first, then its descendants).
    entries: Range<usize>,
    /// The length of the node's own pointer: descendants' pointers continue from there.
    base_len: usize,
    /// Nodes it expands to, for the alias budget.
    nodes: usize,
}

/// What a node needs from its start event at its end.
struct Open {
    entry: usize,
    anchor: usize,
    nodes_before: usize,
    /// The node's pointer length; children of a wrapped node continue after `/Fn::X`.
    pointer_len: usize,
    wrap: Option<Wrap>,
}

/// A CloudFormation short-form tag becoming `{"Fn::X": value}`.
struct Wrap {
    key: &'static str,
    inner_entry: usize,
}

struct Key {
    name: String,
    span: TextRange,
    merge: bool,
    entry_start: usize,
}

struct Seen {
    first_key: TextRange,
    entries: Range<usize>,
}

struct Merge {
    value: Value,
    /// How many keys the mapping had when `<<` appeared: merged keys go there.
    at: usize,
    entries: Range<usize>,
    span: TextRange,
}

enum Frame {
    Seq {
        open: Open,
        items: Vec<Value>,
        /// End of the last child: a block collection ends there.
        end: usize,
    },
    Map {
        open: Open,
        map: Map<String, Value>,
        key: Option<Key>,
        seen: HashMap<String, Seen>,
        merges: Vec<Merge>,
        end: usize,
    },
}

pub(super) struct DocBuilder<'a> {
    src: &'a str,
    options: &'a YamlOptions,
    pointer: String,
    entries: Vec<Entry>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    nodes: usize,
    /// Nodes copied to remember anchors: bounded too, or nested anchors cost depth × size.
    anchor_work: usize,
    issues: Vec<Diagnostic>,
    root: Option<Value>,
}

type Res<T> = Result<T, Diagnostic>;

impl<'a> DocBuilder<'a> {
    pub(super) fn new(src: &'a str, options: &'a YamlOptions) -> Self {
        Self {
            src,
            options,
            pointer: String::new(),
            entries: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            anchor_work: 0,
            issues: Vec::new(),
            root: None,
        }
    }

    fn error(&self, code: &'static crate::RuleMeta, span: TextRange, msg: String) -> Diagnostic {
        code.at(self.pointer.clone(), msg).with_span(span)
    }

    fn unsupported(&self, span: TextRange, msg: impl Into<String>) -> Diagnostic {
        self.error(&UNSUPPORTED_YAML, span, msg.into())
    }

    fn count(&mut self, n: usize, span: TextRange) -> Res<()> {
        self.nodes = self.nodes.saturating_add(n);
        let max = self.options.limits.max_nodes;
        if self.nodes > max {
            return Err(self
                .error(
                    &YAML_LIMIT,
                    span,
                    format!("the document expands to more than {max} nodes (aliases count each time they are used)"),
                )
                .help("this looks like an alias bomb; if the document is genuine, raise the node limit"));
        }
        Ok(())
    }

    fn push_entry(&mut self, key: Option<TextRange>, value: TextRange) -> usize {
        self.entries.push(Entry {
            pointer: self.pointer.clone(),
            loc: NodeLoc { key, value },
            live: true,
        });
        self.entries.len() - 1
    }

    fn set_end(&mut self, entry: usize, end: usize) {
        if let Some(e) = self.entries.get_mut(entry) {
            e.loc.value.end = end.max(e.loc.value.start);
        }
    }

    /// Handle one event inside the document.
    pub(super) fn event(&mut self, event: Event<'_>, span: TextRange) -> Res<()> {
        if let Some(Frame::Map { key: None, .. }) = self.stack.last()
            && !matches!(event, Event::MappingEnd)
        {
            return self.key(event, span);
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => self.scalar(&text, style, anchor, tag, span),
            Event::Alias(id) => self.alias(id, span),
            Event::SequenceStart(anchor, tag) => self.start(false, anchor, tag, span),
            Event::MappingStart(anchor, tag) => self.start(true, anchor, tag, span),
            Event::SequenceEnd | Event::MappingEnd => self.end(span),
            _ => Ok(()),
        }
    }

    /// Before a value: set the pointer for a sequence item; the key span for a member.
    fn value_position(&mut self) -> Option<TextRange> {
        match self.stack.last() {
            Some(Frame::Seq { items, .. }) => {
                self.pointer.push('/');
                self.pointer.push_str(&items.len().to_string());
                None
            }
            Some(Frame::Map { key: Some(k), .. }) => Some(k.span),
            _ => None,
        }
    }

    /// Start a node: its entry, and for a CloudFormation tag the wrapper and inner entries.
    fn open(
        &mut self,
        key_span: Option<TextRange>,
        full: TextRange,
        value: TextRange,
        anchor: usize,
        tag: Option<&Tag>,
        nodes_before: usize,
    ) -> Open {
        let pointer_len = self.pointer.len();
        let long = tag
            .filter(|t| self.options.cfn_tags && t.handle == "!")
            .and_then(|t| cfn::long_form(&t.suffix));
        let Some(long) = long else {
            let entry = self.push_entry(key_span, value);
            return Open {
                entry,
                anchor,
                nodes_before,
                pointer_len,
                wrap: None,
            };
        };
        // The wrapper object is the tagged node as written; its one member's key is the tag.
        let entry = self.push_entry(key_span, full);
        let tag_start = self
            .src
            .get(full.start..value.start)
            .and_then(|s| s.find('!'))
            .map_or(full.start, |i| full.start + i);
        let tag_len = tag.map_or(0, |t| 1 + t.suffix.len());
        crate::load::json::push_token(&mut self.pointer, long);
        let inner_entry =
            self.push_entry(Some(TextRange::new(tag_start, tag_start + tag_len)), value);
        Open {
            entry,
            anchor,
            nodes_before,
            pointer_len,
            wrap: Some(Wrap {
                key: long,
                inner_entry,
            }),
        }
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        full: TextRange,
    ) -> Res<()> {
        let before = self.nodes;
        self.count(1, full)?;
        let key_span = self.value_position();
        let mut value_span = trim_end(self.src, strip_properties(self.src, full));
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            value_span = block_scalar(self.src, value_span);
        }
        let full = TextRange::new(full.start.min(value_span.start), value_span.end);
        let open = self.open(key_span, full, value_span, anchor, tag.as_deref(), before);
        let core_tag = if open.wrap.is_some() {
            None
        } else {
            tag.as_deref()
        };
        let mut value =
            scalar::resolve(text, style, core_tag).map_err(|m| self.unsupported(value_span, m))?;
        if open.wrap.as_ref().is_some_and(|w| w.key == "Fn::GetAtt") {
            value = self.split_get_att(value, value_span)?;
        }
        self.close(open, value, value_span.end)
    }

    /// `!GetAtt a.b` → `["a", "b"]`, with a location for each part.
    fn split_get_att(&mut self, value: Value, span: TextRange) -> Res<Value> {
        let Value::String(s) = &value else {
            return Ok(value);
        };
        let Some((resource, attribute)) = cfn::split_get_att(s) else {
            return Ok(value);
        };
        // Precise part spans when the text is written as is (a plain one-line scalar).
        let exact = self.src.get(span.start..span.end) == Some(s.as_str());
        let (a, b) = if exact {
            let dot = span.start + resource.len();
            (
                TextRange::new(span.start, dot),
                TextRange::new(dot + 1, span.end),
            )
        } else {
            (span, span)
        };
        let parts = Value::Array(vec![
            Value::String(resource.into()),
            Value::String(attribute.into()),
        ]);
        self.count(2, span)?;
        let len = self.pointer.len();
        for (i, part) in [a, b].into_iter().enumerate() {
            self.pointer.push_str(if i == 0 { "/0" } else { "/1" });
            self.push_entry(None, part);
            self.pointer.truncate(len);
        }
        Ok(parts)
    }

    fn alias(&mut self, id: usize, span: TextRange) -> Res<()> {
        let Some(anchor) = self.anchors.get(&id) else {
            return Err(self.unsupported(
                span,
                "this alias refers to a node that contains it: a recursive structure has no JSON form",
            ));
        };
        let (nodes, range, base_len) = (anchor.nodes, anchor.entries.clone(), anchor.base_len);
        let value = anchor.value.clone();
        self.count(nodes, span)?;
        let key_span = self.value_position();
        let entry = self.push_entry(key_span, span);
        let base = self.pointer.clone();
        for i in range.start.saturating_add(1)..range.end {
            let Some(e) = self.entries.get(i) else { break };
            if !e.live {
                continue;
            }
            let pointer = format!("{base}{}", e.pointer.get(base_len..).unwrap_or_default());
            let loc = e.loc;
            self.entries.push(Entry {
                pointer,
                loc,
                live: true,
            });
        }
        let open = Open {
            entry,
            anchor: 0,
            nodes_before: 0,
            pointer_len: self.pointer.len(),
            wrap: None,
        };
        self.close(open, value, span.end)
    }

    fn start(
        &mut self,
        mapping: bool,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        span: TextRange,
    ) -> Res<()> {
        let max = self.options.limits.max_depth;
        if self.stack.len() >= max {
            return Err(self.error(
                &YAML_LIMIT,
                span,
                format!("nesting too deep: more than {max} levels of mappings and sequences"),
            ));
        }
        let before = self.nodes;
        self.count(1, span)?;
        let key_span = self.value_position();
        // Flow collections start at `[`/`{`; block ones at their first entry. Either way the
        // end is not known yet.
        let value = strip_properties(self.src, span);
        let open = self.open(
            key_span,
            span,
            TextRange::new(value.start, value.start),
            anchor,
            tag.as_deref(),
            before,
        );
        let end = value.start;
        self.stack.push(if mapping {
            Frame::Map {
                open,
                map: Map::new(),
                key: None,
                seen: HashMap::new(),
                merges: Vec::new(),
                end,
            }
        } else {
            Frame::Seq {
                open,
                items: Vec::new(),
                end,
            }
        });
        Ok(())
    }

    fn end(&mut self, span: TextRange) -> Res<()> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        // A flow collection's end event covers its `]`/`}`; a block one's is empty.
        let end_of = |last: usize| if span.is_empty() { last } else { span.end };
        match frame {
            Frame::Seq { open, items, end } => self.close(open, Value::Array(items), end_of(end)),
            Frame::Map {
                open,
                mut map,
                merges,
                end,
                ..
            } => {
                let base_len = self.pointer.len();
                for merge in merges {
                    self.merge(&mut map, merge, base_len)?;
                }
                self.close(open, Value::Object(map), end_of(end))
            }
        }
    }

    /// Finish a node: wrap it, remember it for aliases, hand it to its parent.
    fn close(&mut self, open: Open, mut value: Value, end: usize) -> Res<()> {
        self.set_end(open.entry, end);
        if let Some(w) = &open.wrap {
            self.set_end(w.inner_entry, end);
            let mut m = Map::new();
            m.insert(w.key.to_string(), value);
            value = Value::Object(m);
        }
        self.pointer.truncate(open.pointer_len);
        if open.anchor != 0 {
            let nodes = self.nodes - open.nodes_before;
            self.anchor_work = self.anchor_work.saturating_add(nodes);
            if self.anchor_work > self.options.limits.max_nodes.saturating_mul(4) {
                let span = self
                    .entries
                    .get(open.entry)
                    .map(|e| e.loc.value)
                    .unwrap_or_default();
                return Err(self.error(&YAML_LIMIT, span, "too many nested anchors: remembering them would copy more than 4 times the node limit".into()));
            }
            self.anchors.insert(
                open.anchor,
                Anchor {
                    value: value.clone(),
                    entries: open.entry..self.entries.len(),
                    base_len: open.pointer_len,
                    nodes,
                },
            );
        }
        self.attach(value, end)
    }

    fn attach(&mut self, value: Value, end: usize) -> Res<()> {
        let entries_len = self.entries.len();
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(value);
            return Ok(());
        };
        match frame {
            Frame::Seq {
                items,
                end: last,
                open,
            } => {
                items.push(value);
                *last = end;
                let len = open.pointer_len + open.wrap.as_ref().map_or(0, |w| w.key.len() + 1);
                self.pointer.truncate(len);
            }
            Frame::Map {
                map,
                key,
                seen,
                merges,
                end: last,
                open,
            } => {
                *last = end;
                let len = open.pointer_len + open.wrap.as_ref().map_or(0, |w| w.key.len() + 1);
                self.pointer.truncate(len);
                let Some(k) = key.take() else { return Ok(()) };
                let range = k.entry_start..entries_len;
                if k.merge {
                    merges.push(Merge {
                        value,
                        at: map.len(),
                        entries: range,
                        span: k.span,
                    });
                    return Ok(());
                }
                match seen.get_mut(&k.name) {
                    Some(s) => {
                        // The value keeps the last occurrence (like the JSON loader), so the
                        // replaced one's locations go.
                        for e in self.entries.get_mut(s.entries.clone()).unwrap_or_default() {
                            e.live = false;
                        }
                        s.entries = range;
                    }
                    None => {
                        seen.insert(
                            k.name.clone(),
                            Seen {
                                first_key: k.span,
                                entries: range,
                            },
                        );
                    }
                }
                map.insert(k.name, value);
            }
        }
        Ok(())
    }

    /// A mapping key: a scalar (or an alias of one), as a string.
    fn key(&mut self, event: Event<'_>, span: TextRange) -> Res<()> {
        let before = self.nodes;
        self.count(1, span)?;
        let (name, key_span, merge, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let key_span = trim_end(self.src, strip_properties(self.src, span));
                let core = tag.as_deref().filter(|t| t.is_yaml_core_schema());
                // `<<` is the merge key (YAML 1.1 merge type, kept by most 1.2 tools).
                let merge = style == ScalarStyle::Plain
                    && text == "<<"
                    && tag
                        .as_deref()
                        .is_none_or(|t| t.is_yaml_core_schema() && t.suffix == "merge");
                let value = if merge {
                    Value::String(text.to_string())
                } else {
                    scalar::resolve(&text, style, core)
                        .map_err(|m| self.unsupported(key_span, m))?
                };
                (value, key_span, merge, anchor)
            }
            Event::Alias(id) => match self.anchors.get(&id).map(|a| &a.value) {
                Some(v) if !v.is_array() && !v.is_object() => (v.clone(), span, false, 0),
                _ => {
                    return Err(self.unsupported(
                        span,
                        "a mapping key must be a scalar: this alias is a mapping or sequence",
                    ));
                }
            },
            _ => {
                return Err(self.unsupported(
                    span,
                    "a mapping or sequence used as a mapping key has no JSON form",
                ));
            }
        };
        if anchor != 0 {
            let at = self.entries.len();
            self.anchors.insert(
                anchor,
                Anchor {
                    value: name.clone(),
                    entries: at..at,
                    base_len: 0,
                    nodes: self.nodes - before,
                },
            );
        }
        let name = scalar::key_string(name);
        let entry_start = self.entries.len();
        let Some(Frame::Map { key, seen, .. }) = self.stack.last_mut() else {
            return Ok(());
        };
        let first = if merge {
            None
        } else {
            seen.get(&name).map(|s| s.first_key)
        };
        *key = Some(Key {
            name: name.clone(),
            span: key_span,
            merge,
            entry_start,
        });
        crate::load::json::push_token(&mut self.pointer, &name);
        if let Some(first) = first {
            self.duplicate(&name, key_span, first);
        }
        Ok(())
    }

    fn duplicate(&mut self, name: &str, span: TextRange, first: TextRange) {
        let container = crate::pointer::parent(&self.pointer).unwrap_or_default();
        let place = if container.is_empty() {
            "the root mapping".to_string()
        } else {
            format!("mapping at {container}")
        };
        let mut d = DUPLICATE_KEY.at(self.pointer.clone(),
            format!("duplicate key `{name}` in {place}"),
        )
        .on_key()
        .with_span(span)
        .help("remove one of them: the YAML spec forbids duplicate keys, and AWS rejects them in the JSON it becomes");
        d.notes.push(Note::at_span("first defined here", first));
        self.issues.push(d);
    }

    /// Apply one `<<` merge to the mapping (YAML 1.1 merge key type, yaml.org/type/merge):
    /// keys of the merged mapping(s) that the mapping does not have itself are added, earlier
    /// sources winning over later ones; they go where `<<` was written.
    fn merge(&mut self, map: &mut Map<String, Value>, merge: Merge, base_len: usize) -> Res<()> {
        let is_seq = merge.value.is_array();
        let sources: Vec<(Option<usize>, Map<String, Value>)> = match merge.value {
            Value::Object(m) => vec![(None, m)],
            Value::Array(items) if items.iter().all(Value::is_object) => items
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    Value::Object(m) => Some((Some(i), m)),
                    _ => None,
                })
                .collect(),
            _ => {
                return Err(self.unsupported(
                    merge.span,
                    "the value of a `<<` merge key must be a mapping or a sequence of mappings",
                ));
            }
        };
        let mut at = merge.at.min(map.len());
        let mut chosen: HashMap<String, Option<usize>> = HashMap::new();
        for (source, m) in sources {
            for (k, v) in m {
                if !map.contains_key(&k) {
                    map.shift_insert(at, k.clone(), v);
                    at += 1;
                    chosen.insert(k, source);
                }
            }
        }
        // Move the locations of the merged members from `.../<</...` to `.../key/...`.
        let base = self.pointer.get(..base_len).unwrap_or_default().to_string();
        let prefix_len = base.len() + "/<<".len();
        let mut moved = Vec::new();
        for e in self.entries.get_mut(merge.entries).unwrap_or_default() {
            if !e.live {
                continue;
            }
            e.live = false;
            // `/<<` itself, `/<</key/...` from a mapping, `/<</i/key/...` from a sequence.
            let Some(rest) = e
                .pointer
                .get(prefix_len..)
                .and_then(|r| r.strip_prefix('/'))
            else {
                continue;
            };
            let (source, rest) = if is_seq {
                match rest.split_once('/') {
                    Some((i, r)) => (i.parse::<usize>().ok(), r),
                    None => continue,
                }
            } else {
                (None, rest)
            };
            if rest.is_empty() {
                continue;
            }
            let token = rest.split('/').next().unwrap_or_default();
            if chosen.get(&crate::pointer::unescape(token)) == Some(&source) {
                moved.push(Entry {
                    pointer: format!("{base}/{rest}"),
                    loc: e.loc,
                    live: true,
                });
            }
        }
        self.entries.extend(moved);
        Ok(())
    }

    pub(super) fn finish(self) -> Loaded {
        let mut locations = LocationMap::with_capacity(self.entries.len());
        for e in self.entries {
            if e.live {
                locations.insert(e.pointer, e.loc);
            }
        }
        Loaded {
            value: self.root.unwrap_or(Value::Null),
            locations,
            issues: self.issues,
        }
    }
}
