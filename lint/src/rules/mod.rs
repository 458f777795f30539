//! The built-in rules, one file each (STYLE.md §3). Adding a rule: write the file, add it to
//! [`all`], add `fixtures/invalid/<CODE>-<name>/`.

use nexus_schema::{Code, Severity};

use crate::rule::{Rule, RuleMeta};

mod dangling_transition;
mod distributed_field_in_inline_map;
mod distributed_outer_variable;
mod duplicate_state_name;
mod duplicate_template_field;
mod half_delimited_jsonata;
mod heartbeat_not_below_timeout;
mod invalid_choice_rule;
mod invalid_credentials;
mod invalid_distributed_map;
mod invalid_dynamic_value;
mod invalid_field_value;
mod invalid_intrinsic_function;
mod invalid_jsonata;
mod invalid_jsonpath;
mod invalid_resource;
mod invalid_scope;
mod invalid_timestamp;
mod invalid_variable_name;
mod invalid_wait_duration;
mod map_without_processor;
mod misplaced_states_all;
mod missing_next;
mod missing_required_field;
mod mutually_exclusive_fields;
mod next_with_end;
mod no_path_to_end;
mod no_terminal_state;
mod non_reference_path;
mod not_supported_in_express;
mod outer_variable_assigned;
mod path_in_non_path_field;
mod path_in_pass_result;
mod path_without_dollar_suffix;
mod query_language_downgrade;
mod state_name_too_long;
mod undefined_variable;
mod unknown_field;
mod unknown_service_integration;
mod unknown_start_at;
mod unreachable_state;
mod unrecognised_resource;
mod wrong_query_language_field;

pub(crate) use invalid_scope::recover_misplaced;

/// Every rule, in code order.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &invalid_scope::InvalidScope,
        &unknown_start_at::UnknownStartAt,
        &unreachable_state::UnreachableState,
        &dangling_transition::DanglingTransition,
        &no_terminal_state::NoTerminalState,
        &no_path_to_end::NoPathToEnd,
        &duplicate_state_name::DuplicateStateName,
        &state_name_too_long::StateNameTooLong,
        &unknown_field::UnknownField,
        &invalid_field_value::InvalidFieldValue,
        &missing_required_field::MissingRequiredField,
        &next_with_end::NextWithEnd,
        &missing_next::MissingNext,
        &mutually_exclusive_fields::MutuallyExclusiveFields,
        &invalid_wait_duration::InvalidWaitDuration,
        &invalid_timestamp::InvalidTimestamp,
        &wrong_query_language_field::WrongQueryLanguageField,
        &query_language_downgrade::QueryLanguageDowngrade,
        &misplaced_states_all::MisplacedStatesAll,
        &invalid_choice_rule::InvalidChoiceRule,
        &map_without_processor::MapWithoutProcessor,
        &distributed_field_in_inline_map::DistributedFieldInInlineMap,
        &invalid_distributed_map::InvalidDistributedMap,
        &heartbeat_not_below_timeout::HeartbeatNotBelowTimeout,
        &invalid_credentials::InvalidCredentials,
        &invalid_resource::InvalidResource,
        &unrecognised_resource::UnrecognisedResource,
        &unknown_service_integration::UnknownServiceIntegration,
        &not_supported_in_express::NotSupportedInExpress,
        &invalid_jsonpath::InvalidJsonpath,
        &non_reference_path::NonReferencePath,
        &invalid_dynamic_value::InvalidDynamicValue,
        &invalid_intrinsic_function::InvalidIntrinsicFunction,
        &duplicate_template_field::DuplicateTemplateField,
        &invalid_jsonata::InvalidJsonata,
        &half_delimited_jsonata::HalfDelimitedJsonata,
        &undefined_variable::UndefinedVariable,
        &outer_variable_assigned::OuterVariableAssigned,
        &distributed_outer_variable::DistributedOuterVariable,
        &invalid_variable_name::InvalidVariableName,
        &path_without_dollar_suffix::PathWithoutDollarSuffix,
        &path_in_non_path_field::PathInNonPathField,
        &path_in_pass_result::PathInPassResult,
    ]
}

