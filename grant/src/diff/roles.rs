//! Phase: create and alter roles.

use common::{Change, FieldChange, Note};

use super::attributes::{
    attr_clauses, password_needs_set, password_op, redshift_clauses, reset_sql, setting_sql,
};
use super::ops::{Builder, Op, Phase};
use super::settings::setting_matches;
use crate::live::Live;
use crate::model::{Desired, Mode, Role, RoleAttrs};
use crate::sql::{quote_ident, quote_literal};

/// Redshift: CREATE USER (LOGIN roles) / CREATE GROUP (the others).
pub(super) fn redshift_create(b: &mut Builder, cdb: &str, name: &str, role: &Role) {
    let q = quote_ident(name);
    let address = format!("role.{name}");
    let mut ops = Vec::new();
    let mut fields = Vec::new();
    if b.rbac.contains(name) {
        ops.push(Op::new(cdb, format!("CREATE ROLE {q}")));
    } else if b.groups.contains(name) {
        ops.push(Op::new(cdb, format!("CREATE GROUP {q}")));
    } else {
        let (clauses, f) = redshift_clauses(
            &RoleAttrs {
                login: true,
                ..RoleAttrs::default()
            },
            &role.attrs,
        );
        // A new role has no "before": its attributes are shown as set.
        fields = f.into_iter().map(created).collect();
        let tail = if clauses.is_empty() {
            String::new()
        } else {
            format!(" {}", clauses.join(" "))
        };
        match &role.password {
            Some(src) => {
                fields.push(FieldChange::sensitive("password", false));
                ops.push(password_op(
                    cdb,
                    name,
                    format!("CREATE USER {q} PASSWORD "),
                    tail,
                    src,
                    true,
                ));
            }
            None => ops.push(Op::new(
                cdb,
                format!("CREATE USER {q} PASSWORD DISABLE{tail}"),
            )),
        }
    }
    for (k, v) in &role.settings {
        fields.push(FieldChange::new(
            format!("settings.{k}"),
            None::<String>,
            Some(v.join(", ")),
        ));
        ops.push(Op::new(
            cdb,
            setting_sql(name, k, v).replacen("ALTER ROLE", "ALTER USER", 1),
        ));
    }
    if role.comment.is_some() {
        b.notes.push(Note {
            address: address.clone(),
            message: "Redshift has no role comments; `comment` is ignored".into(),
        });
    }
    let mut change = Change::new(&address, common::Action::Create);
    change.fields = fields;
    change.statements = ops.iter().map(|o| o.sql.clone()).collect();
    b.push(Phase::CreateRole, change, ops);
}

/// A field of a role being created: no value before.
fn created(mut f: FieldChange) -> FieldChange {
    f.before = None;
    f
}

