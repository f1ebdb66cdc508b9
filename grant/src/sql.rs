//! SQL text helpers: identifier quoting and literal escaping.
//!
//! Every identifier the tool writes goes through [`quote_ident`] and every
//! string value through [`quote_literal`]; nothing is interpolated raw.

/// Quotes an identifier the way PostgreSQL and Redshift read it back
/// verbatim: always double-quoted, embedded `"` doubled.
///
/// Always quoting keeps capitals, spaces, dots, quotes, unicode and
/// keywords intact (`Sales` stays `Sales`, `a.b` stays one name).
pub fn quote_ident(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        if c == '"' {
            s.push('"');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// The length of the double-quoted identifier at the start of `s` (`""`
/// inside it is a quote, as [`quote_ident`] writes it and PostgreSQL prints
/// names in ACLs), or `None` when `s` does not start with a complete one.
pub fn quoted_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < b.len() {
        if b[i] == b'"' {
            if b.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// Quotes a schema-qualified name: `"schema"."name"`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Quotes a string literal: single quotes doubled; when the value holds a
/// backslash the `E'...'` form is used with backslashes doubled, so the
/// result means the same whatever `standard_conforming_strings` is.
pub fn quote_literal(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 3);
    let has_backslash = value.contains('\\');
    if has_backslash {
        s.push('E');
    }
    s.push('\'');
    for c in value.chars() {
        match c {
            '\'' => s.push_str("''"),
            '\\' => s.push_str("\\\\"),
            c => s.push(c),
        }
    }
    s.push('\'');
    s
}

/// Quotes a list of identifiers, comma separated.
pub fn ident_list<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    names
        .into_iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a role, schema or object name: non-empty, no NUL, ≤ 63 bytes.
pub fn valid_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if s.contains('\0') {
        return Err("a name cannot contain a NUL character".into());
    }
    if s.len() > 63 {
        return Err(format!(
            "`{s}` is longer than 63 bytes (PostgreSQL's NAMEDATALEN limit)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert_eq!(quote_ident("plain"), "\"plain\"");
        assert_eq!(quote_ident("Sales"), "\"Sales\"");
        assert_eq!(quote_ident("with space"), "\"with space\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("a.b"), "\"a.b\"");
        assert_eq!(quote_ident("日本"), "\"日本\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(qualified("s x", "T"), "\"s x\".\"T\"");
    }

    #[test]
    fn literals() {
        assert_eq!(quote_literal("abc"), "'abc'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
        assert_eq!(quote_literal("'; DROP ROLE x; --"), "'''; DROP ROLE x; --'");
        assert_eq!(quote_literal(""), "''");
        assert_eq!(quote_literal("ünï"), "'ünï'");
    }
}
