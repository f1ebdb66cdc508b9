//! Names and scalars of a grant-rs file as grant-rs sends them.
//!
//! grant-rs 0.0.1-beta.3 writes names into its SQL unquoted, so PostgreSQL
//! folds them: `Rv_Mixed` is the role `rv_mixed`, `Sales` the schema
//! `sales`. This tool quotes every identifier it sends; it folds grant-rs
//! names first so that the same objects are meant.

use serde_yaml::Value;

/// A grant-rs name as PostgreSQL reads it unquoted: ASCII `A`–`Z` folded to
/// lower case, everything else kept (PostgreSQL's `downcase_identifier`
/// leaves multibyte characters alone in a UTF8 database). A name written
/// in double quotes (`'"Mixed"'`) is sent quoted by grant-rs and keeps its
/// case: the quotes are removed and `""` is one `"`.
pub fn fold(name: &str) -> String {
    match name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .filter(|n| !n.is_empty())
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => name.to_ascii_lowercase(),
    }
}

/// A `tables` entry with its names folded: the sign (`+`/`-`) and the
/// keyword `ALL` kept, `schema.table` folded part by part. A part written in
/// double quotes stays quoted (its case and any dot in it are its own), so
/// that [`split_qualified`] and [`fold`] read it back whole.
pub fn fold_table_entry(entry: &str) -> String {
    let (sign, name) = match entry.chars().next() {
        Some(c @ ('+' | '-')) => (c.to_string(), &entry[1..]),
        _ => (String::new(), entry),
    };
    if name == "ALL" {
        return entry.to_string();
    }
    let folded = match split_qualified(name) {
        Some((s, t)) => format!("{}.{}", fold_part(s), fold_part(t)),
        None => fold_part(name),
    };
    format!("{sign}{folded}")
}

/// One part of a name: a quoted part kept as written, any other folded.
fn fold_part(part: &str) -> String {
    if part.len() >= 2 && part.starts_with('"') && part.ends_with('"') {
        part.to_string()
    } else {
        part.to_ascii_lowercase()
    }
}

/// `schema.table` split at the first dot outside double quotes
/// (`"S.1".t` is schema `S.1`); `None` for an unqualified name.
pub fn split_qualified(name: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in name.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => return Some((&name[..i], &name[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The text of a plain scalar as written, from the token the file index
/// gives for it: the scalar itself, an anchor before it (`&pw 0x1F`) or an
/// alias (`*pw`). `None` when it does not read back as `value`.
pub fn scalar_text<'a>(text: &'a str, token: &'a str, value: &Value) -> Option<&'a str> {
    let token = if token.starts_with('*') {
        return anchored_scalar(text, token, value);
    } else if token.starts_with('&') {
        let at = (token.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        next_token(text.get(at + token.len()..)?)
    } else {
        token
    };
    (!token.is_empty() && serde_yaml::from_str::<Value>(token).ok()? == *value).then_some(token)
}

/// The plain scalar at the start of `rest` (after blanks).
fn next_token(rest: &str) -> &str {
    let rest = rest.trim_start_matches([' ', '\t']);
    let stop = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | ']' | '#'))
        .unwrap_or(rest.len());
    &rest[..stop]
}

/// The text of the anchored scalar an alias token (`*name`) refers to: the
/// last `&name` written before the alias, followed by its plain scalar.
/// `None` when it is not found or does not read back as `value`.
///
/// Hand-written: serde_yaml resolves aliases without keeping the text.
fn anchored_scalar<'a>(text: &'a str, alias: &str, value: &Value) -> Option<&'a str> {
    let name = alias.strip_prefix('*')?;
    let alias_at = (alias.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let marker = format!("&{name}");
    let before = text.get(..alias_at)?;
    let mut found = None;
    let mut from = 0;
    while let Some(i) = before[from..].find(&marker) {
        let at = from + i;
        let end = at + marker.len();
        let starts = at == 0
            || before[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || matches!(c, '[' | '{' | ',' | ':' | '-'));
        let ends = before[end..]
            .chars()
            .next()
            .is_some_and(char::is_whitespace);
        if starts && ends {
            found = Some(end);
        }
        from = end;
    }
    let token = next_token(&text[found?..]);
    (!token.is_empty() && serde_yaml::from_str::<Value>(token).ok()? == *value).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_like_postgresql() {
        assert_eq!(fold("Rv11_a_Mixed"), "rv11_a_mixed");
        assert_eq!(fold("Ünïcode_X"), "Ünïcode_x");
        assert_eq!(fold("\"Kept\"\"Case\""), "Kept\"Case");
        assert_eq!(fold_table_entry("-Sales.Orders"), "-sales.orders");
        assert_eq!(fold_table_entry("+Orders"), "+orders");
        assert_eq!(fold_table_entry("ALL"), "ALL");
        assert_eq!(fold_table_entry("-ALL"), "-ALL");
        assert_eq!(fold_table_entry("All"), "all");
        assert_eq!(fold_table_entry("\"S1\".T"), "\"S1\".t");
        assert_eq!(fold_table_entry("-\"S.1\".\"T2\""), "-\"S.1\".\"T2\"");
        assert_eq!(split_qualified("\"S.1\".\"T2\""), Some(("\"S.1\"", "\"T2\"")));
        assert_eq!(split_qualified("\"a.b\""), None);
    }

    #[test]
    fn alias_to_the_anchor_text() {
        let text = "a: &pw 0x1F\nb: &pw 0x20\nc: *pw\nd: &pw 7\n";
        let at = text.find("*pw").unwrap();
        let alias = &text[at..at + 3];
        let v = serde_yaml::from_str::<Value>("0x20").unwrap();
        assert_eq!(anchored_scalar(text, alias, &v), Some("0x20"));
        let other = serde_yaml::from_str::<Value>("31").unwrap();
        assert_eq!(anchored_scalar(text, alias, &other), None);
        let anchor = &text[3..6];
        let v = serde_yaml::from_str::<Value>("0x1F").unwrap();
        assert_eq!(scalar_text(text, anchor, &v), Some("0x1F"));
    }
}
