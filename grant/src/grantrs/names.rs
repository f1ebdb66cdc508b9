//! Names and scalars of a grant-rs file as grant-rs sends them.
//!
//! grant-rs 0.0.1-beta.3 writes names into its SQL unquoted, so PostgreSQL
//! folds them: `Rv_Mixed` is the role `rv_mixed`, `Sales` the schema
//! `sales`. This tool quotes every identifier it sends; it folds grant-rs
//! names first so that the same objects are meant.

use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

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
pub fn scalar_text(text: &str, token: &str, value: &Value) -> Option<String> {
    let written = if token.starts_with('*') || token.starts_with('&') {
        let at = (token.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        anchored_scalar(text, at, token.starts_with('*'))?
    } else {
        token.to_string()
    };
    (!written.is_empty() && serde_yaml::from_str::<Value>(&written).ok()? == *value)
        .then_some(written)
}

/// The anchored plain scalars and the aliases of a YAML text, from
/// yaml-rust2's events (serde_yaml resolves aliases without keeping the
/// text): char offset, anchor id, and for scalars their text as written.
#[derive(Default)]
struct Anchors {
    scalars: Vec<(usize, usize, String)>,
    aliases: Vec<(usize, usize)>,
}

impl MarkedEventReceiver for Anchors {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(v, TScalarStyle::Plain, id, _) if id > 0 => {
                self.scalars.push((mark.index(), id, v));
            }
            Event::Alias(id) => self.aliases.push((mark.index(), id)),
            _ => {}
        }
    }
}

/// The text of the plain scalar an alias at byte `at` refers to, or (not
/// `alias`) the one an anchor at `at` is written on. The parser, not a text
/// search, pairs them: an `&pw` in a comment, or a value on the next line,
/// reads as YAML reads it.
fn anchored_scalar(text: &str, at: usize, alias: bool) -> Option<String> {
    let mut anchors = Anchors::default();
    Parser::new_from_str(text).load(&mut anchors, false).ok()?;
    // yaml-rust2's markers count characters.
    let at = text.get(..at)?.chars().count();
    let id = if alias {
        anchors.aliases.iter().find(|(i, _)| *i == at)?.1
    } else {
        anchors
            .scalars
            .iter()
            .filter(|(i, _, _)| *i >= at)
            .min_by_key(|(i, _, _)| *i)?
            .1
    };
    anchors
        .scalars
        .into_iter()
        .find(|(_, i, _)| *i == id)
        .map(|(_, _, v)| v)
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
        assert_eq!(
            split_qualified("\"S.1\".\"T2\""),
            Some(("\"S.1\"", "\"T2\""))
        );
        assert_eq!(split_qualified("\"a.b\""), None);
    }

    #[test]
    fn alias_to_the_anchor_text() {
        let at = |text: &str, tok: &str| text.find(tok).unwrap();
        let text = "a: &pw 0x1F\nb: &pw 0x20\nc: *pw\nd: &pw 7\n";
        let alias = &text[at(text, "*pw")..][..3];
        let v = serde_yaml::from_str::<Value>("0x20").unwrap();
        assert_eq!(scalar_text(text, alias, &v).as_deref(), Some("0x20"));
        let other = serde_yaml::from_str::<Value>("31").unwrap();
        assert_eq!(scalar_text(text, alias, &other), None);
        let anchor = &text[3..6];
        let v = serde_yaml::from_str::<Value>("0x1F").unwrap();
        assert_eq!(scalar_text(text, anchor, &v).as_deref(), Some("0x1F"));
        // An `&pw` in a comment is not an anchor; a value on the next line is.
        let text = "a: &pw 0x1F   # was &pw 0x20\nb: *pw\nc: &q\n  0x2F\nd: *q\n";
        let v = serde_yaml::from_str::<Value>("0x1F").unwrap();
        let alias = &text[at(text, "*pw")..][..3];
        assert_eq!(scalar_text(text, alias, &v).as_deref(), Some("0x1F"));
        let v = serde_yaml::from_str::<Value>("0x2F").unwrap();
        let alias = &text[at(text, "*q")..][..2];
        assert_eq!(scalar_text(text, alias, &v).as_deref(), Some("0x2F"));
    }
}
