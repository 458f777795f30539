//! JSONPath: parse any text; evaluate what parses against a fixed document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = json!({"a": {"b": [1, 2, {"c": "x"}], "s": "hello"}, "n": 3, "list": [3, 1, 2]});
    if let Ok(p) = nexus_schema::expr::jsonpath::parse(text) {
        let _ = p.evaluate(&doc);
    }
});
