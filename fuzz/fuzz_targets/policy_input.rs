//! The Rego policy input builder (`nexus_lint::policy::input::build`) and the whole lint with
//! the bundled policies, on any text loaded as ASL, NEXUS or a template.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use nexus_lint::{LintOptions, PolicySet};

fn options() -> &'static LintOptions {
    static OPTIONS: OnceLock<LintOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| LintOptions {
        policies: PolicySet::bundled_only().ok().map(Arc::new),
        ..LintOptions::default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let name = if text.trim_start().starts_with('{') {
        "f.asl.json"
    } else {
        "f.yaml"
    };
    let loaded = nexus_schema::source::load_source(name, Arc::from(text));
    for doc in &loaded.documents {
        let ir = nexus_schema::ir::Workflow::from_asl(&doc.asl);
        let input = nexus_lint::policy::input::build(doc, &ir);
        assert!(input.is_object());
        let _ = nexus_lint::lint(doc, options());
    }
});
