//! SQL text helpers: quoting, whitespace normalization, statement splitting
//! that respects strings and comments, athena-rs's `-- Database: x`
//! comments, and the Presto view encoding Athena stores in Glue.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// Quotes an identifier for Athena DML / views (`"name"`).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an identifier for Athena Hive DDL (`` `name` ``).
pub fn quote_ddl_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal for Athena (Hive) DDL (`'it\'s'`).
pub fn literal(s: &str) -> String {
    // Athena DDL is parsed by Hive's grammar: string literals escape with a
    // backslash; a doubled quote would be two adjacent literals.
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Code,
    Single,
    Double,
    Back,
    Line,
    Block,
}

/// Walks `sql` and calls `f(byte_index, char, state_before)` for each char.
/// Quotes double to escape (Trino SQL: views, DML).
fn scan(sql: &str, f: impl FnMut(usize, char, State)) {
    scan_with(sql, false, f)
}

/// Whether a statement starting at `rest` is Hive DDL, where string
/// literals (`'…'` and `"…"`) escape with a backslash, rather than Trino
/// SQL, where `"` quotes an identifier and a backslash is an ordinary char.
/// Athena parses CREATE [EXTERNAL] TABLE / DATABASE, ALTER, DROP, MSCK,
/// DESCRIBE and SHOW with Hive's grammar, the rest (SELECT, CREATE VIEW,
/// INSERT, …) with Trino's.
pub fn is_hive_ddl(rest: &str) -> bool {
    let mut words = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    match words.next().as_deref() {
        Some("ALTER" | "DROP" | "MSCK" | "DESCRIBE" | "DESC" | "SHOW") => true,
        Some("CREATE") => {
            for w in words {
                match w.as_str() {
                    "OR" | "REPLACE" => continue,
                    "EXTERNAL" | "DATABASE" | "SCHEMA" => return true,
                    // `CREATE TABLE t [WITH (…)] AS query` (CTAS) is Trino's.
                    "TABLE" => return !is_ctas(rest),
                    _ => return false,
                }
            }
            false
        }
        _ => false,
    }
}

/// Whether `CREATE TABLE …` at the start of `rest` is a CREATE TABLE AS
/// (Athena's CTAS: `CREATE TABLE [IF NOT EXISTS] name [WITH (…)] AS query`),
/// which Athena parses with Trino's grammar: after the name comes `AS` or
/// `WITH`, where a Hive table has its column list `(`.
fn is_ctas(rest: &str) -> bool {
    let up = rest.trim_start().to_ascii_uppercase();
    let Some(after) = up.split_once("TABLE").map(|(_, a)| a.trim_start()) else {
        return false;
    };
    let after = after
        .strip_prefix("IF NOT EXISTS")
        .map(str::trim_start)
        .unwrap_or(after);
    let name_end = after
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(after.len());
    let next = after[name_end..].trim_start();
    let word = |w: &str| {
        next.strip_prefix(w)
            .is_some_and(|r| r.starts_with(|c: char| c.is_whitespace() || c == '('))
    };
    word("AS") || word("WITH")
}

