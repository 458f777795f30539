//! The table of Step Functions optimized service integrations (`lint/data/integrations.json`,
//! checked in as data so that a new integration is one line), read once per process.

use std::collections::HashMap;
use std::sync::OnceLock;

use nexus_schema::arn::IntegrationPattern;
use serde_json::Value;

/// What the table says about one `<service>:<action>[.pattern]`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Known {
    Yes,
    /// The service has no optimized integration of that name.
    UnknownService,
    /// The service is known, the action is not; the known actions, sorted.
    UnknownAction(Vec<String>),
    /// The action exists but not with this pattern; the patterns it has.
    UnsupportedPattern(Vec<IntegrationPattern>),
}

struct Table {
    services: HashMap<String, HashMap<String, Vec<IntegrationPattern>>>,
    sdk: Vec<IntegrationPattern>,
}

fn pattern(name: &str) -> Option<IntegrationPattern> {
    match name {
        "request" => Some(IntegrationPattern::RequestResponse),
        "sync" => Some(IntegrationPattern::Sync),
        "sync2" => Some(IntegrationPattern::Sync2),
        "waitForTaskToken" => Some(IntegrationPattern::WaitForTaskToken),
        _ => None,
    }
}

fn patterns(v: &Value) -> Vec<IntegrationPattern> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().and_then(pattern))
        .collect()
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: Value =
            serde_json::from_str(include_str!("../data/integrations.json")).unwrap_or_default();
        let services = v
            .get("services")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(svc, actions)| {
                let actions = actions
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(a, ps)| (a.clone(), patterns(ps)))
                    .collect();
                (svc.clone(), actions)
            })
            .collect();
        Table {
            services,
            sdk: patterns(v.get("aws_sdk_patterns").unwrap_or(&Value::Null)),
        }
    })
}

/// Look up an optimized integration (not `aws-sdk`).
pub(crate) fn lookup(service: &str, action: &str, p: IntegrationPattern) -> Known {
    let t = table();
    let Some(actions) = t.services.get(service) else {
        return Known::UnknownService;
    };
    match actions.get(action) {
        None => {
            let mut names: Vec<String> = actions.keys().cloned().collect();
            names.sort();
            Known::UnknownAction(names)
        }
        Some(ps) if ps.contains(&p) => Known::Yes,
        Some(ps) => Known::UnsupportedPattern(ps.clone()),
    }
}

/// The patterns `aws-sdk` integrations support.
pub(crate) fn sdk_patterns() -> &'static [IntegrationPattern] {
    &table().sdk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_reads_and_answers() {
        assert!(table().services.len() > 20, "the data file did not parse");
        assert_eq!(
            lookup("lambda", "invoke", IntegrationPattern::RequestResponse),
            Known::Yes
        );
        assert_eq!(
            lookup("states", "startExecution", IntegrationPattern::Sync2),
            Known::Yes
        );
        assert!(matches!(
            lookup("dynamodb", "query", IntegrationPattern::RequestResponse),
            Known::UnknownAction(_)
        ));
        assert!(matches!(
            lookup("dynamodb", "putItem", IntegrationPattern::Sync),
            Known::UnsupportedPattern(_)
        ));
        assert_eq!(
            lookup("nosuch", "x", IntegrationPattern::RequestResponse),
            Known::UnknownService
        );
        assert_eq!(sdk_patterns().len(), 2);
    }
}
