//! Phase: memberships (GRANT / REVOKE role).

use std::collections::{BTreeMap, BTreeSet};

use common::{Change, FieldChange, Note};

use super::ops::{Builder, Op, Phase};
use crate::live::Live;
use crate::model::{Desired, MemberOpts, Mode};
use crate::sql::quote_ident;

pub(super) fn memberships(b: &mut Builder, d: &Desired, live: &Live) {
    let cdb = live.connection_db.as_str();
    let empty = BTreeMap::new();
    for (group, members) in &d.memberships {
        let live_members = live.memberships.get(group).unwrap_or(&empty);
        for (member, opts) in members {
            let address = format!("membership.{group}.{member}");
            let base = format!("GRANT {} TO {}", quote_ident(group), quote_ident(member));
            if b.rs {
                if !live_members.contains_key(member) {
                    let sql = if b.rbac.contains(group) {
                        format!("GRANT ROLE {} TO {}", quote_ident(group), b.grantee(member))
                    } else {
                        format!(
                            "ALTER GROUP {} ADD USER {}",
                            quote_ident(group),
                            quote_ident(member)
                        )
                    };
                    let c = Change::new(&address, common::Action::Create).statement(&sql);
                    b.push(Phase::Membership, c, vec![Op::new(cdb, sql)]);
                }
                continue;
            }
            let pg16 = live.server_version >= 160000;
            if !pg16 && (opts.inherit.is_some() || opts.set.is_some()) {
                b.notes.push(Note {
                    address: address.clone(),
                    message: "`inherit`/`set` membership options need PostgreSQL 16; ignored"
                        .into(),
                });
            }
            let with = |admin: bool, inherit: Option<bool>, set: Option<bool>| -> Vec<String> {
                let mut w = Vec::new();
                if admin {
                    w.push(if pg16 {
                        "ADMIN TRUE".to_string()
                    } else {
                        "ADMIN OPTION".to_string()
                    });
                }
                if pg16 {
                    if let Some(i) = inherit {
                        w.push(format!("INHERIT {}", if i { "TRUE" } else { "FALSE" }));
                    }
                    if let Some(s) = set {
                        w.push(format!("SET {}", if s { "TRUE" } else { "FALSE" }));
                    }
                }
                w
            };
            let sql_with = |w: Vec<String>| {
                if w.is_empty() {
                    base.clone()
                } else {
                    format!("{base} WITH {}", w.join(", "))
                }
            };
            match live_members.get(member) {
                None => {
                    let sql = sql_with(with(opts.admin, opts.inherit, opts.set));
                    let mut c = Change::new(&address, common::Action::Create);
                    if opts.admin {
                        c = c.field(FieldChange::new("admin", None::<String>, Some("true")));
                    }
                    b.push(
                        Phase::Membership,
                        c.statement(&sql),
                        vec![Op::new(cdb, sql)],
                    );
                }
                Some(l) => {
                    let mut c = Change::new(&address, common::Action::Update);
                    let mut grant_admin = false;
                    let (mut inherit, mut set) = (None, None);
                    if opts.admin && !l.admin {
                        grant_admin = true;
                        c = c.field(FieldChange::new("admin", Some("false"), Some("true")));
                    }
                    if pg16 && opts.inherit.is_some() && opts.inherit != l.inherit {
                        inherit = opts.inherit;
                        c = c.field(FieldChange::new(
                            "inherit",
                            l.inherit.map(|v| v.to_string()),
                            opts.inherit.map(|v| v.to_string()),
                        ));
                    }
                    if pg16 && opts.set.is_some() && opts.set != l.set {
                        set = opts.set;
                        c = c.field(FieldChange::new(
                            "set",
                            l.set.map(|v| v.to_string()),
                            opts.set.map(|v| v.to_string()),
                        ));
                    }
                    let w = with(grant_admin, inherit, set);
                    if !opts.admin && l.admin && d.mode != Mode::Authoritative {
                        b.notes.push(Note {
                            address: address.clone(),
                            message: format!(
                                "`{member}` holds the admin option of `{group}` outside the configuration (kept: mode additive)"
                            ),
                        });
                    }
                    let revoke_admin = (!opts.admin && l.admin && d.mode == Mode::Authoritative)
                        .then(|| {
                            revoke(
                                d,
                                live,
                                group,
                                member,
                                &format!("ADMIN OPTION FOR {}", quote_ident(group)),
                            )
                        });
                    if !w.is_empty() {
                        // One change, also when the admin option goes too:
                        // apply then plan shows nothing left.
                        let mut ops = Vec::new();
                        for sql in option_grants(
                            live,
                            group,
                            member,
                            &sql_with,
                            &with,
                            grant_admin,
                            inherit,
                            set,
                        ) {
                            c = c.statement(&sql);
                            ops.push(Op::new(cdb, sql));
                        }
                        if let Some((stmts, lost)) = revoke_admin {
                            c = c.field(FieldChange::new("admin", Some("true"), Some("false")));
                            if let Some(l) = lost {
                                c = c.destructive(l);
                            }
                            for r in stmts {
                                c = c.statement(&r);
                                ops.push(Op::new(cdb, r));
                            }
                        }
                        b.push(Phase::Membership, c, ops);
                    } else if let Some((stmts, lost)) = revoke_admin {
                        let mut c = Change::new(&address, common::Action::Update)
                            .field(FieldChange::new("admin", Some("true"), Some("false")));
                        if let Some(l) = lost {
                            c = c.destructive(l);
                        }
                        let ops = stmts.iter().map(|r| Op::new(cdb, r.clone())).collect();
                        c.statements = stmts;
                        b.push(Phase::RevokeMembership, c, ops);
                    }
                }
            }
        }
    }
    if d.mode != Mode::Authoritative {
        for (group, members) in &live.memberships {
            for member in members.keys() {
                if d.is_managed(member, &live.current_user)
                    && !d
                        .memberships
                        .get(group)
                        .is_some_and(|m| m.contains_key(member))
                {
                    b.notes.push(Note {
                        address: format!("membership.{group}.{member}"),
                        message: format!(
                            "`{member}` is a member of `{group}` outside the configuration (kept: mode additive)"
                        ),
                    });
                }
            }
        }
    }
    if d.mode == Mode::Authoritative {
        for (group, members) in &live.memberships {
            for member in members.keys() {
                if !d.is_managed(member, &live.current_user) {
                    continue;
                }
                if d.memberships
                    .get(group)
                    .is_some_and(|m| m.contains_key(member))
                {
                    continue;
                }
                let (stmts, lost) = if b.rs && b.rbac.contains(group) {
                    let sql = format!(
                        "REVOKE ROLE {} FROM {}",
                        quote_ident(group),
                        b.grantee(member)
                    );
                    (vec![sql], None)
                } else if b.rs {
                    let sql = format!(
                        "ALTER GROUP {} DROP USER {}",
                        quote_ident(group),
                        quote_ident(member)
                    );
                    (vec![sql], None)
                } else {
                    revoke(d, live, group, member, &quote_ident(group))
                };
                let mut c = Change::new(
                    format!("membership.{group}.{member}"),
                    common::Action::Delete,
                );
                if let Some(l) = lost {
                    c = c.destructive(l);
                }
                let ops = stmts.iter().map(|r| Op::new(cdb, r.clone())).collect();
                c.statements = stmts;
                b.push(Phase::RevokeMembership, c, ops);
            }
        }
    }
}

