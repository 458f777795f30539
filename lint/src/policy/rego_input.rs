//! The policy input ([`super::input`]) built directly as regorus values, for Rego (issue 18).
//!
//! [`super::input::build`] gives the documented input as serde JSON; converting that to
//! regorus values cost more than evaluating the whole bundled pack (a serde map per state,
//! then a `BTreeMap` re-insert of every key). Here each state's object is filled in from a
//! template whose keys are made and sorted once per process, the values that repeat the
//! definition (`type`, `next`, `timeout_seconds`, ...) are reference-counted clones of the
//! one converted copy of the definition, and what a whole scope shares (`scope`, the
//! inherited query language) is made once per scope. The test `direct_input_equals_the_serde_input`
//! keeps the two builders equal on every fixture.

use regorus::Value as R;
use serde_json::Value as J;

use nexus_schema::Document;
use nexus_schema::ir::{ScopeKind, StateKind, Workflow};

use super::input;
use super::rego::Converter;

/// The keys of a state object, in the order of [`state_values`].
const STATE_KEYS: [&str; 35] = [
    "id",
    "name",
    "kind",
    "type",
    "pointer",
    "source_pointer",
    "comment",
    "resource",
    "action",
    "integration",
    "function_name",
    "wait_for_task_token",
    "is_activity",
    "next",
    "end",
    "terminal",
    "retry",
    "retry_count",
    "catch",
    "has_catch_all",
    "timeout_seconds",
    "timeout_seconds_path",
    "heartbeat_seconds",
    "heartbeat_seconds_path",
    "max_concurrency",
    "max_concurrency_path",
    "seconds",
    "compensation",
    "query_language",
    "is_task",
    "scope",
    "depth",
    "is_start",
    "definition",
    "strings",
];

/// An object with a fixed set of keys: the keys made and sorted once, each object a copy of
/// the template with its values written in place. A small template (up to [`SMALL`] keys) is
/// kept in regorus's compact (frozen) form and written with `get_mut`, a binary search per
/// key that keeps the form; a larger one is kept as a tree and written in key order with
/// `iter_mut` (on a frozen object `iter_mut` thaws it, ~4,000 instructions for a state, and
/// `get_mut` compares keys, ~450 instructions a field of a state); `Value::from` then freezes
/// the copy once.
pub(super) struct Template {
    /// Every key (values null).
    object: regorus::value::Object,
    /// The keys in regorus's order, each with its index in the caller's order.
    keys: Vec<(R, usize)>,
}

/// Most keys of a template kept frozen (see [`Template`]).
const SMALL: usize = 4;

impl Template {
    pub(super) fn new(conv: &mut Converter, keys: &[&str]) -> Self {
        let mut sorted: Vec<(R, usize)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (conv.key(k), i))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let tree: std::collections::BTreeMap<R, R> =
            sorted.iter().map(|(k, _)| (k.clone(), R::Null)).collect();
        let object = if sorted.len() <= SMALL {
            match R::from(tree) {
                R::Object(o) => (*o).clone(),
                _ => regorus::value::Object::new(),
            }
        } else {
            regorus::value::Object::from(tree)
        };
        Self {
            object,
            keys: sorted,
        }
    }

    /// An object of the template's keys with `values` (given in the caller's key order).
    pub(super) fn fill<const N: usize>(&self, mut values: [R; N]) -> R {
        let mut o = self.object.clone();
        if self.keys.len() <= SMALL {
            for (k, i) in &self.keys {
                if let (Some(slot), Some(v)) = (o.get_mut(k), values.get_mut(*i)) {
                    *slot = std::mem::replace(v, R::Null);
                }
            }
        } else {
            for ((_, slot), (_, i)) in o.iter_mut().zip(&self.keys) {
                if let Some(v) = values.get_mut(*i) {
                    *slot = std::mem::replace(v, R::Null);
                }
            }
        }
        R::from(o)
    }
}

/// The templates of the objects the input repeats, made once per process (making them cost
/// ~12,000 instructions each, most of the input of a small document).
struct Templates {
    state: Template,
    string_entry: Template,
    edge: Template,
    arn: Template,
}

