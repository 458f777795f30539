//! `policies:` entries: reading them (from `*.policies.yaml` files and from a NEXUS
//! workflow's own `policies:` list) and checking a document against them.
//!
//! An entry: `{name?, rule, when?, severity? (error|warning|info, default error),
//! message?, code? (default NX900), help?}`. `message` may use `{name}` (the subject's
//! name) and `{rule}`.

use serde_json::{Map, Value};

use nexus_schema::{Code, Diagnostic, DocKind, Document, Note, Severity, Target};

use super::eval::{eval, truthy};
use super::parse::{Expr, parse};
use crate::policy::PolicyError;
use crate::policy::findings::{USER_POLICY, static_str, valid_code};
use crate::rule::RuleMeta;

/// What a rule is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Each Task state, as `function`.
    Function,
    /// Each state, as `state`.
    State,
    /// The document once, as `workflow` / `input`.
    Workflow,
}

/// One `rule:` policy, parsed.
#[derive(Clone, Debug)]
pub struct ExprPolicy {
    pub name: String,
    pub code: Code,
    pub severity: Severity,
    pub rule_text: String,
    pub rule: Expr,
    pub when: Option<Expr>,
    pub subject: Subject,
    pub message: Option<String>,
    pub help: Option<String>,
}

nexus_schema::declare_code! {
    /// ## What it does
    /// Reports entries of a workflow's `policies:` list whose `rule` (or `when`) does not parse,
    /// lacks a field, or names an unknown severity or policy, with the column of the problem.
    /// ## Why is this bad?
    /// The policy the author meant to enforce is not enforced at all.
    /// ## Example
    /// `rule: "function.retry_count = 3"` (comparison is `==`).
    static INVALID_RULE = {
        code: NX042,
        name: "invalid-policy-rule",
        severity: Error,
        summary: "A `policies:` entry of a NEXUS workflow that cannot be used.",
    }
}

/// The metadata of NX042.
pub fn invalid_rule_meta() -> &'static RuleMeta {
    &INVALID_RULE
}

/// Parse one entry. `Err` is a message and the field it is about (`rule`, `when`, ...).
pub fn parse_entry(index: usize, entry: &Value) -> Result<ExprPolicy, (String, &'static str)> {
    let Some(o) = entry.as_object() else {
        return Err(("a policy is a mapping with at least `rule`".into(), ""));
    };
    let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(rule_text) = text("rule") else {
        return Err((
            "the policy has no `rule` (a string such as \"function.retry_count >= 3\")".into(),
            "",
        ));
    };
    let rule = parse(&rule_text).map_err(|e| (format!("`rule` does not parse: {e}"), "rule"))?;
    let when = match text("when") {
        Some(w) => Some(parse(&w).map_err(|e| (format!("`when` does not parse: {e}"), "when"))?),
        None => None,
    };
    let mentions = |v: &str| rule.mentions(v) || when.as_ref().is_some_and(|w| w.mentions(v));
    let subject = match (mentions("function"), mentions("state")) {
        (true, true) => {
            return Err((
                "a rule is about `function` (each Task) or `state` (each state), not both".into(),
                "rule",
            ));
        }
        (true, false) => Subject::Function,
        (false, true) => Subject::State,
        (false, false) => Subject::Workflow,
    };
    let severity = match o.get("severity") {
        None => Severity::Error,
        Some(v) => v.as_str().and_then(Severity::parse).ok_or_else(|| {
            (
                format!("unknown severity {v} (use error, warning or info)"),
                "severity",
            )
        })?,
    };
    let code = match text("code") {
        None => USER_POLICY,
        Some(c) if valid_code(&c) => Code(static_str(&c, USER_POLICY.0)),
        Some(c) => {
            return Err((
                format!("`{c}` is not a code (letters then digits, such as NX901)"),
                "code",
            ));
        }
    };
    Ok(ExprPolicy {
        name: text("name").unwrap_or_else(|| format!("policy-{}", index + 1)),
        code,
        severity,
        rule_text,
        rule,
        when,
        subject,
        message: text("message"),
        help: text("help"),
    })
}

/// A YAML text as JSON (YAML 1.2 booleans: `yes` stays a string).
pub fn yaml_value(text: &str) -> Result<Value, String> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| e.to_string())
}

