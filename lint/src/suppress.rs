//! Suppressions: findings the user has looked at and accepted, each with a reason.
//!
//! Three forms, because JSON has no comments:
//! - configuration entries ([`ConfigSuppression`]): a code, a glob over file paths, an
//!   optional JSON Pointer (the finding's pointer or anything below it), a reason;
//! - `nexus:ignore NX301[,NX302] reason` inside a `Comment` field (ASL allows `Comment` on
//!   every state and on the top level): suppresses those codes within that state, or in the
//!   whole document for the top-level `Comment`;
//! - `# nexus:ignore NX301 reason` YAML comments: at the end of a line they cover the node
//!   that starts on that line (and everything inside it); on a line of their own, the node
//!   that starts on the next line.
//!
//! Codes may be given by code (`NX301`) or name (`task-without-timeout`). A directive
//! without a reason is NX041; a suppression that matched nothing is NX040 (ruff's
//! "unused noqa"), so stale suppressions do not pile up.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use nexus_schema::{Diagnostic, Document, LineIndex, SourceFormat, TextRange};

use crate::rule::RuleMeta;

nexus_schema::declare_code! {
    /// ## What it does
    /// Reports `nexus:ignore` directives (in `Comment` fields or YAML comments) and configuration
    /// `[[ignore]]` entries that suppressed nothing in this run.
    /// ## Why is this bad?
    /// A stale suppression silently hides the next real finding of that code at that place.
    /// ## Example
    /// `"Comment": "nexus:ignore NX301 legacy"` on a state that now has a `TimeoutSeconds`.
    static UNUSED = {
        code: NX040,
        name: "unused-suppression",
        severity: Warning,
        summary: "A suppression that no longer matches any finding.",
    }
}

nexus_schema::declare_code! {
    /// ## What it does
    /// Reports `nexus:ignore` directives that name no code, or give no reason after the codes.
    /// ## Why is this bad?
    /// Suppressions are reviewed decisions; one without a reason cannot be reviewed, and one
    /// without a code would hide everything.
    /// ## Example
    /// `# nexus:ignore NX301` (no reason).
    static INVALID = {
        code: NX041,
        name: "invalid-suppression",
        severity: Warning,
        summary: "A `nexus:ignore` directive without a code or a reason.",
    }
}

/// Metadata of the suppression codes.
pub fn metas() -> Vec<&'static RuleMeta> {
    vec![&UNUSED, &INVALID]
}

/// A suppression from the configuration file.
#[derive(Debug)]
pub struct ConfigSuppression {
    /// Codes or names.
    pub codes: Vec<String>,
    /// Glob over file paths (relative to `base`); `None` = every file.
    pub path: Option<globset::GlobMatcher>,
    /// The finding's pointer (in the file as written) or an ancestor of it.
    pub pointer: Option<String>,
    pub reason: String,
    /// Directory the glob is relative to (the configuration file's).
    pub base: PathBuf,
    /// Where the entry is, for the unused warning (`nexus.toml: ignore[2]`).
    pub origin: String,
    /// How many findings it suppressed (over the whole run).
    pub hits: AtomicUsize,
}

impl ConfigSuppression {
    fn matches_file(&self, path: &str) -> bool {
        let Some(glob) = &self.path else { return true };
        let p = Path::new(path);
        let p = p.strip_prefix("./").unwrap_or(p);
        if glob.is_match(p) {
            return true;
        }
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        };
        abs.strip_prefix(&self.base)
            .is_ok_and(|rel| glob.is_match(rel))
    }

    /// Findings this entry suppressed so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }
}

fn code_matches(codes: &[String], d: &Diagnostic) -> bool {
    codes
        .iter()
        .any(|c| c.eq_ignore_ascii_case(d.code.as_str()) || c == d.name)
}

