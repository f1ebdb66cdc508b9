//! Which template statements may run at the same time (`--parallelism N`):
//! a statement on one table (CREATE [EXTERNAL] TABLE, ALTER TABLE, DROP
//! TABLE, MSCK REPAIR TABLE) waits for the earlier statements on the same
//! table; anything else (CREATE / DROP DATABASE, views, which read other
//! tables, CREATE TABLE AS SELECT, DML, …) is a barrier that waits for
//! everything before it and that everything after it waits for. Pure.

use std::collections::BTreeMap;

use crate::template::Statement;

/// What a statement touches.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// One table: (database, table), lower-cased; the database is the
    /// qualifier, else the statement's `-- Database:` comment, else `default`.
    Table(String, String),
    /// Not attributable to one table.
    Barrier,
}

/// Leading words of a statement (comments skipped), upper-cased, with the
/// identifier that follows the table keywords kept as written.
fn words(sql: &str) -> Vec<String> {
    let mut code = String::new();
    for line in sql.lines() {
        let l = line.trim_start();
        if l.starts_with("--") {
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    // Block comments at the start.
    let mut rest = code.trim_start();
    while let Some(r) = rest.strip_prefix("/*") {
        rest = r
            .split_once("*/")
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    rest.split_whitespace()
        .take(8)
        .map(str::to_string)
        .collect()
}

/// The (database, table) of a possibly qualified, quoted name.
fn name(written: &str, database: Option<&str>) -> Option<(String, String)> {
    let n = written.split(['(', ';']).next().unwrap_or("");
    let parts: Vec<String> = n
        .split('.')
        .map(|p| p.trim_matches(|c| c == '`' || c == '"').to_lowercase())
        .collect();
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    match parts.as_slice() {
        [t] if ok(t) => Some((database.unwrap_or("default").to_lowercase(), t.clone())),
        [d, t] if ok(d) && ok(t) => Some((d.clone(), t.clone())),
        _ => None,
    }
}

/// What `s` touches.
pub fn target(s: &Statement) -> Target {
    let w = words(&s.sql);
    let up: Vec<String> = w.iter().map(|x| x.to_uppercase()).collect();
    let up: Vec<&str> = up.iter().map(String::as_str).collect();
    let db = s.database.as_deref();
    // The index of the table name, by statement form.
    let at = match up.as_slice() {
        ["CREATE", "EXTERNAL", "TABLE", "IF", "NOT", "EXISTS", ..] => 6,
        ["CREATE", "EXTERNAL", "TABLE", ..] => 3,
        ["CREATE", "TABLE", "IF", "NOT", "EXISTS", ..] => 5,
        ["CREATE", "TABLE", ..] => 2,
        ["ALTER", "TABLE", ..] => 2,
        ["DROP", "TABLE", "IF", "EXISTS", ..] => 4,
        ["DROP", "TABLE", ..] => 2,
        ["MSCK", "REPAIR", "TABLE", ..] => 3,
        _ => return Target::Barrier,
    };
    // CREATE TABLE … AS SELECT reads other tables.
    if up[0] == "CREATE" && reads_a_query(&s.sql) {
        return Target::Barrier;
    }
    match w.get(at).and_then(|n| name(n, db)) {
        Some((d, t)) => Target::Table(d, t),
        None => Target::Barrier,
    }
}

fn reads_a_query(sql: &str) -> bool {
    let up = sql.to_uppercase();
    let toks: Vec<&str> = up
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|t| !t.is_empty())
        .collect();
    toks.windows(2)
        .any(|w| w[0] == "AS" && (w[1] == "SELECT" || w[1] == "WITH"))
}

/// For each statement, the earlier statements it must wait for (direct
/// dependencies; the rest follow transitively).
pub fn dependencies(targets: &[Target]) -> Vec<Vec<usize>> {
    let mut deps = Vec::with_capacity(targets.len());
    let mut barrier: Option<usize> = None;
    let mut since_barrier: Vec<usize> = Vec::new();
    let mut last: BTreeMap<&Target, usize> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        match t {
            Target::Barrier => {
                let mut d: Vec<usize> = barrier.into_iter().collect();
                d.append(&mut since_barrier);
                deps.push(d);
                barrier = Some(i);
                last.clear();
            }
            Target::Table(..) => {
                let d: Vec<usize> = match last.get(t) {
                    Some(&j) => vec![j],
                    None => barrier.into_iter().collect(),
                };
                deps.push(d);
                last.insert(t, i);
                since_barrier.push(i);
            }
        }
    }
    deps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(sql: &str) -> Statement {
        Statement {
            sql: sql.into(),
            database: crate::sql::database_comment(sql),
        }
    }

    #[test]
    fn targets_and_dependencies() {
        let stmts = [
            "CREATE DATABASE IF NOT EXISTS shop",
            "/* Database: shop */\nCREATE EXTERNAL TABLE IF NOT EXISTS `orders` (a int)",
            "-- Database: shop\n-- c\nCREATE EXTERNAL TABLE customers (a int)",
            "/* Database: shop */\nALTER TABLE orders ADD PARTITION (dt='1')",
            "ALTER TABLE shop.Customers ADD COLUMNS (b int)",
            "MSCK REPAIR TABLE \"shop\".\"orders\"",
            "-- Database: shop\nCREATE OR REPLACE VIEW v AS SELECT 1",
            "CREATE TABLE shop.x AS SELECT * FROM shop.orders",
            "DROP TABLE IF EXISTS shop.orders",
        ];
        let t: Vec<Target> = stmts.iter().map(|s| target(&st(s))).collect();
        let tab = |d: &str, n: &str| Target::Table(d.into(), n.into());
        assert_eq!(
            t,
            vec![
                Target::Barrier,
                tab("shop", "orders"),
                tab("shop", "customers"),
                tab("shop", "orders"),
                tab("shop", "customers"),
                tab("shop", "orders"),
                Target::Barrier,
                Target::Barrier,
                tab("shop", "orders"),
            ]
        );
        assert_eq!(
            dependencies(&t),
            vec![
                vec![],
                vec![0],
                vec![0],
                vec![1],
                vec![2],
                vec![3],
                vec![0, 1, 2, 3, 4, 5],
                vec![6],
                vec![7],
            ]
        );
    }
}
