//! Policies: Rego (regorus) in conftest's conventions, the bundled NX3xx pack, and the small
//! `rule:` expression language of NEXUS `policies:` lists.
//!
//! A [`PolicySet`] is loaded once per run ([`PolicySet::load`]): every file parsed, data
//! merged, the rules compiled for regorus's virtual machine (the bundled pack alone comes
//! compiled at build time, `lint/build.rs`). [`PolicySet::evaluate`] then sets the `input`
//! ([`input::build`], documented in `docs/policies.md` and `nexus schema policy-input`) on a
//! fresh virtual machine per document (or a clone of the prepared engine, for policies that
//! do not compile) and evaluates the rules. Findings come back as located [`Diagnostic`]s
//! (pointer into the file as written, span set).
//!
//! Conftest conventions: packages `main` by default (`namespaces`, `all_namespaces`), rules
//! `deny`/`violation` (errors) and `warn` (warnings) and their `_suffix` variants, results as
//! strings or objects with `msg`, `exception` rules naming suffixes to skip, `--data` files
//! merged under `data`. Sandbox: regorus is built without `http.send` and without file or
//! environment builtins, and each evaluation runs under an execution timer.

pub mod bundled;
pub mod expr;
mod findings;
pub mod input;
mod names;
mod recursion;
pub mod rego;
mod rego_input;
pub mod testrun;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use nexus_schema::ir::Workflow;
use nexus_schema::{Diagnostic, Document, Severity};

use crate::rule::RuleMeta;
pub use findings::USER_POLICY;

/// The JSON Schema of the policy input (`nexus schema policy-input`).
pub const INPUT_SCHEMA: &str = include_str!("../schemas/policy-input.schema.json");

/// Does `s` look like a rule code (`NX301`, `ACME12`)?
pub(crate) fn valid_code_str(s: &str) -> bool {
    findings::valid_code(s)
}
pub use rego::RegoVersion;

/// Why policies could not be loaded (a tool failure: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("data file {path}: {message}")]
    Data { path: String, message: String },
    #[error("policy engine: {0}")]
    Engine(String),
    /// A rule or function depends on itself, directly or through others (OPA rejects this
    /// at compile time; evaluating it would exhaust the stack).
    #[error("{file}:{line}: recursion: {chain} (Rego does not allow recursion)")]
    Recursion {
        file: String,
        line: u32,
        chain: String,
    },
}

/// What to load.
#[derive(Clone, Debug)]
pub struct PolicyOptions {
    /// Directories (searched recursively) or files: `*.rego` (not `*_test.rego`) and
    /// `*.policies.yaml|yml` rule lists.
    pub paths: Vec<PathBuf>,
    /// JSON or YAML files (or directories of them) merged under `data`.
    pub data: Vec<PathBuf>,
    /// Packages whose rules run (conftest's `--namespace`), default `main`.
    pub namespaces: Vec<String>,
    /// Run the rules of every user package.
    pub all_namespaces: bool,
    pub rego_version: RegoVersion,
    /// Run the bundled NX3xx pack.
    pub bundled: bool,
    /// Settings of the bundled pack, visible as `data.nexus.config` (`min_retries`,
    /// `max_wait_seconds`, `state_changing_actions`).
    pub settings: Map<String, Value>,
    /// Longest one document's evaluation may take.
    pub timeout: Duration,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            data: Vec::new(),
            namespaces: vec!["main".into()],
            all_namespaces: false,
            rego_version: RegoVersion::Auto,
            bundled: true,
            settings: Map::new(),
            timeout: Duration::from_secs(5),
        }
    }
}

/// Policies loaded and ready to evaluate.
pub struct PolicySet {
    evaluator: Evaluator,
    timeout: Duration,
    packages: Vec<rego::Package>,
    namespaces: Vec<String>,
    all_namespaces: bool,
    rules: Vec<expr::ExprPolicy>,
    /// User Rego files loaded.
    pub files: Vec<String>,
}

/// How the Rego rules are evaluated.
enum Evaluator {
    /// Every rule compiled for regorus's virtual machine (RVM), when the policies compile:
    /// ~30x faster than the tree-walking interpreter on a small document, which pays an engine
    /// clone per document. The bundled pack alone comes compiled at build time
    /// ([`rego::prebuilt_bundled`]).
    Vm {
        program: std::sync::Arc<regorus::rvm::program::Program>,
        /// `data` as the engine merged it (settings, `--data` files).
        data: regorus::Value,
    },
    /// The prepared engine, cloned per document.
    Interpreter(Box<regorus::Engine>),
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field(
                "packages",
                &self.packages.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .field("rules", &self.rules.len())
            .finish()
    }
}

nexus_schema::declare_code! {
    /// ## What it does
    /// Reports a Rego rule that raised an error or exceeded the evaluation time limit on a document
    /// (policies are stopped, never allowed to hang the run).
    /// ## Why is this bad?
    /// The policy's verdict on this document is unknown, so a violation may be hidden.
    /// ## Example
    /// A rule that divides by a field that is zero, or iterates `numbers.range(1, 1e9)`.
    static POLICY_FAILED = {
        code: NX043,
        name: "policy-failed",
        severity: Error,
        summary: "A policy failed or ran out of time on this document.",
    }
}

