//! What the plan's `REVOKE … CASCADE` statements take with them, computed
//! the way PostgreSQL does (`recursive_revoke` in acl.c): when a role loses
//! the grant option of a privilege on an object, every grant of that
//! privilege it made is removed, recursively. The privileges phase then
//! skips the revokes of entries a cascade removes anyway (a `SET ROLE x;
//! REVOKE` fails once `x` holds nothing on the object) and grants again, as
//! the owner, what a grantee loses but must keep (declared, or not revoked).
//!
//! Like PostgreSQL (`aclmask`, `has_privs_of_role`), a grantor keeps its
//! grants while it still holds the grant option through a role it inherits
//! from (a group with the option, the object's owner) or as a superuser.
//! Its grants that the plan revokes are then revoked as it *before* its own
//! option goes: once it holds the option only through a group, `SET ROLE
//! grantor; REVOKE` acts as the group and leaves them in place (likewise
//! the grant options it gave that the plan revokes, `first_go`: the
//! changes run in grantee order, so the outcome would otherwise depend on
//! the names). When the groups lose their option in the plan too (PostgreSQL's outcome would
//! depend on the order of the revokes), all its grants are revoked first
//! and the ones that must stay granted again as the owner.

use std::collections::{BTreeMap, BTreeSet};

use super::objects::group_key;
use crate::live::{Live, LiveDb, Name, ObjRef};
use crate::privs::Privilege;

/// Privilege → columns (`""` unless a column).
pub(super) type PrivCols = BTreeMap<Privilege, BTreeSet<String>>;

/// (group key, column, privilege).
type Triple = (ObjRef, String, Privilege);

/// (grantee, column, privilege).
pub(super) type Cells = BTreeSet<(String, String, Privilege)>;

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
pub(super) fn column_key(table: &ObjRef) -> ObjRef {
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

/// Whose privileges a role has (`has_privs_of_role`): the groups it
/// reaches through memberships that inherit (PostgreSQL 16+: the
/// membership's INHERIT option; before: the member's INHERIT attribute);
/// a superuser has every role's.
struct Inheritance<'l> {
    live: &'l Live,
    /// member → (group, inherits; `None` when unknown).
    groups: BTreeMap<&'l str, Vec<(&'l str, Option<bool>)>>,
}

