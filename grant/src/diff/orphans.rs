//! Grants whose grantor no longer holds the grant option of its own: left
//! behind by PostgreSQL when the grantor lost its option while it held one
//! through a group (`REVOKE … CASCADE` keeps them then), and kept after the
//! grantor later left the group. Revoking them needs the grantor as the
//! grantor, which `SET ROLE grantor; REVOKE` gives only while it holds the
//! option itself: otherwise PostgreSQL acts as the group or, holding the
//! privilege without the option, only warns "no privileges could be
//! revoked" (nothing is revoked either way), and refuses when it holds
//! nothing. The plan gives the grantor the option for the revoke, as the
//! owner, and takes it back right after: `GRANT p ON o TO x WITH GRANT
//! OPTION; SET ROLE x; REVOKE [GRANT OPTION FOR] p ON o FROM d; RESET ROLE;
//! REVOKE [GRANT OPTION FOR] p ON o FROM x`, the last as the grantor's
//! privilege must end (held or not) after the plan.

use std::collections::{BTreeMap, BTreeSet};

use super::cascade::{Cascade, PrivCols};
use super::grantors::Grantors;
use super::objects::priv_list;
use crate::live::ObjRef;
use crate::privs::Privilege;
use crate::sql::quote_ident;

/// (group key, grantor, column, privilege).
type Cell = (ObjRef, String, String, Privilege);

/// What the grantor holds on a cell after the plan.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Final {
    /// Nothing from the owner.
    Nothing,
    /// The privilege, without the grant option.
    Plain,
    /// The privilege with the grant option.
    Grantable,
}

/// The revokes the plan makes as grantors that hold no grant option of
/// their own, and in which grantee's change each is made.
#[derive(Default)]
pub(super) struct Orphans {
    /// Cell of the grantor → the grantees the plan revokes it from →
    /// whether the whole privilege (else only the grant option).
    revokes: BTreeMap<Cell, BTreeMap<String, bool>>,
    /// Cell of the grantor → what it holds after the plan.
    finals: BTreeMap<Cell, Final>,
    /// Cell of the grantor → its other grantees, which keep their grant,
    /// when the grantor holds no option through a group after the plan:
    /// taking its option back then takes them (CASCADE), and they are
    /// granted again as the owner.
    pub kept: BTreeMap<Cell, BTreeSet<String>>,
    /// Cell of the grantor → (grantor, grantee, granted again) of the
    /// grants made by the `kept` grantees (and down their chain) that the
    /// same CASCADE takes, the grantee losing its grant option with its
    /// grant: granted again as the owner unless the plan revokes them.
    pub further: BTreeMap<Cell, BTreeSet<(String, String, bool)>>,
    /// (group key, grantee, column, privilege, grantor) of the entries of
    /// `further`: their own revokes (as their grantor) are left to the
    /// CASCADE, their grantor holding nothing by then.
    taken: BTreeSet<(ObjRef, String, String, Privilege, String)>,
}

