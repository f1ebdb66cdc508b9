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
    let sql_differs = !view_sql::same_query(&w.sql, &h.sql);
    // The same SQL resolved in another database (a view re-created out of
    // band from another session schema) reads other tables.
    let other_schema = h
        .schema
        .as_ref()
        .filter(|s| !s.eq_ignore_ascii_case(db))
        .cloned();
    if sql_differs || other_schema.is_some() {
        let s = view_statement(&want.name, &w.sql);
        let mut change = Change::new(addr, Action::Update);
        if sql_differs {
            change = change.field(FieldChange::new(
                "sql",
                Some(h.sql.clone()),
                Some(w.sql.clone()),
            ));
        }
        if let Some(schema) = other_schema {
            change = change.field(FieldChange::new(
                "resolved in database",
                Some(schema),
                Some(db.to_string()),
            ));
        }
        return Some(Planned::new(
            change.statement(s.clone()),
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

    fn view(sql: &str, schema: Option<&str>) -> crate::model::TableSpec {
        let mut t = crate::model::TableSpec::new("v", crate::model::Kind::View);
        t.view = Some(crate::model::ViewSpec {
            sql: sql.into(),
            columns: Vec::new(),
            schema: schema.map(str::to_string),
        });
        t
    }

    #[test]
    fn resolved_in_another_database_is_a_change() {
        let want = view("SELECT id FROM t", None);
        let mut notes = Vec::new();
        let same = view("SELECT id\nFROM\n  t\n", Some("DB1"));
        assert!(super::view_update("db1", &want, &same, &mut notes).is_none());
        let other = view("SELECT id\nFROM\n  t\n", Some("db2"));
        let p = super::view_update("db1", &want, &other, &mut notes).expect("a change");
        let fields: Vec<_> = p.change.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fields, ["resolved in database"]);
        assert_eq!(p.change.fields[0].before.as_deref(), Some("db2"));
        assert_eq!(
            p.change.statements,
            ["CREATE OR REPLACE VIEW \"v\" AS\nSELECT id FROM t"]
        );
        let both = view("SELECT id FROM u", Some("db2"));
        let p = super::view_update("db1", &want, &both, &mut notes).expect("a change");
        assert_eq!(p.change.fields.len(), 2);
        assert!(notes.is_empty());
    }
}