fn templates() -> &'static Templates {
    static TEMPLATES: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut conv = Converter::default();
        Templates {
            state: Template::new(&mut conv, &STATE_KEYS),
            string_entry: Template::new(&mut conv, &["path", "value"]),
            edge: Template::new(
                &mut conv,
                &["from", "to", "from_id", "to_id", "kind", "pointer"],
            ),
            arn: Template::new(
                &mut conv,
                &[
                    "state",
                    "path",
                    "value",
                    "partition",
                    "service",
                    "region",
                    "account",
                    "resource",
                ],
            ),
        }
    })
}

/// What every state of one scope shares.
struct ScopeShared {
    scope: R,
    depth: R,
    query_language: String,
}

/// The policy input of one document as a regorus value; equal to
/// `regorus::Value::from(input::build(doc, ir))`.
pub(crate) fn build(doc: &Document, ir: &Workflow) -> R {
    // One key cache per thread, kept from document to document (making its table was a
    // good part of the input of a small document).
    thread_local! {
        static CONVERTER: std::cell::RefCell<Converter> =
            std::cell::RefCell::new(Converter::default());
    }
    CONVERTER.with(|c| match c.try_borrow_mut() {
        Ok(mut conv) => build_with(&mut conv, doc, ir),
        Err(_) => build_with(&mut Converter::default(), doc, ir),
    })
}

fn build_with(conv: &mut Converter, doc: &Document, ir: &Workflow) -> R {
    let asl: &J = &doc.asl;
    // The ASL view converted once; every state's `definition` is its node in this copy.
    let wanted: std::collections::HashSet<&str> = ir
        .scopes
        .iter()
        .flat_map(|s| s.order.iter().map(|&n| s.node(n).pointer.as_str()))
        .collect();
    let mut found = std::collections::HashMap::new();
    let mut at = String::new();
    let shared = conv.recording(asl, &mut at, false, &wanted, &mut found);
    let mut top: std::collections::BTreeMap<R, R> = match &shared {
        R::Object(o) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => std::collections::BTreeMap::new(),
    };
    let light = input::build_top(doc);
    for (k, v) in &light {
        top.insert(conv.key(k), conv.value(v));
    }
    let Templates {
        state: template,
        string_entry,
        edge: edge_template,
        arn: _,
    } = templates();
    let workflow_ql = asl
        .get("QueryLanguage")
        .and_then(J::as_str)
        .unwrap_or("JSONPath");
    let mut index = Index::new(conv, &templates().arn);
    let mut states = Vec::new();
    let mut edges = Vec::new();
    let mut graph = std::collections::BTreeMap::new();
    for scope in &ir.scopes {
        let (scope_path, parent_name) = input::scope_path(ir, scope.id);
        let kind = match scope.kind {
            ScopeKind::Root => "root",
            ScopeKind::Branch(_) => "branch",
            ScopeKind::ItemProcessor => "item_processor",
            ScopeKind::Iterator => "iterator",
        };
        let depth = scope_path.len();
        let scope_value = serde_json::json!({
            "id": scope.id,
            "kind": kind,
            "path": scope_path,
            "parent": parent_name,
            "pointer": scope.pointer,
        });
        let shared_scope = ScopeShared {
            scope: conv.value(&scope_value),
            depth: conv.value(&serde_json::json!(depth)),
            query_language: input::inherited_query_language(doc, ir, scope.id)
                .unwrap_or_else(|| workflow_ql.to_string()),
        };
        let inherited_ql = R::from(shared_scope.query_language.as_str());
        for &n in &scope.order {
            let node = scope.node(n);
            let id = R::from(node.pointer.as_str());
            let mut succ = Vec::new();
            for (edge, target) in scope.transitions(n) {
                let to = scope.node(target);
                let to_id = R::from(to.pointer.as_str());
                succ.push(to_id.clone());
                edges.push(edge_template.fill([
                    R::from(node.name.as_str()),
                    R::from(to.name.as_str()),
                    id.clone(),
                    to_id,
                    R::from(input::edge_kind(edge.kind)),
                    R::from(edge.pointer.as_str()),
                ]));
            }
            graph.insert(id.clone(), R::from(succ));
            // A scalar "state" (a malformed definition) is not among the recorded nodes.
            let def = match found.get(node.pointer.as_str()) {
                Some(d) => d.clone(),
                None => conv.value(input::pointer_get(asl, &node.pointer).unwrap_or(&J::Null)),
            };
            let state_index = states.len();
            let values = state_values(
                conv,
                doc,
                node,
                id,
                def,
                &shared_scope,
                &inherited_ql,
                scope.start_at.as_deref() == Some(node.name.as_str()),
                string_entry,
            );
            index.add(
                state_index,
                &values[2],
                &values[16],
                &values[18],
                &values[34],
            );
            states.push(template.fill(values));
        }
    }
    top.insert(conv.key("index"), index.finish(conv));
    top.insert(conv.key("states"), R::from(states));
    top.insert(conv.key("edges"), R::from(edges));
    top.insert(conv.key("graph"), R::from(graph));
    let raw = if doc.kind == nexus_schema::DocKind::Asl && doc.raw == doc.asl {
        shared
    } else {
        conv.value(&doc.raw)
    };
    top.insert(conv.key("raw"), raw);
    R::from(top)
}

