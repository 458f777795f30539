//! `nexus rules`: every code with its documentation.

use crate::args::RulesArgs;

pub fn run(args: &RulesArgs) -> u8 {
    let mut registry = nexus_lint::registry();
    registry.extend(crate::migrate_cmd::codes());
    registry.sort_by_key(|m| m.code.as_str());
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
            m.docs
        );
        if let Some(aws) = m.aws_code {
            crate::out::outln!("\nAWS code: {aws}");
        }
        return 0;
    }
    if args.markdown {
        crate::out::outln!("| code | name | severity | what it finds |\n| --- | --- | --- | --- |");
        for m in &registry {
            crate::out::outln!(
                "| {} | `{}` | {} | {} |",
                m.code,
                m.name,
                m.severity.as_str(),
                m.summary.replace('|', "\\|")
            );
        }
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
