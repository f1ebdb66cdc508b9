//! Hive DDL type parsing (`athena::types`): no panics, and a parsed type
//! prints to text that parses back to the same type.
#![no_main]

use athena::types::{canonical, HiveType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = canonical(text);
    if let Ok(t) = HiveType::parse(text) {
        let printed = t.to_string();
        let again = HiveType::parse(&printed)
            .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} does not parse: {e}"));
        assert_eq!(t, again, "{text:?} → {printed:?}");
        assert_eq!(canonical(&printed), printed, "printing is canonical");
        let _ = t.is_nested();
        let _ = t.widens_to(&again);
    }
});
