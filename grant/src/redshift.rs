//! Redshift: catalog rows (pg_user, pg_group, ACL strings) parsed into the
//! live model. Redshift has no `aclexplode`, so ACL arrays are read as text
//! and parsed here; its letters differ from PostgreSQL's (`D` is DROP, not
//! TRUNCATE; `A` ALTER and `P` are not modelled).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::live::{
    push_acl, push_default, AclRow, Live, LiveDb, LiveRole, ObjRef, RelKind, Relation,
};
use crate::model::{Dialect, MemberOpts, RoleAttrs};
use crate::privs::DefaultKind;

/// One parsed ACL item: `grantee=privileges/grantor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AclItem {
    /// Grantee; `PUBLIC` when empty.
    pub grantee: String,
    /// The grantee is a Redshift group (`group name=…`).
    pub group: bool,
    /// Privilege names with their grant option.
    pub privileges: Vec<(String, bool)>,
    /// Grantor.
    pub grantor: String,
}

fn letter(c: char, dialect: Dialect) -> Option<&'static str> {
    Some(match (c, dialect) {
        ('r', _) => "SELECT",
        ('w', _) => "UPDATE",
        ('a', _) => "INSERT",
        ('d', _) => "DELETE",
        ('D', Dialect::Postgres) => "TRUNCATE",
        ('D', Dialect::Redshift) => "DROP",
        ('x', _) => "REFERENCES",
        ('t', _) => "TRIGGER",
        ('X', _) => "EXECUTE",
        ('U', _) => "USAGE",
        ('C', _) => "CREATE",
        ('c', _) => "CONNECT",
        ('T', _) => "TEMPORARY",
        _ => return None,
    })
}

/// Splits an array literal `{a,"b c",d}` into its elements.
pub fn split_array(s: &str) -> Vec<String> {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = inner.chars();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn unquote_name(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s.to_string()
    }
}

/// Parses one ACL item (an element of `relacl::text`).
pub fn parse_item(item: &str, dialect: Dialect) -> Option<AclItem> {
    let slash = item.rfind('/')?;
    let (head, grantor) = (&item[..slash], &item[slash + 1..]);
    // The `=` separating grantee and privileges: the last one outside quotes.
    let mut eq = None;
    let mut quoted = false;
    for (i, c) in head.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => eq = Some(i),
            _ => {}
        }
    }
    let eq = eq?;
    let (who, privs) = (&head[..eq], &head[eq + 1..]);
    let (group, name) = match who.strip_prefix("group ") {
        Some(g) => (true, unquote_name(g)),
        None => (false, unquote_name(who)),
    };
    let mut privileges = Vec::new();
    let mut it = privs.chars().peekable();
    while let Some(c) = it.next() {
        let go = it.peek() == Some(&'*');
        if go {
            it.next();
        }
        if let Some(p) = letter(c, dialect) {
            privileges.push((p.to_string(), go));
        }
    }
    Some(AclItem {
        grantee: if name.is_empty() {
            "PUBLIC".into()
        } else {
            name
        },
        group,
        privileges,
        grantor: unquote_name(grantor),
    })
}

/// Parses an ACL array's text; unparsable items are skipped.
pub fn parse_acl(s: Option<&str>, dialect: Dialect) -> Vec<AclItem> {
    s.map(|s| {
        split_array(s)
            .iter()
            .filter_map(|i| parse_item(i, dialect))
            .collect()
    })
    .unwrap_or_default()
}

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

fn push_items(
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
            name: n.name.clone(),
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
        db.relations.entry(r.schema.clone()).or_default().insert(
            r.name.clone(),
            Relation {
                kind,
                owner: r.owner.clone(),
                linked: false,
            },
        );
        let obj = ObjRef::Table {
            schema: r.schema.clone(),
            name: r.name.clone(),
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
                    },
                );
            }
        }
    }
    db
}

/// Rows of a simple (text) query.
async fn rows(
    client: &tokio_postgres::Client,
    sql: &str,
) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    use anyhow::Context;
    let msgs = client
        .simple_query(sql)
        .await
        .with_context(|| format!("reading the Redshift catalog: {sql}"))?;
    Ok(msgs
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect())
}