/// `index` ([`input`]'s `index`), gathered state by state.
struct Index<'t> {
    by_kind: std::collections::BTreeMap<R, Vec<R>>,
    with_retry: Vec<R>,
    with_catch: Vec<R>,
    arns: Vec<R>,
    by_key: std::collections::BTreeMap<R, Vec<R>>,
    arn: &'t Template,
    path_key: R,
    value_key: R,
}

impl<'t> Index<'t> {
    fn new(conv: &mut Converter, arn: &'t Template) -> Self {
        Self {
            by_kind: Default::default(),
            with_retry: Vec::new(),
            with_catch: Vec::new(),
            arns: Vec::new(),
            by_key: Default::default(),
            arn,
            path_key: conv.key("path"),
            value_key: conv.key("value"),
        }
    }

    /// The state at `i` of `states`, with its `kind`, `retry`, `catch` and `strings`.
    fn add(&mut self, i: usize, kind: &R, retry: &R, catch: &R, strings: &R) {
        let state = unsigned(u64::try_from(i).unwrap_or(u64::MAX));
        let non_empty = |v: &R| matches!(v, R::Array(a) if !a.is_empty());
        if non_empty(retry) {
            self.with_retry.push(state.clone());
        }
        if non_empty(catch) {
            self.with_catch.push(state.clone());
        }
        if let R::String(_) = kind {
            self.by_kind
                .entry(kind.clone())
                .or_default()
                .push(state.clone());
        }
        let R::Array(entries) = strings else {
            return;
        };
        for entry in entries.iter() {
            let R::Object(o) = entry else {
                continue;
            };
            let (Some(path), Some(value)) = (o.get(&self.path_key), o.get(&self.value_key)) else {
                continue;
            };
            let R::String(text) = value else {
                continue;
            };
            if let Some(parts) = input::arn_parts(text) {
                let [partition, service, region, account, resource] = parts.map(R::from);
                self.arns.push(self.arn.fill([
                    state.clone(),
                    path.clone(),
                    value.clone(),
                    partition,
                    service,
                    region,
                    account,
                    resource,
                ]));
            }
            if let R::Array(p) = path
                && let Some(key @ R::String(_)) = p.last()
            {
                let holders = self.by_key.entry(key.clone()).or_default();
                if holders.last() != Some(&state) {
                    holders.push(state.clone());
                }
            }
        }
    }

    fn finish(self, conv: &mut Converter) -> R {
        let lists = |m: std::collections::BTreeMap<R, Vec<R>>| {
            R::from(
                m.into_iter()
                    .map(|(k, v)| (k, R::from(v)))
                    .collect::<std::collections::BTreeMap<R, R>>(),
            )
        };
        object(
            conv,
            [
                ("by_kind", lists(self.by_kind)),
                ("with_retry", R::from(self.with_retry)),
                ("with_catch", R::from(self.with_catch)),
                ("arns", R::from(self.arns)),
                ("string_keys", lists(self.by_key)),
            ],
        )
    }
}

/// The members of a state's converted definition that its state object repeats, found in one
/// pass over the definition (a lookup per member compares keys: ~250 instructions each).
const MEMBERS: [&str; 13] = [
    "Type",
    "Comment",
    "Resource",
    "Next",
    "End",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "Seconds",
    "QueryLanguage",
];
const TYPE: usize = 0;
const COMMENT: usize = 1;
const RESOURCE: usize = 2;
const NEXT: usize = 3;
const END: usize = 4;
const TIMEOUT_SECONDS: usize = 5;
const TIMEOUT_SECONDS_PATH: usize = 6;
const HEARTBEAT_SECONDS: usize = 7;
const HEARTBEAT_SECONDS_PATH: usize = 8;
const MAX_CONCURRENCY: usize = 9;
const MAX_CONCURRENCY_PATH: usize = 10;
const SECONDS: usize = 11;
const QUERY_LANGUAGE: usize = 12;

