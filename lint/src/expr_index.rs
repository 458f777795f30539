//! What the expression rules (NX250-NX263) share: one walk over every state of a document
//! that finds each expression (JSONPath fields, `.$` template values, intrinsic calls,
//! JSONata `{% %}` strings), parses it once, and records the variables each state assigns
//! and reads. Built lazily, at most once per document ([`crate::Context::expr`]).
//!
//! Which field takes which expression follows the ASL specification and the AWS docs:
//! `InputPath`/`OutputPath` are Paths; `ResultPath`, `ItemsPath`, Choice `Variable` and
//! `*Path` operators, the Wait/Task/Map `*Path` fields are Reference Paths; `ErrorPath` and
//! `CausePath` take a Reference Path or an intrinsic function; keys ending in `.$` in payload
//! templates (`Parameters`, `ResultSelector`, `ItemSelector`, `ItemReader.Parameters`,
//! `ItemBatcher.BatchInput`, `ResultWriter.Parameters`, `Credentials`, `Assign`) take a Path
//! or an intrinsic function. In a JSONata state every string `{% ... %}` is an expression
//! and `.$` has no meaning.

use std::collections::BTreeSet;

use nexus_schema::expr::{ParseError, intrinsic, jsonpath};
use nexus_schema::ir::{FastMap, SCOPE_FIELDS, ScopeId, Workflow};
use nexus_schema::pointer;
use petgraph::stable_graph::NodeIndex;
use serde_json::{Map, Value};

/// One state, as the expression rules see it.
pub(crate) struct StateInfo<'a> {
    pub scope: ScopeId,
    /// Pointer of the state object in the ASL view.
    pub pointer: String,
    pub value: &'a Map<String, Value>,
    /// Variables the state assigns, and on which exits.
    pub assigns: Vec<Assign<'a>>,
    /// Variables the state's expressions read (evaluated with the values at state entry).
    pub reads: Vec<Read<'a>>,
}

/// Which exit of a state an `Assign` takes effect on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AssignOn {
    /// The state's own `Assign`: when it succeeds (every `Next`/`Default`/Choice exit).
    Success,
    /// `Choices[i].Assign`.
    Choice(usize),
    /// `Catch[i].Assign`: only when that catcher handles an error.
    Catch(usize),
}

/// One variable an `Assign` sets.
pub(crate) struct Assign<'a> {
    /// The variable name (a JSONPath key without its `.$`).
    pub name: &'a str,
    /// Pointer of the member.
    pub pointer: String,
    pub on: AssignOn,
}

/// One variable an expression reads.
pub(crate) struct Read<'a> {
    pub name: String,
    /// Pointer of the string holding the expression.
    pub pointer: String,
    /// The whole string.
    pub text: &'a str,
}

/// How a `*Path` field may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PathSpec {
    /// Must be a Reference Path (a single node).
    pub reference: bool,
    /// Written to (`ResultPath`): must start at `$`, the state input.
    pub write: bool,
    /// May instead hold an intrinsic function (`ErrorPath`, `CausePath`).
    pub intrinsic: bool,
}

/// What an expression is, and its parse.
pub(crate) enum Parsed<'a> {
    /// A path of the common, plainly valid shape `$`, `$$` or `$name` followed by `.name` and
    /// `[index]` steps only (a Reference Path), recognised without building a parse tree.
    Simple(SimpleRoot<'a>),
    /// A JSONPath (or its syntax error).
    Path(Result<jsonpath::Path, ParseError>),
    /// An intrinsic function call (or its syntax error).
    Call(Result<intrinsic::Call, ParseError>),
    /// A `.$` value that is neither: it does not start with `$` or `States.`.
    Neither,
    /// A JSONata expression: what it reads (workflow variables, the context value,
    /// `$states.errorOutput`), or its syntax error.
    Jsonata(Result<nexus_schema::expr::JsonataRefs, ParseError>),
    /// Not checked: the string holds a `${...}`/`#{...}` template placeholder and did not
    /// parse as written (what it becomes is only known after substitution), or it uses a
    /// Jayway path function other than `length()`, which nexus does not evaluate.
    Unchecked,
}

