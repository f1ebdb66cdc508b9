//! What the plan's `REVOKE … CASCADE` statements take with them, computed
//! the way PostgreSQL does (`recursive_revoke` in acl.c): when a role loses
//! the grant option of a privilege on an object, every grant of that
//! privilege it made is removed, recursively. The privileges phase then
//! skips the revokes of entries a cascade removes anyway (a `SET ROLE x;
//! REVOKE` fails once `x` holds nothing on the object) and grants again, as
//! the owner, what a grantee loses but must keep (declared, or not revoked).

use std::collections::{BTreeMap, BTreeSet};

use super::objects::group_key;
use crate::live::{LiveDb, Name, ObjRef};
use crate::privs::Privilege;

/// Privilege → columns (`""` unless a column).
pub(super) type PrivCols = BTreeMap<Privilege, BTreeSet<String>>;

/// (group key, column, privilege).
type Triple = (ObjRef, String, Privilege);

/// One planned change on (object, grantee): what it grants and revokes.
pub(super) struct Planned<'p> {
    /// Group key of the object.
    pub obj: &'p ObjRef,
    /// Grantee.
    pub grantee: &'p str,
    /// Granted without the grant option (by the owner: never cascaded).
    pub grant: &'p PrivCols,
    /// Granted with the grant option.
    pub grant_go: &'p PrivCols,
    /// Revoked (from every grantor).
    pub revoke: &'p PrivCols,
    /// Grant option revoked (from every grantor).
    pub revoke_go: &'p PrivCols,
}

/// The group key of a table's columns.
fn column_key(table: &ObjRef) -> ObjRef {
    match table {
        ObjRef::Table { schema, name } => ObjRef::Column {
            schema: schema.clone(),
            table: name.clone(),
            column: Name::default(),
        },
        other => other.clone(),
    }
}

/// The (column, privilege) cells of a set.
fn cells(set: &PrivCols) -> impl Iterator<Item = (&String, Privilege)> {
    set.iter()
        .flat_map(|(p, cols)| cols.iter().map(move |c| (c, *p)))
}

/// (column, privilege) → (still held, still with the grant option).
pub(super) type After = BTreeMap<(String, Privilege), (bool, bool)>;

/// A live ACL entry during the simulation.
struct Entry {
    grantee: String,
    /// `""`: the owner or the connecting user (a root: never cascaded).
    grantor: String,
    grantable: bool,
    /// Not taken by a cascade.
    alive: bool,
    /// Revoked by the grantee's own change (unless a cascade takes it).
    revoked: bool,
}

/// The outcome of the plan's cascades in one database.
#[derive(Default)]
pub(super) struct Cascade {
    /// (group key, grantee, column, privilege, grantor) of the entries a
    /// cascade removes.
    pub removed: BTreeSet<(ObjRef, String, String, Privilege, String)>,
    /// (group key, grantee) → (column, privilege) → (still held, still with
    /// the grant option) after every revoke of the plan, for the grantees
    /// that lost an entry to a cascade.
    pub after: BTreeMap<(ObjRef, String), After>,
}

