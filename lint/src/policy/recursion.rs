//! Rejects recursive Rego rules and functions before anything runs.
//!
//! OPA refuses recursion at compile time (`rego_recursion_error`). regorus does not: a
//! function that calls itself, or rules that depend on each other in a cycle, recurse on the
//! native stack until the process aborts (issue #12: `f(x) := y if { y := f(x) }`). This pass
//! builds the dependency graph of the rules and functions of all loaded modules and reports
//! the first cycle, so loading fails with a configuration error (exit 2) naming the chain.
//!
//! References are resolved as regorus resolves them: a bare name to the rule of the same
//! package (unless the rule declares a local variable of that name), `data.pkg.r` to package
//! `pkg`, and `alias.r` through the module's imports; a reference into a rule's value
//! (`r.field`) depends on the rule. Anything else (input, builtins, extensions) is no edge.

use std::collections::{BTreeMap, BTreeSet};

use regorus::unstable::{Expr, Literal, Module, Query, Ref, Rule, RuleHead};

/// One recursive chain: `file:line: a.f -> a.g -> a.f`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recursion {
    /// File of the function where the chain starts.
    pub file: String,
    /// 1-based line of that function's head.
    pub line: u32,
    /// Function paths (`pkg.f`) along the cycle, the first repeated at the end.
    pub chain: Vec<String>,
}

/// A rule or function: its package, the module's import aliases, its definitions, and the
/// local variable names they declare.
struct Function<'a> {
    file: String,
    line: u32,
    package: String,
    aliases: BTreeMap<String, String>,
    rules: Vec<&'a Rule>,
    locals: BTreeSet<String>,
}

/// The first cycle among the functions of `modules`, if any.
pub(crate) fn find(modules: &[Ref<Module>]) -> Option<Recursion> {
    let mut functions: BTreeMap<String, Function<'_>> = BTreeMap::new();
    for m in modules {
        let Some(package) = dotted(&m.package.refr).map(|p| strip_data(&p).to_string()) else {
            continue;
        };
        let aliases = aliases(m);
        for rule in &m.policy {
            let refr = match rule.as_ref() {
                Rule::Spec {
                    head:
                        RuleHead::Func { refr, .. }
                        | RuleHead::Compr { refr, .. }
                        | RuleHead::Set { refr, .. },
                    ..
                } => refr,
                Rule::Default { refr, .. } => refr,
            };
            let Some(name) = dotted(refr) else {
                continue;
            };
            let key = format!("{package}.{name}");
            let span = rule.span();
            functions.entry(key.clone()).or_insert_with(|| Function {
                file: span.source.get_path().to_string(),
                line: span.line,
                package: package.clone(),
                aliases: aliases.clone(),
                rules: Vec::new(),
                locals: BTreeSet::new(),
            });
            let f = functions.get_mut(&key);
            if let Some(f) = f {
                f.rules.push(rule.as_ref());
                declared(rule.as_ref(), &mut f.locals);
            }
        }
    }
    let names: BTreeSet<&str> = functions.keys().map(String::as_str).collect();
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (key, f) in &functions {
        let mut calls = Vec::new();
        for rule in &f.rules {
            rule_calls(rule, &mut calls);
        }
        let targets = edges.entry(key.as_str()).or_default();
        for call in calls {
            if let Some(t) = resolve(&call, f, &names) {
                targets.insert(t);
            }
        }
    }
    // Depth-first search with colours; an edge back to a grey node closes a cycle.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    for start in functions.keys() {
        let mut path: Vec<&str> = Vec::new();
        if let Some(chain) = visit(start, &edges, &mut state, &mut path) {
            let first = chain.first().cloned().unwrap_or_default();
            let (file, line) = functions
                .get(&first)
                .map(|f| (f.file.clone(), f.line))
                .unwrap_or_default();
            return Some(Recursion { file, line, chain });
        }
    }
    None
}

