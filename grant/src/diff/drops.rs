//! Phase: dropping undeclared managed roles (authoritative mode).

use std::collections::BTreeSet;

use common::{Change, Note};

use super::ops::{Builder, Op, Phase};
use crate::live::Live;
use crate::model::{Desired, Mode};
use crate::sql::{qualified, quote_ident};

pub(super) fn drops(b: &mut Builder, d: &Desired, live: &Live) {
    if d.mode != Mode::Authoritative {
        return;
    }
    let cdb = live.connection_db.as_str();
    let mut dbs: BTreeSet<&str> = d.databases.keys().map(String::as_str).collect();
    dbs.insert(cdb);
    // The connection database first, like apply.
    let mut order: Vec<&str> = vec![cdb];
    order.extend(dbs.iter().copied().filter(|x| *x != cdb));
    for name in live.roles.keys() {
        if d.roles.contains_key(name) || !d.is_managed(name, &live.current_user) {
            continue;
        }
        let q = quote_ident(name);
        let mut ops = Vec::new();
        let mut reason = format!("drops role `{name}`");
        if b.rs {
            redshift_drop(b, d, live, name);
            continue;
        }
        // All or nothing: REASSIGN / DROP OWNED must run in every database
        // where the role owns objects or holds privileges, before any commits.
        let unreachable: Vec<&str> = live
            .dependent_dbs
            .get(name)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|db| !dbs.contains(db))
            .collect();
        let owned = live.owned.get(name).copied().unwrap_or(0);
        // REASSIGN OWNED also hands over the databases the role owns.
        let owned_dbs: Vec<String> = live
            .database_owners
            .iter()
            .filter(|(_, o)| *o == name)
            .map(|(db, _)| format!("`{db}`"))
            .collect();
        let including = if owned_dbs.is_empty() {
            String::new()
        } else {
            format!(", including database(s) {}", owned_dbs.join(", "))
        };
        if !unreachable.is_empty() {
            let msg = format!(
                "role `{name}` owns objects or holds privileges in database(s) {} that the configuration does not list: refusing to drop it (add them under `databases`, or drop the role by hand)",
                unreachable.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            );
            let mut op = Op::new(cdb, format!("-- refused: {msg}"));
            op.refuse = Some(msg.clone());
            ops.push(op);
            b.notes.push(Note {
                address: format!("role.{name}"),
                message: msg,
            });
        } else if owned > 0 {
            match &d.reassign_owned_to {
                Some(t) => {
                    reason = format!(
                        "drops role `{name}`; its {owned} owned object(s){including} are reassigned to `{t}`"
                    );
                    for db in &order {
                        ops.push(Op::new(
                            db,
                            format!("REASSIGN OWNED BY {q} TO {}", quote_ident(t)),
                        ));
                        ops.push(Op::new(db, format!("DROP OWNED BY {q}")));
                    }
                }
                None => {
                    let msg = format!(
                        "role `{name}` owns {owned} object(s){including}: refusing to drop it; set `reassign_owned_to` to the role that should own them"
                    );
                    let mut op = Op::new(cdb, format!("-- refused: {msg}"));
                    op.refuse = Some(msg.clone());
                    ops.push(op);
                    b.notes.push(Note {
                        address: format!("role.{name}"),
                        message: msg,
                    });
                }
            }
        } else {
            for db in &order {
                ops.push(Op::new(db, format!("DROP OWNED BY {q}")));
            }
        }
        let mut drop = Op::new(cdb, format!("DROP ROLE {q}"));
        drop.last = true;
        ops.push(drop);
        let mut c = Change::new(format!("role.{name}"), common::Action::Delete).destructive(reason);
        c.statements = ops.iter().map(|o| o.sql.clone()).collect();
        b.push(Phase::DropRole, c, ops);
    }
}

/// Redshift has no REASSIGN OWNED / DROP OWNED: each owned schema and table
/// of the configured databases gets `ALTER … OWNER TO`, then DROP USER/GROUP.
pub(super) fn redshift_drop(b: &mut Builder, d: &Desired, live: &Live, name: &str) {
    let cdb = live.connection_db.as_str();
    let q = quote_ident(name);
    let mut owned: Vec<(String, String)> = Vec::new();
    for (dbname, db) in &live.databases {
        for (s, o) in &db.schemas {
            if o == name {
                owned.push((dbname.clone(), format!("SCHEMA {}", quote_ident(s))));
            }
        }
        for (s, rels) in &db.relations {
            for (t, r) in rels {
                if r.owner == name {
                    owned.push((dbname.clone(), format!("TABLE {}", qualified(s, t))));
                }
            }
        }
    }
    let mut ops = Vec::new();
    let mut reason = format!("drops `{name}`");
    if !owned.is_empty() {
        match &d.reassign_owned_to {
            Some(t) => {
                reason = format!(
                    "drops `{name}`; its {} owned object(s) are given to `{t}`",
                    owned.len()
                );
                for (db, obj) in &owned {
                    ops.push(Op::new(
                        db,
                        format!("ALTER {obj} OWNER TO {}", quote_ident(t)),
                    ));
                }
            }
            None => {
                let msg = format!(
                    "`{name}` owns {} object(s): refusing to drop it; set `reassign_owned_to`",
                    owned.len()
                );
                let mut op = Op::new(cdb, format!("-- refused: {msg}"));
                op.refuse = Some(msg.clone());
                ops.push(op);
                b.notes.push(Note {
                    address: format!("role.{name}"),
                    message: msg,
                });
            }
        }
    }
    let kind = if live.rbac_roles.contains(name) {
        "ROLE"
    } else if live.roles.get(name).is_some_and(|r| !r.attrs.login) {
        "GROUP"
    } else {
        "USER"
    };
    let mut drop = Op::new(cdb, format!("DROP {kind} {q}"));
    drop.last = true;
    ops.push(drop);
    let mut c = Change::new(format!("role.{name}"), common::Action::Delete).destructive(reason);
    c.statements = ops.iter().map(|o| o.sql.clone()).collect();
    b.push(Phase::DropRole, c, ops);
}
