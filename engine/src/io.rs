//! Small JSON helpers shared by the state handlers: compact rendering for messages and
//! history, JSON type names as AWS prints them, payload size checks.

use serde_json::Value;

/// Compact JSON text (`{"a":1}`), as Step Functions prints values in causes.
pub(crate) fn to_compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// JSONata-style type name used in AWS messages (`array`, `object`, `number`, ...).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An upper bound of the serialised size of `v` that is at most `limit`, or `None` when the
/// exact size is above it (the caller fails with `States.DataLimitExceeded`). Most payloads are far below
/// the limit: a bound found by walking the nodes, without looking inside strings, settles
/// them without serialising.
pub(crate) fn size_bound(v: &Value, limit: usize) -> Option<usize> {
    if let Some(b) = upper_bound(v, limit) {
        return Some(b);
    }
    let mut counter = ByteCounter(0);
    if serde_json::to_writer(&mut counter, v).is_err() {
        return Some(limit);
    }
    (counter.0 <= limit).then_some(counter.0)
}

/// An upper bound of the compact JSON size of `v` (a string escapes to at most six bytes per
/// byte, plus quotes; a number prints in at most 32 bytes), or `None` once it passes `cap`.
pub(crate) fn upper_bound(v: &Value, cap: usize) -> Option<usize> {
    let mut budget = cap;
    fits(v, &mut budget).then(|| cap.saturating_sub(budget))
}

fn fits(v: &Value, budget: &mut usize) -> bool {
    let take = |budget: &mut usize, n: usize| match budget.checked_sub(n) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    };
    match v {
        Value::Null | Value::Bool(_) => take(budget, 5),
        Value::Number(_) => take(budget, 32),
        Value::String(s) => take(budget, s.len().saturating_mul(6).saturating_add(2)),
        Value::Array(a) => {
            take(budget, a.len().saturating_add(2)) && a.iter().all(|x| fits(x, budget))
        }
        Value::Object(m) => {
            take(budget, m.len().saturating_mul(2).saturating_add(2))
                && m.iter().all(|(k, x)| {
                    take(budget, k.len().saturating_mul(6).saturating_add(2)) && fits(x, budget)
                })
        }
    }
}

struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn size_check_is_exact_at_the_limit() {
        // `"` escapes to two bytes: the bound must not let a payload just over the limit pass.
        let v = json!({"a": "\"".repeat(100)});
        let exact = serde_json::to_string(&v).unwrap().len();
        assert!(size_bound(&v, exact).is_some());
        assert!(size_bound(&v, exact - 1).is_none());
        let big = json!(vec![1; 10_000]);
        let exact = serde_json::to_string(&big).unwrap().len();
        assert!(size_bound(&big, exact).is_some());
        assert!(size_bound(&big, exact - 1).is_none());
    }
}
