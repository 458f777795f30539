//! From a policy result to a located [`Diagnostic`].
//!
//! A result is a string (the message) or an object with `msg` and optional `code`,
//! `severity`, `help`, and one of these locators, tried in this order:
//!
//! - `path`: a list of keys and indexes into the policy input. `["raw", ...]` addresses the
//!   file as written; `["states", i, field, ...]` a normalized state (`retry`, `catch`,
//!   `timeout_seconds`... map to their ASL fields); anything else is read as a path into the
//!   ASL view (`["States", "Charge", "TimeoutSeconds"]`), which for NEXUS files maps back to
//!   the YAML it came from.
//! - `pointer`: a JSON Pointer into the ASL view.
//! - `state` (a state name, any depth) with optional `field` (an ASL field name).
//!
//! Without a locator the finding is about the whole file. A path to a field that does not
//! exist (the usual "missing X") points at the nearest enclosing node that does.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use nexus_schema::pointer;
use nexus_schema::{Code, Diagnostic, Document, Severity, Target};

/// Codes and names of user policies are chosen at run time, while a [`Diagnostic`] holds
/// `&'static str`: each distinct string is leaked once. Bounded, so a policy that makes up
/// a code per state cannot grow memory without limit.
const MAX_INTERNED: usize = 4096;

fn intern(s: &str) -> Option<&'static str> {
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| Mutex::new(HashSet::new()));
    let mut t = table.lock().ok()?;
    if let Some(x) = t.get(s) {
        return Some(x);
    }
    if t.len() >= MAX_INTERNED {
        return None;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    t.insert(leaked);
    Some(leaked)
}

/// `&'static` copy of a string (interned; falls back to `fallback` past the bound).
pub(crate) fn static_str(s: &str, fallback: &'static str) -> &'static str {
    intern(s).unwrap_or(fallback)
}

/// A user code must look like a code: letters then digits (`NX901`, `ACME12`).
pub(crate) fn valid_code(s: &str) -> bool {
    let letters = s.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = s.len() - letters;
    (1..=8).contains(&letters)
        && (1..=6).contains(&digits)
        && s[letters..].chars().all(|c| c.is_ascii_digit())
}

/// Default code of user policies that name none.
pub const USER_POLICY: Code = Code("NX900");

/// What the rule that produced a result is.
pub(crate) struct Origin<'a> {
    pub code: Code,
    pub name: &'static str,
    pub severity: Severity,
    /// `data.main.deny` (for the note).
    pub rule: &'a str,
    /// Result fields may override code and severity (user policies).
    pub overridable: bool,
}

/// Turn one result into a located diagnostic.
pub(crate) fn to_diagnostic(
    doc: &Document,
    input: Input<'_>,
    origin: &Origin<'_>,
    result: &Value,
) -> Diagnostic {
    let (message, obj) = match result {
        Value::String(s) => (s.clone(), None),
        Value::Object(o) => {
            let msg = o
                .get("msg")
                .or_else(|| o.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string);
            (msg.unwrap_or_else(|| result.to_string()), Some(o))
        }
        Value::Bool(true) => (format!("`{}` is true", origin.rule), None),
        other => (other.to_string(), None),
    };
    let mut code = origin.code;
    let mut severity = origin.severity;
    let mut name = origin.name;
    if origin.overridable {
        if let Some(c) = obj
            .and_then(|o| o.get("code"))
            .and_then(Value::as_str)
            .filter(|c| valid_code(c))
        {
            code = Code(static_str(c, USER_POLICY.0));
        }
        if let Some(s) = obj
            .and_then(|o| o.get("severity"))
            .and_then(Value::as_str)
            .and_then(Severity::parse)
        {
            severity = s;
        }
        if let Some(n) = obj.and_then(|o| o.get("name")).and_then(Value::as_str) {
            name = static_str(n, origin.name);
        }
    }
    let mut d = Diagnostic::dynamic(code, name, severity, "", message);
    let loc = obj
        .map(|o| locate(doc, input, o))
        .unwrap_or(Located::Asl(String::new(), false));
    match loc {
        Located::Asl(p, key) => {
            d.target = if key { Target::Key } else { Target::Value };
            d.span = doc.span_of(&p, key);
            d.pointer = doc.source_pointer(&p);
        }
        Located::Source(full) => {
            d.span = doc
                .locations
                .get(&full)
                .map(|l| l.value)
                .or_else(|| doc.locations.nearest_value_span(&full).map(|x| x.1));
            d.pointer = full;
        }
    }
    // A finding about the workflow as a whole (a missing top-level field, no locator at all)
    // points at its `StartAt`, not at every line of the definition.
    if d.span.is_some_and(|s| doc.is_whole_definition(s)) {
        d.target = Target::Key;
        d.span = doc.anchor_span();
    }
    if let Some(h) = obj.and_then(|o| o.get("help")).and_then(Value::as_str) {
        d.help = Some(h.to_string());
    }
    if origin.overridable {
        d.notes.push(nexus_schema::Note::text(format!(
            "reported by policy `{}`",
            origin.rule
        )));
    }
    d
}