fn visit<'a>(
    node: &'a str,
    edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
    state: &mut BTreeMap<&'a str, u8>,
    path: &mut Vec<&'a str>,
) -> Option<Vec<String>> {
    match state.get(node) {
        Some(2) => return None,
        Some(1) => {
            let from = path.iter().position(|n| *n == node).unwrap_or(0);
            let mut chain: Vec<String> = path
                .get(from..)
                .unwrap_or_default()
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            chain.push(node.to_string());
            return Some(chain);
        }
        _ => {}
    }
    state.insert(node, 1);
    path.push(node);
    if let Some(targets) = edges.get(node) {
        for t in targets {
            let Some((k, _)) = edges.get_key_value(t.as_str()) else {
                continue;
            };
            if let Some(c) = visit(k, edges, state, path) {
                return Some(c);
            }
        }
    }
    path.pop();
    state.insert(node, 2);
    None
}

/// Resolves a referenced or called path to a known rule key (the longest rule path it
/// starts with: `r.field` depends on `r`).
fn resolve(call: &str, f: &Function<'_>, names: &BTreeSet<&str>) -> Option<String> {
    let candidate = if let Some(rest) = call.strip_prefix("data.") {
        rest.to_string()
    } else {
        let (head, rest) = call.split_once('.').unwrap_or((call, ""));
        match f.aliases.get(head) {
            Some(target) if rest.is_empty() => target.clone(),
            Some(target) => format!("{target}.{rest}"),
            None if f.locals.contains(head) || head == "input" => return None,
            None => format!("{}.{call}", f.package),
        }
    };
    let mut end = candidate.len();
    loop {
        let prefix = candidate.get(..end)?;
        if names.contains(prefix) {
            return Some(prefix.to_string());
        }
        end = prefix.rfind('.')?;
    }
}

/// Local variable names a rule declares: function arguments, `:=`/`=` targets, `some`,
/// `every` and comprehension variables (an over-approximation: a name declared anywhere in
/// the rule is taken as local everywhere in it, so a rule is never reported wrongly).
fn declared(rule: &Rule, out: &mut BTreeSet<String>) {
    let vars = |e: &Expr, out: &mut BTreeSet<String>| {
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Var { value, .. } => {
                    if let Ok(s) = value.as_string() {
                        out.insert(s.to_string());
                    }
                }
                Expr::Array { items, .. } | Expr::Set { items, .. } => {
                    stack.extend(items.iter().map(|i| i.as_ref()));
                }
                Expr::Object { fields, .. } => {
                    stack.extend(fields.iter().map(|(_, _, v)| v.as_ref()))
                }
                _ => {}
            }
        }
    };
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut queries: Vec<&Query> = Vec::new();
    match rule {
        Rule::Spec { head, bodies, .. } => {
            if let RuleHead::Func { args, .. } = head {
                for a in args {
                    vars(a, out);
                }
            }
            queries.extend(bodies.iter().map(|b| b.query.as_ref()));
        }
        Rule::Default { args, .. } => {
            for a in args {
                vars(a, out);
            }
        }
    }
    // Walk every query (comprehensions included) for declarations.
    while let Some(q) = queries.pop() {
        for stmt in &q.stmts {
            match &stmt.literal {
                Literal::SomeVars { vars: names, .. } => {
                    out.extend(names.iter().map(|s| s.text().to_string()));
                }
                Literal::SomeIn { key, value, .. } => {
                    if let Some(k) = key {
                        vars(k, out);
                    }
                    vars(value, out);
                }
                Literal::Every {
                    key, value, query, ..
                } => {
                    if let Some(k) = key {
                        out.insert(k.text().to_string());
                    }
                    out.insert(value.text().to_string());
                    queries.push(query);
                }
                Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => exprs.push(expr),
            }
        }
        while let Some(e) = exprs.pop() {
            match e {
                Expr::AssignExpr { lhs, rhs, .. } => {
                    vars(lhs, out);
                    exprs.push(rhs);
                }
                Expr::ArrayCompr { query, .. }
                | Expr::SetCompr { query, .. }
                | Expr::ObjectCompr { query, .. } => queries.push(query),
                _ => {}
            }
        }
    }
}

