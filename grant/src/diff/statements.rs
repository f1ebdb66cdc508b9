//! The SQL of the privileges phase's changes, one per (object, grantee):
//! grants, revokes as each grantor, and the grants made again after a
//! `REVOKE … CASCADE` took them (see `cascade`).

use std::collections::{BTreeMap, BTreeSet};

use common::{Action, Change, FieldChange};

use super::cascade::{inherits_from, Cascade, Planned, PrivCols};
use super::grantors::Grantors;
use super::objects::{group_key, object_address, object_sql, priv_list, show_privs, PrivMap};
use super::ops::{Builder, Op, Phase};
use super::orphans::{Final, Orphans};
use crate::live::{Live, LiveDb, Name, ObjRef};
use crate::privs::Privilege;

/// What the privileges phase decided for one (object, grantee).
pub(super) struct Pending<'p> {
    /// Group key of the object.
    pub obj: &'p ObjRef,
    /// Grantee.
    pub grantee: &'p str,
    /// Held.
    pub h: BTreeMap<String, PrivMap>,
    /// To grant.
    pub grant: PrivCols,
    /// To grant with the grant option.
    pub grant_go: PrivCols,
    /// To revoke.
    pub revoke: PrivCols,
    /// Grant option to revoke.
    pub revoke_go: PrivCols,
}

/// Grants to make again after the cascades and table revokes, and why.
#[derive(Default)]
struct Regrant {
    plain: PrivCols,
    go: PrivCols,
    /// Grantors whose grants a cascade took.
    from: BTreeSet<String>,
    /// Column privileges a table-level REVOKE took.
    columns: bool,
}

/// (column, privilege, grant option) the configuration declares.
pub(super) type WantCols = Vec<(String, Privilege, bool)>;

/// A change of the phase, with its sort key (object, grantee).
pub(super) type Item = ((ObjRef, String), Phase, Change, Vec<Op>);

