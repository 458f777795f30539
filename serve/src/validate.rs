//! Definitions checked by nexus's own lint: CreateStateMachine/UpdateStateMachine refuse a
//! definition with errors (`InvalidDefinition`), and ValidateStateMachineDefinition answers
//! with the findings in AWS's diagnostic shape (`severity`, `code`, `message`, `location`).

use std::sync::Arc;

use nexus_lint::{LintOptions, MachineType};
use nexus_schema::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::error::ApiError;

/// AWS quota: a definition is at most 1 MiB... of UTF-8 (`definition` length 1,048,576).
const MAX_DEFINITION: usize = 1024 * 1024;

/// The findings of nexus's lint (Rust rules, as `nexus lint` reports them for the same file)
/// on a definition, errors first. A definition that holds no state machine at all is an error
/// here: the API has nothing to create.
pub fn findings(definition: &str, express: bool) -> Vec<Diagnostic> {
    let text: Arc<str> = Arc::from(definition);
    let path = "definition.asl.json";
    let loaded = nexus_schema::source::load_source(path, text.clone());
    let options = LintOptions {
        machine_type: if express {
            MachineType::Express
        } else {
            MachineType::Standard
        },
        ..LintOptions::default()
    };
    let mut out: Vec<Diagnostic> = nexus_lint::file::lint_file(path, text, &loaded, true, &options)
        .into_iter()
        .flat_map(|f| f.diagnostics)
        .collect();
    if loaded.documents.is_empty() {
        for d in &mut out {
            if d.code == nexus_lint::file::NOT_A_WORKFLOW.code {
                d.severity = Severity::Error;
            }
        }
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.severity));
    out
}

/// Refuses a `loggingConfiguration` that Step Functions refuses (API reference,
/// LoggingConfiguration and LogDestination): `level` one of ALL, ERROR, FATAL, OFF
/// (`ValidationException` otherwise), `includeExecutionData` a boolean, at most one
/// destination; a level other than OFF needs exactly one CloudWatch Logs log group, whose ARN
/// ends with the `:*` qualifier (`InvalidLoggingConfiguration`, as AWS answers).
pub fn check_logging(logging: &Value) -> Result<(), ApiError> {
    let invalid = |why: &str| {
        ApiError::new(
            "InvalidLoggingConfiguration",
            format!("Invalid Logging Configuration: {why}"),
        )
    };
    let Value::Object(m) = logging else {
        return Err(ApiError::validation(
            "1 validation error detected: Value at 'loggingConfiguration' failed to satisfy constraint: Member must be an object",
        ));
    };
    let level = match m.get("level") {
        None => "OFF",
        Some(Value::String(l)) if ["ALL", "ERROR", "FATAL", "OFF"].contains(&l.as_str()) => l,
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), String::from);
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{shown}' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]"
            )));
        }
    };
    if m.get("includeExecutionData")
        .is_some_and(|v| !v.is_boolean())
    {
        return Err(ApiError::validation(
            "1 validation error detected: Value at 'loggingConfiguration.includeExecutionData' failed to satisfy constraint: Member must be a boolean",
        ));
    }
    let destinations = match m.get("destinations") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(d)) => d,
        Some(_) => {
            return Err(ApiError::validation(
                "1 validation error detected: Value at 'loggingConfiguration.destinations' failed to satisfy constraint: Member must be a list",
            ));
        }
    };
    if destinations.len() > 1 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'loggingConfiguration.destinations' failed to satisfy constraint: Member must have length less than or equal to 1 (got {})",
            destinations.len()
        )));
    }
    if level == "OFF" && destinations.is_empty() {
        return Ok(());
    }
    let Some(dest) = destinations.first() else {
        return Err(invalid(&format!(
            "Must specify exactly one Log Destination (level is {level})"
        )));
    };
    let arn = dest
        .pointer("/cloudWatchLogsLogGroup/logGroupArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid("the Log Destination must be a cloudWatchLogsLogGroup with a logGroupArn")
        })?;
    let group = arn
        .strip_prefix("arn:")
        .and_then(|rest| {
            let mut p = rest.splitn(6, ':');
            let (_partition, service, _region, _account, resource) =
                (p.next()?, p.next()?, p.next()?, p.next()?, p.next()?);
            (service == "logs" && resource == "log-group").then(|| p.next())?
        })
        .ok_or_else(|| invalid(&format!("'{arn}' is not a CloudWatch Logs log group ARN")))?;
    if !group.ends_with(":*") {
        return Err(invalid(
            "Log Group ARN must be provided with '*' qualifier.",
        ));
    }
    Ok(())
}

