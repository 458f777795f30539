//! Thin adapter between the engine and the expression languages: compiled reference paths
//! (`$.a.b`, `$$.Execution.Id`, `$var.field`), JSONPath evaluation and `ResultPath` writes,
//! intrinsic functions and JSONata.
//!
//! Reference paths and the small definite-path subset are evaluated here; the full Jayway
//! JSONPath dialect, intrinsics and JSONata come from `nexus_schema::expr` as it lands. Keeping
//! this one seam means the state handlers never care which implementation answers.

use std::sync::Arc;

use serde_json::Value;

/// One step of a JSONPath.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Child(String),
    Index(i64),
    Wildcard,
    Descendant(String),
    Union(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
}

/// A parsed JSONPath over a JSON document (`$` relative).
///
/// The common forms are parsed into `segs` and evaluated here (the hot path of every
/// state); anything else the Jayway dialect allows (filters `[?(...)]`, `length()`, name
/// unions, slices with steps) is handed to `nexus_schema::expr::jsonpath` in `full`.
#[derive(Debug, Clone)]
pub(crate) struct JsonPath {
    segs: Vec<Seg>,
    full: Option<Arc<nexus_schema::expr::jsonpath::Path>>,
}

impl PartialEq for JsonPath {
    fn eq(&self, other: &Self) -> bool {
        self.segs == other.segs
            && self.full.as_ref().map(|p| p.as_str()) == other.full.as_ref().map(|p| p.as_str())
    }
}