/// The root of a [`Parsed::Simple`] path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimpleRoot<'a> {
    /// `$`
    Input,
    /// `$$`
    Context,
    /// `$name`
    Variable(&'a str),
}

/// Recognise `$`, `$$`, `$name` followed by `.name` (ASCII letters, digits, `_`, `-`) and
/// `[digits]` steps: always valid, always a Reference Path. Anything else goes to the parser.
fn simple_path(text: &str) -> Option<SimpleRoot<'_>> {
    let rest = text.strip_prefix('$')?;
    let (root, mut rest) = if let Some(r) = rest.strip_prefix('$') {
        (SimpleRoot::Context, r)
    } else {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (name, r) = rest.split_at(end);
        match name.chars().next() {
            None => (SimpleRoot::Input, r),
            Some(c) if c.is_ascii_digit() => return None,
            Some(_) => (SimpleRoot::Variable(name), r),
        }
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            rest = r.get(end..)?;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            rest = r.get(end..)?.strip_prefix(']')?;
        } else {
            return None;
        }
    }
    Some(root)
}

/// Where an expression sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SiteKind {
    /// A `*Path` field or a Choice `Variable`.
    Field(PathSpec),
    /// The string value of a template key ending in `.$`.
    Dynamic,
    /// A `{% ... %}` string in a JSONata state; `asl_field` when it is the whole value of an
    /// ASL field (`Output`, `Condition`) rather than a member of a payload (`Arguments.Key`).
    Jsonata { asl_field: bool },
}

/// One expression.
pub(crate) struct Site<'a> {
    /// Pointer of the string value.
    pub pointer: String,
    /// The field or key holding it, as written in ASL (`ResultPath`, `name.$`).
    pub field: &'a str,
    pub text: &'a str,
    pub kind: SiteKind,
    pub parsed: Parsed<'a>,
}

/// A `.$` template key whose value is not a string.
pub(crate) struct NonStringDynamic<'a> {
    pub pointer: String,
    pub key: &'a str,
    pub value: &'a Value,
}

/// Two keys of one template object that name the same output field.
pub(crate) struct Collision<'a> {
    /// Pointer of the later member.
    pub pointer: String,
    pub key: &'a str,
    pub previous: &'a str,
    /// Pointer of the earlier member.
    pub previous_pointer: String,
}

/// A string that AWS's advisory checks look at.
pub(crate) struct Candidate<'a> {
    pub pointer: String,
    /// The field or key holding the string.
    pub field: &'a str,
    pub text: &'a str,
}

/// Everything the expression rules need, computed once.
#[derive(Default)]
pub(crate) struct ExprIndex<'a> {
    pub states: Vec<StateInfo<'a>>,
    pub sites: Vec<Site<'a>>,
    pub non_string_dynamic: Vec<NonStringDynamic<'a>>,
    pub collisions: Vec<Collision<'a>>,
    /// Template members without `.$` holding a string (NO_DOLLAR).
    pub no_dollar: Vec<Candidate<'a>>,
    /// Strings of fields whose names do not end in `Path` (NO_PATH).
    pub no_path: Vec<Candidate<'a>>,
    /// Strings inside a Pass state's `Result` (PASS_RESULT_IS_STATIC); `field` is the key.
    pub pass_result: Vec<Candidate<'a>>,
    /// Strings of JSONata states with only one of the `{%`/`%}` delimiters.
    pub half_delimited: Vec<Candidate<'a>>,
    /// IR (scope, node) → index into `states`.
    pub by_node: FastMap<(ScopeId, NodeIndex), usize>,
}

/// Fields that never hold an expression: names, types, flags and free text.
const NOT_EXPRESSIONS: &[&str] = &[
    "Type",
    "Next",
    "Default",
    "End",
    "Comment",
    "QueryLanguage",
    "StartAt",
    "Version",
    "Label",
    "ErrorEquals",
];

