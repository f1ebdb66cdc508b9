//! `grant import`: the live state as a configuration in this tool's format,
//! such that `plan` on it shows no changes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::live::{Live, ObjRef};
use crate::model::{glob_match, is_system_role, RoleAttrs};
use crate::privs::{DefaultKind, ObjectKind, Privilege};

#[derive(Serialize)]
struct Out {
    #[serde(skip_serializing_if = "Option::is_none")]
    connection: Option<ConnOut>,
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    managed_roles: Option<ManagedOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_roles: Vec<String>,
    roles: Vec<RoleOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    databases: Vec<DbOut>,
}

#[derive(Serialize)]
struct ConnOut {
    url: String,
}

#[derive(Serialize)]
struct ManagedOut {
    pattern: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize, Default)]
struct RoleOut {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    login: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    superuser: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    createdb: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    createrole: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inherit: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replication: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bypassrls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    settings: BTreeMap<String, serde_yaml::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    member_of: Vec<serde_yaml::Value>,
}

#[derive(Serialize)]
struct DbOut {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grants: Vec<GrantOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    default_privileges: Vec<DefaultOut>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct GrantOut {
    to: Vec<String>,
    on: ObjectKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    columns: Vec<String>,
    privileges: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    with_grant_option: bool,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct DefaultOut {
    for_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<String>,
    on: DefaultKind,
    to: Vec<String>,
    privileges: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    with_grant_option: bool,
}

/// (for role, schema, kind, grantee, grant option).
type DKey = (String, Option<String>, DefaultKind, String, bool);

fn names(p: &BTreeSet<Privilege>) -> Vec<String> {
    p.iter().map(|p| p.sql().to_string()).collect()
}

/// Renders the live state as YAML. `pattern` limits the imported roles;
/// `url` is written as the connection (already redacted by the caller or
/// holding `${VAR}`).
pub fn render(live: &Live, pattern: Option<&str>, url: Option<&str>) -> anyhow::Result<String> {
    let imported: BTreeSet<&String> = live
        .roles
        .keys()
        .filter(|n| {
            !is_system_role(n)
                && **n != live.current_user
                && pattern.is_none_or(|p| glob_match(p, n))
        })
        .collect();
    let mut external: BTreeSet<String> = BTreeSet::new();
    let known = |n: &str, external: &mut BTreeSet<String>| {
        if !imported.contains(&n.to_string()) && !is_system_role(n) {
            external.insert(n.to_string());
        }
    };
    let d = RoleAttrs::default();
    let mut roles = Vec::new();
    for name in &imported {
        let Some(l) = live.roles.get(*name) else {
            continue;
        };
        let a = &l.attrs;
        let diff = |x: bool, y: bool| (x != y).then_some(x);
        let mut r = RoleOut {
            name: (*name).clone(),
            login: diff(a.login, d.login),
            superuser: diff(a.superuser, d.superuser),
            createdb: diff(a.createdb, d.createdb),
            createrole: diff(a.createrole, d.createrole),
            inherit: diff(a.inherit, d.inherit),
            replication: diff(a.replication, d.replication),
            bypassrls: diff(a.bypassrls, d.bypassrls),
            connection_limit: (a.connection_limit != -1).then_some(a.connection_limit),
            valid_until: a.valid_until.clone(),
            comment: l.comment.clone(),
            ..RoleOut::default()
        };
        for (k, v) in &l.settings {
            // Only list settings are lists: `application_name: "a, b"` is one value.
            let list = crate::diff::LIST_SETTINGS
                .contains(&k.as_str())
                .then(|| crate::diff::split_list_setting(v))
                .flatten()
                .filter(|parts| parts.len() > 1 || v.contains('"'));
            let value = if let Some(parts) = list {
                serde_yaml::Value::Sequence(
                    parts.into_iter().map(serde_yaml::Value::String).collect(),
                )
            } else {
                serde_yaml::Value::String(v.clone())
            };
            r.settings.insert(k.clone(), value);
        }
        for (group, members) in &live.memberships {
            if let Some(o) = members.get(*name) {
                known(group, &mut external);
                if o.admin {
                    let mut m = serde_yaml::Mapping::new();
                    m.insert("role".into(), group.clone().into());
                    m.insert("admin".into(), true.into());
                    r.member_of.push(serde_yaml::Value::Mapping(m));
                } else {
                    r.member_of.push(group.clone().into());
                }
            }
        }
        roles.push(r);
    }
    let mut databases = Vec::new();
    for (dbname, db) in &live.databases {
        // (kind, schema, grantee, privileges, grant option) → objects; columns
        // keep their table in `objects` and their name in `columns`.
        let mut per_object: BTreeMap<(ObjRef, String), BTreeMap<Privilege, bool>> = BTreeMap::new();
        for e in &db.acl {
            if imported.contains(&&e.grantee.to_string()) {
                // Granted by several grantors: the option if any gave it.
                *per_object
                    .entry((e.object.clone(), e.grantee.to_string()))
                    .or_default()
                    .entry(e.privilege)
                    .or_insert(false) |= e.grantable;
            }
        }
        type GKey = (
            ObjectKind,
            Option<String>,
            String,
            BTreeSet<Privilege>,
            bool,
            Option<String>,
        );
        let mut grouped: BTreeMap<GKey, BTreeSet<String>> = BTreeMap::new();
        for ((obj, grantee), privs) in per_object {
            for go in [false, true] {
                let set: BTreeSet<Privilege> = privs
                    .iter()
                    .filter(|(_, g)| **g == go)
                    .map(|(p, _)| *p)
                    .collect();
                if set.is_empty() {
                    continue;
                }
                let (kind, schema, object, table) = match &obj {
                    ObjRef::Database { .. } => (ObjectKind::Database, None, String::new(), None),
                    ObjRef::Schema { name } => (ObjectKind::Schema, None, name.to_string(), None),
                    ObjRef::Table { schema, name } => (
                        ObjectKind::Table,
                        Some(schema.to_string()),
                        name.to_string(),
                        None,
                    ),
                    ObjRef::Sequence { schema, name } => (
                        ObjectKind::Sequence,
                        Some(schema.to_string()),
                        name.to_string(),
                        None,
                    ),
                    ObjRef::Function { schema, signature } => (
                        ObjectKind::Function,
                        Some(schema.to_string()),
                        signature.to_string(),
                        None,
                    ),
                    ObjRef::Column {
                        schema,
                        table,
                        column,
                    } => (
                        ObjectKind::Column,
                        Some(schema.to_string()),
                        column.to_string(),
                        Some(table.to_string()),
                    ),
                };
                grouped
                    .entry((kind, schema, grantee.clone(), set, go, table))
                    .or_default()
                    .insert(object);
            }
        }
        let mut grants: Vec<GrantOut> = grouped
            .into_iter()
            .map(|((kind, schema, grantee, privs, go, table), objects)| {
                let (objects, columns) = match kind {
                    ObjectKind::Database => (Vec::new(), Vec::new()),
                    ObjectKind::Column => {
                        (table.into_iter().collect(), objects.into_iter().collect())
                    }
                    _ => (objects.into_iter().collect(), Vec::new()),
                };
                GrantOut {
                    to: vec![grantee],
                    on: kind,
                    schema,
                    objects,
                    columns,
                    privileges: names(&privs),
                    with_grant_option: go,
                }
            })
            .collect();
        grants.sort();
        let mut defaults: BTreeMap<DKey, BTreeSet<Privilege>> = BTreeMap::new();
        for e in &db.default_acl {
            if imported.contains(&&e.grantee.to_string()) {
                known(&e.for_role, &mut external);
                defaults
                    .entry((
                        e.for_role.clone(),
                        e.schema.clone(),
                        e.kind,
                        e.grantee.clone(),
                        e.grantable,
                    ))
                    .or_default()
                    .insert(e.privilege);
            }
        }
        let default_privileges = defaults
            .into_iter()
            .map(|((for_role, schema, on, to, go), privs)| DefaultOut {
                for_role,
                schema,
                on,
                to: vec![to],
                privileges: names(&privs),
                with_grant_option: go,
            })
            .collect();
        databases.push(DbOut {
            name: dbname.clone(),
            grants,
            default_privileges,
        });
    }
    let out = Out {
        connection: url.map(|u| ConnOut { url: u.to_string() }),
        mode: "authoritative",
        managed_roles: pattern.map(|p| ManagedOut {
            pattern: p.to_string(),
        }),
        external_roles: external.into_iter().collect(),
        roles,
        databases,
    };
    let yaml = serde_yaml::to_string(&out)?;
    Ok(format!(
        "# Imported by `grant import` from the live server. Passwords are not imported\n# (add `password: {{env: VAR}}` or `{{verifier: ...}}` to manage them).\n{yaml}"
    ))
}
