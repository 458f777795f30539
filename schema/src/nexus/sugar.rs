//! The sugar forms of NEXUS YAML and their one ASL meaning each (docs/nexus-yaml.md,
//! "Sugar"). Lowering expands them with these functions; raising uses a sugar form only when
//! these functions give back exactly the ASL it started from.

use serde_json::{Map, Value, json};

use crate::QueryLanguage;

/// The optimised Lambda integration `action: NAME` calls.
/// AWS: "Invoke Lambda with Step Functions" (`arn:aws:states:::lambda:invoke`).
pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// The ASL fields `action: NAME` stands for, in order (the state's `Type` is `Task`).
///
/// - `NAME` starting with `arn:` → `Resource: NAME`.
/// - any other `NAME` is a Lambda function name (or partial ARN / alias), invoked through the
///   optimised integration with the state input as payload, the function's return value
///   becoming the state result: the same data flow as invoking the function directly.
///   JSONPath: `Parameters: {FunctionName: NAME, "Payload.$": "$"}, OutputPath: "$.Payload"`;
///   JSONata: `Arguments: {FunctionName: NAME, Payload: "{% $states.input %}"},
///   Output: "{% $states.result.Payload %}"`.
pub fn action_fields(name: &str, ql: QueryLanguage) -> Vec<(&'static str, Value)> {
    if name.starts_with("arn:") {
        return vec![("Resource", Value::String(name.to_string()))];
    }
    match ql {
        QueryLanguage::JsonPath => vec![
            ("Resource", json!(LAMBDA_INVOKE)),
            (
                "Parameters",
                json!({"FunctionName": name, "Payload.$": "$"}),
            ),
            ("OutputPath", json!("$.Payload")),
        ],
        QueryLanguage::Jsonata => vec![
            ("Resource", json!(LAMBDA_INVOKE)),
            (
                "Arguments",
                json!({"FunctionName": name, "Payload": "{% $states.input %}"}),
            ),
            ("Output", json!("{% $states.result.Payload %}")),
        ],
    }
}

/// The retrier `retry: N` stands for before `backoff` adds its fields.
pub(crate) fn retry_base(max_attempts: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ErrorEquals".into(), json!(["States.ALL"]));
    m.insert("MaxAttempts".into(), max_attempts.clone());
    m
}

/// One field a `backoff` form sets: ASL key, value, and the NEXUS sub-key it came from
/// (`None` for the named forms).
pub(crate) type BackoffField = (&'static str, Value, Option<&'static str>);

/// Why a `backoff` value has no meaning: (NEXUS sub-key, if the problem is inside it; message).
pub(crate) type BackoffError = (Option<String>, String);

/// The retrier fields a `backoff` value sets.
///
/// `exponential` → `IntervalSeconds: 1, BackoffRate: 2.0` (the ASL defaults, made explicit);
/// `fixed` → `IntervalSeconds: 1, BackoffRate: 1.0`; a mapping
/// `{interval, rate, max_delay, jitter}` → `IntervalSeconds`, `BackoffRate`,
/// `MaxDelaySeconds`, `JitterStrategy` (`full`/`none` → `FULL`/`NONE`).
pub(crate) fn backoff_fields(v: &Value) -> Result<Vec<BackoffField>, Vec<BackoffError>> {
    match v {
        Value::String(s) if s == "exponential" => Ok(vec![
            ("IntervalSeconds", json!(1), None),
            ("BackoffRate", json!(2.0), None),
        ]),
        Value::String(s) if s == "fixed" => Ok(vec![
            ("IntervalSeconds", json!(1), None),
            ("BackoffRate", json!(1.0), None),
        ]),
        Value::Object(o) => {
            let mut out = Vec::new();
            let mut errs = Vec::new();
            for (k, val) in o {
                match k.as_str() {
                    "interval" => out.push(("IntervalSeconds", val.clone(), Some("interval"))),
                    "rate" => out.push(("BackoffRate", val.clone(), Some("rate"))),
                    "max_delay" => out.push(("MaxDelaySeconds", val.clone(), Some("max_delay"))),
                    "jitter" => {
                        let j = match val.as_str() {
                            Some(s) if s.eq_ignore_ascii_case("full") => json!("FULL"),
                            Some(s) if s.eq_ignore_ascii_case("none") => json!("NONE"),
                            _ => val.clone(),
                        };
                        out.push(("JitterStrategy", j, Some("jitter")));
                    }
                    other => errs.push((
                        Some(other.to_string()),
                        format!(
                            "unknown backoff key `{other}` (expected interval, rate, max_delay or jitter)"
                        ),
                    )),
                }
            }
            if errs.is_empty() { Ok(out) } else { Err(errs) }
        }
        _ => Err(vec![(
            None,
            "`backoff` must be `exponential`, `fixed` or a mapping {interval, rate, max_delay, jitter}"
                .to_string(),
        )]),
    }
}

/// The sugar value for a `JitterStrategy` (inverse of the `jitter` mapping).
pub(crate) fn jitter_sugar(v: &Value) -> Value {
    match v.as_str() {
        Some("FULL") => json!("full"),
        Some("NONE") => json!("none"),
        _ => v.clone(),
    }
}
