//! Graphviz DOT (`dot -Tsvg`, `dot -Tpng`).
//!
//! Every scope has its own start (filled dot) and end (ringed dot) markers; a Parallel or Map
//! state is a node followed by a `cluster_` subgraph per branch / processor, entered from the
//! state with a dotted edge. Choice states are diamonds, Catch edges dashed and labelled with
//! the errors they catch; with `--highlight` states with findings are filled (red: error,
//! amber: warning) and carry the codes in their tooltip.

use std::fmt::Write;

use nexus_schema::Severity;
use nexus_schema::ir::StateKind;

use super::{Machine, Region, State, To};

/// A DOT double-quoted string (the DOT language: `\"` is the only escape inside quotes; a
/// backslash before other characters is kept, so it is doubled, and newlines become `\n`).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Out {
    buf: String,
    markers: usize,
    missing: usize,
}

fn node_attrs(s: &State) -> String {
    let (shape, mut style) = match s.kind {
        StateKind::Choice => ("diamond", vec![]),
        StateKind::Succeed => ("box", vec!["rounded", "bold"]),
        StateKind::Fail => ("octagon", vec![]),
        StateKind::Wait => ("box", vec!["rounded", "dashed"]),
        StateKind::Parallel | StateKind::Map => ("box3d", vec![]),
        _ => ("box", vec!["rounded"]),
    };
    let mut attrs = vec![
        format!("label={}", quote(&s.name)),
        format!("shape={shape}"),
    ];
    if let Some((sev, codes)) = &s.finding {
        style.push("filled");
        let fill = match sev {
            Severity::Error => "#f8d7da",
            Severity::Warning => "#fff3cd",
            Severity::Info => "#dbeafe",
        };
        attrs.push(format!("fillcolor={}", quote(fill)));
        attrs.push(format!("tooltip={}", quote(&codes.join(", "))));
    }
    if !style.is_empty() {
        attrs.push(format!("style={}", quote(&style.join(","))));
    }
    attrs.join(", ")
}

impl Out {
    fn line(&mut self, depth: usize, s: &str) {
        let _ = writeln!(self.buf, "{}{s}", "  ".repeat(depth));
    }

    /// Print a region; returns the ids of its start and end markers.
    fn region(&mut self, r: &Region, depth: usize) -> (String, String) {
        let start = format!("start{}", self.markers);
        let end = format!("end{}", self.markers);
        self.markers += 1;
        self.line(
            depth,
            &format!(
                "{start} [shape=circle, style=filled, fillcolor=black, label=\"\", width=0.2];"
            ),
        );
        self.line(
            depth,
            &format!(
                "{end} [shape=doublecircle, style=filled, fillcolor=black, label=\"\", width=0.15];"
            ),
        );
        for s in &r.states {
            self.line(depth, &format!("{} [{}];", s.id, node_attrs(s)));
            for (i, (caption, child)) in s.children.iter().enumerate() {
                self.line(depth, &format!("subgraph cluster_{}_{i} {{", s.id));
                self.line(
                    depth + 1,
                    &format!(
                        "label={}; style=\"rounded,dashed\"; color=gray40;",
                        quote(caption)
                    ),
                );
                let (cs, _) = self.region(child, depth + 1);
                self.line(depth, "}");
                self.line(
                    depth,
                    &format!("{} -> {cs} [style=dotted, arrowhead=none];", s.id),
                );
            }
        }
        if let Some(first) = r.start.and_then(|i| r.states.get(i)) {
            self.line(depth, &format!("{start} -> {};", first.id));
        }
        for e in &r.edges {
            let Some(from) = r.states.get(e.from) else {
                continue;
            };
            let to = match &e.to {
                To::State(i) => match r.states.get(*i) {
                    Some(t) => t.id.clone(),
                    None => continue,
                },
                To::Missing(name) => {
                    let id = format!("missing{}", self.missing);
                    self.missing += 1;
                    self.line(
                        depth,
                        &format!("{id} [label={}, shape=box, style=\"dashed,filled\", fillcolor=\"#f8d7da\", color=\"#b00020\"];", quote(&format!("{name} (missing)"))),
                    );
                    id
                }
            };
            let mut attrs = Vec::new();
            if let Some(l) = &e.label {
                attrs.push(format!("label={}", quote(l)));
            }
            if e.catch {
                attrs.push("style=dashed".to_string());
                attrs.push("color=\"#b00020\"".to_string());
                attrs.push("fontcolor=\"#b00020\"".to_string());
            }
            if attrs.is_empty() {
                self.line(depth, &format!("{} -> {to};", from.id));
            } else {
                self.line(
                    depth,
                    &format!("{} -> {to} [{}];", from.id, attrs.join(", ")),
                );
            }
        }
        for s in r.states.iter().filter(|s| s.terminal) {
            self.line(depth, &format!("{} -> {end};", s.id));
        }
        (start, end)
    }
}

/// The whole picture: one `digraph`, one cluster per machine when there are several.
pub fn render(machines: &[Machine]) -> String {
    let title = match machines {
        [only] => only.label.clone().unwrap_or_else(|| "state machine".into()),
        _ => "state machines".into(),
    };
    let mut out = Out {
        buf: String::new(),
        markers: 0,
        missing: 0,
    };
    out.line(0, &format!("digraph {} {{", quote(&title)));
    out.line(1, "rankdir=TB;");
    out.line(1, "node [fontname=\"Helvetica\", fontsize=11];");
    out.line(1, "edge [fontname=\"Helvetica\", fontsize=9];");
    if let [only] = machines {
        out.region(&only.root, 1);
    } else {
        for (i, m) in machines.iter().enumerate() {
            let label = m
                .label
                .clone()
                .unwrap_or_else(|| format!("machine {}", i + 1));
            out.line(1, &format!("subgraph cluster_machine{i} {{"));
            out.line(2, &format!("label={};", quote(&label)));
            out.region(&m.root, 2);
            out.line(1, "}");
        }
    }
    out.line(0, "}");
    out.buf
}