/// A `*.policies.yaml` file: a list of entries, or a mapping with a `policies:` list.
pub fn load_rule_file(path: &str, text: &str) -> Result<Vec<ExprPolicy>, PolicyError> {
    let v = yaml_value(text).map_err(|message| PolicyError::Parse {
        file: path.to_string(),
        message,
    })?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("policies").and_then(Value::as_array) {
            Some(a) => a,
            None => {
                return Err(PolicyError::Parse {
                    file: path.to_string(),
                    message: "expected a `policies:` list".into(),
                });
            }
        },
        _ => {
            return Err(PolicyError::Parse {
                file: path.to_string(),
                message: "expected a list of policies".into(),
            });
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            parse_entry(i, e).map_err(|(message, field)| PolicyError::Parse {
                file: format!(
                    "{path}: policies[{i}]{}{field}",
                    if field.is_empty() { "" } else { "." }
                ),
                message,
            })
        })
        .collect()
}

impl ExprPolicy {
    /// Findings of this policy on one document (its input built by `input::build`).
    pub fn evaluate(&self, doc: &Document, input: &Value) -> Vec<Diagnostic> {
        let mut scope = Map::new();
        scope.insert("input".into(), input.clone());
        scope.insert(
            "workflow".into(),
            input.get("workflow").cloned().unwrap_or(Value::Null),
        );
        let mut out = Vec::new();
        let var = match self.subject {
            Subject::Function => "function",
            Subject::State => "state",
            Subject::Workflow => {
                if !self.passes(&scope) {
                    out.push(self.finding(doc, &scope, None));
                }
                return out;
            }
        };
        for s in input
            .get("states")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if self.subject == Subject::Function
                && s.get("kind").and_then(Value::as_str) != Some("Task")
            {
                continue;
            }
            scope.insert(var.into(), s.clone());
            if !self.passes(&scope) {
                out.push(self.finding(doc, &scope, Some(s)));
            }
        }
        out
    }

    fn passes(&self, scope: &Map<String, Value>) -> bool {
        if let Some(w) = &self.when
            && !truthy(&eval(w, scope))
        {
            return true;
        }
        truthy(&eval(&self.rule, scope))
    }

    fn finding(
        &self,
        doc: &Document,
        scope: &Map<String, Value>,
        state: Option<&Value>,
    ) -> Diagnostic {
        let name = state
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let what = match self.subject {
            Subject::Function => format!("task `{name}`"),
            Subject::State => format!("state `{name}`"),
            Subject::Workflow => "the workflow".to_string(),
        };
        let message = match &self.message {
            Some(m) => m.replace("{name}", name).replace("{rule}", &self.rule_text),
            None => format!(
                "{what} does not satisfy `{}` (policy `{}`)",
                self.rule_text, self.name
            ),
        };
        let dname = static_str(&self.name, "user-policy");
        let ptr = state
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut d = Diagnostic::dynamic(
            self.code,
            dname,
            self.severity,
            doc.source_pointer(ptr),
            message,
        );
        d.target = if ptr.is_empty() {
            Target::Value
        } else {
            Target::Key
        };
        d.span = doc.span_of(ptr, !ptr.is_empty());
        let mut paths = Vec::new();
        self.rule.paths(&mut paths);
        for (text, e) in paths {
            d.notes
                .push(Note::text(format!("{text} is {}", eval(&e, scope))));
        }
        d.help = self.help.clone();
        d
    }
}

/// The `policies:` list of a NEXUS workflow, checked against that workflow. Entries that
/// cannot be used are NX042 findings at the entry.
pub fn inline_policies(doc: &Document, input: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if doc.kind != DocKind::Nexus {
        return out;
    }
    let Some(list) = doc.raw.get("policies") else {
        return out;
    };
    let Some(list) = list.as_array() else {
        out.push(located(
            doc,
            "/policies",
            INVALID_RULE.at("", "`policies` must be a list of policies"),
        ));
        return out;
    };
    for (i, entry) in list.iter().enumerate() {
        // A bare string names a policy defined elsewhere (a policy file or the bundled
        // pack), which runs on every document anyway.
        if entry.is_string() {
            continue;
        }
        match parse_entry(i, entry) {
            Ok(p) => out.extend(p.evaluate(doc, input)),
            Err((msg, field)) => {
                let p = if field.is_empty() {
                    format!("/policies/{i}")
                } else {
                    format!("/policies/{i}/{field}")
                };
                out.push(located(doc, &p, INVALID_RULE.at("", msg)));
            }
        }
    }
    out
}

/// Point a diagnostic at a pointer of the document as written.
fn located(doc: &Document, source_ptr: &str, mut d: Diagnostic) -> Diagnostic {
    let full = format!("{}{}", doc.base, source_ptr);
    d.span = doc
        .locations
        .get(&full)
        .map(|l| l.value)
        .or_else(|| doc.locations.nearest_value_span(&full).map(|x| x.1));
    d.pointer = full;
    d
}