/// The policy input a finding is located in: the regorus value Rego evaluated
/// ([`super::rego_input::build`]).
#[derive(Clone, Copy)]
pub(crate) struct Input<'a>(pub &'a regorus::Value);

impl<'a> Input<'a> {
    fn get(self, key: &str) -> Option<Input<'a>> {
        match self.0 {
            regorus::Value::Object(o) => o.get(&regorus::Value::from(key)).map(Input),
            _ => None,
        }
    }

    fn at(self, i: usize) -> Option<Input<'a>> {
        match self.0 {
            regorus::Value::Array(a) => a.get(i).map(Input),
            _ => None,
        }
    }

    /// Items of an array (0 for anything else).
    fn len(self) -> usize {
        match self.0 {
            regorus::Value::Array(a) => a.len(),
            _ => 0,
        }
    }

    fn as_str(self) -> Option<&'a str> {
        match self.0 {
            regorus::Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn is_null(self) -> bool {
        matches!(self.0, regorus::Value::Null)
    }
}

enum Located {
    /// A pointer into the ASL view; `true` = point at the key (a whole state).
    Asl(String, bool),
    /// A pointer into the file as written (from the file's root).
    Source(String),
}

fn token(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|i| i.to_string()),
        _ => None,
    }
}

fn locate(doc: &Document, input: Input<'_>, o: &serde_json::Map<String, Value>) -> Located {
    if let Some(path) = o.get("path").and_then(Value::as_array) {
        let toks: Vec<String> = path.iter().filter_map(token).collect();
        if toks.len() == path.len() {
            let nexus = doc.kind == nexus_schema::DocKind::Nexus;
            return locate_path(&doc.base, nexus, input, &toks);
        }
    }
    if let Some(p) = o.get("pointer").and_then(Value::as_str)
        && (p.is_empty() || p.starts_with('/'))
    {
        return Located::Asl(p.to_string(), false);
    }
    if let Some(name) = o.get("state").and_then(Value::as_str) {
        let state = input.get("states").and_then(|ss| {
            (0..ss.len())
                .filter_map(|i| ss.at(i))
                .find(|s| s.get("name").and_then(Input::as_str) == Some(name))
        });
        if let Some(id) = state.and_then(|s| s.get("id")).and_then(Input::as_str) {
            return match o.get("field").and_then(Value::as_str) {
                Some(f) => Located::Asl(pointer::push(id, f), true),
                None => Located::Asl(id.to_string(), true),
            };
        }
    }
    Located::Asl(String::new(), false)
}

