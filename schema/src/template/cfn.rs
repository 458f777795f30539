//! CloudFormation `AWS::StepFunctions::StateMachine` and SAM `AWS::Serverless::StateMachine`
//! resources (CloudFormation and SAM resource references).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::embed::{self, OffsetMap};
use super::subst::{SubScope, placeholders};
use super::{
    DEFINITION_UNREADABLE, Extracted, FileCtx, Resolver, UNDEFINED_SUBSTITUTION,
    UNUSED_SUBSTITUTION, asl_view, data_document, embedded_asl_view, intrinsic, strings,
};
use crate::document::{DocKind, Document, PointerMap, SourceFormat};
use crate::load::{self, YamlOptions};
use crate::location::{LineIndex, LocationMap, TextRange};
use crate::pointer;

/// A `${Name}` that `DefinitionSubstitutions` must define.
struct Use {
    name: String,
    pointer: String,
    span: Option<TextRange>,
    /// Index of the document whose source holds it, when that is another file.
    attached: Option<usize>,
}

/// Placeholders in the strings of a definition that is data (an object), with exact spans.
fn uses_in_data(
    raw: &Value,
    base: &str,
    src: &str,
    map: &LocationMap,
    format: SourceFormat,
    attached: Option<usize>,
) -> Vec<Use> {
    let mut found = Vec::new();
    strings(raw, base.to_string(), &mut found);
    let mut out = Vec::new();
    for (ptr, s) in found {
        let ps: Vec<_> = placeholders(s).into_iter().filter(|p| !p.literal).collect();
        if ps.is_empty() {
            continue;
        }
        let node = map.value_span(&ptr);
        let mut offsets = OffsetMap::default();
        if let Some(span) = node {
            offsets.push_string(src, span, s, format);
        }
        for p in ps {
            out.push(Use {
                name: p.name,
                span: offsets.map(p.range).or(node),
                pointer: ptr.clone(),
                attached,
            });
        }
    }
    out
}

/// The template's parameters and resources, which `Fn::Sub` can name.
fn sub_scope(value: &Value) -> SubScope {
    let mut scope = SubScope::default();
    for section in ["Parameters", "Resources"] {
        if let Some(m) = value.get(section).and_then(Value::as_object) {
            scope.template_names.extend(m.keys().cloned());
        }
    }
    scope
}

pub(super) fn extract(
    ctx: &FileCtx<'_>,
    value: &Value,
    resolver: &dyn Resolver,
    out: &mut Extracted,
) {
    let Some(resources) = value.get("Resources").and_then(Value::as_object) else {
        return;
    };
    let scope = sub_scope(value);
    for (id, res) in resources {
        let Some(ty) = res.get("Type").and_then(Value::as_str) else {
            continue;
        };
        let sam = ty == "AWS::Serverless::StateMachine";
        if !sam && ty != "AWS::StepFunctions::StateMachine" {
            continue;
        }
        let Some(props) = res.get("Properties").and_then(Value::as_object) else {
            continue;
        };
        let pptr = pointer::from_tokens(["Resources", id.as_str(), "Properties"]);
        let first_doc = out.documents.len();
        let mut uses = Vec::new();
        if let Some(def) = props.get("Definition").filter(|d| d.is_object()) {
            let base = pointer::push(&pptr, "Definition");
            uses.extend(uses_in_data(
                def,
                &base,
                &ctx.text,
                &ctx.locations,
                ctx.format,
                None,
            ));
            out.documents.push(data_document(ctx, &base, def, id));
        } else if let Some(ds) = props.get("DefinitionString").filter(|_| !sam) {
            definition_string(
                ctx,
                ds,
                &pointer::push(&pptr, "DefinitionString"),
                id,
                &scope,
                props,
                out,
                &mut uses,
            );
        } else if let Some(uri) = props.get("DefinitionUri").filter(|_| sam) {
            let uptr = pointer::push(&pptr, "DefinitionUri");
            match uri.as_str() {
                Some(u) if !u.starts_with("s3://") => {
                    definition_uri(ctx, u, &uptr, id, resolver, out, &mut uses);
                }
                // `s3://bucket/key` or an S3Location object: what `sam package` uploaded,
                // not in this repository.
                _ => {
                    let mut d = DEFINITION_UNREADABLE.at(
                        &uptr,
                        format!("the definition of `{id}` is in S3, not checked"),
                    );
                    d.severity = crate::Severity::Info;
                    d.span = ctx.locations.value_span(&uptr);
                    out.diagnostics.push(d);
                }
            }
        }
        // SAM `Type`, CloudFormation `StateMachineType` (default STANDARD).
        let declared = props
            .get(if sam { "Type" } else { "StateMachineType" })
            .and_then(Value::as_str)
            .and_then(|t| crate::MachineType::parse(t).filter(|m| m.as_str() == t));
        let deployment = std::sync::Arc::new(crate::deployment::from_cfn(
            props,
            sam,
            &pptr,
            value.get("Resources").unwrap_or(&Value::Null),
        ));
        for d in &mut out.documents[first_doc..] {
            d.machine_type = declared;
            d.deployment = Some(deployment.clone());
        }
        check_substitutions(ctx, props, &pptr, &uses, out);
        if let Some(meta) = res.get("Metadata") {
            for i in first_doc..out.documents.len() {
                out.metadata.push((
                    i,
                    super::ResourceMetadata {
                        pointer: pointer::from_tokens(["Resources", id.as_str(), "Metadata"]),
                        value: meta.clone(),
                        locations: ctx.locations.clone(),
                    },
                ));
            }
        }
    }
}