/// `import data.a.b` binds `b` to `a.b`; `import data.a.b as c` binds `c`.
fn aliases(m: &Module) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for import in &m.imports {
        let Some(path) = dotted(&import.refr) else {
            continue;
        };
        let Some(target) = path.strip_prefix("data.") else {
            continue;
        };
        let alias = match &import.r#as {
            Some(span) => span.text().to_string(),
            None => target.rsplit('.').next().unwrap_or(target).to_string(),
        };
        out.insert(alias, target.to_string());
    }
    out
}

fn strip_data(p: &str) -> &str {
    p.strip_prefix("data.").unwrap_or(p)
}

/// `a.b.c` for a chain of variables and `.field`s (and `["field"]` with a string), else `None`.
fn dotted(e: &Expr) -> Option<String> {
    match e {
        Expr::Var { value, .. } => value.as_string().ok().map(|s| s.to_string()),
        Expr::RefDot { refr, field, .. } => {
            let base = dotted(refr)?;
            let f = field.1.as_string().ok()?;
            Some(format!("{base}.{f}"))
        }
        Expr::RefBrack { refr, index, .. } => match index.as_ref() {
            Expr::String { value, .. } | Expr::RawString { value, .. } => {
                let base = dotted(refr)?;
                Some(format!("{base}.{}", value.as_string().ok()?))
            }
            _ => None,
        },
        _ => None,
    }
}

fn rule_calls(rule: &Rule, out: &mut Vec<String>) {
    match rule {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { assign, .. } => {
                    if let Some(a) = assign {
                        expr_calls(&a.value, out);
                    }
                }
                RuleHead::Set { key, .. } => {
                    if let Some(k) = key {
                        expr_calls(k, out);
                    }
                }
                RuleHead::Func { args, assign, .. } => {
                    for a in args {
                        expr_calls(a, out);
                    }
                    if let Some(a) = assign {
                        expr_calls(&a.value, out);
                    }
                }
            }
            for body in bodies {
                if let Some(a) = &body.assign {
                    expr_calls(&a.value, out);
                }
                query_calls(&body.query, out);
            }
        }
        Rule::Default { value, .. } => expr_calls(value, out),
    }
}

fn query_calls(q: &Query, out: &mut Vec<String>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    expr_calls(k, out);
                }
                expr_calls(value, out);
                expr_calls(collection, out);
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => expr_calls(expr, out),
            Literal::Every { domain, query, .. } => {
                expr_calls(domain, out);
                query_calls(query, out);
            }
        }
        for w in &stmt.with_mods {
            expr_calls(&w.refr, out);
            expr_calls(&w.r#as, out);
        }
    }
}