struct Members([Option<R>; 13]);

impl Members {
    fn of(def: &R) -> Self {
        let mut out: [Option<R>; 13] = Default::default();
        if let R::Object(o) = def {
            for (k, v) in o.iter() {
                if let R::String(k) = k
                    && let Some(i) = MEMBERS.iter().position(|m| **m == **k)
                    && let Some(slot) = out.get_mut(i)
                {
                    *slot = Some(v.clone());
                }
            }
        }
        Self(out)
    }

    /// The member at `i` of [`MEMBERS`], null when absent.
    fn get(&self, i: usize) -> R {
        self.0.get(i).cloned().flatten().unwrap_or(R::Null)
    }
}

/// A member of a converted object, null when absent.
fn member(def: &R, key: &R) -> R {
    match def {
        R::Object(o) => o.get(key).cloned().unwrap_or(R::Null),
        _ => R::Null,
    }
}

/// A number as [`Converter::value`] converts the serde number of a `u64`.
fn unsigned(n: u64) -> R {
    match i64::try_from(n) {
        Ok(i) => R::from(i),
        Err(_) => R::from(n),
    }
}

/// The values of one state's object, in [`STATE_KEYS`] order.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one state, computed by the caller once per scope or node"
)]
fn state_values(
    conv: &mut Converter,
    doc: &Document,
    node: &nexus_schema::ir::StateNode,
    id: R,
    def: R,
    scope: &ScopeShared,
    inherited_ql: &R,
    is_start: bool,
    string_entry: &Template,
) -> [R; 35] {
    let ptr = node.pointer.as_str();
    let raw_def = input::pointer_get(&doc.asl, ptr).unwrap_or(&J::Null);
    let m = Members::of(&def);
    let resource_str = raw_def.get("Resource").and_then(J::as_str);
    let resource = match m.get(RESOURCE) {
        s @ R::String(_) => s,
        _ => R::Null,
    };
    let params = raw_def
        .get("Parameters")
        .or_else(|| raw_def.get("Arguments"));
    let (retry, retry_count) = retriers(conv, raw_def, &def, ptr);
    let (catch, has_catch_all) = catchers(conv, raw_def, &def, ptr);
    let (action, compensation) = input::action_and_compensation(doc, ptr);
    let end = matches!(m.get(END), R::Bool(true));
    let query_language = match m.get(QUERY_LANGUAGE) {
        s @ R::String(_) => s,
        _ => inherited_ql.clone(),
    };
    let opt_str = |s: Option<&str>| s.map_or(R::Null, R::from);
    let strings = super::rego::own_strings(&def, string_entry);
    [
        id.clone(),
        R::from(node.name.as_str()),
        R::from(node.kind.as_str()),
        m.get(TYPE),
        id,
        R::from(doc.source_pointer(ptr).as_str()),
        m.get(COMMENT),
        resource,
        conv.value(&action),
        opt_str(input::integration_kind(resource_str)),
        conv.value(&input::lambda_function_name(resource_str, params)),
        R::from(resource_str.is_some_and(|r| r.ends_with(".waitForTaskToken"))),
        R::from(resource_str.is_some_and(input::is_activity_arn)),
        m.get(NEXT),
        R::from(end),
        R::from(node.terminal),
        retry,
        unsigned(retry_count),
        catch,
        R::from(has_catch_all),
        m.get(TIMEOUT_SECONDS),
        m.get(TIMEOUT_SECONDS_PATH),
        m.get(HEARTBEAT_SECONDS),
        m.get(HEARTBEAT_SECONDS_PATH),
        m.get(MAX_CONCURRENCY),
        m.get(MAX_CONCURRENCY_PATH),
        m.get(SECONDS),
        conv.value(&compensation),
        query_language,
        R::from(node.kind == StateKind::Task),
        scope.scope.clone(),
        scope.depth.clone(),
        R::from(is_start),
        def,
        strings,
    ]
}

