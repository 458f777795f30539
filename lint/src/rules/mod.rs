//! The built-in rules, one file each (STYLE.md §3). Adding a rule: write the file (its
//! metadata and docs in one [`declare_rule!`](crate::declare_rule)), add it to [`all`], add
//! `fixtures/invalid/<CODE>-<name>/`.

use crate::rule::Rule;

mod dangling_transition;
mod distributed_field_in_inline_map;
mod distributed_outer_variable;
mod duplicate_state_name;
mod duplicate_template_field;
mod fail_without_compensation;
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
mod placeholder_filled_by_template;
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
        &fail_without_compensation::FailWithoutCompensation,
        &unknown_field::UnknownField,
        &invalid_field_value::InvalidFieldValue,
        &missing_required_field::MissingRequiredField,
        &placeholder_filled_by_template::PlaceholderFilledByTemplate,
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
                assert!(m.docs().contains(h), "{} docs lack `{h}`", m.code);
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
