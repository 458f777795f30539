//! The Rego side: loading policy files into one regorus engine (parsed once per run),
//! finding the conftest rules (`deny`, `warn`, `violation`, their `_suffix` variants and
//! `exception`) of each package, and evaluating them against one document's input on a clone
//! of the prepared engine.
//!
//! Rego syntax version, per file (regorus defaults to v1; conftest-era files are v0):
//! `import rego.v1` means v1; `import future.keywords...` means v0 (that import only exists
//! there); otherwise a file using the `if` or `contains` keywords is v1, else v0. When the
//! guess does not parse, the other version is tried before reporting the first error.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;

use super::PolicyError;

/// Which Rego syntax to parse user files with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RegoVersion {
    /// Detect per file (see the module docs).
    #[default]
    Auto,
    V0,
    V1,
}

pub(crate) use super::names::{BOUNDED_BUILTINS, RuleKind};
use super::names::{classify, rule_path};

/// One rule to evaluate.
#[derive(Clone, Debug)]
pub(crate) struct RuleRef {
    /// `deny`, `deny_no_timeout`, ...
    pub name: String,
    pub kind: RuleKind,
    /// The suffix after `deny_`/`warn_`/`violation_` (`""` for the plain rule): the name an
    /// `exception` refers to (conftest).
    pub suffix: String,
    /// `data.pkg.rule` in Rego reference syntax.
    pub path: String,
}

/// One package with conftest rules.
#[derive(Clone, Debug)]
pub(crate) struct Package {
    /// Dotted package name (`main`, `nexus.policies.task_timeout`).
    pub name: String,
    pub rules: Vec<RuleRef>,
    /// `data.pkg.exception` when the package declares one.
    pub exception: Option<String>,
    /// The package comes from the bundled pack.
    pub bundled: bool,
    /// Files declaring the package (for messages).
    pub files: Vec<String>,
}

/// A loaded Rego module: file name (as given to regorus) and text.
#[derive(Clone, Debug)]
pub(crate) struct RegoSource {
    pub path: String,
    pub text: String,
    pub bundled: bool,
}

/// Does a file use Rego v1 syntax? (see the module docs)
pub fn detect_v1(text: &str) -> bool {
    let code: String = text
        .lines()
        .map(strip_comment)
        .map(strip_strings)
        .collect::<Vec<_>>()
        .join("\n");
    if code.contains("import rego.v1") {
        return true;
    }
    if code.contains("import future.keywords") {
        return false;
    }
    let tokens = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '('))
        .filter(|t| !t.is_empty());
    for t in tokens {
        // `contains(` is the v0 builtin; the bare word is the v1 keyword.
        if t == "if" || t == "contains" {
            return true;
        }
    }
    false
}

