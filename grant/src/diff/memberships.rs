//! Phase: memberships (GRANT / REVOKE role).

use std::collections::BTreeMap;

use common::{Change, FieldChange, Note};

use super::ops::{Builder, Op, Phase};
use crate::live::Live;
use crate::model::{Desired, Mode};
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
                    let revoke_admin = (!opts.admin && l.admin && d.mode == Mode::Authoritative)
                        .then(|| {
                            format!(
                                "REVOKE ADMIN OPTION FOR {} FROM {}",
                                quote_ident(group),
                                quote_ident(member)
                            )
                        });
                    if !w.is_empty() {
                        // One change, also when the admin option goes too:
                        // apply then plan shows nothing left.
                        let sql = sql_with(w);
                        let mut ops = vec![Op::new(cdb, sql.clone())];
                        c = c.statement(&sql);
                        if let Some(r) = revoke_admin {
                            c = c
                                .field(FieldChange::new("admin", Some("true"), Some("false")))
                                .statement(&r);
                            ops.push(Op::new(cdb, r));
                        }
                        b.push(Phase::Membership, c, ops);
                    } else if let Some(sql) = revoke_admin {
                        let c = Change::new(&address, common::Action::Update)
                            .field(FieldChange::new("admin", Some("true"), Some("false")));
                        b.push(
                            Phase::RevokeMembership,
                            c.statement(&sql),
                            vec![Op::new(cdb, sql)],
                        );
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
                let sql = if b.rs && b.rbac.contains(group) {
                    format!(
                        "REVOKE ROLE {} FROM {}",
                        quote_ident(group),
                        b.grantee(member)
                    )
                } else if b.rs {
                    format!(
                        "ALTER GROUP {} DROP USER {}",
                        quote_ident(group),
                        quote_ident(member)
                    )
                } else {
                    format!("REVOKE {} FROM {}", quote_ident(group), quote_ident(member))
                };
                let c = Change::new(
                    format!("membership.{group}.{member}"),
                    common::Action::Delete,
                )
                .statement(&sql);
                b.push(Phase::RevokeMembership, c, vec![Op::new(cdb, sql)]);
            }
        }
    }
}