impl JsonPath {
    /// Parses a `$`-rooted JSONPath: the fast subset here, the rest through the shared
    /// Jayway implementation.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match Self::parse_fast(text) {
            Ok(p) => Ok(p),
            Err(fast_err) => match nexus_schema::expr::jsonpath::parse(text) {
                Ok(full) if *full.root() == nexus_schema::expr::jsonpath::Root::Input => Ok(Self {
                    segs: Vec::new(),
                    full: Some(Arc::new(full)),
                }),
                _ => Err(fast_err),
            },
        }
    }

    /// Parses `$`, `$.a.b`, `$['a b'][0]`, `$.a[*]`, `$..a`, `$.a[0,2]`, `$.a[1:3]`.
    fn parse_fast(text: &str) -> Result<Self, String> {
        let rest = text
            .strip_prefix('$')
            .ok_or_else(|| format!("path '{text}' must start with '$'"))?;
        let chars: Vec<char> = rest.chars().collect();
        let mut segs = Vec::new();
        let mut i = 0usize;
        let bad = || format!("invalid JSONPath '{text}'");
        while let Some(&c) = chars.get(i) {
            match c {
                '.' => {
                    i = i.saturating_add(1);
                    let descendant = chars.get(i) == Some(&'.');
                    if descendant {
                        i = i.saturating_add(1);
                    }
                    if chars.get(i) == Some(&'*') {
                        i = i.saturating_add(1);
                        segs.push(Seg::Wildcard);
                        continue;
                    }
                    if chars.get(i) == Some(&'[') {
                        if descendant {
                            return Err(bad());
                        }
                        continue;
                    }
                    let start = i;
                    while let Some(&c) = chars.get(i) {
                        if c == '.' || c == '[' {
                            break;
                        }
                        i = i.saturating_add(1);
                    }
                    let name: String = chars.get(start..i).ok_or_else(bad)?.iter().collect();
                    if name.is_empty() {
                        return Err(bad());
                    }
                    segs.push(if descendant {
                        Seg::Descendant(name)
                    } else {
                        Seg::Child(name)
                    });
                }
                '[' => {
                    i = i.saturating_add(1);
                    let q = chars.get(i).copied();
                    if q == Some('\'') || q == Some('"') {
                        let quote = q.unwrap_or('\'');
                        i = i.saturating_add(1);
                        let mut name = String::new();
                        loop {
                            match chars.get(i) {
                                // Escapes are the shared parser's (one rule for them).
                                None | Some('\\') => return Err(bad()),
                                Some(&c) if c == quote => {
                                    i = i.saturating_add(1);
                                    break;
                                }
                                Some(&c) => {
                                    name.push(c);
                                    i = i.saturating_add(1);
                                }
                            }
                        }
                        if chars.get(i) != Some(&']') {
                            return Err(bad());
                        }
                        i = i.saturating_add(1);
                        segs.push(Seg::Child(name));
                        continue;
                    }
                    let start = i;
                    while let Some(&c) = chars.get(i) {
                        if c == ']' {
                            break;
                        }
                        i = i.saturating_add(1);
                    }
                    let inner: String = chars.get(start..i).ok_or_else(bad)?.iter().collect();
                    if chars.get(i) != Some(&']') {
                        return Err(bad());
                    }
                    i = i.saturating_add(1);
                    let inner = inner.trim();
                    if inner == "*" {
                        segs.push(Seg::Wildcard);
                    } else if let Some((a, b)) = inner.split_once(':') {
                        let p = |s: &str| -> Result<Option<i64>, String> {
                            let s = s.trim();
                            if s.is_empty() {
                                Ok(None)
                            } else {
                                s.parse().map(Some).map_err(|_| bad())
                            }
                        };
                        segs.push(Seg::Slice(p(a)?, p(b)?));
                    } else if inner.contains(',') {
                        let mut v = Vec::new();
                        for p in inner.split(',') {
                            v.push(p.trim().parse().map_err(|_| bad())?);
                        }
                        segs.push(Seg::Union(v));
                    } else {
                        segs.push(Seg::Index(inner.parse().map_err(|_| bad())?));
                    }
                }
                _ => return Err(bad()),
            }
        }
        Ok(Self { segs, full: None })
    }

    /// True when the path names at most one node (Jayway "definite" path).
    pub(crate) fn is_definite(&self) -> bool {
        if let Some(f) = &self.full {
            return f.is_definite();
        }
        self.segs
            .iter()
            .all(|s| matches!(s, Seg::Child(_) | Seg::Index(_)))
    }

    /// True for the bare `$`.
    pub(crate) fn is_root(&self) -> bool {
        self.segs.is_empty() && self.full.is_none()
    }

    /// Evaluates the path. A definite path yields its single node or `None`; an indefinite path
    /// yields the array of matches (possibly empty), as Step Functions does.
    pub(crate) fn eval(&self, root: &Value) -> Option<Value> {
        if let Some(f) = &self.full {
            return f.evaluate(root).ok();
        }
        if self.is_definite() {
            let mut cur = root;
            for s in &self.segs {
                cur = match (s, cur) {
                    (Seg::Child(n), Value::Object(m)) => m.get(n)?,
                    (Seg::Index(i), Value::Array(a)) => a.get(norm_index(*i, a.len())?)?,
                    _ => return None,
                };
            }
            return Some(cur.clone());
        }
        let mut cur: Vec<&Value> = vec![root];
        for s in &self.segs {
            let mut next = Vec::new();
            for v in cur {
                match (s, v) {
                    (Seg::Child(n), Value::Object(m)) => next.extend(m.get(n)),
                    (Seg::Index(i), Value::Array(a)) => {
                        next.extend(norm_index(*i, a.len()).and_then(|i| a.get(i)));
                    }
                    (Seg::Wildcard, Value::Array(a)) => next.extend(a.iter()),
                    (Seg::Wildcard, Value::Object(m)) => next.extend(m.values()),
                    (Seg::Union(ix), Value::Array(a)) => {
                        for i in ix {
                            next.extend(norm_index(*i, a.len()).and_then(|i| a.get(i)));
                        }
                    }
                    (Seg::Slice(from, to), Value::Array(a)) => {
                        let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                        let fix = |x: i64| {
                            if x < 0 {
                                len.saturating_add(x).max(0)
                            } else {
                                x.min(len)
                            }
                        };
                        let f = fix(from.unwrap_or(0));
                        let t = fix(to.unwrap_or(len));
                        let mut k = f;
                        while k < t {
                            next.extend(usize::try_from(k).ok().and_then(|k| a.get(k)));
                            k = k.saturating_add(1);
                        }
                    }
                    (Seg::Descendant(n), _) => collect_descendants(v, n, &mut next),
                    _ => {}
                }
            }
            cur = next;
        }
        Some(Value::Array(cur.into_iter().cloned().collect()))
    }

    /// The rest of this path below `prefix`, when both are plain `.name`/`[i]` paths and this
    /// one starts with `prefix`.
    pub(crate) fn strip_prefix(&self, prefix: &JsonPath) -> Option<JsonPath> {
        let plain = |p: &JsonPath| {
            p.full.is_none()
                && p.segs
                    .iter()
                    .all(|s| matches!(s, Seg::Child(_) | Seg::Index(_)))
        };
        if !plain(self) || !plain(prefix) {
            return None;
        }
        let rest = self.segs.strip_prefix(prefix.segs.as_slice())?;
        Some(JsonPath {
            segs: rest.to_vec(),
            full: None,
        })
    }

    /// Whether [`JsonPath::set`] would succeed on `root` (without doing it).
    pub(crate) fn can_set(&self, root: &Value) -> bool {
        if self.full.is_some() {
            return false;
        }
        let mut cur = Some(root);
        for s in &self.segs {
            cur = match (s, cur) {
                // A missing or null node on the way is created as an object.
                (Seg::Child(_), None | Some(Value::Null)) => None,
                (Seg::Child(n), Some(Value::Object(m))) => m.get(n),
                (Seg::Index(i), Some(Value::Array(a))) => match norm_index(*i, a.len()) {
                    Some(k) if k < a.len() => a.get(k),
                    _ => return false,
                },
                _ => return false,
            };
        }
        true
    }

    /// [`JsonPath::eval`] on a value the caller gives up: a definite path moves the selected
    /// node out instead of copying it.
    pub(crate) fn eval_owned(&self, root: Value) -> Result<Value, Value> {
        if self.full.is_some() || !self.is_definite() {
            return self.eval(&root).ok_or(root);
        }
        // Check first, so a path that selects nothing leaves `root` whole for the message.
        if self.eval_ref(&root).is_none() {
            return Err(root);
        }
        let mut root = root;
        let mut cur = &mut root;
        for s in &self.segs {
            let next = match (s, cur) {
                (Seg::Child(n), Value::Object(m)) => m.get_mut(n),
                (Seg::Index(i), Value::Array(a)) => {
                    let len = a.len();
                    norm_index(*i, len).and_then(|i| a.get_mut(i))
                }
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => return Ok(Value::Null),
            }
        }
        Ok(std::mem::take(cur))
    }

    /// The node a definite path selects, by reference.
    fn eval_ref<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut cur = root;
        for s in &self.segs {
            cur = match (s, cur) {
                (Seg::Child(n), Value::Object(m)) => m.get(n)?,
                (Seg::Index(i), Value::Array(a)) => a.get(norm_index(*i, a.len())?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Writes `value` at this path inside `root` (ResultPath semantics: missing objects on the
    /// way are created; `$` replaces the whole document).
    pub(crate) fn set(&self, root: Value, value: Value) -> Result<Value, String> {
        if self.full.is_some() {
            return Err(String::from("ResultPath must be a definite path"));
        }
        if self.segs.is_empty() {
            return Ok(value);
        }
        let mut root = root;
        // The usual `$.name` on an object: one insertion.
        if let ([Seg::Child(n)], Value::Object(m)) = (self.segs.as_slice(), &mut root) {
            m.insert(n.clone(), value);
            return Ok(root);
        }
        let mut cur = &mut root;
        for s in &self.segs {
            cur = match s {
                Seg::Child(n) => {
                    if !cur.is_object() {
                        if cur.is_null() {
                            *cur = Value::Object(serde_json::Map::new());
                        } else {
                            return Err(format!("cannot set field '{n}' on a non-object"));
                        }
                    }
                    match cur {
                        Value::Object(m) => m.entry(n.clone()).or_insert(Value::Null),
                        _ => return Err(String::from("not an object")),
                    }
                }
                Seg::Index(i) => match cur {
                    Value::Array(a) => {
                        let len = a.len();
                        norm_index(*i, len)
                            .and_then(|i| a.get_mut(i))
                            .ok_or_else(|| format!("index {i} out of bounds"))?
                    }
                    _ => return Err(format!("cannot set index {i} on a non-array")),
                },
                _ => return Err(String::from("ResultPath must be a definite path")),
            };
        }
        *cur = value;
        Ok(root)
    }
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    if i >= 0 {
        usize::try_from(i).ok()
    } else {
        let len = i64::try_from(len).ok()?;
        usize::try_from(len.checked_add(i)?).ok()
    }
}

fn collect_descendants<'a>(v: &'a Value, name: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(name) {
                out.push(x);
            }
            for c in m.values() {
                collect_descendants(c, name, out);
            }
        }
        Value::Array(a) => {
            for c in a {
                collect_descendants(c, name, out);
            }
        }
        _ => {}
    }
}

