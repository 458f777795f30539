//! What the machine-readable renderers (SARIF, GitHub summary, JUnit) need to know about a
//! finding beyond the [`Diagnostic`] itself: the rule's documentation, the state a pointer
//! names, a stable fingerprint, a repository-relative URI.

use std::collections::BTreeMap;

use nexus_schema::{Code, Diagnostic, RuleMeta, Severity, pointer};

use crate::lint_cmd::RunReport;

/// Where the project lives, for `informationUri` and `helpUri` (from the `repository` field of
/// the workspace's Cargo.toml; absent when the manifest does not name one).
pub fn repository() -> Option<&'static str> {
    option_env!("CARGO_PKG_REPOSITORY").filter(|s| !s.is_empty())
}

/// One rule as the renderers describe it: a registered rule, or a code only seen in findings
/// (a user policy's `NX9xx`, a code a newer loader reports).
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub code: Code,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: String,
    /// Markdown documentation (empty for user policies).
    pub docs: String,
}

impl RuleInfo {
    fn from_meta(m: &RuleMeta) -> Self {
        Self {
            code: m.code,
            name: m.name,
            severity: m.severity,
            summary: m.summary.to_string(),
            docs: m.docs(),
        }
    }

    fn from_finding(d: &Diagnostic) -> Self {
        let summary = if d.code.as_str().starts_with("NX9") {
            format!("User policy `{}`.", d.name)
        } else {
            format!("`{}`.", d.name)
        };
        Self {
            code: d.code,
            name: d.name,
            severity: d.severity,
            summary,
            docs: String::new(),
        }
    }

    /// The first section of the docs ("What it does"), as plain text.
    pub fn description(&self) -> String {
        let mut out = Vec::new();
        let mut in_first = false;
        for line in self.docs.lines() {
            if line.starts_with("## ") {
                if in_first {
                    break;
                }
                in_first = true;
                continue;
            }
            if in_first && !line.trim().is_empty() {
                out.push(line.trim());
            }
        }
        if out.is_empty() {
            self.summary.clone()
        } else {
            out.join(" ")
        }
    }

    /// Where the rule is documented online: its heading in `docs/rules.md` (anchor `#nx102`)
    /// at the release tag of this version, so the page describes the rule as this binary has
    /// it. `None` for a code without a page there (a user policy) or without a repository.
    pub fn help_uri(&self) -> Option<String> {
        if self.docs.is_empty() {
            return None;
        }
        repository().map(|r| {
            format!(
                "{}/blob/v{}/docs/rules.md#{}",
                r.trim_end_matches('/'),
                env!("CARGO_PKG_VERSION"),
                self.code.as_str().to_ascii_lowercase()
            )
        })
    }

    /// The documentation as plain text: Markdown headings, code spans and emphasis markers
    /// removed (SARIF `help.text`; `help.markdown` carries the original).
    pub fn docs_text(&self) -> String {
        self.docs
            .lines()
            .map(|line| {
                let line = line.trim_start_matches('#').trim_start();
                line.replace(['`', '*'], "")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The rules that the findings of `report` use, in code order; one per code (a user policy's
/// codes each get their own rule, not one per Rego package).
pub fn rules_used(report: &RunReport) -> Vec<RuleInfo> {
    let registry = crate::rules_cmd::registry();
    let mut by_code: BTreeMap<Code, RuleInfo> = BTreeMap::new();
    for d in report.files.iter().flat_map(|f| &f.diagnostics) {
        by_code
            .entry(d.code)
            .or_insert_with(|| match registry.iter().find(|m| m.code == d.code) {
                Some(m) => RuleInfo::from_meta(m),
                None => RuleInfo::from_finding(d),
            });
    }
    by_code.into_values().collect()
}

/// The name of the innermost state a pointer is inside (`/States/A/Branches/0/States/B/Next`
/// → `B`), for ASL definitions, including those inside templates.
pub fn state_name(ptr: &str) -> Option<String> {
    let tokens = pointer::tokens(ptr);
    let i = tokens.iter().rposition(|t| t == "States")?;
    tokens.get(i + 1).cloned()
}

/// The logical id of the template resource a pointer is inside (`/Resources/Id/...`).
pub fn resource_id(ptr: &str) -> Option<String> {
    let tokens = pointer::tokens(ptr);
    match (tokens.first().map(String::as_str), tokens.get(1)) {
        (Some("Resources"), Some(id)) => Some(id.clone()),
        _ => None,
    }
}

/// 64-bit FNV-1a as 16 hex digits: stable across runs, platforms and Rust versions (unlike
/// `DefaultHasher`), which is what a fingerprint stored by GitHub between runs needs.
pub fn fnv1a_hex(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // A separator that cannot occur in the parts keeps ("ab","c") apart from ("a","bc").
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A path as a repository-relative URI reference: `/` separators, no leading `./`, characters
/// outside RFC 3986's unreserved and sub-delims set percent-encoded. An absolute path under the
/// current directory is made relative (GitHub resolves SARIF URIs against the checkout).
pub fn relative_uri(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    if let Ok(cwd) = std::env::current_dir() {
        let cwd = cwd.to_string_lossy().replace('\\', "/");
        if let Some(rest) = p.strip_prefix(&format!("{}/", cwd.trim_end_matches('/'))) {
            p = rest.to_string();
        }
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    encode_uri_path(&p)
}

/// Percent-encode a `/`-separated path for a URI: bytes outside RFC 3986's unreserved and
/// sub-delims set (and `/`, `:`, `@`) become `%XX`.
pub fn encode_uri_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_innermost_state() {
        assert_eq!(
            state_name("/States/P/Branches/0/States/B/Next").as_deref(),
            Some("B")
        );
        assert_eq!(state_name("/StartAt"), None);
        assert_eq!(
            state_name("/Resources/M/Properties/Definition/States/a~1b").as_deref(),
            Some("a/b")
        );
        assert_eq!(resource_id("/Resources/M/Properties").as_deref(), Some("M"));
    }

    #[test]
    fn fingerprints_are_stable_and_separated() {
        assert_eq!(fnv1a_hex(&[]), "cbf29ce484222325");
        assert_ne!(fnv1a_hex(&["ab", "c"]), fnv1a_hex(&["a", "bc"]));
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(relative_uri("./a b/c%.json"), "a%20b/c%25.json");
        assert_eq!(relative_uri("dir\\x.json"), "dir/x.json");
    }
}