/// ASL field of a normalized state field.
fn asl_field(f: &str) -> Option<&'static str> {
    Some(match f {
        "retry" => "Retry",
        "catch" => "Catch",
        "timeout_seconds" => "TimeoutSeconds",
        "timeout_seconds_path" => "TimeoutSecondsPath",
        "heartbeat_seconds" => "HeartbeatSeconds",
        "heartbeat_seconds_path" => "HeartbeatSecondsPath",
        "max_concurrency" => "MaxConcurrency",
        "max_concurrency_path" => "MaxConcurrencyPath",
        "resource" | "function_name" | "integration" | "wait_for_task_token" | "is_activity" => {
            "Resource"
        }
        "next" => "Next",
        "end" => "End",
        "comment" => "Comment",
        "seconds" => "Seconds",
        "query_language" => "QueryLanguage",
        "type" | "kind" => "Type",
        _ => return None,
    })
}

/// Retrier/catcher fields of the normalized lists.
fn asl_sub_field(f: &str) -> Option<&'static str> {
    Some(match f {
        "errors" => "ErrorEquals",
        "max_attempts" => "MaxAttempts",
        "interval_seconds" => "IntervalSeconds",
        "backoff_rate" => "BackoffRate",
        "max_delay_seconds" => "MaxDelaySeconds",
        "jitter_strategy" => "JitterStrategy",
        "next" => "Next",
        "result_path" => "ResultPath",
        _ => return None,
    })
}

fn locate_path(base: &str, nexus: bool, input: Input<'_>, toks: &[String]) -> Located {
    match toks.first().map(String::as_str) {
        Some("raw") => Located::Source(format!("{base}{}", pointer::from_tokens(&toks[1..]))),
        Some("states") => {
            let state = toks
                .get(1)
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| input.get("states")?.at(i));
            let Some(id) = state.and_then(|s| s.get("id")).and_then(Input::as_str) else {
                return Located::Asl(String::new(), false);
            };
            let rest = &toks[2..];
            match rest.first().map(String::as_str) {
                None => Located::Asl(id.to_string(), true),
                Some("definition") => {
                    Located::Asl(format!("{id}{}", pointer::from_tokens(&rest[1..])), false)
                }
                Some("compensation") => {
                    let p = state
                        .and_then(|s| s.get("compensation"))
                        .and_then(|c| c.get("pointer"))
                        .and_then(Input::as_str);
                    match p {
                        Some(p) => Located::Source(p.to_string()),
                        None => Located::Asl(id.to_string(), true),
                    }
                }
                Some("action") => {
                    // The NEXUS `action` sits in the state as written; ASL has `Resource`.
                    let src = state
                        .filter(|s| s.get("action").is_some_and(|a| !a.is_null()))
                        .and_then(|s| s.get("source_pointer"))
                        .and_then(Input::as_str);
                    match src {
                        Some(sp) => Located::Source(format!("{sp}/action")),
                        None => Located::Asl(format!("{id}/Resource"), false),
                    }
                }
                Some(f) => match asl_field(f) {
                    Some(field) => {
                        let mut p = pointer::push(id, field);
                        if let Some(i) = rest.get(1) {
                            p = pointer::push(&p, i);
                            if let Some(sub) = rest.get(2).and_then(|s| asl_sub_field(s)) {
                                p = pointer::push(&p, sub);
                            }
                        }
                        Located::Asl(p, false)
                    }
                    None => Located::Asl(id.to_string(), true),
                },
            }
        }
        Some("edges") => {
            let p = toks
                .get(1)
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| input.get("edges")?.at(i)?.get("pointer")?.as_str());
            Located::Asl(p.unwrap_or("").to_string(), false)
        }
        Some("workflow") => {
            let field = match toks.get(1).map(String::as_str) {
                Some("start_at") => "StartAt",
                Some("timeout_seconds") => "TimeoutSeconds",
                Some("comment") => "Comment",
                Some("query_language") => "QueryLanguage",
                Some("version") => "Version",
                _ => return Located::Asl(String::new(), false),
            };
            // A NEXUS workflow spells the field its own way; when it is absent, the pointer
            // still names it as the user would write it (`/timeout_seconds`, not the ASL key).
            if nexus {
                let key = nexus_schema::nexus::top_level_key(field);
                Located::Source(format!("{base}/{key}"))
            } else {
                Located::Asl(format!("/{field}"), false)
            }
        }
        Some("deployment") => locate_deployment(input, &toks[1..]),
        Some("file") | Some("graph") | None => Located::Asl(String::new(), false),
        Some(_) => {
            // A path into the ASL view: a state's own pointer points at its key.
            let p = pointer::from_tokens(toks);
            let key = toks.len() == 2 && toks[0] == "States";
            Located::Asl(p, key)
        }
    }
}

