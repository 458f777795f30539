//! State machines inside infrastructure-as-code templates, where real projects keep them:
//!
//! - CloudFormation `AWS::StepFunctions::StateMachine`: `Definition` (an object),
//!   `DefinitionString` (a string, `Fn::Sub`, or `Fn::Join`), `DefinitionSubstitutions`;
//! - SAM `AWS::Serverless::StateMachine`: `Definition`, `DefinitionUri` (a local file),
//!   `DefinitionSubstitutions`;
//! - Serverless Framework `serverless.yml`: `stepFunctions.stateMachines.<name>.definition`.
//!
//! Each machine becomes a [`Document`] whose `base` is the pointer of its definition within
//! the file and whose `label` is the logical id (or the machine's key in `serverless.yml`), so
//! a finding maps to the exact line of the template. A definition written as a string is
//! parsed on its own and its spans are mapped back into the file ([`embed`]). Placeholders
//! that nothing defines and substitutions that nothing uses are reported here ([`subst`]).
//!
//! Not here: resolving intrinsic functions (the ASL view shows `{"Fn::GetAtt": ...}` as the
//! string `${Fn::GetAtt}`), S3 definition locations (not local, not checked), and nexus
//! suppressions in a resource's `Metadata` (handed on in [`Extracted::metadata`]).

mod cfn;
pub(crate) mod embed;
mod serverless;
mod subst;

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::document::{DocKind, Document, SourceFormat};
use crate::location::LocationMap;
use crate::pointer;

crate::declare_code! {
    /// ## What it does
    /// Reports a SAM `DefinitionUri` (or similar) that points at a missing or unparsable local
    /// file.
    /// ## Why is this bad?
    /// `sam deploy` would fail to package the state machine.
    /// ## Example
    /// `DefinitionUri: statemachine/missing.asl.json`.
    pub static DEFINITION_UNREADABLE = {
        code: NX030, name: "definition-unreadable", severity: Error,
        summary: "A template's `DefinitionUri` file cannot be read or parsed.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports placeholders used in a definition that neither `DefinitionSubstitutions` nor the
    /// `Fn::Sub` variables, parameters or resources define.
    /// ## Why is this bad?
    /// CloudFormation rejects the template, or the literal `${Name}` reaches AWS.
    /// ## Example
    /// `"Resource": "${ChargeFunctionArn}"` with no such substitution.
    pub static UNDEFINED_SUBSTITUTION = {
        code: NX031, name: "undefined-substitution", severity: Error,
        summary: "A `${Placeholder}` in a definition that nothing defines.",
    }
}
crate::declare_code! {
    /// ## What it does
    /// Reports `DefinitionSubstitutions` entries and `Fn::Sub` variables that the definition
    /// never mentions.
    /// ## Why is this bad?
    /// Usually a renamed placeholder: the value meant for it goes nowhere.
    /// ## Example
    /// `DefinitionSubstitutions: {OldArn: ...}` with only `${NewArn}` in the definition.
    pub static UNUSED_SUBSTITUTION = {
        code: NX032, name: "unused-substitution", severity: Warning,
        summary: "A substitution that no placeholder uses.",
    }
}

/// Every code this module reports.
pub static CODES: &[&crate::RuleMeta] = &[
    &DEFINITION_UNREADABLE,
    &UNDEFINED_SUBSTITUTION,
    &UNUSED_SUBSTITUTION,
];

/// What kind of template a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateKind {
    /// CloudFormation, with or without the SAM transform.
    CloudFormation,
    /// Serverless Framework (`service` + `stepFunctions`).
    Serverless,
}

const STATE_MACHINE_TYPES: [&str; 2] = [
    "AWS::StepFunctions::StateMachine",
    "AWS::Serverless::StateMachine",
];

/// A cheap look at the text before parsing: could this be a template? (Decides whether the
/// YAML loader turns CloudFormation short tags such as `!Sub` into their long form.)
pub fn mentions_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || STATE_MACHINE_TYPES.iter().any(|t| text.contains(t))
        || text.contains("AWS::Serverless")
        || (text.contains("stepFunctions") && text.contains("service"))
}

/// How many directories [`template_deploying`] looks in: the file's own and its parents.
const DEPLOYER_SEARCH_DEPTH: usize = 6;

