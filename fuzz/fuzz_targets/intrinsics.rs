//! Intrinsic functions (`States.Format(...)` and the others): parse any text; evaluate what
//! parses against a fixed input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_schema::expr::{EvalContext, intrinsic};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let input = json!({"a": {"b": [1, 2, {"c": "x"}], "s": "hello"}, "n": 3, "list": [3, 1, 2]});
    if let Ok(call) = intrinsic::parse(text) {
        let _ = intrinsic::eval(&call, &EvalContext::with_input(&input));
    }
});
