//! JSONPath evaluation with Jayway result shapes, and assignment for `ResultPath`.
//!
//! Each step maps the list of nodes selected so far to the next list (a flat map), which
//! gives the same document order as Jayway's depth-first evaluation. Missing members,
//! out-of-range indexes and steps that do not fit the node's type select nothing; whether
//! "nothing" is an error is decided once at the end, from the shape of the whole path.

use super::{CompareOp, EvalError, Filter, Operand, Path, Root, Segment, Selector, UnionMember};
use serde_json::{Map, Value};

pub(super) fn evaluate(path: &Path, root: &Value) -> Result<Value, EvalError> {
    shaped(&path.segments, root, root).ok_or_else(|| EvalError::NotFound {
        path: path.source.clone(),
    })
}

/// Evaluates `segments` from `start` with Jayway's result shapes; `None` when a definite path
/// selects nothing. `root` is what `$` means inside filters.
fn shaped(segments: &[Segment], start: &Value, root: &Value) -> Option<Value> {
    let (body, length) = match segments.split_last() {
        Some((last, body)) if last.selector == Selector::Length => (body, true),
        _ => (segments, false),
    };
    // Jayway merges a union of names in the last step into one object (`$['a','b']` gives
    // `{"a":..,"b":..}`), and counts that step as definite.
    let (body, merge) = match body.split_last() {
        Some((last, rest)) if !length && !last.deep => match &last.selector {
            Selector::Union(members)
                if members.iter().all(|m| matches!(m, UnionMember::Name(_))) =>
            {
                (rest, Some(members.as_slice()))
            }
            _ => (body, None),
        },
        _ => (body, None),
    };
    let nodes = select_all(body, start, root);
    let definite = super::segments_definite(segments);
    if let Some(members) = merge {
        let mut merged = nodes
            .into_iter()
            .filter_map(|node| node.as_object().map(|obj| merge_members(obj, members)));
        return if definite {
            merged.next()
        } else {
            Some(Value::Array(merged.collect()))
        };
    }
    if length {
        if !super::segments_definite(body) {
            return Some(Value::from(nodes.len()));
        }
        return match nodes.first() {
            Some(Value::Array(a)) => Some(Value::from(a.len())),
            Some(Value::Object(o)) => Some(Value::from(o.len())),
            Some(Value::String(s)) => Some(Value::from(s.chars().count())),
            _ => None,
        };
    }
    if definite {
        nodes.first().map(|v| (*v).clone())
    } else {
        Some(Value::Array(nodes.into_iter().cloned().collect()))
    }
}

