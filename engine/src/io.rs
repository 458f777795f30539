//! Small JSON helpers shared by the state handlers: compact rendering for messages and
//! history, JSON type names as AWS prints them, payload size checks.

use serde_json::Value;

use crate::error::{Failure, names};

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

/// Fails with `States.DataLimitExceeded` when `v` serialises to more than `limit` bytes.
pub(crate) fn check_size(v: &Value, limit: usize, what: &str) -> Result<(), Failure> {
    // Small scalars and empty containers can never exceed the limit: skip the serialisation.
    let small = match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.len() < limit / 2,
        _ => true,
    };
    if small {
        return Ok(());
    }
    let mut counter = ByteCounter(0);
    if serde_json::to_writer(&mut counter, v).is_err() {
        return Ok(());
    }
    if counter.0 > limit {
        return Err(Failure::new(
            names::DATA_LIMIT,
            format!(
                "The state/task '{what}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
        ));
    }
    Ok(())
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