impl<'l> Inheritance<'l> {
    /// From the live memberships and role attributes.
    fn new(live: &'l Live) -> Inheritance<'l> {
        let mut groups: BTreeMap<&str, Vec<(&str, Option<bool>)>> = BTreeMap::new();
        for (g, members) in &live.memberships {
            for (m, o) in members {
                let inherits = if live.server_version >= 160000 {
                    o.inherit
                } else {
                    live.roles.get(m).map(|r| r.attrs.inherit)
                };
                groups.entry(m).or_default().push((g, inherits));
            }
        }
        Inheritance { live, groups }
    }

    /// Whether `role` has the privileges of one of `holders` (other than
    /// itself). `unknown` is what a membership whose INHERIT is not known
    /// counts as.
    fn reaches(&self, role: &str, holders: &BTreeSet<&str>, unknown: bool) -> bool {
        if self.live.roles.get(role).is_some_and(|r| r.attrs.superuser) {
            return true;
        }
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<&str> = vec![role];
        while let Some(r) = todo.pop() {
            for (g, inherits) in self.groups.get(r).into_iter().flatten() {
                if inherits.unwrap_or(unknown) && seen.insert(g) {
                    if holders.contains(g) {
                        return true;
                    }
                    todo.push(g);
                }
            }
        }
        false
    }
}

/// Whether `role` has the privileges of one of `holders` through the
/// memberships it inherits by (or as a superuser); an unknown INHERIT
/// counts as not.
pub(super) fn inherits_from(live: &Live, role: &str, holders: &BTreeSet<&str>) -> bool {
    Inheritance::new(live).reaches(role, holders, false)
}

/// The roles holding the grant option of their own (and the owner) among
/// the entries still alive and not revoked.
fn holders<'v>(v: &'v [Entry], owner: &'v str) -> BTreeSet<&'v str> {
    v.iter()
        .filter(|e| e.alive && !e.revoked && e.grantable)
        .map(|e| e.grantee.as_str())
        .chain([owner])
        .collect()
}

/// A live ACL entry during the simulation.
struct Entry {
    grantee: String,
    /// `""`: the owner or the connecting user (a root: never cascaded).
    grantor: String,
    grantable: bool,
    /// Grantable in the live state, before the plan.
    was_grantable: bool,
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
    /// (group key, grantor) → (grantee, column, privilege) of the entries
    /// the plan revokes from grantees the grantor gave them to, where the
    /// grantor loses its own grant option but keeps it through a role
    /// membership: revoked as the grantor in its change, before its own
    /// revoke (they are in `removed` too, so the grantee's change skips
    /// them). When every group the grantor holds it through loses its
    /// option in this plan too (revoked, or taken by a cascade), all its
    /// grants are here, and the ones that must stay are granted again as
    /// the owner.
    pub first: BTreeMap<(ObjRef, String), Cells>,
    /// Like `first`, for the grantees that lose only the grant option the
    /// grantor gave them (`REVOKE GRANT OPTION FOR` as the grantor, in its
    /// change before its own revoke): made later, as a grantor holding the
    /// option only through a group, it would act as the group and revoke
    /// nothing, depending on the order of the changes.
    pub first_go: BTreeMap<(ObjRef, String), Cells>,
}

impl Cascade {
    /// Simulates the plan's revokes on the entries of every (object,
    /// column, privilege) where a revoked grantee passed the privilege on
    /// (`passed_on`); nothing is read when there is none.
    pub(super) fn new(
        ldb: &LiveDb,
        live: &Live,
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
        let inheritance = Inheritance::new(live);
        let current_user = live.current_user.as_str();
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
                was_grantable: e.grantable,
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
                            was_grantable: false,
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
            let owner = ldb.owner_of(&t.0).unwrap_or_default();
            // Grantors that lose their own grant option in this plan but
            // hold it through a membership in the live state (a grantable
            // group, or the owner): their grants the plan revokes are
            // revoked as them first. Unknown INHERIT counts as inheriting:
            // revoking first is right either way.
            let live_go: BTreeSet<&str> = v
                .iter()
                .filter(|e| e.was_grantable)
                .map(|e| e.grantee.as_str())
                .chain([owner])
                .collect();
            let keeps_own = |x: &str| {
                v.iter()
                    .any(|e| e.grantee == x && e.alive && !e.revoked && e.grantable)
            };
            let losing: BTreeSet<String> = v
                .iter()
                .filter(|e| e.was_grantable && (e.revoked || !e.grantable))
                .map(|e| e.grantee.clone())
                .filter(|x| !keeps_own(x))
                .filter(|x| {
                    let others: BTreeSet<&str> =
                        live_go.iter().copied().filter(|g| g != x).collect();
                    inheritance.reaches(x, &others, true)
                })
                .collect();
            // Until nothing changes. A losing grantor whose every group
            // loses its option in this plan too (revoked, or taken by a
            // cascade) would keep or lose its grants depending on which
            // revoke PostgreSQL runs first: all its grants are revoked as
            // it first (an exact outcome), and the ones that must stay are
            // granted again as the owner. Then, a grantor without the grant
            // option, its own or through a membership that inherits
            // (unknown INHERIT counts as not: what stays is then granted
            // again), loses every grant it made.
            let mut lost: BTreeSet<String> = BTreeSet::new();
            let mut doomed: BTreeSet<String> = BTreeSet::new();
            let mut first_pass = true;
            loop {
                let with_go = holders(v, owner);
                let newly: Vec<String> = losing
                    .iter()
                    .filter(|x| !doomed.contains(*x))
                    .filter(|x| {
                        let others: BTreeSet<&str> =
                            with_go.iter().copied().filter(|g| g != x).collect();
                        !inheritance.reaches(x, &others, false)
                    })
                    .cloned()
                    .collect();
                if newly.is_empty() && !first_pass {
                    break;
                }
                first_pass = false;
                doomed.extend(newly);
                for e in v.iter_mut() {
                    if !losing.contains(&e.grantor) {
                        continue;
                    }
                    if !(e.revoked || doomed.contains(&e.grantor)) {
                        if e.alive && e.was_grantable && !e.grantable {
                            let cell = (e.grantee.clone(), t.1.clone(), t.2);
                            let key = (t.0.clone(), e.grantor.clone());
                            out.first_go.entry(key).or_default().insert(cell);
                        }
                        continue;
                    }
                    let cell = (e.grantee.clone(), t.1.clone(), t.2);
                    let first = out.first.entry((t.0.clone(), e.grantor.clone()));
                    if !first.or_default().insert(cell) {
                        continue;
                    }
                    if e.alive {
                        e.alive = false;
                        if !e.revoked {
                            lost.insert(e.grantee.clone());
                        }
                    }
                    out.remove(t, e);
                }
                loop {
                    let has_go = holders(v, owner);
                    // PostgreSQL cascades when a grantor's own entry loses
                    // its grant option: the grants of a grantor that held
                    // none of its own (see `orphans`) are never taken.
                    let had_go: BTreeSet<&str> = v
                        .iter()
                        .filter(|e| e.was_grantable)
                        .map(|e| e.grantee.as_str())
                        .collect();
                    let gone: Vec<usize> = v
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| {
                            e.alive
                                && had_go.contains(e.grantor.as_str())
                                && !has_go.contains(e.grantor.as_str())
                                && !inheritance.reaches(&e.grantor, &has_go, false)
                        })
                        .map(|(i, _)| i)
                        .collect();
                    if gone.is_empty() {
                        break;
                    }
                    for i in gone {
                        let e = &mut v[i];
                        e.alive = false;
                        lost.insert(e.grantee.clone());
                        out.remove(t, e);
                    }
                }
            }
            // A grantee whose grant is revoked whole first needs no option
            // revoke too.
            for ((o, g), cells) in out.first_go.iter_mut().filter(|(k, _)| k.0 == t.0) {
                if let Some(f) = out.first.get(&(o.clone(), g.clone())) {
                    cells.retain(|c| !f.contains(c));
                }
            }
            out.first_go.retain(|_, c| !c.is_empty());
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