/// Codes the policy machinery itself reports.
pub fn metas() -> Vec<&'static RuleMeta> {
    let mut v = bundled::metas();
    v.push(&POLICY_FAILED);
    v.push(expr::invalid_rule_meta());
    v
}

impl PolicySet {
    /// Parse every policy file and data file once.
    pub fn load(options: &PolicyOptions) -> Result<Self, PolicyError> {
        Self::load_with(options, true)
    }

    /// [`Self::load`]; `vm` false evaluates with the tree-walking interpreter even when the
    /// policies compile (the reference the virtual machine is tested against).
    fn load_with(options: &PolicyOptions, vm: bool) -> Result<Self, PolicyError> {
        let mut settings = Map::new();
        settings.insert(
            "nexus".into(),
            serde_json::json!({"config": options.settings}),
        );
        let settings = regorus::Value::from(Value::Object(settings));
        let mut rule_files = Vec::new();
        let mut user_files = Vec::new();
        let mut sources = Vec::new();
        for p in &options.paths {
            for file in collect_files(p, &|name| {
                name.ends_with(".rego") && !name.ends_with("_test.rego")
            })? {
                let text = read(&file)?;
                user_files.push(file.display().to_string());
                sources.push(rego::RegoSource {
                    path: file.display().to_string(),
                    text,
                    bundled: false,
                });
            }
            for file in collect_files(p, &is_rule_list)? {
                rule_files.push(file);
            }
        }
        let mut rules = Vec::new();
        for file in rule_files {
            let text = read(&file)?;
            rules.extend(expr::load_rule_file(&file.display().to_string(), &text)?);
        }
        let set = |evaluator, packages| Self {
            evaluator,
            timeout: options.timeout,
            packages,
            namespaces: options.namespaces.clone(),
            all_namespaces: options.all_namespaces,
            rules,
            files: user_files,
        };
        // The default run (the bundled pack, no Rego of the user's, no `--data`): the program
        // compiled at build time, no parsing or compiling here.
        if vm
            && options.bundled
            && sources.is_empty()
            && options.data.is_empty()
            && let Some((program, packages)) = rego::prebuilt_bundled()
        {
            let data = settings;
            return Ok(set(Evaluator::Vm { program, data }, packages));
        }
        if options.bundled {
            let bundled = bundled::FILES.iter().map(|f| rego::RegoSource {
                path: names::bundled_path(f.name),
                text: f.source.to_string(),
                bundled: true,
            });
            sources.splice(0..0, bundled);
        }
        let mut engine = regorus::Engine::new();
        rego::add_sources(&mut engine, &sources, options.rego_version)?;
        engine
            .add_data(settings)
            .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
        for p in &options.data {
            for file in collect_files(p, &|n| {
                n.ends_with(".json") || n.ends_with(".yaml") || n.ends_with(".yml")
            })? {
                let v = read_data(&file)?;
                engine
                    .add_data(regorus::Value::from(v))
                    .map_err(|e| PolicyError::Data {
                        path: file.display().to_string(),
                        message: format!("{e:#}"),
                    })?;
            }
        }
        rego::set_timeout(&mut engine, options.timeout);
        let packages = rego::packages(&engine, &sources)?;
        // Prepare once, so every clone starts analysed (regorus prepares lazily on first use).
        engine
            .eval_query("true".to_string(), false)
            .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
        let program = if vm {
            rego::compile(&engine, &packages)
        } else {
            None
        };
        let evaluator = match program {
            Some(program) => Evaluator::Vm {
                program,
                data: engine.get_data(),
            },
            None => Evaluator::Interpreter(Box::new(engine)),
        };
        Ok(set(evaluator, packages))
    }

    /// [`Self::load`] evaluating with the interpreter (see [`Self::load_with`]).
    #[cfg(test)]
    pub(crate) fn interpreted(options: &PolicyOptions) -> Result<Self, PolicyError> {
        Self::load_with(options, false)
    }

    /// Is every rule evaluated on the virtual machine?
    #[cfg(test)]
    pub(crate) fn on_vm(&self) -> bool {
        matches!(self.evaluator, Evaluator::Vm { .. })
    }

    /// The bundled pack alone, with default settings.
    pub fn bundled_only() -> Result<Self, PolicyError> {
        Self::load(&PolicyOptions::default())
    }

    fn selected(&self, pkg: &rego::Package) -> bool {
        pkg.bundled || self.all_namespaces || self.namespaces.contains(&pkg.name)
    }