/// `p` is `prefix` or lies below it.
fn under(p: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || p == prefix
        || p.strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// One in-document directive.
struct Directive {
    codes: Vec<String>,
    scope: Scope,
    /// Where to report it if unused.
    pointer: String,
    span: Option<TextRange>,
    hits: usize,
}

enum Scope {
    /// Findings at or below this source pointer.
    Pointer(String),
    /// Findings whose span starts in this byte range.
    Range(TextRange),
}

/// Split `nexus:ignore A,B reason...` into codes and reason. `None` when the text has no
/// directive.
fn parse_directive(text: &str) -> Option<(Vec<String>, String)> {
    let at = text.find("nexus:ignore")?;
    let rest = &text[at + "nexus:ignore".len()..];
    let mut codes = Vec::new();
    let mut words = rest.split_whitespace().peekable();
    let mut consumed = 0;
    while let Some(w) = words.peek() {
        let parts: Vec<&str> = w.split(',').filter(|s| !s.is_empty()).collect();
        let looks_like_code = !parts.is_empty() && parts.iter().all(|p| is_code_like(p));
        if !looks_like_code {
            break;
        }
        codes.extend(parts.iter().map(|s| s.to_string()));
        consumed += 1;
        words.next();
    }
    let reason: Vec<&str> = rest.split_whitespace().skip(consumed).collect();
    Some((codes, reason.join(" ")))
}

/// `NX301` or a kebab-case rule name.
fn is_code_like(s: &str) -> bool {
    crate::policy::valid_code_str(s)
        || (s.contains('-')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

/// Apply suppressions to one document's (located) diagnostics. Returns how many were
/// suppressed; appends NX040/NX041 findings for unused and malformed directives.
pub fn apply(
    doc: &Document,
    diags: &mut Vec<Diagnostic>,
    config: &[std::sync::Arc<ConfigSuppression>],
    enabled: &dyn Fn(&str, &str) -> bool,
) -> usize {
    let mut problems = Vec::new();
    // Every directive contains this text; most files have none, and finding them walks the
    // whole document.
    let mut directives = Vec::new();
    if doc.source.contains("nexus:ignore") {
        directives = comment_directives(doc, &mut problems);
        if doc.format == SourceFormat::Yaml {
            directives.extend(yaml_directives(doc, &mut problems));
        }
    }
    let file_config: Vec<&std::sync::Arc<ConfigSuppression>> = config
        .iter()
        .filter(|c| c.matches_file(&doc.path))
        .collect();
    let before = diags.len();
    diags.retain(|d| {
        for dir in directives.iter_mut() {
            let inside = match &dir.scope {
                Scope::Pointer(p) => under(&d.pointer, p),
                Scope::Range(r) => d
                    .span
                    .is_some_and(|s| s.start >= r.start && s.start < r.end.max(r.start + 1)),
            };
            if inside && code_matches(&dir.codes, d) {
                dir.hits += 1;
                return false;
            }
        }
        !config_suppresses(&file_config, d)
    });
    let suppressed = before - diags.len();
    for dir in directives {
        let live: Vec<&String> = dir.codes.iter().filter(|c| enabled(c, c)).collect();
        if dir.hits == 0 && !live.is_empty() {
            let codes: Vec<&str> = dir.codes.iter().map(String::as_str).collect();
            let mut d = UNUSED.at(
                "",
                format!("`nexus:ignore {}` suppresses nothing here", codes.join(",")),
            );
            d.pointer = dir.pointer;
            d.span = dir.span;
            diags.push(d.help("remove the directive, or fix the code it names"));
        }
    }
    diags.extend(problems);
    suppressed
}

/// Whether a configuration entry for this file suppresses `d` (and count the hit).
fn config_suppresses(file_config: &[&std::sync::Arc<ConfigSuppression>], d: &Diagnostic) -> bool {
    for c in file_config {
        if code_matches(&c.codes, d) && c.pointer.as_deref().is_none_or(|p| under(&d.pointer, p)) {
            c.hits.fetch_add(1, Ordering::Relaxed);
            return true;
        }
    }
    false
}

/// [`apply`] for the findings of a file that holds no document to read directives from (a
/// syntax error, a file that is not a workflow): only configuration entries apply.
pub fn apply_config(
    path: &str,
    diags: &mut Vec<Diagnostic>,
    config: &[std::sync::Arc<ConfigSuppression>],
) -> usize {
    let file_config: Vec<&std::sync::Arc<ConfigSuppression>> =
        config.iter().filter(|c| c.matches_file(path)).collect();
    let before = diags.len();
    diags.retain(|d| !config_suppresses(&file_config, d));
    before - diags.len()
}

/// Suppressions in a CloudFormation/SAM resource's `Metadata`, as cfn-lint users keep theirs:
///
/// ```yaml
/// Metadata:
///   nexus:
///     ignore:
///       - NX301 the poller has its own watchdog          # code(s), then the reason
///       - {code: NX102, reason: kept for the rollback, pointer: /States/Old}
/// ```
///
/// `pointer` (optional) limits an entry to a part of the definition (a pointer into the
/// definition, as in `--format json` output relative to it).
#[derive(Debug)]
pub struct MetadataSuppressions {
    entries: Vec<MetaEntry>,
    /// Malformed entries (NX041), located in the template.
    problems: Vec<Diagnostic>,
}

#[derive(Debug)]
struct MetaEntry {
    codes: Vec<String>,
    /// Source pointer (from the file root of the definition) the entry is limited to.
    scope: Option<String>,
    /// The entry's pointer and span in the template.
    pointer: String,
    span: Option<TextRange>,
    hits: usize,
}

impl MetadataSuppressions {
    /// Read `nexus.ignore` of a resource's metadata for the definition `doc`.
    pub fn read(doc: &Document, meta: &nexus_schema::template::ResourceMetadata) -> Self {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        let list_ptr = format!("{}/nexus/ignore", meta.pointer);
        let span_at = |p: &str| meta.locations.get(p).map(|l| l.value);
        let list = meta.value.get("nexus").and_then(|n| n.get("ignore"));
        let items: Vec<&serde_json::Value> = match list {
            Some(serde_json::Value::Array(a)) => a.iter().collect(),
            Some(other) => vec![other],
            None => Vec::new(),
        };
        for (i, item) in items.iter().enumerate() {
            let pointer = if matches!(list, Some(serde_json::Value::Array(_))) {
                format!("{list_ptr}/{i}")
            } else {
                list_ptr.clone()
            };
            let parsed = match item {
                serde_json::Value::String(text) => {
                    parse_directive(&format!("nexus:ignore {text}")).map(|(c, r)| (c, r, None))
                }
                serde_json::Value::Object(o) => {
                    let mut codes: Vec<String> = o
                        .get("codes")
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|c| c.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    if let Some(c) = o.get("code").and_then(|v| v.as_str()) {
                        codes.push(c.to_string());
                    }
                    let reason = o
                        .get("reason")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    let scope = o.get("pointer").and_then(|v| v.as_str()).map(|p| {
                        if p.is_empty() || p.starts_with('/') {
                            doc.source_pointer(p)
                        } else {
                            doc.source_pointer(&format!("/{p}"))
                        }
                    });
                    Some((codes, reason, scope))
                }
                _ => None,
            };
            let problem = match &parsed {
                None => {
                    Some("a Metadata suppression is a string `NX301 reason` or `{code, reason}`")
                }
                Some((codes, _, _)) if codes.is_empty() => {
                    Some("the Metadata suppression names no code")
                }
                Some((_, reason, _)) if reason.is_empty() => {
                    Some("the Metadata suppression gives no reason")
                }
                Some(_) => None,
            };
            if let Some(message) = problem {
                let mut d = INVALID.at("", message);
                d.pointer = pointer.clone();
                d.span = span_at(&pointer);
                problems.push(d.help("write `- NX301 <why this is acceptable>` under `Metadata: {nexus: {ignore: [...]}}`"));
                continue;
            }
            if let Some((codes, _, scope)) = parsed {
                entries.push(MetaEntry {
                    codes,
                    scope,
                    span: span_at(&pointer),
                    pointer,
                    hits: 0,
                });
            }
        }
        Self { entries, problems }
    }

    /// Remove the findings the entries cover; returns how many.
    pub fn apply(&mut self, diags: &mut Vec<Diagnostic>) -> usize {
        let before = diags.len();
        diags.retain(|d| {
            for e in self.entries.iter_mut() {
                if code_matches(&e.codes, d)
                    && e.scope.as_deref().is_none_or(|p| under(&d.pointer, p))
                {
                    e.hits += 1;
                    return false;
                }
            }
            true
        });
        before - diags.len()
    }

    /// NX041 for malformed entries and NX040 for entries that suppressed nothing; pointers
    /// and spans are in the template file.
    pub fn findings(self, enabled: &dyn Fn(&str, &str) -> bool) -> Vec<Diagnostic> {
        let mut out = self.problems;
        for e in self.entries {
            if e.hits == 0 && e.codes.iter().any(|c| enabled(c, c)) {
                let mut d = UNUSED.at(
                    "",
                    format!(
                        "the Metadata suppression of {} suppresses nothing",
                        e.codes.join(",")
                    ),
                );
                d.pointer = e.pointer;
                d.span = e.span;
                out.push(d.help("remove the entry, or fix the code it names"));
            }
        }
        out
    }
}

fn comment_directives(doc: &Document, problems: &mut Vec<Diagnostic>) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut visit = |asl_ptr: &str, comment_ptr: String, text: &str| {
        let Some((codes, reason)) = parse_directive(text) else {
            return;
        };
        let src_comment = doc.source_pointer(&comment_ptr);
        let span = doc.span_of(&comment_ptr, false);
        if codes.is_empty() || reason.is_empty() {
            let mut d = INVALID.at(
                "",
                if codes.is_empty() {
                    "`nexus:ignore` names no code"
                } else {
                    "`nexus:ignore` gives no reason"
                },
            );
            d.pointer = src_comment;
            d.span = span;
            problems.push(d.help("write `nexus:ignore NX301 <why this is acceptable>`"));
            return;
        }
        let scope = if asl_ptr.is_empty() {
            String::new()
        } else {
            doc.source_pointer(asl_ptr)
        };
        out.push(Directive {
            codes,
            scope: Scope::Pointer(scope),
            pointer: src_comment,
            span,
            hits: 0,
        });
    };
    if let Some(c) = doc.asl.get("Comment").and_then(|v| v.as_str()) {
        visit("", "/Comment".into(), c);
    }
    let ir = nexus_schema::ir::Workflow::from_asl(&doc.asl);
    for (scope, n) in ir.states() {
        let node = scope.node(n);
        let state = crate::policy::input::pointer_get(&doc.asl, &node.pointer);
        if let Some(c) = state
            .and_then(|s| s.get("Comment"))
            .and_then(|v| v.as_str())
        {
            visit(&node.pointer, format!("{}/Comment", node.pointer), c);
        }
    }
    out
}

/// `# nexus:ignore` comments of a YAML document.
fn yaml_directives(doc: &Document, problems: &mut Vec<Diagnostic>) -> Vec<Directive> {
    let text: &str = &doc.source;
    let index = LineIndex::new(text);
    let bounds = doc
        .locations
        .get(&doc.base)
        .map(|l| l.value)
        .unwrap_or(TextRange::new(0, text.len()));
    // An end-of-line comment after the document's last node is still about that line: the
    // document's lines run to the end of the line its last node ends on.
    let bounds_end = text
        .get(bounds.end..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| bounds.end + i);
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            v.push((start, line));
            start += line.len();
        }
        v
    };
    let mut out = Vec::new();
    for (i, (start, line)) in lines.iter().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = &line[hash..];
        let Some((codes, reason)) = parse_directive(comment) else {
            continue;
        };
        let abs = start + hash;
        if abs < bounds.start || abs > bounds_end {
            continue;
        }
        let span = TextRange::new(abs, start + line.trim_end().len());
        if codes.is_empty() || reason.is_empty() {
            let mut d = INVALID.at(
                "",
                if codes.is_empty() {
                    "`nexus:ignore` names no code"
                } else {
                    "`nexus:ignore` gives no reason"
                },
            );
            d.pointer = doc.base.clone();
            d.span = Some(span);
            problems.push(d.help("write `# nexus:ignore NX301 <why this is acceptable>`"));
            continue;
        }
        // Own line: the directive is about the next line with content.
        let own_line = line[..hash].trim().is_empty();
        let target = if own_line {
            lines.iter().skip(i + 1).find(|(_, l)| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
        } else {
            Some(&lines[i])
        };
        let Some((tstart, tline)) = target else {
            continue;
        };
        let line_end = tstart + tline.len();
        let line_no = index.line_col(text, *tstart).line;
        // The widest node that starts on the target line.
        let mut end = line_end;
        for (_, loc) in doc.locations.iter() {
            let begin = loc.key.map_or(loc.value.start, |k| k.start);
            if begin >= *tstart && begin < line_end && index.line_col(text, begin).line == line_no {
                end = end.max(loc.value.end);
            }
        }
        out.push(Directive {
            codes,
            scope: Scope::Range(TextRange::new(*tstart, end)),
            pointer: doc.base.clone(),
            span: Some(span),
            hits: 0,
        });
    }
    out
}