/// What a reference path reads from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Root {
    /// `$...`: the state's (effective) input.
    Input,
    /// `$$...`: the context object.
    Context,
    /// `$name...`: a workflow variable.
    Var(Arc<str>),
}

/// A compiled reference path: root plus JSONPath, keeping the author's text for messages.
#[derive(Debug, Clone)]
pub(crate) struct PathRef {
    pub(crate) text: Arc<str>,
    pub(crate) root: Root,
    pub(crate) path: JsonPath,
}

impl PathRef {
    /// Parses a path that may start at the input (`$`), the context (`$$`) or a variable.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if let Some(rest) = text.strip_prefix("$$") {
            let path = JsonPath::parse(&format!("${rest}"))?;
            return Ok(Self {
                text: text.into(),
                root: Root::Context,
                path,
            });
        }
        let after = text
            .strip_prefix('$')
            .ok_or_else(|| format!("path '{text}' must start with '$'"))?;
        let name_len = after.find(['.', '[']).unwrap_or(after.len());
        if name_len == 0 {
            return Ok(Self {
                text: text.into(),
                root: Root::Input,
                path: JsonPath::parse(text)?,
            });
        }
        let (name, rest) = after.split_at(name_len);
        Ok(Self {
            text: text.into(),
            root: Root::Var(name.into()),
            path: JsonPath::parse(&format!("${rest}"))?,
        })
    }
}

