//! Which workflow variables a JSONata expression reads: every `$name` that is not bound by
//! the expression itself (`$x := ...`, function parameters, `@$x`, `#$i`), not a function of
//! JSONata's library or of Step Functions, and not the `$states` binding Step Functions
//! provides. The linter uses this for its variable analysis; it never evaluates anything.

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, PathStep, Stage};
use jsonata_core::parser;

use crate::expr::{JsonataRefs, ParseError};

/// Functions of the JSONata 2.x library (`$sum`, `$map`, ...), which an expression may pass
/// around as values (`$map($xs, $string)`).
const JSONATA_FUNCTIONS: &[&str] = &[
    "abs",
    "append",
    "assert",
    "average",
    "base64decode",
    "base64encode",
    "boolean",
    "ceil",
    "clone",
    "contains",
    "count",
    "decodeUrl",
    "decodeUrlComponent",
    "distinct",
    "each",
    "encodeUrl",
    "encodeUrlComponent",
    "error",
    "eval",
    "exists",
    "filter",
    "floor",
    "formatBase",
    "formatInteger",
    "formatNumber",
    "fromMillis",
    "join",
    "keys",
    "length",
    "lookup",
    "lowercase",
    "map",
    "match",
    "max",
    "merge",
    "millis",
    "min",
    "not",
    "now",
    "number",
    "pad",
    "parseInteger",
    "power",
    "random",
    "reduce",
    "replace",
    "reverse",
    "round",
    "shuffle",
    "sift",
    "single",
    "sort",
    "split",
    "spread",
    "sqrt",
    "string",
    "substring",
    "substringAfter",
    "substringBefore",
    "sum",
    "toMillis",
    "trim",
    "type",
    "uppercase",
    "zip",
];

/// What Step Functions binds in every JSONata expression: the functions it adds (AWS
/// "Transforming data with JSONata in Step Functions") and the reserved `$states`.
pub const STEP_FUNCTIONS_BINDINGS: &[&str] = &[
    "states",
    "partition",
    "range",
    "hash",
    "random",
    "uuid",
    "parse",
];

/// The workflow variables `expr` (the text between `{%` and `%}`) reads, sorted and without
/// duplicates, names without `$`. Fails like [`super::check_syntax`] on a syntax error.
///
/// A name bound anywhere in the expression counts as bound everywhere in it: the analysis
/// may miss a read of a workflow variable that a local binding shadows elsewhere, but it
/// never reports a local as a workflow variable.
pub fn variable_references(expr: &str) -> Result<Vec<String>, ParseError> {
    references(expr).map(|r| r.variables)
}

/// [`variable_references`], the context references and `$states.errorOutput`, in one parse.
pub fn references(expr: &str) -> Result<JsonataRefs, ParseError> {
    let ast = parser::parse(expr).map_err(|e| {
        let offset = expr.len() - expr.trim_start().len();
        ParseError::new(e.to_string(), offset)
    })?;
    let mut w = Walk::default();
    // An explicit stack: the parser accepts nesting deep enough to exhaust a thread's stack
    // in a recursive walk. The flag: whether the node is evaluated against the expression's
    // own context value (not a later path step, a filter or a function body).
    let mut stack: Vec<(&AstNode, bool)> = vec![(&ast, true)];
    while let Some((node, top)) = stack.pop() {
        w.visit(node, top, &mut stack);
    }
    let Walk {
        read,
        bound,
        context_reference,
        reads_error_output,
    } = w;
    Ok(JsonataRefs {
        variables: read
            .into_iter()
            .filter(|name: &String| {
                !name.is_empty()
                    && !bound.contains(name)
                    && !JSONATA_FUNCTIONS.contains(&name.as_str())
                    && !STEP_FUNCTIONS_BINDINGS.contains(&name.as_str())
            })
            .collect(),
        context_reference,
        reads_error_output,
    })
}

#[derive(Default)]
struct Walk {
    read: BTreeSet<String>,
    bound: BTreeSet<String>,
    context_reference: Option<String>,
    reads_error_output: bool,
}

impl Walk {
    fn context(&mut self, top: bool, what: impl FnOnce() -> String) {
        if top && self.context_reference.is_none() {
            self.context_reference = Some(what());
        }
    }