    /// Every finding of every selected policy on one document, located.
    pub fn evaluate(&self, doc: &Document, ir: &Workflow) -> Vec<Diagnostic> {
        let rego = self
            .packages
            .iter()
            .any(|p| self.selected(p) && !p.rules.is_empty());
        let inline = doc.kind == nexus_schema::DocKind::Nexus && doc.raw.get("policies").is_some();
        let mut out = Vec::new();
        // Building the input is a walk over the whole document: skip it when nothing reads it.
        if !rego && self.rules.is_empty() && !inline {
            return out;
        }
        // Rego reads the input built directly as regorus values (`rego_input`), and its
        // findings are located in it; the serde input only for what reads it (the `rule:`
        // language and inline `policies:`).
        if rego {
            let value = rego_input::build(doc, ir);
            let input = findings::Input(&value);
            match &self.evaluator {
                Evaluator::Vm { program, data } => {
                    let mut vm = rego::vm(program, data, self.timeout);
                    vm.set_input(value.clone());
                    let mut eval = |path: &str| rego::run_entry(&mut vm, path);
                    for pkg in self.packages.iter().filter(|p| self.selected(p)) {
                        self.eval_package(&mut eval, pkg, doc, input, &mut out);
                    }
                }
                Evaluator::Interpreter(prepared) => {
                    let mut engine = (**prepared).clone();
                    engine.set_input(value.clone());
                    let mut eval = |path: &str| rego::eval_rule(&mut engine, path);
                    for pkg in self.packages.iter().filter(|p| self.selected(p)) {
                        self.eval_package(&mut eval, pkg, doc, input, &mut out);
                    }
                }
            }
        }
        if self.rules.is_empty() && !inline {
            return out;
        }
        let input = input::build(doc, ir);
        for rule in &self.rules {
            out.extend(rule.evaluate(doc, &input));
        }
        out.extend(expr::inline_policies(doc, &input));
        out
    }

    fn eval_package(
        &self,
        eval: &mut dyn FnMut(&str) -> Result<Vec<Value>, String>,
        pkg: &rego::Package,
        doc: &Document,
        input: findings::Input<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let excepted = match &pkg.exception {
            Some(path) => match eval(path) {
                Ok(v) => rego::exception_names(&v),
                Err(e) => {
                    out.push(policy_failed(path, &e));
                    Default::default()
                }
            },
            None => Default::default(),
        };
        for rule in &pkg.rules {
            if excepted.contains(&rule.suffix) {
                continue;
            }
            let results = match eval(&rule.path) {
                Ok(r) => r,
                Err(e) => {
                    out.push(policy_failed(&rule.path, &e));
                    continue;
                }
            };
            // A user rule's name (interned), made once per rule and only when a result needs it.
            let mut user_name: Option<&'static str> = None;
            for r in &results {
                let bundled_meta = pkg
                    .bundled
                    .then(|| {
                        r.get("code")
                            .and_then(Value::as_str)
                            .and_then(bundled::meta)
                    })
                    .flatten();
                let origin = match bundled_meta {
                    Some(m) => findings::Origin {
                        code: m.code,
                        name: m.name,
                        severity: m.severity,
                        rule: &rule.path,
                        overridable: false,
                    },
                    None => findings::Origin {
                        code: USER_POLICY,
                        name: user_name.get_or_insert_with(|| {
                            findings::static_str(
                                &format!("{}.{}", pkg.name, rule.name),
                                "user-policy",
                            )
                        }),
                        severity: match rule.kind {
                            rego::RuleKind::Deny | rego::RuleKind::Violation => Severity::Error,
                            rego::RuleKind::Warn => Severity::Warning,
                        },
                        rule: &rule.path,
                        overridable: true,
                    },
                };
                out.push(findings::to_diagnostic(doc, input, &origin, r));
            }
        }
    }
}

fn policy_failed(rule: &str, error: &str) -> Diagnostic {
    let limit = error.contains("time limit");
    let msg = if limit {
        format!("policy `{rule}` ran out of time and was stopped")
    } else {
        format!("policy `{rule}` failed: {error}")
    };
    let mut d = POLICY_FAILED.at("", msg);
    if limit {
        d = d
            .note(error.to_string())
            .help("simplify the rule, or raise the limit with `policy.timeout_ms` in nexus.toml");
    }
    d
}

fn is_rule_list(name: &str) -> bool {
    name.ends_with(".policies.yaml") || name.ends_with(".policies.yml")
}

fn read(path: &Path) -> Result<String, PolicyError> {
    std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// A JSON or YAML data file as JSON.
fn read_data(path: &Path) -> Result<Value, PolicyError> {
    let text = read(path)?;
    let name = path.display().to_string();
    if name.ends_with(".json") {
        serde_json::from_str(&text).map_err(|e| PolicyError::Data {
            path: name,
            message: e.to_string(),
        })
    } else {
        expr::yaml_value(&text).map_err(|message| PolicyError::Data {
            path: name,
            message,
        })
    }
}

/// Files under `p` (itself when a file) whose name passes `keep`, sorted for a stable order.
pub(crate) fn collect_files(
    p: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Vec<PathBuf>, PolicyError> {
    let meta = std::fs::metadata(p).map_err(|source| PolicyError::Read {
        path: p.display().to_string(),
        source,
    })?;
    if meta.is_file() {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        return Ok(if keep(&name) {
            vec![p.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let mut out = Vec::new();
    let mut stack = vec![p.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| PolicyError::Read {
            path: dir.display().to_string(),
            source,
        })?;
        for e in entries.filter_map(Result::ok) {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if keep(&name) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