/// Collects the called paths in `e`, iteratively (a policy may nest deeply).
fn expr_calls(e: &Ref<Expr>, out: &mut Vec<String>) {
    let mut stack: Vec<&Expr> = vec![e.as_ref()];
    while let Some(e) = stack.pop() {
        match e {
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. } => {}
            Expr::Var { .. } => {
                if let Some(path) = dotted(e) {
                    out.push(path);
                }
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                stack.extend(items.iter().map(|i| i.as_ref()));
            }
            Expr::Object { fields, .. } => {
                for (_, k, v) in fields {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                stack.push(term);
                query_calls(query, out);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                stack.push(key);
                stack.push(value);
                query_calls(query, out);
            }
            Expr::Call { fcn, params, .. } => {
                if let Some(name) = dotted(fcn) {
                    out.push(name);
                }
                stack.extend(params.iter().map(|p| p.as_ref()));
            }
            Expr::UnaryExpr { expr, .. } => stack.push(expr),
            Expr::RefDot { refr, .. } => match dotted(e) {
                Some(path) => out.push(path),
                None => stack.push(refr),
            },
            Expr::RefBrack { refr, index, .. } => match dotted(e) {
                Some(path) => out.push(path),
                None => {
                    stack.push(refr);
                    stack.push(index);
                }
            },
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                stack.push(lhs);
                stack.push(rhs);
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    stack.push(k);
                }
                stack.push(value);
                stack.push(collection);
            }
            // `allow`, not `expect`: reachable when another crate turns the feature on.
            #[allow(
                unreachable_patterns,
                reason = "OrExpr exists only with regorus's rego-extensions feature"
            )]
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(files: &[(&str, &str)]) -> Option<Vec<String>> {
        let mut engine = regorus::Engine::new();
        for (name, text) in files {
            engine
                .add_policy((*name).to_string(), (*text).to_string())
                .unwrap();
        }
        find(engine.get_modules()).map(|r| r.chain)
    }

    #[test]
    fn finds_direct_and_mutual_recursion() {
        let direct = "package p\nf(x) := y if { y := f(x) }\ndeny contains \"x\" if { f(1) }\n";
        assert_eq!(cycle(&[("a.rego", direct)]).unwrap(), ["p.f", "p.f"]);
        let mutual = "package p\nf(x) := y if { y := g(x) }\ng(x) := y if { y := [f(x)] }\n";
        assert_eq!(cycle(&[("a.rego", mutual)]).unwrap(), ["p.f", "p.g", "p.f"]);
        // Across packages, through `data.` and an import alias.
        let a = "package a\nimport data.b as other\nf(x) := other.g(x)\n";
        let b = "package b\ng(x) := y if { some z in [1]; y := data.a.f(z + x) }\n";
        assert_eq!(
            cycle(&[("a.rego", a), ("b.rego", b)]).unwrap(),
            ["a.f", "b.g", "a.f"]
        );
    }

    #[test]
    fn finds_rules_that_depend_on_each_other() {
        let rules = "package p\na if { b }\nb if { a }\n";
        assert_eq!(cycle(&[("a.rego", rules)]).unwrap(), ["p.a", "p.b", "p.a"]);
        let through_value = "package p\nx := y if { y := z.k }\nz := {\"k\": x}\n";
        assert_eq!(
            cycle(&[("a.rego", through_value)]).unwrap(),
            ["p.x", "p.z", "p.x"]
        );
        let via_function = "package p\nf(v) := v if { r }\nr if { f(1) }\n";
        assert_eq!(
            cycle(&[("a.rego", via_function)]).unwrap(),
            ["p.f", "p.r", "p.f"]
        );
    }

    #[test]
    fn local_variables_do_not_shadow_into_edges() {
        let ok = "package p\nimport rego.v1\nx := 1\ny if { some x in [1]; x > 0 }\nz contains v if { v := [w | some w in [1]][0] }\ndeny contains m if { y; m := \"m\"; every q in [1] { q > 0 } }\n";
        assert_eq!(cycle(&[("a.rego", ok)]), None);
        // The bundled pack loads: no false positives on real policies.
        let mut engine = regorus::Engine::new();
        for f in crate::policy::bundled::FILES {
            engine
                .add_policy(f.name.to_string(), f.source.to_string())
                .unwrap();
        }
        assert_eq!(find(engine.get_modules()).map(|r| r.chain), None);
    }

    #[test]
    fn accepts_functions_that_do_not_recurse() {
        let ok = "package p\nf(x) := y if { y := g(x) + count([1]) }\ng(x) := x * 2\ndeny contains m if { m := sprintf(\"%v\", [f(1)]) }\n";
        assert_eq!(cycle(&[("a.rego", ok)]), None);
        // Same name in another package is another function.
        let a = "package a\nf(x) := data.b.f(x)\n";
        let b = "package b\nf(x) := x\n";
        assert_eq!(cycle(&[("a.rego", a), ("b.rego", b)]), None);
    }
}