/// A line with the contents of its string literals removed (`"if"` is not the keyword).
fn strip_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None => {
                if c == '"' || c == '`' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// A line without its `#` comment (a `#` inside a string literal is kept).
fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            '`' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Parse all sources into `engine`, one syntax version per file.
pub(crate) fn add_sources(
    engine: &mut regorus::Engine,
    sources: &[RegoSource],
    version: RegoVersion,
) -> Result<(), PolicyError> {
    for s in sources {
        let v1 = match version {
            RegoVersion::Auto => detect_v1(&s.text),
            RegoVersion::V0 => false,
            RegoVersion::V1 => true,
        };
        engine.set_rego_v0(!v1);
        let first = engine.add_policy(s.path.clone(), s.text.clone());
        if let Err(e) = first {
            if version != RegoVersion::Auto {
                return Err(PolicyError::Parse {
                    file: s.path.clone(),
                    message: format!("{e:#}"),
                });
            }
            engine.set_rego_v0(v1);
            if engine.add_policy(s.path.clone(), s.text.clone()).is_err() {
                return Err(PolicyError::Parse {
                    file: s.path.clone(),
                    message: format!("{e:#}"),
                });
            }
        }
    }
    engine.set_rego_v0(false);
    if let Some(r) = super::recursion::find(engine.get_modules()) {
        return Err(PolicyError::Recursion {
            file: r.file,
            line: r.line,
            chain: r.chain.join(" -> "),
        });
    }
    add_bounded_builtins(engine)
}

// [`BOUNDED_BUILTINS`] build a collection whose size an argument chooses. regorus allocates
// the whole result in one call, before its execution timer can look (`numbers.range(1, 1e9)`
// took 24 GB): they are replaced by versions that refuse more than [`MAX_BUILT_ITEMS`] items,
// and a program that calls them runs on the interpreter, where the replacements live.

/// Most items one builtin call may build (see [`BOUNDED_BUILTINS`]); documented in
/// `docs/policies.md`.
pub const MAX_BUILT_ITEMS: u64 = 1_000_000;

fn add_bounded_builtins(engine: &mut regorus::Engine) -> Result<(), PolicyError> {
    let err = |e: anyhow::Error| PolicyError::Engine(format!("{e:#}"));
    engine
        .add_extension(
            "numbers.range".into(),
            2,
            Box::new(|args: Vec<regorus::Value>| bounded_range("numbers.range", &args, None)),
        )
        .map_err(err)?;
    engine
        .add_extension(
            "numbers.range_step".into(),
            3,
            Box::new(|args: Vec<regorus::Value>| {
                let step = args.get(2).and_then(|v| v.as_i64().ok());
                match step {
                    Some(s) if s > 0 => bounded_range("numbers.range_step", &args, Some(s)),
                    _ => anyhow::bail!("numbers.range_step: step must be a positive integer"),
                }
            }),
        )
        .map_err(err)
}

/// `numbers.range(a, b)` (`step` `None`: every integer from `a` to `b`, both included, up or
/// down) and `numbers.range_step(a, b, step)` (from `a` towards `b` by `step`, `b` included
/// when reached), as OPA defines them; non-integer bounds are undefined.
fn bounded_range(
    name: &str,
    args: &[regorus::Value],
    step: Option<i64>,
) -> anyhow::Result<regorus::Value> {
    let int = |i: usize| {
        args.get(i)
            .filter(|v| matches!(v, regorus::Value::Number(n) if n.is_integer()))
            .and_then(|v| v.as_i64().ok())
    };
    let (Some(a), Some(b)) = (int(0), int(1)) else {
        return Ok(regorus::Value::Undefined);
    };
    let step = i128::from(step.unwrap_or(1));
    let span = i128::from(b) - i128::from(a);
    let count = span.abs() / step + 1;
    if count > i128::from(MAX_BUILT_ITEMS) {
        anyhow::bail!(
            "{name}: the result would have {count} items, over the limit of {MAX_BUILT_ITEMS}"
        );
    }
    let dir = if span < 0 { -step } else { step };
    let items = (0..count)
        .map(|i| regorus::Value::from(i128::from(a) + i * dir))
        .collect::<Vec<_>>();
    Ok(regorus::Value::from(items))
}

/// `data.pkg.rule` for a package's components (see [`rule_path`]).
pub(crate) fn rule_ref(components: &[String], rule: &str) -> String {
    rule_path(components, rule)
}

/// Names of `test_*` rules at the start of a line (confirmed with regorus by the caller).
pub(crate) fn test_rules(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|l| {
            l.trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|i| i.starts_with("test_"))
        .collect()
}

/// The packages of the loaded sources with their conftest rules, in package-name order.
pub(crate) fn packages(
    engine: &regorus::Engine,
    sources: &[RegoSource],
) -> Result<Vec<Package>, PolicyError> {
    let components = engine
        .get_policy_package_components()
        .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
    let mut by_name: BTreeMap<String, Package> = BTreeMap::new();
    for (pc, src) in components.iter().zip(sources) {
        let name = pc.components.join(".");
        let pkg = by_name.entry(name.clone()).or_insert_with(|| Package {
            name: name.clone(),
            rules: Vec::new(),
            exception: None,
            bundled: src.bundled,
            files: Vec::new(),
        });
        pkg.files.push(src.path.clone());
        for cand in super::names::candidate_rules(&src.text) {
            let declared = engine
                .has_declared_rule_rooted_at(&src.path, &cand)
                .unwrap_or(false);
            if !declared {
                continue;
            }
            let path = rule_path(&pc.components, &cand);
            if cand == "exception" {
                pkg.exception = Some(path);
            } else if let Some((kind, suffix)) = classify(&cand)
                && !pkg.rules.iter().any(|r| r.name == cand)
            {
                pkg.rules.push(RuleRef {
                    name: cand,
                    kind,
                    suffix,
                    path,
                });
            }
        }
    }
    let mut out: Vec<Package> = by_name.into_values().collect();
    for p in &mut out {
        p.rules
            .sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    }
    Ok(out)
}

/// Stop a policy that runs longer than `limit` (checked every 64 work units).
pub(crate) fn set_timeout(engine: &mut regorus::Engine, limit: Duration) {
    let check_interval = NonZeroU32::new(64).unwrap_or(NonZeroU32::MIN);
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit,
        check_interval,
    });
}

