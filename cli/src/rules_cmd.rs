//! `nexus rules`: every code with its documentation.

use nexus_schema::RuleMeta;

use crate::args::RulesArgs;

/// Every code nexus reports, in code order: what `nexus lint` reports
/// ([`nexus_lint::registry`]) and the migration notes of `nexus migrate` and `nexus export`.
pub fn registry() -> Vec<&'static RuleMeta> {
    let mut registry = nexus_lint::registry();
    registry.extend(nexus_migrate::CODES);
    registry.sort_by_key(|m| m.code);
    registry
}

pub fn run(args: &RulesArgs) -> u8 {
    let registry = registry();
    if let Some(code) = &args.code {
        let Some(m) = registry
            .iter()
            .find(|m| m.code.as_str().eq_ignore_ascii_case(code) || m.name == code)
        else {
            eprintln!("error: no rule `{code}` (run `nexus rules` for the list)");
            return 2;
        };
        crate::out::outln!(
            "{} {} ({})\n\n{}\n\n{}",
            m.code,
            m.name,
            m.severity.as_str(),
            m.summary,
            m.docs()
        );
        if let Some(aws) = m.aws_code {
            crate::out::outln!("\nAWS code: {aws}");
        }
        return 0;
    }
    if args.markdown {
        crate::out::out!("{}", reference(&registry));
        return 0;
    }
    for m in &registry {
        crate::out::outln!(
            "{}  {:<28} {:<8} {}",
            m.code,
            m.name,
            m.severity.as_str(),
            m.summary
        );
    }
    0
}

/// The line of `docs/rules.md` after which the file is generated from the registry.
#[cfg(test)]
const GENERATED_MARKER: &str =
    "<!-- Generated from the registry (`nexus rules`): edit the declarations, not this part. -->";

/// The generated part of `docs/rules.md`: one section per code, headed by the code alone so
/// that the anchor is the lowercase code (`#nx102`), as SARIF `helpUri` links expect.
pub fn reference(registry: &[&RuleMeta]) -> String {
    let mut out = String::from("# Reference\n");
    for m in registry {
        out.push_str(&format!(
            "\n## {}\n\n`{}` · {}",
            m.code,
            m.name,
            m.severity.as_str()
        ));
        if let Some(aws) = m.aws_code {
            out.push_str(&format!(" · AWS `{aws}`"));
        }
        out.push_str(&format!("\n\n{}\n", m.summary));
        for line in m.docs().lines() {
            // The declaration's `##` headings sit one level below the code's.
            if line.starts_with("## ") {
                out.push_str(&format!("\n#{line}\n\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// `docs/rules.md` below the marker is what the registry says. Regenerate it with
    /// `NEXUS_UPDATE_DOCS=1 cargo test -p nexus-cli rules_md`.
    #[test]
    fn rules_md_is_generated_from_the_registry() {
        let path = root().join("docs/rules.md");
        let text = std::fs::read_to_string(&path).expect("docs/rules.md");
        let Some(at) = text.find(GENERATED_MARKER) else {
            panic!("docs/rules.md lacks the marker line {GENERATED_MARKER}");
        };
        let head = &text[..at + GENERATED_MARKER.len()];
        let want = format!("{head}\n\n{}", reference(&registry()));
        if std::env::var_os("NEXUS_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).expect("write docs/rules.md");
            return;
        }
        assert!(
            text == want,
            "docs/rules.md is stale: run `NEXUS_UPDATE_DOCS=1 cargo test -p nexus-cli rules_md`"
        );
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// Every `NXnnn` written anywhere: (code, the text right after it).
    fn mentions(text: &str) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(at) = text[i..].find("NX") {
            let s = i + at;
            i = s + 2;
            let digits = b.get(s + 2..s + 5);
            let before_ok = s == 0 || !b[s - 1].is_ascii_alphanumeric();
            let after_ok = b.get(s + 5).is_none_or(|c| !c.is_ascii_alphanumeric());
            if before_ok && after_ok && digits.is_some_and(|d| d.iter().all(u8::is_ascii_digit)) {
                out.push((&text[s..s + 5], &text[s + 5..]));
            }
        }
        out
    }

    /// Every code nexus emits is declared once, in the registry `nexus rules` prints: the
    /// source has no `Code("NX…")` outside the declarations' own module (user-policy codes are
    /// made at run time, NX9xx), every code the source mentions is registered, and every
    /// `declare_code!`/`declare_rule!` is in the registry (so an emit site cannot use a
    /// declaration `nexus rules` does not show).
    #[test]
    fn every_code_in_the_source_is_registered() {
        let registry = registry();
        let known: BTreeMap<&str, &str> =
            registry.iter().map(|m| (m.code.as_str(), m.name)).collect();
        let mut files = Vec::new();
        for krate in ["schema", "lint", "migrate", "engine", "cli"] {
            rust_files(&root().join(krate).join("src"), &mut files);
        }
        assert!(
            files.len() > 100,
            "the source walk found {} files",
            files.len()
        );
        let mut declared: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &files {
            let text = std::fs::read_to_string(f).expect("read source");
            let shown = f.display();
            for line in text.lines() {
                let doc_line = line.trim_start().starts_with("//");
                for (code, _) in mentions(line) {
                    if code.starts_with("NX9") {
                        continue; // user policies' codes (NX900 is their default)
                    }
                    let Some((&known_code, _)) = known.get_key_value(code) else {
                        panic!("{shown} mentions {code}, which `nexus rules` does not list");
                    };
                    // A declaration (`code: NX102,` in `declare_code!`/`declare_rule!`).
                    if !doc_line && line.trim_start().starts_with("code: ") {
                        *declared.entry(known_code).or_default() += 1;
                    }
                }
            }
            let dynamic =
                text.matches("Code(\"NX").count() + text.matches("Diagnostic::dynamic(").count();
            let allowed = [
                "diagnostic.rs",
                "findings.rs",
                "policies.rs",
                "rules_cmd.rs",
            ];
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
            assert!(
                dynamic == 0 || allowed.contains(&name),
                "{shown} builds a code or a diagnostic by hand; declare it with `declare_code!`"
            );
        }
        for m in &registry {
            assert_eq!(
                declared.get(m.code.as_str()).copied().unwrap_or(0),
                1,
                "{} is not declared exactly once in the source",
                m.code
            );
        }
    }

    /// Where the documents name a code and its name (`| NX014 | duplicate-state-in-list |`,
    /// `` NX257 `undefined-variable` ``), the name is the registry's.
    #[test]
    fn docs_name_codes_as_the_registry_does() {
        let known: BTreeMap<&str, &str> = registry()
            .iter()
            .map(|m| (m.code.as_str(), m.name))
            .collect();
        let mut docs = vec![root().join("README.md")];
        for e in std::fs::read_dir(root().join("docs"))
            .expect("docs/")
            .flatten()
        {
            docs.push(e.path());
        }
        for d in docs
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
        {
            let text = std::fs::read_to_string(d).expect("read doc");
            for (code, after) in mentions(&text) {
                let after = after.trim_start_matches([' ', '|', '`', '(']);
                let word: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                if code.starts_with("NX9") || !word.contains('-') || word.starts_with('-') {
                    continue;
                }
                assert_eq!(
                    known.get(code).copied(),
                    Some(word.as_str()),
                    "{} calls {code} `{word}`",
                    d.display()
                );
            }
        }
    }
}