/// The `*Path` fields of ASL and what they accept.
pub(crate) fn path_spec(field: &str) -> Option<PathSpec> {
    let spec = |reference, write, intrinsic| PathSpec {
        reference,
        write,
        intrinsic,
    };
    Some(match field {
        // ASL: "The value of InputPath / OutputPath MUST be a Path".
        "InputPath" | "OutputPath" => spec(false, false, false),
        // ASL: "The value of ResultPath MUST be a Reference Path", applied to the input.
        "ResultPath" => spec(true, true, false),
        // AWS Fail state: a reference path or an intrinsic function.
        "ErrorPath" | "CausePath" => spec(true, false, true),
        "ItemsPath"
        | "SecondsPath"
        | "TimestampPath"
        | "TimeoutSecondsPath"
        | "HeartbeatSecondsPath"
        | "MaxConcurrencyPath"
        | "ToleratedFailureCountPath"
        | "ToleratedFailurePercentagePath"
        | "MaxItemsPath"
        | "MaxItemsPerBatchPath"
        | "MaxInputBytesPerBatchPath"
        | "Variable" => spec(true, false, false),
        _ if is_comparison_path(field) => spec(true, false, false),
        _ => return None,
    })
}

/// A Choice comparison operator taking a path (`StringEqualsPath`, `NumericLessThanPath`, ...).
fn is_comparison_path(field: &str) -> bool {
    field.strip_suffix("Path").is_some_and(|op| {
        ["String", "Numeric", "Boolean", "Timestamp"]
            .iter()
            .any(|t| op.starts_with(t))
    })
}

pub(crate) use nexus_schema::placeholder::has_placeholder;

/// Parse a path; a failure is forgiven when the string holds a placeholder, or when it
/// parses once the backslash escapes the ASL specification allows in Reference Paths
/// (`$.store\.book`, `$.foo\@bar`) are taken as plain characters.
fn parse_path(text: &str) -> Parsed<'_> {
    // Jayway trims the path before compiling it (and AWS's own language service accepts
    // trailing blanks), so surrounding whitespace is not an error here; a `.$` value with a
    // leading blank never gets this far (see `parse_dynamic`).
    let text = text.trim();
    if let Some(root) = simple_path(text) {
        return Parsed::Simple(root);
    }
    match jsonpath::parse(text) {
        Ok(p) => Parsed::Path(Ok(p)),
        Err(e) => {
            if has_placeholder(text) || uses_jayway_function(text) {
                return Parsed::Unchecked;
            }
            if text.contains('\\') {
                let mut plain = String::with_capacity(text.len());
                let mut chars = text.chars();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        if chars.next().is_some() {
                            plain.push_str("_e");
                        }
                    } else {
                        plain.push(c);
                    }
                }
                if let Ok(p) = jsonpath::parse(&plain) {
                    return Parsed::Path(Ok(p));
                }
            }
            Parsed::Path(Err(e))
        }
    }
}

/// Jayway's path functions besides `length()` (`$.prices.max()`, `$.a.concat($.b)`): valid
/// Jayway, so never reported, though nexus's own JSONPath does not evaluate them.
pub(crate) fn uses_jayway_function(text: &str) -> bool {
    const FUNCTIONS: &[&str] = &[
        "min", "max", "avg", "stddev", "sum", "keys", "concat", "append", "first", "last", "index",
    ];
    FUNCTIONS.iter().any(|f| text.contains(&format!(".{f}(")))
}

fn parse_call(text: &str) -> Parsed<'_> {
    match intrinsic::parse(text) {
        Err(_) if has_placeholder(text) => Parsed::Unchecked,
        r => Parsed::Call(r),
    }
}

/// The value of a `.$` key: an intrinsic call when it starts with `States.`, a path when it
/// starts with `$`. AWS takes the string as written: a leading space makes it neither.
fn parse_dynamic(text: &str) -> Parsed<'_> {
    if text.starts_with("States.") {
        parse_call(text)
    } else if text.starts_with('$') {
        parse_path(text)
    } else if has_placeholder(text) {
        Parsed::Unchecked
    } else {
        Parsed::Neither
    }
}