/// `DefinitionSubstitutions` against the placeholders of the definition.
fn check_substitutions(
    ctx: &FileCtx<'_>,
    props: &Map<String, Value>,
    pptr: &str,
    uses: &[Use],
    out: &mut Extracted,
) {
    let subs_ptr = pointer::push(pptr, "DefinitionSubstitutions");
    let defined: BTreeSet<&str> = props
        .get("DefinitionSubstitutions")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut used = BTreeSet::new();
    for u in uses {
        used.insert(u.name.as_str());
        if defined.contains(u.name.as_str()) {
            continue;
        }
        let mut d = UNDEFINED_SUBSTITUTION
            .at(
                u.pointer.clone(),
                format!(
                    "`${{{}}}` is not defined in `DefinitionSubstitutions`",
                    u.name
                ),
            )
            .help(if defined.is_empty() {
                format!(
                    "add `DefinitionSubstitutions: {{{}: ...}}` to the resource",
                    u.name
                )
            } else {
                format!(
                    "define `{}` in `DefinitionSubstitutions` (defined: {})",
                    u.name,
                    defined.iter().copied().collect::<Vec<_>>().join(", ")
                )
            });
        d.span = u.span;
        match u.attached {
            Some(i) => out.attached.push((i, d)),
            None => out.diagnostics.push(d),
        }
    }
    for key in defined.difference(&used) {
        let ptr = pointer::push(&subs_ptr, key);
        let mut d = UNUSED_SUBSTITUTION
            .at(
                ptr.clone(),
                format!("substitution `{key}` is not used by the definition"),
            )
            .help(format!(
                "remove it, or use it as `${{{key}}}` in the definition"
            ))
            .on_key();
        d.span = ctx.locations.key_span(&ptr);
        out.diagnostics.push(d);
    }
}

