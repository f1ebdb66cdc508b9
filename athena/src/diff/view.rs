//! Phase: views (`CREATE OR REPLACE VIEW` through Athena).

use common::plan::{Action, Change, FieldChange, Note, Planned};

use super::fields::address;
use super::op::Op;
use crate::model::TableSpec;
use crate::sql::quote_ident;
use crate::view_sql;

/// `CREATE OR REPLACE VIEW "v" AS <sql>`.
pub fn view_statement(name: &str, view_sql: &str) -> String {
    format!(
        "CREATE OR REPLACE VIEW {} AS\n{}",
        quote_ident(name),
        view_sql
    )
}

pub(super) fn view_update(
    db: &str,
    want: &TableSpec,
    have: &TableSpec,
    notes: &mut Vec<Note>,
) -> Option<Planned<Op>> {
    let (Some(w), Some(h)) = (&want.view, &have.view) else {
        return None;
    };
    let addr = address(db, want);
    // The engine stores its own rendering of the SQL: compared as queries.
    if !view_sql::same_query(&w.sql, &h.sql) {
        let s = view_statement(&want.name, &w.sql);
        let change = Change::new(addr, Action::Update)
            .field(FieldChange::new(
                "sql",
                Some(h.sql.clone()),
                Some(w.sql.clone()),
            ))
            .statement(s.clone());
        return Some(Planned::new(
            change,
            vec![Op::Athena {
                db: db.into(),
                sql: s,
            }],
        ));
    }
    if !w.columns.is_empty() && !same_columns(&w.columns, &h.columns) {
        let show = |c: &[(String, String)]| {
            c.iter()
                .map(|(n, t)| format!("{n} {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        notes.push(Note {
            address: addr,
            message: format!(
                "the view's columns in the catalog ({}) differ from the declared ones ({}); Athena derives them from the SQL",
                show(&h.columns),
                show(&w.columns)
            ),
        });
    }
    None
}

/// Column lists equal by name and type, types compared without the spaces
/// around `(`, `,` and `)`: Trino records `map(varchar,array(integer))`,
/// a configuration may say `map(varchar, array(integer))`.
fn same_columns(a: &[(String, String)], b: &[(String, String)]) -> bool {
    let key = |t: &str| {
        let words = t.split_whitespace().collect::<Vec<_>>().join(" ");
        words
            .replace(" (", "(")
            .replace("( ", "(")
            .replace(" ,", ",")
            .replace(", ", ",")
            .replace(" )", ")")
    };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((n1, t1), (n2, t2))| n1 == n2 && key(t1) == key(t2))
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_types_compare_without_layout_spaces() {
        let c = |t: &str| vec![("tags".to_string(), t.to_string())];
        assert!(super::same_columns(
            &c("map(varchar, array(integer))"),
            &c("map(varchar,array(integer))")
        ));
        assert!(super::same_columns(
            &c("row(a integer, b varchar)"),
            &c("row(a integer,b varchar)")
        ));
        assert!(!super::same_columns(
            &c("row(a integer)"),
            &c("row(ainteger)")
        ));
        assert!(!super::same_columns(&c("bigint"), &c("integer")));
    }
}