impl Cascade {
    /// Simulates the plan's revokes on the entries of every (object,
    /// column, privilege) where a revoked grantee passed the privilege on
    /// (`passed_on`); nothing is read when there is none.
    pub(super) fn new(
        ldb: &LiveDb,
        current_user: &str,
        planned: &[Planned<'_>],
        passed_on: impl Fn(&ObjRef, &str, &str, Privilege) -> bool,
    ) -> Cascade {
        let mut triples: BTreeSet<Triple> = BTreeSet::new();
        for p in planned {
            for set in [p.revoke, p.revoke_go] {
                for (privilege, cols) in set {
                    for c in cols {
                        if passed_on(p.obj, p.grantee, c, *privilege) {
                            triples.insert((p.obj.clone(), c.clone(), *privilege));
                        }
                    }
                }
            }
        }
        if triples.is_empty() {
            return Cascade::default();
        }
        // A table-level revoke takes the privilege on every column too.
        let tables: BTreeSet<(ObjRef, Privilege)> = triples
            .iter()
            .filter(|t| t.1.is_empty() && matches!(t.0, ObjRef::Table { .. }))
            .map(|t| (column_key(&t.0), t.2))
            .collect();
        let mut entries: BTreeMap<Triple, Vec<Entry>> = BTreeMap::new();
        for e in ldb.acl.iter().chain(&ldb.public_acl) {
            let col = match &e.object {
                ObjRef::Column { column, .. } => column.to_string(),
                _ => String::new(),
            };
            let t = (group_key(&e.object), col, e.privilege);
            if !triples.contains(&t) && !tables.contains(&(t.0.clone(), t.2)) {
                continue;
            }
            let owner = ldb.owner_of(&e.object).unwrap_or_default();
            let root = e.grantor.is_empty() || e.grantor == current_user || e.grantor == owner;
            entries.entry(t).or_default().push(Entry {
                grantee: e.grantee.to_string(),
                grantor: if root {
                    String::new()
                } else {
                    e.grantor.to_string()
                },
                grantable: e.grantable,
                alive: true,
                revoked: false,
            });
        }
        for p in planned {
            // The owner's grants come first in the plan and never cascade.
            for (set, go) in [(p.grant, false), (p.grant_go, true)] {
                for (c, privilege) in cells(set) {
                    let t = (p.obj.clone(), c.clone(), privilege);
                    if let Some(v) = entries.get_mut(&t) {
                        v.push(Entry {
                            grantee: p.grantee.to_string(),
                            grantor: String::new(),
                            grantable: go,
                            alive: true,
                            revoked: false,
                        });
                    }
                }
            }
        }
        for p in planned {
            let cols = matches!(p.obj, ObjRef::Table { .. }).then(|| column_key(p.obj));
            for (set, whole) in [(p.revoke, true), (p.revoke_go, false)] {
                for (c, privilege) in cells(set) {
                    let on_table = c.is_empty() && cols.is_some();
                    for (t, v) in entries.iter_mut() {
                        let hit = (t.0 == *p.obj && t.1 == *c && t.2 == privilege)
                            || (on_table && Some(&t.0) == cols.as_ref() && t.2 == privilege);
                        if !hit {
                            continue;
                        }
                        for e in v.iter_mut().filter(|e| e.grantee == p.grantee) {
                            if whole {
                                e.revoked = true;
                            } else {
                                e.grantable = false;
                            }
                        }
                    }
                }
            }
        }
        let mut out = Cascade::default();
        for (t, v) in &mut entries {
            let mut lost: BTreeSet<String> = BTreeSet::new();
            // Until nothing changes: a grantor without the grant option
            // loses every grant it made.
            loop {
                let has_go: BTreeSet<String> = v
                    .iter()
                    .filter(|e| e.alive && !e.revoked && e.grantable)
                    .map(|e| e.grantee.clone())
                    .collect();
                let mut changed = false;
                for e in v.iter_mut() {
                    if e.alive && !e.grantor.is_empty() && !has_go.contains(&e.grantor) {
                        e.alive = false;
                        changed = true;
                        lost.insert(e.grantee.clone());
                        out.removed.insert((
                            t.0.clone(),
                            e.grantee.clone(),
                            t.1.clone(),
                            t.2,
                            e.grantor.clone(),
                        ));
                    }
                }
                if !changed {
                    break;
                }
            }
            for grantee in lost {
                let mine = v
                    .iter()
                    .filter(|e| e.alive && !e.revoked && e.grantee == grantee);
                let (held, go) = mine.fold((false, false), |(_, g), e| (true, g || e.grantable));
                out.after
                    .entry((t.0.clone(), grantee))
                    .or_default()
                    .insert((t.1.clone(), t.2), (held, go));
            }
        }
        out
    }

    /// Whether a cascade removes `grantee`'s entry from `grantor`.
    pub(super) fn removes(
        &self,
        obj: &ObjRef,
        grantee: &str,
        col: &str,
        p: Privilege,
        grantor: &str,
    ) -> bool {
        !self.removed.is_empty()
            && self.removed.contains(&(
                obj.clone(),
                grantee.to_string(),
                col.to_string(),
                p,
                grantor.to_string(),
            ))
    }
}