/// Byte offset of a `#` comment in a YAML line: at the start or after whitespace, outside
/// quotes.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && (prev.is_whitespace() || matches!(prev, ':' | '[' | '{' | ',' | '-')) =>
            {
                quote = Some(c)
            }
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        assert_eq!(
            parse_directive("x nexus:ignore NX301,NX302 legacy job"),
            Some((vec!["NX301".into(), "NX302".into()], "legacy job".into()))
        );
        assert_eq!(
            parse_directive("nexus:ignore task-without-timeout ok"),
            Some((vec!["task-without-timeout".into()], "ok".into()))
        );
        assert_eq!(
            parse_directive("nexus:ignore NX301"),
            Some((vec!["NX301".into()], String::new()))
        );
        assert_eq!(parse_directive("no directive"), None);
    }

    #[test]
    fn finds_yaml_comments() {
        assert_eq!(comment_start("a: 1 # nexus:ignore"), Some(5));
        assert_eq!(comment_start("# own line"), Some(0));
        assert_eq!(comment_start("  # own line"), Some(2));
        assert_eq!(comment_start("a: 'x # y'"), None);
        assert_eq!(comment_start("a: x#y"), None);
    }

    #[test]
    fn pointer_prefix_respects_boundaries() {
        assert!(under("/states/1/x", "/states/1"));
        assert!(!under("/states/10", "/states/1"));
        assert!(under("/anything", ""));
    }
}
