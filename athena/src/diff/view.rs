//! Phase: views (`CREATE OR REPLACE VIEW` through Athena).

use common::plan::{Action, Change, FieldChange, Note, Planned};

use super::fields::address;
use super::op::Op;
use crate::model::TableSpec;
use crate::sql::{self, quote_ident};

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
    if sql::normalize(&w.sql) != sql::normalize(&h.sql) {
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
    if !w.columns.is_empty() && w.columns != h.columns {
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
