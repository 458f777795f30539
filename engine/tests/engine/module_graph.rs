//! The engine's modules form no cycle (issue #11: laid out by phase, compile → run → log,
//! handlers beside them). Reads `engine/src/**/*.rs`, takes every `crate::…` and `super::…`
//! path outside comments and `#[cfg(test)]` blocks, resolves it to the longest module it names,
//! and fails on any strongly connected component of more than one module, at two levels:
//! - every file module (an edge between a module and its own ancestor does not count: a
//!   parent declares its children and re-exports from them; `states/mod.rs` ↔ `states/pass.rs`
//!   is the facade pattern, not a tangle);
//! - the top-level modules of the crate (`compile`, `run`, `log`, `handlers`, and the shared
//!   `clock`, `error`, `expr`, `io`), where no edge is excused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`crate::run::states::pass`) → the module paths it uses.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            // `src/bin` holds separate crates.
            if p.file_name().is_some_and(|n| n != "bin") {
                rs_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/run/states/mod.rs` → `crate::run::states`; `src/lib.rs` → `crate`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    std::iter::once("crate".to_owned())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

/// The source with comments and everything from the first `#[cfg(test)]` on removed (tests
/// sit at the end of a file and may use anything).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line.split(" // ").next().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Paths after `prefix` (`crate::` or `super::`), with `{a::b, c}` groups expanded one level.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `foo_crate::`, not a path root
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let segs = segments(item.trim());
                if !segs.is_empty() {
                    out.push(segs);
                }
            }
        } else {
            out.push(segments(rest));
        }
    }
    out
}

fn segments(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let n = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if n == 0 {
            break;
        }
        segs.push(rest[..n].to_owned());
        match rest[n..].strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    segs
}

fn is_ancestor(a: &str, b: &str) -> bool {
    b.strip_prefix(a).is_some_and(|r| r.starts_with("::"))
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut g = Graph::new();
    for f in &files {
        let me = module_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let code = code_of(&text);
        let mut uses = BTreeSet::new();
        let parent = me.rsplit_once("::").map_or("crate", |(p, _)| p).to_owned();
        let mut full: Vec<Vec<String>> = paths_after(&code, "crate::")
            .into_iter()
            .map(|p| std::iter::once("crate".to_owned()).chain(p).collect())
            .collect();
        for p in paths_after(&code, "super::") {
            let mut base: Vec<String> = parent.split("::").map(str::to_owned).collect();
            base.extend(p);
            full.push(base);
        }
        for p in full {
            // The longest prefix of the path that is a module of this crate.
            let target = (1..=p.len())
                .rev()
                .map(|n| p[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(t) = target
                && t != me
                && t != "crate"
            {
                uses.insert(t);
            }
        }
        g.insert(me, uses);
    }
    g
}

/// Strongly connected components of more than one node (Tarjan).
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    struct T<'g> {
        g: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(t: &mut T<'g>, v: &'g str) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn show(g: &Graph, comps: &[Vec<String>]) -> String {
    let mut s = String::new();
    for c in comps {
        s.push_str("cycle:\n");
        for m in c {
            for u in g.get(m).into_iter().flatten().filter(|u| c.contains(u)) {
                s.push_str(&format!("  {m} -> {u}\n"));
            }
        }
    }
    s
}

#[test]
fn file_modules_form_no_cycle() {
    let g = graph();
    assert!(g.len() > 20, "found only {} modules under src/", g.len());
    let g: Graph = g
        .into_iter()
        .map(|(m, uses)| {
            let uses = uses
                .into_iter()
                .filter(|u| !is_ancestor(u, &m) && !is_ancestor(&m, u))
                .collect();
            (m, uses)
        })
        .collect();
    let comps = cycles(&g);
    assert!(
        comps.is_empty(),
        "module cycles in nexus-engine:\n{}",
        show(&g, &comps)
    );
}

#[test]
fn phases_form_no_cycle() {
    let top = |m: &str| m.split("::").take(2).collect::<Vec<_>>().join("::");
    let mut g = Graph::new();
    for (m, uses) in graph() {
        let entry = g.entry(top(&m)).or_default();
        entry.extend(uses.iter().map(|u| top(u)).filter(|u| *u != top(&m)));
    }
    for phase in [
        "crate::compile",
        "crate::run",
        "crate::log",
        "crate::handlers",
    ] {
        assert!(g.contains_key(phase), "no module {phase}");
    }
    let comps = cycles(&g);
    assert!(
        comps.is_empty(),
        "phase cycles in nexus-engine:\n{}",
        show(&g, &comps)
    );
}

#[test]
fn checker_sees_a_cycle() {
    // The checker itself can fail: a two-module loop and a group path are found.
    let code = "use crate::{a::X, b};\nuse super::c::Y;\n";
    let found: Vec<Vec<String>> = paths_after(code, "crate::");
    assert_eq!(
        found,
        vec![vec!["a".to_owned(), "X".to_owned()], vec!["b".to_owned()]]
    );
    let g: Graph = [
        (
            "crate::a".to_owned(),
            BTreeSet::from(["crate::b".to_owned()]),
        ),
        (
            "crate::b".to_owned(),
            BTreeSet::from(["crate::a".to_owned()]),
        ),
        (
            "crate::c".to_owned(),
            BTreeSet::from(["crate::a".to_owned()]),
        ),
    ]
    .into();
    assert_eq!(
        cycles(&g),
        vec![vec!["crate::a".to_owned(), "crate::b".to_owned()]]
    );
}
