//! The handlers file of `nexus run --handlers FILE`: which handler answers which Task.
//!
//! A mapping from a key to one handler. The key is an action name (a Lambda function name as
//! `action:` and `lambda:invoke` name it, or a service action such as `sqs:sendMessage`) or a
//! whole `Resource` ARN; an exact ARN wins over an action name. An optional top-level
//! `handlers:` key may hold the mapping.
//!
//! ```yaml
//! validate-user:
//!   exec: [python3, validate.py]        # argv, no shell; run in the handlers file's folder
//!   timeout_seconds: 30                 # optional, real time
//! check-balance:
//!   http: http://127.0.0.1:8080/balance # POST of the task input as JSON
//! "arn:aws:states:::sqs:sendMessage":
//!   mock: {return: {MessageId: "1"}}
//! charge-card:
//!   mock: {throw: {error: Card.Declined, cause: insufficient funds}}
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{ExecHandler, Handler, HandlerError, Handlers, HttpHandler, MockHandler};

/// A handlers file entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("handler `{key}`: {message}")]
pub struct HandlerConfigError {
    /// The key of the entry (`""` for the file itself).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

fn err(key: &str, message: impl Into<String>) -> HandlerConfigError {
    HandlerConfigError {
        key: key.to_string(),
        message: message.into(),
    }
}

fn timeout_of(key: &str, o: &Map<String, Value>) -> Result<Option<Duration>, HandlerConfigError> {
    match o.get("timeout_seconds") {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Some(Duration::from_secs_f64(s)))
            .ok_or_else(|| err(key, "`timeout_seconds` must be a positive number")),
    }
}

fn exec_of(
    key: &str,
    v: &Value,
    o: &Map<String, Value>,
    base_dir: &Path,
) -> Result<Arc<dyn Handler>, HandlerConfigError> {
    let argv: Vec<String> = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(String::from)
                    .ok_or_else(|| err(key, "`exec` must be a list of strings (the argv)"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(err(key, "`exec` must be a list of strings (the argv)")),
    };
    let Some((program, args)) = argv.split_first() else {
        return Err(err(key, "`exec` needs at least the program"));
    };
    // A program named by a relative path is relative to the handlers file, like the folder
    // it runs in; a bare name is looked up on PATH.
    let program = if program.contains('/') && Path::new(program).is_relative() {
        base_dir.join(program).to_string_lossy().into_owned()
    } else {
        program.clone()
    };
    let mut h = ExecHandler::new(program, args.to_vec()).current_dir(base_dir);
    if let Some(t) = timeout_of(key, o)? {
        h = h.timeout(t);
    }
    Ok(Arc::new(h))
}

fn mock_of(key: &str, v: &Value) -> Result<Arc<dyn Handler>, HandlerConfigError> {
    let o = v.as_object().ok_or_else(|| {
        err(
            key,
            "`mock` must be `{return: VALUE}` or `{throw: {error, cause}}`",
        )
    })?;
    match (o.get("return"), o.get("throw")) {
        (Some(r), None) => Ok(Arc::new(MockHandler::Return(r.clone()))),
        (None, Some(t)) => {
            let error = t
                .get("error")
                .and_then(Value::as_str)
                .ok_or_else(|| err(key, "`throw` needs a string `error`"))?;
            let cause = match t.get("cause") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
            };
            Ok(Arc::new(MockHandler::Throw(HandlerError {
                error: error.to_string(),
                cause,
            })))
        }
        _ => Err(err(
            key,
            "`mock` must hold exactly one of `return` and `throw`",
        )),
    }
}

impl Handlers {
    /// Handlers from a parsed handlers file; relative program paths and the folder `exec`
    /// programs run in are taken from `base_dir` (the file's folder).
    pub fn from_config(config: &Value, base_dir: &Path) -> Result<Self, HandlerConfigError> {
        let top = config
            .as_object()
            .ok_or_else(|| err("", "a handlers file must be a mapping of action → handler"))?;
        let entries = match top.get("handlers") {
            Some(Value::Object(m)) if top.len() == 1 => m,
            _ => top,
        };
        let mut out = Handlers::new();
        for (key, spec) in entries {
            let o = spec
                .as_object()
                .ok_or_else(|| err(key, "expected a mapping with `exec`, `http` or `mock`"))?;
            let kinds: Vec<&str> = ["exec", "http", "mock"]
                .into_iter()
                .filter(|k| o.contains_key(*k))
                .collect();
            if kinds.len() != 1 {
                return Err(err(
                    key,
                    "give exactly one of `exec` (argv), `http` (URL) and `mock`",
                ));
            }
            for k in o.keys() {
                if !["exec", "http", "mock", "timeout_seconds"].contains(&k.as_str()) {
                    return Err(err(key, format!("unknown field `{k}`")));
                }
            }
            let handler: Arc<dyn Handler> = match (o.get("exec"), o.get("http"), o.get("mock")) {
                (Some(v), _, _) => exec_of(key, v, o, base_dir)?,
                (_, Some(v), _) => {
                    let url = v
                        .as_str()
                        .ok_or_else(|| err(key, "`http` must be a URL string"))?;
                    if !url.starts_with("http://") {
                        return Err(err(key, "`http` must be an http:// URL"));
                    }
                    let mut h = HttpHandler::new(url);
                    if let Some(t) = timeout_of(key, o)? {
                        h = h.timeout(t);
                    }
                    Arc::new(h)
                }
                (_, _, Some(v)) => mock_of(key, v)?,
                _ => return Err(err(key, "expected `exec`, `http` or `mock`")),
            };
            out.register(key.clone(), handler);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_kind_and_rejects_mistakes() {
        let h = Handlers::from_config(
            &json!({
                "a": {"exec": ["echo", "{}"]},
                "b": {"http": "http://127.0.0.1:1/x", "timeout_seconds": 2},
                "c": {"mock": {"return": 1}},
                "d": {"mock": {"throw": {"error": "E"}}}
            }),
            Path::new("."),
        );
        assert!(h.is_ok());
        for bad in [
            json!([1]),
            json!({"a": {"exec": []}}),
            json!({"a": {"exec": ["x"], "http": "http://h"}}),
            json!({"a": {"http": "https://h"}}),
            json!({"a": {"mock": {"return": 1, "throw": {"error": "E"}}}}),
            json!({"a": {"mock": {"throw": {}}}}),
            json!({"a": {"exec": ["x"], "shell": true}}),
            json!({"a": {"exec": ["x"], "timeout_seconds": -1}}),
        ] {
            assert!(
                Handlers::from_config(&bad, Path::new(".")).is_err(),
                "{bad}"
            );
        }
    }
}
