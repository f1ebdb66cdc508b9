//! Who granted a live privilege, so that revokes converge whoever granted:
//! a privilege granted by another role than the object's owner (or the
//! connecting user) is revoked as that role (`SET ROLE`, then `REVOKE`; a
//! superuser's `REVOKE` otherwise acts as the owner and leaves it in place),
//! and a revoke that would leave dependent grants behind needs `CASCADE`,
//! which makes the change destructive (`--allow-destructive`).

use std::collections::{BTreeMap, BTreeSet};

use super::cascade::{column_key, Cascade, PrivCols};
use super::objects::{group_key, priv_list};
use super::orphans::Orphans;
use crate::live::{LiveDb, ObjRef};
use crate::privs::Privilege;
use crate::sql::quote_ident;

/// (group key, grantee or grantor, column or "", privilege).
type Key = (ObjRef, String, String, Privilege);

/// The grantors of the live privileges of one database.
#[derive(Default)]
pub(super) struct Grantors {
    /// Entry → grantors other than the owner and the connecting user.
    others: BTreeMap<Key, BTreeSet<String>>,
    /// (object, grantor, column, privilege) for which the grantor gave the
    /// privilege to someone: revoking it (or its grant option) from the
    /// grantor needs CASCADE.
    dependents: BTreeMap<Key, BTreeSet<String>>,
    /// The cells of `dependents` whose grantor holds no grant option of its
    /// own (see `orphans`) → whether it holds the privilege from the owner.
    orphaned: BTreeMap<Key, bool>,
}

impl Grantors {
    /// Reads the grantors of `ldb`'s privileges.
    pub(super) fn new(ldb: &LiveDb, current_user: &str) -> Grantors {
        let mut g = Grantors::default();
        // The entries come ordered by object: its owner is looked up once.
        let mut last: Option<(&ObjRef, &str)> = None;
        // PUBLIC too: a grant to PUBLIC by another role is revoked as it.
        for e in ldb.acl.iter().chain(&ldb.public_acl) {
            if e.grantor.is_empty() || e.grantor == current_user {
                continue;
            }
            let owner = match last {
                Some((o, owner)) if *o == e.object => owner,
                _ => ldb.owner_of(&e.object).unwrap_or_default(),
            };
            last = Some((&e.object, owner));
            if e.grantor == owner {
                continue;
            }
            let col = match &e.object {
                ObjRef::Column { column, .. } => column.to_string(),
                _ => String::new(),
            };
            let key = group_key(&e.object);
            g.others
                .entry((key.clone(), e.grantee.to_string(), col.clone(), e.privilege))
                .or_default()
                .insert(e.grantor.to_string());
            g.dependents
                .entry((key, e.grantor.to_string(), col, e.privilege))
                .or_default()
                .insert(e.grantee.to_string());
        }
        if !g.dependents.is_empty() {
            // What the grantors hold themselves on the cells they granted.
            let mut go: BTreeSet<Key> = BTreeSet::new();
            let mut from_owner: BTreeSet<Key> = BTreeSet::new();
            for e in ldb.acl.iter().chain(&ldb.public_acl) {
                let col = match &e.object {
                    ObjRef::Column { column, .. } => column.to_string(),
                    _ => String::new(),
                };
                let k = (
                    group_key(&e.object),
                    e.grantee.to_string(),
                    col,
                    e.privilege,
                );
                if !g.dependents.contains_key(&k) {
                    continue;
                }
                let owner = ldb.owner_of(&e.object).unwrap_or_default();
                if e.grantable {
                    go.insert(k.clone());
                }
                if e.grantor.is_empty() || e.grantor == current_user || e.grantor == owner {
                    from_owner.insert(k);
                }
            }
            for k in g.dependents.keys().filter(|k| !go.contains(*k)) {
                g.orphaned.insert(k.clone(), from_owner.contains(k));
            }
        }
        g
    }

    /// Whether some grantor holds no grant option of its own on a cell it
    /// granted (see `orphans`).
    pub(super) fn has_orphans(&self) -> bool {
        !self.orphaned.is_empty()
    }

