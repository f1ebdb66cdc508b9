//! Phase: default privileges (ALTER DEFAULT PRIVILEGES).

use std::collections::{BTreeMap, BTreeSet};

use common::{Change, FieldChange, Note};

use super::objects::{all_extra, PrivMap};
use super::ops::{Builder, Op, Phase};
use crate::live::{Live, LiveDb};
use crate::model::{Database, Desired, Mode};
use crate::privs::{self, DefaultKind, Privilege};
use crate::sql::quote_ident;

/// (creator, schema, kind, grantee).
type Key = (String, Option<String>, DefaultKind, String);

/// PUBLIC's live default privileges for the (creator, schema, kind) where
/// the configuration declares PUBLIC: the row's entries, or the built-in
/// default (`acldefault`: EXECUTE on functions, USAGE on types) while no
/// global row replaces it. Notes where PUBLIC is not declared but holds
/// more than the built-in default on a managed creator's objects, and where
/// a schema's declaration cannot take away what the global default gives.
fn public(
    b: &mut Builder,
    d: &Desired,
    live: &Live,
    dbname: &str,
    ldb: &LiveDb,
    want: &BTreeMap<Key, PrivMap>,
    have: &mut BTreeMap<Key, PrivMap>,
) {
    // (creator, kind) → PUBLIC's privileges in every schema (global).
    let global = |for_role: &String, kind: DefaultKind| -> BTreeSet<Privilege> {
        if ldb.default_rows.contains(&(for_role.clone(), None, kind)) {
            ldb.public_default_acl
                .iter()
                .filter(|e| e.for_role == *for_role && e.schema.is_none() && e.kind == kind)
                .map(|e| e.privilege)
                .collect()
        } else {
            kind.public_builtin().into_iter().collect()
        }
    };
    let address = |k: &Key| {
        format!(
            "default_privileges.{dbname}.{}.{}.{}.to.PUBLIC",
            k.0,
            k.1.as_deref().unwrap_or("*"),
            k.2.name()
        )
    };
    for key in want.keys().filter(|k| k.3 == "PUBLIC") {
        let (for_role, schema, kind, _) = key;
        let m = have.entry(key.clone()).or_default();
        match schema {
            None => {
                for p in global(for_role, *kind) {
                    m.insert(p, false);
                }
            }
            Some(_) => {
                // What the global default gives once this plan is applied.
                let g = (for_role.clone(), None, *kind, "PUBLIC".to_string());
                let after = match want.get(&g) {
                    Some(m) => m.keys().copied().collect(),
                    None => global(for_role, *kind),
                };
                let lost: BTreeSet<Privilege> = after
                    .into_iter()
                    .filter(|p| !want[key].contains_key(p))
                    .collect();
                if !lost.is_empty() {
                    b.notes.push(Note {
                        address: address(key),
                        message: format!(
                            "PUBLIC keeps {} on new {} of `{for_role}` here through the default \
                             privileges of every schema, which `IN SCHEMA` cannot take away: \
                             declare PUBLIC's default privileges for `{for_role}` without `schema`",
                            privs::join(&lost),
                            kind.name()
                        ),
                    });
                }
            }
        }
    }
    let mut undeclared: BTreeMap<Key, BTreeSet<Privilege>> = BTreeMap::new();
    for e in &ldb.public_default_acl {
        let key = (
            e.for_role.clone(),
            e.schema.clone(),
            e.kind,
            e.grantee.clone(),
        );
        if want.contains_key(&key) {
            // Grant options do not exist for PUBLIC.
            have.entry(key).or_default().insert(e.privilege, false);
        } else if (e.schema.is_some() || e.kind.public_builtin() != Some(e.privilege))
            && d.is_managed(&e.for_role, &live.current_user)
        {
            undeclared.entry(key).or_default().insert(e.privilege);
        }
    }
    for (key, extra) in undeclared {
        b.notes.push(Note {
            address: address(&key),
            message: format!(
                "default privileges {} for PUBLIC granted outside the configuration \
                 (kept: PUBLIC is not declared for these)",
                privs::join(&extra)
            ),
        });
    }
}

