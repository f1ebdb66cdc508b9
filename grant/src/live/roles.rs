//! Reading cluster-wide state: server info, roles, memberships, ownership.

use super::types::{DatabaseGrant, Live, LiveRole};
use anyhow::Context;
use common::Secret;
use tokio_postgres::Client;

use crate::model::RoleAttrs;

/// Cluster-wide state read on the connection database.
pub struct ClusterInfo {
    /// `version()`.
    pub version: String,
    /// current_user.
    pub current_user: String,
    /// current_database().
    pub database: String,
    /// `server_version_num` (0 when unknown, e.g. Redshift).
    pub version_num: i32,
}

/// `SELECT version(), current_user, current_database()`.
pub async fn cluster_info(client: &Client) -> anyhow::Result<ClusterInfo> {
    let row = client
        .query_one(
            "SELECT pg_catalog.version()::text, current_user::text, current_database()::text",
            &[],
        )
        .await
        .context("reading the server version")?;
    let version: String = row.try_get(0)?;
    Ok(ClusterInfo {
        version_num: version_num(&version),
        version,
        current_user: row.try_get(1)?,
        database: row.try_get(2)?,
    })
}

/// `PostgreSQL 15.20 on …` → 150020 (`8.0.2` → 80002); 0 when unparsable.
pub fn version_num(version: &str) -> i32 {
    let Some(v) = version.split_whitespace().nth(1) else {
        return 0;
    };
    let parts: Vec<i32> = v
        .split('.')
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    // Saturating: the string comes from the server and may be anything.
    let (major, minor, patch) = match parts.as_slice() {
        [major, minor, ..] if *major >= 10 => {
            return major.saturating_mul(10000).saturating_add(*minor)
        }
        [major, minor, patch, ..] => (*major, *minor, *patch),
        [major, minor] => (*major, *minor, 0),
        [major] => (*major, 0, 0),
        [] => return 0,
    };
    major
        .saturating_mul(10000)
        .saturating_add(minor.saturating_mul(100))
        .saturating_add(patch)
}

