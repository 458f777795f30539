//! `${...}` placeholders: CloudFormation's `Fn::Sub` and Step Functions'
//! `DefinitionSubstitutions`.
//!
//! The two are applied in that order: `Fn::Sub` first resolves every `${Name}` against its own
//! variable map, the template's parameters and resources (`${Res.Attr}`) and the pseudo
//! parameters (`${AWS::Region}`), and turns `${!Name}` into a literal `${Name}`; the Step
//! Functions resource then replaces the remaining `${Name}` with `DefinitionSubstitutions`
//! (CloudFormation docs, `AWS::StepFunctions::StateMachine`, DefinitionSubstitutions).

use std::collections::BTreeSet;

use crate::location::TextRange;

/// One placeholder in a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Placeholder {
    /// The name between `${` and `}` (without the `!` of a literal).
    pub name: String,
    /// Written `${!Name}`: `Fn::Sub` leaves `${Name}` for the next stage.
    pub literal: bool,
    /// Byte range of `${...}` in the string.
    pub range: TextRange,
}

/// Every `${...}` in `s`, in order. An unclosed `${` is not a placeholder.
pub(crate) fn placeholders(s: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s.get(from..).and_then(|r| r.find("${")).map(|k| from + k) {
        let Some(close) = s.get(i + 2..).and_then(|r| r.find('}')).map(|k| i + 2 + k) else {
            break;
        };
        let inner = s.get(i + 2..close).unwrap_or_default();
        let (name, literal) = match inner.strip_prefix('!') {
            Some(rest) => (rest, true),
            None => (inner, false),
        };
        out.push(Placeholder {
            name: name.trim().to_string(),
            literal,
            range: TextRange::new(i, close + 1),
        });
        from = close + 1;
    }
    out
}

/// What `Fn::Sub` can resolve in one template.
#[derive(Clone, Debug, Default)]
pub(crate) struct SubScope {
    /// Template parameters and resource logical ids.
    pub template_names: BTreeSet<String>,
}

impl SubScope {
    /// Whether `Fn::Sub` resolves `name`, given the variable map of this `Fn::Sub`.
    pub(crate) fn resolves(&self, name: &str, vars: &BTreeSet<String>) -> bool {
        if vars.contains(name) || name.starts_with("AWS::") || self.template_names.contains(name) {
            return true;
        }
        // `${Resource.Attribute}` is a GetAtt.
        name.split_once('.')
            .is_some_and(|(res, _)| self.template_names.contains(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_and_literals() {
        let p = placeholders("arn:${AWS::Partition}:${!Later}:${ Fn.Arn }x${open");
        let names: Vec<(&str, bool)> = p.iter().map(|p| (p.name.as_str(), p.literal)).collect();
        assert_eq!(
            names,
            [
                ("AWS::Partition", false),
                ("Later", true),
                ("Fn.Arn", false)
            ]
        );
        assert_eq!(p[0].range, TextRange::new(4, 21));
    }

    #[test]
    fn sub_resolves_parameters_resources_attributes_and_pseudo_parameters() {
        let scope = SubScope {
            template_names: ["Fn".to_string(), "Stage".to_string()].into(),
        };
        let vars = BTreeSet::from(["x".to_string()]);
        assert!(scope.resolves("Fn.Arn", &vars));
        assert!(scope.resolves("AWS::Region", &vars));
        assert!(scope.resolves("x", &vars));
        assert!(!scope.resolves("Missing", &vars));
    }
}
