//! Tolerant reading of one JSON object into typed fields, and writing them back.
//!
//! [`Reader`] takes known fields out of an object one by one. A field of the wrong type is
//! reported as a [`ModelIssue`] at its own pointer and left in the object's `extra` map,
//! so the model never loses a value the user wrote: serializing the model gives back the
//! document exactly (as a `serde_json::Value`; key order may differ).

use std::collections::HashSet;

use serde_json::{Map, Number, Value};

use super::ModelIssue;
use super::values::NumberOrExpr;
use crate::pointer;

/// Takes typed fields out of one JSON object; whatever is left over becomes `extra`.
pub(crate) struct Reader<'a> {
    obj: &'a Map<String, Value>,
    pointer: &'a str,
    issues: &'a mut Vec<ModelIssue>,
    consumed: HashSet<&'a str>,
}

/// JSON type names for messages ("found string").
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(
        obj: &'a Map<String, Value>,
        pointer: &'a str,
        issues: &'a mut Vec<ModelIssue>,
    ) -> Self {
        Self {
            obj,
            pointer,
            issues,
            consumed: HashSet::new(),
        }
    }

    /// The pointer of the object being read.
    pub(crate) fn pointer(&self) -> &str {
        self.pointer
    }

    /// Whether the object has `key` at all (whatever its type).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.obj.contains_key(key)
    }

    /// Report an issue at `pointer`.
    pub(crate) fn issue(&mut self, pointer: String, message: String) {
        self.issues.push(ModelIssue { pointer, message });
    }

    /// Report that a required field is absent (at the object's pointer).
    pub(crate) fn require(&mut self, key: &str) {
        if !self.obj.contains_key(key) {
            let p = self.pointer.to_string();
            self.issue(p, format!("missing required field `{key}`"));
        }
    }

    /// Convert field `key` with `f`; `None` from `f` is a wrong type, reported with
    /// `expected` and kept raw in `extra`.
    pub(crate) fn field<T>(
        &mut self,
        key: &str,
        expected: &str,
        f: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let (k, v) = self.obj.get_key_value(key)?;
        match f(v) {
            Some(t) => {
                self.consumed.insert(k.as_str());
                Some(t)
            }
            None => {
                let p = pointer::push(self.pointer, key);
                let found = type_name(v);
                self.issue(p, format!("`{key}` must be {expected}, found {found}"));
                None
            }
        }
    }

    /// Any JSON value, taken as is (never an issue).
    pub(crate) fn value(&mut self, key: &str) -> Option<Value> {
        self.field(key, "any value", |v| Some(v.clone()))
    }

    /// A string.
    pub(crate) fn string(&mut self, key: &str) -> Option<String> {
        self.field(key, "a string", |v| v.as_str().map(str::to_string))
    }

    /// A boolean.
    pub(crate) fn boolean(&mut self, key: &str) -> Option<bool> {
        self.field(key, "a boolean", Value::as_bool)
    }

    /// A number, kept as written (`2` and `2.0` stay distinct).
    pub(crate) fn number(&mut self, key: &str) -> Option<Number> {
        self.field(key, "a number", |v| match v {
            Value::Number(n) => Some(n.clone()),
            _ => None,
        })
    }

    /// A string or `null` (the reference paths: `null` means "discard"/"empty object").
    pub(crate) fn nullable_string(&mut self, key: &str) -> Option<Option<String>> {
        self.field(key, "a string or null", |v| match v {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => None,
        })
    }

    /// A number or a JSONata expression string `"{% ... %}"`.
    pub(crate) fn number_or_expr(&mut self, key: &str) -> Option<NumberOrExpr> {
        self.field(
            key,
            "a number or a JSONata expression \"{% ... %}\"",
            NumberOrExpr::from_value,
        )
    }

    /// A JSON object.
    pub(crate) fn object(&mut self, key: &str) -> Option<Map<String, Value>> {
        self.field(key, "an object", |v| v.as_object().cloned())
    }

    /// An array of strings.
    pub(crate) fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        self.field(key, "an array of strings", |v| {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect()
        })
    }

    /// A string parsed into an enum; unknown values are reported and kept raw.
    pub(crate) fn keyword<T>(
        &mut self,
        key: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let (k, v) = self.obj.get_key_value(key)?;
        match v.as_str().map(parse) {
            Some(Some(t)) => {
                self.consumed.insert(k.as_str());
                Some(t)
            }
            _ => {
                let p = pointer::push(self.pointer, key);
                self.issue(p, format!("`{key}` must be one of {expected}, found {v}"));
                None
            }
        }
    }

    /// A nested object read by `f(object, pointer, issues)`.
    pub(crate) fn nested<T>(
        &mut self,
        key: &str,
        f: impl FnOnce(&Map<String, Value>, &str, &mut Vec<ModelIssue>) -> T,
    ) -> Option<T> {
        let (k, v) = self.obj.get_key_value(key)?;
        let p = pointer::push(self.pointer, key);
        match v {
            Value::Object(o) => {
                self.consumed.insert(k.as_str());
                Some(f(o, &p, self.issues))
            }
            other => {
                let found = type_name(other);
                self.issue(p, format!("`{key}` must be an object, found {found}"));
                None
            }
        }
    }

    /// An array of objects, each read by `f(object, pointer, issues)`. If any element is
    /// not an object, the whole array is reported and kept raw.
    pub(crate) fn nested_list<T>(
        &mut self,
        key: &str,
        mut f: impl FnMut(&Map<String, Value>, &str, &mut Vec<ModelIssue>) -> T,
    ) -> Option<Vec<T>> {
        let (k, v) = self.obj.get_key_value(key)?;
        let p = pointer::push(self.pointer, key);
        let Some(items) = v.as_array() else {
            let found = type_name(v);
            self.issue(
                p,
                format!("`{key}` must be an array of objects, found {found}"),
            );
            return None;
        };
        if let Some((i, bad)) = items.iter().enumerate().find(|(_, x)| !x.is_object()) {
            let found = type_name(bad);
            self.issue(
                pointer::push_index(&p, i),
                format!("`{key}` elements must be objects, found {found}"),
            );
            return None;
        }
        self.consumed.insert(k.as_str());
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Value::Object(o) = item {
                out.push(f(o, &pointer::push_index(&p, i), self.issues));
            }
        }
        Some(out)
    }

    /// Everything not taken as a typed field, in document order.
    pub(crate) fn finish(self) -> Map<String, Value> {
        self.obj
            .iter()
            .filter(|(k, _)| !self.consumed.contains(k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Builds a JSON object from typed fields (the inverse of [`Reader`]).
#[derive(Default)]
pub(crate) struct Writer {
    map: Map<String, Value>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Put `key` when `value` is present.
    pub(crate) fn opt<T: Into<Value>>(&mut self, key: &str, value: Option<T>) {
        if let Some(v) = value {
            self.map.insert(key.to_string(), v.into());
        }
    }

    /// Put `key` unconditionally.
    pub(crate) fn put<T: Into<Value>>(&mut self, key: &str, value: T) {
        self.map.insert(key.to_string(), value.into());
    }

    /// Put a string-or-null field.
    pub(crate) fn nullable(&mut self, key: &str, value: &Option<Option<String>>) {
        if let Some(v) = value {
            let v = v.clone().map_or(Value::Null, Value::String);
            self.map.insert(key.to_string(), v);
        }
    }

    /// Put a list of nested values.
    pub(crate) fn list<T>(&mut self, key: &str, items: &Option<Vec<T>>, f: impl Fn(&T) -> Value) {
        if let Some(items) = items {
            self.put(key, Value::Array(items.iter().map(f).collect()));
        }
    }

    /// Append the fields the model did not type, then return the object.
    pub(crate) fn finish(mut self, extra: &Map<String, Value>) -> Map<String, Value> {
        for (k, v) in extra {
            self.map.insert(k.clone(), v.clone());
        }
        self.map
    }
}
