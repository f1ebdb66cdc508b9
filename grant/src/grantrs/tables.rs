//! grant-rs roles into grants and exclusions ([`role_items`]); table-role
//! entries (`tables: [ALL, +t, -t, -schema.t, -ALL]`) per schema.
//!
//! grant-rs (`src/config/role_table.rs`) sends `GRANT … ON ALL TABLES IN
//! SCHEMA s` for `ALL`, `REVOKE … ON ALL TABLES IN SCHEMA s` for `-ALL`,
//! `GRANT` on `s.t` for `t` / `+t` and `REVOKE` on `s.t` for `-t`; an
//! unqualified name is taken in every schema of `schemas`, a qualified one
//! in its own schema. A minus excludes the table from the role (README:
//! `ALL, -secret_table` grants every table but `secret_table`); what no
//! other role of the user grants there is revoked (see `merge`).

use std::collections::{BTreeMap, BTreeSet};

use super::merge::{Item, Objs, Privs};
use super::names::{fold, fold_table_entry, split_qualified};
use super::Role;
use crate::privs::ObjectKind;

/// A role's grants and exclusions, names folded as PostgreSQL folds
/// grant-rs's unquoted SQL; schema and table roles act on `conn_db`.
pub fn role_items(role: &Role, kind: ObjectKind, conn_db: &str) -> (Vec<Item>, Vec<Item>) {
    let privs = Privs::parse(&role.grants);
    let item = |db: &str, schema: Option<String>, objs: Objs| Item {
        key: (db.to_string(), kind, schema),
        grants: role.grants.clone(),
        privs: privs.clone(),
        objs,
    };
    let schemas: Vec<String> = role.schemas.iter().map(|s| fold(s)).collect();
    let (mut plus, mut minus) = (Vec::new(), Vec::new());
    match kind {
        ObjectKind::Database => {
            for db in &role.databases {
                plus.push(item(&fold(db), None, Objs::Whole));
            }
        }
        ObjectKind::Schema => {
            if !schemas.is_empty() {
                plus.push(item(
                    conn_db,
                    None,
                    Objs::Names(schemas.into_iter().collect()),
                ));
            }
        }
        _ => {
            let tables: Vec<String> = role.tables.iter().map(|t| fold_table_entry(t)).collect();
            for (schema, t) in by_schema(&schemas, &tables) {
                let own_minus: BTreeSet<String> = t.revoke.iter().cloned().collect();
                let at = |objs| item(conn_db, Some(schema.clone()), objs);
                if t.revoke_all {
                    // `-ALL` drops the role's `ALL` and `+t`, as grant-rs's
                    // later sources do.
                    minus.push(at(Objs::Star(BTreeSet::new())));
                    continue;
                }
                if t.all {
                    plus.push(at(Objs::Star(own_minus.clone())));
                } else {
                    let names: BTreeSet<String> = t
                        .names
                        .iter()
                        .filter(|n| !own_minus.contains(*n))
                        .cloned()
                        .collect();
                    if !names.is_empty() {
                        plus.push(at(Objs::Names(names)));
                    }
                }
                if !own_minus.is_empty() {
                    minus.push(at(Objs::Names(own_minus)));
                }
            }
        }
    }
    (plus, minus)
}

/// The tables of one schema a role grants (`all` or `names`) and revokes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaTables {
    /// `ALL`: every table of the schema.
    pub all: bool,
    /// Named tables granted.
    pub names: Vec<String>,
    /// `-ALL`: revoke on every table of the schema.
    pub revoke_all: bool,
    /// Named tables revoked.
    pub revoke: Vec<String>,
}

/// Splits a role's `tables` over its `schemas`: schema → its tables.
pub fn by_schema(schemas: &[String], tables: &[String]) -> BTreeMap<String, SchemaTables> {
    let mut out: BTreeMap<String, SchemaTables> = BTreeMap::new();
    for s in schemas {
        out.entry(s.clone()).or_default();
    }
    for t in tables {
        let (neg, name) = match t.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        if name == "ALL" {
            for s in schemas {
                let e = out.entry(s.clone()).or_default();
                if neg {
                    e.revoke_all = true;
                } else {
                    e.all = true;
                }
            }
            continue;
        }
        // Parts still quoted by `fold_table_entry` lose their quotes here.
        let targets: Vec<(String, String)> = match split_qualified(name) {
            Some((s, t)) => vec![(fold(s), fold(t))],
            None => schemas.iter().map(|s| (s.clone(), fold(name))).collect(),
        };
        for (s, t) in targets {
            let e = out.entry(s).or_default();
            let list = if neg { &mut e.revoke } else { &mut e.names };
            if !list.contains(&t) {
                list.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn readme_example() {
        let m = by_schema(
            &v(&["public"]),
            &v(&["ALL", "+public_table", "-secret_table", "-schema2.table"]),
        );
        assert_eq!(
            m["public"],
            SchemaTables {
                all: true,
                names: v(&["public_table"]),
                revoke_all: false,
                revoke: v(&["secret_table"]),
            }
        );
        assert_eq!(m["schema2"].revoke, v(&["table"]));
        assert!(!m["schema2"].all);
    }

    #[test]
    fn minus_all_and_unqualified_names_in_every_schema() {
        let m = by_schema(&v(&["a", "b"]), &v(&["-ALL", "t"]));
        for s in ["a", "b"] {
            assert!(m[s].revoke_all);
            assert_eq!(m[s].names, v(&["t"]));
        }
    }
}
