//! JSONPath in the dialect AWS Step Functions evaluates: Jayway JsonPath, plus the `$$` root
//! (context object) and `$name` roots (variables, ASL `Assign`).
//!
//! Supported syntax (AWS "Using JSONPath paths in Step Functions"): `$`, `$.a.b`, `$.a-b`,
//! `$['x y']`, `$["x"]`, `$.a.['b c']`, `$.a[0]`, `[-1]`, slices `[1:3]` `[:2]` `[-2:]`,
//! unions `[0,1]` `['a','b']`, wildcards `.*` `[*]`, deep scan `..`, filters `[?(...)]` with
//! `==  != < <= > >= in nin && || !` and `@`/`$` operands, and the `length()` function.
//!
//! Result shapes follow Jayway: a *definite* path (no wildcard, slice, union, filter or deep
//! scan) yields the selected value itself and fails when nothing is there; an *indefinite*
//! path yields an array of every match, possibly empty.

mod eval;
mod parse;

pub(crate) use eval::json_eq;
pub use eval::set;

use super::ParseError;
use serde_json::Value;

/// Parses a JSONPath expression such as `$.a[0]`, `$$.Execution.Id` or `$var.field`.
///
/// Errors carry the byte offset of the first bad character.
pub fn parse(s: &str) -> Result<Path, ParseError> {
    parse::parse_path(s)
}

/// What a path starts from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Root {
    /// `$`: the state's input (or the task result, in `ResultSelector`).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a variable set by `Assign` (the name without the `$`).
    Variable(String),
}

/// A parsed JSONPath: a root and a list of steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub(crate) source: String,
    pub(crate) root: Root,
    pub(crate) segments: Vec<Segment>,
    /// Byte offsets of unquoted words read as string literals in filters (`@.Code==es`).
    pub(crate) unquoted_literals: Vec<usize>,
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// What the step selects.
    pub selector: Selector,
    /// `true` for a deep-scan step (`..name`, `..*`, `..[0]`): the selector applies to every
    /// descendant as well as the current node.
    pub deep: bool,
    /// Byte offset of the step (its `.`, `..` or `[`) in the path string.
    pub offset: usize,
}

/// What one step of a path selects.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    /// A member by name: `.name`, `['name']`, `["name"]`.
    Name(String),
    /// An array element; negative counts from the end: `[0]`, `[-1]`.
    Index(i64),
    /// Every member or element: `.*`, `[*]`.
    Wildcard,
    /// A range of elements: `[start:end:step]`, each part optional.
    Slice {
        /// First index (inclusive), negative counts from the end.
        start: Option<i64>,
        /// Last index (exclusive), negative counts from the end.
        end: Option<i64>,
        /// Stride; Jayway accepts only positive strides.
        step: Option<i64>,
    },
    /// Several names or indexes: `['a','b']`, `[0,1]`.
    Union(Vec<UnionMember>),
    /// The elements (or member values) for which a predicate holds: `[?(@.price < 10)]`.
    Filter(Filter),
    /// The `length()` function: the length of the array (or string, or object) selected so far.
    Length,
}

/// One member of a union selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnionMember {
    /// `'name'`.
    Name(String),
    /// An index, negative counts from the end.
    Index(i64),
}

/// A filter predicate (`[?( ... )]`).
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// `a || b`.
    Or(Box<Filter>, Box<Filter>),
    /// `a && b`.
    And(Box<Filter>, Box<Filter>),
    /// `!a`.
    Not(Box<Filter>),
    /// `left op right`.
    Compare {
        /// Left operand.
        left: Operand,
        /// Operator.
        op: CompareOp,
        /// Right operand.
        right: Operand,
    },
    /// A bare operand: true when the path exists (`[?(@.tags)]`) or the literal is truthy.
    Exists(Operand),
}

/// A comparison operator of a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: left is an element of the right array.
    In,
    /// `nin`: left is not an element of the right array.
    Nin,
}

/// An operand of a filter comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `@...`: relative to the element being tested.
    Current(Vec<Segment>),
    /// `$...`: relative to the document root.
    Root(Vec<Segment>),
    /// A literal: string, number, boolean, `null`, or an array of literals.
    Literal(Value),
}

impl Path {
    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Byte offsets of the unquoted words this path's filters compare with as strings
    /// (`$[?(@.Code==es)]`). The Jayway-era samples AWS publishes write them; quoting is the
    /// documented form, so a linter warns about them.
    pub fn unquoted_literals(&self) -> &[usize] {
        &self.unquoted_literals
    }

    /// What the path starts from: `$`, `$$` or a variable.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The steps after the root.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// `true` when the path selects at most one node (Jayway's "definite path"): no wildcard,
    /// slice, union, filter or deep scan. Such a path evaluates to the value itself.
    ///
    /// As in Jayway, a union of names as the very last step (`$['a','b']`) is definite too:
    /// it evaluates to one object holding those members.
    pub fn is_definite(&self) -> bool {
        segments_definite(&self.segments)
    }

    /// `true` when the path is an ASL *Reference Path*: only `.name`, `['name']` and `[index]`
    /// steps, so it names exactly one node (ASL spec, "Reference Paths"). `ResultPath`, and the
    /// `*Path` fields of Choice rules and Wait states, must be reference paths.
    pub fn is_reference_path(&self) -> bool {
        self.reference_violation().is_none()
    }

