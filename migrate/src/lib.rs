//! nexus-migrate: ASL → NEXUS YAML (`nexus migrate stepfunctions`) and NEXUS YAML → plain ASL
//! (`nexus export asl`), lossless both ways, with migration notes (NX4xx).
//!
//! Pipeline: the ASL value is raised to a NEXUS value (`nexus_schema::nexus::raise`),
//! analyzed for notes ([`notes`]), and emitted as YAML text ([`emit`]). Export lowers a NEXUS
//! value (`nexus_schema::nexus::lower`) and turns the NEXUS extensions into plain ASL
//! ([`saga`] for `compensate`). Depends only on `nexus-schema`; the CLI puts it together with
//! reading files and linting.

mod emit;
mod notes;
mod saga;
mod source;

pub use source::{
    ExportError, ExportedDoc, Machine, SourceMigration, export_source, locate, locate_notes,
    migrate_source, pretty,
};

use nexus_schema::diagnostic::{Diagnostic, Severity};
use nexus_schema::nexus::{self, SCHEMA_URL};
use serde_json::{Map, Value};

nexus_schema::declare_code! {
    /// ## What it does
    /// Notes a CloudFormation, SAM or Terraform placeholder (`${NotifyTopicArn}`) in the migrated
    /// workflow.
    /// ## Why is this bad?
    /// The deploy tool fills it in; `nexus run` cannot, so it needs a value before the workflow
    /// runs locally.
    /// ## Example
    /// `TopicArn: ${NotifyTopicArn}`.
    pub static PLACEHOLDER_KEPT = {
        code: NX403, name: "placeholder-kept", severity: Info,
        summary: "migrate: a `${...}` substitution placeholder was kept as written.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Notes each Task resource (a Lambda function, an AWS service integration, an activity).
    /// ## Why is this bad?
    /// The local executor cannot call AWS; give a handler (`--handlers`) or a Step Functions
    /// Local mock (`--mock-config`) to run it.
    /// ## Example
    /// `action: charge-card`.
    pub static RESOURCE_NEEDS_HANDLER = {
        code: NX404, name: "resource-needs-handler", severity: Info,
        summary: "migrate: a Task that `nexus run` calls through a handler or a mock.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Notes a workflow's `policies` list, which has no ASL form.
    /// ## Why is this bad?
    /// It is not: policies are checked by `nexus lint` on the NEXUS file; Step Functions never
    /// sees them.
    /// ## Example
    /// `policies: [timeouts]`.
    pub static POLICIES_NOT_EXPORTED = {
        code: NX405, name: "policies-not-exported", severity: Info,
        summary: "export: `policies` are for `nexus lint`; they are not part of the exported ASL.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Says, for each `compensate`, which failing states run it in the exported ASL.
    /// ## Why is this bad?
    /// It is not; it shows the saga plain ASL now spells out (docs/nexus-yaml.md §4).
    /// ## Example
    /// `compensate: refund-user` on `CheckBalance` runs when `ExecuteTransfer` fails.
    pub static COMPENSATION_LOWERED = {
        code: NX406, name: "compensation-lowered", severity: Info,
        summary: "export: `compensate` actions were lowered to Catch → compensation states → Fail.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Refuses to export a workflow where a state with `compensate` can run more than once.
    /// ## Why is this bad?
    /// ASL has no memory of how often a state completed, so the undo chain cannot be written
    /// statically.
    /// ## Example
    /// A Choice that goes back to `Charge`, which has `compensate: refund`.
    pub static COMPENSATION_IN_LOOP = {
        code: NX407, name: "compensation-in-loop", severity: Error,
        summary: "export: a compensable state sits in a loop; plain ASL cannot know how many runs completed.",
    }
}
/// Every code this crate reports (NX401/NX402 are raised by `nexus_schema::nexus` and listed
/// in its `CODES`).
pub static CODES: &[&nexus_schema::RuleMeta] = &[
    &PLACEHOLDER_KEPT,
    &RESOURCE_NEEDS_HANDLER,
    &POLICIES_NOT_EXPORTED,
    &COMPENSATION_LOWERED,
    &COMPENSATION_IN_LOOP,
];

/// The result of [`migrate`].
#[derive(Clone, Debug)]
pub struct Migrated {
    /// The NEXUS YAML text.
    pub yaml: String,
    /// Migration notes (NX401..NX404), pointers into the NEXUS document.
    pub notes: Vec<Diagnostic>,
}

/// ASL definition → NEXUS YAML text.
///
/// The text starts with a `yaml-language-server` modeline naming [`SCHEMA_URL`] (editors then
/// offer completion and validation), then a header naming `source_name`. The workflow gets
/// `name:` from the source's file stem. Notes are also written as `#` comments above the
/// node they are about. Same input → same bytes.
pub fn migrate(asl: &Value, source_name: &str) -> Migrated {
    migrate_as(asl, source_name, None)
}

/// [`migrate`] with the workflow's `name:` given (a template's logical id); `None` takes the
/// stem of `source_name`, and an empty name writes none.
pub fn migrate_as(asl: &Value, source_name: &str, name: Option<&str>) -> Migrated {
    let raised = nexus::raise(asl);
    let mut doc = raised.nexus;
    if let Value::Object(m) = &mut doc
        && !m.contains_key("name")
    {
        let stem = name.map_or_else(|| stem(source_name), str::to_string);
        if !stem.is_empty() {
            let mut named = Map::new();
            for (k, v) in std::mem::take(m) {
                let is_version = k == "version";
                named.insert(k, v);
                if is_version {
                    named.insert("name".into(), Value::String(stem.clone()));
                }
            }
            *m = named;
        }
    }
    let mut notes = raised.notes;
    notes.extend(notes::analyze(&doc));
    let mut comments = emit::Comments::new();
    for n in &notes {
        comments
            .entry(n.pointer.clone())
            .or_default()
            .push(format!("{} {}: {}", n.code, n.name, n.message));
    }
    let mut yaml = format!("# yaml-language-server: $schema={SCHEMA_URL}\n");
    yaml.push_str(&format!(
        "# Migrated from {} by `nexus migrate stepfunctions` (NEXUS YAML v{}).\n",
        one_line(source_name),
        nexus::FORMAT_VERSION
    ));
    yaml.push_str(&emit::to_yaml(&doc, &comments));
    Migrated { yaml, notes }
}

/// `dir/order-pipeline.asl.json` → `order-pipeline`.
pub(crate) fn stem(source: &str) -> String {
    let file = source.rsplit(['/', '\\']).next().unwrap_or(source);
    if file.starts_with('<') && file.ends_with('>') {
        // `<stdin>`: no file name to take a name from.
        return String::new();
    }
    let mut s = file;
    for ext in [".json", ".yaml", ".yml"] {
        if let Some(x) = s.strip_suffix(ext) {
            s = x;
            break;
        }
    }
    s.strip_suffix(".asl").unwrap_or(s).to_string()
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The result of [`export`].
#[derive(Clone, Debug)]
pub struct Exported {
    /// Plain ASL, as AWS Step Functions accepts it.
    pub asl: Value,
    /// Notes (NX405, NX406), pointers into the NEXUS document.
    pub notes: Vec<Diagnostic>,
}

/// NEXUS workflow → plain ASL: lowered, with `compensate` turned into explicit saga states.
///
/// Errors: the workflow's own errors (NX010..NX018), and constructs with no ASL form
/// (NX407), each with its location in the NEXUS document.
pub fn export(doc: &Value) -> Result<Exported, Vec<Diagnostic>> {
    let lowered = nexus::lower(doc);
    let errors: Vec<Diagnostic> = lowered
        .issues
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut notes: Vec<Diagnostic> = lowered.issues.clone();
    if !lowered.policies.is_empty() {
        notes.push(POLICIES_NOT_EXPORTED.at(
            "/policies",
            "`policies` are checked by `nexus lint`; they are not part of the exported ASL",
        ));
    }
    let mut asl = lowered.asl;
    if !lowered.compensations.is_empty() {
        notes.extend(saga::lower_compensations(
            &mut asl,
            &lowered.compensations,
            lowered.on_compensation_failure.as_ref(),
        )?);
    }
    Ok(Exported { asl, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_source_names() {
        assert_eq!(stem("a/b/order-pipeline.asl.json"), "order-pipeline");
        assert_eq!(stem("x.yaml"), "x");
        assert_eq!(stem("C:\\w\\y.asl.yml"), "y");
        assert_eq!(stem("<stdin>"), "");
    }
}
