//! Reading the live catalog: GetDatabases, GetTables per database and
//! GetPartitions per partition-managed table, each paginated, the per-table
//! reads concurrent with a limit.

use std::collections::BTreeMap;

use anyhow::Context;
use aws_config::BehaviorVersion;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::glue;
use crate::model::{DatabaseSpec, Desired, PartitionSpec};

/// AWS options from the command line; everything else comes from the
/// standard chain (environment, profile, SSO, IMDS, `AWS_ENDPOINT_URL`).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--workgroup` for Athena queries.
    pub workgroup: Option<String>,
    /// `--output-location` (S3) for Athena query results.
    pub output_location: Option<String>,
    /// Maximum concurrent requests / changes.
    pub parallelism: usize,
}

/// The Glue and Athena clients.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Glue.
    pub glue: aws_sdk_glue::Client,
    /// Athena.
    pub athena: aws_sdk_athena::Client,
    /// Region and endpoint, for plans and messages.
    pub target: String,
}

/// Formats an SDK error with its whole cause chain.
pub fn sdk_err<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow::anyhow!("{}", aws_sdk_glue::error::DisplayErrorContext(e))
}

/// Builds the clients from the standard AWS configuration chain.
pub async fn clients(o: &AwsOptions) -> anyhow::Result<Clients> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &o.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &o.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    let conf = loader.load().await;
    let Some(region) = conf.region() else {
        anyhow::bail!(
            "no AWS region configured: pass --region or set AWS_REGION (or a profile's region)"
        );
    };
    let target = match conf.endpoint_url() {
        Some(e) => format!("glue {region} ({})", common::secret::redact_url(e)),
        None => format!("glue {region}"),
    };
    Ok(Clients {
        glue: aws_sdk_glue::Client::new(&conf),
        athena: aws_sdk_athena::Client::new(&conf),
        target,
    })
}

/// The live catalog of the configured databases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Live {
    /// Configured databases that exist, with all their tables and views.
    pub databases: BTreeMap<String, DatabaseSpec>,
}

/// Every database (GetDatabases, paginated).
pub async fn databases(c: &Clients) -> anyhow::Result<Vec<aws_sdk_glue::types::Database>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .glue
            .get_databases()
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .context("Glue GetDatabases failed")?;
        out.extend(r.database_list);
        token = r.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Every table of a database (GetTables, paginated).
pub async fn tables(c: &Clients, db: &str) -> anyhow::Result<Vec<aws_sdk_glue::types::Table>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .glue
            .get_tables()
            .database_name(db)
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("Glue GetTables on `{db}` failed"))?;
        out.extend(r.table_list.unwrap_or_default());
        token = r.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Every partition of a table (GetPartitions, paginated), sorted.
pub async fn partitions(c: &Clients, db: &str, table: &str) -> anyhow::Result<Vec<PartitionSpec>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .glue
            .get_partitions()
            .database_name(db)
            .table_name(table)
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("Glue GetPartitions on `{db}.{table}` failed"))?;
        for p in r.partitions.unwrap_or_default() {
            out.push(PartitionSpec {
                values: p.values.unwrap_or_default(),
                location: p.storage_descriptor.and_then(|s| s.location),
            });
        }
        token = r.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            out.sort();
            return Ok(out);
        }
    }
}

/// Reads the configured databases (all their tables and views) and the
/// partitions of the tables whose partitions the configuration manages.
pub async fn read(c: &Clients, desired: &Desired, parallelism: usize) -> anyhow::Result<Live> {
    let all = databases(c).await?;
    let wanted: Vec<DatabaseSpec> = all
        .iter()
        .map(glue::database_spec)
        .filter(|d| desired.databases.contains_key(&d.name))
        .collect();
    let limit = parallelism.max(1);
    let with_tables: Vec<DatabaseSpec> = stream::iter(wanted.into_iter().map(|mut d| async move {
        for t in tables(c, &d.name).await? {
            let spec = glue::table_spec(&t);
            d.tables.insert(spec.name.clone(), spec);
        }
        anyhow::Ok(d)
    }))
    .buffer_unordered(limit)
    .try_collect()
    .await?;
    let mut live = Live::default();
    for d in with_tables {
        live.databases.insert(d.name.clone(), d);
    }
    // Partitions, only where the configuration manages them.
    let mut jobs = Vec::new();
    for (dbname, db) in &desired.databases {
        for (tname, t) in &db.tables {
            let exists = live
                .databases
                .get(dbname)
                .is_some_and(|d| d.tables.contains_key(tname));
            if t.partitions.is_some() && exists {
                jobs.push((dbname.clone(), tname.clone()));
            }
        }
    }
    let parts: Vec<(String, String, Vec<PartitionSpec>)> =
        stream::iter(jobs.into_iter().map(|(d, t)| async move {
            let p = partitions(c, &d, &t).await?;
            anyhow::Ok((d, t, p))
        }))
        .buffer_unordered(limit)
        .try_collect()
        .await?;
    for (d, t, p) in parts {
        if let Some(spec) = live
            .databases
            .get_mut(&d)
            .and_then(|db| db.tables.get_mut(&t))
        {
            spec.partitions = Some(p);
        }
    }
    Ok(live)
}