    fn visit<'a>(&mut self, node: &'a AstNode, top: bool, stack: &mut Vec<(&'a AstNode, bool)>) {
        use jsonata_core::ast::BinaryOp;
        match node {
            AstNode::Variable(name) => {
                if name.is_empty() {
                    self.context(top, || "$".into());
                }
                self.read.insert(name.clone());
            }
            AstNode::ParentVariable(_) => self.context(top, || "$$".into()),
            AstNode::Name(name) => self.context(top, || name.clone()),
            AstNode::Binary { op, lhs, rhs } => {
                match (op, lhs.as_ref(), rhs.as_ref()) {
                    (BinaryOp::ColonEqual, AstNode::Variable(name), _) => {
                        self.bound.insert(name.clone());
                    }
                    // Raw `@$x` / `#$i` markers (the parser's post-pass normally folds them
                    // into the path step): the right side is the bound variable, not a read.
                    (BinaryOp::FocusBind | BinaryOp::IndexBind, _, AstNode::Variable(name)) => {
                        self.bound.insert(name.clone());
                        stack.push((lhs, top));
                        return;
                    }
                    _ => stack.push((lhs, top)),
                }
                stack.push((rhs, top));
            }
            AstNode::Lambda { params, body, .. } => {
                self.bound.extend(params.iter().cloned());
                stack.push((body, false));
            }
            AstNode::Path { steps } => {
                if let [first, second, ..] = steps.as_slice()
                    && matches!(&first.node, AstNode::Variable(v) if v == "states")
                    && matches!(&second.node, AstNode::Name(n) if n == "errorOutput")
                {
                    self.reads_error_output = true;
                }
                for (i, step) in steps.iter().enumerate() {
                    self.push_step(step, top && i == 0, stack);
                }
            }
            AstNode::Unary { operand, .. } => stack.push((operand, top)),
            AstNode::Function { args, .. } => stack.extend(args.iter().map(|a| (a, top))),
            AstNode::Call { procedure, args } => {
                stack.push((procedure, top));
                stack.extend(args.iter().map(|a| (a, top)));
            }
            AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
                stack.extend(items.iter().map(|i| (i, top)));
            }
            AstNode::Object(pairs) => {
                for (k, v) in pairs {
                    stack.push((k, top));
                    stack.push((v, top));
                }
            }
            AstNode::ObjectTransform { input, pattern } => {
                stack.push((input, top));
                for (k, v) in pattern {
                    stack.push((k, false));
                    stack.push((v, false));
                }
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                stack.push((condition, top));
                stack.push((then_branch, top));
                if let Some(e) = else_branch {
                    stack.push((e, top));
                }
            }
            AstNode::FunctionApplication(inner) => stack.push((inner, top)),
            AstNode::Sort { input, terms } => {
                stack.push((input, top));
                stack.extend(terms.iter().map(|(t, _)| (t, false)));
            }
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                stack.push((location, false));
                stack.push((update, false));
                if let Some(d) = delete {
                    stack.push((d, false));
                }
            }
            AstNode::String(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::Wildcard
            | AstNode::Descendant
            | AstNode::Parent(_) => {}
        }
    }

    fn push_step<'a>(
        &mut self,
        step: &'a PathStep,
        top: bool,
        stack: &mut Vec<(&'a AstNode, bool)>,
    ) {
        stack.push((&step.node, top));
        if let Some(f) = &step.focus {
            self.bound.insert(f.clone());
        }
        if let Some(i) = &step.index_var {
            self.bound.insert(i.clone());
        }
        for stage in &step.stages {
            match stage {
                Stage::Filter(f) => stack.push((f, false)),
                Stage::Index(name) => {
                    self.bound.insert(name.clone());
                }
                Stage::KeepArray => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::variable_references;

    fn refs(e: &str) -> Vec<String> {
        variable_references(e).unwrap_or_else(|err| panic!("{e}: {err}"))
    }

    #[test]
    fn finds_workflow_variables() {
        assert_eq!(refs(" $x "), ["x"]);
        assert_eq!(refs(" $a.b + $c[0] "), ["a", "c"]);
        assert_eq!(
            refs(" $exists($status) ? 'done' : $other "),
            ["other", "status"]
        );
        assert_eq!(refs(" {'k': $v} "), ["v"]);
        assert_eq!(
            refs(" $states.input.x & $states.context.Execution.Id "),
            [""; 0]
        );
    }

    #[test]
    fn ignores_functions_and_locals() {
        assert!(refs(" $sum($states.input.xs) ").is_empty());
        assert!(refs(" $map([1,2], $string) ").is_empty());
        assert!(refs(" ($n := 3; $n * 2) ").is_empty());
        assert!(refs(" $fn := function($x){ $x + 1 } ").is_empty());
        assert!(refs(" $uuid() & $partition([1], 1) ").is_empty());
        assert!(refs(" $ ").is_empty());
        assert!(refs(" $$.a ").is_empty());
        assert_eq!(refs(" $states.input.books@$b.($b.title & $y) "), ["y"]);
        assert_eq!(refs(" $states.input.books#$i[$i > $limit] "), ["limit"]);
    }

    #[test]
    fn finds_references_to_the_context_value() {
        let ctx = |e: &str| {
            super::references(e)
                .unwrap_or_else(|err| panic!("{e}: {err}"))
                .context_reference
        };
        for (e, want) in [
            (" $ ", "$"),
            (" $$ ", "$$"),
            (" $.orderId ", "$"),
            (" $$.a ", "$$"),
            (" orderId ", "orderId"),
            (" customer.name ", "customer"),
            (" $count(items) ", "items"),
            (" {'id': id} ", "id"),
            (" $states.input.a = 1 ? b : 2 ", "b"),
        ] {
            assert_eq!(ctx(e).as_deref(), Some(want), "{e}");
        }
        for e in [
            " $states.input.orderId ",
            " $states.input.items[price > 10].name ",
            " $map($states.input.xs, function($v){ $v.id }) ",
            " $sum($states.input.items.(price * qty)) ",
            " $states.input.items^(price) ",
            " $x.y ",
            " 'text' & 1 ",
            " $states.input.items[$.a = 1] ",
        ] {
            assert_eq!(ctx(e), None, "{e}");
        }
        let eo = |e: &str| super::references(e).map(|r| r.reads_error_output);
        assert_eq!(eo(" $states.errorOutput.Cause "), Ok(true));
        assert_eq!(eo(" $states.input.errorOutput "), Ok(false));
    }

    #[test]
    fn fails_on_syntax_errors() {
        assert!(variable_references(" $sum(1 ").is_err());
    }
}