/// `retry` (AWS defaults applied) and `retry_count`, as [`input`]'s `retriers` builds them.
fn retriers(conv: &mut Converter, raw: &J, def: &R, ptr: &str) -> (R, u64) {
    let list = raw.get("Retry").and_then(J::as_array);
    let Some(list) = list else {
        return (R::from(Vec::<R>::new()), 0);
    };
    let converted = member(def, &conv.key("Retry"));
    let mut out = Vec::with_capacity(list.len());
    let mut max = 0;
    for (i, r) in list.iter().enumerate() {
        let c = index(&converted, i);
        let attempts = r
            .get("MaxAttempts")
            .and_then(J::as_u64)
            .unwrap_or(input::DEFAULT_MAX_ATTEMPTS);
        max = max.max(attempts);
        let errors = match member(&c, &conv.key("ErrorEquals")) {
            R::Null if r.get("ErrorEquals").is_none() => R::from(Vec::<R>::new()),
            e => e,
        };
        let pairs = [
            ("errors", errors),
            ("max_attempts", unsigned(attempts)),
            (
                "interval_seconds",
                unsigned(
                    r.get("IntervalSeconds")
                        .and_then(J::as_u64)
                        .unwrap_or(input::DEFAULT_INTERVAL),
                ),
            ),
            (
                "backoff_rate",
                R::from(
                    r.get("BackoffRate")
                        .and_then(J::as_f64)
                        .unwrap_or(input::DEFAULT_BACKOFF),
                ),
            ),
            (
                "max_delay_seconds",
                member(&c, &conv.key("MaxDelaySeconds")),
            ),
            (
                "jitter_strategy",
                R::from(
                    r.get("JitterStrategy")
                        .and_then(J::as_str)
                        .unwrap_or("NONE"),
                ),
            ),
            ("pointer", R::from(format!("{ptr}/Retry/{i}").as_str())),
        ];
        out.push(object(conv, pairs));
    }
    (R::from(out), max)
}

/// `catch` and `has_catch_all`, as [`input`]'s `catchers` builds them.
fn catchers(conv: &mut Converter, raw: &J, def: &R, ptr: &str) -> (R, bool) {
    let Some(list) = raw.get("Catch").and_then(J::as_array) else {
        return (R::from(Vec::<R>::new()), false);
    };
    let converted = member(def, &conv.key("Catch"));
    let mut out = Vec::with_capacity(list.len());
    let mut all = false;
    for (i, c) in list.iter().enumerate() {
        let cv = index(&converted, i);
        let errors = match c.get("ErrorEquals") {
            None => R::from(Vec::<R>::new()),
            Some(_) => member(&cv, &conv.key("ErrorEquals")),
        };
        all |= c
            .get("ErrorEquals")
            .and_then(J::as_array)
            .is_some_and(|a| a.iter().any(|e| e.as_str() == Some("States.ALL")));
        let pairs = [
            ("errors", errors),
            ("next", member(&cv, &conv.key("Next"))),
            ("result_path", member(&cv, &conv.key("ResultPath"))),
            ("pointer", R::from(format!("{ptr}/Catch/{i}").as_str())),
        ];
        out.push(object(conv, pairs));
    }
    (R::from(out), all)
}

fn index(v: &R, i: usize) -> R {
    match v {
        R::Array(a) => a.get(i).cloned().unwrap_or(R::Null),
        _ => R::Null,
    }
}

/// A small object from its members.
fn object<const N: usize>(conv: &mut Converter, pairs: [(&str, R); N]) -> R {
    let map: std::collections::BTreeMap<R, R> =
        pairs.into_iter().map(|(k, v)| (conv.key(k), v)).collect();
    R::from(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture's input is the same from both builders.
    #[test]
    fn direct_input_equals_the_serde_input() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut files = Vec::new();
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
                {
                    files.push(p);
                }
            }
        }
        let mut docs = 0;
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let loaded = nexus_schema::source::load_source(&f.display().to_string(), text.into());
            for doc in &loaded.documents {
                let ir = Workflow::from_asl(&doc.asl);
                let want = R::from(input::build(doc, &ir));
                let got = build(doc, &ir);
                if got != want {
                    let (g, w) = (
                        serde_json::to_value(&got).unwrap(),
                        serde_json::to_value(&want).unwrap(),
                    );
                    let gs = g["states"].as_array().unwrap();
                    let ws = w["states"].as_array().unwrap();
                    for (a, b) in gs.iter().zip(ws) {
                        for (k, v) in b.as_object().unwrap() {
                            assert_eq!(&a[k], v, "{}: state field {k}", f.display());
                        }
                    }
                    assert_eq!(g, w, "{}", f.display());
                }
                docs += 1;
            }
        }
        assert!(docs > 100, "only {docs} documents");
    }
}
