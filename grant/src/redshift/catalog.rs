//! Redshift catalog rows (pg_user, pg_group, pg_namespace, pg_class,
//! pg_default_acl, SVV_* views) turned into the live model; pure.

use std::collections::{BTreeMap, BTreeSet};

use super::acl::{parse_acl, AclItem};
use crate::live::{
    push_acl, push_default, AclRow, Live, LiveDb, LiveRole, ObjRef, RelKind, Relation,
};
use crate::model::{Dialect, MemberOpts, RoleAttrs};
use crate::privs::DefaultKind;

/// A `pg_user` row.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// usename
    pub name: String,
    /// usesysid
    pub id: i64,
    /// usesuper (CREATEUSER)
    pub superuser: bool,
    /// usecreatedb
    pub createdb: bool,
    /// valuntil, UTC `YYYY-MM-DDTHH:MM:SSZ` or `infinity`
    pub valid_until: Option<String>,
    /// useconnlimit (`UNLIMITED` or a number)
    pub connection_limit: Option<String>,
}

/// A `pg_group` row.
#[derive(Debug, Clone)]
pub struct GroupRow {
    /// groname
    pub name: String,
    /// grolist (user ids)
    pub members: Vec<i64>,
}

/// A relation with its ACL text.
#[derive(Debug, Clone)]
pub struct RelRow {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// relkind
    pub kind: String,
    /// Owner.
    pub owner: String,
    /// `relacl::text`
    pub acl: Option<String>,
}

/// A schema with its ACL text.
#[derive(Debug, Clone)]
pub struct NspRow {
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: String,
    /// `nspacl::text`
    pub acl: Option<String>,
}

/// A `pg_default_acl` row.
#[derive(Debug, Clone)]
pub struct DefaultAclRow {
    /// Creator.
    pub for_role: String,
    /// Schema or none.
    pub schema: Option<String>,
    /// defaclobjtype
    pub objtype: String,
    /// `defaclacl::text`
    pub acl: String,
}

/// Builds the roles part of the live state: users (LOGIN) and groups (NOLOGIN).
pub fn roles(live: &mut Live, users: &[UserRow], groups: &[GroupRow]) {
    let by_id: BTreeMap<i64, &str> = users.iter().map(|u| (u.id, u.name.as_str())).collect();
    for u in users {
        let connection_limit = match u.connection_limit.as_deref().map(str::trim) {
            None | Some("UNLIMITED") | Some("") => -1,
            Some(n) => n.parse().unwrap_or(-1),
        };
        live.roles.insert(
            u.name.clone(),
            LiveRole {
                attrs: RoleAttrs {
                    login: true,
                    superuser: u.superuser,
                    createdb: u.createdb,
                    connection_limit,
                    valid_until: u.valid_until.clone().filter(|v| v != "infinity"),
                    ..RoleAttrs::default()
                },
                comment: None,
                settings: BTreeMap::new(),
                verifier: None,
            },
        );
    }
    for g in groups {
        live.roles.insert(
            g.name.clone(),
            LiveRole {
                attrs: RoleAttrs::default(),
                comment: None,
                settings: BTreeMap::new(),
                verifier: None,
            },
        );
        for m in &g.members {
            if let Some(u) = by_id.get(m) {
                live.memberships
                    .entry(g.name.clone())
                    .or_default()
                    .insert((*u).to_string(), MemberOpts::default());
            }
        }
    }
}

pub(super) fn push_items(
    acl: &mut BTreeSet<crate::live::AclEntry>,
    obj: &ObjRef,
    owner: &str,
    items: Vec<AclItem>,
) {
    for i in items {
        for (p, go) in i.privileges {
            push_acl(
                acl,
                obj.clone(),
                owner,
                Some(AclRow {
                    grantee: i.grantee.clone(),
                    privilege: p,
                    grantable: go,
                    grantor: String::new(),
                }),
            );
        }
    }
}

/// Builds one database's live state from Redshift catalog rows.
pub fn database(
    owner: &str,
    nsps: &[NspRow],
    rels: &[RelRow],
    defaults: &[DefaultAclRow],
) -> LiveDb {
    let mut db = LiveDb {
        owner: owner.to_string(),
        ..LiveDb::default()
    };
    for n in nsps {
        db.schemas.insert(n.name.clone(), n.owner.clone());
        let obj = ObjRef::Schema {
            name: n.name.as_str().into(),
        };
        push_items(
            &mut db.acl,
            &obj,
            &n.owner,
            parse_acl(n.acl.as_deref(), Dialect::Redshift),
        );
    }
    for r in rels {
        let Some(kind) = RelKind::from_code(&r.kind) else {
            continue;
        };
        db.relations
            .entry(r.schema.as_str().into())
            .or_default()
            .insert(
                r.name.as_str().into(),
                Relation {
                    kind,
                    owner: r.owner.clone(),
                    linked: false,
                },
            );
        let obj = ObjRef::Table {
            schema: r.schema.as_str().into(),
            name: r.name.as_str().into(),
        };
        push_items(
            &mut db.acl,
            &obj,
            &r.owner,
            parse_acl(r.acl.as_deref(), Dialect::Redshift),
        );
    }
    for d in defaults {
        let Some(kind) = DefaultKind::from_code(&d.objtype) else {
            continue;
        };
        for i in parse_acl(Some(&d.acl), Dialect::Redshift) {
            for (p, go) in i.privileges {
                push_default(
                    &mut db.default_acl,
                    d.for_role.clone(),
                    d.schema.clone(),
                    kind,
                    AclRow {
                        grantee: i.grantee.clone(),
                        privilege: p,
                        grantable: go,
                        grantor: String::new(),
                    },
                );
            }
        }
    }
    db
}

/// Applies SVL_USER_INFO rows: (user, `UNRESTRICTED`/`RESTRICTED`, session timeout or 0).
pub fn user_info(live: &mut Live, rows: &[(String, String, Option<String>)]) {
    for (user, syslog, timeout) in rows {
        if let Some(r) = live.roles.get_mut(user) {
            r.attrs.syslog_unrestricted = syslog.trim().eq_ignore_ascii_case("UNRESTRICTED");
            r.attrs.session_timeout = timeout
                .as_deref()
                .and_then(|t| t.trim().parse().ok())
                .filter(|t| *t > 0);
        }
    }
}

/// Adds RBAC roles and their grants (to users, and to other roles).
pub fn rbac_roles(
    live: &mut Live,
    roles: &[String],
    to_users: &[(String, String)],
    to_roles: &[(String, String)],
) {
    for r in roles {
        live.rbac_roles.insert(r.clone());
        live.roles.entry(r.clone()).or_insert_with(|| LiveRole {
            attrs: RoleAttrs::default(),
            comment: None,
            settings: BTreeMap::new(),
            verifier: None,
        });
    }
    for (member, role) in to_users.iter().chain(to_roles.iter()) {
        live.memberships
            .entry(role.clone())
            .or_default()
            .insert(member.clone(), MemberOpts::default());
    }
}
