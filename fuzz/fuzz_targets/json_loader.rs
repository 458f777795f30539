//! The JSON loader against serde_json's verdict: the same texts accepted (a leading BOM is
//! accepted by design), the same value, and every recorded location inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = nexus_schema::load::load_json(text);
    let theirs = serde_json::from_str::<Value>(text.strip_prefix('\u{feff}').unwrap_or(text));
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(&a.value, b, "{text:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!("accept/reject differs on {text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
    if let Ok(l) = ours {
        for (pointer, loc) in l.locations.iter() {
            assert!(loc.value.end <= text.len(), "{pointer}: {loc:?}");
        }
    }
});