/// Reads roles, verifiers (when readable), memberships and ownership counts
/// (PostgreSQL): four queries sent together, then pg_authid when readable.
pub async fn read_roles(client: &Client, live: &mut Live) -> anyhow::Result<()> {
    let pg16 = live.server_version >= 160000;
    let options = if pg16 {
        "am.inherit_option, am.set_option, pg_catalog.pg_get_userbyid(am.grantor)::text"
    } else {
        "NULL::bool, NULL::bool, NULL::text"
    };
    let members = format!(
        "SELECT g.rolname::text, m.rolname::text, am.admin_option, {options} FROM pg_catalog.pg_auth_members am \
         JOIN pg_catalog.pg_roles g ON g.oid = am.roleid JOIN pg_catalog.pg_roles m ON m.oid = am.member"
    );
    let (rows, readable, member_rows, shdepend, databases) = tokio::try_join!(
        async {
            client
                .query(
                    "SELECT r.rolname::text, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, \
                     r.rolreplication, r.rolbypassrls, r.rolconnlimit, \
                     CASE WHEN r.rolvaliduntil IS NULL THEN NULL \
                          WHEN pg_catalog.isfinite(r.rolvaliduntil) THEN pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                          ELSE 'infinity' END, \
                     r.rolconfig::text[], d.description::text \
                     FROM pg_catalog.pg_roles r \
                     LEFT JOIN pg_catalog.pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_catalog.pg_authid'::regclass",
                    &[],
                )
                .await
                .context("reading pg_roles")
        },
        async {
            client
                .query_one(
                    "SELECT pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')",
                    &[],
                )
                .await
                .context("checking access to pg_authid")
        },
        async {
            client
                .query(&members, &[])
                .await
                .context("reading pg_auth_members")
        },
        async {
            // Objects owned (all databases, and shared objects: dbid 0)
            // and the databases where a role owns objects or holds
            // privileges, in one pass over pg_shdepend.
            client
                .query(
                    "SELECT r.rolname::text, d.datname::text, s.owned \
                     FROM (SELECT refobjid, dbid, count(*) FILTER (WHERE deptype = 'o') AS owned \
                           FROM pg_catalog.pg_shdepend \
                           WHERE refclassid = 'pg_catalog.pg_authid'::regclass AND deptype IN ('o', 'a', 'r', 'i') \
                           GROUP BY 1, 2) s \
                     JOIN pg_catalog.pg_roles r ON r.oid = s.refobjid \
                     LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid",
                    &[],
                )
                .await
                .context("reading pg_shdepend")
        },
        async {
            // Every database's owner and ACL (a shared catalog): databases
            // the configuration does not list are reported, never changed.
            client
                .query(
                    "SELECT d.datname::text, pg_catalog.pg_get_userbyid(d.datdba)::text, d.datacl::text \
                     FROM pg_catalog.pg_database d",
                    &[],
                )
                .await
                .context("reading pg_database")
        },
    )?;
    for row in rows {
        let name: String = row.try_get(0)?;
        let valid_until: Option<String> = row.try_get(9)?;
        let config: Option<Vec<String>> = row.try_get(10)?;
        let settings = config
            .unwrap_or_default()
            .into_iter()
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        live.roles.insert(
            name,
            LiveRole {
                attrs: RoleAttrs {
                    superuser: row.try_get(1)?,
                    inherit: row.try_get(2)?,
                    createrole: row.try_get(3)?,
                    createdb: row.try_get(4)?,
                    login: row.try_get(5)?,
                    replication: row.try_get(6)?,
                    bypassrls: row.try_get(7)?,
                    connection_limit: row.try_get(8)?,
                    valid_until: valid_until.filter(|v| v != "infinity"),
                    ..RoleAttrs::default()
                },
                comment: row.try_get(11)?,
                settings,
                verifier: None,
            },
        );
    }
    let readable: bool = readable.try_get(0)?;
    live.passwords_readable = readable;
    if readable {
        let rows = client
            .query("SELECT rolname::text, rolpassword::text FROM pg_catalog.pg_authid WHERE rolpassword IS NOT NULL", &[])
            .await
            .context("reading pg_authid")?;
        for row in rows {
            let name: String = row.try_get(0)?;
            let pw: String = row.try_get(1)?;
            if let Some(r) = live.roles.get_mut(&name) {
                r.verifier = Some(Secret::new(pw));
            }
        }
    }
    for row in member_rows {
        let group: String = row.try_get(0)?;
        let member: String = row.try_get(1)?;
        let admin: bool = row.try_get(2)?;
        let inherit: Option<bool> = row.try_get(3)?;
        let set: Option<bool> = row.try_get(4)?;
        if let Some(grantor) = row.try_get::<_, Option<String>>(5)? {
            live.membership_grantors
                .entry(group.clone())
                .or_default()
                .entry(member.clone())
                .or_default()
                .insert(grantor);
        }
        let e = live
            .memberships
            .entry(group)
            .or_default()
            .entry(member)
            .or_default();
        // PG16 may hold one grant per grantor: the options of any of them count.
        e.admin |= admin;
        e.inherit = match (e.inherit, inherit) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        e.set = match (e.set, set) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
    }
    for row in shdepend {
        let role: String = row.try_get(0)?;
        let db: Option<String> = row.try_get(1)?;
        let owned: i64 = row.try_get(2)?;
        if owned > 0 {
            *live.owned.entry(role.clone()).or_default() += owned;
        }
        // Shared objects (dbid 0) are reached from any database.
        if let Some(db) = db {
            live.dependent_dbs.entry(role).or_default().insert(db);
        }
    }
    for row in databases {
        let database: String = row.try_get(0)?;
        let owner: String = row.try_get(1)?;
        let acl: Option<&str> = row.try_get(2)?;
        if let Some(acl) = acl {
            super::acl::for_each(acl, |item| {
                if item.grantee == "PUBLIC" || item.grantee == owner {
                    return Ok(());
                }
                for (privilege, grantable) in item.privileges() {
                    live.other_db_grants.insert(DatabaseGrant {
                        database: database.clone(),
                        grantee: item.grantee.to_string(),
                        privilege,
                        grantable,
                    });
                }
                Ok(())
            })
            .with_context(|| format!("reading the ACL of database `{database}`"))?;
        }
        live.database_owners.insert(database, owner);
    }
    Ok(())
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn versions() {
        assert_eq!(
            super::version_num("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64"),
            150020
        );
        assert_eq!(super::version_num("PostgreSQL 16.4 on aarch64"), 160004);
        assert_eq!(
            super::version_num("PostgreSQL 8.0.2 on i686-pc-linux-gnu, Redshift 1.0.77467"),
            80002
        );
        assert_eq!(super::version_num("PostgreSQL 17beta1 on x"), 170000);
        assert_eq!(super::version_num(""), 0);
        assert_eq!(super::version_num("X 2147483647.9 y"), i32::MAX);
        assert_eq!(super::version_num("X 9.2147483647.1 y"), i32::MAX);
    }
}
