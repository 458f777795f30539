//! `nexus test --update`: writes the actual values into the expectations that failed,
//! snapshot style. Only the text of each failing expectation's value is replaced (by its
//! JSON, which is also YAML), so comments, key order and the rest of the file stay as they
//! were; the file is replaced atomically (a temporary file in the same folder, renamed).

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use super::{FileResult, Outcome};

/// The text of `v` to put at byte `at` of `text`: compact JSON when short, else pretty JSON
/// with its continuation lines indented past the line it starts on (as YAML flow
/// collections inside a block need).
fn render(v: &Value, text: &str, at: usize) -> String {
    let compact = serde_json::to_string(v).unwrap_or_default();
    if compact.len() <= 100 {
        return compact;
    }
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let indent = text
        .get(line_start..)
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    let pad = " ".repeat(indent + 2);
    let pretty = serde_json::to_string_pretty(v).unwrap_or(compact);
    pretty.replace('\n', &format!("\n{pad}"))
}

/// Writes `text` to `path` atomically.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.nexus-tmp-{}", std::process::id()));
    let done = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    done.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// Rewrites the failing expectations; returns how many were written. The cases whose
/// mismatches were all written pass afterwards and are reported so.
pub(crate) fn apply(results: &mut [FileResult]) -> Result<usize, String> {
    let mut total = 0;
    for f in results.iter_mut() {
        let Some(tf) = &f.file else { continue };
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        for c in &mut f.cases {
            let Outcome::Failed(ms) = &mut c.outcome else {
                continue;
            };
            ms.retain(|m| {
                let (Some(new), Some(span)) = (&m.update, tf.locations.value_span(&m.pointer))
                else {
                    return true;
                };
                // A block value's span may end after its newline: keep that in the file.
                let raw = tf.text.get(span.start..span.end).unwrap_or("");
                let end = span.start + raw.trim_end().len();
                edits.push((span.start, end, render(new, &tf.text, span.start)));
                false
            });
            if ms.is_empty() {
                c.outcome = Outcome::Passed;
            }
        }
        if edits.is_empty() {
            continue;
        }
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut text = tf.text.clone();
        let mut floor = usize::MAX;
        for (start, end, new) in edits {
            // Nested expectations of one value (never written together): keep the outer.
            if end > floor || start > text.len() || end > text.len() {
                continue;
            }
            text.replace_range(start..end, &new);
            floor = start;
            total += 1;
        }
        write_atomic(&tf.path, &text)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_values_are_indented_past_their_line() {
        let text = "    output:\n      x";
        let v = json!({"a_long_key_name": "a long value", "another_key": [1, 2, 3], "k": true, "more": "text to go past one hundred characters"});
        let r = render(&v, text, text.len() - 1);
        assert!(r.starts_with("{\n          \"a_long_key_name\""), "{r}");
        assert!(r.ends_with("\n        }"), "{r}");
        assert_eq!(render(&json!({"a": 1}), text, 0), "{\"a\":1}");
    }
}
