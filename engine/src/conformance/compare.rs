//! How a result is compared with an AWS recording whose values were partly replaced.
//!
//! The corpus was recorded through LocalStack's snapshot tests, which rewrite what differs
//! between runs before storing it ("snapshot transformers"). A value we produce is compared
//! loosely exactly where the recording says a rewrite happened, and strictly everywhere else:
//!
//! - `meta.placeholders.expected` paths (`$.output.a.b`): any value is accepted there;
//! - `JsonpathTransformer($..a.b)` entries of `meta.snapshot_transformers`: the values at
//!   those paths were replaced; any value is accepted there. The expected result is taken
//!   from the history, so `output` is the ExecutionSucceeded event's
//!   `executionSucceededEventDetails.output` for these paths;
//! - `RegexTransformer->NAME` entries: parts of strings were replaced by `NAME`; an expected
//!   string holding `NAME` matches ours with any non-empty text in its place;
//! - LocalStack's built-in rewrites: `<name>` / `<name:N>` tokens (uuids, ARN parts, region,
//!   partition) match any non-empty text, the value of a key may be replaced by the key's
//!   own name (`"RequestId": "RequestId"`, `"ExecutionArn": "execution-arn"`), and ISO
//!   timestamps became `date`;
//! - for runs whose Task results come from a mock configuration, the recording's own
//!   `localstack_skip_snapshot_verify` paths (`$..SdkHttpMetadata`, ...) are not compared:
//!   they hold what the real service added and a mock, by design, cannot produce.

use serde_json::{Map, Value};

/// What may be compared loosely for one case.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loose {
    /// Paths from the expected document's root (`["output", "a"]`).
    pub(crate) placeholders: Vec<Vec<String>>,
    /// `$..` path patterns whose values were replaced.
    pub(crate) replaced: Vec<Pattern>,
    /// `$..` path patterns not compared at all.
    pub(crate) skipped: Vec<Pattern>,
    /// Replacement names of regex transformers.
    pub(crate) names: Vec<String>,
    /// The definition held stand-ins (`nxmock:...`) for values the recorded test computed
    /// at run time (`meta.definition_runtime_values`): a value we copied from one matches
    /// whatever the recording holds.
    pub(crate) runtime_values: bool,
}

/// A `$..a.b..c` path: groups of consecutive keys, each group anywhere below the previous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern(Vec<Vec<String>>);

impl Pattern {
    /// Parses `$..events..x.y`, `$..events[4].x` (indexes become keys), `$.a.b`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix('$')?;
        let mut groups: Vec<Vec<String>> = Vec::new();
        for (i, part) in rest.split("..").enumerate() {
            let mut keys = Vec::new();
            for k in part.split('.').filter(|k| !k.is_empty()) {
                match k.split_once('[') {
                    Some((name, idx)) => {
                        if !name.is_empty() {
                            keys.push(name.to_string());
                        }
                        keys.push(idx.trim_end_matches(']').to_string());
                    }
                    None => keys.push(k.to_string()),
                }
            }
            if keys.is_empty() {
                continue;
            }
            // `$.a.b` (no leading `..`) is anchored at the root: mark it with an empty key.
            if i == 0 {
                keys.insert(0, String::new());
            }
            groups.push(keys);
        }
        (!groups.is_empty()).then_some(Self(groups))
    }

    /// Whether `path` (keys from the root, the root itself as an empty first key) ends in a
    /// match of the pattern.
    pub(crate) fn matches(&self, path: &[String]) -> bool {
        let mut from = 0usize;
        let last = self.0.len().saturating_sub(1);
        for (gi, g) in self.0.iter().enumerate() {
            let Some(first) = g.first() else { continue };
            let anchored = first.is_empty();
            let keys: &[String] = if anchored {
                g.get(1..).unwrap_or(&[])
            } else {
                g
            };
            if gi == last {
                let Some(start) = path.len().checked_sub(keys.len()) else {
                    return false;
                };
                if start < from || (anchored && start != 1) {
                    return false;
                }
                return path.get(start..) == Some(keys);
            }
            let found = (from..path.len()).find(|&s| {
                (!anchored || s == 1)
                    && path
                        .get(s..s.saturating_add(keys.len()))
                        .is_some_and(|w| w == keys)
            });
            match found {
                Some(s) => from = s.saturating_add(keys.len()),
                None => return false,
            }
        }
        false
    }
}

/// `ExecutionArn` → `execution-arn`, `execution_arn`, `executionarn`.
fn key_forms(key: &str) -> [String; 3] {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let prev_lower = i > 0
            && chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_lowercase());
        if (c.is_uppercase() && prev_lower) || *c == '-' || *c == '_' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            if *c == '-' || *c == '_' {
                continue;
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    [words.join("-"), words.join("_"), words.concat()]
}