macro_rules! load_meta {
    ($id:ident, $code:expr, $name:expr, $summary:expr, $docs:expr) => {
        load_meta!($id, $code, $name, Severity::Error, $summary, $docs);
    };
    ($id:ident, $code:expr, $name:expr, $severity:expr, $summary:expr, $docs:expr) => {
        static $id: RuleMeta = RuleMeta {
            code: $code,
            name: $name,
            severity: $severity,
            summary: $summary,
            docs: $docs,
            aws_code: None,
        };
    };
}

load_meta!(
    INVALID_JSON,
    nexus_schema::load::INVALID_JSON,
    "invalid-json",
    "The file is not valid JSON.",
    "## What it does\nReports JSON syntax errors at the byte where parsing stopped.\n## Why is this bad?\nAWS rejects the definition before looking at it.\n## Example\n`{\"StartAt\": \"A\",}` (trailing comma)."
);
load_meta!(
    DUPLICATE_KEY,
    nexus_schema::load::DUPLICATE_KEY,
    "duplicate-key",
    "An object has the same key twice.",
    "## What it does\nReports every key that repeats within one object, naming both places.\n## Why is this bad?\nAWS rejects duplicate keys; many JSON parsers silently keep the last one, so what you review is not what runs.\n## Example\nTwo `\"Next\"` members in one state."
);
load_meta!(
    INVALID_YAML,
    nexus_schema::load::INVALID_YAML,
    "invalid-yaml",
    "The file is not valid YAML.",
    "## What it does\nReports YAML syntax errors where the parser stopped.\n## Why is this bad?\nNothing in the file can be checked or run.\n## Example\nA tab used for indentation."
);
load_meta!(
    YAML_LIMIT,
    nexus_schema::load::YAML_LIMIT,
    "yaml-limit-exceeded",
    "A YAML document is nested too deeply or expands to too many nodes.",
    "## What it does\nStops loading documents that nest deeper than 256 levels or expand (through aliases) to more than 1,000,000 nodes.\n## Why is this bad?\nSuch documents (\"billion laughs\") exhaust memory or the stack; no real workflow needs them.\n## Example\nNine levels of aliases, each repeating the previous one ten times."
);
load_meta!(
    UNSUPPORTED_YAML,
    nexus_schema::load::UNSUPPORTED_YAML,
    "unsupported-yaml",
    "A YAML construct has no JSON meaning.",
    "## What it does\nReports YAML that cannot become JSON: a mapping used as a key, `.nan`, `.inf`.\n## Why is this bad?\nA workflow is JSON data; such a node cannot be deployed or run.\n## Example\n`? [a, b] : c`."
);
load_meta!(
    NOT_A_WORKFLOW,
    NOT_A_WORKFLOW_CODE,
    "not-a-workflow",
    Severity::Warning,
    "A file given explicitly is neither a state machine nor a NEXUS workflow.",
    "## What it does\nReports a file named on the command line that has neither `StartAt` + `States` (ASL) nor `version` + `states` (NEXUS).\n## Why is this bad?\nIt was probably meant to be checked; nothing in it was.\n## Example\n`nexus lint package.json`."
);