#[cfg(feature = "jsonata")]
fn parse_jsonata<'t>(body: &str, text: &'t str) -> Parsed<'t> {
    match nexus_schema::expr::jsonata::references(body) {
        Err(_) if has_placeholder(text) => Parsed::Unchecked,
        r => Parsed::Jsonata(r),
    }
}

#[cfg(not(feature = "jsonata"))]
fn parse_jsonata<'t>(_body: &str, _text: &'t str) -> Parsed<'t> {
    Parsed::Unchecked
}

impl<'a> ExprIndex<'a> {
    /// Walk every state of `asl` (the document's ASL view) that the IR knows.
    pub(crate) fn build(asl: &'a Value, ir: &Workflow) -> Self {
        let mut index = ExprIndex::default();
        index
            .states
            .reserve(ir.scopes.iter().map(|s| s.order.len()).sum());
        let top = crate::view::Ql::from_value(asl.get("QueryLanguage")).unwrap_or_default();
        index.by_node.reserve(index.states.capacity());
        for ((scope, node), found) in ir.states().zip(crate::view::state_values(asl, ir)) {
            let state = scope.node(node);
            let Some(value) = found.and_then(|(_, v)| v.as_object()) else {
                continue;
            };
            // A state's own `QueryLanguage` wins; otherwise the machine's (nested states
            // inherit the top-level default, as the engine does).
            let jsonata = crate::view::Ql::of_state(value.get("QueryLanguage"), top)
                == crate::view::Ql::Jsonata;
            let id = index.states.len();
            index.by_node.insert((scope.id, node), id);
            index.states.push(StateInfo {
                scope: scope.id,
                pointer: state.pointer.clone(),
                value,
                assigns: Vec::new(),
                reads: Vec::new(),
            });
            let mut w = Walker {
                index: &mut index,
                state: id,
            };
            if jsonata {
                w.jsonata_state(value, &state.pointer);
            } else {
                w.jsonpath_state(value, &state.pointer);
            }
        }
        index
    }

    /// Every variable name any `Assign` of the document sets.
    pub(crate) fn assigned_names(&self) -> BTreeSet<&'a str> {
        self.states
            .iter()
            .flat_map(|s| s.assigns.iter().map(|a| a.name))
            .collect()
    }
}

struct Walker<'i, 'a> {
    index: &'i mut ExprIndex<'a>,
    state: usize,
}