/// [`scan`] over a script of statements; with `per_statement`, each
/// statement's string escapes follow its grammar ([`is_hive_ddl`]).
///
/// Hand-written rather than `sqlparser`'s tokenizer: no sqlparser dialect
/// switches escaping per statement (its `HiveDialect` has no backslash
/// escapes, and one custom dialect would mis-read either the Hive DDL or
/// the Trino views of a mixed script), and its tokenizer rejects input
/// athena-rs passes through (an unterminated literal); here only the
/// statement boundaries are needed.
fn scan_with(sql: &str, per_statement: bool, mut f: impl FnMut(usize, char, State)) {
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let mut st = State::Code;
    let mut hive = false;
    let mut at_start = true;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let next = chars.get(i + 1).map(|&(_, c)| c);
        if per_statement && at_start && st == State::Code && c.is_ascii_alphabetic() {
            hive = is_hive_ddl(&sql[at..]);
            at_start = false;
        }
        let reported = match st {
            State::Code if c == '-' && next == Some('-') => State::Line,
            State::Code if c == '/' && next == Some('*') => State::Block,
            s => s,
        };
        f(at, c, reported);
        match st {
            State::Code => match c {
                '\'' => st = State::Single,
                '"' => st = State::Double,
                '`' => st = State::Back,
                ';' => at_start = true,
                '-' if next == Some('-') => {
                    st = State::Line;
                    i += 1;
                    f(chars[i].0, '-', State::Line);
                }
                '/' if next == Some('*') => {
                    st = State::Block;
                    i += 1;
                    f(chars[i].0, '*', State::Block);
                }
                _ => {}
            },
            // Hive: a backslash escapes the next char, inside the literal.
            State::Single | State::Double if hive && c == '\\' && next.is_some() => {
                i += 1;
                f(chars[i].0, chars[i].1, st);
            }
            // A doubled quote is an escaped quote: leaving and re-entering
            // the literal gives the same result.
            State::Single if c == '\'' => st = State::Code,
            State::Double if c == '"' => st = State::Code,
            State::Back if c == '`' => st = State::Code,
            State::Line if c == '\n' => st = State::Code,
            State::Block if c == '*' && next == Some('/') => {
                st = State::Code;
                i += 1;
                f(chars[i].0, '/', State::Block);
            }
            _ => {}
        }
        i += 1;
    }
}

/// Splits a script into statements on `;` outside string literals, quoted
/// identifiers and comments (Hive DDL literals escape with a backslash, see
/// [`is_hive_ddl`]); statements are trimmed, empty ones (or only comments)
/// dropped.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut cuts = Vec::new();
    scan_with(sql, true, |at, c, st| {
        if st == State::Code && c == ';' {
            cuts.push(at);
        }
    });
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain(std::iter::once(sql.len())) {
        let s = sql[start..cut].trim();
        if !s.is_empty() && !only_comments(s) {
            out.push(s.to_string());
        }
        start = (cut + 1).min(sql.len());
    }
    out
}

fn only_comments(s: &str) -> bool {
    let mut code = false;
    scan(s, |_, c, st| {
        if st == State::Code && !c.is_whitespace() {
            code = true;
        }
    });
    !code
}

/// Collapses runs of whitespace outside literals to one space, trims, and
/// drops a trailing `;`: two SQL texts that differ only in layout compare equal.
pub fn normalize(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut pending_space = false;
    scan(sql, |_, c, st| {
        let in_code = matches!(st, State::Code | State::Block | State::Line);
        if in_code && c.is_whitespace() && st != State::Line {
            pending_space = true;
            return;
        }
        if st == State::Line && c == '\n' {
            pending_space = true;
            return;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    });
    let t = out.trim().trim_end_matches(';').trim_end();
    t.to_string()
}

/// The database named in a statement the way athena-rs finds it: the first
/// match of `(?i)--\s+Database:\s(.*)` anywhere in the statement (the rest
/// of the line, trimmed: `-- Database: db1 -- prod` names `db1 -- prod`),
/// else of `(?i)/*\s+Database:\s([^\s]+)\s\*/` (where `/*` means "any
/// number of `/`", so `/* Database: db2*/` names nothing). The same
/// expressions as athena-rs, so that templates select the same databases.
pub fn database_comment(sql: &str) -> Option<String> {
    use std::sync::OnceLock;
    static PATTERNS: OnceLock<[regex::Regex; 2]> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            regex::Regex::new(r"(?i)--\s+Database:\s(.*)").expect("valid regex"),
            regex::Regex::new(r"(?i)/*\s+Database:\s([^\s]+)\s\*/").expect("valid regex"),
        ]
    });
    patterns.iter().find_map(|r| {
        r.captures(sql)
            .map(|c| c.get(1).map_or("", |m| m.as_str()).trim().to_string())
    })
}

