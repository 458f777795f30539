//! Compiles the bundled policy pack (`../policies/*.rego`, not the `_test` files) for
//! regorus's virtual machine at build time, so a run with the default pack neither parses nor
//! compiles Rego (it was most of the instructions of a one-file lint). Writes
//! `$OUT_DIR/bundled.rvm`: the fingerprint of the files ([`names::fingerprint`], 8 bytes, little
//! endian) then the serialized program; empty when the pack does not compile here, and then
//! the library compiles it at run time, as it does for user policies. The library checks the
//! fingerprint against the files it embeds before using the program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "src/policy/names.rs"]
mod names;

fn main() {
    // The manifest directory of this build, read when the script runs: `env!` would bake in
    // the directory the script was compiled in, and a build script reused from another
    // checkout (a copied target directory) would then compile that checkout's policies.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../policies");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, String)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".rego") && !name.ends_with("_test.rego") {
                println!("cargo:rerun-if-changed={}", e.path().display());
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    files.push((name, text));
                }
            }
        }
    }
    files.sort();
    let mut bytes = Vec::new();
    match compile(&files) {
        Ok(program) => {
            let key = names::fingerprint(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
            bytes.extend_from_slice(&key.to_le_bytes());
            bytes.extend_from_slice(&program);
        }
        Err(e) => println!("cargo:warning=bundled policies compiled at run time: {e}"),
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("bundled.rvm"), bytes).expect("OUT_DIR is writable");
}

/// The pack as the library compiles it (`rego::packages` then `rego::compile`), serialized.
fn compile(files: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut engine = regorus::Engine::new();
    for (name, text) in files {
        // Every bundled file is Rego v1 (the library detects the version per file; a file
        // without the import would need that detection here).
        if !text.contains("import rego.v1") {
            return Err(format!("{name} does not `import rego.v1`"));
        }
        engine.set_rego_v0(false);
        engine
            .add_policy(names::bundled_path(name), text.clone())
            .map_err(|e| format!("{name}: {e}"))?;
    }
    let components = engine
        .get_policy_package_components()
        .map_err(|e| e.to_string())?;
    // package -> (rules (kind, name, path), exception path)
    type Rules = Vec<(names::RuleKind, String, String)>;
    let mut packages: BTreeMap<String, (Rules, Option<String>)> = BTreeMap::new();
    for (pc, (name, text)) in components.iter().zip(files) {
        let pkg = packages.entry(pc.components.join(".")).or_default();
        for cand in names::candidate_rules(text) {
            let declared = engine
                .has_declared_rule_rooted_at(&names::bundled_path(name), &cand)
                .unwrap_or(false);
            if !declared {
                continue;
            }
            let path = names::rule_path(&pc.components, &cand);
            if cand == "exception" {
                pkg.1 = Some(path);
            } else if let Some((kind, _)) = names::classify(&cand)
                && !pkg.0.iter().any(|r| r.1 == cand)
            {
                pkg.0.push((kind, cand, path));
            }
        }
    }
    let mut paths: Vec<String> = Vec::new();
    for (_, (mut rules, exception)) in packages {
        rules.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        paths.extend(rules.into_iter().map(|r| r.2));
        paths.extend(exception);
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let first = *refs.first().ok_or("no rules")?;
    let policy = engine
        .compile_with_entrypoint(&first.into())
        .map_err(|e| e.to_string())?;
    let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(&policy, &refs)
        .map_err(|e| e.to_string())?;
    if program
        .builtin_info_table
        .iter()
        .any(|b| names::BOUNDED_BUILTINS.contains(&b.name.as_str()))
    {
        return Err("the pack calls a bounded builtin".into());
    }
    program.serialize_binary()
}
