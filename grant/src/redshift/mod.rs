//! Redshift: reading the catalog (pg_user, pg_group, ACL strings as text)
//! into the live model. The pure parts are in [`acl`] and [`catalog`].

pub mod acl;
pub mod catalog;

use crate::live::{Live, LiveDb};
use catalog::{
    database, rbac_roles, roles, user_info, DefaultAclRow, GroupRow, NspRow, RelRow, UserRow,
};

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
mod tests;