/// Compile every rule of every package (and the `exception` rules) into one RVM program.
/// `None` when something does not compile: the interpreter then evaluates everything.
pub(crate) fn compile(
    engine: &regorus::Engine,
    packages: &[Package],
) -> Option<std::sync::Arc<regorus::rvm::program::Program>> {
    let paths: Vec<&str> = packages
        .iter()
        .flat_map(|p| {
            p.rules
                .iter()
                .map(|r| r.path.as_str())
                .chain(p.exception.as_deref())
        })
        .collect();
    let first = *paths.first()?;
    // Compiling turns print gathering on and leaves state behind: use a copy.
    let mut copy = engine.clone();
    let policy = copy.compile_with_entrypoint(&first.into()).ok()?;
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&policy, &paths).ok()?;
    // The virtual machine calls regorus's own builtins, not the bounded replacements.
    let unbounded = program
        .builtin_info_table
        .iter()
        .any(|b| BOUNDED_BUILTINS.contains(&b.name.as_str()));
    (!unbounded).then_some(program)
}

/// A virtual machine for one document: the program, the policies' `data`, the time limit.
pub(crate) fn vm(
    program: &std::sync::Arc<regorus::rvm::program::Program>,
    data: &regorus::Value,
    limit: Duration,
) -> regorus::rvm::vm::RegoVM {
    let mut vm = regorus::rvm::vm::RegoVM::new();
    vm.load_program(program.clone());
    // The time limit stops runaway policies; the instruction limit (25,000 by default) would
    // stop honest ones on large documents.
    vm.set_max_instructions(usize::MAX);
    let check_interval = NonZeroU32::new(64).unwrap_or(NonZeroU32::MIN);
    vm.set_execution_timer_config(Some(ExecutionTimerConfig {
        limit,
        check_interval,
    }));
    // `data` (settings, `--data` files); a failure leaves it empty, which the rules' defaults
    // handle.
    let _ = vm.set_data(data.clone());
    vm
}

/// The bundled pack as `lint/build.rs` compiled it, with its packages, when it was compiled
/// from exactly the files this binary embeds ([`super::bundled::FILES`]); deserialized once
/// per process.
pub(crate) fn prebuilt_bundled()
-> Option<(std::sync::Arc<regorus::rvm::program::Program>, Vec<Package>)> {
    static PREBUILT: std::sync::OnceLock<
        Option<(std::sync::Arc<regorus::rvm::program::Program>, Vec<Package>)>,
    > = std::sync::OnceLock::new();
    PREBUILT.get_or_init(load_prebuilt).clone()
}

fn load_prebuilt() -> Option<(std::sync::Arc<regorus::rvm::program::Program>, Vec<Package>)> {
    static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bundled.rvm"));
    let (key, program) = BYTES.split_at_checked(8)?;
    let mut files: Vec<(&str, &str)> = super::bundled::FILES
        .iter()
        .map(|f| (f.name, f.source))
        .collect();
    files.sort();
    if super::names::fingerprint(files) != u64::from_le_bytes(key.try_into().ok()?) {
        return None;
    }
    let program = match regorus::rvm::program::Program::deserialize_binary(program).ok()? {
        regorus::rvm::program::DeserializationResult::Complete(p) => p,
        regorus::rvm::program::DeserializationResult::Partial(_) => return None,
    };
    // The entry points are the rules `rego::compile` lists: package by package, each
    // package's rules in order, then its `exception`.
    let mut packages: Vec<Package> = Vec::new();
    for path in program.entry_points.keys() {
        let (pkg, rule) = super::names::split_rule_path(path)?;
        if packages.last().is_none_or(|p| p.name != pkg) {
            packages.push(Package {
                name: pkg,
                rules: Vec::new(),
                exception: None,
                bundled: true,
                files: Vec::new(),
            });
        }
        let p = packages.last_mut()?;
        if rule == "exception" {
            p.exception = Some(path.clone());
        } else {
            let (kind, suffix) = classify(&rule)?;
            p.rules.push(RuleRef {
                name: rule,
                kind,
                suffix,
                path: path.clone(),
            });
        }
    }
    Some((std::sync::Arc::new(program), packages))
}