/// The node span of `ptr` in the template.
fn span(ctx: &FileCtx<'_>, ptr: &str) -> TextRange {
    ctx.locations.value_span(ptr).unwrap_or_default()
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call site; the pieces are unrelated"
)]
fn definition_string(
    ctx: &FileCtx<'_>,
    ds: &Value,
    dptr: &str,
    id: &str,
    scope: &SubScope,
    props: &Map<String, Value>,
    out: &mut Extracted,
    uses: &mut Vec<Use>,
) {
    let mut content = String::new();
    let mut map = OffsetMap::default();
    let base;
    // Placeholders of the content: (name, content range) for DefinitionSubstitutions.
    let mut stage2: Vec<(String, TextRange)> = Vec::new();
    match (ds, intrinsic(ds)) {
        (Value::String(s), _) => {
            map.push_string(&ctx.text, span(ctx, dptr), s, ctx.format);
            content.push_str(s);
            stage2.extend(
                placeholders(s)
                    .into_iter()
                    .filter(|p| !p.literal)
                    .map(|p| (p.name, p.range)),
            );
            base = dptr.to_string();
        }
        (_, Some(("Fn::Sub", inner))) => {
            let sub_ptr = pointer::push(dptr, "Fn::Sub");
            let (tmpl, tptr, vars) = match inner {
                Value::String(s) => (s.as_str(), sub_ptr.clone(), None),
                Value::Array(a) => match (
                    a.first().and_then(Value::as_str),
                    a.get(1).and_then(Value::as_object),
                ) {
                    (Some(s), vars) => (s, pointer::push_index(&sub_ptr, 0), vars),
                    _ => return,
                },
                _ => return,
            };
            map.push_string(&ctx.text, span(ctx, &tptr), tmpl, ctx.format);
            content.push_str(tmpl);
            let var_names: BTreeSet<String> = vars
                .map(|v| v.keys().cloned().collect())
                .unwrap_or_default();
            let substitutions: BTreeSet<&str> = props
                .get("DefinitionSubstitutions")
                .and_then(Value::as_object)
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let mut used_vars = BTreeSet::new();
            for p in placeholders(tmpl) {
                if p.literal {
                    stage2.push((p.name, p.range));
                    continue;
                }
                used_vars.insert(p.name.clone());
                if scope.resolves(&p.name, &var_names) {
                    continue;
                }
                let mut d = UNDEFINED_SUBSTITUTION.at(
                    tptr.clone(),
                    format!(
                        "`Fn::Sub` cannot resolve `${{{}}}`: no parameter, resource, pseudo parameter or variable has that name",
                        p.name
                    ),
                );
                if substitutions.contains(p.name.as_str()) {
                    // Fn::Sub runs first and fails the deployment; the Step Functions
                    // substitution never sees it (CloudFormation docs, Fn::Sub: `${!Literal}`).
                    d = d.help(format!("`{0}` is a DefinitionSubstitutions key: write `${{!{0}}}` so Fn::Sub leaves it alone", p.name));
                    stage2.push((p.name.clone(), p.range));
                }
                d.span = map.map(p.range);
                out.diagnostics.push(d);
            }
            if let Some(vars) = vars {
                let vptr = pointer::push_index(&sub_ptr, 1);
                for k in vars.keys().filter(|k| !used_vars.contains(*k)) {
                    let ptr = pointer::push(&vptr, k);
                    let mut d = UNUSED_SUBSTITUTION
                        .at(
                            ptr.clone(),
                            format!("`Fn::Sub` variable `{k}` is not used by the definition"),
                        )
                        .help(format!("remove it, or use it as `${{{k}}}`"))
                        .on_key();
                    d.span = ctx.locations.key_span(&ptr);
                    out.diagnostics.push(d);
                }
            }
            base = tptr;
        }
        (_, Some(("Fn::Join", Value::Array(args)))) => {
            let join_ptr = pointer::push(dptr, "Fn::Join");
            let delim = args.first().and_then(Value::as_str).unwrap_or_default();
            let delim_span = span(ctx, &pointer::push_index(&join_ptr, 0));
            let Some(parts) = args.get(1).and_then(Value::as_array) else {
                return;
            };
            let parts_ptr = pointer::push_index(&join_ptr, 1);
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    map.push_opaque(delim_span, delim.len());
                    content.push_str(delim);
                }
                let part_ptr = pointer::push_index(&parts_ptr, i);
                let at = content.len();
                match part {
                    Value::String(s) => {
                        map.push_string(&ctx.text, span(ctx, &part_ptr), s, ctx.format);
                        content.push_str(s);
                        stage2.extend(
                            placeholders(s)
                                .into_iter()
                                .filter(|p| !p.literal)
                                .map(|p| (p.name, p.range.shifted(at))),
                        );
                    }
                    other => {
                        // An intrinsic function: stands for a value CloudFormation fills in.
                        let text = match asl_view(other) {
                            Value::String(s) if !s.contains('"') => s,
                            _ => "${Fn}".to_string(),
                        };
                        map.push_opaque(span(ctx, &part_ptr), text.len());
                        content.push_str(&text);
                    }
                }
            }
            base = dptr.to_string();
        }
        _ => return,
    }
    for (name, range) in stage2 {
        uses.push(Use {
            name,
            pointer: base.clone(),
            span: map.map(range),
            attached: None,
        });
    }
    match embed::parse(&content, &map, &base, &ctx.locations) {
        Ok(e) => {
            let asl = embedded_asl_view(&e);
            out.diagnostics.extend(e.issues);
            out.documents.push(Document {
                path: ctx.path.to_string(),
                source: ctx.text.clone(),
                format: ctx.format,
                kind: DocKind::Asl,
                index: ctx.index,
                label: Some(id.to_string()),
                base,
                asl: asl.into(),
                raw: e.value.into(),
                locations: e.locations,
                origin: PointerMap::identity(),
                machine_type: None,
                deployment: None,
            });
        }
        Err(d) => out.diagnostics.push(d),
    }
}