pub(super) fn roles(b: &mut Builder, d: &Desired, live: &Live) {
    let cdb = live.connection_db.as_str();
    for (name, role) in &d.roles {
        let q = quote_ident(name);
        let address = format!("role.{name}");
        match live.roles.get(name) {
            None if b.rs => redshift_create(b, cdb, name, role),
            None => {
                let (clauses, fields) = attr_clauses(&RoleAttrs::default(), &role.attrs);
                // A new role has no "before": its attributes are shown as set.
                let mut fields: Vec<FieldChange> = fields.into_iter().map(created).collect();
                let mut change = Change::new(&address, common::Action::Create);
                let mut ops = Vec::new();
                let base = if clauses.is_empty() {
                    format!("CREATE ROLE {q}")
                } else {
                    format!("CREATE ROLE {q} WITH {}", clauses.join(" "))
                };
                match &role.password {
                    Some(src) => {
                        fields.push(FieldChange::sensitive("password", false));
                        let prefix = if clauses.is_empty() {
                            format!("{base} WITH PASSWORD ")
                        } else {
                            format!("{base} PASSWORD ")
                        };
                        ops.push(password_op(cdb, name, prefix, String::new(), src, false));
                    }
                    None => ops.push(Op::new(cdb, base)),
                }
                // PostgreSQL stores an empty comment as no comment.
                if let Some(c) = role.comment.as_ref().filter(|c| !c.is_empty()) {
                    fields.push(FieldChange::new("comment", None::<String>, Some(c.clone())));
                    ops.push(Op::new(
                        cdb,
                        format!("COMMENT ON ROLE {q} IS {}", quote_literal(c)),
                    ));
                }
                for (k, v) in &role.settings {
                    fields.push(FieldChange::new(
                        format!("settings.{k}"),
                        None::<String>,
                        Some(v.join(", ")),
                    ));
                    ops.push(Op::new(cdb, setting_sql(name, k, v)));
                }
                change.fields = fields;
                change.statements = ops.iter().map(|o| o.sql.clone()).collect();
                b.push(Phase::CreateRole, change, ops);
            }
            Some(l) => {
                // Additive: only the attributes the configuration declares.
                let want = if d.mode == Mode::Additive {
                    role.attrs.overlay(&l.attrs, &role.declared)
                } else {
                    role.attrs.clone()
                };
                let (clauses, mut fields) = if b.rs {
                    if role.attrs.login {
                        redshift_clauses(&l.attrs, &want)
                    } else {
                        (Vec::new(), Vec::new())
                    }
                } else {
                    attr_clauses(&l.attrs, &want)
                };
                let kw = if b.rs { "USER" } else { "ROLE" };
                let with = if b.rs { "" } else { "WITH " };
                let mut ops = Vec::new();
                if b.rs {
                    // One option per ALTER USER: Redshift's documented form.
                    for c in &clauses {
                        ops.push(Op::new(cdb, format!("ALTER USER {q} {c}")));
                    }
                } else if !clauses.is_empty() {
                    ops.push(Op::new(
                        cdb,
                        format!("ALTER {kw} {q} {with}{}", clauses.join(" ")),
                    ));
                }
                let (set_pw, note) = password_needs_set(name, role, live, l);
                if let Some(n) = note {
                    b.notes.push(Note {
                        address: address.clone(),
                        message: n,
                    });
                }
                if let (true, Some(src)) = (set_pw, &role.password) {
                    fields.push(FieldChange::sensitive(
                        "password",
                        l.verifier.is_some() || !live.passwords_readable,
                    ));
                    ops.push(password_op(
                        cdb,
                        name,
                        format!("ALTER {kw} {q} {with}PASSWORD "),
                        String::new(),
                        src,
                        b.rs,
                    ));
                }
                // `comment: ""` means no comment (PostgreSQL stores it so).
                let want_comment = role.comment.clone().filter(|c| !c.is_empty());
                if !b.rs
                    && want_comment != l.comment
                    && !(role.comment.is_none() && d.mode == Mode::Additive)
                {
                    fields.push(FieldChange::new(
                        "comment",
                        l.comment.clone(),
                        want_comment.clone(),
                    ));
                    let v = want_comment
                        .as_deref()
                        .map(quote_literal)
                        .unwrap_or_else(|| "NULL".into());
                    ops.push(Op::new(cdb, format!("COMMENT ON ROLE {q} IS {v}")));
                }
                for (k, v) in &role.settings {
                    let want = v.join(", ");
                    if !l
                        .settings
                        .get(k)
                        .is_some_and(|live| setting_matches(live, v))
                    {
                        fields.push(FieldChange::new(
                            format!("settings.{k}"),
                            l.settings.get(k).cloned(),
                            Some(want),
                        ));
                        ops.push(Op::new(
                            cdb,
                            setting_sql(name, k, v).replacen(
                                "ALTER ROLE",
                                &format!("ALTER {kw}"),
                                1,
                            ),
                        ));
                    }
                }
                if d.mode == Mode::Authoritative {
                    for (k, v) in &l.settings {
                        if !role.settings.contains_key(k) {
                            fields.push(FieldChange::new(
                                format!("settings.{k}"),
                                Some(v.clone()),
                                None::<String>,
                            ));
                            ops.push(Op::new(
                                cdb,
                                reset_sql(name, k).replacen(
                                    "ALTER ROLE",
                                    &format!("ALTER {kw}"),
                                    1,
                                ),
                            ));
                        }
                    }
                }
                if !ops.is_empty() {
                    let mut change = Change::new(&address, common::Action::Update);
                    change.fields = fields;
                    change.statements = ops.iter().map(|o| o.sql.clone()).collect();
                    b.push(Phase::AlterRole, change, ops);
                }
            }
        }
    }
    for e in &d.external {
        if !live.roles.contains_key(e) {
            b.notes.push(Note {
                address: format!("role.{e}"),
                message: "external role does not exist on the server".into(),
            });
        }
    }
}
