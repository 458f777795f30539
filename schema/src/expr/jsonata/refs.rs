//! Which workflow variables a JSONata expression reads: every `$name` that is not bound by
//! the expression itself (`$x := ...`, function parameters, `@$x`, `#$i`), not a function of
//! JSONata's library or of Step Functions, and not the `$states` binding Step Functions
//! provides. The linter uses this for its variable analysis; it never evaluates anything.

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, PathStep, Stage};
use jsonata_core::parser;

use crate::expr::ParseError;

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
    let ast = parser::parse(expr).map_err(|e| {
        let offset = expr.len() - expr.trim_start().len();
        ParseError::new(e.to_string(), offset)
    })?;
    let mut read = BTreeSet::new();
    let mut bound = BTreeSet::new();
    // An explicit stack: the parser accepts nesting deep enough to exhaust a thread's stack
    // in a recursive walk.
    let mut stack: Vec<&AstNode> = vec![&ast];
    while let Some(node) = stack.pop() {
        visit(node, &mut stack, &mut read, &mut bound);
    }
    Ok(read
        .into_iter()
        .filter(|name: &String| {
            !name.is_empty()
                && !bound.contains(name)
                && !JSONATA_FUNCTIONS.contains(&name.as_str())
                && !STEP_FUNCTIONS_BINDINGS.contains(&name.as_str())
        })
        .collect())
}

fn visit<'a>(
    node: &'a AstNode,
    stack: &mut Vec<&'a AstNode>,
    read: &mut BTreeSet<String>,
    bound: &mut BTreeSet<String>,
) {
    use jsonata_core::ast::BinaryOp;
    match node {
        AstNode::Variable(name) => {
            read.insert(name.clone());
        }
        AstNode::Binary { op, lhs, rhs } => {
            match (op, lhs.as_ref(), rhs.as_ref()) {
                (BinaryOp::ColonEqual, AstNode::Variable(name), _) => {
                    bound.insert(name.clone());
                }
                // Raw `@$x` / `#$i` markers (the parser's post-pass normally folds them into
                // the path step): the right side is the bound variable, not a read.
                (BinaryOp::FocusBind | BinaryOp::IndexBind, _, AstNode::Variable(name)) => {
                    bound.insert(name.clone());
                    stack.push(lhs);
                    return;
                }
                _ => stack.push(lhs),
            }
            stack.push(rhs);
        }
        AstNode::Lambda { params, body, .. } => {
            bound.extend(params.iter().cloned());
            stack.push(body);
        }
        AstNode::Path { steps } => {
            for step in steps {
                push_step(step, stack, bound);
            }
        }
        AstNode::Unary { operand, .. } => stack.push(operand),
        AstNode::Function { args, .. } => stack.extend(args.iter()),
        AstNode::Call { procedure, args } => {
            stack.push(procedure);
            stack.extend(args.iter());
        }
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            stack.extend(items.iter());
        }
        AstNode::Object(pairs) => {
            for (k, v) in pairs {
                stack.push(k);
                stack.push(v);
            }
        }
        AstNode::ObjectTransform { input, pattern } => {
            stack.push(input);
            for (k, v) in pattern {
                stack.push(k);
                stack.push(v);
            }
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            stack.push(condition);
            stack.push(then_branch);
            if let Some(e) = else_branch {
                stack.push(e);
            }
        }
        AstNode::FunctionApplication(inner) => stack.push(inner),
        AstNode::Sort { input, terms } => {
            stack.push(input);
            stack.extend(terms.iter().map(|(t, _)| t));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            stack.push(location);
            stack.push(update);
            if let Some(d) = delete {
                stack.push(d);
            }
        }
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::ParentVariable(_)
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
    }
}

fn push_step<'a>(step: &'a PathStep, stack: &mut Vec<&'a AstNode>, bound: &mut BTreeSet<String>) {
    stack.push(&step.node);
    if let Some(f) = &step.focus {
        bound.insert(f.clone());
    }
    if let Some(i) = &step.index_var {
        bound.insert(i.clone());
    }
    for stage in &step.stages {
        match stage {
            Stage::Filter(f) => stack.push(f),
            Stage::Index(name) => {
                bound.insert(name.clone());
            }
            Stage::KeepArray => {}
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
    fn fails_on_syntax_errors() {
        assert!(variable_references(" $sum(1 ").is_err());
    }
}
