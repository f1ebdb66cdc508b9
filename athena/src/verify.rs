//! After a Glue write fails, the catalog is read again to learn whether the
//! write took effect: an answer lost to a timeout or a dropped connection
//! says nothing about whether Glue applied the request, and the SDK's own
//! retry of an applied CreateTable gets AlreadyExistsException (of an
//! applied DeleteTable, EntityNotFoundException; of an applied
//! BatchCreatePartition, per-partition AlreadyExists errors). The affected
//! object is read once (GetDatabase, GetTable or BatchGetPartition) and
//! compared with what the write asked for: when it matches, the write is
//! counted as applied (with a note on stderr); otherwise the failure stands,
//! with what the re-read showed.

use std::collections::BTreeMap;

use crate::diff::{database_matches, external_table_matches, Op};
use crate::glue;
use crate::live::{sdk_err, Clients};
use crate::model::PartitionSpec;

/// What a re-read after a failed write showed.
#[derive(Debug)]
pub enum Outcome {
    /// The live object is what the write asked for.
    Applied,
    /// It is not; why.
    NotApplied(String),
    /// The re-read failed too.
    Unknown(anyhow::Error),
}

/// BatchGetPartition's limit of partitions per request.
const GET_BATCH: usize = 1000;

/// Re-reads the object `op` writes and compares it with what `op` asked for.
/// Athena statements are not re-read here (see `query`).
pub async fn check(c: &Clients, op: &Op) -> Outcome {
    match read_and_compare(c, op).await {
        Ok(None) => Outcome::Applied,
        Ok(Some(why)) => Outcome::NotApplied(why),
        Err(e) => Outcome::Unknown(e),
    }
}

/// Settles a failed write: `Ok` when the re-read shows it applied (and says
/// so on stderr), else the write's error with what the re-read showed.
pub async fn settle(c: &Clients, op: &Op, summary: &str, err: anyhow::Error) -> anyhow::Result<()> {
    match check(c, op).await {
        Outcome::Applied => {
            eprintln!(
                "note: {summary}: the call failed ({err:#}), but the catalog read again afterwards shows it applied; counted as applied"
            );
            Ok(())
        }
        Outcome::NotApplied(why) => Err(anyhow::anyhow!(
            "{err:#}; read again after the failure: not applied ({why})"
        )),
        Outcome::Unknown(e) => Err(anyhow::anyhow!(
            "{err:#}; reading the catalog again after the failure failed too ({e:#}): whether it was applied is unknown, run plan to see"
        )),
    }
}

/// `None` when the live object matches, else what differs.
async fn read_and_compare(c: &Clients, op: &Op) -> anyhow::Result<Option<String>> {
    Ok(match op {
        Op::CreateDatabase(want) | Op::UpdateDatabase(want) => {
            match get_database(c, &want.name).await? {
                None => Some(format!("database `{}` does not exist", want.name)),
                Some(d) if database_matches(want, &glue::database_spec(&d)) => None,
                Some(_) => Some(format!(
                    "database `{}` differs from the configuration",
                    want.name
                )),
            }
        }
        Op::CreateTable { db, spec } | Op::UpdateTable { db, spec } => {
            match get_table(c, db, &spec.name).await? {
                None => Some(format!("table `{db}.{}` does not exist", spec.name)),
                Some(t) if external_table_matches(db, spec, &glue::table_spec(&t)) => None,
                Some(_) => Some(format!(
                    "table `{db}.{}` differs from the configuration",
                    spec.name
                )),
            }
        }
        Op::DeleteTable { db, name } => get_table(c, db, name)
            .await?
            .map(|_| format!("`{db}.{name}` still exists")),
        Op::CreatePartitions {
            db,
            spec,
            partitions,
        } => {
            let values: Vec<Vec<String>> = partitions.iter().map(|p| p.values.clone()).collect();
            let live = get_partitions(c, db, &spec.name, &values).await?;
            let wrong = partitions
                .iter()
                .filter(|p| {
                    !live
                        .get(&p.values)
                        .is_some_and(|loc| crate::diff::same_location(loc, &p.location))
                })
                .count();
            (wrong > 0).then(|| {
                format!(
                    "{wrong} of {} partition(s) of `{db}.{}` missing or at another location",
                    partitions.len(),
                    spec.name
                )
            })
        }
        Op::DeletePartitions { db, table, values } => {
            let live = get_partitions(c, db, table, values).await?;
            (!live.is_empty()).then(|| {
                format!(
                    "{} of {} partition(s) of `{db}.{table}` still registered",
                    live.len(),
                    values.len()
                )
            })
        }
        Op::Athena { .. } => Some("an Athena statement is not re-read".into()),
    })
}

async fn get_database(
    c: &Clients,
    name: &str,
) -> anyhow::Result<Option<aws_sdk_glue::types::Database>> {
    match c
        .glue
        .get_database()
        .set_catalog_id(c.catalog_id.clone())
        .name(name)
        .send()
        .await
    {
        Ok(r) => Ok(r.database),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_entity_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_err(e).context(format!("Glue GetDatabase {name}"))),
    }
}

/// The Glue table, `None` when it does not exist.
pub async fn get_table(
    c: &Clients,
    db: &str,
    name: &str,
) -> anyhow::Result<Option<aws_sdk_glue::types::Table>> {
    match c
        .glue
        .get_table()
        .set_catalog_id(c.catalog_id.clone())
        .database_name(db)
        .name(name)
        .send()
        .await
    {
        Ok(r) => Ok(r.table),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_entity_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_err(e).context(format!("Glue GetTable {db}.{name}"))),
    }
}

/// The registered ones among `values` (BatchGetPartition, 1000 a request):
/// values -> location.
async fn get_partitions(
    c: &Clients,
    db: &str,
    table: &str,
    values: &[Vec<String>],
) -> anyhow::Result<BTreeMap<Vec<String>, Option<String>>> {
    let mut out = BTreeMap::new();
    for chunk in values.chunks(GET_BATCH) {
        let list = glue::value_lists(chunk)?;
        let r = c
            .glue
            .batch_get_partition()
            .set_catalog_id(c.catalog_id.clone())
            .database_name(db)
            .table_name(table)
            .set_partitions_to_get(Some(list))
            .send()
            .await
            .map_err(sdk_err)
            .map_err(|e| e.context(format!("Glue BatchGetPartition {db}.{table}")))?;
        if r.unprocessed_keys.as_ref().is_some_and(|u| !u.is_empty()) {
            anyhow::bail!("Glue BatchGetPartition {db}.{table} left partitions unread");
        }
        for p in r.partitions.unwrap_or_default() {
            let spec = PartitionSpec {
                values: p.values.unwrap_or_default(),
                location: p.storage_descriptor.and_then(|s| s.location),
            };
            out.insert(spec.values, spec.location);
        }
    }
    Ok(out)
}