impl Orphans {
    /// From the plan's revokes: (group key, grantee, privilege → columns
    /// revoked, privilege → columns whose grant option is revoked).
    /// `final_of` answers what a grantor holds after the plan.
    pub(super) fn new<'p>(
        grantors: &Grantors,
        cascade: &Cascade,
        revokes: impl Iterator<Item = (&'p ObjRef, &'p str, &'p PrivCols, &'p PrivCols)>,
        final_of: impl Fn(&ObjRef, &str, &str, Privilege) -> Final,
        through_group: impl Fn(&ObjRef, &str, &str, Privilege) -> bool,
        keeps_go: impl Fn(&ObjRef, &str, &str, &str, Privilege) -> bool,
    ) -> Orphans {
        let mut out = Orphans::default();
        if !grantors.has_orphans() {
            return out;
        }
        let revokes: Vec<_> = revokes.collect();
        let revoked = |obj: &ObjRef, g: &str, col: &str, p: Privilege| {
            revokes.iter().any(|(o, r, privs, _)| {
                *o == obj && *r == g && privs.get(&p).is_some_and(|c| c.contains(col))
            })
        };
        let sets = revokes
            .iter()
            .flat_map(|&(o, g, whole, go)| [(o, g, whole, true), (o, g, go, false)]);
        for (obj, grantee, privs, whole) in sets {
            for (p, cols) in privs {
                for col in cols {
                    for x in grantors.grantors_of(obj, grantee, col, *p) {
                        if grantors.orphaned(obj, x, col, *p)
                            && !cascade.removes(obj, grantee, col, *p, x)
                        {
                            let cell = (obj.clone(), x.to_string(), col.clone(), *p);
                            out.revokes
                                .entry(cell.clone())
                                .or_default()
                                .insert(grantee.to_string(), whole);
                            out.finals.insert(cell, final_of(obj, x, col, *p));
                        }
                    }
                }
            }
        }
        for ((obj, x, col, p), ds) in &out.revokes {
            let kept: BTreeSet<String> = grantors
                .grantees_of(obj, x, col, *p)
                // An option-only grantee keeps its grant too.
                .filter(|d| ds.get(*d) != Some(&true))
                .map(str::to_string)
                .collect();
            if kept.is_empty() || through_group(obj, x, col, *p) {
                continue;
            }
            // A kept grantee losing its grant option with its grant (none
            // of its own from another grantor, nor through a group) loses
            // the grants it made too, down the chain.
            let cell = (obj.clone(), x.clone(), col.clone(), *p);
            let mut seen: BTreeSet<String> = kept.clone();
            seen.insert(x.clone());
            let mut todo: Vec<(String, String)> =
                kept.iter().map(|k| (k.clone(), x.clone())).collect();
            while let Some((k, from)) = todo.pop() {
                if keeps_go(obj, &k, &from, col, *p) {
                    continue;
                }
                for m in grantors.grantees_of(obj, &k, col, *p) {
                    let again = !revoked(obj, m, col, *p);
                    let further = out.further.entry(cell.clone()).or_default();
                    further.insert((k.clone(), m.to_string(), again));
                    out.taken
                        .insert((obj.clone(), m.to_string(), col.clone(), *p, k.clone()));
                    if seen.insert(m.to_string()) {
                        todo.push((m.to_string(), k.clone()));
                    }
                }
            }
            out.kept.insert(cell, kept);
        }
        out
    }

    /// Whether an orphan revoke's CASCADE takes `grantee`'s entry from
    /// `grantor` (see `further`).
    pub(super) fn takes(
        &self,
        obj: &ObjRef,
        grantee: &str,
        col: &str,
        p: Privilege,
        grantor: &str,
    ) -> bool {
        !self.taken.is_empty()
            && self.taken.contains(&(
                obj.clone(),
                grantee.to_string(),
                col.to_string(),
                p,
                grantor.to_string(),
            ))
    }

    /// Whether the revoke of `grantee`'s privilege from `grantor` is one of
    /// these (made by [`Orphans::statements`], not as a plain `SET ROLE`).
    pub(super) fn covers(
        &self,
        obj: &ObjRef,
        grantee: &str,
        col: &str,
        p: Privilege,
        grantor: &str,
    ) -> bool {
        !self.revokes.is_empty()
            && self
                .revokes
                .get(&(obj.clone(), grantor.to_string(), col.to_string(), p))
                .is_some_and(|ds| ds.contains_key(grantee))
    }

    /// The statements `grantee`'s change makes for `grantor` over the
    /// cells `privs` of `obj` (`target` in SQL): every revoke as `grantor` on those cells, made once,
    /// in the change of the first grantee (by name) they are revoked from.
    /// `passed_on` tells which grantees need CASCADE; `lost` gets what that
    /// takes.
    pub(super) fn statements(
        &self,
        (obj, target): (&ObjRef, &str),
        grantee: &str,
        grantor: &str,
        privs: &PrivCols,
        passed_on: impl Fn(&str, &str, Privilege) -> bool,
        lost: &mut BTreeSet<String>,
    ) -> Vec<String> {
        let mut cells = PrivCols::new();
        // (grantee, whole) → its cells revoked as `grantor`.
        let mut from: BTreeMap<(&str, bool), PrivCols> = BTreeMap::new();
        // What the grantor gives back afterwards: the grant option only, or
        // the privilege.
        let (mut go, mut all) = (PrivCols::new(), PrivCols::new());
        for (p, cols) in privs {
            for col in cols {
                let cell = (obj.clone(), grantor.to_string(), col.clone(), *p);
                let Some(ds) = self.revokes.get(&cell) else {
                    continue;
                };
                if ds.keys().next().map(String::as_str) != Some(grantee) {
                    continue;
                }
                cells.entry(*p).or_default().insert(col.clone());
                for k in self.kept.get(&cell).into_iter().flatten() {
                    lost.insert(format!(
                        "{p} granted by `{grantor}` to `{k}` (granted again as the owner)"
                    ));
                }
                for (k, m, again) in self.further.get(&cell).into_iter().flatten() {
                    let again = if *again {
                        " (granted again as the owner)"
                    } else {
                        ""
                    };
                    lost.insert(format!("{p} granted by `{k}` to `{m}`{again}"));
                }
                for (d, whole) in ds {
                    from.entry((d, *whole))
                        .or_default()
                        .entry(*p)
                        .or_default()
                        .insert(col.clone());
                }
                match self.finals.get(&cell) {
                    Some(Final::Plain) => {
                        go.entry(*p).or_default().insert(col.clone());
                    }
                    Some(Final::Nothing) | None => {
                        all.entry(*p).or_default().insert(col.clone());
                    }
                    Some(Final::Grantable) => {}
                }
            }
        }
        if cells.is_empty() {
            return Vec::new();
        }
        let x = quote_ident(grantor);
        let mut stmts = vec![
            format!(
                "GRANT {} ON {target} TO {x} WITH GRANT OPTION",
                priv_list(&cells)
            ),
            format!("SET ROLE {x}"),
        ];
        for ((d, whole), dprivs) in from {
            let passed = dprivs
                .iter()
                .any(|(p, cols)| cols.iter().any(|c| passed_on(d, c, *p)));
            if passed {
                lost.insert(format!(
                    "{} that `{d}` passed on (revoked as `{grantor}`)",
                    priv_list(&dprivs)
                ));
            }
            let d_sql = if d == "PUBLIC" {
                d.to_string()
            } else {
                quote_ident(d)
            };
            stmts.push(format!(
                "REVOKE {}{} ON {target} FROM {d_sql}{}",
                if whole { "" } else { "GRANT OPTION FOR " },
                priv_list(&dprivs),
                if passed { " CASCADE" } else { "" }
            ));
        }
        stmts.push("RESET ROLE".to_string());
        // The grantor's other grants on these cells are taken with the
        // option when it holds none through a group: CASCADE, and they are
        // granted again (see `kept`).
        let keeps = cells.iter().any(|(p, cols)| {
            cols.iter().any(|c| {
                self.kept
                    .contains_key(&(obj.clone(), grantor.to_string(), c.clone(), *p))
            })
        });
        let cascade = if keeps { " CASCADE" } else { "" };
        if !go.is_empty() {
            stmts.push(format!(
                "REVOKE GRANT OPTION FOR {} ON {target} FROM {x}{cascade}",
                priv_list(&go)
            ));
        }
        if !all.is_empty() {
            stmts.push(format!(
                "REVOKE {} ON {target} FROM {x}{cascade}",
                priv_list(&all)
            ));
        }
        stmts
    }
}