/// A template that deploys the definition file `path` (SAM `DefinitionUri`), found the cheap
/// way: the YAML and JSON files of the file's directory and of each parent, up to the lint
/// root (the working directory, when the file lies below it) or the repository root (a
/// directory holding `.git`), whose text names the file and mentions a template, loaded to
/// check that one of their definitions is this file. For a definition linted on its own (a
/// pre-commit hook passes only the changed files), so its findings can name the template
/// whose `DefinitionSubstitutions` fill its placeholders.
pub fn template_deploying(path: &str, resolver: &dyn Resolver) -> Option<String> {
    let file = Path::new(path);
    let name = file.file_name()?.to_str()?;
    let target = file.canonicalize().ok()?;
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    let below_cwd = cwd.as_ref().is_some_and(|c| target.starts_with(c));
    let mut dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    for _ in 0..DEPLOYER_SEARCH_DEPTH {
        let shown = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir.as_path()
        };
        let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(shown)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                matches!(ext, "yaml" | "yml" | "json" | "template") && p.is_file()
            })
            .collect();
        entries.sort();
        for candidate in entries {
            if candidate.canonicalize().is_ok_and(|c| c == target) {
                continue;
            }
            let Ok(text) = resolver.read(&candidate) else {
                continue;
            };
            if !text.contains(name) || !mentions_template(&text) {
                continue;
            }
            let shown = dir.join(candidate.file_name().unwrap_or_default());
            let shown = shown.to_string_lossy();
            let loaded = crate::source::load_only(&shown, text.into(), resolver);
            let deploys = loaded.documents.iter().any(|d| {
                d.path != *shown && Path::new(&d.path).canonicalize().is_ok_and(|p| p == target)
            });
            if deploys {
                return Some(shown.into_owned());
            }
        }
        let canonical = shown.canonicalize().ok();
        let at_root = canonical
            .as_ref()
            .is_some_and(|d| d.join(".git").exists() || (below_cwd && cwd.as_ref() == Some(d)));
        if at_root {
            break;
        }
        dir = if dir.as_os_str().is_empty() || dir == Path::new(".") {
            Path::new("..").to_path_buf()
        } else if dir.ends_with("..") {
            dir.join("..")
        } else {
            match dir.parent() {
                Some(p) => p.to_path_buf(),
                None => break,
            }
        };
    }
    None
}

/// What a parsed document is, if it is a template that may hold state machines.
pub fn detect(value: &Value) -> Option<TemplateKind> {
    let obj = value.as_object()?;
    if obj.contains_key("service") && obj.get("stepFunctions").is_some_and(Value::is_object) {
        return Some(TemplateKind::Serverless);
    }
    let resources = obj.get("Resources").and_then(Value::as_object);
    let has_machine = resources.is_some_and(|r| {
        r.values().any(|res| {
            res.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| STATE_MACHINE_TYPES.contains(&t))
        })
    });
    let sam = match obj.get("Transform") {
        Some(Value::String(t)) => t.starts_with("AWS::Serverless"),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.starts_with("AWS::Serverless"))),
        _ => false,
    };
    (has_machine || ((obj.contains_key("AWSTemplateFormatVersion") || sam) && resources.is_some()))
        .then_some(TemplateKind::CloudFormation)
}

/// Reads files a template refers to (SAM `DefinitionUri`). A trait so tests and callers
/// without a file system can supply their own.
pub trait Resolver {
    /// The text of `path` (already joined with the template's directory).
    fn read(&self, path: &Path) -> std::io::Result<String>;

    /// Whether the template at `template` may read `path`; `Err` says why not (reported as
    /// NX030). Everything is allowed unless a resolver confines reads.
    fn allows(&self, template: &Path, path: &Path) -> Result<(), String> {
        let _ = (template, path);
        Ok(())
    }
}

/// Reads from the file system, confined to the lint root: a template may read files below
/// the working directory when it lies there itself, else below its own directory. An absolute
/// path, a `..` or a symbolic link leading elsewhere is refused, so a template from an
/// untrusted change cannot make `nexus lint` print `/etc/passwd` or `../secret.env` as a
/// snippet in a public CI log (issue #12).
#[derive(Clone, Copy, Debug, Default)]
pub struct FsResolver;

impl Resolver for FsResolver {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        crate::source::read_source_text(path)
    }

    fn allows(&self, template: &Path, path: &Path) -> Result<(), String> {
        let root = lint_root(template).map_err(|e| format!("cannot resolve the lint root: {e}"))?;
        // Missing files are reported by `read`, with the usual message.
        let Ok(target) = path.canonicalize() else {
            return Ok(());
        };
        if target.starts_with(&root) {
            Ok(())
        } else {
            Err(format!(
                "it is outside the lint root {} (pass --allow-outside-root to read it)",
                root.display()
            ))
        }
    }
}

/// The directory a template's reads are confined to (see [`FsResolver`]).
fn lint_root(template: &Path) -> std::io::Result<std::path::PathBuf> {
    let cwd = std::env::current_dir()?.canonicalize()?;
    let dir = template
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = cwd.join(dir).canonicalize()?;
    Ok(if dir.starts_with(&cwd) { cwd } else { dir })
}