pub(super) fn default_privileges(
    b: &mut Builder,
    d: &Desired,
    live: &Live,
    dbname: &str,
    desired: &Database,
    ldb: &LiveDb,
) {
    let mut want: BTreeMap<Key, PrivMap> = BTreeMap::new();
    let mut have: BTreeMap<Key, PrivMap> = BTreeMap::new();
    for dp in &desired.default_privileges {
        for g in &dp.to {
            if *g == dp.for_role {
                continue;
            }
            let m = want
                .entry((dp.for_role.clone(), dp.schema.clone(), dp.kind, g.clone()))
                .or_default();
            let extra = all_extra(dp.all, dp.kind == DefaultKind::Tables, live);
            for p in dp.privileges.iter().chain(extra.as_ref()) {
                *m.entry(*p).or_insert(false) |= dp.grant_option;
            }
        }
    }
    for e in &ldb.default_acl {
        have.entry((
            e.for_role.clone(),
            e.schema.clone(),
            e.kind,
            e.grantee.clone(),
        ))
        .or_default()
        .insert(e.privilege, e.grantable);
    }
    public(b, d, live, dbname, ldb, &want, &mut have);
    let keys: BTreeSet<&Key> = want.keys().chain(have.keys()).collect();
    let none = PrivMap::new();
    for key in keys {
        let (for_role, schema, kind, grantee) = key;
        let w = want.get(key).unwrap_or(&none);
        let h = have.get(key).unwrap_or(&none);
        let tracked = d.is_managed(grantee, &live.current_user);
        // PUBLIC's default privileges, where declared, are exact.
        let managed = (tracked && d.mode == Mode::Authoritative) || grantee == "PUBLIC";
        if tracked && !managed {
            let extra: BTreeSet<Privilege> =
                h.keys().filter(|p| !w.contains_key(p)).copied().collect();
            let extra_go: BTreeSet<Privilege> = w
                .iter()
                .filter(|(p, go)| !**go && h.get(*p) == Some(&true))
                .map(|(p, _)| *p)
                .collect();
            let mut what = Vec::new();
            if !extra.is_empty() {
                what.push(privs::join(&extra));
            }
            for p in &extra_go {
                what.push(format!("{p} WITH GRANT OPTION"));
            }
            if !what.is_empty() {
                b.notes.push(Note {
                    address: format!(
                        "default_privileges.{dbname}.{for_role}.{}.{}.to.{grantee}",
                        schema.as_deref().unwrap_or("*"),
                        kind.name()
                    ),
                    message: format!(
                        "default privileges {} granted outside the configuration (kept: mode additive)",
                        what.join(", ")
                    ),
                });
            }
        }
        let mut grant = BTreeSet::new();
        let mut grant_go = BTreeSet::new();
        let mut revoke = BTreeSet::new();
        let mut revoke_go = BTreeSet::new();
        for (p, go) in w {
            match (h.get(p), go) {
                (None, false) => {
                    grant.insert(*p);
                }
                (None, true) | (Some(false), true) => {
                    grant_go.insert(*p);
                }
                (Some(true), false) if managed => {
                    revoke_go.insert(*p);
                }
                _ => {}
            }
        }
        if managed {
            for p in h.keys() {
                if !w.contains_key(p) {
                    revoke.insert(*p);
                }
            }
        }
        if grant.is_empty() && grant_go.is_empty() && revoke.is_empty() && revoke_go.is_empty() {
            continue;
        }
        let who = if b.rs { "USER" } else { "ROLE" };
        let prefix = match schema {
            Some(s) => format!(
                "ALTER DEFAULT PRIVILEGES FOR {who} {} IN SCHEMA {}",
                quote_ident(for_role),
                quote_ident(s)
            ),
            None => format!(
                "ALTER DEFAULT PRIVILEGES FOR {who} {}",
                quote_ident(for_role)
            ),
        };
        let on = kind.sql();
        let g = b.grantee(grantee);
        let mut stmts = Vec::new();
        if !grant.is_empty() {
            stmts.push(format!(
                "{prefix} GRANT {} ON {on} TO {g}",
                privs::join(&grant)
            ));
        }
        if !grant_go.is_empty() {
            stmts.push(format!(
                "{prefix} GRANT {} ON {on} TO {g} WITH GRANT OPTION",
                privs::join(&grant_go)
            ));
        }
        if !revoke_go.is_empty() {
            stmts.push(format!(
                "{prefix} REVOKE GRANT OPTION FOR {} ON {on} FROM {g}",
                privs::join(&revoke_go)
            ));
        }
        if !revoke.is_empty() {
            stmts.push(format!(
                "{prefix} REVOKE {} ON {on} FROM {g}",
                privs::join(&revoke)
            ));
        }
        let action = if h.is_empty() {
            common::Action::Create
        } else if w.is_empty() {
            common::Action::Delete
        } else {
            common::Action::Update
        };
        let phase = if grant.is_empty() && grant_go.is_empty() {
            Phase::Revoke
        } else {
            Phase::Grant
        };
        let one = |m: &PrivMap| {
            (!m.is_empty()).then(|| {
                m.iter()
                    .map(|(k, go)| {
                        if *go {
                            format!("{k} WITH GRANT OPTION")
                        } else {
                            k.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        let mut c = Change::new(
            format!(
                "default_privileges.{dbname}.{for_role}.{}.{}.to.{grantee}",
                schema.as_deref().unwrap_or("*"),
                kind.name()
            ),
            action,
        )
        .field(FieldChange::new("privileges", one(h), one(w)));
        let ops: Vec<Op> = stmts.iter().map(|s| Op::new(dbname, s.clone())).collect();
        c.statements = stmts;
        b.push(phase, c, ops);
    }
}
