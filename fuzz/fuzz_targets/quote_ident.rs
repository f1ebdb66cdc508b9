//! Identifier and literal quoting: athena's `quote_ident` (`"x"`),
//! `quote_ddl_ident` (`` `x` ``) and `literal` (`'x'`), and grant's
//! `quote_ident` / `quote_literal` (grant is binary-only; its `sql.rs` has
//! no crate-internal dependencies and is included by path).
//!
//! Properties: the quoted text starts and ends with the quote character,
//! every quote character inside is doubled (no unescaped quote), and
//! unquoting gives the input back. Any violation panics: a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../grant/src/sql.rs"]
mod grant_sql;

/// Unquotes `s` quoted with `q` (embedded `q` doubled); panics when `s` is
/// not well formed.
fn unquote(s: &str, q: char, input: &str) -> String {
    assert!(s.len() >= 2, "{input:?} quoted as {s:?}: too short");
    assert!(
        s.starts_with(q) && s.ends_with(q),
        "{input:?} quoted as {s:?}: not enclosed in {q}"
    );
    let inner = &s[q.len_utf8()..s.len() - q.len_utf8()];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == q {
            assert_eq!(
                chars.next(),
                Some(q),
                "{input:?} quoted as {s:?}: unescaped {q} inside"
            );
        }
        out.push(c);
    }
    out
}

fn check(input: &str, quoted: &str, q: char) {
    let back = unquote(quoted, q, input);
    assert_eq!(
        back, input,
        "{input:?} quoted as {quoted:?} unquotes to {back:?}"
    );
}

/// athena's DDL literal (Hive grammar): `'...'` with `\\` and `\'`
/// backslash-escaped.
fn check_athena_literal(input: &str) {
    let quoted = athena::sql::literal(input);
    assert!(quoted.len() >= 2 && quoted.starts_with('\'') && quoted.ends_with('\''));
    let inner = &quoted[1..quoted.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(chars.next().unwrap_or_else(|| {
                    panic!("{input:?} quoted as {quoted:?}: trailing backslash")
                }))
            }
            '\'' => panic!("{input:?} quoted as {quoted:?}: unescaped quote inside"),
            c => out.push(c),
        }
    }
    assert_eq!(out, input, "{input:?} quoted as {quoted:?}");
}

/// grant's literal: `'...'`, or `E'...'` with backslashes doubled when the
/// value holds a backslash.
fn check_grant_literal(input: &str) {
    let quoted = grant_sql::quote_literal(input);
    let has_backslash = input.contains('\\');
    let body = match quoted.strip_prefix('E') {
        Some(b) => {
            assert!(has_backslash, "{input:?}: E'' form without a backslash");
            b
        }
        None => {
            assert!(!has_backslash, "{input:?}: backslash without the E'' form");
            &quoted
        }
    };
    let mut back = unquote(body, '\'', input);
    if has_backslash {
        let mut out = String::with_capacity(back.len());
        let mut chars = back.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                assert_eq!(
                    chars.next(),
                    Some('\\'),
                    "{input:?} quoted as {quoted:?}: lone backslash"
                );
            }
            out.push(c);
        }
        back = out;
    }
    assert_eq!(back, input, "{input:?} quoted as {quoted:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    check(input, &athena::sql::quote_ident(input), '"');
    check(input, &athena::sql::quote_ddl_ident(input), '`');
    check_athena_literal(input);
    check(input, &grant_sql::quote_ident(input), '"');
    check_grant_literal(input);

    // A qualified name is two quoted identifiers joined by a dot outside quotes.
    let (a, b) = input.split_at(
        input
            .char_indices()
            .nth(input.chars().count() / 2)
            .map_or(input.len(), |(i, _)| i),
    );
    let q = grant_sql::qualified(a, b);
    let qa = grant_sql::quote_ident(a);
    assert_eq!(q, format!("{qa}.{}", grant_sql::quote_ident(b)));
});
