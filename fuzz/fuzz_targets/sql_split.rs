//! SQL statement splitting used by `athena run` (`athena::sql`): no
//! panics; every statement is trimmed, non-empty, and a piece of the input.
#![no_main]

use athena::sql::{database_comment, normalize, split_statements};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let stmts = split_statements(sql);
    for s in &stmts {
        assert!(!s.is_empty());
        assert_eq!(s.trim(), s);
        assert!(sql.contains(s.as_str()), "{s:?} is not part of {sql:?}");
    }
    // Without an unquoted `;`, there is at most one statement.
    if !sql.contains(';') {
        assert!(stmts.len() <= 1, "{sql:?} → {stmts:?}");
    }
    let _ = normalize(sql);
    let _ = database_comment(sql);
});