impl<'a> Walker<'_, 'a> {
    fn state_info(&mut self) -> &mut StateInfo<'a> {
        &mut self.index.states[self.state]
    }

    /// Record one expression. `pointer` is only built when something needs it: most paths
    /// are plainly valid and read no variable, and then nothing is stored at all.
    fn site(
        &mut self,
        pointer: impl FnOnce() -> String,
        field: &'a str,
        text: &'a str,
        kind: SiteKind,
    ) {
        let parsed = match kind {
            SiteKind::Field(spec) if spec.intrinsic && text.starts_with("States.") => {
                parse_call(text)
            }
            SiteKind::Field(_) => parse_path(text),
            SiteKind::Dynamic => parse_dynamic(text),
            // The walker only makes JSONata sites of strings framed by `{%` and `%}`.
            SiteKind::Jsonata { .. } => match text.get(2..text.len().saturating_sub(2)) {
                Some(body) => parse_jsonata(body, text),
                None => return,
            },
        };
        let mut reads: Vec<String> = Vec::new();
        match &parsed {
            // `ResultPath` writes; a variable there is an error of its own, not a read.
            Parsed::Path(Ok(p)) if !matches!(kind, SiteKind::Field(s) if s.write) => {
                reads.extend(p.variable().map(str::to_owned));
            }
            Parsed::Simple(SimpleRoot::Variable(v)) if !matches!(kind, SiteKind::Field(s) if s.write) =>
            {
                reads.push((*v).to_owned());
            }
            Parsed::Call(Ok(c)) => {
                reads.extend(
                    c.paths()
                        .iter()
                        .filter_map(|p| p.variable())
                        .map(str::to_owned),
                );
            }
            Parsed::Jsonata(Ok(refs)) => reads.extend(refs.variables.iter().cloned()),
            _ => {}
        }
        let write = matches!(kind, SiteKind::Field(s) if s.write);
        if reads.is_empty()
            && matches!(parsed, Parsed::Simple(r) if !write || r == SimpleRoot::Input)
        {
            return;
        }
        let pointer = pointer();
        for name in reads {
            self.state_info().reads.push(Read {
                name,
                pointer: pointer.clone(),
                text,
            });
        }
        self.index.sites.push(Site {
            pointer,
            field,
            text,
            kind,
            parsed,
        });
    }

    // ---- JSONPath states ---------------------------------------------------------------

    fn jsonpath_state(&mut self, obj: &'a Map<String, Value>, ptr: &str) {
        let is_pass = obj.get("Type").and_then(Value::as_str) == Some("Pass");
        for (key, value) in obj {
            match key.as_str() {
                k if SCOPE_FIELDS.contains(&k) => {}
                k if NOT_EXPRESSIONS.contains(&k) => {}
                "Parameters" | "ResultSelector" | "ItemSelector" | "Credentials" => {
                    self.template(value, &pointer::push(ptr, key));
                }
                "Assign" => {
                    self.assign_jsonpath(value, &pointer::push(ptr, key), AssignOn::Success)
                }
                "Result" if is_pass => self.pass_result(value, &pointer::push(ptr, key), key),
                "Result" => {}
                "Choices" => {
                    for (i, rule) in value.as_array().into_iter().flatten().enumerate() {
                        self.choice_rule(
                            rule,
                            &pointer::push_index(&pointer::push(ptr, key), i),
                            Some(i),
                        );
                    }
                }
                "Catch" => {
                    for (i, c) in value.as_array().into_iter().flatten().enumerate() {
                        self.catcher_jsonpath(
                            c,
                            &pointer::push_index(&pointer::push(ptr, key), i),
                            i,
                        );
                    }
                }
                "Retry" => {}
                "ItemReader" | "ItemBatcher" | "ResultWriter" => {
                    self.config(value, &pointer::push(ptr, key))
                }
                _ => self.field(key, value, ptr),
            }
        }
    }

    /// A field of a structural object (state, config, choice rule): a `*Path` field, or a
    /// plain field whose string value NO_PATH looks at.
    fn field(&mut self, key: &'a str, value: &'a Value, ptr: &str) {
        let Value::String(text) = value else { return };
        match path_spec(key) {
            Some(spec) => self.site(|| pointer::push(ptr, key), key, text, SiteKind::Field(spec)),
            None if could_be_expression(text) => self.index.no_path.push(Candidate {
                pointer: pointer::push(ptr, key),
                field: key,
                text,
            }),
            None => {}
        }
    }

    /// `ItemReader`, `ItemBatcher`, `ResultWriter` and their `ReaderConfig`/`WriterConfig`.
    fn config(&mut self, value: &'a Value, ptr: &str) {
        let Some(obj) = value.as_object() else { return };
        for (key, v) in obj {
            match key.as_str() {
                "Parameters" | "BatchInput" => self.template(v, &pointer::push(ptr, key)),
                "ReaderConfig" | "WriterConfig" => self.config(v, &pointer::push(ptr, key)),
                // An ARN, validated by the structural rules.
                "Resource" => {}
                k if NOT_EXPRESSIONS.contains(&k) => {}
                _ => self.field(key, v, ptr),
            }
        }
    }

    fn choice_rule(&mut self, rule: &'a Value, ptr: &str, top: Option<usize>) {
        let Some(obj) = rule.as_object() else { return };
        for (key, v) in obj {
            match key.as_str() {
                "And" | "Or" => {
                    for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                        self.choice_rule(
                            r,
                            &pointer::push_index(&pointer::push(ptr, key), i),
                            None,
                        );
                    }
                }
                "Not" => self.choice_rule(v, &pointer::push(ptr, key), None),
                "Assign" => {
                    if let Some(i) = top {
                        self.assign_jsonpath(v, &pointer::push(ptr, key), AssignOn::Choice(i));
                    }
                }
                k if NOT_EXPRESSIONS.contains(&k) => {}
                _ => self.field(key, v, ptr),
            }
        }
    }

    fn catcher_jsonpath(&mut self, c: &'a Value, ptr: &str, i: usize) {
        let Some(obj) = c.as_object() else { return };
        for (key, v) in obj {
            match key.as_str() {
                "Assign" => self.assign_jsonpath(v, &pointer::push(ptr, key), AssignOn::Catch(i)),
                "ResultPath" => self.field(key, v, ptr),
                _ => {}
            }
        }
    }

    /// A JSONPath `Assign`: a template whose top-level keys are variable names.
    fn assign_jsonpath(&mut self, value: &'a Value, ptr: &str, on: AssignOn) {
        if let Some(obj) = value.as_object() {
            for key in obj.keys() {
                let name = key.strip_suffix(".$").unwrap_or(key);
                let pointer = pointer::push(ptr, key);
                self.state_info().assigns.push(Assign { name, pointer, on });
            }
        }
        self.template(value, ptr);
    }

    /// A payload template: `.$` keys hold expressions, everything else is copied.
    fn template(&mut self, value: &'a Value, ptr: &str) {
        // An explicit stack: templates can nest deeper than a recursive walk should go.
        let mut stack: Vec<(&'a Value, String)> = vec![(value, ptr.to_owned())];
        while let Some((node, p)) = stack.pop() {
            match node {
                Value::Object(map) => {
                    for (key, v) in map {
                        let dynamic = key.strip_suffix(".$");
                        if let Some(plain) = dynamic
                            && let Some((other, _)) = map.get_key_value(plain)
                        {
                            // Keys are unique, so the only collision is `k` with `k.$`; the
                            // finding goes on the later of the two.
                            let plain_first = map.keys().position(|k| k == plain)
                                < map.keys().position(|k| k == key);
                            let (first, second) = if plain_first {
                                (other.as_str(), key.as_str())
                            } else {
                                (key.as_str(), other.as_str())
                            };
                            self.index.collisions.push(Collision {
                                pointer: pointer::push(&p, second),
                                key: second,
                                previous: first,
                                previous_pointer: pointer::push(&p, first),
                            });
                        }
                        match (dynamic, v) {
                            (Some(_), Value::String(text)) => {
                                self.site(|| pointer::push(&p, key), key, text, SiteKind::Dynamic);
                            }
                            (Some(_), other) => {
                                self.index.non_string_dynamic.push(NonStringDynamic {
                                    pointer: pointer::push(&p, key),
                                    key,
                                    value: other,
                                });
                            }
                            (None, Value::String(text)) if could_be_expression(text) => {
                                self.index.no_dollar.push(Candidate {
                                    pointer: pointer::push(&p, key),
                                    field: key,
                                    text,
                                });
                            }
                            (None, nested @ (Value::Object(_) | Value::Array(_))) => {
                                stack.push((nested, pointer::push(&p, key)));
                            }
                            (None, _) => {}
                        }
                    }
                }
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        stack.push((item, pointer::push_index(&p, i)));
                    }
                }
                _ => {}
            }
        }
    }

    /// A Pass state's `Result`: static JSON, so a path in it is a mistake (AWS warns).
    fn pass_result(&mut self, value: &'a Value, ptr: &str, key: &'a str) {
        each_string(value, ptr, key, |text, p, k| {
            if could_be_expression(text) {
                self.index.pass_result.push(Candidate {
                    pointer: p,
                    field: k,
                    text,
                });
            }
        });
    }

    // ---- JSONata states ----------------------------------------------------------------

    fn jsonata_state(&mut self, obj: &'a Map<String, Value>, ptr: &str) {
        for (key, value) in obj {
            let p = pointer::push(ptr, key);
            match key.as_str() {
                k if SCOPE_FIELDS.contains(&k) => {}
                k if NOT_EXPRESSIONS.contains(&k) => {}
                "Assign" => self.assign_jsonata(value, &p, AssignOn::Success),
                "Choices" => {
                    for (i, rule) in value.as_array().into_iter().flatten().enumerate() {
                        self.jsonata_member_list(
                            rule,
                            &pointer::push_index(&p, i),
                            AssignOn::Choice(i),
                        );
                    }
                }
                "Catch" => {
                    for (i, c) in value.as_array().into_iter().flatten().enumerate() {
                        self.jsonata_member_list(
                            c,
                            &pointer::push_index(&p, i),
                            AssignOn::Catch(i),
                        );
                    }
                }
                _ => self.jsonata_value(value, &p, key),
            }
        }
    }

    /// A Choice rule or catcher of a JSONata state.
    fn jsonata_member_list(&mut self, value: &'a Value, ptr: &str, on: AssignOn) {
        let Some(obj) = value.as_object() else { return };
        for (key, v) in obj {
            let p = pointer::push(ptr, key);
            match key.as_str() {
                k if NOT_EXPRESSIONS.contains(&k) => {}
                "Assign" => self.assign_jsonata(v, &p, on),
                _ => self.jsonata_value(v, &p, key),
            }
        }
    }

    fn assign_jsonata(&mut self, value: &'a Value, ptr: &str, on: AssignOn) {
        if let Some(obj) = value.as_object() {
            for key in obj.keys() {
                let pointer = pointer::push(ptr, key);
                self.state_info().assigns.push(Assign {
                    name: key,
                    pointer,
                    on,
                });
            }
        }
        self.jsonata_value(value, ptr, "Assign");
    }

    /// Every string at any depth of a JSONata field: `{% %}` strings are expressions.
    fn jsonata_value(&mut self, value: &'a Value, ptr: &str, field: &'a str) {
        each_string(value, ptr, field, |text, p, k| {
            let (open, close) = (text.starts_with("{%"), text.ends_with("%}"));
            if open && close && text.len() >= 4 {
                let asl_field = p.len() == ptr.len();
                self.site(|| p, k, text, SiteKind::Jsonata { asl_field });
            } else if open || close {
                self.index.half_delimited.push(Candidate {
                    pointer: p,
                    field: k,
                    text,
                });
            }
        });
    }
}