fn merge_members(obj: &Map<String, Value>, members: &[UnionMember]) -> Value {
    let mut out = Map::new();
    for member in members {
        if let UnionMember::Name(name) = member
            && let Some(v) = obj.get(name)
        {
            out.insert(name.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// Applies `segments` in turn, starting from `start`; `root` is what `$` means in filters.
fn select_all<'v>(segments: &[Segment], start: &'v Value, root: &'v Value) -> Vec<&'v Value> {
    let mut nodes = vec![start];
    for segment in segments {
        let mut next = Vec::new();
        for node in nodes {
            if segment.deep {
                let mut all = Vec::new();
                descendants_or_self(node, &mut all);
                for n in all {
                    select(&segment.selector, n, root, true, &mut next);
                }
            } else {
                select(&segment.selector, node, root, false, &mut next);
            }
        }
        nodes = next;
    }
    nodes
}

/// `node` and everything below it, in document (pre-)order.
fn descendants_or_self<'v>(node: &'v Value, out: &mut Vec<&'v Value>) {
    // An explicit stack instead of recursion: deeply nested input must not overflow.
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        out.push(n);
        match n {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(map) => stack.extend(map.values().rev()),
            _ => {}
        }
    }
}

fn array_index(len: usize, index: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if index < 0 { len + index } else { index };
    if (0..len).contains(&i) {
        usize::try_from(i).ok()
    } else {
        None
    }
}

fn select<'v>(
    selector: &Selector,
    node: &'v Value,
    root: &'v Value,
    deep: bool,
    out: &mut Vec<&'v Value>,
) {
    match selector {
        Selector::Name(name) => {
            if let Some(v) = node.as_object().and_then(|o| o.get(name)) {
                out.push(v);
            }
        }
        Selector::Index(i) => {
            if let Value::Array(items) = node
                && let Some(v) = array_index(items.len(), *i).and_then(|i| items.get(i))
            {
                out.push(v);
            }
        }
        Selector::Wildcard => match node {
            Value::Array(items) => out.extend(items.iter()),
            Value::Object(map) => out.extend(map.values()),
            _ => {}
        },
        Selector::Slice { start, end, step } => {
            if let Value::Array(items) = node {
                for i in slice_indexes(items.len(), *start, *end, *step) {
                    if let Some(v) = items.get(i) {
                        out.push(v);
                    }
                }
            }
        }
        Selector::Union(members) => {
            for member in members {
                match member {
                    UnionMember::Name(name) => {
                        select(&Selector::Name(name.clone()), node, root, deep, out)
                    }
                    UnionMember::Index(i) => select(&Selector::Index(*i), node, root, deep, out),
                }
            }
        }
        Selector::Filter(filter) => match node {
            Value::Array(items) => {
                out.extend(items.iter().filter(|item| test(filter, item, root)));
            }
            // Jayway applies a filter on an object to the object itself; in a deep scan the
            // object's members are reached as descendants anyway, so only arrays count there.
            Value::Object(_) if !deep && test(filter, node, root) => out.push(node),
            _ => {}
        },
        // Only valid as the last step; `evaluate` handles it before selection.
        Selector::Length => {}
    }
}

/// Indexes of `[start:end:step]` over an array of `len` elements (RFC 9535 §2.3.4.2.2, which
/// agrees with Jayway for the positive steps Jayway supports).
fn slice_indexes(
    len: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Vec<usize> {
    let Ok(len) = i64::try_from(len) else {
        return Vec::new();
    };
    let step = step.unwrap_or(1);
    let norm = |i: i64| if i < 0 { len.saturating_add(i) } else { i };
    let mut out = Vec::new();
    if step > 0 {
        let lower = norm(start.unwrap_or(0)).clamp(0, len);
        let upper = norm(end.unwrap_or(len)).clamp(0, len);
        let mut i = lower;
        while i < upper {
            if let Ok(u) = usize::try_from(i) {
                out.push(u);
            }
            i = i.saturating_add(step);
        }
    } else if step < 0 {
        let upper = norm(start.unwrap_or(len - 1)).clamp(-1, len - 1);
        let lower = end.map_or(-1, |e| norm(e).clamp(-1, len - 1));
        let mut i = upper;
        while i > lower {
            if let Ok(u) = usize::try_from(i) {
                out.push(u);
            }
            i = i.saturating_add(step);
        }
    }
    out
}

// ---- filters ---------------------------------------------------------------------------

fn test(filter: &Filter, current: &Value, root: &Value) -> bool {
    match filter {
        Filter::Or(a, b) => test(a, current, root) || test(b, current, root),
        Filter::And(a, b) => test(a, current, root) && test(b, current, root),
        Filter::Not(a) => !test(a, current, root),
        Filter::Exists(operand) => match operand {
            Operand::Literal(Value::Bool(b)) => *b,
            Operand::Literal(Value::Null) => false,
            other => operand_value(other, current, root).is_some(),
        },
        Filter::Compare { left, op, right } => {
            let l = operand_value(left, current, root);
            let r = operand_value(right, current, root);
            compare(l.as_ref(), *op, r.as_ref())
        }
    }
}

/// The value of an operand, `None` when its path selects nothing (Jayway's "undefined").
fn operand_value(operand: &Operand, current: &Value, root: &Value) -> Option<Value> {
    // Paths in filters keep Jayway's shapes: definite → the value, otherwise the matches.
    match operand {
        Operand::Literal(v) => Some(v.clone()),
        Operand::Current(segments) => shaped(segments, current, root),
        Operand::Root(segments) => shaped(segments, root, root),
    }
}

fn compare(l: Option<&Value>, op: CompareOp, r: Option<&Value>) -> bool {
    match op {
        CompareOp::Eq => matches!((l, r), (Some(a), Some(b)) if json_eq(a, b)),
        CompareOp::Ne => !compare(l, CompareOp::Eq, r),
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            let (Some(a), Some(b)) = (l, r) else {
                return false;
            };
            let ord = match (a, b) {
                (Value::Number(x), Value::Number(y)) => x
                    .as_f64()
                    .zip(y.as_f64())
                    .and_then(|(x, y)| x.partial_cmp(&y)),
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => None,
            };
            let Some(ord) = ord else {
                return false;
            };
            match op {
                CompareOp::Lt => ord.is_lt(),
                CompareOp::Le => ord.is_le(),
                CompareOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
        CompareOp::In => match (l, r) {
            (Some(a), Some(Value::Array(items))) => items.iter().any(|b| json_eq(a, b)),
            _ => false,
        },
        CompareOp::Nin => !compare(l, CompareOp::In, r),
    }
}

/// JSON equality with numbers compared by value (`1 == 1.0`), as Jayway compares BigDecimals.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

// ---- assignment ------------------------------------------------------------------------

/// Writes `value` at `path` inside `target`, as `ResultPath` does (ASL spec, "ResultPath"):
/// `$` replaces the whole target, missing intermediate members are created as objects, an
/// existing member is overwritten. The path must be a reference path rooted at `$`; an
/// intermediate value that is not an object (or an array index out of range) is an error.
pub fn set(target: &mut Value, path: &Path, value: Value) -> Result<(), EvalError> {
    let fail = |reason: String| EvalError::CannotSet {
        path: path.source.clone(),
        reason,
    };
    if path.root != Root::Input {
        return Err(fail("the path must start with '$'".into()));
    }
    if !path.is_reference_path() {
        return Err(fail(
            "only reference paths (member names and array indexes) can be written".into(),
        ));
    }
    let Some((last, parents)) = path.segments.split_last() else {
        *target = value;
        return Ok(());
    };
    let mut node = target;
    for segment in parents {
        node = match (&segment.selector, node) {
            (Selector::Name(name), Value::Object(map)) => map
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            (Selector::Index(i), Value::Array(items)) => {
                let len = items.len();
                match array_index(len, *i).and_then(|i| items.get_mut(i)) {
                    Some(v) => v,
                    None => return Err(fail(format!("index {i} is out of range"))),
                }
            }
            (_, other) => {
                return Err(fail(format!(
                    "cannot step into {} {}",
                    crate::expr::json::type_name(other),
                    crate::expr::json::to_compact_string(other)
                )));
            }
        };
    }
    match (&last.selector, node) {
        (Selector::Name(name), Value::Object(map)) => {
            map.insert(name.clone(), value);
            Ok(())
        }
        (Selector::Index(i), Value::Array(items)) => {
            let len = items.len();
            match array_index(len, *i).and_then(|i| items.get_mut(i)) {
                Some(slot) => {
                    *slot = value;
                    Ok(())
                }
                None => Err(fail(format!("index {i} is out of range"))),
            }
        }
        (_, other) => Err(fail(format!(
            "cannot set a member of {} {}",
            crate::expr::json::type_name(other),
            crate::expr::json::to_compact_string(other)
        ))),
    }
}
