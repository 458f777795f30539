//! Mermaid `stateDiagram-v2` (renders inline on GitHub in a ```` ```mermaid ```` block).
//!
//! States are declared with an id and a quoted description (`state "Charge card" as s3`), so
//! any state name works; Parallel branches become concurrent regions (`--`) of a composite
//! state and a Map's processor a composite with one region. Mermaid's state diagrams have no
//! dashed transitions, so a Catch edge says `catch …` in its label instead.

use std::fmt::Write;

use nexus_schema::Severity;

use super::{Machine, Region, To};

/// Text inside a quoted description or after `:` on a transition: Mermaid's entity codes for
/// what would end the statement or the string.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

struct Out {
    buf: String,
    classes: Vec<(String, Severity)>,
    missing: usize,
}

impl Out {
    fn line(&mut self, depth: usize, s: &str) {
        let _ = writeln!(self.buf, "{}{s}", "    ".repeat(depth));
    }

    fn region(&mut self, r: &Region, depth: usize) {
        for s in &r.states {
            self.line(depth, &format!("state \"{}\" as {}", text(&s.name), s.id));
            if let Some((sev, codes)) = &s.finding {
                self.line(depth, &format!("%% {}: {}", s.id, codes.join(", ")));
                self.classes.push((s.id.clone(), *sev));
            }
            if !s.children.is_empty() {
                self.line(depth, &format!("state {} {{", s.id));
                for (i, (_, child)) in s.children.iter().enumerate() {
                    if i > 0 {
                        self.line(depth + 1, "--");
                    }
                    self.region(child, depth + 1);
                }
                self.line(depth, "}");
            }
        }
        if let Some(start) = r.start.and_then(|i| r.states.get(i)) {
            self.line(depth, &format!("[*] --> {}", start.id));
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
                        &format!("state \"{} (missing)\" as {id}", text(name)),
                    );
                    self.classes.push((id.clone(), Severity::Error));
                    id
                }
            };
            match &e.label {
                Some(l) => self.line(depth, &format!("{} --> {to}: {}", from.id, text(l))),
                None => self.line(depth, &format!("{} --> {to}", from.id)),
            }
        }
        for s in r.states.iter().filter(|s| s.terminal) {
            self.line(depth, &format!("{} --> [*]", s.id));
        }
    }
}

/// The whole picture; several machines become one composite state each.
pub fn render(machines: &[Machine]) -> String {
    let mut out = Out {
        buf: String::from("stateDiagram-v2\n"),
        classes: Vec::new(),
        missing: 0,
    };
    if let [only] = machines {
        out.region(&only.root, 1);
    } else {
        for (i, m) in machines.iter().enumerate() {
            let label = m
                .label
                .clone()
                .unwrap_or_else(|| format!("machine {}", i + 1));
            out.line(1, &format!("state \"{}\" as machine{i}", text(&label)));
            out.line(1, &format!("state machine{i} {{"));
            out.region(&m.root, 2);
            out.line(1, "}");
        }
    }
    if !out.classes.is_empty() {
        out.line(
            1,
            "classDef error fill:#f8d7da,stroke:#b00020,stroke-width:2px,color:#000",
        );
        out.line(
            1,
            "classDef warning fill:#fff3cd,stroke:#b26a00,stroke-width:2px,color:#000",
        );
        out.line(1, "classDef note fill:#dbeafe,stroke:#1d4ed8,color:#000");
        for sev in [Severity::Error, Severity::Warning, Severity::Info] {
            let ids: Vec<&str> = out
                .classes
                .iter()
                .filter(|(_, s)| *s == sev)
                .map(|(id, _)| id.as_str())
                .collect();
            if !ids.is_empty() {
                let class = match sev {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                };
                let line = format!("class {} {class}", ids.join(","));
                out.line(1, &line);
            }
        }
    }
    out.buf
}