    /// Whether `grantor` holds no grant option of its own on the cell.
    pub(super) fn orphaned(&self, obj: &ObjRef, grantor: &str, col: &str, p: Privilege) -> bool {
        !self.orphaned.is_empty()
            && self
                .orphaned
                .contains_key(&(obj.clone(), grantor.to_string(), col.to_string(), p))
    }

    /// Whether `grantor` holds the privilege of the cell from the owner.
    pub(super) fn holds_from_owner(
        &self,
        obj: &ObjRef,
        grantor: &str,
        col: &str,
        p: Privilege,
    ) -> bool {
        self.orphaned
            .get(&(obj.clone(), grantor.to_string(), col.to_string(), p))
            .copied()
            .unwrap_or(false)
    }

    /// The grantees `grantor` gave the cell's privilege to.
    pub(super) fn grantees_of(
        &self,
        obj: &ObjRef,
        grantor: &str,
        col: &str,
        p: Privilege,
    ) -> impl Iterator<Item = &str> {
        self.dependents
            .get(&(obj.clone(), grantor.to_string(), col.to_string(), p))
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// The grantors other than the owner and the connecting user of
    /// `grantee`'s privilege.
    pub(super) fn grantors_of(
        &self,
        obj: &ObjRef,
        grantee: &str,
        col: &str,
        p: Privilege,
    ) -> impl Iterator<Item = &str> {
        self.others
            .get(&(obj.clone(), grantee.to_string(), col.to_string(), p))
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Whether `grantee` granted `p` on `obj` (column `col`) to someone:
    /// revoking it or its grant option from `grantee` needs CASCADE.
    /// A table-level revoke also takes the privilege on every column, so
    /// column grants passed on count too.
    pub(super) fn passed_on(&self, obj: &ObjRef, grantee: &str, col: &str, p: Privilege) -> bool {
        !self.dependents.is_empty()
            && (self.dependents.contains_key(&(
                obj.clone(),
                grantee.to_string(),
                col.to_string(),
                p,
            )) || (col.is_empty() && !self.on_columns(obj, grantee, p).is_empty()))
    }

    /// (column, grantees) for the column grants of `p` that `grantee` made
    /// on the table `obj` (nothing unless `obj` is a table).
    fn on_columns(
        &self,
        obj: &ObjRef,
        grantee: &str,
        p: Privilege,
    ) -> Vec<(&str, &BTreeSet<String>)> {
        let ObjRef::Table { schema, name } = obj else {
            return Vec::new();
        };
        self.dependents
            .iter()
            .filter(|(k, _)| {
                k.1 == grantee
                    && k.3 == p
                    && matches!(&k.0, ObjRef::Column { schema: s, table: t, .. } if s == schema && t == name)
            })
            .map(|(k, v)| (k.2.as_str(), v))
            .collect()
    }

    /// The statements revoking `privs` (privilege → columns) on `target`
    /// from `grantee` (`what` is `""` or `"GRANT OPTION FOR "`), one per
    /// grantor, and the reason it is destructive when CASCADE is needed.
    /// Entries another revoke's CASCADE removes are left to it: once their
    /// grantor holds nothing on the object, revoking as it would fail.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn revoke(
        &self,
        cascade: &Cascade,
        orphans: &Orphans,
        obj: &ObjRef,
        grantee: &str,
        grantee_sql: &str,
        target: &str,
        what: &str,
        privs: &BTreeMap<Privilege, BTreeSet<String>>,
    ) -> (Vec<String>, Option<String>) {
        // grantor ("" = the owner / connecting user) → privilege → columns
        let mut by: BTreeMap<&str, BTreeMap<Privilege, BTreeSet<String>>> = BTreeMap::new();
        let mut lost: BTreeSet<String> = BTreeSet::new();
        // grantor without a grant option of its own → its cells (see
        // `orphans`).
        let mut orphan_of: BTreeMap<&str, BTreeMap<Privilege, BTreeSet<String>>> = BTreeMap::new();
        for (p, cols) in privs {
            for col in cols {
                let k = (obj.clone(), grantee.to_string(), col.clone(), *p);
                by.entry("")
                    .or_default()
                    .entry(*p)
                    .or_default()
                    .insert(col.clone());
                let others = self.others.get(&k).into_iter().flatten();
                let done = |g: &str| {
                    cascade.removes(obj, grantee, col, *p, g)
                        || cascade.option_first(obj, grantee, col, *p, g)
                        || orphans.takes(obj, grantee, col, *p, g)
                };
                for g in others.filter(|g| !done(g)) {
                    if orphans.covers(obj, grantee, col, *p, g) {
                        orphan_of
                            .entry(g.as_str())
                            .or_default()
                            .entry(*p)
                            .or_default()
                            .insert(col.clone());
                        continue;
                    }
                    by.entry(g)
                        .or_default()
                        .entry(*p)
                        .or_default()
                        .insert(col.clone());
                }
                // What the cascade takes: not the grants `grantee` keeps
                // through a membership, nor those revoked as it first.
                for d in self.dependents.get(&k).into_iter().flatten() {
                    if cascade.takes(obj, d, col, *p, grantee) {
                        lost.insert(format!("{p} granted by `{grantee}` to `{d}`"));
                    }
                }
                if col.is_empty() {
                    let ck = column_key(obj);
                    for (c, ds) in self.on_columns(obj, grantee, *p) {
                        for d in ds.iter().filter(|d| cascade.takes(&ck, d, c, *p, grantee)) {
                            lost.insert(format!("{p} ({c}) granted by `{grantee}` to `{d}`"));
                        }
                    }
                }
            }
        }
        // The grants `grantee` made that the plan revokes while `grantee`
        // keeps the grant option through a membership (all its grants when
        // its groups lose the option too): revoked as it first, while it
        // still holds its own option (see `Cascade::first`).
        // Likewise the grant options it gave that the plan revokes.
        let mut first: BTreeMap<(&str, &str), PrivCols> = BTreeMap::new();
        let whole = cascade.first(obj, grantee).into_iter().flatten();
        let go = cascade.first_go(obj, grantee).into_iter().flatten();
        let cells = whole
            .map(|c| ("", c))
            .chain(go.map(|c| ("GRANT OPTION FOR ", c)));
        for (w, (d, col, p)) in cells {
            if privs.get(p).is_some_and(|cols| cols.contains(col)) {
                first
                    .entry((d.as_str(), w))
                    .or_default()
                    .entry(*p)
                    .or_default()
                    .insert(col.clone());
            }
        }
        let mut stmts = Vec::new();
        for ((d, w), dprivs) in first {
            let passed = dprivs
                .iter()
                .any(|(p, cols)| cols.iter().any(|c| self.passed_on(obj, d, c, *p)));
            if passed {
                lost.insert(format!(
                    "{} that `{d}` passed on (revoked as `{grantee}` first)",
                    priv_list(&dprivs)
                ));
            }
            let d_sql = if d == "PUBLIC" {
                d.to_string()
            } else {
                quote_ident(d)
            };
            stmts.push(format!("SET ROLE {grantee_sql}"));
            stmts.push(format!(
                "REVOKE {w}{} ON {target} FROM {d_sql}{}",
                priv_list(&dprivs),
                if passed { " CASCADE" } else { "" }
            ));
            stmts.push("RESET ROLE".to_string());
        }
        for (g, cells) in &orphan_of {
            let passed = |d: &str, c: &str, p: Privilege| self.passed_on(obj, d, c, p);
            stmts.extend(orphans.statements((obj, target), grantee, g, cells, passed, &mut lost));
        }
        // No CASCADE when nothing is taken: should the server disagree
        // (dependent privileges exist), the apply fails instead of
        // revoking without --allow-destructive.
        let cascade = if lost.is_empty() { "" } else { " CASCADE" };
        for (grantor, privs) in by {
            let stmt = format!(
                "REVOKE {what}{} ON {target} FROM {grantee_sql}{cascade}",
                priv_list(&privs)
            );
            if grantor.is_empty() {
                stmts.push(stmt);
            } else {
                stmts.push(format!("SET ROLE {}", quote_ident(grantor)));
                stmts.push(stmt);
                stmts.push("RESET ROLE".to_string());
            }
        }
        let reason = (!lost.is_empty()).then(|| {
            format!(
                "CASCADE also revokes the dependent grants: {}",
                lost.into_iter().collect::<Vec<_>>().join(", ")
            )
        });
        (stmts, reason)
    }
}
