//! Helpers the privilege phases share: object SQL and addresses, privilege
//! lists, what `ALL` adds on newer servers.

use std::collections::{BTreeMap, BTreeSet};

use crate::live::{Live, LiveDb, Name, ObjRef};
use crate::model::split_signature;
use crate::privs::Privilege;
use crate::sql::{qualified, quote_ident};

/// What `ALL` adds on tables where the server has it: MAINTAIN from
/// PostgreSQL 17 (the configuration is validated without the server).
pub(super) fn all_extra(all: bool, tables: bool, live: &Live) -> Option<Privilege> {
    let p = Privilege::Maintain;
    (all && tables
        && live.dialect == crate::model::Dialect::Postgres
        && crate::privs::since(p).is_some_and(|v| live.server_version >= v))
    .then_some(p)
}

/// The SQL for an object in `GRANT … ON <object>`; columns give their table.
pub(super) fn object_sql(o: &ObjRef, live: &LiveDb) -> String {
    match o {
        ObjRef::Database { name } => format!("DATABASE {}", quote_ident(name)),
        ObjRef::Schema { name } => format!("SCHEMA {}", quote_ident(name)),
        ObjRef::Table { schema, name }
        | ObjRef::Column {
            schema,
            table: name,
            ..
        } => format!("TABLE {}", qualified(schema, name)),
        ObjRef::Sequence { schema, name } => format!("SEQUENCE {}", qualified(schema, name)),
        ObjRef::Function { schema, signature } => {
            let (kw, name, args) = match live
                .functions
                .get(schema.as_str())
                .and_then(|f| f.get(signature.as_str()))
            {
                Some(f) => (
                    if f.procedure { "PROCEDURE" } else { "FUNCTION" },
                    f.name.clone(),
                    f.args.clone(),
                ),
                None => {
                    let (n, a) = split_signature(signature);
                    ("FUNCTION", n, a.unwrap_or_default())
                }
            };
            format!("{kw} {}({args})", qualified(schema, &name))
        }
    }
}

/// Address part of an object: `table.sales.orders`.
pub(super) fn object_address(o: &ObjRef) -> String {
    match o {
        ObjRef::Database { name } => format!("database.{name}"),
        ObjRef::Schema { name } => format!("schema.{name}"),
        ObjRef::Table { schema, name } => format!("table.{schema}.{name}"),
        ObjRef::Sequence { schema, name } => format!("sequence.{schema}.{name}"),
        ObjRef::Function { schema, signature } => format!("function.{schema}.{signature}"),
        ObjRef::Column { schema, table, .. } => format!("columns.{schema}.{table}"),
    }
}

/// The change key: columns of one table are one change.
pub(super) fn group_key(o: &ObjRef) -> ObjRef {
    match o {
        ObjRef::Column { schema, table, .. } => ObjRef::Column {
            schema: schema.clone(),
            table: table.clone(),
            column: Name::default(),
        },
        other => other.clone(),
    }
}

pub(super) type PrivMap = BTreeMap<Privilege, bool>;

pub(super) fn show_privs(m: &BTreeMap<String, PrivMap>) -> Option<String> {
    if m.values().all(|p| p.is_empty()) {
        return None;
    }
    let part = |p: &PrivMap| {
        p.iter()
            .map(|(k, go)| {
                if *go {
                    format!("{k} WITH GRANT OPTION")
                } else {
                    k.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if m.len() == 1 && m.contains_key("") {
        return m.get("").map(part);
    }
    Some(
        m.iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(c, p)| format!("{c}: {}", part(p)))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Renders `KW p1, p2` or, for columns, `KW p1 ("a", "b"), p2 ("a")`.
pub(super) fn priv_list(items: &BTreeMap<Privilege, BTreeSet<String>>) -> String {
    items
        .iter()
        .map(|(p, cols)| {
            if cols.iter().all(|c| c.is_empty()) {
                p.sql().to_string()
            } else {
                format!("{} ({})", p.sql(), crate::sql::ident_list(cols.iter()))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