/// The values a path or expression can see.
pub(crate) struct Scope<'a> {
    pub(crate) input: &'a Value,
    pub(crate) context: &'a Value,
    pub(crate) vars: &'a crate::vars::Vars,
}

impl Scope<'_> {
    /// Evaluates a reference path; `None` when it selects nothing (or names an unknown
    /// variable).
    pub(crate) fn eval(&self, p: &PathRef) -> Option<Value> {
        match &p.root {
            Root::Input => p.path.eval(self.input),
            Root::Context => p.path.eval(self.context),
            Root::Var(n) => {
                let v = self.vars.get(n)?;
                p.path.eval(v)
            }
        }
    }
}

/// Strips `{%` / `%}` from a JSONata template string; `None` if it is a plain string.
pub(crate) fn jsonata_body(s: &str) -> Option<&str> {
    let t = s.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(t.trim())
}

/// What a JSONata expression sees: `$states` and the workflow variables.
pub(crate) struct JsonataEnv<'a> {
    pub(crate) states: Value,
    pub(crate) vars: &'a crate::vars::Vars,
}

impl nexus_schema::expr::VariableLookup for crate::vars::Vars {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

fn failure_of(e: nexus_schema::expr::ExprError) -> crate::error::Failure {
    crate::error::Failure::eval(e.name.as_str(), e.cause)
}

/// A randomness source shared by the expressions of one execution.
type SharedEntropy = Arc<dyn nexus_schema::expr::Entropy + Send + Sync>;

thread_local! {
    /// Where `States.UUID`, unseeded `States.MathRandom`, and JSONata's `$uuid()` and unseeded
    /// `$random()` draw from while a journaled
    /// execution is polled (the operating system otherwise). A thread-local rather than a
    /// field of every [`Scope`]: it is set around each poll of the execution's future, and
    /// expressions are only evaluated inside those polls, on the polling thread.
    static ENTROPY: std::cell::RefCell<Option<SharedEntropy>> = const { std::cell::RefCell::new(None) };
}

/// Restores the previous entropy source when dropped.
pub(crate) struct EntropyGuard(Option<SharedEntropy>);

impl Drop for EntropyGuard {
    fn drop(&mut self) {
        let prev = self.0.take();
        ENTROPY.with_borrow_mut(|e| *e = prev);
    }
}

/// Makes `e` the entropy source of this thread until the guard is dropped.
pub(crate) fn use_entropy(e: SharedEntropy) -> EntropyGuard {
    EntropyGuard(ENTROPY.with_borrow_mut(|cur| cur.replace(e)))
}

/// The run's wall-time limit while its future is polled: the instant it ends and its length.
pub(crate) type WallDeadline = (std::time::Instant, std::time::Duration);

thread_local! {
    /// Set around each poll of an execution under a wall-time limit (like [`ENTROPY`]): a
    /// JSONata evaluation runs synchronously inside the poll, so the limit must reach into it
    /// (issue #12), and every transition checks it too.
    static WALL_DEADLINE: std::cell::Cell<Option<WallDeadline>> = const { std::cell::Cell::new(None) };
}

/// Restores the previous wall deadline when dropped.
pub(crate) struct DeadlineGuard(Option<WallDeadline>);

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        WALL_DEADLINE.set(self.0);
    }
}