fn col(r: &[Option<String>], i: usize) -> String {
    r.get(i).cloned().flatten().unwrap_or_default()
}

fn opt_col(r: &[Option<String>], i: usize) -> Option<String> {
    r.get(i).cloned().flatten().filter(|s| !s.is_empty())
}

/// Reads users and groups (two queries).
pub async fn read_roles(client: &tokio_postgres::Client, live: &mut Live) -> anyhow::Result<()> {
    let users: Vec<UserRow> = rows(
        client,
        "SELECT usename, usesysid, usesuper, usecreatedb, \
         CASE WHEN valuntil IS NULL THEN NULL WHEN valuntil = 'infinity' THEN 'infinity' \
              ELSE to_char(valuntil, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END, useconnlimit FROM pg_catalog.pg_user",
    )
    .await?
    .iter()
    .map(|r| UserRow {
        name: col(r, 0),
        id: col(r, 1).parse().unwrap_or(-1),
        superuser: col(r, 2) == "t" || col(r, 2) == "true",
        createdb: col(r, 3) == "t" || col(r, 3) == "true",
        valid_until: opt_col(r, 4),
        connection_limit: opt_col(r, 5),
    })
    .collect();
    let groups: Vec<GroupRow> = rows(
        client,
        "SELECT groname, array_to_string(grolist, ',') FROM pg_catalog.pg_group",
    )
    .await?
    .iter()
    .map(|r| GroupRow {
        name: col(r, 0),
        members: col(r, 1)
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
    })
    .collect();
    roles(live, &users, &groups);
    // SYSLOG ACCESS and SESSION TIMEOUT (SVL_USER_INFO; optional).
    match rows(
        client,
        "SELECT usename, syslogaccess, sessiontimeout FROM svl_user_info",
    )
    .await
    {
        Ok(info) => user_info(
            live,
            &info
                .iter()
                .map(|r| (col(r, 0), col(r, 1), opt_col(r, 2)))
                .collect::<Vec<_>>(),
        ),
        Err(e) => tracing::debug!("no SVL_USER_INFO: {e:#}"),
    }
    // RBAC (SVV_ROLES, SVV_USER_GRANTS, SVV_ROLE_GRANTS): absent on clusters
    // without RBAC, where these queries fail and there are no roles.
    let rbac = async {
        let roles: Vec<String> = rows(client, "SELECT role_name FROM svv_roles")
            .await?
            .iter()
            .map(|r| col(r, 0))
            .collect();
        let users: Vec<(String, String)> =
            rows(client, "SELECT user_name, role_name FROM svv_user_grants")
                .await?
                .iter()
                .map(|r| (col(r, 0), col(r, 1)))
                .collect();
        let nested: Vec<(String, String)> = rows(
            client,
            "SELECT role_name, granted_role_name FROM svv_role_grants",
        )
        .await?
        .iter()
        .map(|r| (col(r, 0), col(r, 1)))
        .collect();
        anyhow::Ok((roles, users, nested))
    };
    match rbac.await {
        Ok((roles, users, nested)) => rbac_roles(live, &roles, &users, &nested),
        Err(e) => tracing::debug!("no RBAC roles read: {e:#}"),
    }
    Ok(())
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

const NSP: &str = "n.nspname NOT LIKE 'pg\\\\_%' AND n.nspname <> 'information_schema'";

/// Reads one database (four queries).
pub async fn read_db(client: &tokio_postgres::Client) -> anyhow::Result<LiveDb> {
    let owner = rows(client, "SELECT pg_get_userbyid(datdba) FROM pg_catalog.pg_database WHERE datname = current_database()")
        .await?
        .first()
        .map(|r| col(r, 0))
        .unwrap_or_default();
    let nsps: Vec<NspRow> = rows(
        client,
        &format!("SELECT n.nspname, pg_get_userbyid(n.nspowner), array_to_string(n.nspacl, ',') FROM pg_catalog.pg_namespace n WHERE {NSP}"),
    )
    .await?
    .iter()
    .map(|r| NspRow { name: col(r, 0), owner: col(r, 1), acl: opt_col(r, 2) })
    .collect();
    let rels: Vec<RelRow> = rows(
        client,
        &format!(
            "SELECT n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner), array_to_string(c.relacl, ',') \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'v', 'm') AND {NSP}"
        ),
    )
    .await?
    .iter()
    .map(|r| RelRow { schema: col(r, 0), name: col(r, 1), kind: col(r, 2), owner: col(r, 3), acl: opt_col(r, 4) })
    .collect();
    let defs: Vec<DefaultAclRow> = rows(
        client,
        "SELECT pg_get_userbyid(d.defacluser), n.nspname, d.defaclobjtype, array_to_string(d.defaclacl, ',') \
         FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace",
    )
    .await?
    .iter()
    .map(|r| DefaultAclRow { for_role: col(r, 0), schema: opt_col(r, 1), objtype: col(r, 2), acl: col(r, 3) })
    .collect();
    Ok(database(&owner, &nsps, &rels, &defs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_items() {
        let items = parse_acl(
            Some(
                r#"{admin=arwdRxtDA/admin,"group analysts=r/admin",bob=r*w/admin,"\"odd name\"=a/admin",=r/admin}"#,
            ),
            Dialect::Redshift,
        );
        insta::assert_debug_snapshot!(items);
        let pg = parse_item("app=arwdDxt/owner", Dialect::Postgres).unwrap();
        assert!(pg.privileges.iter().any(|(p, _)| p == "TRUNCATE"));
    }

    #[test]
    fn catalog_rows_to_live_state() {
        let fixture = include_str!("../tests/fixtures/redshift_catalog.txt");
        let mut live = Live {
            dialect: Dialect::Redshift,
            current_user: "admin".into(),
            connection_db: "dev".into(),
            passwords_readable: false,
            server_version: 0,
            rbac_roles: Default::default(),
            roles: BTreeMap::new(),
            memberships: BTreeMap::new(),
            owned: BTreeMap::new(),
            databases: BTreeMap::new(),
        };
        let (mut users, mut groups, mut nsps, mut rels, mut defs) =
            (vec![], vec![], vec![], vec![], vec![]);
        let mut rbac: Vec<String> = Vec::new();
        let mut user_grants: Vec<(String, String)> = Vec::new();
        let mut role_grants: Vec<(String, String)> = Vec::new();
        for line in fixture
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let f: Vec<&str> = line.split('|').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            match f[0] {
                "user" => users.push(UserRow {
                    name: f[1].into(),
                    id: f[2].parse().unwrap(),
                    superuser: f[3] == "t",
                    createdb: f[4] == "t",
                    valid_until: opt(f[5]),
                    connection_limit: opt(f[6]),
                }),
                "group" => groups.push(GroupRow {
                    name: f[1].into(),
                    members: split_array(f[2])
                        .iter()
                        .filter_map(|s| s.parse().ok())
                        .collect(),
                }),
                "namespace" => nsps.push(NspRow {
                    name: f[1].into(),
                    owner: f[2].into(),
                    acl: opt(f[3]),
                }),
                "relation" => rels.push(RelRow {
                    schema: f[1].into(),
                    name: f[2].into(),
                    kind: f[3].into(),
                    owner: f[4].into(),
                    acl: opt(f[5]),
                }),
                "default_acl" => defs.push(DefaultAclRow {
                    for_role: f[1].into(),
                    schema: opt(f[2]),
                    objtype: f[3].into(),
                    acl: f[4].into(),
                }),
                "rbac_role" => rbac.push(f[1].to_string()),
                "user_grant" => user_grants.push((f[1].to_string(), f[2].to_string())),
                "role_grant" => role_grants.push((f[1].to_string(), f[2].to_string())),
                other => panic!("unknown fixture row {other}"),
            }
        }
        roles(&mut live, &users, &groups);
        rbac_roles(&mut live, &rbac, &user_grants, &role_grants);
        live.databases
            .insert("dev".into(), database("admin", &nsps, &rels, &defs));
        insta::assert_json_snapshot!(live);
    }
}