load_meta!(
    MISSING_VERSION_META,
    nexus_schema::nexus::MISSING_VERSION,
    "missing-version",
    Severity::Error,
    "A NEXUS workflow has no `version`.",
    "## What it does\nReports a NEXUS workflow without the `version` key.\n## Why is this bad?\nThe format version says how to read the file; without it a future reader cannot tell NEXUS v1 from a later format.\n## Example\n`states:` at the top with no `version: \"1.0\"`."
);
load_meta!(
    UNSUPPORTED_VERSION_META,
    nexus_schema::nexus::UNSUPPORTED_VERSION,
    "unsupported-version",
    Severity::Error,
    "`version` is not a NEXUS format this tool reads.",
    "## What it does\nReports a `version` other than `\"1.0\"`.\n## Why is this bad?\nThe file may use fields with a meaning this version of nexus does not know.\n## Example\n`version: 2`."
);
load_meta!(
    MALFORMED_WORKFLOW_META,
    nexus_schema::nexus::MALFORMED_WORKFLOW,
    "malformed-workflow",
    Severity::Error,
    "A NEXUS node has the wrong shape.",
    "## What it does\nReports a document, state or `on_failure` that is not a mapping, a `states` that is not a list, and similar shape errors.\n## Why is this bad?\nNothing below such a node can be read, so the workflow cannot be checked or run.\n## Example\n`states: ValidateUser` (a string instead of a list)."
);
load_meta!(
    STATE_WITHOUT_NAME_META,
    nexus_schema::nexus::STATE_WITHOUT_NAME,
    "state-without-name",
    Severity::Error,
    "A NEXUS state has no `name`.",
    "## What it does\nReports a state of a `states` list without a string `name`.\n## Why is this bad?\nThe name is the state's identity in ASL; transitions cannot reach a state without one.\n## Example\n`- type: pass` with no `name:`."
);
load_meta!(
    NEXUS_DUPLICATE_NAME_META,
    nexus_schema::nexus::DUPLICATE_STATE_NAME,
    "duplicate-state-in-list",
    Severity::Error,
    "Two states of one NEXUS `states` list share a name.",
    "## What it does\nReports a name used twice in the same `states` list.\n## Why is this bad?\nASL `States` is an object: one of the two states would silently replace the other.\n## Example\nTwo entries `- name: Charge`."
);
load_meta!(
    NEXUS_UNKNOWN_FIELD_META,
    nexus_schema::nexus::UNKNOWN_FIELD,
    "unknown-nexus-field",
    Severity::Error,
    "A key that is not a NEXUS field.",
    "## What it does\nReports keys that are not snake_case ASL fields, NEXUS keywords or sugar (for example `Next` or `on_faliure`).\n## Why is this bad?\nA misspelt field is ignored by intent nowhere: it would be dropped or misread.\n## Example\n`on_faliure: {retry: 3}`."
);
load_meta!(
    CONFLICTING_FIELDS_META,
    nexus_schema::nexus::CONFLICTING_FIELDS,
    "conflicting-fields",
    Severity::Error,
    "Two NEXUS fields set the same ASL field.",
    "## What it does\nReports sugar that collides with an explicit field (`action` with `resource`, `on_failure.retry` with `retry`).\n## Why is this bad?\nOnly one of them can win; which one was meant is unclear.\n## Example\n`action: charge` together with `resource: arn:...`."
);
load_meta!(
    INVALID_SUGAR_META,
    nexus_schema::nexus::INVALID_SUGAR,
    "invalid-sugar-value",
    Severity::Error,
    "A sugar or extension field has a value with no meaning.",
    "## What it does\nReports values such as `retry: \"often\"` or `backoff: sometimes`.\n## Why is this bad?\nSugar has exactly one documented ASL meaning per value; others cannot be lowered.\n## Example\n`backoff: linear`."
);
load_meta!(
    UNKNOWN_STATE_TYPE_META,
    nexus_schema::nexus::UNKNOWN_STATE_TYPE,
    "unknown-state-type",
    Severity::Error,
    "`type` is not one of the eight state types.",
    "## What it does\nReports a `type` other than task, pass, choice, wait, succeed, fail, parallel or map.\n## Why is this bad?\nAWS has no such state type; the workflow cannot run.\n## Example\n`type: lambda`."
);
load_meta!(
    DEFINITION_UNREADABLE_META,
    nexus_schema::template::DEFINITION_UNREADABLE,
    "definition-unreadable",
    Severity::Error,
    "A template's `DefinitionUri` file cannot be read or parsed.",
    "## What it does\nReports a SAM `DefinitionUri` (or similar) that points at a missing or unparsable local file.\n## Why is this bad?\n`sam deploy` would fail to package the state machine.\n## Example\n`DefinitionUri: statemachine/missing.asl.json`."
);
load_meta!(
    UNDEFINED_SUBSTITUTION_META,
    nexus_schema::template::UNDEFINED_SUBSTITUTION,
    "undefined-substitution",
    Severity::Error,
    "A `${Placeholder}` in a definition that nothing defines.",
    "## What it does\nReports placeholders used in a definition that neither `DefinitionSubstitutions` nor the `Fn::Sub` variables, parameters or resources define.\n## Why is this bad?\nCloudFormation rejects the template, or the literal `${Name}` reaches AWS.\n## Example\n`\"Resource\": \"${ChargeFunctionArn}\"` with no such substitution."
);
load_meta!(
    UNUSED_SUBSTITUTION_META,
    nexus_schema::template::UNUSED_SUBSTITUTION,
    "unused-substitution",
    Severity::Warning,
    "A substitution that no placeholder uses.",
    "## What it does\nReports `DefinitionSubstitutions` entries and `Fn::Sub` variables that the definition never mentions.\n## Why is this bad?\nUsually a renamed placeholder: the value meant for it goes nowhere.\n## Example\n`DefinitionSubstitutions: {OldArn: ...}` with only `${NewArn}` in the definition."
);

