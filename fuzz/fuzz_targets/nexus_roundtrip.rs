//! NEXUS raising and lowering: any JSON object raised to NEXUS lowers back to itself
//! (`lower(raise(x)).asl == x`), and lowering any value never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let _ = nexus_schema::nexus::lower(&value);
    if value.is_object() {
        let raised = nexus_schema::nexus::raise(&value);
        let lowered = nexus_schema::nexus::lower(&raised.nexus);
        assert_eq!(lowered.asl, value, "raised: {}", raised.nexus);
    }
});
