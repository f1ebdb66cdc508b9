//! One user's grant-rs roles merged into grants and revokes.
//!
//! A grant-rs role's `-t` / `-ALL` excludes tables from *that role*
//! (grant-rs's README: `tables: [ALL, -table]`); a user's privilege on an
//! object is what any of its roles grants. So a minus (and a `-role` entry)
//! becomes a revoke only for the privileges that no other role of the same
//! user grants on that object: `rc: INSERT on [ALL, -ct]` next to `rb:
//! SELECT, INSERT on [ALL]` leaves `ct` with SELECT and INSERT.

use std::collections::{BTreeMap, BTreeSet};

use crate::privs::{ObjectKind, Privilege};

/// Where a role's grant applies: (database, kind, schema of the tables).
pub type Key = (String, ObjectKind, Option<String>);

/// The objects of one grant or revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Objs {
    /// The database itself (database roles).
    Whole,
    /// Named schemas or tables.
    Names(BTreeSet<String>),
    /// Every table of the schema but `except`.
    Star(BTreeSet<String>),
}

impl Objs {
    fn covers(&self, name: &str) -> bool {
        match self {
            Objs::Whole => true,
            Objs::Names(n) => n.contains(name),
            Objs::Star(except) => !except.contains(name),
        }
    }
}

/// A set of privileges: `ALL`, or the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Privs {
    /// `ALL` (the kind's every privilege).
    All,
    /// The listed privileges.
    Set(BTreeSet<Privilege>),
}

impl Privs {
    /// A role's `grants` (unknown names are reported elsewhere).
    pub fn parse(grants: &[String]) -> Privs {
        let all = grants.iter().any(|g| {
            let g = g.trim().to_ascii_uppercase();
            g == "ALL" || g == "ALL PRIVILEGES"
        });
        if all {
            Privs::All
        } else {
            Privs::Set(grants.iter().filter_map(|g| Privilege::parse(g)).collect())
        }
    }

    fn union(&mut self, other: &Privs) {
        match (&mut *self, other) {
            (Privs::All, _) => {}
            (_, Privs::All) => *self = Privs::All,
            (Privs::Set(a), Privs::Set(b)) => a.extend(b.iter().copied()),
        }
    }

    /// `self` without `other`, as privilege names; empty when nothing is left.
    fn minus(&self, other: &Privs, kind: ObjectKind) -> Vec<String> {
        let mine: BTreeSet<Privilege> = match (self, other) {
            (_, Privs::All) => return Vec::new(),
            (Privs::All, Privs::Set(o)) if o.is_empty() => return vec!["ALL".into()],
            // `ALL` less some privileges: the kind's PostgreSQL set
            // (Redshift's DROP left out). MAINTAIN stays: a revoke takes
            // only what is held, so it is sent only where PostgreSQL 17+
            // has it.
            (Privs::All, Privs::Set(_)) => kind.allowed(false).iter().copied().collect(),
            (Privs::Set(s), Privs::Set(_)) => s.clone(),
        };
        let Privs::Set(o) = other else {
            return Vec::new();
        };
        mine.difference(o).map(|p| p.sql().to_string()).collect()
    }
}

/// A grant or an exclusion of one role.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where.
    pub key: Key,
    /// The role's `grants`, as written.
    pub grants: Vec<String>,
    /// The same, parsed.
    pub privs: Privs,
    /// On which objects.
    pub objs: Objs,
}

/// A revoke to plan: privileges (names, or `ALL`) on objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    /// Where.
    pub key: Key,
    /// Privilege names.
    pub privileges: Vec<String>,
    /// On which objects.
    pub objs: Objs,
}