/// The changes for `pending`, in (object, grantee) order. `wanted` and
/// `had` answer (held, with grant option) for the desired and live state.
/// `want_cols` gives the declared column privileges of (group key, grantee).
#[allow(clippy::too_many_arguments)]
pub(super) fn changes(
    b: &Builder,
    dbname: &str,
    ldb: &LiveDb,
    live: &Live,
    grantors: &Grantors,
    pending: Vec<Pending<'_>>,
    wanted: impl Fn(&ObjRef, &str, &str, Privilege) -> (bool, bool),
    had: impl Fn(&ObjRef, &str, &str, Privilege) -> (bool, bool),
    want_cols: impl Fn(&ObjRef, &str) -> WantCols,
) -> Vec<Item> {
    let planned: Vec<Planned> = pending
        .iter()
        .map(|p| Planned {
            obj: p.obj,
            grantee: p.grantee,
            grant: &p.grant,
            grant_go: &p.grant_go,
            revoke: &p.revoke,
            revoke_go: &p.revoke_go,
        })
        .collect();
    let cascade = Cascade::new(ldb, live, &planned, |o, g, c, p| {
        grantors.passed_on(o, g, c, p)
    });
    // Whether `x` keeps a grant option of the cell of its own (from
    // another grantor than `from`), and the other roles keeping one, after
    // the plan.
    let go_after = |obj: &ObjRef, x: &str, col: &str, pr: Privilege, from: &str| {
        let revoked = |g: &str| {
            pending.iter().any(|p| {
                p.obj == obj
                    && p.grantee == g
                    && [&p.revoke, &p.revoke_go]
                        .iter()
                        .any(|s| s.get(&pr).is_some_and(|c| c.contains(col)))
            })
        };
        let owner = ldb.owner_of(obj).unwrap_or_default();
        let entries = ldb.acl.iter().filter(|e| {
            let c = match &e.object {
                ObjRef::Column { column, .. } => column.as_str(),
                _ => "",
            };
            e.grantable && e.privilege == pr && c == col && group_key(&e.object) == *obj
        });
        let mut own = false;
        let mut holders: BTreeSet<&str> = BTreeSet::from([owner]);
        for e in entries.filter(|e| !revoked(&e.grantee)) {
            if e.grantee != x {
                holders.insert(e.grantee.as_str());
            } else if e.grantor != from {
                own = true;
            }
        }
        (own, holders)
    };
    // Revokes as grantors holding no grant option of their own.
    let orphans = Orphans::new(
        grantors,
        &cascade,
        pending
            .iter()
            .map(|p| (p.obj, p.grantee, &p.revoke, &p.revoke_go)),
        |obj, x, col, pr| {
            let mine = pending.iter().find(|p| p.obj == obj && p.grantee == x);
            let has = |set: Option<&PrivCols>| {
                set.and_then(|s| s.get(&pr))
                    .is_some_and(|c| c.contains(col))
            };
            if has(mine.map(|p| &p.grant_go)) {
                Final::Grantable
            } else if has(mine.map(|p| &p.grant)) {
                Final::Plain
            } else if has(mine.map(|p| &p.revoke)) {
                Final::Nothing
            } else if grantors.holds_from_owner(obj, x, col, pr) {
                Final::Plain
            } else {
                Final::Nothing
            }
        },
        |obj, x, col, pr| inherits_from(live, x, &go_after(obj, x, col, pr, "").1),
        |obj, k, from, col, pr| {
            let (own, holders) = go_after(obj, k, col, pr, from);
            own || inherits_from(live, k, &holders)
        },
    );
    let mut again: BTreeMap<(ObjRef, String), Regrant> = BTreeMap::new();
    for ((obj, d), cells) in &cascade.after {
        let p = pending.iter().find(|p| p.obj == obj && p.grantee == d);
        let has = |set: Option<&PrivCols>, col: &String, pr: &Privilege| {
            set.and_then(|s| s.get(pr)).is_some_and(|c| c.contains(col))
        };
        for ((col, pr), (held, go)) in cells {
            let (w, wgo) = wanted(obj, d, col, *pr);
            let (_, hgo) = had(obj, d, col, *pr);
            let revoked = has(p.map(|p| &p.revoke), col, pr);
            let revoked_go = has(p.map(|p| &p.revoke_go), col, pr);
            // Declared, or kept because this plan does not revoke it.
            let keep = w || !revoked;
            let keep_go = wgo || (hgo && !revoked && !revoked_go);
            if (keep && !held) || (keep_go && !go) {
                let r = again.entry((obj.clone(), d.clone())).or_default();
                let set = if keep_go { &mut r.go } else { &mut r.plain };
                set.entry(*pr).or_default().insert(col.clone());
            }
        }
    }
    // A table-level REVOKE also takes the grantee's privilege on every
    // column: the declared column privileges are granted again after it.
    for p in &pending {
        let ObjRef::Table { schema, name } = p.obj else {
            continue;
        };
        if p.revoke.is_empty() && p.revoke_go.is_empty() {
            continue;
        }
        let ck = ObjRef::Column {
            schema: schema.clone(),
            table: name.clone(),
            column: Name::default(),
        };
        let on_table = |set: &PrivCols, pr: &Privilege| set.get(pr).is_some_and(|c| c.contains(""));
        for (col, pr, go) in want_cols(&ck, p.grantee) {
            if on_table(&p.revoke, &pr) || (go && on_table(&p.revoke_go, &pr)) {
                let r = again
                    .entry((ck.clone(), p.grantee.to_string()))
                    .or_default();
                r.columns = true;
                let set = if go { &mut r.go } else { &mut r.plain };
                set.entry(pr).or_default().insert(col);
            }
        }
    }
    for ((obj, d), r) in &mut again {
        r.from = cascade
            .removed
            .iter()
            .filter(|e| e.0 == *obj && e.1 == *d)
            .map(|e| e.4.clone())
            .collect();
    }
    // The grants an orphaned grantor's restore may take (see `orphans`).
    let further = orphans.further.iter().map(|(cell, f)| {
        let again = f.iter().filter(|e| e.2);
        (cell, again.map(|(k, m, _)| (m, k)).collect::<Vec<_>>())
    });
    let kept = orphans.kept.iter().map(|(cell, ks)| {
        let from = ks.iter().map(|k| (k, &cell.1));
        (cell, from.collect::<Vec<_>>())
    });
    for ((obj, _, col, pr), kept) in kept.chain(further) {
        for (k, x) in kept {
            let r = again.entry((obj.clone(), k.clone())).or_default();
            let loses_go = pending
                .iter()
                .find(|p| p.obj == obj && p.grantee == k)
                .and_then(|p| p.revoke_go.get(pr))
                .is_some_and(|c| c.contains(col));
            let set = if had(obj, k, col, *pr).1 && !loses_go {
                &mut r.go
            } else {
                &mut r.plain
            };
            set.entry(*pr).or_default().insert(col.clone());
            r.from.insert(x.clone());
        }
    }
    let mut out = Vec::new();
    for p in &pending {
        let k = (p.obj.clone(), p.grantee.to_string());
        let r = again.remove(&k);
        let (phase, c, ops) = change(
            b,
            dbname,
            ldb,
            grantors,
            (&cascade, &orphans),
            p,
            r.as_ref(),
        );
        out.push((k, phase, c, ops));
    }
    for (k, r) in again {
        let p = Pending {
            obj: &k.0,
            grantee: &k.1,
            h: BTreeMap::new(),
            grant: PrivCols::new(),
            grant_go: PrivCols::new(),
            revoke: PrivCols::new(),
            revoke_go: PrivCols::new(),
        };
        let (phase, c, ops) = change(b, dbname, ldb, grantors, (&cascade, &orphans), &p, Some(&r));
        out.push((k.clone(), phase, c, ops));
    }
    out.sort_by(|a, c| a.0.cmp(&c.0));
    out
}