/// What an entry point of the program produced, as JSON.
pub(crate) fn run_entry(
    vm: &mut regorus::rvm::vm::RegoVM,
    path: &str,
) -> Result<Vec<serde_json::Value>, String> {
    let v = vm
        .execute_entry_point_by_name(path)
        .map_err(|e| format!("{e:#}"))?;
    Ok(results(&v))
}

/// What a rule produced for one input, as JSON (sets become arrays).
pub(crate) fn eval_rule(
    engine: &mut regorus::Engine,
    path: &str,
) -> Result<Vec<serde_json::Value>, String> {
    let v = engine
        .eval_rule(path.to_string())
        .map_err(|e| format!("{e:#}"))?;
    Ok(results(&v))
}

fn results(v: &regorus::Value) -> Vec<serde_json::Value> {
    match v {
        regorus::Value::Undefined | regorus::Value::Null | regorus::Value::Bool(false) => {
            Vec::new()
        }
        regorus::Value::Set(s) => s.iter().filter_map(to_json).collect(),
        regorus::Value::Array(a) => a.iter().filter_map(to_json).collect(),
        other => to_json(other).into_iter().collect(),
    }
}

fn to_json(v: &regorus::Value) -> Option<serde_json::Value> {
    if matches!(v, regorus::Value::Undefined) {
        return None;
    }
    serde_json::to_value(v).ok()
}