/// Refuses a definition that is not JSON, too large, or has lint errors.
pub fn check_definition(definition: &str, express: bool) -> Result<(), ApiError> {
    if definition.len() > MAX_DEFINITION {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to {MAX_DEFINITION}"
        )));
    }
    let errors: Vec<String> = findings(definition, express)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} at {}", describe(&d), location(&d)))
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        "InvalidDefinition",
        format!("Invalid State Machine Definition: '{}'", errors.join(", ")),
    ))
}

fn describe(d: &Diagnostic) -> String {
    match d.aws_code {
        Some(c) => format!("{c}: {} ({})", d.message, d.code),
        None => format!("{}: {}", d.code, d.message),
    }
}

fn location(d: &Diagnostic) -> String {
    if d.pointer.is_empty() {
        String::from("/")
    } else {
        d.pointer.clone()
    }
}

/// ValidateStateMachineDefinition: `{result, diagnostics, truncated}`.
pub fn validate(req: &Value) -> Result<Value, ApiError> {
    let def = req
        .get("definition")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::validation("definition is required"))?;
    let express = req.get("type").and_then(Value::as_str) == Some("EXPRESS");
    // `severity`: the lowest severity to report (ERROR by default, as AWS).
    let min = match req.get("severity").and_then(Value::as_str) {
        Some("WARNING") => Severity::Warning,
        None | Some("ERROR") => Severity::Error,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "severity must be ERROR or WARNING, not '{other}'"
            )));
        }
    };
    let max = req
        .get("maxResults")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .unwrap_or(100);
    let found: Vec<Diagnostic> = findings(def, express)
        .into_iter()
        .filter(|d| d.severity >= min)
        .collect();
    let failed = found.iter().any(|d| d.severity == Severity::Error);
    let truncated = found.len() as u64 > max;
    let diagnostics: Vec<Value> = found
        .iter()
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .map(|d| {
            json!({
                "severity": if d.severity == Severity::Error { "ERROR" } else { "WARNING" },
                "code": d.aws_code.unwrap_or(d.code.as_str()),
                "message": format!("{} ({} {})", d.message, d.code, d.name),
                "location": location(d),
            })
        })
        .collect();
    Ok(json!({
        "result": if failed { "FAIL" } else { "OK" },
        "diagnostics": diagnostics,
        "truncated": truncated,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dangling_next_fails_with_its_location() {
        let def = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}"#;
        let v = validate(&json!({ "definition": def })).map_err(|e| e.message);
        let v = v.unwrap_or_default();
        assert_eq!(v["result"], "FAIL");
        let locs: Vec<&str> = v["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["location"].as_str())
            .collect();
        assert!(locs.iter().any(|l| l.starts_with("/States/A")), "{v}");
        assert_eq!(
            check_definition(def, false).map_err(|e| e.code),
            Err("InvalidDefinition")
        );
    }

    #[test]
    fn a_valid_definition_is_ok_and_bad_json_is_not() {
        let def = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#;
        assert_eq!(
            validate(&json!({ "definition": def }))
                .ok()
                .map(|v| v["result"].clone()),
            Some(json!("OK"))
        );
        assert!(check_definition(def, false).is_ok());
        assert!(check_definition("{nope", false).is_err());
    }

    #[test]
    fn logging_configurations_are_checked_as_aws_checks_them() {
        let code = |v: Value| check_logging(&v).map_err(|e| e.code);
        let group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/x:*";
        let dest = json!([{"cloudWatchLogsLogGroup": {"logGroupArn": group}}]);
        assert_eq!(code(json!({"level": "OFF"})), Ok(()));
        assert_eq!(code(json!({})), Ok(()));
        assert_eq!(
            code(json!({"level": "ALL", "includeExecutionData": true, "destinations": dest})),
            Ok(())
        );
        assert_eq!(code(json!({"level": "LOUD"})), Err("ValidationException"));
        assert_eq!(
            code(json!({"level": "ERROR"})),
            Err("InvalidLoggingConfiguration")
        );
        assert_eq!(
            code(json!({"level": "FATAL", "destinations": []})),
            Err("InvalidLoggingConfiguration")
        );
        let unqualified = group.trim_end_matches(":*");
        assert_eq!(
            code(
                json!({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": unqualified}}]})
            ),
            Err("InvalidLoggingConfiguration")
        );
        assert_eq!(
            code(
                json!({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:s3:::bucket"}}]})
            ),
            Err("InvalidLoggingConfiguration")
        );
        let two = json!([dest[0], dest[0]]);
        assert_eq!(
            code(json!({"level": "ALL", "destinations": two})),
            Err("ValidationException")
        );
        assert_eq!(
            code(json!({"level": "OFF", "includeExecutionData": "yes"})),
            Err("ValidationException")
        );
    }
}