/// A path into `input.deployment`: the setting where the template writes it (its own
/// spelling: SAM `Logging`, Serverless `loggingConfig`), or the role resource's trust policy;
/// settings from nexus.toml have no place in the file, so the finding is about the workflow.
fn locate_deployment(input: Input<'_>, toks: &[String]) -> Located {
    let d = input.get("deployment");
    let at = d.and_then(|d| d.get("Pointer")).and_then(Input::as_str);
    let origin = d.and_then(|d| d.get("Source")).and_then(Input::as_str);
    let (Some(at), Some(origin)) = (at, origin) else {
        return Located::Asl(String::new(), false);
    };
    match toks.first().map(String::as_str) {
        Some("Role") => {
            let id = d
                .and_then(|d| d.get("Role")?.get("LogicalId"))
                .and_then(Input::as_str)
                .unwrap_or_default();
            let resources = if origin == "serverless" {
                "/resources/Resources"
            } else {
                "/Resources"
            };
            let rest = pointer::from_tokens(toks.get(1..).unwrap_or_default());
            Located::Source(format!(
                "{resources}/{}/Properties{rest}",
                pointer::escape(id)
            ))
        }
        Some(member) => match nexus_schema::deployment::source_key(origin, member) {
            Some(key) => Located::Source(format!("{at}/{key}{}", pointer::from_tokens(&toks[1..]))),
            None => Located::Source(at.to_string()),
        },
        None => Located::Source(at.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_codes() {
        assert!(valid_code("NX901"));
        assert!(valid_code("ACME12"));
        assert!(!valid_code("nx901"));
        assert!(!valid_code("NX"));
        assert!(!valid_code("901"));
        assert!(!valid_code("NX9a1"));
    }

    #[test]
    fn maps_normalized_paths_to_asl_fields() {
        let input = regorus::Value::from(
            serde_json::json!({"states": [{"id": "/States/A~1b", "name": "A/b"}]}),
        );
        let toks = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match locate_path(
            "",
            false,
            Input(&input),
            &toks(&["states", "0", "retry", "1", "max_attempts"]),
        ) {
            Located::Asl(p, _) => assert_eq!(p, "/States/A~1b/Retry/1/MaxAttempts"),
            Located::Source(_) => panic!("wrong kind"),
        }
        match locate_path("", false, Input(&input), &toks(&["States", "A/b"])) {
            Located::Asl(p, key) => {
                assert_eq!(p, "/States/A~1b");
                assert!(key);
            }
            Located::Source(_) => panic!("wrong kind"),
        }
        match locate_path("", false, Input(&input), &toks(&["raw", "states", "0"])) {
            Located::Source(p) => assert_eq!(p, "/states/0"),
            Located::Asl(..) => panic!("wrong kind"),
        }
        // A workflow field: the ASL key in ASL, the NEXUS key (as written) in NEXUS YAML.
        let field = toks(&["workflow", "timeout_seconds"]);
        match locate_path("", false, Input(&input), &field) {
            Located::Asl(p, _) => assert_eq!(p, "/TimeoutSeconds"),
            Located::Source(_) => panic!("wrong kind"),
        }
        match locate_path("", true, Input(&input), &field) {
            Located::Source(p) => assert_eq!(p, "/timeout_seconds"),
            Located::Asl(..) => panic!("wrong kind"),
        }
        match locate_path("", true, Input(&input), &toks(&["workflow", "start_at"])) {
            Located::Source(p) => assert_eq!(p, "/start"),
            Located::Asl(..) => panic!("wrong kind"),
        }
    }
}