/// NX006: a file named explicitly is not a workflow.
pub const NOT_A_WORKFLOW_CODE: Code = Code("NX006");

/// The metadata of NX006 (`not-a-workflow`), for the loader in the CLI.
pub fn not_a_workflow() -> &'static RuleMeta {
    &NOT_A_WORKFLOW
}

/// Metadata of the codes the loaders report (they are not rules, but `nexus rules` lists them).
pub fn load_codes() -> Vec<&'static RuleMeta> {
    vec![
        &INVALID_JSON,
        &DUPLICATE_KEY,
        &INVALID_YAML,
        &YAML_LIMIT,
        &UNSUPPORTED_YAML,
        &NOT_A_WORKFLOW,
        &MISSING_VERSION_META,
        &UNSUPPORTED_VERSION_META,
        &MALFORMED_WORKFLOW_META,
        &STATE_WITHOUT_NAME_META,
        &NEXUS_DUPLICATE_NAME_META,
        &NEXUS_UNKNOWN_FIELD_META,
        &CONFLICTING_FIELDS_META,
        &INVALID_SUGAR_META,
        &UNKNOWN_STATE_TYPE_META,
        &DEFINITION_UNREADABLE_META,
        &UNDEFINED_SUBSTITUTION_META,
        &UNUSED_SUBSTITUTION_META,
    ]
}

/// State names of `scope`, for "did you mean" notes.
pub(crate) fn closest_name<'a>(
    target: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&target.to_lowercase(), &c.to_lowercase());
        let limit = (target.chars().count().max(c.chars().count()) / 3).max(1);
        // A change of every character is no typo (`X` is not a misspelt `A`).
        let shorter = target.chars().count().min(c.chars().count());
        if d <= limit && d < shorter && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_is_consistent() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for m in crate::registry() {
            assert!(codes.insert(m.code), "code {} used twice", m.code);
            assert!(names.insert(m.name), "name {} used twice", m.name);
            assert!(
                m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                m.name
            );
            for h in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(m.docs.contains(h), "{} docs lack `{h}`", m.code);
            }
        }
        for r in all() {
            let m = r.meta();
            let dir = format!("{root}/fixtures/invalid/{}-{}", m.code, m.name);
            assert!(
                std::path::Path::new(&dir).is_dir(),
                "rule {} has no fixture folder {dir}",
                m.code
            );
        }
        // Every file in this folder is registered.
        let here = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules");
        let files = std::fs::read_dir(here)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                let n = e.file_name().to_string_lossy().to_string();
                n.ends_with(".rs") && n != "mod.rs"
            });
        assert_eq!(
            files.count(),
            all().len(),
            "a file in lint/src/rules is not registered in all()"
        );
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            closest_name("LogTransacton", ["LogTransaction", "Other"].into_iter()),
            Some("LogTransaction")
        );
        assert_eq!(closest_name("Zzz", ["LogTransaction"].into_iter()), None);
        assert_eq!(closest_name("X", ["A", "B"].into_iter()), None);
        assert_eq!(
            closest_name("Faild", ["Failed"].into_iter()),
            Some("Failed")
        );
    }
}
