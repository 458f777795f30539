//! NX264 placeholder-filled-by-template.

use crate::schema_pass::{self, Kind};
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// In a definition file linted on its own (a pre-commit hook passes only the changed
    /// files), reports a placeholder such as `${Timeout}` where ASL wants a number, a boolean
    /// or a keyword, when a template next to the file (or in a parent directory, up to the
    /// lint or repository root) deploys it through SAM `DefinitionUri`. The finding names
    /// that template. Linted through the template, the placeholder is accepted, and
    /// `DefinitionSubstitutions` is checked (NX031); with no template found, the value is
    /// what it looks like, a string, and NX201 reports it.
    /// ## Why is this bad?
    /// The value AWS will see is in the template, not in this file: whether it is valid is
    /// known only when the template is linted with it.
    /// ## Example
    /// `"TimeoutSeconds": "${Timeout}"` in `statemachine/orders.asl.json`, which
    /// `template.yaml` deploys with `DefinitionUri: statemachine/orders.asl.json`.
    pub(crate) struct PlaceholderFilledByTemplate = {
        code: NX264,
        name: "placeholder-filled-by-template",
        severity: Warning,
        summary: "A placeholder in a typed field of a definition linted without the template that fills it.",
    }
}

impl Rule for PlaceholderFilledByTemplate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        schema_pass::report(ctx, sink, Kind::TemplatePlaceholder, &META);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nexus_schema::Severity;
    use nexus_schema::source::load_source;

    use crate::{LintOptions, lint_file};

    fn lint(path: &std::path::Path) -> Vec<(String, Severity, String)> {
        let shown = path.to_string_lossy().to_string();
        let text: Arc<str> = std::fs::read_to_string(path).unwrap().into();
        let loaded = load_source(&shown, text.clone());
        lint_file(&shown, text, &loaded, true, &LintOptions::default())
            .into_iter()
            .flat_map(|f| f.diagnostics)
            .map(|d| (d.code.to_string(), d.severity, d.message))
            .collect()
    }

    /// The fixture folder holds the template and the definition it deploys: the definition
    /// alone gets warnings naming the template; the template, no finding about them.
    #[test]
    fn names_the_template_that_fills_the_placeholder() {
        let dir = crate::testing::fixtures_root()
            .join("invalid")
            .join("NX264-placeholder-filled-by-template");
        let found = lint(&dir.join("statemachine").join("orders.asl.json"));
        let ours: Vec<_> = found.iter().filter(|(c, ..)| c == "NX264").collect();
        assert_eq!(ours.len(), 2, "{found:?}");
        for (_, severity, message) in &ours {
            assert_eq!(*severity, Severity::Warning);
            assert!(message.contains("template.yaml"), "{message}");
        }
        assert!(!found.iter().any(|(c, ..)| c == "NX201"), "{found:?}");
        let via = lint(&dir.join("template.yaml"));
        assert!(
            !via.iter().any(|(c, ..)| c == "NX264" || c == "NX201"),
            "{via:?}"
        );
    }

    /// Without a template that deploys it, the placeholder is the string it looks like.
    #[test]
    fn without_a_template_the_value_is_invalid() {
        let dir = std::env::temp_dir().join(format!("nexus-nx264-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("alone.asl.json");
        std::fs::write(
            &file,
            r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": "${Delay}", "End": true}}}"#,
        )
        .unwrap();
        // A template in the same folder that deploys another file does not count.
        std::fs::write(
            dir.join("template.yaml"),
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: other.asl.json # not alone.asl.json\n",
        )
        .unwrap();
        let found = lint(&file);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(found.iter().any(|(c, ..)| c == "NX201"), "{found:?}");
        assert!(!found.iter().any(|(c, ..)| c == "NX264"), "{found:?}");
    }
}