    /// The first step that keeps this path from being a Reference Path, as the byte offset of
    /// the step and the operator AWS forbids there ("The operators `@ .. , : ? *` aren't
    /// supported. Functions such as `length()` aren't supported", AWS "Reference Paths").
    pub fn reference_violation(&self) -> Option<(usize, &'static str)> {
        self.segments.iter().find_map(|s| {
            let what = if s.deep {
                "the deep scan '..'"
            } else {
                match &s.selector {
                    Selector::Name(_) | Selector::Index(_) => return None,
                    Selector::Wildcard => "the wildcard '*'",
                    Selector::Slice { .. } => "a slice ':'",
                    Selector::Union(_) => "a union ','",
                    Selector::Filter(_) => "a filter '?'",
                    Selector::Length => "the function length()",
                }
            };
            Some((s.offset, what))
        })
    }

    /// The path in Jayway's normalised bracket form, as Step Functions prints it in
    /// "No results for path" causes: `$.a.b[0]` is `$['a']['b'][0]`, `$$.Execution.Id` is
    /// `$$['Execution']['Id']`. Names are printed as they are, quotes unescaped (Jayway does
    /// the same).
    pub fn normalized(&self) -> String {
        let mut out = match &self.root {
            Root::Input => String::from("$"),
            Root::Context => String::from("$$"),
            Root::Variable(name) => format!("${name}"),
        };
        for s in &self.segments {
            if s.deep {
                out.push_str("..");
            }
            match &s.selector {
                Selector::Name(n) => {
                    out.push_str("['");
                    out.push_str(n);
                    out.push_str("']");
                }
                Selector::Index(i) => out.push_str(&format!("[{i}]")),
                Selector::Wildcard => out.push_str("[*]"),
                Selector::Slice { start, end, step } => {
                    let part = |v: &Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                    out.push_str(&format!("[{}:{}", part(start), part(end)));
                    if step.is_some() {
                        out.push_str(&format!(":{}", part(step)));
                    }
                    out.push(']');
                }
                Selector::Union(members) => {
                    let parts: Vec<String> = members
                        .iter()
                        .map(|m| match m {
                            UnionMember::Name(n) => format!("'{n}'"),
                            UnionMember::Index(i) => i.to_string(),
                        })
                        .collect();
                    out.push_str(&format!("[{}]", parts.join(",")));
                }
                Selector::Filter(_) => out.push_str("[?]"),
                Selector::Length => out.push_str(".length()"),
            }
        }
        out
    }

    /// The variable name when the path starts at `$name` (ASL `Assign`).
    pub fn variable(&self) -> Option<&str> {
        match &self.root {
            Root::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// Evaluates the path against `root` (the value its root stands for) with Jayway result
    /// shapes: a definite path returns the selected value or [`EvalError::NotFound`]; an
    /// indefinite path returns an array of all matches.
    pub fn evaluate(&self, root: &Value) -> Result<Value, EvalError> {
        eval::evaluate(self, root)
    }

    /// Evaluates the path against the value its root names in `ctx` (`$` the input, `$$` the
    /// context object, `$name` a variable).
    pub fn evaluate_in(&self, ctx: &super::EvalContext<'_>) -> Result<Value, EvalError> {
        match ctx.root_value(&self.root) {
            Some(root) => self.evaluate(root),
            None => Err(EvalError::UndefinedVariable {
                path: self.source.clone(),
                name: match &self.root {
                    Root::Variable(name) => name.clone(),
                    _ => String::new(),
                },
            }),
        }
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for Path {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Jayway's `isDefinite` over a list of steps.
pub(crate) fn segments_definite(segments: &[Segment]) -> bool {
    let last = segments.len().saturating_sub(1);
    segments.iter().enumerate().all(|(i, s)| {
        !s.deep
            && match &s.selector {
                Selector::Name(_) | Selector::Index(_) | Selector::Length => true,
                Selector::Union(members) => {
                    i == last && members.iter().all(|m| matches!(m, UnionMember::Name(_)))
                }
                _ => false,
            }
    })
}

/// Why a path could not be evaluated or assigned to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A definite path selected nothing (Jayway's `PathNotFoundException`).
    #[error("the JSONPath '{path}' could not be found in the input")]
    NotFound {
        /// The path as written.
        path: String,
    },
    /// The path starts at a variable that is not set.
    #[error("the variable '{name}' referenced by '{path}' is not defined")]
    UndefinedVariable {
        /// The path as written.
        path: String,
        /// The variable name without `$`.
        name: String,
    },
    /// [`set`] cannot write through this path: not a reference path, not the input root, or
    /// an intermediate value that is not an object (or an array index out of range).
    #[error("unable to apply the path '{path}': {reason}")]
    CannotSet {
        /// The path as written.
        path: String,
        /// What is in the way.
        reason: String,
    },
}

impl EvalError {
    /// The cause text Step Functions gives when the path in field `field` (e.g. `InputPath`,
    /// `foo.$`) fails against `input`:
    /// `The JSONPath '$.x' specified for the field 'InputPath' could not be found in the input '{"a":1}'`.
    pub fn cause_for_field(&self, field: &str, input: &Value) -> String {
        match self {
            EvalError::NotFound { path } => format!(
                "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{}'",
                super::json::to_compact_string(input)
            ),
            EvalError::UndefinedVariable { path, name } => format!(
                "The JSONPath '{path}' specified for the field '{field}' references the undefined variable '{name}'"
            ),
            EvalError::CannotSet { path, reason } => format!(
                "Unable to apply the JSONPath '{path}' specified for the field '{field}': {reason}"
            ),
        }
    }
}

#[cfg(test)]
mod tests;
