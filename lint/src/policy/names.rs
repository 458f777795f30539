//! Conftest rule names and Rego references, and the bundled pack's identity: plain `std`
//! code shared by the library and `lint/build.rs`, which compiles the bundled pack for the
//! virtual machine at build time (included there with `#[path]`).

/// The kind of a conftest rule, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RuleKind {
    Deny,
    Violation,
    Warn,
}

/// The file name regorus sees for a bundled policy file (`name` as in `policies/`).
pub(crate) fn bundled_path(name: &str) -> String {
    format!("<bundled>/policies/{name}")
}

/// Builtins that build a collection whose size an argument chooses (see
/// `rego::MAX_BUILT_ITEMS`): a program that calls them runs on the interpreter, where the
/// bounded replacements live.
pub(crate) const BOUNDED_BUILTINS: &[&str] = &["numbers.range", "numbers.range_step"];

/// `deny`, `warn_x`, ... as (kind, suffix); `None` for other names.
pub(crate) fn classify(name: &str) -> Option<(RuleKind, String)> {
    for (prefix, kind) in [
        ("deny", RuleKind::Deny),
        ("violation", RuleKind::Violation),
        ("warn", RuleKind::Warn),
    ] {
        if name == prefix {
            return Some((kind, String::new()));
        }
        if let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_'))
            && !rest.is_empty()
        {
            return Some((kind, rest.to_string()));
        }
    }
    None
}

/// Candidate rule names declared in a file: identifiers at the start of a line that look like
/// conftest rules (or `exception`). Each is confirmed with regorus before use.
pub(crate) fn candidate_rules(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for line in text.lines() {
        let t = line.trim_start();
        let ident: String = t
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident == "exception" || classify(&ident).is_some() {
            out.insert(ident);
        }
    }
    out
}

/// A Rego reference for a package plus a rule: `data.a.b.rule`, with bracket notation (a
/// JSON string) for components that are not identifiers.
pub(crate) fn rule_path(components: &[String], rule: &str) -> String {
    let mut s = String::from("data");
    for c in components.iter().map(String::as_str).chain([rule]) {
        if is_identifier(c) {
            s.push('.');
            s.push_str(c);
        } else {
            s.push('[');
            push_json_string(&mut s, c);
            s.push(']');
        }
    }
    s
}

fn is_identifier(c: &str) -> bool {
    !c.is_empty()
        && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && !c.starts_with(|ch: char| ch.is_ascii_digit())
}

/// The package (dotted) and rule of a reference [`rule_path`] built from identifiers only;
/// `None` for any other reference.
pub(crate) fn split_rule_path(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("data.")?;
    let (pkg, rule) = rest.rsplit_once('.')?;
    (pkg.split('.').all(is_identifier) && is_identifier(rule))
        .then(|| (pkg.to_string(), rule.to_string()))
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Identity of a set of policy files (FNV-1a over names and texts, in the order given): the
/// build-time program is used only for exactly the files it was compiled from.
pub(crate) fn fingerprint<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (name, text) in files {
        eat(&(name.len() as u64).to_le_bytes());
        eat(name.as_bytes());
        eat(&(text.len() as u64).to_le_bytes());
        eat(text.as_bytes());
    }
    h
}