/// Splits an expected string into literal pieces and wildcards (`None`).
fn pattern_pieces<'e>(expected: &'e str, names: &[String]) -> Vec<Option<&'e str>> {
    let mut out = Vec::new();
    let mut rest = expected;
    loop {
        // The earliest of: a `<token>` or a regex replacement name.
        let mut best: Option<(usize, usize)> = None;
        if let Some(open) = rest.find('<')
            && let Some(close_rel) = rest.get(open..).and_then(|t| t.find('>'))
        {
            let inner = rest.get(open.saturating_add(1)..open.saturating_add(close_rel));
            if inner.is_some_and(|t| {
                !t.is_empty()
                    && t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c))
            }) {
                best = Some((open, open.saturating_add(close_rel).saturating_add(1)));
            }
        }
        for n in names.iter().filter(|n| !n.is_empty()) {
            if let Some(at) = rest.find(n.as_str())
                && best.is_none_or(|(b, _)| at < b)
            {
                best = Some((at, at.saturating_add(n.len())));
            }
        }
        let Some((a, b)) = best else {
            if !rest.is_empty() {
                out.push(Some(rest));
            }
            return out;
        };
        if let Some(lit) = rest.get(..a).filter(|l| !l.is_empty()) {
            out.push(Some(lit));
        }
        out.push(None);
        rest = rest.get(b..).unwrap_or("");
    }
}

/// Glob-style match of `got` against literal pieces and wildcards (each at least one char).
fn glob(pieces: &[Option<&str>], got: &str) -> bool {
    match pieces.split_first() {
        None => got.is_empty(),
        Some((Some(lit), rest)) => got.strip_prefix(lit).is_some_and(|g| glob(rest, g)),
        Some((None, rest)) => {
            let mut idx: Vec<usize> = got.char_indices().map(|(i, _)| i).skip(1).collect();
            idx.push(got.len());
            !got.is_empty()
                && idx
                    .into_iter()
                    .any(|i| got.get(i..).is_some_and(|g| glob(rest, g)))
        }
    }
}

fn is_timestamp(s: &str) -> bool {
    crate::clock::parse_rfc3339_nanos(s).is_some()
}

impl Loose {
    /// Whether an expected string stands for a replaced value, so `got` is accepted.
    fn string_matches(&self, key: Option<&str>, expected: &str, got: &Value) -> bool {
        if let Some(k) = key
            && (expected == k || key_forms(k).iter().any(|f| f == expected))
        {
            return true;
        }
        if expected == "date" && got.as_str().is_some_and(is_timestamp) {
            return true;
        }
        let pieces = pattern_pieces(expected, &self.names);
        if !pieces.iter().any(Option::is_none) {
            return false;
        }
        match got {
            Value::String(g) => glob(&pieces, g),
            // A whole value replaced by a token (`"<uuid:1>"`) may have been of any type.
            _ => pieces.len() == 1,
        }
    }

    /// Compares `expected` with `got`; `path` holds the keys from the root (starting with
    /// an empty key for the root), `virt` the same position in the history-shaped view the
    /// `$..` patterns are written against. Returns the first difference.
    pub(crate) fn compare(
        &self,
        expected: &Value,
        got: Option<&Value>,
        path: &mut Vec<String>,
        virt: &mut Vec<String>,
    ) -> Result<(), String> {
        if self.skipped.iter().any(|p| p.matches(virt)) {
            return Ok(());
        }
        let here = || path.get(1..).unwrap_or(&[]).join(".");
        let rel = path.get(1..).unwrap_or(&[]);
        let loose_here = self.placeholders.iter().any(|p| p.as_slice() == rel)
            || self.replaced.iter().any(|p| p.matches(virt));
        let Some(got) = got else {
            return Err(format!("missing value at `{}`", here()));
        };
        if loose_here
            || (self.runtime_values && got.as_str().is_some_and(|g| g.starts_with("nxmock:")))
        {
            return Ok(());
        }
        match (expected, got) {
            (Value::Object(e), Value::Object(g)) => self.compare_maps(e, g, path, virt),
            (Value::Array(e), Value::Array(g)) => {
                if e.len() != g.len() {
                    return Err(format!(
                        "`{}`: {} items, expected {}",
                        here(),
                        g.len(),
                        e.len()
                    ));
                }
                for (i, (ev, gv)) in e.iter().zip(g.iter()).enumerate() {
                    path.push(i.to_string());
                    virt.push(i.to_string());
                    let r = self.compare(ev, Some(gv), path, virt);
                    path.pop();
                    virt.pop();
                    r?;
                }
                Ok(())
            }
            (Value::String(e), g) => {
                if g.as_str() == Some(e.as_str())
                    || self.string_matches(path.last().map(String::as_str), e, g)
                {
                    Ok(())
                } else {
                    Err(format!("`{}`: got {g} expected {expected}", here()))
                }
            }
            (e, g) if e == g => Ok(()),
            (e, g) => Err(format!("`{}`: got {g} expected {e}", here())),
        }
    }