/// `dir_of(template)/rel`, lexically normalised (`a/./b/../c` → `a/c`) for display.
fn join_display(template: &str, rel: &str) -> PathBuf {
    let joined = Path::new(template)
        .parent()
        .unwrap_or(Path::new(""))
        .join(rel);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// SAM `DefinitionUri` naming a local file (before `sam package` uploads it).
fn definition_uri(
    ctx: &FileCtx<'_>,
    uri: &str,
    uptr: &str,
    id: &str,
    resolver: &dyn Resolver,
    out: &mut Extracted,
    uses: &mut Vec<Use>,
) {
    let path = join_display(ctx.path, uri);
    let shown = path.to_string_lossy().to_string();
    let unreadable = |msg: String| {
        let mut d = DEFINITION_UNREADABLE.at(uptr, msg);
        d.span = ctx.locations.value_span(uptr);
        d
    };
    if let Err(why) = resolver.allows(Path::new(ctx.path), &path) {
        out.diagnostics.push(unreadable(format!(
            "the definition `{uri}` ({shown}) is not read: {why}"
        )));
        return;
    }
    let text = match resolver.read(&path) {
        Ok(t) => t,
        Err(e) => {
            out.diagnostics.push(unreadable(format!(
                "cannot read the definition `{uri}` ({shown}): {e}"
            )));
            return;
        }
    };
    if let Some(too_large) = crate::source::too_large(&text) {
        out.diagnostics.push(unreadable(format!(
            "the definition `{uri}` ({shown}) is not read: {}",
            too_large.message
        )));
        return;
    }
    let lower = shown.to_ascii_lowercase();
    let format = if lower.ends_with(".json") {
        SourceFormat::Json
    } else {
        SourceFormat::Yaml
    };
    let loaded = match format {
        SourceFormat::Json => load::load_json(&text),
        SourceFormat::Yaml => load::load_yaml(&text, &YamlOptions::default()).and_then(|docs| {
            docs.into_iter()
                .next()
                .ok_or_else(|| unreadable(format!("the definition `{uri}` is empty")))
        }),
    };
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            let at = e
                .span
                .map(|s| LineIndex::new(&text).line_col(&text, s.start));
            let at = at
                .map(|p| format!(" at {}:{}", p.line, p.column))
                .unwrap_or_default();
            out.diagnostics.push(unreadable(format!(
                "the definition `{uri}` does not parse{at}: {}",
                e.message
            )));
            return;
        }
    };
    let index = out.documents.len();
    let source: Arc<str> = text.into();
    uses.extend(uses_in_data(
        &loaded.value,
        "",
        &source,
        &loaded.locations,
        format,
        Some(index),
    ));
    out.attached
        .extend(loaded.issues.into_iter().map(|d| (index, d)));
    out.documents.push(Document {
        path: shown,
        source,
        format,
        kind: DocKind::Asl,
        index: 0,
        label: Some(id.to_string()),
        base: String::new(),
        asl: asl_view(&loaded.value).into(),
        raw: loaded.value.into(),
        locations: Arc::new(loaded.locations),
        origin: PointerMap::identity(),
        machine_type: None,
        deployment: None,
    });
}