/// The JSON Athena encodes in a view's `ViewOriginalText`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrestoView {
    /// The view's SELECT.
    pub original_sql: String,
    /// Catalog (`awsdatacatalog`).
    #[serde(default)]
    pub catalog: Option<String>,
    /// Database.
    #[serde(default)]
    pub schema: Option<String>,
    /// Output columns.
    #[serde(default)]
    pub columns: Vec<PrestoColumn>,
    /// Owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Security mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_invoker: Option<bool>,
    /// The view's comment (`COMMENT '…'` in Trino's `CREATE VIEW`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A view column in [`PrestoView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrestoColumn {
    /// Name.
    pub name: String,
    /// Presto type.
    #[serde(rename = "type")]
    pub type_: String,
}

const PRESTO_PREFIX: &str = "/* Presto View: ";
const PRESTO_SUFFIX: &str = " */";

/// Decodes `/* Presto View: <base64 JSON> */`.
pub fn decode_presto_view(text: &str) -> Result<PrestoView, String> {
    let t = text.trim();
    let body = t
        .strip_prefix(PRESTO_PREFIX)
        .and_then(|r| r.strip_suffix(PRESTO_SUFFIX))
        .ok_or_else(|| "not a `/* Presto View: ... */` text".to_string())?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| format!("invalid base64: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("invalid view JSON: {e}"))
}

/// Encodes a view as Athena does (used by tests and fixtures).
pub fn encode_presto_view(v: &PrestoView) -> String {
    let json = serde_json::to_vec(v).unwrap_or_default();
    format!(
        "{PRESTO_PREFIX}{}{PRESTO_SUFFIX}",
        base64::engine::general_purpose::STANDARD.encode(json)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_strings_and_comments() {
        let sql = "-- Database: db1\nCREATE VIEW \"v;1\" AS SELECT 'a;b' AS x; /* c; d */\nSELECT `e;f`, \"g;h\" -- i;j\nFROM t;\n-- only a comment\n; ;";
        insta::assert_debug_snapshot!(split_statements(sql));
    }

    #[test]
    fn escaped_quotes() {
        assert_eq!(
            split_statements("SELECT 'it''s; fine'; SELECT 2"),
            vec!["SELECT 'it''s; fine'", "SELECT 2"]
        );
    }

    #[test]
    fn normalizes_whitespace_only_outside_literals() {
        assert_eq!(
            normalize("  SELECT  a,\n\tb  FROM t ;\n"),
            "SELECT a, b FROM t"
        );
        assert_eq!(normalize("SELECT 'a  b'"), "SELECT 'a  b'");
        assert_ne!(normalize("SELECT 'a  b'"), normalize("SELECT 'a b'"));
        assert_eq!(
            normalize("SELECT a -- c\nFROM t"),
            normalize("SELECT a -- c\n   FROM t")
        );
    }

    #[test]
    fn database_comments() {
        assert_eq!(
            database_comment("-- Database: db1\nSELECT 1").as_deref(),
            Some("db1")
        );
        assert_eq!(
            database_comment("/* database: db2 */\nSELECT 1").as_deref(),
            Some("db2")
        );
        assert_eq!(
            database_comment("--   Database: db3   \n").as_deref(),
            Some("db3")
        );
        // A multi-byte char across byte 9 is not a panic.
        assert_eq!(database_comment("-- 12345678é vue\nSELECT 1"), None);
        // athena-rs's `\s` after the colon may be the newline: the next
        // line is the "name".
        assert_eq!(
            database_comment("-- Database:\nSELECT 1").as_deref(),
            Some("SELECT 1")
        );
        assert_eq!(
            database_comment("-- database: a\n-- database: b").as_deref(),
            Some("a")
        );
        assert_eq!(database_comment("SELECT 1"), None);
    }

    /// The cases of issue 12, with the database athena-rs's expressions give.
    #[test]
    fn database_comments_follow_athena_rs() {
        let db = |s: &str| database_comment(s);
        // The rest of the line, trimmed, comment included.
        assert_eq!(
            db("-- Database: db1 -- prod\nSELECT 1").as_deref(),
            Some("db1 -- prod")
        );
        // Both forms: the `--` form wins wherever it is.
        assert_eq!(
            db("/* Database: a */\n-- Database: b\nSELECT 1").as_deref(),
            Some("b")
        );
        // No space before `*/`: no match.
        assert_eq!(db("/* Database: db2*/\nSELECT 1"), None);
        // No space after `--`: no match.
        assert_eq!(db("--Database: x\nSELECT 1"), None);
        // After code on the same line, and inside a string: still a match.
        assert_eq!(db("SELECT 1 -- Database: late").as_deref(), Some("late"));
        assert_eq!(
            db("SELECT '-- Database: s' AS x").as_deref(),
            Some("s' AS x")
        );
        // `/*` in the expression is "any number of `/`".
        assert_eq!(db("x  Database: y */").as_deref(), Some("y"));
        assert_eq!(
            db("-- database: db0 \n-- database: db1").as_deref(),
            Some("db0")
        );
    }

    #[test]
    fn hive_ddl_literals_escape_with_backslashes() {
        assert_eq!(
            split_statements(
                "CREATE EXTERNAL TABLE t (a string COMMENT 'it\\'s; ok') LOCATION 's3://b/';\nALTER TABLE t SET TBLPROPERTIES (\"k\"=\"a\\\";b\");\nSELECT 'C:\\'; SELECT 2"
            ),
            vec![
                "CREATE EXTERNAL TABLE t (a string COMMENT 'it\\'s; ok') LOCATION 's3://b/'",
                "ALTER TABLE t SET TBLPROPERTIES (\"k\"=\"a\\\";b\")",
                // Trino: a backslash is an ordinary character.
                "SELECT 'C:\\'",
                "SELECT 2",
            ]
        );
        assert!(is_hive_ddl("create   external table x"));
        assert!(is_hive_ddl("CREATE DATABASE IF NOT EXISTS d"));
        assert!(!is_hive_ddl("CREATE OR REPLACE VIEW v AS SELECT 1"));
        assert!(!is_hive_ddl("WITH a AS (SELECT 1) SELECT * FROM a"));
        // CTAS is Trino SQL; an Iceberg CREATE TABLE with columns is Hive DDL.
        assert!(!is_hive_ddl("CREATE TABLE t AS SELECT 1"));
        assert!(!is_hive_ddl(
            "create table if not exists db.t with (format = 'PARQUET') as select 1"
        ));
        assert!(is_hive_ddl("CREATE TABLE t (id int) LOCATION 's3://b/'"));
        assert!(is_hive_ddl("CREATE TABLE t(id int)"));
        assert_eq!(
            split_statements(
                "CREATE TABLE t AS SELECT replace(p, '\\', '/') AS q FROM s; DROP TABLE u;"
            ),
            vec![
                "CREATE TABLE t AS SELECT replace(p, '\\', '/') AS q FROM s",
                "DROP TABLE u"
            ]
        );
    }

    #[test]
    fn presto_view_round_trip() {
        // A view text in the exact shape Athena writes (`/* Presto View: <base64 JSON> */`).
        let text = "/* Presto View: eyJvcmlnaW5hbFNxbCI6IlNFTEVDVCAqIEZST00gdGFibGVfMiIsImNhdGFsb2ciOiJhd3NkYXRhY2F0YWxvZyIsInNjaGVtYSI6ImRiMSIsImNvbHVtbnMiOlt7Im5hbWUiOiJpZCIsInR5cGUiOiJ2YXJjaGFyIn0seyJuYW1lIjoibmFtZSIsInR5cGUiOiJ2YXJjaGFyIn1dLCJvd25lciI6ImFybjphd3M6aWFtOjoxMjM0NTY3ODkwMTI6dXNlci9kZXYiLCJydW5Bc0ludm9rZXIiOmZhbHNlfQ== */";
        let v = decode_presto_view(text).unwrap();
        assert_eq!(v.original_sql, "SELECT * FROM table_2");
        assert_eq!(v.columns.len(), 2);
        assert_eq!(decode_presto_view(&encode_presto_view(&v)).unwrap(), v);
        assert!(decode_presto_view("/* Presto View */").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ddl_ident("a`b"), "`a``b`");
        assert_eq!(literal("it's"), r"'it\'s'");
        assert_eq!(literal(r"C:\"), r"'C:\\'");
    }
}