/// `REVOKE <what> FROM member` for every grant of `group` to `member`: the
/// connecting user's (or a superuser's) plain, another grantor's with
/// `GRANTED BY` (PostgreSQL 16+: a plain REVOKE removes only its own grant).
/// When `member` granted `group` to others, `CASCADE` also removes those
/// (destructive, with the reason); the memberships it takes that the
/// configuration declares, or keeps, are granted again right after.
fn revoke(
    d: &Desired,
    live: &Live,
    group: &str,
    member: &str,
    what: &str,
) -> (Vec<String>, Option<String>) {
    let empty = BTreeMap::new();
    let by = live.membership_grantors.get(group).unwrap_or(&empty);
    let own =
        |g: &str| g == live.current_user || live.roles.get(g).is_some_and(|r| r.attrs.superuser);
    // Members who hold `group` through `member`'s grants, recursively.
    let mut lost: BTreeSet<&str> = BTreeSet::new();
    let mut todo = vec![member];
    while let Some(grantor) = todo.pop() {
        for (m, gs) in by {
            if gs.contains(grantor) && m != member && lost.insert(m.as_str()) {
                todo.push(m);
            }
        }
    }
    let cascade = if lost.is_empty() { "" } else { " CASCADE" };
    let (g, m) = (quote_ident(group), quote_ident(member));
    let mut stmts = Vec::new();
    let grantors = by.get(member);
    if grantors.is_none_or(|gs| gs.is_empty() || gs.iter().any(|x| own(x))) {
        stmts.push(format!("REVOKE {what} FROM {m}{cascade}"));
    }
    for x in grantors.into_iter().flatten().filter(|x| !own(x)) {
        stmts.push(format!(
            "REVOKE {what} FROM {m} GRANTED BY {}{cascade}",
            quote_ident(x)
        ));
    }
    let declared = d.memberships.get(group);
    let pg16 = live.server_version >= 160000;
    for l in &lost {
        let keep = match declared.and_then(|ms| ms.get(*l)) {
            Some(o) => Some(*o),
            None if d.mode != Mode::Authoritative || !d.is_managed(l, &live.current_user) => live
                .memberships
                .get(group)
                .and_then(|ms| ms.get(*l))
                .copied(),
            None => None,
        };
        if let Some(o) = keep {
            stmts.push(regrant(&g, l, o, pg16));
        }
    }
    let reason = (!lost.is_empty()).then(|| {
        format!(
            "CASCADE also revokes the memberships in `{group}` that `{member}` granted: {}",
            lost.iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    (stmts, reason)
}

/// `GRANT group TO member` with the options, after a cascade took it.
fn regrant(group_sql: &str, member: &str, o: MemberOpts, pg16: bool) -> String {
    let mut w = Vec::new();
    if o.admin {
        w.push(if pg16 { "ADMIN TRUE" } else { "ADMIN OPTION" }.to_string());
    }
    if pg16 {
        for (name, v) in [("INHERIT", o.inherit), ("SET", o.set)] {
            if let Some(v) = v {
                w.push(format!("{name} {}", if v { "TRUE" } else { "FALSE" }));
            }
        }
    }
    let base = format!("GRANT {group_sql} TO {}", quote_ident(member));
    if w.is_empty() {
        base
    } else {
        format!("{base} WITH {}", w.join(", "))
    }
}

/// Whether a membership grantor's grant is the connecting user's own (a
/// superuser's grants are recorded as the bootstrap superuser's).
fn own(live: &Live, grantor: &str) -> bool {
    grantor == live.current_user || live.roles.get(grantor).is_some_and(|r| r.attrs.superuser)
}

/// The GRANTs that give a live membership the declared options. PostgreSQL
/// 16+ keeps one grant per grantor, each with its options (any that says
/// INHERIT/SET TRUE counts): the options go on every grant — the connecting
/// user's plainly, another grantor's `GRANTED BY` it — and no grant of the
/// connecting user is added just for them (its defaults would count too).
#[allow(clippy::too_many_arguments)]
fn option_grants(
    live: &Live,
    group: &str,
    member: &str,
    sql_with: &dyn Fn(Vec<String>) -> String,
    with: &dyn Fn(bool, Option<bool>, Option<bool>) -> Vec<String>,
    admin: bool,
    inherit: Option<bool>,
    set: Option<bool>,
) -> Vec<String> {
    let grantors = live
        .membership_grantors
        .get(group)
        .and_then(|m| m.get(member));
    let has_own = grantors.is_none_or(|gs| gs.is_empty() || gs.iter().any(|g| own(live, g)));
    let mut out = Vec::new();
    if has_own || admin {
        out.push(sql_with(with(admin, inherit, set)));
    }
    let options = with(false, inherit, set);
    if !options.is_empty() {
        for x in grantors.into_iter().flatten().filter(|g| !own(live, g)) {
            out.push(format!(
                "{} GRANTED BY {}",
                sql_with(options.clone()),
                quote_ident(x)
            ));
        }
    }
    out
}
