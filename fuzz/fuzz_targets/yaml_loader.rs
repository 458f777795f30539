//! The YAML loader (and the source loader that picks ASL, NEXUS or a template): never a panic
//! or a hang, whatever the text; spans stay inside the text.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = nexus_schema::load::load_yaml(text, &nexus_schema::load::YamlOptions::default());
    let loaded = nexus_schema::source::load_source("fuzz.yaml", Arc::from(text));
    for d in &loaded.diagnostics {
        if let Some(s) = d.span {
            assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
        }
    }
});