    fn compare_maps(
        &self,
        e: &Map<String, Value>,
        g: &Map<String, Value>,
        path: &mut Vec<String>,
        virt: &mut Vec<String>,
    ) -> Result<(), String> {
        for (k, ev) in e {
            path.push(k.clone());
            virt.push(k.clone());
            let r = self.compare(ev, g.get(k), path, virt);
            path.pop();
            virt.pop();
            r?;
        }
        for k in g.keys().filter(|k| !e.contains_key(*k)) {
            path.push(k.clone());
            virt.push(k.clone());
            let skipped = self.skipped.iter().any(|p| p.matches(virt));
            path.pop();
            virt.pop();
            if !skipped {
                let at = path.get(1..).unwrap_or(&[]).join(".");
                return Err(format!("unexpected field `{k}` at `{at}`"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cmp(l: &Loose, e: Value, g: Value) -> Result<(), String> {
        l.compare(
            &e,
            Some(&g),
            &mut vec![String::new()],
            &mut vec![String::new()],
        )
    }

    #[test]
    fn patterns_match_descendants() {
        let p = Pattern::parse("$..events..taskSubmittedEventDetails.output").unwrap();
        let path: Vec<String> = ["", "events", "4", "taskSubmittedEventDetails", "output"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(p.matches(&path));
        assert!(!p.matches(&path[..4]));
        let root = Pattern::parse("$.output.a").unwrap();
        assert!(root.matches(&["".into(), "output".into(), "a".into()]));
        assert!(!root.matches(&["".into(), "x".into(), "output".into(), "a".into()]));
        let idx = Pattern::parse("$..events[4].previousEventId").unwrap();
        assert!(idx.matches(&[
            "".into(),
            "events".into(),
            "4".into(),
            "previousEventId".into()
        ]));
    }

    #[test]
    fn tokens_and_names_are_wildcards_only_where_recorded() {
        let l = Loose {
            names: vec!["snf_role_arn".into()],
            ..Loose::default()
        };
        assert!(
            cmp(
                &l,
                json!({"Id": "arn:<partition>:states:<region>:1:execution:<ArnPart_0idx>:x"}),
                json!({"Id": "arn:aws:states:us-east-1:1:execution:M:x"})
            )
            .is_ok()
        );
        assert!(
            cmp(
                &l,
                json!({"Id": "arn:<partition>:states:<region>:1:execution:<ArnPart_0idx>:x"}),
                json!({"Id": "arn:aws:states:us-east-1:2:execution:M:x"})
            )
            .is_err()
        );
        assert!(
            cmp(
                &l,
                json!({"R": "snf_role_arn"}),
                json!({"R": "arn:aws:iam::1:role/r"})
            )
            .is_ok()
        );
        assert!(
            cmp(
                &l,
                json!({"ExecutionArn": "execution-arn"}),
                json!({"ExecutionArn": "arn:x"})
            )
            .is_ok()
        );
        assert!(
            cmp(
                &l,
                json!({"StartTime": "date"}),
                json!({"StartTime": "2024-01-01T00:00:00.000Z"})
            )
            .is_ok()
        );
        assert!(
            cmp(
                &l,
                json!({"StartTime": "date"}),
                json!({"StartTime": "yesterday"})
            )
            .is_err()
        );
        assert!(cmp(&l, json!({"a": "plain"}), json!({"a": "other"})).is_err());
        assert!(cmp(&l, json!({"a": 1}), json!({"a": 1, "b": 2})).is_err());
    }

    #[test]
    fn replaced_and_skipped_paths() {
        let l = Loose {
            replaced: vec![Pattern::parse("$..FunctionResult").unwrap()],
            skipped: vec![Pattern::parse("$..SdkHttpMetadata").unwrap()],
            ..Loose::default()
        };
        assert!(
            cmp(
                &l,
                json!({"FunctionResult": "RandomNumberGenerated"}),
                json!({"FunctionResult": 7})
            )
            .is_ok()
        );
        assert!(cmp(&l, json!({"FunctionResult": "x"}), json!({})).is_err());
        assert!(
            cmp(
                &l,
                json!({"a": 1, "SdkHttpMetadata": {"x": 1}}),
                json!({"a": 1})
            )
            .is_ok()
        );
    }

    #[test]
    fn key_forms_of_names() {
        assert_eq!(key_forms("ExecutionArn")[0], "execution-arn");
        assert_eq!(key_forms("mapRunArn")[1], "map_run_arn");
        assert_eq!(key_forms("x-amzn-RequestId")[0], "x-amzn-request-id");
    }
}