fn change(
    b: &Builder,
    dbname: &str,
    ldb: &LiveDb,
    grantors: &Grantors,
    (cascade, orphans): (&Cascade, &Orphans),
    p: &Pending<'_>,
    again: Option<&Regrant>,
) -> (Phase, Change, Vec<Op>) {
    // A column's group key gives its table, like the column itself.
    let target = object_sql(p.obj, ldb);
    let g = b.grantee(p.grantee);
    let mut stmts = Vec::new();
    if !p.grant.is_empty() {
        stmts.push(format!("GRANT {} ON {target} TO {g}", priv_list(&p.grant)));
    }
    if !p.grant_go.is_empty() {
        stmts.push(format!(
            "GRANT {} ON {target} TO {g} WITH GRANT OPTION",
            priv_list(&p.grant_go)
        ));
    }
    let mut destructive = Vec::new();
    for (what, privs) in [("GRANT OPTION FOR ", &p.revoke_go), ("", &p.revoke)] {
        if privs.is_empty() {
            continue;
        }
        let (s, reason) =
            grantors.revoke(cascade, orphans, p.obj, p.grantee, &g, &target, what, privs);
        stmts.extend(s);
        destructive.extend(reason);
    }
    let address = format!(
        "privileges.{dbname}.{}.to.{}",
        object_address(p.obj),
        p.grantee
    );
    let changes_privileges = !(p.grant.is_empty()
        && p.grant_go.is_empty()
        && p.revoke.is_empty()
        && p.revoke_go.is_empty());
    let mut phase = if p.grant.is_empty() && p.grant_go.is_empty() {
        Phase::Revoke
    } else {
        Phase::Grant
    };
    let mut c = if changes_privileges {
        // What the grantee holds after this change: what additive mode (or
        // a privilege from default privileges) keeps stays on that side.
        let after = after_change(p);
        let action = if p.h.values().all(|m| m.is_empty()) {
            Action::Create
        } else if after.values().all(|m| m.is_empty()) {
            Action::Delete
        } else {
            Action::Update
        };
        Change::new(address, action).field(FieldChange::new(
            "privileges",
            show_privs(&p.h),
            show_privs(&after),
        ))
    } else {
        Change::new(address, Action::Update)
    };
    if let Some(r) = again {
        // After every revoke of the database: the cascades are done.
        phase = Phase::Regrant;
        for (set, planned, suffix) in [
            (&r.plain, &p.grant, ""),
            (&r.go, &p.grant_go, " WITH GRANT OPTION"),
        ] {
            // Less what this change grants anyway (now after the revokes).
            let mut set = set.clone();
            for (pr, cols) in planned {
                if let Some(c) = set.get_mut(pr) {
                    c.retain(|col| !cols.contains(col));
                }
            }
            set.retain(|_, c| !c.is_empty());
            if !set.is_empty() {
                stmts.push(format!(
                    "GRANT {} ON {target} TO {g}{suffix}",
                    priv_list(&set)
                ));
            }
        }
        if !r.from.is_empty() {
            // Taken by a cascade, or revoked as the grantor before its own
            // revoke (see `Cascade::first`).
            let (first, taken): (Vec<&str>, Vec<&str>) =
                r.from.iter().map(String::as_str).partition(|g| {
                    cascade
                        .first(p.obj, g)
                        .is_some_and(|f| f.iter().any(|(d, _, _)| d == p.grantee))
                });
            let mut was = Vec::new();
            if !taken.is_empty() {
                was.push(format!("{} (taken by REVOKE … CASCADE)", taken.join(", ")));
            }
            if !first.is_empty() {
                was.push(format!(
                    "{} (revoked as the grantor before it loses its grant option)",
                    first.join(", ")
                ));
            }
            let owner = ldb.owner_of(p.obj).unwrap_or("the owner");
            c = c.field(FieldChange::new(
                "granted_by",
                Some(was.join("; ")),
                Some(owner.to_string()),
            ));
        }
        if r.columns {
            c = c.field(FieldChange::new(
                "columns",
                Some("taken by the table's REVOKE"),
                Some("granted again"),
            ));
        }
    }
    if !destructive.is_empty() {
        c = c.destructive(destructive.join("; "));
    }
    let ops: Vec<Op> = stmts.iter().map(|s| Op::new(dbname, s.clone())).collect();
    c.statements = stmts;
    (phase, c, ops)
}

/// The held privileges of `p` (column → privilege → grant option) once its
/// grants and revokes are made.
fn after_change(p: &Pending<'_>) -> BTreeMap<String, PrivMap> {
    let mut after = p.h.clone();
    for (pr, cols) in &p.revoke {
        for col in cols {
            if let Some(m) = after.get_mut(col) {
                m.remove(pr);
            }
        }
    }
    for (pr, cols) in &p.revoke_go {
        for col in cols {
            if let Some(go) = after.get_mut(col).and_then(|m| m.get_mut(pr)) {
                *go = false;
            }
        }
    }
    for (set, go) in [(&p.grant, false), (&p.grant_go, true)] {
        for (pr, cols) in set {
            for col in cols {
                let held = after
                    .entry(col.clone())
                    .or_default()
                    .entry(*pr)
                    .or_default();
                *held |= go;
            }
        }
    }
    after.retain(|_, m| !m.is_empty());
    after
}