/// Every string at any depth of `value` (at `ptr`, the member `key`), with its pointer and
/// the key of the member it is in (array items keep their list's key). Iterative, so deep
/// payloads cannot overflow the stack.
fn each_string<'a>(
    value: &'a Value,
    ptr: &str,
    key: &'a str,
    mut f: impl FnMut(&'a str, String, &'a str),
) {
    let mut stack: Vec<(&'a Value, String, &'a str)> = vec![(value, ptr.to_owned(), key)];
    while let Some((node, p, k)) = stack.pop() {
        match node {
            Value::String(text) => f(text, p, k),
            Value::Object(map) => {
                for (key, v) in map {
                    stack.push((v, pointer::push(&p, key), key));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, pointer::push_index(&p, i), k));
                }
            }
            _ => {}
        }
    }
}

/// A diagnostic of `meta` about the string `text` at `pointer`; with `offset`, the span is
/// narrowed to the character at that byte of the string when the source can be aligned.
pub(crate) fn report(
    ctx: &crate::Context<'_>,
    meta: &'static crate::RuleMeta,
    pointer: &str,
    text: &str,
    offset: Option<usize>,
    message: String,
) -> nexus_schema::Diagnostic {
    let d = meta.at(pointer, message);
    let Some(offset) = offset else { return d };
    // A problem at the very end ("the path ended") points at the last character.
    let (offset, c) = match text.get(offset..).and_then(|rest| rest.chars().next()) {
        Some(c) => (offset, c),
        None => match text.char_indices().next_back() {
            Some(last) => last,
            None => return d,
        },
    };
    let range = nexus_schema::TextRange::new(offset, offset + c.len_utf8());
    match ctx.doc.string_range(pointer, text, range) {
        Some(span) => d.with_span(span),
        None => d,
    }
}