/// The revokes left of one user's exclusions once the privileges its
/// other roles grant on the same objects are taken out.
pub fn revokes(grants: &[Item], exclusions: &[Item]) -> Vec<Revoke> {
    let mut out = Vec::new();
    for ex in exclusions {
        let same: Vec<&Item> = grants.iter().filter(|g| g.key == ex.key).collect();
        let covered = |name: &str| {
            let mut c = Privs::Set(BTreeSet::new());
            for g in same.iter().filter(|g| g.objs.covers(name)) {
                c.union(&g.privs);
            }
            c
        };
        let kind = ex.key.1;
        // Names grouped by the privileges left to revoke on them.
        let mut by_privs: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
        let mut named = |names: &mut dyn Iterator<Item = &String>| {
            for n in names {
                let left = ex.privs.minus(&covered(n), kind);
                if !left.is_empty() {
                    by_privs.entry(left).or_default().insert(n.clone());
                }
            }
        };
        match &ex.objs {
            Objs::Whole => {
                let mut c = Privs::Set(BTreeSet::new());
                same.iter().for_each(|g| c.union(&g.privs));
                let left = ex.privs.minus(&c, kind);
                if !left.is_empty() {
                    out.push(Revoke {
                        key: ex.key.clone(),
                        privileges: left,
                        objs: Objs::Whole,
                    });
                }
            }
            Objs::Names(names) => named(&mut names.iter()),
            Objs::Star(_) => {
                // Tables other roles name or leave out are looked at one
                // by one; every other table is covered by their `ALL`s.
                let special: BTreeSet<String> = same
                    .iter()
                    .flat_map(|g| match &g.objs {
                        Objs::Names(n) | Objs::Star(n) => n.iter().cloned().collect(),
                        Objs::Whole => Vec::new(),
                    })
                    .collect();
                let mut stars = Privs::Set(BTreeSet::new());
                for g in same.iter().filter(|g| matches!(g.objs, Objs::Star(_))) {
                    stars.union(&g.privs);
                }
                let left = ex.privs.minus(&stars, kind);
                if !left.is_empty() {
                    out.push(Revoke {
                        key: ex.key.clone(),
                        privileges: left,
                        objs: Objs::Star(special.clone()),
                    });
                }
                named(&mut special.iter());
            }
        }
        for (privileges, names) in by_privs {
            out.push(Revoke {
                key: ex.key.clone(),
                privileges,
                objs: Objs::Names(names),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(grants: &[&str], objs: Objs) -> Item {
        let grants: Vec<String> = grants.iter().map(|s| s.to_string()).collect();
        Item {
            key: ("db".into(), ObjectKind::Table, Some("public".into())),
            privs: Privs::parse(&grants),
            grants,
            objs,
        }
    }

    fn set(n: &[&str]) -> BTreeSet<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn another_roles_all_keeps_the_excluded_table() {
        // rc: INSERT on [ALL, -ct]; rb: SELECT, INSERT on [ALL].
        let grants = [
            item(&["INSERT"], Objs::Star(set(&["ct"]))),
            item(&["SELECT", "INSERT"], Objs::Star(set(&[]))),
        ];
        let ex = [item(&["INSERT"], Objs::Names(set(&["ct"])))];
        assert!(revokes(&grants, &ex).is_empty());
        // Alone, rc revokes INSERT on ct.
        let r = revokes(&grants[..1], &ex);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].privileges, vec!["INSERT".to_string()]);
        assert_eq!(r[0].objs, Objs::Names(set(&["ct"])));
    }

    #[test]
    fn minus_all_spares_what_other_roles_grant() {
        let grants = [item(&["SELECT"], Objs::Names(set(&["t1"])))];
        let ex = [item(&["ALL"], Objs::Star(set(&[])))];
        let r = revokes(&grants, &ex);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].privileges, vec!["ALL".to_string()]);
        assert_eq!(r[0].objs, Objs::Star(set(&["t1"])));
        assert!(!r[1].privileges.contains(&"SELECT".to_string()));
        assert!(r[1].privileges.contains(&"INSERT".to_string()));
        assert_eq!(r[1].objs, Objs::Names(set(&["t1"])));
    }
}
