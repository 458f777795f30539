use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::source::load_source_with;

struct Files(&'static [(&'static str, &'static str)]);

impl Resolver for Files {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.0
            .iter()
            .find(|(p, _)| Path::new(p) == path)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

fn text_at(src: &str, doc: &Document, asl_pointer: &str) -> String {
    let s = doc.span_of(asl_pointer, false).unwrap();
    src[s.start..s.end].to_string()
}

#[test]
fn cfn_yaml_sub_block_maps_into_the_template() {
    let src = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  M:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      DefinitionString: !Sub |\n        {\"StartAt\": \"A\", \"States\": {\n          \"A\": {\"Type\": \"Pass\", \"Next\": \"${Next}\"}}}\n";
    let l = load_source_with("t.yaml", Arc::from(src), &Files(&[]));
    assert_eq!(l.documents.len(), 1);
    let d = &l.documents[0];
    assert_eq!(d.label.as_deref(), Some("M"));
    assert_eq!(d.base, "/Resources/M/Properties/DefinitionString/Fn::Sub");
    assert_eq!(text_at(src, d, "/States/A/Next"), "\"${Next}\"");
    // ${Next} is neither a parameter, a resource nor a variable.
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].code, UNDEFINED_SUBSTITUTION.code);
    let s = l.diagnostics[0].span.unwrap();
    assert_eq!(&src[s.start..s.end], "${Next}");
}

#[test]
fn json_definition_string_with_escapes() {
    let src = r#"{"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
  "DefinitionString": "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"Comment\": \"\u00e9\", \"End\": true}}}",
  "DefinitionSubstitutions": {"Unused": "x"}}}}}"#;
    let l = load_source_with("t.json", Arc::from(src), &Files(&[]));
    let d = &l.documents[0];
    assert_eq!(text_at(src, d, "/States/A/End"), "true");
    assert_eq!(text_at(src, d, "/States/A/Comment"), "\\\"\\u00e9\\\"");
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].code, UNUSED_SUBSTITUTION.code);
}

#[test]
fn sam_definition_uri_is_read_relative_to_the_template() {
    let src = "Transform: AWS::Serverless-2016-10-31\nResources:\n  M:\n    Type: AWS::Serverless::StateMachine\n    Metadata: {nexus: {ignore: [NX102]}}\n    Properties:\n      DefinitionUri: sm/def.asl.json\n      DefinitionSubstitutions: {Arn: x}\n";
    const DEF: &str = "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Task\", \"Resource\": \"${Arn}\", \"Next\": \"${Other}\"}}}";
    let l = load_source_with(
        "infra/template.yaml",
        Arc::from(src),
        &Files(&[("infra/sm/def.asl.json", DEF)]),
    );
    assert_eq!(l.documents.len(), 1);
    let d = &l.documents[0];
    assert_eq!(d.path, "infra/sm/def.asl.json");
    assert_eq!(&*d.source, DEF);
    assert_eq!(l.metadata.len(), 1);
    assert_eq!(l.attached.len(), 1, "{:?}", l.attached);
    let s = l.attached[0].1.span.unwrap();
    assert_eq!(&DEF[s.start..s.end], "${Other}");
}

#[test]
fn serverless_definitions_are_found() {
    let src = "service: s\nstepFunctions:\n  stateMachines:\n    one:\n      definition:\n        StartAt: A\n        States:\n          A: {Type: Task, Resource: {'Fn::GetAtt': [f, Arn]}, End: true}\n";
    let l = load_source_with("serverless.yml", Arc::from(src), &Files(&[]));
    assert_eq!(l.documents.len(), 1);
    let d = &l.documents[0];
    assert_eq!(d.label.as_deref(), Some("one"));
    assert_eq!(d.asl["States"]["A"]["Resource"], "${Fn::GetAtt:f.Arn}");
    assert_eq!(text_at(src, d, "/States/A/End"), "true");
}

#[test]
fn detection() {
    assert!(detect(&serde_json::json!({"StartAt": "A", "States": {}})).is_none());
    assert!(
        detect(&serde_json::json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}))
            .is_some()
    );
    assert!(mentions_template("Type: AWS::StepFunctions::StateMachine"));
}