/// Makes `d` the wall deadline of this thread until the guard is dropped.
pub(crate) fn use_wall_deadline(d: WallDeadline) -> DeadlineGuard {
    DeadlineGuard(WALL_DEADLINE.replace(Some(d)))
}

/// The wall deadline of the execution being polled on this thread, if it has one.
#[inline]
pub(crate) fn wall_deadline() -> Option<WallDeadline> {
    WALL_DEADLINE.get()
}

/// A compiled intrinsic function call (`States.Format(...)`), parsed and evaluated by
/// `nexus_schema::expr::intrinsic`.
#[derive(Debug, Clone)]
pub(crate) struct Intrinsic {
    call: Arc<nexus_schema::expr::intrinsic::Call>,
}

impl Intrinsic {
    /// Parses an intrinsic function call.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        nexus_schema::expr::intrinsic::parse(text)
            .map(|call| Self {
                call: Arc::new(call),
            })
            .map_err(|e| format!("invalid intrinsic function call '{text}': {e}"))
    }

    /// Evaluates the call against the scope (`$` input, `$$` context, variables).
    pub(crate) fn eval(&self, scope: &Scope<'_>) -> Result<Value, crate::error::Failure> {
        let ctx = nexus_schema::expr::EvalContext::new(scope.input, scope.context, scope.vars);
        ENTROPY
            .with_borrow(|e| match e {
                Some(e) => nexus_schema::expr::intrinsic::eval(&self.call, &ctx.with_entropy(&**e)),
                None => nexus_schema::expr::intrinsic::eval(&self.call, &ctx),
            })
            .map_err(failure_of)
    }
}

/// A compiled JSONata expression, evaluated by `nexus_schema::expr::jsonata`.
#[derive(Debug, Clone)]
pub(crate) struct Jsonata {
    text: Arc<str>,
}

impl Jsonata {
    /// Parses an expression (the text between `{%` and `%}`).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        Ok(Self { text: text.into() })
    }

    /// The expression text, for messages.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates with `$states` and every visible variable bound; `Ok(None)` means the
    /// expression produced nothing (undefined).
    pub(crate) fn eval(
        &self,
        env: &JsonataEnv<'_>,
        location: &str,
    ) -> Result<Option<Value>, crate::error::Failure> {
        let mut bindings: Vec<(&str, Value)> = Vec::new();
        let vars = env.vars.flatten();
        for (k, v) in &vars {
            bindings.push((k.as_str(), v.clone()));
        }
        bindings.push(("states", env.states.clone()));
        let input = env.states.get("input").unwrap_or(&Value::Null);
        let entropy = ENTROPY
            .with_borrow(Clone::clone)
            .unwrap_or_else(|| Arc::new(nexus_schema::expr::SystemEntropy));
        let budget = nexus_schema::expr::jsonata::Budget {
            deadline: wall_deadline().map(|(at, _)| at),
            ..nexus_schema::expr::jsonata::Budget::DEFAULT
        };
        nexus_schema::expr::jsonata::evaluate_with_budget(
            &self.text, input, &bindings, entropy, &budget,
        )
        .map_err(|e| failure_of(e.to_expr_error(&self.text, location)).at_field(location))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owned_evaluation_moves_and_agrees_with_eval() {
        let doc = json!({"a": {"b": [1, {"c": 2}]}, "x": 1});
        for p in [
            "$",
            "$.a",
            "$.a.b[1].c",
            "$.a.b[-1]",
            "$.nope",
            "$.a.b[5]",
            "$.a..c",
        ] {
            let path = JsonPath::parse(p).unwrap();
            let owned = path.eval_owned(doc.clone()).ok();
            assert_eq!(owned, path.eval(&doc), "{p}");
        }
    }

    #[test]
    fn prefixes_and_settability() {
        let r = JsonPath::parse("$.r").unwrap();
        let o = JsonPath::parse("$.r.x[0]").unwrap();
        let rest = o.strip_prefix(&r).unwrap();
        assert_eq!(rest.eval(&json!({"x": [7]})), Some(json!(7)));
        assert!(JsonPath::parse("$.s").unwrap().strip_prefix(&r).is_none());
        assert!(r.can_set(&json!({})));
        assert!(
            JsonPath::parse("$.a.b")
                .unwrap()
                .can_set(&json!({"a": null}))
        );
        assert!(!JsonPath::parse("$.a.b").unwrap().can_set(&json!({"a": 1})));
        assert!(!JsonPath::parse("$[3]").unwrap().can_set(&json!([1])));
        assert!(!r.can_set(&json!([1])));
    }
}