    /// Records that `e` (on `t`) is removed.
    fn remove(&mut self, t: &Triple, e: &Entry) {
        self.removed.insert((
            t.0.clone(),
            e.grantee.clone(),
            t.1.clone(),
            t.2,
            e.grantor.clone(),
        ));
    }

    /// The (grantee, column, privilege) entries revoked as `grantor` in its
    /// own change, before its revokes (see `first`).
    pub(super) fn first(&self, obj: &ObjRef, grantor: &str) -> Option<&Cells> {
        if self.first.is_empty() {
            return None;
        }
        self.first.get(&(obj.clone(), grantor.to_string()))
    }

    /// The (grantee, column, privilege) grant options revoked as `grantor`
    /// in its own change, before its revokes (see `first_go`).
    pub(super) fn first_go(&self, obj: &ObjRef, grantor: &str) -> Option<&Cells> {
        if self.first_go.is_empty() {
            return None;
        }
        self.first_go.get(&(obj.clone(), grantor.to_string()))
    }

    /// Whether `grantee`'s grant option from `grantor` is revoked in
    /// `grantor`'s change (see `first_go`).
    pub(super) fn option_first(
        &self,
        obj: &ObjRef,
        grantee: &str,
        col: &str,
        p: Privilege,
        grantor: &str,
    ) -> bool {
        self.first_go(obj, grantor)
            .is_some_and(|f| f.contains(&(grantee.to_string(), col.to_string(), p)))
    }

    /// Whether the `REVOKE … CASCADE` of `grantor`'s privilege takes
    /// `grantee`'s entry from it (not one revoked first, see `first`).
    pub(super) fn takes(
        &self,
        obj: &ObjRef,
        grantee: &str,
        col: &str,
        p: Privilege,
        grantor: &str,
    ) -> bool {
        self.removes(obj, grantee, col, p, grantor)
            && !self
                .first(obj, grantor)
                .is_some_and(|f| f.contains(&(grantee.to_string(), col.to_string(), p)))
    }

    /// Whether a cascade (or a revoke made first, see `first`) removes
    /// `grantee`'s entry from `grantor`.
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
