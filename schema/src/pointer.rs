//! JSON Pointer (RFC 6901) helpers: building pointers from keys and indexes, and splitting
//! them back into tokens. State names may contain `/` and `~`, so every key is escaped.

/// Escape one reference token: `~` → `~0`, `/` → `~1` (in that order, per RFC 6901 §4).
pub fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

/// Undo [`escape`]: `~1` → `/`, then `~0` → `~`.
pub fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_string()
    }
}

/// `base` + `/` + escaped `key`.
pub fn push(base: &str, key: &str) -> String {
    let mut s = String::with_capacity(base.len() + key.len() + 1);
    s.push_str(base);
    push_token(&mut s, key);
    s
}

/// Append `/` and the escaped `key` to `pointer` in place (the loaders' and the policy
/// input's hot loops).
pub fn push_token(pointer: &mut String, key: &str) {
    pointer.push('/');
    if key.contains(['~', '/']) {
        pointer.push_str(&escape(key));
    } else {
        pointer.push_str(key);
    }
}

/// `base` + `/` + `index`.
pub fn push_index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

/// Build a pointer from unescaped tokens.
pub fn from_tokens<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut s = String::new();
    for t in tokens {
        s.push('/');
        s.push_str(&escape(t.as_ref()));
    }
    s
}

/// Split a pointer into unescaped tokens (`""` → no tokens).
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(unescape)
        .collect()
}

/// The parent pointer (`"/a/b"` → `"/a"`, `"/a"` → `""`, `""` → `None`).
pub fn parent(pointer: &str) -> Option<&str> {
    pointer.rfind('/').map(|i| &pointer[..i])
}

/// The last token, unescaped.
pub fn last(pointer: &str) -> Option<String> {
    pointer.rfind('/').map(|i| unescape(&pointer[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_awkward_names() {
        let p = from_tokens(["States", "a/b~c", "Next"]);
        assert_eq!(p, "/States/a~1b~0c/Next");
        assert_eq!(tokens(&p), vec!["States", "a/b~c", "Next"]);
        assert_eq!(unescape("~01"), "~1");
    }
}