/// Reads any file the template names (`nexus lint --allow-outside-root`).
#[derive(Clone, Copy, Debug, Default)]
pub struct UnconfinedFsResolver;

impl Resolver for UnconfinedFsResolver {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        crate::source::read_source_text(path)
    }
}

/// The file being looked at.
pub struct FileCtx<'a> {
    /// The path as shown in output.
    pub path: &'a str,
    pub text: Arc<str>,
    pub format: SourceFormat,
    /// Index of the YAML document within the file.
    pub index: usize,
    /// Locations of the whole document, pointers from its root.
    pub locations: Arc<LocationMap>,
}

/// The state machines of one template.
#[derive(Debug, Default)]
pub struct Extracted {
    pub documents: Vec<Document>,
    /// Findings about the template file itself (spans set, pointers from the file root).
    pub diagnostics: Vec<Diagnostic>,
    /// Findings about a document whose text is another file (`DefinitionUri`), by index
    /// into `documents`; spans are in that document's `source`.
    pub attached: Vec<(usize, Diagnostic)>,
    /// The `Metadata` of the resource each document came from (index into `documents`),
    /// where nexus suppressions live.
    pub metadata: Vec<(usize, ResourceMetadata)>,
}

/// A template resource's `Metadata`, with where it is in the template file.
#[derive(Clone, Debug)]
pub struct ResourceMetadata {
    /// Pointer of the `Metadata` member from the template file's root.
    pub pointer: String,
    pub value: Value,
    /// Locations of the template file (the metadata's spans are there, also when the
    /// definition itself comes from another file).
    pub locations: Arc<LocationMap>,
}

/// Find and load every state machine of a template.
pub fn extract(
    ctx: &FileCtx<'_>,
    value: &Value,
    kind: TemplateKind,
    resolver: &dyn Resolver,
) -> Extracted {
    let mut out = Extracted::default();
    match kind {
        TemplateKind::CloudFormation => cfn::extract(ctx, value, resolver, &mut out),
        TemplateKind::Serverless => serverless::extract(ctx, value, &mut out),
    }
    out
}

/// Is this object an intrinsic function (`{"Ref": ...}`, `{"Fn::GetAtt": ...}`)?
pub(crate) fn intrinsic(v: &Value) -> Option<(&str, &Value)> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (k, inner) = obj.iter().next()?;
    (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some((k.as_str(), inner))
}

/// The ASL view of a definition written as template data: intrinsic functions become the
/// strings CloudFormation will put there (`${Ref:Queue}`, `${Fn::GetAtt:Fn.Arn}`), so rules see
/// a string where ASL wants one. Pointers of everything else are unchanged.
pub(crate) fn asl_view(v: &Value) -> Value {
    if let Some((name, inner)) = intrinsic(v) {
        let what = match inner {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("."),
            _ => String::new(),
        };
        return Value::String(if what.is_empty() {
            format!("${{{name}}}")
        } else {
            format!("${{{name}:{what}}}")
        });
    }
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), asl_view(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(asl_view).collect()),
        other => other.clone(),
    }
}

/// The ASL view of an embedded definition: [`asl_view`], with the placeholders that stood
/// outside strings (masked as `0` for parsing) put back as the placeholder strings.
pub(crate) fn embedded_asl_view(e: &embed::Embedded) -> Value {
    let mut asl = asl_view(&e.value);
    for (p, text) in &e.placeholders {
        if let Some(v) = asl.pointer_mut(p) {
            *v = Value::String(text.clone());
        }
    }
    asl
}

/// A document for a definition that is template data at `base` (no re-parsing).
pub(crate) fn data_document(ctx: &FileCtx<'_>, base: &str, raw: &Value, label: &str) -> Document {
    Document {
        path: ctx.path.to_string(),
        source: ctx.text.clone(),
        format: ctx.format,
        kind: DocKind::Asl,
        index: ctx.index,
        label: Some(label.to_string()),
        base: base.to_string(),
        raw: raw.clone().into(),
        locations: ctx.locations.clone(),
        asl: asl_view(raw).into(),
        origin: crate::document::PointerMap::identity(),
        machine_type: None,
        deployment: None,
    }
}

/// Every string of `v` with its pointer, not descending into intrinsic functions.
pub(crate) fn strings<'v>(v: &'v Value, ptr: String, out: &mut Vec<(String, &'v str)>) {
    if intrinsic(v).is_some() {
        return;
    }
    match v {
        Value::String(s) => out.push((ptr, s)),
        Value::Object(m) => {
            for (k, x) in m {
                strings(x, pointer::push(&ptr, k), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                strings(x, pointer::push_index(&ptr, i), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
