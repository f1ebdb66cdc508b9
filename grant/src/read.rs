//! The live-read sequence: connect, detect the dialect, read the cluster-wide
//! state and each configured database, then keep what the configuration
//! concerns.

use anyhow::{bail, Context};

use crate::live::{self, Live};
use crate::model::{Desired, DesiredPassword, Dialect};

/// Fails when a password's environment variable is missing.
fn check_env_passwords(desired: &Desired) -> anyhow::Result<()> {
    let missing: Vec<String> = desired
        .roles
        .iter()
        .filter_map(|(name, r)| match &r.password {
            Some(DesiredPassword::Env { var, value: None }) => {
                Some(format!("`{var}` (password of role `{name}`)"))
            }
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        bail!("environment variable(s) not set: {}", missing.join(", "));
    }
    Ok(())
}

/// Fails when a grant-rs DROP privilege meets a PostgreSQL server, which
/// has no such privilege (grant-rs sends it and the GRANT fails).
fn check_dialect_privileges(
    desired: &Desired,
    dialect: Dialect,
    version: i32,
) -> anyhow::Result<()> {
    if dialect == Dialect::Redshift {
        return Ok(());
    }
    for g in desired.databases.values().flat_map(|d| &d.grants) {
        for p in &g.privileges {
            // A revoke takes only what is held: one of a newer privilege
            // is simply nothing to do on an older server.
            if let Some(v) = crate::privs::since(*p).filter(|v| !g.all && !g.revoke && version < *v)
            {
                bail!(
                    "{}: {p} needs PostgreSQL {} or newer (the server is {version})",
                    g.location.as_deref().unwrap_or("configuration"),
                    v / 10000
                );
            }
        }
        if g.privileges.contains(&crate::privs::Privilege::Drop) {
            bail!(
                "{}: DROP is a Redshift table privilege; PostgreSQL has none (remove it from `grants`)",
                g.location.as_deref().unwrap_or("configuration")
            );
        }
    }
    Ok(())
}

/// The (schema, `name(args)`) function signatures a database's grants name.
fn configured_functions(db: &crate::model::Database) -> Vec<(String, String)> {
    db.grants
        .iter()
        .filter(|g| g.kind == crate::privs::ObjectKind::Function)
        .flat_map(|g| {
            let schema = g.schema.clone().unwrap_or_default();
            g.objects
                .iter()
                .filter(|o| o.ends_with(')'))
                .map(move |o| (schema.clone(), o.clone()))
        })
        .collect()
}

/// The schemas and column names that a database's column grants name.
fn configured_columns(db: &crate::model::Database) -> (Vec<String>, Vec<String>) {
    let mut schemas = std::collections::BTreeSet::new();
    let mut columns = std::collections::BTreeSet::new();
    for g in db
        .grants
        .iter()
        .filter(|g| g.kind == crate::privs::ObjectKind::Column)
    {
        schemas.extend(g.schema.clone());
        columns.extend(g.columns.iter().cloned());
    }
    (schemas.into_iter().collect(), columns.into_iter().collect())
}

/// Fails when a column grant names a table that exists without one of the
/// columns (`*` takes only the tables having them).
fn check_columns(db: &crate::model::Database, ldb: &live::LiveDb) -> anyhow::Result<()> {
    for g in db
        .grants
        .iter()
        .filter(|g| g.kind == crate::privs::ObjectKind::Column)
    {
        let schema = g.schema.clone().unwrap_or_default();
        for t in g.objects.iter().filter(|o| *o != "*") {
            if ldb
                .relations
                .get(schema.as_str())
                .and_then(|r| r.get(t.as_str()))
                .is_none()
            {
                continue;
            }
            for c in &g.columns {
                if !ldb
                    .columns
                    .contains(&(schema.clone(), t.clone(), c.clone()))
                {
                    bail!(
                        "{}: table `{schema}.{t}` has no column `{c}`",
                        g.location.as_deref().unwrap_or("configuration")
                    );
                }
            }
        }
    }
    Ok(())
}

/// Connects to a configured database, naming it where the configuration does.
async fn connect_db(
    target: &crate::conn::Target,
    desired: &Desired,
    db: &str,
) -> anyhow::Result<tokio_postgres::Client> {
    target
        .connect(Some(db))
        .await
        .map_err(|e| match desired.database_locations.get(db) {
            Some(at) => e.context(format!("{at}: database `{db}` of the configuration")),
            None => e,
        })
}

/// Reads the live state of everything the configuration manages.
pub async fn read_live(desired: &Desired) -> anyhow::Result<Live> {
    check_env_passwords(desired)?;
    let started = std::time::Instant::now();
    let target = crate::conn::target(&desired.connection)?;
    let client = target.connect(None).await?;
    let info = live::cluster_info(&client).await?;
    let dialect = desired
        .connection
        .dialect
        .unwrap_or(if info.version.contains("Redshift") {
            Dialect::Redshift
        } else {
            Dialect::Postgres
        });
    check_dialect_privileges(desired, dialect, info.version_num)?;
    let mut live = Live {
        dialect,
        current_user: info.current_user,
        connection_db: info.database.clone(),
        passwords_readable: false,
        server_version: info.version_num,
        rbac_roles: Default::default(),
        roles: Default::default(),
        memberships: Default::default(),
        membership_grantors: Default::default(),
        owned: Default::default(),
        dependent_dbs: Default::default(),
        databases: Default::default(),
        database_owners: Default::default(),
        other_db_grants: Default::default(),
    };
    let rs = dialect == Dialect::Redshift;
    if rs {
        crate::redshift::read_roles(&client, &mut live).await?;
        for db in desired.databases.keys() {
            let other;
            let c = if *db == info.database {
                &client
            } else {
                other = connect_db(&target, desired, db).await?;
                &other
            };
            let ldb = crate::redshift::read_db(c)
                .await
                .with_context(|| format!("reading database `{db}`"))?;
            live.databases.insert(db.clone(), ldb);
        }
    } else {
        // The cluster-wide queries run on this connection while the
        // databases are read on their own (the connection's database on a
        // second one): the server answers both at once.
        let (roles, dbs) = tokio::join!(live::read_roles(&client, &mut live), async {
            let mut out = Vec::new();
            for (db, d) in &desired.databases {
                let c = connect_db(&target, desired, db).await?;
                let ldb = live::read_db(&c, &configured_functions(d), &configured_columns(d))
                    .await
                    .with_context(|| format!("reading database `{db}`"))?;
                check_columns(d, &ldb)?;
                tracing::info!(database = %db, privileges = ldb.acl.len(), relations = ldb.relations.values().map(|r| r.len()).sum::<usize>(), "read database");
                out.push((db.clone(), ldb));
            }
            anyhow::Ok(out)
        });
        roles?;
        live.databases.extend(dbs?);
    }
    tracing::info!(
        roles = live.roles.len(),
        ms = started.elapsed().as_millis() as u64,
        "read the live state (connect and catalog queries)"
    );
    Ok(live)
}

/// Keeps of the cluster-wide state only what concerns this configuration:
/// declared, external, managed and reassign-target roles, memberships of
/// those and of the groups they belong to (up the chain), the memberships
/// granted down from them (PostgreSQL 16+ grantors), those roles and the
/// roles holding privileges in the configured databases. Unrelated role
/// changes elsewhere in the cluster then neither show in the plan nor make
/// a saved plan stale.
pub fn scope(desired: &Desired, live: &mut Live) {
    let cu = live.current_user.clone();
    let keep = |n: &str| {
        desired.roles.contains_key(n)
            || desired.external.contains(n)
            || desired.is_managed(n, &cu)
            || desired.reassign_owned_to.as_deref() == Some(n)
            || desired.memberships.contains_key(n)
    };
    // And the memberships of the groups those belong to, up the chain: whose
    // privileges (and grant options) a role has through them decides what a
    // REVOKE … CASCADE takes (see `diff::cascade`).
    let mut groups_of: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (g, members) in &live.memberships {
        for m in members.keys() {
            groups_of.entry(m.as_str()).or_default().push(g.as_str());
        }
    }
    let mut up: std::collections::BTreeSet<String> = Default::default();
    let mut todo: Vec<&str> = groups_of
        .iter()
        .filter(|(m, _)| keep(m))
        .flat_map(|(_, gs)| gs.iter().copied())
        .collect();
    while let Some(g) = todo.pop() {
        if up.insert(g.to_string()) {
            todo.extend(groups_of.get(g).into_iter().flatten().copied());
        }
    }
    // PostgreSQL 16+: and, down the chain, the members holding a kept
    // member's group through its grant: revoking the kept member's
    // membership cascades to them (see `diff::memberships`).
    let mut down: std::collections::BTreeSet<(String, String)> = Default::default();
    for (g, by) in &live.membership_grantors {
        let mut reach: std::collections::BTreeSet<&str> = by
            .keys()
            .map(String::as_str)
            .filter(|m| keep(m) || up.contains(*m))
            .collect();
        loop {
            let more: Vec<&str> = by
                .iter()
                .filter(|(m, gs)| {
                    !reach.contains(m.as_str()) && gs.iter().any(|x| reach.contains(x.as_str()))
                })
                .map(|(m, _)| m.as_str())
                .collect();
            if more.is_empty() {
                break;
            }
            for m in more {
                reach.insert(m);
                down.insert((g.clone(), m.to_string()));
            }
        }
    }
    live.memberships.retain(|g, members| {
        members.retain(|m, _| {
            keep(m)
                || up.contains(m)
                || (!down.is_empty() && down.contains(&(g.clone(), m.clone())))
        });
        !members.is_empty()
    });
    let memberships = &live.memberships;
    live.membership_grantors.retain(|g, members| {
        members.retain(|m, _| memberships.get(g).is_some_and(|ms| ms.contains_key(m)));
        !members.is_empty()
    });
    // Hashed by name: 100,000 grantees, a few hundred distinct.
    let mut related: std::collections::HashSet<&str, foldhash::fast::RandomState> =
        live.memberships.keys().map(String::as_str).collect();
    for db in live.databases.values() {
        related.extend(db.acl.iter().map(|e| e.grantee.as_str()));
        for e in &db.default_acl {
            related.insert(&e.grantee);
            related.insert(&e.for_role);
        }
    }
    let related: std::collections::BTreeSet<String> =
        related.into_iter().map(str::to_string).collect();
    live.roles.retain(|n, _| keep(n) || related.contains(n));
    live.owned.retain(|n, _| keep(n));
    live.dependent_dbs.retain(|n, _| keep(n));
    live.database_owners.retain(|_, owner| keep(owner));
    live.other_db_grants
        .retain(|g| keep(&g.grantee) && !desired.databases.contains_key(&g.database));
}

/// [`read_live`] then [`scope`]: what plan and apply compare.
pub async fn read_scoped(desired: &Desired) -> anyhow::Result<Live> {
    let mut live = read_live(desired).await?;
    scope(desired, &mut live);
    Ok(live)
}