/// How the user spells the field of a site: ASL field names follow the document's format
/// (`result_path` in NEXUS); template keys are kept as written.
pub(crate) fn field_name(ctx: &crate::Context<'_>, site: &Site<'_>) -> String {
    match site.kind {
        SiteKind::Field(_) | SiteKind::Jsonata { asl_field: true } => ctx.field(site.field),
        SiteKind::Dynamic | SiteKind::Jsonata { asl_field: false } => site.field.to_owned(),
    }
}

/// The cheap first test of [`looks_like_expression`]: only these strings can pass it.
fn could_be_expression(text: &str) -> bool {
    text.starts_with('$') || text.starts_with("States.")
}

/// Whether a plain string looks like a JSONPath or an intrinsic call to Step Functions'
/// advisory checks: it parses as one, is no template placeholder, and a `$name` path names a
/// variable the document assigns (so `"$USD"` is just text).
pub(crate) fn looks_like_expression(text: &str, assigned: &BTreeSet<&str>) -> bool {
    if has_placeholder(text) {
        return false;
    }
    if text.starts_with("States.") {
        return intrinsic::parse(text).is_ok();
    }
    if !text.starts_with('$') {
        return false;
    }
    match jsonpath::parse(text) {
        Ok(p) => p.variable().is_none_or(|v| assigned.contains(v)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn index(v: &Value) -> (Vec<(String, String)>, usize) {
        let ir = Workflow::from_asl(v);
        let idx = ExprIndex::build(v, &ir);
        let sites = idx
            .sites
            .iter()
            .map(|s| (s.pointer.clone(), s.text.to_owned()))
            .collect();
        (sites, idx.collisions.len())
    }

    #[test]
    fn finds_paths_templates_and_jsonata() {
        let v = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn", "ResultPath": "$['r']",
                  "Parameters": {"a.$": "$['x']", "b": {"c.$": "States.UUID()", "c": 1}},
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$['e']", "Next": "B"}],
                  "Next": "B"},
            "B": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$['v']", "StringEqualsPath": "$['w']"}, "Next": "C"}]},
            "C": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"x": "{% $v %}", "y": "{% 1"}, "End": true}
        }});
        let (mut sites, collisions) = index(&v);
        sites.sort();
        let ptrs: Vec<&str> = sites.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/States/A/Catch/0/ResultPath",
                "/States/A/Parameters/a.$",
                "/States/A/Parameters/b/c.$",
                "/States/A/ResultPath",
                "/States/B/Choices/0/Not/StringEqualsPath",
                "/States/B/Choices/0/Not/Variable",
                "/States/C/Output/x",
            ]
        );
        assert_eq!(collisions, 1);
        // Plainly valid paths that read no variable are not stored.
        let v = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$.a.b[0]",
            "Parameters": {"x.$": "$$.Execution.Id", "y.$": "$v.z"}, "End": true}}});
        let (sites, _) = index(&v);
        assert_eq!(
            sites,
            [("/States/A/Parameters/y.$".to_owned(), "$v.z".to_owned())]
        );
    }

    #[test]
    fn recognises_simple_paths() {
        assert_eq!(simple_path("$"), Some(SimpleRoot::Input));
        assert_eq!(simple_path("$$.Execution.Id"), Some(SimpleRoot::Context));
        assert_eq!(
            simple_path("$v.list[3].a-b"),
            Some(SimpleRoot::Variable("v"))
        );
        for not_simple in [
            "$.", "$..a", "$.a[*]", "$['a']", "$.a[-1]", "$1", "$.a b", "$.a[0",
        ] {
            assert_eq!(simple_path(not_simple), None, "{not_simple}");
        }
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(matches!(parse_dynamic("${Path}"), Parsed::Unchecked));
        assert!(matches!(parse_dynamic(" States.UUID()"), Parsed::Neither));
        assert!(matches!(parse_path("$.prices.max()"), Parsed::Unchecked));
        assert!(matches!(parse_path("$.a.concat($.b)"), Parsed::Unchecked));
        assert!(matches!(parse_path("$.a.nope()"), Parsed::Path(Err(_))));
        assert!(matches!(
            parse_path("$.foo\\@bar.baz\\[\\[.\\?pretty"),
            Parsed::Path(Ok(_))
        ));
    }
}