/// The names an `exception` rule excepts: strings, or arrays of strings (conftest's
/// `exception contains rules if { rules := ["name"] }`).
pub(crate) fn exception_names(values: &[serde_json::Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in values {
        match v {
            serde_json::Value::String(s) => {
                out.insert(s.clone());
            }
            serde_json::Value::Array(a) => {
                out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
            }
            _ => {}
        }
    }
    out
}

/// A JSON value as a regorus value, converted directly (no serde round trip).
#[cfg(test)]
fn to_rego(v: &serde_json::Value) -> regorus::Value {
    Converter::default().value(v)
}

/// Converts JSON values to regorus values, sharing object keys: the keys of a definition
/// repeat in every state (`Type`, `Next`, the policy input's own fields), and a shared key is a
/// reference count instead of an allocation (time and memory). The cache is direct-mapped
/// (a slot per key shape, no hashing of whole keys): a miss only costs the allocation a
/// conversion without it would make.
pub(super) struct Converter {
    keys: Vec<Option<(Box<str>, regorus::Value)>>,
}

impl Default for Converter {
    fn default() -> Self {
        Self {
            keys: vec![None; 512],
        }
    }
}

impl Converter {
    pub(super) fn key(&mut self, k: &str) -> regorus::Value {
        let b = k.as_bytes();
        let first = b.first().copied().map_or(0, usize::from);
        let last = b.last().copied().map_or(0, usize::from);
        let mid = b.get(b.len() / 2).copied().map_or(0, usize::from);
        let slot = (b.len().wrapping_mul(31)
            ^ first.wrapping_mul(7)
            ^ last.wrapping_mul(131)
            ^ mid.wrapping_mul(17))
            % self.keys.len();
        if let Some(Some((s, v))) = self.keys.get(slot)
            && **s == *k
        {
            return v.clone();
        }
        let v = regorus::Value::from(k);
        if let Some(e) = self.keys.get_mut(slot) {
            *e = Some((k.into(), v.clone()));
        }
        v
    }

    pub(super) fn value(&mut self, v: &serde_json::Value) -> regorus::Value {
        use serde_json::Value as J;
        match v {
            J::Null => regorus::Value::Null,
            J::Bool(b) => regorus::Value::from(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    regorus::Value::from(i)
                } else if let Some(u) = n.as_u64() {
                    regorus::Value::from(u)
                } else {
                    regorus::Value::from(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            J::String(s) => regorus::Value::from(s.as_str()),
            J::Array(a) => {
                regorus::Value::from(a.iter().map(|x| self.value(x)).collect::<Vec<_>>())
            }
            J::Object(o) => {
                let mut map = std::collections::BTreeMap::new();
                for (k, x) in o {
                    map.insert(self.key(k), self.value(x));
                }
                regorus::Value::from(map)
            }
        }
    }

    /// [`Self::value`] that also keeps the converted values of the states at `wanted`
    /// pointers (`at` is the pointer of `v`, extended and restored on the way down; a state is
    /// a member of a `States` object, so only those members are looked up).
    pub(super) fn recording(
        &mut self,
        v: &serde_json::Value,
        at: &mut String,
        is_states: bool,
        wanted: &std::collections::HashSet<&str>,
        found: &mut std::collections::HashMap<String, regorus::Value>,
    ) -> regorus::Value {
        use serde_json::Value as J;
        let container = |x: &serde_json::Value| matches!(x, J::Array(_) | J::Object(_));
        match v {
            J::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for (i, x) in a.iter().enumerate() {
                    if !container(x) {
                        items.push(self.value(x));
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    at.push_str(&i.to_string());
                    items.push(self.recording(x, at, false, wanted, found));
                    at.truncate(len);
                }
                regorus::Value::from(items)
            }
            J::Object(o) => {
                let mut map = std::collections::BTreeMap::new();
                for (k, x) in o {
                    let key = self.key(k);
                    if !container(x) {
                        map.insert(key, self.value(x));
                        continue;
                    }
                    let len = at.len();
                    nexus_schema::pointer::push_token(at, k);
                    let converted = self.recording(x, at, k == "States", wanted, found);
                    if is_states && wanted.contains(at.as_str()) {
                        found.insert(at.clone(), converted.clone());
                    }
                    map.insert(key, converted);
                    at.truncate(len);
                }
                regorus::Value::from(map)
            }
            scalar => self.value(scalar),
        }
    }
}

/// `strings` of a state ([`super::input`]'s `own_strings`), from its converted definition;
/// `entry` is the template of an entry (keys `path` and `value`, in that order).
pub(super) fn own_strings(
    def: &regorus::Value,
    entry: &super::rego_input::Template,
) -> regorus::Value {
    struct Walk<'t> {
        /// An entry `{path, value}`.
        entry: &'t super::rego_input::Template,
        path: Vec<regorus::Value>,
        out: Vec<regorus::Value>,
    }
    impl Walk<'_> {
        fn visit(&mut self, v: &regorus::Value) {
            match v {
                regorus::Value::String(_) => {
                    let path = regorus::Value::from(self.path.clone());
                    self.out.push(self.entry.fill([path, v.clone()]));
                }
                regorus::Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        self.path.push(regorus::Value::from(i));
                        self.visit(x);
                        self.path.pop();
                    }
                }
                regorus::Value::Object(o) => {
                    for (k, x) in o.iter() {
                        self.path.push(k.clone());
                        self.visit(x);
                        self.path.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut walk = Walk {
        entry,
        path: Vec::new(),
        out: Vec::new(),
    };
    if let regorus::Value::Object(o) = def {
        for (k, v) in o.iter() {
            if k.as_string()
                .is_ok_and(|s| nexus_schema::ir::SCOPE_FIELDS.contains(&s.as_ref()))
            {
                continue;
            }
            walk.path.push(k.clone());
            walk.visit(v);
            walk.path.pop();
        }
    }
    regorus::Value::from(walk.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_syntax_versions() {
        assert!(detect_v1("package x\nimport rego.v1\n"));
        assert!(detect_v1("package x\ndeny contains msg if { true }"));
        assert!(!detect_v1(
            "package x\ndeny[msg] { contains(input.a, \"b\"); msg := \"if\" }"
        ));
        assert!(!detect_v1(
            "package x\nimport future.keywords.if\ndeny[msg] if { true }"
        ));
        assert!(!detect_v1(
            "package x\n# deny contains msg if\ndeny[msg] { true }"
        ));
    }

    #[test]
    fn classifies_conftest_rules() {
        assert_eq!(classify("deny"), Some((RuleKind::Deny, String::new())));
        assert_eq!(
            classify("warn_no_timeout"),
            Some((RuleKind::Warn, "no_timeout".into()))
        );
        assert_eq!(
            classify("violation_x"),
            Some((RuleKind::Violation, "x".into()))
        );
        assert_eq!(classify("denylist"), None);
        assert_eq!(classify("deny_"), None);
    }

    #[test]
    fn builds_rule_paths() {
        assert_eq!(
            rule_path(&["a".into(), "b".into()], "deny"),
            "data.a.b.deny"
        );
        assert_eq!(
            rule_path(&["graph".into(), "1.0".into()], "deny"),
            "data.graph[\"1.0\"].deny"
        );
    }

    #[test]
    fn direct_conversion_equals_serde_conversion() {
        let asl = serde_json::json!({"StartAt": "A", "States": {"A/b~c": {"Type": "Pass", "Result": {"n": [1, -2, 2.5, 18446744073709551615u64, true, null, "s"]}, "End": true}}});
        assert_eq!(to_rego(&asl), regorus::Value::from(asl.clone()));
    }
}
